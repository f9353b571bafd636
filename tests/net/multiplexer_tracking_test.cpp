// Client tracking on a real server: invalidations reach the handler while
// the multiplexer is idle, tracking comes back after a restart, and a RESP2
// connection or a second track() is refused with a reason.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;

// What the handler heard: "on", "keys a b", "everything", "lost", "unavailable: ...".
struct heard {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> lines;

    invalidation_handler handler() {
        return [this](const invalidation& i) {
            std::string line;
            switch (i.what) {
                case invalidation::kind::tracking_on:
                    line = "on";
                    break;
                case invalidation::kind::keys:
                    line = "keys";
                    for (std::string_view k : i.keys) line.append(" ").append(k);
                    break;
                case invalidation::kind::everything:
                    line = "everything";
                    break;
                case invalidation::kind::tracking_lost:
                    line = "lost";
                    break;
                case invalidation::kind::unavailable:
                    line = "unavailable: " + std::string(i.reason);
                    break;
            }
            std::lock_guard lock(mutex);
            lines.push_back(line);
            changed.notify_all();
        };
    }
    // Waits until `line` was heard (after the first `from` lines).
    bool wait_for(const std::string& line, std::size_t from = 0) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, 10s, [&] {
            return std::find(lines.begin() + static_cast<std::ptrdiff_t>(from), lines.end(),
                             line) != lines.end();
        });
    }
    std::size_t size() {
        std::lock_guard lock(mutex);
        return lines.size();
    }
};

std::shared_ptr<multiplexer> connect_to(const testing::redis_server& server,
                                        const std::string& extra = "") {
    auto options = parse_connection_string(server.connection_string() + extra);
    auto m = multiplexer::connect(*options);
    EXPECT_TRUE(m) << (m ? "" : m.error_value().message);
    return m ? *m : nullptr;
}

TEST(MultiplexerTracking, AnotherClientsWriteReachesTheHandlerOfAnIdleMultiplexer) {
    testing::redis_server server;
    auto m = connect_to(server);
    heard h;
    ASSERT_TRUE(m->track({}, h.handler()));
    ASSERT_TRUE(h.wait_for("on"));
    ASSERT_TRUE(m->call("GET", "k"));
    ASSERT_TRUE(m->call("GET", "own"));
    // NOLOOP: its own write is not reported back (it would come before k's).
    ASSERT_TRUE(m->call("SET", "own", "1"));
    server.raw_command({"SET", "k", "2"});
    EXPECT_TRUE(h.wait_for("keys k"));
    server.raw_command({"FLUSHDB"});
    EXPECT_TRUE(h.wait_for("everything"));
    std::lock_guard lock(h.mutex);
    EXPECT_EQ(std::count(h.lines.begin(), h.lines.end(), "keys own"), 0);
}

TEST(MultiplexerTracking, TrackingIsTurnedOnAgainAfterARestart) {
    testing::redis_server server;
    auto m = connect_to(server);
    heard h;
    ASSERT_TRUE(m->track({}, h.handler()));
    ASSERT_TRUE(h.wait_for("on"));
    server.kill();
    ASSERT_TRUE(h.wait_for("lost"));
    const std::size_t before = h.size();
    server.restart();
    ASSERT_TRUE(h.wait_for("on", before));
    ASSERT_TRUE(m->call("GET", "k"));
    server.raw_command({"SET", "k", "after"});
    EXPECT_TRUE(h.wait_for("keys k"));
}

TEST(MultiplexerTracking, ASecondTrackIsAConfigError) {
    testing::redis_server server;
    auto m = connect_to(server);
    heard h;
    ASSERT_TRUE(m->track({}, h.handler()));
    auto again = m->track({}, h.handler());
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error_value().kind, error_kind::config);
}

TEST(MultiplexerTracking, ARespTwoConnectionIsReportedUnavailable) {
    testing::redis_server server;
    auto m = connect_to(server, ",protocol=resp2");
    heard h;
    ASSERT_TRUE(m->track({}, h.handler()));
    EXPECT_TRUE(h.wait_for(
        "unavailable: the connection speaks RESP2, where invalidations need a second connection "
        "(REDIRECT); use protocol=resp3 with a server that has HELLO 3"));
}

TEST(MultiplexerTracking, BroadcastReportsKeysUnderThePrefixNeverRead) {
    testing::redis_server server;
    auto m = connect_to(server);
    heard h;
    tracking_options o;
    o.broadcast = true;
    o.bcast_prefixes = {"app:"};
    ASSERT_TRUE(m->track(o, h.handler()));
    ASSERT_TRUE(h.wait_for("on"));
    server.raw_command({"SET", "other:k", "1"});
    server.raw_command({"SET", "app:k", "1"});
    EXPECT_TRUE(h.wait_for("keys app:k"));
    std::lock_guard lock(h.mutex);
    EXPECT_EQ(std::count(h.lines.begin(), h.lines.end(), "keys other:k"), 0);
}

}  // namespace
}  // namespace respcache::net
