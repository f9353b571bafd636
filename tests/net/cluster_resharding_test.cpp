#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "cluster_under_load.hpp"
#include "redis_cluster.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connection_string.hpp"

namespace {

using namespace std::chrono_literals;
using respcache::net::cluster_client;
using respcache::net::parse_connection_string;
using respcache::testing::cluster_load;
using respcache::testing::redis_cluster;

// CLUSTER SLOTS calls every node has served (INFO commandstats).
std::uint64_t cluster_slots_calls(const redis_cluster& cluster) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        const std::string stats = cluster.command(i, {"INFO", "commandstats"});
        const auto at = stats.find("cmdstat_cluster|slots:calls=");
        if (at != std::string::npos) total += std::strtoull(stats.c_str() + at + 28, nullptr, 10);
    }
    return total;
}

// 8 threads write and read their own keys while redis-cli moves 1000 slots
// (and the keys in them) from one primary to another.
TEST(ClusterResharding, NoWrongValueNoSilentLossAndFewRefreshesWhileSlotsMove) {
    redis_cluster::settings s;
    s.replicas_per_primary = 0;
    redis_cluster cluster(s);
    auto options = parse_connection_string(cluster.seeds());
    ASSERT_TRUE(options.has_value());
    auto client = cluster_client::connect(*options);
    ASSERT_TRUE(client.has_value()) << client.error_value().message;
    const std::uint64_t slots_calls_before = cluster_slots_calls(cluster);

    const auto nodes = cluster.nodes();
    ASSERT_GE(nodes.size(), 2u);
    cluster_load load(*client, 8, 200);
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(cluster.move_slots(nodes[0].port, nodes[1].port, 1000));
    std::this_thread::sleep_for(300ms);
    load.stop();

    auto& t = load.counts();
    EXPECT_GT(t.writes.load(), 1000u);
    EXPECT_EQ(t.wrong_values.load(), 0u);
    EXPECT_EQ(t.stale_values.load(), 0u);
    EXPECT_EQ(t.unexpected_errors.load(), 0u) << t.first_unexpected;
    // Reads are retry-safe and every move is followed: none failed.
    EXPECT_EQ(t.failed_reads.load(), 0u);
    const auto c = (*client)->snapshot();
    EXPECT_GT(c.moved, 0u);
    // One refresh at a time, with a cooldown: a handful for the whole move,
    // however many MOVED replies came back.
    // (A refresh the client has just started may not have reached its node.)
    const std::uint64_t refreshes = cluster_slots_calls(cluster) - slots_calls_before;
    EXPECT_LE(refreshes, c.refreshes);
    EXPECT_LE(c.refreshes, 10u) << c.moved << " MOVED replies";
    std::printf("resharding: %llu writes, %llu reads, %llu MOVED, %llu ASK, %llu refreshes\n",
                static_cast<unsigned long long>(t.writes.load()),
                static_cast<unsigned long long>(t.reads.load()),
                static_cast<unsigned long long>(c.moved), static_cast<unsigned long long>(c.ask),
                static_cast<unsigned long long>(refreshes));
}

}  // namespace
