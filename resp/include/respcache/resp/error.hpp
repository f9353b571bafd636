#pragma once

#include <string>
#include <string_view>

namespace respcache {

// What went wrong, coarse enough for a caller to decide what to do next.
enum class error_kind {
    protocol,      // the peer sent bytes that are not RESP
    limit,         // the bytes are RESP but exceed a configured bound
    io,            // the operating system refused a socket operation
    timeout,       // the deadline passed before a reply arrived
    server_reply,  // the server answered with an error reply
    auth,          // the server refused the credentials
    config,        // a configuration or connection string is invalid
    closed,        // the connection or client was closed by the caller
};

std::string_view to_string(error_kind kind) noexcept;

// An error carried as a value: the library never throws through its API.
struct error {
    error_kind kind;
    std::string message;  // actionable, never contains secrets

    friend bool operator==(const error&, const error&) = default;
};

std::string to_string(const error& e);

}  // namespace respcache
