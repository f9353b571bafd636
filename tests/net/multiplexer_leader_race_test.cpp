// Found by the soak built with -fsanitize=thread: a blocking call that leads
// (writes and reads the idle command connection on its own thread) races
// with the I/O thread going to sleep. The I/O thread publishes "asleep, and
// the command connection idle" under the lock, then, without it, still asks
// the command link whether it wants to write (pipeline::prepare_write) and
// for its socket, while the new leader pushes into that pipeline, writes,
// reads and may close the socket (multiplexer.cpp, run(): the lines after
// `command_link_idle_ = command_idle;`).
//
// The replies stay right in the ordinary builds, so this test passes there;
// under ThreadSanitizer it reports the data race. To see it, configure
// build/tsan with clang++, CMAKE_CXX_FLAGS and CMAKE_EXE_LINKER_FLAGS set to
// -fsanitize=thread, RESPCACHE_BUILD_BENCHMARKS=OFF, RESPCACHE_BUILD_TOOLS=OFF:
//   cmake --build build/tsan --target net_soak_tests
//   build/tsan/tests/net/net_soak_tests --gtest_filter='MultiplexerLeaderRace*'

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;

TEST(MultiplexerLeaderRace, LeadersAndAnIoThreadFallingAsleepKeepEveryReplyInPlace) {
    testing::redis_server server;
    // RESP2 and no subscription: the command connection is idle between
    // calls, so blocking calls lead.
    auto options = parse_connection_string(server.connection_string() + ",protocol=resp2");
    ASSERT_TRUE(options);
    auto connected = multiplexer::connect(*options);
    ASSERT_TRUE(connected) << connected.error_value().message;
    multiplexer& m = **connected;

    // Each fire-and-forget command wakes the I/O thread, which then falls
    // asleep again: the moment a blocking call may start to lead.
    std::atomic<bool> stop{false};
    std::thread waker([&] {
        while (!stop.load()) {
            m.send("INCR", "wake-ups");
            std::this_thread::sleep_for(100us);
        }
    });
    for (int i = 0; i < 2000; ++i) {
        const std::string value = std::to_string(i);
        auto set = m.call("SET", "k", value);
        ASSERT_TRUE(set) << set.error_value().message;
        auto got = m.call("GET", "k");
        ASSERT_TRUE(got) << got.error_value().message;
        ASSERT_EQ(got->view().string(), value);
    }
    stop = true;
    waker.join();
    EXPECT_GT(m.snapshot().calls_on_caller_thread, 0u) << "no call led: the race was not exercised";
}

// Also found by the soak under ThreadSanitizer: on RESP2 the subscriptions
// have a connection of their own, which the I/O thread keeps reading while
// a caller leads on the command connection (run(): only the command link's
// read is skipped while a leader is active). When the server dies both
// connections drop at once, and the leader's lose(command_) and the I/O
// thread's lose(subscriber_) assign the one shared last_connect_error_ (a
// std::string inside) concurrently: a data race on heap memory.
TEST(MultiplexerLeaderRace, ALeaderAndTheSubscriberConnectionLostTogetherStayUsable) {
    testing::redis_server server;
    auto options = parse_connection_string(server.connection_string() +
                                           ",protocol=resp2,syncTimeout=1000,abortConnect=false");
    ASSERT_TRUE(options);
    auto connected = multiplexer::connect(*options);
    ASSERT_TRUE(connected) << connected.error_value().message;
    multiplexer& m = **connected;
    ASSERT_TRUE(m.subscribe("c", [](const pubsub_message&) {}));

    for (int round = 0; round < 5; ++round) {
        std::atomic<bool> stop{false};
        std::thread leader([&] {
            while (!stop.load()) {
                auto got = m.call("GET", "k");
                if (!got) {
                    EXPECT_TRUE(got.error_value().kind == error_kind::io ||
                                got.error_value().kind == error_kind::timeout)
                        << got.error_value().message;
                    std::this_thread::sleep_for(1ms);
                }
            }
        });
        std::this_thread::sleep_for(50ms);
        server.kill();
        server.restart();
        std::this_thread::sleep_for(100ms);
        stop = true;
        leader.join();
    }
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (!m.call("PING") && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(50ms);
    auto pong = m.call("PING");
    ASSERT_TRUE(pong) << pong.error_value().message;
    EXPECT_GT(m.snapshot().calls_on_caller_thread, 0u) << "no call led: the race was not exercised";
}

}  // namespace
}  // namespace respcache::net
