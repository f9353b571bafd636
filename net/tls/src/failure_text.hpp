#pragma once

#include <string_view>

#include "respcache/resp/result.hpp"
#include "stream_state.hpp"

namespace respcache::net::tls {

// The error for a failed SSL_connect, SSL_read or SSL_write (`ssl_error` from
// SSL_get_error), in words a person can act on: a certificate that failed
// verification says why ("host name mismatch (wanted X, certificate for Y)",
// "unknown CA"), a server that wants a client certificate says so. Empties
// OpenSSL's error queue.
error describe_failure(const stream_state& stream, int ssl_error, std::string_view doing);

}  // namespace respcache::net::tls
