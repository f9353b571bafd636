#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

#include "respcache/net/multiplexer.hpp"

namespace respcache::net::detail {

// The one reconnect policy of every connection a multiplexer keeps open:
// base * 2^attempt, capped, with +-50% jitter so that many clients that lost
// one server do not come back in step.
class reconnect_backoff {
  public:
    explicit reconnect_backoff(const multiplexer_settings& settings)
        : base_(std::max<std::int64_t>(1, settings.reconnect_base.count())),
          cap_(std::max<std::int64_t>(base_, settings.reconnect_cap.count())),
          jitter_(std::random_device{}()) {}

    // The wait before the next attempt, after one more failure.
    std::chrono::milliseconds after_failure() {
        const unsigned exponent = std::min(failures_++, 20u);
        const std::int64_t delay = std::min(cap_, base_ << exponent);
        const std::int64_t jittered =
            delay / 2 + static_cast<std::int64_t>(jitter_() % static_cast<unsigned>(delay + 1));
        return std::chrono::milliseconds(jittered);
    }
    void succeeded() noexcept { failures_ = 0; }
    unsigned failures() const noexcept { return failures_; }

  private:
    std::int64_t base_;
    std::int64_t cap_;
    unsigned failures_ = 0;
    std::minstd_rand jitter_;
};

}  // namespace respcache::net::detail
