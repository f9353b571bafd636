#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace respcache::testing {

// A loopback TCP server that answers nothing and records every byte its
// clients send, for proving what a client did (or did not) put on the wire.
// Each connection is read until the client closes it or the server stops.
class recording_server {
  public:
    recording_server();
    ~recording_server();
    recording_server(const recording_server&) = delete;
    recording_server& operator=(const recording_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    int connections() const noexcept { return connections_.load(); }
    // Everything received so far, all connections in arrival order.
    std::string received() const;

  private:
    void run();

    std::uint16_t port_ = 0;
    int listener_ = -1;
    int wake_[2] = {-1, -1};
    mutable std::mutex mutex_;
    std::string received_;
    std::atomic<int> connections_{0};
    std::thread thread_;
};

}  // namespace respcache::testing
