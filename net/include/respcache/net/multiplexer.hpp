#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "respcache/net/client_tracking.hpp"
#include "respcache/net/command_traits.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/net/reply_callback.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

namespace detail {
class multiplexer_core;
struct runtime_commands;  // multiplexer_executor.hpp

// The calling thread's buffer for one encoded command: it grows once to the
// thread's working size and is reused, so a call does not allocate for it.
template <class... Args>
std::string& encode_buffer(std::string_view command, const Args&... args) {
    thread_local std::string buffer;
    if (buffer.capacity() > 1024 * 1024) std::string().swap(buffer);
    buffer.clear();
    resp::append_command(buffer, command, args...);
    return buffer;
}
}  // namespace detail

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
    // Reconnect delays of every connection the multiplexer opens (commands,
    // RESP2 pub/sub): base * 2^attempt, capped, with +-50% jitter.
    std::chrono::milliseconds reconnect_base{50};
    std::chrono::milliseconds reconnect_cap{2000};
    // Connections of their own for blocking commands (BLPOP, XREAD BLOCK, ...)
    // and lease(): at most this many at once; more callers wait their turn
    // within their deadline.
    std::size_t max_dedicated_connections = 8;
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
    enum class kind {
        connected,
        lost,
        restored,
        // After a reconnect the server refused to restore a subscription
        // (`reason` says which and why); it is no longer registered.
        subscription_refused,
        // The node no longer serves the slot of shard channel `channel`: the
        // server unsubscribed it (resharding, failover) or answered MOVED when
        // it was restored. It is no longer registered here; a cluster_client
        // subscribes it again on the slot's new owner.
        shard_channel_moved,
    };
    kind what;
    endpoint peer;
    std::string reason;   // why the connection was lost, or the subscription ended; else empty
    std::string channel;  // subscription_refused, shard_channel_moved: the channel or pattern
};

// Commands sent together in one write; each gets its own reply. Other
// callers' commands may come before or after the batch, never inside it.
// Commands that would block or change the shared connection are refused by
// execute() (see multiplexer::call).
class command_batch {
  public:
    template <class... Args>
    command_batch& add(std::string_view command, const Args&... args) {
        const command_traits traits = detail::traits_of_call(command, args...);
        if (refusal_.empty()) {
            if (traits.refusal != nullptr)
                refusal_ = traits.refusal;
            else if (traits.blocking)
                refusal_ =
                    "a blocking command cannot share the pipeline in a batch; call it on "
                    "its own (it runs on a dedicated connection)";
        }
        resp::append_command(bytes_, command, args...);
        retry_safe_.push_back(traits.retry_safe);
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
        refusal_.clear();
    }

  private:
    friend class multiplexer;
    friend struct detail::runtime_commands;
    std::string bytes_;
    std::vector<std::size_t> ends_;
    std::vector<bool> retry_safe_;
    std::string refusal_;  // why execute() refuses it; empty: it may run
};

// MULTI, the commands, EXEC: sent as one unit that no other caller's command
// can interleave. WATCH needs a connection of its own: see multiplexer::lease().
// Blocking commands run without blocking inside a transaction (the server's
// rule), so they are allowed; commands that change the connection are not.
class transaction {
  public:
    template <class... Args>
    transaction& add(std::string_view command, const Args&... args) {
        const command_traits traits = detail::traits_of_call(command, args...);
        if (refusal_.empty() && traits.refusal != nullptr) refusal_ = traits.refusal;
        resp::append_command(bytes_, command, args...);
        ++count_;
        return *this;
    }
    std::size_t size() const noexcept { return count_; }

  private:
    friend class multiplexer;
    friend struct detail::runtime_commands;
    std::string bytes_;
    std::size_t count_ = 0;
    std::string refusal_;
};

// A dedicated connection lent by a multiplexer (lease()). It gives itself
// back when destroyed: reset (RESET, or UNWATCH and SELECT on servers
// without it) and pooled, or closed when it cannot be reset.
class leased_connection {
  public:
    leased_connection(leased_connection&&) noexcept = default;
    leased_connection& operator=(leased_connection&&) noexcept;
    ~leased_connection();

    connection& operator*() noexcept { return *connection_; }
    connection* operator->() noexcept { return &*connection_; }

  private:
    friend class detail::multiplexer_core;
    leased_connection(std::shared_ptr<detail::multiplexer_core> owner, connection c);
    void give_back() noexcept;

    std::shared_ptr<detail::multiplexer_core> owner_;
    std::optional<connection> connection_;
};

// One object, shared by every thread, that multiplexes all their commands
// over one connection. Commands from concurrent callers are coalesced into
// as few writes as possible by a background I/O thread, which also enforces
// every deadline, reconnects with backoff, and sends a PING when idle. A
// blocking call made while the connection is idle writes its command and
// reads its reply on the calling thread, without a hand-off.
//
// Every request completes exactly once: with its reply, a timeout, "outcome
// unknown" when the connection dropped after it was written, or closed. A
// request whose deadline passes before it is written never runs.
//
// Error replies, on every single-command path: call() and call_future()
// return them as errors of kind server_reply (the server's message);
// async_call() hands them to the completion as a reply of an error type
// (reply::is_error()), so a completion sees the server's reply as it came.
//
// Commands that would desynchronise the shared connection are refused with
// an error of kind config before anything is sent: SUBSCRIBE and the other
// pub/sub commands (use subscribe()), MONITOR, RESET, QUIT, HELLO, SELECT,
// AUTH, CLIENT REPLY, MULTI/EXEC/DISCARD/WATCH/UNWATCH (use transaction or
// lease()). Blocking commands (BLPOP, WAIT, XREAD BLOCK, ...) run on a
// dedicated connection.
//
// Asynchronous completions and message handlers run on the I/O thread: keep
// them short and never make a blocking call from one. Dropping the last
// reference to the multiplexer anywhere, a completion included, is safe.
class multiplexer {
  public:
    using completion = reply_callback;

    // Connects (connectRetry attempts when abortConnect=true; otherwise the
    // first failure is tolerated and connecting goes on in the background).
    static result<std::shared_ptr<multiplexer>> connect(const connection_options& options,
                                                        const multiplexer_settings& settings = {});
    ~multiplexer();
    multiplexer(const multiplexer&) = delete;
    multiplexer& operator=(const multiplexer&) = delete;

    // Blocks until the reply or the deadline.
    template <class... Args>
    result<resp::owned_reply> call(std::string_view command, const Args&... args) {
        return call(call_options{}, command, args...);
    }
    template <class... Args>
    result<resp::owned_reply> call(const call_options& options, std::string_view command,
                                   const Args&... args) {
        std::string& encoded = detail::encode_buffer(command, args...);
        return call_encoded(options, detail::traits_of_call(command, args...), encoded);
    }

    // Calls `done(result<resp::reply>)` on the I/O thread; the reply is a
    // view valid during the call (take to_owned() to keep it).
    template <class Done, class... Args>
    requires std::is_invocable_v<Done&, result<resp::reply>>
    void async_call(Done&& done, std::string_view command, const Args&... args) {
        async_call(call_options{}, std::forward<Done>(done), command, args...);
    }
    template <class Done, class... Args>
    requires std::is_invocable_v<Done&, result<resp::reply>>
    void async_call(const call_options& options, Done&& done, std::string_view command,
                    const Args&... args) {
        std::string& encoded = detail::encode_buffer(command, args...);
        async_call_encoded(options, detail::traits_of_call(command, args...), encoded,
                           completion(std::forward<Done>(done)));
    }

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

    // A connection of the caller's own, for WATCH or anything that must not
    // share the pipeline; it goes back to the pool when the lease is dropped.
    // Waits (up to syncTimeout) while max_dedicated_connections are in use.
    result<leased_connection> lease();

    // Called on the I/O thread when the connection is made, lost or restored.
    void on_connection_event(std::function<void(const connection_event&)> handler);

    // Pub/sub. The handler runs on the I/O thread for every message until the
    // matching unsubscribe. On RESP3 the messages share the multiplexed
    // connection; on RESP2 a connection of their own carries them. A channel
    // the server refuses is an error of kind server_reply (and not
    // registered). Subscriptions are restored after every reconnect, one
    // command per channel, so that one refusal cannot take the others down;
    // one whose confirmation timed out stays registered until unsubscribed.
    result<void> subscribe(std::string_view channel, message_handler handler);
    result<void> psubscribe(std::string_view pattern, message_handler handler);
    result<void> ssubscribe(std::string_view channel, message_handler handler);
    result<void> unsubscribe(std::string_view channel);
    result<void> punsubscribe(std::string_view pattern);
    result<void> sunsubscribe(std::string_view channel);

    // Server-assisted client caching: CLIENT TRACKING on the command
    // connection, now and after every reconnect, before any other command
    // there. `handler` hears when tracking is on, the keys the server
    // invalidates, when the database was flushed or the connection lost,
    // and when the server cannot track (RESP2, or CLIENT TRACKING refused). Only reads made on the
    // multiplexed connection are tracked (not blocking calls or leases). Error (config): tracking
    // was enabled already.
    result<void> track(tracking_options options, invalidation_handler handler);

    bool is_connected() const noexcept;
    const connection_options& options() const noexcept;

    // Completes every outstanding request with a closed error and stops the
    // I/O thread (at once when called from a completion or handler). Later
    // calls fail with closed. Called by the destructor.
    void close();

    // Running totals, added up after each read or write: a reply may be
    // counted just after its caller was answered.
    struct counters {
        std::uint64_t commands_sent = 0;
        std::uint64_t replies = 0;
        std::uint64_t timeouts = 0;
        std::uint64_t reconnects = 0;
        std::uint64_t bytes_written = 0;
        std::uint64_t bytes_read = 0;
        std::uint64_t writes = 0;  // send() calls: commands_sent / writes is the coalescing
        std::uint64_t calls_on_caller_thread = 0;  // blocking calls that needed no hand-off
    };
    counters snapshot() const noexcept;

  private:
    explicit multiplexer(std::shared_ptr<detail::multiplexer_core> core) noexcept;

    result<resp::owned_reply> call_encoded(const call_options& options, command_traits traits,
                                           std::string_view encoded);
    void async_call_encoded(const call_options& options, command_traits traits,
                            std::string_view encoded, completion done);

    friend struct detail::runtime_commands;
    std::shared_ptr<detail::multiplexer_core> core_;
};

// ---------------------------------------------------------------------------

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
