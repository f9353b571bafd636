#pragma once

// The eviction policies memory_cache's S3-FIFO is measured against, as
// simple as they come: one lock, a hash index, byte accounting exactly as
// memory_cache counts (key + value + entry_overhead), no expiration.
// one_lock_lru is also what memory_cache was before it was sharded, so its
// get is the "before" row of the README.

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "respcache/cache/memory_cache.hpp"

namespace respcache::bench {

struct view_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

struct reference_entry {
    std::string key;
    std::string value;
    bool referenced = false;  // CLOCK's bit
    std::size_t size() const noexcept {
        return key.size() + value.size() + cache::memory_cache::entry_overhead;
    }
};

using reference_list = std::list<reference_entry>;
using reference_index =
    std::unordered_map<std::string_view, reference_list::iterator, view_hash, std::equal_to<>>;

// Least recently used: a read moves the entry to the front.
class one_lock_lru {
  public:
    explicit one_lock_lru(std::size_t limit) : limit_(limit) {}

    std::optional<std::string> get(std::string_view key) {
        std::lock_guard lock(mutex_);
        const auto found = index_.find(key);
        if (found == index_.end()) return std::nullopt;
        order_.splice(order_.begin(), order_, found->second);
        return found->second->value;
    }

    void set(std::string_view key, std::string_view value) {
        reference_entry fresh{std::string(key), std::string(value)};
        std::lock_guard lock(mutex_);
        if (const auto found = index_.find(key); found != index_.end()) erase(found->second);
        while (held_ + fresh.size() > limit_) erase(std::prev(order_.end()));
        held_ += fresh.size();
        order_.push_front(std::move(fresh));
        index_.emplace(order_.front().key, order_.begin());
    }

  private:
    void erase(reference_list::iterator it) {
        held_ -= it->size();
        index_.erase(std::string_view(it->key));
        order_.erase(it);
    }

    std::mutex mutex_;
    const std::size_t limit_;
    std::size_t held_ = 0;
    reference_list order_;  // most recent first
    reference_index index_;
};

// CLOCK (second chance): a read sets a bit; the hand clears set bits and
// evicts the first entry it finds without one.
class one_lock_clock {
  public:
    explicit one_lock_clock(std::size_t limit) : limit_(limit) {}

    std::optional<std::string> get(std::string_view key) {
        std::lock_guard lock(mutex_);
        const auto found = index_.find(key);
        if (found == index_.end()) return std::nullopt;
        found->second->referenced = true;
        return found->second->value;
    }

    void set(std::string_view key, std::string_view value) {
        reference_entry fresh{std::string(key), std::string(value)};
        std::lock_guard lock(mutex_);
        if (const auto found = index_.find(key); found != index_.end()) erase(found->second);
        while (held_ + fresh.size() > limit_) evict_one();
        held_ += fresh.size();
        // New entries go just behind the hand: the last it will reach.
        const auto placed = ring_.insert(hand_, std::move(fresh));
        index_.emplace(placed->key, placed);
    }

  private:
    void evict_one() {
        while (true) {
            if (hand_ == ring_.end()) hand_ = ring_.begin();
            if (!hand_->referenced) break;
            hand_->referenced = false;
            ++hand_;
        }
        erase(hand_);
    }
    void erase(reference_list::iterator it) {
        if (it == hand_) ++hand_;
        held_ -= it->size();
        index_.erase(std::string_view(it->key));
        ring_.erase(it);
    }

    std::mutex mutex_;
    const std::size_t limit_;
    std::size_t held_ = 0;
    reference_list ring_;
    reference_list::iterator hand_ = ring_.end();
    reference_index index_;
};

}  // namespace respcache::bench
