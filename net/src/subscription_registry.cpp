#include "subscription_registry.hpp"

#include "pubsub_kind.hpp"
#include "respcache/resp/encoder.hpp"

namespace respcache::net::detail {

std::string_view subscription_command(channel_kind kind, bool subscribing) noexcept {
    static constexpr std::string_view names[2][3] = {
        {"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"},
        {"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"},
    };
    return names[subscribing ? 1 : 0][static_cast<int>(kind)];
}

void subscription_registry::add(channel_kind kind, std::string_view name, message_handler handler) {
    std::lock_guard lock(mutex_);
    handlers_[key(kind, std::string(name))] = std::make_shared<message_handler>(std::move(handler));
}

void subscription_registry::remove(channel_kind kind, std::string_view name) {
    std::lock_guard lock(mutex_);
    handlers_.erase(key(kind, std::string(name)));
}

bool subscription_registry::empty() const {
    std::lock_guard lock(mutex_);
    return handlers_.empty();
}

std::vector<subscription_registry::restore_command> subscription_registry::restore_commands()
    const {
    std::vector<restore_command> commands;
    std::lock_guard lock(mutex_);
    commands.reserve(handlers_.size());
    for (const auto& [k, handler] : handlers_) {
        restore_command c{k.first, k.second, {}};
        resp::append_command(c.encoded, subscription_command(k.first, true), k.second);
        commands.push_back(std::move(c));
    }
    return commands;
}

std::optional<std::string> subscription_registry::deliver(const resp::reply& message) {
    if (!message.is_aggregate() || message.size() < 3) return std::nullopt;
    const pubsub_kind kind = pubsub_kind_of(message[0].string());
    if (kind == pubsub_kind::sunsubscribe) {
        std::lock_guard lock(mutex_);
        if (handlers_.erase(key(channel_kind::shard, std::string(message[1].string()))) == 0)
            return std::nullopt;
        return std::string(message[1].string());
    }
    pubsub_message m{pubsub_message::kind::message, message[1].string(), {}, message[2].string()};
    channel_kind by = channel_kind::channel;
    std::string_view name = m.channel;
    if (kind == pubsub_kind::pattern_message && message.size() >= 4) {
        m = {pubsub_message::kind::pattern_message, message[2].string(), message[1].string(),
             message[3].string()};
        by = channel_kind::pattern;
        name = m.pattern;
    } else if (kind == pubsub_kind::shard_message) {
        m.what = pubsub_message::kind::shard_message;
        by = channel_kind::shard;
    } else if (kind != pubsub_kind::message) {
        return std::nullopt;
    }
    std::shared_ptr<message_handler> handler;
    {
        std::lock_guard lock(mutex_);
        const auto found = handlers_.find(key(by, std::string(name)));
        if (found == handlers_.end()) return std::nullopt;
        handler = found->second;
    }
    (*handler)(m);
    return std::nullopt;
}

}  // namespace respcache::net::detail
