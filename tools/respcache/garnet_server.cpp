#include "garnet_server.hpp"

#include <stdlib.h>
#include <unistd.h>

namespace respcache::tools {

bool is_garnet(const std::string& server) {
    const auto slash = server.rfind('/');
    const std::string name = slash == std::string::npos ? server : server.substr(slash + 1);
    return name.starts_with("garnet-server") || name.starts_with("GarnetServer");
}

std::optional<std::string> installed_garnet() {
    const char* home = std::getenv("HOME");
    if (!home) return std::nullopt;
    std::string tool = std::string(home) + "/.cache/respcache/dotnet-tools/garnet-server";
    if (::access(tool.c_str(), X_OK) != 0) return std::nullopt;
    return tool;
}

std::vector<std::string> garnet_arguments(const std::string& binary, std::uint16_t port,
                                          const std::string& dir, const std::string& password) {
    std::vector<std::string> args = {binary,     "--port",    std::to_string(port),
                                     "--bind",   "127.0.0.1", "--checkpointdir",
                                     dir,        "--index",   "16m",
                                     "--memory", "512m",      "--logger-level",
                                     "Warning"};
    if (!password.empty()) args.insert(args.end(), {"--auth", "Password", "--password", password});
    return args;
}

}  // namespace respcache::tools
