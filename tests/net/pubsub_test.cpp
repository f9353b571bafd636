#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"
#include "tcp_proxy.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;

// Messages received by handlers, waited for with a deadline.
class inbox {
  public:
    message_handler handler() {
        return [this](const pubsub_message& m) {
            std::lock_guard lock(mutex_);
            received_.push_back(std::string(m.pattern) + "|" + std::string(m.channel) + "|" +
                                std::string(m.payload));
            arrived_.notify_all();
        };
    }
    bool wait_for(std::size_t count, std::chrono::milliseconds within = 3s) {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, within, [&] { return received_.size() >= count; });
    }
    std::vector<std::string> messages() {
        std::lock_guard lock(mutex_);
        return received_;
    }

  private:
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<std::string> received_;
};

class PubSub : public ::testing::TestWithParam<const char*> {
  protected:
    std::shared_ptr<multiplexer> connect(std::uint16_t port) {
        auto options = parse_connection_string("127.0.0.1:" + std::to_string(port) +
                                               ",syncTimeout=2000,protocol=" + GetParam());
        EXPECT_TRUE(options);
        auto m = multiplexer::connect(*options);
        EXPECT_TRUE(m) << (m ? "" : m.error_value().message);
        return m ? *m : nullptr;
    }
    // Publishes until at least one subscriber received it: after a reconnect
    // the subscription comes back at a moment the test cannot see.
    static void publish_until_received(multiplexer& publisher, inbox& box, std::size_t count,
                                       const std::string& channel, const std::string& payload) {
        const auto give_up = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < give_up) {
            auto receivers = publisher.call("PUBLISH", channel, payload);
            if (receivers && receivers->view().integer() > 0 && box.wait_for(count, 1s)) return;
            std::this_thread::sleep_for(50ms);
        }
    }
};

TEST_P(PubSub, ChannelAndPatternMessagesReachTheirHandlers) {
    testing::redis_server server;
    auto m = connect(server.port());
    auto publisher = connect(server.port());
    ASSERT_TRUE(m && publisher);
    inbox news, sports;
    ASSERT_TRUE(m->subscribe("news", news.handler()));
    ASSERT_TRUE(m->psubscribe("sport.*", sports.handler()));

    EXPECT_EQ(publisher->call("PUBLISH", "news", "hello")->view().integer(), 1);
    EXPECT_EQ(publisher->call("PUBLISH", "sport.tennis", "ace")->view().integer(), 1);
    EXPECT_EQ(publisher->call("PUBLISH", "weather", "rain")->view().integer(), 0);
    ASSERT_TRUE(news.wait_for(1));
    ASSERT_TRUE(sports.wait_for(1));
    EXPECT_EQ(news.messages(), std::vector<std::string>{"|news|hello"});
    EXPECT_EQ(sports.messages(), std::vector<std::string>{"sport.*|sport.tennis|ace"});

    // The multiplexer keeps serving ordinary commands meanwhile.
    ASSERT_TRUE(m->call("SET", "k", "v"));
    EXPECT_EQ(m->call("GET", "k")->view().string(), "v");
}

TEST_P(PubSub, UnsubscribeStopsDelivery) {
    testing::redis_server server;
    auto m = connect(server.port());
    auto publisher = connect(server.port());
    ASSERT_TRUE(m && publisher);
    inbox box;
    ASSERT_TRUE(m->subscribe("c", box.handler()));
    ASSERT_TRUE(m->unsubscribe("c"));
    EXPECT_EQ(publisher->call("PUBLISH", "c", "lost")->view().integer(), 0);
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(box.messages().empty());
}

TEST_P(PubSub, SubscriptionsSurviveAServerRestart) {
    testing::redis_server server;
    auto m = connect(server.port());
    ASSERT_TRUE(m);
    inbox box;
    ASSERT_TRUE(m->subscribe("events", box.handler()));
    server.kill();
    server.restart();
    auto publisher = connect(server.port());
    ASSERT_TRUE(publisher);
    publish_until_received(*publisher, box, 1, "events", "after restart");
    ASSERT_FALSE(box.messages().empty());
    EXPECT_EQ(box.messages().back(), "|events|after restart");
}

TEST_P(PubSub, SubscriptionsSurviveACutConnection) {
    testing::redis_server server;
    testing::tcp_proxy proxy(server.port());
    auto m = connect(proxy.port());
    auto publisher = connect(server.port());
    ASSERT_TRUE(m && publisher);
    inbox box;
    ASSERT_TRUE(m->subscribe("events", box.handler()));
    proxy.cut_all();
    publish_until_received(*publisher, box, 1, "events", "after cut");
    ASSERT_FALSE(box.messages().empty());
    EXPECT_EQ(box.messages().back(), "|events|after cut");
}

INSTANTIATE_TEST_SUITE_P(Protocols, PubSub, ::testing::Values("resp3", "resp2"));

}  // namespace
}  // namespace respcache::net
