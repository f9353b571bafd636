// The shared multiplexer used the way a user will misuse it: commands that
// would desynchronise it, the last reference dropped in awkward places,
// refused subscriptions, cuts under backpressure, requests that expire
// behind a stalled write. Against a real server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"
#include "tcp_proxy.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<multiplexer> connect_to(const std::string& text,
                                        const multiplexer_settings& settings = {}) {
    auto options = parse_connection_string(text);
    EXPECT_TRUE(options) << (options ? "" : options.error_value().message);
    if (!options) return nullptr;
    auto m = multiplexer::connect(*options, settings);
    EXPECT_TRUE(m) << (m ? "" : m.error_value().message);
    return m ? *m : nullptr;
}

std::string at_port(std::uint16_t port, const std::string& extra = "") {
    return "127.0.0.1:" + std::to_string(port) + extra;
}

// Waits for a flag set by another thread.
struct latch {
    std::mutex mutex;
    std::condition_variable changed;
    bool set = false;
    void open() {
        std::lock_guard lock(mutex);
        set = true;
        changed.notify_all();
    }
    bool wait(std::chrono::milliseconds within = 5s) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, within, [&] { return set; });
    }
};

class RefusedOnTheSharedConnection : public ::testing::TestWithParam<const char*> {};

TEST_P(RefusedOnTheSharedConnection, EveryCallFormRefusesItAndTheConnectionStaysInStep) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port(), std::string(",protocol=") + "resp3"));
    ASSERT_TRUE(m);
    const std::string command = GetParam();
    const auto space = command.find(' ');
    const std::string name = command.substr(0, space);
    const std::string argument = space == std::string::npos ? "x" : command.substr(space + 1);

    auto called = m->call(name, argument);
    ASSERT_FALSE(called);
    EXPECT_EQ(called.error_value().kind, error_kind::config) << called.error_value().message;

    std::promise<error_kind> async_kind;
    m->async_call(
        [&](result<resp::reply> r) {
            async_kind.set_value(r ? error_kind::io : r.error_value().kind);
        },
        name, argument);
    EXPECT_EQ(async_kind.get_future().get(), error_kind::config);

    auto future = m->call_future(name, argument).get();
    ASSERT_FALSE(future);
    EXPECT_EQ(future.error_value().kind, error_kind::config);

    command_batch batch;
    batch.add("SET", "a", "1").add(name, argument).add("GET", "a");
    auto batched = m->execute(batch);
    ASSERT_FALSE(batched);
    EXPECT_EQ(batched.error_value().kind, error_kind::config);
    EXPECT_EQ(m->call("GET", "a")->view().kind(), resp::type::null) << "nothing of the batch ran";

    // Pipelined neighbours still get their own replies.
    ASSERT_TRUE(m->call("SET", "a", "A"));
    ASSERT_TRUE(m->call("SET", "b", "B"));
    m->send(name, argument);
    auto a = m->call_future("GET", "a");
    auto b = m->call_future("GET", "b");
    EXPECT_EQ(a.get()->view().string(), "A");
    EXPECT_EQ(b.get()->view().string(), "B");
}

INSTANTIATE_TEST_SUITE_P(Commands, RefusedOnTheSharedConnection,
                         ::testing::Values("SUBSCRIBE ch", "psubscribe ch.*", "SSUBSCRIBE ch",
                                           "UNSUBSCRIBE ch", "MONITOR", "RESET", "QUIT", "HELLO 2",
                                           "SELECT 2", "AUTH secret", "CLIENT REPLY", "MULTI",
                                           "EXEC", "WATCH a"),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& c : n)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

TEST(MultiplexerMisuse, ATransactionRefusesACommandThatChangesTheConnection) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port()));
    ASSERT_TRUE(m);
    transaction tx;
    tx.add("SET", "k", "v").add("SELECT", "3");
    auto refused = m->execute(tx);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::config);
    EXPECT_TRUE(m->call("GET", "k")->view().is_null());
    // A blocking command inside MULTI does not block (the server's rule).
    transaction pop;
    pop.add("BLPOP", "empty", "1");
    auto popped = m->execute(pop);
    ASSERT_TRUE(popped) << popped.error_value().message;
    EXPECT_TRUE(popped->view()[0].is_null());
}

TEST(MultiplexerMisuse, ABlockingCommandInABatchIsRefused) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port()));
    ASSERT_TRUE(m);
    command_batch batch;
    batch.add("BLPOP", "q", "0");
    auto refused = m->execute(batch);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error_value().kind, error_kind::config);
}

TEST(MultiplexerMisuse, ErrorRepliesFollowOneRulePerPath) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port()));
    ASSERT_TRUE(m);
    ASSERT_TRUE(m->call("SET", "text", "not a number"));
    auto blocking = m->call("INCR", "text");
    ASSERT_FALSE(blocking);
    EXPECT_EQ(blocking.error_value().kind, error_kind::server_reply);
    auto future = m->call_future("INCR", "text").get();
    ASSERT_FALSE(future);
    EXPECT_EQ(future.error_value().kind, error_kind::server_reply);
    std::promise<bool> async_saw_error_reply;
    m->async_call(
        [&](result<resp::reply> r) { async_saw_error_reply.set_value(r && r->is_error()); }, "INCR",
        "text");
    EXPECT_TRUE(async_saw_error_reply.get_future().get());
}

TEST(MultiplexerLifetime, ACompletionHoldingTheLastReferenceEndsIt) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port()));
    ASSERT_TRUE(m);
    latch done;
    std::weak_ptr<multiplexer> watch = m;
    m->async_call([keep = m, &done](result<resp::reply>) { done.open(); }, "PING");
    m.reset();
    ASSERT_TRUE(done.wait());
    for (int i = 0; i < 100 && !watch.expired(); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_TRUE(watch.expired());
}

TEST(MultiplexerLifetime, ACompletionMayCloseItsMultiplexer) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port()));
    ASSERT_TRUE(m);
    latch done;
    std::atomic<int> later_kind{-1};
    m->async_call(
        [raw = m.get(), &done, &later_kind](result<resp::reply>) {
            raw->close();
            raw->async_call(
                [&](result<resp::reply> r) {
                    later_kind = static_cast<int>(r ? error_kind::io : r.error_value().kind);
                },
                "PING");
            done.open();
        },
        "PING");
    ASSERT_TRUE(done.wait());
    EXPECT_EQ(later_kind.load(), static_cast<int>(error_kind::closed));
    auto after = m->call("PING");
    ASSERT_FALSE(after);
    EXPECT_EQ(after.error_value().kind, error_kind::closed);
    m.reset();
}

TEST(MultiplexerLifetime, AMessageHandlerMayCloseAndDropItsMultiplexerOnEitherProtocol) {
    testing::redis_server server;
    for (const char* protocol : {"resp2", "resp3"}) {
        auto m = connect_to(at_port(server.port(), std::string(",protocol=") + protocol));
        auto publisher = connect_to(at_port(server.port()));
        ASSERT_TRUE(m && publisher);
        latch got;
        auto holder = std::make_shared<std::shared_ptr<multiplexer>>(m);
        ASSERT_TRUE(m->subscribe("bye", [holder, &got](const pubsub_message&) {
            if (*holder) {
                (*holder)->close();
                holder->reset();
                got.open();
            }
        }));
        m.reset();  // the handler's copy is the last
        ASSERT_TRUE(publisher->call("PUBLISH", "bye", "now"));
        EXPECT_TRUE(got.wait()) << protocol;
    }
}

TEST(MultiplexerLifetime, DroppedFromAnotherThreadDuringAReconnect) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port(), ",connectTimeout=500,syncTimeout=500"));
    ASSERT_TRUE(m);
    std::atomic<int> completions{0};
    for (int i = 0; i < 50; ++i)
        m->async_call([&](result<resp::reply>) { completions.fetch_add(1); }, "GET", "k");
    server.kill();
    for (int i = 0; i < 50; ++i)
        m->async_call([&](result<resp::reply>) { completions.fetch_add(1); }, "GET", "k");
    std::this_thread::sleep_for(100ms);
    std::thread dropper([moved = std::move(m)]() mutable { moved.reset(); });
    dropper.join();
    EXPECT_EQ(completions.load(), 100) << "every request completes exactly once";
}

TEST(MultiplexerSubscriptions, ARefusedChannelIsAnErrorAndOthersStillWork) {
    testing::redis_server server(testing::redis_server::settings::with_acl_user("limited", "pw"));
    ASSERT_NE(
        server.raw_command({"ACL", "SETUSER", "limited", "resetchannels", "&allowed*"}).find("OK"),
        std::string::npos);
    for (const char* protocol : {"resp2", "resp3"}) {
        auto m = connect_to(
            at_port(server.port(), std::string(",user=limited,password=pw,protocol=") + protocol));
        auto publisher = connect_to(at_port(server.port(), ",user=limited,password=pw"));
        ASSERT_TRUE(m && publisher);
        std::atomic<int> received{0};
        auto denied = m->subscribe("denied", [](const pubsub_message&) {});
        ASSERT_FALSE(denied) << protocol;
        EXPECT_EQ(denied.error_value().kind, error_kind::server_reply);
        ASSERT_TRUE(m->subscribe("allowed", [&](const pubsub_message&) { received.fetch_add(1); }))
            << protocol;
        EXPECT_EQ(m->call("GET", "x")->view().kind(), resp::type::null) << "still in step";
        EXPECT_EQ(publisher->call("PUBLISH", "allowed", "hi")->view().integer(), 1);
        for (int i = 0; i < 100 && received.load() == 0; ++i) std::this_thread::sleep_for(10ms);
        EXPECT_EQ(received.load(), 1) << protocol;
    }
}

TEST(MultiplexerSubscriptions, ARestoreTheServerRefusesIsReportedAndTheOthersComeBack) {
    testing::redis_server server(testing::redis_server::settings::with_acl_user("limited", "pw"));
    auto m = connect_to(at_port(server.port(), ",user=limited,password=pw,protocol=resp3"));
    auto publisher = connect_to(at_port(server.port()));
    ASSERT_TRUE(m && publisher);
    std::mutex mutex;
    std::string refusal;
    std::atomic<int> restored{0};
    m->on_connection_event([&](const connection_event& e) {
        if (e.what == connection_event::kind::subscription_refused) {
            std::lock_guard lock(mutex);
            refusal = e.reason;
        }
        if (e.what == connection_event::kind::restored) restored.fetch_add(1);
    });
    std::atomic<int> kept{0};
    ASSERT_TRUE(m->subscribe("keep", [&](const pubsub_message&) { kept.fetch_add(1); }));
    ASSERT_TRUE(m->subscribe("lose", [](const pubsub_message&) {}));
    // Taking the channel away disconnects the subscriber; the restore of
    // "lose" is refused, "keep" must come back.
    server.raw_command({"ACL", "SETUSER", "limited", "resetchannels", "&keep"});
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < give_up && kept.load() == 0) {
        (void)publisher->call("PUBLISH", "keep", "again");
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_GT(kept.load(), 0) << "one refusal took the other subscription down";
    std::lock_guard lock(mutex);
    EXPECT_NE(refusal.find("lose"), std::string::npos) << refusal;
}

TEST(MultiplexerCapacity, ACutDoesNotLeakQueuedBytes) {
    testing::redis_server server;
    testing::tcp_proxy proxy(server.port());
    multiplexer_settings tight;
    tight.max_queued_bytes = 5000;
    auto m = connect_to(at_port(proxy.port(), ",syncTimeout=2000"), tight);
    ASSERT_TRUE(m);
    std::atomic<int> completions{0};
    for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 40; ++i)
            m->async_call([&](result<resp::reply>) { completions.fetch_add(1); }, "SET",
                          "k" + std::to_string(i), std::string(100, 'v'));
        proxy.cut_all();
        std::this_thread::sleep_for(50ms);
    }
    for (int i = 0; i < 300 && completions.load() < 200; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(completions.load(), 200);
    auto ping = m->call("PING");
    ASSERT_TRUE(ping) << ping.error_value().message;
}

TEST(MultiplexerDeadlines, ARequestThatExpiresBeforeItIsWrittenNeverRuns) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port(), ",syncTimeout=20000"));
    ASSERT_TRUE(m);
    server.pause();
    // 64 MiB cannot all leave before the server reads again: the INCR behind
    // it waits in the write buffer past its deadline.
    std::promise<bool> big_done;
    m->async_call([&](result<resp::reply> r) { big_done.set_value(bool(r)); }, "SET", "big",
                  std::string(64 * 1024 * 1024, 'x'));
    call_options quick;
    quick.timeout = 200ms;
    auto incr = m->call(quick, "INCR", "counter");
    ASSERT_FALSE(incr);
    EXPECT_EQ(incr.error_value().kind, error_kind::timeout);
    EXPECT_NE(incr.error_value().message.find("never ran"), std::string::npos)
        << incr.error_value().message;
    server.resume();
    EXPECT_TRUE(big_done.get_future().get());
    EXPECT_TRUE(m->call("GET", "counter")->view().is_null()) << "the expired INCR ran";
}

TEST(MultiplexerDedicated, ALeaseComesBackResetAndThePoolIsBounded) {
    testing::redis_server server;
    multiplexer_settings two;
    two.max_dedicated_connections = 2;
    auto m = connect_to(at_port(server.port(), ",syncTimeout=300"), two);
    ASSERT_TRUE(m);
    {
        auto first = m->lease();
        ASSERT_TRUE(first);
        ASSERT_TRUE((*first)->call("SELECT", "3"));
        ASSERT_TRUE((*first)->call("SET", "in3", "x"));
        auto second = m->lease();
        ASSERT_TRUE(second);
        auto third = m->lease();
        ASSERT_FALSE(third) << "a third lease beyond max_dedicated_connections";
        EXPECT_EQ(third.error_value().kind, error_kind::timeout);
    }
    for (int i = 0; i < 2; ++i) {
        auto again = m->lease();
        ASSERT_TRUE(again);
        EXPECT_TRUE((*again)->call("GET", "in3")->view().is_null()) << "back in database 0";
    }
}

TEST(MultiplexerDedicated, AsyncBlockingCallsShareABoundedSetOfConnections) {
    testing::redis_server server;
    multiplexer_settings two;
    two.max_dedicated_connections = 2;
    auto m = connect_to(at_port(server.port(), ",syncTimeout=5000"), two);
    ASSERT_TRUE(m);
    std::atomic<int> popped{0};
    for (int i = 0; i < 6; ++i)
        m->async_call(
            [&](result<resp::reply> r) {
                if (r && !r->is_null()) popped.fetch_add(1);
            },
            "BLPOP", "jobs", "2");
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(m->call("RPUSH", "jobs", std::to_string(i)));
    for (int i = 0; i < 500 && popped.load() < 6; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(popped.load(), 6);
    auto clients = m->call("CLIENT", "LIST");
    ASSERT_TRUE(clients);
    const std::string list(clients->view().string());
    EXPECT_LE(std::count(list.begin(), list.end(), '\n'), 4) << list;
}

// Completions and message handlers run on the I/O thread: a call from one
// that waited for a reply, or for queue space, would wait for itself.
TEST(MultiplexerReentry, ABlockingCallFromACompletionIsRefusedAndEverythingGoesOn) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port()));
    ASSERT_TRUE(m);
    std::promise<std::vector<error_kind>> inner;
    m->async_call(
        [&](result<resp::reply>) {
            std::vector<error_kind> kinds;
            auto single = m->call("PING");
            kinds.push_back(single ? error_kind::closed : single.error_value().kind);
            command_batch batch;
            batch.add("PING");
            auto batched = m->execute(batch);
            kinds.push_back(batched ? error_kind::closed : batched.error_value().kind);
            transaction tx;
            tx.add("INCR", "n");
            auto committed = m->execute(tx);
            kinds.push_back(committed ? error_kind::closed : committed.error_value().kind);
            auto leased = m->lease();
            kinds.push_back(leased ? error_kind::closed : leased.error_value().kind);
            inner.set_value(kinds);
        },
        "PING");
    auto future = inner.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready)
        << "the I/O thread waited for itself";
    for (error_kind kind : future.get()) EXPECT_EQ(kind, error_kind::config);
    EXPECT_TRUE(m->call("GET", "n")->view().is_null());  // the transaction never ran
    EXPECT_TRUE(m->call("PING"));
}

TEST(MultiplexerReentry, ABlockingCallFromAMessageHandlerIsRefused) {
    testing::redis_server server;
    for (const char* protocol : {"resp2", "resp3"}) {
        auto m = connect_to(at_port(server.port(), std::string(",protocol=") + protocol));
        auto publisher = connect_to(at_port(server.port()));
        ASSERT_TRUE(m && publisher);
        std::promise<error_kind> inner;
        std::atomic<bool> once{false};
        ASSERT_TRUE(m->subscribe("news", [&](const pubsub_message&) {
            if (once.exchange(true)) return;
            auto r = m->call("PING");
            inner.set_value(r ? error_kind::closed : r.error_value().kind);
        }));
        ASSERT_TRUE(publisher->call("PUBLISH", "news", "now"));
        auto future = inner.get_future();
        ASSERT_EQ(future.wait_for(10s), std::future_status::ready) << protocol;
        EXPECT_EQ(future.get(), error_kind::config) << protocol;
        EXPECT_TRUE(m->call("PING")) << protocol;
    }
}

TEST(MultiplexerReentry, AnAsyncCallFromACompletionOnAFullQueueFailsAtOnce) {
    testing::redis_server server;
    multiplexer_settings one;
    one.max_queued_requests = 1;
    // Waiting for space would last this long, holding up every request.
    auto m = connect_to(at_port(server.port(), ",asyncTimeout=60000"), one);
    ASSERT_TRUE(m);
    std::promise<error_kind> inner;
    m->async_call(
        [&](result<resp::reply>) {
            // The request being completed still holds the only place.
            m->async_call(
                [&](result<resp::reply> r) {
                    inner.set_value(r ? error_kind::closed : r.error_value().kind);
                },
                "PING");
        },
        "PING");
    auto future = inner.get_future();
    ASSERT_EQ(future.wait_for(10s), std::future_status::ready)
        << "the I/O thread waited for itself";
    EXPECT_EQ(future.get(), error_kind::limit);
    EXPECT_TRUE(m->call("PING"));
}

TEST(MultiplexerLeader, AnIdleBlockingCallNeedsNoHandOff) {
    testing::redis_server server;
    auto m = connect_to(at_port(server.port()));
    ASSERT_TRUE(m);
    std::this_thread::sleep_for(50ms);  // the I/O thread goes to sleep
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(m->call("SET", "k", std::to_string(i)));
    EXPECT_EQ(m->call("GET", "k")->view().string(), "99");
    EXPECT_GT(m->snapshot().calls_on_caller_thread, 50u);
}

}  // namespace
}  // namespace respcache::net
