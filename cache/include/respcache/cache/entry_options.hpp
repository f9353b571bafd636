#pragma once

#include <chrono>
#include <optional>

#include "respcache/cache/ticks.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::cache {

// How long an entry lives (DistributedCacheEntryOptions). None set: forever.
struct entry_options {
    // A point in time (UTC); it must be in the future when the entry is set.
    std::optional<std::chrono::system_clock::time_point> absolute_expiration;
    // From the time of the set; when given it overrides absolute_expiration.
    std::optional<ticks> absolute_expiration_relative_to_now;
    // The entry expires when not read for this long, but never after its
    // absolute expiration.
    std::optional<ticks> sliding_expiration;

    static entry_options absolute(std::chrono::system_clock::time_point at) {
        entry_options o;
        o.absolute_expiration = at;
        return o;
    }
    static entry_options expires_in(ticks after) {
        entry_options o;
        o.absolute_expiration_relative_to_now = after;
        return o;
    }
    static entry_options sliding(ticks window) {
        entry_options o;
        o.sliding_expiration = window;
        return o;
    }
};

// The expiration of one entry, fixed at the time it was set: what both
// backends store (the Redis cache as the absexp and sldexp fields).
struct expiration {
    std::optional<std::chrono::system_clock::time_point> absolute;
    std::optional<ticks> sliding;

    // How long the entry lives after `now` when set or read at `now`:
    // min(absolute - now, sliding), either alone, or nullopt for never
    // expiring. Negative once the absolute expiration has passed.
    std::optional<ticks> lifetime(std::chrono::system_clock::time_point now) const;
    // When the entry expires if set or read at `now`: min(absolute, now +
    // sliding), or time_point::max() for never.
    std::chrono::system_clock::time_point deadline(std::chrono::system_clock::time_point now) const;
};

// Validates `options` for a set at `now` and fixes its expiration. A relative
// or sliding duration that is not positive, or an absolute expiration that is
// not after `now` (checked even when a relative one overrides it, as .NET
// does), is an error of kind config naming the option.
result<expiration> resolve(const entry_options& options, std::chrono::system_clock::time_point now);

}  // namespace respcache::cache
