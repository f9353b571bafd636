#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "respcache/net/connection.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net::detail {

// The connections a multiplexer lends for blocking commands and lease():
// at most `capacity` exist at once, idle ones are kept for the next caller,
// and one given back is reset (RESET and the handshake again) or closed.
class dedicated_pool {
  public:
    dedicated_pool(const connection_options& options, std::size_t capacity, int interrupt_fd)
        : options_(options), capacity_(capacity == 0 ? 1 : capacity), interrupt_fd_(interrupt_fd) {}

    // An idle connection, or a new one; waits for one to come back while
    // `capacity` are lent, until `deadline`.
    result<connection> acquire(clock::time_point deadline);
    // What was done on a connection given back: one of our own blocking
    // commands that completed (nothing to undo), or a borrower's anything.
    enum class state { unchanged, unknown };
    // Takes back a connection from acquire(), open or not.
    void give_back(connection c, state s);
    // Closes the idle connections; later acquire() calls fail with closed.
    void close();

  private:
    const connection_options options_;
    const std::size_t capacity_;
    const int interrupt_fd_;

    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<connection> idle_;
    std::size_t lent_ = 0;
    bool closed_ = false;
};

}  // namespace respcache::net::detail
