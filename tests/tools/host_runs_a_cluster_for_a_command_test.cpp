#include <gtest/gtest.h>

#include <string>

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

TEST(RespcacheHostCluster, RefusesTooFewPrimariesAndOptionsOfASingleServer) {
    const auto few = run_command(tool + " host --cluster 2 -- true 2>&1");
    EXPECT_EQ(few.status, 64);
    EXPECT_NE(few.out.find("at least 3 primaries"), std::string::npos) << few.out;
    const auto data = run_command(tool + " host --cluster 3 --data /tmp/x -- true 2>&1");
    EXPECT_EQ(data.status, 64);
    EXPECT_NE(data.out.find("--data does not apply to --cluster"), std::string::npos) << data.out;
}

}  // namespace
