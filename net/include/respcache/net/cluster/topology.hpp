#pragma once

#include <cstdint>
#include <vector>

#include "respcache/net/connection_options.hpp"

namespace respcache::net::cluster {

// Slots first..last, both included.
struct slot_range {
    std::uint16_t first = 0;
    std::uint16_t last = 0;
    friend bool operator==(const slot_range&, const slot_range&) = default;
};

// One primary with its replicas and the slots it serves. Only nodes the
// cluster reported usable are listed.
struct shard {
    endpoint primary;
    std::vector<endpoint> replicas;
    std::vector<slot_range> slots;
    friend bool operator==(const shard&, const shard&) = default;
};

// What CLUSTER SLOTS or CLUSTER SHARDS said, in the order the server listed it.
struct topology {
    std::vector<shard> shards;
    friend bool operator==(const topology&, const topology&) = default;
};

}  // namespace respcache::net::cluster
