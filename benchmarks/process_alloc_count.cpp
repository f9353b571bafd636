// Counts every operator new of every thread, for benchmarks that run more
// than one thread (alloc_count.cpp counts single-threaded ones more cheaply).
#include <atomic>
#include <cstdlib>
#include <new>

#include "process_alloc_count.hpp"

namespace {
std::atomic<std::uint64_t> allocations{0};
}  // namespace

namespace respcache::bench {
std::uint64_t process_allocations() noexcept {
    return allocations.load(std::memory_order_relaxed);
}
}  // namespace respcache::bench

void* operator new(std::size_t size) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    std::abort();
}
void* operator new[](std::size_t size) {
    return operator new(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
