#pragma once

#include <cstddef>
#include <string>

#include "respcache/net/connection_options.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

// The commands that open a connection, as a sans-I/O state machine shared by
// the single connection and the multiplexer:
//   1. HELLO 3 [AUTH user pass] [SETNAME name]     (protocol resp3)
//      or, when HELLO is refused or resp2 is asked for,
//      AUTH [user] pass + CLIENT SETNAME name      (pipelined)
//   2. SELECT db + CLIENT SETINFO lib-name/lib-ver (pipelined; SETINFO's
//      errors are ignored: servers before 7.2 do not know it)
// A refused password is an auth error; nothing is retried.
class handshake {
  public:
    explicit handshake(const connection_options& options);

    bool done() const noexcept { return step_ == step::done; }
    // Appends the current step's commands; returns how many replies they produce.
    std::size_t write_step(std::string& out);
    // One reply of the current step, in order.
    result<void> on_reply(const resp::reply& reply);
    // 3 after a successful HELLO 3, else 2.
    int protocol() const noexcept { return protocol_; }

  private:
    enum class step { hello, legacy_auth, setup, done };
    void advance();
    result<void> on_hello_reply(const resp::reply& reply);

    const connection_options& options_;
    step step_;
    std::size_t expected_ = 0;
    std::size_t received_ = 0;
    int protocol_ = 2;
    // Which reply of the legacy step is AUTH (the rest is SETNAME).
    bool legacy_has_auth_ = false;
    bool setup_has_select_ = false;
};

}  // namespace respcache::net
