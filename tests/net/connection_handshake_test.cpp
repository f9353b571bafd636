#include <gtest/gtest.h>

#include "redis_server.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/net/connection_string.hpp"

namespace respcache::net {
namespace {

connection_options options_for(const std::string& text) {
    auto parsed = parse_connection_string(text);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error_value().message);
    return *parsed;
}

std::string string_of(const result<resp::owned_reply>& r) {
    EXPECT_TRUE(r) << (r ? "" : to_string(r.error_value()));
    return r ? std::string(r->view().string()) : std::string();
}

TEST(ConnectionHandshake, SpeaksResp3ByDefault) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string()));
    ASSERT_TRUE(c) << c.error_value().message;
    EXPECT_EQ(c->protocol(), 3);
    auto pong = c->call("PING");
    EXPECT_EQ(string_of(pong), "PONG");
}

TEST(ConnectionHandshake, SpeaksResp2WhenAsked) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string() + ",protocol=resp2"));
    ASSERT_TRUE(c) << c.error_value().message;
    EXPECT_EQ(c->protocol(), 2);
    auto hash = c->call("HGETALL", "missing");
    ASSERT_TRUE(hash);
    EXPECT_EQ(hash->view().kind(), resp::type::array);  // RESP2 has no maps
}

TEST(ConnectionHandshake, AuthenticatesWithPasswordAndName) {
    testing::redis_server server(testing::redis_server::settings::requiring_password("s3cret"));
    auto c = connection::open(options_for(server.connection_string() + ",name=worker-7"));
    ASSERT_TRUE(c) << c.error_value().message;
    EXPECT_EQ(string_of(c->call("CLIENT", "GETNAME")), "worker-7");
}

TEST(ConnectionHandshake, AuthenticatesOnResp2) {
    testing::redis_server server(testing::redis_server::settings::requiring_password("s3cret"));
    auto c =
        connection::open(options_for(server.connection_string() + ",protocol=resp2,name=legacy"));
    ASSERT_TRUE(c) << c.error_value().message;
    EXPECT_EQ(c->protocol(), 2);
    EXPECT_EQ(string_of(c->call("CLIENT", "GETNAME")), "legacy");
}

TEST(ConnectionHandshake, WrongPasswordIsAnAuthErrorWithoutTheSecret) {
    testing::redis_server server(testing::redis_server::settings::requiring_password("s3cret"));
    for (const char* protocol : {"resp3", "resp2"}) {
        auto c = connection::open(options_for("127.0.0.1:" + std::to_string(server.port()) +
                                              ",password=wrong-one,protocol=" + protocol));
        ASSERT_FALSE(c) << protocol;
        EXPECT_EQ(c.error_value().kind, error_kind::auth) << c.error_value().message;
        EXPECT_EQ(c.error_value().message.find("wrong-one"), std::string::npos);
    }
}

TEST(ConnectionHandshake, MissingPasswordIsAnAuthError) {
    testing::redis_server server(testing::redis_server::settings::requiring_password("s3cret"));
    auto c = connection::open(options_for("127.0.0.1:" + std::to_string(server.port())));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::auth) << c.error_value().message;
}

TEST(ConnectionHandshake, AclUserAuthenticatesAndUnknownUserFails) {
    testing::redis_server server(testing::redis_server::settings::with_acl_user("alice", "wonder"));
    const std::string endpoint = "127.0.0.1:" + std::to_string(server.port());
    auto ok = connection::open(options_for("redis://alice:wonder@" + endpoint));
    ASSERT_TRUE(ok) << ok.error_value().message;
    EXPECT_EQ(string_of(ok->call("ACL", "WHOAMI")), "alice");

    auto unknown = connection::open(options_for("redis://bob:wonder@" + endpoint));
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error_value().kind, error_kind::auth);
}

TEST(ConnectionHandshake, SelectsTheConfiguredDatabase) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string() + ",defaultDatabase=3"));
    ASSERT_TRUE(c) << c.error_value().message;
    ASSERT_TRUE(c->call("SET", "where", "db3"));
    EXPECT_NE(server.raw_command({"SELECT", "3"}).find("+OK"), std::string::npos);
    auto info = c->call("CLIENT", "INFO");
    EXPECT_NE(string_of(info).find(" db=3 "), std::string::npos);
    // Database 0 does not have the key.
    auto zero = connection::open(options_for(server.connection_string()));
    ASSERT_TRUE(zero);
    auto missing = zero->call("GET", "where");
    ASSERT_TRUE(missing);
    EXPECT_TRUE(missing->view().is_null());
}

TEST(ConnectionHandshake, DatabaseOutOfRangeIsAConfigError) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string() + ",defaultDatabase=99"));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::config) << c.error_value().message;
}

TEST(ConnectionHandshake, ConnectsOverAUnixSocket) {
    testing::redis_server server(testing::redis_server::settings::with_unix_socket());
    auto c = connection::open(options_for("unix://" + server.unix_path()));
    ASSERT_TRUE(c) << c.error_value().message;
    EXPECT_EQ(string_of(c->call("ECHO", "over unix")), "over unix");
}

TEST(ConnectionHandshake, RefusedPortIsAnIoError) {
    const auto port = testing::free_port();
    auto c = connection::open(options_for("127.0.0.1:" + std::to_string(port)));
    ASSERT_FALSE(c);
    EXPECT_EQ(c.error_value().kind, error_kind::io);
}

TEST(ConnectionPipelining, QueuedCommandsComeBackInOrder) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string()));
    ASSERT_TRUE(c);
    for (int i = 0; i < 500; ++i) c->queue("SET", "key:" + std::to_string(i), i);
    for (int i = 0; i < 500; ++i) c->queue("GET", "key:" + std::to_string(i));
    c->queue("NOSUCHCOMMAND");
    auto replies = c->flush();
    ASSERT_TRUE(replies) << replies.error_value().message;
    ASSERT_EQ(replies->size(), 1001u);
    for (int i = 0; i < 500; ++i) {
        EXPECT_EQ((*replies)[i].view().string(), "OK");
        EXPECT_EQ((*replies)[500 + i].view().string(), std::to_string(i));
    }
    EXPECT_TRUE((*replies)[1000].view().is_error());
}

TEST(ConnectionPipelining, ServerErrorReplyIsAServerReplyError) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string()));
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->call("SET", "text", "abc"));
    auto wrong = c->call("INCR", "text");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error_value().kind, error_kind::server_reply);
    // The connection is still usable after an error reply.
    EXPECT_EQ(string_of(c->call("GET", "text")), "abc");
}

TEST(ConnectionPipelining, TimeoutClosesTheConnection) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string() + ",syncTimeout=200"));
    ASSERT_TRUE(c);
    server.pause();
    auto late = c->call("PING");
    server.resume();
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error_value().kind, error_kind::timeout);
    auto after = c->call("PING");
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error_value().kind, error_kind::closed);
}

}  // namespace
}  // namespace respcache::net
