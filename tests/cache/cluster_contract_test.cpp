#include "cache_contract.hpp"
#include "cluster_test_cluster.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/connect_executor.hpp"
#include "respcache/net/connection_string.hpp"

namespace respcache::cache::contract {
namespace {

// The shared suite on a Redis Cluster: every cache made shares one
// cluster_client, found from the seed list as an application finds it.
struct redis_cluster_backend {
    std::shared_ptr<net::command_executor> executor = [] {
        testing_cluster::flush_every_primary();
        auto options = net::parse_connection_string(testing_cluster::shared_cluster().seeds());
        EXPECT_TRUE(options) << (options ? "" : options.error_value().message);
        if (!options) return std::shared_ptr<net::command_executor>();
        auto connected = net::connect_executor(*options);
        EXPECT_TRUE(connected) << (connected ? "" : connected.error_value().message);
        if (!connected) return std::shared_ptr<net::command_executor>();
        EXPECT_TRUE(connected->executor->is_cluster());
        EXPECT_EQ(connected->connection, nullptr);
        return connected->executor;
    }();

    std::shared_ptr<distributed_cache> make(const std::string& instance_name) {
        redis_cache_options options;
        options.instance_name = instance_name;
        return std::make_shared<redis_cache>(executor, options);
    }
};

INSTANTIATE_TYPED_TEST_SUITE_P(RedisCluster, CacheContract, redis_cluster_backend);

}  // namespace
}  // namespace respcache::cache::contract
