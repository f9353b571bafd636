#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "loopback.hpp"

namespace respcache::testing {

// A real redis-server on a free loopback port, started by the test and
// stopped when this object goes away. Faults are real too: kill(), pause()
// (SIGSTOP) and restart() on the same port.
class redis_server {
  public:
    struct settings {
        std::string password;  // requirepass
        std::string acl_user;  // an extra ACL user with every permission
        std::string acl_password;
        bool unix_socket = false;        // also listen on a Unix socket
        std::vector<std::string> extra;  // more "--option value" arguments

        // Also listen with TLS on tls_port(), showing this certificate.
        struct tls_files {
            std::string certificate, key;
            std::string ca;             // verifies client certificates
            bool auth_clients = false;  // tls-auth-clients yes: a client certificate is required
        };
        std::optional<tls_files> tls;

        static settings requiring_password(std::string password) {
            settings s;
            s.password = std::move(password);
            return s;
        }
        static settings with_acl_user(std::string user, std::string password) {
            settings s;
            s.acl_user = std::move(user);
            s.acl_password = std::move(password);
            return s;
        }
        static settings with_unix_socket() {
            settings s;
            s.unix_socket = true;
            return s;
        }
    };

    redis_server() : redis_server(settings{}) {}
    explicit redis_server(settings s);
    ~redis_server();
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    std::uint16_t tls_port() const noexcept { return tls_port_; }  // 0 without settings.tls
    const std::string& unix_path() const noexcept { return unix_path_; }
    // "127.0.0.1:<port>" plus password=... when one is set.
    std::string connection_string() const;

    void kill();     // SIGKILL, reaped
    void pause();    // SIGSTOP
    void resume();   // SIGCONT
    void restart();  // start again on the same port (after kill())
    bool running() const noexcept { return pid_ > 0; }

    // A raw command over a fresh socket (no respcache code involved), for
    // checking what the server holds. Returns the raw reply bytes.
    std::string raw_command(const std::vector<std::string>& args) const;

  private:
    void start_on_a_free_port();
    bool start();  // false: the process exited (its port was taken)
    bool wait_until_ready();

    settings settings_;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    std::string directory_;
    std::string unix_path_;
    pid_t pid_ = -1;
};

}  // namespace respcache::testing
