#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "respcache/cache/distributed_cache.hpp"

namespace respcache::cache {

struct memory_cache_options {
    // Bound on the bytes held: keys, values and a fixed per-entry overhead
    // (entry_overhead). Storing past it evicts the least recently used
    // entries; a single entry larger than the bound is an error of kind limit.
    std::size_t size_limit = 200 * 1024 * 1024;
    // The time source for expirations; default std::chrono::system_clock.
    // Tests inject a clock they move by hand.
    std::function<std::chrono::system_clock::time_point()> clock;
};

// The distributed-cache semantics in process, with no server: the same
// expiration rules as the Redis cache (not .NET's MemoryDistributedCache,
// where they differ). Expired entries are never returned. Asynchronous forms
// complete before they return, on the caller's thread.
class memory_cache final : public distributed_cache {
  public:
    // Bytes counted for an entry besides its key and value: the bookkeeping
    // of the hash table and the recency list.
    static constexpr std::size_t entry_overhead = 96;

    explicit memory_cache(memory_cache_options options = {});
    ~memory_cache() override;

    metrics_snapshot metrics() const override;

    // Drops every entry (not counted as evictions).
    void clear();

  private:
    get_result do_get(std::string_view key) override;
    result<void> do_set(std::string_view key, std::string_view value,
                        const entry_options& options) override;
    result<void> do_refresh(std::string_view key) override;
    result<void> do_remove(std::string_view key) override;
    void do_async_get(std::string_view key, get_handler done) override;
    void do_async_set(std::string_view key, std::string_view value, const entry_options& options,
                      done_handler done) override;
    void do_async_refresh(std::string_view key, done_handler done) override;
    void do_async_remove(std::string_view key, done_handler done) override;

    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace respcache::cache
