#include "host_certificates.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <vector>

namespace respcache::tools {
namespace {

// Runs openssl with these arguments, its output discarded; true on success.
bool run_openssl(std::initializer_list<std::string> arguments) {
    std::vector<std::string> args = {"openssl"};
    args.insert(args.end(), arguments);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t child = ::fork();
    if (child == 0) {
        const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        ::dup2(null, 1);
        ::dup2(null, 2);
        ::execvp("openssl", argv.data());
        ::_exit(127);
    }
    int status = 0;
    if (child < 0 || ::waitpid(child, &status, 0) != child) return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

result<host_certificates> make_host_certificates(const std::string& directory) {
    const std::string base = directory + "/tls-";
    host_certificates files{base + "ca.crt", base + "server.crt", base + "server.key"};
    const std::string ca_key = base + "ca.key";
    const std::string request = base + "server.csr";
    const std::string extensions = base + "server.ext";
    if (FILE* f = std::fopen(extensions.c_str(), "w")) {
        std::fputs("subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", f);
        std::fclose(f);
    }
    const mode_t previous = ::umask(077);  // keys readable by this user only
    const bool made =
        run_openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                     "-nodes", "-days", "30", "-subj", "/CN=respcache host throwaway CA", "-keyout",
                     ca_key, "-out", files.ca, "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign"}) &&
        run_openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-subj", "/CN=localhost", "-keyout", files.key, "-out", request}) &&
        run_openssl({"x509", "-req", "-days", "30", "-in", request, "-CA", files.ca, "-CAkey",
                     ca_key, "-set_serial", "1", "-extfile", extensions, "-out",
                     files.certificate});
    ::umask(previous);
    std::error_code ignored;
    for (const auto& scratch : {ca_key, request, extensions})
        std::filesystem::remove(scratch, ignored);
    if (!made)
        return error{error_kind::io,
                     "--tls: cannot make the certificates with the openssl command (Debian: "
                     "apt-get install openssl)"};
    ::chmod(files.ca.c_str(), 0644);
    ::chmod(files.certificate.c_str(), 0644);
    return files;
}

}  // namespace respcache::tools
