#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace respcache::tools {

// "500ms", "30s", "5m", "1h", "2d": a positive whole number and a unit.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// RFC 3339: "2026-11-26T12:00:00Z", with optional fractional seconds and a
// numeric offset ("+01:00") instead of Z.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

// UTC, RFC 3339, millisecond precision.
std::string format_rfc3339(std::chrono::system_clock::time_point t);

// The shortest unit form of a duration that parse_duration reads back when
// exact ("90s", "5m"), else milliseconds ("1500ms").
std::string format_duration(std::chrono::milliseconds d);

}  // namespace respcache::tools
