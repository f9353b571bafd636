#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

#include "respcache/net/command_traits.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/net/request_ring.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

class subscriber;

// Per-call choices; the defaults come from the configuration and the command.
struct call_options {
    // 0: syncTimeout for blocking calls, asyncTimeout for the others.
    std::chrono::milliseconds timeout{0};
    // Resend after a reconnect even if it had been written. Default: true for
    // read-only commands (GET, HGETALL, ...), false otherwise.
    std::optional<bool> retry_safe;
};

// Bounds and pacing of one multiplexer, beyond what a connection string says.
struct multiplexer_settings {
    // Callers wait (within their deadline) while this many requests or bytes
    // are queued and unanswered. A single request larger than the byte bound
    // is still accepted when nothing else is queued.
    std::size_t max_queued_requests = 1'000'000;
    std::size_t max_queued_bytes = 256 * 1024 * 1024;
    // Reconnect delays: base * 2^attempt, capped, with +-50% jitter.
    std::chrono::milliseconds reconnect_base{50};
    std::chrono::milliseconds reconnect_cap{2000};
};

// One pub/sub message, valid during the handler call.
struct pubsub_message {
    enum class kind { message, pattern_message, shard_message };
    kind what;
    std::string_view channel;
    std::string_view pattern;  // pattern_message: the pattern that matched
    std::string_view payload;
};
using message_handler = std::function<void(const pubsub_message&)>;

struct connection_event {
    enum class kind { connected, lost, restored };
    kind what;
    endpoint peer;
    std::string reason;  // why the connection was lost; empty otherwise
};

// Commands sent together in one write; each gets its own reply. Other
// callers' commands may come before or after the batch, never inside it.
class command_batch {
  public:
    template <class... Args>
    command_batch& add(std::string_view command, const Args&... args) {
        resp::append_command(bytes_, command, args...);
        retry_safe_.push_back(traits_of(command).retry_safe);
        ends_.push_back(bytes_.size());
        return *this;
    }
    std::size_t size() const noexcept { return ends_.size(); }
    bool empty() const noexcept { return ends_.empty(); }
    // Empties the batch and keeps its storage for the next one.
    void clear() noexcept {
        bytes_.clear();
        ends_.clear();
        retry_safe_.clear();
    }

  private:
    friend class multiplexer;
    std::string bytes_;
    std::vector<std::size_t> ends_;
    std::vector<bool> retry_safe_;
};

// MULTI, the commands, EXEC: sent as one unit that no other caller's command
// can interleave. WATCH needs a connection of its own: see multiplexer::lease().
class transaction {
  public:
    template <class... Args>
    transaction& add(std::string_view command, const Args&... args) {
        resp::append_command(bytes_, command, args...);
        ++count_;
        return *this;
    }
    std::size_t size() const noexcept { return count_; }

  private:
    friend class multiplexer;
    std::string bytes_;
    std::size_t count_ = 0;
};

// One object, shared by every thread, that multiplexes all their commands
// over one connection. Commands from concurrent callers are coalesced into
// as few writes as possible by a background I/O thread, which also enforces
// every deadline, reconnects with backoff, and sends a PING when idle.
//
// Every request completes exactly once: with its reply, a timeout, "outcome
// unknown" when the connection dropped after it was written, or closed.
// Asynchronous completions run on the I/O thread: keep them short and never
// make a blocking call from one.
class multiplexer : public std::enable_shared_from_this<multiplexer> {
  public:
    using completion = std::function<void(result<resp::reply>)>;

    // Connects (connectRetry attempts when abortConnect=true; otherwise the
    // first failure is tolerated and connecting goes on in the background).
    static result<std::shared_ptr<multiplexer>> connect(const connection_options& options,
                                                        const multiplexer_settings& settings = {});
    ~multiplexer();
    multiplexer(const multiplexer&) = delete;
    multiplexer& operator=(const multiplexer&) = delete;

    // Blocks until the reply or the deadline. An error reply is an error of
    // kind server_reply.
    template <class... Args>
    result<resp::owned_reply> call(std::string_view command, const Args&... args) {
        return call(call_options{}, command, args...);
    }
    template <class... Args>
    result<resp::owned_reply> call(const call_options& options, std::string_view command,
                                   const Args&... args);

    // Calls `done(result<resp::reply>)` on the I/O thread; the reply is a
    // view valid during the call (take to_owned() to keep it). An error reply
    // from the server arrives as a reply of an error type, not as an error.
    template <class Done, class... Args>
    requires std::is_invocable_v<Done&, result<resp::reply>>
    void async_call(Done&& done, std::string_view command, const Args&... args) {
        async_call(call_options{}, std::forward<Done>(done), command, args...);
    }
    template <class Done, class... Args>
    requires std::is_invocable_v<Done&, result<resp::reply>>
    void async_call(const call_options& options, Done&& done, std::string_view command,
                    const Args&... args);

    template <class... Args>
    std::future<result<resp::owned_reply>> call_future(std::string_view command,
                                                       const Args&... args);

    // Fire and forget: the reply (or error) is discarded.
    template <class... Args>
    void send(std::string_view command, const Args&... args) {
        async_call(
            call_options{}, [](result<resp::reply>) {}, command, args...);
    }

    // All replies in order (error replies included as values), or the first
    // transport error.
    result<std::vector<resp::owned_reply>> execute(const command_batch& batch,
                                                   const call_options& options = {});
    // EXEC's reply: one element per command. A discarded transaction (EXEC
    // answered null) or EXECABORT is an error of kind server_reply.
    result<resp::owned_reply> execute(const transaction& tx, const call_options& options = {});

    // A connection of the caller's own, for blocking commands, WATCH or
    // anything that must not share the pipeline. Give it back with release()
    // to let later blocking commands reuse it.
    result<connection> lease();
    void release(connection c);

    // Called on the I/O thread when the connection is made, lost or restored.
    void on_connection_event(std::function<void(const connection_event&)> handler);

    // Pub/sub. The handler runs on an I/O thread for every message until the
    // matching unsubscribe. On RESP3 the messages share the multiplexed
    // connection; on RESP2 a dedicated connection carries them. Subscriptions
    // are restored after every reconnect; one whose confirmation timed out
    // stays registered (and is restored) until unsubscribed.
    result<void> subscribe(std::string_view channel, message_handler handler);
    result<void> psubscribe(std::string_view pattern, message_handler handler);
    result<void> ssubscribe(std::string_view channel, message_handler handler);
    result<void> unsubscribe(std::string_view channel);
    result<void> punsubscribe(std::string_view pattern);
    result<void> sunsubscribe(std::string_view channel);

    bool is_connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
    const connection_options& options() const noexcept { return options_; }

    // Completes every outstanding request with a closed error and stops the
    // I/O thread. Later calls fail with closed. Called by the destructor.
    void close();

    struct counters {
        std::uint64_t commands_sent = 0;
        std::uint64_t replies = 0;
        std::uint64_t timeouts = 0;
        std::uint64_t reconnects = 0;
        std::uint64_t bytes_written = 0;
        std::uint64_t bytes_read = 0;
        std::uint64_t writes = 0;  // send() calls: commands_sent / writes is the coalescing
    };
    counters snapshot() const noexcept;

    // Not for users: construction goes through connect().
    multiplexer(const connection_options& options, const multiplexer_settings& settings);

  private:
    struct request {
        std::uint64_t id = 0;
        clock::time_point deadline;
        completion done;
        std::uint64_t offset = 0;  // stream position of its bytes in the wire buffer
        std::uint64_t length = 0;
        std::uint32_t replies_left = 1;  // a transaction swallows MULTI/QUEUED replies
        bool retry_safe = false;
        bool transaction = false;
        bool completed = false;      // timed out: its reply is dropped on arrival
        bool internal_ping = false;  // keepalive probe
        bool subscription = false;   // confirmed by a push, not a reply
    };
    struct pending_request {
        request r;
        std::size_t offset;  // in pending_bytes_
    };

    // Caller side (under mutex_).
    std::optional<error> admit(std::unique_lock<std::mutex>& lock, clock::time_point deadline,
                               std::size_t bytes_hint);
    void enqueue(std::unique_lock<std::mutex>& lock, request r, std::size_t offset);
    void wake_io_thread(std::unique_lock<std::mutex>& lock);
    clock::time_point deadline_for(const call_options& options, bool blocking_call) const;
    template <class Encode>
    void submit(const call_options& options, bool blocking_call, bool retry_safe, completion done,
                Encode&& encode);
    // Blocking commands: on a leased connection, on this thread or a new one.
    void run_dedicated(const call_options& options, std::string encoded, completion done,
                       bool on_this_thread);
    void enqueue_ping();
    void release_capacity(std::size_t requests, std::uint64_t bytes);
    void pop_finished();
    void rebuild_wire();
    void push_deadline(clock::time_point deadline, std::uint64_t id);

    // I/O thread.
    void run();
    void take_pending();
    void write_some();
    void read_some();
    void on_reply(const resp::reply& reply);
    void on_push(const resp::reply& push);
    void match_front(const resp::reply& reply);
    void deliver_message(const resp::reply& message);
    subscriber& dedicated_subscriber();

    enum class channel_kind { channel, pattern, shard };
    result<void> change_subscription(channel_kind kind, std::string_view name,
                                     message_handler handler, bool subscribing);
    // Commands that subscribe again to everything registered, and how many
    // confirmations they produce.
    std::pair<std::string, std::size_t> restore_commands() const;
    void expire(clock::time_point now);
    void connection_lost(const error& reason);
    void try_connect();
    void maybe_ping(clock::time_point now);
    void complete(request& r, result<resp::reply> outcome);
    void fail_everything(const error& reason);
    void emit(connection_event::kind what, std::string reason);
    void compact_wire();

    const connection_options options_;
    const multiplexer_settings settings_;

    // Shared between callers and the I/O thread.
    mutable std::mutex mutex_;
    std::condition_variable space_available_;
    std::string pending_bytes_;
    std::vector<pending_request> pending_;
    std::size_t queued_requests_ = 0;  // pending + in the I/O thread's queue
    std::size_t queued_bytes_ = 0;
    bool wake_signalled_ = false;
    bool io_sleeping_ = false;  // the I/O thread is (about to be) in poll()
    bool closing_ = false;
    std::uint64_t next_id_ = 1;
    std::vector<connection> idle_dedicated_;
    std::function<void(const connection_event&)> event_handler_;

    // Subscriptions by kind and name, read by the I/O threads for each message.
    mutable std::mutex subscriptions_mutex_;
    std::map<std::pair<channel_kind, std::string>, std::shared_ptr<message_handler>, std::less<>>
        subscriptions_;
    std::unique_ptr<subscriber> subscriber_;  // RESP2 only, created on first use
    std::atomic<bool> connected_{false};
    std::atomic<int> negotiated_protocol_{0};  // 0 until the first handshake

    // I/O thread only.
    std::vector<pending_request> taken_;
    std::string taken_bytes_;
    detail::ring<request> queue_;   // every request not yet completed-and-answered, in order
    std::string wire_;              // bytes of queue_'s requests, from wire_start_
    std::uint64_t wire_start_ = 0;  // stream position of wire_[0]
    std::uint64_t written_ = 0;     // stream position written up to
    std::vector<std::pair<clock::time_point, std::uint64_t>> deadlines_;  // min-heap
    socket socket_;
    resp::reader reader_;
    int protocol_ = 2;
    bool ever_connected_ = false;
    unsigned failed_attempts_ = 0;
    clock::time_point next_attempt_{};
    clock::time_point last_activity_{};
    bool ping_outstanding_ = false;

    // Statistics, written by the I/O thread.
    std::atomic<std::uint64_t> commands_sent_{0}, replies_{0}, timeouts_{0}, reconnects_{0},
        bytes_written_{0}, bytes_read_{0}, writes_{0};

    error last_connect_error_{error_kind::io, "not connected yet"};
    std::size_t freed_requests_ = 0;  // popped since capacity was last released
    std::uint64_t freed_bytes_ = 0;

    int wake_fd_ = -1;  // eventfd: new requests, close()
    int stop_fd_ = -1;  // eventfd: close(); also interrupts a connection attempt
    std::thread io_thread_;
};

// ---------------------------------------------------------------------------

namespace detail {
// Sleeps while `flag` is 0, and wakes its sleeper: one futex wait and one
// wake, without the spinning and yielding std::atomic::wait does first,
// which costs a blocking caller more CPU than it saves in latency.
void wait_until_set(std::atomic<int>& flag) noexcept;
void set_and_wake(std::atomic<int>& flag) noexcept;

// One blocking caller's wait for one reply. Shared with the completion, so
// the I/O thread may still wake it after the caller has woken and left.
struct reply_waiter {
    std::atomic<int> done{0};
    std::optional<result<resp::owned_reply>> outcome;

    // On the I/O thread: keeps an owned copy of the reply, wakes the caller.
    void finish(result<resp::reply> r) {
        if (r)
            outcome.emplace(r->to_owned());
        else
            outcome.emplace(r.error_value());
        set_and_wake(done);
    }
    result<resp::owned_reply> wait() {
        wait_until_set(done);
        return std::move(*outcome);
    }
};

// Text arguments that can tell a blocking XREAD from a plain one.
template <class Arg>
void collect_text(std::vector<std::string_view>& out, const Arg& arg) {
    if constexpr (std::is_convertible_v<const Arg&, std::string_view>) out.emplace_back(arg);
}
template <class... Args>
command_traits traits_of_call(std::string_view command, const Args&... args) {
    if constexpr (sizeof...(Args) > 0) {
        if (command.size() >= 5 && (command[0] == 'X' || command[0] == 'x')) {
            std::vector<std::string_view> text;
            (collect_text(text, args), ...);
            return traits_of(command, text);
        }
    }
    return traits_of(command);
}
}  // namespace detail

template <class Encode>
void multiplexer::submit(const call_options& options, bool blocking_call, bool retry_safe,
                         completion done, Encode&& encode) {
    const clock::time_point deadline = deadline_for(options, blocking_call);
    std::unique_lock lock(mutex_);
    if (auto refused = admit(lock, deadline, 0)) {
        lock.unlock();
        done(std::move(*refused));
        return;
    }
    const std::size_t offset = pending_bytes_.size();
    const std::uint32_t replies = encode(pending_bytes_);
    request r;
    r.deadline = deadline;
    r.done = std::move(done);
    r.length = pending_bytes_.size() - offset;
    r.replies_left = replies;
    r.transaction = replies > 1;
    r.retry_safe = options.retry_safe.value_or(retry_safe);
    enqueue(lock, std::move(r), offset);
    wake_io_thread(lock);
}

template <class... Args>
result<resp::owned_reply> multiplexer::call(const call_options& options, std::string_view command,
                                            const Args&... args) {
    auto w = std::make_shared<detail::reply_waiter>();
    auto finish = [w](result<resp::reply> r) { w->finish(std::move(r)); };
    const command_traits traits = detail::traits_of_call(command, args...);
    if (traits.blocking) {
        std::string encoded;
        resp::append_command(encoded, command, args...);
        run_dedicated(options, std::move(encoded), finish, true);
    } else {
        submit(options, true, traits.retry_safe, finish, [&](std::string& out) -> std::uint32_t {
            resp::append_command(out, command, args...);
            return 1;
        });
    }
    result<resp::owned_reply> outcome = w->wait();
    if (outcome && outcome->view().is_error())
        return error{error_kind::server_reply, std::string(outcome->view().string())};
    return outcome;
}

template <class Done, class... Args>
requires std::is_invocable_v<Done&, result<resp::reply>>
void multiplexer::async_call(const call_options& options, Done&& done, std::string_view command,
                             const Args&... args) {
    const command_traits traits = detail::traits_of_call(command, args...);
    completion handler(std::forward<Done>(done));
    if (traits.blocking) {
        std::string encoded;
        resp::append_command(encoded, command, args...);
        run_dedicated(options, std::move(encoded), std::move(handler), false);
        return;
    }
    submit(options, false, traits.retry_safe, std::move(handler),
           [&](std::string& out) -> std::uint32_t {
               resp::append_command(out, command, args...);
               return 1;
           });
}

template <class... Args>
std::future<result<resp::owned_reply>> multiplexer::call_future(std::string_view command,
                                                                const Args&... args) {
    auto promise = std::make_shared<std::promise<result<resp::owned_reply>>>();
    auto future = promise->get_future();
    async_call(
        [promise](result<resp::reply> r) {
            if (!r)
                promise->set_value(r.error_value());
            else if (r->is_error())
                promise->set_value(error{error_kind::server_reply, std::string(r->string())});
            else
                promise->set_value(r->to_owned());
        },
        command, args...);
    return future;
}

}  // namespace respcache::net
