#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respcache/net/reply_callback.hpp"
#include "respcache/net/request_ring.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

using clock = std::chrono::steady_clock;

// How a request is answered.
enum class request_kind : std::uint8_t {
    command,       // one reply
    transaction,   // MULTI's OK, one QUEUED per command, then EXEC's reply
    subscription,  // (P|S)(UN)SUBSCRIBE: one confirmation per channel, or one error reply
    keepalive,     // the pipeline's own PING: no caller waits for it
};

struct request_spec {
    clock::time_point deadline;
    request_kind kind = request_kind::command;
    // command: 1; transaction: commands + 2; subscription: channels named.
    std::uint32_t replies = 1;
    // May be sent again on a new connection after it was written on a lost one.
    bool retry_safe = false;
    // Admitted against the owner's capacity, so released by take_released().
    bool counted = true;
};

// A request encoded elsewhere, with what it expects and who waits for it.
struct prelude_request {
    std::string bytes;
    request_spec spec;
    reply_callback done;
};

// The requests of one connection, without I/O, threads or clocks: the ordered
// queue, the bytes still to write, the matching of each reply to its request,
// deadlines (time is passed in), and what a lost connection does to each
// request. Its driver moves bytes between it and a socket:
//
//   push(...)                        a new request
//   prepare_write() / commit_write(n) bytes to send, and how many went out
//   on_reply(reply)                  one complete reply (or push) read
//   expire(now)                      at next_deadline()
//   connection_lost(reason) / connected()
//
// Every request completes exactly once: with its reply, a timeout, "outcome
// unknown" when its connection dropped after it was written (unless it is
// retry-safe, then it is sent again), or the error given to fail_all(). A
// request whose deadline passes before its first byte is written is taken off
// the wire and never runs. Completions run inside these calls, on the
// driver's thread; they must not call back into the pipeline.
class pipeline {
  public:
    using completion = reply_callback;

    // What a reply was.
    enum class reply_use {
        answered,  // matched to its request (or dropped: that request had timed out)
        // A pub/sub message or other push nobody waits for, or a sunsubscribe the
        // server sent on its own (the shard channel's slot moved): the caller's.
        message,
        unexpected,  // nobody asked for it: the stream is out of step, drop the connection
    };

    // `subscriber_link`: the connection is (or will be) subscribed in RESP2,
    // where messages and confirmations arrive as plain arrays.
    explicit pipeline(bool subscriber_link = false) noexcept : subscriber_link_(subscriber_link) {}
    pipeline(const pipeline&) = delete;
    pipeline& operator=(const pipeline&) = delete;

    void push(std::string_view bytes, const request_spec& spec, completion done);
    // Puts requests before every queued one: the subscriptions a new
    // connection must restore first. Only between connection_lost() and the
    // first write on the new connection.
    void prepend(std::span<prelude_request> requests);

    // The next unsent bytes, contiguous (empty when nothing is to be sent).
    std::string_view prepare_write();
    void commit_write(std::size_t n) noexcept;
    bool wants_write() noexcept { return !prepare_write().empty(); }

    reply_use on_reply(const resp::reply& reply);

    // The earliest deadline of a request not yet completed, if any.
    std::optional<clock::time_point> next_deadline() noexcept;
    // Completes the requests whose deadline is at or before `now`. An error
    // means the connection must be dropped (its keepalive went unanswered).
    std::optional<error> expire(clock::time_point now);

    // The connection is gone. Written requests fail "outcome unknown" unless
    // retry-safe; the others wait to be sent again. Until connected(), a
    // deadline that passes says why the connection is down.
    void connection_lost(const error& reason);
    void connected() noexcept { connected_ = true; }
    // Another attempt to connect failed: what a request that expires says.
    void still_down(const error& reason) { down_reason_ = reason.message; }
    bool is_connected() const noexcept { return connected_; }
    // Completes every request with `reason` (the owner is closing).
    void fail_all(const error& reason);

    // Requests not completed-and-answered, and the bytes they were admitted with.
    std::size_t size() const noexcept { return queue_.size(); }
    bool idle() const noexcept { return queue_.empty(); }
    // Requests and bytes that left the pipeline since the last call: the
    // capacity its owner may give back to callers.
    std::pair<std::size_t, std::size_t> take_released() noexcept {
        return {std::exchange(released_requests_, 0), std::exchange(released_bytes_, 0)};
    }
    // Requests completed with a timeout, ever. Readable from any thread.
    std::uint64_t timeouts() const noexcept { return timeouts_.load(std::memory_order_relaxed); }
    // Gives back the memory of a write buffer grown for one huge request.
    void shrink_when_idle() noexcept;

  private:
    struct entry {
        std::uint64_t id = 0;
        clock::time_point deadline;
        completion done;
        std::uint64_t offset = 0;  // stream position of its first byte in wire_
        std::uint64_t length = 0;
        std::uint32_t replies = 1;       // expected on one connection
        std::uint32_t replies_left = 1;  // 0: finished, nothing more comes for it
        // subscription: whose confirmations are its own (detail::subscription_shape)
        std::uint32_t channel_hash = 0;
        std::uint8_t confirms = 0;
        request_kind kind = request_kind::command;
        bool retry_safe = false;
        bool completed = false;    // its caller has been answered (a late reply is dropped)
        bool counted = true;       // admitted against the owner's capacity
        bool sent_before = false;  // written on a connection that was lost since
    };

    bool is_push(const resp::reply& reply) const noexcept;
    reply_use on_confirmation(const resp::reply& confirmation);
    entry* first_unfinished() noexcept;
    bool written(const entry& e) const noexcept { return e.offset < written_; }
    bool wholly_written(const entry& e) const noexcept { return e.offset + e.length <= written_; }
    entry* find(std::uint64_t id) noexcept;  // by id; null once popped
    bool is_live(std::uint64_t id) noexcept;
    void complete(entry& e, result<resp::reply> outcome);
    void release(const entry& e) noexcept;
    void add_deadline(const entry& e);
    void rebuild_deadlines();
    bool front_finished() noexcept { return !queue_.empty() && queue_.front().replies_left == 0; }
    void pop_finished() noexcept;
    void skip_cancelled_at_cursor() noexcept;
    void compact() noexcept;

    const bool subscriber_link_;
    bool connected_ = false;
    std::string down_reason_ = "not connected yet";

    detail::ring<entry> queue_;  // in wire order; ids are consecutive
    std::uint64_t next_id_ = 1;
    std::string wire_;              // bytes of queue_'s requests, from wire_start_
    std::uint64_t wire_start_ = 0;  // stream position of wire_[0]
    std::uint64_t written_ = 0;     // stream position written up to
    std::size_t write_index_ = 0;   // queue_ index of the first entry not wholly written
    std::size_t cancelled_unsent_ = 0;
    std::vector<std::pair<clock::time_point, std::uint64_t>> deadlines_;  // min-heap
    detail::ring<std::pair<clock::time_point, std::uint64_t>> in_order_deadlines_;

    std::atomic<std::uint64_t> timeouts_{0};
    std::size_t released_requests_ = 0;
    std::size_t released_bytes_ = 0;
};

}  // namespace respcache::net
