// One node's multiplexer when a shard channel's slot leaves that node: it
// drops the channel and says so with a shard_channel_moved event naming it,
// whether the server unsubscribed it on the open connection or refused to
// restore it (MOVED) after a reconnect. Against a real local cluster.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "redis_cluster.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"

namespace {

using namespace std::chrono_literals;
using respcache::net::connection_event;
using respcache::net::multiplexer;
using respcache::net::multiplexer_settings;
using respcache::net::parse_connection_string;
using respcache::net::cluster::hash_slot;
using respcache::testing::redis_cluster;

struct moved_events {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<connection_event> events;

    void hear(const connection_event& e) {
        if (e.what != connection_event::kind::shard_channel_moved) return;
        std::lock_guard lock(mutex);
        events.push_back(e);
        arrived.notify_all();
    }
    bool wait_for_one(std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex);
        return arrived.wait_for(lock, limit, [&] { return !events.empty(); });
    }
};

class MultiplexerShardChannelMoved : public ::testing::TestWithParam<const char*> {
  protected:
    static void SetUpTestSuite() {
        redis_cluster::settings s;
        s.replicas_per_primary = 0;
        cluster_ = new redis_cluster(s);
    }
    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }
    // A multiplexer of its own to the node on `port`.
    static std::shared_ptr<multiplexer> connect_to(std::uint16_t port,
                                                   const multiplexer_settings& settings = {}) {
        auto options = parse_connection_string("127.0.0.1:" + std::to_string(port) +
                                               ",protocol=" + std::string(GetParam()));
        if (!options) return nullptr;
        auto m = multiplexer::connect(*options, settings);
        return m ? *m : nullptr;
    }
    static std::int64_t subscribers_on(multiplexer& m, const std::string& channel) {
        auto r = m.call("PUBSUB", "SHARDNUMSUB", channel);
        return r && r->view().size() == 2 ? r->view()[1].integer() : -1;
    }
    static redis_cluster* cluster_;
};
redis_cluster* MultiplexerShardChannelMoved::cluster_ = nullptr;

TEST_P(MultiplexerShardChannelMoved, TheServerUnsubscribingIsAnEventNamingTheChannel) {
    const std::string channel = std::string("dropped.") + GetParam();
    const std::uint16_t from = cluster_->owner_of_slot(hash_slot(channel));
    auto m = connect_to(from);
    ASSERT_TRUE(m);
    moved_events heard;
    m->on_connection_event([&](const connection_event& e) { heard.hear(e); });
    ASSERT_TRUE(m->ssubscribe(channel, [](const auto&) {}).has_value());
    ASSERT_TRUE(cluster_->move_empty_slot(hash_slot(channel), cluster_->other_primary(from)));
    ASSERT_TRUE(heard.wait_for_one(5s));
    std::this_thread::sleep_for(100ms);
    std::lock_guard lock(heard.mutex);
    ASSERT_EQ(heard.events.size(), 1u) << "one event, for the one channel of that slot";
    EXPECT_EQ(heard.events[0].channel, channel);
    EXPECT_EQ(heard.events[0].peer.port, from);
    EXPECT_NE(heard.events[0].reason.find("unsubscribed"), std::string::npos);
    EXPECT_EQ(subscribers_on(*m, channel), 0);
    EXPECT_TRUE(m->is_connected()) << "nothing out of step: the connection stays";
}

TEST_P(MultiplexerShardChannelMoved, ARestoreAnsweredWithMovedIsAnEventToo) {
    const std::string channel = std::string("restored.") + GetParam();
    const std::uint16_t from = cluster_->owner_of_slot(hash_slot(channel));
    multiplexer_settings slow;
    // Time to move the slot between the connection's loss and its return.
    slow.reconnect_base = 1500ms;
    slow.reconnect_cap = 1500ms;
    auto m = connect_to(from, slow);
    ASSERT_TRUE(m);
    moved_events heard;
    m->on_connection_event([&](const connection_event& e) { heard.hear(e); });
    ASSERT_TRUE(m->ssubscribe(channel, [](const auto&) {}).has_value());
    const std::string killed =
        cluster_->command(cluster_->index_of_port(from), {"CLIENT", "KILL", "TYPE", "pubsub"});
    ASSERT_NE(killed, ":0\r\n") << "the subscribed connection was not found";
    ASSERT_TRUE(cluster_->move_empty_slot(hash_slot(channel), cluster_->other_primary(from)));
    ASSERT_TRUE(heard.wait_for_one(10s));
    std::lock_guard lock(heard.mutex);
    ASSERT_EQ(heard.events.size(), 1u);
    EXPECT_EQ(heard.events[0].channel, channel);
    EXPECT_NE(heard.events[0].reason.find("MOVED"), std::string::npos) << heard.events[0].reason;
}

INSTANTIATE_TEST_SUITE_P(Protocols, MultiplexerShardChannelMoved,
                         ::testing::Values("resp3", "resp2"));

}  // namespace
