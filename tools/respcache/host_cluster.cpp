// `respcache host --cluster N [--replicas R]`: a local Redis Cluster for a
// command, as `respcache host` runs one server.

#include "host_cluster.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "host_secrets.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/net/connection_string.hpp"
#include "subcommands.hpp"

namespace respcache::tools {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view cluster_usage =
    "usage: respcache host --cluster N [--replicas R] [options] [-- COMMAND ARG...]\n"
    "  --cluster N             N primaries (3 or more), each on a free loopback port\n"
    "  --replicas R            R replicas of each primary (default 0)\n"
    "  --server BINARY         redis-server (default) or valkey-server\n"
    "  --cli BINARY            redis-cli (default) or valkey-cli, to create the cluster\n"
    "  --password P            require this password (default: a generated one)\n"
    "  --no-password           require none\n"
    "  --name NAME             set ConnectionStrings__NAME (default cache)\n"
    "Starts the nodes with cluster-enabled yes, creates the cluster\n"
    "(redis-cli --cluster create), waits for cluster_state:ok, runs COMMAND with\n"
    "ConnectionStrings__NAME set to every node's address, then stops the nodes.\n";

struct cluster_options {
    int primaries = 0;
    int replicas = 0;
    std::string server = "redis-server";
    std::string cli = "redis-cli";
    std::optional<std::string> password;
    bool no_password = false;
    std::string name = "cache";
    std::vector<std::string> command;
};

int cluster_error(const std::string& message) {
    std::fprintf(stderr, "respcache host: %s\n", message.c_str());
    return exit_failure;
}

std::optional<int> count_of(std::string_view text) {
    int n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
    return n;
}

std::optional<std::string> parse(std::span<const std::string_view> args, cluster_options& o) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view flag = args[i];
        if (flag == "--") {
            for (++i; i < args.size(); ++i) o.command.emplace_back(args[i]);
            break;
        }
        if (flag == "--no-password") {
            o.no_password = true;
            continue;
        }
        if (i + 1 >= args.size()) return "option " + std::string(flag) + " needs a value";
        const std::string value(args[++i]);
        if (flag == "--cluster" || flag == "--replicas") {
            const auto n = count_of(value);
            if (!n) return "bad " + std::string(flag) + " '" + value + "'";
            (flag == "--cluster" ? o.primaries : o.replicas) = *n;
        } else if (flag == "--server") {
            o.server = value;
        } else if (flag == "--cli") {
            o.cli = value;
        } else if (flag == "--password") {
            if (value.empty()) return "--password needs a value (or use --no-password)";
            o.password = value;
        } else if (flag == "--name") {
            if (value.empty()) return "--name needs a value";
            o.name = value;
        } else {
            return "option " + std::string(flag) + " does not apply to --cluster";
        }
    }
    if (o.primaries < 3) return "--cluster needs at least 3 primaries";
    if (o.replicas > 5) return "--replicas is at most 5";
    if (o.no_password && o.password) return "--password and --no-password exclude each other";
    return std::nullopt;
}

// A free loopback port whose cluster bus port (port + 10000) is free too.
std::optional<std::uint16_t> free_node_port() {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const auto p = reserve_port(0);
        if (!p || *p > 55535) continue;
        if (reserve_port(static_cast<std::uint16_t>(*p + 10000))) return p;
    }
    return std::nullopt;
}

// The nodes, started and stopped together.
class cluster_processes {
  public:
    ~cluster_processes() { stop(); }

    std::optional<std::string> start(const std::string& binary, std::uint16_t port,
                                     const std::string& password) {
        char pattern[] = "/tmp/respcache-cluster-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) return "cannot create a temporary directory";
        const std::string dir = pattern;
        dirs_.push_back(dir);
        std::vector<std::string> args = {binary,
                                         "--port",
                                         std::to_string(port),
                                         "--bind",
                                         "127.0.0.1",
                                         "--dir",
                                         dir,
                                         "--save",
                                         "",
                                         "--appendonly",
                                         "no",
                                         "--logfile",
                                         dir + "/server.log",
                                         "--cluster-enabled",
                                         "yes",
                                         "--cluster-node-timeout",
                                         "5000",
                                         "--repl-diskless-sync-delay",
                                         "0"};
        if (!password.empty()) {
            // In a file only the owner reads, never on the command line (ps,
            // /proc/PID/cmdline), as `respcache host` does for one server.
            const std::string secrets = dir + "/secrets.conf";
            const std::string requirepass = requirepass_line(password);
            const std::string masterauth =
                "masterauth" + requirepass.substr(std::string_view("requirepass").size());
            const int fd = ::open(secrets.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (fd < 0) return "cannot write " + secrets + ": " + std::strerror(errno);
            const std::string text = requirepass + masterauth;
            const bool written =
                ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
            ::close(fd);
            if (!written) return "cannot write " + secrets;
            args.insert(args.begin() + 1, secrets);
        }
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::setpgid(0, 0);  // Ctrl-C reaches us, and we stop the nodes cleanly
            ::execv(binary.c_str(), argv.data());
            ::_exit(127);
        }
        if (pid < 0) return std::string("fork: ") + std::strerror(errno);
        pids_.push_back(pid);
        return std::nullopt;
    }

    bool any_exited() {
        for (pid_t& pid : pids_) {
            int status = 0;
            if (pid > 0 && ::waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                return true;
            }
        }
        return false;
    }

    void stop() {
        for (pid_t pid : pids_)
            if (pid > 0) ::kill(pid, SIGTERM);
        for (pid_t& pid : pids_) {
            if (pid <= 0) continue;
            const auto give_up = std::chrono::steady_clock::now() + 10s;
            while (::waitpid(pid, nullptr, WNOHANG) != pid) {
                if (std::chrono::steady_clock::now() > give_up) {
                    ::kill(pid, SIGKILL);
                    ::waitpid(pid, nullptr, 0);
                    break;
                }
                std::this_thread::sleep_for(20ms);
            }
            pid = -1;
        }
        for (const std::string& dir : dirs_) {
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
        }
        dirs_.clear();
    }

  private:
    std::vector<pid_t> pids_;
    std::vector<std::string> dirs_;
};

// Runs `cli --cluster create ...` with the password in REDISCLI_AUTH (not on
// its command line); its report goes to standard error.
int create_cluster(const std::string& cli, const std::vector<std::uint16_t>& ports, int replicas,
                   const std::string& password) {
    std::vector<std::string> args = {cli, "--cluster", "create"};
    for (std::uint16_t p : ports) args.push_back("127.0.0.1:" + std::to_string(p));
    args.insert(args.end(), {"--cluster-replicas", std::to_string(replicas), "--cluster-yes"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (!password.empty()) ::setenv("REDISCLI_AUTH", password.c_str(), 1);
        ::dup2(STDERR_FILENO, STDOUT_FILENO);
        ::execv(cli.c_str(), argv.data());
        ::_exit(127);
    }
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool cluster_ok(const std::vector<std::uint16_t>& ports, const std::string& password) {
    for (std::uint16_t p : ports) {
        std::string text = "127.0.0.1:" + std::to_string(p);
        if (!password.empty()) text += ",password=" + password;
        auto options = net::parse_connection_string(text);
        if (!options) return false;
        options->connect_timeout = 1000ms;
        auto c = net::connection::open(*options);
        if (!c) return false;
        auto info = c->call("CLUSTER", "INFO");
        if (!info || info->view().string().find("cluster_state:ok") == std::string_view::npos)
            return false;
    }
    return true;
}

}  // namespace

int run_host_cluster(std::span<const std::string_view> args) {
    for (const auto a : args) {
        if (a == "--") break;
        if (a == "--help" || a == "-h") {
            std::fputs(cluster_usage.data(), stdout);
            return 0;
        }
    }
    cluster_options o;
    if (auto problem = parse(args, o)) {
        std::fprintf(stderr, "respcache host: %s\n\n%s", problem->c_str(), cluster_usage.data());
        return exit_usage;
    }
    const auto server = find_in_path(o.server);
    if (!server)
        return cluster_error(
            o.server + " not found; install it (Debian: apt-get install " +
            (o.server.find("valkey") != std::string::npos ? "valkey-server" : "redis-server") +
            ")");
    const auto cli = find_in_path(o.cli);
    if (!cli)
        return cluster_error(
            o.cli + " not found; install it (Debian: apt-get install " +
            (o.cli.find("valkey") != std::string::npos ? "valkey-tools" : "redis-tools") + ")");
    std::string password;
    if (!o.no_password) {
        if (o.password) {
            password = *o.password;
        } else {
            auto generated = generate_password();
            if (!generated) return cluster_error(generated.error_value().message);
            password = std::move(*generated);
        }
    }

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    ::signal(SIGINT, SIG_IGN);

    cluster_processes nodes;
    std::vector<std::uint16_t> ports;
    const int total = o.primaries * (1 + o.replicas);
    for (int i = 0; i < total; ++i) {
        const auto port = free_node_port();
        if (!port) return cluster_error("no free port pair (port and port + 10000) on 127.0.0.1");
        if (auto failed = nodes.start(*server, *port, password)) return cluster_error(*failed);
        ports.push_back(*port);
    }
    std::string seeds;
    for (std::uint16_t p : ports) {
        if (!seeds.empty()) seeds += ',';
        seeds += "127.0.0.1:" + std::to_string(p);
    }
    // Every node answers before the cluster is created.
    for (std::uint16_t p : ports) {
        std::string text = "127.0.0.1:" + std::to_string(p);
        if (!password.empty()) text += ",password=" + password;
        auto options = net::parse_connection_string(text);
        if (!options) return cluster_error(options.error_value().message);
        options->connect_timeout = 1000ms;
        const auto give_up = std::chrono::steady_clock::now() + 20s;
        for (;;) {
            if (nodes.any_exited()) return cluster_error("a node exited at start-up");
            if (auto ready = net::connection::open(*options); ready && ready->call("PING")) break;
            if (std::chrono::steady_clock::now() > give_up)
                return cluster_error("a node did not answer PING within 20 s");
            std::this_thread::sleep_for(20ms);
        }
    }
    if (create_cluster(*cli, ports, o.replicas, password) != 0)
        return cluster_error(o.cli + " --cluster create failed");
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    while (!cluster_ok(ports, password)) {
        if (std::chrono::steady_clock::now() > give_up)
            return cluster_error("the cluster did not reach cluster_state:ok within 30 s");
        std::this_thread::sleep_for(50ms);
    }

    const std::string connection_string = seeds + (password.empty() ? "" : ",password=" + password);
    const std::string variable = "ConnectionStrings__" + o.name;
    ::setenv(variable.c_str(), connection_string.c_str(), 1);
    if (!o.command.empty()) {
        const int status = run_child(o.command, stop_signals);
        nodes.stop();
        return status;
    }
    std::printf("%s=%s\n", variable.c_str(), connection_string.c_str());
    std::printf(
        "serving a cluster of %d primaries and %d replicas each until interrupted "
        "(Ctrl-C)\n",
        o.primaries, o.replicas);
    std::fflush(stdout);
    ::signal(SIGINT, SIG_DFL);
    ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    for (;;) {
        timespec tick{0, 200 * 1000 * 1000};
        if (::sigtimedwait(&stop_signals, nullptr, &tick) > 0) break;
        if (nodes.any_exited()) return cluster_error("a node exited");
    }
    nodes.stop();
    return 0;
}

}  // namespace respcache::tools
