#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/cache/distributed_cache.hpp"
#include "respcache/cache/health_check.hpp"
#include "respcache/cache/memory_cache.hpp"
#include "respcache/cache/telemetry.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::cache {

// A near cache in front of a named Redis cache (near_cache.hpp): what
// near_cache_options adds to the registration's own settings.
struct near_cache_settings {
    std::size_t first_level_size_limit = 200 * 1024 * 1024;
    bool broadcast = false;  // BCAST PREFIX <instance name>
};

// Settings of one named Redis cache (Aspire's StackExchangeRedisSettings,
// plus RedisCacheOptions.InstanceName).
struct redis_cache_settings {
    std::string connection_string;  // filled from ConnectionStrings__<name> when that is set
    bool disable_health_checks = false;
    bool disable_tracing = false;  // no command_event reaches the observer
    std::string instance_name;
    // Set: the cache is a near_cache, on a multiplexer of its own (tracking
    // belongs to a connection), instead of a plain redis_cache.
    std::optional<near_cache_settings> near_cache;
};

struct registry_options {
    // Looks up an environment variable; default: the process environment.
    std::function<std::optional<std::string>(const std::string& variable)> environment;
    // Receives the command events of every Redis cache that traces.
    std::shared_ptr<command_observer> observer;
};

struct named_health_report {
    std::string name;
    health_report report;
};

// Caches by name, configured the way the Aspire integration configures them
// (AddRedisDistributedCache("cache"), AddKeyedRedisDistributedCache("chat")).
//
// A Redis cache's settings come, later winning, from the environment
// variables Aspire delivers: the general section
// Aspire__StackExchange__Redis__{ConnectionString,DisableHealthChecks,
// DisableTracing}, the cache's own section Aspire__StackExchange__Redis__
// <name>__{...}, and ConnectionStrings__<name> for the connection string;
// then the settings callback, which finds them already there. Registration checks it and runs both
// callbacks; the connection is made when the cache is first asked for, and caches whose connection
// options come out equal share one multiplexer. Thread-safe.
class cache_registry {
  public:
    using settings_callback = std::function<void(redis_cache_settings&)>;
    using options_callback = std::function<void(net::connection_options&)>;

    explicit cache_registry(registry_options options = {});
    ~cache_registry();
    cache_registry(const cache_registry&) = delete;
    cache_registry& operator=(const cache_registry&) = delete;

    // The default cache (AddRedisDistributedCache), also reachable by name.
    // Errors (kind config): the name is taken, a default exists already, no
    // connection string (the message names ConnectionStrings__<name>), or
    // the connection string does not parse.
    result<void> add_redis(std::string_view name, settings_callback configure_settings = {},
                           options_callback configure_options = {});
    // A cache reachable by name only (AddKeyedRedisDistributedCache).
    result<void> add_keyed_redis(std::string_view name, settings_callback configure_settings = {},
                                 options_callback configure_options = {});
    // In-process caches with no server, for tests and single-process use.
    result<void> add_memory(std::string_view name, memory_cache_options options = {});
    result<void> add_keyed_memory(std::string_view name, memory_cache_options options = {});

    // The cache, connecting it on first use. Errors: nothing registered
    // under that name (config), or the connection failed.
    result<std::shared_ptr<distributed_cache>> default_cache();
    result<std::shared_ptr<distributed_cache>> cache(std::string_view name);

    // The settings a Redis cache was registered with, after its callback;
    // nullopt for other names.
    std::optional<redis_cache_settings> settings(std::string_view name) const;

    // One cache's health; a memory cache is always healthy, and a Redis
    // cache that cannot connect is unhealthy with the reason. Error (config):
    // no such name, or its health checks are disabled.
    result<health_report> check_health(std::string_view name, std::chrono::milliseconds timeout);
    // Every cache whose health checks are enabled, in registration order.
    std::vector<named_health_report> check_health(std::chrono::milliseconds timeout);

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace respcache::cache
