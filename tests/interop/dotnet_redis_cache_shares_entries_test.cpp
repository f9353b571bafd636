// .NET's own RedisCache (Microsoft.Extensions.Caching.StackExchangeRedis,
// through IDistributedCache) and respcache's redis_cache on one server:
// entries written by either are read exactly by the other, with the same
// TTLs, re-arming and expiry. The .NET side is tests/interop/dotnet/.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <thread>

#include "base64.hpp"
#include "dotnet_peer.hpp"
#include "hybrid_payload.hpp"
#include "redis_server.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/resp/reader.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::system_clock;
using testing::base64_decode;
using testing::base64_encode;

const std::string binary_value = std::string("\0\x01\xff\xfe\0zero\r\n\xff", 12);
const std::string empty_value;
const std::string mebibyte_value = [] {
    std::string v(1 << 20, '\0');
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<char>((i * 7919) >> 3);
    return v;
}();

std::string wire(const std::string& value) {
    return value.empty() ? "-" : base64_encode(value);
}

std::int64_t unix_ms(clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class DotnetRedisCache : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (std::string(RESPCACHE_DOTNET_INTEROP).empty()) return;
        server_ = std::make_unique<testing::redis_server>();
        peer_ = std::make_unique<testing::dotnet_peer>(RESPCACHE_DOTNET_INTEROP,
                                                       server_->connection_string());
        auto options = net::parse_connection_string(server_->connection_string());
        auto opened = net::multiplexer::connect(*options);
        ASSERT_TRUE(opened) << opened.error_value().message;
        connection_ = *opened;
    }
    static void TearDownTestSuite() {
        connection_.reset();
        peer_.reset();
        server_.reset();
    }
    void SetUp() override {
        if (std::string(RESPCACHE_DOTNET_INTEROP).empty())
            GTEST_SKIP() << "dotnet is not on the PATH: the .NET interop suite needs the .NET SDK";
        ASSERT_EQ(dotnet("use -"), "ok");
    }

    static std::string dotnet(const std::string& command) { return peer_->ask(command); }

    static redis_cache cache(const std::string& instance_name = "") {
        redis_cache_options options;
        options.instance_name = instance_name;
        return redis_cache(connection_, options);
    }

    static resp::owned_reply raw(const std::vector<std::string>& command) {
        resp::reader reader;
        reader.feed(server_->raw_command(command));
        auto next = reader.next();
        EXPECT_TRUE(next && *next);
        return next && *next ? (*next)->to_owned() : resp::owned_reply();
    }
    static std::int64_t pttl(const std::string& key) { return raw({"PTTL", key}).view().integer(); }
    static std::string field(const std::string& key, const std::string& name) {
        const auto r = raw({"HGET", key, name});
        return r.view().is_null() ? "(nil)" : std::string(r.view().string());
    }

    static std::unique_ptr<testing::redis_server> server_;
    static std::unique_ptr<testing::dotnet_peer> peer_;
    static std::shared_ptr<net::multiplexer> connection_;
};

std::unique_ptr<testing::redis_server> DotnetRedisCache::server_;
std::unique_ptr<testing::dotnet_peer> DotnetRedisCache::peer_;
std::shared_ptr<net::multiplexer> DotnetRedisCache::connection_;

TEST_F(DotnetRedisCache, RespcacheReadsTheExactBytesDotnetWrote) {
    for (const std::string instance : {"", "shop:"}) {
        ASSERT_EQ(dotnet("use " + (instance.empty() ? "-" : instance)), "ok");
        auto ours = cache(instance);
        int n = 0;
        for (const std::string* value : {&binary_value, &empty_value, &mebibyte_value}) {
            const std::string key = "bytes" + std::to_string(n++);
            ASSERT_EQ(dotnet("set " + key + " " + wire(*value)), "ok");
            const auto got = ours.get(key);
            ASSERT_TRUE(got) << got.error_value().message;
            ASSERT_TRUE(got->has_value()) << instance << key;
            EXPECT_EQ(**got, *value) << instance << key;
        }
        // The key is the instance name and the key joined, nothing else.
        EXPECT_EQ(field(instance + "bytes0", "data"), binary_value);
    }
}

TEST_F(DotnetRedisCache, EveryExpirationKindDotnetWritesIsReadWithItsFields) {
    auto ours = cache();
    const auto at = clock::now() + 90s;
    const std::string at_ms = std::to_string(unix_ms(at));
    ASSERT_EQ(dotnet("set absolute " + wire(binary_value) + " abs=" + at_ms), "ok");
    ASSERT_EQ(dotnet("set relative " + wire(binary_value) + " rel=60000"), "ok");
    ASSERT_EQ(dotnet("set sliding " + wire(binary_value) + " sld=45000"), "ok");
    ASSERT_EQ(dotnet("set both " + wire(binary_value) + " rel=60000 sld=30000"), "ok");

    for (const char* key : {"absolute", "relative", "sliding", "both"}) {
        const auto entry = ours.inspect(key);
        ASSERT_TRUE(entry && entry->has_value()) << key;
        const auto got = ours.get(key);
        ASSERT_TRUE(got && got->has_value()) << key;
        EXPECT_EQ(**got, binary_value) << key;
    }
    const auto absolute = *ours.inspect("absolute").value();
    EXPECT_EQ(
        absolute.absexp,
        std::to_string(to_dotnet_ticks(clock::time_point(std::chrono::milliseconds(unix_ms(at))))));
    EXPECT_EQ(absolute.sldexp, "-1");
    EXPECT_EQ(ours.inspect("sliding").value()->sldexp, "450000000");
    EXPECT_EQ(ours.inspect("sliding").value()->absexp, "-1");
    const auto both = *ours.inspect("both").value();
    EXPECT_EQ(both.sldexp, "300000000");
    const auto deadline = both.absolute_expiration();
    ASSERT_TRUE(deadline);
    EXPECT_GT(*deadline, clock::now() + 55s);
    EXPECT_LE(*deadline, clock::now() + 60s);
}

// Lowers the key's TTL, re-arms it with `rearm`, and returns the new PTTL.
template <class Rearm>
std::int64_t pttl_after(const std::string& key, Rearm rearm, const testing::redis_server& server) {
    server.raw_command({"PEXPIRE", key, "5000"});
    rearm();
    resp::reader reader;
    reader.feed(server.raw_command({"PTTL", key}));
    return (*reader.next())->to_owned().view().integer();
}

// The TTL a re-arm between `before` and `after` must leave, by .NET's rule
// min(absexp - now, sldexp) in whole milliseconds, less the time until PTTL ran.
struct ttl_bounds {
    std::int64_t low, high;
};
ttl_bounds rearmed_ttl(const stored_entry& e, clock::time_point before, clock::time_point after) {
    const auto window =
        std::chrono::duration_cast<std::chrono::milliseconds>(*e.sliding_expiration()).count();
    std::int64_t high = window, low = window;
    if (const auto absolute = e.absolute_expiration()) {
        high = std::min(high, unix_ms(*absolute) - unix_ms(before));
        low = std::min(low, unix_ms(*absolute) - unix_ms(after));
    }
    return {low - (unix_ms(after) - unix_ms(before)) - 1, high};
}

TEST_F(DotnetRedisCache, RespcacheSlidingReadRearmsTheTtlAsDotnetRefreshDoes) {
    auto ours = cache();
    // Sliding alone: the window; absolute earlier than the window: what is left of it.
    ASSERT_EQ(dotnet("set window " + wire(binary_value) + " sld=40000"), "ok");
    ASSERT_EQ(dotnet("set capped " + wire(binary_value) + " rel=20000 sld=40000"), "ok");
    for (const std::string key : {"window", "capped"}) {
        const stored_entry entry = *ours.inspect(key).value();
        const auto check = [&](const char* who, auto rearm) {
            const auto before = clock::now();
            const auto ttl = pttl_after(key, rearm, *server_);
            const auto bounds = rearmed_ttl(entry, before, clock::now());
            EXPECT_LE(ttl, bounds.high) << key << " re-armed by " << who;
            EXPECT_GE(ttl, bounds.low) << key << " re-armed by " << who;
        };
        check("respcache get", [&] { ASSERT_TRUE(ours.get(key)->has_value()); });
        check("respcache refresh", [&] { ASSERT_TRUE(ours.refresh(key)); });
        check(".NET Refresh", [&] { ASSERT_EQ(dotnet("refresh " + key), "ok"); });
        check(".NET Get", [&] { ASSERT_EQ(dotnet("get " + key), "hit " + wire(binary_value)); });
    }
}

TEST_F(DotnetRedisCache, DotnetReadsRefreshesAndRemovesWhatRespcacheWrote) {
    for (const std::string instance : {"", "shop:"}) {
        ASSERT_EQ(dotnet("use " + (instance.empty() ? "-" : instance)), "ok");
        auto ours = cache(instance);
        int n = 0;
        for (const std::string* value : {&binary_value, &empty_value, &mebibyte_value}) {
            const std::string key = "ours" + std::to_string(n++);
            ASSERT_TRUE(ours.set(key, *value));
            EXPECT_EQ(dotnet("get " + key), "hit " + wire(*value)) << instance << key;
        }
        ASSERT_TRUE(
            ours.set("absolute", binary_value, entry_options::absolute(clock::now() + 80s)));
        ASSERT_TRUE(ours.set("relative", binary_value, entry_options::expires_in(70s)));
        ASSERT_TRUE(ours.set("sliding", binary_value, entry_options::sliding(50s)));
        entry_options both = entry_options::expires_in(65s);
        both.sliding_expiration = 35s;
        ASSERT_TRUE(ours.set("both", binary_value, both));
        for (const char* key : {"absolute", "relative", "sliding", "both"})
            EXPECT_EQ(dotnet(std::string("get ") + key), "hit " + wire(binary_value)) << key;

        EXPECT_GT(pttl_after(
                      instance + "sliding", [&] { ASSERT_EQ(dotnet("refresh sliding"), "ok"); },
                      *server_),
                  45000);
        EXPECT_GT(
            pttl_after(
                instance + "both", [&] { ASSERT_EQ(dotnet("refresh both"), "ok"); }, *server_),
            30000);
        // Entries without a sliding window keep their TTL through a .NET refresh.
        EXPECT_LE(pttl_after(
                      instance + "relative", [&] { ASSERT_EQ(dotnet("refresh relative"), "ok"); },
                      *server_),
                  5000);

        ASSERT_EQ(dotnet("remove ours0"), "ok");
        EXPECT_FALSE(ours.get("ours0")->has_value());
        EXPECT_EQ(pttl(instance + "ours0"), -2);
    }
}

TEST_F(DotnetRedisCache, SubSecondTtlsWrittenByRespcacheHoldForDotnet) {
    auto ours = cache();
    ASSERT_TRUE(ours.set("short", binary_value, entry_options::expires_in(900ms)));
    EXPECT_EQ(dotnet("get short"), "hit " + wire(binary_value));
    ASSERT_TRUE(ours.set("brief", binary_value, entry_options::sliding(900ms)));
    EXPECT_EQ(dotnet("get brief"), "hit " + wire(binary_value));
    // .NET's re-arm of a sub-second window is PEXPIRE with the milliseconds.
    const auto ttl = pttl_after(
        "brief", [&] { ASSERT_EQ(dotnet("refresh brief"), "ok"); }, *server_);
    EXPECT_GT(ttl, 0);
    EXPECT_LE(ttl, 900);
    std::this_thread::sleep_for(1000ms);
    EXPECT_EQ(dotnet("get short"), "miss");
}

TEST_F(DotnetRedisCache, DotnetTruncatesSubSecondTtlsToWholeSecondsAndRespcacheSeesThat) {
    // .NET sends EXPIRE with whole seconds when it writes: under one second
    // that is EXPIRE 0, which deletes the entry it has just written.
    ASSERT_EQ(dotnet("set gone " + wire(binary_value) + " rel=600"), "ok");
    EXPECT_FALSE(cache().get("gone")->has_value());
    EXPECT_EQ(pttl("gone"), -2);
    // 1.5 s of sliding window: stored as 1 s of TTL, and the first read re-arms 1.5 s.
    ASSERT_EQ(dotnet("set window " + wire(binary_value) + " sld=1500"), "ok");
    EXPECT_LE(pttl("window"), 1000);
    ASSERT_TRUE(cache().get("window")->has_value());
    EXPECT_GT(pttl("window"), 1000);
}

TEST_F(DotnetRedisCache, AnEntryExpiredForOneSideIsAMissForTheOther) {
    auto ours = cache();
    // Both refuse an absolute expiration in the past, and write nothing.
    const std::string past = std::to_string(unix_ms(clock::now() - 1s));
    EXPECT_TRUE(dotnet("set past " + wire(binary_value) + " abs=" + past)
                    .starts_with("error ArgumentOutOfRangeException"));
    const auto refused = ours.set("past", binary_value, entry_options::absolute(clock::now() - 1s));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::config);
    EXPECT_EQ(pttl("past"), -2);

    // Absolute and sliding expiry just elapsed, each side writing for the other.
    ASSERT_EQ(dotnet("set theirs-absolute " + wire(binary_value) + " rel=1000"), "ok");
    ASSERT_EQ(dotnet("set theirs-sliding " + wire(binary_value) + " sld=1000"), "ok");
    ASSERT_TRUE(ours.set("ours-absolute", binary_value, entry_options::expires_in(900ms)));
    ASSERT_TRUE(ours.set("ours-sliding", binary_value, entry_options::sliding(900ms)));
    EXPECT_EQ(dotnet("get ours-absolute"), "hit " + wire(binary_value));
    EXPECT_TRUE(ours.get("theirs-absolute")->has_value());
    std::this_thread::sleep_for(1100ms);
    EXPECT_FALSE(ours.get("theirs-absolute")->has_value());
    EXPECT_FALSE(ours.get("theirs-sliding")->has_value());
    EXPECT_EQ(dotnet("get ours-absolute"), "miss");
    EXPECT_EQ(dotnet("get ours-sliding"), "miss");
}

TEST_F(DotnetRedisCache, RespcacheReadsTheHybridCachePayloadFrameAndItsTagKeys) {
    ASSERT_EQ(dotnet("use app:"), "ok");
    auto ours = cache("app:");
    ASSERT_EQ(dotnet("hset product " + wire(binary_value) + " exp=60000 tags=red,big"), "ok");
    const auto stored = ours.get("product");
    ASSERT_TRUE(stored && stored->has_value());
    const auto frame = testing::parse_hybrid_payload(**stored);
    ASSERT_TRUE(frame) << "not a HybridCache frame";
    EXPECT_EQ(frame->key, "product");
    // HybridCache keeps its tags sorted.
    EXPECT_EQ(frame->tags, (std::vector<std::string>{"big", "red"}));
    EXPECT_EQ(frame->payload, binary_value);
    EXPECT_EQ(frame->duration_ticks, std::uint64_t(600'000'000));
    const auto created = from_dotnet_ticks(frame->creation_ticks);
    EXPECT_LT(created, clock::now());
    EXPECT_GT(created, clock::now() - 60s);
    // The hash around it is an ordinary RedisCache entry: absolute expiration, no window.
    EXPECT_EQ(ours.inspect("product").value()->sldexp, "-1");
    EXPECT_EQ(dotnet("hget product"), "hit " + wire(binary_value));

    // Invalidating a tag writes "<instance>__MSFT_HCT__<tag>", an entry whose
    // data is the invalidation time (int64 ticks, little-endian).
    ASSERT_EQ(dotnet("hremovetag red"), "ok");
    const auto tag = ours.get("__MSFT_HCT__red");
    ASSERT_TRUE(tag && tag->has_value());
    ASSERT_EQ((*tag)->size(), 8u);
    std::int64_t invalidated = 0;
    for (int i = 7; i >= 0; --i)
        invalidated =
            invalidated << 8 | static_cast<std::uint8_t>((**tag)[static_cast<std::size_t>(i)]);
    EXPECT_GE(invalidated, frame->creation_ticks);
    EXPECT_EQ(dotnet("hget product"), "miss");
    // A frame with the wrong bytes is no frame.
    EXPECT_FALSE(testing::parse_hybrid_payload(binary_value));
}

}  // namespace
}  // namespace respcache::cache
