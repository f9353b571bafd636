#pragma once

#include <string_view>

namespace respcache::net {

// What CLIENT SETINFO tells the server about this client.
inline constexpr std::string_view library_name = "respcache";
inline constexpr std::string_view library_version = "0.1.0";

}  // namespace respcache::net
