// The multiplexer end to end against a real redis-server (started here on a
// free loopback port): one blocking caller, and asynchronous windows of 64
// and 4096 requests in flight. Each benchmark reports the heap allocations
// per operation of the whole process (every thread), counted by replacing
// the global operator new.
//
//   build/release/benchmarks/multiplexer_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <atomic>
#include <string>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"

#include "process_alloc_count.hpp"

namespace respcache::net {
namespace {

struct shared_server {
    testing::redis_server server;
    std::shared_ptr<multiplexer> m;

    shared_server() {
        auto options = parse_connection_string(server.connection_string());
        m = *multiplexer::connect(*options);
        for (int i = 0; i < 1000; ++i)
            (void)m->call("SET", "key:" + std::to_string(i), std::string(32, 'x'));
    }
    static shared_server& get() {
        static shared_server s;
        return s;
    }
};

void report_allocations(benchmark::State& state, std::uint64_t before) {
    const auto ops = static_cast<double>(state.iterations());
    state.counters["allocs_per_op"] =
        static_cast<double>(bench::process_allocations() - before) / ops;
    state.SetItemsProcessed(state.iterations());
}

void blocking_get(benchmark::State& state) {
    multiplexer& m = *shared_server::get().m;
    (void)m.call("GET", "key:1");
    const std::uint64_t before = bench::process_allocations();
    for (auto _ : state) {
        auto reply = m.call("GET", "key:1");
        benchmark::DoNotOptimize(reply);
    }
    report_allocations(state, before);
}
BENCHMARK(blocking_get)->UseRealTime();

// Keeps up to `window` requests in flight; a full window waits until half of
// it has completed, so one wake-up of the caller refills many slots.
void async_get(benchmark::State& state) {
    multiplexer& m = *shared_server::get().m;
    const auto window = static_cast<unsigned>(state.range(0));
    std::atomic<unsigned> in_flight{0};
    std::atomic<std::uint64_t> failed{0};
    const unsigned low = window / 2;
    auto done = [&in_flight, &failed, low](result<resp::reply> r) {
        if (!r) failed.fetch_add(1, std::memory_order_relaxed);
        const unsigned left = in_flight.fetch_sub(1, std::memory_order_acq_rel) - 1;
        if (left == low || left == 0) in_flight.notify_one();
    };
    // Warm up every buffer to its working size before counting.
    for (unsigned i = 0; i < window; ++i) {
        in_flight.fetch_add(1);
        m.async_call(done, "GET", "key:2");
    }
    for (unsigned n = in_flight.load(); n != 0; n = in_flight.load()) in_flight.wait(n);
    const std::uint64_t before = bench::process_allocations();
    for (auto _ : state) {
        if (in_flight.load(std::memory_order_acquire) >= window)
            for (unsigned n = in_flight.load(); n > low; n = in_flight.load()) in_flight.wait(n);
        in_flight.fetch_add(1, std::memory_order_acq_rel);
        m.async_call(done, "GET", "key:2");
    }
    for (unsigned n = in_flight.load(); n != 0; n = in_flight.load()) in_flight.wait(n);
    report_allocations(state, before);
    state.counters["failed"] = static_cast<double>(failed.load());
}
BENCHMARK(async_get)->Arg(64)->Arg(4096)->UseRealTime();

}  // namespace
}  // namespace respcache::net
