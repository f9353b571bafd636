#pragma once

#include <sys/types.h>

#include <string>

namespace respcache::testing {

// The .NET interop program (tests/interop/dotnet/) as a child process: one
// command line in, one answer line out, so a whole test shares one .NET
// start-up. The protocol is described at the top of dotnet/Program.cs.
class dotnet_peer {
  public:
    dotnet_peer(const std::string& program, const std::string& connection_string);
    ~dotnet_peer();
    dotnet_peer(const dotnet_peer&) = delete;
    dotnet_peer& operator=(const dotnet_peer&) = delete;

    // Sends one command and returns its answer line (without the newline);
    // throws when the program exits or does not answer within 60 s.
    std::string ask(const std::string& command);

  private:
    pid_t pid_ = -1;
    int to_child_ = -1;
    int from_child_ = -1;
    std::string pending_;  // bytes read past the last answer
};

}  // namespace respcache::testing
