#include "multiplexer_core.hpp"

namespace respcache::net::detail {

// Like execute_batch: every command handed over under one lock, so no other
// caller's command comes between them and they go out in one write when
// they fit; each completion carries its index instead of filling a vector.
void multiplexer_core::async_execute_batch(
    std::string_view bytes, std::span<const std::size_t> ends, const std::vector<bool>& retry_safe,
    const call_options& options,
    std::shared_ptr<const std::function<void(std::size_t, result<resp::reply>)>> done) {
    const clock::time_point deadline = deadline_for(options, false);
    std::unique_lock lock(mutex_);
    if (auto refused = admit(lock, deadline)) {
        lock.unlock();
        for (std::size_t i = 0; i < ends.size(); ++i) (*done)(i, *refused);
        return;
    }
    std::size_t begin = 0;
    for (std::size_t i = 0; i < ends.size(); ++i) {
        const request_spec spec{deadline, request_kind::command, 1,
                                options.retry_safe.value_or(retry_safe[i])};
        hand_over(
            lock, bytes.substr(begin, ends[i] - begin), spec,
            [done, i](result<resp::reply> outcome) { (*done)(i, std::move(outcome)); }, false);
        begin = ends[i];
    }
    wake_io_thread(lock, deadline);
}

}  // namespace respcache::net::detail
