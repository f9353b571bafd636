// A shard channel follows its slot: when the slot moves to another primary,
// the old owner unsubscribes the client (an unsolicited `sunsubscribe`) and
// the cluster client subscribes again on the new owner; a subscription made
// with a stale table follows MOVED. Against a real local cluster, on both
// protocols (RESP2 carries pub/sub on a connection of its own).
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "message_mailbox.hpp"
#include "redis_cluster.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connection_string.hpp"

namespace {

using namespace std::chrono_literals;
using respcache::error_kind;
using respcache::net::cluster_client;
using respcache::net::endpoint;
using respcache::net::parse_connection_string;
using respcache::net::pubsub_message;
using respcache::net::cluster::hash_slot;
using respcache::testing::message_mailbox;
using respcache::testing::redis_cluster;

class ClusterShardChannels : public ::testing::TestWithParam<const char*> {
  protected:
    static void SetUpTestSuite() {
        redis_cluster::settings s;
        s.replicas_per_primary = 0;
        cluster_ = new redis_cluster(s);
    }
    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }
    void SetUp() override {
        auto options =
            parse_connection_string(cluster_->seeds() + ",protocol=" + std::string(GetParam()));
        ASSERT_TRUE(options.has_value());
        auto c = cluster_client::connect(*options);
        ASSERT_TRUE(c.has_value()) << c.error_value().message;
        client_ = std::move(*c);
    }
    // A channel of this test and protocol alone: the suite's cluster is shared.
    static std::string channel(std::string_view test) {
        return std::string(test) + "." + GetParam();
    }
    // PUBSUB SHARDNUMSUB asked of one node: its subscribers of `channel`.
    std::int64_t subscribers_on(std::uint16_t port, const std::string& ch) {
        auto node = client_->node(endpoint::tcp("127.0.0.1", port));
        if (!node) return -1;
        auto r = (*node)->call("PUBSUB", "SHARDNUMSUB", ch);
        if (!r || r->view().size() != 2) return -1;
        return r->view()[1].integer();
    }
    bool wait_for_moves(std::uint64_t count) {
        for (int i = 0; i < 500; ++i) {
            if (client_->snapshot().shard_channels_moved >= count) return true;
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }

    static redis_cluster* cluster_;
    std::shared_ptr<cluster_client> client_;
};
redis_cluster* ClusterShardChannels::cluster_ = nullptr;

TEST_P(ClusterShardChannels, ASubscriptionFollowsItsSlotToTheNewOwner) {
    const std::string ch = channel("follows");
    message_mailbox box;
    ASSERT_TRUE(client_->ssubscribe(ch, box.handler()).has_value());
    const int slot = hash_slot(ch);
    const std::uint16_t from = cluster_->owner_of_slot(slot);
    EXPECT_EQ(subscribers_on(from, ch), 1);
    ASSERT_TRUE(client_->call("SPUBLISH", ch, "before").has_value());
    ASSERT_TRUE(box.wait_for(1));

    const std::uint16_t to = cluster_->other_primary(from);
    ASSERT_TRUE(cluster_->move_empty_slot(slot, to));
    ASSERT_TRUE(wait_for_moves(1)) << "the client did not move the subscription";
    EXPECT_EQ(client_->node_for_key(ch).port, to);
    EXPECT_EQ(subscribers_on(to, ch), 1);
    EXPECT_EQ(subscribers_on(from, ch), 0);

    auto published = client_->call("SPUBLISH", ch, "after");
    ASSERT_TRUE(published.has_value()) << published.error_value().message;
    EXPECT_EQ(published->view().integer(), 1) << "one subscriber on the new owner";
    ASSERT_TRUE(box.wait_for(2));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(box.seen(), (std::vector<std::string>{"before", "after"})) << "each message once";

    // Unsubscribing after the move reaches the node it lives on now.
    ASSERT_TRUE(client_->sunsubscribe(ch).has_value());
    EXPECT_EQ(subscribers_on(to, ch), 0);
    published = client_->call("SPUBLISH", ch, "gone");
    ASSERT_TRUE(published.has_value());
    EXPECT_EQ(published->view().integer(), 0);
    EXPECT_EQ(box.seen().size(), 2u);
}

TEST_P(ClusterShardChannels, ASubscriptionWithAStaleTableFollowsMoved) {
    const std::string ch = channel("stale");
    const int slot = hash_slot(ch);
    const std::uint16_t from = cluster_->owner_of_slot(slot);
    const std::uint16_t to = cluster_->other_primary(from);
    // The client has not heard of this move: its table still says `from`.
    ASSERT_TRUE(cluster_->move_empty_slot(slot, to));
    ASSERT_EQ(client_->node_for_key(ch).port, from);
    const auto moved_before = client_->snapshot().moved;

    message_mailbox box;
    auto subscribed = client_->ssubscribe(ch, box.handler());
    ASSERT_TRUE(subscribed.has_value()) << subscribed.error_value().message;
    EXPECT_GT(client_->snapshot().moved, moved_before);
    EXPECT_EQ(subscribers_on(to, ch), 1);
    ASSERT_TRUE(client_->call("SPUBLISH", ch, "hello").has_value());
    ASSERT_TRUE(box.wait_for(1));
    EXPECT_EQ(box.seen(), std::vector<std::string>{"hello"});
    EXPECT_EQ(client_->snapshot().shard_channels_moved, 0u) << "placed once, on the owner";
}

TEST_P(ClusterShardChannels, EveryChannelOfAMovedSlotMovesAndOthersStay) {
    // Two channels in one slot (a hash tag), one in another slot.
    const std::string a = "{" + channel("together") + "}.a";
    const std::string b = "{" + channel("together") + "}.b";
    const std::string apart = channel("apart");
    ASSERT_EQ(hash_slot(a), hash_slot(b));
    ASSERT_NE(hash_slot(a), hash_slot(apart));
    message_mailbox box_a, box_b, box_apart;
    ASSERT_TRUE(client_->ssubscribe(a, box_a.handler()).has_value());
    ASSERT_TRUE(client_->ssubscribe(b, box_b.handler()).has_value());
    ASSERT_TRUE(client_->ssubscribe(apart, box_apart.handler()).has_value());

    const std::uint16_t from = cluster_->owner_of_slot(hash_slot(a));
    ASSERT_TRUE(cluster_->move_empty_slot(hash_slot(a), cluster_->other_primary(from)));
    ASSERT_TRUE(wait_for_moves(2));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(client_->snapshot().shard_channels_moved, 2u) << "the other slot's channel stays";
    for (const auto& [ch, box] : {std::pair{a, &box_a}, {b, &box_b}, {apart, &box_apart}}) {
        auto published = client_->call("SPUBLISH", ch, "m:" + ch);
        ASSERT_TRUE(published.has_value()) << published.error_value().message;
        EXPECT_EQ(published->view().integer(), 1) << ch;
        ASSERT_TRUE(box->wait_for(1)) << ch;
        EXPECT_EQ(box->seen(), std::vector<std::string>{"m:" + ch});
    }
}

TEST_P(ClusterShardChannels, SubscribingAgainReplacesTheHandlerAndKeepsOneSubscription) {
    const std::string ch = channel("twice");
    message_mailbox first, second;
    ASSERT_TRUE(client_->ssubscribe(ch, first.handler()).has_value());
    ASSERT_TRUE(client_->ssubscribe(ch, second.handler()).has_value());
    EXPECT_EQ(subscribers_on(cluster_->owner_of_slot(hash_slot(ch)), ch), 1);
    auto published = client_->call("SPUBLISH", ch, "to the second");
    ASSERT_TRUE(published.has_value()) << published.error_value().message;
    ASSERT_TRUE(second.wait_for(1));
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(first.seen().empty()) << "the replaced handler hears nothing";
    EXPECT_EQ(second.seen(), std::vector<std::string>{"to the second"});
}

TEST_P(ClusterShardChannels, AShardSubscriptionFromAMessageHandlerIsRefused) {
    const std::string ch = channel("handler");
    std::mutex mutex;
    std::condition_variable done;
    std::optional<error_kind> refused;
    ASSERT_TRUE(client_
                    ->ssubscribe(ch,
                                 [&](const pubsub_message&) {
                                     auto r = client_->ssubscribe(ch + ".more", [](auto&) {});
                                     std::lock_guard lock(mutex);
                                     refused =
                                         r ? std::nullopt : std::optional(r.error_value().kind);
                                     done.notify_all();
                                 })
                    .has_value());
    ASSERT_TRUE(client_->call("SPUBLISH", ch, "x").has_value());
    std::unique_lock lock(mutex);
    ASSERT_TRUE(done.wait_for(lock, 5s, [&] { return refused.has_value(); }));
    EXPECT_EQ(*refused, error_kind::config);
}

INSTANTIATE_TEST_SUITE_P(Protocols, ClusterShardChannels, ::testing::Values("resp3", "resp2"));

}  // namespace
