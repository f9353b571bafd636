#include "subscriber.hpp"

#include "event_signal.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

namespace respcache::net {

using detail::drain_fd;
using detail::signal_fd;

bool is_subscription_confirmation(const resp::reply& r) {
    if (!r.is_aggregate() || r.empty()) return false;
    const std::string_view kind = r[0].string();
    return kind == "subscribe" || kind == "psubscribe" || kind == "ssubscribe" ||
           kind == "unsubscribe" || kind == "punsubscribe" || kind == "sunsubscribe";
}

void subscriber::waiter::finish(result<void> r) {
    std::lock_guard lock(mutex);
    if (!outcome) outcome.emplace(std::move(r));
    ready.notify_all();
}

subscriber::subscriber(const connection_options& options, dispatcher on_message, planner restore)
    : options_(options), on_message_(std::move(on_message)), restore_(std::move(restore)) {
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = std::thread([this] { run(); });
}

subscriber::~subscriber() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    signal_fd(stop_fd_);
    signal_fd(wake_fd_);
    thread_.join();
    const error closed{error_kind::closed, "the multiplexer is closed"};
    for (auto& w : sent_) w->finish(closed);
    for (auto& w : unsent_) w->finish(closed);
    for (auto& w : restoring_) w->finish(closed);
    ::close(wake_fd_);
    ::close(stop_fd_);
}

result<void> subscriber::send(std::string_view encoded, clock::time_point deadline) {
    auto w = std::make_shared<waiter>();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return error{error_kind::closed, "the multiplexer is closed"};
        outgoing_.append(encoded);
        unsent_.push_back(w);
    }
    signal_fd(wake_fd_);
    std::unique_lock lock(w->mutex);
    if (!w->ready.wait_until(lock, deadline, [&] { return w->outcome.has_value(); }))
        return error{error_kind::timeout,
                     "the server did not confirm the subscription change in time; it stays "
                     "registered and is restored on reconnect"};
    return *w->outcome;
}

void subscriber::wait_for_wake(int milliseconds) {
    pollfd fd{wake_fd_, POLLIN, 0};
    if (::poll(&fd, 1, milliseconds) > 0) drain_fd(wake_fd_);
}

bool subscriber::connect_and_restore() {
    auto opened = connection::open(options_, stop_fd_);
    if (!opened) {
        const auto delay = std::min(2000u, 50u << std::min(failed_attempts_++, 6u));
        wait_for_wake(static_cast<int>(delay));
        return false;
    }
    failed_attempts_ = 0;
    socket_ = opened->release_socket();
    reader_.reset();
    // Everything the owner holds is subscribed again. Commands that were
    // queued or in flight are covered by that: their callers are done once
    // the restore is confirmed.
    const restore_plan plan = restore_();
    {
        std::lock_guard lock(mutex_);
        for (auto& w : unsent_) restoring_.push_back(std::move(w));
        unsent_.clear();
        outgoing_.clear();
        writing_ = plan.commands;
    }
    for (auto& w : sent_) restoring_.push_back(std::move(w));
    sent_.clear();
    restore_confirmations_ = plan.confirmations;
    if (restore_confirmations_ == 0) finish_restoring();
    return true;
}

void subscriber::finish_restoring() {
    for (auto& w : restoring_) w->finish({});
    restoring_.clear();
}

bool subscriber::flush_outgoing() {
    {
        std::lock_guard lock(mutex_);
        writing_.append(outgoing_);
        outgoing_.clear();
        for (auto& w : unsent_) sent_.push_back(std::move(w));
        unsent_.clear();
    }
    std::string_view pending(writing_);
    while (!pending.empty()) {
        auto sent = socket_.send_some(pending);
        if (!sent) return false;
        if (*sent == 0) {
            auto ready = socket_.wait(true, clock::now() + options_.sync_timeout, stop_fd_);
            if (!ready || !*ready) return false;
            continue;
        }
        pending.remove_prefix(*sent);
    }
    writing_.clear();
    return true;
}

bool subscriber::read_messages() {
    for (;;) {
        auto received = socket_.receive_some(reader_.prepare(16 * 1024));
        if (!received) return false;
        if (*received == 0) return true;
        reader_.commit(*received);
        for (;;) {
            auto next = reader_.next();
            if (!next) return false;
            if (!next->has_value()) break;
            const resp::reply r = **next;
            if (!is_subscription_confirmation(r)) {
                on_message_(r);
            } else if (restore_confirmations_ > 0) {
                if (--restore_confirmations_ == 0) finish_restoring();
            } else if (!sent_.empty()) {
                sent_.front()->finish({});
                sent_.pop_front();
            }
        }
    }
}

void subscriber::run() {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
        }
        if (!socket_.is_open()) {
            connect_and_restore();
            continue;
        }
        if (!flush_outgoing()) {
            socket_.close();
            continue;
        }
        pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {socket_.fd(), POLLIN, 0}};
        if (::poll(fds, 2, 1000) <= 0) continue;
        if (fds[0].revents & POLLIN) drain_fd(wake_fd_);
        if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && !read_messages()) socket_.close();
    }
}

}  // namespace respcache::net
