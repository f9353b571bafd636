// `respcache host` and its password: carried exactly by the connection string,
// never shown in the process list.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "run_command.hpp"

namespace {

using respcache::testing::run_command;
const std::string tool = RESPCACHE_EXECUTABLE;

TEST(RespcacheHostSecrets, APasswordWithACommaAndASpaceIsEscapedInTheConnectionString) {
    const auto r = run_command(tool + " host --password 'Tr0ub,4dor x' -- sh -c '" + tool +
                               " call PING && echo \"$ConnectionStrings__cache\"'");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out.rfind("PONG\nredis://:Tr0ub%2C4dor%20x@127.0.0.1:", 0), 0u) << r.out;
}

TEST(RespcacheHostSecrets, TheServerCommandLineDoesNotShowThePassword) {
    // The command prints the connection string, then every process's command line.
    const auto r =
        run_command(tool + " host -- sh -c 'echo \"$ConnectionStrings__cache\"; ps -eo args'");
    ASSERT_EQ(r.status, 0) << r.out;
    std::istringstream lines(r.out);
    std::string first;
    std::getline(lines, first);
    const auto at = first.find(",password=");
    ASSERT_NE(at, std::string::npos) << first;
    const std::string password = first.substr(at + 10);
    ASSERT_EQ(password.size(), 32u) << first;
    bool saw_server = false;
    for (std::string line; std::getline(lines, line);) {
        if (line.find("redis-server") == std::string::npos) continue;
        saw_server = true;
        EXPECT_EQ(line.find(password), std::string::npos) << line;
    }
    EXPECT_TRUE(saw_server) << r.out;
}

}  // namespace
