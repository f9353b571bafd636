#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <type_traits>

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
    // Not null: the command would change how a shared connection replies or
    // whom it serves (SUBSCRIBE, MONITOR, SELECT, CLIENT REPLY OFF, MULTI, ...),
    // and this says why it is refused and what to use instead.
    const char* refusal = nullptr;
};

// Classifies a command by its name (case-insensitive) and, for XREAD,
// XREADGROUP and CLIENT, by its text arguments.
command_traits traits_of(std::string_view name, std::span<const std::string_view> arguments = {});

namespace detail {

// The first text arguments of a call: enough to tell CLIENT REPLY from
// CLIENT ID and a blocking XREAD from a plain one, without allocating.
struct text_arguments {
    std::array<std::string_view, 16> items;
    std::size_t count = 0;

    template <class Arg>
    void add(const Arg& arg) {
        if constexpr (std::is_convertible_v<const Arg&, std::string_view>)
            if (count < items.size()) items[count++] = std::string_view(arg);
    }
    std::span<const std::string_view> view() const noexcept { return {items.data(), count}; }
};

template <class... Args>
command_traits traits_of_call(std::string_view command, const Args&... args) {
    if constexpr (sizeof...(Args) > 0) {
        if (command.size() >= 5 &&
            (command[0] == 'X' || command[0] == 'x' || command[0] == 'C' || command[0] == 'c')) {
            text_arguments text;
            (text.add(args), ...);
            return traits_of(command, text.view());
        }
    }
    return traits_of(command);
}

}  // namespace detail

}  // namespace respcache::net
