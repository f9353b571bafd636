#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "respcache/cache/distributed_cache.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/cache/telemetry.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::cache {

struct near_cache_options {
    // Prefix of every key on the server (RedisCacheOptions.InstanceName).
    std::string instance_name;
    // Receives the second level's command events and the near cache's own
    // events (near_cache_event); null: none.
    std::shared_ptr<command_observer> observer;
    // Bound on the bytes the first level holds (memory_cache_options).
    std::size_t first_level_size_limit = 200 * 1024 * 1024;
    // Ask the server for every change under instance_name (BCAST PREFIX)
    // rather than only for the keys this process read: fewer keys tracked on
    // the server, more invalidations to hear.
    bool broadcast = false;
};

// A distributed cache with an in-process first level (a memory_cache) in
// front of the Redis cache (redis_cache, the .NET RedisCache format), kept
// coherent by the server: the connection runs CLIENT TRACKING (RESP3), and
// each key another client changes, removes or lets expire is evicted from
// the first level as the server reports it.
//
// - get: the first level while it holds the entry; otherwise one read of
//   the server per key however many callers miss at once, kept unless an
//   invalidation for the key arrived before its reply.
// - set, remove, refresh: written through; this process's own writes update
//   the first level when the server acknowledged them (NOLOOP: the server
//   does not report them back).
// - a lost connection or a flushed database drops the whole first level.
// - sliding entries read from the first level re-arm the server's TTL in
//   the background, at most once per key per tenth of the sliding window,
//   so other services (.NET ones included) see them alive.
// - a server that cannot track (RESP2 connection, CLIENT TRACKING refused,
//   Garnet) disables the first level, with a near_cache_event and
//   disabled_reason(): every read then goes to the server, never stale.
//
// Tracking belongs to a connection, so the near cache needs the
// multiplexer's tracking to itself (create() fails on one tracked already).
class near_cache final : public distributed_cache {
  public:
    static result<std::shared_ptr<near_cache>> create(std::shared_ptr<net::multiplexer> connection,
                                                      near_cache_options options = {});
    static result<std::shared_ptr<near_cache>> connect(const net::connection_options& connection,
                                                       near_cache_options options = {});
    ~near_cache() override;

    const std::shared_ptr<net::multiplexer>& connection() const noexcept;
    // The second level, for inspect() and what it alone offers.
    redis_cache& second_level() noexcept { return *second_; }

    // True while the first level serves reads (the server tracks them).
    bool first_level_active() const noexcept;
    // Why the server cannot track, when it said so; nullopt otherwise.
    std::optional<std::string> disabled_reason() const;

    metrics_snapshot metrics() const override;

    struct state;

  private:
    near_cache(std::shared_ptr<redis_cache> second, std::shared_ptr<state> s);

    get_result do_get(std::string_view key) override;
    result<void> do_set(std::string_view key, std::string_view value,
                        const entry_options& options) override;
    result<void> do_refresh(std::string_view key) override;
    result<void> do_remove(std::string_view key) override;
    void do_async_get(std::string_view key, get_handler done) override;
    void do_async_set(std::string_view key, std::string_view value, const entry_options& options,
                      done_handler done) override;
    void do_async_refresh(std::string_view key, done_handler done) override;
    void do_async_remove(std::string_view key, done_handler done) override;

    std::shared_ptr<redis_cache> second_;
    std::shared_ptr<state> state_;  // shared with completions and the invalidation handler
};

}  // namespace respcache::cache
