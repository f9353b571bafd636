#pragma once

#include <string_view>

namespace respcache::net::tls {

// Sends `message` to the handler set with set_warning_handler, or to
// standard error.
void warn(std::string_view message) noexcept;

}  // namespace respcache::net::tls
