// However the server's bytes are cut, every request gets the same reply, and
// a request completes exactly when the last byte of its last reply arrives:
// one conversation per protocol (plain replies, pushes in between,
// transactions, subscriptions confirmed or refused, keepalive), split at every
// byte boundary and fed one byte at a time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline_script.hpp"

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;

struct scripted_request {
    std::string bytes;
    request_spec spec;
};

// One reply (or push) the server sends; `request` is the slot it completes, or -1.
struct scripted_reply {
    std::string bytes;
    int request;
    pipeline::reply_use use;
};

struct conversation {
    bool subscriber_link = false;
    std::vector<scripted_request> requests;  // request i has slot i (keepalives too)
    std::vector<scripted_reply> replies;
    std::vector<std::string> expected;  // each caller's outcome, as outcome_log::text
};

std::string all_bytes(const conversation& c) {
    std::string out;
    for (const auto& r : c.replies) out += r.bytes;
    return out;
}

// Pushes and writes every request; keepalives get no completion.
void start(const conversation& c, fake_connection& f, outcome_log& log) {
    for (std::size_t i = 0; i < c.requests.size(); ++i) {
        const auto& r = c.requests[i];
        f.p.push(r.bytes, r.spec,
                 r.spec.kind == request_kind::keepalive ? pipeline::completion() : log.slot(i));
    }
    f.write_everything();
}

void check_outcomes(const conversation& c, const outcome_log& log) {
    for (std::size_t i = 0; i < c.requests.size(); ++i) {
        if (c.requests[i].spec.kind == request_kind::keepalive) continue;
        EXPECT_EQ(log.text(i), c.expected[i]) << "request " << i;
    }
}

// Feeds [0, cut) and [cut, end): after the first part exactly the requests
// whose last reply ends at or before `cut` are complete.
void feed_in_two(const conversation& c, std::size_t cut) {
    SCOPED_TRACE("split at byte " + std::to_string(cut));
    fake_connection f(c.subscriber_link);
    outcome_log log;
    start(c, f, log);
    const std::string bytes = all_bytes(c);
    f.server_says(std::string_view(bytes).substr(0, cut));
    std::size_t end = 0;
    std::vector<bool> should_be_done(c.requests.size(), false);
    for (const auto& r : c.replies) {
        end += r.bytes.size();
        if (r.request >= 0 && end <= cut)
            should_be_done[static_cast<std::size_t>(r.request)] = true;
    }
    for (std::size_t i = 0; i < c.requests.size(); ++i) {
        if (c.requests[i].spec.kind == request_kind::keepalive) continue;
        EXPECT_EQ(log.done(i), should_be_done[i]) << "request " << i;
    }
    f.server_says(std::string_view(bytes).substr(cut));
    check_outcomes(c, log);
    EXPECT_TRUE(f.p.idle());
}

void feed_byte_by_byte(const conversation& c) {
    fake_connection f(c.subscriber_link);
    outcome_log log;
    start(c, f, log);
    std::vector<pipeline::reply_use> uses;
    for (char byte : all_bytes(c))
        for (auto use : f.server_says(std::string_view(&byte, 1))) uses.push_back(use);
    std::vector<pipeline::reply_use> expected_uses;
    for (const auto& r : c.replies) expected_uses.push_back(r.use);
    EXPECT_EQ(uses, expected_uses);
    check_outcomes(c, log);
    int callers = 0;
    for (const auto& r : c.requests) callers += r.spec.kind != request_kind::keepalive;
    EXPECT_EQ(log.completions(), callers) << "every caller completes exactly once";
    EXPECT_TRUE(f.p.idle());
}

void check_every_split(const conversation& c) {
    feed_byte_by_byte(c);
    const std::size_t size = all_bytes(c).size();
    for (std::size_t cut = 0; cut <= size && !::testing::Test::HasFailure(); ++cut)
        feed_in_two(c, cut);
}

TEST(pipeline_splits, resp3_replies_pushes_transactions_and_subscriptions_at_every_byte) {
    conversation c;
    c.requests = {
        {command("GET", "a"), plain(1s)},
        {multi_exec({command("INCR", "n"), command("GET", "a")}), transaction(1s, 2)},
        {command("SUBSCRIBE", "x", "y"), subscription(1s, 2)},
        {command("SUBSCRIBE", "denied"), subscription(1s, 1)},
        {command("GET", "b"), plain(1s)},
        {command("PING"), keepalive(1s)},
        {command("GET", "c"), plain(1s)},
    };
    c.replies = {
        {blob("A"), 0, answered},
        {message_push("news", "hi"), -1, message},
        {"+OK\r\n", -1, answered},
        {"+QUEUED\r\n", -1, answered},
        {message_push("news", "between"), -1, message},
        {"+QUEUED\r\n", -1, answered},
        {"*2\r\n:1\r\n$1\r\nA\r\n", 1, answered},
        {subscribe_confirmation("x", 1), -1, answered},
        {subscribe_confirmation("y", 2), 2, answered},
        {message_push("x", "first"), -1, message},
        {"-NOPERM no permissions to access the 'denied' channel\r\n", 3, answered},
        {"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", 4, answered},
        {"+PONG\r\n", 5, answered},
        {"_\r\n", 6, answered},
    };
    c.expected = {"A",
                  "",  // the EXEC array: checked below
                  "",  // the last confirmation: checked below
                  "NOPERM no permissions to access the 'denied' channel",
                  "WRONGTYPE Operation against a key holding the wrong kind of value",
                  "",
                  ""};
    check_every_split(c);

    // What the aggregate outcomes hold, from one whole feed.
    fake_connection f;
    outcome_log log;
    start(c, f, log);
    f.server_says(all_bytes(c));
    ASSERT_TRUE(log.succeeded(1));
    ASSERT_EQ(log.reply(1).size(), 2u);
    EXPECT_EQ(log.reply(1)[0].integer(), 1);
    EXPECT_EQ(log.reply(1)[1].string(), "A");
    ASSERT_TRUE(log.succeeded(2));
    EXPECT_EQ(log.reply(2).kind(), resp::type::push);
    EXPECT_EQ(log.reply(2)[1].string(), "y");
    EXPECT_TRUE(log.reply(3).is_error());
    EXPECT_TRUE(log.reply(4).is_error());
    EXPECT_TRUE(log.reply(6).is_null());
}

TEST(pipeline_splits, resp2_subscriber_link_confirmations_and_messages_are_plain_arrays) {
    conversation c;
    c.subscriber_link = true;
    c.requests = {
        {command("SUBSCRIBE", "x", "y"), subscription(1s, 2)},
        {command("PING"), keepalive(1s)},
        {command("PING"), plain(1s)},
        {command("UNSUBSCRIBE", "x"), subscription(1s, 1)},
        {command("SUBSCRIBE", "denied"), subscription(1s, 1)},
        {command("PSUBSCRIBE", "p*"), subscription(1s, 1)},
    };
    const std::string pong = "*2\r\n$4\r\npong\r\n$0\r\n\r\n";
    c.replies = {
        {subscribe_confirmation("x", 1, false), -1, answered},
        {subscribe_confirmation("y", 2, false), 0, answered},
        {message_push("x", "hi", false), -1, message},
        {pong, 1, answered},
        {message_push("y", "between", false), -1, message},
        {pong, 2, answered},
        {"*3\r\n$11\r\nunsubscribe\r\n$1\r\nx\r\n:1\r\n", 3, answered},
        {"-NOPERM no permissions to access the 'denied' channel\r\n", 4, answered},
        {"*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:2\r\n", 5, answered},
        {"*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npa\r\n$2\r\nhi\r\n", -1, message},
    };
    c.expected = {"", "", "", "", "NOPERM no permissions to access the 'denied' channel", ""};
    check_every_split(c);

    fake_connection f(true);
    outcome_log log;
    start(c, f, log);
    f.server_says(all_bytes(c));
    EXPECT_EQ(log.reply(0).kind(), resp::type::array);
    EXPECT_EQ(log.reply(0)[1].string(), "y");
    ASSERT_EQ(log.reply(2).size(), 2u);  // the caller's PING gets ["pong", ""]
    EXPECT_EQ(log.reply(2)[0].string(), "pong");
    EXPECT_EQ(log.reply(3)[0].string(), "unsubscribe");
    EXPECT_EQ(log.reply(5)[1].string(), "p*");
}

TEST(pipeline_splits, resp2_arrays_that_look_like_messages_are_replies_off_a_subscriber_link) {
    conversation c;
    c.requests = {
        {command("LRANGE", "l", "0", "-1"), plain(1s)},
        {multi_exec({command("GET", "a")}), transaction(1s, 1)},
        {command("PING"), keepalive(1s)},
        {command("GET", "missing"), plain(1s)},
    };
    c.replies = {
        {"*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\ny\r\n", 0, answered},
        {"+OK\r\n", -1, answered},
        {"+QUEUED\r\n", -1, answered},
        {"*1\r\n$1\r\nA\r\n", 1, answered},
        {"+PONG\r\n", 2, answered},
        {"$-1\r\n", 3, answered},
    };
    c.expected = {"", "", "", ""};
    check_every_split(c);

    fake_connection f;
    outcome_log log;
    start(c, f, log);
    f.server_says(all_bytes(c));
    ASSERT_EQ(log.reply(0).size(), 3u);
    EXPECT_EQ(log.reply(0)[0].string(), "message");
    EXPECT_EQ(log.reply(1)[0].string(), "A");
    EXPECT_TRUE(log.reply(3).is_null());
}

}  // namespace
}  // namespace respcache::net::testing
