// A scripted side of a pipeline for its unit tests: records how each request
// completed, feeds server bytes through resp::reader, writes in chosen sizes.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respcache/net/pipeline.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"

namespace respcache::net::testing {

inline const clock::time_point t0{};

// How each request (by its slot number) completed, and how many times.
struct outcome_log {
    std::vector<std::optional<result<resp::owned_reply>>> outcomes;
    std::vector<int> times;

    pipeline::completion slot(std::size_t i) {
        if (outcomes.size() <= i) {
            outcomes.resize(i + 1);
            times.resize(i + 1);
        }
        return [this, i](result<resp::reply> r) {
            ++times[i];
            EXPECT_EQ(times[i], 1) << "request " << i << " completed twice";
            if (r)
                outcomes[i].emplace(r->to_owned());
            else
                outcomes[i].emplace(r.error_value());
        };
    }
    bool done(std::size_t i) const { return i < outcomes.size() && outcomes[i].has_value(); }
    int completions() const {
        int n = 0;
        for (int t : times) n += t;
        return n;
    }
    bool succeeded(std::size_t i) const { return done(i) && outcomes[i]->has_value(); }
    resp::reply reply(std::size_t i) const { return outcomes.at(i)->value().view(); }
    // A string reply's text, or "error: <message>" for a failed request.
    std::string text(std::size_t i) const {
        if (!done(i)) return "(not completed)";
        const auto& o = *outcomes[i];
        return o ? std::string(o->view().string()) : "error: " + o.error_value().message;
    }
    std::optional<error_kind> kind(std::size_t i) const {
        if (!done(i) || outcomes[i]->has_value()) return std::nullopt;
        return outcomes[i]->error_value().kind;
    }
    bool message_has(std::size_t i, std::string_view part) const {
        return text(i).find(part) != std::string::npos;
    }
};

template <class... Args>
std::string command(const Args&... args) {
    std::string out;
    resp::append_command(out, args...);
    return out;
}

inline request_spec plain(clock::duration timeout, bool retry_safe = false) {
    return {t0 + timeout, request_kind::command, 1, retry_safe};
}
inline request_spec transaction(clock::duration timeout, std::uint32_t commands) {
    return {t0 + timeout, request_kind::transaction, commands + 2, false};
}
inline request_spec subscription(clock::duration timeout, std::uint32_t channels) {
    return {t0 + timeout, request_kind::subscription, channels, true};
}
inline request_spec keepalive(clock::duration timeout) {
    return {t0 + timeout, request_kind::keepalive, 1, false};
}

// MULTI, the commands, EXEC: one request.
inline std::string multi_exec(const std::vector<std::string>& commands) {
    std::string out = command("MULTI");
    for (const auto& c : commands) out += c;
    return out + command("EXEC");
}

// `kind`: the command's lower-case name, as the server confirms it.
inline std::string confirmation(std::string_view kind, std::string_view channel, int count,
                                bool resp3 = true) {
    std::string out = resp3 ? ">3\r\n" : "*3\r\n";
    resp::append_blob(out, kind);
    resp::append_blob(out, channel);
    return out + ":" + std::to_string(count) + "\r\n";
}
inline std::string subscribe_confirmation(std::string_view channel, int count, bool resp3 = true) {
    return confirmation("subscribe", channel, count, resp3);
}

inline std::string message_push(std::string_view channel, std::string_view text,
                                bool resp3 = true) {
    std::string out = resp3 ? ">3\r\n" : "*3\r\n";
    resp::append_blob(out, std::string_view("message"));
    resp::append_blob(out, channel);
    resp::append_blob(out, text);
    return out;
}

inline std::string blob(std::string_view text) {
    std::string out;
    resp::append_blob(out, text);
    return out;
}

// One connection's worth of pipeline, reader and written bytes.
struct fake_connection {
    explicit fake_connection(bool subscriber_link = false) : p(subscriber_link) { p.connected(); }

    pipeline p;
    resp::reader reader;
    std::string sent;  // every byte committed, over every connection

    // Feeds server bytes; every complete reply goes to the pipeline.
    std::vector<pipeline::reply_use> server_says(std::string_view bytes) {
        std::vector<pipeline::reply_use> uses;
        reader.feed(bytes);
        for (;;) {
            auto next = reader.next();
            EXPECT_TRUE(next) << "server bytes must parse";
            if (!next || !next->has_value()) break;
            uses.push_back(p.on_reply(**next));
        }
        return uses;
    }
    // Writes at most `n` bytes; returns them.
    std::string write(std::size_t n) {
        const std::string_view bytes = p.prepare_write();
        const std::string out(bytes.substr(0, n));
        p.commit_write(out.size());
        sent += out;
        return out;
    }
    std::string write_everything() {
        std::string out;
        for (std::string chunk = write(SIZE_MAX); !chunk.empty(); chunk = write(SIZE_MAX))
            out += chunk;
        return out;
    }
    void lose(std::string_view why = "reset by peer") {
        p.connection_lost(error{error_kind::io, std::string(why)});
        reader.reset();
    }
    void reconnect(std::string_view why = "reset by peer") {
        lose(why);
        p.connected();
    }
};

using uses = std::vector<pipeline::reply_use>;
constexpr auto answered = pipeline::reply_use::answered;
constexpr auto message = pipeline::reply_use::message;
constexpr auto unexpected = pipeline::reply_use::unexpected;

}  // namespace respcache::net::testing
