// Every ordering of five events around one request R — its write, the
// server's replies, R's deadline passing, a disconnect (and reconnect), and
// another request S pushed behind it — for each kind of R, on RESP2 and
// RESP3, checked against what the ordering must give R.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "fake_resp_server.hpp"
#include "pipeline_script.hpp"

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;

enum class event { write, answer, deadline, disconnect, push_other };
enum class fate { reply, timed_out_sent, never_ran, outcome_unknown };

struct kind_of_r {
    const char* name;
    request_kind kind;
    bool retry_safe;
};

class ordering {
  public:
    ordering(protocol_mode mode, const kind_of_r& r)
        : server_(mode), r_(r), f_(mode == protocol_mode::resp2_subscribed) {
        std::string bytes;
        std::uint32_t replies = 1;
        if (r.kind == request_kind::transaction) {
            bytes = multi_exec({command("ECHO", "R")});
            replies = 3;
        } else if (r.kind == request_kind::subscription) {
            bytes = command("SUBSCRIBE", "R");
        } else {
            bytes = command("ECHO", "R");
        }
        f_.p.push(bytes, {t0 + 1s, r.kind, replies, r.retry_safe}, log_.slot(0));
    }

    void apply(event e) {
        switch (e) {
            case event::write:
                write();
                break;
            case event::answer:
                answer();
                break;
            case event::deadline:
                EXPECT_FALSE(f_.p.expire(t0 + 1s));
                if (!completed_) {
                    completed_ = true;
                    // Sent on a lost connection, it may have run there.
                    expected_ = written_ || sent_before_ ? fate::timed_out_sent : fate::never_ran;
                    cancelled_ = !written_;
                    arrivals_at_cancel_ = arrivals();
                }
                break;
            case event::disconnect:
                server_.disconnect();
                f_.reconnect();
                if (written_ && !finished_) {
                    written_ = false;
                    sent_before_ = true;
                    const bool resend = r_.retry_safe && r_.kind != request_kind::transaction;
                    if (completed_ || !resend) finished_ = true;
                    if (!completed_ && !resend) {
                        completed_ = true;
                        expected_ = fate::outcome_unknown;
                    }
                }
                break;
            case event::push_other:
                f_.p.push(command("ECHO", "S"), plain(1h), log_.slot(1));
                pushed_other_ = true;
                break;
        }
    }

    void finish() {
        write();
        answer();
        if (!completed_) expected_ = fate::reply;
        EXPECT_TRUE(f_.p.idle());
        f_.p.fail_all(error{error_kind::closed, "closed"});
        EXPECT_EQ(log_.times[0], 1);
        switch (expected_) {
            case fate::reply:
                EXPECT_TRUE(log_.succeeded(0)) << log_.text(0);
                break;
            case fate::timed_out_sent:
                EXPECT_TRUE(log_.message_has(0, "the command was sent")) << log_.text(0);
                break;
            case fate::never_ran:
                EXPECT_TRUE(log_.message_has(0, "never ran")) << log_.text(0);
                break;
            case fate::outcome_unknown:
                EXPECT_EQ(log_.kind(0), error_kind::io) << log_.text(0);
                break;
        }
        if (pushed_other_) {
            EXPECT_EQ(log_.times[1], 1);
            EXPECT_TRUE(!log_.succeeded(1) || log_.reply(1).string() == "S");
        }
        if (cancelled_) {
            EXPECT_EQ(arrivals(), arrivals_at_cancel_) << "R reached the server after it expired";
        }
        if (arrivals() > 1) {
            EXPECT_TRUE(r_.retry_safe && r_.kind != request_kind::transaction) << "R sent twice";
        }
    }

  private:
    void write() {
        const std::string bytes = f_.write_everything();
        server_.receive(bytes);
        if (bytes.find("\r\nR\r\n") != std::string::npos) written_ = true;
    }
    void answer() {
        std::string bytes;
        for (const auto& r : server_.replies) bytes += r;
        server_.replies.clear();
        for (auto use : f_.server_says(bytes)) EXPECT_NE(use, unexpected);
        if (written_ && !finished_) {
            finished_ = true;
            if (!completed_) {
                completed_ = true;
                expected_ = fate::reply;
            }
        }
    }
    std::size_t arrivals() const {
        std::size_t n = 0;
        for (const auto& args : server_.received)
            if (args.size() == 2 && args[1] == "R") ++n;
        return n;
    }

    fake_resp_server server_;
    kind_of_r r_;
    fake_connection f_;
    outcome_log log_;
    bool written_ = false, finished_ = false, completed_ = false, cancelled_ = false;
    bool pushed_other_ = false;
    bool sent_before_ = false;
    std::size_t arrivals_at_cancel_ = 0;
    fate expected_ = fate::reply;
};

void every_ordering(protocol_mode mode, const kind_of_r& r) {
    std::array<event, 5> events{event::write, event::answer, event::deadline, event::disconnect,
                                event::push_other};
    int orderings = 0;
    do {
        std::string trace;
        for (event e : events) trace += "WADTP"[static_cast<int>(e)];
        SCOPED_TRACE(std::string(r.name) + ", events " + trace);
        ordering o(mode, r);
        for (event e : events) o.apply(e);
        o.finish();
        ++orderings;
    } while (std::next_permutation(events.begin(), events.end()) && !::testing::Test::HasFailure());
    EXPECT_EQ(orderings, 120);
}

const kind_of_r kinds[] = {
    {"command", request_kind::command, false},
    {"retry-safe command", request_kind::command, true},
    {"transaction marked retry-safe", request_kind::transaction, true},
    {"subscription", request_kind::subscription, true},
};

TEST(pipeline_every_ordering, resp3) {
    for (const auto& r : kinds) every_ordering(protocol_mode::resp3, r);
}

TEST(pipeline_every_ordering, resp2) {
    for (const auto& r : kinds)
        if (r.kind != request_kind::subscription) every_ordering(protocol_mode::resp2, r);
}

TEST(pipeline_every_ordering, resp2_subscriber_link) {
    for (const auto& r : kinds) every_ordering(protocol_mode::resp2_subscribed, r);
}

}  // namespace
}  // namespace respcache::net::testing
