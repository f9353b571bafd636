#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "respcache/net/connection_options.hpp"
#include "respcache/net/stream.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

using clock = std::chrono::steady_clock;

// An owned, non-blocking stream socket, plain or with a stream layer (TLS)
// attached. Moves, never copies: the layer moves with the descriptor.
class socket {
  public:
    socket() = default;
    explicit socket(int fd) noexcept : fd_(fd) {}
    socket(socket&& other) noexcept
        : fd_(other.fd_), layer_(other.layer_), layer_state_(other.layer_state_) {
        other.fd_ = -1;
        other.layer_ = nullptr;
        other.layer_state_ = nullptr;
    }
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
    void close() noexcept;

    // From now on sends and receives go through `layer`, which owns `state`
    // (freed by close()). For a TLS layer, after its handshake.
    void attach(const stream_ops& layer, void* state) noexcept;
    bool has_layer() const noexcept { return layer_ != nullptr; }

    // Non-blocking send/receive: bytes moved, 0 when the call would block; an
    // io error when the peer is gone (receive: closed is an error too).
    result<std::size_t> send_some(std::string_view bytes) noexcept {
        if (layer_ != nullptr) return layer_->send_some(layer_state_, bytes);
        return send_plain(bytes);
    }
    result<std::size_t> receive_some(std::span<char> into) noexcept {
        if (layer_ != nullptr) return layer_->receive_some(layer_state_, into);
        return receive_plain(into);
    }
    // The system calls themselves, for a stream layer underneath.
    result<std::size_t> send_plain(std::string_view bytes) noexcept;
    result<std::size_t> receive_plain(std::span<char> into) noexcept;

    // Waits until readable (or writable) or the deadline; false on timeout.
    // Readable at once when the layer holds bytes already received. An
    // interrupt fd that becomes readable also ends the wait (returns an
    // error of kind closed).
    result<bool> wait(bool for_write, clock::time_point deadline, int interrupt_fd = -1) const;

  private:
    int fd_ = -1;
    const stream_ops* layer_ = nullptr;
    void* layer_state_ = nullptr;
};

// An io error for errno `code` while doing `what`.
error io_error(std::string_view what, int code);

}  // namespace respcache::net
