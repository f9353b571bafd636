#include "respcache/cache/health_check.hpp"

#include <future>
#include <memory>

namespace respcache::cache {

namespace {

// The reply of one command sent with `options`; the connection completes it
// by the deadline, so waiting on the future is bounded by the timeout.
struct reply_promise {
    std::shared_ptr<std::promise<result<resp::owned_reply>>> promise =
        std::make_shared<std::promise<result<resp::owned_reply>>>();
    void operator()(result<resp::reply> r) const {
        if (r)
            promise->set_value(r->to_owned());
        else
            promise->set_value(r.error_value());
    }
};

// PING and CLUSTER INFO, sent back to back by `send(command, done)` so that
// they share a write and a round trip.
template <class Send>
health_report check(Send&& send) {
    const auto start = std::chrono::steady_clock::now();
    reply_promise pong_reply, cluster_reply;
    auto pong_future = pong_reply.promise->get_future();
    auto cluster_future = cluster_reply.promise->get_future();
    send(std::string_view("PING"), pong_reply);
    send(std::string_view("CLUSTER INFO"), cluster_reply);
    const auto pong = pong_future.get();
    const auto cluster = cluster_future.get();

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

}  // namespace

std::string_view to_string(health_status status) noexcept {
    return status == health_status::healthy ? "healthy" : "unhealthy";
}

health_report check_health(net::multiplexer& connection, std::chrono::milliseconds timeout) {
    net::call_options options;
    options.timeout = timeout;
    return check([&](std::string_view command, reply_promise done) {
        if (command == "PING")
            connection.async_call(options, std::move(done), "PING");
        else
            connection.async_call(options, std::move(done), "CLUSTER", "INFO");
    });
}

health_report check_health(net::command_executor& executor, std::chrono::milliseconds timeout) {
    net::call_options options;
    options.timeout = timeout;
    return check([&](std::string_view command, reply_promise done) {
        if (command == "PING")
            net::async_call(executor, options, std::move(done), "PING");
        else
            net::async_call(executor, options, std::move(done), "CLUSTER", "INFO");
    });
}

}  // namespace respcache::cache
