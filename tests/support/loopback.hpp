#pragma once

#include <cstdint>

namespace respcache::testing {

// A blocking TCP connection to 127.0.0.1:port; -1 when refused.
int connect_loopback(std::uint16_t port);

// A free TCP port on 127.0.0.1 at the time of the call.
std::uint16_t free_port();

}  // namespace respcache::testing
