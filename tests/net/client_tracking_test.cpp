// The tracking state machine without a server: what it sends on each new
// connection, what the server's pushes and refusals become, what a lost
// connection implies, and that a push before a reply is heard before it.

#include "client_tracking.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline_script.hpp"

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;

// What the handler heard, one line per call: "on", "keys a b", "everything:
// <reason>", "unavailable: <reason>", and "reply <text>" for request replies.
struct heard {
    std::vector<std::string> lines;
    invalidation_handler handler() {
        return [this](const invalidation& i) {
            switch (i.what) {
                case invalidation::kind::tracking_on:
                    lines.push_back("on");
                    break;
                case invalidation::kind::keys: {
                    std::string line = "keys";
                    for (std::string_view k : i.keys) line.append(" ").append(k);
                    lines.push_back(line);
                    break;
                }
                case invalidation::kind::everything:
                    lines.push_back("everything: " + std::string(i.reason));
                    break;
                case invalidation::kind::tracking_lost:
                    lines.push_back("lost: " + std::string(i.reason));
                    break;
                case invalidation::kind::unavailable:
                    lines.push_back("unavailable: " + std::string(i.reason));
                    break;
            }
        };
    }
};

// A command connection as the multiplexer drives it: the tracking request
// first on each new connection, unmatched pushes offered to the tracking.
struct tracked_connection {
    detail::client_tracking tracking;
    fake_connection link;
    heard log;

    void connect(int protocol) {
        link.p.connection_lost(error{error_kind::io, "reconnecting"});
        if (auto first = tracking.on_connected(protocol, t0 + 1s)) link.p.prepend({&*first, 1});
        link.p.connected();
    }
    void server_says(std::string_view bytes) {
        link.reader.feed(bytes);
        for (;;) {
            auto next = link.reader.next();
            ASSERT_TRUE(next);
            if (!next->has_value()) break;
            if (link.p.on_reply(**next) == pipeline::reply_use::message) {
                if (!tracking.deliver(**next)) log.lines.push_back("not an invalidation");
            }
        }
    }
    void get(std::string_view key) {
        link.p.push(command("GET", key), plain(1s, true), [this](result<resp::reply> r) {
            log.lines.push_back("reply " +
                                (r ? std::string(r->string()) : r.error_value().message));
        });
    }
};

std::string invalidate(const std::vector<std::string>& keys) {
    std::string out = ">2\r\n" + blob("invalidate") + "*" + std::to_string(keys.size()) + "\r\n";
    for (const auto& k : keys) out += blob(k);
    return out;
}

TEST(ClientTracking, CommandCarriesNoloopAndEveryBroadcastPrefix) {
    EXPECT_EQ(detail::tracking_command({}), command("CLIENT", "TRACKING", "on", "NOLOOP"));
    EXPECT_EQ(detail::tracking_command({false, true, {"app:", "other:"}}),
              command("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "app:", "PREFIX", "other:"));
    EXPECT_EQ(detail::tracking_command({true, true, {}}),
              command("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"));
}

TEST(ClientTracking, EachNewConnectionTurnsTrackingOnBeforeAnythingElse) {
    tracked_connection c;
    ASSERT_TRUE(c.tracking.enable({}, c.log.handler()));
    c.get("queued-while-down");
    c.connect(3);
    EXPECT_EQ(c.link.write(1 << 20),
              command("CLIENT", "TRACKING", "on", "NOLOOP") + command("GET", "queued-while-down"));
    c.server_says("+OK\r\n$1\r\nv\r\n");
    EXPECT_EQ(c.log.lines, (std::vector<std::string>{"on", "reply v"}));

    c.tracking.connection_lost("the connection was lost: reset");
    c.connect(3);
    EXPECT_EQ(c.link.write(1 << 20), command("CLIENT", "TRACKING", "on", "NOLOOP"));
    c.server_says("+OK\r\n");
    EXPECT_EQ(c.log.lines, (std::vector<std::string>{
                               "on", "reply v", "lost: the connection was lost: reset", "on"}));
}

TEST(ClientTracking, EnabledAfterConnectingIsSentOnTheCurrentConnectionOnce) {
    tracked_connection c;
    c.connect(3);
    EXPECT_FALSE(c.tracking.pending_request(t0 + 1s)) << "not wanted yet";
    ASSERT_TRUE(c.tracking.enable({}, c.log.handler()));
    EXPECT_FALSE(c.tracking.enable({}, c.log.handler())) << "a second enable is refused";
    auto late = c.tracking.pending_request(t0 + 1s);
    ASSERT_TRUE(late);
    EXPECT_EQ(late->bytes, command("CLIENT", "TRACKING", "on", "NOLOOP"));
    EXPECT_FALSE(c.tracking.pending_request(t0 + 1s)) << "asked once per connection";
}

TEST(ClientTracking, InvalidatedKeysAndNullInvalidationReachTheHandler) {
    tracked_connection c;
    ASSERT_TRUE(c.tracking.enable({}, c.log.handler()));
    c.connect(3);
    c.link.write(1 << 20);
    c.server_says("+OK\r\n" + invalidate({"a", "b"}) + ">2\r\n" + blob("invalidate") + "_\r\n" +
                  ">3\r\n" + blob("message") + blob("news") + blob("hi"));
    EXPECT_EQ(c.log.lines, (std::vector<std::string>{"on", "keys a b",
                                                     "everything: the server flushed the database",
                                                     "not an invalidation"}));
}

TEST(ClientTracking, AnInvalidationSentBeforeAReplyIsHeardBeforeIt) {
    // The "being fetched" marker of a near cache relies on this order.
    tracked_connection c;
    ASSERT_TRUE(c.tracking.enable({}, c.log.handler()));
    c.connect(3);
    c.get("k");
    c.link.write(1 << 20);
    c.server_says("+OK\r\n" + invalidate({"k"}) + blob("old") + invalidate({"k"}));
    EXPECT_EQ(c.log.lines, (std::vector<std::string>{"on", "keys k", "reply old", "keys k"}));
}

TEST(ClientTracking, RefusedTrackingIsReportedUnavailable) {
    tracked_connection c;
    ASSERT_TRUE(c.tracking.enable({}, c.log.handler()));
    c.connect(3);
    c.link.write(1 << 20);
    c.server_says("-ERR unknown subcommand 'TRACKING'\r\n");
    ASSERT_EQ(c.log.lines.size(), 1u);
    EXPECT_EQ(c.log.lines[0],
              "unavailable: the server refused CLIENT TRACKING: ERR unknown subcommand 'TRACKING'");
}

TEST(ClientTracking, Resp2ConnectionIsReportedUnavailableAndSendsNothing) {
    tracked_connection c;
    ASSERT_TRUE(c.tracking.enable({}, c.log.handler()));
    c.connect(2);
    EXPECT_EQ(c.link.write(1 << 20), "");
    ASSERT_EQ(c.log.lines.size(), 1u);
    EXPECT_TRUE(c.log.lines[0].starts_with("unavailable: the connection speaks RESP2"))
        << c.log.lines[0];
}

TEST(ClientTracking, LossBeforeAnyConnectionOrWithoutTrackingTellsNothing) {
    tracked_connection c;
    c.connect(3);
    c.tracking.connection_lost("lost");  // not wanted: nobody to tell
    ASSERT_TRUE(c.tracking.enable({}, c.log.handler()));
    c.tracking.connection_lost("lost again");  // no connection since the last loss
    EXPECT_TRUE(c.log.lines.empty());
    EXPECT_FALSE(c.tracking.deliver(resp::reply())) << "not a push";
}

}  // namespace
}  // namespace respcache::net::testing
