// A tiny driver for instruction counts under callgrind:
//
//   parse_instructions <respcache|respcache_next|parser|hiredis> <shape> [replies]
//
// parses `replies` replies of one shape (default 100000) with respcache's
// reader (feed + take_all, or feed + next), its bare parser (no-op visitor) or hiredis's
// redisReader, delivered exactly as in parse_bench (batches in reads of at
// most 16 KiB). Only the function `measured_run` should be counted:
//
//   valgrind --tool=callgrind --collect-atstart=no '--toggle-collect=*measured_run*'
//       build/bench/benchmarks/parse_instructions respcache hmget 100000
//
// (one command line)
//
// then instructions per reply = the total Ir callgrind prints / replies.

#include <charconv>
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

}  // namespace respcache::bench

namespace {

using namespace respcache;

constexpr std::size_t read_size = 16 * 1024;

// Sink that keeps results observable without I/O in the measured loop.
volatile std::uint64_t sink = 0;

class runner {
  public:
    virtual ~runner() = default;
    virtual std::size_t batch(std::string_view bytes) = 0;
};

class take_all_runner final : public runner {
  public:
    std::size_t batch(std::string_view bytes) override {
        std::size_t replies = 0;
        std::uint64_t sum = 0;
        for (std::size_t at = 0; at < bytes.size(); at += read_size) {
            reader_.feed(bytes.substr(at, read_size));
            const auto taken = reader_.take_all(
                [&](const resp::reply& r) { sum += bench::read_like_a_program(r); });
            if (!taken) break;
            replies += *taken;
        }
        sink = sink + sum;
        return replies;
    }

  private:
    resp::reader reader_;
};

class next_runner final : public runner {
  public:
    std::size_t batch(std::string_view bytes) override {
        std::size_t replies = 0;
        for (std::size_t at = 0; at < bytes.size(); at += read_size) {
            reader_.feed(bytes.substr(at, read_size));
            for (;;) {
                auto next = reader_.next();
                if (!next || !next->has_value()) break;
                sink = sink + bench::read_like_a_program(**next);
                ++replies;
            }
        }
        return replies;
    }

  private:
    resp::reader reader_;
};

class parser_runner final : public runner {
  public:
    std::size_t batch(std::string_view bytes) override {
        bench::null_visitor visitor;
        std::size_t replies = 0;
        std::size_t at = 0;
        while (at < bytes.size()) {
            const resp::parse_step step = parser_.parse(bytes.substr(at), visitor);
            if (step.status != resp::parse_status::reply_complete) break;
            at += step.consumed;
            ++replies;
        }
        return replies;
    }

  private:
    resp::parser parser_;
};

#ifdef RESPCACHE_BENCH_HIREDIS
class hiredis_runner final : public runner {
  public:
    hiredis_runner() : reader_(redisReaderCreate()) {}
    ~hiredis_runner() override { redisReaderFree(reader_); }
    hiredis_runner(const hiredis_runner&) = delete;
    hiredis_runner& operator=(const hiredis_runner&) = delete;

    std::size_t batch(std::string_view bytes) override {
        std::size_t replies = 0;
        for (std::size_t at = 0; at < bytes.size(); at += read_size) {
            const std::string_view part = bytes.substr(at, read_size);
            if (redisReaderFeed(reader_, part.data(), part.size()) != REDIS_OK) return replies;
            for (;;) {
                void* reply = nullptr;
                if (redisReaderGetReply(reader_, &reply) != REDIS_OK || reply == nullptr) break;
                sink = sink + bench::read_like_a_program(static_cast<redisReply*>(reply));
                freeReplyObject(reply);
                ++replies;
            }
        }
        return replies;
    }

  private:
    redisReader* reader_;
};
#endif

// The only function callgrind should count (see the header comment).
[[gnu::noinline]] std::size_t measured_run(runner& r, std::string_view bytes, std::size_t batches) {
    std::size_t replies = 0;
    for (std::size_t i = 0; i < batches; ++i) replies += r.batch(bytes);
    return replies;
}

int usage() {
    std::fputs("usage: parse_instructions <respcache|respcache_next|parser", stderr);
#ifdef RESPCACHE_BENCH_HIREDIS
    std::fputs("|hiredis", stderr);
#endif
    std::fputs("> <shape> [replies]\nshapes:", stderr);
    for (const std::string_view s : bench::shape_names())
        std::fprintf(stderr, " %.*s", static_cast<int>(s.size()), s.data());
    std::fputs("\n", stderr);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) return usage();
    const std::string_view which = argv[1];
    const std::string_view shape = argv[2];
    const std::size_t per_batch = bench::shape_batch(shape);
    if (per_batch == 0) return usage();
    std::size_t wanted = 100000;
    if (argc == 4) {
        const std::string_view text = argv[3];
        const auto r = std::from_chars(text.data(), text.data() + text.size(), wanted);
        if (r.ec != std::errc() || r.ptr != text.data() + text.size() || wanted == 0)
            return usage();
    }
    const std::size_t batches = (wanted + per_batch - 1) / per_batch;

    take_all_runner ours;
    next_runner ours_next;
    parser_runner bare;
#ifdef RESPCACHE_BENCH_HIREDIS
    hiredis_runner peer;
#endif
    runner* r = nullptr;
    if (which == "respcache") r = &ours;
    if (which == "respcache_next") r = &ours_next;
    if (which == "parser") r = &bare;
#ifdef RESPCACHE_BENCH_HIREDIS
    if (which == "hiredis" && bench::hiredis_reads(shape)) r = &peer;
#endif
    if (r == nullptr) return usage();

    const std::string bytes = bench::shape_stream(shape);
    // Warm up: buffers and node storage reach their working size.
    for (int i = 0; i < 3; ++i)
        if (r->batch(bytes) != per_batch) {
            std::fputs("parse failed\n", stderr);
            return 1;
        }
    const std::size_t replies = measured_run(*r, bytes, batches);
    std::printf("%.*s %.*s: %zu replies in %zu batches\n", static_cast<int>(which.size()),
                which.data(), static_cast<int>(shape.size()), shape.data(), replies, batches);
    return replies == batches * per_batch ? 0 : 1;
}
