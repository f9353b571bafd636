#include "respcache/net/command_traits.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace respcache::net {

namespace {

// Sorted, upper case.
constexpr std::array<std::string_view, 56> read_only_commands = {
    "BITCOUNT",  "BITPOS",    "DBSIZE",  "DUMP",        "ECHO",     "EXISTS",     "EXPIRETIME",
    "GEODIST",   "GEOHASH",   "GEOPOS",  "GEOSEARCH",   "GET",      "GETBIT",     "GETRANGE",
    "HEXISTS",   "HGET",      "HGETALL", "HKEYS",       "HLEN",     "HMGET",      "HRANDFIELD",
    "HSCAN",     "HSTRLEN",   "HVALS",   "INFO",        "KEYS",     "LINDEX",     "LLEN",
    "LPOS",      "LRANGE",    "MGET",    "PEXPIRETIME", "PFCOUNT",  "PING",       "PTTL",
    "RANDOMKEY", "SCAN",      "SCARD",   "SISMEMBER",   "SMEMBERS", "SMISMEMBER", "SRANDMEMBER",
    "SSCAN",     "STRLEN",    "SUNION",  "TIME",        "TTL",      "TYPE",       "XLEN",
    "XRANGE",    "XREVRANGE", "ZCARD",   "ZCOUNT",      "ZRANGE",   "ZSCAN",      "ZSCORE",
};

constexpr std::array<std::string_view, 12> blocking_commands = {
    "BLMOVE",   "BLMPOP",   "BLPOP", "BRPOP",   "BRPOPLPUSH", "BZMPOP",
    "BZPOPMAX", "BZPOPMIN", "WAIT",  "WAITAOF", "XREAD",      "XREADGROUP",
};

constexpr std::array<std::string_view, 6> subscription_commands = {
    "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE", "SUBSCRIBE", "SUNSUBSCRIBE", "UNSUBSCRIBE",
};

constexpr const char* subscription_refusal =
    "pub/sub commands change the shared connection's mode: use multiplexer::subscribe(), "
    "psubscribe() or ssubscribe() (and their unsubscribe counterparts)";
constexpr const char* transaction_refusal =
    "MULTI, EXEC, DISCARD, WATCH and UNWATCH on the shared connection would take in other "
    "callers' commands: use a transaction object with execute(), or lease() a connection of "
    "your own for WATCH";
constexpr const char* state_refusal =
    "this command changes the state of the connection every caller shares (MONITOR, RESET, "
    "QUIT, HELLO, SELECT, AUTH, CLIENT REPLY): set it in the connection string "
    "(defaultDatabase, password, protocol) or lease() a connection of your own";

// Sorted, upper case.
constexpr std::array<std::string_view, 5> transaction_commands = {
    "DISCARD", "EXEC", "MULTI", "UNWATCH", "WATCH",
};
constexpr std::array<std::string_view, 6> state_commands = {
    "AUTH", "HELLO", "MONITOR", "QUIT", "RESET", "SELECT",
};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& sorted, std::string_view name) {
    return std::binary_search(sorted.begin(), sorted.end(), name);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

}  // namespace

command_traits traits_of(std::string_view name, std::span<const std::string_view> arguments) {
    char upper[16];
    if (name.size() > sizeof upper) return {};
    for (std::size_t i = 0; i < name.size(); ++i)
        upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
    const std::string_view key(upper, name.size());

    command_traits traits;
    traits.retry_safe = contains(read_only_commands, key);
    traits.subscription = contains(subscription_commands, key);
    traits.blocking = contains(blocking_commands, key);
    if (traits.subscription) traits.refusal = subscription_refusal;
    if (contains(transaction_commands, key)) traits.refusal = transaction_refusal;
    if (contains(state_commands, key)) traits.refusal = state_refusal;
    if (key == "CLIENT" && !arguments.empty() && equals_ignoring_case(arguments[0], "REPLY"))
        traits.refusal = state_refusal;
    if (key == "XREAD" || key == "XREADGROUP") {
        traits.blocking = std::any_of(arguments.begin(), arguments.end(), [](std::string_view a) {
            return equals_ignoring_case(a, "BLOCK");
        });
        traits.retry_safe = key == "XREAD";
    }
    return traits;
}

}  // namespace respcache::net
