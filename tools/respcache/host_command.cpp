#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
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

#include "host_certificates.hpp"
#include "host_secrets.hpp"
#include "host_cluster.hpp"
#include "garnet_server.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/tls_layer.hpp"
#include "subcommands.hpp"

namespace respcache::tools {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view host_usage =
    "usage: respcache host [options] [-- COMMAND ARG...]\n"
    "  --server BINARY         redis-server (default), valkey-server or garnet-server\n"
    "  --port N                listen on 127.0.0.1:N (default: a free port)\n"
    "  --password P            require this password (default: a generated one)\n"
    "  --no-password           require none\n"
    "  --data DIR              keep the data in DIR across runs (RDB snapshots)\n"
    "  --persistence S:C       snapshot after S seconds if C keys changed (default 60:1)\n"
    "  --name NAME             set ConnectionStrings__NAME (default cache)\n"
    "  --tls                   TLS only, with a throwaway CA and a certificate for\n"
    "                          localhost and 127.0.0.1 in the data folder\n"
    "  --cluster N             a Redis Cluster instead: see host --cluster N --help\n"
    "Starts the server, waits until it answers PING, runs COMMAND with\n"
    "ConnectionStrings__NAME set, then stops the server and exits with COMMAND's\n"
    "status. Without COMMAND it prints the connection string and runs until\n"
    "interrupted.\n";

struct host_options {
    std::string server = "redis-server";
    std::uint16_t port = 0;
    std::optional<std::string> password;  // empty optional: generate
    bool no_password = false;
    std::string data;
    std::string persistence = "60:1";
    std::string name = "cache";
    bool tls = false;
    std::vector<std::string> command;
};

int host_error(const std::string& message) {
    std::fprintf(stderr, "respcache host: %s\n", message.c_str());
    return exit_failure;
}

}  // namespace

std::optional<std::string> find_in_path(const std::string& program) {
    if (program.find('/') != std::string::npos)
        return ::access(program.c_str(), X_OK) == 0 ? std::optional(program) : std::nullopt;
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!dirs.empty()) {
        const auto colon = dirs.find(':');
        const std::string candidate = std::string(dirs.substr(0, colon)) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    }
    return std::nullopt;
}

// Binds 127.0.0.1:port (0: any free one) to learn whether it is free.
std::optional<std::uint16_t> reserve_port(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    socklen_t size = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
    ::close(fd);
    if (!bound) return std::nullopt;
    return ntohs(address.sin_port);
}

namespace {

std::optional<std::string> parse_host_options(std::span<const std::string_view> args,
                                              host_options& o) {
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
        if (flag == "--tls") {
            o.tls = true;
            continue;
        }
        if (i + 1 >= args.size()) return "option " + std::string(flag) + " needs a value";
        const std::string value(args[++i]);
        if (flag == "--server") {
            o.server = value;
        } else if (flag == "--port") {
            unsigned port = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), port);
            if (ec != std::errc() || end != value.data() + value.size() || port == 0 ||
                port > 65535)
                return "bad port '" + value + "'";
            o.port = static_cast<std::uint16_t>(port);
        } else if (flag == "--password") {
            if (value.empty()) return "--password needs a value (or use --no-password)";
            o.password = value;
        } else if (flag == "--data") {
            o.data = value;
        } else if (flag == "--persistence") {
            const auto colon = value.find(':');
            unsigned a = 0, b = 0;
            const char* v = value.data();
            if (colon == std::string::npos || std::from_chars(v, v + colon, a).ptr != v + colon ||
                std::from_chars(v + colon + 1, v + value.size(), b).ptr != v + value.size())
                return "bad --persistence '" + value + "' (want SECONDS:CHANGES)";
            o.persistence = value;
        } else if (flag == "--name") {
            if (value.empty()) return "--name needs a value";
            o.name = value;
        } else {
            return "unknown option '" + std::string(flag) + "'";
        }
    }
    if (o.no_password && o.password) return "--password and --no-password exclude each other";
    return std::nullopt;
}

class server_process {
  public:
    ~server_process() { stop(); }

    // The data folder: --data, or a temporary one that stop() removes.
    std::optional<std::string> make_directory(const host_options& o) {
        dir_ = o.data;
        if (dir_.empty()) {
            char pattern[] = "/tmp/respcache-host-XXXXXX";
            if (::mkdtemp(pattern) == nullptr) return "cannot create a temporary directory";
            dir_ = temporary_dir_ = pattern;
        } else {
            std::error_code ec;
            std::filesystem::create_directories(dir_, ec);
            if (ec) return "cannot create " + dir_ + ": " + ec.message();
        }
        return std::nullopt;
    }
    const std::string& directory() const { return dir_; }

    // The password goes to the server on its standard input (redis-server
    // reads a configuration from "-"), never on its command line. With `tls`,
    // the server listens with TLS on `port` and on no plaintext port.
    std::optional<std::string> start(const std::string& binary, const host_options& o,
                                     std::uint16_t port, const std::string& password,
                                     const host_certificates* tls) {
        const std::string& dir = dir_;
        log_ = dir + "/server.log";
        std::string save = "";
        if (!o.data.empty()) {
            save = o.persistence;
            save[save.find(':')] = ' ';
        }
        std::vector<std::string> args = {
            binary,      "-",         "--port",       tls ? "0" : std::to_string(port),
            "--bind",    "127.0.0.1", "--dir",        dir,
            "--save",    save,        "--appendonly", "no",
            "--logfile", log_};
        if (tls)
            args.insert(args.end(), {"--tls-port", std::to_string(port), "--tls-cert-file",
                                     tls->certificate, "--tls-key-file", tls->key,
                                     "--tls-ca-cert-file", tls->ca, "--tls-auth-clients", "no"});
        // Garnet has options of its own (and takes the password on its command line).
        const bool garnet = is_garnet(binary);
        if (garnet) args = garnet_arguments(binary, port, dir, password);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        int config[2];
        if (::pipe2(config, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setpgid(0, 0);  // Ctrl-C reaches us, and we stop the server cleanly
            // Should host die without stopping it (SIGKILL), the server goes too.
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != parent) ::_exit(1);
            sigset_t all;
            sigfillset(&all);
            ::pthread_sigmask(SIG_UNBLOCK, &all, nullptr);
            ::dup2(config[0], 0);
            // Its log goes to the log file; what it prints before opening
            // it ("Reading config from stdin") must not mix with COMMAND's.
            const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
            if (null >= 0) ::dup2(null, 1);
            if (garnet && std::freopen(log_.c_str(), "a", stdout))  // Garnet logs there
                ::dup2(::fileno(stdout), STDERR_FILENO);
            ::execv(binary.c_str(), argv.data());
            ::_exit(127);
        }
        ::close(config[0]);
        if (pid_ > 0) {
            const std::string text = password.empty() ? "" : requirepass_line(password);
            std::size_t written = 0;
            while (written < text.size()) {
                const ssize_t n = ::write(config[1], text.data() + written, text.size() - written);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                written += static_cast<std::size_t>(n);
            }
        }
        ::close(config[1]);
        if (pid_ < 0) return std::string("fork: ") + std::strerror(errno);
        return std::nullopt;
    }

    bool exited() {
        int status = 0;
        if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return true;
        }
        return pid_ <= 0;
    }

    // SIGTERM makes the server save (when persistence is on) and exit.
    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            const auto give_up = std::chrono::steady_clock::now() + 15s;
            while (!exited() && std::chrono::steady_clock::now() < give_up)
                std::this_thread::sleep_for(20ms);
            if (pid_ > 0) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                pid_ = -1;
            }
        }
        if (!temporary_dir_.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(temporary_dir_, ignored);
            temporary_dir_.clear();
        }
    }

    const std::string& log() const { return log_; }

  private:
    pid_t pid_ = -1;
    std::string dir_;
    std::string temporary_dir_;
    std::string log_;
};

std::string log_tail(const std::string& path) {
    std::string text;
    if (FILE* f = std::fopen(path.c_str(), "r")) {
        char buffer[4096];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
        std::fclose(f);
    }
    return text.size() > 1500 ? text.substr(text.size() - 1500) : text;
}

// A stop signal (SIGINT, SIGTERM, SIGHUP) that arrived, or 0.
int pending_stop_signal(const sigset_t& stop_signals) {
    timespec now{0, 0};
    const int received = ::sigtimedwait(&stop_signals, nullptr, &now);
    return received > 0 ? received : 0;
}

}  // namespace

// Runs COMMAND to its end. SIGINT, SIGTERM and SIGHUP sent to host are passed on to
// COMMAND (a terminal's Ctrl-C reaches both anyway), so the server is only
// stopped once COMMAND has ended.
int run_child(const std::vector<std::string>& command, const sigset_t& stop_signals) {
    std::vector<std::string> args = command;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    const pid_t child = ::fork();
    if (child == 0) {
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGHUP, SIG_DFL);
        ::pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
        ::execvp(argv[0], argv.data());
        std::fprintf(stderr, "respcache host: cannot run '%s': %s\n", argv[0],
                     std::strerror(errno));
        ::_exit(127);
    }
    int status = 0;
    for (;;) {
        if (::waitpid(child, &status, WNOHANG) == child) break;
        timespec tick{0, 50 * 1000 * 1000};
        const int received = ::sigtimedwait(&stop_signals, nullptr, &tick);
        if (received > 0) ::kill(child, received);
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return exit_failure;
}

int run_host(std::span<const std::string_view> args) {
    for (const auto a : args) {
        if (a == "--") break;
        if (a == "--cluster") return run_host_cluster(args);
    }
    for (const auto a : args) {
        if (a == "--") break;
        if (a == "--help" || a == "-h") {
            std::fputs(host_usage.data(), stdout);
            return 0;
        }
    }
    host_options o;
    if (auto problem = parse_host_options(args, o)) {
        std::fprintf(stderr, "respcache host: %s\n\n%s", problem->c_str(), host_usage.data());
        return exit_usage;
    }
    if (is_garnet(o.server) && !o.data.empty())
        return host_error("--data keeps redis-server and valkey-server snapshots; not Garnet's");
    auto binary = find_in_path(o.server);
    if (!binary && o.server == "garnet-server") binary = installed_garnet();
    if (!binary && is_garnet(o.server))
        return host_error(o.server +
                          " not found; install it (scripts/setup.sh, or: dotnet tool install "
                          "garnet-server --tool-path ~/.cache/respcache/dotnet-tools)");
    if (!binary) {
        const std::string package =
            o.server.find("valkey") != std::string::npos ? "valkey-server" : "redis-server";
        return host_error(o.server + " not found; install it (Debian: apt-get install " + package +
                          ")");
    }
    if (o.tls && net::linked_tls_layer() == nullptr)
        return host_error(
            "--tls: this respcache was built without TLS (build with "
            "-DRESPCACHE_WITH_TLS=ON; needs libssl-dev)");
    const auto port = reserve_port(o.port);
    if (!port) return host_error("port " + std::to_string(o.port) + " is taken");
    std::string password;
    if (o.password) {
        password = *o.password;
    } else if (!o.no_password) {
        auto generated = generate_password();
        if (!generated) return host_error(generated.error_value().message);
        password = std::move(*generated);
    }

    // From here on a stop signal is only noted, and acted on at the next
    // check: the server and COMMAND are stopped in order, the temporary
    // folder removed, whatever the moment.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    server_process server;
    if (auto failed = server.make_directory(o)) return host_error(*failed);
    std::optional<host_certificates> certificates;
    if (o.tls) {
        auto made = make_host_certificates(server.directory());
        if (!made) return host_error(made.error_value().message);
        certificates = std::move(*made);
    }
    auto written = local_connection_string(*port, password, certificates ? certificates->ca : "");
    if (!written) return host_error(written.error_value().message);
    const std::string connection_string = std::move(*written);
    if (auto failed =
            server.start(*binary, o, *port, password, certificates ? &*certificates : nullptr))
        return host_error(*failed);

    auto options = net::parse_connection_string(connection_string);
    if (!options) return host_error(options.error_value().message);
    options->connect_timeout = 1000ms;
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    for (;;) {
        if (const int signal = pending_stop_signal(stop_signals)) {
            server.stop();
            return 128 + signal;
        }
        if (server.exited())
            return host_error("the server exited at start-up:\n" + log_tail(server.log()));
        if (auto ready = net::connection::open(*options); ready && ready->call("PING")) break;
        if (std::chrono::steady_clock::now() > give_up)
            return host_error("the server did not answer PING within 20 s");
        std::this_thread::sleep_for(20ms);
    }

    const std::string variable = "ConnectionStrings__" + o.name;
    ::setenv(variable.c_str(), connection_string.c_str(), 1);
    if (!o.command.empty()) {
        const int status = run_child(o.command, stop_signals);
        server.stop();
        return status;
    }
    std::printf("%s=%s\n", variable.c_str(), connection_string.c_str());
    std::printf("serving on 127.0.0.1:%u%s until interrupted (Ctrl-C)\n", *port,
                o.tls ? " (TLS)" : "");
    std::fflush(stdout);
    for (;;) {
        timespec tick{0, 200 * 1000 * 1000};
        if (::sigtimedwait(&stop_signals, nullptr, &tick) > 0) break;
        if (server.exited()) return host_error("the server exited:\n" + log_tail(server.log()));
    }
    server.stop();
    return 0;
}

}  // namespace respcache::tools
