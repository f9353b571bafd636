#include "memory_cache_shard.hpp"

namespace respcache::cache::detail {

std::optional<std::string> memory_cache_shard::get(const hashed_key& key,
                                                   cache_clock::time_point at,
                                                   byte_budget& budget) {
    std::lock_guard lock(mutex_);
    if (expired_due(at)) reclaim_locked(at, budget, sweep_per_operation);
    const auto found = index_.find(key);
    if (found == index_.end()) {
        ++misses_;
        return std::nullopt;
    }
    cache_entry* e = found->second.get();
    if (at >= e->deadline) {
        erase_locked(found, budget);
        ++expired_;
        ++misses_;
        return std::nullopt;
    }
    e->rearm(at);
    s3fifo_policy::on_read(e);
    ++hits_;
    return std::optional<std::string>(e->value);
}

void memory_cache_shard::refresh(const hashed_key& key, cache_clock::time_point at,
                                 byte_budget& budget) {
    std::lock_guard lock(mutex_);
    if (expired_due(at)) reclaim_locked(at, budget, sweep_per_operation);
    const auto found = index_.find(key);
    if (found == index_.end()) return;
    cache_entry* e = found->second.get();
    if (at >= e->deadline) {
        erase_locked(found, budget);
        ++expired_;
        return;
    }
    e->rearm(at);
    s3fifo_policy::on_read(e);
}

void memory_cache_shard::remove(const hashed_key& key, byte_budget& budget) {
    std::lock_guard lock(mutex_);
    if (const auto found = index_.find(key); found != index_.end()) erase_locked(found, budget);
}

bool memory_cache_shard::try_evict_one(cache_clock::time_point at, byte_budget& budget) {
    std::unique_lock lock(mutex_, std::try_to_lock);
    return lock.owns_lock() && evict_one_locked(at, budget);
}

std::size_t memory_cache_shard::reclaim_expired(cache_clock::time_point at, byte_budget& budget) {
    std::lock_guard lock(mutex_);
    return reclaim_locked(at, budget, index_.size());
}

void memory_cache_shard::clear(byte_budget& budget) {
    std::lock_guard lock(mutex_);
    for (const auto& [key, e] : index_) budget.release(e->charged);
    policy_.clear();
    expiring_.clear();
    index_.clear();
}

shard_statistics memory_cache_shard::statistics() const {
    std::lock_guard lock(mutex_);
    return {index_.size(), hits_, misses_, evictions_, expired_};
}

void memory_cache_shard::erase_locked(index_type::iterator it, byte_budget& budget) {
    cache_entry* e = it->second.get();
    policy_.forget(e);
    if (e->heap_slot != cache_entry::no_slot) expiring_.erase(e);
    budget.release(e->charged);
    index_.erase(it);
}

std::size_t memory_cache_shard::reclaim_locked(cache_clock::time_point at, byte_budget& budget,
                                               std::size_t most) {
    std::size_t reclaimed = 0;
    while (reclaimed < most) {
        cache_entry* e = expiring_.pop_expired(at);
        if (e == nullptr) break;
        erase_locked(index_.find(hashed_key{e->key, e->hash}), budget);
        ++reclaimed;
    }
    expired_ += reclaimed;
    return reclaimed;
}

bool memory_cache_shard::evict_one_locked(cache_clock::time_point at, byte_budget& budget) {
    if (reclaim_locked(at, budget, 1) == 1) return true;
    cache_entry* victim = policy_.victim();
    if (victim == nullptr) return false;
    if (victim->heap_slot != cache_entry::no_slot) expiring_.erase(victim);
    budget.release(victim->charged);
    index_.erase(index_.find(hashed_key{victim->key, victim->hash}));
    ++evictions_;
    return true;
}

}  // namespace respcache::cache::detail
