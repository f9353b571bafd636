#include "respcache/net/connect_executor.hpp"

#include "respcache/net/multiplexer_executor.hpp"

namespace respcache::net {

bool reports_cluster_mode(std::string_view info) noexcept {
    return info.find("cluster_enabled:1") != std::string_view::npos;
}

result<connected_executor> connect_executor(const connection_options& options,
                                            const cluster_settings& settings) {
    auto opened = multiplexer::connect(options, settings.node);
    if (!opened) return opened.error_value();
    std::shared_ptr<multiplexer> m = std::move(*opened);
    // Not connected yet (abortConnect=false): taken for one server, as
    // multiplexer::connect would; the cluster_client is for what answers now.
    if (m->is_connected()) {
        auto info = m->call("INFO", "cluster");
        // A server without INFO cluster (an error reply) is not a cluster;
        // one that stopped answering is left to the multiplexer's reconnect.
        if (info && reports_cluster_mode(info->view().string())) {
            m->close();
            auto cluster = cluster_client::connect(options, settings);
            if (!cluster) return cluster.error_value();
            return connected_executor{*cluster, nullptr, *cluster};
        }
    }
    auto executor = std::make_shared<multiplexer_executor>(m);
    return connected_executor{std::move(executor), std::move(m), nullptr};
}

}  // namespace respcache::net
