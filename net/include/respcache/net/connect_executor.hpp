#pragma once

#include <memory>

#include "respcache/net/cluster_client.hpp"
#include "respcache/net/command_executor.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::net {

struct connected_executor {
    std::shared_ptr<command_executor> executor;
    // What `executor` is: the multiplexer of one server, or the cluster_client
    // of a cluster (the other one null).
    std::shared_ptr<multiplexer> connection;
    std::shared_ptr<cluster_client> cluster;
};

// One connection string for one server or a cluster: a multiplexer connects
// first, with every rule of multiplexer::connect (connectRetry,
// abortConnect=false keeping a server that is down for later); when the
// server it reached reports cluster_enabled:1 in INFO cluster, a
// cluster_client over the same seed endpoints takes its place.
result<connected_executor> connect_executor(const connection_options& options,
                                            const cluster_settings& settings = {});

// True when `info` (the reply of INFO cluster) says cluster_enabled:1.
bool reports_cluster_mode(std::string_view info) noexcept;

}  // namespace respcache::net
