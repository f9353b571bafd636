// The command encoder: SET key value, and the HSET a distributed-cache write
// sends (absexp, sldexp as decimal ticks, data as ~100 bytes). Each iteration
// encodes a pipeline of 64 commands into one reused buffer; items = commands.
// With hiredis installed, redisFormatCommandArgv encodes the same commands
// (it returns a fresh heap buffer per command, by design of its API).

#include <benchmark/benchmark.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "respcache/resp/encoder.hpp"

#ifdef RESPCACHE_BENCH_HIREDIS
#include <hiredis/hiredis.h>
#endif

namespace respcache::bench {

// alloc_count.cpp
std::uint64_t operator_new_calls() noexcept;
#ifdef RESPCACHE_BENCH_HIREDIS
void arm_peer_counter() noexcept;
std::uint64_t disarm_peer_counter() noexcept;
bool peer_counter_available() noexcept;
#endif

namespace {

constexpr std::size_t pipeline = 64;
constexpr std::string_view key = "app:session:7f3a9c2e";
constexpr std::string_view value = "0123456789abcdef0123456789abcdef";
constexpr std::int64_t absexp = 638712345678901234;
constexpr std::int64_t sldexp = 12000000000;

std::string payload() {
    std::string out(100, 'x');
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>('a' + i % 26);
    return out;
}

void report(benchmark::State& state, std::uint64_t allocs) {
    const auto commands = static_cast<std::int64_t>(state.iterations() * pipeline);
    state.SetItemsProcessed(commands);
    state.counters["allocs_per_command"] =
        commands ? static_cast<double>(allocs) / static_cast<double>(commands) : 0.0;
}

template <class Encode>
void run_ours(benchmark::State& state, Encode encode) {
    std::string out;
    for (int warm = 0; warm < 3; ++warm) {
        out.clear();
        for (std::size_t i = 0; i < pipeline; ++i) encode(out);
    }
    const std::uint64_t before = operator_new_calls();
    for (auto _ : state) {
        out.clear();
        for (std::size_t i = 0; i < pipeline; ++i) encode(out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    report(state, operator_new_calls() - before);
}

void BM_encode_set(benchmark::State& state) {
    run_ours(state, [](std::string& out) { resp::append_command(out, "SET", key, value); });
}

void BM_encode_hset(benchmark::State& state) {
    const std::string data = payload();
    run_ours(state, [&data](std::string& out) {
        resp::append_command(out, "HSET", key, "absexp", absexp, "sldexp", sldexp, "data", data);
    });
}

BENCHMARK(BM_encode_set)->Name("BM_encode/respcache/set");
BENCHMARK(BM_encode_hset)->Name("BM_encode/respcache/hset");

#ifdef RESPCACHE_BENCH_HIREDIS

template <class Encode>
void run_hiredis(benchmark::State& state, Encode encode) {
    for (std::size_t i = 0; i < pipeline; ++i) encode();
    arm_peer_counter();
    for (auto _ : state) {
        for (std::size_t i = 0; i < pipeline; ++i) encode();
    }
    const std::uint64_t allocs = disarm_peer_counter();
    report(state, allocs);
    if (!peer_counter_available()) state.counters["allocs_per_command"] = -1;
}

void format_and_free(int argc, const char** argv, const std::size_t* lengths) {
    char* command = nullptr;
    const int n = redisFormatCommandArgv(&command, argc, argv, lengths);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(command);
    redisFreeCommand(command);
}

void BM_hiredis_set(benchmark::State& state) {
    run_hiredis(state, [] {
        const char* argv[] = {"SET", key.data(), value.data()};
        const std::size_t lengths[] = {3, key.size(), value.size()};
        format_and_free(3, argv, lengths);
    });
}

void BM_hiredis_hset(benchmark::State& state) {
    const std::string data = payload();
    run_hiredis(state, [&data] {
        // The caller formats the numbers, as append_command does internally.
        char a[24];
        char s[24];
        const auto a_end = std::to_chars(a, a + sizeof a, absexp).ptr;
        const auto s_end = std::to_chars(s, s + sizeof s, sldexp).ptr;
        const char* argv[] = {"HSET", key.data(), "absexp", a, "sldexp", s, "data", data.data()};
        const std::size_t lengths[] = {4, key.size(),
                                       6, static_cast<std::size_t>(a_end - a),
                                       6, static_cast<std::size_t>(s_end - s),
                                       4, data.size()};
        format_and_free(8, argv, lengths);
    });
}

BENCHMARK(BM_hiredis_set)->Name("BM_encode/hiredis/set");
BENCHMARK(BM_hiredis_hset)->Name("BM_encode/hiredis/hset");

#endif  // RESPCACHE_BENCH_HIREDIS

}  // namespace
}  // namespace respcache::bench
