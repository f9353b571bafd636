// The multiplexer and everything it opens (dedicated connections, the RESP2
// subscriber, reconnects) over TLS.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "respcache/net/multiplexer.hpp"
#include "tls_fixture.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;
using TlsMultiplexer = Tls;

std::shared_ptr<multiplexer> connect_to(const connection_options& options) {
    auto m = multiplexer::connect(options);
    EXPECT_TRUE(m) << (m ? "" : m.error_value().message);
    return m ? *m : nullptr;
}

TEST_F(TlsMultiplexer, CallsUnderLoadAndATenMebibyteValue) {
    testing::redis_server server(tls_settings());
    auto m = connect_to(options(tls_string(server)));
    ASSERT_TRUE(m);
    std::atomic<int> done{0};
    std::atomic<bool> all_right{true};
    constexpr int count = 5000;
    for (int i = 0; i < count; ++i) {
        m->async_call(
            [&, i](result<resp::reply> r) {
                if (!r || r->integer() != i + 1) all_right = false;
                done.fetch_add(1);
                done.notify_one();
            },
            "INCR", "counter");
    }
    for (int seen = done.load(); seen < count; seen = done.load()) done.wait(seen);
    EXPECT_TRUE(all_right);

    std::string value(10 * 1024 * 1024, 'v');
    value[12345] = '\0';
    ASSERT_TRUE(m->call(call_options{10s, std::nullopt}, "SET", "big", value));
    auto got = m->call(call_options{10s, std::nullopt}, "GET", "big");
    ASSERT_TRUE(got) << got.error_value().message;
    EXPECT_TRUE(got->view().string() == value);
}

TEST_F(TlsMultiplexer, BlockingCommandOnADedicatedConnection) {
    testing::redis_server server(tls_settings());
    auto m = connect_to(options(tls_string(server)));
    ASSERT_TRUE(m);
    std::thread pusher([&] {
        std::this_thread::sleep_for(100ms);
        EXPECT_TRUE(m->call("RPUSH", "jobs", "job-1"));
    });
    auto popped = m->call(call_options{5s, std::nullopt}, "BLPOP", "jobs", 3);
    pusher.join();
    ASSERT_TRUE(popped) << popped.error_value().message;
    EXPECT_EQ(popped->view()[1].string(), "job-1");
    auto leased = m->lease();
    ASSERT_TRUE(leased) << leased.error_value().message;
    EXPECT_TRUE((*leased)->call("PING"));
}

class TlsPubSub : public Tls, public ::testing::WithParamInterface<const char*> {};

TEST_P(TlsPubSub, MessagesArrive) {
    testing::redis_server server(tls_settings());
    auto m = connect_to(options(tls_string(server) + ",protocol=" + GetParam()));
    ASSERT_TRUE(m);
    std::mutex mutex;
    std::condition_variable arrived;
    std::string payload;
    ASSERT_TRUE(m->subscribe("news", [&](const pubsub_message& message) {
        std::lock_guard lock(mutex);
        payload = message.payload;
        arrived.notify_all();
    }));
    auto publisher = connect_to(options(tls_string(server)));
    ASSERT_TRUE(publisher);
    std::unique_lock lock(mutex);
    for (int attempt = 0; attempt < 50 && payload.empty(); ++attempt) {
        lock.unlock();
        EXPECT_TRUE(publisher->call("PUBLISH", "news", "over tls"));
        lock.lock();
        arrived.wait_for(lock, 100ms, [&] { return !payload.empty(); });
    }
    EXPECT_EQ(payload, "over tls");
}

INSTANTIATE_TEST_SUITE_P(Protocols, TlsPubSub, ::testing::Values("resp3", "resp2"));

TEST_F(TlsMultiplexer, ReconnectsOverTlsAfterTheServerRestarts) {
    testing::redis_server server(tls_settings());
    auto m = connect_to(options(tls_string(server) + ",syncTimeout=10000"));
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->call("SET", "k", "before"));
    server.restart();
    auto after = m->call("SET", "k", "after");
    ASSERT_TRUE(after) << after.error_value().message;
    auto got = m->call("GET", "k");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->view().string(), "after");
    EXPECT_GE(m->snapshot().reconnects, 1u);
}

}  // namespace
}  // namespace respcache::net
