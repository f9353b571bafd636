#pragma once

#include <cstddef>

#include "memory_cache_entry.hpp"

namespace respcache::cache::detail {

// A FIFO of entries linked through their own prev/next pointers: pushing,
// popping and unlinking any entry are O(1) and never allocate.
class entry_queue {
  public:
    bool empty() const noexcept { return head_ == nullptr; }
    std::size_t bytes() const noexcept { return bytes_; }
    std::size_t count() const noexcept { return count_; }

    void push_back(cache_entry* e) noexcept {
        e->prev = tail_;
        e->next = nullptr;
        (tail_ ? tail_->next : head_) = e;
        tail_ = e;
        bytes_ += e->charged;
        ++count_;
    }

    cache_entry* pop_front() noexcept {
        cache_entry* e = head_;
        unlink(e);
        return e;
    }

    void unlink(cache_entry* e) noexcept {
        (e->prev ? e->prev->next : head_) = e->next;
        (e->next ? e->next->prev : tail_) = e->prev;
        e->prev = e->next = nullptr;
        bytes_ -= e->charged;
        --count_;
    }

    void clear() noexcept {
        head_ = tail_ = nullptr;
        bytes_ = count_ = 0;
    }

  private:
    cache_entry* head_ = nullptr;
    cache_entry* tail_ = nullptr;
    std::size_t bytes_ = 0;
    std::size_t count_ = 0;
};

}  // namespace respcache::cache::detail
