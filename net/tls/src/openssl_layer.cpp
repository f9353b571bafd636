// The TLS layer of respcache::net on OpenSSL: the handshake, and the stream
// that net::socket reads and writes through afterwards.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>

#include "failure_text.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/tls_layer.hpp"
#include "socket_bio.hpp"
#include "stream_state.hpp"
#include "warning.hpp"

namespace respcache::net::tls {
namespace {

// The most plaintext one TLS record carries. Reading only into at least this
// much room empties OpenSSL's record buffer on every read, so no decrypted
// byte waits inside OpenSSL while the caller polls the socket for more.
constexpr std::size_t max_record = 16 * 1024;

struct context_deleter {
    void operator()(SSL_CTX* c) const noexcept { SSL_CTX_free(c); }
};
using context_ptr = std::unique_ptr<SSL_CTX, context_deleter>;

error config_error(std::string message) {
    return error{error_kind::config, std::move(message)};
}

std::string openssl_reason() {
    const char* text = ERR_reason_error_string(ERR_peek_last_error());
    std::string out = text != nullptr ? text : "unknown error";
    ERR_clear_error();
    return out;
}

// Remembers that the server asked for a certificate this client has not got.
int note_certificate_request(SSL* ssl, X509**, EVP_PKEY**) {
    static_cast<stream_state*>(SSL_get_app_data(ssl))->asked_for_client_certificate = true;
    return 0;
}

// An encrypted key would make OpenSSL prompt on the terminal: refuse instead.
int no_passphrase(char*, int, int, void*) {
    return 0;
}

result<context_ptr> make_context(const connection_options& o) {
    context_ptr context(SSL_CTX_new(TLS_client_method()));
    if (!context) return error{error_kind::io, "TLS: cannot create a context: " + openssl_reason()};
    SSL_CTX* c = context.get();
    SSL_CTX_set_min_proto_version(c, (o.ssl_protocols & tls12) ? TLS1_2_VERSION : TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(c, (o.ssl_protocols & tls13) ? TLS1_3_VERSION : TLS1_2_VERSION);
    // Writes of any size return as soon as a record is out, and the multiplexer
    // may move its buffer between a write that would block and its retry.
    SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_default_passwd_cb(c, no_passphrase);

    if (o.ssl_verify == tls_verify::none) {
        SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    } else {
        SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
        if (!o.ssl_ca_file.empty() || !o.ssl_ca_path.empty()) {
            if (SSL_CTX_load_verify_locations(
                    c, o.ssl_ca_file.empty() ? nullptr : o.ssl_ca_file.c_str(),
                    o.ssl_ca_path.empty() ? nullptr : o.ssl_ca_path.c_str()) != 1) {
                return config_error("TLS: cannot read the CA certificates in " +
                                    (o.ssl_ca_file.empty() ? "sslCaPath " + o.ssl_ca_path
                                                           : "sslCaFile " + o.ssl_ca_file) +
                                    ": " + openssl_reason());
            }
        } else if (SSL_CTX_set_default_verify_paths(c) != 1) {
            return config_error("TLS: cannot use the system's trusted CAs: " + openssl_reason());
        }
    }

    if (o.ssl_cert.empty() != o.ssl_key.empty())
        return config_error(
            "TLS: sslCert and sslKey go together (a client certificate needs its "
            "private key)");
    if (o.ssl_cert.empty()) {
        SSL_CTX_set_client_cert_cb(c, note_certificate_request);
        return context;
    }
    if (SSL_CTX_use_certificate_chain_file(c, o.ssl_cert.c_str()) != 1)
        return config_error("TLS: cannot read the client certificate sslCert " + o.ssl_cert + ": " +
                            openssl_reason());
    if (SSL_CTX_use_PrivateKey_file(c, o.ssl_key.c_str(), SSL_FILETYPE_PEM) != 1)
        return config_error("TLS: cannot read the private key sslKey " + o.ssl_key +
                            " (it must be PEM and not encrypted): " + openssl_reason());
    if (SSL_CTX_check_private_key(c) != 1)
        return config_error("TLS: the key in sslKey " + o.ssl_key +
                            " does not belong to the certificate in sslCert " + o.ssl_cert);
    return context;
}

// An IPv4 or IPv6 literal (an IPv6 zone is not part of the address).
bool is_ip_literal(const std::string& name) {
    unsigned char address[16];
    const std::string bare = name.substr(0, name.find('%'));
    return ::inet_pton(AF_INET, bare.c_str(), address) == 1 ||
           ::inet_pton(AF_INET6, bare.c_str(), address) == 1;
}

// --- the stream, as net::socket calls it ------------------------------------------

result<std::size_t> send_some(void* state, std::string_view bytes) noexcept {
    auto& stream = *static_cast<stream_state*>(state);
    std::size_t total = 0;
    while (total < bytes.size()) {
        ERR_clear_error();
        const int chunk = static_cast<int>(std::min<std::size_t>(bytes.size() - total, INT_MAX));
        const int n = SSL_write(stream.ssl, bytes.data() + total, chunk);
        if (n > 0) {
            total += static_cast<std::size_t>(n);
            continue;
        }
        const int failure = SSL_get_error(stream.ssl, n);
        if (failure == SSL_ERROR_WANT_WRITE || failure == SSL_ERROR_WANT_READ) break;
        stream.broken = true;
        return describe_failure(stream, failure, "TLS write");
    }
    return total;
}

result<std::size_t> receive_some(void* state, std::span<char> into) noexcept {
    auto& stream = *static_cast<stream_state*>(state);
    std::size_t total = 0;
    while (total < into.size() && (total == 0 || into.size() - total >= max_record)) {
        ERR_clear_error();
        const int room = static_cast<int>(std::min<std::size_t>(into.size() - total, INT_MAX));
        const int n = SSL_read(stream.ssl, into.data() + total, room);
        if (n > 0) {
            total += static_cast<std::size_t>(n);
            // The server answered: it accepted the connection without a certificate.
            stream.asked_for_client_certificate = false;
            continue;
        }
        const int failure = SSL_get_error(stream.ssl, n);
        if (failure == SSL_ERROR_WANT_READ || failure == SSL_ERROR_WANT_WRITE) break;
        if (total > 0) break;  // the bytes first; the failure shows on the next call
        stream.broken = true;
        return describe_failure(stream, failure, "TLS read");
    }
    return total;
}

bool has_buffered(const void* state) noexcept {
    return SSL_pending(static_cast<const stream_state*>(state)->ssl) > 0;
}

void destroy(void* state) noexcept {
    auto* stream = static_cast<stream_state*>(state);
    if (!stream->broken) {
        ERR_clear_error();
        SSL_shutdown(stream->ssl);  // close_notify, without waiting for the reply
    }
    SSL_free(stream->ssl);
    ERR_clear_error();
    delete stream;
}

constexpr stream_ops openssl_stream{send_some, receive_some, has_buffered, destroy};

struct stream_deleter {
    void operator()(stream_state* s) const noexcept {
        s->broken = true;
        destroy(s);
    }
};

// --- the handshake ------------------------------------------------------------------

result<void> secure(socket& s, const connection_options& o, const endpoint& where,
                    clock::time_point deadline, int interrupt_fd) {
    const std::string name = !o.ssl_host.empty()    ? o.ssl_host
                             : where.is_unix_socket ? std::string()
                                                    : where.host;
    if (name.empty() && o.ssl_verify == tls_verify::full)
        return config_error(
            "TLS over a Unix socket needs sslHost: the name the server's "
            "certificate must show");
    auto context = make_context(o);
    if (!context) return context.error_value();

    std::unique_ptr<stream_state, stream_deleter> stream(new stream_state);
    stream->peer = to_string(where);
    stream->has_client_certificate = !o.ssl_cert.empty();
    stream->ssl = SSL_new(context->get());
    BIO* bio = stream->ssl != nullptr ? new_socket_bio(s.fd()) : nullptr;
    if (bio == nullptr)
        return error{error_kind::io, "TLS: cannot create a connection: " + openssl_reason()};
    SSL_set_bio(stream->ssl, bio, bio);
    SSL_set_app_data(stream->ssl, stream.get());
    SSL_set_connect_state(stream->ssl);

    const bool ip = is_ip_literal(name);
    // SNI carries host names only (RFC 6066), never an address.
    if (!ip && !name.empty()) SSL_set_tlsext_host_name(stream->ssl, name.c_str());
    if (o.ssl_verify == tls_verify::full) {
        stream->wanted_name = name;
        const bool set = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream->ssl),
                                                            name.substr(0, name.find('%')).c_str())
                            : SSL_set1_host(stream->ssl, name.c_str());
        if (!set) return config_error("TLS: cannot check the server's name " + name);
    }

    for (;;) {
        ERR_clear_error();
        const int rc = SSL_connect(stream->ssl);
        if (rc == 1) break;
        const int failure = SSL_get_error(stream->ssl, rc);
        if (failure != SSL_ERROR_WANT_READ && failure != SSL_ERROR_WANT_WRITE)
            return describe_failure(*stream, failure, "TLS handshake");
        auto ready = s.wait(failure == SSL_ERROR_WANT_WRITE, deadline, interrupt_fd);
        if (!ready) return ready.error_value();
        if (!*ready)
            return error{error_kind::timeout,
                         "TLS handshake with " + stream->peer + " timed out (connectTimeout)"};
    }
    if (o.ssl_verify == tls_verify::none)
        warn("TLS to " + stream->peer +
             " does not verify the server's certificate (sslVerify=none): the connection is "
             "encrypted, but anyone on the path can pose as the server");
    s.attach(openssl_stream, stream.release());
    return {};
}

}  // namespace
}  // namespace respcache::net::tls

// The layer net finds through its weak reference (net/src/tls_layer.cpp).
extern "C" {
extern const respcache::net::tls_layer respcache_tls_layer_v1;
const respcache::net::tls_layer respcache_tls_layer_v1{&respcache::net::tls::secure};
}
