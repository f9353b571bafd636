#pragma once

#include <atomic>
#include <cstddef>

namespace respcache::cache::detail {

// The bytes every shard of one memory cache holds together, against the size
// limit. Room is reserved before an entry is stored, with a compare-and-swap,
// so the total never passes the limit, not even for a moment between two
// threads' stores. Touched by stores, evictions and removals only; a read
// never writes it.
class byte_budget {
  public:
    explicit byte_budget(std::size_t limit) noexcept : limit_(limit) {}

    std::size_t held() const noexcept { return held_.load(std::memory_order_relaxed); }

    // Counts `bytes` as held if that keeps the total within the limit.
    bool try_reserve(std::size_t bytes) noexcept {
        std::size_t now = held_.load(std::memory_order_relaxed);
        do {
            if (bytes > limit_ - now) return false;
        } while (!held_.compare_exchange_weak(now, now + bytes, std::memory_order_relaxed));
        return true;
    }
    void release(std::size_t bytes) noexcept { held_.fetch_sub(bytes, std::memory_order_relaxed); }

  private:
    const std::size_t limit_;
    std::atomic<std::size_t> held_{0};
};

}  // namespace respcache::cache::detail
