// Found by the soak (multiplexer_soak_test.cpp): a blocking call made while
// the command connection is idle drives the connection on its own thread
// (the leader). Requests that other callers hand over meanwhile must still
// end at their own deadline, even when the leader waits on a stalled server.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;

// A RESP2 multiplexer without subscriptions: its command connection is idle
// between calls, so a blocking call leads. The leader's own deadline is
// syncTimeout, much longer than the short ones below.
std::shared_ptr<multiplexer> connect_idle(std::uint16_t port) {
    auto options = parse_connection_string("127.0.0.1:" + std::to_string(port) +
                                           ",syncTimeout=4000,protocol=resp2");
    EXPECT_TRUE(options);
    auto m = multiplexer::connect(*options);
    EXPECT_TRUE(m) << (m ? "" : m.error_value().message);
    return m ? *m : nullptr;
}

// Starts a blocking GET that leads while the server is paused; returns once
// the multiplexer counts it as run on the caller's thread.
std::thread lead_on_a_paused_server(multiplexer& m, testing::redis_server& server,
                                    std::atomic<bool>& leader_done) {
    const auto led_before = m.snapshot().calls_on_caller_thread;
    std::this_thread::sleep_for(50ms);  // the I/O thread goes to sleep: the next call leads
    server.pause();
    std::thread leader([&m, &leader_done] {
        // Answered once the server resumes, or timed out: either way it ends.
        auto r = m.call("GET", "k");
        if (!r) {
            EXPECT_EQ(r.error_value().kind, error_kind::timeout);
        }
        leader_done = true;
    });
    while (m.snapshot().calls_on_caller_thread == led_before && !leader_done.load())
        std::this_thread::sleep_for(1ms);
    EXPECT_GT(m.snapshot().calls_on_caller_thread, led_before) << "the call did not lead";
    std::this_thread::sleep_for(50ms);  // the leader is in poll()
    return leader;
}

// Failed before the fix: the I/O thread only waited for the leader to finish
// (wait_for_leader) and enforces no deadline meanwhile, and a blocking
// caller's reply_waiter has no deadline of its own, so the 100 ms call ends
// only when the leader's 4 s call does (measured: after about 3.9 s).
TEST(MultiplexerDeadlineWhileLeading, AShortBlockingCallEndsAtItsDeadline) {
    testing::redis_server server;
    auto m = connect_idle(server.port());
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->call("PING"));
    std::atomic<bool> leader_done{false};
    std::thread leader = lead_on_a_paused_server(*m, server, leader_done);

    call_options short_deadline;
    short_deadline.timeout = 100ms;
    const auto began = std::chrono::steady_clock::now();
    auto r = m->call(short_deadline, "GET", "k");
    const bool leader_still_waiting = !leader_done.load();
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    server.resume();
    leader.join();

    ASSERT_FALSE(r);
    EXPECT_EQ(r.error_value().kind, error_kind::timeout);
    EXPECT_TRUE(leader_still_waiting)
        << "the 100 ms call ended after " << took.count()
        << " ms, only after the leader's 4 s call: " << r.error_value().message;
}

// Failed before the fix for the same reason: the completion of a 100 ms asynchronous
// call runs only once the leader has given the connection back.
TEST(MultiplexerDeadlineWhileLeading, AShortAsynchronousCallCompletesAtItsDeadline) {
    testing::redis_server server;
    auto m = connect_idle(server.port());
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->call("PING"));
    std::atomic<bool> leader_done{false};
    std::thread leader = lead_on_a_paused_server(*m, server, leader_done);

    std::promise<bool> completed;  // whether the leader was still waiting then
    call_options short_deadline;
    short_deadline.timeout = 100ms;
    m->async_call(
        short_deadline,
        [&](result<resp::reply> r) {
            EXPECT_FALSE(r);
            completed.set_value(!leader_done.load());
        },
        "GET", "k");
    const bool leader_still_waiting = completed.get_future().get();
    server.resume();
    leader.join();

    EXPECT_TRUE(leader_still_waiting)
        << "the 100 ms call completed only after the leader's 4 s call";
}

}  // namespace
}  // namespace respcache::net
