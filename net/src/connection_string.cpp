#include "respcache/net/connection_string.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace respcache::net {
namespace {

constexpr std::string_view whitespace = " \t\r\n\f\v";
constexpr std::string_view masked_password = "*****";
constexpr std::size_t max_quoted_length = 64;
constexpr std::size_t max_socket_path = sizeof(sockaddr_un{}.sun_path) - 1;

// Why the text of a token is not in a message.
constexpr std::string_view redaction_note =
    "; it is not shown because it follows the password and may be part of it (a password "
    "containing ',' or '&' must be percent-encoded in the URL form: redis://:pass%2Cword@host)";

bool is_space(char c) {
    return c != '\0' && whitespace.find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// URL "unreserved" characters (RFC 3986): never percent-encoded when printing.
bool is_unreserved(char c) {
    return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Text for a message: quoted, bytes that are not printable ASCII as \xNN,
// long text shortened.
std::string quote(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = "'";
    std::size_t shown = 0;
    for (char ch : s) {
        if (shown == max_quoted_length) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
            out += ch;
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
        ++shown;
    }
    out += '\'';
    return out;
}

error config_error(std::string_view message) {
    std::string text = "connection string: ";
    text += message;
    return error{error_kind::config, std::move(text)};
}

std::optional<std::string> percent_decode(std::string_view s) {
    auto hex_value = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        const int high = hex_value(s[i + 1]);
        const int low = hex_value(s[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

std::string percent_encode(std::string_view s, bool keep_slash) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : s) {
        if (is_unreserved(ch) || (keep_slash && ch == '/')) {
            out += ch;
        } else {
            const auto c = static_cast<unsigned char>(ch);
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

enum class number_status { ok, not_a_number, out_of_range };

struct number {
    number_status status = number_status::not_a_number;
    long long value = 0;
};

// An optional sign, then decimal digits and nothing else.
number parse_integer(std::string_view s) {
    bool negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty()) return {};
    for (char c : s) {
        if (!is_digit(c)) return {};
    }
    unsigned long long magnitude = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude);
    if (ec == std::errc::result_out_of_range ||
        magnitude > static_cast<unsigned long long>(LLONG_MAX)) {
        return {number_status::out_of_range, 0};
    }
    if (ec != std::errc{} || end != s.data() + s.size()) return {};
    const auto value = static_cast<long long>(magnitude);
    return {number_status::ok, negative ? -value : value};
}

// The booleans StackExchange.Redis accepts.
std::optional<bool> parse_boolean(std::string_view s) {
    if (iequals(s, "true") || iequals(s, "yes") || iequals(s, "on") || s == "1") return true;
    if (iequals(s, "false") || iequals(s, "no") || iequals(s, "off") || s == "0") return false;
    return std::nullopt;
}

bool valid_host_name(std::string_view h) {
    if (h.empty() || h.size() > 253) return false;
    for (char c : h) {
        if (!is_alnum(c) && c != '-' && c != '.' && c != '_') return false;
    }
    return true;
}

// An IPv6 address, optionally with a zone: fe80::1%eth0.
bool valid_ipv6(std::string_view a) {
    const auto percent = a.find('%');
    if (percent != std::string_view::npos) {
        const auto zone = a.substr(percent + 1);
        if (zone.empty() || zone.size() > 64) return false;
        for (char c : zone) {
            if (!is_alnum(c) && c != '-' && c != '.' && c != '_') return false;
        }
        a = a.substr(0, percent);
    }
    if (a.size() < 2 || a.size() > 45 || a.find(':') == std::string_view::npos) return false;
    // Checked here too: inet_pton would stop at an embedded NUL.
    for (char c : a) {
        const bool hex = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex && c != ':' && c != '.') return false;
    }
    const std::string address(a);
    in6_addr parsed{};
    return inet_pton(AF_INET6, address.c_str(), &parsed) == 1;
}

// Empty when the path can be a Unix-domain socket address, else the reason.
std::string_view socket_path_problem(std::string_view path) {
    if (path.empty()) return "the socket path is empty";
    if (path.find('\0') != std::string_view::npos) return "the socket path contains a NUL byte";
    if (path.size() > max_socket_path) return "the socket path is too long for a Unix socket";
    return {};
}

struct parsed_endpoint {
    endpoint value;
    std::string_view problem;  // empty: value is valid
    bool port_given = false;   // false: the default port, which depends on ssl
};

parsed_endpoint endpoint_problem(std::string_view problem) {
    return {endpoint{}, problem};
}

// host[:port] or [ipv6][:port]. URLs percent-decode the host and need
// brackets around IPv6; the StackExchange syntax also takes a bare IPv6
// address (without a port), as StackExchange.Redis does.
parsed_endpoint parse_host_port(std::string_view text, bool url) {
    if (text.empty()) return endpoint_problem("the host is empty");
    std::string_view host_text;
    std::optional<std::string_view> port_text;
    bool bracketed = false;
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return endpoint_problem("'[' has no matching ']'");
        host_text = text.substr(1, close - 1);
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return endpoint_problem("unexpected text after ']'");
            port_text = rest.substr(1);
        }
        bracketed = true;
    } else {
        const auto first = text.find(':');
        const auto last = text.rfind(':');
        if (first == std::string_view::npos) {
            host_text = text;
        } else if (first == last) {
            host_text = text.substr(0, first);
            port_text = text.substr(first + 1);
        } else if (url) {
            return endpoint_problem("an IPv6 address in a URL must be in brackets: [address]:port");
        } else {
            host_text = text;  // IPv6 without brackets and without a port
            bracketed = true;
        }
    }

    std::string host(host_text);
    if (url && host.find('%') != std::string::npos) {
        auto decoded = percent_decode(host_text);
        if (!decoded) return endpoint_problem("the host has a bad percent-escape");
        host = std::move(*decoded);
    }
    if (host.empty()) return endpoint_problem("the host is empty");
    if (bracketed) {
        if (!valid_ipv6(host)) return endpoint_problem("not an IPv6 address");
    } else if (!valid_host_name(host)) {
        if (!url && host.front() == '/') {
            return endpoint_problem("not a host name (a Unix socket is written !/path/to/socket)");
        }
        return endpoint_problem("not a host name or address");
    }

    std::uint16_t port = default_port;
    if (port_text) {
        if (port_text->empty()) return endpoint_problem("no port after ':'");
        for (char c : *port_text) {
            if (!is_digit(c)) return endpoint_problem("the port is not a number");
        }
        const number n = parse_integer(*port_text);
        if (n.status != number_status::ok || n.value < 1 || n.value > 65535) {
            return endpoint_problem("the port is out of range (1-65535)");
        }
        port = static_cast<std::uint16_t>(n.value);
    }
    return {endpoint::tcp(std::move(host), port), {}, port_text.has_value()};
}

// Azure Cache for Redis, in the public and the sovereign clouds: there
// StackExchange.Redis defaults to abortConnect=false, and so do we.
bool is_azure_host(std::string_view host) {
    static constexpr std::string_view suffixes[] = {
        ".redis.cache.windows.net", ".redis.cache.chinacloudapi.cn",
        ".redis.cache.usgovcloudapi.net", ".redis.cache.cloudapi.de"};
    for (auto suffix : suffixes) {
        if (host.size() > suffix.size() &&
            iequals(host.substr(host.size() - suffix.size()), suffix))
            return true;
    }
    return false;
}

bool default_abort_connect(const std::vector<endpoint>& endpoints) {
    for (const auto& e : endpoints) {
        if (!e.is_unix_socket && is_azure_host(e.host)) return false;
    }
    return true;
}

// sslProtocols: tls12, tls13, or both separated by '|'.
std::optional<std::uint8_t> parse_tls_versions(std::string_view text) {
    std::uint8_t versions = 0;
    for (;;) {
        const auto bar = text.find('|');
        const auto name = trim(text.substr(0, bar));
        if (iequals(name, "tls12")) {
            versions |= tls12;
        } else if (iequals(name, "tls13")) {
            versions |= tls13;
        } else {
            return std::nullopt;
        }
        if (bar == std::string_view::npos) return versions;
        text.remove_prefix(bar + 1);
    }
}

std::string print_tls_versions(std::uint8_t versions) {
    if (versions == tls12) return "tls12";
    if (versions == tls13) return "tls13";
    return "tls12|tls13";
}

enum class option_id {
    password,
    user,
    database,
    client_name,
    ssl,
    ssl_host,
    ssl_protocols,
    ssl_ca_file,
    ssl_ca_path,
    ssl_cert,
    ssl_key,
    ssl_verify,
    connect_timeout,
    sync_timeout,
    async_timeout,
    connect_retry,
    abort_connect,
    keep_alive,
    protocol,
    service_name,
    ignore_unknown,
    allow_admin,
    channel_prefix,
    set_client_library,
    ignored,  // accepted for compatibility with StackExchange.Redis, no effect
};

struct option_name {
    std::string_view name;
    option_id id;
    bool url_only = false;
};

constexpr option_name option_names[] = {
    {"password", option_id::password},
    {"user", option_id::user},
    {"defaultDatabase", option_id::database},
    {"db", option_id::database, true},
    {"name", option_id::client_name},
    {"ssl", option_id::ssl},
    {"sslHost", option_id::ssl_host},
    {"sslProtocols", option_id::ssl_protocols},
    {"sslCaFile", option_id::ssl_ca_file},
    {"sslCaPath", option_id::ssl_ca_path},
    {"sslCert", option_id::ssl_cert},
    {"sslKey", option_id::ssl_key},
    {"sslVerify", option_id::ssl_verify},
    {"connectTimeout", option_id::connect_timeout},
    {"syncTimeout", option_id::sync_timeout},
    {"asyncTimeout", option_id::async_timeout},
    {"connectRetry", option_id::connect_retry},
    {"abortConnect", option_id::abort_connect},
    {"keepAlive", option_id::keep_alive},
    {"protocol", option_id::protocol},
    {"serviceName", option_id::service_name},
    {"ignoreUnknown", option_id::ignore_unknown},
    {"allowAdmin", option_id::allow_admin},
    {"channelPrefix", option_id::channel_prefix},
    {"setlib", option_id::set_client_library},
    {"configChannel", option_id::ignored},
    {"tiebreaker", option_id::ignored},
    {"version", option_id::ignored},
    {"resolveDns", option_id::ignored},
    {"proxy", option_id::ignored},
    {"checkCertificateRevocation", option_id::ignored},
    {"configCheckSeconds", option_id::ignored},
    {"tunnel", option_id::ignored},
    {"highIntegrity", option_id::ignored},
    // Obsolete StackExchange.Redis options it still accepts and ignores.
    {"highPriorityThreads", option_id::ignored},
    {"preserveAsyncOrder", option_id::ignored},
    {"responseTimeout", option_id::ignored},
    {"writeBuffer", option_id::ignored},
};

std::optional<option_id> find_option(std::string_view key, bool url) {
    for (const auto& o : option_names) {
        if ((url || !o.url_only) && iequals(key, o.name)) return o.id;
    }
    return std::nullopt;
}

class parser {
  public:
    explicit parser(bool url) : url_(url) {}

    connection_options& options() { return options_; }

    // "token 3" or "query parameter 3": how a redacted item is named.
    std::string position_name(std::size_t position) const {
        return (url_ ? "query parameter " : "token ") + std::to_string(position);
    }

    // The item at `position` comes after a password item, so when it is
    // malformed it may be a piece of a password cut at a ',' or '&'.
    bool redact(std::size_t position) const {
        return password_position_ != 0 && position > password_position_;
    }

    // Sets ignore_unknown before the other options, so that its place in the
    // string does not matter.
    result<void> preset_ignore_unknown(std::string_view key, std::string_view value,
                                       std::size_t position) {
        if (!iequals(key, "ignoreUnknown")) return {};
        return apply(key, value, position);
    }

    // Applies one option. When it comes after the password its value may be
    // a piece of the password, so an error names the option, never the value.
    result<void> apply(std::string_view key, std::string_view value, std::size_t position) {
        auto applied = apply_value(key, value, position);
        if (applied || !redact(position) || !find_option(key, url_)) return applied;
        return config_error("option " + quote(key) + " (" + position_name(position) +
                            ") has a value it cannot take" + std::string(redaction_note));
    }

    result<void> apply_value(std::string_view key, std::string_view value, std::size_t position) {
        const auto id = find_option(key, url_);
        if (!id) {
            if (options_.ignore_unknown) return {};
            if (redact(position)) {
                return config_error(position_name(position) + " is an unknown option" +
                                    std::string(redaction_note));
            }
            return config_error("unknown option " + quote(key) +
                                " (set ignoreUnknown=true to ignore unknown options)");
        }
        switch (*id) {
            case option_id::password:
                options_.password = std::string(value);
                note_password(position);
                return {};
            case option_id::user:
                for (char c : value) {
                    if (c == '\0' || is_space(c)) {
                        return config_error("option " + quote(key) +
                                            " contains white space or a NUL byte");
                    }
                }
                options_.user = std::string(value);
                return {};
            case option_id::database: {
                const number n = parse_integer(value);
                if (n.status == number_status::ok && n.value < 0) {
                    return config_error("option " + quote(key) + " is negative (" + quote(value) +
                                        "): databases are numbered from 0");
                }
                if (n.status != number_status::ok || n.value > INT_MAX) {
                    return config_error("option " + quote(key) +
                                        " needs a database number from 0 to 2147483647, not " +
                                        quote(value));
                }
                options_.database = static_cast<int>(n.value);
                return {};
            }
            case option_id::client_name:
                for (char c : value) {
                    if (c < '!' || c > '~') {
                        return config_error("option " + quote(key) +
                                            " may contain only printable ASCII without spaces, "
                                            "not " +
                                            quote(value));
                    }
                }
                options_.client_name = std::string(value);
                return {};
            case option_id::ssl:
                return read_boolean(key, value, options_.ssl);
            case option_id::ssl_host:
                if (!value.empty() && !valid_host_name(value) && !valid_ipv6(value)) {
                    return config_error("option " + quote(key) +
                                        " is not a host name: " + quote(value));
                }
                options_.ssl_host = std::string(value);
                return {};
            case option_id::ssl_protocols: {
                const auto versions = parse_tls_versions(value);
                if (!versions) {
                    return config_error("option " + quote(key) +
                                        " needs tls12, tls13 or tls12|tls13, not " + quote(value));
                }
                options_.ssl_protocols = *versions;
                return {};
            }
            case option_id::ssl_ca_file:
                return read_path(key, value, options_.ssl_ca_file);
            case option_id::ssl_ca_path:
                return read_path(key, value, options_.ssl_ca_path);
            case option_id::ssl_cert:
                return read_path(key, value, options_.ssl_cert);
            case option_id::ssl_key:
                return read_path(key, value, options_.ssl_key);
            case option_id::ssl_verify:
                if (iequals(value, "full")) {
                    options_.ssl_verify = tls_verify::full;
                } else if (iequals(value, "ca")) {
                    options_.ssl_verify = tls_verify::ca;
                } else if (iequals(value, "none")) {
                    options_.ssl_verify = tls_verify::none;
                } else {
                    return config_error("option " + quote(key) + " needs full, ca or none, not " +
                                        quote(value));
                }
                return {};
            case option_id::connect_timeout:
                return read_milliseconds(key, value, options_.connect_timeout);
            case option_id::sync_timeout:
                return read_milliseconds(key, value, options_.sync_timeout);
            case option_id::async_timeout: {
                std::chrono::milliseconds ms{};
                auto r = read_milliseconds(key, value, ms);
                if (r) options_.async_timeout = ms;
                return r;
            }
            case option_id::connect_retry: {
                const number n = parse_integer(value);
                if (n.status != number_status::ok || n.value < 0 || n.value > INT_MAX) {
                    return config_error("option " + quote(key) +
                                        " needs a number of attempts from 0 to 2147483647, not " +
                                        quote(value));
                }
                options_.connect_retry = static_cast<int>(n.value);
                return {};
            }
            case option_id::abort_connect:
                abort_connect_given_ = true;
                return read_boolean(key, value, options_.abort_connect);
            case option_id::keep_alive: {
                // -1 is StackExchange.Redis's way of writing "the default".
                const number n = parse_integer(value);
                if (n.status != number_status::ok || n.value < -1 || n.value > INT_MAX) {
                    return config_error("option " + quote(key) +
                                        " needs a number of seconds from 0 to 2147483647, not " +
                                        quote(value));
                }
                options_.keep_alive = std::chrono::seconds(n.value == -1 ? 60 : n.value);
                return {};
            }
            case option_id::protocol:
                if (iequals(value, "resp3") || value == "3") {
                    options_.protocol = protocol_version::resp3;
                } else if (iequals(value, "resp2") || value == "2") {
                    options_.protocol = protocol_version::resp2;
                } else {
                    return config_error("option " + quote(key) + " needs resp3 or resp2, not " +
                                        quote(value));
                }
                return {};
            case option_id::service_name:
                options_.service_name = std::string(value);
                return {};
            case option_id::ignore_unknown:
                return read_boolean(key, value, options_.ignore_unknown);
            case option_id::allow_admin:
                return read_boolean(key, value, options_.allow_admin);
            case option_id::channel_prefix:
                options_.channel_prefix = std::string(value);
                return {};
            case option_id::set_client_library:
                return read_boolean(key, value, options_.set_client_library);
            case option_id::ignored:
                return {};
        }
        return {};
    }

    // Items after the first password item are described by position only.
    void note_password(std::size_t position) {
        if (password_position_ == 0) password_position_ = position;
    }

    void add_endpoint(endpoint e, bool port_given) {
        options_.endpoints.push_back(std::move(e));
        port_given_.push_back(port_given);
    }

    // Once every option is known: endpoints without a port get the TLS port
    // when ssl is on, duplicates go, and Azure hosts default to
    // abortConnect=false.
    connection_options finish() {
        std::vector<endpoint> unique;
        for (std::size_t i = 0; i < options_.endpoints.size(); ++i) {
            endpoint& e = options_.endpoints[i];
            if (options_.ssl && !port_given_[i] && !e.is_unix_socket) e.port = default_tls_port;
            bool seen = false;
            for (const auto& existing : unique) seen = seen || existing == e;
            if (!seen) unique.push_back(std::move(e));
        }
        options_.endpoints = std::move(unique);
        if (!abort_connect_given_)
            options_.abort_connect = default_abort_connect(options_.endpoints);
        return std::move(options_);
    }

  private:
    static result<void> read_boolean(std::string_view key, std::string_view value, bool& out) {
        const auto b = parse_boolean(value);
        if (!b) {
            return config_error("option " + quote(key) + " needs true or false, not " +
                                quote(value));
        }
        out = *b;
        return {};
    }

    static result<void> read_path(std::string_view key, std::string_view value, std::string& out) {
        if (value.find('\0') != std::string_view::npos)
            return config_error("option " + quote(key) + " contains a NUL byte");
        out = std::string(value);
        return {};
    }

    static result<void> read_milliseconds(std::string_view key, std::string_view value,
                                          std::chrono::milliseconds& out) {
        const number n = parse_integer(value);
        if (n.status != number_status::ok || n.value < 1 || n.value > INT_MAX) {
            return config_error("option " + quote(key) +
                                " needs a number of milliseconds from 1 to 2147483647, not " +
                                quote(value));
        }
        out = std::chrono::milliseconds(n.value);
        return {};
    }

    bool url_;
    std::size_t password_position_ = 0;
    bool abort_connect_given_ = false;
    std::vector<bool> port_given_;  // one per endpoint, before finish()
    connection_options options_;
};

std::vector<std::string_view> split(std::string_view s, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        const auto at = s.find(separator);
        parts.push_back(s.substr(0, at));
        if (at == std::string_view::npos) break;
        s.remove_prefix(at + 1);
    }
    return parts;
}

result<connection_options> no_endpoint() {
    return config_error("no endpoint (expected host[:port] before the options)");
}

// host:port,host2,option=value,...
result<connection_options> parse_stackexchange(std::string_view text) {
    parser p(false);
    const auto tokens = split(text, ',');

    // Where the password is, then ignoreUnknown, before the other options.
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const auto token = trim(tokens[i]);
        const auto equals = token.find('=');
        if (equals != std::string_view::npos && equals > 0 &&
            iequals(trim(token.substr(0, equals)), "password"))
            p.note_password(i + 1);
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const auto token = trim(tokens[i]);
        const auto equals = token.find('=');
        if (equals == std::string_view::npos || equals == 0) continue;
        auto r = p.preset_ignore_unknown(trim(token.substr(0, equals)),
                                         trim(token.substr(equals + 1)), i + 1);
        if (!r) return r.error_value();
    }

    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::size_t position = i + 1;
        const auto token = trim(tokens[i]);
        if (token.empty()) continue;
        const auto equals = token.find('=');
        if (equals == 0) {
            return config_error(p.position_name(position) +
                                " is an option with no name before '='");
        }
        if (equals != std::string_view::npos) {
            auto r =
                p.apply(trim(token.substr(0, equals)), trim(token.substr(equals + 1)), position);
            if (!r) return r.error_value();
            continue;
        }

        if (p.redact(position)) {
            return config_error(p.position_name(position) +
                                " is not an option, and endpoints come before the options" +
                                std::string(redaction_note));
        }
        parsed_endpoint parsed;
        if (token.front() == '!') {
            const auto path = token.substr(1);
            parsed.problem = socket_path_problem(path);
            if (parsed.problem.empty()) parsed.value = endpoint::unix_socket(std::string(path));
        } else {
            parsed = parse_host_port(token, false);
        }
        if (!parsed.problem.empty()) {
            return config_error("invalid endpoint " + quote(token) + ": " +
                                std::string(parsed.problem));
        }
        p.add_endpoint(std::move(parsed.value), parsed.port_given);
    }

    if (p.options().endpoints.empty()) return no_endpoint();
    return p.finish();
}

// redis://[[user:]password@]host[:port][/db][?option=value&...], rediss://...,
// unix://[[user:]password@]/path/to/socket[?option=value&...]
result<connection_options> parse_url(std::string_view text) {
    const auto scheme_end = text.find("://");
    const auto scheme = text.substr(0, scheme_end);
    const bool is_unix = iequals(scheme, "unix");
    const bool is_tls = iequals(scheme, "rediss");
    if (!is_unix && !is_tls && !iequals(scheme, "redis")) {
        return config_error("unsupported URL scheme " + quote(scheme) +
                            " (expected redis://, rediss:// or unix://)");
    }
    parser p(true);
    const auto rest = text.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?#");
    const auto authority = rest.substr(0, authority_end);
    const auto after_authority =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

    // An '@' after the host means a user name or password holds an unencoded
    // '/', '?' or '#', and then no part of the URL can be shown safely.
    if (!is_unix && after_authority.find('@') != std::string_view::npos) {
        return config_error(
            "the URL has an '@' after its host: percent-encode '/', '?', '#' and '@' in the "
            "user name and password, and '@' in option values (%2F, %3F, %23, %40)");
    }
    if (after_authority.find('#') != std::string_view::npos) {
        return config_error("the URL has a '#' fragment: percent-encode '#' as %23");
    }

    const auto query_start = after_authority.find('?');
    const auto path = after_authority.substr(0, query_start);
    const auto query = query_start == std::string_view::npos
                           ? std::string_view{}
                           : after_authority.substr(query_start + 1);

    const auto at = authority.rfind('@');
    const auto host_port = at == std::string_view::npos ? authority : authority.substr(at + 1);
    if (at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        const auto colon = userinfo.find(':');
        const auto user_text =
            colon == std::string_view::npos ? std::string_view{} : userinfo.substr(0, colon);
        const auto password_text =
            colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
        auto user = percent_decode(user_text);
        if (!user) return config_error("bad percent-escape in the user name of the URL");
        auto password = percent_decode(password_text);
        if (!password) return config_error("bad percent-escape in the password of the URL");
        for (char c : *user) {
            if (c == '\0' || is_space(c)) {
                return config_error("the user name in the URL contains white space or a NUL byte");
            }
        }
        p.options().user = std::move(*user);
        p.options().password = std::move(*password);
    }

    if (is_unix) {
        // Nothing from the authority is shown: it may hold a piece of a password.
        if (!host_port.empty()) {
            return config_error(
                "a unix:// URL names no host: write unix:///path/to/socket (a '/', '?' or '#' "
                "in a password must be percent-encoded)");
        }
        if (path.empty()) return config_error("a unix:// URL needs a socket path: unix:///path");
        auto decoded = percent_decode(path);
        if (!decoded) return config_error("bad percent-escape in the socket path " + quote(path));
        const auto problem = socket_path_problem(*decoded);
        if (!problem.empty()) return config_error(std::string(problem) + ": " + quote(*decoded));
        p.add_endpoint(endpoint::unix_socket(std::move(*decoded)), true);
    } else {
        if (host_port.empty()) return config_error("the URL names no host");
        if (host_port.find(',') != std::string_view::npos) {
            return config_error(
                "the host part of the URL contains ',': a URL has one host, and its options go "
                "in the query (?option=value&...)");
        }
        auto parsed = parse_host_port(host_port, true);
        if (!parsed.problem.empty()) {
            return config_error("invalid host or port " + quote(host_port) +
                                " in the URL: " + std::string(parsed.problem));
        }
        p.add_endpoint(std::move(parsed.value), parsed.port_given);
        p.options().ssl = is_tls;

        if (path.size() > 1) {
            const auto db = path.substr(1);
            const number n = parse_integer(db);
            if (n.status == number_status::ok && n.value < 0) {
                return config_error("the database " + quote(db) +
                                    " in the URL path is negative: databases are numbered from 0");
            }
            if (n.status != number_status::ok || n.value > INT_MAX || !is_digit(db.front())) {
                return config_error("the URL path " + quote(path) +
                                    " is not a database number (expected /0 to /2147483647)");
            }
            p.options().database = static_cast<int>(n.value);
        }
    }

    const auto parameters = split(query, '&');
    std::vector<std::optional<std::string>> values(parameters.size());
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        const std::size_t position = i + 1;
        const auto parameter = parameters[i];
        if (parameter.empty()) continue;
        const auto equals = parameter.find('=');
        const auto key = parameter.substr(0, equals);
        if (equals == 0) {
            return config_error(p.position_name(position) +
                                " is an option with no name before '='");
        }
        const bool secret = iequals(key, "password");
        if (equals == std::string_view::npos) {
            if (p.redact(position) || secret) {
                return config_error(p.position_name(position) + " has no '=' and no value" +
                                    std::string(redaction_note));
            }
            return config_error("query parameter " + quote(key) +
                                " has no value (write option=value)");
        }
        const auto raw_value = parameter.substr(equals + 1);
        values[i] = percent_decode(raw_value);
        if (!values[i]) {
            if (secret) return config_error("bad percent-escape in option 'password'");
            if (p.redact(position)) {
                return config_error("bad percent-escape in " + p.position_name(position) +
                                    std::string(redaction_note));
            }
            return config_error("bad percent-escape in option " + quote(key) + ": " +
                                quote(raw_value));
        }
        if (secret) p.note_password(position);
    }
    // Second pass, now that where the password is and ignoreUnknown are known.
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        if (!values[i]) continue;
        const auto key = parameters[i].substr(0, parameters[i].find('='));
        auto r = p.preset_ignore_unknown(key, *values[i], i + 1);
        if (!r) return r.error_value();
    }
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        if (!values[i]) continue;
        const auto key = parameters[i].substr(0, parameters[i].find('='));
        auto r = p.apply(key, *values[i], i + 1);
        if (!r) return r.error_value();
    }
    return p.finish();
}

bool looks_like_url(std::string_view text) {
    const auto end = text.find("://");
    if (end == std::string_view::npos || end == 0) return false;
    if (!((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= 'A' && text[0] <= 'Z'))) return false;
    for (char c : text.substr(0, end)) {
        if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return false;
    }
    return true;
}

// Can `value` be an option value in the StackExchange syntax and come back
// the same? Values are trimmed and end at a ','.
bool fits_stackexchange(std::string_view value) {
    return value.find(',') == std::string_view::npos &&
           (value.empty() || (!is_space(value.front()) && !is_space(value.back())));
}

bool endpoint_fits_stackexchange(const endpoint& e) {
    if (!e.is_unix_socket) {
        return fits_stackexchange(e.host) && e.host.find('=') == std::string::npos;
    }
    return !e.path.empty() && e.path.find(',') == std::string::npos &&
           e.path.find('=') == std::string::npos && !is_space(e.path.back());
}

// The options after the endpoints, user, password and database, in order:
// name and printed value of each that differs from its default.
template <class Emit>
void emit_common_options(const connection_options& o, Emit&& emit) {
    if (!o.client_name.empty()) emit("name", o.client_name);
    if (!o.ssl_host.empty()) emit("sslHost", o.ssl_host);
    if (o.ssl_protocols != tls12_and_13) emit("sslProtocols", print_tls_versions(o.ssl_protocols));
    if (!o.ssl_ca_file.empty()) emit("sslCaFile", o.ssl_ca_file);
    if (!o.ssl_ca_path.empty()) emit("sslCaPath", o.ssl_ca_path);
    if (!o.ssl_cert.empty()) emit("sslCert", o.ssl_cert);
    if (!o.ssl_key.empty()) emit("sslKey", o.ssl_key);
    if (o.ssl_verify != tls_verify::full) emit("sslVerify", std::string(to_string(o.ssl_verify)));
    if (o.connect_timeout != std::chrono::milliseconds(5000)) {
        emit("connectTimeout", std::to_string(o.connect_timeout.count()));
    }
    if (o.sync_timeout != std::chrono::milliseconds(5000)) {
        emit("syncTimeout", std::to_string(o.sync_timeout.count()));
    }
    if (o.async_timeout) emit("asyncTimeout", std::to_string(o.async_timeout->count()));
    if (o.connect_retry != 3) emit("connectRetry", std::to_string(o.connect_retry));
    if (o.abort_connect != default_abort_connect(o.endpoints))
        emit("abortConnect", o.abort_connect ? "true" : "false");
    if (o.keep_alive != std::chrono::seconds(60)) {
        emit("keepAlive", std::to_string(o.keep_alive.count()));
    }
    if (o.protocol != protocol_version::resp3) emit("protocol", std::string(to_string(o.protocol)));
    if (!o.service_name.empty()) emit("serviceName", o.service_name);
    if (o.allow_admin) emit("allowAdmin", "true");
    if (!o.channel_prefix.empty()) emit("channelPrefix", o.channel_prefix);
    if (!o.set_client_library) emit("setlib", "false");
    if (o.ignore_unknown) emit("ignoreUnknown", "true");
}

std::string print_stackexchange(const connection_options& o) {
    std::string out;
    auto emit = [&out](std::string_view name, std::string_view value) {
        if (!out.empty()) out += ',';
        out += name;
        out += '=';
        out += value;
    };
    for (const auto& e : o.endpoints) {
        if (!out.empty()) out += ',';
        out += to_string(e);
    }
    if (!o.user.empty()) emit("user", o.user);
    if (!o.password.empty()) emit("password", masked_password);
    if (o.database != 0) emit("defaultDatabase", std::to_string(o.database));
    if (o.ssl) emit("ssl", "true");
    emit_common_options(o, emit);
    return out;
}

std::string print_url(const connection_options& o) {
    const endpoint& e = o.endpoints.front();
    std::string out;
    std::string query;
    auto emit = [&query](std::string_view name, std::string_view value) {
        query += query.empty() ? '?' : '&';
        query += name;
        query += '=';
        query += percent_encode(value, false);
    };
    if (e.is_unix_socket) {
        out = "unix://";
        out += percent_encode(e.path, true);
        if (o.ssl) emit("ssl", "true");
        if (!o.user.empty()) emit("user", o.user);
        if (!o.password.empty()) {
            query += query.empty() ? '?' : '&';
            query += "password=";
            query += masked_password;
        }
        if (o.database != 0) emit("db", std::to_string(o.database));
    } else {
        out = o.ssl ? "rediss://" : "redis://";
        if (!o.password.empty()) {
            out += percent_encode(o.user, false);
            out += ':';
            out += masked_password;
            out += '@';
        } else if (!o.user.empty()) {
            emit("user", o.user);
        }
        if (e.host.find(':') != std::string::npos) {
            out += '[';
            for (char c : e.host) {
                if (c == '%') {
                    out += "%25";
                } else {
                    out += c;
                }
            }
            out += ']';
        } else {
            out += e.host;
        }
        out += ':';
        out += std::to_string(e.port);
        if (o.database != 0) {
            out += '/';
            out += std::to_string(o.database);
        }
    }
    emit_common_options(o, emit);
    return out + query;
}

}  // namespace

result<connection_options> parse_connection_string(std::string_view text) {
    const auto trimmed = trim(text);
    if (trimmed.empty())
        return config_error("empty (expected host[:port],option=value,... or a redis:// URL)");
    if (looks_like_url(trimmed)) return parse_url(trimmed);
    return parse_stackexchange(trimmed);
}

std::string to_string(const endpoint& e) {
    if (e.is_unix_socket) return "!" + e.path;
    std::string out;
    if (e.host.find(':') != std::string::npos) {
        out = "[" + e.host + "]";
    } else {
        out = e.host;
    }
    out += ':';
    out += std::to_string(e.port);
    return out;
}

std::string to_string(const connection_options& options) {
    bool fits = fits_stackexchange(options.user) && fits_stackexchange(options.client_name) &&
                fits_stackexchange(options.ssl_host) && fits_stackexchange(options.service_name) &&
                fits_stackexchange(options.channel_prefix) &&
                fits_stackexchange(options.ssl_ca_file) &&
                fits_stackexchange(options.ssl_ca_path) && fits_stackexchange(options.ssl_cert) &&
                fits_stackexchange(options.ssl_key);
    for (const auto& e : options.endpoints) fits = fits && endpoint_fits_stackexchange(e);
    if (!fits && options.endpoints.size() == 1) {
        const endpoint& e = options.endpoints.front();
        if (!e.is_unix_socket || (!e.path.empty() && e.path.front() == '/')) {
            return print_url(options);
        }
    }
    return print_stackexchange(options);
}

}  // namespace respcache::net
