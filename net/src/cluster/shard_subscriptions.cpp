#include "respcache/net/cluster/shard_subscriptions.hpp"

namespace respcache::net::cluster {

namespace {

// Raises `newest` to `generation` unless it is newer already; what it was.
std::uint64_t raise_to(std::atomic<std::uint64_t>& newest, std::uint64_t generation) noexcept {
    std::uint64_t seen = newest.load(std::memory_order_acquire);
    while (seen < generation &&
           !newest.compare_exchange_weak(seen, generation, std::memory_order_acq_rel)) {
    }
    return seen;
}

}  // namespace

shard_subscriptions::placement shard_subscriptions::next_placement(const std::string& channel,
                                                                   entry& e) {
    e.generation = ++generations_;
    e.on.reset();
    auto deliver = [state = e.state, generation = e.generation](const pubsub_message& m) {
        if (raise_to(state->newest, generation) > generation) return;  // a newer placement delivers
        state->handler(m);
    };
    return placement{channel, e.generation, std::move(deliver)};
}

shard_subscriptions::placement shard_subscriptions::add(std::string_view channel,
                                                        message_handler handler) {
    std::lock_guard lock(mutex_);
    const auto it = channels_.try_emplace(std::string(channel)).first;
    if (it->second.state) it->second.state->newest.store(UINT64_MAX);  // the old handler stops
    it->second.state = std::make_shared<handler_state>();
    it->second.state->handler = std::move(handler);
    return next_placement(it->first, it->second);
}

std::optional<shard_subscriptions::placement> shard_subscriptions::replace(
    std::string_view channel) {
    std::lock_guard lock(mutex_);
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return std::nullopt;
    return next_placement(it->first, it->second);
}

bool shard_subscriptions::placed(std::string_view channel, std::uint64_t generation,
                                 const endpoint& node) {
    std::lock_guard lock(mutex_);
    const auto it = channels_.find(channel);
    if (it == channels_.end() || it->second.generation != generation) return false;
    it->second.on = node;
    // From now on older placements stay silent, even before this one delivers.
    raise_to(it->second.state->newest, generation);
    return true;
}

std::optional<endpoint> shard_subscriptions::remove(std::string_view channel) {
    std::lock_guard lock(mutex_);
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return std::nullopt;
    it->second.state->newest.store(UINT64_MAX, std::memory_order_release);
    std::optional<endpoint> on = std::move(it->second.on);
    channels_.erase(it);
    return on;
}

bool shard_subscriptions::dropped_by(const endpoint& node, std::string_view channel) {
    std::lock_guard lock(mutex_);
    const auto it = channels_.find(channel);
    if (it == channels_.end() || !it->second.on || !(*it->second.on == node)) return false;
    it->second.on.reset();
    return true;
}

std::vector<shard_subscriptions::misplaced_channel> shard_subscriptions::misplaced(
    const std::function<endpoint(std::string_view channel)>& owner_of) const {
    std::vector<misplaced_channel> out;
    std::lock_guard lock(mutex_);
    for (const auto& [channel, e] : channels_)
        if (!e.on || !(*e.on == owner_of(channel))) out.push_back({channel, e.on});
    return out;
}

bool shard_subscriptions::empty() const {
    std::lock_guard lock(mutex_);
    return channels_.empty();
}

}  // namespace respcache::net::cluster
