#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "respcache/net/connection_options.hpp"
#include "respcache/net/multiplexer.hpp"
#include "respcache/net/reply_callback.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

// One command as text: its name, then its arguments.
using command_view = std::span<const std::string_view>;

// What runs commands whose arguments are known only at run time, whether one
// server (multiplexer_executor) or a whole cluster (cluster_client) is
// behind it, so that code above the connection (the cache, the health check,
// the tools) is written once for both. Every method is thread-safe and
// follows the multiplexer's rules: the same refusals, deadlines and "every
// request completes exactly once".
class command_executor {
  public:
    virtual ~command_executor() = default;

    // Blocks until the reply or the deadline; an error reply is an error of
    // kind server_reply.
    virtual result<resp::owned_reply> call(const call_options& options, command_view command) = 0;
    // `done` runs on an I/O thread with the reply as a view (an error reply
    // as a reply of an error type); never block in it.
    virtual void async_call(const call_options& options, command_view command,
                            reply_callback done) = 0;
    // Every reply in order, error replies as values, or the first transport
    // error. On a cluster the commands go to their own nodes.
    virtual result<std::vector<resp::owned_reply>> execute(std::span<const command_view> commands,
                                                           const call_options& options) = 0;
    // MULTI, the commands, EXEC: EXEC's reply. On a cluster every key must
    // be in one slot (an error of kind config otherwise, nothing sent).
    virtual result<resp::owned_reply> execute_transaction(std::span<const command_view> commands,
                                                          const call_options& options) = 0;

    // The server a command on `key` goes to now (key-less: the first one).
    virtual endpoint server_for(std::string_view key) const = 0;
    // The counters of every connection behind it, added up.
    virtual multiplexer::counters connection_counters() const noexcept = 0;
    // True when a Redis Cluster is behind it.
    virtual bool is_cluster() const noexcept = 0;
};

// A command's name and arguments (strings, byte spans, integers, doubles) as
// text, for a command_executor: numbers are formatted into it, strings are
// viewed, so it lives no longer than the caller's arguments.
template <class... Args>
class command_text {
  public:
    command_text(std::string_view command, const Args&... args) {
        std::size_t i = 1;
        (resp::detail::to_piece(pieces_[i++], args), ...);
        views_[0] = command;
        for (std::size_t j = 1; j <= sizeof...(Args); ++j) views_[j] = pieces_[j].text;
    }
    command_text(const command_text&) = delete;
    command_text& operator=(const command_text&) = delete;
    command_view view() const noexcept { return views_; }

  private:
    resp::detail::command_piece pieces_[sizeof...(Args) + 1];
    std::string_view views_[sizeof...(Args) + 1];
};

// executor.call(options, "HSET", key, "field", 42) without spelling out the views.
template <class... Args>
result<resp::owned_reply> call(command_executor& executor, const call_options& options,
                               std::string_view command, const Args&... args) {
    const command_text<Args...> text(command, args...);
    return executor.call(options, text.view());
}

template <class... Args>
void async_call(command_executor& executor, const call_options& options, reply_callback done,
                std::string_view command, const Args&... args) {
    const command_text<Args...> text(command, args...);
    executor.async_call(options, text.view(), std::move(done));
}

}  // namespace respcache::net
