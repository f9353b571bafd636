#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "respcache/cache/entry_options.hpp"

namespace respcache::cache::detail {

using cache_clock = std::chrono::system_clock;

// One stored entry of the memory cache, with the links of every structure
// that holds it (its shard's index, one eviction queue, the expiry heap), so
// that moving it between them never allocates.
struct cache_entry {
    std::string key;
    std::string value;
    std::size_t hash = 0;  // of key: picks the shard, the index bucket, the ghost record
    // When the entry expires, and what a read does to that: a sliding entry
    // is re-armed to min(absolute_end, read + sliding_window). Kept as clock
    // values, not as the `expiration` they come from, so that the re-arm is a
    // few inline instructions on the read path.
    cache_clock::time_point deadline;
    cache_clock::time_point absolute_end = cache_clock::time_point::max();
    cache_clock::duration sliding_window{0};  // zero: not sliding

    // The eviction policy's state (s3fifo_policy).
    cache_entry* prev = nullptr;
    cache_entry* next = nullptr;
    std::uint8_t reads = 0;  // saturating read count since admission or the last pass
    bool in_main = false;

    // The expiry heap's state (expiry_heap): the slot the entry sits in and
    // the deadline it is ordered by, which may be earlier than `deadline`
    // after a sliding read re-armed it (the heap catches up lazily).
    static constexpr std::size_t no_slot = std::numeric_limits<std::size_t>::max();
    std::size_t heap_slot = no_slot;
    cache_clock::time_point heap_deadline;

    // The bytes counted against the size limit (memory_cache::entry_overhead
    // stands for this struct and its index node).
    std::size_t charged = 0;

    bool expires_ever() const noexcept { return deadline != cache_clock::time_point::max(); }

    void set_expiration(const expiration& e, cache_clock::time_point at) noexcept {
        absolute_end = e.absolute.value_or(cache_clock::time_point::max());
        if (e.sliding) {
            // Windows past the clock's range (hundreds of years) mean "never".
            const auto longest = std::chrono::duration_cast<ticks>(cache_clock::duration::max());
            sliding_window = *e.sliding >= longest
                                 ? cache_clock::duration::max()
                                 : std::chrono::duration_cast<cache_clock::duration>(*e.sliding);
        }
        deadline = e.deadline(at);
    }

    // A read at `at`, before the deadline, re-arms a sliding entry.
    void rearm(cache_clock::time_point at) noexcept {
        if (sliding_window.count() == 0) return;
        deadline = sliding_window >= absolute_end - at ? absolute_end : at + sliding_window;
    }
};

// An index key: the entry's own key bytes and their hash, computed once per
// operation (the shard is chosen from the same hash).
struct hashed_key {
    std::string_view bytes;
    std::size_t hash;
    bool operator==(const hashed_key& other) const noexcept {
        return hash == other.hash && bytes == other.bytes;
    }
};

struct hashed_key_hash {
    std::size_t operator()(const hashed_key& k) const noexcept { return k.hash; }
};

}  // namespace respcache::cache::detail
