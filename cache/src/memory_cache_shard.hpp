#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "byte_budget.hpp"
#include "expiry_heap.hpp"
#include "memory_cache_entry.hpp"
#include "s3fifo_policy.hpp"

namespace respcache::cache::detail {

struct shard_statistics {
    std::uint64_t entries = 0, hits = 0, misses = 0, evictions = 0, expired = 0;
};

// One lock's worth of the memory cache: the entries whose key hash falls in
// it, their eviction policy and their expiry heap. Threads working on
// different shards never touch the same lock or cache line (alignas), which
// is what lets two threads run at nearly twice one thread's rate.
class alignas(64) memory_cache_shard {
  public:
    // Expired entries reclaimed at most per operation on the shard, so that a
    // read that finds many of them due pays a bounded price.
    static constexpr std::size_t sweep_per_operation = 8;

    // A copy of the live value under `key`, re-armed when sliding; nullopt
    // when absent or expired.
    std::optional<std::string> get(const hashed_key& key, cache_clock::time_point at,
                                   byte_budget& budget);
    void refresh(const hashed_key& key, cache_clock::time_point at, byte_budget& budget);
    void remove(const hashed_key& key, byte_budget& budget);

    // Stores `fresh` (its charged bytes at most the budget's limit), replacing
    // the entry under its key. Room comes from this shard's own victims first;
    // when it has none, `evict_elsewhere()` (called with this shard locked, so
    // it must only try_lock others) frees room in another shard.
    template <class EvictElsewhere>
    void insert(std::unique_ptr<cache_entry> fresh, cache_clock::time_point at, byte_budget& budget,
                EvictElsewhere&& evict_elsewhere) {
        std::lock_guard lock(mutex_);
        reclaim_locked(at, budget, sweep_per_operation);
        bool earned_main = false;
        if (const auto old = index_.find(hashed_key{fresh->key, fresh->hash});
            old != index_.end()) {
            // An overwrite of an entry that is being read keeps its place: a
            // value that changes often but is read more often is still hot.
            earned_main = old->second->in_main || old->second->reads > 0;
            erase_locked(old, budget);
        }
        while (!budget.try_reserve(fresh->charged))
            if (!evict_one_locked(at, budget) && !evict_elsewhere()) std::this_thread::yield();
        cache_entry* e = fresh.get();
        index_.emplace(hashed_key{e->key, e->hash}, std::move(fresh));
        policy_.admit(e, earned_main);
        if (e->expires_ever()) expiring_.push(e);
    }

    // Evicts one entry (an expired one first) if the shard's lock is free and
    // it holds any; never waits for the lock.
    bool try_evict_one(cache_clock::time_point at, byte_budget& budget);
    std::size_t reclaim_expired(cache_clock::time_point at, byte_budget& budget);
    void clear(byte_budget& budget);
    shard_statistics statistics() const;

  private:
    using index_type =
        std::unordered_map<hashed_key, std::unique_ptr<cache_entry>, hashed_key_hash>;

    void erase_locked(index_type::iterator it, byte_budget& budget);
    std::size_t reclaim_locked(cache_clock::time_point at, byte_budget& budget, std::size_t most);
    bool evict_one_locked(cache_clock::time_point at, byte_budget& budget);
    bool expired_due(cache_clock::time_point at) const noexcept {
        return !expiring_.empty() && expiring_.earliest() <= at;
    }

    // A read writes the lock and one of these two counters: kept on the same
    // cache line, a read moves one line between cores, not two.
    mutable std::mutex mutex_;
    std::uint64_t hits_ = 0, misses_ = 0;
    index_type index_;
    s3fifo_policy policy_;
    expiry_heap expiring_;
    std::uint64_t evictions_ = 0, expired_ = 0;
};

}  // namespace respcache::cache::detail
