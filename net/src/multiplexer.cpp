#include "respcache/net/multiplexer.hpp"

#include <linux/futex.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "event_signal.hpp"
#include "io_thread.hpp"
#include "multiplexer_core.hpp"

namespace respcache::net {

namespace detail {

void reply_waiter::finish(result<resp::reply> r) {
    if (r)
        outcome.emplace(r->to_owned());
    else
        outcome.emplace(r.error_value());
    if (state.exchange(finished, std::memory_order_acq_rel) == sleeping)
        ::syscall(SYS_futex, reinterpret_cast<int*>(&state), FUTEX_WAKE_PRIVATE, 1, nullptr,
                  nullptr, 0);
}

result<resp::owned_reply> reply_waiter::wait() {
    int seen = pending;
    if (state.compare_exchange_strong(seen, sleeping, std::memory_order_acq_rel)) {
        while (state.load(std::memory_order_acquire) == sleeping)
            ::syscall(SYS_futex, reinterpret_cast<int*>(&state), FUTEX_WAIT_PRIVATE, sleeping,
                      nullptr, nullptr, 0);
    }
    return std::move(*outcome);
}

namespace {

using std::chrono::milliseconds;

constexpr std::size_t read_chunk = 64 * 1024;
// A reader that grew past this for one huge reply is replaced once idle.
constexpr std::size_t reader_shrink_threshold = 4 * 1024 * 1024;

error closed_error() {
    return error{error_kind::closed, "the multiplexer is closed"};
}

// The core whose I/O thread this is: completions and message handlers run
// here, so a call from one must never wait for this thread.
thread_local const multiplexer_core* driven_here = nullptr;

error waits_for_itself() {
    return error{error_kind::config,
                 "a blocking call from a completion or message handler would wait for the "
                 "thread that runs it: use async_call() there"};
}

// An error reply becomes an error of kind server_reply: the rule of every
// path that returns an owned reply.
result<resp::owned_reply> error_reply_as_error(result<resp::owned_reply> outcome) {
    if (outcome && outcome->view().is_error())
        return error{error_kind::server_reply, std::string(outcome->view().string())};
    return outcome;
}

}  // namespace

bool on_an_io_thread() noexcept {
    return driven_here != nullptr;
}

// --- construction and teardown ----------------------------------------------

multiplexer_core::multiplexer_core(const connection_options& options,
                                   const multiplexer_settings& settings)
    : options_(options),
      settings_(settings),
      dedicated_(options, settings.max_dedicated_connections, stop_fd_),
      command_(false, settings),
      subscriber_(true, settings) {
    command_.wanted = true;
}

multiplexer_core::~multiplexer_core() {
    if (wake_fd_ >= 0) ::close(wake_fd_);
    if (stop_fd_ >= 0) ::close(stop_fd_);
}

result<void> multiplexer_core::start() {
    if (wake_fd_ < 0 || stop_fd_ < 0) return io_error("eventfd", errno);
    const int attempts = std::max(1, options_.connect_retry);
    for (int attempt = 0; attempt < attempts; ++attempt) {
        auto opened = connection::open(options_);
        if (opened) {
            adopt(command_, *opened);
            break;
        }
        command_.last_error = opened.error_value();
        command_.requests.connection_lost(command_.last_error);
        if (opened.error_value().kind == error_kind::auth ||
            opened.error_value().kind == error_kind::config)
            break;
    }
    // A configuration that cannot work (TLS asked of a build without it) is
    // refused at once, even when abortConnect=false keeps trying otherwise.
    if (!command_.sock.is_open() &&
        (options_.abort_connect || command_.last_error.kind == error_kind::config))
        return command_.last_error;
    io_thread_ = std::thread([self = shared_from_this()] { self->run(); });
    return {};
}

void multiplexer_core::close() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        if (!closing_) {
            closing_ = true;
            signal_fd(stop_fd_);
            signal_fd(wake_fd_);
        }
        space_available_.notify_all();
        job_ready_.notify_all();
        threads.swap(workers_);
        if (io_thread_.joinable()) threads.push_back(std::move(io_thread_));
    }
    dedicated_.close();
    // Every thread holds the core; one that closes it from inside (a
    // completion, a message handler) is left to finish on its own.
    for (std::thread& t : threads) {
        if (t.get_id() == std::this_thread::get_id())
            t.detach();
        else
            t.join();
    }
}

result<void> multiplexer_core::track(tracking_options options, invalidation_handler handler) {
    if (!tracking_.enable(std::move(options), std::move(handler)))
        return error{error_kind::config, "client tracking is enabled already on this multiplexer"};
    // The I/O thread sends CLIENT TRACKING on the connection it has now.
    std::lock_guard lock(mutex_);
    if (closing_) return closed_error();
    wake_signalled_ = true;
    signal_fd(wake_fd_);
    return {};
}

void multiplexer_core::on_connection_event(std::function<void(const connection_event&)> handler) {
    std::lock_guard lock(mutex_);
    event_handler_ = std::move(handler);
}

multiplexer::counters multiplexer_core::snapshot() const noexcept {
    multiplexer::counters c;
    c.commands_sent = commands_sent_.load(std::memory_order_relaxed);
    c.replies = replies_.load(std::memory_order_relaxed);
    c.timeouts = command_.requests.timeouts() + subscriber_.requests.timeouts();
    c.reconnects = reconnects_.load(std::memory_order_relaxed);
    c.bytes_written = bytes_written_.load(std::memory_order_relaxed);
    c.bytes_read = bytes_read_.load(std::memory_order_relaxed);
    c.writes = writes_.load(std::memory_order_relaxed);
    c.calls_on_caller_thread = led_calls_.load(std::memory_order_relaxed);
    return c;
}

// --- caller side --------------------------------------------------------------

clock::time_point multiplexer_core::deadline_for(const call_options& options,
                                                 bool blocking_call) const {
    const milliseconds timeout = options.timeout.count() > 0 ? options.timeout
                                 : blocking_call             ? options_.sync_timeout
                                                             : options_.effective_async_timeout();
    return clock::now() + timeout;
}

std::optional<error> multiplexer_core::admit(std::unique_lock<std::mutex>& lock,
                                             clock::time_point deadline) {
    const auto full = [this] {
        return queued_requests_ >= settings_.max_queued_requests ||
               (queued_bytes_ >= settings_.max_queued_bytes && queued_requests_ > 0);
    };
    if (driven_here == this && full())
        return error{error_kind::limit,
                     "the request queue is full (" + std::to_string(queued_requests_) +
                         " requests), and this call comes from the thread that empties it"};
    while (!closing_ && full()) {
        if (space_available_.wait_until(lock, deadline) == std::cv_status::timeout && full() &&
            !closing_) {
            return error{error_kind::limit, "the request queue stayed full (" +
                                                std::to_string(queued_requests_) + " requests, " +
                                                std::to_string(queued_bytes_) +
                                                " bytes) until the deadline"};
        }
    }
    if (closing_) return closed_error();
    return std::nullopt;
}

void multiplexer_core::hand_over(std::unique_lock<std::mutex>&, std::string_view encoded,
                                 const request_spec& spec, completion done, bool subscription) {
    handed_.push_back(
        handed_request{spec, std::move(done), handed_bytes_.size(), encoded.size(), subscription});
    handed_bytes_.append(encoded);
    ++queued_requests_;
    queued_bytes_ += encoded.size();
}

void multiplexer_core::wake_io_thread(std::unique_lock<std::mutex>& lock,
                                      clock::time_point deadline, bool subscription) {
    // A busy I/O thread looks for new requests before it sleeps, and a
    // leader hands over when it is done: only a sleeping I/O thread needs the
    // (system call) wake-up, and only once. One that waits for replies takes
    // the new request when the next one arrives, so under load requests go
    // out in batches instead of one wake-up and one write each. The wake-up
    // is sent after unlocking, so the woken thread does not block on the lock.
    // While a caller leads, the I/O thread only needs to keep the deadlines
    // of what waits behind it.
    const bool wakes_by_itself =
        (replies_expected_ || leader_active_) && !subscription && deadline >= io_wake_at_;
    const bool wake = io_sleeping_ && !wake_signalled_ && !wakes_by_itself;
    wake_signalled_ = wake_signalled_ || wake;
    lock.unlock();
    if (wake) signal_fd(wake_fd_);
}

bool multiplexer_core::may_lead(const std::unique_lock<std::mutex>&) const {
    return io_sleeping_ && command_link_idle_ && !leader_active_ && handed_.empty() && !closing_;
}

result<resp::owned_reply> multiplexer_core::call(const call_options& options, command_traits traits,
                                                 std::string_view encoded) {
    if (traits.refusal != nullptr) return error{error_kind::config, traits.refusal};
    if (driven_here == this) return waits_for_itself();
    const clock::time_point deadline = deadline_for(options, true);
    if (traits.blocking) return error_reply_as_error(run_blocking_here(encoded, deadline));
    const request_spec spec{deadline, request_kind::command, 1,
                            options.retry_safe.value_or(traits.retry_safe)};
    std::unique_lock lock(mutex_);
    if (may_lead(lock)) {
        leader_active_ = true;
        lock.unlock();
        return error_reply_as_error(lead(encoded, spec));
    }
    if (auto refused = admit(lock, deadline)) return std::move(*refused);
    reply_waiter w;
    hand_over(
        lock, encoded, spec, [&w](result<resp::reply> r) { w.finish(std::move(r)); }, false);
    wake_io_thread(lock, deadline);
    return error_reply_as_error(w.wait());
}

result<resp::owned_reply> multiplexer_core::lead(std::string_view encoded,
                                                 const request_spec& spec) {
    // The command link is idle and the I/O thread asleep: this thread writes
    // its own request and reads its own reply, saving two thread hand-offs.
    led_calls_.fetch_add(1, std::memory_order_relaxed);
    commands_sent_.fetch_add(1, std::memory_order_relaxed);
    command_.led = true;
    reply_waiter w;
    request_spec uncounted = spec;
    uncounted.counted = false;
    command_.requests.push(encoded, uncounted,
                           [&w](result<resp::reply> r) { w.finish(std::move(r)); });
    while (!w.finished_already() && command_.sock.is_open()) {
        write_some(command_);
        if (w.finished_already() || !command_.sock.is_open()) break;
        const bool want_write = command_.requests.wants_write();
        pollfd fd{command_.sock.fd(), static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
        const auto now = clock::now();
        const auto wait = std::chrono::ceil<milliseconds>(spec.deadline - now).count();
        const int rc =
            wait > 0 ? ::poll(&fd, 1, static_cast<int>(std::min<long long>(wait, 3600000))) : 0;
        if (rc == 0) {
            if (auto drop = command_.requests.expire(clock::now())) lose(command_, *drop);
            continue;
        }
        if (rc > 0 && (fd.revents & (POLLIN | POLLHUP | POLLERR))) read_some(command_);
    }
    command_.led = false;
    bool wake;
    {
        std::lock_guard lock(mutex_);
        leader_active_ = false;
        // Whoever came meanwhile, or a lost connection (whose reconnect, and
        // perhaps the resend of this request, are the I/O thread's job).
        wake = io_waits_for_leader_ || !handed_.empty() || !command_.sock.is_open();
        io_waits_for_leader_ = false;
        if (!command_.sock.is_open()) command_link_idle_ = false;
        wake_signalled_ = wake_signalled_ || wake;
    }
    if (wake) signal_fd(wake_fd_);
    return w.wait();
}

void multiplexer_core::async_call(const call_options& options, command_traits traits,
                                  std::string_view encoded, completion done) {
    if (traits.refusal != nullptr) {
        done(error{error_kind::config, traits.refusal});
        return;
    }
    const clock::time_point deadline = deadline_for(options, false);
    if (traits.blocking) {
        run_blocking_async(std::string(encoded), deadline, std::move(done));
        return;
    }
    const request_spec spec{deadline, request_kind::command, 1,
                            options.retry_safe.value_or(traits.retry_safe)};
    std::unique_lock lock(mutex_);
    if (auto refused = admit(lock, deadline)) {
        lock.unlock();
        done(std::move(*refused));
        return;
    }
    hand_over(lock, encoded, spec, std::move(done), false);
    wake_io_thread(lock, deadline);
}

result<std::vector<resp::owned_reply>> multiplexer_core::execute_batch(
    std::string_view bytes, std::span<const std::size_t> ends, const std::vector<bool>& retry_safe,
    const call_options& options) {
    struct gather {
        std::mutex mutex;
        std::condition_variable ready;
        std::vector<std::optional<result<resp::owned_reply>>> outcomes;
        std::size_t left;
    } g;
    if (driven_here == this) return waits_for_itself();
    g.outcomes.resize(ends.size());
    g.left = ends.size();
    const clock::time_point deadline = deadline_for(options, true);
    {
        std::unique_lock lock(mutex_);
        if (auto refused = admit(lock, deadline)) return std::move(*refused);
        std::size_t begin = 0;
        for (std::size_t i = 0; i < ends.size(); ++i) {
            const request_spec spec{deadline, request_kind::command, 1,
                                    options.retry_safe.value_or(retry_safe[i])};
            hand_over(
                lock, bytes.substr(begin, ends[i] - begin), spec,
                [&g, i](result<resp::reply> outcome) {
                    std::lock_guard guard(g.mutex);
                    if (outcome)
                        g.outcomes[i].emplace(outcome->to_owned());
                    else
                        g.outcomes[i].emplace(outcome.error_value());
                    if (--g.left == 0) g.ready.notify_one();
                },
                false);
            begin = ends[i];
        }
        wake_io_thread(lock, deadline);
    }
    std::unique_lock lock(g.mutex);
    g.ready.wait(lock, [&g] { return g.left == 0; });
    std::vector<resp::owned_reply> replies;
    replies.reserve(ends.size());
    for (auto& outcome : g.outcomes) {
        if (!*outcome) return outcome->error_value();
        replies.push_back(std::move(outcome->value()));
    }
    return replies;
}

result<resp::owned_reply> multiplexer_core::execute_transaction(std::string_view encoded,
                                                                std::size_t commands,
                                                                const call_options& options) {
    if (driven_here == this) return waits_for_itself();
    const request_spec spec{deadline_for(options, true), request_kind::transaction,
                            static_cast<std::uint32_t>(commands + 2), false};
    reply_waiter w;
    {
        std::unique_lock lock(mutex_);
        if (auto refused = admit(lock, spec.deadline)) return std::move(*refused);
        hand_over(
            lock, encoded, spec, [&w](result<resp::reply> r) { w.finish(std::move(r)); }, false);
        wake_io_thread(lock, spec.deadline);
    }
    result<resp::owned_reply> outcome = w.wait();
    if (!outcome) return outcome;
    const resp::reply exec = outcome->view();
    if (exec.is_error()) return error{error_kind::server_reply, std::string(exec.string())};
    if (exec.is_null())
        return error{error_kind::server_reply,
                     "the transaction was discarded (EXEC returned null)"};
    return outcome;
}

// --- dedicated connections ------------------------------------------------------

result<leased_connection> multiplexer_core::lease() {
    if (driven_here == this) return waits_for_itself();
    {
        std::lock_guard lock(mutex_);
        if (closing_) return closed_error();
    }
    auto c = dedicated_.acquire(clock::now() + options_.sync_timeout);
    if (!c) return c.error_value();
    return leased_connection(shared_from_this(), std::move(*c));
}

result<resp::owned_reply> multiplexer_core::run_blocking_here(std::string_view encoded,
                                                              clock::time_point deadline) {
    auto c = dedicated_.acquire(deadline);
    if (!c) return c.error_value();
    c->queue_encoded(encoded, 1);
    auto replies = c->flush(deadline, stop_fd_);
    result<resp::owned_reply> outcome = replies
                                            ? result<resp::owned_reply>(std::move(replies->front()))
                                            : result<resp::owned_reply>(replies.error_value());
    dedicated_.give_back(std::move(*c), dedicated_pool::state::unchanged);
    return outcome;
}

void multiplexer_core::run_blocking_async(std::string encoded, clock::time_point deadline,
                                          completion done) {
    std::unique_lock lock(mutex_);
    if (closing_) {
        lock.unlock();
        done(closed_error());
        return;
    }
    blocking_jobs_.push_back(blocking_job{std::move(encoded), deadline, std::move(done)});
    if (idle_workers_ == 0 && workers_.size() < settings_.max_dedicated_connections)
        workers_.emplace_back([self = shared_from_this()] { self->run_worker(); });
    else
        job_ready_.notify_one();
}

void multiplexer_core::run_worker() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ++idle_workers_;
        job_ready_.wait(lock, [this] { return closing_ || !blocking_jobs_.empty(); });
        --idle_workers_;
        if (closing_) break;
        blocking_job job = std::move(blocking_jobs_.front());
        blocking_jobs_.pop_front();
        lock.unlock();
        auto c = dedicated_.acquire(job.deadline);
        if (!c) {
            job.done(c.error_value());
        } else {
            c->queue_encoded(job.encoded, 1);
            auto replies = c->flush(job.deadline, stop_fd_);
            if (replies)
                job.done(replies->front().view());
            else
                job.done(replies.error_value());
            dedicated_.give_back(std::move(*c), dedicated_pool::state::unchanged);
        }
        lock.lock();
    }
    std::deque<blocking_job> left;
    left.swap(blocking_jobs_);
    lock.unlock();
    for (blocking_job& job : left) job.done(closed_error());
}

// --- pub/sub ------------------------------------------------------------------

result<void> multiplexer_core::change_subscription(channel_kind kind, std::string_view name,
                                                   message_handler handler, bool subscribing) {
    // Registered first, so that a reconnect from now on restores it.
    if (subscribing)
        subscriptions_.add(kind, name, std::move(handler));
    else
        subscriptions_.remove(kind, name);
    std::string encoded;
    resp::append_command(encoded, subscription_command(kind, subscribing), name);
    const request_spec spec{clock::now() + options_.sync_timeout, request_kind::subscription, 1,
                            true};
    reply_waiter w;
    {
        std::unique_lock lock(mutex_);
        if (auto refused = admit(lock, spec.deadline)) {
            if (subscribing) subscriptions_.remove(kind, name);
            return std::move(*refused);
        }
        hand_over(
            lock, encoded, spec, [&w](result<resp::reply> r) { w.finish(std::move(r)); }, true);
        wake_io_thread(lock, spec.deadline, true);
    }
    auto confirmed = w.wait();
    if (!confirmed) {
        if (confirmed.error_value().kind == error_kind::timeout)
            return error{error_kind::timeout,
                         "the server did not confirm the subscription change in time; it stays "
                         "registered and is restored on reconnect"};
        return confirmed.error_value();
    }
    if (confirmed->view().is_error()) {
        if (subscribing) subscriptions_.remove(kind, name);
        return error{error_kind::server_reply,
                     "the server refused " + std::string(subscription_command(kind, subscribing)) +
                         ": " + std::string(confirmed->view().string())};
    }
    return {};
}

// --- the I/O thread -------------------------------------------------------------

void multiplexer_core::run() {
    driven_here = this;
    if (!command_.sock.is_open()) command_.next_attempt = clock::now();
    for (;;) {
        bool leader;
        {
            std::lock_guard lock(mutex_);
            if (closing_) break;
            io_sleeping_ = false;
            wake_signalled_ = false;
            leader = leader_active_;
            if (leader) {
                io_waits_for_leader_ = true;
            } else {
                std::swap(handed_, taken_);
                std::swap(handed_bytes_, taken_bytes_);
            }
        }
        const clock::time_point now = clock::now();
        if (leader) {
            wait_for_leader(now);
            continue;
        }
        take_handed_over();
        turn_tracking_on(command_, false);
        expire_deferred(now);
        service(command_, now);
        if (subscriber_.wanted) service(subscriber_, now);
        release_capacity();

        clock::time_point wake_at = now + std::chrono::hours(1);
        for (link* l : {&command_, &subscriber_}) {
            if (!l->wanted) continue;
            if (auto d = l->requests.next_deadline()) wake_at = std::min(wake_at, *d);
            if (!l->sock.is_open() && !l->connecting())
                wake_at = std::min(wake_at, l->next_attempt);
            if (l->sock.is_open() && options_.keep_alive.count() > 0 && !l->keepalive_outstanding)
                wake_at = std::min(wake_at, l->last_activity + options_.keep_alive);
        }
        for (const deferred_request& d : deferred_) wake_at = std::min(wake_at, d.spec.deadline);
        const bool replies_expected = command_.sock.is_open() && !command_.requests.idle();
        const auto wait = std::chrono::ceil<milliseconds>(wake_at - clock::now()).count();

        // Idle, with no subscription on it: nothing can arrive but the
        // server closing, and a blocking caller may drive it itself.
        const bool command_idle =
            command_.sock.is_open() && command_.requests.idle() && command_.reader.idle() &&
            !(command_.protocol == 3 && !subscriptions_.empty()) && !tracking_.wanted();
        // Everything poll() needs is read before sleeping is published: from
        // then on a leader may own the command link.
        const bool command_writes = command_.sock.is_open() && command_.requests.wants_write();
        const bool subscriber_writes =
            subscriber_.sock.is_open() && subscriber_.requests.wants_write();
        pollfd fds[3] = {
            {wake_fd_, POLLIN, 0},
            {command_.sock.fd(),
             static_cast<short>(command_idle ? POLLRDHUP
                                             : (POLLIN | (command_writes ? POLLOUT : 0))),
             0},
            {subscriber_.sock.fd(), static_cast<short>(POLLIN | (subscriber_writes ? POLLOUT : 0)),
             0},
        };
        {
            std::lock_guard lock(mutex_);
            if (closing_) break;
            if (!handed_.empty()) continue;
            io_sleeping_ = true;
            command_link_idle_ = command_idle;
            replies_expected_ = replies_expected;
            io_wake_at_ = wake_at;
        }
        const int rc = ::poll(fds, 3, static_cast<int>(std::clamp<long long>(wait, 0, 3600000)));
        {
            std::lock_guard lock(mutex_);
            io_sleeping_ = false;
            command_link_idle_ = false;
            leader = leader_active_;
        }
        if (rc <= 0) continue;  // a timer, or EINTR
        if (fds[0].revents & POLLIN) drain_fd(wake_fd_);
        constexpr short readable = POLLIN | POLLHUP | POLLERR | POLLRDHUP;
        if (!leader && fds[1].fd >= 0 && (fds[1].revents & readable)) read_some(command_);
        if (fds[2].fd >= 0 && (fds[2].revents & readable)) read_some(subscriber_);
    }
    fail_everything(closed_error());
}

void multiplexer_core::wait_for_leader(clock::time_point now) {
    // The command link is the leader's until it says it is done; meanwhile
    // the requests handed over behind it keep their deadlines.
    expire_handed_over(now);
    clock::time_point wake_at = now + milliseconds(100);
    {
        std::lock_guard lock(mutex_);
        for (const handed_request& r : handed_) wake_at = std::min(wake_at, r.spec.deadline);
    }
    pollfd fd{wake_fd_, POLLIN, 0};
    const auto wait = std::chrono::ceil<milliseconds>(wake_at - now).count();
    if (::poll(&fd, 1, static_cast<int>(std::clamp<long long>(wait, 0, 100))) > 0)
        drain_fd(wake_fd_);
}

void multiplexer_core::expire_handed_over(clock::time_point now) {
    std::vector<handed_request> expired;
    {
        std::lock_guard lock(mutex_);
        for (auto it = handed_.begin(); it != handed_.end();) {
            if (it->spec.deadline > now) {
                ++it;
                continue;
            }
            --queued_requests_;
            queued_bytes_ -= it->length;
            expired.push_back(std::move(*it));
            it = handed_.erase(it);
        }
        if (!expired.empty()) space_available_.notify_all();
    }
    for (handed_request& r : expired)
        r.done(error{error_kind::timeout,
                     "no reply before the deadline (it could not be sent in time, and never ran)"});
}

void multiplexer_core::take_handed_over() {
    commands_sent_.fetch_add(taken_.size(), std::memory_order_relaxed);
    for (handed_request& r : taken_)
        route(r, std::string_view(taken_bytes_).substr(r.offset, r.length));
    taken_.clear();
    taken_bytes_.clear();
}

void multiplexer_core::route(handed_request& r, std::string_view bytes) {
    if (!r.subscription) {
        command_.requests.push(bytes, r.spec, std::move(r.done));
        return;
    }
    // Which connection carries pub/sub is known once the server said which
    // protocol it speaks.
    if (command_.protocol == 0) {
        deferred_.push_back(deferred_request{std::string(bytes), r.spec, std::move(r.done)});
        return;
    }
    link& target = pubsub_link();
    if (!target.wanted) {
        target.wanted = true;
        target.next_attempt = clock::now();
    }
    target.requests.push(bytes, r.spec, std::move(r.done));
}

void multiplexer_core::expire_deferred(clock::time_point now) {
    if (deferred_.empty()) return;
    if (command_.protocol != 0) {
        std::vector<deferred_request> ready;
        ready.swap(deferred_);
        for (deferred_request& d : ready) {
            handed_request r{d.spec, std::move(d.done), 0, d.bytes.size(), true};
            route(r, d.bytes);
        }
        return;
    }
    std::erase_if(deferred_, [&](deferred_request& d) {
        if (d.spec.deadline > now) return false;
        d.done(error{error_kind::timeout, "no reply before the deadline (while disconnected: " +
                                              command_.last_error.message + "; it never ran)"});
        return true;
    });
}

void multiplexer_core::service(link& l, clock::time_point now) {
    if (l.loss_pending) {
        const error reason = std::move(*l.loss_pending);
        l.loss_pending.reset();
        lose(l, reason);
    }
    if (auto drop = l.requests.expire(now)) lose(l, *drop);
    if (l.connecting() && l.attempt_done.load(std::memory_order_acquire)) finish_connecting(l);
    if (!l.sock.is_open()) {
        if (!l.connecting() && now >= l.next_attempt) try_connect(l);
        return;
    }
    write_some(l);
    maybe_ping(l, now);
    if (l.requests.idle()) {
        l.requests.shrink_when_idle();
        if (l.read_since_idle > reader_shrink_threshold && l.reader.idle())
            l.reader = resp::reader();
        l.read_since_idle = 0;
    }
}

void multiplexer_core::write_some(link& l) {
    for (std::string_view unsent = l.requests.prepare_write(); !unsent.empty();
         unsent = l.requests.prepare_write()) {
        auto sent = l.sock.send_some(unsent);
        if (!sent) {
            lose(l, sent.error_value());
            return;
        }
        if (*sent == 0) return;
        l.requests.commit_write(*sent);
        bytes_written_.fetch_add(*sent, std::memory_order_relaxed);
        writes_.fetch_add(1, std::memory_order_relaxed);
    }
}

void multiplexer_core::read_some(link& l) {
    for (int round = 0; round < 16 && l.sock.is_open(); ++round) {
        const std::span<char> space = l.reader.prepare(read_chunk);
        auto received = l.sock.receive_some(space);
        if (!received) {
            lose(l, received.error_value());
            break;
        }
        if (*received == 0) break;
        l.reader.commit(*received);
        l.read_since_idle += *received;
        bytes_read_.fetch_add(*received, std::memory_order_relaxed);
        l.last_activity = clock::now();
        // Every complete reply in the buffer in one pass. The callback must
        // not touch the reader, so a reply out of step is acted on after it.
        std::optional<error> out_of_step;
        auto taken = l.reader.take_all([&](const resp::reply& r) {
            if (out_of_step) return;
            switch (l.requests.on_reply(r)) {
                case pipeline::reply_use::answered:
                    break;
                case pipeline::reply_use::message:
                    if (&l == &command_ && tracking_.deliver(r)) break;
                    if (auto moved = subscriptions_.deliver(r))
                        emit(connection_event::kind::shard_channel_moved,
                             "the server unsubscribed shard channel " + *moved +
                                 ": its slot is no longer served here",
                             std::move(*moved));
                    break;
                case pipeline::reply_use::unexpected:
                    out_of_step =
                        error{error_kind::protocol, "the server sent a reply nobody asked for"};
                    break;
            }
        });
        if (!taken) {
            lose(l, taken.error_value());
            break;
        }
        replies_.fetch_add(*taken, std::memory_order_relaxed);
        if (out_of_step) {
            lose(l, *out_of_step);
            break;
        }
        if (*received < space.size()) break;
    }
    if (l.keepalive_outstanding && l.requests.idle()) l.keepalive_outstanding = false;
}

void multiplexer_core::maybe_ping(link& l, clock::time_point now) {
    if (l.keepalive_outstanding || options_.keep_alive.count() <= 0) return;
    if (now - l.last_activity < options_.keep_alive) return;
    l.keepalive_outstanding = true;
    std::string ping;
    resp::append_command(ping, "PING");
    l.requests.push(ping,
                    request_spec{now + options_.sync_timeout, request_kind::keepalive, 1, false},
                    [&l](result<resp::reply>) { l.keepalive_outstanding = false; });
    write_some(l);
}

void multiplexer_core::lose(link& l, const error& reason) {
    if (l.led) {
        l.sock.close();
        if (!l.loss_pending) l.loss_pending = reason;
        return;
    }
    const clock::time_point now = clock::now();
    l.sock.close();
    l.reader.reset();
    l.keepalive_outstanding = false;
    l.requests.connection_lost(reason);
    // A connection that fails soon after it was made (a server that closes
    // every new client, a repeatable protocol error) backs off like a
    // failed attempt; one that lived a while comes back at once.
    l.next_attempt =
        now - l.connected_at < settings_.reconnect_cap ? now + l.backoff.after_failure() : now;
    if (&l == &command_) {
        connected_ = false;
        tracking_.connection_lost("the connection was lost: " + reason.message);
    }
    l.last_error = reason;
    emit(connection_event::kind::lost, reason.message);
}

void multiplexer_core::try_connect(link& l) {
    l.attempt_done.store(false, std::memory_order_relaxed);
    l.connector = std::thread([this, &l] {
        l.attempt.emplace(connection::open(options_, stop_fd_));
        l.attempt_done.store(true, std::memory_order_release);
        signal_fd(wake_fd_);
    });
}

void multiplexer_core::finish_connecting(link& l) {
    l.connector.join();
    result<connection> opened = std::move(*l.attempt);
    l.attempt.reset();
    if (!opened) {
        l.last_error = opened.error_value();
        l.requests.still_down(l.last_error);
        l.next_attempt = clock::now() + l.backoff.after_failure();
        return;
    }
    adopt(l, *opened);
    if (&l != &command_) return;
    const bool restored = ever_connected_;
    ever_connected_ = true;
    if (restored) reconnects_.fetch_add(1, std::memory_order_relaxed);
    emit(restored ? connection_event::kind::restored : connection_event::kind::connected, {});
}

void multiplexer_core::adopt(link& l, connection& opened) {
    l.protocol = opened.protocol();
    l.sock = opened.release_socket();
    l.reader.reset();
    l.connected_at = l.last_activity = clock::now();
    l.backoff.succeeded();
    if (&l == &pubsub_link()) restore_subscriptions(l);
    turn_tracking_on(l, true);
    l.requests.connected();
    if (&l == &command_) {
        connected_ = true;
        ever_connected_ = true;
    }
}

void multiplexer_core::restore_subscriptions(link& l) {
    auto commands = subscriptions_.restore_commands();
    if (commands.empty()) return;
    if (&l == &subscriber_) l.wanted = true;
    std::vector<prelude_request> prelude;
    prelude.reserve(commands.size());
    const clock::time_point deadline = clock::now() + options_.sync_timeout;
    for (auto& c : commands) {
        auto refused = [this, kind = c.kind, name = c.name](result<resp::reply> r) {
            if (!r || !r->is_error()) return;  // confirmed, or retried on the next connection
            subscriptions_.remove(kind, name);
            const bool moved = kind == channel_kind::shard && r->string().starts_with("MOVED ");
            emit(moved ? connection_event::kind::shard_channel_moved
                       : connection_event::kind::subscription_refused,
                 "the server refused to restore " + std::string(subscription_command(kind, true)) +
                     " " + name + ": " + std::string(r->string()),
                 name);
        };
        prelude.push_back(prelude_request{
            std::move(c.encoded), request_spec{deadline, request_kind::subscription, 1, true},
            std::move(refused)});
    }
    l.requests.prepend(prelude);
}

void multiplexer_core::turn_tracking_on(link& l, bool new_connection) {
    if (&l != &command_) return;
    if (new_connection) {
        // Before everything, subscriptions restored and resent requests too:
        // every reply on this connection then comes from a tracked read.
        if (auto first = tracking_.on_connected(l.protocol, clock::now() + options_.sync_timeout))
            l.requests.prepend({&*first, 1});
        return;
    }
    if (!tracking_.request_pending() || !l.sock.is_open()) return;
    if (auto late = tracking_.pending_request(clock::now() + options_.sync_timeout))
        l.requests.push(late->bytes, late->spec, std::move(late->done));
}

void multiplexer_core::release_capacity() {
    std::size_t requests = 0, bytes = 0;
    for (link* l : {&command_, &subscriber_}) {
        const auto [r, b] = l->requests.take_released();
        requests += r;
        bytes += b;
    }
    if (requests == 0) return;
    std::lock_guard lock(mutex_);
    queued_requests_ -= requests;
    queued_bytes_ -= bytes;
    space_available_.notify_all();
}

void multiplexer_core::emit(connection_event::kind what, std::string reason, std::string channel) {
    std::function<void(const connection_event&)> handler;
    {
        std::lock_guard lock(mutex_);
        handler = event_handler_;
    }
    if (handler)
        handler(connection_event{what, options_.endpoints.front(), std::move(reason),
                                 std::move(channel)});
}

void multiplexer_core::fail_everything(const error& reason) {
    {
        std::lock_guard lock(mutex_);
        std::swap(handed_, taken_);
        std::swap(handed_bytes_, taken_bytes_);
    }
    for (handed_request& r : taken_) r.done(reason);
    taken_.clear();
    for (deferred_request& d : deferred_) d.done(reason);
    deferred_.clear();
    for (link* l : {&command_, &subscriber_}) {
        if (l->connecting()) l->connector.join();  // close() interrupted it
        l->attempt.reset();
        l->requests.fail_all(reason);
        l->sock.close();
    }
    connected_ = false;
    std::lock_guard lock(mutex_);
    queued_requests_ = 0;
    queued_bytes_ = 0;
    space_available_.notify_all();
}

}  // namespace detail

// --- the public handle ------------------------------------------------------------

multiplexer::multiplexer(std::shared_ptr<detail::multiplexer_core> core) noexcept
    : core_(std::move(core)) {}

result<std::shared_ptr<multiplexer>> multiplexer::connect(const connection_options& options,
                                                          const multiplexer_settings& settings) {
    if (options.endpoints.empty())
        return error{error_kind::config, "the configuration names no endpoint"};
    auto core = std::make_shared<detail::multiplexer_core>(options, settings);
    if (auto started = core->start(); !started) return started.error_value();
    return std::shared_ptr<multiplexer>(new multiplexer(std::move(core)));
}

multiplexer::~multiplexer() {
    core_->close();
}

void multiplexer::close() {
    core_->close();
}

result<resp::owned_reply> multiplexer::call_encoded(const call_options& options,
                                                    command_traits traits,
                                                    std::string_view encoded) {
    return core_->call(options, traits, encoded);
}

void multiplexer::async_call_encoded(const call_options& options, command_traits traits,
                                     std::string_view encoded, completion done) {
    core_->async_call(options, traits, encoded, std::move(done));
}

result<std::vector<resp::owned_reply>> multiplexer::execute(const command_batch& batch,
                                                            const call_options& options) {
    if (!batch.refusal_.empty()) return error{error_kind::config, batch.refusal_};
    if (batch.empty()) return std::vector<resp::owned_reply>{};
    return core_->execute_batch(batch.bytes_, batch.ends_, batch.retry_safe_, options);
}

result<resp::owned_reply> multiplexer::execute(const transaction& tx, const call_options& options) {
    if (!tx.refusal_.empty()) return error{error_kind::config, tx.refusal_};
    std::string encoded;
    resp::append_command(encoded, "MULTI");
    encoded.append(tx.bytes_);
    resp::append_command(encoded, "EXEC");
    return core_->execute_transaction(encoded, tx.count_, options);
}

result<leased_connection> multiplexer::lease() {
    return core_->lease();
}

void multiplexer::on_connection_event(std::function<void(const connection_event&)> handler) {
    core_->on_connection_event(std::move(handler));
}

result<void> multiplexer::subscribe(std::string_view channel, message_handler handler) {
    return core_->change_subscription(detail::channel_kind::channel, channel, std::move(handler),
                                      true);
}
result<void> multiplexer::psubscribe(std::string_view pattern, message_handler handler) {
    return core_->change_subscription(detail::channel_kind::pattern, pattern, std::move(handler),
                                      true);
}
result<void> multiplexer::ssubscribe(std::string_view channel, message_handler handler) {
    return core_->change_subscription(detail::channel_kind::shard, channel, std::move(handler),
                                      true);
}
result<void> multiplexer::unsubscribe(std::string_view channel) {
    return core_->change_subscription(detail::channel_kind::channel, channel, nullptr, false);
}
result<void> multiplexer::punsubscribe(std::string_view pattern) {
    return core_->change_subscription(detail::channel_kind::pattern, pattern, nullptr, false);
}
result<void> multiplexer::sunsubscribe(std::string_view channel) {
    return core_->change_subscription(detail::channel_kind::shard, channel, nullptr, false);
}

result<void> multiplexer::track(tracking_options options, invalidation_handler handler) {
    return core_->track(std::move(options), std::move(handler));
}

bool multiplexer::is_connected() const noexcept {
    return core_->is_connected();
}
const connection_options& multiplexer::options() const noexcept {
    return core_->options();
}
multiplexer::counters multiplexer::snapshot() const noexcept {
    return core_->snapshot();
}

// --- leases ---------------------------------------------------------------------

leased_connection::leased_connection(std::shared_ptr<detail::multiplexer_core> owner, connection c)
    : owner_(std::move(owner)), connection_(std::move(c)) {}

leased_connection& leased_connection::operator=(leased_connection&& other) noexcept {
    if (this != &other) {
        give_back();
        owner_ = std::move(other.owner_);
        connection_ = std::move(other.connection_);
        other.connection_.reset();
    }
    return *this;
}

leased_connection::~leased_connection() {
    give_back();
}

void leased_connection::give_back() noexcept {
    if (owner_ && connection_) owner_->give_back(std::move(*connection_));
    connection_.reset();
    owner_.reset();
}

}  // namespace respcache::net
