// A server model for the pipeline's tests, not a RESP server: it reads the
// bytes a pipeline wrote as commands (with resp::reader) and answers each one
// with a reply that names it, so a test can tell whose reply reached whom.
//
//   ECHO x                 $x
//   MULTI / ... / EXEC     +OK, +QUEUED per command, then the array of their replies
//   SUBSCRIBE c1 c2 ...    one confirmation per channel (a push in RESP3, an
//                          array in RESP2), or one -NOPERM when any channel
//                          starts with "denied" (as Redis does for the whole command)
//   PING                   +PONG, or ["pong", ""] on a subscribed RESP2 connection
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"

namespace respcache::net::testing {

enum class protocol_mode {
    resp2,             // plain RESP2: no pushes
    resp2_subscribed,  // RESP2 subscriber link: pub/sub arrives as plain arrays
    resp3,
};

class fake_resp_server {
  public:
    explicit fake_resp_server(protocol_mode mode) : mode_(mode) {}

    // Bytes the client wrote on the current connection: every complete
    // command runs and its reply is queued, whole, in `replies`.
    void receive(std::string_view bytes) {
        reader_.feed(bytes);
        for (;;) {
            auto next = reader_.next();
            if (!next) {
                ADD_FAILURE() << "the client wrote bytes that are not RESP: "
                              << next.error_value().message;
                return;
            }
            if (!next->has_value()) return;
            std::vector<std::string> args;
            for (resp::reply arg : **next) args.emplace_back(arg.string());
            received.push_back(args);
            replies.push_back(answer(args));
        }
    }

    // The connection dropped: a half-received command never runs, replies
    // not yet sent are lost, an open MULTI is discarded.
    void disconnect() {
        reader_.reset();
        replies.clear();
        in_multi_ = false;
        queued_.clear();
        subscriptions_ = 0;
    }

    // A pub/sub message as this connection's protocol sends it.
    std::string message(std::string_view channel, std::string_view text) const {
        std::string out = mode_ == protocol_mode::resp3 ? ">3\r\n" : "*3\r\n";
        resp::append_blob(out, std::string_view("message"));
        resp::append_blob(out, channel);
        resp::append_blob(out, text);
        return out;
    }
    bool has_pushes() const { return mode_ != protocol_mode::resp2; }

    std::deque<std::string> replies;                 // to send, each one whole
    std::vector<std::vector<std::string>> received;  // every command run, over all connections

  private:
    std::string answer(const std::vector<std::string>& args) {
        const std::string name = args.empty() ? std::string() : args[0];
        if (name == "MULTI") {
            in_multi_ = true;
            return "+OK\r\n";
        }
        if (name == "EXEC") {
            if (!in_multi_) return "-ERR EXEC without MULTI\r\n";
            in_multi_ = false;
            std::string out = "*" + std::to_string(queued_.size()) + "\r\n";
            for (const auto& r : queued_) out += r;
            queued_.clear();
            return out;
        }
        if (in_multi_) {
            queued_.push_back(run(args));
            return "+QUEUED\r\n";
        }
        return run(args);
    }

    std::string run(const std::vector<std::string>& args) {
        const std::string& name = args[0];
        std::string out;
        if (name == "ECHO" && args.size() == 2) {
            resp::append_blob(out, args[1]);
            return out;
        }
        if (name == "PING") {
            if (mode_ == protocol_mode::resp2_subscribed) return "*2\r\n$4\r\npong\r\n$0\r\n\r\n";
            return "+PONG\r\n";
        }
        if (name == "SUBSCRIBE" && args.size() > 1) {
            for (std::size_t i = 1; i < args.size(); ++i)
                if (args[i].starts_with("denied"))
                    return "-NOPERM this user has no permissions to access the '" + args[i] +
                           "' channel\r\n";
            for (std::size_t i = 1; i < args.size(); ++i) {
                out += mode_ == protocol_mode::resp3 ? ">3\r\n" : "*3\r\n";
                resp::append_blob(out, std::string_view("subscribe"));
                resp::append_blob(out, args[i]);
                out += ":" + std::to_string(++subscriptions_) + "\r\n";
            }
            return out;
        }
        return "-ERR unknown command '" + name + "'\r\n";
    }

    const protocol_mode mode_;
    resp::reader reader_;
    bool in_multi_ = false;
    std::vector<std::string> queued_;
    int subscriptions_ = 0;
};

}  // namespace respcache::net::testing
