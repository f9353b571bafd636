// The reply shapes every parse benchmark and the instruction-count driver use,
// so that respcache and hiredis see byte-identical input.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#ifdef RESPCACHE_BENCH_HIREDIS
#include <hiredis/hiredis.h>
#endif

namespace respcache::bench {

namespace {

struct shape {
    std::string_view name;
    std::size_t batch;  // replies per benchmark iteration
};

// Batches of 64..1000 replies; the biggest shapes get the smallest batches.
constexpr shape all_shapes[] = {
    {"ok", 1000},     {"int", 1000},  {"bulk16", 1000}, {"bulk1k", 64},
    {"array100", 64}, {"hmget", 256}, {"hello3", 256},  {"push", 1000},
};

constexpr std::string_view all_names[] = {"ok",       "int",   "bulk16", "bulk1k",
                                          "array100", "hmget", "hello3", "push"};

std::string bulk(std::string_view bytes) {
    std::string out = "$" + std::to_string(bytes.size()) + "\r\n";
    out.append(bytes);
    out.append("\r\n");
    return out;
}

// Printable filler of a given length, deterministic.
std::string filler(std::size_t n) {
    std::string out(n, 'x');
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + i % 26);
    return out;
}

}  // namespace

std::span<const std::string_view> shape_names() {
    return all_names;
}

std::size_t shape_batch(std::string_view name) {
    for (const shape& s : all_shapes)
        if (s.name == name) return s.batch;
    return 0;
}

// One reply of the named shape; empty for an unknown name.
std::string shape_reply(std::string_view name) {
    if (name == "ok") return "+OK\r\n";
    if (name == "int") return ":1234567\r\n";
    if (name == "bulk16") return bulk(filler(16));
    if (name == "bulk1k") return bulk(filler(1024));
    if (name == "array100") {
        std::string out = "*100\r\n";
        for (int i = 0; i < 100; ++i) out += bulk("v" + std::to_string(1000000 + i));
        return out;
    }
    if (name == "hmget") {
        // HMGET key absexp sldexp data of a distributed-cache entry: absolute
        // expiration in .NET ticks, a 20-minute sliding window in ticks, and a
        // 100-byte payload.
        return "*3\r\n" + bulk("638712345678901234") + bulk("12000000000") + bulk(filler(100));
    }
    if (name == "hello3") {
        // The RESP3 map a HELLO 3 answers with (what every connection reads once).
        return "%7\r\n" + bulk("server") + bulk("redis") + bulk("version") + bulk("7.0.15") +
               bulk("proto") + ":3\r\n" + bulk("id") + ":5\r\n" + bulk("mode") +
               bulk("standalone") + bulk("role") + bulk("master") + bulk("modules") + "*0\r\n";
    }
    if (name == "push") {
        // A RESP3 pub/sub message: channel and a 16-byte payload.
        return ">3\r\n" + bulk("message") + bulk("news") + bulk(filler(16));
    }
    return {};
}

// hiredis before 1.0 reads RESP2 only.
bool hiredis_reads(std::string_view name) {
#if defined(RESPCACHE_BENCH_HIREDIS) && HIREDIS_MAJOR < 1
    return name != "hello3" && name != "push";
#else
    (void)name;
    return true;
#endif
}

// `shape_batch(name)` replies of the shape, back to back.
std::string shape_stream(std::string_view name) {
    const std::string one = shape_reply(name);
    std::string out;
    const std::size_t n = shape_batch(name);
    out.reserve(one.size() * n);
    for (std::size_t i = 0; i < n; ++i) out += one;
    return out;
}

}  // namespace respcache::bench
