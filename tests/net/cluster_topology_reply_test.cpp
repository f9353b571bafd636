#include "respcache/net/cluster/topology_reply.hpp"

#include <gtest/gtest.h>

#include <string>

#include "cluster_reply_bytes.hpp"
#include "respcache/net/cluster/slot_table.hpp"

namespace {

using namespace respcache::net::cluster;
using respcache::error_kind;
using respcache::net::endpoint;
using respcache::testing::reply_from;

std::string arr(std::size_t n) {
    return "*" + std::to_string(n) + "\r\n";
}
std::string map(std::size_t n) {
    return "%" + std::to_string(n) + "\r\n";
}
std::string blob(std::string_view s) {
    return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}
std::string num(long long i) {
    return ":" + std::to_string(i) + "\r\n";
}
// One node of a CLUSTER SLOTS range, as Redis 7 sends it (with metadata).
std::string slots_node(std::string_view host, int port, std::string_view id) {
    return arr(4) + blob(host) + num(port) + blob(id) + map(0);
}

const endpoint answering = endpoint::tcp("10.0.0.9", 7000);

TEST(ClusterSlotsReply, GroupsRangesByPrimaryWithTheirReplicas) {
    const auto reply =
        reply_from(arr(3) +  //
                   arr(4) + num(0) + num(5460) + slots_node("10.0.0.1", 7000, "a") +
                   slots_node("10.0.0.4", 7000, "d") +  //
                   arr(3) + num(5461) + num(10922) + slots_node("10.0.0.2", 7000, "b") + arr(3) +
                   num(10923) + num(16383) + slots_node("10.0.0.1", 7000, "a"));
    auto t = parse_cluster_slots(*reply, answering);
    ASSERT_TRUE(t.has_value()) << t.error_value().message;
    ASSERT_EQ(t->shards.size(), 2u);
    EXPECT_EQ(t->shards[0].primary, endpoint::tcp("10.0.0.1", 7000));
    EXPECT_EQ(t->shards[0].replicas, std::vector<endpoint>{endpoint::tcp("10.0.0.4", 7000)});
    EXPECT_EQ(t->shards[0].slots, (std::vector<slot_range>{{0, 5460}, {10923, 16383}}));
    EXPECT_EQ(t->shards[1].primary, endpoint::tcp("10.0.0.2", 7000));

    const slot_table table(*t);
    EXPECT_TRUE(table.covers_every_slot());
    EXPECT_EQ(*table.primary_for(0), endpoint::tcp("10.0.0.1", 7000));
    EXPECT_EQ(*table.primary_for(5461), endpoint::tcp("10.0.0.2", 7000));
    EXPECT_EQ(*table.primary_for(16383), endpoint::tcp("10.0.0.1", 7000));
    EXPECT_EQ(table.replicas_of(table.owner(0)).size(), 1u);
}

TEST(ClusterSlotsReply, EmptyHostIsTheNodeThatAnswered) {
    const auto reply =
        reply_from(arr(1) + arr(3) + num(0) + num(16383) + slots_node("", 7001, "a"));
    auto t = parse_cluster_slots(*reply, answering);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->shards.at(0).primary, endpoint::tcp("10.0.0.9", 7001));
}

TEST(ClusterSlotsReply, UnknownPrimaryLeavesItsRangeUnserved) {
    const auto reply = reply_from(arr(2) +                                                  //
                                  arr(3) + num(0) + num(99) + slots_node("?", 7000, "a") +  //
                                  arr(4) + num(100) + num(16383) + slots_node("h", 7002, "b") +
                                  slots_node("?", 7003, "c"));
    auto t = parse_cluster_slots(*reply, answering);
    ASSERT_TRUE(t.has_value());
    ASSERT_EQ(t->shards.size(), 1u);
    EXPECT_TRUE(t->shards[0].replicas.empty());
    const slot_table table(*t);
    EXPECT_EQ(table.primary_for(99), nullptr);
    EXPECT_FALSE(table.covers_every_slot());
}

TEST(ClusterSlotsReply, RespTwoFormWithoutMetadataParses) {
    const auto reply = reply_from(arr(1) + arr(3) + num(0) + num(16383) + arr(3) + blob("h") +
                                  num(1) + blob("id"));
    auto t = parse_cluster_slots(*reply, answering);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->shards.at(0).primary, endpoint::tcp("h", 1));
}

TEST(ClusterSlotsReply, MalformedRepliesAreProtocolErrors) {
    for (const std::string& bytes : {
             blob("not an array"),
             arr(1) + arr(2) + num(0) + num(1),                                      // no primary
             arr(1) + arr(3) + num(0) + num(16384) + slots_node("h", 1, "a"),        // slot range
             arr(1) + arr(3) + num(10) + num(9) + slots_node("h", 1, "a"),           // reversed
             arr(1) + arr(3) + num(0) + num(1) + arr(2) + blob("h") + blob("port"),  // port text
             arr(1) + arr(3) + num(0) + num(1) + blob("node"),                       // node shape
         }) {
        auto t = parse_cluster_slots(*reply_from(bytes), answering);
        ASSERT_FALSE(t.has_value()) << bytes;
        EXPECT_EQ(t.error_value().kind, error_kind::protocol);
    }
}

std::string shard_node(std::string_view ip, int port, std::string_view role,
                       std::string_view health, bool resp3 = true) {
    std::string fields = blob("id") + blob("x") + blob("port") + num(port) + blob("ip") + blob(ip) +
                         blob("endpoint") + blob(ip) + blob("role") + blob(role) +
                         blob("replication-offset") + num(10) + blob("health") + blob(health);
    return (resp3 ? map(7) : arr(14)) + fields;
}
std::string shard_entry(const std::string& slots, std::size_t nodes, const std::string& node_bytes,
                        bool resp3 = true) {
    return (resp3 ? map(2) : arr(4)) + blob("slots") + slots + blob("nodes") + arr(nodes) +
           node_bytes;
}

TEST(ClusterShardsReply, KeepsOnlineNodesAndTheirRoles) {
    const auto reply =
        reply_from(arr(2) +
                   shard_entry(arr(4) + num(0) + num(100) + num(200) + num(300), 3,
                               shard_node("10.0.0.1", 7000, "master", "online") +
                                   shard_node("10.0.0.4", 7000, "replica", "online") +
                                   shard_node("10.0.0.5", 7000, "replica", "loading")) +
                   shard_entry(arr(2) + num(301) + num(16383), 1,
                               shard_node("10.0.0.2", 7000, "master", "online")));
    auto t = parse_cluster_shards(*reply, answering);
    ASSERT_TRUE(t.has_value()) << t.error_value().message;
    ASSERT_EQ(t->shards.size(), 2u);
    EXPECT_EQ(t->shards[0].primary, endpoint::tcp("10.0.0.1", 7000));
    EXPECT_EQ(t->shards[0].replicas, std::vector<endpoint>{endpoint::tcp("10.0.0.4", 7000)});
    EXPECT_EQ(t->shards[0].slots, (std::vector<slot_range>{{0, 100}, {200, 300}}));
    const slot_table table(*t);
    EXPECT_EQ(table.primary_for(150), nullptr);
    EXPECT_EQ(*table.primary_for(16383), endpoint::tcp("10.0.0.2", 7000));
}

TEST(ClusterShardsReply, RespTwoFlatArraysParseTheSame) {
    const auto reply =
        reply_from(arr(1) + shard_entry(arr(2) + num(0) + num(16383), 1,
                                        shard_node("", 7005, "master", "online", false), false));
    auto t = parse_cluster_shards(*reply, answering);
    ASSERT_TRUE(t.has_value()) << t.error_value().message;
    EXPECT_EQ(t->shards.at(0).primary, endpoint::tcp("10.0.0.9", 7005));
}

// Redis 7.x after a failover: the failed primary's shard comes back with no
// slots and the promoted replica's shard carries them.
TEST(ClusterShardsReply, ShardWithEmptySlotListOrFailedPrimaryServesNothing) {
    const auto reply = reply_from(
        arr(3) + shard_entry(arr(0), 1, shard_node("10.0.0.1", 7000, "master", "failed")) +
        shard_entry(arr(2) + num(0) + num(8191), 2,
                    shard_node("10.0.0.3", 7000, "master", "failed") +
                        shard_node("10.0.0.6", 7000, "replica", "online")) +
        shard_entry(arr(2) + num(8192) + num(16383), 1,
                    shard_node("10.0.0.4", 7000, "master", "online")));
    auto t = parse_cluster_shards(*reply, answering);
    ASSERT_TRUE(t.has_value());
    ASSERT_EQ(t->shards.size(), 1u);
    EXPECT_EQ(t->shards[0].primary, endpoint::tcp("10.0.0.4", 7000));
}

TEST(ClusterShardsReply, MalformedRepliesAreProtocolErrors) {
    for (const std::string& bytes : {
             num(3),
             arr(1) + arr(3) + blob("slots") + arr(0) + blob("nodes"),         // odd
             arr(1) + shard_entry(arr(1) + num(0), 0, ""),                     // odd slots
             arr(1) + shard_entry(arr(2) + num(5) + num(99999), 0, ""),        // range
             arr(1) + shard_entry(arr(2) + num(0) + num(1), 1, blob("node")),  // node
         }) {
        auto t = parse_cluster_shards(*reply_from(bytes), answering);
        ASSERT_FALSE(t.has_value()) << bytes;
        EXPECT_EQ(t.error_value().kind, error_kind::protocol);
    }
}

}  // namespace
