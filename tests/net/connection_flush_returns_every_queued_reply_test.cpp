// connection::flush returns exactly the replies of what was queued: a
// pipeline whose replies span many reads comes back complete and in order,
// and a RESP3 push arriving among the replies goes to the push handler
// without taking a reply's place.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

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

TEST(ConnectionFlush, RepliesSpanningManyReadsComeBackInOrder) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string()));
    ASSERT_TRUE(c);
    const std::string value(1024, 'v');
    for (int i = 0; i < 100; ++i)
        c->queue("SET", "big:" + std::to_string(i), value + std::to_string(i));
    ASSERT_TRUE(c->flush());
    // About 3 MiB of replies: hundreds of 16 KiB reads, replies cut anywhere.
    for (int round = 0; round < 30; ++round)
        for (int i = 0; i < 100; ++i) c->queue("GET", "big:" + std::to_string(i));
    c->queue("INCR", "counter");
    auto replies = c->flush();
    ASSERT_TRUE(replies) << to_string(replies.error_value());
    ASSERT_EQ(replies->size(), 3001u);
    for (int k = 0; k < 3000; ++k)
        ASSERT_EQ((*replies)[k].view().string(), value + std::to_string(k % 100)) << k;
    EXPECT_EQ((*replies)[3000].view().integer(), 1);
}

TEST(ConnectionFlush, ACallWithCommandsQueuedIsRefusedAndLosesNothing) {
    testing::redis_server server;
    auto c = connection::open(options_for(server.connection_string()));
    ASSERT_TRUE(c);
    c->queue("SET", "a", "1");
    c->queue("INCR", "n");
    auto refused = c->call("GET", "a");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::config);
    EXPECT_EQ(c->queued(), 2u);
    auto replies = c->flush();
    ASSERT_TRUE(replies);
    ASSERT_EQ(replies->size(), 2u);
    EXPECT_EQ((*replies)[0].view().string(), "OK");
    EXPECT_EQ((*replies)[1].view().integer(), 1);
    auto a = c->call("GET", "a");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->view().string(), "1");
}

TEST(ConnectionFlush, APushAmongTheRepliesGoesToTheHandler) {
    testing::redis_server server;
    auto tracked = connection::open(options_for(server.connection_string()));
    ASSERT_TRUE(tracked);
    ASSERT_EQ(tracked->protocol(), 3);
    std::vector<std::string> pushes;
    tracked->on_push([&](const resp::reply& push) {
        if (push.size() >= 1) pushes.emplace_back(push[0].string());
    });
    ASSERT_TRUE(tracked->call("CLIENT", "TRACKING", "on"));
    ASSERT_TRUE(tracked->call("GET", "watched"));

    auto other = connection::open(options_for(server.connection_string()));
    ASSERT_TRUE(other);
    ASSERT_TRUE(other->call("SET", "watched", "changed"));
    // Let the invalidation reach the tracked connection's socket first.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));

    for (int i = 0; i < 3; ++i) tracked->queue("PING");
    auto replies = tracked->flush();
    ASSERT_TRUE(replies) << to_string(replies.error_value());
    ASSERT_EQ(replies->size(), 3u);
    for (const resp::owned_reply& r : *replies) EXPECT_EQ(r.view().string(), "PONG");
    EXPECT_EQ(pushes, std::vector<std::string>{"invalidate"});
}

}  // namespace
}  // namespace respcache::net
