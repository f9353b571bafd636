#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "run_command.hpp"

namespace {

using respcache::testing::run_command;

const std::string tool = RESPCACHE_EXECUTABLE;

std::size_t count(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(RespcacheHostCluster, RunsTheCommandWithEveryNodeInTheConnectionString) {
    const auto r =
        run_command(tool + " host --cluster 3 --replicas 1 -- sh -c 'echo " +
                    "\"$ConnectionStrings__cache\"; " + tool + " call CLUSTER INFO; exit 5'");
    EXPECT_EQ(r.status, 5);
    const std::string first_line = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(count(first_line, "127.0.0.1:"), 6u) << first_line;
    EXPECT_NE(first_line.find(",password="), std::string::npos) << "a password is generated";
    EXPECT_NE(r.out.find("cluster_state:ok"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("cluster_size:3"), std::string::npos) << r.out;
}

TEST(RespcacheHostCluster, NoNodeCommandLineShowsThePassword) {
    const auto r = run_command(tool + " host --cluster 3 -- sh -c 'echo " +
                               "\"$ConnectionStrings__cache\"; ps -eo args'");
    ASSERT_EQ(r.status, 0) << r.out;
    const std::string first_line = r.out.substr(0, r.out.find('\n'));
    const auto at = first_line.find(",password=");
    ASSERT_NE(at, std::string::npos) << first_line;
    std::string password = first_line.substr(at + 10);
    password = password.substr(0, password.find(','));
    ASSERT_EQ(password.size(), 32u) << first_line;
    EXPECT_GE(count(r.out, "[cluster]"), 3u) << "the nodes are in the list:\n" << r.out;
    EXPECT_EQ(count(r.out, password), 1u) << "only the connection string carries it:\n" << r.out;
}

TEST(RespcacheHostCluster, RefusesTooFewPrimariesAndOptionsOfASingleServer) {
    const auto few = run_command(tool + " host --cluster 2 -- true 2>&1");
    EXPECT_EQ(few.status, 64);
    EXPECT_NE(few.out.find("at least 3 primaries"), std::string::npos) << few.out;
    const auto data = run_command(tool + " host --cluster 3 --data /tmp/x -- true 2>&1");
    EXPECT_EQ(data.status, 64);
    EXPECT_NE(data.out.find("--data does not apply to --cluster"), std::string::npos) << data.out;
}

}  // namespace
