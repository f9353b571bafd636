// The in-process cache's get and set, in nanoseconds per operation, on one
// and two threads sharing one cache (issue 4's memory-cache figures).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "respcache/cache/memory_cache.hpp"

namespace {

using respcache::cache::entry_options;
using respcache::cache::memory_cache;

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

BENCHMARK(BM_memory_cache_get)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_memory_cache_set)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
