#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace respcache::net {

// The port an endpoint gets when its connection string names none: 6379, or
// 6380 (the TLS port of Azure Cache for Redis) when the string asks for TLS.
inline constexpr std::uint16_t default_port = 6379;
inline constexpr std::uint16_t default_tls_port = 6380;

// Where a server listens: a TCP host and port, or a Unix-domain socket path.
struct endpoint {
    std::string host;                   // TCP: name or address; IPv6 without brackets
    std::uint16_t port = default_port;  // TCP only
    bool is_unix_socket = false;
    std::string path;  // Unix-domain socket only

    static endpoint tcp(std::string host, std::uint16_t port = default_port) {
        endpoint e;
        e.host = std::move(host);
        e.port = port;
        return e;
    }
    static endpoint unix_socket(std::string path) {
        endpoint e;
        e.port = 0;
        e.is_unix_socket = true;
        e.path = std::move(path);
        return e;
    }

    friend bool operator==(const endpoint&, const endpoint&) = default;
};

// Which protocol the handshake asks for.
enum class protocol_version : std::uint8_t {
    resp3,  // HELLO 3; when the server refuses HELLO, continue with RESP2
    resp2,  // no HELLO; plain RESP2 (AUTH and SELECT as separate commands)
};

inline std::string_view to_string(protocol_version p) noexcept {
    return p == protocol_version::resp2 ? "resp2" : "resp3";
}

// The TLS versions a connection may use (sslProtocols), as bits.
enum tls_versions : std::uint8_t {
    tls12 = 1,
    tls13 = 2,
    tls12_and_13 = tls12 | tls13,
};

// What TLS checks about the server's certificate (sslVerify).
enum class tls_verify : std::uint8_t {
    full,  // the chain up to a trusted CA, and the host name (or IP address)
    ca,    // the chain only
    none,  // nothing: encrypted but not authenticated; warns once per connection
};

inline std::string_view to_string(tls_verify v) noexcept {
    return v == tls_verify::none ? "none" : v == tls_verify::ca ? "ca" : "full";
}

// Everything a connection string can say. Empty strings mean "not set".
// Built by parse_connection_string() (connection_string.hpp) or by hand.
struct connection_options {
    std::vector<endpoint> endpoints;  // at least one in a parsed configuration

    std::string user;         // ACL user: AUTH user password; empty: AUTH password
    std::string password;     // a secret: never printed, logged or put in a message
    int database = 0;         // SELECT this database when not 0
    std::string client_name;  // CLIENT SETNAME

    bool ssl = false;
    std::string ssl_host;                       // TLS server name; empty: the endpoint's host
    std::uint8_t ssl_protocols = tls12_and_13;  // tls_versions bits
    std::string ssl_ca_file;                    // trust these CAs (PEM) instead of the system store
    std::string ssl_ca_path;                    // a folder of hashed CA certificates (c_rehash)
    std::string ssl_cert;  // client certificate (PEM), for mutual TLS; needs ssl_key
    std::string ssl_key;   // its private key (PEM, unencrypted)
    tls_verify ssl_verify = tls_verify::full;

    std::chrono::milliseconds connect_timeout{5000};  // TCP connect + handshake
    std::chrono::milliseconds sync_timeout{5000};     // how long a blocking call waits
    // How long an asynchronous call waits; not set: sync_timeout.
    std::optional<std::chrono::milliseconds> async_timeout;

    int connect_retry = 3;                // connect attempts at start-up
    bool abort_connect = true;            // false: creation succeeds and keeps retrying
    std::chrono::seconds keep_alive{60};  // idle time before a PING; 0: never
    protocol_version protocol = protocol_version::resp3;

    std::string service_name;  // Sentinel master name; the endpoints are sentinels

    // Options StackExchange.Redis defines that mean something here too.
    bool allow_admin = false;        // allow administrative commands
    std::string channel_prefix;      // prefix of every pub/sub channel name
    bool set_client_library = true;  // CLIENT SETINFO lib-name/lib-ver (setlib)

    bool ignore_unknown = false;  // unknown options were (or are to be) ignored

    std::chrono::milliseconds effective_async_timeout() const {
        return async_timeout.value_or(sync_timeout);
    }

    friend bool operator==(const connection_options&, const connection_options&) = default;
};

}  // namespace respcache::net
