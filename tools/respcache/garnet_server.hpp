#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace respcache::tools {

// `respcache host --server garnet-server`: Garnet takes its own options, not
// redis-server's, and is a .NET tool rather than a Debian package.
bool is_garnet(const std::string& server);

// Where scripts/setup.sh installs the tool: ~/.cache/respcache/dotnet-tools.
std::optional<std::string> installed_garnet();

// Loopback only, small memory, logging to standard output (which the host
// sends to its log file), a password when one is given.
std::vector<std::string> garnet_arguments(const std::string& binary, std::uint16_t port,
                                          const std::string& dir, const std::string& password);

}  // namespace respcache::tools
