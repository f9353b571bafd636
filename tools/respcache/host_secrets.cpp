#include "host_secrets.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "respcache/net/connection_string.hpp"

namespace respcache::tools {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";

bool is_unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (is_unreserved(c)) {
            out += c;
            continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        out += '%';
        out += hex_digits[byte >> 4];
        out += hex_digits[byte & 0xF];
    }
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

// A StackExchange.Redis option value ends at ',' and is trimmed.
bool fits_option_value(std::string_view value) {
    return value.find(',') == std::string_view::npos &&
           (value.empty() || (!is_space(value.front()) && !is_space(value.back())));
}

}  // namespace

result<std::string> generate_password() {
    unsigned char bytes[16];
    std::size_t filled = 0;
    while (filled < sizeof bytes) {
        const ssize_t n = ::getrandom(bytes + filled, sizeof bytes - filled, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            return error{error_kind::io, std::string("cannot generate a password: getrandom: ") +
                                             std::strerror(n < 0 ? errno : EIO) +
                                             " (give one with --password)"};
        filled += static_cast<std::size_t>(n);
    }
    std::string password;
    for (const unsigned char b : bytes) {
        password += static_cast<char>(hex_digits[b >> 4] | 0x20);  // lower case
        password += static_cast<char>(hex_digits[b & 0xF] | 0x20);
    }
    return password;
}

std::string requirepass_line(std::string_view password) {
    std::string line = "requirepass \"";
    for (const char c : password) {
        const auto byte = static_cast<unsigned char>(c);
        line += "\\x";
        line += hex_digits[byte >> 4];
        line += hex_digits[byte & 0xF];
    }
    return line + "\"\n";
}

result<std::string> local_connection_string(std::uint16_t port, std::string_view password,
                                            std::string_view ca_file) {
    const std::string address = "127.0.0.1:" + std::to_string(port);
    std::string text;
    if (fits_option_value(password) && fits_option_value(ca_file)) {
        text = address;
        if (!password.empty()) text += ",password=" + std::string(password);
        if (!ca_file.empty()) text += ",ssl=true,sslCaFile=" + std::string(ca_file);
    } else {
        text = ca_file.empty() ? "redis://" : "rediss://";
        if (!password.empty()) text += ":" + percent_encode(password) + "@";
        text += address;
        if (!ca_file.empty()) text += "?sslCaFile=" + percent_encode(ca_file);
    }
    // What a client will read back must be what the server was given.
    auto parsed = net::parse_connection_string(text);
    if (!parsed || parsed->password != password || parsed->ssl_ca_file != ca_file)
        return error{error_kind::config,
                     "the password cannot be written in a connection string; choose another"};
    return text;
}

}  // namespace respcache::tools
