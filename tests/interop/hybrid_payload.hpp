#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace respcache::testing {

// The frame HybridCache (Microsoft.Extensions.Caching.Hybrid) stores as the
// data of its second-level entry, as its source documents it
// (Internal/HybridCachePayload.cs, "FORMAT (v1)" and "(v2)"): 0x03 and the
// version byte, 2 bytes of entropy, the creation time in UTC ticks (int64
// little-endian), then 7-bit varints: flags, payload size, duration in ticks,
// (v2 with flag 1: local size), tag count; the key and each tag as varint
// length + UTF-8; the payload; the first two bytes again. Nothing may follow.
struct hybrid_payload {
    int version = 0;
    std::int64_t creation_ticks = 0;
    std::uint64_t duration_ticks = 0;
    std::string key;
    std::vector<std::string> tags;
    std::string payload;
};

namespace detail {

inline bool read_varint(std::string_view& in, std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
        const auto byte = static_cast<std::uint8_t>(in.front());
        in.remove_prefix(1);
        value |= std::uint64_t(byte & 0x7F) << shift;
        if (!(byte & 0x80)) return true;
    }
    return false;
}

inline bool read_text(std::string_view& in, std::string& out) {
    std::uint64_t length = 0;
    if (!read_varint(in, length) || length > in.size()) return false;
    out.assign(in.substr(0, length));
    in.remove_prefix(length);
    return true;
}

}  // namespace detail

// nullopt: not such a frame (any other bytes, or a malformed one).
inline std::optional<hybrid_payload> parse_hybrid_payload(std::string_view bytes) {
    if (bytes.size() < 19 || bytes[0] != 0x03 || (bytes[1] != 0x01 && bytes[1] != 0x02))
        return std::nullopt;
    hybrid_payload p;
    p.version = bytes[1];
    for (int i = 7; i >= 0; --i)
        p.creation_ticks = p.creation_ticks << 8 | static_cast<std::uint8_t>(bytes[4 + i]);
    std::string_view in = bytes.substr(12);
    std::uint64_t flags = 0, size = 0, local_size = 0, tag_count = 0;
    if (!detail::read_varint(in, flags) || !detail::read_varint(in, size) ||
        !detail::read_varint(in, p.duration_ticks))
        return std::nullopt;
    if ((flags & 1) && !detail::read_varint(in, local_size)) return std::nullopt;
    if (!detail::read_varint(in, tag_count) || !detail::read_text(in, p.key)) return std::nullopt;
    for (std::uint64_t i = 0; i < tag_count; ++i) {
        std::string tag;
        if (!detail::read_text(in, tag)) return std::nullopt;
        p.tags.push_back(std::move(tag));
    }
    if (in.size() != size + 2 || in.substr(size) != bytes.substr(0, 2)) return std::nullopt;
    p.payload.assign(in.substr(0, size));
    return p;
}

}  // namespace respcache::testing
