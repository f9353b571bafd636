// The near cache against a real server: two services sharing entries, each
// with a tracked multiplexer of its own; raw commands as another client
// (redis-cli) would send them; flushes, restarts, and readers racing writers.

#include "respcache/cache/near_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "test_server_kind.hpp"

#ifndef RESPCACHE_NEAR_STRESS_DEFAULT_SECONDS
#define RESPCACHE_NEAR_STRESS_DEFAULT_SECONDS 10
#endif

namespace respcache::cache {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

struct recording_observer : command_observer {
    std::mutex mutex;
    std::vector<std::pair<near_cache_event::kind, std::string>> events;
    void on_command(const command_event&) noexcept override {}
    void on_near_cache_event(const near_cache_event& e) noexcept override {
        std::lock_guard lock(mutex);
        events.emplace_back(e.what, std::string(e.reason));
    }
    std::size_t count(near_cache_event::kind what) {
        std::lock_guard lock(mutex);
        return static_cast<std::size_t>(std::count_if(
            events.begin(), events.end(), [&](const auto& e) { return e.first == what; }));
    }
};

template <class Condition>
bool eventually(Condition done, steady::duration limit = 5s) {
    const auto give_up = steady::now() + limit;
    while (!done()) {
        if (steady::now() >= give_up) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

std::optional<std::string> value_of(distributed_cache& cache, std::string_view key) {
    auto got = cache.get(key);
    EXPECT_TRUE(got) << (got ? "" : got.error_value().message);
    return got ? *got : std::nullopt;
}

class NearCache : public ::testing::Test {
  protected:
    testing::redis_server server;
    std::shared_ptr<recording_observer> observer = std::make_shared<recording_observer>();

    // One service: a near cache on a multiplexer of its own, serving from
    // its first level.
    std::shared_ptr<near_cache> service(std::string instance_name = "app:",
                                        std::string extra_options = "") {
        auto options =
            net::parse_connection_string(server.connection_string() + std::move(extra_options));
        near_cache_options near;
        near.instance_name = std::move(instance_name);
        near.observer = observer;
        auto made = near_cache::connect(*options, near);
        EXPECT_TRUE(made) << (made ? "" : made.error_value().message);
        if (!made) return nullptr;
        EXPECT_TRUE(eventually([&] { return (*made)->first_level_active(); }))
            << (*made)->disabled_reason().value_or("");
        return *made;
    }
};

// Reads `key` until the first level serves it; every read must give
// `expected`. (A read whose reply follows an invalidation of its key, say of
// the write that made `expected`, is returned but not kept.)
void cache_it(near_cache& cache, std::string_view key, std::string_view expected) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto hits = cache.metrics().first_level_hits;
        ASSERT_EQ(value_of(cache, key), expected);
        if (cache.metrics().first_level_hits == hits + 1) return;
        std::this_thread::sleep_for(1ms);
    }
    FAIL() << "never served from the first level";
}

TEST_F(NearCache, AnotherServicesWritesReachTheNextReadWithinTheInvalidationDelay) {
    auto a = service();
    auto b = service();
    std::vector<steady::duration> delays;
    for (int i = 0; i < 200; ++i) {
        const std::string key = "shared" + std::to_string(i % 10);
        const std::string old_value = "old" + std::to_string(i);
        const std::string new_value = "new" + std::to_string(i);
        ASSERT_TRUE(b->set(key, old_value));
        // A may still hold the value of ten rounds ago until this write's
        // invalidation arrives.
        ASSERT_TRUE(eventually([&] { return value_of(*a, key) == old_value; }, 2s));
        ASSERT_NO_FATAL_FAILURE(cache_it(*a, key, old_value));
        if (i % 4 == 3) {
            ASSERT_TRUE(b->remove(key));
        } else {
            ASSERT_TRUE(b->set(key, new_value));
        }
        const std::optional<std::string> expected =
            i % 4 == 3 ? std::nullopt : std::optional(new_value);
        // Read without pause until A sees it: the delay is the invalidation's.
        const auto written = steady::now();
        while (value_of(*a, key) != expected) {
            ASSERT_LT(steady::now() - written, 2s)
                << "A still reads " << value_of(*a, key).value_or("(none)")
                << " 2 s after B's write";
            std::this_thread::yield();
        }
        delays.push_back(steady::now() - written);
    }
    std::sort(delays.begin(), delays.end());
    const auto us = [](steady::duration d) {
        return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    };
    std::printf("invalidation delay over %zu writes: p50 %lld us, p99 %lld us\n", delays.size(),
                static_cast<long long>(us(delays[delays.size() / 2])),
                static_cast<long long>(us(delays[delays.size() * 99 / 100])));
    EXPECT_LT(delays[delays.size() * 99 / 100], 2s);
    EXPECT_GE(a->metrics().invalidations, 200u);
}

TEST_F(NearCache, ADotNetEntryChangedByARawCommandIsInvalidated) {
    auto a = service("dotnet-app:");
    server.raw_command(
        {"HSET", "dotnet-app:page", "absexp", "-1", "sldexp", "-1", "data", "from .NET"});
    ASSERT_NO_FATAL_FAILURE(cache_it(*a, "page", "from .NET"));
    server.raw_command({"HSET", "dotnet-app:page", "data", "changed by redis-cli"});
    EXPECT_TRUE(eventually([&] { return value_of(*a, "page") == "changed by redis-cli"; }));
    server.raw_command({"DEL", "dotnet-app:page"});
    EXPECT_TRUE(eventually([&] { return value_of(*a, "page") == std::nullopt; }));
}

TEST_F(NearCache, OwnWritesUpdateTheFirstLevelWithoutAReadBack) {
    auto a = service();
    ASSERT_TRUE(a->set("mine", "v1"));
    const auto before = a->metrics();
    EXPECT_EQ(value_of(*a, "mine"), "v1");
    ASSERT_TRUE(a->set("mine", "v2"));
    EXPECT_EQ(value_of(*a, "mine"), "v2");
    ASSERT_TRUE(a->remove("mine"));
    EXPECT_EQ(value_of(*a, "mine"), std::nullopt);
    const auto after = a->metrics();
    EXPECT_EQ(after.first_level_hits - before.first_level_hits, 2u);
    EXPECT_EQ(after.misses - before.misses, 1u);
}

TEST_F(NearCache, AfterItsOwnWriteAServiceStillHearsOfOthersWrites) {
    // A write alone leaves the key untracked for its writer: the set must
    // keep it tracked, or A would keep its own value for ever.
    auto a = service();
    auto b = service();
    for (int i = 0; i < 20; ++i) {
        const std::string mine = "a" + std::to_string(i), theirs = "b" + std::to_string(i);
        ASSERT_TRUE(a->set("k", mine));
        ASSERT_NO_FATAL_FAILURE(cache_it(*a, "k", mine));
        ASSERT_TRUE(b->set("k", theirs));
        EXPECT_TRUE(eventually([&] { return value_of(*a, "k") == theirs; }, 2s))
            << "A kept its own write after B's";
    }
}

TEST_F(NearCache, FlushingTheDatabaseFlushesTheFirstLevel) {
    auto a = service();
    ASSERT_TRUE(a->set("k1", "v1"));
    ASSERT_TRUE(a->set("k2", "v2"));
    ASSERT_NO_FATAL_FAILURE(cache_it(*a, "k1", "v1"));
    ASSERT_NO_FATAL_FAILURE(cache_it(*a, "k2", "v2"));
    server.raw_command({"FLUSHDB"});
    EXPECT_TRUE(eventually([&] { return a->metrics().flushes >= 1; }));
    EXPECT_EQ(a->metrics().entries, 0u);
    EXPECT_EQ(value_of(*a, "k1"), std::nullopt);
    EXPECT_EQ(value_of(*a, "k2"), std::nullopt);
    EXPECT_GE(observer->count(near_cache_event::kind::flushed), 1u);
}

TEST_F(NearCache, AServerRestartFlushesTheFirstLevel) {
    auto a = service();
    ASSERT_TRUE(a->set("k", "before the restart"));
    ASSERT_NO_FATAL_FAILURE(cache_it(*a, "k", "before the restart"));
    server.kill();
    EXPECT_TRUE(eventually([&] { return !a->first_level_active(); }));
    server.restart();  // empty: the tests' servers keep nothing on disk
    EXPECT_TRUE(eventually([&] { return a->first_level_active(); }, 10s));
    EXPECT_EQ(value_of(*a, "k"), std::nullopt);
    EXPECT_GE(a->metrics().flushes, 1u);
    // Tracking is on again on the new connection.
    auto b = service();
    ASSERT_TRUE(b->set("k", "after"));
    ASSERT_NO_FATAL_FAILURE(cache_it(*a, "k", "after"));
    ASSERT_TRUE(b->set("k", "changed"));
    EXPECT_TRUE(eventually([&] { return value_of(*a, "k") == "changed"; }));
}

TEST_F(NearCache, SlidingEntriesReadFromTheFirstLevelStayAliveOnTheServer) {
    auto a = service();
    ASSERT_TRUE(a->set("session", "s", entry_options::sliding(1s)));
    // 2.5 s of first-level reads: without background re-arms the server's
    // copy would expire after 1 s, and another service would miss it.
    const auto until = steady::now() + 2500ms;
    while (steady::now() < until) {
        ASSERT_EQ(value_of(*a, "session"), "s");
        std::this_thread::sleep_for(20ms);
    }
    const auto stored = a->second_level().inspect("session");
    ASSERT_TRUE(stored && *stored) << "the server's copy expired while it was being read";
    ASSERT_TRUE((*stored)->ttl);
    EXPECT_GT(*(*stored)->ttl, 700ms);
    EXPECT_GT(a->metrics().first_level_hits, 50u);
    // At most one re-arm per tenth of the window: about 25 in 2.5 s, not 125.
    const auto refreshes = a->metrics().commands;
    EXPECT_LT(refreshes, 60u);
}

TEST_F(NearCache, EachNearCacheNeedsAMultiplexerOfItsOwn) {
    auto a = service();
    auto again = near_cache::create(a->connection());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error_value().kind, error_kind::config);
    EXPECT_NE(again.error_value().message.find("multiplexer of its own"), std::string::npos);
}

TEST_F(NearCache, ARespTwoConnectionDisablesTheFirstLevelWithAWarning) {
    auto options = net::parse_connection_string(server.connection_string() + ",protocol=resp2");
    ASSERT_TRUE(options) << options.error_value().message;
    near_cache_options near;
    near.instance_name = "app:";
    near.observer = observer;
    auto a = near_cache::connect(*options, near);
    ASSERT_TRUE(a);
    ASSERT_TRUE(eventually([&] { return (*a)->disabled_reason().has_value(); }));
    EXPECT_NE((*a)->disabled_reason()->find("RESP2"), std::string::npos);
    EXPECT_FALSE((*a)->first_level_active());
    EXPECT_EQ(observer->count(near_cache_event::kind::disabled), 1u);
    // Never stale: every read goes to the server.
    auto b = service();
    ASSERT_TRUE(b->set("k", "one"));
    EXPECT_EQ(value_of(**a, "k"), "one");
    ASSERT_TRUE(b->set("k", "two"));
    EXPECT_EQ(value_of(**a, "k"), "two");
    EXPECT_EQ((*a)->metrics().first_level_hits, 0u);
}

// Readers on service A race writers on A, B and C over the same keys. The
// writers of one key take turns (a lock per key), so its versions grow on
// the server; a writer publishes a version once the server acknowledged it.
// A's own writes are followed by B's and C's on the same keys, so A must keep
// hearing of changes to keys it wrote. A reader notes the acknowledged
// version, makes one round trip on A's connection (whose reply comes after
// every invalidation the server sent before it), then reads: it must see that
// version or a later one.
TEST_F(NearCache, NoReadReturnsAValueOlderThanAnAcknowledgedWriteWhoseInvalidationArrived) {
    const char* text = std::getenv("RESPCACHE_NEAR_STRESS_SECONDS");
    const auto seconds =
        std::chrono::seconds(text ? std::atoi(text) : RESPCACHE_NEAR_STRESS_DEFAULT_SECONDS);
    auto a = service();
    auto b = service();
    auto c = service();
    constexpr int keys = 9;
    std::vector<std::shared_ptr<near_cache>> writers{a, b, c};
    std::array<std::atomic<long>, keys> acknowledged{};
    std::array<std::mutex, keys> turns;
    std::array<long, keys> latest{};  // under turns[k]
    std::atomic<bool> stop{false};
    std::atomic<long> reads{0}, stale{0}, failures{0};
    const auto version_of = [](const std::optional<std::string>& v) {
        return v ? std::stol(*v) : -1L;
    };
    for (int k = 0; k < keys; ++k) {
        ASSERT_TRUE(a->set("key" + std::to_string(k), "0"));
        acknowledged[k] = 0;
    }
    std::vector<std::thread> threads;
    for (int w = 0; w < 3; ++w)
        threads.emplace_back([&, w] {
            unsigned k = static_cast<unsigned>(w);
            while (!stop) {
                k = (k * 5 + 3) % keys;
                {
                    std::lock_guard turn(turns[k]);
                    const long version = ++latest[k];
                    if (!writers[w]->set("key" + std::to_string(k), std::to_string(version)))
                        ++failures;
                    else
                        acknowledged[k] = version;
                }
                std::this_thread::sleep_for(300us);
            }
        });
    for (int r = 0; r < 3; ++r)
        threads.emplace_back([&, r] {
            unsigned k = static_cast<unsigned>(r);
            while (!stop) {
                k = (k * 7 + 1) % keys;
                const std::string key = "key" + std::to_string(k);
                const long floor = acknowledged[k];
                if (!a->connection()->call("PING")) ++failures;
                auto got = a->get(key);
                if (!got) {
                    ++failures;
                    continue;
                }
                ++reads;
                if (version_of(*got) < floor) ++stale;
                // Reads without the round trip keep the first level busy.
                for (int i = 0; i < 8; ++i)
                    if (!a->get(key)) ++failures;
            }
        });
    std::this_thread::sleep_for(seconds);
    stop = true;
    for (auto& t : threads) t.join();
    const metrics_snapshot m = a->metrics();
    std::printf("%ld checked reads, %llu first-level hits, %llu invalidations in %lld s\n",
                reads.load(), static_cast<unsigned long long>(m.first_level_hits),
                static_cast<unsigned long long>(m.invalidations),
                static_cast<long long>(seconds.count()));
    EXPECT_EQ(stale.load(), 0);
    EXPECT_EQ(failures.load(), 0);
    EXPECT_GT(reads.load(), 100);
    EXPECT_GT(m.first_level_hits, 0u);
    EXPECT_GT(m.invalidations, 0u);
}

// Garnet (RESPCACHE_TEST_SERVER=garnet) answers CLIENT TRACKING with "ERR
// unknown subcommand": the near cache must say so and read through.
TEST(NearCacheWithoutTracking, AServerThatRefusesTrackingDisablesTheFirstLevel) {
    testing::redis_server server;
    auto options = net::parse_connection_string(server.connection_string());
    auto observer = std::make_shared<recording_observer>();
    near_cache_options near;
    near.observer = observer;
    auto a = near_cache::connect(*options, near);
    ASSERT_TRUE(a) << a.error_value().message;
    auto b = redis_cache::connect(*options);
    ASSERT_TRUE(b);
    const bool tracked =
        eventually([&] { return (*a)->first_level_active() || (*a)->disabled_reason(); });
    ASSERT_TRUE(tracked);
    if (testing::testing_against_garnet()) {
        EXPECT_FALSE((*a)->first_level_active());
        ASSERT_TRUE((*a)->disabled_reason());
        EXPECT_NE((*a)->disabled_reason()->find("refused CLIENT TRACKING"), std::string::npos)
            << *(*a)->disabled_reason();
        EXPECT_EQ(observer->count(near_cache_event::kind::disabled), 1u);
    } else {
        EXPECT_TRUE((*a)->first_level_active()) << "redis-server tracks";
    }
    // Either way, never stale.
    for (int i = 0; i < 20; ++i) {
        const std::string v = "v" + std::to_string(i);
        ASSERT_TRUE((*b)->set("k", v));
        EXPECT_TRUE(eventually([&] { return value_of(**a, "k") == v; }, 2s));
    }
}

}  // namespace
}  // namespace respcache::cache
