#pragma once

#include <cstddef>
#include <deque>
#include <unordered_set>

namespace respcache::cache::detail {

// The hashes of keys recently evicted before anyone read them (S3-FIFO's
// ghost queue): a key set again soon after such an eviction was wanted
// after all, and skips the probation queue. Only hashes are kept, so a
// record costs a few words whatever the entry's size; a hash collision just
// admits one entry to the main queue early.
class ghost_keys {
  public:
    // Remembers `hash`, forgetting the oldest records beyond `capacity`.
    void remember(std::size_t hash, std::size_t capacity);
    // Whether `hash` was remembered; the record is consumed.
    bool take(std::size_t hash) { return members_.erase(hash) > 0; }
    void clear() noexcept {
        members_.clear();
        order_.clear();
    }

  private:
    // A taken hash stays in `order_` until it ages out; if it was remembered
    // again meanwhile, that later record ages out early. Harmless: the ghost
    // is a hint, never a correctness matter.
    std::unordered_set<std::size_t> members_;
    std::deque<std::size_t> order_;
};

}  // namespace respcache::cache::detail
