// The server unsubscribes a client from a shard channel on its own when the
// channel's slot leaves the node (resharding, failover): a `sunsubscribe`
// nobody asked for. The pipeline hands it to its driver as a message and
// never lets it pass for the confirmation of a request in flight, nor a
// request's own confirmation pass for the server's.
#include <gtest/gtest.h>

#include <string>

#include "pipeline_script.hpp"
#include "subscription_request.hpp"

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;

std::string server_dropped(std::string_view channel, bool resp3 = true) {
    return confirmation("sunsubscribe", channel, 0, resp3);
}

TEST(pipeline_server_unsubscribes, with_nothing_queued_it_is_a_message) {
    fake_connection f;
    EXPECT_EQ(f.server_says(server_dropped("orders")), (uses{message}));
}

TEST(pipeline_server_unsubscribes, it_is_not_taken_by_a_subscription_in_flight) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("SSUBSCRIBE", "b"), subscription(1h, 1), log.slot(0));
    f.p.push(command("SUNSUBSCRIBE", "c"), subscription(1h, 1), log.slot(1));
    f.write_everything();
    EXPECT_EQ(f.server_says(server_dropped("a")), (uses{message}));
    EXPECT_FALSE(log.done(0)) << "another channel's sunsubscribe is not b's ssubscribe";
    EXPECT_EQ(f.server_says(confirmation("ssubscribe", "b", 1)), (uses{answered}));
    EXPECT_EQ(log.reply(0)[1].string(), "b");
    EXPECT_EQ(f.server_says(server_dropped("b")), (uses{message}))
        << "b dropped by the server while our SUNSUBSCRIBE c waits";
    EXPECT_FALSE(log.done(1));
    EXPECT_EQ(f.server_says(confirmation("sunsubscribe", "c", 0)), (uses{answered}));
    EXPECT_EQ(log.reply(1)[1].string(), "c");
    EXPECT_TRUE(f.p.idle());
}

TEST(pipeline_server_unsubscribes, our_own_sunsubscribe_is_answered) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("sunsubscribe", "a"), subscription(1h, 1), log.slot(0));
    f.write_everything();
    EXPECT_EQ(f.server_says(confirmation("sunsubscribe", "a", 0)), (uses{answered}));
    EXPECT_EQ(log.completions(), 1);
    EXPECT_EQ(f.server_says(server_dropped("a")), (uses{message}))
        << "a second one for the same channel is the server's";
}

TEST(pipeline_server_unsubscribes, on_a_resp2_subscriber_link_too) {
    fake_connection f(true);
    outcome_log log;
    f.p.push(command("SSUBSCRIBE", "b"), subscription(1h, 1), log.slot(0));
    f.write_everything();
    EXPECT_EQ(f.server_says(server_dropped("a", false) + confirmation("ssubscribe", "b", 1, false)),
              (uses{message, answered}));
    EXPECT_EQ(log.reply(0)[1].string(), "b");
}

TEST(pipeline_server_unsubscribes, a_request_of_several_channels_takes_each_of_its_kind) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("SUNSUBSCRIBE", "a", "b"), subscription(1h, 2), log.slot(0));
    f.write_everything();
    EXPECT_EQ(
        f.server_says(confirmation("sunsubscribe", "a", 1) + confirmation("sunsubscribe", "b", 0)),
        (uses{answered, answered}));
    EXPECT_EQ(log.reply(0)[1].string(), "b");
}

TEST(pipeline_server_unsubscribes, other_kinds_nobody_asked_for_are_still_dropped) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("SUBSCRIBE", "x"), subscription(1h, 1), log.slot(0));
    f.write_everything();
    EXPECT_EQ(f.server_says(confirmation("unsubscribe", "x", 0)), (uses{answered}));
    EXPECT_FALSE(log.done(0)) << "an unsubscribe is not SUBSCRIBE x's confirmation";
    EXPECT_EQ(f.server_says(subscribe_confirmation("x", 1)), (uses{answered}));
    EXPECT_TRUE(log.done(0));
}

TEST(subscription_shape, reads_the_kind_and_the_one_channel) {
    const auto one = detail::shape_of_subscription(command("SSUBSCRIBE", "orders{7}"));
    EXPECT_EQ(one.confirms, pubsub_kind::ssubscribe);
    EXPECT_EQ(one.channel_hash, detail::channel_hash("orders{7}"));
    EXPECT_NE(one.channel_hash, detail::channel_hash("orders{8}"));
    const auto two = detail::shape_of_subscription(command("pSubscribe", "a.*", "b.*"));
    EXPECT_EQ(two.confirms, pubsub_kind::psubscribe);
    EXPECT_EQ(two.channel_hash, 0u) << "several channels: any of them";
    EXPECT_NE(detail::channel_hash(""), 0u) << "0 is kept for 'any channel'";
}

TEST(subscription_shape, unreadable_bytes_accept_any_confirmation) {
    for (const std::string& bytes : {std::string(), std::string("*2\r\n$3\r\nGET\r\n$1\r\na\r\n"),
                                     std::string("*1\r\n$9\r\nSUBSCR"), std::string("*x\r\n"),
                                     std::string("*1\r\n$40\r\nSUBSCRIBE\r\n")}) {
        EXPECT_EQ(detail::shape_of_subscription(bytes).confirms, pubsub_kind::none) << bytes;
    }
    fake_connection f;
    outcome_log log;
    f.p.push("*1\r\n$9\r\nSUBSCR", subscription(1h, 1), log.slot(0));
    f.write_everything();
    EXPECT_EQ(f.server_says(confirmation("psubscribe", "x", 1)), (uses{answered}));
    EXPECT_TRUE(log.done(0)) << "as before: the front subscription takes it";
}

}  // namespace
}  // namespace respcache::net::testing
