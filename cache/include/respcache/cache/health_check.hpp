#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "respcache/net/command_executor.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::cache {

enum class health_status { healthy, unhealthy };

std::string_view to_string(health_status status) noexcept;

struct health_report {
    health_status status = health_status::unhealthy;
    std::chrono::nanoseconds latency{};  // how long the check took
    std::string reason;                  // why it is unhealthy; empty when healthy
};

// Healthy when the server answers PING within `timeout` and, when it runs
// as a cluster, CLUSTER INFO reports cluster_state:ok. Both go in one round
// trip: a server that is not a cluster answers CLUSTER INFO with an error,
// which leaves the verdict to PING.
health_report check_health(net::multiplexer& connection, std::chrono::milliseconds timeout);
// The same through an executor; on a cluster both go to one of its primaries.
health_report check_health(net::command_executor& executor, std::chrono::milliseconds timeout);

}  // namespace respcache::cache
