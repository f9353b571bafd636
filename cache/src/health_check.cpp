#include "respcache/cache/health_check.hpp"

#include <future>
#include <memory>

namespace respcache::cache {

namespace {

// The reply of one command sent with `options`; the multiplexer completes it
// by the deadline, so waiting on the future is bounded by the timeout.
template <class... Args>
std::future<result<resp::owned_reply>> send(net::multiplexer& connection,
                                            const net::call_options& options,
                                            const Args&... command) {
    auto promise = std::make_shared<std::promise<result<resp::owned_reply>>>();
    auto future = promise->get_future();
    connection.async_call(
        options,
        [promise](result<resp::reply> r) {
            if (r)
                promise->set_value(r->to_owned());
            else
                promise->set_value(r.error_value());
        },
        command...);
    return future;
}

}  // namespace

std::string_view to_string(health_status status) noexcept {
    return status == health_status::healthy ? "healthy" : "unhealthy";
}

health_report check_health(net::multiplexer& connection, std::chrono::milliseconds timeout) {
    net::call_options options;
    options.timeout = timeout;
    const auto start = std::chrono::steady_clock::now();
    // Sent back to back, so they share a write and a round trip.
    auto pong_reply = send(connection, options, "PING");
    auto cluster_reply = send(connection, options, "CLUSTER", "INFO");
    const auto pong = pong_reply.get();
    const auto cluster = cluster_reply.get();

    health_report report;
    report.latency = std::chrono::steady_clock::now() - start;
    if (!pong) {
        report.reason = "PING failed: " + to_string(pong.error_value());
        return report;
    }
    if (pong->view().is_error() || pong->view().string() != "PONG") {
        report.reason = "PING answered " + std::string(pong->view().string()) + " instead of PONG";
        return report;
    }
    if (cluster && !cluster->view().is_error() &&
        cluster->view().string().find("cluster_state:ok") == std::string::npos) {
        report.reason = "CLUSTER INFO does not report cluster_state:ok";
        return report;
    }
    report.status = health_status::healthy;
    return report;
}

}  // namespace respcache::cache
