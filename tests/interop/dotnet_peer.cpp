#include "dotnet_peer.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace respcache::testing {

dotnet_peer::dotnet_peer(const std::string& program, const std::string& connection_string) {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(in[0], STDIN_FILENO);
        ::dup2(out[1], STDOUT_FILENO);
        ::close(in[0]);
        ::close(in[1]);
        ::close(out[0]);
        ::close(out[1]);
        ::execl(program.c_str(), program.c_str(), connection_string.c_str(),
                static_cast<char*>(nullptr));
        std::perror("execl dotnet interop program");
        ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
    // A dead child must fail the test with a message, not end it with SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
}

dotnet_peer::~dotnet_peer() {
    ::close(to_child_);  // end of input: the program disposes its caches and exits
    ::close(from_child_);
    if (pid_ > 0) {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > give_up) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                break;
            }
            ::usleep(10'000);
        }
    }
}

std::string dotnet_peer::ask(const std::string& command) {
    const std::string line = command + "\n";
    std::size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(to_child_, line.data() + written, line.size() - written);
        if (n <= 0) throw std::runtime_error("the .NET interop program has exited");
        written += static_cast<std::size_t>(n);
    }
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::size_t end;
    while ((end = pending_.find('\n')) == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            give_up - std::chrono::steady_clock::now());
        pollfd p{from_child_, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0)
            throw std::runtime_error("no answer from the .NET interop program to: " +
                                     command.substr(0, 80));
        char buffer[65536];
        const ssize_t n = ::read(from_child_, buffer, sizeof buffer);
        if (n <= 0) throw std::runtime_error("the .NET interop program has exited");
        pending_.append(buffer, static_cast<std::size_t>(n));
    }
    std::string answer = pending_.substr(0, end);
    pending_.erase(0, end + 1);
    return answer;
}

}  // namespace respcache::testing
