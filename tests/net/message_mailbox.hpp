#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "respcache/net/multiplexer.hpp"

namespace respcache::testing {

// Every pub/sub payload a handler was given, in order, from any thread.
struct message_mailbox {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::string> payloads;

    net::message_handler handler() {
        return [this](const net::pubsub_message& m) {
            std::lock_guard lock(mutex);
            payloads.emplace_back(m.payload);
            arrived.notify_all();
        };
    }
    // A liveness bound, not a speed claim.
    bool wait_for(std::size_t count, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex);
        return arrived.wait_for(lock, limit, [&] { return payloads.size() >= count; });
    }
    std::vector<std::string> seen() {
        std::lock_guard lock(mutex);
        return payloads;
    }
};

}  // namespace respcache::testing
