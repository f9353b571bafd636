#include "respcache/cache/memory_cache.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "byte_budget.hpp"
#include "memory_cache_shard.hpp"

namespace respcache::cache {

namespace {

using detail::cache_clock;
using detail::hashed_key;
using detail::memory_cache_shard;

// The entry (plus its allocation header), its index node (next pointer, key,
// owner; plus header), its bucket, its heap slot, and a ghost record (a set
// node with its header, a bucket, a queue slot: at most one per entry held).
static_assert(sizeof(detail::cache_entry) + 16 + 48 + 8 + 8 + 48 <= memory_cache::entry_overhead,
              "entry_overhead must cover an entry's bookkeeping");

constexpr std::size_t bytes_per_automatic_shard = 64 * 1024;
constexpr std::size_t most_automatic_shards = 64;

std::size_t shard_count(const memory_cache_options& options) {
    if (options.shards != 0) return options.shards;
    return std::clamp<std::size_t>(std::bit_floor(options.size_limit / bytes_per_automatic_shard),
                                   1, most_automatic_shards);
}

}  // namespace

struct memory_cache::impl {
    explicit impl(memory_cache_options options)
        : settings(std::move(options)),
          budget(settings.size_limit),
          count(shard_count(settings)),
          shards(std::make_unique<memory_cache_shard[]>(count)) {}

    memory_cache_options settings;
    detail::byte_budget budget;
    const std::size_t count;
    std::unique_ptr<memory_cache_shard[]> shards;

    cache_clock::time_point now() const {
        return settings.clock ? settings.clock() : cache_clock::now();
    }

    static hashed_key hash(std::string_view key) noexcept {
        return {key, std::hash<std::string_view>{}(key)};
    }

    // The high half of the hash picks the shard; the index inside a shard
    // buckets by the whole hash, so the two choices stay independent.
    std::size_t shard_of(std::size_t hash) const noexcept {
        return static_cast<std::size_t>(((static_cast<std::uint64_t>(hash) >> 32) * count) >> 32);
    }
    memory_cache_shard& shard_for(const hashed_key& key) noexcept {
        return shards[shard_of(key.hash)];
    }

    get_result get(std::string_view key) {
        const hashed_key k = hash(key);
        return shard_for(k).get(k, now(), budget);
    }

    result<void> set(std::string_view key, std::string_view value, const entry_options& options) {
        const cache_clock::time_point at = now();
        auto resolved = resolve(options, at);
        if (!resolved) return resolved.error_value();
        const std::size_t needed = key.size() + value.size() + entry_overhead;
        if (needed > settings.size_limit)
            return error{error_kind::limit, "an entry of " + std::to_string(needed) +
                                                " bytes exceeds the memory cache's size limit of " +
                                                std::to_string(settings.size_limit) + " bytes"};
        auto fresh = std::make_unique<detail::cache_entry>();
        fresh->key.assign(key);
        fresh->value.assign(value);
        fresh->hash = hash(key).hash;
        fresh->set_expiration(*resolved, at);
        fresh->charged = needed;
        const std::size_t home = shard_of(fresh->hash);
        shards[home].insert(std::move(fresh), at, budget,
                            [&] { return evict_elsewhere(home, at); });
        return {};
    }

    // Frees room in some shard other than `home` (whose lock the caller
    // holds) without waiting for any lock.
    bool evict_elsewhere(std::size_t home, cache_clock::time_point at) {
        for (std::size_t step = 1; step < count; ++step)
            if (shards[(home + step) % count].try_evict_one(at, budget)) return true;
        return false;
    }

    result<void> refresh(std::string_view key) {
        const hashed_key k = hash(key);
        shard_for(k).refresh(k, now(), budget);
        return {};
    }

    result<void> remove(std::string_view key) {
        const hashed_key k = hash(key);
        shard_for(k).remove(k, budget);
        return {};
    }

    memory_cache_statistics statistics() const {
        memory_cache_statistics s;
        for (std::size_t i = 0; i < count; ++i) {
            const detail::shard_statistics part = shards[i].statistics();
            s.entries += part.entries;
            s.hits += part.hits;
            s.misses += part.misses;
            s.evictions += part.evictions;
            s.expired += part.expired;
        }
        s.bytes_held = budget.held();
        return s;
    }
};

memory_cache::memory_cache(memory_cache_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {}

memory_cache::~memory_cache() = default;

distributed_cache::get_result memory_cache::do_get(std::string_view key) {
    return impl_->get(key);
}

result<void> memory_cache::do_set(std::string_view key, std::string_view value,
                                  const entry_options& options) {
    return impl_->set(key, value, options);
}

result<void> memory_cache::do_refresh(std::string_view key) {
    return impl_->refresh(key);
}

result<void> memory_cache::do_remove(std::string_view key) {
    return impl_->remove(key);
}

void memory_cache::do_async_get(std::string_view key, get_handler done) {
    done(impl_->get(key));
}

void memory_cache::do_async_set(std::string_view key, std::string_view value,
                                const entry_options& options, done_handler done) {
    done(impl_->set(key, value, options));
}

void memory_cache::do_async_refresh(std::string_view key, done_handler done) {
    done(impl_->refresh(key));
}

void memory_cache::do_async_remove(std::string_view key, done_handler done) {
    done(impl_->remove(key));
}

metrics_snapshot memory_cache::metrics() const {
    const memory_cache_statistics s = impl_->statistics();
    metrics_snapshot m;
    m.hits = s.hits;
    m.misses = s.misses;
    m.entries = s.entries;
    m.size_bytes = s.bytes_held;
    m.evictions = s.evictions;
    return m;
}

memory_cache_statistics memory_cache::statistics() const {
    return impl_->statistics();
}

std::size_t memory_cache::bytes_held() const noexcept {
    return impl_->budget.held();
}

void memory_cache::clear() {
    for (std::size_t i = 0; i < impl_->count; ++i) impl_->shards[i].clear(impl_->budget);
}

std::size_t memory_cache::reclaim_expired() {
    const cache_clock::time_point at = impl_->now();
    std::size_t reclaimed = 0;
    for (std::size_t i = 0; i < impl_->count; ++i)
        reclaimed += impl_->shards[i].reclaim_expired(at, impl_->budget);
    return reclaimed;
}

}  // namespace respcache::cache
