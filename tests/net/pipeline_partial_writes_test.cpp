// Writes that go out a few bytes at a time while deadlines pass: a request
// whose deadline passes before its first byte is written is taken off the
// wire and never runs; once its first byte is out it is written whole (the
// stream must stay in step) and its outcome is unknown.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline_script.hpp"

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;

TEST(pipeline_partial_writes, one_byte_at_a_time_with_time_passing_between_each) {
    fake_connection f;
    outcome_log log;
    const std::string a = command("GET", "a"), b = command("INCR", "n"), c = command("GET", "c"),
                      d = command("SET", "d", "x");
    const auto ms = [](std::size_t n) { return std::chrono::milliseconds(n); };
    f.p.push(a, plain(1h), log.slot(0));
    f.p.push(b, plain(5ms), log.slot(1));               // passes while `a` is going out
    f.p.push(c, plain(ms(a.size() + 3)), log.slot(2));  // passes with 3 bytes of `c` out
    f.p.push(d, plain(1h), log.slot(3));
    clock::time_point now = t0;
    while (!f.write(1).empty()) {
        now += 1ms;
        EXPECT_FALSE(f.p.expire(now));
    }
    EXPECT_EQ(f.sent, a + c + d) << "the expired INCR never reaches the server";
    EXPECT_EQ(log.kind(1), error_kind::timeout);
    EXPECT_TRUE(log.message_has(1, "never ran"));
    EXPECT_EQ(log.kind(2), error_kind::timeout);
    EXPECT_TRUE(log.message_has(2, "outcome is unknown"));
    EXPECT_FALSE(log.done(0));
    EXPECT_FALSE(log.done(3));

    // The late reply of `c` is dropped; `d` gets its own.
    EXPECT_EQ(f.server_says(blob("A") + blob("C") + "+OK\r\n"),
              (uses{answered, answered, answered}));
    EXPECT_EQ(log.text(0), "A");
    EXPECT_TRUE(log.message_has(2, "outcome is unknown"));
    EXPECT_EQ(log.text(3), "OK");
    EXPECT_EQ(log.completions(), 4);
    EXPECT_TRUE(f.p.idle());
}

TEST(pipeline_partial_writes, a_partly_written_request_that_expires_is_finished_not_cancelled) {
    fake_connection f;
    outcome_log log;
    const std::string a = command("INCR", "n"), b = command("GET", "b");
    f.p.push(a, plain(1s), log.slot(0));
    f.p.push(b, plain(1h), log.slot(1));
    EXPECT_EQ(f.write(1), a.substr(0, 1));
    EXPECT_FALSE(f.p.expire(t0 + 1s));
    EXPECT_EQ(log.kind(0), error_kind::timeout);
    EXPECT_TRUE(log.message_has(0, "the command was sent, its outcome is unknown"));
    EXPECT_EQ(f.write_everything(), a.substr(1) + b);
    EXPECT_EQ(f.server_says(":1\r\n" + blob("B")), (uses{answered, answered}));
    EXPECT_EQ(log.text(1), "B");
    EXPECT_EQ(log.completions(), 2);
    EXPECT_TRUE(f.p.idle());
}

TEST(pipeline_partial_writes, an_unsent_request_at_the_front_that_expires_is_never_written) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("INCR", "n"), plain(1ms), log.slot(0));
    f.p.push(command("GET", "b"), plain(1h), log.slot(1));
    EXPECT_FALSE(f.p.expire(t0 + 1ms));
    EXPECT_TRUE(log.message_has(0, "never ran"));
    EXPECT_EQ(f.write_everything(), command("GET", "b"));
    f.server_says(blob("B"));
    EXPECT_EQ(log.text(1), "B");
    EXPECT_TRUE(f.p.idle());
}

TEST(pipeline_partial_writes, unsent_requests_that_expire_in_the_middle_are_skipped) {
    fake_connection f;
    outcome_log log;
    const std::string a = command("GET", "a");
    f.p.push(a, plain(1h), log.slot(0));
    f.p.push(command("INCR", "1"), plain(1ms), log.slot(1));
    f.p.push(command("INCR", "2"), plain(2ms), log.slot(2));
    f.p.push(command("GET", "c"), plain(1h), log.slot(3));
    f.p.push(command("INCR", "3"), plain(1ms), log.slot(4));
    f.p.push(command("GET", "e"), plain(1h), log.slot(5));
    f.p.push(command("INCR", "4"), plain(1ms), log.slot(6));  // the last one
    EXPECT_EQ(f.write(3), a.substr(0, 3));
    EXPECT_FALSE(f.p.expire(t0 + 2ms));
    for (std::size_t i : {1, 2, 4, 6}) EXPECT_TRUE(log.message_has(i, "never ran")) << i;
    EXPECT_EQ(f.write_everything(), a.substr(3) + command("GET", "c") + command("GET", "e"));
    EXPECT_FALSE(f.p.wants_write());
    f.server_says(blob("A") + blob("C") + blob("E"));
    EXPECT_EQ(log.text(0), "A");
    EXPECT_EQ(log.text(3), "C");
    EXPECT_EQ(log.text(5), "E");
    EXPECT_EQ(log.completions(), 7);
    EXPECT_TRUE(f.p.idle());
}

TEST(pipeline_partial_writes, a_write_stopped_exactly_before_an_expired_request_skips_it_whole) {
    fake_connection f;
    outcome_log log;
    const std::string a = command("GET", "a"), b = command("INCR", "n"), c = command("GET", "c");
    f.p.push(a, plain(1h), log.slot(0));
    f.p.push(b, plain(1ms), log.slot(1));
    f.p.push(c, plain(1h), log.slot(2));
    EXPECT_EQ(f.write(a.size()), a);
    EXPECT_FALSE(f.p.expire(t0 + 1ms));
    // `b` had no byte out: the next write is `c`, from its first byte.
    EXPECT_EQ(f.write(SIZE_MAX), c);
    f.server_says(blob("A") + blob("C"));
    EXPECT_EQ(log.text(0), "A");
    EXPECT_EQ(log.text(2), "C");
    EXPECT_TRUE(f.p.idle());
}

TEST(pipeline_partial_writes, when_every_request_expires_unsent_nothing_is_left_to_write) {
    fake_connection f;
    outcome_log log;
    for (std::size_t i = 0; i < 5; ++i)
        f.p.push(command("INCR", std::to_string(i)), plain(1ms), log.slot(i));
    EXPECT_FALSE(f.p.expire(t0 + 1ms));
    EXPECT_FALSE(f.p.wants_write());
    EXPECT_TRUE(f.p.prepare_write().empty());
    EXPECT_TRUE(f.p.idle());
    EXPECT_EQ(log.completions(), 5);
    EXPECT_EQ(f.p.take_released().first, 5u);
    // And the next request goes out from its first byte.
    f.p.push(command("GET", "z"), plain(1h), log.slot(5));
    EXPECT_EQ(f.write_everything(), command("GET", "z"));
}

TEST(pipeline_partial_writes, expiry_between_every_byte_of_a_transaction_and_a_subscription) {
    // Whatever byte the deadline lands on, a request with a byte out is
    // finished whole and one with none is skipped whole.
    const std::string tx = multi_exec({command("INCR", "n")});
    const std::string sub = command("SUBSCRIBE", "ch");
    const std::string total = tx + sub;
    for (std::size_t out = 0; out <= total.size(); ++out) {
        SCOPED_TRACE(std::to_string(out) + " bytes out at the deadline");
        fake_connection f;
        outcome_log log;
        f.p.push(tx, transaction(1s, 1), log.slot(0));
        f.p.push(sub, subscription(1s, 1), log.slot(1));
        f.p.push(command("GET", "z"), plain(1h), log.slot(2));
        for (std::size_t i = 0; i < out; ++i) f.write(1);
        EXPECT_FALSE(f.p.expire(t0 + 1s));
        f.write_everything();
        const bool tx_out = out > 0, sub_out = out > tx.size();
        std::string expected = total.substr(0, sub_out ? total.size() : tx_out ? tx.size() : 0);
        expected += command("GET", "z");
        EXPECT_EQ(f.sent, expected);
        EXPECT_TRUE(log.message_has(0, tx_out ? "outcome is unknown" : "never ran"));
        EXPECT_TRUE(log.message_has(1, sub_out ? "outcome is unknown" : "never ran"));
        // The server answers what it got; the late replies are dropped.
        std::string replies;
        if (tx_out) replies += "+OK\r\n+QUEUED\r\n*1\r\n:1\r\n";
        if (sub_out) replies += subscribe_confirmation("ch", 1);
        f.server_says(replies + blob("Z"));
        EXPECT_EQ(log.text(2), "Z");
        EXPECT_TRUE(f.p.idle());
    }
}

}  // namespace
}  // namespace respcache::net::testing
