#pragma once

#include <chrono>
#include <cstdint>
#include <ratio>

namespace respcache::cache {

// .NET's unit of time (TimeSpan and DateTime ticks): 100 ns. The stored
// entry format counts in it, so expiration options do too; coarser
// std::chrono durations (milliseconds, seconds, ...) convert implicitly.
using ticks = std::chrono::duration<std::int64_t, std::ratio<1, 10'000'000>>;

// 1970-01-01T00:00:00Z counted from .NET's epoch, 0001-01-01T00:00:00Z.
inline constexpr std::int64_t unix_epoch_ticks = 621'355'968'000'000'000;

// A UTC point in time as .NET ticks (DateTimeOffset.UtcTicks), rounded down.
constexpr std::int64_t to_dotnet_ticks(std::chrono::system_clock::time_point t) noexcept {
    return unix_epoch_ticks + std::chrono::floor<ticks>(t.time_since_epoch()).count();
}

// The inverse of to_dotnet_ticks, clamped to what system_clock can represent
// (.NET reaches year 9999, a nanosecond system_clock only 2262).
constexpr std::chrono::system_clock::time_point from_dotnet_ticks(std::int64_t value) noexcept {
    using clock = std::chrono::system_clock;
    constexpr auto limit = std::chrono::floor<ticks>(clock::duration::max()).count();
    const std::int64_t since_epoch = value - unix_epoch_ticks;
    if (since_epoch > limit) return clock::time_point::max();
    if (since_epoch < -limit) return clock::time_point::min();
    return clock::time_point(std::chrono::duration_cast<clock::duration>(ticks(since_epoch)));
}

}  // namespace respcache::cache
