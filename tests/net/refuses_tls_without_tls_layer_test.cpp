// Built into net_without_tls_tests, which links respcache::net and never
// respcache::tls: what a program built without TLS does when asked for it.
#include <gtest/gtest.h>

#include <string>

#include "recording_server.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"
#include "respcache/net/tls_layer.hpp"

namespace respcache::net {
namespace {

connection_options parsed(const std::string& text) {
    auto options = parse_connection_string(text);
    EXPECT_TRUE(options) << (options ? "" : options.error_value().message);
    return options ? *options : connection_options{};
}

TEST(WithoutTlsLayer, NoLayerIsLinked) {
    EXPECT_EQ(linked_tls_layer(), nullptr);
}

TEST(WithoutTlsLayer, SslTrueIsAConfigErrorAndNothingIsConnected) {
    testing::recording_server server;
    const auto options =
        parsed("127.0.0.1:" + std::to_string(server.port()) + ",password=Tr0ub4dor,ssl=true");
    auto c = connection::open(options);
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::config);
    EXPECT_NE(c.error_value().message.find("-DRESPCACHE_WITH_TLS=ON"), std::string::npos)
        << c.error_value().message;
    EXPECT_NE(c.error_value().message.find("libssl-dev"), std::string::npos);
    EXPECT_EQ(c.error_value().message.find("Tr0ub4dor"), std::string::npos);
    EXPECT_EQ(server.connections(), 0);
    EXPECT_EQ(server.received(), "");
}

TEST(WithoutTlsLayer, RedissUrlIsAConfigError) {
    testing::recording_server server;
    auto c =
        connection::open(parsed("rediss://:Tr0ub4dor@127.0.0.1:" + std::to_string(server.port())));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::config);
    EXPECT_EQ(server.connections(), 0);
}

TEST(WithoutTlsLayer, MultiplexerRefusesSslTrue) {
    testing::recording_server server;
    auto m = multiplexer::connect(
        parsed("127.0.0.1:" + std::to_string(server.port()) + ",password=Tr0ub4dor,ssl=true"));
    ASSERT_FALSE(m);
    EXPECT_EQ(m.error_value().kind, error_kind::config);
    EXPECT_EQ(server.connections(), 0);
}

TEST(Sentinel, ServiceNameIsAConfigErrorAndNothingIsConnected) {
    testing::recording_server server;
    auto c = connection::open(
        parsed("127.0.0.1:" + std::to_string(server.port()) + ",serviceName=mymaster"));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::config);
    EXPECT_NE(c.error_value().message.find("Sentinel"), std::string::npos);
    EXPECT_EQ(server.connections(), 0);
}

}  // namespace
}  // namespace respcache::net
