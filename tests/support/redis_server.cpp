#include "redis_server.hpp"

#include "loopback.hpp"
#include "test_server_kind.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace respcache::testing {

namespace {

std::string encode(const std::vector<std::string>& args) {
    std::string out;
    out.append("*").append(std::to_string(args.size())).append("\r\n");
    for (const auto& a : args)
        out.append("$").append(std::to_string(a.size())).append("\r\n").append(a).append("\r\n");
    return out;
}

// Field 3 of /proc/<pid>/task/<tid>/stat is the thread's state; 'T' is stopped.
bool every_thread_stopped(pid_t pid) {
    std::error_code missing;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    for (const auto& task : std::filesystem::directory_iterator(tasks, missing)) {
        std::FILE* stat = std::fopen((task.path() / "stat").c_str(), "r");
        if (stat == nullptr) continue;  // the thread ended
        char line[512];
        const bool read = std::fgets(line, sizeof line, stat) != nullptr;
        std::fclose(stat);
        const char* after_name = read ? std::strrchr(line, ')') : nullptr;
        if (after_name == nullptr || after_name[1] == '\0') continue;
        if (after_name[2] != 'T' && after_name[2] != 't') return false;
    }
    return !missing;
}

}  // namespace

redis_server::redis_server(settings s) : settings_(std::move(s)) {
    char pattern[] = "/tmp/respcache-redis-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    if (settings_.unix_socket) unix_path_ = directory_ + "/redis.sock";
    start_on_a_free_port();
}

redis_server::~redis_server() {
    if (pid_ > 0) {
        ::kill(pid_, SIGCONT);
        kill();
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

std::string redis_server::connection_string() const {
    std::string s = "127.0.0.1:" + std::to_string(port_);
    if (!settings_.password.empty()) s += ",password=" + settings_.password;
    return s;
}

void redis_server::start_on_a_free_port() {
    for (int attempt = 0; attempt < 20; ++attempt) {
        port_ = free_port();
        if (settings_.tls) {
            do tls_port_ = free_port();
            while (tls_port_ == port_);
        }
        if (start()) return;
    }
    throw std::runtime_error("redis-server failed to start; see " + directory_ + "/redis.log");
}

bool redis_server::start() {
    std::vector<std::string> args = {
        "redis-server", "--port",    std::to_string(port_),    "--bind", "127.0.0.1",
        "--save",       "",          "--appendonly",           "no",     "--dir",
        directory_,     "--logfile", directory_ + "/redis.log"};
    if (!settings_.password.empty()) {
        args.insert(args.end(), {"--requirepass", settings_.password});
    }
    if (!settings_.acl_user.empty()) {
        args.insert(args.end(), {"--user", settings_.acl_user, "on", ">" + settings_.acl_password,
                                 "~*", "&*", "+@all"});
    }
    if (!unix_path_.empty()) {
        args.insert(args.end(), {"--unixsocket", unix_path_, "--unixsocketperm", "700"});
    }
    if (settings_.tls) {
        const auto& t = *settings_.tls;
        args.insert(args.end(), {"--tls-port", std::to_string(tls_port_), "--tls-cert-file",
                                 t.certificate, "--tls-key-file", t.key, "--tls-ca-cert-file", t.ca,
                                 "--tls-auth-clients", t.auth_clients ? "yes" : "no"});
    }
    args.insert(args.end(), settings_.extra.begin(), settings_.extra.end());

    if (testing_against_garnet()) {
        args = garnet_command_line({port_, directory_, settings_.password, settings_.acl_user,
                                    settings_.acl_password, unix_path_, settings_.extra});
    }
    const char* binary = std::getenv("REDIS_SERVER");
    const std::string program = testing_against_garnet() ? args.front()
                                : binary                 ? binary
                                                         : "redis-server";
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_ = ::fork();
    if (pid_ == 0) {
        if (testing_against_garnet()) {
            // Garnet logs to standard output; keep it beside the data, as redis.log.
            const std::string log = directory_ + "/redis.log";
            if (std::freopen(log.c_str(), "a", stdout)) ::dup2(::fileno(stdout), STDERR_FILENO);
            // A Garnet built for an older .NET runs on the machine's newer one.
            ::setenv("DOTNET_ROLL_FORWARD", "Major", 0);
        }
        ::execvp(program.c_str(), argv.data());
        std::perror("execvp redis-server");
        ::_exit(127);
    }
    return wait_until_ready();
}

bool redis_server::wait_until_ready() {
    // Another test may have taken the same free port a moment earlier: only
    // our own process counts as ready, recognised by its process id.
    // Garnet's INFO names no process id: there, an answer naming Garnet while
    // our process is still alive (it exits when its port is taken) counts.
    const std::string expected =
        testing_against_garnet() ? "server_name:garnet" : "process_id:" + std::to_string(pid_);
    std::string request;
    if (!settings_.password.empty()) request += encode({"AUTH", settings_.password});
    request += encode({"INFO", "server"});
    // Garnet is a .NET program: its start-up takes seconds on a loaded machine.
    const auto patience = std::chrono::seconds(testing_against_garnet() ? 30 : 10);
    const auto give_up = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < give_up) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        const int fd = connect_loopback(port_);
        if (fd >= 0) {
            std::string reply;
            if (::write(fd, request.data(), request.size()) > 0) {
                char buffer[8192];
                pollfd p{fd, POLLIN, 0};
                while (reply.find(expected) == std::string::npos && ::poll(&p, 1, 300) > 0) {
                    const ssize_t n = ::read(fd, buffer, sizeof buffer);
                    if (n <= 0) break;
                    reply.append(buffer, static_cast<std::size_t>(n));
                }
            }
            ::close(fd);
            if (reply.find(expected) != std::string::npos)
                return !testing_against_garnet() || ::waitpid(pid_, &status, WNOHANG) == 0;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("the server did not answer within " +
                             std::to_string(patience.count()) + " s; see " + directory_ +
                             "/redis.log");
}

void redis_server::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void redis_server::pause() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGSTOP);
    // kill() returns before a multi-threaded server (Garnet) has stopped every
    // thread; a request sent in that gap would still be answered.
    const auto patience = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!every_thread_stopped(pid_) && std::chrono::steady_clock::now() < patience)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void redis_server::resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void redis_server::restart() {
    kill();
    if (!start()) throw std::runtime_error("redis-server did not restart on its port");
}

std::string redis_server::raw_command(const std::vector<std::string>& args) const {
    const int fd = connect_loopback(port_);
    if (fd < 0) throw std::runtime_error("cannot connect to the test server");
    std::string request;
    if (!settings_.password.empty()) request += encode({"AUTH", settings_.password});
    request += encode(args);
    if (::write(fd, request.data(), request.size()) < 0) throw std::runtime_error("write failed");
    std::string reply;
    char buffer[4096];
    // Read until the server has been quiet for a moment: enough for tests.
    pollfd p{fd, POLLIN, 0};
    while (::poll(&p, 1, 200) > 0) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n <= 0) break;
        reply.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    if (!settings_.password.empty() && reply.starts_with("+OK\r\n")) reply.erase(0, 5);
    return reply;
}

}  // namespace respcache::testing
