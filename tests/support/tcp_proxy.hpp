#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace respcache::testing {

// A loopback TCP proxy in front of a server, for cutting connections at
// chosen moments: cut_all() now, or cut_after_server_bytes(n) once n more
// bytes have come back from the server (so the cut lands mid-reply).
class tcp_proxy {
  public:
    explicit tcp_proxy(std::uint16_t target_port);
    ~tcp_proxy();
    tcp_proxy(const tcp_proxy&) = delete;
    tcp_proxy& operator=(const tcp_proxy&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    void cut_all();
    void cut_after_server_bytes(std::uint64_t bytes);
    // Connections made from now on go to `port`; open ones stay where they are.
    void retarget(std::uint16_t port) noexcept { target_port_.store(port); }
    int cuts() const noexcept { return cuts_.load(); }

  private:
    struct link {
        int client;
        int server;
    };
    void run();
    void close_link(link& l);

    std::atomic<std::uint16_t> target_port_;
    std::uint16_t port_ = 0;
    int listener_ = -1;
    int wake_[2] = {-1, -1};
    std::mutex mutex_;
    std::vector<link> links_;
    bool cut_requested_ = false;
    std::int64_t cut_budget_ = -1;  // server bytes until a cut; -1: none planned
    std::atomic<int> cuts_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace respcache::testing
