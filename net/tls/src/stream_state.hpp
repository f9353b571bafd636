#pragma once

#include <openssl/ssl.h>

#include <string>

namespace respcache::net::tls {

// One TLS stream: what net::socket holds as its layer state.
struct stream_state {
    SSL* ssl = nullptr;
    std::string peer;         // "host:port", for messages
    std::string wanted_name;  // the name or address the certificate must show; empty: none
    bool has_client_certificate = false;
    // The server sent a CertificateRequest and has not answered anything since.
    bool asked_for_client_certificate = false;
    bool broken = false;  // a fatal error: no close notification
};

}  // namespace respcache::net::tls
