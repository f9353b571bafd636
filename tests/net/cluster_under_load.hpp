#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "respcache/net/cluster_client.hpp"

namespace respcache::testing {

// Threads that write and read back keys of their own through one
// cluster_client while the cluster changes underneath. Values are
// "<key>=<n>" with n counting up per key, so a read shows whether it came
// from this key and from this thread's writes.
class cluster_load {
  public:
    struct tally {
        std::atomic<std::uint64_t> writes{0}, reads{0};
        std::atomic<std::uint64_t> wrong_values{0};  // not a value this thread wrote there
        std::atomic<std::uint64_t> stale_values{0};  // an older value of this thread's
        std::atomic<std::uint64_t> failed_reads{0};  // an error (never a silent loss)
        std::atomic<std::uint64_t> failed_writes{0};
        std::atomic<std::uint64_t> unexpected_errors{0};  // not timeout, io or closed
        std::string first_unexpected;
        std::atomic<bool> noted{false};
    };

    cluster_load(std::shared_ptr<net::cluster_client> client, int threads, int keys_per_thread)
        : client_(std::move(client)) {
        for (int t = 0; t < threads; ++t)
            threads_.emplace_back([this, t, keys_per_thread] { run(t, keys_per_thread); });
    }
    ~cluster_load() { stop(); }
    void stop() {
        stop_ = true;
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }
    tally& counts() { return tally_; }

  private:
    void note(const error& e) {
        if (e.kind == error_kind::timeout || e.kind == error_kind::io ||
            e.kind == error_kind::closed)
            return;
        ++tally_.unexpected_errors;
        if (!tally_.noted.exchange(true)) tally_.first_unexpected = e.message;
    }

    void run(int thread, int keys) {
        std::vector<std::uint64_t> last(static_cast<std::size_t>(keys), 0);
        std::vector<bool> unknown(static_cast<std::size_t>(keys), false);
        std::uint64_t n = 0;
        while (!stop_) {
            const auto k = static_cast<std::size_t>(n % static_cast<std::uint64_t>(keys));
            const std::string key = "load:" + std::to_string(thread) + ":" + std::to_string(k);
            const std::uint64_t next = last[k] + 1;
            auto w = client_->call("SET", key, key + "=" + std::to_string(next));
            ++tally_.writes;
            if (w) {
                last[k] = next;
                unknown[k] = false;
            } else {
                ++tally_.failed_writes;
                note(w.error_value());
                unknown[k] = true;  // written or not: either value may be read next
            }
            auto r = client_->call("GET", key);
            ++tally_.reads;
            if (!r) {
                ++tally_.failed_reads;
                note(r.error_value());
            } else if (!r->view().is_null()) {
                const std::string_view value = r->view().string();
                const std::string prefix = key + "=";
                if (!value.starts_with(prefix)) {
                    ++tally_.wrong_values;
                } else {
                    const std::uint64_t seen =
                        std::stoull(std::string(value.substr(prefix.size())));
                    if (seen == last[k] || (unknown[k] && seen == next)) {
                        last[k] = seen;
                        unknown[k] = false;
                    } else if (seen < last[k]) {
                        ++tally_.stale_values;
                    } else {
                        ++tally_.wrong_values;
                    }
                }
            }
            ++n;
        }
    }

    std::shared_ptr<net::cluster_client> client_;
    std::atomic<bool> stop_{false};
    tally tally_;
    std::vector<std::thread> threads_;
};

}  // namespace respcache::testing
