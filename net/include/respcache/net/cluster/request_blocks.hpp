#pragma once

#include <cstddef>

namespace respcache::net::cluster::detail {

// Memory for asynchronous cluster requests. A request is allocated on its
// caller's thread and freed on the I/O thread that answered it, a pattern
// the allocator's per-thread caches do not serve: every such pair went
// through the shared arena (about 260 instructions per request under
// callgrind). Here each thread keeps the blocks it freed; once it holds a
// batch of them, the batch goes to a shared depot in one piece, and a thread
// that runs out takes a whole batch back, so the depot's lock is taken once
// per batch. The depot keeps a bounded number of batches and frees the rest.
//
// Under AddressSanitizer every block is a fresh allocation, so that a use
// after free is still seen.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool request_blocks_recycled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool request_blocks_recycled = false;
#else
inline constexpr bool request_blocks_recycled = true;
#endif
#else
inline constexpr bool request_blocks_recycled = true;
#endif

inline constexpr std::size_t request_block_size = 256;
// Blocks a thread hands to the depot at once.
inline constexpr std::size_t request_block_batch = 64;

// request_block_size bytes, aligned as operator new aligns.
void* take_request_block();
// A block from take_request_block(), from any thread.
void give_request_block(void* block) noexcept;

}  // namespace respcache::net::cluster::detail
