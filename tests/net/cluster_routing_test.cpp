#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "redis_cluster.hpp"
#include "redis_server.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connection_string.hpp"

namespace {

using namespace std::chrono_literals;
using respcache::error_kind;
using respcache::net::cluster_batch;
using respcache::net::cluster_client;
using respcache::net::cluster_transaction;
using respcache::net::endpoint;
using respcache::net::parse_connection_string;
using respcache::net::cluster::hash_slot;
using respcache::testing::redis_cluster;

// One cluster (3 primaries, 1 replica each) for every test of this suite:
// they only read and write their own keys.
class ClusterRouting : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { cluster_ = new redis_cluster(); }
    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }
    void SetUp() override {
        auto options = parse_connection_string(cluster_->seeds());
        ASSERT_TRUE(options.has_value());
        auto c = cluster_client::connect(*options);
        ASSERT_TRUE(c.has_value()) << c.error_value().message;
        client_ = std::move(*c);
    }
    static redis_cluster* cluster_;
    std::shared_ptr<cluster_client> client_;
};
redis_cluster* ClusterRouting::cluster_ = nullptr;

TEST_F(ClusterRouting, DetectsTheClusterAndItsThreePrimaries) {
    EXPECT_TRUE(client_->is_cluster());
    EXPECT_EQ(client_->primaries().size(), 3u);
}

// Every key is written through the client, then found on the node CLUSTER
// NODES names as its slot's owner, asked directly.
TEST_F(ClusterRouting, EveryKeyIsStoredOnItsSlotOwner) {
    std::map<std::uint16_t, int> per_node;
    for (int i = 0; i < 60; ++i) {
        const std::string key = "route:" + std::to_string(i);
        ASSERT_EQ(cluster_->keyslot(key), hash_slot(key)) << key;
        auto set = client_->call("SET", key, i);
        ASSERT_TRUE(set.has_value()) << set.error_value().message;
        const std::uint16_t owner = cluster_->owner_of_slot(hash_slot(key));
        ASSERT_NE(owner, 0);
        EXPECT_EQ(client_->node_for_key(key), endpoint::tcp("127.0.0.1", owner));
        EXPECT_EQ(
            cluster_->command(cluster_->index_of_port(owner), {"GET", key}),
            "$" + std::to_string(std::to_string(i).size()) + "\r\n" + std::to_string(i) + "\r\n");
        ++per_node[owner];
        auto got = client_->call("GET", key);
        ASSERT_TRUE(got.has_value());
        EXPECT_EQ(got->view().string(), std::to_string(i));
    }
    EXPECT_EQ(per_node.size(), 3u);
    EXPECT_EQ(client_->snapshot().moved, 0u);
}

TEST_F(ClusterRouting, HashTagsKeepKeysTogether) {
    auto set = client_->call("MSET", "{user:7}.name", "ada", "{user:7}.mail", "ada@example");
    ASSERT_TRUE(set.has_value()) << set.error_value().message;
    auto got = client_->call("MGET", "{user:7}.name", "{user:7}.mail");
    ASSERT_TRUE(got.has_value());
    ASSERT_EQ(got->view().size(), 2u);
    EXPECT_EQ(got->view()[1].string(), "ada@example");
    cluster_transaction tx;
    tx.add("INCR", "{user:7}.visits").add("INCR", "{user:7}.visits");
    auto exec = client_->execute(tx);
    ASSERT_TRUE(exec.has_value()) << exec.error_value().message;
    EXPECT_EQ(exec->view()[1].integer(), 2);
}

TEST_F(ClusterRouting, CrossSlotCommandsAreRefusedBeforeAnyServerSeesThem) {
    auto r = client_->call("MGET", "foo", "bar");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error_value().kind, error_kind::config);
    EXPECT_NE(r.error_value().message.find("CROSSSLOT refused on the client"), std::string::npos);
    cluster_transaction tx;
    tx.add("SET", "foo", 1).add("SET", "bar", 2);
    auto exec = client_->execute(tx);
    ASSERT_FALSE(exec.has_value());
    EXPECT_EQ(exec.error_value().kind, error_kind::config);
    cluster_batch batch;
    batch.add("GET", "foo").add("DEL", "foo", "bar");
    auto b = client_->execute(batch);
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error_value().kind, error_kind::config);
    for (std::size_t i = 0; i < cluster_->size(); ++i)
        EXPECT_EQ(cluster_->command(i, {"INFO", "errorstats"}).find("CROSSSLOT"),
                  std::string::npos);
}

TEST_F(ClusterRouting, SplitHelpersAnswerInTheCallersOrder) {
    std::vector<std::string> owned;
    for (int i = 0; i < 50; ++i) owned.push_back("split:" + std::to_string(i));
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    for (const auto& k : owned) pairs.emplace_back(k, k);
    ASSERT_TRUE(client_->mset(pairs).has_value());
    std::vector<std::string_view> keys(owned.begin(), owned.end());
    keys.push_back("split:missing");
    auto values = client_->mget(keys);
    ASSERT_TRUE(values.has_value()) << values.error_value().message;
    ASSERT_EQ(values->size(), keys.size());
    for (std::size_t i = 0; i < owned.size(); ++i)
        EXPECT_EQ((*values)[i].view().string(), owned[i]);
    EXPECT_TRUE(values->back().view().is_null());
    auto count = client_->exists(keys);
    ASSERT_TRUE(count.has_value());
    EXPECT_EQ(*count, 50);
    auto removed = client_->del(std::span(keys).subspan(0, 20));
    ASSERT_TRUE(removed.has_value());
    EXPECT_EQ(*removed, 20);
    auto unlinked = client_->unlink(keys);
    ASSERT_TRUE(unlinked.has_value());
    EXPECT_EQ(*unlinked, 30);
}

TEST_F(ClusterRouting, BatchesSplitPerNodeAndAnswerByIndex) {
    cluster_batch batch;
    for (int i = 0; i < 30; ++i) batch.add("SET", "batch:" + std::to_string(i), i * 10);
    for (int i = 0; i < 30; ++i) batch.add("GET", "batch:" + std::to_string(i));
    batch.add("PING").add("INCRBY", "batch:0", 1).add("HGET", "batch:0", "f");
    auto replies = client_->execute(batch);
    ASSERT_TRUE(replies.has_value()) << replies.error_value().message;
    ASSERT_EQ(replies->size(), 63u);
    for (int i = 0; i < 30; ++i)
        EXPECT_EQ((*replies)[30 + i].view().string(), std::to_string(i * 10));
    EXPECT_EQ((*replies)[60].view().string(), "PONG");
    EXPECT_EQ((*replies)[61].view().integer(), 1);
    EXPECT_TRUE((*replies)[62].view().is_error());  // WRONGTYPE, as a value
}

TEST_F(ClusterRouting, AsyncCallsAreRoutedAndAnsweredOnce) {
    constexpr int count = 300;
    std::atomic<int> answered{0}, wrong{0};
    std::promise<void> all;
    for (int i = 0; i < count; ++i) {
        const std::string key = "async:" + std::to_string(i);
        client_->async_call(
            [&, key, i](respcache::result<respcache::resp::reply> set) {
                if (!set || set->is_error()) ++wrong;
                client_->async_call(
                    [&, i](respcache::result<respcache::resp::reply> got) {
                        if (!got || got->string() != std::to_string(i)) ++wrong;
                        if (++answered == count) all.set_value();
                    },
                    "GET", key);
            },
            "SET", key, i);
    }
    ASSERT_EQ(all.get_future().wait_for(10s), std::future_status::ready);
    EXPECT_EQ(wrong, 0);
    std::promise<respcache::error> refused;
    client_->async_call(
        [&](respcache::result<respcache::resp::reply> r) { refused.set_value(r.error_value()); },
        "MGET", "foo", "bar");
    EXPECT_EQ(refused.get_future().get().kind, error_kind::config);
}

// GET calls every replica has served (INFO commandstats).
std::uint64_t replica_gets(const redis_cluster& cluster) {
    std::uint64_t total = 0;
    for (const auto& n : cluster.nodes()) {
        if (n.primary) continue;
        const std::string stats =
            cluster.command(cluster.index_of_port(n.port), {"INFO", "commandstats"});
        const auto at = stats.find("cmdstat_get:calls=");
        if (at != std::string::npos) total += std::strtoull(stats.c_str() + at + 18, nullptr, 10);
    }
    return total;
}

TEST_F(ClusterRouting, ReplicaReadsAreOptIn) {
    ASSERT_TRUE(client_->call("SET", "replica:read", "v").has_value());
    const std::uint64_t before = replica_gets(*cluster_);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(client_->call("GET", "replica:read").has_value());
    EXPECT_EQ(replica_gets(*cluster_), before) << "reads go to primaries by default";

    respcache::net::cluster_settings settings;
    settings.reads = respcache::net::read_from::prefer_replica;
    auto options = parse_connection_string(cluster_->seeds());
    // CLUSTER SLOTS lists a replica once its replication offset is known to
    // the cluster, which takes a gossip round after its first write.
    std::shared_ptr<cluster_client> readers;
    for (int i = 0; i < 100; ++i) {
        auto c = cluster_client::connect(*options, settings);
        ASSERT_TRUE(c.has_value()) << c.error_value().message;
        readers = std::move(*c);
        if (!readers->replicas_for_key("replica:read").empty()) break;
        std::this_thread::sleep_for(50ms);
    }
    ASSERT_FALSE(readers->replicas_for_key("replica:read").empty());
    // Replication is asynchronous: the value shows up on the replica soon.
    std::string seen;
    for (int i = 0; i < 200 && seen != "v"; ++i) {
        auto got = readers->call("GET", "replica:read");
        ASSERT_TRUE(got.has_value()) << got.error_value().message;
        seen = got->view().string();
        if (seen != "v") std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(seen, "v");
    EXPECT_GT(replica_gets(*cluster_), before);
    // Writes still go to the primary.
    ASSERT_TRUE(readers->call("SET", "replica:read", "w").has_value());
}

TEST_F(ClusterRouting, KeylessCommandsGoToAPrimary) {
    auto pong = client_->call("PING");
    ASSERT_TRUE(pong.has_value());
    EXPECT_EQ(pong->view().string(), "PONG");
    auto info = client_->call("INFO", "replication");
    ASSERT_TRUE(info.has_value());
    EXPECT_NE(info->view().string().find("role:master"), std::string::npos);
}

TEST_F(ClusterRouting, ShardChannelsAreSubscribedOnTheirOwner) {
    std::atomic<int> received{0};
    ASSERT_TRUE(client_
                    ->ssubscribe("orders{7}",
                                 [&](const respcache::net::pubsub_message& m) {
                                     if (m.payload == "shipped") ++received;
                                 })
                    .has_value());
    auto published = client_->call("SPUBLISH", "orders{7}", "shipped");
    ASSERT_TRUE(published.has_value()) << published.error_value().message;
    for (int i = 0; i < 200 && received == 0; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(received, 1);
}

TEST(ClusterDetection, OneConnectionStringWorksAgainstOneServer) {
    respcache::testing::redis_server server;
    auto options = parse_connection_string(server.connection_string());
    ASSERT_TRUE(options.has_value());
    auto c = cluster_client::connect(*options);
    ASSERT_TRUE(c.has_value()) << c.error_value().message;
    EXPECT_FALSE((*c)->is_cluster());
    ASSERT_TRUE((*c)->call("SET", "foo", "1").has_value());
    // No cluster: keys in different slots are the server's business.
    auto both = (*c)->call("MGET", "foo", "bar");
    ASSERT_TRUE(both.has_value());
    EXPECT_EQ(both->view()[0].string(), "1");
    const std::vector<std::string_view> keys{"foo", "bar"};
    auto values = (*c)->mget(keys);
    ASSERT_TRUE(values.has_value()) << values.error_value().message;
    EXPECT_EQ((*values)[0].view().string(), "1");
}

}  // namespace
