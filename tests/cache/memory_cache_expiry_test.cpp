// Expired entries of the memory cache are reclaimed without anyone reading
// them: a few per operation on their shard, or all at once on request.
#include <gtest/gtest.h>

#include <string>

#include "manual_clock.hpp"
#include "respcache/cache/memory_cache.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;

memory_cache make_cache(const manual_clock& time, std::size_t shards) {
    memory_cache_options options;
    options.clock = time.source();
    options.shards = shards;
    return memory_cache(std::move(options));
}

std::size_t charged(std::string_view key, std::string_view value) {
    return key.size() + value.size() + memory_cache::entry_overhead;
}

TEST(MemoryCacheExpiry, OperationsOnOtherKeysReclaimExpiredEntriesNobodyReads) {
    manual_clock time;
    auto cache = make_cache(time, 1);
    for (int k = 0; k < 100; ++k)
        ASSERT_TRUE(cache.set("short:" + std::to_string(k), "v", entry_options::expires_in(10s)));
    ASSERT_TRUE(cache.set("kept", "v"));
    time.advance(11s);
    EXPECT_EQ(cache.statistics().entries, 101u);  // nothing reclaims on its own

    // Each read of another key reclaims a bounded few, so a read never pays
    // for all of them at once.
    ASSERT_TRUE(cache.get("kept"));
    EXPECT_EQ(cache.statistics().expired, 8u);
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(cache.get("kept"));
    const memory_cache_statistics s = cache.statistics();
    EXPECT_EQ(s.expired, 100u);
    EXPECT_EQ(s.entries, 1u);
    EXPECT_EQ(s.evictions, 0u);
    EXPECT_EQ(cache.bytes_held(), charged("kept", "v"));
}

TEST(MemoryCacheExpiry, ReclaimExpiredDropsEveryExpiredEntryAcrossShards) {
    manual_clock time;
    auto cache = make_cache(time, 8);
    for (int k = 0; k < 300; ++k)
        ASSERT_TRUE(cache.set("short:" + std::to_string(k), "v", entry_options::expires_in(10s)));
    std::size_t long_lived = 0;
    for (int k = 0; k < 50; ++k) {
        const std::string key = "long:" + std::to_string(k);
        ASSERT_TRUE(cache.set(key, "v", entry_options::expires_in(1h)));
        long_lived += charged(key, "v");
    }
    time.advance(10s);
    EXPECT_EQ(cache.reclaim_expired(), 300u);
    EXPECT_EQ(cache.statistics().entries, 50u);
    EXPECT_EQ(cache.bytes_held(), long_lived);
    EXPECT_EQ(cache.reclaim_expired(), 0u);
}

TEST(MemoryCacheExpiry, ASlidingEntryReArmedByReadsIsNotReclaimed) {
    manual_clock time;
    auto cache = make_cache(time, 1);
    ASSERT_TRUE(cache.set("sliding", "v", entry_options::sliding(10s)));
    ASSERT_TRUE(cache.set("absolute", "v", entry_options::expires_in(10s)));
    time.advance(9s);
    ASSERT_TRUE(cache.get("sliding"));  // now due at 19 s
    time.advance(2s);
    EXPECT_EQ(cache.reclaim_expired(), 1u);  // only "absolute"
    EXPECT_EQ(*cache.get("sliding"), "v");   // due at 21 s
    time.advance(10s);
    EXPECT_EQ(cache.reclaim_expired(), 1u);
    EXPECT_EQ(cache.bytes_held(), 0u);
}

TEST(MemoryCacheExpiry, ASlidingWindowBeyondTheClocksRangeNeverExpires) {
    manual_clock time;
    auto cache = make_cache(time, 1);
    ASSERT_TRUE(cache.set("forever", "v", entry_options::sliding(ticks::max())));
    entry_options capped = entry_options::sliding(ticks::max());
    capped.absolute_expiration = *time.now + 1h;
    ASSERT_TRUE(cache.set("capped", "v", capped));
    time.advance(24h * 365 * 100);
    EXPECT_EQ(*cache.get("forever"), "v");  // read: re-armed without overflowing
    EXPECT_EQ(*cache.get("forever"), "v");
    EXPECT_EQ(*cache.get("capped"), std::nullopt);
    EXPECT_EQ(cache.reclaim_expired(), 0u);
}

TEST(MemoryCacheExpiry, RemovingAndOverwritingExpiringEntriesLeavesNothingToReclaim) {
    manual_clock time;
    auto cache = make_cache(time, 1);
    ASSERT_TRUE(cache.set("removed", "v", entry_options::expires_in(10s)));
    ASSERT_TRUE(cache.set("overwritten", "v", entry_options::expires_in(10s)));
    ASSERT_TRUE(cache.remove("removed"));
    ASSERT_TRUE(cache.set("overwritten", "forever"));
    time.advance(1h);
    EXPECT_EQ(cache.reclaim_expired(), 0u);
    EXPECT_EQ(*cache.get("overwritten"), "forever");
}

}  // namespace
}  // namespace respcache::cache
