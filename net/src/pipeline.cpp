#include "respcache/net/pipeline.hpp"

#include <algorithm>

#include "pubsub_kind.hpp"
#include "subscription_request.hpp"

namespace respcache::net {

namespace {

bool later(const std::pair<clock::time_point, std::uint64_t>& a,
           const std::pair<clock::time_point, std::uint64_t>& b) {
    return a.first > b.first;
}

constexpr std::size_t compact_threshold = 64 * 1024;
constexpr std::size_t shrink_threshold = 1024 * 1024;

}  // namespace

// --- adding requests ------------------------------------------------------------

void pipeline::push(std::string_view bytes, const request_spec& spec, completion done) {
    entry& e = queue_.emplace_back();
    e.id = next_id_++;
    e.deadline = spec.deadline;
    e.done = std::move(done);
    e.offset = wire_start_ + wire_.size();
    e.length = bytes.size();
    e.replies = std::max<std::uint32_t>(spec.replies, 1);
    e.replies_left = e.replies;
    e.kind = spec.kind;
    e.retry_safe = spec.retry_safe;
    e.counted = spec.counted && spec.kind != request_kind::keepalive;
    if (spec.kind == request_kind::subscription) {
        const detail::subscription_shape shape = detail::shape_of_subscription(bytes);
        e.confirms = static_cast<std::uint8_t>(shape.confirms);
        e.channel_hash = shape.channel_hash;
    }
    wire_.append(bytes);
    add_deadline(e);
}

void pipeline::prepend(std::span<prelude_request> requests) {
    if (requests.empty()) return;
    detail::ring<entry> old = std::move(queue_);
    queue_ = detail::ring<entry>();
    std::string old_wire = std::move(wire_);
    const std::uint64_t old_start = wire_start_;
    wire_.clear();
    wire_start_ = written_;
    write_index_ = 0;
    cancelled_unsent_ = 0;
    for (prelude_request& r : requests) {
        push(r.bytes, r.spec, std::move(r.done));
        queue_.back().counted = false;
    }
    while (!old.empty()) {
        entry e = std::move(old.front());
        old.pop_front();
        const std::string_view bytes =
            std::string_view(old_wire).substr(e.offset - old_start, e.length);
        e.id = next_id_++;
        e.offset = wire_start_ + wire_.size();
        wire_.append(bytes);
        if (e.replies_left == 0) ++cancelled_unsent_;
        queue_.push_back(std::move(e));
    }
    rebuild_deadlines();
}

// --- writing --------------------------------------------------------------------

void pipeline::skip_cancelled_at_cursor() noexcept {
    while (write_index_ < queue_.size()) {
        const entry& e = queue_[write_index_];
        if (e.replies_left != 0 || e.offset != written_) return;
        written_ = e.offset + e.length;
        --cancelled_unsent_;
        ++write_index_;
    }
}

std::string_view pipeline::prepare_write() {
    skip_cancelled_at_cursor();
    std::uint64_t end = wire_start_ + wire_.size();
    if (cancelled_unsent_ > 0) {
        for (std::size_t i = write_index_; i < queue_.size(); ++i) {
            if (queue_[i].replies_left == 0) {
                end = queue_[i].offset;
                break;
            }
        }
    }
    return std::string_view(wire_).substr(written_ - wire_start_, end - written_);
}

void pipeline::commit_write(std::size_t n) noexcept {
    written_ += n;
    while (write_index_ < queue_.size() &&
           queue_[write_index_].offset + queue_[write_index_].length <= written_)
        ++write_index_;
    skip_cancelled_at_cursor();
}

// --- reading --------------------------------------------------------------------

bool pipeline::is_push(const resp::reply& reply) const noexcept {
    if (reply.kind() == resp::type::push) return true;
    return subscriber_link_ && reply.kind() == resp::type::array && !reply.empty() &&
           pubsub_kind_of(reply[0].string()) != pubsub_kind::none;
}

pipeline::reply_use pipeline::on_confirmation(const resp::reply& confirmation) {
    const pubsub_kind kind = pubsub_kind_of(confirmation[0].string());
    const auto own = [&](const entry& e) {
        if (e.kind != request_kind::subscription || !written(e)) return false;
        if (e.confirms == static_cast<std::uint8_t>(pubsub_kind::none)) return true;
        return e.confirms == static_cast<std::uint8_t>(kind) &&
               (e.channel_hash == 0 ||
                (confirmation.size() > 1 &&
                 detail::channel_hash(confirmation[1].string()) == e.channel_hash));
    };
    // One the server sent on its own: a shard channel whose slot left this
    // node (the caller's to act on); any other is dropped.
    if (queue_.empty() || !own(queue_.front()))
        return kind == pubsub_kind::sunsubscribe ? reply_use::message : reply_use::answered;
    entry& front = queue_.front();
    if (front.replies_left == 1 && !wholly_written(front)) return reply_use::unexpected;
    if (--front.replies_left == 0) {
        if (!front.completed) complete(front, confirmation);
        pop_finished();
    }
    return reply_use::answered;
}

pipeline::reply_use pipeline::on_reply(const resp::reply& reply) {
    pop_finished();
    if (is_push(reply)) {
        if (!reply.is_aggregate() || reply.empty() ||
            !is_confirmation(pubsub_kind_of(reply[0].string())))
            return reply_use::message;
        return on_confirmation(reply);
    }
    if (queue_.empty() || !written(queue_.front())) return reply_use::unexpected;
    entry& front = queue_.front();
    // The last reply of a request cannot come before all of it was sent
    // (MULTI's OK and each QUEUED can): a server that says otherwise is out
    // of step.
    const bool last = front.kind == request_kind::subscription || front.replies_left == 1;
    if (last && !wholly_written(front)) return reply_use::unexpected;
    // A subscription is confirmed by pushes; a plain reply to it is its
    // refusal, and the only reply it gets.
    if (front.kind == request_kind::subscription)
        front.replies_left = 0;
    else
        --front.replies_left;
    if (front.replies_left > 0) return reply_use::answered;  // MULTI's OK, each QUEUED
    if (!front.completed) complete(front, reply);
    pop_finished();
    return reply_use::answered;
}

// --- deadlines ------------------------------------------------------------------

void pipeline::add_deadline(const entry& e) {
    // Entries of answered requests stay until their time comes; rebuild from
    // the live requests when they outnumber them, so the heap stays small.
    if (deadlines_.size() + in_order_deadlines_.size() > 2 * queue_.size() + 1024)
        rebuild_deadlines();
    // Requests with one timeout come with deadlines in order: a FIFO keeps
    // those at O(1); the heap takes the rest.
    if (in_order_deadlines_.empty() || in_order_deadlines_.back().first <= e.deadline) {
        in_order_deadlines_.push_back({e.deadline, e.id});
        return;
    }
    deadlines_.emplace_back(e.deadline, e.id);
    std::push_heap(deadlines_.begin(), deadlines_.end(), later);
}

void pipeline::rebuild_deadlines() {
    deadlines_.clear();
    in_order_deadlines_.clear();
    for (std::size_t i = 0; i < queue_.size(); ++i)
        if (!queue_[i].completed) deadlines_.emplace_back(queue_[i].deadline, queue_[i].id);
    std::make_heap(deadlines_.begin(), deadlines_.end(), later);
}

pipeline::entry* pipeline::find(std::uint64_t id) noexcept {
    if (queue_.empty() || id < queue_.front().id) return nullptr;
    const std::uint64_t index = id - queue_.front().id;
    return index < queue_.size() ? &queue_[index] : nullptr;
}

bool pipeline::is_live(std::uint64_t id) noexcept {
    const entry* e = find(id);
    return e != nullptr && !e->completed && e->replies_left > 0;
}

std::optional<clock::time_point> pipeline::next_deadline() noexcept {
    // Deadlines of answered requests stay in the heap; drop those on top.
    while (!in_order_deadlines_.empty() && !is_live(in_order_deadlines_.front().second))
        in_order_deadlines_.pop_front();
    while (!deadlines_.empty() && !is_live(deadlines_.front().second)) {
        std::pop_heap(deadlines_.begin(), deadlines_.end(), later);
        deadlines_.pop_back();
    }
    if (deadlines_.empty() && in_order_deadlines_.empty()) return std::nullopt;
    if (deadlines_.empty()) return in_order_deadlines_.front().first;
    if (in_order_deadlines_.empty()) return deadlines_.front().first;
    return std::min(deadlines_.front().first, in_order_deadlines_.front().first);
}

std::optional<error> pipeline::expire(clock::time_point now) {
    std::optional<error> drop;
    for (;;) {
        std::uint64_t id = 0;
        if (!in_order_deadlines_.empty() && in_order_deadlines_.front().first <= now) {
            id = in_order_deadlines_.front().second;
            in_order_deadlines_.pop_front();
        } else if (!deadlines_.empty() && deadlines_.front().first <= now) {
            id = deadlines_.front().second;
            std::pop_heap(deadlines_.begin(), deadlines_.end(), later);
            deadlines_.pop_back();
        } else {
            break;
        }
        if (!is_live(id)) continue;
        entry& e = *find(id);
        if (e.kind == request_kind::keepalive) {
            e.completed = true;
            drop = error{error_kind::timeout,
                         "the keepalive PING went unanswered; replacing the connection"};
            continue;
        }
        timeouts_.fetch_add(1, std::memory_order_relaxed);
        if (!written(e) && !e.sent_before) {
            // Never sent, and now never will be: taken off the wire.
            e.replies_left = 0;
            ++cancelled_unsent_;
            complete(e, error{error_kind::timeout,
                              connected_ ? std::string("no reply before the deadline (it could "
                                                       "not be sent in time, and never ran)")
                                         : "no reply before the deadline (while disconnected: " +
                                               down_reason_ + "; it never ran)"});
        } else {
            if (!written(e)) {  // sent on a lost connection, waiting to be sent again
                e.replies_left = 0;
                ++cancelled_unsent_;
            }
            complete(e, error{error_kind::timeout,
                              "no reply before the deadline (the command was sent, its outcome "
                              "is unknown)"});
        }
    }
    pop_finished();
    return drop;
}

// --- connection changes -----------------------------------------------------------

void pipeline::connection_lost(const error& reason) {
    connected_ = false;
    down_reason_ = reason.message;
    detail::ring<entry> old = std::move(queue_);
    queue_ = detail::ring<entry>();
    std::string old_wire = std::move(wire_);
    const std::uint64_t old_start = wire_start_;
    const std::uint64_t old_written = written_;
    wire_.clear();
    wire_start_ = written_ = old_start + old_wire.size();
    write_index_ = 0;
    cancelled_unsent_ = 0;
    while (!old.empty()) {
        entry e = std::move(old.front());
        old.pop_front();
        const bool was_written = e.offset < old_written;
        const bool keep = e.replies_left > 0 && !e.completed && e.kind != request_kind::keepalive &&
                          (!was_written || (e.retry_safe && e.kind != request_kind::transaction));
        if (!keep) {
            if (e.replies_left > 0 && !e.completed && e.kind != request_kind::keepalive)
                complete(e, error{error_kind::io,
                                  "connection lost after the command was sent, so its outcome "
                                  "is unknown: " +
                                      reason.message});
            release(e);
            continue;
        }
        const std::string_view bytes =
            std::string_view(old_wire).substr(e.offset - old_start, e.length);
        e.id = next_id_++;
        e.offset = wire_start_ + wire_.size();
        e.replies_left = e.replies;
        e.sent_before = e.sent_before || was_written;
        wire_.append(bytes);
        queue_.push_back(std::move(e));
    }
    rebuild_deadlines();
}

void pipeline::fail_all(const error& reason) {
    while (!queue_.empty()) {
        entry& e = queue_.front();
        if (!e.completed) complete(e, reason);
        release(e);
        queue_.pop_front();
    }
    wire_.clear();
    wire_start_ = written_;
    write_index_ = 0;
    cancelled_unsent_ = 0;
    deadlines_.clear();
    in_order_deadlines_.clear();
}

// --- bookkeeping ------------------------------------------------------------------

void pipeline::complete(entry& e, result<resp::reply> outcome) {
    // Called where it is stored: a completion may not call back into the
    // pipeline, so the entry stays put while it runs.
    e.completed = true;
    if (e.done) e.done(std::move(outcome));
    e.done = nullptr;
}

void pipeline::release(const entry& e) noexcept {
    if (!e.counted) return;
    ++released_requests_;
    released_bytes_ += e.length;
}

void pipeline::pop_finished() noexcept {
    if (!front_finished()) return;
    do {
        const entry& front = queue_.front();
        if (write_index_ == 0) {
            // Taken off the wire before its first byte went out.
            written_ = front.offset + front.length;
            --cancelled_unsent_;
        } else {
            --write_index_;
        }
        release(front);
        queue_.pop_front();
    } while (front_finished());
    compact();
}

void pipeline::compact() noexcept {
    if (queue_.empty()) {
        wire_.clear();
        wire_start_ = written_;
        return;
    }
    const std::uint64_t unneeded = queue_.front().offset - wire_start_;
    if (unneeded > compact_threshold && unneeded > wire_.size() / 2) {
        wire_.erase(0, unneeded);
        wire_start_ += unneeded;
    }
}

void pipeline::shrink_when_idle() noexcept {
    if (!queue_.empty()) return;
    if (wire_.capacity() > shrink_threshold) std::string().swap(wire_);
    if (deadlines_.capacity() > shrink_threshold / sizeof(deadlines_[0]))
        decltype(deadlines_)().swap(deadlines_);
}

}  // namespace respcache::net
