// The cache over a Redis Cluster as an application gets it: a registry whose
// connection string lists the seed nodes. Entries on the nodes owning their
// keys, the server of every traced command, the health check's
// cluster_state, one server still taken for one server.

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster_test_cluster.hpp"
#include "redis_server.hpp"
#include "respcache/cache/cache_registry.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/connect_executor.hpp"
#include "respcache/net/connection_string.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;
using testing_cluster::flush_every_primary;
using testing_cluster::shared_cluster;

struct traced_command {
    std::string command;
    std::uint16_t port;
};

struct port_observer : command_observer {
    std::mutex mutex;
    std::vector<traced_command> events;
    void on_command(const command_event& e) noexcept override {
        std::lock_guard lock(mutex);
        events.push_back({std::string(e.operation_name), e.server_port});
    }
    std::vector<traced_command> take() {
        std::lock_guard lock(mutex);
        return std::exchange(events, {});
    }
};

registry_options cluster_environment(std::shared_ptr<command_observer> observer = nullptr) {
    registry_options o;
    o.environment = [seeds = shared_cluster().seeds()](
                        const std::string& variable) -> std::optional<std::string> {
        if (variable == "ConnectionStrings__cache") return seeds;
        return std::nullopt;
    };
    o.observer = std::move(observer);
    return o;
}

// The port CLUSTER NODES names as the owner of `key`'s slot.
std::uint16_t owner_port(const std::string& key) {
    auto& cluster = shared_cluster();
    return cluster.owner_of_slot(cluster.keyslot(key));
}

TEST(CacheOnCluster, EveryEntryIsStoredByItsScriptOnTheNodeOwningItsKey) {
    flush_every_primary();
    auto observer = std::make_shared<port_observer>();
    cache_registry registry(cluster_environment(observer));
    ASSERT_TRUE(
        registry.add_redis("cache", [](redis_cache_settings& s) { s.instance_name = "app:"; }));
    auto cache = registry.default_cache();
    ASSERT_TRUE(cache) << cache.error_value().message;
    auto& redis = static_cast<redis_cache&>(**cache);
    ASSERT_TRUE(redis.executor()->is_cluster()) << "the seed list names a cluster";
    EXPECT_EQ(redis.connection(), nullptr);

    std::set<std::uint16_t> owners;
    for (int i = 0; i < 40; ++i) {
        const std::string key = "entry:" + std::to_string(i);
        const std::string value = "value " + std::to_string(i);
        ASSERT_TRUE((*cache)->set(key, value, entry_options::sliding(60s)));
        auto got = (*cache)->get(key);
        ASSERT_TRUE(got) << got.error_value().message;
        EXPECT_EQ(*got, value);

        // Asked directly, the owner holds the hash; the others send a MOVED.
        const std::uint16_t owner = owner_port("app:" + key);
        owners.insert(owner);
        auto& cluster = shared_cluster();
        for (std::size_t n = 0; n < cluster.size(); ++n) {
            const std::string stored = cluster.command(n, {"HGET", "app:" + key, "data"});
            if (cluster.node(n).port() == owner)
                EXPECT_NE(stored.find(value), std::string::npos) << key << ": " << stored;
            else
                EXPECT_TRUE(stored.starts_with("-MOVED "))
                    << key << " on " << cluster.node(n).port() << ": " << stored;
        }
        // Each command was a script, traced with the owner's address.
        for (const traced_command& e : observer->take()) {
            EXPECT_TRUE(e.command == "EVALSHA" || e.command == "EVAL") << e.command;
            EXPECT_EQ(e.port, owner) << key << ": " << e.command;
        }
    }
    EXPECT_EQ(owners.size(), 3u) << "the keys spread over every primary";

    auto stored = redis.inspect("entry:7");
    ASSERT_TRUE(stored) << stored.error_value().message;
    ASSERT_TRUE(stored->has_value());
    EXPECT_EQ((*stored)->data, "value 7");
    ASSERT_TRUE((*stored)->ttl.has_value());
    EXPECT_GT(*(*stored)->ttl, 50s);
    EXPECT_GT((*cache)->metrics().bytes_written, 0u);
}

TEST(CacheOnCluster, AsynchronousCallsReachTheOwnersToo) {
    flush_every_primary();
    cache_registry registry(cluster_environment());
    ASSERT_TRUE(registry.add_redis("cache"));
    auto cache = registry.default_cache();
    ASSERT_TRUE(cache) << cache.error_value().message;
    std::vector<std::future<result<void>>> writes;
    for (int i = 0; i < 30; ++i)
        writes.push_back((*cache)->set_future("async:" + std::to_string(i), std::to_string(i)));
    for (auto& w : writes) EXPECT_TRUE(w.get());
    for (int i = 0; i < 30; ++i) {
        const std::string key = "async:" + std::to_string(i);
        auto got = (*cache)->get_future(key).get();
        ASSERT_TRUE(got) << got.error_value().message;
        EXPECT_EQ(*got, std::to_string(i));
        auto& cluster = shared_cluster();
        const std::string stored =
            cluster.command(cluster.index_of_port(owner_port(key)), {"HGET", key, "data"});
        EXPECT_NE(stored.find(std::to_string(i)), std::string::npos) << key;
    }
}

TEST(CacheOnCluster, HealthCheckIsHealthyOnlyWhileTheClusterStateIsOk) {
    flush_every_primary();
    cache_registry registry(cluster_environment());
    ASSERT_TRUE(registry.add_redis("cache"));
    auto healthy = registry.check_health("cache", 2s);
    ASSERT_TRUE(healthy);
    EXPECT_EQ(healthy->status, health_status::healthy) << healthy->reason;

    // Slot 0 unassigned on every node while full coverage is required (the
    // test cluster does not require it): each reports cluster_state:fail.
    // The owner first, and again while gossip sent before may restore it.
    auto& cluster = shared_cluster();
    for (std::size_t n = 0; n < cluster.size(); ++n)
        cluster.command(n, {"CONFIG", "SET", "cluster-require-full-coverage", "yes"});
    const std::uint16_t owner = cluster.owner_of_slot(0);
    const std::size_t owner_index = cluster.index_of_port(owner);
    health_report failing;
    for (int attempt = 0; attempt < 50; ++attempt) {
        cluster.command(owner_index, {"CLUSTER", "DELSLOTS", "0"});
        for (std::size_t n = 0; n < cluster.size(); ++n)
            if (n != owner_index) cluster.command(n, {"CLUSTER", "DELSLOTS", "0"});
        auto r = registry.check_health("cache", 2s);
        ASSERT_TRUE(r);
        failing = *r;
        if (failing.status == health_status::unhealthy) break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(failing.status, health_status::unhealthy);
    EXPECT_EQ(failing.reason, "CLUSTER INFO does not report cluster_state:ok");

    cluster.command(owner_index, {"CLUSTER", "ADDSLOTS", "0"});
    for (std::size_t n = 0; n < cluster.size(); ++n)
        cluster.command(n, {"CONFIG", "SET", "cluster-require-full-coverage", "no"});
    ASSERT_TRUE(cluster.wait_until_ok(20s)) << "slot 0 back with its owner";
    health_report back;
    for (int attempt = 0; attempt < 50; ++attempt) {
        back = *registry.check_health("cache", 2s);
        if (back.status == health_status::healthy) break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(back.status, health_status::healthy) << back.reason;
}

TEST(CacheOnCluster, OneServerIsStillOneMultiplexer) {
    respcache::testing::redis_server server;
    auto options = net::parse_connection_string(server.connection_string());
    ASSERT_TRUE(options);
    auto connected = net::connect_executor(*options);
    ASSERT_TRUE(connected) << connected.error_value().message;
    EXPECT_FALSE(connected->executor->is_cluster());
    ASSERT_NE(connected->connection, nullptr);
    redis_cache cache(connected->connection);
    ASSERT_TRUE(cache.set("k", "v"));
    EXPECT_EQ(*cache.get("k"), "v");
    EXPECT_EQ(cache.executor()->server_for("k").port, server.port());
}

}  // namespace
}  // namespace respcache::cache
