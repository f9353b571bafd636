#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "redis_server.hpp"
#include "run_command.hpp"

namespace {

using respcache::testing::run_command;
const auto run = run_command;

const std::string tool = RESPCACHE_EXECUTABLE;

TEST(RespcacheHost, RunsTheCommandWithTheConnectionStringAndPassesItsStatus) {
    const auto r = run(tool + " host -- sh -c '" + tool + " call SET k v && " + tool +
                       " call GET k && echo \"$ConnectionStrings__cache\"; exit 7'");
    EXPECT_EQ(r.status, 7);
    EXPECT_EQ(r.out.rfind("OK\n\"v\"\n127.0.0.1:", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(",password="), std::string::npos) << "a password is generated";
}

TEST(RespcacheHost, NameAndNoPasswordShapeTheVariable) {
    const auto r =
        run(tool + " host --no-password --name chat -- sh -c 'echo \"$ConnectionStrings__chat\"'");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out.rfind("127.0.0.1:", 0), 0u) << r.out;
    EXPECT_EQ(r.out.find("password"), std::string::npos) << r.out;
}

TEST(RespcacheHost, DataDirectoryKeepsEntriesAcrossRuns) {
    char pattern[] = "/tmp/respcache-host-test-XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    const std::string host = tool + " host --password pw --data " + dir + " -- ";
    EXPECT_EQ(run(host + tool + " call SET survivor yes").out, "OK\n");
    EXPECT_EQ(run(host + tool + " call GET survivor").out, "\"yes\"\n");
    std::filesystem::remove_all(dir);
}

TEST(RespcacheHost, ClearErrorsForAMissingServerOrATakenPort) {
    const auto missing = run(tool + " host --server no-such-server -- true 2>&1");
    EXPECT_EQ(missing.status, 3);
    EXPECT_NE(missing.out.find("apt-get install redis-server"), std::string::npos) << missing.out;

    respcache::testing::redis_server server;
    const auto taken =
        run(tool + " host --port " + std::to_string(server.port()) + " -- true 2>&1");
    EXPECT_EQ(taken.status, 3);
    EXPECT_NE(taken.out.find("is taken"), std::string::npos) << taken.out;
}

TEST(RespcacheHost, PassesSigtermToTheCommandThenStopsTheServer) {
    // The command reports its server's port, then waits; host gets SIGTERM.
    const auto r = run("(" + tool + " host -- sh -c 'echo \"${ConnectionStrings__cache%%,*}\"; " +
                       "exec sleep 30' & pid=$!; sleep 1; kill -TERM $pid; wait $pid; " +
                       "echo \"status $?\")");
    EXPECT_NE(r.out.find("status 143"), std::string::npos) << r.out;
    const auto colon = r.out.find(':');
    ASSERT_NE(colon, std::string::npos) << r.out;
    const auto port = static_cast<std::uint16_t>(std::stoi(r.out.substr(colon + 1)));
    EXPECT_EQ(respcache::testing::connect_loopback(port), -1) << "the server is still running";
}

}  // namespace
