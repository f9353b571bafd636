#include "respcache/net/tls_layer.hpp"

#include <string>

// Defined by respcache::tls. A weak reference: without that library the
// address is null. Its targets make the linker keep the definition
// (-Wl,-u,respcache_tls_layer_v1), so linking respcache::tls is all it takes.
extern "C" const respcache::net::tls_layer respcache_tls_layer_v1 __attribute__((weak));

namespace respcache::net {

const tls_layer* linked_tls_layer() noexcept {
    return &respcache_tls_layer_v1;
}

result<socket> open_stream(const connection_options& options, const endpoint& where,
                           clock::time_point deadline, int interrupt_fd) {
    if (!options.service_name.empty())
        return error{error_kind::config,
                     "serviceName (Sentinel) is not supported yet: connect to the primary's "
                     "address directly instead of to the sentinels"};
    const tls_layer* tls = options.ssl ? linked_tls_layer() : nullptr;
    if (options.ssl && tls == nullptr)
        return error{error_kind::config,
                     "TLS was asked for (ssl=true or rediss://) but this program was built "
                     "without TLS; nothing was sent. Build respcache with "
                     "-DRESPCACHE_WITH_TLS=ON (needs libssl-dev) and link respcache::tls"};
    auto connected = socket::connect(where, deadline, interrupt_fd);
    if (!connected || tls == nullptr) return connected;
    auto secured = tls->secure(*connected, options, where, deadline, interrupt_fd);
    if (!secured) return secured.error_value();
    return connected;
}

}  // namespace respcache::net
