// A MOVED that names the node it came from renews that node's connection;
// commands the key table does not know are routed by the keys the server
// names (COMMAND INFO once per name, COMMAND GETKEYS for movable keys);
// ASKING and its command go out as one unit under concurrent load.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "redis_cluster.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connection_string.hpp"
#include "tcp_proxy.hpp"

namespace {

using namespace std::chrono_literals;
using respcache::net::cluster_client;
using respcache::net::endpoint;
using respcache::net::parse_connection_string;
using respcache::net::cluster::hash_slot;
using respcache::testing::redis_cluster;
using respcache::testing::tcp_proxy;

std::shared_ptr<cluster_client> connect_to(const redis_cluster& cluster) {
    auto options = parse_connection_string(cluster.seeds());
    EXPECT_TRUE(options.has_value());
    auto connected = cluster_client::connect(*options);
    EXPECT_TRUE(connected.has_value()) << connected.error_value().message;
    return connected ? *connected : nullptr;
}

redis_cluster::settings primaries_only(std::vector<std::string> extra = {}) {
    redis_cluster::settings s;
    s.replicas_per_primary = 0;
    s.extra_arguments = std::move(extra);
    return s;
}

// "calls=N" of one cmdstat line of INFO commandstats, added over every node.
long calls_of(const redis_cluster& cluster, const std::string& command) {
    long total = 0;
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        const std::string stats = cluster.command(i, {"INFO", "commandstats"});
        const auto at = stats.find("cmdstat_" + command + ":calls=");
        if (at != std::string::npos) total += std::stol(stats.substr(at + command.size() + 15));
    }
    return total;
}

// The address behind a node's name now belongs to another server: node B
// announces the port of a proxy that leads to node A. The client's
// connection to that address reaches A, which answers B's keys with a MOVED
// naming that same address. The connection is made anew, and (the proxy
// now leading to B) the command is answered.
TEST(ClusterConnectionRenewal, AMovedToTheSameEndpointReconnectsThatNode) {
    redis_cluster cluster(primaries_only());
    const std::string key = "renewed";
    const std::uint16_t b = cluster.owner_of_slot(hash_slot(key));
    const std::uint16_t a = cluster.other_primary(b);
    ASSERT_EQ(cluster.command(cluster.index_of_port(b), {"SET", key, "from b"}), "+OK\r\n");

    tcp_proxy proxy(a);
    const std::string proxy_port = std::to_string(proxy.port());
    ASSERT_EQ(cluster.command(cluster.index_of_port(b),
                              {"CONFIG", "SET", "cluster-announce-port", proxy_port}),
              "+OK\r\n");
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    bool everyone_knows = false;
    while (!everyone_knows && std::chrono::steady_clock::now() < give_up) {
        everyone_knows = true;
        for (std::size_t i = 0; i < cluster.size(); ++i)
            if (cluster.command(i, {"CLUSTER", "NODES"}).find("127.0.0.1:" + proxy_port + "@") ==
                std::string::npos)
                everyone_knows = false;
        if (!everyone_knows) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(everyone_knows) << "B's announced port reached every node";

    auto client = connect_to(cluster);
    ASSERT_TRUE(client);
    const endpoint behind_proxy = endpoint::tcp("127.0.0.1", proxy.port());
    ASSERT_EQ(client->node_for_key(key), behind_proxy);
    // The client's connection to that address is open, and reaches A.
    auto stale = client->node(behind_proxy);
    ASSERT_TRUE(stale.has_value());
    ASSERT_TRUE((*stale)->call("PING").has_value());
    proxy.retarget(b);

    auto got = client->call("GET", key);
    ASSERT_TRUE(got.has_value()) << got.error_value().message;
    EXPECT_EQ(got->view().string(), "from b");
    EXPECT_EQ(client->snapshot().renewed, 1u);
    EXPECT_GE(client->snapshot().moved, 1u);
    auto again = client->call("GET", key);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(client->snapshot().renewed, 1u) << "the new connection is kept";
}

// HSTRLEN and ZUNIONSTORE renamed on every node: names the built-in table
// cannot know. Their keys come from the server, and every call goes
// straight to its key's owner (no MOVED).
TEST(ClusterServerKeys, CommandsUnknownToTheTableGoStraightToTheirOwner) {
    redis_cluster cluster(primaries_only(
        {"--rename-command", "HSTRLEN", "FIELDLEN", "--rename-command", "ZUNIONSTORE", "ZMERGE"}));
    auto client = connect_to(cluster);
    ASSERT_TRUE(client);
    const long info_before = calls_of(cluster, "command|info");
    for (int i = 0; i < 30; ++i) {
        const std::string key = "hash:" + std::to_string(i);
        ASSERT_TRUE(client->call("HSET", key, "f", std::to_string(i * 100)).has_value());
        auto length = client->call("FIELDLEN", key, "f");
        ASSERT_TRUE(length.has_value()) << length.error_value().message;
        EXPECT_EQ(length->view().integer(), static_cast<long long>(std::to_string(i * 100).size()));
    }
    EXPECT_EQ(client->snapshot().moved, 0u);
    EXPECT_EQ(calls_of(cluster, "command|info") - info_before, 1) << "asked once, kept";

    // ZUNIONSTORE's keys depend on numkeys: GETKEYS for each call.
    const long getkeys_before = calls_of(cluster, "command|getkeys");
    for (int i = 0; i < 10; ++i) {
        const std::string tag = "{z" + std::to_string(i) + "}";
        ASSERT_TRUE(client->call("ZADD", tag + "a", 1, "x").has_value());
        auto merged = client->call("ZMERGE", tag + "out", 2, tag + "a", tag + "b");
        ASSERT_TRUE(merged.has_value()) << merged.error_value().message;
        EXPECT_EQ(merged->view().integer(), 1);
    }
    EXPECT_EQ(client->snapshot().moved, 0u);
    EXPECT_EQ(calls_of(cluster, "command|getkeys") - getkeys_before, 10);

    // Keys in two slots are refused on the client, as for known commands.
    auto refused = client->call("ZMERGE", "{p}out", 2, "{p}a", "{q}b");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error_value().kind, respcache::error_kind::config);

    // The asynchronous form asks from the refresh thread, never the caller's.
    std::promise<long long> async_length;
    client->async_call(
        [&](respcache::result<respcache::resp::reply> r) {
            async_length.set_value(r && !r->is_error() ? r->integer() : -1);
        },
        "FIELDLEN", "hash:3", "f");
    EXPECT_EQ(async_length.get_future().get(), 3);
    EXPECT_EQ(client->snapshot().moved, 0u);
}

// While a slot migrates, asynchronous reads of a key already moved are
// answered with ASK, and other threads keep the target's connection busy.
// Each ASKING travels with its own command: every read is redirected once.
TEST(ClusterAsk, AsynchronousAskingIsNeverTakenByAnotherCommand) {
    redis_cluster cluster(primaries_only());
    auto client = connect_to(cluster);
    ASSERT_TRUE(client);
    const std::string key = "{asked}.value";
    const std::string slot = std::to_string(hash_slot(key));
    ASSERT_TRUE(client->call("SET", key, "moved early").has_value());
    const std::uint16_t source = cluster.owner_of_slot(hash_slot(key));
    const std::uint16_t target = cluster.other_primary(source);
    const std::size_t from = cluster.index_of_port(source), to = cluster.index_of_port(target);
    std::string source_id, target_id;
    for (const auto& n : cluster.nodes()) {
        if (n.port == source) source_id = n.id;
        if (n.port == target) target_id = n.id;
    }
    ASSERT_EQ(cluster.command(to, {"CLUSTER", "SETSLOT", slot, "IMPORTING", source_id}), "+OK\r\n");
    ASSERT_EQ(cluster.command(from, {"CLUSTER", "SETSLOT", slot, "MIGRATING", target_id}),
              "+OK\r\n");
    ASSERT_EQ(
        cluster.command(from, {"MIGRATE", "127.0.0.1", std::to_string(target), key, "0", "5000"}),
        "+OK\r\n");

    // Keys the target owns, read without pause by other threads.
    std::vector<std::string> targets_keys;
    for (int i = 0; targets_keys.size() < 8; ++i) {
        const std::string k = "busy:" + std::to_string(i);
        if (cluster.owner_of_slot(hash_slot(k)) == target) targets_keys.push_back(k);
    }
    std::atomic<bool> stop{false};
    std::vector<std::thread> busy;
    for (int t = 0; t < 3; ++t)
        busy.emplace_back([&, t] {
            for (std::size_t i = 0; !stop; ++i)
                (void)client->call("GET", targets_keys[(i + static_cast<std::size_t>(t)) % 8]);
        });
    constexpr int reads = 300;
    std::atomic<int> right{0}, answered{0};
    std::promise<void> all;
    for (int i = 0; i < reads; ++i)
        client->async_call(
            [&](respcache::result<respcache::resp::reply> r) {
                if (r && !r->is_error() && r->string() == "moved early") ++right;
                if (++answered == reads) all.set_value();
            },
            "GET", key);
    all.get_future().wait();
    stop = true;
    for (auto& t : busy) t.join();
    EXPECT_EQ(right.load(), reads);
    EXPECT_EQ(client->snapshot().ask, static_cast<std::uint64_t>(reads))
        << "no read needed a second ASK";
}

}  // namespace
