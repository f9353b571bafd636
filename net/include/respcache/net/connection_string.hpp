#pragma once

#include <string>
#include <string_view>

#include "respcache/net/connection_options.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

// Parses a connection string in either syntax of specs/connection-strings.md:
//
//   StackExchange.Redis: "host:port,host2,password=...,ssl=true,defaultDatabase=2"
//     comma-separated tokens, each trimmed; "key=value" is an option (keys are
//     case-insensitive), anything else an endpoint: host[:port], [ipv6][:port],
//     or !/path/to/socket. Empty tokens are skipped.
//   URL: redis://[[user:]password@]host[:port][/db][?option=value&...]
//        rediss://... (ssl=true), unix:///path/to/socket[?db=N&password=...]
//     user, password, query values and the socket path are percent-decoded;
//     query options use the same names as above, plus "db".
//
// Every malformed input is an error of kind `config` whose message names the
// token at fault. No message ever contains the password, nor text that may be
// part of one (tokens after a password are described by position only).
result<connection_options> parse_connection_string(std::string_view text);

// Prints the configuration in the StackExchange.Redis syntax with the password
// replaced by "*****": endpoints, then the options that differ from their
// defaults. When a value cannot be written in that syntax (it contains ',' or
// starts or ends with white space) and there is one endpoint, prints the
// equivalent redis://, rediss:// or unix:// URL instead. Parsing the result
// gives the same configuration, except that the password is then "*****".
std::string to_string(const connection_options& options);

// "host:port", "[ipv6]:port" or "!/path/to/socket".
std::string to_string(const endpoint& e);

}  // namespace respcache::net
