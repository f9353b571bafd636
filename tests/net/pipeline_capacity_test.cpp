// Capacity: every counted request gives back its bytes exactly once, when it
// leaves the pipeline (answered, taken off the wire, lost, failed); keepalives
// and prepended restores are not counted. shrink_when_idle() never touches
// bytes still to be written.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "pipeline_script.hpp"

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;
using released = std::pair<std::size_t, std::size_t>;

TEST(pipeline_capacity, each_request_is_released_once_when_it_leaves_the_pipeline) {
    fake_connection f;
    outcome_log log;
    const std::string a = command("GET", "a"), b = command("GET", "bb"), c = command("GET", "ccc"),
                      d = command("GET", "dddd");
    f.p.push(a, plain(1s), log.slot(0));
    f.p.push(command("PING"), keepalive(1h), nullptr);
    f.write_everything();
    f.p.push(b, plain(1s), log.slot(1));
    f.p.push(c, plain(1h), log.slot(2));
    EXPECT_EQ(f.p.take_released(), released(0, 0));
    EXPECT_FALSE(f.p.expire(t0 + 1s));
    // `a` timed out but its reply is still to come; `b` waits behind it.
    EXPECT_EQ(f.p.take_released(), released(0, 0));
    f.server_says(blob("A"));
    EXPECT_EQ(f.p.take_released(), released(1, a.size()));
    f.server_says("+PONG\r\n");  // the keepalive is not counted; `b` leaves with it
    EXPECT_EQ(f.p.take_released(), released(1, b.size()));
    EXPECT_EQ(f.p.take_released(), released(0, 0)) << "taken once";
    f.write_everything();
    f.p.push(d, plain(1h), log.slot(3));
    f.lose();
    EXPECT_EQ(f.p.take_released(), released(1, c.size())) << "c was written: outcome unknown";
    f.p.fail_all(error{error_kind::closed, "closed"});
    EXPECT_EQ(f.p.take_released(), released(1, d.size()));
    EXPECT_EQ(log.completions(), 4);
}

TEST(pipeline_capacity, prepended_restores_are_not_counted) {
    fake_connection f;
    outcome_log log;
    f.lose();
    std::vector<prelude_request> restores;
    restores.push_back({command("SUBSCRIBE", "x"), subscription(1h, 1), log.slot(0)});
    restores.push_back({command("SUBSCRIBE", "y"), subscription(1s, 1), log.slot(1)});
    f.p.prepend(restores);
    f.p.connected();
    f.write(5);
    EXPECT_FALSE(f.p.expire(t0 + 1s));  // y expires unsent
    f.write_everything();
    f.server_says(subscribe_confirmation("x", 1));
    EXPECT_EQ(f.p.take_released(), released(0, 0));
    EXPECT_TRUE(f.p.idle());
    EXPECT_EQ(log.completions(), 2);
}

TEST(pipeline_capacity, shrink_when_idle_keeps_unwritten_bytes_and_the_pipeline_works_after) {
    fake_connection f;
    outcome_log log;
    const std::string huge = command("SET", "k", std::string(3 << 20, 'v'));
    f.p.push(huge, plain(1h), log.slot(0));
    f.write(huge.size() / 2);
    f.p.shrink_when_idle();  // not idle: nothing changes
    f.write_everything();
    EXPECT_EQ(f.sent, huge);
    f.server_says("+OK\r\n");
    EXPECT_EQ(f.p.take_released(), released(1, huge.size()));
    EXPECT_TRUE(f.p.idle());
    f.p.shrink_when_idle();
    f.p.push(command("GET", "k"), plain(1h), log.slot(1));
    EXPECT_EQ(f.write_everything(), command("GET", "k"));
    f.server_says(blob("v"));
    EXPECT_EQ(log.text(1), "v");
    EXPECT_EQ(f.p.take_released(), released(1, command("GET", "k").size()));
}

}  // namespace
}  // namespace respcache::net::testing
