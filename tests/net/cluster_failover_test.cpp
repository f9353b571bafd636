#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "cluster_under_load.hpp"
#include "message_mailbox.hpp"
#include "redis_cluster.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connection_string.hpp"

namespace {

using namespace std::chrono_literals;
using respcache::net::cluster_client;
using respcache::net::endpoint;
using respcache::net::parse_connection_string;
using respcache::net::cluster::hash_slot;
using respcache::testing::cluster_load;
using respcache::testing::message_mailbox;
using respcache::testing::redis_cluster;

// Writes `key` until one succeeds; how long that took, or nothing within
// `limit` (a liveness bound, not a speed claim).
std::optional<std::chrono::milliseconds> first_success(cluster_client& client,
                                                       const std::string& key,
                                                       std::chrono::seconds limit) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < limit) {
        if (client.call("SET", key, "after").has_value())
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start);
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

// A shard channel in the probe's slot: subscribed on the new primary after
// the failover, and each message published there delivered once.
bool shard_channel_moved(cluster_client& client) {
    for (int i = 0; i < 1000 && client.snapshot().shard_channels_moved == 0; ++i)
        std::this_thread::sleep_for(10ms);
    return client.snapshot().shard_channels_moved > 0;
}
void expect_one_delivery(cluster_client& client, message_mailbox& box, const std::string& channel,
                         const std::string& payload) {
    const std::size_t before = box.seen().size();
    auto published = client.call("SPUBLISH", channel, payload);
    ASSERT_TRUE(published.has_value()) << published.error_value().message;
    EXPECT_EQ(published->view().integer(), 1);
    ASSERT_TRUE(box.wait_for(before + 1));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(box.seen().size(), before + 1) << "delivered once";
    EXPECT_EQ(box.seen().back(), payload);
}

// kill -9 of a primary under load: its replica is promoted and the client
// follows it; the old primary comes back as a replica.
TEST(ClusterFailover, ClientFollowsThePromotedReplicaAfterKillNine) {
    redis_cluster cluster;
    auto options = parse_connection_string(cluster.seeds() + ",syncTimeout=1000");
    ASSERT_TRUE(options.has_value());
    auto connected = cluster_client::connect(*options);
    ASSERT_TRUE(connected.has_value()) << connected.error_value().message;
    auto client = *connected;

    const std::string probe = "failover:probe";
    const std::uint16_t victim = cluster.owner_of_slot(hash_slot(probe));
    const std::uint16_t replica = cluster.replica_of(victim);
    ASSERT_NE(replica, 0);
    ASSERT_TRUE(client->call("SET", probe, "before").has_value());
    const std::string channel = "{" + probe + "}.events";
    message_mailbox box;
    ASSERT_TRUE(client->ssubscribe(channel, box.handler()).has_value());

    cluster_load load(client, 8, 50);
    std::this_thread::sleep_for(200ms);
    cluster.node(cluster.index_of_port(victim)).kill();
    const auto followed = first_success(*client, probe, 30s);
    ASSERT_TRUE(followed) << "the client never reached the promoted replica";
    EXPECT_EQ(client->node_for_key(probe), endpoint::tcp("127.0.0.1", replica));
    ASSERT_TRUE(shard_channel_moved(*client));
    expect_one_delivery(*client, box, channel, "on the promoted replica");
    std::this_thread::sleep_for(300ms);
    load.stop();

    auto& t = load.counts();
    // Replication is asynchronous: a write acknowledged just before the kill
    // may be missing on the promoted replica (stale), but no read ever shows
    // a value this thread did not write to that key.
    EXPECT_EQ(t.wrong_values.load(), 0u);
    EXPECT_EQ(t.unexpected_errors.load(), 0u) << t.first_unexpected;
    EXPECT_GT(t.writes.load(), t.failed_writes.load());
    std::printf(
        "failover: followed after %lld ms; %llu writes (%llu failed), %llu reads (%llu "
        "failed, %llu stale)\n",
        static_cast<long long>(followed->count()), static_cast<unsigned long long>(t.writes.load()),
        static_cast<unsigned long long>(t.failed_writes.load()),
        static_cast<unsigned long long>(t.reads.load()),
        static_cast<unsigned long long>(t.failed_reads.load()),
        static_cast<unsigned long long>(t.stale_values.load()));

    // The old primary returns, as a replica of the promoted one.
    cluster.node(cluster.index_of_port(victim)).restart();
    ASSERT_TRUE(cluster.wait_until_ok());
    bool is_replica = false;
    for (int i = 0; i < 100 && !is_replica; ++i) {
        for (const auto& n : cluster.nodes())
            if (n.port == victim && !n.primary && !n.failed) is_replica = true;
        if (!is_replica) std::this_thread::sleep_for(50ms);
    }
    EXPECT_TRUE(is_replica);
    auto got = client->call("GET", probe);
    ASSERT_TRUE(got.has_value()) << got.error_value().message;
    EXPECT_EQ(got->view().string(), "after");
    // The old primary's connection comes back with the subscription it had;
    // it is not delivered twice.
    std::this_thread::sleep_for(500ms);
    expect_one_delivery(*client, box, channel, "with the old primary back");
}

// CLUSTER FAILOVER on a replica: a planned switch, no write lost.
TEST(ClusterFailover, ClientFollowsAManualFailover) {
    redis_cluster cluster;
    auto options = parse_connection_string(cluster.seeds() + ",syncTimeout=2000");
    ASSERT_TRUE(options.has_value());
    auto connected = cluster_client::connect(*options);
    ASSERT_TRUE(connected.has_value()) << connected.error_value().message;
    auto client = *connected;

    const std::string probe = "manual:probe";
    const std::uint16_t primary = cluster.owner_of_slot(hash_slot(probe));
    const std::uint16_t replica = cluster.replica_of(primary);
    ASSERT_NE(replica, 0);
    const std::string channel = "{" + probe + "}.events";
    message_mailbox box;
    ASSERT_TRUE(client->ssubscribe(channel, box.handler()).has_value());

    cluster_load load(client, 8, 50);
    std::this_thread::sleep_for(200ms);
    ASSERT_EQ(cluster.command(cluster.index_of_port(replica), {"CLUSTER", "FAILOVER"}), "+OK\r\n");
    ASSERT_TRUE(cluster.wait_until_primary(replica, 20s));
    const auto followed = first_success(*client, probe, 30s);
    ASSERT_TRUE(followed);
    std::this_thread::sleep_for(300ms);
    load.stop();
    EXPECT_EQ(client->node_for_key(probe), endpoint::tcp("127.0.0.1", replica));
    auto& t = load.counts();
    EXPECT_EQ(t.wrong_values.load(), 0u);
    EXPECT_EQ(t.stale_values.load(), 0u);
    EXPECT_EQ(t.unexpected_errors.load(), 0u) << t.first_unexpected;
    ASSERT_TRUE(shard_channel_moved(*client));
    expect_one_delivery(*client, box, channel, "on the new primary");
}

}  // namespace
