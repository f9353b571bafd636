#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "respcache/cache/cache_registry.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::cache::detail {

using environment_lookup = std::function<std::optional<std::string>(const std::string&)>;

// Fills `s` from what an Aspire app host or appsettings deliver as
// environment variables, in Aspire's order (later wins):
//   Aspire__StackExchange__Redis__{ConnectionString,DisableHealthChecks,DisableTracing}
//   Aspire__StackExchange__Redis__<name>__{...}   (the cache's own section)
//   ConnectionStrings__<name>                      (the connection string alone)
// The code callback runs after this. A boolean that is not true or false
// (any case, as .NET's configuration binder reads it) is an error of kind
// config naming the variable.
result<void> read_aspire_settings(std::string_view name, const environment_lookup& environment,
                                  redis_cache_settings& s);

}  // namespace respcache::cache::detail
