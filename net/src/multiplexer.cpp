#include "respcache/net/multiplexer.hpp"

#include <linux/futex.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "event_signal.hpp"
#include "subscriber.hpp"

namespace respcache::net {

namespace {

using detail::drain_fd;
using detail::signal_fd;

using std::chrono::milliseconds;

bool later(const std::pair<clock::time_point, std::uint64_t>& a,
           const std::pair<clock::time_point, std::uint64_t>& b) {
    return a.first > b.first;
}

}  // namespace

namespace detail {

void wait_until_set(std::atomic<int>& flag) noexcept {
    while (flag.load(std::memory_order_acquire) == 0)
        ::syscall(SYS_futex, reinterpret_cast<int*>(&flag), FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr,
                  0);
}

void set_and_wake(std::atomic<int>& flag) noexcept {
    flag.store(1, std::memory_order_release);
    ::syscall(SYS_futex, reinterpret_cast<int*>(&flag), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

}  // namespace detail

// --- construction and teardown ----------------------------------------------

multiplexer::multiplexer(const connection_options& options, const multiplexer_settings& settings)
    : options_(options), settings_(settings) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

result<std::shared_ptr<multiplexer>> multiplexer::connect(const connection_options& options,
                                                          const multiplexer_settings& settings) {
    if (options.endpoints.empty())
        return error{error_kind::config, "the configuration names no endpoint"};
    auto m = std::make_shared<multiplexer>(options, settings);
    if (m->wake_fd_ < 0 || m->stop_fd_ < 0) return io_error("eventfd", errno);
    const int attempts = std::max(1, options.connect_retry);
    for (int attempt = 0; attempt < attempts; ++attempt) {
        auto opened = connection::open(options);
        if (opened) {
            m->protocol_ = opened->protocol();
            m->negotiated_protocol_ = opened->protocol();
            m->socket_ = opened->release_socket();
            m->ever_connected_ = true;
            m->connected_ = true;
            m->last_activity_ = clock::now();
            break;
        }
        m->last_connect_error_ = opened.error_value();
        if (opened.error_value().kind == error_kind::auth ||
            opened.error_value().kind == error_kind::config)
            break;
    }
    if (!m->connected_ && options.abort_connect) return m->last_connect_error_;
    m->io_thread_ = std::thread([raw = m.get()] { raw->run(); });
    return m;
}

multiplexer::~multiplexer() {
    close();
    if (wake_fd_ >= 0) ::close(wake_fd_);
    if (stop_fd_ >= 0) ::close(stop_fd_);
}

void multiplexer::close() {
    {
        std::lock_guard lock(mutex_);
        if (!closing_) {
            closing_ = true;
            signal_fd(stop_fd_);
            signal_fd(wake_fd_);
        }
        space_available_.notify_all();
    }
    if (io_thread_.joinable()) {
        if (io_thread_.get_id() == std::this_thread::get_id())
            io_thread_.detach();
        else
            io_thread_.join();
    }
    std::unique_ptr<subscriber> dedicated;
    {
        std::lock_guard lock(mutex_);
        idle_dedicated_.clear();
        dedicated = std::move(subscriber_);
    }
}

void multiplexer::on_connection_event(std::function<void(const connection_event&)> handler) {
    std::lock_guard lock(mutex_);
    event_handler_ = std::move(handler);
}

multiplexer::counters multiplexer::snapshot() const noexcept {
    counters c;
    c.commands_sent = commands_sent_.load(std::memory_order_relaxed);
    c.replies = replies_.load(std::memory_order_relaxed);
    c.timeouts = timeouts_.load(std::memory_order_relaxed);
    c.reconnects = reconnects_.load(std::memory_order_relaxed);
    c.bytes_written = bytes_written_.load(std::memory_order_relaxed);
    c.bytes_read = bytes_read_.load(std::memory_order_relaxed);
    c.writes = writes_.load(std::memory_order_relaxed);
    return c;
}

// --- caller side --------------------------------------------------------------

clock::time_point multiplexer::deadline_for(const call_options& options, bool blocking_call) const {
    const milliseconds timeout = options.timeout.count() > 0 ? options.timeout
                                 : blocking_call             ? options_.sync_timeout
                                                             : options_.effective_async_timeout();
    return clock::now() + timeout;
}

std::optional<error> multiplexer::admit(std::unique_lock<std::mutex>& lock,
                                        clock::time_point deadline, std::size_t) {
    const auto full = [this] {
        return queued_requests_ >= settings_.max_queued_requests ||
               (queued_bytes_ >= settings_.max_queued_bytes && queued_requests_ > 0);
    };
    while (!closing_ && full()) {
        if (space_available_.wait_until(lock, deadline) == std::cv_status::timeout && full() &&
            !closing_) {
            return error{error_kind::limit, "the request queue stayed full (" +
                                                std::to_string(queued_requests_) + " requests, " +
                                                std::to_string(queued_bytes_) +
                                                " bytes) until the deadline"};
        }
    }
    if (closing_) return error{error_kind::closed, "the multiplexer is closed"};
    return std::nullopt;
}

void multiplexer::enqueue(std::unique_lock<std::mutex>&, request r, std::size_t offset) {
    r.id = next_id_++;
    ++queued_requests_;
    queued_bytes_ += r.length;
    pending_.push_back(pending_request{std::move(r), offset});
}

void multiplexer::wake_io_thread(std::unique_lock<std::mutex>& lock) {
    // A busy I/O thread looks for new requests before it sleeps: only a
    // sleeping one needs the (system call) wake-up, and only once. It is sent
    // after unlocking, so the woken thread does not block on the lock.
    const bool wake = io_sleeping_ && !wake_signalled_;
    wake_signalled_ = wake_signalled_ || wake;
    lock.unlock();
    if (wake) signal_fd(wake_fd_);
}

result<std::vector<resp::owned_reply>> multiplexer::execute(const command_batch& batch,
                                                            const call_options& options) {
    if (batch.empty()) return std::vector<resp::owned_reply>{};
    struct gather {
        std::mutex mutex;
        std::condition_variable ready;
        std::vector<std::optional<result<resp::owned_reply>>> outcomes;
        std::size_t left;
    } g;
    g.outcomes.resize(batch.size());
    g.left = batch.size();

    const clock::time_point deadline = deadline_for(options, true);
    {
        std::unique_lock lock(mutex_);
        if (auto refused = admit(lock, deadline, batch.bytes_.size())) return std::move(*refused);
        const std::size_t base = pending_bytes_.size();
        pending_bytes_.append(batch.bytes_);
        std::size_t begin = 0;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            request r;
            r.deadline = deadline;
            r.length = batch.ends_[i] - begin;
            r.retry_safe = options.retry_safe.value_or(batch.retry_safe_[i]);
            r.done = [&g, i](result<resp::reply> outcome) {
                std::lock_guard guard(g.mutex);
                if (outcome)
                    g.outcomes[i].emplace(outcome->to_owned());
                else
                    g.outcomes[i].emplace(outcome.error_value());
                if (--g.left == 0) g.ready.notify_one();
            };
            enqueue(lock, std::move(r), base + begin);
            begin = batch.ends_[i];
        }
        wake_io_thread(lock);
    }
    std::unique_lock lock(g.mutex);
    g.ready.wait(lock, [&g] { return g.left == 0; });
    std::vector<resp::owned_reply> replies;
    replies.reserve(batch.size());
    for (auto& outcome : g.outcomes) {
        if (!*outcome) return outcome->error_value();
        replies.push_back(std::move(outcome->value()));
    }
    return replies;
}

result<resp::owned_reply> multiplexer::execute(const transaction& tx, const call_options& options) {
    auto w = std::make_shared<detail::reply_waiter>();
    call_options no_retry = options;
    no_retry.retry_safe = false;
    submit(
        no_retry, true, false, [w](result<resp::reply> r) { w->finish(std::move(r)); },
        [&tx](std::string& out) -> std::uint32_t {
            resp::append_command(out, "MULTI");
            out.append(tx.bytes_);
            resp::append_command(out, "EXEC");
            return static_cast<std::uint32_t>(tx.count_ + 2);
        });
    result<resp::owned_reply> outcome = w->wait();
    if (!outcome) return outcome;
    const resp::reply exec = outcome->view();
    if (exec.is_error()) return error{error_kind::server_reply, std::string(exec.string())};
    if (exec.is_null())
        return error{error_kind::server_reply,
                     "the transaction was discarded (EXEC returned null)"};
    return outcome;
}

result<connection> multiplexer::lease() {
    {
        std::lock_guard lock(mutex_);
        if (closing_) return error{error_kind::closed, "the multiplexer is closed"};
        if (!idle_dedicated_.empty()) {
            connection c = std::move(idle_dedicated_.back());
            idle_dedicated_.pop_back();
            return c;
        }
    }
    return connection::open(options_, stop_fd_);
}

void multiplexer::release(connection c) {
    if (!c.is_open() || c.queued() != 0) return;
    std::lock_guard lock(mutex_);
    if (!closing_ && idle_dedicated_.size() < 8) idle_dedicated_.push_back(std::move(c));
}

void multiplexer::run_dedicated(const call_options& options, std::string encoded, completion done,
                                bool on_this_thread) {
    const clock::time_point deadline = deadline_for(options, true);
    auto work = [deadline, encoded = std::move(encoded), done = std::move(done)](multiplexer& m) {
        auto leased = m.lease();
        if (!leased) {
            done(leased.error_value());
            return;
        }
        leased->queue_encoded(encoded, 1);
        auto replies = leased->flush(deadline);
        if (!replies) {
            done(replies.error_value());
            return;
        }
        done(replies->front().view());
        m.release(std::move(*leased));
    };
    if (on_this_thread) {
        work(*this);
        return;
    }
    std::thread([self = shared_from_this(), work = std::move(work)] { work(*self); }).detach();
}

// --- the I/O thread -------------------------------------------------------------

void multiplexer::run() {
    if (!socket_.is_open()) next_attempt_ = clock::now();
    for (;;) {
        take_pending();
        const clock::time_point now = clock::now();
        expire(now);
        if (!socket_.is_open()) {
            if (now >= next_attempt_) {
                try_connect();
                continue;
            }
        } else {
            write_some();
            maybe_ping(now);
        }

        clock::time_point wake_at = now + std::chrono::hours(1);
        if (!deadlines_.empty()) wake_at = std::min(wake_at, deadlines_.front().first);
        if (!socket_.is_open()) wake_at = std::min(wake_at, next_attempt_);
        if (socket_.is_open() && options_.keep_alive.count() > 0 && !ping_outstanding_)
            wake_at = std::min(wake_at, last_activity_ + options_.keep_alive);
        const auto wait = std::chrono::ceil<milliseconds>(wake_at - now).count();

        {
            std::lock_guard lock(mutex_);
            if (closing_) break;
            if (!pending_.empty()) continue;
            io_sleeping_ = true;
        }
        const bool want_write = written_ < wire_start_ + wire_.size();
        pollfd fds[2] = {
            {wake_fd_, POLLIN, 0},
            {socket_.fd(), static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0}};
        const nfds_t count = socket_.is_open() ? 2 : 1;
        const int rc =
            ::poll(fds, count, static_cast<int>(std::clamp<long long>(wait, 0, 3600000)));
        if (rc < 0) continue;  // EINTR
        if (fds[0].revents & POLLIN) drain_fd(wake_fd_);
        if (count == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) read_some();
    }
    fail_everything(error{error_kind::closed, "the multiplexer was closed"});
}

void multiplexer::take_pending() {
    {
        std::lock_guard lock(mutex_);
        wake_signalled_ = false;
        io_sleeping_ = false;
        if (pending_.empty()) return;
        std::swap(pending_, taken_);
        std::swap(pending_bytes_, taken_bytes_);
    }
    const std::uint64_t base = wire_start_ + wire_.size();
    wire_.append(taken_bytes_);
    for (pending_request& p : taken_) {
        p.r.offset = base + p.offset;
        push_deadline(p.r.deadline, p.r.id);
        queue_.push_back(std::move(p.r));
    }
    commands_sent_.fetch_add(taken_.size(), std::memory_order_relaxed);
    taken_.clear();
    taken_bytes_.clear();
}

void multiplexer::push_deadline(clock::time_point deadline, std::uint64_t id) {
    // Entries of answered requests stay until their time comes; rebuild from
    // the live requests when they outnumber them, so the heap stays small.
    if (deadlines_.size() > 2 * queue_.size() + 1024) {
        deadlines_.clear();
        for (std::size_t i = 0; i < queue_.size(); ++i)
            if (!queue_[i].completed) deadlines_.emplace_back(queue_[i].deadline, queue_[i].id);
        std::make_heap(deadlines_.begin(), deadlines_.end(), later);
    }
    deadlines_.emplace_back(deadline, id);
    std::push_heap(deadlines_.begin(), deadlines_.end(), later);
}

void multiplexer::write_some() {
    while (written_ < wire_start_ + wire_.size()) {
        const std::string_view unsent = std::string_view(wire_).substr(written_ - wire_start_);
        auto sent = socket_.send_some(unsent);
        if (!sent) {
            connection_lost(sent.error_value());
            return;
        }
        if (*sent == 0) return;
        written_ += *sent;
        bytes_written_.fetch_add(*sent, std::memory_order_relaxed);
        writes_.fetch_add(1, std::memory_order_relaxed);
    }
}

void multiplexer::read_some() {
    for (int round = 0; round < 16 && socket_.is_open(); ++round) {
        const std::span<char> space = reader_.prepare(64 * 1024);
        auto received = socket_.receive_some(space);
        if (!received) {
            connection_lost(received.error_value());
            break;
        }
        if (*received == 0) break;
        reader_.commit(*received);
        bytes_read_.fetch_add(*received, std::memory_order_relaxed);
        last_activity_ = clock::now();
        for (;;) {
            auto next = reader_.next();
            if (!next) {
                connection_lost(next.error_value());
                break;
            }
            if (!next->has_value()) break;
            on_reply(**next);
            if (!socket_.is_open()) break;
        }
        if (*received < space.size()) break;
    }
    release_capacity(0, 0);
}

void multiplexer::on_reply(const resp::reply& reply) {
    if (protocol_ == 3 && reply.kind() == resp::type::push) {
        on_push(reply);
        return;
    }
    match_front(reply);
}

void multiplexer::on_push(const resp::reply& push) {
    if (!is_subscription_confirmation(push)) {
        deliver_message(push);
        return;
    }
    // A subscription change is confirmed by a push; anything else (a
    // server-side unsubscribe) has no request waiting for it.
    pop_finished();
    if (!queue_.empty() && queue_.front().subscription && queue_.front().offset < written_)
        match_front(push);
}

void multiplexer::deliver_message(const resp::reply& message) {
    if (!message.is_aggregate() || message.size() < 3) return;
    const std::string_view kind = message[0].string();
    pubsub_message m{pubsub_message::kind::message, message[1].string(), {}, message[2].string()};
    channel_kind key_kind = channel_kind::channel;
    std::string_view key = m.channel;
    if (kind == "pmessage" && message.size() >= 4) {
        m = {pubsub_message::kind::pattern_message, message[2].string(), message[1].string(),
             message[3].string()};
        key_kind = channel_kind::pattern;
        key = m.pattern;
    } else if (kind == "smessage") {
        m.what = pubsub_message::kind::shard_message;
        key_kind = channel_kind::shard;
    } else if (kind != "message") {
        return;
    }
    std::shared_ptr<message_handler> handler;
    {
        std::lock_guard lock(subscriptions_mutex_);
        const auto found = subscriptions_.find(std::make_pair(key_kind, std::string(key)));
        if (found == subscriptions_.end()) return;
        handler = found->second;
    }
    (*handler)(m);
}

void multiplexer::match_front(const resp::reply& reply) {
    pop_finished();
    if (queue_.empty() || queue_.front().offset >= written_) {
        connection_lost(error{error_kind::protocol, "the server sent a reply nobody asked for"});
        return;
    }
    request& front = queue_.front();
    if (--front.replies_left > 0) return;  // MULTI's OK and each QUEUED
    replies_.fetch_add(1, std::memory_order_relaxed);
    if (front.internal_ping) ping_outstanding_ = false;
    if (!front.completed) complete(front, reply);
    freed_bytes_ += front.length;
    ++freed_requests_;
    queue_.pop_front();
    pop_finished();
}

void multiplexer::pop_finished() {
    while (!queue_.empty() && queue_.front().replies_left == 0) {
        freed_bytes_ += queue_.front().length;
        ++freed_requests_;
        queue_.pop_front();
    }
    compact_wire();
}

void multiplexer::compact_wire() {
    const std::uint64_t wire_end = wire_start_ + wire_.size();
    if (queue_.empty()) {
        if (written_ == wire_end) {
            wire_.clear();
            wire_start_ = written_;
        }
        return;
    }
    const std::uint64_t unneeded = queue_.front().offset - wire_start_;
    if (unneeded > 64 * 1024 && unneeded > wire_.size() / 2) {
        wire_.erase(0, unneeded);
        wire_start_ += unneeded;
    }
}

void multiplexer::release_capacity(std::size_t requests, std::uint64_t bytes) {
    requests += freed_requests_;
    bytes += freed_bytes_;
    freed_requests_ = 0;
    freed_bytes_ = 0;
    if (requests == 0) return;
    std::lock_guard lock(mutex_);
    queued_requests_ -= requests;
    queued_bytes_ -= bytes;
    space_available_.notify_all();
}

void multiplexer::complete(request& r, result<resp::reply> outcome) {
    r.completed = true;
    completion done = std::move(r.done);
    r.done = nullptr;
    if (done) done(std::move(outcome));
}

void multiplexer::expire(clock::time_point now) {
    while (!deadlines_.empty() && deadlines_.front().first <= now) {
        const std::uint64_t id = deadlines_.front().second;
        std::pop_heap(deadlines_.begin(), deadlines_.end(), later);
        deadlines_.pop_back();
        if (queue_.empty() || id < queue_.front().id) continue;
        const std::uint64_t index = id - queue_.front().id;
        if (index >= queue_.size()) continue;
        request& r = queue_[index];
        if (r.completed) continue;
        timeouts_.fetch_add(1, std::memory_order_relaxed);
        const bool written = socket_.is_open() && r.offset < written_;
        std::string message = "no reply before the deadline (";
        if (!socket_.is_open()) {
            message += "while disconnected: " + last_connect_error_.message + ")";
            r.replies_left = 0;  // never sent, and now never will be
        } else if (written) {
            message += "the command was sent, its outcome is unknown)";
        } else {
            message += "it could not be sent in time)";
        }
        if (r.internal_ping) {
            complete(r, error{error_kind::timeout, message});
            connection_lost(
                error{error_kind::timeout, "keepalive PING unanswered; replacing the connection"});
            continue;
        }
        complete(r, error{error_kind::timeout, std::move(message)});
    }
    pop_finished();
    release_capacity(0, 0);
}

void multiplexer::maybe_ping(clock::time_point now) {
    if (ping_outstanding_ || options_.keep_alive.count() <= 0) return;
    if (now - last_activity_ < options_.keep_alive) return;
    ping_outstanding_ = true;
    enqueue_ping();
}

void multiplexer::enqueue_ping() {
    std::unique_lock lock(mutex_);
    const std::size_t offset = pending_bytes_.size();
    resp::append_command(pending_bytes_, "PING");
    request r;
    r.deadline = clock::now() + options_.sync_timeout;
    r.length = pending_bytes_.size() - offset;
    r.retry_safe = false;
    r.internal_ping = true;
    enqueue(lock, std::move(r), offset);
}

void multiplexer::connection_lost(const error& reason) {
    socket_.close();
    reader_.reset();
    connected_ = false;
    ping_outstanding_ = false;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        request& r = queue_[i];
        if (r.replies_left == 0) continue;
        const bool written = r.offset < written_;
        if (r.completed || r.internal_ping) {
            r.replies_left = 0;
        } else if (written && (!r.retry_safe || r.transaction)) {
            complete(r, error{error_kind::io,
                              "connection lost after the command was sent, so its "
                              "outcome is unknown: " +
                                  reason.message});
            r.replies_left = 0;
        } else {
            r.replies_left = r.transaction ? r.replies_left : 1;
        }
    }
    pop_finished();
    release_capacity(0, 0);
    last_connect_error_ = reason;
    failed_attempts_ = 0;
    next_attempt_ = clock::now();
    emit(connection_event::kind::lost, reason.message);
}

void multiplexer::rebuild_wire() {
    std::string fresh;
    std::uint64_t position = wire_start_;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        request& r = queue_[i];
        if (r.replies_left == 0) {
            r.offset = position;
            r.length = 0;
            continue;
        }
        fresh.append(wire_, r.offset - wire_start_, r.length);
        r.offset = position;
        position += r.length;
    }
    wire_ = std::move(fresh);
    written_ = wire_start_;
}

void multiplexer::try_connect() {
    const clock::time_point now = clock::now();
    // Do not let a slow connect attempt hold back the deadlines of waiting
    // requests by more than a little.
    milliseconds budget = options_.connect_timeout;
    if (!deadlines_.empty()) {
        const auto until = std::chrono::ceil<milliseconds>(deadlines_.front().first - now);
        budget = std::clamp(until, milliseconds(100),
                            std::max(options_.connect_timeout, milliseconds(100)));
    }
    connection_options attempt = options_;
    attempt.connect_timeout = budget;
    auto opened = connection::open(attempt, stop_fd_);
    if (!opened) {
        last_connect_error_ = opened.error_value();
        const auto exponent = std::min(failed_attempts_++, 16u);
        const auto delay = std::min<milliseconds::rep>(
            settings_.reconnect_cap.count(), settings_.reconnect_base.count() << exponent);
        static thread_local std::minstd_rand jitter(std::random_device{}());
        const auto jittered =
            delay / 2 + static_cast<milliseconds::rep>(jitter() % static_cast<unsigned>(delay + 1));
        next_attempt_ = clock::now() + milliseconds(jittered);
        return;
    }
    if (opened->protocol() == 3) {
        auto [commands, confirmations] = restore_commands();
        if (confirmations > 0) {
            // The confirmations are pushes, which the connection skips; the
            // PING's reply says they have all been read.
            resp::append_command(commands, "PING");
            opened->queue_encoded(commands, 1);
            auto restored = opened->flush(clock::now() + options_.connect_timeout);
            if (!restored) {
                last_connect_error_ = restored.error_value();
                next_attempt_ = clock::now() + settings_.reconnect_base;
                return;
            }
        }
    }
    protocol_ = opened->protocol();
    negotiated_protocol_ = protocol_;
    socket_ = opened->release_socket();
    connected_ = true;
    failed_attempts_ = 0;
    last_activity_ = clock::now();
    rebuild_wire();
    const bool restored = ever_connected_;
    ever_connected_ = true;
    if (restored) reconnects_.fetch_add(1, std::memory_order_relaxed);
    emit(restored ? connection_event::kind::restored : connection_event::kind::connected, {});
}

void multiplexer::emit(connection_event::kind what, std::string reason) {
    std::function<void(const connection_event&)> handler;
    {
        std::lock_guard lock(mutex_);
        handler = event_handler_;
    }
    if (handler) handler(connection_event{what, options_.endpoints.front(), std::move(reason)});
}

void multiplexer::fail_everything(const error& reason) {
    take_pending();
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        request& r = queue_[i];
        if (!r.completed) complete(r, reason);
    }
    while (!queue_.empty()) queue_.pop_front();
    socket_.close();
    connected_ = false;
    std::lock_guard lock(mutex_);
    queued_requests_ = 0;
    queued_bytes_ = 0;
    space_available_.notify_all();
}

}  // namespace respcache::net

namespace respcache::net {

// --- pub/sub --------------------------------------------------------------------

namespace {

std::string_view subscription_command(bool subscribing, int kind) {
    static constexpr std::string_view names[2][3] = {
        {"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"},
        {"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"},
    };
    return names[subscribing ? 1 : 0][kind];
}

}  // namespace

result<void> multiplexer::subscribe(std::string_view channel, message_handler handler) {
    return change_subscription(channel_kind::channel, channel, std::move(handler), true);
}
result<void> multiplexer::psubscribe(std::string_view pattern, message_handler handler) {
    return change_subscription(channel_kind::pattern, pattern, std::move(handler), true);
}
result<void> multiplexer::ssubscribe(std::string_view channel, message_handler handler) {
    return change_subscription(channel_kind::shard, channel, std::move(handler), true);
}
result<void> multiplexer::unsubscribe(std::string_view channel) {
    return change_subscription(channel_kind::channel, channel, nullptr, false);
}
result<void> multiplexer::punsubscribe(std::string_view pattern) {
    return change_subscription(channel_kind::pattern, pattern, nullptr, false);
}
result<void> multiplexer::sunsubscribe(std::string_view channel) {
    return change_subscription(channel_kind::shard, channel, nullptr, false);
}

std::pair<std::string, std::size_t> multiplexer::restore_commands() const {
    std::string commands;
    std::size_t confirmations = 0;
    std::lock_guard lock(subscriptions_mutex_);
    for (int kind = 0; kind < 3; ++kind) {
        std::vector<std::string_view> args = {subscription_command(true, kind)};
        for (const auto& [key, handler] : subscriptions_)
            if (static_cast<int>(key.first) == kind) args.push_back(key.second);
        if (args.size() == 1) continue;
        resp::append_command(commands, std::span<const std::string_view>(args));
        confirmations += args.size() - 1;
    }
    return {std::move(commands), confirmations};
}

subscriber& multiplexer::dedicated_subscriber() {
    std::lock_guard lock(mutex_);
    if (!subscriber_) {
        subscriber_ = std::make_unique<subscriber>(
            options_, [this](const resp::reply& message) { deliver_message(message); },
            [this] {
                auto [commands, confirmations] = restore_commands();
                return subscriber::restore_plan{std::move(commands), confirmations};
            });
    }
    return *subscriber_;
}

result<void> multiplexer::change_subscription(channel_kind kind, std::string_view name,
                                              message_handler handler, bool subscribing) {
    {
        std::lock_guard lock(mutex_);
        if (closing_) return error{error_kind::closed, "the multiplexer is closed"};
    }
    {
        std::lock_guard lock(subscriptions_mutex_);
        auto key = std::make_pair(kind, std::string(name));
        if (subscribing)
            subscriptions_[std::move(key)] = std::make_shared<message_handler>(std::move(handler));
        else
            subscriptions_.erase(key);
    }
    std::string encoded;
    resp::append_command(encoded, subscription_command(subscribing, static_cast<int>(kind)), name);
    const clock::time_point deadline = clock::now() + options_.sync_timeout;
    const bool resp2 = options_.protocol == protocol_version::resp2 || negotiated_protocol_ == 2;
    if (resp2) return dedicated_subscriber().send(encoded, deadline);

    auto w = std::make_shared<detail::reply_waiter>();
    {
        std::unique_lock lock(mutex_);
        if (auto refused = admit(lock, deadline, encoded.size())) return std::move(*refused);
        const std::size_t offset = pending_bytes_.size();
        pending_bytes_.append(encoded);
        request r;
        r.deadline = deadline;
        r.length = encoded.size();
        r.retry_safe = true;  // subscribing twice to one channel changes nothing
        r.subscription = true;
        r.done = [w](result<resp::reply> outcome) { w->finish(std::move(outcome)); };
        enqueue(lock, std::move(r), offset);
        wake_io_thread(lock);
    }
    auto confirmed = w->wait();
    if (!confirmed) return confirmed.error_value();
    return {};
}

}  // namespace respcache::net
