#include "cache_contract.hpp"
#include "redis_server.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/connection_string.hpp"

namespace respcache::cache::contract {
namespace {

// A server per test; every cache made shares one multiplexer to it.
struct redis_backend {
    testing::redis_server server;
    std::shared_ptr<net::multiplexer> connection = [this] {
        auto options = net::parse_connection_string(server.connection_string());
        auto opened = net::multiplexer::connect(*options);
        EXPECT_TRUE(opened) << (opened ? "" : opened.error_value().message);
        return opened ? *opened : nullptr;
    }();

    std::shared_ptr<distributed_cache> make(const std::string& instance_name) {
        redis_cache_options options;
        options.instance_name = instance_name;
        return std::make_shared<redis_cache>(connection, options);
    }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Redis, CacheContract, redis_backend);

}  // namespace
}  // namespace respcache::cache::contract
