#include "expiry_heap.hpp"

namespace respcache::cache::detail {

void expiry_heap::push(cache_entry* e) {
    e->heap_deadline = e->deadline;
    slots_.push_back(e);
    e->heap_slot = slots_.size() - 1;
    sift_up(e->heap_slot);
}

void expiry_heap::erase(cache_entry* e) noexcept {
    const std::size_t slot = e->heap_slot;
    e->heap_slot = cache_entry::no_slot;
    cache_entry* last = slots_.back();
    slots_.pop_back();
    if (last == e) return;
    place(slot, last);
    sift_down(slot);
    sift_up(last->heap_slot);
}

cache_entry* expiry_heap::pop_expired(cache_clock::time_point now) noexcept {
    while (!slots_.empty()) {
        cache_entry* top = slots_.front();
        if (top->heap_deadline > now) return nullptr;
        if (top->deadline > now) {
            // A sliding read moved it: order it by its real deadline now.
            top->heap_deadline = top->deadline;
            sift_down(0);
            continue;
        }
        erase(top);
        return top;
    }
    return nullptr;
}

void expiry_heap::sift_up(std::size_t slot) noexcept {
    cache_entry* moving = slots_[slot];
    while (slot > 0) {
        const std::size_t parent = (slot - 1) / 2;
        if (slots_[parent]->heap_deadline <= moving->heap_deadline) break;
        place(slot, slots_[parent]);
        slot = parent;
    }
    place(slot, moving);
}

void expiry_heap::sift_down(std::size_t slot) noexcept {
    cache_entry* moving = slots_[slot];
    const std::size_t size = slots_.size();
    while (true) {
        std::size_t child = 2 * slot + 1;
        if (child >= size) break;
        if (child + 1 < size && slots_[child + 1]->heap_deadline < slots_[child]->heap_deadline)
            ++child;
        if (moving->heap_deadline <= slots_[child]->heap_deadline) break;
        place(slot, slots_[child]);
        slot = child;
    }
    place(slot, moving);
}

}  // namespace respcache::cache::detail
