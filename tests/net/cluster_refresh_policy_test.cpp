#include "respcache/net/cluster/refresh_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace {

using namespace respcache::net::cluster;
using namespace std::chrono_literals;
using time_point = refresh_policy::clock::time_point;

refresh_settings settings(std::chrono::milliseconds cooldown, std::chrono::milliseconds delay,
                          std::size_t nodes = 3) {
    refresh_settings s;
    s.cooldown = cooldown;
    s.max_random_delay = delay;
    s.nodes_per_refresh = nodes;
    return s;
}

const time_point t0 = time_point{} + 1000s;

TEST(ClusterRefreshPolicy, IdleUntilAsked) {
    refresh_policy p(settings(1000ms, 0ms), 1);
    EXPECT_FALSE(p.next_start());
    EXPECT_FALSE(p.start(t0, 5, 1));
    EXPECT_EQ(p.refreshes_started(), 0u);
}

TEST(ClusterRefreshPolicy, StartsAfterARandomDelayWithinTheBound) {
    std::set<std::int64_t> delays;
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
        refresh_policy p(settings(0ms, 100ms), seed);
        p.request(t0);
        const auto at = p.next_start();
        ASSERT_TRUE(at);
        EXPECT_GE(*at, t0);
        EXPECT_LE(*at, t0 + 100ms);
        delays.insert(std::chrono::duration_cast<std::chrono::milliseconds>(*at - t0).count());
        if (*at > t0) {
            EXPECT_FALSE(p.start(t0, 3, 1));
        }
        EXPECT_TRUE(p.start(*at, 3, 1));
    }
    EXPECT_GT(delays.size(), 1u);
}

TEST(ClusterRefreshPolicy, OneAtATimeAndRequestsDuringOneMerge) {
    refresh_policy p(settings(1000ms, 0ms), 7);
    p.request(t0);
    ASSERT_TRUE(p.start(t0, 3, 1));
    for (int i = 0; i < 100; ++i) p.request(t0 + 1ms);
    EXPECT_TRUE(p.running());
    EXPECT_FALSE(p.start(t0 + 2ms, 3, 1));
    p.finish(t0 + 10ms, true);
    // The requests made during the refresh are served once, after the cooldown.
    EXPECT_EQ(p.next_start(), t0 + 1010ms);
    EXPECT_FALSE(p.start(t0 + 500ms, 3, 1));
    EXPECT_TRUE(p.start(t0 + 1010ms, 3, 1));
    p.finish(t0 + 1020ms, true);
    EXPECT_FALSE(p.next_start());
    EXPECT_EQ(p.refreshes_started(), 2u);
}

TEST(ClusterRefreshPolicy, CooldownHoldsBackARequestAfterARefresh) {
    refresh_policy p(settings(1000ms, 50ms), 3);
    p.request(t0);
    ASSERT_TRUE(p.start(*p.next_start(), 3, 1));
    p.finish(t0 + 100ms, true);
    p.request(t0 + 200ms);
    EXPECT_GE(*p.next_start(), t0 + 1100ms);
}

TEST(ClusterRefreshPolicy, AsksAFewDistinctRandomKnownNodes) {
    refresh_policy p(settings(0ms, 0ms, 3), 11);
    std::set<std::vector<std::size_t>> orders;
    for (int i = 0; i < 10; ++i) {
        p.request(t0);
        const auto plan = p.start(t0, 9, 2);
        ASSERT_TRUE(plan);
        EXPECT_FALSE(plan->from_seeds);
        ASSERT_EQ(plan->targets.size(), 3u);
        EXPECT_EQ(std::set<std::size_t>(plan->targets.begin(), plan->targets.end()).size(), 3u);
        EXPECT_LT(*std::max_element(plan->targets.begin(), plan->targets.end()), 9u);
        orders.insert(plan->targets);
        p.finish(t0, true);
    }
    EXPECT_GT(orders.size(), 1u);
}

TEST(ClusterRefreshPolicy, WhenEveryKnownNodeFailsTheNextRefreshAsksTheSeeds) {
    refresh_policy p(settings(500ms, 0ms, 2), 5);
    p.request(t0);
    auto first = p.start(t0, 6, 2);
    ASSERT_TRUE(first);
    EXPECT_FALSE(first->from_seeds);
    p.finish(t0 + 10ms, false);
    // A failed refresh schedules another one by itself, after the cooldown.
    ASSERT_EQ(p.next_start(), t0 + 510ms);
    auto second = p.start(t0 + 510ms, 6, 2);
    ASSERT_TRUE(second);
    EXPECT_TRUE(second->from_seeds);
    EXPECT_EQ(second->targets.size(), 2u);
    p.finish(t0 + 520ms, true);
    p.request(t0 + 2s);
    auto third = p.start(t0 + 2s, 6, 2);
    ASSERT_TRUE(third);
    EXPECT_FALSE(third->from_seeds);
}

TEST(ClusterRefreshPolicy, NoKnownNodesMeansSeeds) {
    refresh_policy p(settings(0ms, 0ms), 1);
    p.request(t0);
    auto plan = p.start(t0, 0, 3);
    ASSERT_TRUE(plan);
    EXPECT_TRUE(plan->from_seeds);
    EXPECT_EQ(plan->targets.size(), 3u);
}

TEST(ClusterRefreshPolicy, PeriodicRefreshWhenSet) {
    refresh_settings s = settings(100ms, 0ms);
    s.periodic = 30s;
    refresh_policy p(s, 1);
    p.request(t0);
    ASSERT_TRUE(p.start(t0, 3, 1));
    p.finish(t0, true);
    EXPECT_EQ(p.next_start(), t0 + 30s);
}

}  // namespace
