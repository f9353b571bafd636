#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "redis_cluster.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connection_string.hpp"

namespace {

using respcache::net::cluster_client;
using respcache::net::parse_connection_string;
using respcache::net::cluster::hash_slot;
using respcache::testing::redis_cluster;

std::string id_of(const redis_cluster& c, std::uint16_t port) {
    for (const auto& n : c.nodes())
        if (n.port == port) return n.id;
    return {};
}

// Counts asynchronous completions and keeps the first failure.
class completions {
  public:
    auto callback() {
        return [this](respcache::result<respcache::resp::reply> r) {
            std::lock_guard lock(mutex_);
            if (!r)
                failures_.push_back(r.error_value().message);
            else if (r->is_error())
                failures_.emplace_back(r->string());
            ++done_;
            ready_.notify_all();
        };
    }
    // The failures once `count` completions have come, within a deadline.
    std::vector<std::string> wait_for(std::size_t count) {
        std::unique_lock lock(mutex_);
        if (!ready_.wait_for(lock, std::chrono::seconds(10), [&] { return done_ >= count; }))
            failures_.push_back("only " + std::to_string(done_) + " of " + std::to_string(count) +
                                " completions came");
        return failures_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::size_t done_ = 0;
    std::vector<std::string> failures_;
};

// An asynchronous call's arguments are the caller's only until async_call
// returns; the client keeps the command's encoding, so a MOVED or an ASK
// answered long after the caller's strings were overwritten and freed sends
// the command the caller gave, not what its memory holds by then.
TEST(ClusterAsyncRedirect, MovedAndAskResendTheCommandAfterTheCallersArgumentsAreGone) {
    redis_cluster::settings s;
    s.replicas_per_primary = 0;
    redis_cluster cluster(s);
    auto options = parse_connection_string(cluster.seeds());
    ASSERT_TRUE(options.has_value());
    auto connected = cluster_client::connect(*options);
    ASSERT_TRUE(connected.has_value()) << connected.error_value().message;
    auto client = *connected;
    constexpr int count = 200;

    // {moved}: the whole slot goes to another primary behind the client's
    // back, so every command the client sends there first meets MOVED.
    const std::uint16_t moved_slot = hash_slot("{moved}");
    const std::uint16_t source = cluster.owner_of_slot(moved_slot);
    const std::uint16_t target = cluster.other_primary(source);
    const std::string slot_text = std::to_string(moved_slot);
    const std::size_t from = cluster.index_of_port(source), to = cluster.index_of_port(target);
    ASSERT_EQ(
        cluster.command(to, {"CLUSTER", "SETSLOT", slot_text, "IMPORTING", id_of(cluster, source)}),
        "+OK\r\n");
    ASSERT_EQ(cluster.command(
                  from, {"CLUSTER", "SETSLOT", slot_text, "MIGRATING", id_of(cluster, target)}),
              "+OK\r\n");
    for (std::size_t i = 0; i < cluster.size(); ++i)
        ASSERT_EQ(
            cluster.command(i, {"CLUSTER", "SETSLOT", slot_text, "NODE", id_of(cluster, target)}),
            "+OK\r\n");

    completions sets;
    for (int i = 0; i < count; ++i) {
        auto key = std::make_unique<std::string>("{moved}." + std::to_string(i));
        auto value =
            std::make_unique<std::string>("value-" + std::to_string(i) + std::string(40, 'v'));
        client->async_call(sets.callback(), "SET", *key, *value, "EX", 3600);
        // What the caller's memory holds once the call has returned.
        key->assign(key->size(), '?');
        value->assign(value->size(), '?');
    }
    EXPECT_EQ(sets.wait_for(count), std::vector<std::string>{});
    EXPECT_GE(client->snapshot().moved, 1u);
    for (int i = 0; i < count; ++i) {
        auto stored = client->call("GET", "{moved}." + std::to_string(i));
        ASSERT_TRUE(stored.has_value()) << stored.error_value().message;
        EXPECT_EQ(stored->view().string(), "value-" + std::to_string(i) + std::string(40, 'v'));
    }
    EXPECT_EQ(cluster.command(to, {"CLUSTER", "COUNTKEYSINSLOT", slot_text}),
              ":" + std::to_string(count) + "\r\n");

    // {asked}: the slot is migrating, so a key its owner does not have is
    // answered with ASK and written on the importing node.
    const std::uint16_t asked_slot = hash_slot("{asked}");
    const std::uint16_t owner = cluster.owner_of_slot(asked_slot);
    const std::uint16_t importer = cluster.other_primary(owner);
    const std::string asked_text = std::to_string(asked_slot);
    ASSERT_EQ(
        cluster.command(cluster.index_of_port(importer),
                        {"CLUSTER", "SETSLOT", asked_text, "IMPORTING", id_of(cluster, owner)}),
        "+OK\r\n");
    ASSERT_EQ(
        cluster.command(cluster.index_of_port(owner),
                        {"CLUSTER", "SETSLOT", asked_text, "MIGRATING", id_of(cluster, importer)}),
        "+OK\r\n");
    const auto asks_before = client->snapshot().ask;
    completions asked;
    for (int i = 0; i < count; ++i) {
        auto key = std::make_unique<std::string>("{asked}." + std::to_string(i));
        client->async_call(asked.callback(), "SET", *key, i * 7);
        key.reset();  // freed before the reply comes
    }
    EXPECT_EQ(asked.wait_for(count), std::vector<std::string>{});
    EXPECT_EQ(client->snapshot().ask - asks_before, static_cast<std::uint64_t>(count));
    EXPECT_EQ(cluster.command(cluster.index_of_port(importer),
                              {"CLUSTER", "COUNTKEYSINSLOT", asked_text}),
              ":" + std::to_string(count) + "\r\n");
    for (int i = 0; i < count; ++i) {
        auto stored = client->call("GET", "{asked}." + std::to_string(i));
        ASSERT_TRUE(stored.has_value()) << stored.error_value().message;
        EXPECT_EQ(stored->view().string(), std::to_string(i * 7));
    }
}

}  // namespace
