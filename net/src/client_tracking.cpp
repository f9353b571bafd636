#include "client_tracking.hpp"

#include "respcache/resp/encoder.hpp"

namespace respcache::net::detail {

std::string tracking_command(const tracking_options& options) {
    std::vector<std::string_view> arguments{"CLIENT", "TRACKING", "on"};
    if (options.broadcast) {
        arguments.push_back("BCAST");
        for (const std::string& prefix : options.bcast_prefixes) {
            arguments.push_back("PREFIX");
            arguments.push_back(prefix);
        }
    }
    if (options.noloop) arguments.push_back("NOLOOP");
    std::string encoded;
    resp::append_command(encoded, std::span<const std::string_view>(arguments));
    return encoded;
}

bool client_tracking::enable(tracking_options options, invalidation_handler handler) {
    if (claimed_.exchange(true, std::memory_order_acq_rel)) return false;
    options_ = std::move(options);
    handler_ = std::move(handler);
    wanted_.store(true, std::memory_order_release);
    return true;
}

std::optional<prelude_request> client_tracking::on_connected(int protocol,
                                                             clock::time_point deadline) {
    protocol_ = protocol;
    requested_ = false;
    if (!wanted()) return std::nullopt;
    return request(deadline);
}

std::optional<prelude_request> client_tracking::pending_request(clock::time_point deadline) {
    if (!request_pending()) return std::nullopt;
    return request(deadline);
}

std::optional<prelude_request> client_tracking::request(clock::time_point deadline) {
    requested_ = true;
    if (protocol_ != 3) {
        tell(invalidation::kind::unavailable,
             "the connection speaks RESP2, where invalidations need a second connection "
             "(REDIRECT); use protocol=resp3 with a server that has HELLO 3");
        return std::nullopt;
    }
    // Retry-safe: turning tracking on twice on one connection is harmless.
    return prelude_request{tracking_command(options_),
                           request_spec{deadline, request_kind::command, 1, true, false},
                           [this](result<resp::reply> r) { on_reply(r); }};
}

void client_tracking::on_reply(const result<resp::reply>& r) {
    // A transport failure is the lost connection's business: the next
    // connection asks again.
    if (!r) return;
    if (r->is_error()) {
        const std::string reason =
            "the server refused CLIENT TRACKING: " + std::string(r->string());
        tell(invalidation::kind::unavailable, reason);
        return;
    }
    tell(invalidation::kind::tracking_on);
}

bool client_tracking::deliver(const resp::reply& push) {
    if (!wanted() || push.kind() != resp::type::push || push.size() < 2 ||
        push[0].string() != "invalidate")
        return false;
    const resp::reply keys = push[1];
    if (keys.is_null()) {
        tell(invalidation::kind::everything, "the server flushed the database");
        return true;
    }
    if (!keys.is_aggregate()) return true;
    keys_.clear();
    for (const resp::reply key : keys) keys_.push_back(key.string());
    handler_(invalidation{invalidation::kind::keys, keys_, {}});
    return true;
}

void client_tracking::connection_lost(std::string_view reason) {
    const bool was_connected = protocol_ != 0;
    protocol_ = 0;
    requested_ = false;
    if (!wanted() || !was_connected) return;
    tell(invalidation::kind::tracking_lost, reason);
}

void client_tracking::tell(invalidation::kind what, std::string_view reason) {
    handler_(invalidation{what, {}, reason});
}

}  // namespace respcache::net::detail
