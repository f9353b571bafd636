#include <gtest/gtest.h>

#include <memory>

#include "manual_clock.hpp"
#include "respcache/cache/memory_cache.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::system_clock;

memory_cache make_cache(const manual_clock& c, std::size_t limit = 200 * 1024 * 1024) {
    memory_cache_options options;
    options.clock = c.source();
    options.size_limit = limit;
    return memory_cache(std::move(options));
}

std::optional<std::string> value_of(memory_cache& cache, std::string_view key) {
    auto got = cache.get(key);
    EXPECT_TRUE(got);
    return got ? *got : std::nullopt;
}

TEST(MemoryCache, AnEntryIsGoneExactlyAtItsAbsoluteExpiration) {
    manual_clock time;
    auto cache = make_cache(time);
    ASSERT_TRUE(cache.set("k", "v", entry_options::expires_in(10s)));
    time.advance(10s - 1ns);
    EXPECT_EQ(value_of(cache, "k"), "v");
    time.advance(1ns);
    EXPECT_EQ(value_of(cache, "k"), std::nullopt);
    EXPECT_EQ(cache.metrics().entries, 0u);
}

TEST(MemoryCache, ReadsAndRefreshesReArmASlidingEntry) {
    manual_clock time;
    auto cache = make_cache(time);
    ASSERT_TRUE(cache.set("read", "v", entry_options::sliding(10s)));
    ASSERT_TRUE(cache.set("refreshed", "v", entry_options::sliding(10s)));
    ASSERT_TRUE(cache.set("untouched", "v", entry_options::sliding(10s)));
    for (int i = 0; i < 5; ++i) {
        time.advance(9s);
        EXPECT_EQ(value_of(cache, "read"), "v");
        EXPECT_TRUE(cache.refresh("refreshed"));
    }
    EXPECT_EQ(value_of(cache, "untouched"), std::nullopt);
    time.advance(10s);
    EXPECT_EQ(value_of(cache, "read"), std::nullopt);
    EXPECT_EQ(value_of(cache, "refreshed"), std::nullopt);
}

TEST(MemoryCache, AbsoluteExpirationCapsSliding) {
    manual_clock time;
    auto cache = make_cache(time);
    entry_options options = entry_options::sliding(10s);
    options.absolute_expiration = *time.now + 15s;
    ASSERT_TRUE(cache.set("k", "v", options));
    time.advance(8s);
    EXPECT_EQ(value_of(cache, "k"), "v");  // re-armed to min(15 s, 8 s + 10 s)
    time.advance(7s - 1ns);
    EXPECT_EQ(value_of(cache, "k"), "v");
    time.advance(1ns);
    EXPECT_EQ(value_of(cache, "k"), std::nullopt);
}

TEST(MemoryCache, OverwritingReplacesTheExpiration) {
    manual_clock time;
    auto cache = make_cache(time);
    ASSERT_TRUE(cache.set("k", "v1", entry_options::expires_in(1s)));
    ASSERT_TRUE(cache.set("k", "v2"));
    time.advance(24h);
    EXPECT_EQ(value_of(cache, "k"), "v2");
}

TEST(MemoryCache, TheSizeLimitEvictsTheOldestEntryNeverRead) {
    manual_clock time;
    const std::size_t entry = 1 + 100 + memory_cache::entry_overhead;
    auto cache = make_cache(time, 3 * entry);
    const std::string value(100, 'x');
    ASSERT_TRUE(cache.set("a", value));
    ASSERT_TRUE(cache.set("b", value));
    ASSERT_TRUE(cache.set("c", value));
    EXPECT_EQ(cache.metrics().size_bytes, 3 * entry);
    EXPECT_EQ(value_of(cache, "a"), value);  // now b is the oldest never read
    ASSERT_TRUE(cache.set("d", value));
    EXPECT_EQ(value_of(cache, "b"), std::nullopt);
    EXPECT_EQ(value_of(cache, "a"), value);
    EXPECT_EQ(value_of(cache, "c"), value);
    EXPECT_EQ(value_of(cache, "d"), value);
    const metrics_snapshot m = cache.metrics();
    EXPECT_EQ(m.evictions, 1u);
    EXPECT_EQ(m.entries, 3u);
    EXPECT_LE(m.size_bytes, 3 * entry);
}

TEST(MemoryCache, AnEntryLargerThanTheLimitIsRefused) {
    manual_clock time;
    auto cache = make_cache(time, 1000);
    ASSERT_TRUE(cache.set("small", "v"));
    auto refused = cache.set("big", std::string(1000, 'x'));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::limit);
    EXPECT_NE(refused.error_value().message.find("size limit of 1000 bytes"), std::string::npos);
    EXPECT_EQ(value_of(cache, "small"), "v");
}

TEST(MemoryCache, RemovingAndReplacingKeepTheSizeExact) {
    manual_clock time;
    auto cache = make_cache(time);
    ASSERT_TRUE(cache.set("k", std::string(10, 'x')));
    ASSERT_TRUE(cache.set("k", std::string(30, 'x')));
    EXPECT_EQ(cache.metrics().size_bytes, 1 + 30 + memory_cache::entry_overhead);
    ASSERT_TRUE(cache.remove("k"));
    EXPECT_EQ(cache.metrics().size_bytes, 0u);
    EXPECT_EQ(cache.metrics().entries, 0u);
}

TEST(MemoryCache, ClearDropsEveryEntryWithoutCountingEvictions) {
    manual_clock time;
    auto cache = make_cache(time);
    ASSERT_TRUE(cache.set("a", "1"));
    ASSERT_TRUE(cache.set("b", "2"));
    cache.clear();
    EXPECT_EQ(cache.metrics().entries, 0u);
    EXPECT_EQ(cache.metrics().size_bytes, 0u);
    EXPECT_EQ(cache.metrics().evictions, 0u);
    EXPECT_EQ(value_of(cache, "a"), std::nullopt);
    ASSERT_TRUE(cache.set("a", "again"));
    EXPECT_EQ(value_of(cache, "a"), "again");
}

TEST(MemoryCache, DefaultLimitIs200MiB) {
    EXPECT_EQ(memory_cache_options{}.size_limit, 200u * 1024 * 1024);
}

}  // namespace
}  // namespace respcache::cache
