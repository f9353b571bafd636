#include "respcache/net/cluster/refresh_policy.hpp"

#include <algorithm>
#include <numeric>

namespace respcache::net::cluster {

refresh_policy::refresh_policy(refresh_settings settings, std::uint32_t random_seed)
    : settings_(settings) {
    // Through a seed sequence: nearby seeds (1, 2, ...) give unrelated draws.
    std::seed_seq seq{random_seed};
    random_.seed(seq);
}

void refresh_policy::schedule(clock::time_point earliest) {
    std::chrono::milliseconds delay{0};
    if (settings_.max_random_delay.count() > 0) {
        std::uniform_int_distribution<std::int64_t> d(0, settings_.max_random_delay.count());
        delay = std::chrono::milliseconds(d(random_));
    }
    clock::time_point at = earliest + delay;
    if (last_finished_) at = std::max(at, *last_finished_ + settings_.cooldown);
    if (!due_ || at < *due_) due_ = at;
}

void refresh_policy::request(clock::time_point now) {
    wanted_ = true;
    if (!running_) schedule(now);
}

std::optional<refresh_policy::clock::time_point> refresh_policy::next_start() const noexcept {
    if (running_) return std::nullopt;
    return due_;
}

std::vector<std::size_t> refresh_policy::pick(std::size_t count, std::size_t limit) {
    std::vector<std::size_t> all(count);
    std::iota(all.begin(), all.end(), std::size_t{0});
    std::shuffle(all.begin(), all.end(), random_);
    all.resize(std::min(count, limit));
    return all;
}

std::optional<refresh_policy::plan> refresh_policy::start(clock::time_point now,
                                                          std::size_t known_nodes,
                                                          std::size_t seeds) {
    if (running_ || !due_ || now < *due_) return std::nullopt;
    running_ = true;
    wanted_ = false;
    due_.reset();
    ++started_;
    plan p;
    p.from_seeds = use_seeds_ || known_nodes == 0;
    // Seeds are few and the last resort: ask them all.
    p.targets = p.from_seeds
                    ? pick(seeds, seeds)
                    : pick(known_nodes, std::max<std::size_t>(settings_.nodes_per_refresh, 1));
    return p;
}

void refresh_policy::finish(clock::time_point now, bool succeeded) {
    if (!running_) return;
    running_ = false;
    last_finished_ = now;
    use_seeds_ = !succeeded;
    if (!succeeded || wanted_)
        schedule(now);
    else if (settings_.periodic.count() > 0)
        due_ = now + settings_.periodic;
}

}  // namespace respcache::net::cluster
