#include <thread>

#include "cache_contract.hpp"
#include "redis_server.hpp"
#include "respcache/cache/near_cache.hpp"
#include "respcache/net/connection_string.hpp"

namespace respcache::cache::contract {
namespace {

// A server per test; each near cache made has a tracked multiplexer of its
// own (tracking is per connection), as two services would. Each is made
// once its first level serves, so the suite runs through it, not around it.
struct near_backend {
    testing::redis_server server;

    std::shared_ptr<distributed_cache> make(const std::string& instance_name) {
        auto options = net::parse_connection_string(server.connection_string());
        near_cache_options near;
        near.instance_name = instance_name;
        auto made = near_cache::connect(*options, near);
        EXPECT_TRUE(made) << (made ? "" : made.error_value().message);
        if (!made) return nullptr;
        const auto give_up = std::chrono::steady_clock::now() + 5s;
        while (!(*made)->first_level_active() && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(1ms);
        EXPECT_TRUE((*made)->first_level_active()) << (*made)->disabled_reason().value_or("");
        return *made;
    }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Near, CacheContract, near_backend);

}  // namespace
}  // namespace respcache::cache::contract
