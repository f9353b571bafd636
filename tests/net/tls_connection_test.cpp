// One connection over TLS against redis-server's tls-port.
#include <gtest/gtest.h>

#include <string>

#include "respcache/net/connection.hpp"
#include "tls_fixture.hpp"

namespace respcache::net {
namespace {

using TlsConnection = Tls;

TEST_F(TlsConnection, HandshakeCallAndPipeline) {
    testing::redis_server server(tls_settings());
    auto c = connection::open(options(tls_string(server)));
    ASSERT_TRUE(c) << c.error_value().message;
    EXPECT_EQ(c->protocol(), 3);
    auto pong = c->call("PING");
    ASSERT_TRUE(pong) << pong.error_value().message;
    EXPECT_EQ(pong->view().string(), "PONG");

    for (int i = 0; i < 500; ++i) c->queue("RPUSH", "list", i);
    c->queue("LLEN", "list");
    auto replies = c->flush();
    ASSERT_TRUE(replies) << replies.error_value().message;
    ASSERT_EQ(replies->size(), 501u);
    EXPECT_EQ(replies->back().view().integer(), 500);
    // The plaintext port of the same server holds what went over TLS.
    EXPECT_EQ(server.raw_command({"LLEN", "list"}), ":500\r\n");
}

TEST_F(TlsConnection, TenMebibyteValueBothWays) {
    testing::redis_server server(tls_settings());
    auto c = connection::open(options(tls_string(server)));
    ASSERT_TRUE(c) << c.error_value().message;
    std::string value(10 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<char>(i * 131 % 251);
    ASSERT_TRUE(c->call("SET", "big", value));
    auto got = c->call("GET", "big");
    ASSERT_TRUE(got) << got.error_value().message;
    EXPECT_TRUE(got->view().string() == value);
    auto length = c->call("STRLEN", "big");
    ASSERT_TRUE(length);
    EXPECT_EQ(length->view().integer(), 10 * 1024 * 1024);
}

TEST_F(TlsConnection, HostNameFromSslHostOrTheEndpoint) {
    testing::redis_server server(tls_settings());
    // "localhost" as the endpoint: checked against the certificate's DNS name.
    auto by_name = connection::open(options(tls_string(server, "localhost")));
    ASSERT_TRUE(by_name) << by_name.error_value().message;
    // An address endpoint, the name to check given by sslHost.
    auto by_ssl_host = connection::open(options(tls_string(server) + ",sslHost=localhost"));
    ASSERT_TRUE(by_ssl_host) << by_ssl_host.error_value().message;
    EXPECT_TRUE(by_ssl_host->call("PING"));
}

TEST_F(TlsConnection, EachProtocolVersionAlone) {
    testing::redis_server server(tls_settings());
    for (const char* versions : {"tls12", "tls13"}) {
        auto c = connection::open(options(tls_string(server) + ",sslProtocols=" + versions));
        ASSERT_TRUE(c) << versions << ": " << c.error_value().message;
        EXPECT_TRUE(c->call("PING")) << versions;
    }
}

TEST_F(TlsConnection, Resp2OverTls) {
    testing::redis_server server(tls_settings());
    auto c = connection::open(options(tls_string(server) + ",protocol=resp2"));
    ASSERT_TRUE(c) << c.error_value().message;
    EXPECT_EQ(c->protocol(), 2);
    EXPECT_TRUE(c->call("PING"));
}

}  // namespace
}  // namespace respcache::net
