#pragma once

#include <span>
#include <string_view>

#include "respcache/resp/error.hpp"

namespace respcache::tools {

// Exit status for a command line that cannot be understood (sysexits' EX_USAGE).
inline constexpr int exit_usage = 64;
// The server answered with an error reply.
inline constexpr int exit_server_error = 1;
// The request could not be made: configuration, connection, timeout.
inline constexpr int exit_failure = 3;

// Prints "respcache <command>: <kind> error: <message>" and returns exit_failure.
int report_error(std::string_view command, const error& e);

// `respcache decode`: RESP bytes in, one JSON line per reply out
// (shared/specs/decode-format.md). Returns the process exit status.
int run_decode(std::span<const std::string_view> args);

// `respcache call`: one command, its reply printed (redis-cli style or --json).
int run_call(std::span<const std::string_view> args);

// `respcache bench`: a load generator on the multiplexer.
int run_bench(std::span<const std::string_view> args);

// `respcache cache`: get, set, refresh, remove, inspect entries of the
// distributed cache (the .NET RedisCache format).
int run_cache(std::span<const std::string_view> args);

// `respcache host`: a local server for a command, as an app host would run it.
int run_host(std::span<const std::string_view> args);

}  // namespace respcache::tools
