#include "respcache/cache/near_cache.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "respcache/cache/memory_cache.hpp"

namespace respcache::cache {

namespace {

using clock = std::chrono::system_clock;

struct view_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

template <class T>
using by_key = std::unordered_map<std::string, T, view_hash, std::equal_to<>>;

// The first level's copy expires when the server's does: the same absolute
// time and sliding window as the stored absexp and sldexp.
entry_options as_options(const expiration& e) {
    entry_options o;
    o.absolute_expiration = e.absolute;
    o.sliding_expiration = e.sliding;
    return o;
}

template <class T>
T wait_for(const std::function<void(std::function<void(T)>)>& start) {
    // Shared: set_value may still be running when get() returns.
    auto promise = std::make_shared<std::promise<T>>();
    std::future<T> future = promise->get_future();
    start([promise](T outcome) { promise->set_value(std::move(outcome)); });
    return future.get();
}

}  // namespace

// Everything the near cache shares with its completions and the
// invalidation handler. Every change to the first level's contents is made
// on the connection's I/O thread, in the order of the replies and pushes on
// the tracked connection, except removals (which can only make it miss).
struct near_cache::state {
    explicit state(near_cache_options o)
        : options(std::move(o)), first(memory_cache_options{options.first_level_size_limit, {}}) {}

    near_cache_options options;
    memory_cache first;
    std::atomic<bool> active{false};  // the server tracks the connection's reads
    std::atomic<std::uint64_t> first_hits{0}, second_hits{0}, misses{0}, invalidations{0},
        flushes{0};
    std::atomic<std::size_t> sliding_entries{0};

    // One read of the server for a key, shared by every caller that missed
    // meanwhile. An invalidation of the key (or a flush) before its reply
    // marks it stale: the value read may predate the change, so it is
    // returned but not kept.
    struct flight {
        bool stale = false;
        std::vector<get_handler> waiters;
    };
    // A sliding entry held in the first level: when the server's TTL runs
    // out unless re-armed, and when the next background re-arm is due.
    struct sliding_entry {
        ticks window;
        std::optional<clock::time_point> absolute;
        clock::time_point server_deadline;
        clock::time_point rearm_due;
        bool rearming = false;
    };
    mutable std::mutex mutex;
    by_key<flight> flights;
    by_key<sliding_entry> sliding;
    std::uint64_t keeps = 0;
    std::optional<std::string> disabled;

    // The cache's key for a key of the server; nullopt for another
    // instance's keys.
    std::optional<std::string_view> own_key(std::string_view server_key) const {
        const std::string& prefix = options.instance_name;
        if (!server_key.starts_with(prefix)) return std::nullopt;
        return server_key.substr(prefix.size());
    }

    void emit(near_cache_event::kind what, std::string_view reason = {}) {
        if (options.observer) options.observer->on_near_cache_event(near_cache_event{what, reason});
    }

    void on_invalidation(const net::invalidation& i) {
        switch (i.what) {
            case net::invalidation::kind::tracking_on: {
                {
                    std::lock_guard lock(mutex);
                    disabled.reset();
                }
                active.store(true, std::memory_order_release);
                emit(near_cache_event::kind::active);
                break;
            }
            case net::invalidation::kind::keys:
                for (std::string_view server_key : i.keys) {
                    invalidations.fetch_add(1, std::memory_order_relaxed);
                    if (const auto key = own_key(server_key)) forget(*key);
                }
                break;
            case net::invalidation::kind::everything:
                flush(i.reason);
                break;
            case net::invalidation::kind::tracking_lost:
                active.store(false, std::memory_order_release);
                flush(i.reason);
                break;
            case net::invalidation::kind::unavailable: {
                active.store(false, std::memory_order_release);
                {
                    std::lock_guard lock(mutex);
                    disabled = std::string(i.reason);
                }
                flush(i.reason);
                emit(near_cache_event::kind::disabled, i.reason);
                break;
            }
        }
    }

    // The key's copy and any read of it in flight are no longer to be trusted.
    void forget(std::string_view key) {
        {
            std::lock_guard lock(mutex);
            if (const auto f = flights.find(key); f != flights.end()) f->second.stale = true;
            drop_sliding(key);
        }
        static_cast<void>(first.remove(key));  // cannot fail in memory
    }

    void flush(std::string_view reason) {
        {
            std::lock_guard lock(mutex);
            for (auto& [key, f] : flights) f.stale = true;
            sliding.clear();
            sliding_entries.store(0, std::memory_order_relaxed);
        }
        first.clear();
        flushes.fetch_add(1, std::memory_order_relaxed);
        emit(near_cache_event::kind::flushed, reason);
    }

    // Caller holds the mutex. The records of sliding entries whose server
    // copy has expired unread: the first level evicted them (by its size
    // bound, or their own expiry) or will treat them as expired anyway.
    void prune_sliding(clock::time_point now) {
        std::erase_if(sliding, [&](const auto& s) { return s.second.server_deadline <= now; });
        sliding_entries.store(sliding.size(), std::memory_order_relaxed);
    }

    // Caller holds the mutex.
    void drop_sliding(std::string_view key) {
        if (const auto s = sliding.find(key); s != sliding.end()) {
            sliding.erase(s);
            sliding_entries.fetch_sub(1, std::memory_order_relaxed);
        }
    }

    // Keeps a copy of what the server holds since `read_at` (when the
    // request that read or wrote it was made). On the I/O thread.
    void keep(std::string_view key, std::string_view value, const expiration& e,
              clock::time_point read_at) {
        {
            std::lock_guard lock(mutex);
            drop_sliding(key);
            if (++keeps % 1024 == 0) prune_sliding(read_at);
            if (e.sliding) {
                sliding.emplace(std::string(key),
                                sliding_entry{*e.sliding, e.absolute, e.deadline(read_at),
                                              read_at + *e.sliding / 10, false});
                sliding_entries.fetch_add(1, std::memory_order_relaxed);
            }
        }
        // Refused when it expired meanwhile or exceeds the bound: then no copy.
        if (!first.set(key, value, as_options(e))) forget(key);
    }

    // For a first-level hit: false when the server's copy of this sliding
    // entry may have expired (then read through); re-arms the server's TTL
    // in the background when a tenth of its window has passed.
    bool alive_on_server(std::string_view key, redis_cache& second,
                         const std::shared_ptr<state>& self) {
        if (sliding_entries.load(std::memory_order_relaxed) == 0) return true;
        const clock::time_point now = clock::now();
        bool expired = false;
        {
            std::lock_guard lock(mutex);
            const auto s = sliding.find(key);
            if (s == sliding.end()) return true;
            if (now < s->second.server_deadline) {
                if (s->second.rearming || now < s->second.rearm_due) return true;
                s->second.rearming = true;
                s->second.rearm_due = now + s->second.window / 10;
            } else {
                drop_sliding(key);
                expired = true;
            }
        }
        if (expired) {
            static_cast<void>(first.remove(key));  // cannot fail in memory
            return false;
        }
        second.async_refresh(key, [self, key = std::string(key), now](result<void> r) {
            std::lock_guard lock(self->mutex);
            const auto s = self->sliding.find(key);
            if (s == self->sliding.end()) return;
            s->second.rearming = false;
            if (r)
                s->second.server_deadline =
                    expiration{s->second.absolute, s->second.window}.deadline(now);
        });
        return true;
    }

    // Joins the read of `key` in flight, or starts one.
    void read_through(std::string_view key, redis_cache& second, const std::shared_ptr<state>& self,
                      get_handler done) {
        {
            std::lock_guard lock(mutex);
            auto [f, first_reader] = flights.try_emplace(std::string(key));
            f->second.waiters.push_back(std::move(done));
            if (!first_reader) return;
        }
        const clock::time_point read_at = clock::now();
        second.async_get_entry(
            key, [self, key = std::string(key), read_at](result<std::optional<fetched_entry>> r) {
                self->land(key, read_at, std::move(r));
            });
    }

    void land(const std::string& key, clock::time_point read_at,
              result<std::optional<fetched_entry>> r) {
        flight f;
        {
            std::lock_guard lock(mutex);
            auto node = flights.extract(key);
            if (node) f = std::move(node.mapped());
        }
        get_result outcome = std::optional<std::string>();
        if (!r) {
            outcome = r.error_value();
        } else if (!*r) {
            misses.fetch_add(f.waiters.size(), std::memory_order_relaxed);
        } else {
            second_hits.fetch_add(f.waiters.size(), std::memory_order_relaxed);
            if (!f.stale && active.load(std::memory_order_acquire))
                keep(key, (*r)->data, (*r)->expires, read_at);
            outcome = std::optional<std::string>(std::move((*r)->data));
        }
        for (std::size_t i = 0; i + 1 < f.waiters.size(); ++i) f.waiters[i](outcome);
        if (!f.waiters.empty()) f.waiters.back()(std::move(outcome));
    }
};

result<std::shared_ptr<near_cache>> near_cache::create(std::shared_ptr<net::multiplexer> connection,
                                                       near_cache_options options) {
    if (!connection) return error{error_kind::config, "a near cache needs a connection"};
    net::tracking_options tracking;
    tracking.noloop = true;
    tracking.broadcast = options.broadcast;
    if (options.broadcast && !options.instance_name.empty())
        tracking.bcast_prefixes.push_back(options.instance_name);
    redis_cache_options second_options{options.instance_name, options.observer};
    auto s = std::make_shared<state>(std::move(options));
    auto second = std::make_shared<redis_cache>(connection, std::move(second_options));
    auto tracked = connection->track(std::move(tracking),
                                     [s](const net::invalidation& i) { s->on_invalidation(i); });
    if (!tracked)
        return error{tracked.error_value().kind,
                     "near cache: " + tracked.error_value().message +
                         " (each near cache needs a multiplexer of its own)"};
    return std::shared_ptr<near_cache>(new near_cache(std::move(second), std::move(s)));
}

result<std::shared_ptr<near_cache>> near_cache::connect(const net::connection_options& connection,
                                                        near_cache_options options) {
    auto opened = net::multiplexer::connect(connection);
    if (!opened) return opened.error_value();
    return create(std::move(*opened), std::move(options));
}

near_cache::near_cache(std::shared_ptr<redis_cache> second, std::shared_ptr<state> s)
    : second_(std::move(second)), state_(std::move(s)) {}

near_cache::~near_cache() = default;

const std::shared_ptr<net::multiplexer>& near_cache::connection() const noexcept {
    return second_->connection();
}

bool near_cache::first_level_active() const noexcept {
    return state_->active.load(std::memory_order_acquire);
}

std::optional<std::string> near_cache::disabled_reason() const {
    std::lock_guard lock(state_->mutex);
    return state_->disabled;
}

distributed_cache::get_result near_cache::do_get(std::string_view key) {
    if (state_->active.load(std::memory_order_acquire)) {
        get_result hit = state_->first.get(key);
        if (hit && *hit && state_->alive_on_server(key, *second_, state_)) {
            state_->first_hits.fetch_add(1, std::memory_order_relaxed);
            return hit;
        }
    }
    return wait_for<get_result>(
        [&](get_handler done) { state_->read_through(key, *second_, state_, std::move(done)); });
}

void near_cache::do_async_get(std::string_view key, get_handler done) {
    if (state_->active.load(std::memory_order_acquire)) {
        get_result hit = state_->first.get(key);
        if (hit && *hit && state_->alive_on_server(key, *second_, state_)) {
            state_->first_hits.fetch_add(1, std::memory_order_relaxed);
            done(std::move(hit));
            return;
        }
    }
    state_->read_through(key, *second_, state_, std::move(done));
}

result<void> near_cache::do_set(std::string_view key, std::string_view value,
                                const entry_options& options) {
    return wait_for<result<void>>(
        [&](done_handler done) { do_async_set(key, value, options, std::move(done)); });
}

void near_cache::do_async_set(std::string_view key, std::string_view value,
                              const entry_options& options, done_handler done) {
    const clock::time_point now = clock::now();
    auto resolved = resolve(options, now);
    if (!resolved) {
        done(resolved.error_value());
        return;
    }
    // Both levels get the same absexp, fixed here, not one each.
    auto kept = [s = state_, second = second_, key = std::string(key), value = std::string(value),
                 e = *resolved, now, done = std::move(done)](result<void> r) {
        // NOLOOP: the server reports nobody's write back to its writer, so
        // this process's copy follows its own acknowledged write here; the
        // set script's last read keeps the key tracked for the next change
        // by anyone else. Without scripts the write is two commands another
        // client's write can come between, and one whose outcome is unknown
        // may or may not have happened: neither leaves a copy.
        if (r && s->active.load(std::memory_order_acquire) && second->uses_scripts())
            s->keep(key, value, e, now);
        else
            s->forget(key);
        done(std::move(r));
    };
    second_->async_set(key, value, as_options(*resolved), std::move(kept));
}

result<void> near_cache::do_refresh(std::string_view key) {
    return wait_for<result<void>>(
        [&](done_handler done) { do_async_refresh(key, std::move(done)); });
}

void near_cache::do_async_refresh(std::string_view key, done_handler done) {
    const clock::time_point now = clock::now();
    second_->async_refresh(
        key, [s = state_, key = std::string(key), now, done = std::move(done)](result<void> r) {
            if (r) {
                {
                    std::lock_guard lock(s->mutex);
                    if (const auto e = s->sliding.find(key); e != s->sliding.end()) {
                        e->second.server_deadline =
                            expiration{e->second.absolute, e->second.window}.deadline(now);
                        e->second.rearm_due = now + e->second.window / 10;
                    }
                }
                static_cast<void>(s->first.refresh(key));  // cannot fail in memory
            }
            done(std::move(r));
        });
}

result<void> near_cache::do_remove(std::string_view key) {
    return wait_for<result<void>>(
        [&](done_handler done) { do_async_remove(key, std::move(done)); });
}

void near_cache::do_async_remove(std::string_view key, done_handler done) {
    second_->async_remove(
        key, [s = state_, key = std::string(key), done = std::move(done)](result<void> r) {
            s->forget(key);
            done(std::move(r));
        });
}

metrics_snapshot near_cache::metrics() const {
    metrics_snapshot m = second_->metrics();
    const metrics_snapshot first = state_->first.metrics();
    m.first_level_hits = state_->first_hits.load(std::memory_order_relaxed);
    m.second_level_hits = state_->second_hits.load(std::memory_order_relaxed);
    m.hits = m.first_level_hits + m.second_level_hits;
    m.misses = state_->misses.load(std::memory_order_relaxed);
    m.entries = first.entries;
    m.size_bytes = first.size_bytes;
    m.evictions = first.evictions;
    m.invalidations = state_->invalidations.load(std::memory_order_relaxed);
    m.flushes = state_->flushes.load(std::memory_order_relaxed);
    return m;
}

}  // namespace respcache::cache
