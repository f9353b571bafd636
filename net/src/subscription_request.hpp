#pragma once

#include <cstdint>
#include <string_view>

#include "pubsub_kind.hpp"

namespace respcache::net::detail {

// What the server's confirmations of one encoded (P|S)(UN)SUBSCRIBE say: the
// kind (its lower-case name) and, when it names one channel, a hash of that
// channel. The pipeline tells its own confirmations from the ones the
// server sends on its own (a shard channel whose slot moved) by these.
struct subscription_shape {
    pubsub_kind confirms = pubsub_kind::none;  // none: the bytes could not be read
    std::uint32_t channel_hash = 0;            // 0: several channels, or none
};

std::uint32_t channel_hash(std::string_view channel) noexcept;

// `encoded`: one command as resp::append_command writes it.
subscription_shape shape_of_subscription(std::string_view encoded) noexcept;

}  // namespace respcache::net::detail
