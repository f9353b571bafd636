// The Redis cache against a real server: the stored format checked with raw
// commands (no respcache code on that path), .NET-written entries, TTLs,
// round trips, script-cache loss.

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "redis_server.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/resp/reader.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::system_clock;

resp::owned_reply parse(const std::string& raw) {
    resp::reader reader;
    reader.feed(raw);
    auto next = reader.next();
    EXPECT_TRUE(next && *next) << "not one whole reply: " << raw;
    return next && *next ? (*next)->to_owned() : resp::owned_reply();
}

// The fields of a hash as raw HMGET returns them; "(nil)" for an absent one.
std::vector<std::string> raw_fields(const testing::redis_server& server, const std::string& key) {
    const resp::owned_reply r =
        parse(server.raw_command({"HMGET", key, "absexp", "sldexp", "data"}));
    std::vector<std::string> fields;
    for (const resp::reply field : r.view())
        fields.push_back(field.is_null() ? "(nil)" : std::string(field.string()));
    return fields;
}

std::int64_t raw_integer(const testing::redis_server& server, std::vector<std::string> command) {
    return parse(server.raw_command(std::move(command))).view().integer();
}

std::int64_t raw_pttl(const testing::redis_server& server, const std::string& key) {
    return raw_integer(server, {"PTTL", key});
}

// cmdstat_<name> -> calls, from INFO commandstats.
std::map<std::string, std::int64_t> command_calls(const testing::redis_server& server) {
    const std::string text(parse(server.raw_command({"INFO", "commandstats"})).view().string());
    std::map<std::string, std::int64_t> calls;
    std::size_t at = 0;
    while ((at = text.find("cmdstat_", at)) != std::string::npos) {
        const std::size_t colon = text.find(':', at);
        const std::size_t count = text.find("calls=", colon) + 6;
        calls[text.substr(at + 8, colon - at - 8)] = std::stoll(text.substr(count));
        at = colon;
    }
    return calls;
}

std::string ticks_text(clock::time_point t) {
    return std::to_string(to_dotnet_ticks(t));
}
std::string ticks_text(ticks t) {
    return std::to_string(t.count());
}

struct recorded_event {
    std::string operation_name, cache_operation, server_address;
    std::uint16_t server_port;
    std::chrono::nanoseconds duration;
    std::optional<error> failure;
};

struct recording_observer : command_observer {
    std::mutex mutex;
    std::vector<recorded_event> events;
    void on_command(const command_event& e) noexcept override {
        std::lock_guard lock(mutex);
        events.push_back({std::string(e.operation_name), std::string(e.cache_operation),
                          std::string(e.server_address), e.server_port, e.duration,
                          e.failure ? std::optional(*e.failure) : std::nullopt});
    }
    std::vector<recorded_event> take() {
        std::lock_guard lock(mutex);
        return std::exchange(events, {});
    }
};

class RedisCache : public ::testing::Test {
  protected:
    testing::redis_server server;
    std::shared_ptr<recording_observer> observer = std::make_shared<recording_observer>();
    std::shared_ptr<redis_cache> cache = open("");

    std::shared_ptr<redis_cache> open(std::string instance_name) {
        redis_cache_options options;
        options.instance_name = std::move(instance_name);
        options.observer = observer;
        auto c = redis_cache::connect(*net::parse_connection_string(server.connection_string()),
                                      options);
        EXPECT_TRUE(c) << (c ? "" : c.error_value().message);
        return c ? *c : nullptr;
    }
};

TEST_F(RedisCache, ReadsAndReArmsEntriesWrittenTheDotNetWay) {
    const auto now = clock::now();
    auto dotnet = open("dotnet-app:");
    // What RedisCache.Set sends (HSET, then EXPIRE in whole seconds), with
    // the TTL already partly run down.
    server.raw_command({"HSET", "dotnet-app:sliding", "absexp", "-1", "sldexp",
                        ticks_text(ticks(20s)), "data", "from .NET"});
    server.raw_command({"EXPIRE", "dotnet-app:sliding", "5"});
    server.raw_command({"HSET", "dotnet-app:capped", "absexp", ticks_text(now + 10s), "sldexp",
                        ticks_text(ticks(60s)), "data", "capped"});
    server.raw_command({"EXPIRE", "dotnet-app:capped", "3"});
    server.raw_command({"HSET", "dotnet-app:absolute", "absexp", ticks_text(now + 60s), "sldexp",
                        "-1", "data", "absolute"});
    server.raw_command({"EXPIRE", "dotnet-app:absolute", "30"});
    server.raw_command({"HSET", "dotnet-app:refreshed", "absexp", "-1", "sldexp",
                        ticks_text(ticks(40s)), "data", "refreshed"});
    server.raw_command({"EXPIRE", "dotnet-app:refreshed", "2"});

    auto sliding = dotnet->get("sliding");
    ASSERT_TRUE(sliding);
    EXPECT_EQ(*sliding, "from .NET");
    const auto sliding_ttl = raw_pttl(server, "dotnet-app:sliding");
    EXPECT_GT(sliding_ttl, 19'000);
    EXPECT_LE(sliding_ttl, 20'000);

    auto capped = dotnet->get("capped");
    ASSERT_TRUE(capped);
    EXPECT_EQ(*capped, "capped");
    const auto capped_ttl = raw_pttl(server, "dotnet-app:capped");
    EXPECT_GT(capped_ttl, 8'000);  // min(absexp - now, sldexp), not sldexp
    EXPECT_LE(capped_ttl, 10'000);

    auto absolute = dotnet->get("absolute");
    ASSERT_TRUE(absolute);
    EXPECT_EQ(*absolute, "absolute");
    EXPECT_LE(raw_pttl(server, "dotnet-app:absolute"), 30'000);  // not touched

    ASSERT_TRUE(dotnet->refresh("refreshed"));
    EXPECT_GT(raw_pttl(server, "dotnet-app:refreshed"), 39'000);
    EXPECT_EQ(raw_fields(server, "dotnet-app:refreshed")[2], "refreshed");
}

TEST_F(RedisCache, AnEntryPastItsAbsoluteExpirationIsNotReturnedAndIsDeleted) {
    // As a writer whose clock runs behind could leave it: a sliding entry
    // with no TTL whose absolute expiration has passed. .NET's re-arm would
    // PEXPIRE it with a negative TTL, deleting it.
    server.raw_command({"HSET", "stale", "absexp", ticks_text(clock::now() - 5s), "sldexp",
                        ticks_text(ticks(60s)), "data", "stale"});
    auto got = cache->get("stale");
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, std::nullopt);
    EXPECT_EQ(raw_integer(server, {"EXISTS", "stale"}), 0);
}

TEST_F(RedisCache, WritesExactlyTheDotNetFieldsAndTtl) {
    const auto absolute = clock::now() + 90s;
    ASSERT_TRUE(cache->set("plain", "p"));
    ASSERT_TRUE(cache->set("sliding", "s", entry_options::sliding(30s)));
    ASSERT_TRUE(cache->set("absolute", "a", entry_options::absolute(absolute)));
    entry_options both = entry_options::sliding(60s);
    both.absolute_expiration = absolute - 70s;
    ASSERT_TRUE(cache->set("both", "b", both));
    const auto before = clock::now();
    ASSERT_TRUE(cache->set("relative", "r", entry_options::expires_in(45s)));
    const auto after = clock::now();

    EXPECT_EQ(raw_fields(server, "plain"), (std::vector<std::string>{"-1", "-1", "p"}));
    EXPECT_EQ(raw_pttl(server, "plain"), -1);
    EXPECT_EQ(raw_integer(server, {"HLEN", "plain"}), 3);

    EXPECT_EQ(raw_fields(server, "sliding"), (std::vector<std::string>{"-1", "300000000", "s"}));
    EXPECT_GT(raw_pttl(server, "sliding"), 28'000);

    EXPECT_EQ(raw_fields(server, "absolute"),
              (std::vector<std::string>{ticks_text(absolute), "-1", "a"}));
    const auto absolute_ttl = raw_pttl(server, "absolute");
    EXPECT_GT(absolute_ttl, 87'000);
    EXPECT_LE(absolute_ttl, 90'000);

    EXPECT_EQ(raw_fields(server, "both"),
              (std::vector<std::string>{ticks_text(absolute - 70s), "600000000", "b"}));
    const auto both_ttl = raw_pttl(server, "both");
    EXPECT_GT(both_ttl, 17'000);
    EXPECT_LE(both_ttl, 20'000);

    const auto relative = raw_fields(server, "relative");
    ASSERT_EQ(relative.size(), 3u);
    EXPECT_GE(std::stoll(relative[0]), to_dotnet_ticks(before + 45s));
    EXPECT_LE(std::stoll(relative[0]), to_dotnet_ticks(after + 45s));
    EXPECT_EQ(relative[1], "-1");
    EXPECT_LE(raw_pttl(server, "relative"), 45'000);
}

TEST_F(RedisCache, OverwritingWithoutExpirationRemovesTheOldTtl) {
    ASSERT_TRUE(cache->set("k", "v1", entry_options::expires_in(60s)));
    ASSERT_TRUE(cache->set("k", "v2"));
    EXPECT_EQ(raw_pttl(server, "k"), -1);
    EXPECT_EQ(raw_fields(server, "k")[2], "v2");
}

TEST_F(RedisCache, SubSecondTtlsKeepTheirMilliseconds) {
    // .NET would send EXPIRE k 0 here, deleting the entry it just wrote.
    ASSERT_TRUE(cache->set("short", "v", entry_options::expires_in(900ms)));
    ASSERT_TRUE(cache->set("short-sliding", "v", entry_options::sliding(800ms)));
    const auto short_ttl = raw_pttl(server, "short");
    EXPECT_GT(short_ttl, 0);
    EXPECT_LE(short_ttl, 900);
    const auto sliding_ttl = raw_pttl(server, "short-sliding");
    EXPECT_GT(sliding_ttl, 0);
    EXPECT_LE(sliding_ttl, 800);
}

TEST_F(RedisCache, ReadsAndRefreshesReArmTheTtl) {
    ASSERT_TRUE(cache->set("read", "v", entry_options::sliding(10s)));
    ASSERT_TRUE(cache->set("refreshed", "v", entry_options::sliding(10s)));
    std::this_thread::sleep_for(1500ms);
    EXPECT_LT(raw_pttl(server, "read"), 8'600);
    ASSERT_TRUE(cache->get("read"));
    EXPECT_GT(raw_pttl(server, "read"), 9'500);
    ASSERT_TRUE(cache->refresh_future("refreshed").get());
    EXPECT_GT(raw_pttl(server, "refreshed"), 9'500);
}

TEST_F(RedisCache, AbsoluteExpirationCapsTheReArmedTtl) {
    entry_options options = entry_options::sliding(60s);
    options.absolute_expiration_relative_to_now = 5s;
    ASSERT_TRUE(cache->set("k", "v", options));
    EXPECT_LE(raw_pttl(server, "k"), 5'000);
    std::this_thread::sleep_for(1s);
    ASSERT_TRUE(cache->get("k"));
    EXPECT_LE(raw_pttl(server, "k"), 4'000);
}

TEST_F(RedisCache, ASlidingGetIsOneRoundTrip) {
    ASSERT_TRUE(cache->set("k", "v", entry_options::sliding(60s)));
    ASSERT_TRUE(cache->get("k"));  // the server now has the script

    const auto sent_before = cache->connection()->snapshot().commands_sent;
    const auto before = command_calls(server);
    auto got = cache->get("k");
    const auto after = command_calls(server);
    const auto sent_after = cache->connection()->snapshot().commands_sent;
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, "v");

    EXPECT_EQ(sent_after - sent_before, 1u) << "commands this client sent";
    std::map<std::string, std::int64_t> delta;
    for (const auto& [name, calls] : after) {
        const auto was = before.contains(name) ? before.at(name) : 0;
        if (name != "info" && calls != was) delta[name] = calls - was;
    }
    // One EVALSHA from the client; HMGET and PEXPIRE are what the script ran
    // inside the server. .NET sends HMGET and EXPIRE as two round trips.
    EXPECT_EQ(delta,
              (std::map<std::string, std::int64_t>{{"evalsha", 1}, {"hmget", 1}, {"pexpire", 1}}));
}

TEST_F(RedisCache, ALostScriptCacheIsRefilled) {
    ASSERT_TRUE(cache->set("k", "v", entry_options::sliding(60s)));
    server.raw_command({"SCRIPT", "FLUSH"});
    observer->take();
    auto got = cache->get("k");
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, "v");
    auto events = observer->take();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].operation_name, "EVALSHA");
    ASSERT_TRUE(events[0].failure);
    EXPECT_NE(events[0].failure->message.find("NOSCRIPT"), std::string::npos);
    EXPECT_EQ(events[1].operation_name, "EVAL");
    EXPECT_FALSE(events[1].failure);

    server.raw_command({"SCRIPT", "FLUSH"});
    ASSERT_TRUE(cache->set_future("k", "v2", entry_options::sliding(60s)).get());
    auto async_got = cache->get_future("k").get();
    ASSERT_TRUE(async_got);
    EXPECT_EQ(*async_got, "v2");
}

TEST_F(RedisCache, InspectShowsTheStoredFieldsWithoutReArming) {
    ASSERT_TRUE(cache->set("k", std::string("a\0b", 3), entry_options::sliding(10s)));
    std::this_thread::sleep_for(300ms);
    auto seen = cache->inspect("k");
    ASSERT_TRUE(seen);
    ASSERT_TRUE(*seen);
    EXPECT_EQ((*seen)->absexp, "-1");
    EXPECT_EQ((*seen)->sldexp, "100000000");
    EXPECT_EQ((*seen)->data, std::string("a\0b", 3));
    EXPECT_EQ((*seen)->sliding_expiration(), ticks(10s));
    EXPECT_EQ((*seen)->absolute_expiration(), std::nullopt);
    ASSERT_TRUE((*seen)->ttl);
    EXPECT_LT(*(*seen)->ttl, 9'800ms);

    auto missing = cache->inspect("nothing");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
}

TEST_F(RedisCache, EveryCommandIsOneEventWithOpenTelemetryAttributes) {
    ASSERT_TRUE(cache->set("warm", "v"));
    ASSERT_TRUE(cache->get("warm"));
    observer->take();
    const auto metrics_before = cache->metrics();

    ASSERT_TRUE(cache->set("k", "v", entry_options::sliding(10s)));
    ASSERT_TRUE(cache->get("k"));
    ASSERT_TRUE(cache->refresh("k"));
    ASSERT_TRUE(cache->get_future("k").get());
    ASSERT_TRUE(cache->remove_future("k").get());
    ASSERT_TRUE(cache->remove("k"));
    server.raw_command({"SET", "a-string", "x"});
    auto wrong_type = cache->get("a-string");
    ASSERT_FALSE(wrong_type);
    EXPECT_EQ(wrong_type.error_value().kind, error_kind::server_reply);

    const auto events = observer->take();
    ASSERT_EQ(events.size(), 7u);
    const std::pair<const char*, const char*> expected[] = {
        {"set", "EVALSHA"}, {"get", "EVALSHA"}, {"refresh", "EVALSHA"}, {"get", "EVALSHA"},
        {"remove", "DEL"},  {"remove", "DEL"},  {"get", "EVALSHA"},
    };
    for (std::size_t i = 0; i < events.size(); ++i) {
        EXPECT_EQ(events[i].cache_operation, expected[i].first) << i;
        EXPECT_EQ(events[i].operation_name, expected[i].second) << i;
        EXPECT_EQ(events[i].server_address, "127.0.0.1");
        EXPECT_EQ(events[i].server_port, server.port());
        EXPECT_GT(events[i].duration.count(), 0);
        EXPECT_EQ(events[i].failure.has_value(), i == 6) << i;
    }
    EXPECT_NE(events[6].failure->message.find("WRONGTYPE"), std::string::npos);

    const auto m = cache->metrics();
    EXPECT_EQ(m.commands - metrics_before.commands, 7u);
    EXPECT_EQ(m.errors - metrics_before.errors, 1u);
    EXPECT_EQ(m.latency.count() - metrics_before.latency.count(), 7u);
    EXPECT_EQ(m.hits - metrics_before.hits, 2u);
    EXPECT_GT(m.bytes_written, metrics_before.bytes_written);
    EXPECT_GT(m.bytes_read, metrics_before.bytes_read);
}

}  // namespace
}  // namespace respcache::cache
