#pragma once

#include <cstdint>
#include <string_view>

#include "respcache/net/connection_options.hpp"

namespace respcache::net::cluster {

// What an error reply means to the router.
struct cluster_error {
    enum class kind {
        none,          // not a cluster error: the caller's answer
        moved,         // the slot lives at `target` now
        ask,           // this one command goes to `target`, after ASKING
        try_again,     // TRYAGAIN: a multi-key command during a migration
        cluster_down,  // CLUSTERDOWN: the cluster cannot serve the slot now
        loading,       // LOADING: the node is loading its data set
        master_down,   // MASTERDOWN: a replica lost its primary
    };
    kind what = kind::none;
    std::uint16_t slot = 0;  // moved, ask
    endpoint target;         // moved, ask

    // Worth a retry after a pause, for a command safe to run twice.
    bool transient() const noexcept {
        return what == kind::try_again || what == kind::cluster_down || what == kind::loading ||
               what == kind::master_down;
    }
};

// Classifies the text of an error reply ("MOVED 3999 127.0.0.1:6381"). A
// redirection without a host (":6381") means the node that answered. A
// MOVED or ASK that cannot be read is kind::none: the caller sees it as is.
cluster_error classify_error(std::string_view message, const endpoint& answered_by);

}  // namespace respcache::net::cluster
