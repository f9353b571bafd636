#pragma once

#include <string>

namespace respcache::testing {

// Throwaway certificates for TLS tests, made with the openssl command line in
// a temporary folder that goes away with this object: a CA, a server
// certificate it signed for localhost and 127.0.0.1, a client certificate it
// signed (mutual TLS), and a second CA that signed nothing the server shows.
class test_certificates {
  public:
    test_certificates();
    ~test_certificates();
    test_certificates(const test_certificates&) = delete;
    test_certificates& operator=(const test_certificates&) = delete;

    std::string ca_file() const { return directory_ + "/ca.crt"; }
    std::string other_ca_file() const { return directory_ + "/other-ca.crt"; }
    std::string server_certificate() const { return directory_ + "/server.crt"; }
    std::string server_key() const { return directory_ + "/server.key"; }
    std::string client_certificate() const { return directory_ + "/client.crt"; }
    std::string client_key() const { return directory_ + "/client.key"; }

  private:
    std::string directory_;
};

}  // namespace respcache::testing
