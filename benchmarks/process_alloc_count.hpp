#pragma once

#include <cstdint>

namespace respcache::bench {

// Heap allocations (operator new) made so far by every thread of the
// process; process_alloc_count.cpp replaces the global operator new.
std::uint64_t process_allocations() noexcept;

}  // namespace respcache::bench
