#pragma once

#include <sys/eventfd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "client_tracking.hpp"
#include "dedicated_pool.hpp"
#include "reconnect_backoff.hpp"
#include "respcache/net/multiplexer.hpp"
#include "respcache/net/pipeline.hpp"
#include "respcache/net/socket.hpp"
#include "respcache/resp/reader.hpp"
#include "subscription_registry.hpp"

namespace respcache::net::detail {

// One caller's wait for one reply. The completion writes the outcome and
// wakes the caller, with a system call only when the caller is asleep: a
// caller that drives the connection itself (the leader) finds its reply
// there when it looks.
struct reply_waiter {
    static constexpr int pending = 0, finished = 1, sleeping = 2;
    std::atomic<int> state{pending};
    std::optional<result<resp::owned_reply>> outcome;

    void finish(result<resp::reply> r);
    bool finished_already() const noexcept {
        return state.load(std::memory_order_acquire) == finished;
    }
    result<resp::owned_reply> wait();
};

// One connection the I/O thread keeps open: its socket, the reader of its
// replies, the pipeline of its requests and when to reconnect it.
struct link {
    link(bool subscriber, const multiplexer_settings& settings)
        : requests(subscriber), backoff(settings) {}

    socket sock;
    resp::reader reader;
    pipeline requests;
    reconnect_backoff backoff;
    int protocol = 0;  // 0: never connected
    bool wanted = false;
    bool keepalive_outstanding = false;
    clock::time_point next_attempt{};
    clock::time_point last_activity{};
    clock::time_point connected_at{};
    std::size_t read_since_idle = 0;
    error last_error{error_kind::io, "not connected yet"};  // why it is down
    // While a caller leads, a loss only closes the socket; the I/O thread
    // handles it (events, resends, reconnect) once the leader is done.
    bool led = false;
    std::optional<error> loss_pending;

    // A connection attempt runs on a thread of its own, so that the I/O
    // thread keeps every deadline meanwhile; it signals the wake-up when done.
    std::thread connector;
    std::atomic<bool> attempt_done{false};
    std::optional<result<connection>> attempt;
    bool connecting() const noexcept { return connector.joinable(); }
};

// A request handed over by a caller, waiting for the I/O thread.
struct handed_request {
    request_spec spec;
    pipeline::completion done;
    std::size_t offset;  // of its bytes in the hand-over buffer
    std::size_t length;
    bool subscription;  // goes to whichever connection carries pub/sub
};

// What a multiplexer is: shared by its handle, its I/O thread and its
// dedicated-connection workers, so the last of them to finish frees it.
class multiplexer_core : public std::enable_shared_from_this<multiplexer_core> {
  public:
    using completion = pipeline::completion;

    multiplexer_core(const connection_options& options, const multiplexer_settings& settings);
    ~multiplexer_core();

    result<void> start();
    void close();

    result<resp::owned_reply> call(const call_options& options, command_traits traits,
                                   std::string_view encoded);
    void async_call(const call_options& options, command_traits traits, std::string_view encoded,
                    completion done);
    result<std::vector<resp::owned_reply>> execute_batch(std::string_view bytes,
                                                         std::span<const std::size_t> ends,
                                                         const std::vector<bool>& retry_safe,
                                                         const call_options& options);
    result<resp::owned_reply> execute_transaction(std::string_view encoded, std::size_t commands,
                                                  const call_options& options);
    // execute_batch without waiting (multiplexer_async_batch.cpp): the same
    // one hand-over, then `(*done)(i, outcome)` once per command.
    void async_execute_batch(
        std::string_view bytes, std::span<const std::size_t> ends,
        const std::vector<bool>& retry_safe, const call_options& options,
        std::shared_ptr<const std::function<void(std::size_t, result<resp::reply>)>> done);
    result<leased_connection> lease();
    void give_back(connection c) {
        dedicated_.give_back(std::move(c), dedicated_pool::state::unknown);
    }

    result<void> change_subscription(channel_kind kind, std::string_view name,
                                     message_handler handler, bool subscribing);
    void on_connection_event(std::function<void(const connection_event&)> handler);
    result<void> track(tracking_options options, invalidation_handler handler);

    bool is_connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
    const connection_options& options() const noexcept { return options_; }
    multiplexer::counters snapshot() const noexcept;

  private:
    clock::time_point deadline_for(const call_options& options, bool blocking_call) const;
    std::optional<error> admit(std::unique_lock<std::mutex>& lock, clock::time_point deadline);
    void hand_over(std::unique_lock<std::mutex>& lock, std::string_view encoded,
                   const request_spec& spec, completion done, bool subscription);
    void wake_io_thread(std::unique_lock<std::mutex>& lock, clock::time_point deadline,
                        bool subscription = false);
    bool may_lead(const std::unique_lock<std::mutex>& lock) const;
    result<resp::owned_reply> lead(std::string_view encoded, const request_spec& spec);
    result<resp::owned_reply> run_blocking_here(std::string_view encoded,
                                                clock::time_point deadline);
    void run_blocking_async(std::string encoded, clock::time_point deadline, completion done);
    void run_worker();

    // I/O thread (or a leader, which has the command link to itself).
    void run();
    void take_handed_over();
    void route(handed_request& r, std::string_view bytes);
    void expire_deferred(clock::time_point now);
    void wait_for_leader(clock::time_point now);
    void expire_handed_over(clock::time_point now);
    void service(link& l, clock::time_point now);
    void write_some(link& l);
    void read_some(link& l);
    void lose(link& l, const error& reason);
    void try_connect(link& l);
    void finish_connecting(link& l);
    void adopt(link& l, connection& opened);
    void restore_subscriptions(link& l);
    void turn_tracking_on(link& l, bool new_connection);
    void maybe_ping(link& l, clock::time_point now);
    void release_capacity();
    link& pubsub_link() noexcept { return command_.protocol == 2 ? subscriber_ : command_; }
    void emit(connection_event::kind what, std::string reason, std::string channel = {});
    void fail_everything(const error& reason);

    const connection_options options_;
    const multiplexer_settings settings_;
    int wake_fd_ =
        ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);  // new requests, close(), a leader's end
    int stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);  // close(); interrupts connecting
    subscription_registry subscriptions_;
    client_tracking tracking_;
    dedicated_pool dedicated_;

    // Shared between callers and the I/O thread.
    mutable std::mutex mutex_;
    std::condition_variable space_available_;
    std::string handed_bytes_;
    std::vector<handed_request> handed_;
    std::size_t queued_requests_ = 0;  // handed over, or in a pipeline
    std::size_t queued_bytes_ = 0;
    bool wake_signalled_ = false;
    bool io_sleeping_ = false;        // the I/O thread is (about to be) in poll()
    bool command_link_idle_ = false;  // ... with nothing on the command link
    bool leader_active_ = false;      // a caller drives the command link
    bool io_waits_for_leader_ = false;
    // The sleeping I/O thread will wake by itself, when a reply arrives or
    // at io_wake_at_: a new request can wait for that instead of a wake-up.
    bool replies_expected_ = false;
    clock::time_point io_wake_at_{};
    bool closing_ = false;
    std::function<void(const connection_event&)> event_handler_;
    struct blocking_job {
        std::string encoded;
        clock::time_point deadline;
        completion done;
    };
    std::deque<blocking_job> blocking_jobs_;
    std::size_t idle_workers_ = 0;
    std::condition_variable job_ready_;
    std::vector<std::thread> workers_;

    std::atomic<bool> connected_{false};

    // I/O thread only.
    std::vector<handed_request> taken_;
    std::string taken_bytes_;
    // Subscriptions asked for before the first connection told which
    // connection carries them.
    struct deferred_request {
        std::string bytes;
        request_spec spec;
        completion done;
    };
    std::vector<deferred_request> deferred_;
    link command_;
    link subscriber_;
    bool ever_connected_ = false;

    std::atomic<std::uint64_t> commands_sent_{0}, replies_{0}, reconnects_{0}, bytes_written_{0},
        bytes_read_{0}, writes_{0}, led_calls_{0};

    std::thread io_thread_;
};

}  // namespace respcache::net::detail
