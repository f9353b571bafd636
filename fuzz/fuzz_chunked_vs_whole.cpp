// fuzz_chunked_vs_whole: the reader's output must not depend on how the bytes
// arrive. The input's first bytes choose the feeding; the rest is the RESP
// stream:
//
//   byte 0      bit 0: small limits (max_depth 8, ...); bits 1-3: k-1, the
//               number of chunk-size bytes that follow (1..8)
//   bytes 1..k  chunk sizes, used in turn: b < 224 gives (b % 32) + 1 bytes,
//               b >= 224 gives (b - 223) * 512 bytes
//
// The stream is decoded fed whole, fed in those chunks (alternating feed()
// and prepare()/commit()), and, when short, fed one byte at a time, each
// way taking replies with next() and again with take_all(). Every way must
// print the same decode-format lines and end in the same state: the same
// error code and offset, or the same unfinished-reply offset. next() fed
// whole is the reference: take_all's one-pass path must agree with the
// resumable parser.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache;

struct decoded {
    std::vector<std::string> lines;
    std::string ending;  // the decode format's last line, or "done"
};

enum class taking { next, take_all };

// Takes every complete reply out; false once the stream is malformed.
bool drain(resp::reader& reader, decoded& out, taking how) {
    if (how == taking::take_all) {
        const auto taken = reader.take_all([&](const resp::reply& value) {
            std::string line;
            resp::append_json(line, value);
            out.lines.push_back(std::move(line));
        });
        return taken.has_value();
    }
    for (;;) {
        auto next = reader.next();
        if (!next) return false;
        if (!next->has_value()) return true;
        std::string line;
        resp::append_json(line, **next);
        out.lines.push_back(std::move(line));
    }
}

void finish(const resp::reader& reader, decoded& out) {
    if (reader.failed()) {
        out.ending = "{\"protocol_error\":\"" +
                     std::string(resp::to_string(reader.failure().code)) +
                     "\",\"offset\":" + std::to_string(reader.failure().offset) + "}";
    } else if (!reader.idle()) {
        out.ending = "{\"incomplete\":true,\"offset\":" + std::to_string(reader.reply_offset()) +
                     ",\"buffered\":" + std::to_string(reader.buffered()) + "}";
    } else {
        out.ending = "done";
    }
}

decoded whole(std::string_view stream, const resp::limits& bounds, taking how) {
    resp::reader reader(bounds);
    decoded out;
    reader.feed(stream);
    drain(reader, out, how);
    finish(reader, out);
    return out;
}

decoded chunked(std::string_view stream, const resp::limits& bounds,
                std::span<const std::size_t> sizes, taking how) {
    resp::reader reader(bounds);
    decoded out;
    std::size_t at = 0;
    for (std::size_t i = 0; at < stream.size(); ++i) {
        const std::size_t n = std::min(sizes[i % sizes.size()], stream.size() - at);
        const std::string_view part = stream.substr(at, n);
        if (i % 2 == 0) {
            reader.feed(part);
        } else {
            const std::span<char> space = reader.prepare(n);
            if (space.size() < n) std::abort();
            std::memcpy(space.data(), part.data(), n);
            reader.commit(n);
        }
        at += n;
        if (!drain(reader, out, how)) break;
    }
    finish(reader, out);
    return out;
}

void compare(const decoded& expected, const decoded& actual, const char* how) {
    if (expected.lines == actual.lines && expected.ending == actual.ending) return;
    std::fprintf(stderr, "fuzz_chunked_vs_whole: fed %s differs from fed whole\n", how);
    const std::size_t n = std::max(expected.lines.size(), actual.lines.size());
    for (std::size_t i = 0; i < n; ++i) {
        const char* e = i < expected.lines.size() ? expected.lines[i].c_str() : "(none)";
        const char* a = i < actual.lines.size() ? actual.lines[i].c_str() : "(none)";
        if (std::strcmp(e, a) != 0) {
            std::fprintf(stderr, "  line %zu\n    whole:   %.400s\n    %s: %.400s\n", i, e, how, a);
            break;
        }
    }
    std::fprintf(stderr, "  ending whole: %s\n  ending %s: %s\n", expected.ending.c_str(), how,
                 actual.ending.c_str());
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool small_limits = (data[0] & 1) != 0;
    const std::size_t k = ((data[0] >> 1) & 7) + 1;
    if (size < 1 + k) return 0;
    std::vector<std::size_t> sizes;
    for (std::size_t i = 1; i <= k; ++i) {
        const std::uint8_t b = data[i];
        sizes.push_back(b < 224 ? (b % 32) + 1 : static_cast<std::size_t>(b - 223) * 512);
    }
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1 + k, size - 1 - k);

    resp::limits bounds;
    if (small_limits) {
        bounds.max_depth = 8;
        bounds.max_bulk_length = 64;
        bounds.max_elements = 32;
        bounds.max_line_length = 48;
        bounds.max_nodes = 40;
    }

    const decoded reference = whole(stream, bounds, taking::next);
    compare(reference, whole(stream, bounds, taking::take_all), "whole to take_all");
    compare(reference, chunked(stream, bounds, sizes, taking::next), "in chunks");
    compare(reference, chunked(stream, bounds, sizes, taking::take_all), "in chunks to take_all");
    if (stream.size() <= 4096) {
        const std::size_t one[] = {1};
        compare(reference, chunked(stream, bounds, one, taking::next), "byte by byte");
        compare(reference, chunked(stream, bounds, one, taking::take_all),
                "byte by byte to take_all");
    }
    return 0;
}
