#pragma once

// What a program reads of every reply in the parse benchmarks, the same for
// respcache and hiredis: the kind, and for the value and each of its
// children the integer and the string size. Returns a sum the benchmark
// keeps observable.

#include <cstddef>
#include <cstdint>

#include "respcache/resp/reply.hpp"

#ifdef RESPCACHE_BENCH_HIREDIS
#include <hiredis/hiredis.h>
#endif

namespace respcache::bench {

inline std::uint64_t read_scalar(const resp::reply& r) noexcept {
    return static_cast<std::uint64_t>(r.kind()) + static_cast<std::uint64_t>(r.integer()) +
           r.string().size();
}

inline std::uint64_t read_like_a_program(const resp::reply& r) noexcept {
    std::uint64_t sum = read_scalar(r);
    if (r.is_aggregate())
        for (const resp::reply child : r) sum += read_scalar(child);
    return sum;
}

#ifdef RESPCACHE_BENCH_HIREDIS
inline std::uint64_t read_scalar(const redisReply* r) noexcept {
    return static_cast<std::uint64_t>(r->type) + static_cast<std::uint64_t>(r->integer) + r->len;
}

inline std::uint64_t read_like_a_program(const redisReply* r) noexcept {
    std::uint64_t sum = read_scalar(r);
    for (std::size_t i = 0; i < r->elements; ++i) sum += read_scalar(r->element[i]);
    return sum;
}
#endif

}  // namespace respcache::bench
