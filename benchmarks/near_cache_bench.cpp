// The near cache against a real redis-server (started here on a free
// loopback port), side by side with what it is measured against in the same
// run: its first-level hit next to the memory cache's get, and the
// read-heavy workload (get:set 100:1 over 10,000 keys of 1 KiB, one thread)
// through the near cache next to plain redis_cache. cpu_us_per_op is the
// whole client process's CPU time (caller and I/O threads) per operation;
// the server's is not in it.
//
//   build/release/benchmarks/near_cache_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <time.h>

#include <string>
#include <thread>
#include <vector>

#include "redis_server.hpp"
#include "respcache/cache/memory_cache.hpp"
#include "respcache/cache/near_cache.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/connection_string.hpp"

namespace respcache::cache {
namespace {

constexpr int keyspace = 10000;
const std::string value(1024, 'v');

std::vector<std::string> keys() {
    std::vector<std::string> out;
    for (int k = 0; k < keyspace; ++k) out.push_back("key:" + std::to_string(k));
    return out;
}

double process_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct shared_server {
    testing::redis_server server;
    std::shared_ptr<near_cache> near;
    std::shared_ptr<redis_cache> plain;

    shared_server() {
        auto options = net::parse_connection_string(server.connection_string());
        near = *near_cache::connect(*options, near_cache_options{"near:", nullptr});
        plain = *redis_cache::connect(*options, redis_cache_options{"plain:", nullptr});
        while (!near->first_level_active())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        for (const std::string& k : keys()) {
            (void)near->set(k, value);
            (void)plain->set(k, value);
        }
    }
    static shared_server& get() {
        static shared_server s;
        return s;
    }
};

void first_level_hit(benchmark::State& state) {
    near_cache& near = *shared_server::get().near;
    const auto names = keys();
    for (const auto& k : names) (void)near.get(k);
    const auto hits = near.metrics().first_level_hits;
    std::size_t i = 0;
    for (auto _ : state) {
        auto got = near.get(names[i++ % names.size()]);
        benchmark::DoNotOptimize(got);
    }
    state.counters["first_level_share"] =
        static_cast<double>(near.metrics().first_level_hits - hits) /
        static_cast<double>(state.iterations());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(first_level_hit);

void memory_cache_get(benchmark::State& state) {
    memory_cache memory;
    const auto names = keys();
    for (const auto& k : names) (void)memory.set(k, value);
    std::size_t i = 0;
    for (auto _ : state) {
        auto got = memory.get(names[i++ % names.size()]);
        benchmark::DoNotOptimize(got);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(memory_cache_get);

// get:set 100:1 over the keyspace, blocking calls from one thread.
void read_heavy(benchmark::State& state, distributed_cache& cache) {
    const auto names = keys();
    std::size_t i = 0;
    std::uint64_t failures = 0;
    const double cpu_before = process_cpu_seconds();
    for (auto _ : state) {
        const std::string& key = names[(i * 7919) % names.size()];
        if (i++ % 101 == 100) {
            if (!cache.set(key, value)) ++failures;
        } else {
            auto got = cache.get(key);
            if (!got || !*got) ++failures;
            benchmark::DoNotOptimize(got);
        }
    }
    const auto ops = static_cast<double>(state.iterations());
    state.counters["cpu_us_per_op"] = (process_cpu_seconds() - cpu_before) * 1e6 / ops;
    state.counters["failures"] = static_cast<double>(failures);
    state.SetItemsProcessed(state.iterations());
}
void read_heavy_near(benchmark::State& state) {
    read_heavy(state, *shared_server::get().near);
}
void read_heavy_redis(benchmark::State& state) {
    read_heavy(state, *shared_server::get().plain);
}
BENCHMARK(read_heavy_near)->UseRealTime();
BENCHMARK(read_heavy_redis)->UseRealTime();

}  // namespace
}  // namespace respcache::cache
