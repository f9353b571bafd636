#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respcache/net/multiplexer.hpp"
#include "respcache/resp/reply.hpp"

namespace respcache::net::detail {

enum class channel_kind { channel, pattern, shard };

// The (P|S)(UN)SUBSCRIBE command for a kind of channel.
std::string_view subscription_command(channel_kind kind, bool subscribing) noexcept;

// Every channel, pattern and shard channel subscribed to, with its handler:
// what messages are delivered to, and what a new connection subscribes to
// again. Thread-safe: callers change it, the I/O thread reads it.
class subscription_registry {
  public:
    void add(channel_kind kind, std::string_view name, message_handler handler);
    void remove(channel_kind kind, std::string_view name);
    bool empty() const;

    // One encoded command per name, so the server judges each on its own.
    struct restore_command {
        channel_kind kind;
        std::string name;
        std::string encoded;
    };
    std::vector<restore_command> restore_commands() const;

    // Hands a pub/sub message (push, or array on a RESP2 subscriber
    // connection) to its handler; anything else is ignored. A `sunsubscribe`
    // the server sent on its own (the pipeline's message) removes that shard
    // channel: its name is returned when it was registered.
    std::optional<std::string> deliver(const resp::reply& message);

  private:
    using key = std::pair<channel_kind, std::string>;
    mutable std::mutex mutex_;
    std::map<key, std::shared_ptr<message_handler>, std::less<>> handlers_;
};

}  // namespace respcache::net::detail
