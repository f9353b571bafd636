// The TLS options of a connection string, the ports and abortConnect defaults
// that depend on them, and what is never shown of a password.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "respcache/net/connection_string.hpp"

namespace respcache::net {
namespace {

connection_options parse_ok(std::string_view text) {
    auto r = parse_connection_string(text);
    EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error_value().message);
    return r ? *r : connection_options{};
}

error parse_error(std::string_view text) {
    auto r = parse_connection_string(text);
    EXPECT_FALSE(r) << text << " parsed as " << (r ? to_string(*r) : "");
    return r ? error{} : r.error_value();
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// --- a password cut at a comma ------------------------------------------------------

TEST(PasswordWithComma, EndpointLikeTokenAfterThePasswordIsAnError) {
    // Meant as the password "Tr0ub4dor,horse9": "horse9" is a valid host name.
    const error e = parse_error("127.0.0.1:1,password=Tr0ub4dor,horse9");
    EXPECT_EQ(e.kind, error_kind::config);
    EXPECT_FALSE(contains(e.message, "horse9")) << e.message;
    EXPECT_FALSE(contains(e.message, "Tr0ub4dor")) << e.message;
    EXPECT_TRUE(contains(e.message, "token 3")) << e.message;
    EXPECT_TRUE(contains(e.message, "','")) << e.message;
    EXPECT_TRUE(contains(e.message, "redis://:pass%2Cword@host")) << e.message;
}

TEST(PasswordWithComma, HostPortAndIpv6TokensAfterThePasswordAreErrors) {
    for (const char* text : {"h,password=a,horse9:6379", "h,password=a,[::1]:7000",
                             "h,password=a,!/tmp/horse9.sock", "h,password=a,ssl=true,horse9"}) {
        const error e = parse_error(text);
        EXPECT_EQ(e.kind, error_kind::config) << text;
        EXPECT_FALSE(contains(e.message, "horse9")) << e.message;
        EXPECT_FALSE(contains(e.message, "7000")) << e.message;
    }
}

TEST(PasswordWithComma, EndpointsBeforeThePasswordStillWork) {
    const auto o = parse_ok("a:1,b:2,password=Tr0ub4dor,ssl=false");
    ASSERT_EQ(o.endpoints.size(), 2u);
    EXPECT_EQ(o.password, "Tr0ub4dor");
    EXPECT_FALSE(contains(to_string(o), "Tr0ub4dor"));
}

TEST(PasswordWithComma, OptionValuesAfterThePasswordAreNotQuoted) {
    for (const char* text :
         {"h,password=Tr0ub4dor,ssl=horse9", "h,password=Tr0ub4dor,connectTimeout=horse9",
          "h,password=Tr0ub4dor,sslProtocols=horse9", "h,password=Tr0ub4dor,sslVerify=horse9",
          "h,password=Tr0ub4dor,defaultDatabase=horse9", "h,password=x,sslHost=a/horse9",
          "redis://h?password=Tr0ub4dor&ssl=horse9", "redis://h?password=x&protocol=horse9"}) {
        const error e = parse_error(text);
        EXPECT_EQ(e.kind, error_kind::config) << text;
        EXPECT_FALSE(contains(e.message, "horse9")) << e.message;
        EXPECT_FALSE(contains(e.message, "Tr0ub4dor")) << e.message;
        EXPECT_TRUE(contains(e.message, "may be part of it")) << e.message;
    }
}

TEST(PasswordWithComma, OptionValuesBeforeThePasswordAreQuoted) {
    const error e = parse_error("h,ssl=maybe,password=x");
    EXPECT_TRUE(contains(e.message, "'maybe'")) << e.message;
}

// --- ports and abortConnect ---------------------------------------------------------

TEST(TlsDefaults, PortIs6380WhenSslIsOnAndNoPortIsGiven) {
    EXPECT_EQ(parse_ok("h,ssl=true").endpoints.front(), endpoint::tcp("h", 6380));
    EXPECT_EQ(parse_ok("ssl=true,h").endpoints.front(), endpoint::tcp("h", 6380));
    EXPECT_EQ(parse_ok("h:6379,ssl=true").endpoints.front(), endpoint::tcp("h", 6379));
    EXPECT_EQ(parse_ok("h,ssl=false").endpoints.front(), endpoint::tcp("h", 6379));
    EXPECT_EQ(parse_ok("rediss://h").endpoints.front(), endpoint::tcp("h", 6380));
    EXPECT_EQ(parse_ok("rediss://h:7000").endpoints.front(), endpoint::tcp("h", 7000));
    EXPECT_EQ(parse_ok("redis://h").endpoints.front(), endpoint::tcp("h", 6379));
    EXPECT_EQ(parse_ok("redis://h?ssl=true").endpoints.front(), endpoint::tcp("h", 6380));
    EXPECT_EQ(parse_ok("!/tmp/r.sock,ssl=true").endpoints.front(),
              endpoint::unix_socket("/tmp/r.sock"));
}

TEST(TlsDefaults, DuplicatesAreFoundAfterTheDefaultPort) {
    EXPECT_EQ(parse_ok("h,h:6380,ssl=true").endpoints.size(), 1u);
}

TEST(TlsDefaults, AzureHostsDefaultToAbortConnectFalse) {
    for (const char* host :
         {"contoso.redis.cache.windows.net", "contoso.redis.cache.chinacloudapi.cn",
          "contoso.redis.cache.usgovcloudapi.net", "contoso.redis.cache.cloudapi.de",
          "CONTOSO.Redis.Cache.Windows.Net"}) {
        const auto o = parse_ok(std::string(host) + ",ssl=true,password=k");
        EXPECT_FALSE(o.abort_connect) << host;
        EXPECT_EQ(o.endpoints.front().port, 6380) << host;
        EXPECT_TRUE(parse_ok(std::string(host) + ",abortConnect=true").abort_connect) << host;
    }
    EXPECT_TRUE(parse_ok("redis.cache.windows.net").abort_connect);
    EXPECT_TRUE(parse_ok("contoso.redis.cache.windows.net.example.com").abort_connect);
    EXPECT_TRUE(parse_ok("localhost").abort_connect);
}

TEST(TlsDefaults, AzureAbortConnectPrintsOnlyWhenNotTheDefault) {
    const auto azure = parse_ok("c.redis.cache.windows.net,ssl=true");
    EXPECT_EQ(to_string(azure), "c.redis.cache.windows.net:6380,ssl=true");
    const auto insisting = parse_ok("c.redis.cache.windows.net,ssl=true,abortConnect=true");
    EXPECT_EQ(to_string(insisting), "c.redis.cache.windows.net:6380,ssl=true,abortConnect=true");
    EXPECT_EQ(parse_ok(to_string(insisting)), insisting);
}

// --- the TLS options ----------------------------------------------------------------

TEST(TlsOptions, EveryOptionParsesAndPrints) {
    const auto o = parse_ok(
        "h:1,ssl=true,sslHost=cache.example.com,sslProtocols=tls13,sslCaFile=/etc/ca.pem,"
        "sslCaPath=/etc/ssl/certs,sslCert=/c.pem,sslKey=/k.pem,sslVerify=ca,"
        "checkCertificateRevocation=false");
    EXPECT_TRUE(o.ssl);
    EXPECT_EQ(o.ssl_host, "cache.example.com");
    EXPECT_EQ(o.ssl_protocols, tls13);
    EXPECT_EQ(o.ssl_ca_file, "/etc/ca.pem");
    EXPECT_EQ(o.ssl_ca_path, "/etc/ssl/certs");
    EXPECT_EQ(o.ssl_cert, "/c.pem");
    EXPECT_EQ(o.ssl_key, "/k.pem");
    EXPECT_EQ(o.ssl_verify, tls_verify::ca);
    EXPECT_EQ(to_string(o),
              "h:1,ssl=true,sslHost=cache.example.com,sslProtocols=tls13,sslCaFile=/etc/ca.pem,"
              "sslCaPath=/etc/ssl/certs,sslCert=/c.pem,sslKey=/k.pem,sslVerify=ca");
    EXPECT_EQ(parse_ok(to_string(o)), o);
}

TEST(TlsOptions, UrlQueryTakesThemToo) {
    const auto o = parse_ok("rediss://:s3cret@h/2?sslCaFile=%2Ftmp%2Fca%2C1.pem&sslVerify=none");
    EXPECT_EQ(o.ssl_ca_file, "/tmp/ca,1.pem");
    EXPECT_EQ(o.ssl_verify, tls_verify::none);
    const std::string printed = to_string(o);
    EXPECT_EQ(printed, "rediss://:*****@h:6380/2?sslCaFile=%2Ftmp%2Fca%2C1.pem&sslVerify=none");
}

TEST(TlsOptions, ProtocolsAreTls12AndTls13) {
    EXPECT_EQ(parse_ok("h").ssl_protocols, tls12_and_13);
    EXPECT_EQ(parse_ok("h,sslProtocols=tls12").ssl_protocols, tls12);
    EXPECT_EQ(parse_ok("h,sslProtocols=Tls12|Tls13").ssl_protocols, tls12_and_13);
    EXPECT_EQ(parse_ok("h,sslProtocols=TLS13").ssl_protocols, tls13);
}

TEST(TlsOptions, UnknownProtocolIsAConfigError) {
    for (const char* value : {"tls11", "ssl3", "tls", "", "tls12|", "tls12 tls13"}) {
        const error e = parse_error(std::string("h,sslProtocols=") + value);
        EXPECT_EQ(e.kind, error_kind::config) << value;
        EXPECT_TRUE(contains(e.message, "sslProtocols")) << e.message;
    }
}

TEST(TlsOptions, UnknownVerifyModeIsAConfigError) {
    const error e = parse_error("h,sslVerify=partly");
    EXPECT_EQ(e.kind, error_kind::config);
    EXPECT_TRUE(contains(e.message, "'partly'")) << e.message;
    EXPECT_EQ(parse_ok("h,sslVerify=FULL").ssl_verify, tls_verify::full);
    EXPECT_EQ(parse_ok("h,sslVerify=none").ssl_verify, tls_verify::none);
}

TEST(TlsOptions, PathWithACommaPrintsAsAUrl) {
    connection_options o;
    o.endpoints.push_back(endpoint::tcp("h", 6380));
    o.ssl = true;
    o.password = "Tr0ub4dor";
    o.ssl_cert = "/certs/a,b.pem";
    const std::string printed = to_string(o);
    EXPECT_EQ(printed, "rediss://:*****@h:6380?sslCert=%2Fcerts%2Fa%2Cb.pem");
    EXPECT_FALSE(contains(printed, "Tr0ub4dor"));
}

}  // namespace
}  // namespace respcache::net
