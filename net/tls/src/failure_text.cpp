#include "failure_text.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace respcache::net::tls {
namespace {

std::string ip_text(const ASN1_OCTET_STRING* address) {
    char text[INET6_ADDRSTRLEN] = {};
    const int length = ASN1_STRING_length(address);
    const unsigned char* bytes = ASN1_STRING_get0_data(address);
    if (length == 4) ::inet_ntop(AF_INET, bytes, text, sizeof text);
    if (length == 16) ::inet_ntop(AF_INET6, bytes, text, sizeof text);
    return text;
}

// The names a certificate is for: its DNS and IP subject alternative names,
// else its common name.
std::string certificate_names(X509* certificate) {
    std::string names;
    auto add = [&names](std::string_view name) {
        if (!names.empty()) names += ", ";
        names += name;
    };
    auto* alternatives = static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; i < sk_GENERAL_NAME_num(alternatives); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(alternatives, i);
        if (name->type == GEN_DNS) {
            add(std::string_view(
                reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName))));
        } else if (name->type == GEN_IPADD) {
            add(ip_text(name->d.iPAddress));
        }
    }
    GENERAL_NAMES_free(alternatives);
    if (names.empty()) {
        char common[256] = {};
        if (X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, common,
                                      sizeof common) > 0)
            add(common);
    }
    return names.empty() ? "no name" : names;
}

std::string verify_failure(const stream_state& stream) {
    const long code = SSL_get_verify_result(stream.ssl);
    switch (code) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH: {
            std::string text =
                "certificate verify failed: host name mismatch (wanted " + stream.wanted_name;
            STACK_OF(X509)* chain = SSL_get_peer_cert_chain(stream.ssl);
            if (sk_X509_num(chain) > 0)
                text += ", certificate for " + certificate_names(sk_X509_value(chain, 0));
            return text + "; sslHost sets the name to check)";
        }
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return "certificate verify failed: unknown CA (the server's certificate is not signed "
                   "by a CA this client trusts: name the CA with sslCaFile or sslCaPath)";
        default:
            return std::string("certificate verify failed: ") + X509_verify_cert_error_string(code);
    }
}

bool means_wrong_protocol(int reason) {
    return reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
           reason == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

// The server asked for a client certificate, got none, and the connection
// failed before the first reply: TLS 1.2 ends the handshake with an alert;
// TLS 1.3 completes it on this side and closes the connection afterwards, so
// the failure shows on the first write or read, often as a reset.
bool means_certificate_required(const stream_state& stream, int ssl_error, int reason) {
    if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED) return true;
    if (!stream.asked_for_client_certificate || stream.has_client_certificate) return false;
    return ssl_error == SSL_ERROR_SYSCALL || ssl_error == SSL_ERROR_ZERO_RETURN ||
           reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE ||
           reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE;
}

std::string reason_text(const stream_state& stream, int ssl_error) {
    const unsigned long first = ERR_peek_error();
    const int reason = ERR_GET_REASON(first);
    if (means_certificate_required(stream, ssl_error, reason))
        return "the server asks for a client certificate: set sslCert and sslKey";
    if (ssl_error == SSL_ERROR_ZERO_RETURN) return "connection closed by the server";
    if (ssl_error == SSL_ERROR_SSL && reason == SSL_R_CERTIFICATE_VERIFY_FAILED)
        return verify_failure(stream);
    if (ssl_error == SSL_ERROR_SYSCALL && first == 0) {
        if (errno != 0) return std::strerror(errno);
        return "the server closed the connection (does it speak TLS on this port?)";
    }
    const char* text = ERR_reason_error_string(first);
    std::string out = text != nullptr ? text : "unknown TLS error";
    if (means_wrong_protocol(reason)) out += " (does the server speak TLS on this port?)";
    return out;
}

}  // namespace

error describe_failure(const stream_state& stream, int ssl_error, std::string_view doing) {
    std::string message(doing);
    message += " with ";
    message += stream.peer;
    message += ": ";
    message += reason_text(stream, ssl_error);
    ERR_clear_error();
    return error{error_kind::io, std::move(message)};
}

}  // namespace respcache::net::tls
