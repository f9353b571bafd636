#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "respcache/net/connection_options.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::tools {

// The connection string a subcommand uses: --connection when given, else the
// environment variable ConnectionStrings__cache (what an Aspire app host or
// `respcache host` sets). Neither: a config error naming both.
result<net::connection_options> connection_from(std::optional<std::string_view> flag,
                                                std::string_view name = "cache");

}  // namespace respcache::tools
