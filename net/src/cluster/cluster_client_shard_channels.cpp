// cluster_client's shard channels (SSUBSCRIBE): placed on the owner of their
// slot, and moved when the slot moves.
#include <algorithm>

#include "../io_thread.hpp"
#include "respcache/net/cluster_client.hpp"

namespace respcache::net {

namespace {

error changed_from_an_io_thread() {
    return error{error_kind::config,
                 "a shard subscription cannot change from a completion or message handler: it "
                 "waits for the nodes' replies"};
}

// The server's MOVED inside a refused subscription's message ("the server
// refused SSUBSCRIBE: MOVED 3999 127.0.0.1:7001").
cluster::cluster_error redirection_in(const error& refused, const endpoint& answered_by) {
    if (refused.kind != error_kind::server_reply) return {};
    const auto at = refused.message.find("MOVED ");
    if (at == std::string::npos) return {};
    return cluster::classify_error(std::string_view(refused.message).substr(at), answered_by);
}

}  // namespace

result<void> cluster_client::place_shard_channel(const cluster::shard_subscriptions::placement& p) {
    for (int attempt = 0;; ++attempt) {
        const endpoint owner = node_for_key(p.channel);
        if (owner.host.empty() && owner.path.empty())
            return error{error_kind::io, "no node serves the slot of shard channel " + p.channel +
                                             " now (the cluster is failing over or resharding)"};
        auto m = connection_to(owner);
        if (!m) return m.error_value();
        auto subscribed = (*m)->ssubscribe(p.channel, p.deliver);
        // Unconfirmed in time, it stays registered there and is restored with the connection.
        if (subscribed || subscribed.error_value().kind == error_kind::timeout) {
            shard_channels_.placed(p.channel, p.generation, owner);
            return subscribed;
        }
        const cluster::cluster_error moved = redirection_in(subscribed.error_value(), owner);
        if (moved.what != cluster::cluster_error::kind::moved ||
            attempt >= settings_.redirect.max_redirects)
            return subscribed;
        ++moved_;
        patch_slot(moved.slot, moved.target);
        request_refresh();
    }
}

result<void> cluster_client::ssubscribe(std::string_view channel, message_handler handler) {
    if (!is_cluster()) {
        if (!standalone_) return error{error_kind::closed, "the client is closed"};
        return standalone_->ssubscribe(channel, std::move(handler));
    }
    if (detail::on_an_io_thread()) return changed_from_an_io_thread();
    std::lock_guard changes(shard_changes_mutex_);
    auto placed = place_shard_channel(shard_channels_.add(channel, std::move(handler)));
    if (!placed && placed.error_value().kind != error_kind::timeout)
        shard_channels_.remove(channel);
    return placed;
}

result<void> cluster_client::sunsubscribe(std::string_view channel) {
    if (!is_cluster()) {
        if (!standalone_) return error{error_kind::closed, "the client is closed"};
        return standalone_->sunsubscribe(channel);
    }
    if (detail::on_an_io_thread()) return changed_from_an_io_thread();
    std::lock_guard changes(shard_changes_mutex_);
    const std::optional<endpoint> on = shard_channels_.remove(channel);
    auto m = connection_to(on ? *on : node_for_key(channel));
    if (!m) return m.error_value();
    return (*m)->sunsubscribe(channel);
}

void cluster_client::schedule_shard_moves(std::chrono::milliseconds delay) {
    if (shard_moves_scheduled_.exchange(true)) return;
    run_later(clock::now() + delay, [this] { move_shard_channels(); });
}

void cluster_client::move_shard_channels() {
    shard_moves_scheduled_ = false;
    {
        std::lock_guard lock(refresh_mutex_);
        if (stopping_) return;
    }
    std::lock_guard changes(shard_changes_mutex_);
    bool failed = false;
    const auto misplaced = shard_channels_.misplaced(
        [this](std::string_view channel) { return node_for_key(channel); });
    for (const auto& c : misplaced) {
        const auto p = shard_channels_.replace(c.channel);
        if (!p) continue;
        auto placed = place_shard_channel(*p);
        if (!placed) {
            const error& e = placed.error_value();
            // A refusal other than a redirection or a transient cluster state
            // is the server's last word: the channel is dropped, as a refused
            // restore is on one server.
            const auto why = cluster::classify_error(e.message, {});
            if (e.kind == error_kind::server_reply && !why.transient() &&
                why.what != cluster::cluster_error::kind::moved)
                shard_channels_.remove(c.channel);
            else
                failed = true;
            continue;
        }
        ++shard_channels_moved_;
        // Left behind on a node that still has it (a failover): unsubscribed
        // there when that node answers now; silent anyway (a newer placement).
        if (c.on && !(*c.on == node_for_key(c.channel)))
            if (auto old = existing_connection(*c.on); old && old->is_connected())
                (void)old->sunsubscribe(c.channel);
    }
    shard_move_failures_ = failed ? shard_move_failures_ + 1 : 0;
    if (failed)
        schedule_shard_moves(
            std::min(std::chrono::milliseconds(50L << std::min(shard_move_failures_, 6)),
                     std::chrono::milliseconds(2000)));
}

}  // namespace respcache::net
