// `respcache call` and `respcache bench` with a cluster's seed list, under
// `respcache host --cluster 3`: call --json names the node and slot a key
// lives on, bench runs every mode and the cache workload without an error.

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "run_command.hpp"

namespace {

using respcache::testing::run_command;

const std::string tool = RESPCACHE_EXECUTABLE;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// "host:port" of the CLUSTER NODES line whose slot ranges hold `slot`.
std::string owner_in_cluster_nodes(const std::string& nodes, int slot) {
    for (const std::string& line : lines_of(nodes)) {
        if (line.find("master") == std::string::npos) continue;
        std::istringstream fields(line);
        std::vector<std::string> f;
        for (std::string w; fields >> w;) f.push_back(w);
        for (std::size_t i = 8; i < f.size(); ++i) {
            const auto dash = f[i].find('-');
            const int first = std::stoi(f[i].substr(0, dash));
            const int last = dash == std::string::npos ? first : std::stoi(f[i].substr(dash + 1));
            if (slot >= first && slot <= last) return f[1].substr(0, f[1].find('@'));
        }
    }
    return "";
}

TEST(RespcacheOnACluster, CallJsonNamesTheNodeAndSlotOfTheKey) {
    const auto r =
        run_command(tool + " host --cluster 3 -- sh -c '" + tool +
                    " call --json SET user:1 ada && " + tool + " call --json GET user:1 && " +
                    tool + " call --json PING && " + tool + " call CLUSTER NODES' 2>/dev/null");
    ASSERT_EQ(r.status, 0) << r.out;
    const auto lines = lines_of(r.out);
    std::vector<std::string> json;
    for (const auto& l : lines)
        if (l.starts_with("{\"node\":")) json.push_back(l);
    ASSERT_EQ(json.size(), 3u) << r.out;
    // CRC16("user:1") % 16384, as CLUSTER KEYSLOT says.
    const std::string owner = owner_in_cluster_nodes(r.out, 10778);
    ASSERT_FALSE(owner.empty()) << r.out;
    EXPECT_EQ(json[0], "{\"node\":\"" + owner + "\",\"slot\":10778,\"reply\":{\"simple\":\"OK\"}}");
    EXPECT_EQ(json[1], "{\"node\":\"" + owner + "\",\"slot\":10778,\"reply\":{\"blob\":\"ada\"}}");
    EXPECT_TRUE(json[2].ends_with(",\"slot\":null,\"reply\":{\"simple\":\"PONG\"}}")) << json[2];
}

TEST(RespcacheOnACluster, CallRefusesKeysInTwoSlotsWithAConfigError) {
    const auto r = run_command(tool + " host --cluster 3 -- " + tool + " call MGET a b 2>&1");
    EXPECT_EQ(r.status, 3) << r.out;
    EXPECT_NE(r.out.find("config error: CROSSSLOT refused on the client"), std::string::npos)
        << r.out;
}

TEST(RespcacheOnACluster, BenchRunsEveryModeAndTheCacheWithoutErrors) {
    std::string script;
    for (const char* mode : {"blocking", "async", "pipeline"})
        script += tool + " bench --mode " + std::string(mode) +
                  " --threads 2 --requests 2000 --keyspace 300 --json; ";
    script += tool + " bench --workload cache --requests 1000 --keyspace 300 --json";
    const auto r = run_command(tool + " host --cluster 3 -- sh -c '" + script + "' 2>/dev/null");
    ASSERT_EQ(r.status, 0) << r.out;
    std::size_t reports = 0;
    for (const auto& l : lines_of(r.out)) {
        if (!l.starts_with("{\"ops_per_sec\":")) continue;
        ++reports;
        EXPECT_NE(l.find("\"errors\":{}"), std::string::npos) << l;
        EXPECT_TRUE(l.find("\"ops\":2000") != std::string::npos ||
                    l.find("\"ops\":1000") != std::string::npos)
            << l;
    }
    EXPECT_EQ(reports, 4u) << r.out;
}

}  // namespace
