#pragma once

#include <span>
#include <string_view>

namespace respcache::net {

// What the multiplexer needs to know about a command before sending it.
struct command_traits {
    // Reads with no side effect: resent after a reconnect even if they had
    // been written, because running them twice changes nothing.
    bool retry_safe = false;
    // Commands that can hold the connection for a long time (BLPOP, WAIT,
    // XREAD ... BLOCK): they never go on the shared pipeline.
    bool blocking = false;
    // SUBSCRIBE and friends: they change the connection's mode.
    bool subscription = false;
};

// Classifies a command by its name (case-insensitive) and, for XREAD and
// XREADGROUP, by whether a BLOCK argument is present.
command_traits traits_of(std::string_view name, std::span<const std::string_view> arguments = {});

}  // namespace respcache::net
