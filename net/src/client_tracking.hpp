#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/net/client_tracking.hpp"
#include "respcache/net/pipeline.hpp"
#include "respcache/resp/reply.hpp"

namespace respcache::net::detail {

// CLIENT TRACKING on, with the options' NOLOOP and BCAST PREFIX arguments.
std::string tracking_command(const tracking_options& options);

// Server-assisted client caching on one multiplexer's command connection,
// without I/O or threads: which request turns tracking on for a new
// connection, what an unmatched push means, and what a lost connection
// implies. The driver (the I/O thread) calls everything but enable().
//
//   enable(options, handler)         once, from any thread
//   on_connected(protocol, deadline) a new connection: its first request
//   pending_request(...)             each round: enable() came after connecting
//   deliver(push)                    a push the pipeline did not match
//   connection_lost(reason)          the command connection is gone
class client_tracking {
  public:
    // False (and nothing changes) when tracking was enabled already.
    bool enable(tracking_options options, invalidation_handler handler);
    bool wanted() const noexcept { return wanted_.load(std::memory_order_acquire); }

    // The request to put before any other on a connection just made, or
    // nullopt when tracking is not wanted or cannot work there (RESP2: the
    // handler has been told it is unavailable).
    std::optional<prelude_request> on_connected(int protocol, clock::time_point deadline);
    // The request to send on the current connection when enable() came
    // after it was made; nullopt otherwise. request_pending(): whether there
    // is one, without making it.
    std::optional<prelude_request> pending_request(clock::time_point deadline);
    bool request_pending() const noexcept { return protocol_ != 0 && !requested_ && wanted(); }
    // True when `push` was an invalidation (and the handler has had it).
    bool deliver(const resp::reply& push);
    void connection_lost(std::string_view reason);

  private:
    std::optional<prelude_request> request(clock::time_point deadline);
    void tell(invalidation::kind what, std::string_view reason = {});
    void on_reply(const result<resp::reply>& r);

    std::atomic<bool> claimed_{false};
    std::atomic<bool> wanted_{false};
    // Written once by enable() before wanted_ is published; read-only after.
    tracking_options options_;
    invalidation_handler handler_;

    // Driver only.
    int protocol_ = 0;                    // of the current connection; 0: none
    bool requested_ = false;              // the current connection has been asked to track
    std::vector<std::string_view> keys_;  // reused for each push
};

}  // namespace respcache::net::detail
