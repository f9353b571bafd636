#include "respcache/net/cluster/redirect_policy.hpp"

#include <algorithm>

namespace respcache::net::cluster {

redirect_step next_step(std::string_view error_message, const endpoint& sent_to, int attempt,
                        std::chrono::milliseconds left, bool retry_safe,
                        const redirect_settings& settings) {
    redirect_step step;
    const cluster_error e = classify_error(error_message, sent_to);
    if (e.what == cluster_error::kind::none) return step;
    // A MOVED is worth knowing about even when this command gives up.
    if (e.what == cluster_error::kind::moved) {
        step.patch_slot = true;
        step.slot = e.slot;
        step.target = e.target;
        step.refresh = true;
        step.reconnect = e.target == sent_to;
    }
    if (e.what == cluster_error::kind::cluster_down || e.what == cluster_error::kind::master_down ||
        e.what == cluster_error::kind::loading)
        step.refresh = true;
    if (attempt >= settings.max_redirects || left.count() <= 0) return step;
    if (e.what == cluster_error::kind::moved || e.what == cluster_error::kind::ask) {
        step.what = redirect_step::kind::redirect;
        step.target = e.target;
        step.asking = e.what == cluster_error::kind::ask;
        return step;
    }
    if (!retry_safe && e.what != cluster_error::kind::try_again) return step;
    const auto delay =
        std::min(settings.retry_cap, settings.retry_base * (1 << std::min(attempt, 10)));
    if (delay >= left) return step;
    step.what = redirect_step::kind::wait;
    step.delay = delay;
    return step;
}

}  // namespace respcache::net::cluster
