#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "redis_server.hpp"
#include "run_command.hpp"

namespace {

using namespace std::chrono_literals;

using respcache::testing::run_command;
const auto run = run_command;

const std::string tool = RESPCACHE_EXECUTABLE;

TEST(RespcacheCall, PrintsRepliesLikeRedisCli) {
    respcache::testing::redis_server server;
    const std::string c = " --connection " + server.connection_string() + " ";
    EXPECT_EQ(run(tool + " call" + c + "SET greeting hello").out, "OK\n");
    EXPECT_EQ(run(tool + " call" + c + "GET greeting").out, "\"hello\"\n");
    EXPECT_EQ(run(tool + " call" + c + "GET missing").out, "(nil)\n");
    EXPECT_EQ(run(tool + " call" + c + "RPUSH l a b").out, "(integer) 2\n");
    EXPECT_EQ(run(tool + " call" + c + "LRANGE l 0 -1").out, "1) \"a\"\n2) \"b\"\n");
    EXPECT_EQ(run(tool + " call" + c + "--json GET greeting").out, "{\"blob\":\"hello\"}\n");
}

TEST(RespcacheCall, ErrorsHaveDistinctExitStatuses) {
    respcache::testing::redis_server server;
    const auto wrong = run(tool + " call --connection " + server.connection_string() + " INCR");
    EXPECT_EQ(wrong.status, 1);
    EXPECT_EQ(wrong.out.rfind("(error) ERR wrong number of arguments", 0), 0u) << wrong.out;

    const auto port = respcache::testing::free_port();
    EXPECT_EQ(
        run(tool + " call --connection 127.0.0.1:" + std::to_string(port) + " PING 2>/dev/null")
            .status,
        3);
    EXPECT_EQ(run(tool + " call --connection 'host:notaport' PING 2>/dev/null").status, 3);
    EXPECT_EQ(run("env -u ConnectionStrings__cache " + tool + " call PING 2>/dev/null").status, 3);
}

TEST(RespcacheCall, TakesTheConnectionStringFromTheEnvironment) {
    respcache::testing::redis_server server;
    const auto r = run("ConnectionStrings__cache=" + server.connection_string() + " " + tool +
                       " call ECHO from-env");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "\"from-env\"\n");
}

bool has_field(const std::string& json, const std::string& field) {
    return json.find("\"" + field + "\":") != std::string::npos;
}

TEST(RespcacheBench, JsonReportHasTheAgreedFields) {
    respcache::testing::redis_server server;
    for (const char* mode : {"blocking", "async", "pipeline"}) {
        const auto r = run(tool + " bench --connection " + server.connection_string() + " --mode " +
                           mode + " --threads 2 --requests 2000 --keyspace 100 --json");
        ASSERT_EQ(r.status, 0) << mode;
        for (const char* field : {"ops_per_sec", "cpu_us_per_op", "latency_us", "p50", "p90", "p99",
                                  "p999", "max", "errors"})
            EXPECT_TRUE(has_field(r.out, field)) << mode << ": " << field << " in " << r.out;
        EXPECT_NE(r.out.find("\"errors\":{}"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find("\"ops\":2000"), std::string::npos) << mode << ": " << r.out;
    }
}

TEST(RespcacheBench, ServerDyingMidRunIsReportedAndTheRunEndsOnTime) {
    respcache::testing::redis_server server;
    std::thread killer([&] {
        std::this_thread::sleep_for(700ms);
        server.kill();
    });
    const auto began = std::chrono::steady_clock::now();
    const auto r = run(tool + " bench --connection " + server.connection_string() +
                       ",syncTimeout=500 --duration 2 --threads 4 --json");
    const auto took = std::chrono::steady_clock::now() - began;
    killer.join();
    EXPECT_EQ(r.status, 0);
    EXPECT_LT(took, 4s);
    EXPECT_EQ(r.out.find("\"errors\":{}"), std::string::npos) << r.out;
}

TEST(RespcacheBench, RejectsBadOptions) {
    EXPECT_EQ(run(tool + " bench --mode sideways 2>/dev/null").status, 64);
    EXPECT_EQ(run(tool + " bench --threads 0 2>/dev/null").status, 64);
    EXPECT_EQ(run(tool + " bench --ratio 1-2 2>/dev/null").status, 64);
    const auto near = run(tool + " bench --near --workload get 2>&1");
    EXPECT_EQ(near.status, 64);
    EXPECT_NE(near.out.find("--near needs --workload cache"), std::string::npos) << near.out;
}

TEST(RespcacheBench, TheNearCacheWorkloadRunsWithItsFirstLevelOn) {
    respcache::testing::redis_server server;
    const auto r = run(tool + " bench --connection " + server.connection_string() +
                       " --workload cache --near --ratio 1:100 --requests 3000 --keyspace 100 "
                       "--json 2>&1");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("\"workload\":\"cache (near)\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"errors\":{}"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("first level off"), std::string::npos) << r.out;
}

}  // namespace
