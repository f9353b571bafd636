#include "respcache/net/connection_string.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

using respcache::error_kind;
using respcache::net::connection_options;
using respcache::net::endpoint;
using respcache::net::parse_connection_string;
using respcache::net::protocol_version;
using respcache::net::to_string;
using std::chrono::milliseconds;
using std::chrono::seconds;

connection_options parse_ok(std::string_view text) {
    auto r = parse_connection_string(text);
    EXPECT_TRUE(r.has_value()) << "input: " << text << "\nerror: " << r.error_value().message;
    if (!r) return {};
    return std::move(r).value();
}

// The error message for `text`, which must fail with error_kind::config.
std::string parse_error(std::string_view text) {
    auto r = parse_connection_string(text);
    EXPECT_FALSE(r.has_value()) << "input: " << text << "\nparsed as: " << to_string(*r);
    if (r) return {};
    EXPECT_EQ(r.error_value().kind, error_kind::config) << text;
    return r.error_value().message;
}

}  // namespace

namespace respcache::net {

// Readable failure output; the password is shown here, in tests only.
void PrintTo(const connection_options& o, std::ostream* os) {
    *os << to_string(o) << " (password '" << o.password << "')";
}
void PrintTo(const endpoint& e, std::ostream* os) {
    *os << to_string(e);
}

}  // namespace respcache::net

namespace {

connection_options with_endpoint(std::string host, std::uint16_t port = 6379) {
    connection_options o;
    o.endpoints.push_back(endpoint::tcp(std::move(host), port));
    return o;
}

// --- defaults ---------------------------------------------------------------

TEST(ConnectionString, DefaultsMatchTheSpec) {
    const auto o = parse_ok("localhost");
    ASSERT_EQ(o.endpoints.size(), 1u);
    EXPECT_EQ(o.endpoints[0].host, "localhost");
    EXPECT_EQ(o.endpoints[0].port, 6379);
    EXPECT_FALSE(o.endpoints[0].is_unix_socket);
    EXPECT_EQ(o.user, "");
    EXPECT_EQ(o.password, "");
    EXPECT_EQ(o.database, 0);
    EXPECT_EQ(o.client_name, "");
    EXPECT_FALSE(o.ssl);
    EXPECT_EQ(o.ssl_host, "");
    EXPECT_EQ(o.connect_timeout, milliseconds(5000));
    EXPECT_EQ(o.sync_timeout, milliseconds(5000));
    EXPECT_FALSE(o.async_timeout.has_value());
    EXPECT_EQ(o.effective_async_timeout(), milliseconds(5000));
    EXPECT_EQ(o.connect_retry, 3);
    EXPECT_TRUE(o.abort_connect);
    EXPECT_EQ(o.keep_alive, seconds(60));
    EXPECT_EQ(o.protocol, protocol_version::resp3);
    EXPECT_EQ(o.service_name, "");
    EXPECT_FALSE(o.ignore_unknown);
    EXPECT_EQ(o, with_endpoint("localhost"));
}

// --- StackExchange syntax: one test per rule --------------------------------

TEST(ConnectionString, EmptyStringIsAnError) {
    EXPECT_NE(parse_error("").find("empty"), std::string::npos);
    EXPECT_NE(parse_error("   \t ").find("empty"), std::string::npos);
}

TEST(ConnectionString, EndpointWithoutPortGetsDefaultPort) {
    EXPECT_EQ(parse_ok("cache.internal").endpoints[0], endpoint::tcp("cache.internal", 6379));
}

TEST(ConnectionString, EndpointWithPort) {
    EXPECT_EQ(parse_ok("10.0.0.5:6380").endpoints[0], endpoint::tcp("10.0.0.5", 6380));
}

TEST(ConnectionString, BracketedIpv6WithAndWithoutPort) {
    EXPECT_EQ(parse_ok("[::1]:6379").endpoints[0], endpoint::tcp("::1", 6379));
    EXPECT_EQ(parse_ok("[::1]:7000").endpoints[0], endpoint::tcp("::1", 7000));
    EXPECT_EQ(parse_ok("[fe80::1%eth0]").endpoints[0], endpoint::tcp("fe80::1%eth0", 6379));
}

TEST(ConnectionString, BareIpv6HasNoPortLikeStackExchangeRedis) {
    EXPECT_EQ(parse_ok("2001:db8::7").endpoints[0], endpoint::tcp("2001:db8::7", 6379));
}

TEST(ConnectionString, UnixSocketEndpointIsWrittenWithBang) {
    const auto o = parse_ok("!/var/run/redis.sock,defaultDatabase=1");
    ASSERT_EQ(o.endpoints.size(), 1u);
    EXPECT_TRUE(o.endpoints[0].is_unix_socket);
    EXPECT_EQ(o.endpoints[0].path, "/var/run/redis.sock");
    EXPECT_EQ(o.database, 1);
}

TEST(ConnectionString, SeveralEndpointsKeepTheirOrderAndDuplicatesCollapse) {
    const auto o = parse_ok("a:1,b,[::1]:3,a:1,b:6379");
    const std::vector<endpoint> expected = {endpoint::tcp("a", 1), endpoint::tcp("b", 6379),
                                            endpoint::tcp("::1", 3)};
    EXPECT_EQ(o.endpoints, expected);
}

TEST(ConnectionString, TokensAreTrimmedAndEmptyTokensSkipped) {
    const auto o = parse_ok("  host:1 ,, password = p w ,\tssl = true ,");
    EXPECT_EQ(o.endpoints[0], endpoint::tcp("host", 1));
    EXPECT_EQ(o.password, "p w");
    EXPECT_TRUE(o.ssl);
}

TEST(ConnectionString, KeysAreCaseInsensitive) {
    const auto o = parse_ok("h,PASSWORD=x,DefaultDATABASE=4,SSL=True,ConnectTimeout=10");
    EXPECT_EQ(o.password, "x");
    EXPECT_EQ(o.database, 4);
    EXPECT_TRUE(o.ssl);
    EXPECT_EQ(o.connect_timeout, milliseconds(10));
}

TEST(ConnectionString, AtLeastOneEndpointIsRequired) {
    const auto message = parse_error("password=hunter22,ssl=true");
    EXPECT_NE(message.find("no endpoint"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter22"), std::string::npos) << message;
}

TEST(ConnectionString, UnknownOptionIsAnErrorNamingIt) {
    const auto message = parse_error("localhost,bogusOption=1");
    EXPECT_NE(message.find("'bogusOption'"), std::string::npos) << message;
    EXPECT_NE(message.find("ignoreUnknown"), std::string::npos) << message;
}

TEST(ConnectionString, IgnoreUnknownIgnoresUnknownOptionsWhereverItStands) {
    auto o = parse_ok("localhost,bogusOption=1,ignoreUnknown=true");
    EXPECT_TRUE(o.ignore_unknown);
    o = parse_ok("localhost,ignoreUnknown=true,bogusOption=1");
    EXPECT_TRUE(o.ignore_unknown);
    parse_error("localhost,ignoreUnknown=false,bogusOption=1");
}

TEST(ConnectionString, AcceptedAndIgnoredOptions) {
    for (const char* option :
         {"channelPrefix=app:", "configChannel=x", "tiebreaker=", "version=7.2", "resolveDns=true",
          "proxy=Twemproxy", "setlib=false", "checkCertificateRevocation=false",
          "configCheckSeconds=60", "sslProtocols=Tls12|Tls13", "tunnel=http:proxy:8080",
          "highIntegrity=true", "allowAdmin=true", "responseTimeout=5", "writeBuffer=4096",
          "preserveAsyncOrder=false", "highPriorityThreads=true"}) {
        const auto text = std::string("localhost,") + option;
        auto r = parse_connection_string(text);
        EXPECT_TRUE(r.has_value()) << text << ": " << r.error_value().message;
    }
}

TEST(ConnectionString, OptionsThatAreHonoured) {
    const auto o = parse_ok("h,allowAdmin=true,channelPrefix=app:,setlib=false");
    EXPECT_TRUE(o.allow_admin);
    EXPECT_EQ(o.channel_prefix, "app:");
    EXPECT_FALSE(o.set_client_library);
}

TEST(ConnectionString, AsyncTimeoutDefaultsToSyncTimeout) {
    auto o = parse_ok("h,syncTimeout=1234");
    EXPECT_FALSE(o.async_timeout.has_value());
    EXPECT_EQ(o.effective_async_timeout(), milliseconds(1234));
    o = parse_ok("h,syncTimeout=1234,asyncTimeout=99");
    EXPECT_EQ(o.effective_async_timeout(), milliseconds(99));
}

TEST(ConnectionString, BooleansAsStackExchangeRedisAcceptsThem) {
    for (const char* yes : {"true", "TRUE", "True", "yes", "on", "1"}) {
        EXPECT_TRUE(parse_ok(std::string("h,ssl=") + yes).ssl) << yes;
    }
    for (const char* no : {"false", "False", "no", "OFF", "0"}) {
        EXPECT_FALSE(parse_ok(std::string("h,ssl=true,ssl=") + no).ssl) << no;
    }
}

TEST(ConnectionString, ProtocolValues) {
    EXPECT_EQ(parse_ok("h,protocol=resp2").protocol, protocol_version::resp2);
    EXPECT_EQ(parse_ok("h,protocol=RESP2").protocol, protocol_version::resp2);
    EXPECT_EQ(parse_ok("h,protocol=2").protocol, protocol_version::resp2);
    EXPECT_EQ(parse_ok("h,protocol=resp3").protocol, protocol_version::resp3);
    EXPECT_EQ(parse_ok("h,protocol=3").protocol, protocol_version::resp3);
}

TEST(ConnectionString, KeepAliveMinusOneMeansTheDefault) {
    EXPECT_EQ(parse_ok("h,keepAlive=-1").keep_alive, seconds(60));
    EXPECT_EQ(parse_ok("h,keepAlive=0").keep_alive, seconds(0));
    EXPECT_EQ(parse_ok("h,keepAlive=15").keep_alive, seconds(15));
}

TEST(ConnectionString, PasswordMayContainEquals) {
    EXPECT_EQ(parse_ok("h,password=a=b==").password, "a=b==");
}

TEST(ConnectionString, LaterOptionsWin) {
    EXPECT_EQ(parse_ok("h,defaultDatabase=1,defaultDatabase=2").database, 2);
}

TEST(ConnectionString, EmptyStringOptionMeansNotSet) {
    const auto o = parse_ok("h,password=,user=,name=");
    EXPECT_EQ(o, with_endpoint("h"));
}

TEST(ConnectionString, AspireAndAzureStyleStrings) {
    auto o = parse_ok("localhost:61234,password=Zx9!secret");
    EXPECT_EQ(o.endpoints[0], endpoint::tcp("localhost", 61234));
    EXPECT_EQ(o.password, "Zx9!secret");
    o = parse_ok("contoso.redis.cache.windows.net:6380,password=abc,ssl=True,abortConnect=False");
    EXPECT_TRUE(o.ssl);
    EXPECT_FALSE(o.abort_connect);
}

// --- URL syntax --------------------------------------------------------------

TEST(ConnectionUrl, HostOnly) {
    EXPECT_EQ(parse_ok("redis://localhost"), with_endpoint("localhost"));
}

TEST(ConnectionUrl, SchemeIsCaseInsensitive) {
    EXPECT_EQ(parse_ok("REDIS://localhost"), with_endpoint("localhost"));
}

TEST(ConnectionUrl, PortAndDatabase) {
    auto expected = with_endpoint("h", 7000);
    expected.database = 3;
    EXPECT_EQ(parse_ok("redis://h:7000/3"), expected);
    EXPECT_EQ(parse_ok("redis://h:7000/"), with_endpoint("h", 7000));
}

TEST(ConnectionUrl, UserAndPassword) {
    const auto o = parse_ok("redis://alice:s3cret@h");
    EXPECT_EQ(o.user, "alice");
    EXPECT_EQ(o.password, "s3cret");
}

TEST(ConnectionUrl, PasswordWithoutUser) {
    auto o = parse_ok("redis://:s3cret@h");
    EXPECT_EQ(o.user, "");
    EXPECT_EQ(o.password, "s3cret");
    o = parse_ok("redis://s3cret@h");
    EXPECT_EQ(o.user, "");
    EXPECT_EQ(o.password, "s3cret");
}

TEST(ConnectionUrl, UserAndPasswordArePercentDecoded) {
    const auto o = parse_ok("redis://al%69ce:p%2Cw%3A%40%2F%25@h");
    EXPECT_EQ(o.user, "alice");
    EXPECT_EQ(o.password, "p,w:@/%");
}

TEST(ConnectionUrl, RedissMeansSsl) {
    EXPECT_TRUE(parse_ok("rediss://h:6380").ssl);
    EXPECT_FALSE(parse_ok("redis://h:6380").ssl);
}

TEST(ConnectionUrl, Ipv6NeedsBrackets) {
    EXPECT_EQ(parse_ok("redis://[::1]:6390").endpoints[0], endpoint::tcp("::1", 6390));
    EXPECT_EQ(parse_ok("redis://[fe80::1%25eth0]").endpoints[0],
              endpoint::tcp("fe80::1%eth0", 6379));
    const auto message = parse_error("redis://::1:6390");
    EXPECT_NE(message.find("brackets"), std::string::npos) << message;
}

TEST(ConnectionUrl, QueryOptionsUseTheTableNames) {
    const auto o = parse_ok(
        "redis://h?connectTimeout=100&SyncTimeout=200&asyncTimeout=300&name=svc&protocol=resp2&"
        "abortConnect=false&keepAlive=5&connectRetry=7&sslHost=cache.example&serviceName=m");
    EXPECT_EQ(o.connect_timeout, milliseconds(100));
    EXPECT_EQ(o.sync_timeout, milliseconds(200));
    EXPECT_EQ(o.async_timeout, milliseconds(300));
    EXPECT_EQ(o.client_name, "svc");
    EXPECT_EQ(o.protocol, protocol_version::resp2);
    EXPECT_FALSE(o.abort_connect);
    EXPECT_EQ(o.keep_alive, seconds(5));
    EXPECT_EQ(o.connect_retry, 7);
    EXPECT_EQ(o.ssl_host, "cache.example");
    EXPECT_EQ(o.service_name, "m");
}

TEST(ConnectionUrl, QueryDatabaseOverridesPath) {
    EXPECT_EQ(parse_ok("redis://h/1?db=5").database, 5);
    EXPECT_EQ(parse_ok("redis://h/1?defaultDatabase=6").database, 6);
}

TEST(ConnectionUrl, QueryValuesArePercentDecoded) {
    EXPECT_EQ(parse_ok("redis://h?channelPrefix=a%2Cb%26c").channel_prefix, "a,b&c");
}

TEST(ConnectionUrl, UnixSocket) {
    const auto o = parse_ok("unix:///run/redis/redis.sock?db=2&password=pw");
    ASSERT_EQ(o.endpoints.size(), 1u);
    EXPECT_TRUE(o.endpoints[0].is_unix_socket);
    EXPECT_EQ(o.endpoints[0].path, "/run/redis/redis.sock");
    EXPECT_EQ(o.database, 2);
    EXPECT_EQ(o.password, "pw");
    EXPECT_FALSE(o.ssl);
}

TEST(ConnectionUrl, UnixSocketWithUserInfoAndEncodedPath) {
    const auto o = parse_ok("unix://bob:pw@/tmp/my%20redis@1.sock");
    EXPECT_EQ(o.endpoints[0].path, "/tmp/my redis@1.sock");
    EXPECT_EQ(o.user, "bob");
    EXPECT_EQ(o.password, "pw");
}

TEST(ConnectionUrl, UnknownQueryOptionIsAnErrorUnlessIgnored) {
    const auto message = parse_error("redis://h?color=blue");
    EXPECT_NE(message.find("'color'"), std::string::npos) << message;
    EXPECT_TRUE(parse_ok("redis://h?color=blue&ignoreUnknown=true").ignore_unknown);
}

TEST(ConnectionUrl, DbIsOnlyAUrlName) {
    const auto message = parse_error("h,db=1");
    EXPECT_NE(message.find("'db'"), std::string::npos) << message;
}

// --- malformed input: table-driven --------------------------------------------

struct invalid_case {
    std::string input;
    std::string names;   // the message must contain this (the token at fault)
    std::string secret;  // the message must not contain this
};

TEST(ConnectionString, InvalidInputsNameTheTokenAtFault) {
    const std::vector<invalid_case> cases = {
        {"", "empty", ""},
        {"h:abc", "'h:abc'", ""},
        {"h:", "'h:'", ""},
        {"h:0", "'h:0'", ""},
        {"h:65536", "'h:65536'", ""},
        {"h:99999999999999999999999", "'h:99999999999999999999999'", ""},
        {"h:-1", "'h:-1'", ""},
        {":6379", "':6379'", ""},
        {"[::1", "'[::1'", ""},
        {"[::1]x", "'[::1]x'", ""},
        {"[nothex]:1", "'[nothex]:1'", ""},
        {std::string("0::1\0x]", 7), "'0::1\\x00x]'", ""},
        {std::string("[::1\0]:1", 8), "'[::1\\x00]:1'", ""},
        {"bad host:1", "'bad host:1'", ""},
        {"/tmp/redis.sock", "!/path", ""},
        {"!", "'!'", ""},
        {"h,frobnicate=1,password=topsecret1", "'frobnicate'", "topsecret1"},
        {"h,connectTimeout=abc,password=topsecret1", "'connectTimeout'", "topsecret1"},
        {"h,connectTimeout=abc", "'abc'", ""},
        {"h,syncTimeout=-5", "'syncTimeout'", ""},
        {"h,asyncTimeout=0", "'asyncTimeout'", ""},
        {"h,connectTimeout=99999999999", "'99999999999'", ""},
        {"h,defaultDatabase=-1", "negative", ""},
        {"h,defaultDatabase=-1", "'defaultDatabase'", ""},
        {"h,defaultDatabase=x", "'defaultDatabase'", ""},
        {"h,ssl=maybe", "'maybe'", ""},
        {"h,abortConnect=", "'abortConnect'", ""},
        {"h,protocol=resp4", "'resp4'", ""},
        {"h,keepAlive=-2", "'keepAlive'", ""},
        {"h,connectRetry=-1", "'connectRetry'", ""},
        {"h,name=has space", "'name'", ""},
        {"h,user=a b", "'user'", ""},
        {"h,sslHost=a/b", "'a/b'", ""},
        {"h,=value", "token 2", "value"},
        {"h,ignoreUnknown=perhaps", "'perhaps'", ""},
        {"http://h", "'http'", ""},
        {"redis://", "no host", ""},
        {"redis://:pw@", "no host", "pw"},
        {"redis://h:0", "'h:0'", ""},
        {"redis://h:port", "'h:port'", ""},
        {"redis://h/abc", "'/abc'", ""},
        {"redis://h/-1", "negative", ""},
        {"redis://h/1/2", "'/1/2'", ""},
        {"redis://u:p%zzass@h", "password", "p%zzass"},
        {"redis://u%g1:pass@h", "user name", ""},
        {"redis://:zqx%2@h", "percent-escape", "zqx"},
        {"redis://h?password=abc%", "'password'", "abc"},
        {"redis://h?name=a%2", "'name'", ""},
        {"redis://h?ssl=nope", "'nope'", ""},
        {"redis://h?ssl", "'ssl'", ""},
        {"redis://h?connectTimeout=soon", "'connectTimeout'", ""},
        {"redis://h?protocol=9", "'protocol'", ""},
        {"redis://h?db=-3", "negative", ""},
        {"redis://h,h2", "','", ""},
        {"redis://h#frag", "'#'", ""},
        {"unix://", "socket path", ""},
        {"unix://hqz7/sock", "names no host", "hqz7"},
        {"unix:///tmp/a%00b", "NUL", ""},
        {"unix:///" + std::string(200, 'x'), "too long", ""},
    };
    for (const auto& c : cases) {
        const auto message = parse_error(c.input);
        EXPECT_NE(message.find(c.names), std::string::npos)
            << "input: " << c.input << "\nmessage: " << message;
        if (!c.secret.empty()) {
            EXPECT_EQ(message.find(c.secret), std::string::npos)
                << "input: " << c.input << "\nmessage: " << message;
        }
    }
}

// --- valid input: table-driven -------------------------------------------------

struct valid_case {
    std::string input;
    std::function<void(connection_options&)> expect;  // applied to the defaults
};

TEST(ConnectionString, ValidInputsGiveExactlyTheseFields) {
    const auto tcp = [](std::string host, std::uint16_t port = 6379) {
        return std::vector<endpoint>{endpoint::tcp(std::move(host), port)};
    };
    const std::vector<valid_case> cases = {
        {"h", [&](auto& o) { o.endpoints = tcp("h"); }},
        {"h:1", [&](auto& o) { o.endpoints = tcp("h", 1); }},
        {"h:65535", [&](auto& o) { o.endpoints = tcp("h", 65535); }},
        {"h:06379", [&](auto& o) { o.endpoints = tcp("h", 6379); }},
        {"my_host-1.example.com", [&](auto& o) { o.endpoints = tcp("my_host-1.example.com"); }},
        {"h,user=alice,password=pw",
         [&](auto& o) {
             o.endpoints = tcp("h");
             o.user = "alice";
             o.password = "pw";
         }},
        {"h,defaultDatabase=15,name=svc-1,serviceName=mymaster",
         [&](auto& o) {
             o.endpoints = tcp("h");
             o.database = 15;
             o.client_name = "svc-1";
             o.service_name = "mymaster";
         }},
        {"h,ssl=true,sslHost=redis.example.com",
         [&](auto& o) {
             o.endpoints = tcp("h", 6380);
             o.ssl = true;
             o.ssl_host = "redis.example.com";
         }},
        {"h,connectTimeout=3000,syncTimeout=+250,asyncTimeout=2147483647",
         [&](auto& o) {
             o.endpoints = tcp("h");
             o.connect_timeout = milliseconds(3000);
             o.sync_timeout = milliseconds(250);
             o.async_timeout = milliseconds(2147483647);
         }},
        {"h,connectRetry=0,abortConnect=false,keepAlive=30,protocol=resp2",
         [&](auto& o) {
             o.endpoints = tcp("h");
             o.connect_retry = 0;
             o.abort_connect = false;
             o.keep_alive = seconds(30);
             o.protocol = protocol_version::resp2;
         }},
        {"h,defaultDatabase=2147483647",
         [&](auto& o) {
             o.endpoints = tcp("h");
             o.database = 2147483647;
         }},
        {"rediss://u:p@[2001:db8::1]:6380/4?name=x",
         [&](auto& o) {
             o.endpoints = tcp("2001:db8::1", 6380);
             o.ssl = true;
             o.user = "u";
             o.password = "p";
             o.database = 4;
             o.client_name = "x";
         }},
        {"rediss://h?ssl=false",
         [&](auto& o) {
             o.endpoints = tcp("h");
             o.ssl = false;
         }},
        {"redis://h?&&name=a&",
         [&](auto& o) {
             o.endpoints = tcp("h");
             o.client_name = "a";
         }},
        {"  redis://h  ", [&](auto& o) { o.endpoints = tcp("h"); }},
        {"redis://u:p@ss@h",
         [&](auto& o) {
             o.endpoints = tcp("h");
             o.user = "u";
             o.password = "p@ss";
         }},
        {"unix:///s?ssl=true&user=bob&password=%2A",
         [&](auto& o) {
             o.endpoints = {endpoint::unix_socket("/s")};
             o.ssl = true;
             o.user = "bob";
             o.password = "*";
         }},
    };
    for (const auto& c : cases) {
        connection_options expected;
        c.expect(expected);
        EXPECT_EQ(parse_ok(c.input), expected) << c.input;
    }
}

// --- secrets -------------------------------------------------------------------

TEST(ConnectionStringSecrets, TokensAfterThePasswordAreNotShown) {
    // "p4ss,w0rd x" was meant as one password: the second half must not leak.
    auto message = parse_error("h,password=p4ss,w0rd x,ssl=true");
    EXPECT_EQ(message.find("w0rd"), std::string::npos) << message;
    EXPECT_NE(message.find("token 3"), std::string::npos) << message;
    EXPECT_NE(message.find("URL"), std::string::npos) << message;

    message = parse_error("h,password=p4ss,qq7=zz9");
    EXPECT_EQ(message.find("qq7"), std::string::npos) << message;
    EXPECT_EQ(message.find("zz9"), std::string::npos) << message;
    EXPECT_NE(message.find("token 3"), std::string::npos) << message;
}

TEST(ConnectionStringSecrets, QueryParametersAfterThePasswordAreNotShown) {
    auto message = parse_error("redis://h?password=ab&zq9&ssl=true");
    EXPECT_EQ(message.find("zq9"), std::string::npos) << message;
    EXPECT_NE(message.find("query parameter 2"), std::string::npos) << message;
    message = parse_error("redis://h?password=ab&zq9=ef");
    EXPECT_EQ(message.find("zq9"), std::string::npos) << message;
    message = parse_error("redis://h?password=ab&zq9=%zz");
    EXPECT_EQ(message.find("zq9"), std::string::npos) << message;
    EXPECT_EQ(message.find("%zz"), std::string::npos) << message;
}

TEST(ConnectionStringSecrets, UnencodedSlashInPasswordDoesNotLeak) {
    for (const char* text :
         {"redis://:se/cret99@h:6379", "redis://u:se?cret99@h", "redis://u:se#cret99@h",
          "unix://:se/cret99@/tmp/s", "unix://:se?cret99@/tmp/s", "redis://u:se/cret99@h/cret99"}) {
        const auto message = parse_error(text);
        EXPECT_EQ(message.find("cret99"), std::string::npos) << text << ": " << message;
    }
}

TEST(ConnectionStringSecrets, ToStringMasksThePassword) {
    const auto o = parse_ok("h:1,password=hunter22");
    const auto text = to_string(o);
    EXPECT_EQ(text.find("hunter22"), std::string::npos) << text;
    EXPECT_EQ(text, "h:1,password=*****");
    EXPECT_EQ(to_string(parse_ok("redis://u:hunter22@h")), "h:6379,user=u,password=*****");
}

TEST(ConnectionStringSecrets, ToStringOfAUrlFallbackMasksThePassword) {
    const auto o = parse_ok("redis://a%2Cb:hunter22@h?name=x");
    const auto text = to_string(o);
    EXPECT_EQ(text.find("hunter22"), std::string::npos) << text;
    EXPECT_EQ(text, "redis://a%2Cb:*****@h:6379?name=x");
}

// --- printing ------------------------------------------------------------------

TEST(ConnectionStringPrint, DefaultsAreOmitted) {
    EXPECT_EQ(to_string(parse_ok("h")), "h:6379");
    EXPECT_EQ(to_string(parse_ok("h,connectTimeout=5000,ssl=false,protocol=resp3")), "h:6379");
}

TEST(ConnectionStringPrint, EveryOptionInStackExchangeSyntax) {
    const auto o = parse_ok(
        "[::1]:7000,!/tmp/r.sock,h2,user=u,password=p,defaultDatabase=3,name=n,ssl=true,"
        "sslHost=s.example,connectTimeout=1,syncTimeout=2,asyncTimeout=3,connectRetry=4,"
        "abortConnect=false,keepAlive=5,protocol=resp2,serviceName=m,allowAdmin=true,"
        "channelPrefix=cp,setlib=false,ignoreUnknown=true");
    EXPECT_EQ(to_string(o),
              "[::1]:7000,!/tmp/r.sock,h2:6380,user=u,password=*****,defaultDatabase=3,ssl=true,"
              "name=n,sslHost=s.example,connectTimeout=1,syncTimeout=2,asyncTimeout=3,"
              "connectRetry=4,abortConnect=false,keepAlive=5,protocol=resp2,serviceName=m,"
              "allowAdmin=true,channelPrefix=cp,setlib=false,ignoreUnknown=true");
}

TEST(ConnectionStringPrint, Endpoints) {
    EXPECT_EQ(to_string(endpoint::tcp("h", 1)), "h:1");
    EXPECT_EQ(to_string(endpoint::tcp("::1", 2)), "[::1]:2");
    EXPECT_EQ(to_string(endpoint::unix_socket("/s")), "!/s");
}

TEST(ConnectionStringPrint, ValuesWithCommasPrintAsUrl) {
    EXPECT_EQ(to_string(parse_ok("unix:///tmp/a,b.sock?db=1&password=x")),
              "unix:///tmp/a%2Cb.sock?password=*****&db=1");
    EXPECT_EQ(to_string(parse_ok("rediss://[fe80::1%25eth0]:1/2?channelPrefix=%20a,b")),
              "rediss://[fe80::1%25eth0]:1/2?channelPrefix=%20a%2Cb");
    EXPECT_EQ(to_string(parse_ok("redis://h?user=a%2Cb")), "redis://h:6379?user=a%2Cb");
}

TEST(ConnectionStringPrint, RoundTrip) {
    for (const char* text : {
             "h",
             "a:1,b:2,[::1]:3,!/tmp/s",
             "h,user=u,password=p,defaultDatabase=9,name=n,ssl=true,sslHost=x",
             "h,connectTimeout=1,syncTimeout=2,connectRetry=0,abortConnect=false,keepAlive=0",
             "h,protocol=resp2,serviceName=s,allowAdmin=true,channelPrefix=c,setlib=false",
             "h,asyncTimeout=5000,ignoreUnknown=true,x=1",
             "redis://u:p@h:1/2?name=n",
             "rediss://[::1]",
             "unix:///tmp/s?db=3&password=p",
             "unix:///tmp/a,b=c%20?db=3&password=p&user=u&ssl=true",
             "redis://h?channelPrefix=%20x&serviceName=a,b&user=c%2Cd",
             "redis://:p@h?sslHost=fe80::1%25e",
         }) {
        auto first = parse_ok(text);
        const auto printed = to_string(first);
        const auto second = parse_ok(printed);
        if (!first.password.empty()) first.password = "*****";
        EXPECT_EQ(second, first) << text << " printed as " << printed;
        EXPECT_EQ(to_string(second), printed) << text;
    }
}

TEST(ConnectionStringPrint, HandBuiltOptionsPrint) {
    connection_options o;
    o.endpoints = {endpoint::tcp("a"), endpoint::unix_socket("/b")};
    o.password = "secret";
    o.async_timeout = milliseconds(10);
    EXPECT_EQ(to_string(o), "a:6379,!/b,password=*****,asyncTimeout=10");
}

TEST(ConnectionString, ProtocolVersionToString) {
    EXPECT_EQ(respcache::net::to_string(protocol_version::resp2), "resp2");
    EXPECT_EQ(respcache::net::to_string(protocol_version::resp3), "resp3");
}

}  // namespace
