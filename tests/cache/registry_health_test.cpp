// Named caches on a real server: shared connections, tracing switched off
// per name, health checks through a server kill and restart.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "redis_server.hpp"
#include "respcache/cache/cache_registry.hpp"
#include "respcache/cache/near_cache.hpp"
#include "respcache/cache/redis_cache.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;

struct counting_observer : command_observer {
    std::atomic<int> events{0};
    void on_command(const command_event&) noexcept override { ++events; }
};

registry_options with_connection_string(const std::string& connection_string,
                                        std::shared_ptr<command_observer> observer = nullptr) {
    registry_options o;
    o.environment = [connection_string](const std::string& variable) -> std::optional<std::string> {
        if (!variable.starts_with("ConnectionStrings__")) return std::nullopt;
        return connection_string;
    };
    o.observer = std::move(observer);
    return o;
}

// The registry hands out the interface; these tests know what is behind it.
redis_cache& as_redis(const std::shared_ptr<distributed_cache>& c) {
    return static_cast<redis_cache&>(*c);
}

TEST(CacheRegistryOnRedis, NamesSharingAConnectionStringShareAMultiplexer) {
    testing::redis_server server;
    cache_registry registry(with_connection_string(server.connection_string()));
    ASSERT_TRUE(registry.add_redis("cache"));
    ASSERT_TRUE(registry.add_keyed_redis(
        "chat", [](redis_cache_settings& s) { s.instance_name = "chat:"; }));
    ASSERT_TRUE(registry.add_keyed_redis(
        "slow", {}, [](net::connection_options& o) { o.connect_timeout = 1234ms; }));

    auto cache = registry.default_cache();
    auto chat = registry.cache("chat");
    auto slow = registry.cache("slow");
    ASSERT_TRUE(cache && chat && slow);
    EXPECT_EQ(as_redis(*cache).connection(), as_redis(*chat).connection());
    EXPECT_NE(as_redis(*cache).connection(), as_redis(*slow).connection());
    EXPECT_EQ(as_redis(*slow).connection()->options().connect_timeout, 1234ms);

    ASSERT_TRUE((*chat)->set("k", "in chat"));
    auto in_cache = (*cache)->get("k");
    ASSERT_TRUE(in_cache);
    EXPECT_EQ(*in_cache, std::nullopt);
    auto raw = server.raw_command({"HGET", "chat:k", "data"});
    EXPECT_NE(raw.find("in chat"), std::string::npos);
}

TEST(CacheRegistryOnRedis, ANearCacheIsRegisteredLikeTheOthersOnAConnectionOfItsOwn) {
    testing::redis_server server;
    cache_registry registry(with_connection_string(server.connection_string()));
    ASSERT_TRUE(registry.add_redis("cache", [](redis_cache_settings& s) {
        s.instance_name = "app:";
        s.near_cache = near_cache_settings{};
    }));
    ASSERT_TRUE(registry.add_keyed_redis("plain"));
    auto cache = registry.default_cache();
    auto plain = registry.cache("plain");
    ASSERT_TRUE(cache && plain);
    auto& near = static_cast<near_cache&>(**cache);
    EXPECT_NE(near.connection(), as_redis(*plain).connection());
    EXPECT_EQ(near.second_level().instance_name(), "app:");
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (!near.first_level_active() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(1ms);
    ASSERT_TRUE(near.first_level_active());
    ASSERT_TRUE(near.set("k", "v"));
    ASSERT_EQ(near.get("k").value(), "v");
    EXPECT_EQ(near.metrics().first_level_hits, 1u);
    auto again = registry.cache("cache");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->get(), cache->get());
    auto health = registry.check_health("cache", 1s);
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, health_status::healthy);
}

TEST(CacheRegistryOnRedis, DisableTracingSilencesEvents) {
    testing::redis_server server;
    auto observer = std::make_shared<counting_observer>();
    cache_registry registry(with_connection_string(server.connection_string(), observer));
    ASSERT_TRUE(registry.add_redis("traced"));
    ASSERT_TRUE(registry.add_keyed_redis(
        "quiet", [](redis_cache_settings& s) { s.disable_tracing = true; }));
    auto traced = registry.cache("traced");
    auto quiet = registry.cache("quiet");
    ASSERT_TRUE(traced && quiet);

    ASSERT_TRUE((*quiet)->set("k", "v", entry_options::sliding(10s)));
    ASSERT_TRUE((*quiet)->get("k"));
    ASSERT_TRUE((*quiet)->get_future("k").get());
    ASSERT_TRUE((*quiet)->remove("k"));
    EXPECT_EQ(observer->events.load(), 0);
    EXPECT_GE((*quiet)->metrics().commands, 4u) << "metrics are kept without tracing";

    ASSERT_TRUE((*traced)->remove("k"));
    ASSERT_TRUE((*traced)->remove_future("k").get());
    EXPECT_EQ(observer->events.load(), 2);
}

TEST(CacheRegistryOnRedis, AConnectionFailureNamesTheCache) {
    const std::uint16_t port = testing::free_port();
    cache_registry registry(
        with_connection_string("127.0.0.1:" + std::to_string(port) + ",connectTimeout=500"));
    ASSERT_TRUE(
        registry.add_redis("cache", {}, [](net::connection_options& o) { o.connect_retry = 1; }));
    auto c = registry.default_cache();
    ASSERT_FALSE(c);
    EXPECT_NE(c.error_value().message.find("cache \"cache\""), std::string::npos)
        << c.error_value().message;
    auto health = registry.check_health("cache", 500ms);
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, health_status::unhealthy);
    EXPECT_FALSE(health->reason.empty());
}

TEST(CacheRegistryOnRedis, HealthIsUpThenDownThenRecovers) {
    testing::redis_server server;
    cache_registry registry(with_connection_string(server.connection_string()));
    ASSERT_TRUE(registry.add_redis("cache"));
    ASSERT_TRUE(registry.add_keyed_memory("local"));

    auto up = registry.check_health(1s);
    ASSERT_EQ(up.size(), 2u);
    EXPECT_EQ(up[0].name, "cache");
    EXPECT_EQ(up[0].report.status, health_status::healthy) << up[0].report.reason;
    EXPECT_GT(up[0].report.latency.count(), 0);
    EXPECT_TRUE(up[0].report.reason.empty());
    EXPECT_EQ(up[1].report.status, health_status::healthy);

    server.kill();
    auto down = registry.check_health("cache", 500ms);
    ASSERT_TRUE(down);
    EXPECT_EQ(down->status, health_status::unhealthy);
    EXPECT_FALSE(down->reason.empty());
    EXPECT_LT(down->latency, 2s) << "bounded by the timeout";

    server.restart();
    health_report again;
    const auto start = std::chrono::steady_clock::now();
    do {
        auto checked = registry.check_health("cache", 500ms);
        ASSERT_TRUE(checked);
        again = *checked;
        if (again.status == health_status::healthy) break;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() - start < 15s);
    EXPECT_EQ(again.status, health_status::healthy) << again.reason;

    auto cache = registry.default_cache();
    ASSERT_TRUE(cache);
    EXPECT_GE((*cache)->metrics().reconnects, 1u);
}

}  // namespace
}  // namespace respcache::cache
