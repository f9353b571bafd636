#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "test_certificates.hpp"

namespace respcache::net {

// Certificates made once per test program; servers per test.
class Tls : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (!certificates_) certificates_ = std::make_unique<testing::test_certificates>();
    }
    static const testing::test_certificates& certificates() { return *certificates_; }

    static testing::redis_server::settings tls_settings(bool auth_clients = false) {
        testing::redis_server::settings s;
        s.password = "Tr0ub4dor-secret";
        s.tls = testing::redis_server::settings::tls_files{certificates().server_certificate(),
                                                           certificates().server_key(),
                                                           certificates().ca_file(), auth_clients};
        return s;
    }
    // The server's TLS port, its password, ssl=true and the test CA.
    static std::string tls_string(const testing::redis_server& server,
                                  const std::string& host = "127.0.0.1") {
        return host + ":" + std::to_string(server.tls_port()) +
               ",password=Tr0ub4dor-secret,ssl=true,sslCaFile=" + certificates().ca_file();
    }
    static connection_options options(const std::string& text) {
        auto parsed = parse_connection_string(text);
        EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error_value().message);
        return parsed ? *parsed : connection_options{};
    }

  private:
    static inline std::unique_ptr<testing::test_certificates> certificates_;
};

}  // namespace respcache::net
