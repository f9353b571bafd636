// fuzz_connection_string: bytes into net::parse_connection_string.
//
// - Never crashes; every failure is error_kind::config with a message.
// - The password never shows: an error message stays the same when the
//   letters and digits of the password are changed, and to_string() of a
//   configuration does not depend on its password.
// - Round trip: when the input parses, parse(to_string(c)) succeeds and
//   equals c, except that the password reads "*****" (it prints masked);
//   printing that again gives the same text.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "respcache/net/connection_string.hpp"

namespace {

using namespace respcache;

[[noreturn]] void die(const char* what, std::string_view input, std::string_view detail) {
    std::fprintf(stderr,
                 "fuzz_connection_string: invariant broken: %s\ninput:  %.*s\ndetail: %.*s\n", what,
                 static_cast<int>(input.size()), input.data(), static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Option names (specs/connection-strings.md): their values may be shown.
bool known_option(std::string_view key, bool url) {
    static constexpr std::string_view names[] = {"password",
                                                 "user",
                                                 "defaultDatabase",
                                                 "name",
                                                 "ssl",
                                                 "sslHost",
                                                 "sslCaFile",
                                                 "sslCaPath",
                                                 "sslCert",
                                                 "sslKey",
                                                 "sslVerify",
                                                 "connectTimeout",
                                                 "syncTimeout",
                                                 "asyncTimeout",
                                                 "connectRetry",
                                                 "abortConnect",
                                                 "keepAlive",
                                                 "protocol",
                                                 "serviceName",
                                                 "ignoreUnknown",
                                                 "allowAdmin",
                                                 "channelPrefix",
                                                 "setlib",
                                                 "configChannel",
                                                 "tiebreaker",
                                                 "version",
                                                 "resolveDns",
                                                 "proxy",
                                                 "checkCertificateRevocation",
                                                 "configCheckSeconds",
                                                 "sslProtocols",
                                                 "tunnel",
                                                 "highIntegrity",
                                                 "highPriorityThreads",
                                                 "preserveAsyncOrder",
                                                 "responseTimeout",
                                                 "writeBuffer"};
    if (url && iequals(key, "db")) return true;
    for (auto name : names) {
        if (iequals(key, name)) return true;
    }
    return false;
}

// Swaps the case of the letters in [begin, end). Case changes neither whether
// a host, an IPv6 address, a percent-escape or an option name is valid, nor
// which option a key names; only text that a message quotes.
void swap_case(std::string& text, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end && i < text.size(); ++i) {
        char& c = text[i];
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        } else if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
}

// Items (tokens between ',' or query parameters between '&') from the first
// password item on: the password value, every item that is not a known
// option, and the values of known options may hold a piece of a password cut
// at a ',' or '&'. They are changed; option names and everything before the
// password are kept.
void perturb_items(std::string& text, std::size_t begin, std::size_t end, char separator,
                   bool url) {
    bool after_password = false;
    std::size_t start = begin;
    while (start <= end) {
        std::size_t stop = text.find(separator, start);
        if (stop == std::string::npos || stop > end) stop = end;
        const std::string_view item(text.data() + start, stop - start);
        const auto equals = item.find('=');
        const std::string_view key =
            equals == std::string_view::npos
                ? item
                : (url ? item.substr(0, equals) : trim(item.substr(0, equals)));
        if (equals != std::string_view::npos && equals > 0 && iequals(key, "password")) {
            after_password = true;
            swap_case(text, start + equals + 1, stop);
        } else if (after_password && !(equals != std::string_view::npos &&
                                       !trim(item).starts_with('=') && known_option(key, url))) {
            swap_case(text, start, stop);
        } else if (after_password) {
            // A known option after the password: its value may be a piece of
            // the password too, so no message may depend on it.
            swap_case(text, start + equals + 1, stop);
        }
        start = stop + 1;
    }
}

// A copy of `input` in which every character that may be a password's has
// another case: the parser must give the same error message for both.
std::string perturb_passwords(std::string_view input) {
    std::string text(input);
    // The parser trims the input, then takes it as a URL when it starts with
    // letter *(letter / digit / '+' / '-' / '.') "://".
    std::size_t first = 0;
    while (first < text.size() && is_space(text[first])) ++first;
    const auto scheme_end = text.find("://", first);
    bool url =
        scheme_end != std::string::npos && scheme_end > first &&
        ((text[first] >= 'a' && text[first] <= 'z') || (text[first] >= 'A' && text[first] <= 'Z'));
    for (std::size_t i = first; url && i < scheme_end; ++i) {
        const char c = text[i];
        url = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.';
    }
    if (!url) {
        perturb_items(text, 0, text.size(), ',', false);
        return text;
    }
    const std::string_view scheme(text.data() + first, scheme_end - first);
    const std::size_t rest = scheme_end + 3;
    const std::size_t authority_end = std::min(text.find_first_of("/?#", rest), text.size());
    // User info: [user:]password@ before the host.
    const auto at = text.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
    if (at != std::string::npos && at >= rest) {
        const auto colon = text.find(':', rest);
        swap_case(text, (colon != std::string::npos && colon < at) ? colon + 1 : rest, at);
    }
    // An '@' after the host: a password with a raw '/', '?' or '#' is cut there.
    const auto last_at = text.rfind('@');
    if (!iequals(scheme, "unix") && last_at != std::string::npos && last_at >= authority_end) {
        swap_case(text, rest, last_at);
    }
    const auto query = text.find('?', authority_end);
    if (query != std::string::npos) perturb_items(text, query + 1, text.size(), '&', true);
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 4096) return 0;  // connection strings are short
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    auto first = net::parse_connection_string(input);
    if (!first) {
        const error& e = first.error_value();
        if (e.kind != error_kind::config) die("error kind is not config", input, e.message);
        if (e.message.empty()) die("empty error message", input, "");
        const std::string other = perturb_passwords(input);
        if (other != input) {
            auto again = net::parse_connection_string(other);
            if (again) die("changing the password made the input valid", input, other);
            if (again.error_value().message != e.message) {
                die("the error message depends on the password", input,
                    e.message + "\n   vs: " + again.error_value().message);
            }
        }
        return 0;
    }

    net::connection_options expected = *first;
    if (!expected.password.empty()) expected.password = "*****";
    const std::string printed = net::to_string(*first);
    if (net::to_string(expected) != printed)
        die("to_string depends on the password", input, printed);

    auto second = net::parse_connection_string(printed);
    if (!second)
        die("the printed configuration does not parse", input,
            printed + "\n" + second.error_value().message);
    if (!(*second == expected)) {
        die("the round trip changed the configuration", input,
            printed + "\n   -> " + net::to_string(*second));
    }
    if (net::to_string(*second) != printed) die("printing is not stable", input, printed);
    return 0;
}
