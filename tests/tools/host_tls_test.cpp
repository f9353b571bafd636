// `respcache host --tls`: a TLS-only server with a throwaway CA, and
// respcache call, cache and bench working through it unchanged.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "run_command.hpp"

namespace {

using respcache::testing::run_command;
const std::string tool = RESPCACHE_EXECUTABLE;

TEST(RespcacheHostTls, CallCacheAndBenchWorkThroughATlsOnlyServer) {
    const std::string script =
        "echo \"$ConnectionStrings__cache\"; " + tool + " call SET k v && " + tool +
        " call GET k && " + tool + " cache set entry hello --sliding 60s && " + tool +
        " cache get entry && " + tool + " bench --requests 500 --threads 1 --json";
    const auto r = run_command(tool + " host --tls -- sh -c '" + script + "'");
    EXPECT_EQ(r.status, 0) << r.out;
    std::istringstream lines(r.out);
    std::string connection;
    std::getline(lines, connection);
    EXPECT_EQ(connection.rfind("127.0.0.1:", 0), 0u) << connection;
    EXPECT_NE(connection.find(",ssl=true,sslCaFile=/"), std::string::npos) << connection;
    // call prints OK and "v"; cache set prints nothing, cache get the value
    // without a newline; then bench's JSON report.
    const std::string rest = r.out.substr(connection.size() + 1);
    EXPECT_EQ(rest.rfind("OK\n\"v\"\nhello{", 0), 0u) << rest;
    EXPECT_NE(rest.find("\"ops\":500"), std::string::npos) << rest;
    EXPECT_NE(rest.find("\"errors\":{}"), std::string::npos) << rest;
}

TEST(RespcacheHostTls, ThereIsNoPlaintextPort) {
    // Without the CA's trust (sslVerify left full, no sslCaFile) or without
    // TLS, nothing gets through.
    const auto r = run_command(tool + " host --tls -- sh -c '" + tool +
                               " call --connection \"${ConnectionStrings__cache%%,ssl=*}\" PING; "
                               "echo \"status $?\"' 2>&1");
    EXPECT_NE(r.out.find("status 3"), std::string::npos) << r.out;
}

}  // namespace
