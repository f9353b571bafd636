// The shard channels a cluster client keeps, without a server: where each is
// placed, what counts as misplaced, and that a placement left behind on an
// old node never delivers once a newer one exists.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "respcache/net/cluster/shard_subscriptions.hpp"

namespace {

using respcache::net::endpoint;
using respcache::net::pubsub_message;
using respcache::net::cluster::shard_subscriptions;

const endpoint node_a = endpoint::tcp("10.0.0.1", 7000);
const endpoint node_b = endpoint::tcp("10.0.0.2", 7000);

pubsub_message message(std::string_view payload) {
    return {pubsub_message::kind::shard_message, "ch", {}, payload};
}

struct recorder {
    std::vector<std::string> seen;
    respcache::net::message_handler handler() {
        return [this](const pubsub_message& m) { seen.emplace_back(m.payload); };
    }
};

TEST(shard_subscriptions, a_channel_is_misplaced_until_placed_on_its_owner) {
    shard_subscriptions s;
    recorder r;
    const auto first = s.add("ch", r.handler());
    auto owner = [&](std::string_view) { return node_a; };
    ASSERT_EQ(s.misplaced(owner).size(), 1u);
    EXPECT_FALSE(s.misplaced(owner)[0].on.has_value());
    EXPECT_TRUE(s.placed("ch", first.generation, node_a));
    EXPECT_TRUE(s.misplaced(owner).empty());
    // A new table names another owner.
    const auto moved = s.misplaced([&](std::string_view) { return node_b; });
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].on, node_a);
}

TEST(shard_subscriptions, only_the_node_it_lives_on_can_drop_it) {
    shard_subscriptions s;
    recorder r;
    const auto p = s.add("ch", r.handler());
    ASSERT_TRUE(s.placed("ch", p.generation, node_a));
    EXPECT_FALSE(s.dropped_by(node_b, "ch")) << "a stale placement elsewhere";
    EXPECT_FALSE(s.dropped_by(node_a, "other")) << "not kept";
    EXPECT_TRUE(s.dropped_by(node_a, "ch"));
    EXPECT_FALSE(s.dropped_by(node_a, "ch")) << "dropped once";
    EXPECT_EQ(s.misplaced([](std::string_view) { return node_a; }).size(), 1u);
}

TEST(shard_subscriptions, a_placement_left_behind_is_silent_once_a_newer_one_is_placed) {
    shard_subscriptions s;
    recorder r;
    const auto old_one = s.add("ch", r.handler());
    ASSERT_TRUE(s.placed("ch", old_one.generation, node_a));
    old_one.deliver(message("1"));
    const auto new_one = s.replace("ch");
    ASSERT_TRUE(new_one.has_value());
    old_one.deliver(message("2")) /* still the live one until the new is placed */;
    ASSERT_TRUE(s.placed("ch", new_one->generation, node_b));
    old_one.deliver(message("stale"));
    new_one->deliver(message("3"));
    old_one.deliver(message("stale again"));
    EXPECT_EQ(r.seen, (std::vector<std::string>{"1", "2", "3"}));
    EXPECT_FALSE(s.placed("ch", old_one.generation, node_a)) << "an old placement cannot come back";
}

TEST(shard_subscriptions, the_newer_placement_takes_over_when_it_delivers_first) {
    shard_subscriptions s;
    recorder r;
    const auto old_one = s.add("ch", r.handler());
    ASSERT_TRUE(s.placed("ch", old_one.generation, node_a));
    const auto new_one = s.replace("ch");
    ASSERT_TRUE(new_one.has_value());
    // Its SSUBSCRIBE is confirmed and a message comes before placed() runs.
    new_one->deliver(message("new"));
    old_one.deliver(message("stale"));
    EXPECT_EQ(r.seen, std::vector<std::string>{"new"});
}

TEST(shard_subscriptions, removed_or_replaced_handlers_deliver_nothing) {
    shard_subscriptions s;
    recorder first, second;
    const auto p = s.add("ch", first.handler());
    ASSERT_TRUE(s.placed("ch", p.generation, node_a));
    const auto again = s.add("ch", second.handler());
    p.deliver(message("to the old handler"));
    again.deliver(message("to the new handler"));
    EXPECT_TRUE(first.seen.empty());
    EXPECT_EQ(second.seen, std::vector<std::string>{"to the new handler"});
    EXPECT_FALSE(s.placed("ch", p.generation, node_a));
    ASSERT_TRUE(s.placed("ch", again.generation, node_a));
    EXPECT_EQ(s.remove("ch"), node_a);
    again.deliver(message("after remove"));
    EXPECT_EQ(second.seen.size(), 1u);
    EXPECT_FALSE(s.replace("ch").has_value());
    EXPECT_FALSE(s.remove("ch").has_value());
    EXPECT_TRUE(s.empty());
}

}  // namespace
