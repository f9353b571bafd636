// The routing step of the cluster client next to the client-side work of one
// pipelined GET (encode the command, parse its reply), in one run:
//
//   build/release/benchmarks/cluster_routing_bench --benchmark_min_time=0.5
//
// routing = the command's key position lookup + CRC16 + the slot table load.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "respcache/net/cluster/command_keys.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/cluster/slot_table.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"

namespace {

using namespace respcache::net::cluster;
using respcache::net::endpoint;

std::vector<std::string> make_keys() {
    std::vector<std::string> keys;
    for (int i = 0; i < 1024; ++i) keys.push_back("user:session:" + std::to_string(i * 7919));
    return keys;
}

topology three_primaries() {
    return topology{{shard{endpoint::tcp("127.0.0.1", 7000), {}, {{0, 5460}}},
                     shard{endpoint::tcp("127.0.0.1", 7001), {}, {{5461, 10922}}},
                     shard{endpoint::tcp("127.0.0.1", 7002), {}, {{10923, 16383}}}}};
}

void BM_HashSlot(benchmark::State& state) {
    const auto keys = make_keys();
    std::size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(hash_slot(keys[i++ & 1023]));
    }
}
BENCHMARK(BM_HashSlot);

// What the client does per command: find the key, hash it, load the current
// table, read the owner.
void BM_RouteGet(benchmark::State& state) {
    const auto keys = make_keys();
    atomic_slot_table current;
    current.store(std::make_shared<const slot_table>(three_primaries()));
    std::size_t i = 0;
    for (auto _ : state) {
        const std::string_view command[] = {"GET", keys[i++ & 1023]};
        const auto slot = slot_of(command);
        benchmark::DoNotOptimize(current.current_on_this_thread().primary_for(slot->slot));
    }
}
BENCHMARK(BM_RouteGet);

void BM_FindKeys(benchmark::State& state) {
    const std::string_view command[] = {"GET", "user:session:42"};
    for (auto _ : state) benchmark::DoNotOptimize(find_keys(command));
}
BENCHMARK(BM_FindKeys);

void BM_LoadTableSharedPtr(benchmark::State& state) {
    atomic_slot_table current;
    current.store(std::make_shared<const slot_table>(three_primaries()));
    for (auto _ : state) benchmark::DoNotOptimize(current.load()->primary_for(7));
}
BENCHMARK(BM_LoadTableSharedPtr);

void BM_LoadTableThreadCached(benchmark::State& state) {
    atomic_slot_table current;
    current.store(std::make_shared<const slot_table>(three_primaries()));
    for (auto _ : state) benchmark::DoNotOptimize(current.current_on_this_thread().primary_for(7));
}
BENCHMARK(BM_LoadTableThreadCached);

// The client-side CPU of one pipelined GET without the system calls: encode
// the command into the write buffer and parse its reply.
void BM_EncodeGetAndParseReply(benchmark::State& state) {
    const auto keys = make_keys();
    std::string out;
    out.reserve(4096);
    respcache::resp::reader reader;
    const std::string reply = "$32\r\n" + std::string(32, 'v') + "\r\n";
    std::size_t i = 0;
    for (auto _ : state) {
        out.clear();
        respcache::resp::append_command(out, "GET", keys[i++ & 1023]);
        reader.feed(reply);
        auto next = reader.next();
        benchmark::DoNotOptimize(next);
        benchmark::DoNotOptimize(out.data());
    }
}
BENCHMARK(BM_EncodeGetAndParseReply);

}  // namespace
