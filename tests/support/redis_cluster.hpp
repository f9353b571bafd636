#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "redis_server.hpp"

namespace respcache::testing {

// A real Redis Cluster on loopback: N primaries and R replicas each, every
// node a redis_server with cluster-enabled yes, joined by
// `redis-cli --cluster create`; stopped and removed with this object.
class redis_cluster {
  public:
    struct settings {
        int primaries = 3;
        int replicas_per_primary = 1;
        // Short, so that a failover in a test takes about a second.
        std::chrono::milliseconds node_timeout{1000};
        // More redis-server arguments for every node ("--rename-command", ...).
        std::vector<std::string> extra_arguments = {};
    };

    // One line of CLUSTER NODES.
    struct node_info {
        std::string id;
        std::uint16_t port = 0;
        bool primary = false;
        bool failed = false;     // fail or fail? flag
        std::string primary_id;  // replicas: whose
        std::vector<std::pair<int, int>> slots;
    };

    redis_cluster() : redis_cluster(settings{}) {}
    explicit redis_cluster(settings s);
    ~redis_cluster();
    redis_cluster(const redis_cluster&) = delete;
    redis_cluster& operator=(const redis_cluster&) = delete;

    std::size_t size() const noexcept { return nodes_.size(); }
    redis_server& node(std::size_t i) { return *nodes_[i]; }
    // The node listening on `port`; its index in node().
    std::size_t index_of_port(std::uint16_t port) const;

    // "127.0.0.1:p1,127.0.0.1:p2,..." of every node: a connection string.
    std::string seeds() const;

    // One command to node(i), read up to the end of its reply (a simple
    // string, error, integer or bulk string), without respcache code.
    std::string command(std::size_t i, const std::vector<std::string>& args) const;

    // CLUSTER NODES as seen by a running node.
    std::vector<node_info> nodes() const;
    // The port of the primary serving `slot` (CLUSTER NODES), 0 when none.
    std::uint16_t owner_of_slot(int slot) const;
    // A primary serving slots other than the one on `port`, 0 when none.
    std::uint16_t other_primary(std::uint16_t port) const;
    // A replica of the primary on `port`, 0 when none.
    std::uint16_t replica_of(std::uint16_t port) const;
    // CLUSTER KEYSLOT asked of a running node.
    int keyslot(const std::string& key) const;

    // Waits until every running node reports cluster_state:ok, knows every
    // node and sees all 16384 slots served, and every replica is linked to
    // its primary; false after `limit`.
    bool wait_until_ok(std::chrono::milliseconds limit = std::chrono::seconds(20)) const;
    // Waits until CLUSTER NODES lists `port` as a primary serving slots.
    bool wait_until_primary(std::uint16_t port, std::chrono::milliseconds limit) const;

    // `redis-cli --cluster reshard`: moves `count` slots from one primary to
    // another (while clients keep running). True when redis-cli succeeded.
    bool move_slots(std::uint16_t from_port, std::uint16_t to_port, int count) const;
    // Moves one slot that holds no key to the primary on `to_port`, the way
    // redis-cli does (IMPORTING, MIGRATING, then SETSLOT NODE on the target,
    // the source and every other node). True when every node said OK.
    bool move_empty_slot(int slot, std::uint16_t to_port) const;

  private:
    std::string any_running_command(const std::vector<std::string>& args) const;
    std::string id_of_port(std::uint16_t port) const;

    settings settings_;
    std::vector<std::unique_ptr<redis_server>> nodes_;
};

}  // namespace respcache::testing
