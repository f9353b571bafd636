#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "respcache/net/cluster/atomic_snapshot.hpp"
#include "respcache/net/cluster/cluster_error.hpp"
#include "respcache/net/cluster/command_keys.hpp"
#include "respcache/net/cluster/redirect_policy.hpp"
#include "respcache/net/cluster/refresh_policy.hpp"
#include "respcache/net/cluster/shard_subscriptions.hpp"
#include "respcache/net/cluster/slot_table.hpp"
#include "respcache/net/cluster/topology.hpp"
#include "respcache/net/command_executor.hpp"
#include "respcache/net/multiplexer.hpp"
#include "respcache/net/multiplexer_executor.hpp"

namespace respcache::net {

// Where read-only commands (GET, HGETALL, ... with keys) go.
enum class read_from {
    primary,         // always the slot's primary (the default)
    prefer_replica,  // a connected replica of the slot (READONLY), else the primary
    any,             // the primary or one of its connected replicas, at random
};

struct cluster_settings {
    // Replica reads are opt-in: a replica may answer with a value older
    // than the primary's.
    read_from reads = read_from::primary;
    cluster::refresh_settings refresh;
    // Redirections (MOVED, ASK) and retries of TRYAGAIN, CLUSTERDOWN,
    // LOADING, MASTERDOWN within the deadline.
    cluster::redirect_settings redirect;
    // How long one topology query may take.
    std::chrono::milliseconds refresh_timeout{2000};
    // For the multiplexer of every node.
    multiplexer_settings node;
};

namespace cluster::detail {
// The arguments of a command as text, for finding its keys: numbers are
// formatted into the pieces, strings are viewed.
template <class... Args>
struct command_text {
    resp::detail::command_piece pieces[sizeof...(Args) + 1];
    std::string_view views[sizeof...(Args) + 1];
    command_text(std::string_view command, const Args&... args) {
        std::size_t i = 1;
        (resp::detail::to_piece(pieces[i++], args), ...);
        views[0] = command;
        for (std::size_t j = 1; j <= sizeof...(Args); ++j) views[j] = pieces[j].text;
    }
    std::span<const std::string_view> span() const { return views; }
};

// An argument kept beyond the caller's call: text and bytes as a string,
// numbers as they are.
template <class Arg>
std::string_view to_text(const Arg& a) {
    resp::detail::command_piece p;
    resp::detail::to_piece(p, a);
    return p.text;
}
template <class Arg>
auto keep(const Arg& a) {
    if constexpr (std::is_arithmetic_v<Arg>)
        return a;
    else
        return std::string(to_text(a));
}
template <class Kept>
decltype(auto) pass(const Kept& k) {
    if constexpr (std::is_same_v<Kept, std::string>)
        return std::string_view(k);
    else
        return k;
}

// Calls f(views[0], ..., views[n-1]) for n up to max_views: commands whose
// length is known only at run time, on an API that takes arguments.
inline constexpr std::size_t max_views = 16;
template <class F, std::size_t... I>
void apply_views(std::span<const std::string_view> views, F& f, std::index_sequence<I...>) {
    f(views[I]...);
}
template <class F, std::size_t... N>
void dispatch_views(std::span<const std::string_view> views, F& f, std::index_sequence<N...>) {
    (void)((views.size() == N + 1 ? (apply_views(views, f, std::make_index_sequence<N + 1>{}), true)
                                  : false) ||
           ...);
}
template <class F>
void with_views(std::span<const std::string_view> views, F&& f) {
    dispatch_views(views, f, std::make_index_sequence<max_views>{});
}

// One command of a batch, kept so it can be added to a batch for any node
// (and again after a redirection).
struct routed_command {
    command_slot where;
    bool retry_safe = false;
    std::function<void(command_batch&)> add_to;
};
}  // namespace cluster::detail

// Commands that run together: split per node (one write each), answered in
// the order they were added. A command whose own keys span several slots is
// refused by execute() with an error of kind config.
class cluster_batch {
  public:
    template <class... Args>
    cluster_batch& add(std::string_view command, const Args&... args);
    // A command whose length is known only at run time (copied).
    cluster_batch& add(command_view command);
    std::size_t size() const noexcept { return commands_.size(); }

  private:
    friend class cluster_client;
    std::vector<cluster::detail::routed_command> commands_;
    std::optional<error> refused_;
};

// MULTI ... EXEC on the node owning the one slot of all its keys. Keys in
// two slots are refused by execute() with an error of kind config.
class cluster_transaction {
  public:
    template <class... Args>
    cluster_transaction& add(std::string_view command, const Args&... args);
    cluster_transaction& add(command_view command);
    std::size_t size() const noexcept { return tx_.size(); }

  private:
    friend class cluster_client;
    void add_slot(const result<cluster::command_slot>& where);
    transaction tx_;
    std::optional<std::uint16_t> slot_;
    std::optional<error> refused_;
};

// One client object for one server or a whole Redis Cluster, above one
// multiplexer per primary. connect() asks the first seed endpoint that
// answers: with cluster_enabled:1 in INFO cluster (or on the first MOVED) it
// reads the topology (CLUSTER SLOTS before 8, CLUSTER SHARDS from 8) and
// routes every command by the CRC16 slot of its keys; otherwise every
// command goes to that one server, exactly as a multiplexer would send it.
//
// MOVED patches the slot at once, resends and schedules a refresh; ASK sends
// ASKING and the command in one write to the target, leaving the table as it
// is; at most max_redirects within the deadline. Refreshes run on a
// background thread, one at a time (cluster::refresh_policy).
class cluster_client final : public command_executor {
  public:
    static result<std::shared_ptr<cluster_client>> connect(const connection_options& options,
                                                           const cluster_settings& settings = {});
    ~cluster_client() override;
    cluster_client(const cluster_client&) = delete;
    cluster_client& operator=(const cluster_client&) = delete;

    // True when the servers form a cluster.
    bool is_cluster() const noexcept override {
        return cluster_mode_.load(std::memory_order_acquire);
    }

    // command_executor: commands of a run-time length, routed like call()'s.
    result<resp::owned_reply> call(const call_options& options, command_view command) override;
    void async_call(const call_options& options, command_view command,
                    reply_callback done) override;
    result<std::vector<resp::owned_reply>> execute(std::span<const command_view> commands,
                                                   const call_options& options) override;
    result<resp::owned_reply> execute_transaction(std::span<const command_view> commands,
                                                  const call_options& options) override;
    // The primary serving `key`; key-less: the first primary.
    endpoint server_for(std::string_view key) const override;
    // Every node connection's counters, added up.
    multiplexer::counters connection_counters() const noexcept override;

    // Like multiplexer::call: blocks until the reply or the deadline; an
    // error reply is an error of kind server_reply.
    template <class... Args>
    result<resp::owned_reply> call(std::string_view command, const Args&... args) {
        return call(call_options{}, command, args...);
    }
    template <class... Args>
    result<resp::owned_reply> call(const call_options& options, std::string_view command,
                                   const Args&... args);

    // Like multiplexer::async_call: `done(result<resp::reply>)` runs on an
    // I/O thread, an error reply arrives as a reply of an error type.
    // Redirections are followed from the I/O thread (ASKING then the command,
    // back to back on the target's pipeline); transient errors are retried
    // after their backoff from the refresh thread. The arguments are copied.
    template <class Done, class... Args>
    requires std::is_invocable_v<Done&, result<resp::reply>>
    void async_call(Done&& done, std::string_view command, const Args&... args) {
        async_call(call_options{}, std::forward<Done>(done), command, args...);
    }
    template <class Done, class... Args>
    requires std::is_invocable_v<Done&, result<resp::reply>>
    void async_call(const call_options& options, Done&& done, std::string_view command,
                    const Args&... args);

    // All replies in the order added (error replies as values), or the first
    // transport error.
    result<std::vector<resp::owned_reply>> execute(const cluster_batch& batch,
                                                   const call_options& options = {});
    result<resp::owned_reply> execute(const cluster_transaction& tx,
                                      const call_options& options = {});

    // Multi-key commands over keys of any slots: split by slot, sent to
    // every owner together, reassembled in the caller's order.
    result<std::vector<resp::owned_reply>> mget(std::span<const std::string_view> keys,
                                                const call_options& options = {});
    result<void> mset(std::span<const std::pair<std::string_view, std::string_view>> pairs,
                      const call_options& options = {});
    result<std::int64_t> del(std::span<const std::string_view> keys,
                             const call_options& options = {});
    result<std::int64_t> unlink(std::span<const std::string_view> keys,
                                const call_options& options = {});
    result<std::int64_t> exists(std::span<const std::string_view> keys,
                                const call_options& options = {});

    // Pub/sub: SUBSCRIBE on one node (cluster messages reach every node);
    // SSUBSCRIBE on the node owning the channel's slot (following MOVED).
    // A shard channel follows its slot: when the node drops it (resharding,
    // failover) or a new table names another owner, it is subscribed again
    // on the owner, in the background; messages published meanwhile are
    // lost, as Redis says of shard channels during a migration, and none is
    // delivered twice. Shard subscriptions cannot change from a completion
    // or message handler (config).
    result<void> subscribe(std::string_view channel, message_handler handler);
    result<void> unsubscribe(std::string_view channel);
    result<void> ssubscribe(std::string_view channel, message_handler handler);
    result<void> sunsubscribe(std::string_view channel);

    // The primary serving a key now (by the client's table); for a single
    // server, that server.
    endpoint node_for_key(std::string_view key) const;
    // The replicas of that primary the table knows (CLUSTER SLOTS lists a
    // replica once it has replicated something).
    std::vector<endpoint> replicas_for_key(std::string_view key) const;
    // Every primary the table names (one server: that server).
    std::vector<endpoint> primaries() const;
    // The multiplexer of one node, connected on first use.
    result<std::shared_ptr<multiplexer>> node(const endpoint& where);

    struct counters {
        std::uint64_t moved = 0;       // MOVED replies followed
        std::uint64_t ask = 0;         // ASK replies followed
        std::uint64_t retries = 0;     // TRYAGAIN/CLUSTERDOWN/LOADING/MASTERDOWN retries
        std::uint64_t refreshes = 0;   // topology queries started
        std::uint64_t topologies = 0;  // topologies installed
        std::uint64_t renewed = 0;     // node connections made anew after a MOVED to themselves
        std::uint64_t shard_channels_moved = 0;  // shard subscriptions placed on a new owner
    };
    counters snapshot() const noexcept;

    // Asks for a topology refresh (it runs on the refresh thread).
    void request_refresh();

    // Closes every node connection; later calls fail with closed.
    void close();

    // Not for users: construction goes through connect().
    cluster_client(const connection_options& options, const cluster_settings& settings);

  private:
    // The table and, for each of its primaries, that node's multiplexer.
    struct routing {
        std::shared_ptr<const cluster::slot_table> table;
        std::vector<std::shared_ptr<multiplexer>> primaries;
        // Replicas of each primary, when replica reads are on.
        std::vector<std::vector<std::shared_ptr<multiplexer>>> replicas;
    };
    // Where the next attempt of a command goes. The node's address is its
    // options' endpoint, read only when a reply needs it (a redirection).
    struct attempt_target {
        multiplexer* node = nullptr;
        std::shared_ptr<multiplexer> held;  // when it came from a redirection
        bool asking = false;
    };
    // One asynchronous command on its way (cluster_async_request.cpp).
    struct async_request;
    struct async_request_deleter {
        void operator()(async_request* request) const noexcept;
    };
    using async_request_ptr = std::unique_ptr<async_request, async_request_deleter>;
    // async_call once the command is encoded and its slot known: the encoded
    // bytes are kept with the request, for a redirection.
    void start_encoded(const call_options& options, command_traits traits,
                       const cluster::command_slot& where, std::string_view encoded,
                       reply_callback done);
    // Runs `task` on the refresh thread once `at` has passed.
    void run_later(clock::time_point at, std::function<void()> task);

    result<void> discover();
    result<cluster::topology> fetch_topology(const endpoint& from) const;
    void install(const cluster::topology& t);
    void patch_slot(std::uint16_t slot, const endpoint& to);
    void refresh_loop();
    bool refresh_once(const cluster::refresh_policy::plan& plan,
                      const std::vector<endpoint>& known);
    result<std::shared_ptr<multiplexer>> connection_to(const endpoint& where);
    std::shared_ptr<multiplexer> existing_connection(const endpoint& where) const;

    // Shard channels: one change (subscribe, unsubscribe, move) at a time.
    // SSUBSCRIBE on the owner of the channel's slot, following MOVED.
    result<void> place_shard_channel(const cluster::shard_subscriptions::placement& p);
    // Places every misplaced shard channel again (on the refresh thread).
    void move_shard_channels();
    void schedule_shard_moves(std::chrono::milliseconds delay);
    result<std::shared_ptr<multiplexer>> any_primary();
    connection_options options_for(const endpoint& where) const;

    // Routing steps shared by every command.
    // `read_only`: the command may go to a replica (settings_.reads).
    result<attempt_target> first_target(const cluster::command_slot& where, bool read_only = false);
    result<attempt_target> redirect_target(const cluster::redirect_step& step);
    // The redirect policy's step, with its effects on the table applied.
    // `sent_on`: the connection that answered, renewed after a MOVED to itself.
    cluster::redirect_step after_error(const error& e, const endpoint& sent_to,
                                       const multiplexer* sent_on, int attempt,
                                       clock::time_point deadline, bool retry_safe);
    // A new connection to `where` in place of `stale` (unless renewed
    // already); `stale` is closed once what it carries has had its time.
    void renew_connection(const endpoint& where, const multiplexer* stale);
    // The slot of a command the built-in key table does not know: its key
    // positions from COMMAND INFO, asked once per command name and kept;
    // COMMAND GETKEYS for each call of a command whose keys move
    // (movablekeys). Blocks for those round trips.
    result<cluster::command_slot> slot_from_server(std::span<const std::string_view> command);
    // slot_of, and slot_from_server when the table does not know the command.
    result<cluster::command_slot> slot_for(std::span<const std::string_view> command);
    // True when slot_for(command) would wait for the server.
    bool asks_server_for_keys(std::span<const std::string_view> command) const;
    // async_call once the command's slot is known.
    void start_async(const call_options& options, command_view command,
                     const cluster::command_slot& where, reply_callback done);
    // The kept COMMAND INFO answer for a command name.
    struct server_keys {
        enum class kind { none, fixed, movable } what = kind::none;
        int first = 0, last = 0, step = 1;
    };
    clock::time_point deadline_for(const call_options& options) const;
    static call_options with_deadline(const call_options& options, clock::time_point deadline);

    template <class Send>
    result<resp::owned_reply> route(const call_options& options, const cluster::command_slot& where,
                                    bool retry_safe, bool read_only, Send&& send);
    result<resp::owned_reply> route_command(const call_options& options,
                                            const cluster::detail::routed_command& c);
    result<std::int64_t> sum_by_slot(std::string_view command,
                                     std::span<const std::string_view> keys,
                                     const call_options& options);

    const connection_options options_;
    const cluster_settings settings_;
    std::atomic<bool> cluster_mode_{false};
    std::atomic<bool> closed_{false};
    std::shared_ptr<multiplexer> standalone_;  // one server: every command goes here
    bool use_shards_ = false;                  // the server is 8 or later

    cluster::atomic_snapshot<routing> routing_;
    std::atomic<std::uint64_t> moved_{0}, ask_{0}, retries_{0}, topologies_{0}, renewed_{0};

    mutable std::mutex nodes_mutex_;
    std::map<std::pair<std::string, std::uint16_t>, std::shared_ptr<multiplexer>> nodes_;

    std::mutex install_mutex_;  // one table change at a time

    cluster::shard_subscriptions shard_channels_;
    std::mutex shard_changes_mutex_;
    int shard_move_failures_ = 0;  // in a row; guarded by shard_changes_mutex_
    std::atomic<bool> shard_moves_scheduled_{false};
    std::atomic<std::uint64_t> shard_channels_moved_{0};

    mutable std::mutex server_keys_mutex_;
    std::map<std::string, server_keys, std::less<>> server_keys_;  // by upper-case name

    mutable std::mutex refresh_mutex_;
    std::condition_variable refresh_wake_;
    cluster::refresh_policy policy_;
    std::multimap<clock::time_point, std::function<void()>> delayed_;
    bool stopping_ = false;
    std::thread refresh_thread_;
};

// ---------------------------------------------------------------------------

template <class... Args>
cluster_batch& cluster_batch::add(std::string_view command, const Args&... args) {
    const cluster::detail::command_text<Args...> text(command, args...);
    auto where = cluster::slot_of(text.span());
    if (!where) {
        if (!refused_) refused_ = where.error_value();
        return *this;
    }
    // The arguments are kept: the batch may be sent after the caller's are
    // gone, and again after a redirection.
    commands_.push_back(cluster::detail::routed_command{
        *where, traits_of(command).retry_safe,
        [kept = std::make_tuple(std::string(command), cluster::detail::keep(args)...)](
            command_batch& b) {
            std::apply([&](const auto&... a) { b.add(cluster::detail::pass(a)...); }, kept);
        }});
    return *this;
}

template <class... Args>
cluster_transaction& cluster_transaction::add(std::string_view command, const Args&... args) {
    const cluster::detail::command_text<Args...> text(command, args...);
    add_slot(cluster::slot_of(text.span()));
    tx_.add(command, args...);
    return *this;
}

template <class Send>
result<resp::owned_reply> cluster_client::route(const call_options& options,
                                                const cluster::command_slot& where, bool retry_safe,
                                                bool read_only, Send&& send) {
    // One clock read for a command answered at once: its first attempt has
    // the whole timeout.
    call_options first = options;
    first.timeout = options.timeout.count() > 0 ? options.timeout : options_.sync_timeout;
    const clock::time_point deadline = clock::now() + first.timeout;
    auto target = first_target(where, read_only);
    for (int attempt = 0;; ++attempt) {
        if (!target) return target.error_value();
        result<resp::owned_reply> r = send(
            *target->node, attempt == 0 ? first : with_deadline(options, deadline), target->asking);
        if (r || r.error_value().kind != error_kind::server_reply) {
            // A node lost or unreachable may have failed over: look again.
            if (!r &&
                (r.error_value().kind == error_kind::io ||
                 (r.error_value().kind == error_kind::timeout && !target->node->is_connected())))
                request_refresh();
            return r;
        }
        const cluster::redirect_step step =
            after_error(r.error_value(), target->node->options().endpoints.front(), target->node,
                        attempt, deadline, retry_safe);
        switch (step.what) {
            case cluster::redirect_step::kind::deliver:
                return r;
            case cluster::redirect_step::kind::redirect:
                target = redirect_target(step);
                break;
            case cluster::redirect_step::kind::wait:
                std::this_thread::sleep_for(step.delay);
                target = first_target(where, read_only);
                break;
        }
    }
}

template <class Done, class... Args>
requires std::is_invocable_v<Done&, result<resp::reply>>
void cluster_client::async_call(const call_options& options, Done&& done, std::string_view command,
                                const Args&... args) {
    if (!is_cluster()) {
        if (!standalone_) {
            done(error{error_kind::closed, "the client is closed"});
            return;
        }
        standalone_->async_call(options, std::forward<Done>(done), command, args...);
        return;
    }
    const cluster::detail::command_text<Args...> text(command, args...);
    auto where = cluster::slot_of(text.span());
    if (!where) {
        done(where.error_value());
        return;
    }
    if (where->what == cluster::command_slot::status::unknown) {
        // Its keys are the server's to tell (see the command_view overload).
        async_call(options, text.span(), multiplexer::completion(std::forward<Done>(done)));
        return;
    }
    start_encoded(options, net::detail::traits_of_call(command, args...), *where,
                  net::detail::encode_buffer(command, args...),
                  multiplexer::completion(std::forward<Done>(done)));
}

template <class... Args>
result<resp::owned_reply> cluster_client::call(const call_options& options,
                                               std::string_view command, const Args&... args) {
    if (!is_cluster()) {
        if (!standalone_) return error{error_kind::closed, "the client is closed"};
        auto r = standalone_->call(options, command, args...);
        if (r || r.error_value().kind != error_kind::server_reply ||
            !r.error_value().message.starts_with("MOVED "))
            return r;
        // A MOVED from what looked like one server: it is a cluster node.
        if (auto found = discover(); !found) return found.error_value();
    }
    const cluster::detail::command_text<Args...> text(command, args...);
    auto where = slot_for(text.span());
    if (!where) return where.error_value();
    // Classified once, encoded once (into the thread's buffer, again only
    // after a redirection, which may have used it).
    const command_traits traits = net::detail::traits_of_call(command, args...);
    const bool retry_safe = options.retry_safe.value_or(traits.retry_safe);
    return route(options, *where, retry_safe, traits.retry_safe,
                 [&](multiplexer& m, const call_options& o, bool asking) {
                     if (!asking)
                         return net::detail::runtime_commands::call_encoded(
                             m, o, traits, net::detail::encode_buffer(command, args...));
                     command_batch b;
                     b.add("ASKING").add(command, args...);
                     auto replies = m.execute(b, o);
                     if (!replies) return result<resp::owned_reply>(replies.error_value());
                     resp::owned_reply last = std::move(replies->back());
                     if (last.view().is_error())
                         return result<resp::owned_reply>(
                             error{error_kind::server_reply, std::string(last.view().string())});
                     return result<resp::owned_reply>(std::move(last));
                 });
}

}  // namespace respcache::net
