#include "respcache/cache/entry_options.hpp"

#include <algorithm>
#include <string>

namespace respcache::cache {

namespace {

using clock = std::chrono::system_clock;

std::string describe(ticks t) {
    if (t.count() % 10'000 == 0) return std::to_string(t.count() / 10'000) + " ms";
    return std::to_string(t.count()) + " ticks of 100 ns";
}

error invalid(std::string what) {
    return error{error_kind::config, "invalid entry options: " + what};
}

// now + after, saturating: a relative expiration may reach past year 2262,
// the end of a nanosecond system_clock.
clock::time_point add_saturating(clock::time_point now, ticks after) {
    const auto room = std::chrono::floor<ticks>(clock::time_point::max() - now);
    if (after >= room) return clock::time_point::max();
    return now + std::chrono::duration_cast<clock::duration>(after);
}

}  // namespace

std::optional<ticks> expiration::lifetime(clock::time_point now) const {
    if (!absolute) return sliding;
    const ticks remaining = std::chrono::floor<ticks>(*absolute - now);
    return sliding ? std::min(remaining, *sliding) : remaining;
}

clock::time_point expiration::deadline(clock::time_point now) const {
    const clock::time_point at = absolute.value_or(clock::time_point::max());
    return sliding ? std::min(at, add_saturating(now, *sliding)) : at;
}

result<expiration> resolve(const entry_options& options, clock::time_point now) {
    if (options.absolute_expiration && *options.absolute_expiration <= now) {
        const ticks late = std::chrono::ceil<ticks>(now - *options.absolute_expiration);
        return invalid("absolute_expiration must be in the future; it is " +
                       (late.count() == 0 ? std::string("now") : describe(late) + " in the past"));
    }
    if (options.absolute_expiration_relative_to_now &&
        options.absolute_expiration_relative_to_now->count() <= 0)
        return invalid("absolute_expiration_relative_to_now must be positive, got " +
                       describe(*options.absolute_expiration_relative_to_now));
    if (options.sliding_expiration && options.sliding_expiration->count() <= 0)
        return invalid("sliding_expiration must be positive, got " +
                       describe(*options.sliding_expiration));

    expiration e;
    e.sliding = options.sliding_expiration;
    if (options.absolute_expiration_relative_to_now)
        e.absolute = add_saturating(now, *options.absolute_expiration_relative_to_now);
    else
        e.absolute = options.absolute_expiration;
    return e;
}

}  // namespace respcache::cache
