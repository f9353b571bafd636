#include "respcache/net/socket.hpp"

#include "respcache/net/connection_string.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace respcache::net {

error io_error(std::string_view what, int code) {
    std::string message(what);
    message += ": ";
    message += std::strerror(code);
    return error{error_kind::io, std::move(message)};
}

socket& socket::operator=(socket&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = other.fd_;
        layer_ = other.layer_;
        layer_state_ = other.layer_state_;
        other.fd_ = -1;
        other.layer_ = nullptr;
        other.layer_state_ = nullptr;
    }
    return *this;
}

void socket::close() noexcept {
    if (layer_ != nullptr) layer_->destroy(layer_state_);
    layer_ = nullptr;
    layer_state_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void socket::attach(const stream_ops& layer, void* state) noexcept {
    if (layer_ != nullptr) layer_->destroy(layer_state_);
    layer_ = &layer;
    layer_state_ = state;
}

namespace {

int milliseconds_until(clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 24 * 3600 * 1000));
}

void tune_tcp(int fd) {
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
}

// Starts a non-blocking connect and waits for it to finish.
result<socket> connect_address(const sockaddr* address, socklen_t length, int family,
                               clock::time_point deadline, int interrupt_fd,
                               const std::string& name) {
    socket s(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!s.is_open()) return io_error("socket()", errno);
    if (family != AF_UNIX) tune_tcp(s.fd());
    if (::connect(s.fd(), address, length) == 0) return s;
    if (errno != EINPROGRESS && errno != EAGAIN) return io_error("connect to " + name, errno);
    auto ready = s.wait(true, deadline, interrupt_fd);
    if (!ready) return ready.error_value();
    if (!*ready) return error{error_kind::timeout, "connect to " + name + " timed out"};
    int code = 0;
    socklen_t size = sizeof code;
    ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &code, &size);
    if (code != 0) return io_error("connect to " + name, code);
    return s;
}

}  // namespace

result<socket> socket::connect(const endpoint& where, clock::time_point deadline,
                               int interrupt_fd) {
    const std::string name = to_string(where);
    if (where.is_unix_socket) {
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (where.path.size() >= sizeof address.sun_path)
            return error{error_kind::config, "unix socket path too long: " + where.path};
        std::memcpy(address.sun_path, where.path.data(), where.path.size());
        return connect_address(reinterpret_cast<const sockaddr*>(&address), sizeof address, AF_UNIX,
                               deadline, interrupt_fd, name);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(where.port);
    const int rc = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0)
        return error{error_kind::io, "cannot resolve " + where.host + ": " + gai_strerror(rc)};
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
    error last{error_kind::io, "no address for " + where.host};
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        auto s =
            connect_address(a->ai_addr, a->ai_addrlen, a->ai_family, deadline, interrupt_fd, name);
        if (s) return s;
        last = s.error_value();
        if (last.kind == error_kind::timeout || last.kind == error_kind::closed) break;
    }
    return last;
}

result<std::size_t> socket::send_plain(std::string_view bytes) noexcept {
    for (;;) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::size_t{0};
        return io_error("send", errno);
    }
}

result<std::size_t> socket::receive_plain(std::span<char> into) noexcept {
    for (;;) {
        const ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
        if (n > 0) return static_cast<std::size_t>(n);
        if (n == 0) return error{error_kind::io, "connection closed by the server"};
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return std::size_t{0};
        return io_error("recv", errno);
    }
}

result<bool> socket::wait(bool for_write, clock::time_point deadline, int interrupt_fd) const {
    if (!for_write && layer_ != nullptr && layer_->has_buffered(layer_state_)) return true;
    pollfd fds[2] = {{fd_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0},
                     {interrupt_fd, POLLIN, 0}};
    const nfds_t count = interrupt_fd >= 0 ? 2 : 1;
    for (;;) {
        const int rc = ::poll(fds, count, milliseconds_until(deadline));
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) return io_error("poll", errno);
        if (count == 2 && (fds[1].revents & POLLIN))
            return error{error_kind::closed, "connection attempt cancelled"};
        if (rc == 0) {
            if (clock::now() >= deadline) return false;
            continue;
        }
        return true;
    }
}

}  // namespace respcache::net
