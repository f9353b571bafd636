// The in-process cache's get and set on one and two threads sharing one
// cache (items/s: two threads should reach 1.7x one), next to the one-lock
// LRU it replaced; and the hit ratio of its eviction policy (S3-FIFO) against
// LRU and CLOCK on a zipf workload, with and without scans of one-time keys.
//
//   memory_cache_bench --benchmark_filter='get|set'   # speed
//   memory_cache_bench --benchmark_filter=hit_ratio   # the policies' hit ratios
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "reference_caches.hpp"
#include "respcache/cache/memory_cache.hpp"

namespace {

using respcache::cache::entry_options;
using respcache::cache::memory_cache;
using respcache::cache::memory_cache_options;

constexpr int keyspace = 10000;

memory_cache& shared_cache() {
    static memory_cache cache;
    static const bool filled = [] {
        const std::string value(1024, 'v');
        for (int k = 0; k < keyspace; ++k)
            (void)cache.set("key:" + std::to_string(k), value,
                            entry_options::sliding(std::chrono::minutes(5)));
        return true;
    }();
    (void)filled;
    return cache;
}

std::vector<std::string> keys() {
    std::vector<std::string> out;
    for (int k = 0; k < keyspace; ++k) out.push_back("key:" + std::to_string(k));
    return out;
}

void BM_memory_cache_get(benchmark::State& state) {
    memory_cache& cache = shared_cache();
    const auto names = keys();
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
    for (auto _ : state) {
        auto got = cache.get(names[i++ % names.size()]);
        benchmark::DoNotOptimize(got);
    }
    state.SetItemsProcessed(state.iterations());
}

// The same gets, each thread on a cache of its own: nothing is shared, so
// its 2-thread rate is what the machine allows at that moment, and
// BM_memory_cache_get's 2-thread rate over it is what sharing one cache
// costs (a ratio that holds up on a busy machine better than 2 threads over 1).
void BM_private_memory_cache_get(benchmark::State& state) {
    memory_cache cache;
    const std::string value(1024, 'v');
    const auto names = keys();
    for (const auto& name : names)
        (void)cache.set(name, value, entry_options::sliding(std::chrono::minutes(5)));
    std::size_t i = 0;
    for (auto _ : state) {
        auto got = cache.get(names[i++ % names.size()]);
        benchmark::DoNotOptimize(got);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_memory_cache_set(benchmark::State& state) {
    memory_cache& cache = shared_cache();
    const auto names = keys();
    const std::string value(1024, 'v');
    const auto sliding = entry_options::sliding(std::chrono::minutes(5));
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
    for (auto _ : state) {
        auto done = cache.set(names[i++ % names.size()], value, sliding);
        benchmark::DoNotOptimize(done);
    }
    state.SetItemsProcessed(state.iterations());
}

// The design memory_cache had before it was sharded, on the same keys.
void BM_one_lock_lru_get(benchmark::State& state) {
    static respcache::bench::one_lock_lru cache(memory_cache_options{}.size_limit);
    static const bool filled = [] {
        const std::string value(1024, 'v');
        for (int k = 0; k < keyspace; ++k) cache.set("key:" + std::to_string(k), value);
        return true;
    }();
    (void)filled;
    const auto names = keys();
    std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7919;
    for (auto _ : state) {
        auto got = cache.get(names[i++ % names.size()]);
        benchmark::DoNotOptimize(got);
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_memory_cache_get)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_private_memory_cache_get)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_memory_cache_set)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_one_lock_lru_get)->Threads(1)->Threads(2)->UseRealTime();

// Hit ratio: a cache-aside client (get; on a miss, set) replays one fixed
// trace against a cache with room for a tenth of the keys.
constexpr std::uint32_t popular_keys = 100000;
constexpr std::size_t trace_length = 1200000;
constexpr std::size_t warm_up = 200000;  // requests not counted
constexpr double zipf_exponent = 0.99;

// Zipf-distributed key ids; with scans, 20% of every 100,000 requests are a
// burst of keys read once and never again (a batch job passing through).
std::vector<std::uint32_t> make_trace(bool with_scans) {
    std::vector<double> cumulative(popular_keys);
    double sum = 0;
    for (std::uint32_t k = 0; k < popular_keys; ++k)
        cumulative[k] = sum += 1.0 / std::pow(static_cast<double>(k + 1), zipf_exponent);
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> uniform(0, sum);
    std::vector<std::uint32_t> trace(trace_length);
    std::uint32_t next_once = popular_keys;
    for (std::size_t i = 0; i < trace_length; ++i) {
        if (with_scans && i % 100000 < 20000) {
            trace[i] = next_once++;
            continue;
        }
        const auto at = std::lower_bound(cumulative.begin(), cumulative.end(), uniform(random));
        trace[i] = static_cast<std::uint32_t>(at - cumulative.begin());
    }
    return trace;
}

const std::vector<std::string>& trace_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (std::uint32_t id = 0; id < popular_keys + trace_length; ++id)
            out.push_back("item:" + std::to_string(id));
        return out;
    }();
    return names;
}

std::size_t room_for_a_tenth() {
    return popular_keys / 10 *
           (std::string_view("item:00000").size() + 1024 + memory_cache::entry_overhead);
}

struct sharded_s3fifo {
    memory_cache cache;
    explicit sharded_s3fifo(std::size_t shards)
        : cache([shards] {
              memory_cache_options o;
              o.size_limit = room_for_a_tenth();
              o.shards = shards;
              return o;
          }()) {}
    bool hit(std::string_view key) { return cache.get(key)->has_value(); }
    void set(std::string_view key, std::string_view value) { (void)cache.set(key, value); }
};

template <class Cache>
struct reference {
    Cache cache{room_for_a_tenth()};
    bool hit(std::string_view key) { return cache.get(key).has_value(); }
    void set(std::string_view key, std::string_view value) { cache.set(key, value); }
};

template <class Policy, class... Args>
void run_trace(benchmark::State& state, bool with_scans, Args... args) {
    static const std::vector<std::uint32_t> plain = make_trace(false);
    static const std::vector<std::uint32_t> scans = make_trace(true);
    const std::vector<std::uint32_t>& trace = with_scans ? scans : plain;
    const auto& names = trace_names();
    const std::string value(1024, 'v');
    std::uint64_t hits = 0, counted = 0;
    for (auto _ : state) {
        Policy policy(args...);
        for (std::size_t i = 0; i < trace.size(); ++i) {
            const std::string& key = names[trace[i]];
            const bool hit = policy.hit(key);
            if (!hit) policy.set(key, value);
            if (i >= warm_up) {
                ++counted;
                hits += hit;
            }
        }
    }
    state.counters["hit_ratio"] = static_cast<double>(hits) / static_cast<double>(counted);
    state.SetItemsProcessed(static_cast<std::int64_t>(trace.size()) * state.iterations());
}

void BM_hit_ratio_s3fifo_sharded(benchmark::State& state) {
    run_trace<sharded_s3fifo>(state, state.range(0) != 0, std::size_t{0});
}
void BM_hit_ratio_s3fifo_one_shard(benchmark::State& state) {
    run_trace<sharded_s3fifo>(state, state.range(0) != 0, std::size_t{1});
}
void BM_hit_ratio_lru(benchmark::State& state) {
    run_trace<reference<respcache::bench::one_lock_lru>>(state, state.range(0) != 0);
}
void BM_hit_ratio_clock(benchmark::State& state) {
    run_trace<reference<respcache::bench::one_lock_clock>>(state, state.range(0) != 0);
}

// Argument: 0 zipf alone, 1 zipf with scans.
BENCHMARK(BM_hit_ratio_s3fifo_sharded)->ArgName("scans")->Arg(0)->Arg(1)->Iterations(1);
BENCHMARK(BM_hit_ratio_s3fifo_one_shard)->ArgName("scans")->Arg(0)->Arg(1)->Iterations(1);
BENCHMARK(BM_hit_ratio_lru)->ArgName("scans")->Arg(0)->Arg(1)->Iterations(1);
BENCHMARK(BM_hit_ratio_clock)->ArgName("scans")->Arg(0)->Arg(1)->Iterations(1);

}  // namespace
