#include <thread>

#include "cache_contract.hpp"
#include "redis_server.hpp"
#include "respcache/cache/near_cache.hpp"
#include "respcache/net/connection_string.hpp"
#include "test_server_kind.hpp"

namespace respcache::cache::contract {
namespace {

// A server per test; each near cache made has a tracked multiplexer of its
// own (tracking is per connection), as two services would. Each is made
// once its first level serves, so the suite runs through it, not around it;
// on Garnet, which cannot track, once it has said so and reads through.
struct near_backend {
    testing::redis_server server;

    std::shared_ptr<distributed_cache> make(const std::string& instance_name) {
        auto options = net::parse_connection_string(server.connection_string());
        near_cache_options near;
        near.instance_name = instance_name;
        auto made = near_cache::connect(*options, near);
        EXPECT_TRUE(made) << (made ? "" : made.error_value().message);
        if (!made) return nullptr;
        const auto settled = [&] {
            return testing::testing_against_garnet() ? (*made)->disabled_reason().has_value()
                                                     : (*made)->first_level_active();
        };
        const auto give_up = std::chrono::steady_clock::now() + 5s;
        while (!settled() && std::chrono::steady_clock::now() < give_up)
            std::this_thread::sleep_for(1ms);
        EXPECT_TRUE(settled()) << (*made)->disabled_reason().value_or("still waiting");
        return *made;
    }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Near, CacheContract, near_backend);

}  // namespace
}  // namespace respcache::cache::contract
