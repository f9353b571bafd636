#include "test_certificates.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "run_command.hpp"

namespace respcache::testing {
namespace {

void run(const std::string& command) {
    if (run_command(command + " 2>&1").status != 0)
        throw std::runtime_error("certificate generation failed: " + command);
}

// A P-256 key and a self-signed CA certificate: fast to make, any OpenSSL
// takes them.
void make_ca(const std::string& directory, const std::string& name) {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
        " -subj '/CN=respcache test " +
        name + "' -keyout '" + directory + "/" + name + ".key' -out '" + directory + "/" + name +
        ".crt'"
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign");
}

void make_signed(const std::string& directory, const std::string& name,
                 const std::string& extensions) {
    const std::string base = directory + "/" + name;
    { std::ofstream(base + ".ext") << extensions << "\n"; }
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj '/CN=" + name +
        "' -keyout '" + base + ".key' -out '" + base + ".csr'");
    run("openssl x509 -req -days 2 -in '" + base + ".csr' -CA '" + directory + "/ca.crt' -CAkey '" +
        directory + "/ca.key' -CAcreateserial -extfile '" + base + ".ext' -out '" + base + ".crt'");
}

}  // namespace

test_certificates::test_certificates() {
    char pattern[] = "/tmp/respcache-certs-XXXXXX";
    directory_ = ::mkdtemp(pattern);
    make_ca(directory_, "ca");
    make_ca(directory_, "other-ca");
    make_signed(directory_, "server",
                "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth");
    make_signed(directory_, "client", "extendedKeyUsage=clientAuth");
}

test_certificates::~test_certificates() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

}  // namespace respcache::testing
