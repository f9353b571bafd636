#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::net {
namespace {

std::shared_ptr<multiplexer> connect_to(const testing::redis_server& server,
                                        const std::string& extra = "",
                                        const multiplexer_settings& settings = {}) {
    auto options = parse_connection_string(server.connection_string() + extra);
    EXPECT_TRUE(options);
    auto m = multiplexer::connect(*options, settings);
    EXPECT_TRUE(m) << (m ? "" : m.error_value().message);
    return m ? *m : nullptr;
}

TEST(Multiplexer, BlockingCallReturnsTheReply) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->call("SET", "greeting", "hello"));
    auto got = m->call("GET", "greeting");
    ASSERT_TRUE(got);
    EXPECT_EQ(got->view().string(), "hello");
    auto missing = m->call("GET", "nothing-here");
    ASSERT_TRUE(missing);
    EXPECT_TRUE(missing->view().is_null());
}

TEST(Multiplexer, ErrorReplyIsAServerReplyError) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    auto wrong = m->call("LPUSH");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error_value().kind, error_kind::server_reply);
    EXPECT_NE(wrong.error_value().message.find("wrong number of arguments"), std::string::npos);
}

TEST(Multiplexer, AsyncFutureAndFireAndForget) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    m->send("SET", "counter", 41);
    auto incremented = m->call_future("INCR", "counter");
    auto value = incremented.get();
    ASSERT_TRUE(value);
    EXPECT_EQ(value->view().integer(), 42);

    std::atomic<int> done{0};
    std::atomic<bool> all_right{true};
    for (int i = 0; i < 1000; ++i) {
        m->async_call(
            [&, i](result<resp::reply> r) {
                if (!r || r->integer() != 43 + i) all_right = false;
                done.fetch_add(1);
                done.notify_one();
            },
            "INCR", "counter");
    }
    for (int seen = done.load(); seen < 1000; seen = done.load()) done.wait(seen);
    EXPECT_TRUE(all_right);
}

TEST(Multiplexer, BatchGoesOutTogetherAndRepliesInOrder) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    command_batch batch;
    for (int i = 0; i < 200; ++i) batch.add("RPUSH", "list", i);
    batch.add("LRANGE", "list", 0, -1);
    const auto writes_before = m->snapshot().writes;
    auto replies = m->execute(batch);
    ASSERT_TRUE(replies) << replies.error_value().message;
    ASSERT_EQ(replies->size(), 201u);
    for (int i = 0; i < 200; ++i) EXPECT_EQ((*replies)[i].view().integer(), i + 1);
    EXPECT_EQ((*replies)[200].view().size(), 200u);
    // 4 KiB of commands fit in one send().
    EXPECT_LE(m->snapshot().writes - writes_before, 2u);
}

TEST(Multiplexer, TransactionsAreNeverInterleaved) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 100; ++i) {
                transaction tx;
                const std::string key = "tx:" + std::to_string(t);
                tx.add("SET", key, i).add("INCR", key).add("GET", key);
                auto exec = m->execute(tx);
                if (!exec || exec->view().size() != 3 ||
                    exec->view()[2].string() != std::to_string(i + 1))
                    failures.fetch_add(1);
                // Plain traffic in between.
                if (!m->call("PING")) failures.fetch_add(1);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
}

TEST(Multiplexer, FailedTransactionIsAServerReplyError) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    transaction tx;
    tx.add("SET", "a", 1).add("NOSUCHCOMMAND");
    auto exec = m->execute(tx);
    ASSERT_FALSE(exec);
    EXPECT_EQ(exec.error_value().kind, error_kind::server_reply);
    EXPECT_NE(exec.error_value().message.find("EXECABORT"), std::string::npos);
    EXPECT_TRUE(m->call("PING"));
}

TEST(Multiplexer, SixteenThreadsEachGetTheirOwnReplies) {
    testing::redis_server server;
    // A loaded machine may be slow, never wrong: errors and wrong values are
    // counted apart, and the deadline is far.
    auto m = connect_to(server, ",syncTimeout=30000");
    ASSERT_TRUE(m);
    std::atomic<int> wrong{0};
    std::atomic<int> failed{0};
    std::mutex first_failure_mutex;
    std::string first_failure;
    const auto check = [&](const result<resp::owned_reply>& r, auto&& right) {
        if (!r) {
            failed.fetch_add(1);
            std::lock_guard lock(first_failure_mutex);
            if (first_failure.empty()) first_failure = to_string(r.error_value());
        } else if (!right(r->view())) {
            wrong.fetch_add(1);
        }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                const std::string key = "k:" + std::to_string(t) + ":" + std::to_string(i % 17);
                const std::string value = std::to_string(t * 100000 + i);
                const auto is_value = [&](const resp::reply& r) { return r.string() == value; };
                switch (i % 4) {
                    case 0:
                    case 1:
                        check(m->call("SET", key, value),
                              [](const resp::reply& r) { return r.string() == "OK"; });
                        check(m->call("GET", key), is_value);
                        break;
                    case 2:
                        check(m->call("ECHO", value), is_value);
                        break;
                    case 3:
                        check(m->call("STRLEN", value),
                              [](const resp::reply& r) { return r.integer() == 0; });
                        break;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(wrong.load(), 0);
    EXPECT_EQ(failed.load(), 0) << first_failure;
    // The counters are added up after each read, once its completions have
    // run: the last reply may be counted just after its caller woke.
    auto stats = m->snapshot();
    for (int i = 0; i < 200 && stats.replies != stats.commands_sent; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        stats = m->snapshot();
    }
    EXPECT_EQ(stats.replies, stats.commands_sent);
}

TEST(Multiplexer, BlockingCommandDoesNotStallThePipeline) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    std::thread waiter([&] {
        call_options patient;
        patient.timeout = std::chrono::seconds(5);
        auto popped = m->call(patient, "BLPOP", "queue", 3);
        ASSERT_TRUE(popped) << popped.error_value().message;
        ASSERT_EQ(popped->view().size(), 2u);
        EXPECT_EQ(popped->view()[1].string(), "job");
    });
    // Meanwhile the shared connection keeps answering quickly.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (int i = 0; i < 100; ++i) {
        call_options quick;
        quick.timeout = std::chrono::milliseconds(500);
        ASSERT_TRUE(m->call(quick, "PING"));
    }
    ASSERT_TRUE(m->call("RPUSH", "queue", "job"));
    waiter.join();
}

TEST(Multiplexer, LeasedConnectionIsItsOwn) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    auto leased = m->lease();
    ASSERT_TRUE(leased);
    ASSERT_TRUE((*leased)->call("WATCH", "guarded"));
    ASSERT_TRUE(m->call("SET", "guarded", "changed elsewhere"));
    (*leased)->queue("MULTI");
    (*leased)->queue("SET", "guarded", "mine");
    (*leased)->queue("EXEC");
    auto replies = (*leased)->flush();
    ASSERT_TRUE(replies);
    EXPECT_TRUE(replies->back().view().is_null());  // WATCH saw the other write
}

TEST(Multiplexer, HugeValueDoesNotDisturbItsNeighbours) {
    testing::redis_server server;
    auto m = connect_to(server, ",syncTimeout=30000");
    ASSERT_TRUE(m);
    std::string huge(100 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < huge.size(); i += 4096) huge[i] = static_cast<char>('a' + i % 26);
    std::atomic<int> small_ok{0};
    std::thread neighbours([&] {
        for (int i = 0; i < 200; ++i) {
            auto echoed = m->call("ECHO", std::to_string(i));
            if (echoed && echoed->view().string() == std::to_string(i)) small_ok.fetch_add(1);
        }
    });
    ASSERT_TRUE(m->call("SET", "huge", huge));
    auto back = m->call("GET", "huge");
    neighbours.join();
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->view().string() == huge);
    EXPECT_EQ(small_ok.load(), 200);
}

TEST(Multiplexer, FullQueueMakesCallersWaitThenFail) {
    testing::redis_server server;
    multiplexer_settings tight;
    tight.max_queued_requests = 4;
    auto m = connect_to(server, ",syncTimeout=300", tight);
    ASSERT_TRUE(m);
    server.pause();
    std::vector<std::future<result<resp::owned_reply>>> waiting;
    for (int i = 0; i < 4; ++i) waiting.push_back(m->call_future("PING"));
    call_options quick;
    quick.timeout = std::chrono::milliseconds(100);
    auto refused = m->call(quick, "PING");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::limit) << refused.error_value().message;
    for (auto& f : waiting) {
        auto r = f.get();
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error_value().kind, error_kind::timeout);
    }
    server.resume();
    // Space is free again once the timed-out requests' replies drain.
    call_options patient;
    patient.timeout = std::chrono::seconds(3);
    EXPECT_TRUE(m->call(patient, "PING"));
}

TEST(Multiplexer, CloseCompletesEverythingWithClosed) {
    testing::redis_server server;
    auto m = connect_to(server);
    ASSERT_TRUE(m);
    server.pause();
    auto pending = m->call_future("PING");
    m->close();
    auto r = pending.get();
    server.resume();
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error_value().kind, error_kind::closed);
    auto after = m->call("PING");
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error_value().kind, error_kind::closed);
}

}  // namespace
}  // namespace respcache::net
