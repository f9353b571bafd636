// Replies nobody asked for: a plain reply with nothing written waiting is
// "unexpected" (the driver drops the connection); a push nobody waits for is a
// message; a subscription confirmation nobody waits for is dropped without
// taking another request's place (a server's own sunsubscribe is a message:
// pipeline_server_unsubscribes_test.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline_script.hpp"

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;

TEST(pipeline_unexpected, a_reply_with_nothing_queued_is_unexpected) {
    fake_connection f;
    EXPECT_EQ(f.server_says("+OK\r\n"), (uses{unexpected}));
    EXPECT_TRUE(f.p.idle());
}

TEST(pipeline_unexpected, a_reply_before_the_request_is_written_is_unexpected) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("GET", "a"), plain(1h), log.slot(0));
    EXPECT_EQ(f.server_says(blob("A")), (uses{unexpected}));
    EXPECT_FALSE(log.done(0)) << "the reply was not taken as its answer";
}

TEST(pipeline_unexpected, one_reply_too_many_is_unexpected) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("GET", "a"), plain(1h), log.slot(0));
    f.write_everything();
    EXPECT_EQ(f.server_says(blob("A") + blob("extra")), (uses{answered, unexpected}));
    EXPECT_EQ(log.text(0), "A");
}

TEST(pipeline_unexpected, a_push_with_nothing_queued_is_a_message) {
    fake_connection f;
    EXPECT_EQ(
        f.server_says(message_push("ch", "x") + ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"),
        (uses{message, message}));
}

TEST(pipeline_unexpected, a_confirmation_nobody_waits_for_is_dropped_in_place) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("GET", "a"), plain(1h), log.slot(0));
    f.p.push(command("SUBSCRIBE", "x"), subscription(1h, 1), log.slot(1));
    f.write_everything();
    const std::string unsubscribe = confirmation("unsubscribe", "other", 0);
    EXPECT_EQ(f.server_says(unsubscribe + blob("A") + subscribe_confirmation("x", 1)),
              (uses{answered, answered, answered}));
    EXPECT_EQ(log.text(0), "A");
    EXPECT_EQ(log.reply(1)[1].string(), "x");
    EXPECT_EQ(f.server_says(unsubscribe), (uses{answered})) << "with nothing queued too";
}

TEST(pipeline_unexpected, a_confirmation_before_the_subscription_is_written_is_not_its_own) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("SUBSCRIBE", "x"), subscription(1h, 1), log.slot(0));
    f.server_says(subscribe_confirmation("x", 1));
    EXPECT_FALSE(log.done(0));
    f.write_everything();
    f.server_says(subscribe_confirmation("x", 1));
    EXPECT_TRUE(log.done(0));
}

TEST(pipeline_unexpected, a_resp2_array_is_a_reply_unless_the_link_is_subscribed) {
    const std::string looks_like_a_message = "*3\r\n$7\r\nmessage\r\n$1\r\nx\r\n$1\r\ny\r\n";
    fake_connection plain_link;
    EXPECT_EQ(plain_link.server_says(looks_like_a_message), (uses{unexpected}));
    fake_connection subscribed(true);
    EXPECT_EQ(subscribed.server_says(looks_like_a_message), (uses{message}));
}

// BUG (reported to the lead, not fixed here): a final reply for the front
// request while only part of it is written (only a broken or hostile server
// sends one) is taken as its answer. pop_finished() then takes the front for
// a cancelled unsent request (write_index_ == 0): it moves written_ past the
// unwritten rest of the request and decrements cancelled_unsent_ below zero.
// From then on prepare_write() no longer stops before cancelled requests, so
// a request that expired unsent ("it never ran") is written and runs, and
// its reply goes to the next caller. Found by reading; fuzz_pipeline finds it
// in seconds (its seed fuzz/corpus/fuzz_pipeline/regress_reply_to_partly_written_request
// fails until this is fixed).
// Proposed fix, in on_reply(): a reply that would finish the front (a plain
// reply to a command, a subscription or EXEC's place, or the last
// confirmation) while `front.offset + front.length > written_` returns
// reply_use::unexpected without touching the entry. (MULTI's +OK and the
// QUEUED replies may legitimately arrive while the rest is still being
// written; they do not finish it.)
TEST(pipeline_unexpected, a_final_reply_to_a_partly_written_request_is_unexpected) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("GET", "a"), plain(1h), log.slot(0));
    f.p.push(command("GET", "b"), plain(1h), log.slot(1));
    f.p.push(command("INCR", "c"), plain(1s), log.slot(2));
    f.write(1);
    EXPECT_EQ(f.server_says(blob("A")), (uses{unexpected}));
    // What follows when it is taken as the answer: the INCR that expired
    // unsent is written anyway.
    EXPECT_FALSE(f.p.expire(t0 + 1s));
    EXPECT_TRUE(log.message_has(2, "never ran"));
    EXPECT_EQ(f.write_everything().find("INCR"), std::string::npos);
}

}  // namespace
}  // namespace respcache::net::testing
