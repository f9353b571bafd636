#pragma once

#include <span>
#include <string_view>

namespace respcache::tools {

// Exit status for a command line that cannot be understood (sysexits' EX_USAGE).
inline constexpr int exit_usage = 64;

// `respcache decode`: RESP bytes in, one JSON line per reply out
// (shared/specs/decode-format.md). Returns the process exit status.
int run_decode(std::span<const std::string_view> args);

}  // namespace respcache::tools
