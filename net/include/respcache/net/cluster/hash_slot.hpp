#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace respcache::net::cluster {

inline constexpr std::uint16_t slot_count = 16384;

namespace detail {

// CRC16-CCITT (XModem: polynomial 0x1021, initial value 0), the checksum the
// cluster specification names, one table entry per byte value.
constexpr std::array<std::uint16_t, 256> make_crc16_table() {
    std::array<std::uint16_t, 256> table{};
    for (unsigned byte = 0; byte < 256; ++byte) {
        auto crc = static_cast<std::uint16_t>(byte << 8);
        for (int bit = 0; bit < 8; ++bit)
            crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
        table[byte] = crc;
    }
    return table;
}
inline constexpr std::array<std::uint16_t, 256> crc16_table = make_crc16_table();

}  // namespace detail

constexpr std::uint16_t crc16(std::string_view bytes) noexcept {
    std::uint16_t crc = 0;
    for (char c : bytes)
        crc = static_cast<std::uint16_t>(
            (crc << 8) ^ detail::crc16_table[((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xFF]);
    return crc;
}

// The part of a key that is hashed: the text between the first '{' and the
// next '}' when that text is not empty, otherwise the whole key.
constexpr std::string_view hash_tag(std::string_view key) noexcept {
    const auto open = key.find('{');
    if (open == std::string_view::npos) return key;
    const auto close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

// The slot (0..16383) a key belongs to. One pass over a key without '{' (the
// usual key: its checksum is the whole key's); the tag rule otherwise.
constexpr std::uint16_t hash_slot(std::string_view key) noexcept {
    std::uint16_t crc = 0;
    for (char c : key) {
        if (c == '{') return static_cast<std::uint16_t>(crc16(hash_tag(key)) & (slot_count - 1));
        crc = static_cast<std::uint16_t>(
            (crc << 8) ^ detail::crc16_table[((crc >> 8) ^ static_cast<unsigned char>(c)) & 0xFF]);
    }
    return static_cast<std::uint16_t>(crc & (slot_count - 1));
}

}  // namespace respcache::net::cluster
