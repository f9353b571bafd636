#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace respcache::resp {

// Commands go to the server as arrays of blob strings. These functions append
// to a caller-owned buffer: once it has grown to the working size, encoding
// allocates nothing.

inline void append_array_header(std::string& out, std::size_t count) {
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, count);
    out.push_back('*');
    out.append(digits, static_cast<std::size_t>(r.ptr - digits));
    out.append("\r\n", 2);
}

inline void append_blob(std::string& out, std::string_view bytes) {
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, bytes.size());
    out.push_back('$');
    out.append(digits, static_cast<std::size_t>(r.ptr - digits));
    out.append("\r\n", 2);
    out.append(bytes);
    out.append("\r\n", 2);
}

inline void append_blob(std::string& out, std::span<const std::byte> bytes) {
    append_blob(out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

inline void append_blob(std::string& out, std::span<const unsigned char> bytes) {
    append_blob(out, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

template <std::integral Integer>
requires(!std::same_as<Integer, bool> &&
         !std::same_as<Integer, char>) inline void append_blob(std::string& out, Integer value) {
    char digits[24];
    const auto r = std::to_chars(digits, digits + sizeof digits, value);
    append_blob(out, std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
}

// A double in the shortest form that reads back to the same value.
inline void append_blob(std::string& out, double value) {
    char digits[32];
    const auto r = std::to_chars(digits, digits + sizeof digits, value);
    append_blob(out, std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
}

namespace detail {

// One argument as bytes: numbers are formatted into `digits` first.
struct command_piece {
    std::string_view text;
    char digits[32];
};

inline void to_piece(command_piece& p, std::string_view bytes) {
    p.text = bytes;
}
inline void to_piece(command_piece& p, std::span<const std::byte> bytes) {
    p.text = std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}
inline void to_piece(command_piece& p, std::span<const unsigned char> bytes) {
    p.text = std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}
template <std::integral Integer>
requires(!std::same_as<Integer, bool> &&
         !std::same_as<Integer, char>) inline void to_piece(command_piece& p, Integer value) {
    const auto r = std::to_chars(p.digits, p.digits + sizeof p.digits, value);
    p.text = std::string_view(p.digits, static_cast<std::size_t>(r.ptr - p.digits));
}
inline void to_piece(command_piece& p, double value) {
    const auto r = std::to_chars(p.digits, p.digits + sizeof p.digits, value);
    p.text = std::string_view(p.digits, static_cast<std::size_t>(r.ptr - p.digits));
}

inline std::size_t decimal_length(std::size_t n) noexcept {
    std::size_t length = 1;
    while (n >= 10) {
        n /= 10;
        ++length;
    }
    return length;
}

inline char* write_decimal(char* at, std::size_t n, std::size_t length) noexcept {
    for (std::size_t i = length; i-- > 0; n /= 10) at[i] = static_cast<char>('0' + n % 10);
    return at + length;
}

// Grows `out` once, then writes the whole command with plain copies.
inline void append_pieces(std::string& out, const command_piece* pieces, std::size_t count) {
    std::size_t lengths[64];
    const bool cache = count <= 64;
    const std::size_t count_length = decimal_length(count);
    std::size_t total = 1 + count_length + 2;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t l = decimal_length(pieces[i].text.size());
        if (cache) lengths[i] = l;
        total += 1 + l + 2 + pieces[i].text.size() + 2;
    }
    const std::size_t old = out.size();
    out.resize(old + total);
    char* at = out.data() + old;
    *at++ = '*';
    at = write_decimal(at, count, count_length);
    *at++ = '\r';
    *at++ = '\n';
    for (std::size_t i = 0; i < count; ++i) {
        const std::string_view text = pieces[i].text;
        *at++ = '$';
        at = write_decimal(at, text.size(), cache ? lengths[i] : decimal_length(text.size()));
        *at++ = '\r';
        *at++ = '\n';
        if (!text.empty()) std::memcpy(at, text.data(), text.size());
        at += text.size();
        *at++ = '\r';
        *at++ = '\n';
    }
}

}  // namespace detail

// append_command(out, "SET", key, value) — each argument is a string (or
// anything convertible to std::string_view), a byte span, an integer or a
// double.
template <class... Args>
void append_command(std::string& out, const Args&... args) {
    detail::command_piece pieces[sizeof...(Args) > 0 ? sizeof...(Args) : 1];
    std::size_t i = 0;
    (detail::to_piece(pieces[i++], args), ...);
    detail::append_pieces(out, pieces, sizeof...(Args));
}

// A command whose argument count is known only at run time.
inline void append_command(std::string& out, std::span<const std::string_view> args) {
    append_array_header(out, args.size());
    for (std::string_view arg : args) append_blob(out, arg);
}

}  // namespace respcache::resp
