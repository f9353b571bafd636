#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"
#include "tcp_proxy.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::shared_ptr<multiplexer> connect_to(const std::string& text) {
    auto options = parse_connection_string(text);
    EXPECT_TRUE(options);
    auto m = multiplexer::connect(*options);
    EXPECT_TRUE(m) << (m ? "" : m.error_value().message);
    return m ? *m : nullptr;
}

std::string at_port(std::uint16_t port, const std::string& extra = "") {
    return "127.0.0.1:" + std::to_string(port) + extra;
}

// Runs `threads` callers doing SET/GET until `stop`; checks that every call
// ends within its deadline plus one second and tallies outcomes by kind.
struct load {
    std::atomic<bool> stop{false};
    std::atomic<int> late{0};
    std::atomic<int> ok{0};
    std::atomic<int> wrong_value{0};
    std::atomic<int> value_gone{0};  // null: the server restarted empty in between
    std::mutex mutex;
    std::map<error_kind, int> errors;
    std::vector<std::thread> threads;

    void start(multiplexer& m, int count, std::chrono::milliseconds timeout) {
        for (int t = 0; t < count; ++t) {
            threads.emplace_back([this, &m, t, timeout] {
                call_options options;
                options.timeout = timeout;
                for (int i = 0; !stop.load(); ++i) {
                    const std::string key = "load:" + std::to_string(t);
                    const std::string value = std::to_string(i);
                    const auto began = steady::now();
                    auto set = m.call(options, "SET", key, value);
                    auto got = set ? m.call(options, "GET", key) : set;
                    if (steady::now() - began > 2 * (timeout + 1s)) late.fetch_add(1);
                    if (got) {
                        ok.fetch_add(1);
                        if (got->view().is_null())
                            value_gone.fetch_add(1);
                        else if (got->view().string() != value)
                            wrong_value.fetch_add(1);
                    } else {
                        std::lock_guard lock(mutex);
                        ++errors[got.error_value().kind];
                        std::this_thread::sleep_for(5ms);
                    }
                }
            });
        }
    }
    void finish() {
        stop = true;
        for (auto& t : threads) t.join();
    }
    bool only_transport_errors() {
        std::lock_guard lock(mutex);
        for (const auto& [kind, count] : errors)
            if (kind != error_kind::timeout && kind != error_kind::io) return false;
        return true;
    }
};

TEST(MultiplexerFaults, ServerKilledAndRestartedUnderLoad) {
    testing::redis_server server;
    auto m = connect_to(server.connection_string());
    ASSERT_TRUE(m);
    std::atomic<int> lost{0}, restored{0};
    m->on_connection_event([&](const connection_event& e) {
        if (e.what == connection_event::kind::lost) lost.fetch_add(1);
        if (e.what == connection_event::kind::restored) restored.fetch_add(1);
    });
    load traffic;
    traffic.start(*m, 8, 1000ms);
    std::this_thread::sleep_for(300ms);
    server.kill();
    std::this_thread::sleep_for(700ms);
    server.restart();
    // Give the client its backoff to come back, then require fresh successes.
    std::this_thread::sleep_for(2500ms);
    const int ok_before = traffic.ok.load();
    std::this_thread::sleep_for(500ms);
    traffic.finish();
    EXPECT_GT(traffic.ok.load(), ok_before) << "the client did not recover";
    EXPECT_EQ(traffic.late.load(), 0);
    // A killed server loses its data (no persistence here): a GET that was
    // resent to the restarted server may find nothing, but never another value.
    EXPECT_EQ(traffic.wrong_value.load(), 0);
    EXPECT_TRUE(traffic.only_transport_errors());
    EXPECT_GE(lost.load(), 1);
    EXPECT_GE(restored.load(), 1);
    EXPECT_GE(m->snapshot().reconnects, 1u);
}

TEST(MultiplexerFaults, PausedServerTimesOutThenRecovers) {
    testing::redis_server server;
    auto m = connect_to(server.connection_string() + ",syncTimeout=400");
    ASSERT_TRUE(m);
    load traffic;
    traffic.start(*m, 4, 400ms);
    std::this_thread::sleep_for(200ms);
    server.pause();
    std::this_thread::sleep_for(1500ms);
    {
        std::lock_guard lock(traffic.mutex);
        EXPECT_GT(traffic.errors[error_kind::timeout], 0);
    }
    server.resume();
    std::this_thread::sleep_for(1000ms);
    const int ok_before = traffic.ok.load();
    std::this_thread::sleep_for(500ms);
    traffic.finish();
    EXPECT_GT(traffic.ok.load(), ok_before);
    EXPECT_EQ(traffic.late.load(), 0);
    EXPECT_EQ(traffic.wrong_value.load(), 0);
    EXPECT_EQ(traffic.value_gone.load(), 0);
    EXPECT_TRUE(traffic.only_transport_errors());
}

TEST(MultiplexerFaults, ReadCutMidReplyIsRetriedAndWriteIsOutcomeUnknown) {
    testing::redis_server server;
    testing::tcp_proxy proxy(server.port());
    auto m = connect_to(at_port(proxy.port(), ",syncTimeout=3000"));
    ASSERT_TRUE(m);
    const std::string big(200 * 1024, 'v');
    ASSERT_TRUE(m->call("SET", "big", big));

    // GET is a read: cut after half of its reply, and it is sent again.
    proxy.cut_after_server_bytes(100 * 1024);
    auto got = m->call("GET", "big");
    ASSERT_TRUE(got) << got.error_value().message;
    EXPECT_EQ(got->view().string().size(), big.size());
    EXPECT_EQ(proxy.cuts(), 1);

    // APPEND is a write: after a cut its outcome is unknown, and says so.
    proxy.cut_after_server_bytes(2);
    auto appended = m->call("APPEND", "big", "x");
    ASSERT_FALSE(appended);
    EXPECT_EQ(appended.error_value().kind, error_kind::io);
    EXPECT_NE(appended.error_value().message.find("outcome is unknown"), std::string::npos);

    // Marked safe to retry, a write is sent again too.
    proxy.cut_after_server_bytes(2);
    call_options retry;
    retry.retry_safe = true;
    auto set = m->call(retry, "SET", "small", "again");
    ASSERT_TRUE(set) << set.error_value().message;
    EXPECT_EQ(m->call("GET", "small")->view().string(), "again");
}

TEST(MultiplexerFaults, CutsUnderLoadLoseNothingSilently) {
    testing::redis_server server;
    testing::tcp_proxy proxy(server.port());
    auto m = connect_to(at_port(proxy.port(), ",syncTimeout=1000"));
    ASSERT_TRUE(m);
    load traffic;
    traffic.start(*m, 8, 1000ms);
    for (int i = 0; i < 5; ++i) {
        std::this_thread::sleep_for(200ms);
        proxy.cut_all();
    }
    std::this_thread::sleep_for(1500ms);
    const int ok_before = traffic.ok.load();
    std::this_thread::sleep_for(300ms);
    traffic.finish();
    EXPECT_GT(traffic.ok.load(), ok_before);
    EXPECT_EQ(traffic.late.load(), 0);
    EXPECT_EQ(traffic.wrong_value.load(), 0);
    EXPECT_EQ(traffic.value_gone.load(), 0);
    EXPECT_TRUE(traffic.only_transport_errors());
}

TEST(MultiplexerFaults, AbortConnectFalseKeepsTryingInTheBackground) {
    const auto port = testing::free_port();
    auto m = connect_to(at_port(port, ",abortConnect=false,syncTimeout=300"));
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->is_connected());
    auto early = m->call("PING");
    ASSERT_FALSE(early);
    EXPECT_EQ(early.error_value().kind, error_kind::timeout);
    EXPECT_NE(early.error_value().message.find("disconnected"), std::string::npos);

    auto abort = parse_connection_string(at_port(port, ",abortConnect=true,connectRetry=1"));
    ASSERT_TRUE(abort);
    auto refused = multiplexer::connect(*abort);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::io);
}

TEST(MultiplexerFaults, KeepAlivePingReplacesASilentConnection) {
    testing::redis_server server;
    auto m = connect_to(server.connection_string() + ",keepAlive=1,syncTimeout=300");
    ASSERT_TRUE(m);
    std::atomic<int> lost{0}, restored{0};
    m->on_connection_event([&](const connection_event& e) {
        if (e.what == connection_event::kind::lost) lost.fetch_add(1);
        if (e.what == connection_event::kind::restored) restored.fetch_add(1);
    });
    server.pause();
    const auto give_up = steady::now() + 5s;
    while (lost.load() == 0 && steady::now() < give_up) std::this_thread::sleep_for(50ms);
    server.resume();
    EXPECT_EQ(lost.load(), 1);
    const auto back = steady::now() + 5s;
    while (restored.load() == 0 && steady::now() < back) std::this_thread::sleep_for(50ms);
    EXPECT_GE(restored.load(), 1);
    EXPECT_TRUE(m->call("PING"));
}

}  // namespace
}  // namespace respcache::net
