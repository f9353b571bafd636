#pragma once

#include <string_view>

// respcache::tls: TLS on OpenSSL for every connection respcache opens (the
// single connection, the multiplexer, its dedicated and pub/sub connections).
// Linking the library is all it takes: connection strings with ssl=true or
// rediss:// then connect over TLS; without it they are refused (config error),
// never sent in plaintext.
//
//   target_link_libraries(app PRIVATE respcache::respcache respcache::tls)
//
// What is checked (specs/connection-strings.md, options ssl...):
//   - the certificate chain, up to the system trust store or to sslCaFile /
//     sslCaPath when given;
//   - the host name (SNI and the name checked: sslHost, else the endpoint's
//     host); an IP address literal is checked against the certificate's IP
//     addresses;
//   - TLS 1.2 at least (sslProtocols=tls12|tls13 by default).
// sslVerify=ca checks the chain only; sslVerify=none checks nothing and warns
// once per connection.
namespace respcache::net::tls {

// Where warnings go (sslVerify=none): standard error unless a handler is
// set. The handler may be called from any thread that opens a connection,
// including the multiplexer's I/O thread; null restores standard error.
using warning_handler = void (*)(std::string_view message);
void set_warning_handler(warning_handler handler) noexcept;

}  // namespace respcache::net::tls
