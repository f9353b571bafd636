#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace respcache::net {

// What server-assisted client caching asks of the server (CLIENT TRACKING).
struct tracking_options {
    // The connection's own writes invalidate nothing for it: a cache that
    // writes through updates its copy itself.
    bool noloop = true;
    // Broadcasting mode (BCAST): every key starting with one of
    // bcast_prefixes (every key when there is none) is reported, whether or
    // not this connection read it.
    bool broadcast = false;
    std::vector<std::string> bcast_prefixes;
};

// One thing the server told (or a lost connection implies) about the keys
// this connection read.
struct invalidation {
    enum class kind {
        // The server now tracks the connection's reads (after each connect
        // and reconnect): what is read from here on is reported.
        tracking_on,
        // These keys changed or went away.
        keys,
        // Anything read before may have changed: the server flushed a
        // database (a null invalidation). Tracking goes on.
        everything,
        // The connection was lost: reports may have been missed, so anything
        // read before may have changed, and nothing is tracked until the
        // next tracking_on.
        tracking_lost,
        // The server cannot report changes on this connection (RESP2, or
        // CLIENT TRACKING refused): nothing read can be trusted to stay fresh.
        unavailable,
    };
    kind what;
    std::span<const std::string_view> keys;  // kind keys; views valid during the call
    std::string_view reason;                 // everything, tracking_lost, unavailable: why
};

// Runs on the multiplexer's I/O thread, in the order of the replies on the
// command connection: an invalidation that the server sent before a reply
// arrives before that reply's completion runs. Keep it short; never make a
// blocking call from it.
using invalidation_handler = std::function<void(const invalidation&)>;

}  // namespace respcache::net
