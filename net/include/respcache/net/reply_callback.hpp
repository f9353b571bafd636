#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

// What a request calls when it completes: `void(result<resp::reply>)`, move
// only. Unlike std::function it keeps callables of up to 48 bytes (a lambda
// with six pointers' worth of captures) inside itself, so handing one to an
// asynchronous call does not allocate; larger ones go to the heap.
class reply_callback {
  public:
    static constexpr std::size_t inline_capacity = 48;

    reply_callback() noexcept = default;
    reply_callback(std::nullptr_t) noexcept {}

    template <class F>
    requires(!std::is_same_v<std::decay_t<F>, reply_callback> &&
             std::is_invocable_v<std::decay_t<F>&, result<resp::reply>>)
        reply_callback(F&& f) {  // NOLINT: implicit, like std::function
        using D = std::decay_t<F>;
        if constexpr (fits_inline<D>()) {
            ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
            ops_ = &inline_ops<D>;
        } else {
            ::new (static_cast<void*>(storage_)) D*(new D(std::forward<F>(f)));
            ops_ = &heap_ops<D>;
        }
    }

    reply_callback(reply_callback&& other) noexcept { take(other); }
    reply_callback& operator=(reply_callback&& other) noexcept {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }
    reply_callback& operator=(std::nullptr_t) noexcept {
        reset();
        return *this;
    }
    reply_callback(const reply_callback&) = delete;
    reply_callback& operator=(const reply_callback&) = delete;
    ~reply_callback() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }
    void operator()(result<resp::reply> outcome) { ops_->invoke(storage_, std::move(outcome)); }

  private:
    struct operations {
        void (*invoke)(void* self, result<resp::reply>&& outcome);
        void (*move_to)(void* from, void* to) noexcept;  // and destroys `from`
        void (*destroy)(void* self) noexcept;
    };

    template <class D>
    static constexpr bool fits_inline() {
        return sizeof(D) <= inline_capacity && alignof(D) <= alignof(std::max_align_t) &&
               std::is_nothrow_move_constructible_v<D>;
    }

    template <class D>
    static constexpr operations inline_ops = {
        [](void* self, result<resp::reply>&& outcome) {
            (*static_cast<D*>(self))(std::move(outcome));
        },
        [](void* from, void* to) noexcept {
            ::new (to) D(std::move(*static_cast<D*>(from)));
            static_cast<D*>(from)->~D();
        },
        [](void* self) noexcept { static_cast<D*>(self)->~D(); },
    };
    template <class D>
    static constexpr operations heap_ops = {
        [](void* self, result<resp::reply>&& outcome) {
            (**static_cast<D**>(self))(std::move(outcome));
        },
        [](void* from, void* to) noexcept { ::new (to) D*(*static_cast<D**>(from)); },
        [](void* self) noexcept { delete *static_cast<D**>(self); },
    };

    void take(reply_callback& other) noexcept {
        if (other.ops_ == nullptr) return;
        other.ops_->move_to(other.storage_, storage_);
        ops_ = other.ops_;
        other.ops_ = nullptr;
    }
    void reset() noexcept {
        if (ops_ == nullptr) return;
        ops_->destroy(storage_);
        ops_ = nullptr;
    }

    alignas(std::max_align_t) unsigned char storage_[inline_capacity];
    const operations* ops_ = nullptr;
};

}  // namespace respcache::net
