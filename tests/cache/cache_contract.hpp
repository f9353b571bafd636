#pragma once

// The behaviour every distributed_cache shares, written once and
// instantiated per backend (memory_contract_test.cpp, redis_contract_test.cpp).
// A backend type provides make(instance_name) -> shared_ptr<distributed_cache>;
// for a backend with a shared store (a server), caches it makes use that one
// store, as two services sharing a server do.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "respcache/cache/distributed_cache.hpp"

namespace respcache::cache::contract {

using namespace std::chrono_literals;

inline std::optional<std::string> value_of(distributed_cache& cache, std::string_view key) {
    auto got = cache.get(key);
    EXPECT_TRUE(got) << (got ? "" : got.error_value().message);
    return got ? *got : std::nullopt;
}

template <class Backend>
class CacheContract : public ::testing::Test {
  protected:
    Backend backend;
    std::shared_ptr<distributed_cache> cache = backend.make("");
};

TYPED_TEST_SUITE_P(CacheContract);

TYPED_TEST_P(CacheContract, SetThenGetReturnsTheValue) {
    ASSERT_TRUE(this->cache->set("greeting", "hello"));
    EXPECT_EQ(value_of(*this->cache, "greeting"), "hello");
}

TYPED_TEST_P(CacheContract, MissingKeyIsNotFound) {
    EXPECT_EQ(value_of(*this->cache, "nothing-here"), std::nullopt);
}

TYPED_TEST_P(CacheContract, EmptyValueIsFoundAndEmpty) {
    ASSERT_TRUE(this->cache->set("empty", ""));
    EXPECT_EQ(value_of(*this->cache, "empty"), std::string());
}

TYPED_TEST_P(CacheContract, BinaryKeysAndValuesRoundTrip) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
    const std::string key = std::string("k\0\r\n\xff", 5) + bytes.substr(100, 20);
    ASSERT_TRUE(this->cache->set(key, bytes + bytes));
    EXPECT_EQ(value_of(*this->cache, key), bytes + bytes);
    EXPECT_EQ(value_of(*this->cache, std::string("k\0\r\n", 4)), std::nullopt);
}

TYPED_TEST_P(CacheContract, SetReplacesValueAndExpiration) {
    ASSERT_TRUE(this->cache->set("k", "first", entry_options::expires_in(300ms)));
    ASSERT_TRUE(this->cache->set("k", "second"));
    std::this_thread::sleep_for(600ms);
    EXPECT_EQ(value_of(*this->cache, "k"), "second");
}

TYPED_TEST_P(CacheContract, RemoveDeletesAndAMissingKeyIsNoError) {
    ASSERT_TRUE(this->cache->set("k", "v"));
    ASSERT_TRUE(this->cache->remove("k"));
    EXPECT_EQ(value_of(*this->cache, "k"), std::nullopt);
    EXPECT_TRUE(this->cache->remove("k"));
    EXPECT_TRUE(this->cache->refresh("never-set"));
}

TYPED_TEST_P(CacheContract, InvalidOptionsAreAClearErrorAndWriteNothing) {
    ASSERT_TRUE(this->cache->set("kept", "old"));
    const auto past = std::chrono::system_clock::now() - 1s;
    const struct {
        entry_options options;
        const char* names;
    } cases[] = {
        {entry_options::sliding(0s), "sliding_expiration"},
        {entry_options::sliding(-5s), "sliding_expiration"},
        {entry_options::expires_in(0ms), "absolute_expiration_relative_to_now"},
        {entry_options::expires_in(-1ms), "absolute_expiration_relative_to_now"},
        {entry_options::absolute(past), "absolute_expiration"},
    };
    for (const auto& c : cases) {
        for (const char* key : {"kept", "fresh"}) {
            auto stored = this->cache->set(key, "new", c.options);
            ASSERT_FALSE(stored) << c.names;
            EXPECT_EQ(stored.error_value().kind, error_kind::config);
            EXPECT_NE(stored.error_value().message.find(c.names), std::string::npos)
                << stored.error_value().message;
            auto async_stored = this->cache->set_future(key, "new", c.options).get();
            EXPECT_FALSE(async_stored) << c.names;
        }
    }
    EXPECT_EQ(value_of(*this->cache, "kept"), "old");
    EXPECT_EQ(value_of(*this->cache, "fresh"), std::nullopt);
}

TYPED_TEST_P(CacheContract, RelativeAndAbsoluteExpirationsExpire) {
    ASSERT_TRUE(this->cache->set("relative", "v", entry_options::expires_in(400ms)));
    ASSERT_TRUE(this->cache->set(
        "absolute", "v", entry_options::absolute(std::chrono::system_clock::now() + 400ms)));
    EXPECT_EQ(value_of(*this->cache, "relative"), "v");
    EXPECT_EQ(value_of(*this->cache, "absolute"), "v");
    std::this_thread::sleep_for(700ms);
    EXPECT_EQ(value_of(*this->cache, "relative"), std::nullopt);
    EXPECT_EQ(value_of(*this->cache, "absolute"), std::nullopt);
}

TYPED_TEST_P(CacheContract, ReadsAndRefreshesKeepASlidingEntryAlive) {
    ASSERT_TRUE(this->cache->set("read", "v", entry_options::sliding(700ms)));
    ASSERT_TRUE(this->cache->set("refreshed", "v", entry_options::sliding(700ms)));
    for (int i = 0; i < 8; ++i) {  // 1.6 s, more than twice the window
        std::this_thread::sleep_for(200ms);
        EXPECT_EQ(value_of(*this->cache, "read"), "v") << "read " << i;
        EXPECT_TRUE(this->cache->refresh("refreshed"));
    }
    EXPECT_EQ(value_of(*this->cache, "refreshed"), "v");
    std::this_thread::sleep_for(1100ms);
    EXPECT_EQ(value_of(*this->cache, "read"), std::nullopt);
    EXPECT_EQ(value_of(*this->cache, "refreshed"), std::nullopt);
}

TYPED_TEST_P(CacheContract, AbsoluteExpirationCapsSliding) {
    entry_options options = entry_options::sliding(2s);
    options.absolute_expiration_relative_to_now = 600ms;
    ASSERT_TRUE(this->cache->set("capped", "v", options));
    bool expired = false;
    const auto start = std::chrono::steady_clock::now();
    while (!expired && std::chrono::steady_clock::now() - start < 2s) {
        expired = !value_of(*this->cache, "capped");
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(expired);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TYPED_TEST_P(CacheContract, AsynchronousFormsBehaveLikeBlockingOnes) {
    ASSERT_TRUE(this->cache->set_future("k", "v", entry_options::sliding(10s)).get());
    auto got = this->cache->get_future("k").get();
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, "v");
    EXPECT_TRUE(this->cache->refresh_future("k").get());
    EXPECT_TRUE(this->cache->remove_future("k").get());
    auto gone = this->cache->get_future("k").get();
    ASSERT_TRUE(gone);
    EXPECT_EQ(*gone, std::nullopt);

    std::promise<distributed_cache::get_result> callback;
    this->cache->async_get(
        "k", [&](distributed_cache::get_result r) { callback.set_value(std::move(r)); });
    auto via_callback = callback.get_future().get();
    ASSERT_TRUE(via_callback);
    EXPECT_EQ(*via_callback, std::nullopt);
}

TYPED_TEST_P(CacheContract, InstanceNamesIsolateCaches) {
    auto a = this->backend.make("app-a:");
    auto b = this->backend.make("app-b:");
    ASSERT_TRUE(a->set("shared-name", "from a"));
    ASSERT_TRUE(b->set("shared-name", "from b"));
    EXPECT_EQ(value_of(*a, "shared-name"), "from a");
    EXPECT_EQ(value_of(*b, "shared-name"), "from b");
    ASSERT_TRUE(a->remove("shared-name"));
    EXPECT_EQ(value_of(*b, "shared-name"), "from b");
}

TYPED_TEST_P(CacheContract, ConcurrentGetOrCreateRunsTheFactoryOnce) {
    std::atomic<int> runs{0};
    const distributed_cache::factory slow = [&]() -> result<std::string> {
        ++runs;
        std::this_thread::sleep_for(300ms);
        return std::string("made once");
    };
    constexpr int callers = 16;
    std::vector<std::string> seen(callers);
    std::vector<std::thread> threads;
    for (int i = 0; i < callers; ++i)
        threads.emplace_back([&, i] {
            auto v = this->cache->get_or_create("stampede", slow, entry_options::sliding(30s));
            seen[i] = v ? *v : "error: " + v.error_value().message;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(runs.load(), 1);
    for (const auto& v : seen) EXPECT_EQ(v, "made once");

    auto again = this->cache->get_or_create("stampede", slow);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, "made once");
    EXPECT_EQ(runs.load(), 1);
}

TYPED_TEST_P(CacheContract, AFactoryErrorReachesEveryWaitingCaller) {
    std::atomic<int> runs{0};
    const distributed_cache::factory failing = [&]() -> result<std::string> {
        ++runs;
        std::this_thread::sleep_for(200ms);
        return error{error_kind::io, "the database is down"};
    };
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            auto v = this->cache->get_or_create("doomed", failing);
            if (!v && v.error_value().message == "the database is down") ++failures;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(runs.load(), 1);
    EXPECT_EQ(failures.load(), 8);
    EXPECT_EQ(value_of(*this->cache, "doomed"), std::nullopt);
}

TYPED_TEST_P(CacheContract, SixteenThreadsMixingEveryOperation) {
    constexpr int threads_count = 16;
    constexpr int operations = 400;
    std::atomic<int> failures{0}, wrong_values{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < threads_count; ++t)
        threads.emplace_back([&, t] {
            std::mt19937 random(static_cast<unsigned>(t));
            auto& cache = *this->cache;
            const auto check = [&](const result<void>& r) {
                if (!r) ++failures;
            };
            // Every value stored under key k starts with "k=": a reader
            // seeing anything else saw a torn or misplaced entry.
            const auto check_value = [&](const std::string& key,
                                         const distributed_cache::get_result& r) {
                if (!r)
                    ++failures;
                else if (*r && !(*r)->starts_with(key + "="))
                    ++wrong_values;
            };
            for (int i = 0; i < operations; ++i) {
                const std::string key = "key" + std::to_string(random() % 12);
                const std::string value = key + "=" + std::to_string(t) + "/" + std::to_string(i);
                switch (random() % 9) {
                    case 0:
                        check(cache.set(key, value));
                        break;
                    case 1:
                        check(cache.set(key, value, entry_options::sliding(5s)));
                        break;
                    case 2:
                        check(cache.set(key, value, entry_options::expires_in(5s)));
                        break;
                    case 3:
                        check_value(key, cache.get(key));
                        break;
                    case 4:
                        check(cache.refresh(key));
                        break;
                    case 5:
                        check(cache.remove(key));
                        break;
                    case 6:
                        check_value(key, cache.get_future(key).get());
                        break;
                    case 7:
                        check(cache.set_future(key, value, entry_options::sliding(5s)).get());
                        break;
                    case 8: {
                        auto made = cache.get_or_create(
                            key, [&]() -> result<std::string> { return value; });
                        check_value(key, made ? distributed_cache::get_result(
                                                    std::optional<std::string>(*made))
                                              : distributed_cache::get_result(made.error_value()));
                        break;
                    }
                }
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(wrong_values.load(), 0);
}

TYPED_TEST_P(CacheContract, HitsAndMissesAreCounted) {
    ASSERT_TRUE(this->cache->set("k", "v"));
    (void)this->cache->get("k");
    (void)this->cache->get("k");
    (void)this->cache->get("missing");
    const metrics_snapshot m = this->cache->metrics();
    EXPECT_EQ(m.hits, 2u);
    EXPECT_EQ(m.misses, 1u);
}

REGISTER_TYPED_TEST_SUITE_P(CacheContract, SetThenGetReturnsTheValue, MissingKeyIsNotFound,
                            EmptyValueIsFoundAndEmpty, BinaryKeysAndValuesRoundTrip,
                            SetReplacesValueAndExpiration, RemoveDeletesAndAMissingKeyIsNoError,
                            InvalidOptionsAreAClearErrorAndWriteNothing,
                            RelativeAndAbsoluteExpirationsExpire,
                            ReadsAndRefreshesKeepASlidingEntryAlive, AbsoluteExpirationCapsSliding,
                            AsynchronousFormsBehaveLikeBlockingOnes, InstanceNamesIsolateCaches,
                            ConcurrentGetOrCreateRunsTheFactoryOnce,
                            AFactoryErrorReachesEveryWaitingCaller,
                            SixteenThreadsMixingEveryOperation, HitsAndMissesAreCounted);

}  // namespace respcache::cache::contract
