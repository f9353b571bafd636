// Eight threads mixing every operation on one memory cache never see a torn
// value, an older value than one already acknowledged, or a removed value.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "respcache/cache/memory_cache.hpp"

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;

constexpr int thread_count = 8;
constexpr int keys_per_thread = 8;
constexpr int operations_per_thread = 20000;

std::string key_of(int k) {
    return "key:" + std::to_string(k);
}

// "<key>#<version>#" then a payload whose length and bytes follow from the
// version, so any mix of two writes is detected.
std::string versioned(std::string_view key, std::uint64_t version) {
    std::string out(key);
    out += '#';
    out += std::to_string(version);
    out += '#';
    out.append(static_cast<std::size_t>(version * 37 % 700), static_cast<char>('a' + version % 26));
    return out;
}

// The version inside `value`, or nullopt when the value is not one that
// versioned(key, ...) makes.
std::optional<std::uint64_t> version_in(std::string_view key, std::string_view value) {
    if (value.substr(0, key.size()) != key || value.size() <= key.size() ||
        value[key.size()] != '#')
        return std::nullopt;
    const std::string_view rest = value.substr(key.size() + 1);
    std::uint64_t version = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), version);
    if (ec != std::errc() || end == rest.data() + rest.size() || *end != '#') return std::nullopt;
    if (versioned(key, version) != value) return std::nullopt;
    return version;
}

// Per key: the last write its owner completed, as version * 2, plus one when
// that write was a remove of version `version`.
struct published {
    std::array<std::atomic<std::uint64_t>, thread_count * keys_per_thread> state{};
};

TEST(MemoryCacheConcurrency, EightThreadsNeverSeeATornStaleOrRemovedValue) {
    memory_cache_options options;
    options.size_limit = 128 * 1024;  // small enough that stores evict all the time
    options.shards = 4;
    memory_cache cache(std::move(options));
    published writes;
    std::atomic<int> violations{0};
    std::atomic<std::uint64_t> hits{0};

    auto report = [&](const std::string& what) {
        if (violations.fetch_add(1) < 5) ADD_FAILURE() << what;
    };

    auto worker = [&](int thread) {
        std::mt19937 random(static_cast<unsigned>(thread) * 7919u + 1u);
        std::array<std::uint64_t, keys_per_thread> versions{};
        const entry_options choices[] = {
            {}, entry_options::sliding(1h), entry_options::expires_in(2ms)};
        for (int op = 0; op < operations_per_thread; ++op) {
            const unsigned pick = random() % 100;
            if (pick < 50) {
                // One of its own keys: it is their only writer.
                const int slot = static_cast<int>(random() % keys_per_thread);
                const int k = thread * keys_per_thread + slot;
                const std::string key = key_of(k);
                if (pick < 25) {
                    const std::uint64_t v = ++versions[static_cast<std::size_t>(slot)];
                    if (!cache.set(key, versioned(key, v), choices[random() % 3]))
                        report("set failed");
                    writes.state[static_cast<std::size_t>(k)].store(v * 2);
                } else if (pick < 35) {
                    if (!cache.remove(key)) report("remove failed");
                    writes.state[static_cast<std::size_t>(k)].store(
                        versions[static_cast<std::size_t>(slot)] * 2 + 1);
                    auto got = cache.get(key);
                    if (!got || *got) report(key + " is still there after its remove");
                } else if (pick < 40) {
                    if (!cache.refresh(key)) report("refresh failed");
                } else {
                    auto got = cache.get(key);
                    const std::uint64_t last = writes.state[static_cast<std::size_t>(k)].load();
                    if (!got)
                        report("get failed");
                    else if (*got) {
                        // Present means exactly its last write (it may have
                        // been evicted or expired, never replaced by an older one).
                        if (last % 2 == 1 || version_in(key, **got) != last / 2)
                            report(key + " holds a value its owner did not write last");
                    }
                }
            } else {
                const int k = static_cast<int>(random() % (thread_count * keys_per_thread));
                const std::string key = key_of(k);
                if (pick < 60) {
                    if (!cache.refresh(key)) report("refresh failed");
                    continue;
                }
                const std::uint64_t before = writes.state[static_cast<std::size_t>(k)].load();
                auto got = cache.get(key);
                if (!got) {
                    report("get failed");
                    continue;
                }
                if (!*got) continue;
                hits.fetch_add(1, std::memory_order_relaxed);
                const auto version = version_in(key, **got);
                if (!version)
                    report(key + " returned a torn value");
                else if (*version < before / 2 || (before % 2 == 1 && *version == before / 2))
                    report(key + " returned a value older than one acknowledged before the read");
            }
        }
    };

    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) threads.emplace_back(worker, t);
    for (auto& t : threads) t.join();

    EXPECT_EQ(violations.load(), 0);
    EXPECT_GT(hits.load(), 0u);  // the readers did see values, not only misses
    EXPECT_LE(cache.bytes_held(), 128u * 1024u);

    // Quiet now: once the 2 ms entries are all due and reclaimed, what is
    // counted is exactly what can be read.
    std::this_thread::sleep_for(10ms);
    cache.reclaim_expired();
    std::size_t present = 0, bytes = 0;
    for (int k = 0; k < thread_count * keys_per_thread; ++k) {
        const std::string key = key_of(k);
        auto got = cache.get(key);
        ASSERT_TRUE(got);
        if (!*got) continue;
        ++present;
        bytes += key.size() + (*got)->size() + memory_cache::entry_overhead;
    }
    EXPECT_EQ(cache.statistics().entries, present);
    EXPECT_EQ(cache.bytes_held(), bytes);
}

}  // namespace
}  // namespace respcache::cache
