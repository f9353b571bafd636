// What TLS checks about the server, and what it says when a check fails.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "recording_server.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/net/tls/tls.hpp"
#include "tls_fixture.hpp"

namespace respcache::net {
namespace {

using TlsVerification = Tls;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Warnings of the TLS layer, collected instead of printed.
struct warnings {
    static inline std::mutex mutex;
    static inline std::vector<std::string> seen;
    static void record(std::string_view message) {
        std::lock_guard lock(mutex);
        seen.emplace_back(message);
    }
    warnings() {
        std::lock_guard lock(mutex);
        seen.clear();
        tls::set_warning_handler(record);
    }
    ~warnings() { tls::set_warning_handler(nullptr); }
    std::vector<std::string> all() const {
        std::lock_guard lock(mutex);
        return seen;
    }
};

std::string with_ca(const testing::redis_server& server, const std::string& ca) {
    return "127.0.0.1:" + std::to_string(server.tls_port()) +
           ",password=Tr0ub4dor-secret,ssl=true" + (ca.empty() ? "" : ",sslCaFile=" + ca);
}

TEST_F(TlsVerification, ACertificateFromAnotherCaIsAnUnknownCa) {
    testing::redis_server server(tls_settings());
    auto c = connection::open(options(with_ca(server, certificates().other_ca_file())));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::io);
    EXPECT_TRUE(contains(c.error_value().message, "certificate verify failed: unknown CA"))
        << c.error_value().message;
    EXPECT_FALSE(contains(c.error_value().message, "Tr0ub4dor"));
}

TEST_F(TlsVerification, TheSystemStoreIsUsedWhenNoCaIsGiven) {
    testing::redis_server server(tls_settings());
    auto c = connection::open(options(with_ca(server, "")));
    ASSERT_FALSE(c);
    EXPECT_TRUE(contains(c.error_value().message, "unknown CA")) << c.error_value().message;
}

TEST_F(TlsVerification, HostNameMismatchNamesBothNames) {
    testing::redis_server server(tls_settings());
    auto c = connection::open(options(tls_string(server) + ",sslHost=cache.example.com"));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::io);
    EXPECT_TRUE(contains(c.error_value().message,
                         "certificate verify failed: host name mismatch (wanted "
                         "cache.example.com, certificate for localhost, 127.0.0.1"))
        << c.error_value().message;
}

TEST_F(TlsVerification, AnAddressIsCheckedAgainstTheCertificateAddresses) {
    testing::redis_server server(tls_settings());
    auto c = connection::open(options(tls_string(server) + ",sslHost=127.0.0.9"));
    ASSERT_FALSE(c);
    EXPECT_TRUE(contains(c.error_value().message, "host name mismatch (wanted 127.0.0.9"))
        << c.error_value().message;
}

TEST_F(TlsVerification, VerifyCaChecksTheChainButNotTheName) {
    testing::redis_server server(tls_settings());
    auto c =
        connection::open(options(tls_string(server) + ",sslHost=cache.example.com,sslVerify=ca"));
    ASSERT_TRUE(c) << c.error_value().message;
    auto wrong_ca = connection::open(
        options(with_ca(server, certificates().other_ca_file()) + ",sslVerify=ca"));
    EXPECT_FALSE(wrong_ca);
}

TEST_F(TlsVerification, VerifyNoneConnectsAndWarnsOncePerConnection) {
    testing::redis_server server(tls_settings());
    const warnings collected;
    auto c = connection::open(
        options(with_ca(server, certificates().other_ca_file()) + ",sslVerify=none"));
    ASSERT_TRUE(c) << c.error_value().message;
    EXPECT_TRUE(c->call("PING"));
    auto again = connection::open(options(with_ca(server, "") + ",sslVerify=none"));
    ASSERT_TRUE(again) << again.error_value().message;
    const auto seen = collected.all();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_TRUE(contains(seen[0], "sslVerify=none")) << seen[0];
    EXPECT_TRUE(contains(seen[0], "127.0.0.1:" + std::to_string(server.tls_port()))) << seen[0];
    EXPECT_FALSE(contains(seen[0], "Tr0ub4dor"));
}

TEST_F(TlsVerification, VerifiedConnectionsDoNotWarn) {
    testing::redis_server server(tls_settings());
    const warnings collected;
    ASSERT_TRUE(connection::open(options(tls_string(server))));
    EXPECT_TRUE(collected.all().empty());
}

TEST_F(TlsVerification, WithoutAClientCertificateTheErrorSaysTheServerAsksForOne) {
    testing::redis_server server(tls_settings(true));
    for (const char* versions : {"tls12", "tls13"}) {
        auto c = connection::open(options(tls_string(server) + ",sslProtocols=" + versions));
        ASSERT_FALSE(c) << versions;
        EXPECT_EQ(c.error_value().kind, error_kind::io);
        EXPECT_TRUE(contains(c.error_value().message, "the server asks for a client certificate"))
            << versions << ": " << c.error_value().message;
    }
}

TEST_F(TlsVerification, MutualTlsWithAClientCertificate) {
    testing::redis_server server(tls_settings(true));
    auto c = connection::open(options(tls_string(server) +
                                      ",sslCert=" + certificates().client_certificate() +
                                      ",sslKey=" + certificates().client_key()));
    ASSERT_TRUE(c) << c.error_value().message;
    auto pong = c->call("PING");
    ASSERT_TRUE(pong) << pong.error_value().message;
}

TEST_F(TlsVerification, UnusableFilesAreConfigErrors) {
    testing::redis_server server(tls_settings());
    const std::string base = tls_string(server);
    for (const std::string& extra :
         {std::string(",sslCaFile=/nonexistent/ca.pem"),
          ",sslCert=" + certificates().client_certificate(),
          ",sslKey=" + certificates().client_key(),
          ",sslCert=/nonexistent/c.pem,sslKey=" + certificates().client_key(),
          ",sslCert=" + certificates().client_certificate() +
              ",sslKey=" + certificates().server_key()}) {
        auto c = connection::open(options(base + extra));
        ASSERT_FALSE(c) << extra;
        EXPECT_EQ(c.error_value().kind, error_kind::config)
            << extra << ": " << c.error_value().message;
    }
}

TEST_F(TlsVerification, ThePasswordNeverCrossesAPlaintextSocket) {
    // A server that speaks no TLS and never answers: the handshake times out
    // (connectTimeout counts it) and what it received holds no password.
    testing::recording_server plaintext;
    auto c = connection::open(options("127.0.0.1:" + std::to_string(plaintext.port()) +
                                      ",password=Tr0ub4dor-secret,ssl=true,connectTimeout=300"));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::timeout);
    EXPECT_TRUE(contains(c.error_value().message, "TLS handshake")) << c.error_value().message;
    const std::string received = plaintext.received();
    ASSERT_FALSE(received.empty());
    EXPECT_EQ(received[0], '\x16');  // a TLS handshake record: the ClientHello
    EXPECT_FALSE(contains(received, "Tr0ub4dor")) << received;
    EXPECT_FALSE(contains(received, "AUTH"));
    EXPECT_FALSE(contains(received, "HELLO"));
}

TEST_F(TlsVerification, APlaintextPortIsAnErrorNotAFallback) {
    // redis-server's plaintext port waits for the end of a line that the
    // ClientHello never sends: the handshake runs out of connectTimeout.
    testing::redis_server server(tls_settings());
    auto c = connection::open(options("127.0.0.1:" + std::to_string(server.port()) +
                                      ",password=Tr0ub4dor-secret,ssl=true,connectTimeout=300,"
                                      "sslCaFile=" +
                                      certificates().ca_file()));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::timeout);
    EXPECT_TRUE(contains(c.error_value().message, "TLS handshake")) << c.error_value().message;
}

}  // namespace
}  // namespace respcache::net
