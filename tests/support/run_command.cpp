#include "run_command.hpp"

#include <stdio.h>
#include <sys/wait.h>

namespace respcache::testing {

command_result run_command(const std::string& command_line) {
    command_result r{-1, {}};
    FILE* pipe = ::popen(command_line.c_str(), "r");
    if (pipe == nullptr) return r;
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
    const int status = ::pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace respcache::testing
