// `respcache host` stopped by SIGINT, SIGTERM or SIGHUP while it waits for
// the server's first PING (the moment it is most exposed), and while it
// serves without a command. While waiting, a stand-in server that never
// answers records its arguments, standard input and process id, so the test
// can tell what host gave it and whether it is gone.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "loopback.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;

const std::string tool = RESPCACHE_EXECUTABLE;

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class HostSignals : public ::testing::TestWithParam<int> {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/respcache-host-signal-XXXXXX";
        record_ = ::mkdtemp(pattern);
        server_ = record_ + "/silent-server";
        std::ofstream(server_) << "#!/bin/sh\n"
                               << "printf '%s\\n' \"$@\" > '" << record_ << "/args'\n"
                               << "cat > '" << record_ << "/stdin'\n"
                               << "echo $$ > '" << record_ << "/pid.tmp'\n"
                               << "mv '" << record_ << "/pid.tmp' '" << record_ << "/pid'\n"
                               << "exec sleep 60\n";
        ::chmod(server_.c_str(), 0700);
    }
    void TearDown() override { std::filesystem::remove_all(record_); }

    // The value after `flag` in the stand-in server's arguments.
    std::string argument_after(const std::string& flag) const {
        std::istringstream lines(read_file(record_ + "/args"));
        for (std::string line; std::getline(lines, line);) {
            if (line == flag && std::getline(lines, line)) return line;
        }
        return {};
    }

    std::string record_;
    std::string server_;
};

TEST_P(HostSignals, WhileWaitingForTheFirstPingTheServerStopsAndTheFolderGoes) {
    const int signal = GetParam();
    std::vector<std::string> args = {tool,         "host",      "--server", server_,
                                     "--password", "S3cret-pw", "--",       "true"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t host = -1;
    ASSERT_EQ(::posix_spawn(&host, tool.c_str(), nullptr, nullptr, argv.data(), environ), 0);

    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (!std::filesystem::exists(record_ + "/pid") && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(std::filesystem::exists(record_ + "/pid")) << "the server never started";
    const pid_t server = std::stoi(read_file(record_ + "/pid"));
    const std::string data = argument_after("--dir");
    ASSERT_FALSE(data.empty());
    EXPECT_TRUE(std::filesystem::exists(data));

    ASSERT_EQ(::kill(host, signal), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(host, &status, 0), host);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 128 + signal);
    EXPECT_EQ(::kill(server, 0), -1) << "the server is still running";
    EXPECT_EQ(errno, ESRCH);
    EXPECT_FALSE(std::filesystem::exists(data)) << data << " was left behind";

    // The password went in on standard input, never on the command line.
    EXPECT_EQ(read_file(record_ + "/args").find("S3cret-pw"), std::string::npos);
    EXPECT_EQ(read_file(record_ + "/stdin").rfind("requirepass \"\\x53\\x33", 0), 0u)
        << read_file(record_ + "/stdin");
}

TEST_P(HostSignals, WhileServingWithoutACommandTheServerStops) {
    const int signal = GetParam();
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {tool, "host"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t host = -1;
    ASSERT_EQ(::posix_spawn(&host, tool.c_str(), &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    // "ConnectionStrings__cache=127.0.0.1:PORT,password=..." once it serves.
    std::string printed;
    char buffer[512];
    while (printed.find("serving") == std::string::npos) {
        const ssize_t n = ::read(out[0], buffer, sizeof buffer);
        if (n <= 0) break;
        printed.append(buffer, static_cast<std::size_t>(n));
    }
    const auto colon = printed.find("127.0.0.1:");
    ASSERT_NE(colon, std::string::npos) << printed;
    const auto port = static_cast<std::uint16_t>(std::stoi(printed.substr(colon + 10)));

    ASSERT_EQ(::kill(host, signal), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(host, &status, 0), host);
    ::close(out[0]);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(respcache::testing::connect_loopback(port), -1) << "the server is still running";
}

INSTANTIATE_TEST_SUITE_P(EachStopSignal, HostSignals, ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         [](const auto& info) {
                             return std::string(info.param == SIGINT    ? "Sigint"
                                                : info.param == SIGTERM ? "Sigterm"
                                                                        : "Sighup");
                         });

}  // namespace
