// cluster_client as a command_executor: commands of a run-time length routed
// by their keys, batches answered in order across nodes, transactions held
// to one slot, empty commands refused.

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "redis_cluster.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/command_executor.hpp"
#include "respcache/net/connection_string.hpp"

namespace {

using namespace std::chrono_literals;
using respcache::error_kind;
using respcache::result;
using respcache::net::cluster_client;
using respcache::net::command_executor;
using respcache::net::command_view;
using respcache::testing::redis_cluster;

class ClusterExecutor : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        redis_cluster::settings s;
        s.replicas_per_primary = 0;
        // Long enough that a node paused by a test is not taken for failed.
        s.node_timeout = 5000ms;
        cluster_ = new redis_cluster(s);
    }
    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }
    void SetUp() override {
        auto options = respcache::net::parse_connection_string(cluster_->seeds());
        ASSERT_TRUE(options.has_value());
        auto c = cluster_client::connect(*options);
        ASSERT_TRUE(c.has_value()) << c.error_value().message;
        client_ = std::move(*c);
        executor_ = client_.get();
    }
    // The reply of `key`'s owner, asked directly.
    std::string stored(const std::string& key) {
        const auto port = cluster_->owner_of_slot(cluster_->keyslot(key));
        return cluster_->command(cluster_->index_of_port(port), {"GET", key});
    }
    static redis_cluster* cluster_;
    std::shared_ptr<cluster_client> client_;
    command_executor* executor_ = nullptr;
};
redis_cluster* ClusterExecutor::cluster_ = nullptr;

TEST_F(ClusterExecutor, CommandsOfAnyLengthGoToTheirKeysOwner) {
    for (int i = 0; i < 30; ++i) {
        const std::string key = "exec:" + std::to_string(i);
        const std::string value = "v" + std::to_string(i);
        const std::string_view set[] = {"SET", key, value};
        ASSERT_TRUE(executor_->call({}, set)) << key;
        EXPECT_EQ(stored(key), "$" + std::to_string(value.size()) + "\r\n" + value + "\r\n");
        EXPECT_EQ(executor_->server_for(key), client_->node_for_key(key));

        const std::string_view get[] = {"GET", key};
        std::promise<std::string> got;
        executor_->async_call({}, get, [&got](result<respcache::resp::reply> r) {
            got.set_value(r && !r->is_error() ? std::string(r->string()) : "error");
        });
        EXPECT_EQ(got.get_future().get(), value);
    }
    // A server error is an error of kind server_reply.
    const std::string_view wrong[] = {"HGET", "exec:1", "field"};
    auto refused = executor_->call({}, wrong);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::server_reply);
    EXPECT_TRUE(refused.error_value().message.starts_with("WRONGTYPE"));
}

TEST_F(ClusterExecutor, ABatchOverEveryNodeIsAnsweredInTheOrderGiven) {
    std::vector<std::string> keys;
    for (int i = 0; i < 24; ++i) keys.push_back("batch:" + std::to_string(i));
    std::vector<std::vector<std::string_view>> commands;
    for (const auto& k : keys) commands.push_back({"SET", k, k});
    for (const auto& k : keys) commands.push_back({"GET", k});
    std::vector<command_view> views(commands.begin(), commands.end());
    auto replies = executor_->execute(views, {});
    ASSERT_TRUE(replies) << replies.error_value().message;
    ASSERT_EQ(replies->size(), 48u);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        EXPECT_EQ((*replies)[i].view().string(), "OK");
        EXPECT_EQ((*replies)[keys.size() + i].view().string(), keys[i]);
    }
}

// The part for a node that does not answer (paused) does not hold back the
// part for another: that one is executed while the first still waits.
TEST_F(ClusterExecutor, ABatchReachesEveryNodeWithoutWaitingForTheOthers) {
    std::string on_first, on_second;
    const auto first = cluster_->owner_of_slot(cluster_->keyslot("parallel:0"));
    for (int i = 1; on_second.empty(); ++i) {
        const std::string k = "parallel:" + std::to_string(i);
        if (cluster_->owner_of_slot(cluster_->keyslot(k)) != first) on_second = k;
    }
    on_first = "parallel:0";
    auto& paused = cluster_->node(cluster_->index_of_port(first));
    paused.pause();
    const std::string_view set_first[] = {"SET", on_first, "1"};
    const std::string_view set_second[] = {"SET", on_second, "2"};
    const command_view both[] = {set_first, set_second};
    respcache::net::call_options patient;
    patient.timeout = 10s;
    auto batch = std::async(std::launch::async, [&] { return executor_->execute(both, patient); });
    bool second_ran_meanwhile = false;
    for (int i = 0; i < 100 && !second_ran_meanwhile; ++i) {
        second_ran_meanwhile = stored(on_second) == "$1\r\n2\r\n";
        if (!second_ran_meanwhile) std::this_thread::sleep_for(5ms);
    }
    const bool still_waiting = batch.wait_for(0s) == std::future_status::timeout;
    paused.resume();
    EXPECT_TRUE(second_ran_meanwhile) << "the second node's part was sent at once";
    EXPECT_TRUE(still_waiting) << "while the first node's part was still unanswered";
    auto replies = batch.get();
    ASSERT_TRUE(replies) << replies.error_value().message;
    EXPECT_EQ((*replies)[0].view().string(), "OK");
    EXPECT_EQ((*replies)[1].view().string(), "OK");
}

TEST_F(ClusterExecutor, ATransactionRunsInOneSlotAndIsRefusedAcrossSlots) {
    const std::string_view set_a[] = {"SET", "{user:1}:name", "ada"};
    const std::string_view set_b[] = {"SET", "{user:1}:born", "1815"};
    const command_view one_slot[] = {set_a, set_b};
    auto ran = executor_->execute_transaction(one_slot, {});
    ASSERT_TRUE(ran) << ran.error_value().message;
    EXPECT_EQ(ran->view().size(), 2u);
    EXPECT_EQ(stored("{user:1}:born"), "$4\r\n1815\r\n");

    // "a" and "b" hash to different slots: refused before anything is sent.
    const std::string_view set_other[] = {"SET", "a", "1"};
    const std::string_view set_another[] = {"SET", "b", "2"};
    const command_view two_slots[] = {set_other, set_another};
    auto refused = executor_->execute_transaction(two_slots, {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::config);
    EXPECT_NE(refused.error_value().message.find("CROSSSLOT"), std::string::npos);
    EXPECT_EQ(stored("a"), "$-1\r\n");
}

TEST_F(ClusterExecutor, AnEmptyCommandIsAConfigErrorOnEveryPath) {
    auto called = executor_->call({}, command_view{});
    ASSERT_FALSE(called);
    EXPECT_EQ(called.error_value().kind, error_kind::config);

    std::promise<error_kind> async_kind;
    executor_->async_call({}, command_view{}, [&](result<respcache::resp::reply> r) {
        async_kind.set_value(r ? error_kind::protocol : r.error_value().kind);
    });
    EXPECT_EQ(async_kind.get_future().get(), error_kind::config);

    const command_view empty_in_batch[] = {command_view{}};
    auto batch = executor_->execute(empty_in_batch, {});
    ASSERT_FALSE(batch);
    EXPECT_EQ(batch.error_value().kind, error_kind::config);
}

}  // namespace
