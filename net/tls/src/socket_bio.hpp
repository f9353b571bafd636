#pragma once

#include <openssl/bio.h>

namespace respcache::net::tls {

// An OpenSSL BIO over a connected non-blocking socket that sends with
// MSG_NOSIGNAL: a peer that went away is an error, never a SIGPIPE that kills
// the program (OpenSSL's own socket BIO uses write(2)). The BIO does not own
// the descriptor. Null when OpenSSL cannot allocate it.
BIO* new_socket_bio(int fd) noexcept;

}  // namespace respcache::net::tls
