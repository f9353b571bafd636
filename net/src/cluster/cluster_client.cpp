#include "respcache/net/cluster_client.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <random>

#include "respcache/net/cluster/slot_groups.hpp"
#include "respcache/net/cluster/topology_reply.hpp"
#include "respcache/net/connect_executor.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/resp/reader.hpp"

namespace respcache::net {

namespace {

using cluster::cluster_error;
using cluster::command_slot;

std::uint32_t random_seed() {
    std::random_device device;
    return device();
}

std::pair<std::string, std::uint16_t> key_of(const endpoint& e) {
    return {e.is_unix_socket ? e.path : e.host, e.port};
}

// "redis_version:7.0.15" -> 7
int major_version(std::string_view info) {
    const auto at = info.find("redis_version:");
    if (at == std::string_view::npos) return 0;
    int major = 0;
    for (std::size_t i = at + 14; i < info.size() && info[i] >= '0' && info[i] <= '9'; ++i)
        major = major * 10 + (info[i] - '0');
    return major;
}

// An error reply with this text, as a value.
resp::owned_reply error_reply(std::string_view text) {
    std::string bytes = "-";
    for (char c : text) bytes.push_back(c == '\r' || c == '\n' ? ' ' : c);
    bytes += "\r\n";
    resp::reader reader;
    reader.feed(bytes);
    auto next = reader.next();
    return next && *next ? (**next).to_owned() : resp::owned_reply{};
}

}  // namespace

cluster_client::cluster_client(const connection_options& options, const cluster_settings& settings)
    : options_(options),
      settings_(settings),
      routing_(std::make_shared<const routing>(
          routing{std::make_shared<const cluster::slot_table>(), {}, {}})),
      policy_(settings.refresh, random_seed()) {}

result<std::shared_ptr<cluster_client>> cluster_client::connect(const connection_options& options,
                                                                const cluster_settings& settings) {
    if (options.endpoints.empty())
        return error{error_kind::config, "the configuration names no endpoint"};
    auto client = std::make_shared<cluster_client>(options, settings);
    // The first seed that answers tells whether this is a cluster.
    std::optional<error> last;
    for (const endpoint& seed : options.endpoints) {
        connection_options one = options;
        one.endpoints = {seed};
        auto m = multiplexer::connect(one, settings.node);
        if (!m) {
            last = m.error_value();
            if (last->kind == error_kind::auth || last->kind == error_kind::config) return *last;
            continue;
        }
        auto info = (*m)->call("INFO", "cluster");
        if (!info && info.error_value().kind != error_kind::server_reply) {
            last = info.error_value();
            continue;
        }
        // A server without INFO cluster is not a cluster either.
        if (!info || !reports_cluster_mode(info->view().string())) {
            client->standalone_ = std::move(*m);
            return client;
        }
        auto server = (*m)->call("INFO", "server");
        client->use_shards_ = server && major_version(server->view().string()) >= 8;
        {
            std::lock_guard lock(client->nodes_mutex_);
            client->nodes_[key_of(seed)] = *m;
        }
        if (auto found = client->discover(); !found) return found.error_value();
        return client;
    }
    return last ? *last : error{error_kind::io, "no seed endpoint answered"};
}

cluster_client::~cluster_client() {
    close();
}

void cluster_client::close() {
    {
        std::lock_guard lock(refresh_mutex_);
        if (stopping_ && !refresh_thread_.joinable() && closed_) return;
        stopping_ = true;
    }
    refresh_wake_.notify_all();
    if (refresh_thread_.joinable()) refresh_thread_.join();
    closed_ = true;
    // Retries still waiting for their backoff: answered (closed) now.
    std::multimap<clock::time_point, std::function<void()>> delayed;
    {
        std::lock_guard lock(refresh_mutex_);
        delayed.swap(delayed_);
    }
    for (auto& [at, task] : delayed) task();
    std::map<std::pair<std::string, std::uint16_t>, std::shared_ptr<multiplexer>> nodes;
    {
        std::lock_guard lock(nodes_mutex_);
        nodes.swap(nodes_);
    }
    // Their I/O threads stop here, so no event handler outlives this object.
    for (auto& [where, m] : nodes) m->close();
    if (standalone_) standalone_->close();
}

connection_options cluster_client::options_for(const endpoint& where) const {
    connection_options one = options_;
    one.endpoints = {where};
    return one;
}

result<std::shared_ptr<multiplexer>> cluster_client::connection_to(const endpoint& where) {
    if (closed_) return error{error_kind::closed, "the client is closed"};
    std::lock_guard lock(nodes_mutex_);
    auto& slot = nodes_[key_of(where)];
    if (slot) return slot;
    connection_options one = options_for(where);
    // A node that does not answer now must not hold up the others: it keeps
    // reconnecting in the background, and a refresh moves its slots on.
    one.abort_connect = false;
    one.connect_retry = 1;
    auto m = multiplexer::connect(one, settings_.node);
    if (!m) {
        nodes_.erase(key_of(where));
        return m.error_value();
    }
    const bool replica_reads = settings_.reads != read_from::primary;
    std::weak_ptr<multiplexer> weak = *m;
    (*m)->on_connection_event([this, replica_reads, weak](const connection_event& e) {
        if (e.what == connection_event::kind::lost) request_refresh();
        if (e.what == connection_event::kind::shard_channel_moved &&
            shard_channels_.dropped_by(e.peer, e.channel)) {
            request_refresh();
            schedule_shard_moves(std::chrono::milliseconds(0));
        }
        // READONLY again on every new connection; a read that comes first
        // is sent back to the primary with a MOVED.
        if (replica_reads && e.what != connection_event::kind::lost)
            if (auto self = weak.lock()) self->send("READONLY");
    });
    if (replica_reads) (*m)->send("READONLY");
    slot = *m;
    return slot;
}

std::shared_ptr<multiplexer> cluster_client::existing_connection(const endpoint& where) const {
    std::lock_guard lock(nodes_mutex_);
    const auto it = nodes_.find(key_of(where));
    return it == nodes_.end() ? nullptr : it->second;
}

result<std::shared_ptr<multiplexer>> cluster_client::node(const endpoint& where) {
    if (!is_cluster()) {
        if (!standalone_) return error{error_kind::closed, "the client is closed"};
        return standalone_;
    }
    return connection_to(where);
}

result<cluster::topology> cluster_client::fetch_topology(const endpoint& from) const {
    connection_options one = options_for(from);
    one.connect_timeout = std::min(one.connect_timeout, settings_.refresh_timeout);
    one.sync_timeout = settings_.refresh_timeout;
    one.set_client_library = false;
    auto c = connection::open(one);
    if (!c) return c.error_value();
    auto reply = use_shards_ ? c->call("CLUSTER", "SHARDS") : c->call("CLUSTER", "SLOTS");
    if (!reply) return reply.error_value();
    auto t = use_shards_ ? cluster::parse_cluster_shards(reply->view(), from)
                         : cluster::parse_cluster_slots(reply->view(), from);
    if (t && t->shards.empty())
        return error{error_kind::server_reply, "the node reports no slot served"};
    return t;
}

void cluster_client::install(const cluster::topology& t) {
    auto table = std::make_shared<const cluster::slot_table>(t);
    auto next = std::make_shared<routing>();
    next->table = table;
    for (std::uint16_t i = 0; i < table->primaries().size(); ++i) {
        auto m = connection_to(table->primaries()[i]);
        next->primaries.push_back(m ? *m : nullptr);
        auto& replicas = next->replicas.emplace_back();
        if (settings_.reads == read_from::primary) continue;
        for (const endpoint& r : table->replicas_of(i))
            if (auto rm = connection_to(r)) replicas.push_back(*rm);
    }
    std::lock_guard lock(install_mutex_);
    routing_.store(std::move(next));
    ++topologies_;
    if (!shard_channels_.empty()) schedule_shard_moves(std::chrono::milliseconds(0));
}

result<void> cluster_client::discover() {
    std::optional<error> last;
    for (const endpoint& seed : options_.endpoints) {
        auto t = fetch_topology(seed);
        if (!t) {
            last = t.error_value();
            continue;
        }
        install(*t);
        cluster_mode_.store(true, std::memory_order_release);
        std::lock_guard lock(refresh_mutex_);
        if (!refresh_thread_.joinable() && !stopping_)
            refresh_thread_ = std::thread([this] { refresh_loop(); });
        return {};
    }
    return last ? *last : error{error_kind::io, "no seed endpoint answered"};
}

void cluster_client::request_refresh() {
    {
        std::lock_guard lock(refresh_mutex_);
        if (stopping_) return;
        policy_.request(clock::now());
    }
    refresh_wake_.notify_all();
}

void cluster_client::run_later(clock::time_point at, std::function<void()> task) {
    {
        std::lock_guard lock(refresh_mutex_);
        if (!stopping_) {
            delayed_.emplace(at, std::move(task));
            task = nullptr;
        }
    }
    // Closing: the command gets its answer now rather than never.
    if (task) task();
    refresh_wake_.notify_all();
}

void cluster_client::refresh_loop() {
    std::unique_lock lock(refresh_mutex_);
    while (!stopping_) {
        // Retries whose backoff has passed go first.
        if (!delayed_.empty() && delayed_.begin()->first <= clock::now()) {
            auto task = std::move(delayed_.begin()->second);
            delayed_.erase(delayed_.begin());
            lock.unlock();
            task();
            lock.lock();
            continue;
        }
        auto due = policy_.next_start();
        if (!delayed_.empty() && (!due || delayed_.begin()->first < *due))
            due = delayed_.begin()->first;
        if (!due) {
            refresh_wake_.wait(lock);
            continue;
        }
        if (clock::now() < *due) {
            refresh_wake_.wait_until(lock, *due);
            continue;
        }
        if (!policy_.next_start() || clock::now() < *policy_.next_start()) continue;
        // Every node the table knows, primaries first.
        std::vector<endpoint> known;
        {
            const auto current = routing_.load();
            const auto& table = *current->table;
            known = table.primaries();
            for (std::uint16_t i = 0; i < table.primaries().size(); ++i)
                for (const endpoint& r : table.replicas_of(i)) known.push_back(r);
        }
        auto plan = policy_.start(clock::now(), known.size(), options_.endpoints.size());
        if (!plan) continue;
        lock.unlock();
        const bool ok = refresh_once(*plan, known);
        lock.lock();
        policy_.finish(clock::now(), ok);
    }
}

bool cluster_client::refresh_once(const cluster::refresh_policy::plan& plan,
                                  const std::vector<endpoint>& known) {
    for (std::size_t i : plan.targets) {
        const endpoint& from = plan.from_seeds ? options_.endpoints[i] : known[i];
        auto t = fetch_topology(from);
        if (!t) continue;
        install(*t);
        return true;
    }
    return false;
}

void cluster_client::renew_connection(const endpoint& where, const multiplexer* stale) {
    std::shared_ptr<multiplexer> old;
    {
        std::lock_guard lock(nodes_mutex_);
        auto it = nodes_.find(key_of(where));
        // Renewed already by another command's MOVED.
        if (it == nodes_.end() || it->second.get() != stale) return;
        old = std::move(it->second);
        nodes_.erase(it);
    }
    auto fresh = connection_to(where);
    {
        std::lock_guard lock(install_mutex_);
        auto next = std::make_shared<routing>(*routing_.load());
        for (auto& p : next->primaries)
            if (p == old) p = fresh ? *fresh : nullptr;
        for (auto& replicas : next->replicas)
            for (auto& r : replicas)
                if (r == old && fresh) r = *fresh;
        routing_.store(std::move(next));
    }
    ++renewed_;
    // What is on its way over the old connection gets its answer there;
    // closing it after the longest deadline answers nothing early.
    run_later(clock::now() + options_.sync_timeout + std::chrono::seconds(1),
              [old = std::move(old)] { old->close(); });
}

void cluster_client::patch_slot(std::uint16_t slot, const endpoint& to) {
    auto m = connection_to(to);
    std::lock_guard lock(install_mutex_);
    const auto current = routing_.load();
    const endpoint* owner = current->table->primary_for(slot);
    if (owner && *owner == to) return;  // another caller patched it already
    auto next = std::make_shared<routing>();
    next->table = current->table->with_slot_moved(slot, to);
    next->primaries = current->primaries;
    next->replicas = current->replicas;
    if (next->primaries.size() < next->table->primaries().size()) {
        next->primaries.push_back(m ? *m : nullptr);
        next->replicas.emplace_back();
    }
    routing_.store(std::move(next));
    if (!shard_channels_.empty()) schedule_shard_moves(std::chrono::milliseconds(0));
}

clock::time_point cluster_client::deadline_for(const call_options& options) const {
    const auto timeout = options.timeout.count() > 0 ? options.timeout : options_.sync_timeout;
    return clock::now() + timeout;
}

call_options cluster_client::with_deadline(const call_options& options,
                                           clock::time_point deadline) {
    call_options o = options;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    o.timeout = std::max(left, std::chrono::milliseconds(1));
    return o;
}

result<cluster_client::attempt_target> cluster_client::first_target(const command_slot& where,
                                                                    bool read_only) {
    if (closed_) return error{error_kind::closed, "the client is closed"};
    const routing& r = routing_.current_on_this_thread();
    const auto& table = *r.table;
    std::uint16_t index = 0;
    if (where.what == command_slot::status::slot) {
        index = table.owner(where.slot);
        if (index == cluster::slot_table::no_node) {
            request_refresh();
            return error{error_kind::io, "no node serves slot " + std::to_string(where.slot) +
                                             " now (the cluster is failing over or resharding)"};
        }
    } else {
        if (r.primaries.empty()) return error{error_kind::io, "the cluster has no primary"};
        // Key-less commands: spread over the primaries by thread.
        static thread_local const std::size_t spread =
            std::hash<std::thread::id>{}(std::this_thread::get_id());
        index = static_cast<std::uint16_t>(spread % r.primaries.size());
    }
    attempt_target t;
    t.node = r.primaries[index].get();
    if (read_only && settings_.reads != read_from::primary &&
        where.what == command_slot::status::slot && index < r.replicas.size()) {
        // A connected replica, picked by thread so that threads spread out.
        const auto& replicas = r.replicas[index];
        static thread_local std::minstd_rand pick(
            static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
        const std::size_t choices = replicas.size() + (settings_.reads == read_from::any ? 1 : 0);
        if (choices > 0) {
            const std::size_t chosen = pick() % choices;
            if (chosen < replicas.size() && replicas[chosen]->is_connected())
                t.node = replicas[chosen].get();
        }
    }
    if (!t.node) {
        auto m = connection_to(table.primaries()[index]);
        if (!m) return m.error_value();
        t.held = *m;
        t.node = t.held.get();
    }
    return t;
}

result<cluster_client::attempt_target> cluster_client::redirect_target(
    const cluster::redirect_step& step) {
    auto m = connection_to(step.target);
    if (!m) return m.error_value();
    attempt_target t;
    t.held = *m;
    t.node = t.held.get();
    t.asking = step.asking;
    return t;
}

cluster::redirect_step cluster_client::after_error(const error& e, const endpoint& sent_to,
                                                   const multiplexer* sent_on, int attempt,
                                                   clock::time_point deadline, bool retry_safe) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    const cluster::redirect_step step =
        cluster::next_step(e.message, sent_to, attempt, left, retry_safe, settings_.redirect);
    if (step.reconnect) renew_connection(sent_to, sent_on);
    if (step.patch_slot) {
        ++moved_;
        patch_slot(step.slot, step.target);
    }
    if (step.refresh) request_refresh();
    if (step.what == cluster::redirect_step::kind::redirect && step.asking) ++ask_;
    if (step.what == cluster::redirect_step::kind::wait) ++retries_;
    return step;
}

result<resp::owned_reply> cluster_client::route_command(const call_options& options,
                                                        const cluster::detail::routed_command& c) {
    return route(options, c.where, options.retry_safe.value_or(c.retry_safe), false,
                 [&](multiplexer& m, const call_options& o, bool asking) {
                     command_batch b;
                     if (asking) b.add("ASKING");
                     c.add_to(b);
                     auto replies = m.execute(b, o);
                     if (!replies) return result<resp::owned_reply>(replies.error_value());
                     resp::owned_reply last = std::move(replies->back());
                     if (last.view().is_error())
                         return result<resp::owned_reply>(
                             error{error_kind::server_reply, std::string(last.view().string())});
                     return result<resp::owned_reply>(std::move(last));
                 });
}

result<std::vector<resp::owned_reply>> cluster_client::execute(const cluster_batch& batch,
                                                               const call_options& options) {
    if (batch.refused_) return *batch.refused_;
    std::vector<resp::owned_reply> replies(batch.commands_.size());
    if (batch.commands_.empty()) return replies;
    if (!is_cluster()) {
        if (!standalone_) return error{error_kind::closed, "the client is closed"};
        command_batch b;
        for (const auto& c : batch.commands_) c.add_to(b);
        return standalone_->execute(b, options);
    }
    const clock::time_point deadline = deadline_for(options);
    // One write per node, in the table of this moment.
    struct node_part {
        multiplexer* node = nullptr;
        command_batch batch;
        std::vector<std::size_t> positions;
    };
    std::vector<node_part> parts;
    std::vector<std::size_t> unrouted;
    const auto current = routing_.load();
    for (std::size_t i = 0; i < batch.commands_.size(); ++i) {
        const auto& c = batch.commands_[i];
        std::uint16_t index = 0;
        if (c.where.what == command_slot::status::slot) index = current->table->owner(c.where.slot);
        if (index == cluster::slot_table::no_node || index >= current->primaries.size() ||
            !current->primaries[index]) {
            unrouted.push_back(i);
            continue;
        }
        multiplexer* m = current->primaries[index].get();
        auto part = std::find_if(parts.begin(), parts.end(),
                                 [m](const node_part& p) { return p.node == m; });
        if (part == parts.end()) {
            parts.push_back(node_part{m, {}, {}});
            part = parts.end() - 1;
        }
        c.add_to(part->batch);
        part->positions.push_back(i);
    }
    // Every node's part goes out at once; the replies are gathered by index.
    struct gather {
        std::mutex mutex;
        std::condition_variable ready;
        std::size_t left = 0;
        std::vector<std::optional<error>> failures;
        std::vector<bool> redirected;
    };
    auto g = std::make_shared<gather>();
    g->failures.resize(batch.commands_.size());
    g->redirected.resize(batch.commands_.size());
    for (const node_part& part : parts) g->left += part.positions.size();
    for (node_part& part : parts) {
        auto done = std::make_shared<const net::detail::runtime_commands::batch_reply_handler>(
            [g, &replies, positions = &part.positions](std::size_t j, result<resp::reply> r) {
                const std::size_t i = (*positions)[j];
                std::lock_guard lock(g->mutex);
                if (!r) g->failures[i] = r.error_value();
                // Redirected or refused for now: that command goes its own way.
                else if (r->is_error() &&
                         cluster::classify_error(r->string(), {}).what != cluster_error::kind::none)
                    g->redirected[i] = true;
                else
                    replies[i] = r->to_owned();
                if (--g->left == 0) g->ready.notify_one();
            });
        net::detail::runtime_commands::async_execute(*part.node, part.batch,
                                                     with_deadline(options, deadline), done);
    }
    {
        // Every request completes exactly once, by its deadline at the latest.
        std::unique_lock lock(g->mutex);
        g->ready.wait(lock, [&g] { return g->left == 0; });
    }
    for (const node_part& part : parts)
        for (std::size_t i : part.positions) {
            if (g->failures[i]) return *g->failures[i];
            if (g->redirected[i]) unrouted.push_back(i);
        }
    std::sort(unrouted.begin(), unrouted.end());
    for (std::size_t i : unrouted) {
        auto r = route_command(with_deadline(options, deadline), batch.commands_[i]);
        if (r) {
            replies[i] = std::move(*r);
        } else if (r.error_value().kind != error_kind::server_reply) {
            return r.error_value();
        } else {
            // An error reply stays a value, as in a multiplexer's batch.
            replies[i] = error_reply(r.error_value().message);
        }
    }
    return replies;
}

result<resp::owned_reply> cluster_client::execute(const cluster_transaction& tx,
                                                  const call_options& options) {
    if (tx.refused_) return *tx.refused_;
    if (!is_cluster()) {
        if (!standalone_) return error{error_kind::closed, "the client is closed"};
        return standalone_->execute(tx.tx_, options);
    }
    command_slot where;
    if (tx.slot_) {
        where.what = command_slot::status::slot;
        where.slot = *tx.slot_;
    }
    const clock::time_point deadline = deadline_for(options);
    for (int attempt = 0;; ++attempt) {
        auto target = first_target(where);
        if (!target) return target.error_value();
        auto r = target->node->execute(tx.tx_, with_deadline(options, deadline));
        // A redirected command inside MULTI makes EXEC abort: nothing ran, so
        // after a refresh it is sent again, up to the redirect cap.
        if (!r && r.error_value().kind == error_kind::server_reply &&
            r.error_value().message.starts_with("EXECABORT") && tx.slot_ &&
            attempt < settings_.redirect.max_redirects && clock::now() < deadline) {
            const endpoint& sent_to = target->node->options().endpoints.front();
            auto t = fetch_topology(sent_to);
            if (t) install(*t);
            const auto now_owner = routing_.load()->table->primary_for(*tx.slot_);
            if (now_owner && *now_owner != sent_to) continue;
        }
        return r;
    }
}

result<std::vector<resp::owned_reply>> cluster_client::mget(std::span<const std::string_view> keys,
                                                            const call_options& options) {
    cluster_batch batch;
    std::vector<std::vector<std::size_t>> positions;
    for (const cluster::slot_group& g : cluster::group_by_slot(keys)) {
        for (std::size_t start = 0; start < g.positions.size();
             start += cluster::detail::max_views - 1) {
            const std::size_t end =
                std::min(g.positions.size(), start + cluster::detail::max_views - 1);
            std::vector<std::string> part;
            std::vector<std::size_t> where;
            for (std::size_t j = start; j < end; ++j) {
                part.emplace_back(keys[g.positions[j]]);
                where.push_back(g.positions[j]);
            }
            command_slot slot{command_slot::status::slot, g.slot};
            batch.commands_.push_back(cluster::detail::routed_command{
                slot, true, [part = std::move(part)](command_batch& b) {
                    std::vector<std::string_view> views(part.begin(), part.end());
                    cluster::detail::with_views(views, [&](auto... k) { b.add("MGET", k...); });
                }});
            positions.push_back(std::move(where));
        }
    }
    auto answered = execute(batch, options);
    if (!answered) return answered.error_value();
    std::vector<resp::owned_reply> out(keys.size());
    for (std::size_t g = 0; g < positions.size(); ++g) {
        const resp::reply values = (*answered)[g].view();
        if (values.is_error()) return error{error_kind::server_reply, std::string(values.string())};
        std::size_t j = 0;
        for (auto it = values.begin(); it != values.end() && j < positions[g].size(); ++it, ++j)
            out[positions[g][j]] = (*it).to_owned();
    }
    return out;
}

result<void> cluster_client::mset(
    std::span<const std::pair<std::string_view, std::string_view>> pairs,
    const call_options& options) {
    std::vector<std::string_view> keys;
    for (const auto& [k, v] : pairs) keys.push_back(k);
    cluster_batch batch;
    constexpr std::size_t pairs_per_command = (cluster::detail::max_views - 1) / 2;
    for (const cluster::slot_group& g : cluster::group_by_slot(keys)) {
        for (std::size_t start = 0; start < g.positions.size(); start += pairs_per_command) {
            const std::size_t end = std::min(g.positions.size(), start + pairs_per_command);
            std::vector<std::string> part;
            for (std::size_t j = start; j < end; ++j) {
                part.emplace_back(pairs[g.positions[j]].first);
                part.emplace_back(pairs[g.positions[j]].second);
            }
            batch.commands_.push_back(cluster::detail::routed_command{
                command_slot{command_slot::status::slot, g.slot}, false,
                [part = std::move(part)](command_batch& b) {
                    std::vector<std::string_view> views(part.begin(), part.end());
                    cluster::detail::with_views(views, [&](auto... kv) { b.add("MSET", kv...); });
                }});
        }
    }
    auto answered = execute(batch, options);
    if (!answered) return answered.error_value();
    for (const auto& r : *answered)
        if (r.view().is_error())
            return error{error_kind::server_reply, std::string(r.view().string())};
    return {};
}

result<std::int64_t> cluster_client::sum_by_slot(std::string_view command,
                                                 std::span<const std::string_view> keys,
                                                 const call_options& options) {
    cluster_batch batch;
    const std::string name(command);
    for (const cluster::slot_group& g : cluster::group_by_slot(keys)) {
        for (std::size_t start = 0; start < g.positions.size();
             start += cluster::detail::max_views - 1) {
            const std::size_t end =
                std::min(g.positions.size(), start + cluster::detail::max_views - 1);
            std::vector<std::string> part;
            for (std::size_t j = start; j < end; ++j) part.emplace_back(keys[g.positions[j]]);
            batch.commands_.push_back(cluster::detail::routed_command{
                command_slot{command_slot::status::slot, g.slot}, traits_of(name).retry_safe,
                [name, part = std::move(part)](command_batch& b) {
                    std::vector<std::string_view> views(part.begin(), part.end());
                    cluster::detail::with_views(views, [&](auto... k) { b.add(name, k...); });
                }});
        }
    }
    auto answered = execute(batch, options);
    if (!answered) return answered.error_value();
    std::int64_t total = 0;
    for (const auto& r : *answered) {
        if (r.view().is_error())
            return error{error_kind::server_reply, std::string(r.view().string())};
        total += r.view().integer();
    }
    return total;
}

result<std::int64_t> cluster_client::del(std::span<const std::string_view> keys,
                                         const call_options& options) {
    return sum_by_slot("DEL", keys, options);
}
result<std::int64_t> cluster_client::unlink(std::span<const std::string_view> keys,
                                            const call_options& options) {
    return sum_by_slot("UNLINK", keys, options);
}
result<std::int64_t> cluster_client::exists(std::span<const std::string_view> keys,
                                            const call_options& options) {
    return sum_by_slot("EXISTS", keys, options);
}

result<std::shared_ptr<multiplexer>> cluster_client::any_primary() {
    const auto all = primaries();
    if (all.empty()) return error{error_kind::io, "the cluster has no primary"};
    return node(all.front());
}

result<void> cluster_client::subscribe(std::string_view channel, message_handler handler) {
    auto m = any_primary();
    if (!m) return m.error_value();
    return (*m)->subscribe(channel, std::move(handler));
}
result<void> cluster_client::unsubscribe(std::string_view channel) {
    auto m = any_primary();
    if (!m) return m.error_value();
    return (*m)->unsubscribe(channel);
}
endpoint cluster_client::node_for_key(std::string_view key) const {
    if (!is_cluster()) return standalone_ ? standalone_->options().endpoints.front() : endpoint{};
    const auto current = routing_.load();
    const endpoint* owner = current->table->primary_for(cluster::hash_slot(key));
    return owner ? *owner : endpoint{};
}

std::vector<endpoint> cluster_client::replicas_for_key(std::string_view key) const {
    if (!is_cluster()) return {};
    const auto current = routing_.load();
    const std::uint16_t owner = current->table->owner(cluster::hash_slot(key));
    if (owner == cluster::slot_table::no_node) return {};
    return current->table->replicas_of(owner);
}

std::vector<endpoint> cluster_client::primaries() const {
    if (!is_cluster())
        return standalone_ ? standalone_->options().endpoints : std::vector<endpoint>{};
    return routing_.load()->table->primaries();
}

cluster_client::counters cluster_client::snapshot() const noexcept {
    counters c;
    c.moved = moved_.load();
    c.ask = ask_.load();
    c.retries = retries_.load();
    c.topologies = topologies_.load();
    c.renewed = renewed_.load();
    c.shard_channels_moved = shard_channels_moved_.load();
    {
        std::lock_guard lock(refresh_mutex_);
        c.refreshes = policy_.refreshes_started();
    }
    return c;
}

}  // namespace respcache::net

// ---------------------------------------------------------------------------
// command_executor: commands of a run-time length.

namespace respcache::net {

namespace {

// The reply of the command sent after ASKING in one batch.
result<resp::owned_reply> reply_after_asking(result<std::vector<resp::owned_reply>> replies) {
    if (!replies) return replies.error_value();
    resp::owned_reply last = std::move(replies->back());
    if (last.view().is_error())
        return error{error_kind::server_reply, std::string(last.view().string())};
    return last;
}

constexpr std::string_view asking_command[] = {"ASKING"};

}  // namespace

cluster_batch& cluster_batch::add(command_view command) {
    auto where = cluster::slot_of(command);
    if (!where || command.empty()) {
        if (!refused_)
            refused_ = where ? error{error_kind::config, "a command needs at least its name"}
                             : where.error_value();
        return *this;
    }
    commands_.push_back(cluster::detail::routed_command{
        *where, traits_of(command.front(), command.subspan(1)).retry_safe,
        [kept = std::vector<std::string>(command.begin(), command.end())](command_batch& b) {
            const std::vector<std::string_view> views(kept.begin(), kept.end());
            net::detail::runtime_commands::add(b, views);
        }});
    return *this;
}

void cluster_transaction::add_slot(const result<cluster::command_slot>& where) {
    if (!where) {
        if (!refused_) refused_ = where.error_value();
    } else if (where->what == cluster::command_slot::status::slot) {
        if (slot_ && *slot_ != where->slot && !refused_)
            refused_ = error{error_kind::config,
                             "CROSSSLOT refused on the client: a transaction's keys must be in "
                             "one slot (" +
                                 std::to_string(*slot_) + " and " + std::to_string(where->slot) +
                                 "); give them one {hash tag}"};
        slot_ = where->slot;
    }
}

cluster_transaction& cluster_transaction::add(command_view command) {
    add_slot(cluster::slot_of(command));
    net::detail::runtime_commands::add(tx_, command);
    return *this;
}

result<resp::owned_reply> cluster_client::call(const call_options& options, command_view command) {
    if (command.empty()) return error{error_kind::config, "a command needs at least its name"};
    if (!is_cluster()) {
        if (!standalone_) return error{error_kind::closed, "the client is closed"};
        auto r = net::detail::runtime_commands::call(*standalone_, options, command);
        if (r || r.error_value().kind != error_kind::server_reply ||
            !r.error_value().message.starts_with("MOVED "))
            return r;
        // A MOVED from what looked like one server: it is a cluster node.
        if (auto found = discover(); !found) return found.error_value();
    }
    auto where = slot_for(command);
    if (!where) return where.error_value();
    const bool read_only = traits_of(command.front(), command.subspan(1)).retry_safe;
    const bool retry_safe = options.retry_safe.value_or(read_only);
    return route(options, *where, retry_safe, read_only,
                 [&](multiplexer& m, const call_options& o, bool asking) {
                     if (!asking) return net::detail::runtime_commands::call(m, o, command);
                     command_batch b;
                     net::detail::runtime_commands::add(b, asking_command);
                     net::detail::runtime_commands::add(b, command);
                     return reply_after_asking(m.execute(b, o));
                 });
}

void cluster_client::async_call(const call_options& options, command_view command,
                                reply_callback done) {
    if (command.empty()) {
        done(error{error_kind::config, "a command needs at least its name"});
        return;
    }
    if (!is_cluster()) {
        if (!standalone_) {
            done(error{error_kind::closed, "the client is closed"});
            return;
        }
        net::detail::runtime_commands::async_call(*standalone_, options, command, std::move(done));
        return;
    }
    if (asks_server_for_keys(command)) {
        // The refresh thread waits for the server's answer, then sends it.
        auto copied = std::make_shared<std::vector<std::string>>(command.begin(), command.end());
        auto later = std::make_shared<reply_callback>(std::move(done));
        run_later(clock::now(), [this, options, copied, later] {
            const std::vector<std::string_view> views(copied->begin(), copied->end());
            auto where = slot_for(views);
            if (!where) return (*later)(where.error_value());
            start_async(options, views, *where, std::move(*later));
        });
        return;
    }
    auto where = slot_for(command);
    if (!where) {
        done(where.error_value());
        return;
    }
    start_async(options, command, *where, std::move(done));
}

void cluster_client::start_async(const call_options& options, command_view command,
                                 const cluster::command_slot& where, reply_callback done) {
    // The thread's buffer, reused as detail::encode_buffer is.
    thread_local std::string encoded;
    if (encoded.capacity() > 1024 * 1024) std::string().swap(encoded);
    encoded.clear();
    resp::append_command(encoded, command);
    start_encoded(options, traits_of(command.front(), command.subspan(1)), where, encoded,
                  std::move(done));
}

namespace {

std::string upper_case(std::string_view name) {
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper;
}

// Positions in a command of `size` words from COMMAND INFO's first, last
// (negative: from the end) and step.
std::vector<std::string_view> keys_at(std::span<const std::string_view> command, int first,
                                      int last, int step) {
    std::vector<std::string_view> keys;
    const int size = static_cast<int>(command.size());
    const int end = last < 0 ? size + last : std::min(last, size - 1);
    for (int i = first; i > 0 && i <= end && step > 0; i += step)
        keys.push_back(command[static_cast<std::size_t>(i)]);
    return keys;
}

}  // namespace

bool cluster_client::asks_server_for_keys(std::span<const std::string_view> command) const {
    if (command.empty() ||
        cluster::find_keys(command).what != cluster::command_keys::status::unknown)
        return false;
    std::lock_guard lock(server_keys_mutex_);
    auto known = server_keys_.find(upper_case(command.front()));
    return known == server_keys_.end() || known->second.what == server_keys::kind::movable;
}

result<cluster::command_slot> cluster_client::slot_for(std::span<const std::string_view> command) {
    auto where = cluster::slot_of(command);
    if (!where || where->what != cluster::command_slot::status::unknown) return where;
    return slot_from_server(command);
}

result<cluster::command_slot> cluster_client::slot_from_server(
    std::span<const std::string_view> command) {
    const std::string name = upper_case(command.front());
    std::optional<server_keys> known;
    {
        std::lock_guard lock(server_keys_mutex_);
        if (auto it = server_keys_.find(name); it != server_keys_.end()) known = it->second;
    }
    if (!known) {
        auto m = any_primary();
        if (!m) return m.error_value();
        auto info = (*m)->call("COMMAND", "INFO", command.front());
        if (!info) return info.error_value();
        // [[name, arity, flags, first, last, step, ...]]; a null element for a
        // command the server does not know either (it will say so itself).
        server_keys k;
        const resp::reply all = info->view();
        if (all.size() == 1 && !all[0].is_null() && all[0].size() >= 6) {
            const resp::reply entry = all[0];
            bool movable = false;
            for (std::size_t i = 0; i < entry[2].size(); ++i)
                movable = movable || entry[2][i].string() == "movablekeys";
            k.first = static_cast<int>(entry[3].integer());
            k.last = static_cast<int>(entry[4].integer());
            k.step = static_cast<int>(entry[5].integer());
            k.what = movable       ? server_keys::kind::movable
                     : k.first > 0 ? server_keys::kind::fixed
                                   : server_keys::kind::none;
        }
        std::lock_guard lock(server_keys_mutex_);
        known = server_keys_.emplace(name, k).first->second;
    }
    cluster::command_slot none;
    switch (known->what) {
        case server_keys::kind::none:
            return none;
        case server_keys::kind::fixed:
            return cluster::slot_of_keys(command.front(),
                                         keys_at(command, known->first, known->last, known->step));
        case server_keys::kind::movable:
            break;
    }
    // Its keys depend on its arguments: the server finds them in this call.
    std::vector<std::string_view> getkeys{"COMMAND", "GETKEYS"};
    getkeys.insert(getkeys.end(), command.begin(), command.end());
    auto m = any_primary();
    if (!m) return m.error_value();
    auto keys = net::detail::runtime_commands::call(**m, {}, getkeys);
    if (!keys) {
        // "The command has no key arguments" and the like.
        if (keys.error_value().kind == error_kind::server_reply) return none;
        return keys.error_value();
    }
    std::vector<std::string_view> found;
    const resp::reply list = keys->view();
    for (std::size_t i = 0; i < list.size(); ++i) found.push_back(list[i].string());
    return cluster::slot_of_keys(command.front(), found);
}

result<std::vector<resp::owned_reply>> cluster_client::execute(
    std::span<const command_view> commands, const call_options& options) {
    cluster_batch batch;
    for (command_view c : commands) batch.add(c);
    return execute(batch, options);
}

result<resp::owned_reply> cluster_client::execute_transaction(
    std::span<const command_view> commands, const call_options& options) {
    cluster_transaction tx;
    for (command_view c : commands) tx.add(c);
    return execute(tx, options);
}

endpoint cluster_client::server_for(std::string_view key) const {
    if (key.empty() && is_cluster()) {
        const auto all = primaries();
        return all.empty() ? endpoint{} : all.front();
    }
    return node_for_key(key);
}

multiplexer::counters cluster_client::connection_counters() const noexcept {
    multiplexer::counters total;
    auto add = [&total](const multiplexer::counters& c) {
        total.commands_sent += c.commands_sent;
        total.replies += c.replies;
        total.timeouts += c.timeouts;
        total.reconnects += c.reconnects;
        total.bytes_written += c.bytes_written;
        total.bytes_read += c.bytes_read;
        total.writes += c.writes;
        total.calls_on_caller_thread += c.calls_on_caller_thread;
    };
    if (standalone_) add(standalone_->snapshot());
    std::lock_guard lock(nodes_mutex_);
    for (const auto& [where, m] : nodes_)
        if (m) add(m->snapshot());
    return total;
}

}  // namespace respcache::net
