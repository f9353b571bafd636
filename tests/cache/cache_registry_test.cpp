#include <gtest/gtest.h>

#include <stdlib.h>

#include <map>

#include "respcache/cache/cache_registry.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;

// An environment the test writes, instead of the process's.
registry_options environment(std::map<std::string, std::string> variables) {
    registry_options o;
    o.environment = [variables = std::move(variables)](const std::string& name) {
        const auto found = variables.find(name);
        return found == variables.end() ? std::nullopt : std::optional(found->second);
    };
    return o;
}

TEST(CacheRegistry, AMissingConnectionStringNamesTheVariable) {
    cache_registry registry(environment({}));
    auto added = registry.add_keyed_redis("chat");
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error_value().kind, error_kind::config);
    EXPECT_NE(added.error_value().message.find("ConnectionStrings__chat"), std::string::npos)
        << added.error_value().message;
    EXPECT_FALSE(registry.cache("chat"));
}

TEST(CacheRegistry, TheConnectionStringComesFromTheEnvironment) {
    cache_registry registry(environment({{"ConnectionStrings__cache", "localhost:6380"}}));
    ASSERT_TRUE(registry.add_redis("cache"));
    EXPECT_EQ(registry.settings("cache")->connection_string, "localhost:6380");
}

TEST(CacheRegistry, ByDefaultTheProcessEnvironmentIsRead) {
    ::setenv("ConnectionStrings__registry_test", "process-env:6379", 1);
    cache_registry registry;
    ASSERT_TRUE(registry.add_keyed_redis("registry_test"));
    EXPECT_EQ(registry.settings("registry_test")->connection_string, "process-env:6379");
    ::unsetenv("ConnectionStrings__registry_test");
}

TEST(CacheRegistry, TheSettingsCallbackSeesTheEnvironmentAndWins) {
    cache_registry registry(environment({{"ConnectionStrings__cache", "from-env:6379"}}));
    std::string seen;
    ASSERT_TRUE(registry.add_redis("cache", [&](redis_cache_settings& s) {
        seen = s.connection_string;
        s.connection_string = "from-code:6379";
        s.instance_name = "app:";
        s.disable_tracing = true;
    }));
    EXPECT_EQ(seen, "from-env:6379");
    const auto s = registry.settings("cache");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->connection_string, "from-code:6379");
    EXPECT_EQ(s->instance_name, "app:");
    EXPECT_TRUE(s->disable_tracing);
}

TEST(CacheRegistry, AConnectionStringFromCodeNeedsNoEnvironment) {
    cache_registry registry(environment({}));
    bool options_seen = false;
    ASSERT_TRUE(registry.add_keyed_redis(
        "chat", [](redis_cache_settings& s) { s.connection_string = "localhost:6390,ssl=false"; },
        [&](net::connection_options& o) {
            options_seen = true;
            EXPECT_EQ(o.endpoints.at(0).port, 6390);
        }));
    EXPECT_TRUE(options_seen);
}

TEST(CacheRegistry, AnInvalidConnectionStringIsAnErrorWithoutTheSecret) {
    cache_registry registry(
        environment({{"ConnectionStrings__cache", "localhost:6379,password=hunter2,bogus=1"}}));
    auto added = registry.add_redis("cache");
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error_value().kind, error_kind::config);
    EXPECT_NE(added.error_value().message.find("cache \"cache\""), std::string::npos);
    EXPECT_EQ(added.error_value().message.find("hunter2"), std::string::npos);
}

TEST(CacheRegistry, NamesAreUniqueAndThereIsOneDefault) {
    cache_registry registry(environment({}));
    ASSERT_TRUE(registry.add_memory("cache"));
    EXPECT_FALSE(registry.add_keyed_memory("cache"));
    auto second_default = registry.add_memory("other");
    ASSERT_FALSE(second_default);
    EXPECT_NE(second_default.error_value().message.find("default"), std::string::npos);
    EXPECT_TRUE(registry.add_keyed_memory("other"));
    EXPECT_FALSE(registry.add_keyed_memory(""));
}

TEST(CacheRegistry, MemoryCachesResolveByDefaultAndByName) {
    cache_registry registry(environment({}));
    ASSERT_TRUE(registry.add_memory("cache"));
    ASSERT_TRUE(registry.add_keyed_memory("chat"));
    auto by_default = registry.default_cache();
    auto by_name = registry.cache("cache");
    auto keyed = registry.cache("chat");
    ASSERT_TRUE(by_default && by_name && keyed);
    EXPECT_EQ(*by_default, *by_name);
    EXPECT_NE(*by_default, *keyed);
    ASSERT_TRUE((*keyed)->set("k", "v"));
    auto in_default = (*by_default)->get("k");
    ASSERT_TRUE(in_default);
    EXPECT_EQ(*in_default, std::nullopt);

    auto unknown = registry.cache("nope");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error_value().kind, error_kind::config);
}

TEST(CacheRegistry, NoDefaultCacheIsAnError) {
    cache_registry registry(environment({}));
    ASSERT_TRUE(registry.add_keyed_memory("chat"));
    EXPECT_FALSE(registry.default_cache());
}

TEST(CacheRegistry, MemoryCachesAreHealthyAndDisabledChecksAreSkipped) {
    cache_registry registry(environment({{"ConnectionStrings__quiet", "localhost:1"}}));
    ASSERT_TRUE(registry.add_memory("cache"));
    ASSERT_TRUE(registry.add_keyed_redis(
        "quiet", [](redis_cache_settings& s) { s.disable_health_checks = true; }));
    auto reports = registry.check_health(100ms);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].name, "cache");
    EXPECT_EQ(reports[0].report.status, health_status::healthy);
    EXPECT_FALSE(registry.check_health("quiet", 100ms));
}

}  // namespace
}  // namespace respcache::cache
