// What the memory cache's size limit keeps and drops (S3-FIFO, in shards
// that share one byte budget).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "respcache/cache/memory_cache.hpp"

namespace respcache::cache {
namespace {

std::size_t charged(std::string_view key, std::string_view value) {
    return key.size() + value.size() + memory_cache::entry_overhead;
}

memory_cache make_cache(std::size_t limit, std::size_t shards) {
    memory_cache_options options;
    options.size_limit = limit;
    options.shards = shards;
    return memory_cache(std::move(options));
}

TEST(MemoryCacheEviction, FrequentlyReadEntriesSurviveAScanOfOneTimeKeys) {
    const std::string value(100, 'v');
    const std::size_t room = 1000 * charged("scan:00000", value);
    auto cache = make_cache(room, 4);
    std::vector<std::string> hot;
    for (int k = 0; k < 200; ++k) hot.push_back("hot:" + std::to_string(k));
    for (const auto& key : hot) ASSERT_TRUE(cache.set(key, value));
    for (int round = 0; round < 3; ++round)
        for (const auto& key : hot) ASSERT_TRUE(cache.get(key));

    // Twenty times the cache's room in keys stored once and never read.
    for (int k = 0; k < 20000; ++k) ASSERT_TRUE(cache.set("scan:" + std::to_string(k), value));

    for (const auto& key : hot) {
        auto got = cache.get(key);
        ASSERT_TRUE(got);
        EXPECT_EQ(*got, value) << key << " was evicted by the scan";
    }
    const memory_cache_statistics s = cache.statistics();
    EXPECT_GE(s.evictions, 20000u - 1000u);
    EXPECT_LE(s.bytes_held, room);
}

TEST(MemoryCacheEviction, TheByteBoundHoldsWhileTwoThreadsInsert) {
    const std::size_t limit = 256 * 1024;
    auto cache = make_cache(limit, 8);
    std::atomic<bool> writing{true};
    std::atomic<std::size_t> most_seen{0};
    std::thread watcher([&] {
        while (writing.load()) {
            const std::size_t held = cache.bytes_held();
            if (held > most_seen.load()) most_seen.store(held);
        }
    });
    auto writer = [&](int thread) {
        for (int k = 0; k < 20000; ++k) {
            const std::string key = "t" + std::to_string(thread) + ":" + std::to_string(k);
            ASSERT_TRUE(cache.set(key, std::string(100 + (k * 37) % 3000, 'x')));
            ASSERT_LE(cache.bytes_held(), limit);
        }
    };
    std::thread first(writer, 0), second(writer, 1);
    first.join();
    second.join();
    writing.store(false);
    watcher.join();

    EXPECT_LE(most_seen.load(), limit);
    // What is counted is exactly what is there.
    std::size_t present = 0, bytes = 0;
    for (int thread = 0; thread < 2; ++thread)
        for (int k = 0; k < 20000; ++k) {
            const std::string key = "t" + std::to_string(thread) + ":" + std::to_string(k);
            auto got = cache.get(key);
            ASSERT_TRUE(got);
            if (!*got) continue;
            ++present;
            bytes += charged(key, **got);
        }
    const memory_cache_statistics s = cache.statistics();
    EXPECT_EQ(s.entries, present);
    EXPECT_EQ(s.bytes_held, bytes);
    EXPECT_EQ(s.evictions, 40000u - present);
}

TEST(MemoryCacheEviction, AnEntryLargerThanOneShardsShareIsStoredByEvictingOthers) {
    const std::size_t limit = 64 * 1024;
    auto cache = make_cache(limit, 8);
    for (int k = 0; k < 500; ++k)
        ASSERT_TRUE(cache.set("small:" + std::to_string(k), std::string(100, 's')));
    const std::string big(limit - 1024, 'b');
    ASSERT_TRUE(cache.set("big", big));
    auto got = cache.get("big");
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, big);
    EXPECT_LE(cache.bytes_held(), limit);
}

TEST(MemoryCacheEviction, AnEntryOverTheBoundIsALimitErrorAndEvictsNothing) {
    const std::size_t limit = 64 * 1024;
    auto cache = make_cache(limit, 8);
    ASSERT_TRUE(cache.set("kept", "v"));
    const std::string over(limit - 4 - memory_cache::entry_overhead + 1, 'x');
    auto refused = cache.set("over", over);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::limit);
    EXPECT_NE(refused.error_value().message.find("size limit of 65536 bytes"), std::string::npos);
    auto kept = cache.get("kept");
    ASSERT_TRUE(kept);
    EXPECT_EQ(*kept, "v");
    EXPECT_EQ(cache.statistics().evictions, 0u);
    EXPECT_EQ(cache.bytes_held(), charged("kept", "v"));
}

TEST(MemoryCacheEviction, ClearDropsEveryEntryAndItsBytes) {
    auto cache = make_cache(1024 * 1024, 4);
    for (int k = 0; k < 100; ++k)
        ASSERT_TRUE(cache.set("k" + std::to_string(k), "v",
                              entry_options::expires_in(std::chrono::hours(1))));
    cache.clear();
    EXPECT_EQ(cache.bytes_held(), 0u);
    EXPECT_EQ(cache.statistics().entries, 0u);
    auto got = cache.get("k1");
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, std::nullopt);
    // The cache works as new afterwards.
    ASSERT_TRUE(cache.set("k1", "again"));
    EXPECT_EQ(*cache.get("k1"), "again");
    EXPECT_EQ(cache.statistics().evictions, 0u);
}

}  // namespace
}  // namespace respcache::cache
