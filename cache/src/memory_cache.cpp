#include "respcache/cache/memory_cache.hpp"

#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace respcache::cache {

namespace {

using clock = std::chrono::system_clock;

struct entry {
    std::string key;
    std::string value;
    expiration expires;
    clock::time_point deadline;

    std::size_t size() const noexcept {
        return key.size() + value.size() + memory_cache::entry_overhead;
    }
};

struct view_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

}  // namespace

struct memory_cache::impl {
    memory_cache_options settings;

    mutable std::mutex mutex;
    std::list<entry> recency;  // most recently used first
    // Keys are views of the entries' own keys: list nodes never move.
    std::unordered_map<std::string_view, std::list<entry>::iterator, view_hash, std::equal_to<>>
        index;
    std::size_t size = 0;
    std::uint64_t hits = 0, misses = 0, evictions = 0;

    clock::time_point now() const { return settings.clock ? settings.clock() : clock::now(); }

    void erase(std::list<entry>::iterator it) {
        size -= it->size();
        index.erase(std::string_view(it->key));
        recency.erase(it);
    }

    // The live entry under `key`, made most recent and re-armed when sliding;
    // an expired one is dropped. Caller holds the mutex.
    entry* touch(std::string_view key, clock::time_point at) {
        const auto found = index.find(key);
        if (found == index.end()) return nullptr;
        const auto it = found->second;
        if (at >= it->deadline) {
            erase(it);
            return nullptr;
        }
        if (it->expires.sliding) it->deadline = it->expires.deadline(at);
        recency.splice(recency.begin(), recency, it);
        return &*it;
    }

    get_result get(std::string_view key) {
        const clock::time_point at = now();
        std::lock_guard lock(mutex);
        if (entry* e = touch(key, at)) {
            ++hits;
            return std::optional<std::string>(e->value);
        }
        ++misses;
        return std::optional<std::string>();
    }

    result<void> set(std::string_view key, std::string_view value, const entry_options& options) {
        const clock::time_point at = now();
        auto resolved = resolve(options, at);
        if (!resolved) return resolved.error_value();
        const std::size_t needed = key.size() + value.size() + entry_overhead;
        if (needed > settings.size_limit)
            return error{error_kind::limit, "an entry of " + std::to_string(needed) +
                                                " bytes exceeds the memory cache's size limit of " +
                                                std::to_string(settings.size_limit) + " bytes"};
        entry fresh{std::string(key), std::string(value), *resolved, resolved->deadline(at)};

        std::lock_guard lock(mutex);
        if (const auto found = index.find(key); found != index.end()) erase(found->second);
        while (size + needed > settings.size_limit) {
            erase(std::prev(recency.end()));
            ++evictions;
        }
        recency.push_front(std::move(fresh));
        index.emplace(std::string_view(recency.front().key), recency.begin());
        size += needed;
        return {};
    }

    result<void> refresh(std::string_view key) {
        const clock::time_point at = now();
        std::lock_guard lock(mutex);
        touch(key, at);
        return {};
    }

    result<void> remove(std::string_view key) {
        std::lock_guard lock(mutex);
        if (const auto found = index.find(key); found != index.end()) erase(found->second);
        return {};
    }
};

memory_cache::memory_cache(memory_cache_options options) : impl_(std::make_unique<impl>()) {
    impl_->settings = std::move(options);
}

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

void memory_cache::clear() {
    std::lock_guard lock(impl_->mutex);
    impl_->index.clear();
    impl_->recency.clear();
    impl_->size = 0;
}

metrics_snapshot memory_cache::metrics() const {
    metrics_snapshot m;
    std::lock_guard lock(impl_->mutex);
    m.hits = impl_->hits;
    m.misses = impl_->misses;
    m.entries = impl_->recency.size();
    m.size_bytes = impl_->size;
    m.evictions = impl_->evictions;
    return m;
}

}  // namespace respcache::cache
