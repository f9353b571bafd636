#include "tcp_proxy.hpp"

#include "loopback.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace respcache::testing {

tcp_proxy::tcp_proxy(std::uint16_t target_port) : target_port_(target_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 64) != 0)
        throw std::runtime_error("proxy cannot listen");
    socklen_t size = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe");
    thread_ = std::thread([this] { run(); });
}

tcp_proxy::~tcp_proxy() {
    stopping_ = true;
    [[maybe_unused]] auto n = ::write(wake_[1], "x", 1);
    thread_.join();
    for (auto& l : links_) close_link(l);
    ::close(listener_);
    ::close(wake_[0]);
    ::close(wake_[1]);
}

void tcp_proxy::cut_all() {
    std::lock_guard lock(mutex_);
    cut_requested_ = true;
    [[maybe_unused]] auto n = ::write(wake_[1], "x", 1);
}

void tcp_proxy::cut_after_server_bytes(std::uint64_t bytes) {
    std::lock_guard lock(mutex_);
    cut_budget_ = static_cast<std::int64_t>(bytes);
}

void tcp_proxy::close_link(link& l) {
    if (l.client >= 0) ::close(l.client);
    if (l.server >= 0) ::close(l.server);
    l.client = l.server = -1;
}

void tcp_proxy::run() {
    char buffer[16 * 1024];
    while (!stopping_) {
        std::vector<pollfd> fds = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
        {
            std::lock_guard lock(mutex_);
            if (cut_requested_) {
                for (auto& l : links_) close_link(l);
                links_.clear();
                cuts_.fetch_add(1);
                cut_requested_ = false;
            }
            for (const auto& l : links_) {
                fds.push_back({l.client, POLLIN, 0});
                fds.push_back({l.server, POLLIN, 0});
            }
        }
        if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
        if (fds[1].revents & POLLIN) {
            while (::read(wake_[0], buffer, sizeof buffer) > 0) {
            }
        }
        if (fds[0].revents & POLLIN) {
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            const int server = connect_loopback(target_port_.load());
            if (client >= 0 && server >= 0) {
                std::lock_guard lock(mutex_);
                links_.push_back({client, server});
            } else {
                if (client >= 0) ::close(client);
                if (server >= 0) ::close(server);
            }
        }
        std::lock_guard lock(mutex_);
        for (std::size_t i = 2; i + 1 < fds.size(); i += 2) {
            link& l = links_[(i - 2) / 2];
            for (const bool from_server : {false, true}) {
                const pollfd& p = fds[from_server ? i + 1 : i];
                if (!(p.revents & (POLLIN | POLLHUP | POLLERR)) || l.client < 0) continue;
                const int from = from_server ? l.server : l.client;
                const int to = from_server ? l.client : l.server;
                ssize_t n = ::read(from, buffer, sizeof buffer);
                if (n <= 0) {
                    close_link(l);
                    continue;
                }
                bool cut = false;
                if (from_server && cut_budget_ >= 0) {
                    if (n >= cut_budget_) {
                        n = cut_budget_;
                        cut = true;
                    }
                    cut_budget_ -= n;
                }
                // MSG_NOSIGNAL: a peer killed meanwhile (the server, in the
                // fault tests) must not end the test process with SIGPIPE.
                if (n > 0 && ::send(to, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) < 0)
                    close_link(l);
                if (cut) {
                    for (auto& each : links_) close_link(each);
                    cut_budget_ = -1;
                    cuts_.fetch_add(1);
                }
            }
        }
        std::erase_if(links_, [](const link& l) { return l.client < 0; });
    }
}

}  // namespace respcache::testing
