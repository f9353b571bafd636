#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "redis_cluster.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connection_string.hpp"

namespace {

using respcache::net::cluster_client;
using respcache::net::endpoint;
using respcache::net::parse_connection_string;
using respcache::net::cluster::hash_slot;
using respcache::testing::redis_cluster;

std::string id_of(const redis_cluster& c, std::uint16_t port) {
    for (const auto& n : c.nodes())
        if (n.port == port) return n.id;
    return {};
}

// One slot migrated by hand, step by step, the way redis-cli does it: while
// it is migrating, a key already moved is answered with ASK (the table stays
// as it is), a command on keys on both sides with TRYAGAIN; once the slot
// belongs to the target, with MOVED (the table follows at once).
TEST(ClusterRedirections, AskDuringMigrationThenMovedAfterIt) {
    redis_cluster::settings s;
    s.replicas_per_primary = 0;
    redis_cluster cluster(s);
    auto options = parse_connection_string(cluster.seeds());
    ASSERT_TRUE(options.has_value());
    auto connected = cluster_client::connect(*options);
    ASSERT_TRUE(connected.has_value()) << connected.error_value().message;
    auto client = *connected;

    const std::string key = "{migrating}.value";
    const std::string slot = std::to_string(hash_slot(key));
    ASSERT_TRUE(client->call("SET", key, "before").has_value());
    ASSERT_TRUE(client->call("SET", "{migrating}.stay", "here").has_value());
    const std::uint16_t source = cluster.owner_of_slot(hash_slot(key));
    const std::uint16_t target = cluster.other_primary(source);
    const std::size_t from = cluster.index_of_port(source), to = cluster.index_of_port(target);
    const std::string source_id = id_of(cluster, source), target_id = id_of(cluster, target);

    ASSERT_EQ(cluster.command(to, {"CLUSTER", "SETSLOT", slot, "IMPORTING", source_id}), "+OK\r\n");
    ASSERT_EQ(cluster.command(from, {"CLUSTER", "SETSLOT", slot, "MIGRATING", target_id}),
              "+OK\r\n");
    ASSERT_EQ(
        cluster.command(from, {"MIGRATE", "127.0.0.1", std::to_string(target), key, "0", "5000"}),
        "+OK\r\n");

    auto during = client->call("GET", key);
    ASSERT_TRUE(during.has_value()) << during.error_value().message;
    EXPECT_EQ(during->view().string(), "before");
    // A new key of the migrating slot is created on the target too.
    ASSERT_TRUE(client->call("SET", "{migrating}.new", "fresh").has_value());
    std::promise<std::string> async_value;
    client->async_call(
        [&](respcache::result<respcache::resp::reply> r) {
            async_value.set_value(r ? std::string(r->string()) : r.error_value().message);
        },
        "GET", key);
    EXPECT_EQ(async_value.get_future().get(), "before");
    EXPECT_EQ(client->snapshot().ask, 3u);
    EXPECT_EQ(client->snapshot().moved, 0u);

    // Keys of one slot split between the nodes: TRYAGAIN, retried with
    // backoff until the second key has moved too, then ASK.
    std::thread migrate_the_rest([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        cluster.command(from, {"MIGRATE", "127.0.0.1", std::to_string(target), "{migrating}.stay",
                               "0", "5000"});
    });
    auto both = client->call("MGET", key, "{migrating}.stay");
    migrate_the_rest.join();
    ASSERT_TRUE(both.has_value()) << both.error_value().message;
    EXPECT_EQ(both->view()[0].string(), "before");
    EXPECT_EQ(both->view()[1].string(), "here");
    EXPECT_GE(client->snapshot().retries, 1u);
    EXPECT_EQ(client->snapshot().ask, 4u);
    EXPECT_EQ(cluster.command(to, {"CLUSTER", "COUNTKEYSINSLOT", slot}), ":3\r\n");
    EXPECT_EQ(cluster.command(from, {"CLUSTER", "COUNTKEYSINSLOT", slot}), ":0\r\n");
    EXPECT_EQ(client->node_for_key(key), endpoint::tcp("127.0.0.1", source));

    for (std::size_t i = 0; i < cluster.size(); ++i)
        ASSERT_EQ(cluster.command(i, {"CLUSTER", "SETSLOT", slot, "NODE", target_id}), "+OK\r\n");
    auto after = client->call("GET", key);
    ASSERT_TRUE(after.has_value()) << after.error_value().message;
    EXPECT_EQ(after->view().string(), "before");
    EXPECT_EQ(client->snapshot().moved, 1u);
    EXPECT_EQ(client->node_for_key(key), endpoint::tcp("127.0.0.1", target));
    // The table knows now: no more redirection for that slot.
    ASSERT_TRUE(client->call("GET", key).has_value());
    EXPECT_EQ(client->snapshot().moved, 1u);
}

}  // namespace
