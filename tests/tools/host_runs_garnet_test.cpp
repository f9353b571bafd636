// `respcache host --server garnet-server`: Garnet started with its own
// options, a password, and the cache working on it (no Lua: the cache's
// two-command forms).

#include <gtest/gtest.h>

#include <string>

#include "run_command.hpp"
#include "test_server_kind.hpp"

namespace {

using respcache::testing::run_command;

const std::string tool = RESPCACHE_EXECUTABLE;

TEST(RespcacheHostGarnet, RunsTheCacheAgainstGarnetWithAPassword) {
    if (run_command("test -x " + respcache::testing::garnet_program() +
                    " || command -v garnet-server >/dev/null")
            .status != 0)
        GTEST_SKIP() << "garnet-server is not installed (scripts/setup.sh installs it with dotnet)";
    const auto r = run_command(tool + " host --server garnet-server -- sh -c '" + tool +
                               " cache set k v --sliding 20s && " + tool +
                               " cache get k && echo && echo \"$ConnectionStrings__cache\"'");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(r.out.rfind("v\n127.0.0.1:", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(",password="), std::string::npos) << r.out;
}

TEST(RespcacheHostGarnet, RefusesADataDirectory) {
    const auto r =
        run_command(tool + " host --server garnet-server --data /tmp/unused -- true 2>&1");
    EXPECT_EQ(r.status, 3);
    EXPECT_NE(r.out.find("not Garnet's"), std::string::npos) << r.out;
}

}  // namespace
