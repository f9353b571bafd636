#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "respcache/cache/distributed_cache.hpp"
#include "respcache/cache/telemetry.hpp"
#include "respcache/net/command_executor.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::cache {

namespace detail {
struct redis_cache_state;
}

struct redis_cache_options {
    // Prefix of every key, joined without a separator (RedisCacheOptions.InstanceName).
    std::string instance_name;
    // Receives one event per command; null: no events (tracing disabled).
    std::shared_ptr<command_observer> observer;
};

// An entry as stored, read without re-arming it: the hash fields as they
// are (nullopt: field absent) and the key's TTL.
struct stored_entry {
    std::optional<std::string> absexp;  // .NET ticks, UTC; "-1": none
    std::optional<std::string> sldexp;  // ticks; "-1": none
    std::optional<std::string> data;
    std::optional<std::chrono::milliseconds> ttl;  // nullopt: the key never expires

    // The fields parsed; nullopt when "-1", absent or not a number.
    std::optional<std::chrono::system_clock::time_point> absolute_expiration() const;
    std::optional<ticks> sliding_expiration() const;
};

// An entry read as get() reads it (a sliding one re-armed), with the
// expiration it was stored with: what a near cache needs to keep a copy.
struct fetched_entry {
    std::string data;
    expiration expires;
};

// The cache on a Redis server (or any RESP server, or a Redis Cluster), in
// the storage format of .NET's RedisCache: one hash per entry with the
// fields absexp, sldexp and data, under instance_name + key, in the
// connection's default database. A .NET service and this cache share entries.
//
// Where .NET falls short this cache does better while keeping the format:
// set writes the hash and its TTL atomically (one script: HSET with PEXPIRE,
// or PERSIST when the entry never expires), TTLs keep their milliseconds,
// and get and refresh read the hash and re-arm a sliding entry in one round
// trip (one script computing the TTL exactly as .NET's second command would).
// On a server that runs no scripts (Garnet without --lua, EVALSHA renamed
// away) the first refusal switches this cache to .NET's two-command forms:
// HMGET then PEXPIRE for get and refresh, MULTI/EXEC for set (HSET and
// PEXPIRE back to back for async_set), with the same stored format and TTLs.
//
// On a cluster every command of an entry names its one key (the scripts
// take it as KEYS[1]), so each goes to the node owning that key's slot.
class redis_cache final : public distributed_cache {
  public:
    // Opens a connection of its own: a multiplexer to one server, or a
    // cluster_client when the server reports cluster mode.
    static result<std::shared_ptr<redis_cache>> connect(const net::connection_options& connection,
                                                        redis_cache_options options = {});
    // On an existing multiplexer, which other caches and callers may share.
    explicit redis_cache(std::shared_ptr<net::multiplexer> connection,
                         redis_cache_options options = {});
    // On any executor: a net::cluster_client, a net::multiplexer_executor.
    explicit redis_cache(std::shared_ptr<net::command_executor> executor,
                         redis_cache_options options = {});
    ~redis_cache() override;

    // The multiplexer this cache runs on; null when it runs on another
    // executor (a cluster).
    const std::shared_ptr<net::multiplexer>& connection() const noexcept { return connection_; }
    const std::shared_ptr<net::command_executor>& executor() const noexcept { return executor_; }
    const std::string& instance_name() const noexcept;
    // False once the server said it runs no scripts (the two-command forms
    // are in use from then on).
    bool uses_scripts() const noexcept;

    // The stored fields and TTL of an entry, in one round trip, without
    // re-arming it; nullopt when the key does not exist.
    result<std::optional<stored_entry>> inspect(std::string_view key);

    // async_get that also gives the entry's absexp and sldexp; nullopt when
    // there is no entry. `done` runs on the connection's I/O thread.
    using entry_handler = std::function<void(result<std::optional<fetched_entry>>)>;
    void async_get_entry(std::string_view key, entry_handler done);

    metrics_snapshot metrics() const override;

  private:
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
    void async_read(std::string_view key, bool with_data, std::string_view operation,
                    std::function<void(result<resp::reply>)> done);

    std::shared_ptr<net::command_executor> executor_;
    std::shared_ptr<net::multiplexer> connection_;
    std::shared_ptr<detail::redis_cache_state> state_;  // shared with asynchronous completions
};

}  // namespace respcache::cache
