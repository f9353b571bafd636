#include "respcache/net/cluster/redirect_policy.hpp"

#include <gtest/gtest.h>

namespace {

using namespace respcache::net::cluster;
using namespace std::chrono_literals;
using respcache::net::endpoint;
using kind = redirect_step::kind;

const endpoint sent_to = endpoint::tcp("10.0.0.1", 7000);
const redirect_settings defaults;

TEST(ClusterRedirectPolicy, MovedRedirectsPatchesTheSlotAndAsksForARefresh) {
    const auto s = next_step("MOVED 42 10.0.0.2:7001", sent_to, 0, 1000ms, false, defaults);
    EXPECT_EQ(s.what, kind::redirect);
    EXPECT_EQ(s.target, endpoint::tcp("10.0.0.2", 7001));
    EXPECT_FALSE(s.asking);
    EXPECT_TRUE(s.patch_slot);
    EXPECT_EQ(s.slot, 42);
    EXPECT_TRUE(s.refresh);
}

TEST(ClusterRedirectPolicy, MovedToTheNodeItWasSentToReconnectsThatNode) {
    const auto same = next_step("MOVED 42 10.0.0.1:7000", sent_to, 0, 1000ms, false, defaults);
    EXPECT_EQ(same.what, kind::redirect);
    EXPECT_TRUE(same.reconnect);
    EXPECT_EQ(same.target, sent_to);
    EXPECT_FALSE(
        next_step("MOVED 42 10.0.0.1:7001", sent_to, 0, 1000ms, false, defaults).reconnect);
    EXPECT_FALSE(next_step("ASK 42 10.0.0.1:7000", sent_to, 0, 1000ms, false, defaults).reconnect);
    // Even a command out of redirections leaves the connection renewed.
    EXPECT_TRUE(next_step("MOVED 42 10.0.0.1:7000", sent_to, 5, 1000ms, false, defaults).reconnect);
}

TEST(ClusterRedirectPolicy, AskRedirectsWithAskingAndLeavesTheTable) {
    const auto s = next_step("ASK 42 10.0.0.2:7001", sent_to, 0, 1000ms, false, defaults);
    EXPECT_EQ(s.what, kind::redirect);
    EXPECT_TRUE(s.asking);
    EXPECT_FALSE(s.patch_slot);
    EXPECT_FALSE(s.refresh);
}

TEST(ClusterRedirectPolicy, RedirectsStopAtTheCapOrTheDeadline) {
    EXPECT_EQ(next_step("ASK 1 h:1", sent_to, 4, 1000ms, true, defaults).what, kind::redirect);
    EXPECT_EQ(next_step("ASK 1 h:1", sent_to, 5, 1000ms, true, defaults).what, kind::deliver);
    EXPECT_EQ(next_step("ASK 1 h:1", sent_to, 0, 0ms, true, defaults).what, kind::deliver);
    // A MOVED the command cannot follow still corrects the table.
    const auto capped = next_step("MOVED 1 h:1", sent_to, 5, 1000ms, true, defaults);
    EXPECT_EQ(capped.what, kind::deliver);
    EXPECT_TRUE(capped.patch_slot);
}

TEST(ClusterRedirectPolicy, TransientErrorsWaitWithBackoffForRetrySafeCommands) {
    const auto first = next_step("CLUSTERDOWN The cluster is down", sent_to, 0, 5s, true, defaults);
    EXPECT_EQ(first.what, kind::wait);
    EXPECT_EQ(first.delay, 20ms);
    EXPECT_TRUE(first.refresh);
    EXPECT_EQ(next_step("LOADING", sent_to, 2, 5s, true, defaults).delay, 80ms);
    EXPECT_EQ(next_step("MASTERDOWN", sent_to, 4, 5s, true, defaults).delay, 320ms);
    redirect_settings many = defaults;
    many.max_redirects = 50;
    EXPECT_EQ(next_step("LOADING", sent_to, 30, 5s, true, many).delay, 500ms);
}

TEST(ClusterRedirectPolicy, OnlyTryAgainIsRetriedForWrites) {
    EXPECT_EQ(next_step("CLUSTERDOWN x", sent_to, 0, 5s, false, defaults).what, kind::deliver);
    EXPECT_EQ(next_step("MASTERDOWN x", sent_to, 0, 5s, false, defaults).what, kind::deliver);
    // TRYAGAIN: the server refused to run the command at all.
    const auto s = next_step("TRYAGAIN Multiple keys request during rehashing of slot", sent_to, 0,
                             5s, false, defaults);
    EXPECT_EQ(s.what, kind::wait);
    EXPECT_FALSE(s.refresh);
}

TEST(ClusterRedirectPolicy, NoWaitBeyondTheDeadline) {
    EXPECT_EQ(next_step("TRYAGAIN x", sent_to, 3, 100ms, true, defaults).what, kind::deliver);
    EXPECT_EQ(next_step("TRYAGAIN x", sent_to, 3, 200ms, true, defaults).what, kind::wait);
}

TEST(ClusterRedirectPolicy, OtherErrorsAreDelivered) {
    const auto s = next_step("WRONGTYPE Operation against a key", sent_to, 0, 5s, true, defaults);
    EXPECT_EQ(s.what, kind::deliver);
    EXPECT_FALSE(s.refresh);
    EXPECT_FALSE(s.patch_slot);
}

}  // namespace
