#pragma once

// One Redis Cluster (3 primaries, no replicas) for the whole process: the
// cluster cache tests run as one ctest entry, so it starts once.

#include "redis_cluster.hpp"

namespace respcache::cache::testing_cluster {

inline respcache::testing::redis_cluster& shared_cluster() {
    static respcache::testing::redis_cluster cluster([] {
        respcache::testing::redis_cluster::settings s;
        s.replicas_per_primary = 0;
        return s;
    }());
    return cluster;
}

// Every primary emptied, so that a test sees only its own entries.
inline void flush_every_primary() {
    auto& cluster = shared_cluster();
    for (std::size_t i = 0; i < cluster.size(); ++i) cluster.command(i, {"FLUSHALL"});
}

}  // namespace respcache::cache::testing_cluster
