// A memory-cache hit allocates nothing but the copy of the value the API
// returns. This program replaces the global operator new to count the
// allocations of the calling thread (its own executable, so the other tests
// keep the standard one).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "respcache/cache/memory_cache.hpp"

namespace {
thread_local std::uint64_t allocations_here = 0;
}  // namespace

void* operator new(std::size_t size) {
    ++allocations_here;
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

namespace respcache::cache {
namespace {

// Allocations made by `call` on this thread, and what it returned.
template <class Call>
std::uint64_t allocations_of(Call&& call) {
    const std::uint64_t before = allocations_here;
    auto kept = call();
    const std::uint64_t made = allocations_here - before;
    EXPECT_TRUE(kept);
    return made;
}

TEST(MemoryCacheHitAllocation, AHitAllocatesOnlyTheCopyOfItsValue) {
    memory_cache cache;
    ASSERT_TRUE(cache.set("large", std::string(1024, 'v'),
                          entry_options::sliding(std::chrono::minutes(5))));
    ASSERT_TRUE(cache.set("small", "tiny"));  // fits in std::string itself
    ASSERT_TRUE(cache.get("large"));          // whatever a first call sets up
    EXPECT_EQ(allocations_of([&] { return cache.get("large"); }), 1u);
    EXPECT_EQ(allocations_of([&] { return cache.get("small"); }), 0u);
    EXPECT_EQ(allocations_of([&] { return cache.get("missing"); }), 0u);
    EXPECT_EQ(allocations_of([&] { return cache.refresh("large"); }), 0u);
}

}  // namespace
}  // namespace respcache::cache
