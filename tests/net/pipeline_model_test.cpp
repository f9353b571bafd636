// Thousands of random interleavings of what a driver does to a pipeline —
// requests pushed, partial writes, replies in random chunks with pushes in
// between, time passing, disconnects, reconnects that restore subscriptions,
// fail_all — against a server model that answers every command with a reply
// naming it. Seeded and deterministic; a failure prints the seed and run.
//
//   RESPCACHE_PIPELINE_MODEL_RUNS=N   runs per protocol (default 2500, 800 under sanitizers)
//   RESPCACHE_PIPELINE_MODEL_SEED=S   first seed (default 1); run i uses seed S + i
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fake_resp_server.hpp"
#include "respcache/net/pipeline.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define RESPCACHE_MODEL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RESPCACHE_MODEL_SANITIZED 1
#endif
#endif

namespace respcache::net::testing {
namespace {

using namespace std::chrono_literals;

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text && *text ? std::strtoull(text, nullptr, 10) : fallback;
}

// What the model knows of one request it gave the pipeline.
struct tracked {
    request_kind kind = request_kind::command;
    bool retry_safe = false;
    bool counted = true;
    std::uint32_t pieces = 1;  // commands in a transaction, channels in a subscription
    bool denied = false;       // a subscription the server refuses
    std::size_t bytes = 0;
    int completions = 0;
    bool cancelled = false;    // timed out before it was written: must never arrive
    std::size_t arrivals = 0;  // times the server received it whole
    std::size_t arrivals_at_cancel = 0;
    std::uint64_t arrival_order = 0;
    std::string echo;  // a command's argument, echoed in its reply  // when the server last
                       // received it, over the whole run
};

// The tag a request's first piece carries: "<letter><id>.1".
std::string tag(char letter, std::uint64_t id, std::uint32_t piece) {
    return std::string(1, letter) + std::to_string(id) + "." + std::to_string(piece);
}

// The id in a tag, or 0 when the argument carries none.
std::uint64_t id_of(std::string_view arg, std::uint32_t* piece) {
    std::size_t i = 0;
    while (i < arg.size() && (arg[i] < '0' || arg[i] > '9')) ++i;
    std::uint64_t id = 0;
    for (; i < arg.size() && arg[i] != '.'; ++i)
        id = id * 10 + static_cast<std::uint64_t>(arg[i] - '0');
    *piece = 0;
    for (++i; i < arg.size() && arg[i] >= '0' && arg[i] <= '9'; ++i)
        *piece = *piece * 10 + static_cast<std::uint32_t>(arg[i] - '0');
    return id;
}

// What the runs went through, so a change that stops them reaching a case shows.
struct coverage {
    std::size_t answered = 0, never_ran = 0, timed_out_written = 0, lost_written = 0, resent = 0,
                closed = 0, refused = 0, transactions = 0, subscriptions = 0, large = 0;
};

class model_run {
  public:
    model_run(protocol_mode mode, std::uint64_t seed, coverage& seen)
        : seen_(seen), random_(seed), server_(mode), p_(mode == protocol_mode::resp2_subscribed) {
        p_.connected();
    }

    void run() {
        const int steps = pick(20, 160);
        for (int s = 0; s < steps && !::testing::Test::HasFatalFailure(); ++s) step();
        finish();
    }

  private:
    int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
    bool chance(int percent) { return pick(1, 100) <= percent; }

    void step() {
        const int what = pick(0, 99);
        if (what < 30) {
            push_request();
        } else if (what < 50) {
            if (connected_)
                write(chance(50)   ? static_cast<std::size_t>(pick(1, 40))
                      : chance(50) ? static_cast<std::size_t>(pick(1, 70000))
                                   : SIZE_MAX);
        } else if (what < 72) {
            if (connected_) deliver(chance(30));
        } else if (what < 90) {
            advance(std::chrono::milliseconds(pick(0, 25)));
        } else if (what < 96) {
            if (connected_)
                lose("reset by peer");
            else
                reconnect();
        } else if (what < 98) {
            if (!connected_) reconnect();
        } else {
            close_all();
        }
    }

    void push_request() {
        const std::uint64_t id = next_id_++;
        tracked t;
        const int kind = pick(0, 9);
        std::string bytes;
        if (kind < 5 || (kind >= 7 && kind < 9 && !server_.has_pushes())) {
            // Now and then a large one, so the write buffer is compacted
            // while requests are cancelled, resent and half written.
            t.echo = tag('r', id, 1);
            if (chance(3))
                t.echo += "-" + std::string(static_cast<std::size_t>(pick(1, 90000)), 'x');
            resp::append_command(bytes, "ECHO", t.echo);
            t.retry_safe = chance(50);
        } else if (kind < 7) {
            t.kind = request_kind::transaction;
            t.pieces = static_cast<std::uint32_t>(pick(1, 3));
            t.retry_safe = chance(50);  // the pipeline must never resend a written transaction
            resp::append_command(bytes, "MULTI");
            for (std::uint32_t k = 1; k <= t.pieces; ++k)
                resp::append_command(bytes, "ECHO", tag('r', id, k));
            resp::append_command(bytes, "EXEC");
        } else if (kind < 9) {
            bytes = subscribe_bytes(id, t);
        } else {
            t.kind = request_kind::keepalive;
            t.counted = false;
            resp::append_command(bytes, "PING");
        }
        t.bytes = bytes.size();
        const request_spec spec{now_ + std::chrono::milliseconds(pick(1, 60)), t.kind,
                                t.kind == request_kind::transaction ? t.pieces + 2 : t.pieces,
                                t.retry_safe};
        requests_[id] = t;
        if (t.counted) {
            ++counted_requests_;
            counted_bytes_ += t.bytes;
        }
        p_.push(bytes, spec, t.kind == request_kind::keepalive ? pipeline::completion() : done(id));
    }

    std::string subscribe_bytes(std::uint64_t id, tracked& t) {
        t.kind = request_kind::subscription;
        t.pieces = static_cast<std::uint32_t>(pick(1, 3));
        t.retry_safe = chance(80);
        t.denied = chance(20);
        std::vector<std::string> args{"SUBSCRIBE"};
        for (std::uint32_t k = 1; k <= t.pieces; ++k) args.push_back(tag('c', id, k));
        if (t.denied) args.back() = "denied" + args.back().substr(1);
        std::vector<std::string_view> views(args.begin(), args.end());
        std::string bytes;
        resp::append_command(bytes, std::span<const std::string_view>(views));
        return bytes;
    }

    pipeline::completion done(std::uint64_t id) {
        return [this, id](result<resp::reply> r) { completed(id, r); };
    }

    void completed(std::uint64_t id, const result<resp::reply>& r) {
        tracked& t = requests_.at(id);
        ++t.completions;
        ASSERT_EQ(t.completions, 1) << "request " << id << " completed twice";
        if (!r) {
            const std::string& why = r.error_value().message;
            if (why.find("never ran") != std::string::npos) {
                EXPECT_EQ(r.error_value().kind, error_kind::timeout);
                t.cancelled = true;
                t.arrivals_at_cancel = t.arrivals;
                ++seen_.never_ran;
            } else if (r.error_value().kind == error_kind::timeout) {
                ++seen_.timed_out_written;
            } else if (r.error_value().kind == error_kind::io) {
                EXPECT_NE(why.find("outcome is unknown"), std::string::npos) << why;
                ++seen_.lost_written;
            } else {
                EXPECT_EQ(r.error_value().kind, error_kind::closed) << why;
                ++seen_.closed;
            }
            return;
        }
        ++seen_.answered;
        if (t.kind == request_kind::transaction) ++seen_.transactions;
        if (t.kind == request_kind::subscription)
            ++(t.denied ? seen_.refused : seen_.subscriptions);
        // In order: the server answers in the order commands reached it.
        EXPECT_GT(t.arrival_order, last_answered_arrival_)
            << "request " << id << " answered out of order";
        last_answered_arrival_ = t.arrival_order;
        // And its own reply.
        const resp::reply reply = *r;
        std::uint32_t piece = 0;
        switch (t.kind) {
            case request_kind::command:
                EXPECT_EQ(reply.string(), t.echo) << "request " << id << " got another's reply";
                if (t.echo.size() > 1000) ++seen_.large;
                break;
            case request_kind::transaction:
                ASSERT_EQ(reply.size(), t.pieces) << "transaction " << id;
                for (std::uint32_t k = 0; k < t.pieces; ++k)
                    EXPECT_EQ(reply[k].string(), tag('r', id, k + 1)) << "transaction " << id;
                break;
            case request_kind::subscription:
                if (t.denied) {
                    EXPECT_TRUE(reply.is_error()) << "refused subscription " << id;
                    EXPECT_EQ(id_of(reply.string(), &piece), id) << reply.string();
                } else {
                    ASSERT_EQ(reply.size(), 3u) << "subscription " << id;
                    EXPECT_EQ(reply[1].string(), tag('c', id, t.pieces))
                        << "subscription " << id << " took another's confirmation";
                }
                break;
            case request_kind::keepalive:
                ADD_FAILURE() << "a keepalive has no completion";
                break;
        }
    }

    void write(std::size_t most) {
        const std::string_view bytes = p_.prepare_write();
        const std::string_view chunk = bytes.substr(0, most);
        server_.receive(chunk);
        p_.commit_write(chunk.size());
        note_arrivals();
    }

    void note_arrivals() {
        for (; seen_commands_ < server_.received.size(); ++seen_commands_) {
            const auto& args = server_.received[seen_commands_];
            if (args.size() < 2) continue;
            std::uint32_t piece = 0;
            const std::uint64_t id = id_of(args[1], &piece);
            if (piece != 1) continue;
            tracked& t = requests_.at(id);
            ++t.arrivals;
            t.arrival_order = ++arrival_counter_;
            EXPECT_FALSE(t.cancelled)
                << "request " << id << " timed out before it was written, yet the server got it";
            if (t.arrivals > 1) {
                ++seen_.resent;
                EXPECT_TRUE(t.retry_safe && t.kind != request_kind::transaction)
                    << "request " << id << " was sent again though it is not retry-safe";
            }
        }
    }

    // Sends the client some of the server's replies, in random chunk sizes,
    // with pub/sub messages in between.
    void deliver(bool everything) {
        std::string bytes;
        std::size_t replies =
            everything ? server_.replies.size() : static_cast<std::size_t>(pick(0, 3));
        while (replies-- > 0 && !server_.replies.empty()) {
            if (server_.has_pushes() && chance(20)) bytes += server_.message("news", "hello");
            bytes += server_.replies.front();
            server_.replies.pop_front();
        }
        if (server_.has_pushes() && chance(10)) bytes += server_.message("news", "bye");
        for (std::size_t at = 0; at < bytes.size();) {
            const std::size_t n =
                static_cast<std::size_t>(chance(90) ? pick(1, 30) : pick(1, 40000));
            reader_.feed(std::string_view(bytes).substr(at, n));
            at += n;
            for (;;) {
                auto next = reader_.next();
                ASSERT_TRUE(next) << "the server model's bytes must parse";
                if (!next->has_value()) break;
                const resp::reply reply = **next;
                const auto use = p_.on_reply(reply);
                const bool is_message = reply.size() == 3 && reply[0].string() == "message";
                EXPECT_EQ(
                    use, is_message ? pipeline::reply_use::message : pipeline::reply_use::answered);
            }
        }
        take_capacity();
    }

    void advance(clock::duration d) {
        now_ += d;
        if (const auto due = p_.next_deadline(); due && *due > now_) return;
        const auto drop = p_.expire(now_);
        take_capacity();
        if (drop) {
            EXPECT_EQ(drop->kind, error_kind::timeout);
            if (connected_) lose(drop->message);
        }
    }

    void lose(const std::string& why) {
        connected_ = false;
        server_.disconnect();
        reader_.reset();
        p_.connection_lost(error{error_kind::io, why});
        take_capacity();
    }

    // A new connection: maybe subscriptions to restore first, then connected.
    void reconnect() {
        if (server_.has_pushes() && chance(50)) {
            std::vector<prelude_request> restores;
            const int n = pick(1, 2);
            for (int i = 0; i < n; ++i) {
                const std::uint64_t id = next_id_++;
                tracked t;
                prelude_request r;
                r.bytes = subscribe_bytes(id, t);
                t.counted = false;
                t.bytes = r.bytes.size();
                r.spec = {now_ + std::chrono::milliseconds(pick(5, 80)), request_kind::subscription,
                          t.pieces, t.retry_safe};
                r.done = done(id);
                requests_[id] = t;
                restores.push_back(std::move(r));
            }
            p_.prepend(restores);
        }
        connected_ = true;
        p_.connected();
    }

    void close_all() {
        p_.fail_all(error{error_kind::closed, "closed by its owner"});
        take_capacity();
        EXPECT_TRUE(p_.idle());
        if (connected_) lose("closed by its owner");
    }

    void finish() {
        if (!connected_) reconnect();
        for (int round = 0; round < 50 && !p_.idle(); ++round) {
            write(SIZE_MAX);
            deliver(true);
        }
        EXPECT_TRUE(p_.idle()) << "a healthy connection drains every request";
        p_.fail_all(error{error_kind::closed, "closed by its owner"});
        take_capacity();
        EXPECT_TRUE(p_.idle());
        for (const auto& [id, t] : requests_) {
            if (t.kind == request_kind::keepalive) continue;
            EXPECT_EQ(t.completions, 1)
                << "request " << id << " completed " << t.completions << " times";
            if (t.cancelled) {
                EXPECT_EQ(t.arrivals, t.arrivals_at_cancel)
                    << "request " << id << " was sent after it expired";
            }
        }
        EXPECT_EQ(released_requests_, counted_requests_)
            << "every counted request gives its capacity back exactly once";
        EXPECT_EQ(released_bytes_, counted_bytes_);
        p_.shrink_when_idle();
    }

    void take_capacity() {
        const auto [requests, bytes] = p_.take_released();
        released_requests_ += requests;
        released_bytes_ += bytes;
        EXPECT_LE(released_requests_, counted_requests_) << "capacity released twice";
        EXPECT_LE(released_bytes_, counted_bytes_);
    }

    coverage& seen_;
    std::mt19937_64 random_;
    fake_resp_server server_;
    pipeline p_;
    resp::reader reader_;
    clock::time_point now_{};
    bool connected_ = true;
    std::uint64_t next_id_ = 1;
    std::uint64_t arrival_counter_ = 0;
    std::uint64_t last_answered_arrival_ = 0;
    std::size_t seen_commands_ = 0;
    std::map<std::uint64_t, tracked> requests_;
    std::size_t counted_requests_ = 0, counted_bytes_ = 0;
    std::size_t released_requests_ = 0, released_bytes_ = 0;
};

void run_many(protocol_mode mode) {
#ifdef RESPCACHE_MODEL_SANITIZED
    const std::uint64_t fallback_runs = 800;
#else
    const std::uint64_t fallback_runs = 2500;
#endif
    const std::uint64_t runs = env_number("RESPCACHE_PIPELINE_MODEL_RUNS", fallback_runs);
    const std::uint64_t first = env_number("RESPCACHE_PIPELINE_MODEL_SEED", 1);
    coverage seen;
    for (std::uint64_t seed = first; seed < first + runs; ++seed) {
        SCOPED_TRACE("reproduce with RESPCACHE_PIPELINE_MODEL_SEED=" + std::to_string(seed) +
                     " RESPCACHE_PIPELINE_MODEL_RUNS=1");
        model_run(mode, seed, seen).run();
        if (::testing::Test::HasFailure()) return;
    }
    if (runs < 100) return;
    // Every outcome the invariants speak of happened many times.
    EXPECT_GT(seen.answered, runs);
    EXPECT_GT(seen.never_ran, runs / 10);
    EXPECT_GT(seen.timed_out_written, runs / 10);
    EXPECT_GT(seen.lost_written, runs / 10);
    EXPECT_GT(seen.resent, runs / 10);
    EXPECT_GT(seen.closed, runs / 10);
    EXPECT_GT(seen.transactions, runs / 10);
    EXPECT_GT(seen.large, runs / 100);
    if (mode != protocol_mode::resp2) {
        EXPECT_GT(seen.subscriptions, runs / 10);
        EXPECT_GT(seen.refused, runs / 10);
    }
    std::printf(
        "%zu answered, %zu expired unsent, %zu expired written, %zu lost written, %zu "
        "resent, %zu closed, %zu transactions, %zu subscriptions, %zu refused, %zu large\n",
        seen.answered, seen.never_ran, seen.timed_out_written, seen.lost_written, seen.resent,
        seen.closed, seen.transactions, seen.subscriptions, seen.refused, seen.large);
}

TEST(pipeline_model, resp3_random_interleavings_keep_every_invariant) {
    run_many(protocol_mode::resp3);
}

TEST(pipeline_model, resp2_random_interleavings_keep_every_invariant) {
    run_many(protocol_mode::resp2);
}

TEST(pipeline_model, resp2_subscriber_link_random_interleavings_keep_every_invariant) {
    run_many(protocol_mode::resp2_subscribed);
}

}  // namespace
}  // namespace respcache::net::testing
