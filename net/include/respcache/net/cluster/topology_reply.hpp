#pragma once

#include "respcache/net/cluster/topology.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net::cluster {

// The reply of CLUSTER SLOTS (servers before 8; RESP2 or RESP3) as a
// topology. `answered_by` is the node that sent it: an empty host in the
// reply means that node. Nodes whose address is unknown ("?") are left out;
// a range whose primary is unknown stays unserved. A reply of the wrong
// shape is an error of kind protocol.
result<topology> parse_cluster_slots(const resp::reply& reply, const endpoint& answered_by);

// The reply of CLUSTER SHARDS (from 7.0; preferred from 8): only nodes whose
// health is "online" are kept; a shard without an online primary, or with
// an empty slot list (7.x reports one for a shard whose primary failed),
// serves nothing.
result<topology> parse_cluster_shards(const resp::reply& reply, const endpoint& answered_by);

}  // namespace respcache::net::cluster
