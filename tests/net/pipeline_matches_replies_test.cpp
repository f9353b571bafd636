// The pipeline without a server: scripted server bytes, time passed in.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "respcache/net/pipeline.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"

namespace respcache::net {
namespace {

using namespace std::chrono_literals;

const clock::time_point t0{};

struct outcome_log {
    std::vector<std::optional<result<resp::owned_reply>>> outcomes;
    int completions = 0;

    pipeline::completion slot(std::size_t i) {
        if (outcomes.size() <= i) outcomes.resize(i + 1);
        return [this, i](result<resp::reply> r) {
            ++completions;
            ASSERT_FALSE(outcomes[i].has_value()) << "request " << i << " completed twice";
            if (r)
                outcomes[i].emplace(r->to_owned());
            else
                outcomes[i].emplace(r.error_value());
        };
    }
    std::string text(std::size_t i) const {
        const auto& o = *outcomes.at(i);
        return o ? std::string(o->view().string()) : "error: " + o.error_value().message;
    }
    error_kind kind(std::size_t i) const { return outcomes.at(i)->error_value().kind; }
};

std::string command(std::string_view name, std::string_view arg) {
    std::string out;
    resp::append_command(out, name, arg);
    return out;
}

// Feeds server bytes and hands every complete reply to the pipeline.
std::vector<pipeline::reply_use> server_says(pipeline& p, resp::reader& r, std::string_view bytes) {
    std::vector<pipeline::reply_use> uses;
    r.feed(bytes);
    for (;;) {
        auto next = r.next();
        EXPECT_TRUE(next) << "server bytes must parse";
        if (!next || !next->has_value()) break;
        uses.push_back(p.on_reply(**next));
    }
    return uses;
}

std::string write_everything(pipeline& p) {
    std::string sent;
    for (auto bytes = p.prepare_write(); !bytes.empty(); bytes = p.prepare_write()) {
        sent.append(bytes);
        p.commit_write(bytes.size());
    }
    return sent;
}

TEST(pipeline, replies_reach_their_requests_in_order) {
    pipeline p;
    resp::reader r;
    outcome_log log;
    p.connected();
    p.push(command("GET", "a"), {t0 + 1s}, log.slot(0));
    p.push(command("GET", "b"), {t0 + 1s}, log.slot(1));
    EXPECT_EQ(write_everything(p), command("GET", "a") + command("GET", "b"));
    server_says(p, r, "$1\r\nA\r\n$1\r\nB\r\n");
    EXPECT_EQ(log.text(0), "A");
    EXPECT_EQ(log.text(1), "B");
    EXPECT_TRUE(p.idle());
    EXPECT_EQ(p.take_released(), std::make_pair(std::size_t{2}, 2 * command("GET", "a").size()));
}

TEST(pipeline, a_reply_nobody_asked_for_is_unexpected) {
    pipeline p;
    resp::reader r;
    p.connected();
    EXPECT_EQ(server_says(p, r, "+OK\r\n"),
              std::vector<pipeline::reply_use>{pipeline::reply_use::unexpected});
}

TEST(pipeline, an_expired_unsent_request_never_goes_on_the_wire) {
    pipeline p;
    resp::reader r;
    outcome_log log;
    p.connected();
    p.push(command("SET", "a"), {t0 + 5s}, log.slot(0));
    p.push(command("INCR", "n"), {t0 + 1s}, log.slot(1));
    p.push(command("GET", "c"), {t0 + 5s}, log.slot(2));
    // Half of the first request goes out, then the second expires.
    auto first = p.prepare_write();
    p.commit_write(3);
    EXPECT_FALSE(p.expire(t0 + 2s));
    EXPECT_EQ(log.kind(1), error_kind::timeout);
    const std::string rest = write_everything(p);
    EXPECT_EQ(rest, command("SET", "a").substr(3) + command("GET", "c"));
    (void)first;
    server_says(p, r, "+OK\r\n$1\r\nC\r\n");
    EXPECT_EQ(log.text(0), "OK");
    EXPECT_EQ(log.text(2), "C");
    EXPECT_EQ(log.completions, 3);
    EXPECT_TRUE(p.idle());
}

TEST(pipeline, written_requests_fail_outcome_unknown_unless_retry_safe) {
    pipeline p;
    resp::reader r;
    outcome_log log;
    p.connected();
    p.push(command("INCR", "n"), {t0 + 5s, request_kind::command, 1, false}, log.slot(0));
    p.push(command("GET", "a"), {t0 + 5s, request_kind::command, 1, true}, log.slot(1));
    write_everything(p);
    p.push(command("INCR", "m"), {t0 + 5s}, log.slot(2));
    p.connection_lost(error{error_kind::io, "reset by peer"});
    EXPECT_EQ(log.kind(0), error_kind::io);
    EXPECT_NE(log.text(0).find("outcome is unknown"), std::string::npos);
    EXPECT_EQ(p.size(), 2u);
    p.connected();
    EXPECT_EQ(write_everything(p), command("GET", "a") + command("INCR", "m"));
    server_says(p, r, "$1\r\nA\r\n:1\r\n");
    EXPECT_EQ(log.text(1), "A");
    EXPECT_EQ(log.outcomes[2]->value().view().integer(), 1);
    EXPECT_EQ(log.completions, 3);
}

TEST(pipeline, pushes_between_replies_are_messages) {
    pipeline p;
    resp::reader r;
    outcome_log log;
    p.connected();
    p.push(command("GET", "a"), {t0 + 1s}, log.slot(0));
    write_everything(p);
    const auto uses =
        server_says(p, r, ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n$1\r\nA\r\n");
    EXPECT_EQ(uses, (std::vector{pipeline::reply_use::message, pipeline::reply_use::answered}));
    EXPECT_EQ(log.text(0), "A");
}

TEST(pipeline, a_subscription_is_confirmed_by_its_push_or_refused_by_a_reply) {
    pipeline p;
    resp::reader r;
    outcome_log log;
    p.connected();
    p.push(command("SUBSCRIBE", "ok"), {t0 + 1s, request_kind::subscription, 1, true}, log.slot(0));
    p.push(command("SUBSCRIBE", "denied"), {t0 + 1s, request_kind::subscription, 1, true},
           log.slot(1));
    p.push(command("GET", "a"), {t0 + 1s}, log.slot(2));
    write_everything(p);
    server_says(p, r,
                ">3\r\n$9\r\nsubscribe\r\n$2\r\nok\r\n:1\r\n"
                "-NOPERM no permissions to access the 'denied' channel\r\n$1\r\nA\r\n");
    EXPECT_EQ(log.outcomes[0]->value().view().kind(), resp::type::push);
    EXPECT_TRUE(log.outcomes[1]->value().view().is_error());
    EXPECT_EQ(log.text(2), "A");
}

TEST(pipeline, a_transaction_takes_every_reply_up_to_exec) {
    pipeline p;
    resp::reader r;
    outcome_log log;
    p.connected();
    p.push("*1\r\n$5\r\nMULTI\r\n" + command("INCR", "n") + "*1\r\n$4\r\nEXEC\r\n",
           {t0 + 1s, request_kind::transaction, 3, false}, log.slot(0));
    p.push(command("GET", "a"), {t0 + 1s}, log.slot(1));
    write_everything(p);
    server_says(p, r, "+OK\r\n+QUEUED\r\n*1\r\n:1\r\n$1\r\nA\r\n");
    EXPECT_EQ(log.outcomes[0]->value().view().size(), 1u);
    EXPECT_EQ(log.text(1), "A");
}

TEST(pipeline, an_unanswered_keepalive_drops_the_connection) {
    pipeline p;
    p.connected();
    p.push("*1\r\n$4\r\nPING\r\n", {t0 + 1s, request_kind::keepalive}, nullptr);
    write_everything(p);
    const auto drop = p.expire(t0 + 2s);
    ASSERT_TRUE(drop);
    EXPECT_EQ(drop->kind, error_kind::timeout);
    EXPECT_EQ(p.take_released().first, 0u);
}

TEST(pipeline, prepended_restores_go_first) {
    pipeline p;
    resp::reader r;
    outcome_log log;
    p.push(command("GET", "a"), {t0 + 5s}, log.slot(0));
    p.connection_lost(error{error_kind::io, "refused"});
    std::vector<prelude_request> restore;
    restore.push_back(
        {command("SUBSCRIBE", "ch"), {t0 + 5s, request_kind::subscription, 1, true}, log.slot(1)});
    p.prepend(restore);
    p.connected();
    EXPECT_EQ(write_everything(p), command("SUBSCRIBE", "ch") + command("GET", "a"));
    server_says(p, r, ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n$1\r\nA\r\n");
    EXPECT_EQ(log.text(0), "A");
    EXPECT_EQ(log.completions, 2);
    EXPECT_EQ(p.take_released().first, 1u);
}

}  // namespace
}  // namespace respcache::net
