// What a lost connection does to each request: written ones fail "outcome
// unknown" unless retry-safe (a transaction never is), unwritten ones wait
// for the next connection in their order, restores prepended on it go first,
// and fail_all() completes whatever is left exactly once.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline_script.hpp"

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;

TEST(pipeline_connection_lost, each_kind_of_request_meets_its_own_fate) {
    fake_connection f;
    outcome_log log;
    const std::string incr = command("INCR", "0");
    const std::string get_safe = command("GET", "1");
    const std::string part_safe = command("GET", "2");
    const std::string part_unsafe = command("INCR", "3");
    const std::string tx_written = multi_exec({command("INCR", "4")});
    const std::string sub = command("SUBSCRIBE", "x", "y");
    const std::string timed_out = command("GET", "6");
    const std::string cancelled = command("INCR", "7");
    const std::string tx_unsent = multi_exec({command("INCR", "8")});
    const std::string unsent = command("INCR", "9");
    f.p.push(incr, plain(1h), log.slot(0));
    f.p.push(get_safe, plain(1h, true), log.slot(1));
    f.p.push(sub, subscription(1h, 2), log.slot(5));
    f.p.push(tx_written, {t0 + 1h, request_kind::transaction, 3, true}, log.slot(4));
    f.p.push(timed_out, plain(1s, true), log.slot(6));
    f.write_everything();
    f.server_says(blob("0") + blob("1") + subscribe_confirmation("x", 1));  // y unconfirmed
    EXPECT_EQ(log.text(1), "1");
    EXPECT_FALSE(f.p.expire(t0 + 1s));  // 6 times out, written
    f.p.push(part_safe, plain(1h, true), log.slot(2));
    f.write(3);
    f.p.take_released();
    f.p.push(part_unsafe, plain(1h), log.slot(3));
    f.write(part_safe.size() - 3 + 2);  // the rest of 2, two bytes of 3
    f.p.push(cancelled, plain(2s), log.slot(7));
    f.p.push(tx_unsent, transaction(1h, 1), log.slot(8));
    f.p.push(unsent, plain(1h), log.slot(9));
    f.p.push(command("PING"), keepalive(1h), nullptr);
    EXPECT_FALSE(f.p.expire(t0 + 2s));  // 7 times out, unsent
    f.p.take_released();
    const std::string before = f.sent;

    f.lose("reset by peer");
    for (std::size_t i : {3, 4}) {
        EXPECT_EQ(log.kind(i), error_kind::io) << i;
        EXPECT_TRUE(log.message_has(i, "outcome is unknown: reset by peer")) << i;
    }
    EXPECT_EQ(log.kind(6), error_kind::timeout) << "completed once, not again";
    EXPECT_TRUE(log.message_has(7, "never ran"));
    for (std::size_t i : {2, 5, 8, 9}) EXPECT_FALSE(log.done(i)) << i;
    // 3 and 4 failed, 6 and 7 had completed: their capacity comes back now.
    EXPECT_EQ(f.p.take_released(),
              std::make_pair(std::size_t{4}, part_unsafe.size() + tx_written.size() +
                                                 timed_out.size() + cancelled.size()));

    f.p.connected();
    EXPECT_EQ(f.write_everything(), sub + part_safe + tx_unsent + unsent)
        << "a partly written retry-safe request is sent again whole; the order is kept";
    EXPECT_EQ(f.sent, before + sub + part_safe + tx_unsent + unsent);
    f.server_says(subscribe_confirmation("x", 1));
    EXPECT_FALSE(log.done(5)) << "a resent subscription waits for every channel again";
    f.server_says(subscribe_confirmation("y", 2) + blob("2") + "+OK\r\n+QUEUED\r\n*1\r\n:1\r\n" +
                  ":9\r\n");
    EXPECT_EQ(log.text(2), "2");
    EXPECT_EQ(log.reply(5)[1].string(), "y");
    EXPECT_EQ(log.reply(8)[0].integer(), 1);
    EXPECT_EQ(log.reply(9).integer(), 9);
    EXPECT_EQ(log.completions(), 10);
    EXPECT_TRUE(f.p.idle());
    EXPECT_EQ(f.p.take_released().first, 4u);
}

TEST(pipeline_connection_lost, a_half_read_reply_of_the_old_connection_is_forgotten) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("GET", "a"), plain(1h, true), log.slot(0));
    f.write_everything();
    f.server_says("$5\r\nhal");
    f.lose();
    f.p.connected();
    f.write_everything();
    f.server_says(blob("whole"));
    EXPECT_EQ(log.text(0), "whole");
}

TEST(pipeline_connection_lost, restores_prepended_after_a_loss_go_first_and_are_not_counted) {
    fake_connection f;
    outcome_log log;
    const std::string a = command("GET", "a"), b = command("GET", "b");
    f.p.push(a, plain(1h, true), log.slot(0));
    f.write_everything();
    f.p.push(b, plain(1h), log.slot(1));
    f.lose();
    std::vector<prelude_request> restores;
    restores.push_back({command("SUBSCRIBE", "x"), subscription(1h, 1), log.slot(2)});
    restores.push_back({command("PSUBSCRIBE", "p*"), subscription(1h, 1), log.slot(3)});
    f.p.prepend(restores);
    f.p.connected();
    EXPECT_EQ(f.write_everything(),
              command("SUBSCRIBE", "x") + command("PSUBSCRIBE", "p*") + a + b);
    f.server_says(subscribe_confirmation("x", 1) + message_push("x", "early") +
                  "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:2\r\n" + blob("A") + blob("B"));
    EXPECT_EQ(log.reply(2)[1].string(), "x");
    EXPECT_EQ(log.reply(3)[1].string(), "p*");
    EXPECT_EQ(log.text(0), "A");
    EXPECT_EQ(log.text(1), "B");
    EXPECT_EQ(f.p.take_released(), std::make_pair(std::size_t{2}, a.size() + b.size()));
}

TEST(pipeline_connection_lost, a_restore_lost_again_before_it_is_written_waits_once_uncounted) {
    fake_connection f;
    outcome_log log;
    f.lose();
    std::vector<prelude_request> restores;
    restores.push_back({command("SUBSCRIBE", "x"), subscription(1h, 1), log.slot(0)});
    f.p.prepend(restores);
    f.p.push(command("GET", "a"), plain(1h), log.slot(1));
    f.lose("refused again");
    f.p.connected();
    EXPECT_EQ(f.write_everything(), command("SUBSCRIBE", "x") + command("GET", "a"));
    f.server_says(subscribe_confirmation("x", 1) + blob("A"));
    EXPECT_EQ(log.completions(), 2);
    EXPECT_EQ(f.p.take_released().first, 1u);
}

TEST(pipeline_connection_lost, a_written_restore_that_is_lost_is_sent_again_when_retry_safe) {
    fake_connection f;
    outcome_log log;
    f.lose();
    std::vector<prelude_request> restores;
    restores.push_back({command("SUBSCRIBE", "x", "y"), subscription(1h, 2), log.slot(0)});
    restores.push_back(
        {command("SUBSCRIBE", "z"), {t0 + 1h, request_kind::subscription, 1, false}, log.slot(1)});
    f.p.prepend(restores);
    f.p.connected();
    f.write_everything();
    f.server_says(subscribe_confirmation("x", 1));  // partly confirmed
    f.lose();
    EXPECT_FALSE(log.done(0));
    EXPECT_EQ(log.kind(1), error_kind::io) << "not retry-safe: outcome unknown";
    f.p.connected();
    EXPECT_EQ(f.write_everything(), command("SUBSCRIBE", "x", "y"));
    f.server_says(subscribe_confirmation("x", 1) + subscribe_confirmation("y", 2));
    EXPECT_EQ(log.reply(0)[1].string(), "y");
    EXPECT_EQ(f.p.take_released().first, 0u);
    EXPECT_TRUE(f.p.idle());
}

TEST(pipeline_connection_lost, a_restore_that_times_out_while_disconnected_never_runs) {
    fake_connection f;
    outcome_log log;
    f.p.push(command("GET", "a"), plain(1h), log.slot(0));
    f.lose("refused");
    std::vector<prelude_request> restores;
    restores.push_back({command("SUBSCRIBE", "x"), subscription(1s, 1), log.slot(1)});
    f.p.prepend(restores);
    EXPECT_FALSE(f.p.expire(t0 + 1s));
    EXPECT_TRUE(log.message_has(1, "never ran"));
    f.p.connected();
    EXPECT_EQ(f.write_everything(), command("GET", "a"));
    f.server_says(blob("A"));
    EXPECT_EQ(log.text(0), "A");
    EXPECT_EQ(f.p.take_released().first, 1u);
}

TEST(pipeline_connection_lost, losing_an_empty_or_already_lost_connection_changes_nothing) {
    fake_connection f;
    outcome_log log;
    f.lose();
    f.lose();
    EXPECT_TRUE(f.p.idle());
    EXPECT_FALSE(f.p.is_connected());
    f.p.push(command("GET", "a"), plain(1h), log.slot(0));
    f.lose();
    f.lose();
    EXPECT_FALSE(log.done(0)) << "never written: it waits";
    f.p.connected();
    EXPECT_TRUE(f.p.is_connected());
    EXPECT_EQ(f.write_everything(), command("GET", "a"));
    f.server_says(blob("A"));
    EXPECT_EQ(log.text(0), "A");
}

TEST(pipeline_connection_lost, fail_all_completes_everything_left_exactly_once) {
    fake_connection f;
    outcome_log log;
    f.p.push(multi_exec({command("INCR", "n")}), transaction(1h, 1), log.slot(2));
    f.p.push(command("GET", "w"), plain(1h), log.slot(0));  // written
    f.p.push(command("GET", "t"), plain(1s), log.slot(1));  // written, timed out
    f.p.push(command("PING"), keepalive(1h), nullptr);
    f.write_everything();
    f.server_says("+OK\r\n");                               // MULTI's OK only
    f.p.push(command("GET", "c"), plain(1s), log.slot(3));  // cancelled
    f.p.push(command("GET", "u"), plain(1h), log.slot(4));  // unsent
    EXPECT_FALSE(f.p.expire(t0 + 1s));
    f.p.take_released();
    f.p.fail_all(error{error_kind::closed, "closed by its owner"});
    for (std::size_t i : {0, 2, 4}) {
        EXPECT_EQ(log.kind(i), error_kind::closed) << i;
        EXPECT_EQ(log.text(i), "error: closed by its owner") << i;
    }
    EXPECT_EQ(log.kind(1), error_kind::timeout);
    EXPECT_EQ(log.kind(3), error_kind::timeout);
    EXPECT_EQ(log.completions(), 5);
    EXPECT_TRUE(f.p.idle());
    EXPECT_FALSE(f.p.wants_write());
    EXPECT_FALSE(f.p.next_deadline());
    EXPECT_EQ(f.p.take_released().first, 5u) << "the keepalive is not counted";
    EXPECT_FALSE(f.p.expire(t0 + 2h));
    // Usable again on a new connection.
    f.reconnect();
    f.p.push(command("GET", "n"), plain(1h), log.slot(5));
    EXPECT_EQ(f.write_everything(), command("GET", "n"));
    f.server_says(blob("N"));
    EXPECT_EQ(log.text(5), "N");
}

}  // namespace
}  // namespace respcache::net::testing
