#pragma once

#include <string_view>

namespace respcache::net {

// The first element of a pub/sub push (RESP3) or array (a subscribed RESP2
// connection): a message, or the confirmation of a subscription change.
enum class pubsub_kind {
    none,
    message,
    pattern_message,
    shard_message,
    subscribe,
    psubscribe,
    ssubscribe,
    unsubscribe,
    punsubscribe,
    sunsubscribe,
};

inline pubsub_kind pubsub_kind_of(std::string_view first) noexcept {
    // The server sends these in lower case.
    if (first == "message") return pubsub_kind::message;
    if (first == "pmessage") return pubsub_kind::pattern_message;
    if (first == "smessage") return pubsub_kind::shard_message;
    if (first == "subscribe") return pubsub_kind::subscribe;
    if (first == "psubscribe") return pubsub_kind::psubscribe;
    if (first == "ssubscribe") return pubsub_kind::ssubscribe;
    if (first == "unsubscribe") return pubsub_kind::unsubscribe;
    if (first == "punsubscribe") return pubsub_kind::punsubscribe;
    if (first == "sunsubscribe") return pubsub_kind::sunsubscribe;
    return pubsub_kind::none;
}

inline bool is_confirmation(pubsub_kind k) noexcept {
    return k >= pubsub_kind::subscribe;
}

}  // namespace respcache::net
