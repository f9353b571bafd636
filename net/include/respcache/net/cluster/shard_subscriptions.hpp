#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/net/connection_options.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::net::cluster {

// The shard channels (SSUBSCRIBE) a cluster client keeps, and the node each
// one is subscribed on. A channel follows its slot: when the node drops it
// (its slot moved) or a new table names another owner, the client subscribes
// it again on the owner. Each placement on a node gets a generation, and its
// handler delivers only while no newer placement of that channel has started
// to deliver, so a subscription left behind on an old node (down, or now a
// replica) cannot hand a message over twice. Without I/O: thread-safe, the
// client's threads change it, the nodes' I/O threads deliver through it.
class shard_subscriptions {
  public:
    // A subscription to make on a node: `deliver` is the handler to register there.
    struct placement {
        std::string channel;
        std::uint64_t generation = 0;
        message_handler deliver;
    };

    // Registers `channel` (or gives it a new handler), not placed yet.
    placement add(std::string_view channel, message_handler handler);
    // A new placement of a channel still registered, for a move.
    std::optional<placement> replace(std::string_view channel);
    // The placement of `generation` is subscribed on `node`. False when the
    // channel was removed or placed anew meanwhile.
    bool placed(std::string_view channel, std::uint64_t generation, const endpoint& node);
    // Forgets the channel; its handler delivers nothing from now on. Returns
    // the node it was subscribed on, if any.
    std::optional<endpoint> remove(std::string_view channel);
    // `node` dropped `channel`: it is no longer placed. False when the
    // channel is not kept, or lives on another node (a stale placement).
    bool dropped_by(const endpoint& node, std::string_view channel);

    // Channels to place again: not placed, or placed on another node than
    // `owner_of(channel)` says. Each with the node it is on now, if any.
    struct misplaced_channel {
        std::string channel;
        std::optional<endpoint> on;
    };
    std::vector<misplaced_channel> misplaced(
        const std::function<endpoint(std::string_view channel)>& owner_of) const;
    bool empty() const;

  private:
    struct handler_state {
        message_handler handler;
        // The newest generation that delivered (or was placed): older ones are stale.
        std::atomic<std::uint64_t> newest{0};
    };
    struct entry {
        std::shared_ptr<handler_state> state;
        std::uint64_t generation = 0;
        std::optional<endpoint> on;
    };
    placement next_placement(const std::string& channel, entry& e);

    mutable std::mutex mutex_;
    std::map<std::string, entry, std::less<>> channels_;
    std::uint64_t generations_ = 0;
};

}  // namespace respcache::net::cluster
