#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "respcache/resp/result.hpp"

namespace respcache::net::cluster {

// Where a command's keys are, as positions in the whole command (the name is
// position 0): first..last, every `step`-th.
struct key_span {
    std::size_t first = 0;
    std::size_t last = 0;  // included
    std::size_t step = 1;
};

struct command_keys {
    enum class status {
        keys,     // spans[0..span_count) hold the keys
        no_keys,  // a key-less command (PING, INFO, PUBLISH, ...): any primary
        unknown,  // not in the table: ask the server (COMMAND GETKEYS)
    };
    status what = status::no_keys;
    std::array<key_span, 2> spans{};
    std::size_t span_count = 0;
};

// The key positions of a command from a built-in table of the commands in
// Redis 7 (names case-insensitive), including the forms whose keys depend on
// the arguments: numkeys (EVAL, FCALL, ZUNIONSTORE, LMPOP, ...), STREAMS
// (XREAD, XREADGROUP), subcommands (OBJECT, MEMORY USAGE, XINFO, XGROUP).
command_keys find_keys(std::span<const std::string_view> command) noexcept;

// The one slot every key of `command` hashes to.
struct command_slot {
    enum class status { slot, no_keys, unknown };
    status what = status::no_keys;
    std::uint16_t slot = 0;
};

// Keys in different slots are refused here, with an error of kind config
// naming the command and two of its slots: CROSSSLOT never reaches a server.
result<command_slot> slot_of(std::span<const std::string_view> command);

// The same for keys already extracted (from COMMAND GETKEYS).
result<command_slot> slot_of_keys(std::string_view command_name,
                                  std::span<const std::string_view> keys);

}  // namespace respcache::net::cluster
