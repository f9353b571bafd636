// Narrowed from the soak's late completions: the I/O thread reconnects
// synchronously (connection::open in try_connect), bounded by the earliest
// deadline known when the attempt starts, or by connectTimeout when no
// request waits. A request handed over during the attempt waits for it to
// end, whatever its own deadline.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"
#include "tcp_proxy.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;

// Fails today: the server is paused, so the reconnect's TCP connection is
// accepted (by the kernel) but its handshake is never answered; the 100 ms
// call ends when the 3 s connectTimeout does (measured: about 2.9 s).
TEST(MultiplexerDeadlineWhileReconnecting, AShortCallEndsAtItsDeadline) {
    testing::redis_server server;
    testing::tcp_proxy proxy(server.port());
    auto options = parse_connection_string("127.0.0.1:" + std::to_string(proxy.port()) +
                                           ",connectTimeout=3000,syncTimeout=3000");
    ASSERT_TRUE(options);
    auto connected = multiplexer::connect(*options);
    ASSERT_TRUE(connected) << connected.error_value().message;
    multiplexer& m = **connected;
    ASSERT_TRUE(m.call("PING"));

    server.pause();
    proxy.cut_all();
    std::this_thread::sleep_for(200ms);  // the I/O thread is in its reconnect attempt

    call_options short_deadline;
    short_deadline.timeout = 100ms;
    const auto began = std::chrono::steady_clock::now();
    auto r = m.call(short_deadline, "GET", "k");
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    server.resume();

    ASSERT_FALSE(r);
    EXPECT_EQ(r.error_value().kind, error_kind::timeout) << r.error_value().message;
    // Its deadline plus the soak's grace, well before the connect timeout.
    EXPECT_LT(took, 100ms + 1500ms) << "a 100 ms call returned after " << took.count() << " ms";
}

}  // namespace
}  // namespace respcache::net
