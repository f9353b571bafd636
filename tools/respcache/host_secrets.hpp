#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "respcache/resp/result.hpp"

namespace respcache::tools {

// 32 hex digits from getrandom(2). An error, never a weak password, when the
// kernel has no random bytes to give.
result<std::string> generate_password();

// The redis.conf line that sets requirepass to `password`, every byte
// escaped, for a server that reads its configuration from standard input:
// the password never shows on a command line (ps, /proc/PID/cmdline).
std::string requirepass_line(std::string_view password);

// The connection string of a local server on 127.0.0.1:port that carries
// `password` exactly: the StackExchange.Redis form when the password fits in
// it, else a redis:// (or rediss://) URL with the password percent-encoded.
// With `ca_file`, TLS that trusts that CA. An error when no form carries it.
result<std::string> local_connection_string(std::uint16_t port, std::string_view password,
                                            std::string_view ca_file);

}  // namespace respcache::tools
