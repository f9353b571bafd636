// The settings an Aspire app host or appsettings.json deliver as environment
// variables, read with Aspire's precedence: the general section, then the
// cache's own section, then ConnectionStrings__<name>, then code.

#include <gtest/gtest.h>

#include <map>

#include "respcache/cache/cache_registry.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;

registry_options environment(std::map<std::string, std::string> variables) {
    registry_options o;
    o.environment = [variables = std::move(variables)](const std::string& name) {
        const auto found = variables.find(name);
        return found == variables.end() ? std::nullopt : std::optional(found->second);
    };
    return o;
}

TEST(AspireConfiguration, TheGeneralSectionConfiguresEveryCache) {
    cache_registry registry(environment({
        {"Aspire__StackExchange__Redis__ConnectionString", "general:6379"},
        {"Aspire__StackExchange__Redis__DisableHealthChecks", "true"},
        {"Aspire__StackExchange__Redis__DisableTracing", "True"},
    }));
    ASSERT_TRUE(registry.add_redis("cache"));
    ASSERT_TRUE(registry.add_keyed_redis("chat"));
    for (const char* name : {"cache", "chat"}) {
        const auto s = registry.settings(name);
        ASSERT_TRUE(s) << name;
        EXPECT_EQ(s->connection_string, "general:6379") << name;
        EXPECT_TRUE(s->disable_health_checks) << name;
        EXPECT_TRUE(s->disable_tracing) << name;
    }
}

TEST(AspireConfiguration, TheNamedSectionWinsOverTheGeneralOne) {
    cache_registry registry(environment({
        {"Aspire__StackExchange__Redis__ConnectionString", "general:6379"},
        {"Aspire__StackExchange__Redis__DisableTracing", "true"},
        {"Aspire__StackExchange__Redis__chat__ConnectionString", "chat:6379"},
        {"Aspire__StackExchange__Redis__chat__DisableTracing", "FALSE"},
        {"Aspire__StackExchange__Redis__chat__DisableHealthChecks", "true"},
    }));
    ASSERT_TRUE(registry.add_keyed_redis("chat"));
    ASSERT_TRUE(registry.add_keyed_redis("other"));
    const auto chat = *registry.settings("chat");
    EXPECT_EQ(chat.connection_string, "chat:6379");
    EXPECT_FALSE(chat.disable_tracing);
    EXPECT_TRUE(chat.disable_health_checks);
    const auto other = *registry.settings("other");
    EXPECT_EQ(other.connection_string, "general:6379");
    EXPECT_TRUE(other.disable_tracing);
    EXPECT_FALSE(other.disable_health_checks);
}

TEST(AspireConfiguration, ConnectionStringsWinOverBothSectionsAndCodeWinsLast) {
    cache_registry registry(environment({
        {"Aspire__StackExchange__Redis__ConnectionString", "general:6379"},
        {"Aspire__StackExchange__Redis__cache__ConnectionString", "named:6379"},
        {"Aspire__StackExchange__Redis__cache__DisableHealthChecks", "true"},
        {"ConnectionStrings__cache", "injected:6379"},
    }));
    redis_cache_settings seen;
    ASSERT_TRUE(registry.add_redis("cache", [&](redis_cache_settings& s) {
        seen = s;
        s.disable_health_checks = false;
    }));
    EXPECT_EQ(seen.connection_string, "injected:6379");
    EXPECT_TRUE(seen.disable_health_checks);
    const auto s = *registry.settings("cache");
    EXPECT_EQ(s.connection_string, "injected:6379");
    EXPECT_FALSE(s.disable_health_checks);
}

TEST(AspireConfiguration, ABooleanThatIsNotTrueOrFalseIsAConfigErrorNamingTheVariable) {
    cache_registry registry(environment({
        {"ConnectionStrings__cache", "localhost:6379"},
        {"Aspire__StackExchange__Redis__cache__DisableTracing", "yes"},
    }));
    const auto added = registry.add_redis("cache");
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error_value().kind, error_kind::config);
    EXPECT_NE(
        added.error_value().message.find("Aspire__StackExchange__Redis__cache__DisableTracing"),
        std::string::npos)
        << added.error_value().message;
    EXPECT_FALSE(registry.settings("cache"));
}

TEST(AspireConfiguration, DisabledHealthChecksFromTheEnvironmentLeaveTheCacheOutOfTheReport) {
    cache_registry registry(environment({
        {"Aspire__StackExchange__Redis__ConnectionString", "127.0.0.1:1,abortConnect=false"},
        {"Aspire__StackExchange__Redis__quiet__DisableHealthChecks", "true"},
    }));
    ASSERT_TRUE(registry.add_keyed_redis("quiet"));
    ASSERT_TRUE(registry.add_keyed_memory("memory"));
    const auto checked = registry.check_health("quiet", 100ms);
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error_value().kind, error_kind::config);
    const auto all = registry.check_health(100ms);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].name, "memory");
}

TEST(AspireConfiguration, AMissingConnectionStringNamesBothVariables) {
    cache_registry registry(environment({}));
    const auto added = registry.add_keyed_redis("chat");
    ASSERT_FALSE(added);
    EXPECT_NE(added.error_value().message.find("ConnectionStrings__chat"), std::string::npos);
    EXPECT_NE(
        added.error_value().message.find("Aspire__StackExchange__Redis__chat__ConnectionString"),
        std::string::npos);
}

}  // namespace
}  // namespace respcache::cache
