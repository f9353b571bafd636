#pragma once

#include <unistd.h>

#include <cstdint>

namespace respcache::net::detail {

// An eventfd used as a wake-up: signal makes it readable, drain resets it.
inline void signal_fd(int fd) noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof one);
}

inline void drain_fd(int fd) noexcept {
    std::uint64_t value = 0;
    [[maybe_unused]] const ssize_t n = ::read(fd, &value, sizeof value);
}

}  // namespace respcache::net::detail
