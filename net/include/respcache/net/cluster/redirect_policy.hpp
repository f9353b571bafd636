#pragma once

#include <chrono>
#include <string_view>

#include "respcache/net/cluster/cluster_error.hpp"
#include "respcache/net/connection_options.hpp"

namespace respcache::net::cluster {

struct redirect_settings {
    // Redirections (MOVED, ASK) and retries one command makes before the
    // error reply goes to the caller.
    int max_redirects = 5;
    // TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN: base * 2^attempt, capped.
    std::chrono::milliseconds retry_base{20};
    std::chrono::milliseconds retry_cap{500};
};

// What one command does after an error reply: a pure function of the reply,
// where it was sent, how many attempts it made and the time it has left, so
// it is tested without a server.
struct redirect_step {
    enum class kind {
        deliver,   // the error reply is the caller's answer
        redirect,  // send again to `target` (after ASKING when `asking`)
        wait,      // send again to the slot's owner after `delay`
    };
    kind what = kind::deliver;
    endpoint target;
    bool asking = false;
    std::chrono::milliseconds delay{0};
    bool patch_slot = false;  // MOVED: the table's owner of `slot` is `target` now
    std::uint16_t slot = 0;
    bool refresh = false;  // ask for a topology refresh
    // MOVED to the node it was sent to: that connection reaches some other
    // server now (an address behind the name changed), so it is made anew.
    bool reconnect = false;
};

// `left` is the time until the command's deadline; `retry_safe` whether the
// command may run twice. TRYAGAIN is retried for any command (the server ran
// nothing); the other transient errors only for retry-safe ones.
redirect_step next_step(std::string_view error_message, const endpoint& sent_to, int attempt,
                        std::chrono::milliseconds left, bool retry_safe,
                        const redirect_settings& settings);

}  // namespace respcache::net::cluster
