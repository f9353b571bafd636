#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
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

// append_command(out, "SET", key, value) — each argument is a string (or
// anything convertible to std::string_view), a byte span, an integer or a
// double.
template <class... Args>
void append_command(std::string& out, const Args&... args) {
    append_array_header(out, sizeof...(Args));
    (append_blob(out, args), ...);
}

// A command whose argument count is known only at run time.
inline void append_command(std::string& out, std::span<const std::string_view> args) {
    append_array_header(out, args.size());
    for (std::string_view arg : args) append_blob(out, arg);
}

}  // namespace respcache::resp
