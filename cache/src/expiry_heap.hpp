#pragma once

#include <cstddef>
#include <vector>

#include "memory_cache_entry.hpp"

namespace respcache::cache::detail {

// The entries of one shard that can expire, soonest first: a binary min-heap
// of entry pointers ordered by each entry's heap_deadline, with every entry
// knowing its slot, so that removing any entry is O(log n). Reading a sliding
// entry only moves its `deadline` later and leaves the heap alone; the entry
// is re-ordered when it reaches the top (pop_expired), which keeps the read
// path free of heap work.
class expiry_heap {
  public:
    void push(cache_entry* e);
    void erase(cache_entry* e) noexcept;
    bool empty() const noexcept { return slots_.empty(); }
    // The earliest time at which an entry may have expired.
    cache_clock::time_point earliest() const noexcept { return slots_.front()->heap_deadline; }
    // The top entry if it has really expired at `now`, taken out of the heap;
    // nullptr otherwise. Tops that were re-armed are re-ordered on the way.
    cache_entry* pop_expired(cache_clock::time_point now) noexcept;
    void clear() noexcept { slots_.clear(); }

  private:
    void place(std::size_t slot, cache_entry* e) noexcept {
        slots_[slot] = e;
        e->heap_slot = slot;
    }
    void sift_up(std::size_t slot) noexcept;
    void sift_down(std::size_t slot) noexcept;

    std::vector<cache_entry*> slots_;
};

}  // namespace respcache::cache::detail
