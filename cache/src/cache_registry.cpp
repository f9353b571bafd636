#include "respcache/cache/cache_registry.hpp"

#include <cstdlib>
#include <mutex>
#include <utility>

#include "aspire_settings.hpp"
#include "respcache/cache/near_cache.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/connect_executor.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::cache {

namespace {

std::optional<std::string> process_environment(const std::string& variable) {
    if (const char* value = std::getenv(variable.c_str())) return std::string(value);
    return std::nullopt;
}

error config_error(std::string_view name, std::string what) {
    return error{error_kind::config, "cache \"" + std::string(name) + "\": " + std::move(what)};
}

}  // namespace

struct cache_registry::impl {
    struct registration {
        std::string name;
        bool keyed = false;
        // Redis caches: settings and options fixed at registration, the
        // cache once connected.
        std::optional<redis_cache_settings> settings;
        net::connection_options connection;
        std::shared_ptr<redis_cache> redis;
        std::shared_ptr<near_cache> near;  // instead of redis, when settings->near_cache
        // Memory caches: made at registration.
        std::shared_ptr<memory_cache> memory;
    };

    registry_options options;
    mutable std::mutex mutex;
    std::vector<registration> registrations;
    // One server or a cluster, detected when first connected.
    std::vector<std::pair<net::connection_options, net::connected_executor>> connections;

    registration* find(std::string_view name) {
        for (auto& r : registrations)
            if (r.name == name) return &r;
        return nullptr;
    }

    result<void> add(registration r) {
        if (r.name.empty()) return error{error_kind::config, "a cache needs a name"};
        std::lock_guard lock(mutex);
        if (find(r.name)) return config_error(r.name, "registered twice");
        if (!r.keyed)
            for (const auto& other : registrations)
                if (!other.keyed)
                    return config_error(r.name, "a default cache is registered already (\"" +
                                                    other.name + "\"); register this one keyed");
        registrations.push_back(std::move(r));
        return {};
    }

    result<void> add_redis(std::string_view name, bool keyed,
                           const settings_callback& configure_settings,
                           const options_callback& configure_options) {
        const std::string variable = "ConnectionStrings__" + std::string(name);
        registration r;
        r.name = std::string(name);
        r.keyed = keyed;
        redis_cache_settings& s = r.settings.emplace();
        const auto& lookup = options.environment ? options.environment : process_environment;
        if (auto read = detail::read_aspire_settings(name, lookup, s); !read)
            return config_error(name, read.error_value().message);
        if (configure_settings) configure_settings(s);
        if (s.connection_string.empty())
            return config_error(name, "no connection string: set the environment variable " +
                                          variable + " (or Aspire__StackExchange__Redis__" +
                                          std::string(name) +
                                          "__ConnectionString) or settings.connection_string "
                                          "in code");
        auto parsed = net::parse_connection_string(s.connection_string);
        if (!parsed) return config_error(name, parsed.error_value().message);
        r.connection = std::move(*parsed);
        if (configure_options) configure_options(r.connection);
        return add(std::move(r));
    }

    result<void> add_memory(std::string_view name, bool keyed, memory_cache_options o) {
        registration r;
        r.name = std::string(name);
        r.keyed = keyed;
        r.memory = std::make_shared<memory_cache>(std::move(o));
        return add(std::move(r));
    }

    // Caller holds the mutex.
    result<std::shared_ptr<distributed_cache>> resolve(registration& r) {
        if (r.memory) return std::shared_ptr<distributed_cache>(r.memory);
        if (r.redis) return std::shared_ptr<distributed_cache>(r.redis);
        if (r.near) return std::shared_ptr<distributed_cache>(r.near);
        if (r.settings->near_cache) return resolve_near(r);
        const net::connected_executor* shared = nullptr;
        for (const auto& [connection, executor] : connections)
            if (connection == r.connection) shared = &executor;
        if (!shared) {
            auto opened = net::connect_executor(r.connection);
            if (!opened)
                return error{opened.error_value().kind,
                             "cache \"" + r.name + "\": " + opened.error_value().message};
            shared = &connections.emplace_back(r.connection, std::move(*opened)).second;
        }
        redis_cache_options o;
        o.instance_name = r.settings->instance_name;
        if (!r.settings->disable_tracing) o.observer = options.observer;
        r.redis = shared->connection
                      ? std::make_shared<redis_cache>(shared->connection, std::move(o))
                      : std::make_shared<redis_cache>(shared->executor, std::move(o));
        return std::shared_ptr<distributed_cache>(r.redis);
    }

    // Caller holds the mutex.
    result<std::shared_ptr<distributed_cache>> resolve_near(registration& r) {
        near_cache_options o;
        o.instance_name = r.settings->instance_name;
        if (!r.settings->disable_tracing) o.observer = options.observer;
        o.first_level_size_limit = r.settings->near_cache->first_level_size_limit;
        o.broadcast = r.settings->near_cache->broadcast;
        auto made = near_cache::connect(r.connection, std::move(o));
        if (!made)
            return error{made.error_value().kind,
                         "cache \"" + r.name + "\": " + made.error_value().message};
        r.near = std::move(*made);
        return std::shared_ptr<distributed_cache>(r.near);
    }

    health_report check(registration& r, std::chrono::milliseconds timeout) {
        if (r.memory) return health_report{health_status::healthy, {}, {}};
        const auto start = std::chrono::steady_clock::now();
        auto resolved = resolve(r);
        if (!resolved)
            return health_report{health_status::unhealthy, std::chrono::steady_clock::now() - start,
                                 resolved.error_value().message};
        if (r.near) return cache::check_health(*r.near->connection(), timeout);
        if (r.redis->connection()) return cache::check_health(*r.redis->connection(), timeout);
        return cache::check_health(*r.redis->executor(), timeout);
    }
};

cache_registry::cache_registry(registry_options options) : impl_(std::make_unique<impl>()) {
    impl_->options = std::move(options);
}

cache_registry::~cache_registry() = default;

result<void> cache_registry::add_redis(std::string_view name, settings_callback configure_settings,
                                       options_callback configure_options) {
    return impl_->add_redis(name, false, configure_settings, configure_options);
}

result<void> cache_registry::add_keyed_redis(std::string_view name,
                                             settings_callback configure_settings,
                                             options_callback configure_options) {
    return impl_->add_redis(name, true, configure_settings, configure_options);
}

result<void> cache_registry::add_memory(std::string_view name, memory_cache_options options) {
    return impl_->add_memory(name, false, std::move(options));
}

result<void> cache_registry::add_keyed_memory(std::string_view name, memory_cache_options options) {
    return impl_->add_memory(name, true, std::move(options));
}

result<std::shared_ptr<distributed_cache>> cache_registry::default_cache() {
    std::lock_guard lock(impl_->mutex);
    for (auto& r : impl_->registrations)
        if (!r.keyed) return impl_->resolve(r);
    return error{error_kind::config, "no default cache is registered (add_redis or add_memory)"};
}

result<std::shared_ptr<distributed_cache>> cache_registry::cache(std::string_view name) {
    std::lock_guard lock(impl_->mutex);
    impl::registration* r = impl_->find(name);
    if (!r) return config_error(name, "not registered");
    return impl_->resolve(*r);
}

std::optional<redis_cache_settings> cache_registry::settings(std::string_view name) const {
    std::lock_guard lock(impl_->mutex);
    const impl::registration* r = impl_->find(name);
    if (!r) return std::nullopt;
    return r->settings;
}

result<health_report> cache_registry::check_health(std::string_view name,
                                                   std::chrono::milliseconds timeout) {
    std::lock_guard lock(impl_->mutex);
    impl::registration* r = impl_->find(name);
    if (!r) return config_error(name, "not registered");
    if (r->settings && r->settings->disable_health_checks)
        return config_error(name, "health checks are disabled");
    return impl_->check(*r, timeout);
}

std::vector<named_health_report> cache_registry::check_health(std::chrono::milliseconds timeout) {
    std::lock_guard lock(impl_->mutex);
    std::vector<named_health_report> reports;
    for (auto& r : impl_->registrations)
        if (!r.settings || !r.settings->disable_health_checks)
            reports.push_back({r.name, impl_->check(r, timeout)});
    return reports;
}

}  // namespace respcache::cache
