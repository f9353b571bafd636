#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "respcache/net/connection_options.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

using clock = std::chrono::steady_clock;

// An owned, non-blocking stream socket. Moves, never copies.
class socket {
  public:
    socket() = default;
    explicit socket(int fd) noexcept : fd_(fd) {}
    socket(socket&& other) noexcept : fd_(other.release()) {}
    socket& operator=(socket&& other) noexcept;
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;
    ~socket() { close(); }

    // Resolves and connects, trying each address in turn, all before
    // `deadline`. TCP sockets get TCP_NODELAY and keepalive. When
    // `interrupt_fd` (if >= 0) becomes readable the attempt stops early.
    static result<socket> connect(const endpoint& where, clock::time_point deadline,
                                  int interrupt_fd = -1);

    int fd() const noexcept { return fd_; }
    bool is_open() const noexcept { return fd_ >= 0; }
    int release() noexcept {
        const int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void close() noexcept;

    // Non-blocking send/receive: bytes moved, 0 when the call would block; an
    // io error when the peer is gone (receive: closed is an error too).
    result<std::size_t> send_some(std::string_view bytes) noexcept;
    result<std::size_t> receive_some(std::span<char> into) noexcept;

    // Waits until readable (or writable) or the deadline; false on timeout.
    // An interrupt fd that becomes readable also ends the wait (returns
    // an error of kind closed).
    result<bool> wait(bool for_write, clock::time_point deadline, int interrupt_fd = -1) const;

  private:
    int fd_ = -1;
};

// An io error for errno `code` while doing `what`.
error io_error(std::string_view what, int code);

}  // namespace respcache::net
