#pragma once

#include <cstddef>
#include <cstdint>

#include "entry_queue.hpp"
#include "ghost_keys.hpp"
#include "memory_cache_entry.hpp"

namespace respcache::cache::detail {

// Which entry of a shard goes when the size limit needs room: S3-FIFO
// (Yang et al., "FIFO queues are all you need for cache eviction", SOSP 2023).
//
// Why this policy and not LRU or CLOCK:
// - A read only bumps a small counter in the entry. LRU moves the entry to
//   the front of a list on every read, writing two neighbours' links, which is
//   the most expensive part of a hit after the lookup and the reason LRU caches
//   need their lock even for reads.
// - It keeps frequently read entries when a stream of one-time keys passes
//   through (a scan, a crawler, a batch job): new entries wait in a small
//   probation queue (a tenth of the bytes) and leave it unread, so the main
//   queue, where entries read at least once live, is untouched. LRU lets such
//   a stream push out everything; CLOCK keeps a hot entry only if it is read
//   again before the hand comes round, which a long stream outruns.
// - On the zipf traces of benchmarks/memory_cache_bench (room for a tenth of
//   the keys) it had the best hit ratio of the three: 0.775 against LRU's
//   0.724 and CLOCK's 0.733; with bursts of one-time keys, 0.621 against
//   0.556 and 0.559 (README, "The distributed cache").
//
// Entries read after admission move from probation to main when they reach
// its head; in main, each read buys one more pass (up to 3) before eviction.
class s3fifo_policy {
  public:
    // A new entry: probation, or straight to main when it was evicted unread
    // a short while ago (the ghost remembers it) or replaces an entry that
    // had earned main (`earned_main`).
    void admit(cache_entry* e, bool earned_main);
    // Takes an entry out (removed, replaced, expired).
    void forget(cache_entry* e) noexcept { queue_of(e).unlink(e); }
    static void on_read(cache_entry* e) noexcept {
        if (e->reads < max_reads) ++e->reads;
    }
    // The entry to evict, already taken out of the queues; nullptr when the
    // shard holds nothing.
    cache_entry* victim();
    void clear() noexcept;

  private:
    static constexpr std::uint8_t max_reads = 3;
    static constexpr std::size_t probation_share = 10;  // percent of the shard's bytes

    entry_queue& queue_of(cache_entry* e) noexcept { return e->in_main ? main_ : probation_; }
    bool probation_over_share() const noexcept {
        return probation_.bytes() * 100 > (probation_.bytes() + main_.bytes()) * probation_share;
    }

    entry_queue probation_;
    entry_queue main_;
    ghost_keys ghost_;
};

}  // namespace respcache::cache::detail
