#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "respcache/cache/distributed_cache.hpp"

namespace respcache::cache {

struct memory_cache_options {
    // Bound on the bytes held: keys, values and a fixed per-entry overhead
    // (entry_overhead). Storing past it evicts entries (S3-FIFO: entries never
    // read since they were stored go first, frequently read ones last); a
    // single entry larger than the bound is an error of kind limit.
    std::size_t size_limit = 200 * 1024 * 1024;
    // The time source for expirations; default std::chrono::system_clock.
    // Tests inject a clock they move by hand.
    std::function<std::chrono::system_clock::time_point()> clock;
    // Independent parts, each with its own lock, that keys are spread over so
    // that threads rarely wait for each other. 0: one per 64 KiB of
    // size_limit, at most 64. Each part evicts its own entries first, so a
    // tiny cache is best kept in one part.
    std::size_t shards = 0;
};

// What a memory cache holds and has done since it was created.
struct memory_cache_statistics {
    std::uint64_t entries = 0;
    std::uint64_t bytes_held = 0;  // counted as size_limit counts them
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t evictions = 0;  // live entries dropped to stay within size_limit
    std::uint64_t expired = 0;    // expired entries reclaimed, read or not
};

// The distributed-cache semantics in process, with no server: the same
// expiration rules as the Redis cache (not .NET's MemoryDistributedCache,
// where they differ). Expired entries are never returned. Asynchronous forms
// complete before they return, on the caller's thread.
class memory_cache final : public distributed_cache {
  public:
    // Bytes counted for an entry besides its key and value: what its
    // bookkeeping really takes (the entry with its links, its hash-table node
    // and bucket, its expiry-heap slot, the allocator's headers, and the
    // record the eviction policy may keep after evicting it), so that
    // size_limit bounds the memory used and not only the payload.
    static constexpr std::size_t entry_overhead = 272;

    explicit memory_cache(memory_cache_options options = {});
    ~memory_cache() override;

    metrics_snapshot metrics() const override;
    memory_cache_statistics statistics() const;
    // The bytes held now, counted as size_limit counts them; never above it.
    std::size_t bytes_held() const noexcept;
    // Drops every entry (counted neither as evicted nor as expired).
    void clear();
    // Drops every entry that has expired, now, and returns how many. Each
    // operation on the cache already reclaims a few that are due; this is for
    // a cache left idle. Its cost grows with the expired entries, not with
    // all of them.
    std::size_t reclaim_expired();

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
