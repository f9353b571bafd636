#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

namespace respcache::net::detail {

// A FIFO of requests that reuses its storage: unlike std::deque it does not
// allocate as elements cycle through, only when it grows past its largest size.
template <class T>
class ring {
  public:
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    T& front() noexcept { return slots_[head_]; }
    T& back() noexcept { return (*this)[size_ - 1]; }
    T& operator[](std::size_t i) noexcept { return slots_[(head_ + i) & (slots_.size() - 1)]; }

    void push_back(T value) { emplace_back() = std::move(value); }
    // A slot at the back in its default state, to be filled in place.
    T& emplace_back() {
        if (size_ == slots_.size()) grow();
        T& slot = slots_[(head_ + size_) & (slots_.size() - 1)];
        ++size_;
        return slot;
    }
    void clear() noexcept {
        while (size_ > 0) pop_front();
        head_ = 0;
    }
    // The slot goes back to its default state, so what it held is released now.
    void pop_front() noexcept {
        T& slot = slots_[head_];
        std::destroy_at(&slot);
        std::construct_at(&slot);
        head_ = (head_ + 1) & (slots_.size() - 1);
        --size_;
    }

  private:
    void grow() {
        std::vector<T> bigger(slots_.empty() ? 64 : slots_.size() * 2);
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
        slots_ = std::move(bigger);
        head_ = 0;
    }

    std::vector<T> slots_;  // size is a power of two
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace respcache::net::detail
