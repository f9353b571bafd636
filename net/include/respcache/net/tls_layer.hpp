#pragma once

#include "respcache/net/connection_options.hpp"
#include "respcache/net/socket.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

// The TLS layer as net sees it: one function that runs the TLS handshake on a
// connected socket and attaches the encrypted stream to it (socket::attach).
// respcache::tls provides it; a program that does not link that library has
// none, and then every connection asked to use TLS is refused with a config
// error: never plaintext instead.
struct tls_layer {
    // Runs the handshake with `where` before `deadline` (the rest of
    // connectTimeout), verifying the server as `options` says. Errors: kind
    // io for what the peer did or sent (verification failures included),
    // timeout, config for options that cannot be used (an unreadable CA
    // file), closed when `interrupt_fd` became readable.
    result<void> (*secure)(socket& s, const connection_options& options, const endpoint& where,
                           clock::time_point deadline, int interrupt_fd);
};

// The layer linked into this program, or null when respcache::tls is not.
const tls_layer* linked_tls_layer() noexcept;

// Connects to `where` and, when options.ssl, secures the socket with the
// linked TLS layer, all before `deadline`: the one way net opens a stream to
// a server. Refuses TLS without a layer and Sentinel (serviceName), as
// config errors, before any socket is opened.
result<socket> open_stream(const connection_options& options, const endpoint& where,
                           clock::time_point deadline, int interrupt_fd = -1);

}  // namespace respcache::net
