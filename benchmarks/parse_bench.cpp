// The parse hot path: respcache's reader (feed + take_all, and feed + next), its bare parser with a
// no-op visitor, and — when libhiredis-dev is installed — hiredis's
// redisReader on byte-identical input with identical batching, in the same
// binary, so one run gives the ratio.
//
// Each iteration parses one batch of `shape_batch(shape)` replies. The batch is
// delivered in reads of at most 16 KiB (what hiredis's redisBufferRead hands
// its reader), and every complete reply is taken out after each read. Items
// processed = replies, so items_per_second = replies/s. allocs_per_reply
// counts heap allocations in the timed loop, after warm-up batches.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "null_visitor.hpp"
#include "read_like_a_program.hpp"
#include "respcache/resp/parser.hpp"
#include "respcache/resp/reader.hpp"

#ifdef RESPCACHE_BENCH_HIREDIS
#include <hiredis/hiredis.h>
#endif

namespace respcache::bench {

// shapes.cpp
std::span<const std::string_view> shape_names();
std::size_t shape_batch(std::string_view name);
std::string shape_stream(std::string_view name);
bool hiredis_reads(std::string_view name);

// alloc_count.cpp
std::uint64_t operator_new_calls() noexcept;
#ifdef RESPCACHE_BENCH_HIREDIS
void arm_peer_counter() noexcept;
std::uint64_t disarm_peer_counter() noexcept;
bool peer_counter_available() noexcept;
#endif

namespace {

constexpr std::size_t read_size = 16 * 1024;
constexpr int warm_up_batches = 3;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "benchmark setup failed: %s\n", what);
    std::abort();
}

void report(benchmark::State& state, std::size_t replies_per_batch, std::size_t batch_bytes,
            std::uint64_t allocs) {
    const auto replies = static_cast<std::int64_t>(state.iterations()) *
                         static_cast<std::int64_t>(replies_per_batch);
    state.SetItemsProcessed(replies);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(batch_bytes));
    state.counters["allocs_per_reply"] =
        replies ? static_cast<double>(allocs) / static_cast<double>(replies) : 0.0;
}

// --- respcache::resp::reader ------------------------------------------------

// take_all: every complete reply after each read, in one call.
std::size_t take_batch(resp::reader& reader, std::string_view batch) {
    std::size_t replies = 0;
    std::uint64_t sum = 0;
    for (std::size_t at = 0; at < batch.size(); at += read_size) {
        reader.feed(batch.substr(at, read_size));
        const auto taken =
            reader.take_all([&](const resp::reply& r) { sum += read_like_a_program(r); });
        if (!taken) fail("respcache reader reported an error");
        replies += *taken;
    }
    benchmark::DoNotOptimize(sum);
    return replies;
}

// next(): one call per reply.
std::size_t next_batch(resp::reader& reader, std::string_view batch) {
    std::size_t replies = 0;
    std::uint64_t sum = 0;
    for (std::size_t at = 0; at < batch.size(); at += read_size) {
        reader.feed(batch.substr(at, read_size));
        for (;;) {
            auto next = reader.next();
            if (!next) fail("respcache reader reported an error");
            if (!next->has_value()) break;
            sum += read_like_a_program(**next);
            ++replies;
        }
    }
    benchmark::DoNotOptimize(sum);
    return replies;
}

template <std::size_t (*Read)(resp::reader&, std::string_view)>
void BM_reader(benchmark::State& state, std::string_view shape) {
    const std::string batch = shape_stream(shape);
    const std::size_t n = shape_batch(shape);
    resp::reader reader;
    for (int i = 0; i < warm_up_batches; ++i)
        if (Read(reader, batch) != n) fail("respcache reader lost replies");

    const std::uint64_t allocs_before = operator_new_calls();
    for (auto _ : state) benchmark::DoNotOptimize(Read(reader, batch));
    report(state, n, batch.size(), operator_new_calls() - allocs_before);
}

// --- respcache::resp::parser with a no-op visitor ------------------------------

// The bare parser reads the batch where it lies: no copy into a buffer.
std::size_t parse_batch(resp::parser& parser, std::string_view batch) {
    null_visitor visitor;
    std::size_t replies = 0;
    std::size_t at = 0;
    while (at < batch.size()) {
        const resp::parse_step step = parser.parse(batch.substr(at), visitor);
        if (step.status != resp::parse_status::reply_complete)
            fail("respcache parser did not complete a reply");
        at += step.consumed;
        ++replies;
    }
    return replies;
}

void BM_parser(benchmark::State& state, std::string_view shape) {
    const std::string batch = shape_stream(shape);
    const std::size_t n = shape_batch(shape);
    resp::parser parser;
    for (int i = 0; i < warm_up_batches; ++i)
        if (parse_batch(parser, batch) != n) fail("respcache parser lost replies");

    const std::uint64_t allocs_before = operator_new_calls();
    for (auto _ : state) benchmark::DoNotOptimize(parse_batch(parser, batch));
    report(state, n, batch.size(), operator_new_calls() - allocs_before);
}

// --- hiredis redisReader -----------------------------------------------------

#ifdef RESPCACHE_BENCH_HIREDIS

template <bool FreeReplies>
std::size_t hiredis_read_batch(redisReader* reader, std::string_view batch) {
    std::size_t replies = 0;
    for (std::size_t at = 0; at < batch.size(); at += read_size) {
        const std::string_view part = batch.substr(at, read_size);
        if (redisReaderFeed(reader, part.data(), part.size()) != REDIS_OK)
            fail("redisReaderFeed failed");
        for (;;) {
            void* reply = nullptr;
            if (redisReaderGetReply(reader, &reply) != REDIS_OK)
                fail("redisReaderGetReply reported an error");
            if (reply == nullptr) break;
            if constexpr (FreeReplies) {
                benchmark::DoNotOptimize(read_like_a_program(static_cast<redisReply*>(reply)));
                freeReplyObject(reply);
            } else {
                benchmark::DoNotOptimize(reply);
            }
            ++replies;
        }
    }
    return replies;
}

void run_hiredis(benchmark::State& state, std::string_view shape, redisReader* reader,
                 bool free_replies) {
    const std::string batch = shape_stream(shape);
    const std::size_t n = shape_batch(shape);
    const auto read = free_replies ? hiredis_read_batch<true> : hiredis_read_batch<false>;
    for (int i = 0; i < warm_up_batches; ++i)
        if (read(reader, batch) != n) fail("hiredis reader lost replies");

    arm_peer_counter();
    for (auto _ : state) benchmark::DoNotOptimize(read(reader, batch));
    const std::uint64_t allocs = disarm_peer_counter();
    report(state, n, batch.size(), allocs);
    if (!peer_counter_available()) state.counters["allocs_per_reply"] = -1;
}

// hiredis's reader with its default reply objects (redisReply trees).
void BM_hiredis_reader(benchmark::State& state, std::string_view shape) {
    redisReader* reader = redisReaderCreate();
    if (reader == nullptr) fail("redisReaderCreate");
    run_hiredis(state, shape, reader, true);
    redisReaderFree(reader);
}

// hiredis's reader with object callbacks that build nothing: the closest
// counterpart of a parser with a no-op visitor.
char dummy_object;
void* null_string(const redisReadTask*, char*, std::size_t) {
    return &dummy_object;
}
void* null_integer(const redisReadTask*, long long) {
    return &dummy_object;
}
void* null_nil(const redisReadTask*) {
    return &dummy_object;
}
void null_free(void*) {}
#if HIREDIS_MAJOR < 1
void* null_array(const redisReadTask*, int) {
    return &dummy_object;
}
redisReplyObjectFunctions null_functions = {null_string, null_array, null_integer, null_nil,
                                            null_free};
#else
// hiredis 1.x: RESP3 doubles and booleans too.
void* null_array(const redisReadTask*, std::size_t) {
    return &dummy_object;
}
void* null_double(const redisReadTask*, double, char*, std::size_t) {
    return &dummy_object;
}
void* null_bool(const redisReadTask*, int) {
    return &dummy_object;
}
redisReplyObjectFunctions null_functions = {null_string, null_array, null_integer, null_double,
                                            null_nil,    null_bool,  null_free};
#endif

void BM_hiredis_bare(benchmark::State& state, std::string_view shape) {
    redisReader* reader = redisReaderCreateWithFunctions(&null_functions);
    if (reader == nullptr) fail("redisReaderCreateWithFunctions");
    run_hiredis(state, shape, reader, false);
    redisReaderFree(reader);
}

#endif  // RESPCACHE_BENCH_HIREDIS

// Registers every shape, grouped by shape so the peers sit next to each other.
const bool registered = [] {
    for (const std::string_view shape : shape_names()) {
        const std::string s(shape);
        benchmark::RegisterBenchmark(("BM_parse/respcache/" + s).c_str(), BM_reader<take_batch>,
                                     shape);
        benchmark::RegisterBenchmark(("BM_parse/respcache_next/" + s).c_str(),
                                     BM_reader<next_batch>, shape);
#ifdef RESPCACHE_BENCH_HIREDIS
        if (hiredis_reads(shape))
            benchmark::RegisterBenchmark(("BM_parse/hiredis/" + s).c_str(), BM_hiredis_reader,
                                         shape);
#endif
    }
    for (const std::string_view shape : shape_names()) {
        const std::string s(shape);
        benchmark::RegisterBenchmark(("BM_parse_bare/respcache/" + s).c_str(), BM_parser, shape);
#ifdef RESPCACHE_BENCH_HIREDIS
        if (hiredis_reads(shape))
            benchmark::RegisterBenchmark(("BM_parse_bare/hiredis/" + s).c_str(), BM_hiredis_bare,
                                         shape);
#endif
    }
    return true;
}();

}  // namespace
}  // namespace respcache::bench
