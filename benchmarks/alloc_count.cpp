// Heap-allocation counters for the benchmark binary.
//
// respcache: the global operator new is replaced, so every C++ allocation in
// the process is counted.
//
// hiredis (only when RESPCACHE_BENCH_HIREDIS is defined): hiredis >= 1.0 takes
// counting allocators through hiredisSetAllocators(). hiredis 0.14 (Debian 12)
// has no such hook and calls malloc/calloc/realloc/strdup directly, so the
// binary interposes those four glibc entry points and counts the calls made
// while the peer counter is armed.
//
// The counters are plain integers: the benchmarks are single-threaded and an
// atomic increment would add a locked instruction to every hiredis allocation.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#ifdef RESPCACHE_BENCH_HIREDIS
#include <cstring>

#include <hiredis/hiredis.h>
#endif

// Under a sanitizer the runtime owns malloc: do not interpose it.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RESPCACHE_BENCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define RESPCACHE_BENCH_SANITIZED 1
#endif
#endif

namespace respcache::bench {

namespace {
std::uint64_t new_calls = 0;
#ifdef RESPCACHE_BENCH_HIREDIS
std::uint64_t peer_calls = 0;
bool peer_armed = false;
#endif
}  // namespace

std::uint64_t operator_new_calls() noexcept {
    return new_calls;
}

}  // namespace respcache::bench

// --- operator new / delete ----------------------------------------------------

namespace {
[[noreturn]] void out_of_memory() {
#if defined(__cpp_exceptions)
    throw std::bad_alloc();
#else
    std::abort();
#endif
}

void* counted_new(std::size_t size) {
    ++respcache::bench::new_calls;
    if (size == 0) size = 1;
    if (void* p = std::malloc(size)) return p;
    out_of_memory();
}

void* counted_new_aligned(std::size_t size, std::align_val_t align) {
    ++respcache::bench::new_calls;
    const auto a = static_cast<std::size_t>(align);
    const std::size_t rounded = (size + a - 1) / a * a;
    if (void* p = std::aligned_alloc(a, rounded ? rounded : a)) return p;
    out_of_memory();
}
}  // namespace

void* operator new(std::size_t size) {
    return counted_new(size);
}
void* operator new[](std::size_t size) {
    return counted_new(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    ++respcache::bench::new_calls;
    return std::malloc(size ? size : 1);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    ++respcache::bench::new_calls;
    return std::malloc(size ? size : 1);
}
void* operator new(std::size_t size, std::align_val_t align) {
    return counted_new_aligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
    return counted_new_aligned(size, align);
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
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}

// --- hiredis ------------------------------------------------------------------

#ifdef RESPCACHE_BENCH_HIREDIS

namespace respcache::bench {

// Starts counting hiredis allocations from zero.
void arm_peer_counter() noexcept {
    peer_calls = 0;
    peer_armed = true;
}
// Stops counting; returns the allocations since arm_peer_counter().
std::uint64_t disarm_peer_counter() noexcept {
    peer_armed = false;
    return peer_calls;
}
// False when allocations cannot be counted in this build (sanitizers).
bool peer_counter_available() noexcept;

}  // namespace respcache::bench

#if defined(HIREDIS_MAJOR) && HIREDIS_MAJOR >= 1

namespace {
void* peer_malloc(std::size_t n) {
    if (respcache::bench::peer_armed) ++respcache::bench::peer_calls;
    return std::malloc(n);
}
void* peer_calloc(std::size_t n, std::size_t size) {
    if (respcache::bench::peer_armed) ++respcache::bench::peer_calls;
    return std::calloc(n, size);
}
void* peer_realloc(void* p, std::size_t n) {
    if (respcache::bench::peer_armed) ++respcache::bench::peer_calls;
    return std::realloc(p, n);
}
char* peer_strdup(const char* s) {
    if (respcache::bench::peer_armed) ++respcache::bench::peer_calls;
    return ::strdup(s);
}
void peer_free(void* p) {
    std::free(p);
}

// Installs the counting allocators before main() runs.
const bool installed = [] {
    // Positional: the field names changed between hiredis releases.
    hiredisAllocFuncs fns = {peer_malloc, peer_calloc, peer_realloc, peer_strdup, peer_free};
    hiredisSetAllocators(&fns);
    return true;
}();
}  // namespace

bool respcache::bench::peer_counter_available() noexcept {
    return installed;
}

#elif defined(RESPCACHE_BENCH_SANITIZED)

// The sanitizer runtimes own malloc; interposing it here would bypass them.
bool respcache::bench::peer_counter_available() noexcept {
    return false;
}

#else

// hiredis 0.x: interpose the glibc allocation entry points hiredis calls.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);

void* malloc(std::size_t n) noexcept {
    if (respcache::bench::peer_armed) ++respcache::bench::peer_calls;
    return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
    if (respcache::bench::peer_armed) ++respcache::bench::peer_calls;
    return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) noexcept {
    if (respcache::bench::peer_armed) ++respcache::bench::peer_calls;
    return __libc_realloc(p, n);
}
char* strdup(const char* s) noexcept {
    const std::size_t n = std::strlen(s) + 1;
    auto* copy = static_cast<char*>(malloc(n));
    if (copy != nullptr) std::memcpy(copy, s, n);
    return copy;
}
}

bool respcache::bench::peer_counter_available() noexcept {
    return true;
}

#endif
#endif  // RESPCACHE_BENCH_HIREDIS
