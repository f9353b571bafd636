#include "dedicated_pool.hpp"

#include <algorithm>
#include <string>

namespace respcache::net::detail {

result<connection> dedicated_pool::acquire(clock::time_point deadline) {
    {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (closed_) return error{error_kind::closed, "the multiplexer is closed"};
            // One the server closed while it waited (a restart, its idle
            // timeout) is dropped here rather than failing the next command.
            while (!idle_.empty() && !idle_.back().still_usable()) idle_.pop_back();
            if (!idle_.empty()) {
                connection c = std::move(idle_.back());
                idle_.pop_back();
                ++lent_;
                return c;
            }
            if (lent_ < capacity_) break;
            if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
                lent_ >= capacity_)
                return error{error_kind::timeout,
                             "every dedicated connection (max_dedicated_connections = " +
                                 std::to_string(capacity_) + ") stayed in use until the deadline"};
        }
        ++lent_;
    }
    connection_options bounded = options_;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    bounded.connect_timeout =
        std::clamp(left, std::chrono::milliseconds(1), options_.connect_timeout);
    auto opened = connection::open(bounded, interrupt_fd_);
    if (!opened) {
        std::lock_guard lock(mutex_);
        --lent_;
        returned_.notify_one();
    }
    return opened;
}

void dedicated_pool::give_back(connection c, state s) {
    // Whatever a borrower did (WATCH, SELECT, MULTI, SUBSCRIBE, CLIENT REPLY
    // OFF), the next one gets a connection as new, or none.
    const bool reusable =
        c.is_open() && c.queued() == 0 &&
        (s == state::unchanged ||
         c.reset(clock::now() + options_.sync_timeout, interrupt_fd_).has_value());
    std::lock_guard lock(mutex_);
    --lent_;
    if (reusable && !closed_) idle_.push_back(std::move(c));
    returned_.notify_one();
}

void dedicated_pool::close() {
    std::vector<connection> closing;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        closing.swap(idle_);
        returned_.notify_all();
    }
}

}  // namespace respcache::net::detail
