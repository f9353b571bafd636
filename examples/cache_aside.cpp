// Cache-aside with the distributed cache: an expensive lookup runs once, its
// result is kept in Redis with a sliding expiration, and later lookups are
// served from the cache (each read re-arms the expiration).
//
// The cache is registered the way an Aspire service registers it
// (AddRedisDistributedCache("cache")): its connection string comes from
// ConnectionStrings__cache, which `respcache host` (or an Aspire app host) sets.
//
//   respcache host -- ./cache_aside

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <respcache/cache/cache_registry.hpp>
#include <respcache/net/connection_string.hpp>

using namespace respcache;
using namespace std::chrono_literals;

namespace {

int fail(const char* what, const error& e) {
    std::fprintf(stderr, "cache_aside: %s failed: %s\n", what, to_string(e).c_str());
    return EXIT_FAILURE;
}

// Stands in for a slow database query or remote call.
int lookups = 0;
result<std::string> look_up_forecast(const std::string& city) {
    ++lookups;
    std::this_thread::sleep_for(300ms);
    return "sunny in " + city + ", 21 C";
}

}  // namespace

int main() {
    cache::cache_registry registry;
    auto added = registry.add_redis("cache", [](cache::redis_cache_settings& settings) {
        // Already filled from ConnectionStrings__cache when that is set.
        if (settings.connection_string.empty()) settings.connection_string = "localhost:6379";
        settings.instance_name = "examples:";  // prefix of every key
    });
    if (!added) return fail("registering the cache", added.error_value());
    if (auto parsed = net::parse_connection_string(registry.settings("cache")->connection_string))
        std::printf("cache at %s\n", net::to_string(*parsed).c_str());  // password masked

    auto cache = registry.default_cache();
    if (!cache) {
        fail("connecting", cache.error_value());
        if (!std::getenv("ConnectionStrings__cache"))
            std::fprintf(stderr,
                         "cache_aside: ConnectionStrings__cache is not set, so this tried "
                         "localhost:6379; to run against a server of its own: "
                         "respcache host -- ./cache_aside\n");
        return EXIT_FAILURE;
    }

    const std::string city = "Oslo";
    const std::string key = "forecast:" + city;
    if (auto removed = (*cache)->remove(key); !removed)
        return fail("removing a previous entry", removed.error_value());

    // Kept while it is read at least every 30 seconds.
    const auto options = cache::entry_options::sliding(30s);
    for (int attempt = 1; attempt <= 3; ++attempt) {
        const int lookups_before = lookups;
        const auto start = std::chrono::steady_clock::now();
        auto forecast = (*cache)->get_or_create(
            key, [&] { return look_up_forecast(city); }, options);
        if (!forecast) return fail("get_or_create", forecast.error_value());
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
        std::printf("lookup %d: \"%s\" in %lld ms (%s)\n", attempt, forecast->c_str(),
                    static_cast<long long>(took.count()),
                    lookups > lookups_before ? "computed, then stored with 30 s sliding expiration"
                                             : "from the cache");
    }

    if (auto removed = (*cache)->remove(key); !removed)
        return fail("removing the entry", removed.error_value());
    if (lookups != 1) {
        std::fprintf(stderr, "cache_aside: the expensive lookup ran %d times, expected once\n",
                     lookups);
        return EXIT_FAILURE;
    }
    std::printf("the expensive lookup ran once for 3 requests; ok\n");
    return EXIT_SUCCESS;
}
