#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

namespace respcache::net::cluster {

struct refresh_settings {
    // At least this long between the end of one refresh and the next start.
    std::chrono::milliseconds cooldown{1000};
    // A refresh starts after a random delay up to this, so that the clients
    // that saw the same MOVED do not all ask at once.
    std::chrono::milliseconds max_random_delay{100};
    // How many known nodes one refresh asks, one after the other, stopping at
    // the first good answer.
    std::size_t nodes_per_refresh = 3;
    // 0: refresh only when something (a MOVED, a lost node) asks for it.
    std::chrono::milliseconds periodic{0};
};

// When to ask the cluster for its topology again, and whom: a state machine
// with time passed in, so it runs (and is tested) without clocks or sockets.
// One refresh at a time; requests during a refresh or its cooldown are
// merged into one later refresh.
class refresh_policy {
  public:
    using clock = std::chrono::steady_clock;

    struct plan {
        bool from_seeds = false;           // ask the seed endpoints (resolved again)
        std::vector<std::size_t> targets;  // indexes of known nodes (or of seeds), in order
    };

    refresh_policy(refresh_settings settings, std::uint32_t random_seed);

    // Something suggests the table is stale.
    void request(clock::time_point now);
    // When the owner should call start() next; nothing when idle.
    std::optional<clock::time_point> next_start() const noexcept;
    // Begins a refresh if one is due: the nodes to ask, out of `known_nodes`
    // (or `seeds` when the last refresh found every known node failing).
    std::optional<plan> start(clock::time_point now, std::size_t known_nodes, std::size_t seeds);
    // The refresh begun by start() ended: with a good answer or none.
    void finish(clock::time_point now, bool succeeded);

    bool running() const noexcept { return running_; }
    std::uint64_t refreshes_started() const noexcept { return started_; }

  private:
    std::vector<std::size_t> pick(std::size_t count, std::size_t limit);
    void schedule(clock::time_point earliest);

    refresh_settings settings_;
    std::minstd_rand random_;
    bool running_ = false;
    bool wanted_ = false;     // a request arrived that the next refresh serves
    bool use_seeds_ = false;  // the last refresh found no node answering
    std::optional<clock::time_point> due_;
    std::optional<clock::time_point> last_finished_;
    std::uint64_t started_ = 0;
};

}  // namespace respcache::net::cluster
