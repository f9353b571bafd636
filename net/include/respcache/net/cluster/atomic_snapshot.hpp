#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

namespace respcache::net::cluster {

// An immutable value replaced as a whole (a slot table, a routing state):
// readers get a consistent value for as long as they hold it. Every value
// stored gets a version unique in the process, so a thread keeps the value it
// loaded last and checks with one atomic load that it is still current
// (current_on_this_thread) instead of taking the shared_ptr's lock and count
// on every read. Writers are rare and take a mutex.
template <class T>
class atomic_snapshot {
  public:
    explicit atomic_snapshot(std::shared_ptr<const T> initial) { store(std::move(initial)); }

    std::shared_ptr<const T> load() const noexcept {
        return value_.load(std::memory_order_acquire);
    }

    void store(std::shared_ptr<const T> value) {
        std::lock_guard lock(writer_);
        value_.store(std::move(value), std::memory_order_release);
        bump();
    }

    // Replaces `expected` only if it is still the current value; otherwise
    // `expected` becomes the current value.
    bool replace(std::shared_ptr<const T>& expected, std::shared_ptr<const T> desired) {
        std::lock_guard lock(writer_);
        if (!value_.compare_exchange_strong(expected, std::move(desired),
                                            std::memory_order_acq_rel))
            return false;
        bump();
        return true;
    }

    // The current value, valid until this thread's next call for any
    // atomic_snapshot<T> (the thread keeps it alive until then).
    const T& current_on_this_thread() const {
        const std::uint64_t version = version_.load(std::memory_order_acquire);
        thread_cache& cache = cached();
        if (cache.version != version || !cache.value) {
            cache.value = load();
            cache.version = version;
        }
        return *cache.value;
    }

  private:
    struct thread_cache {
        std::uint64_t version = 0;
        std::shared_ptr<const T> value;
    };
    static thread_cache& cached() {
        thread_local thread_cache cache;
        return cache;
    }
    static std::uint64_t next_version() {
        static std::atomic<std::uint64_t> counter{1};
        return counter.fetch_add(1, std::memory_order_relaxed);
    }
    // After the value: a reader that sees the new version loads a value at
    // least as new.
    void bump() { version_.store(next_version(), std::memory_order_release); }

    std::atomic<std::shared_ptr<const T>> value_;
    std::atomic<std::uint64_t> version_{0};
    std::mutex writer_;
};

}  // namespace respcache::net::cluster
