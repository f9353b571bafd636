#pragma once

#include <signal.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace respcache::tools {

// `respcache host --cluster N [--replicas R] ...` (host_cluster.cpp).
int run_host_cluster(std::span<const std::string_view> args);

// Shared with `respcache host` (host_command.cpp).
std::optional<std::string> find_in_path(const std::string& program);
// Binds 127.0.0.1:port (0: any free one) to learn whether it is free.
std::optional<std::uint16_t> reserve_port(std::uint16_t port);
// Runs COMMAND to its end, passing SIGINT and SIGTERM on; its exit status.
int run_child(const std::vector<std::string>& command, const sigset_t& stop_signals);

}  // namespace respcache::tools
