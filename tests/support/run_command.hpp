#pragma once

#include <string>

namespace respcache::testing {

struct command_result {
    int status;       // the exit status, -1 when the command did not exit normally
    std::string out;  // everything it wrote to standard output
};

// Runs a shell command line and captures its standard output; standard
// error goes to the test log.
command_result run_command(const std::string& command_line);

}  // namespace respcache::testing
