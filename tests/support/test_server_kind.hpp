#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace respcache::testing {

// Which server the integration tests start: redis-server (or the binary
// named by REDIS_SERVER, e.g. valkey-server) by default, Garnet when
// RESPCACHE_TEST_SERVER=garnet.
bool testing_against_garnet();

// The garnet-server program: $GARNET_SERVER, else the .NET tool that
// scripts/setup.sh installs (~/.cache/respcache/dotnet-tools/garnet-server),
// else garnet-server on the PATH.
std::string garnet_program();

struct garnet_settings {
    std::uint16_t port = 0;
    std::string directory;  // for its checkpoints and ACL file
    std::string password;
    std::string acl_user, acl_password;
    std::string unix_path;
    std::vector<std::string> extra;
};

// Garnet's command line for what redis_server::settings asks: loopback only,
// small memory, no persistence; Lua left off, as Garnet ships.
std::vector<std::string> garnet_command_line(const garnet_settings& s);

}  // namespace respcache::testing
