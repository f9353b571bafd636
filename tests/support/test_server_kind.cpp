#include "test_server_kind.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <fstream>

namespace respcache::testing {

bool testing_against_garnet() {
    const char* kind = std::getenv("RESPCACHE_TEST_SERVER");
    return kind && std::string(kind) == "garnet";
}

std::string garnet_program() {
    if (const char* explicit_path = std::getenv("GARNET_SERVER")) return explicit_path;
    if (const char* home = std::getenv("HOME")) {
        const std::string tool = std::string(home) + "/.cache/respcache/dotnet-tools/garnet-server";
        if (::access(tool.c_str(), X_OK) == 0) return tool;
    }
    return "garnet-server";
}

std::vector<std::string> garnet_command_line(const garnet_settings& s) {
    std::vector<std::string> args = {garnet_program(), "--port",    std::to_string(s.port),
                                     "--bind",         "127.0.0.1", "--checkpointdir",
                                     s.directory,      "--index",   "16m",
                                     "--memory",       "512m",      "--logger-level",
                                     "Error"};
    if (!s.acl_user.empty()) {
        // Garnet's ACL file takes Redis's user rules (without channel
        // patterns); the default user keeps the password (or none) asked for.
        const std::string file = s.directory + "/users.acl";
        std::ofstream(file) << "user default on "
                            << (s.password.empty() ? std::string("nopass") : ">" + s.password)
                            << " ~* +@all\nuser " << s.acl_user << " on >" << s.acl_password
                            << " ~* +@all\n";
        args.insert(args.end(), {"--auth", "ACL", "--acl-file", file});
    } else if (!s.password.empty()) {
        args.insert(args.end(), {"--auth", "Password", "--password", s.password});
    }
    if (!s.unix_path.empty())
        args.insert(args.end(), {"--unixsocket", s.unix_path, "--unixsocketperm", "700"});
    args.insert(args.end(), s.extra.begin(), s.extra.end());
    return args;
}

}  // namespace respcache::testing
