#include "respcache/net/command_traits.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>

namespace respcache::net {

namespace {

// Upper case.
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

// Upper case.
constexpr std::array<std::string_view, 5> transaction_commands = {
    "DISCARD", "EXEC", "MULTI", "UNWATCH", "WATCH",
};
constexpr std::array<std::string_view, 6> state_commands = {
    "AUTH", "HELLO", "MONITOR", "QUIT", "RESET", "SELECT",
};
// What these are depends on their arguments (CLIENT REPLY, XREAD ... BLOCK).
constexpr std::array<std::string_view, 3> argument_dependent_commands = {
    "CLIENT",
    "XREAD",
    "XREADGROUP",
};

// Every command above with what it is, in one open-addressing table built
// at compile time: a call classifies its command with one hash and, almost
// always, one comparison (this runs for every call on the hot path).
enum trait_bit : std::uint8_t {
    read_only = 1,
    blocks = 2,
    subscribes = 4,
    transactional = 8,
    changes_state = 16,
    depends_on_arguments = 32,
};

struct classified {
    std::string_view name;
    std::uint8_t bits = 0;
};

constexpr std::size_t table_size = 256;  // a power of two, well above the 85 names

constexpr std::size_t hash_of(std::string_view upper) noexcept {
    std::uint32_t h = 2166136261u;  // FNV-1a
    for (const char c : upper) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h & (table_size - 1);
}

template <std::size_t N>
constexpr void add_all(std::array<classified, table_size>& table,
                       const std::array<std::string_view, N>& names, std::uint8_t bit) {
    for (const std::string_view name : names) {
        std::size_t i = hash_of(name);
        while (!table[i].name.empty() && table[i].name != name) i = (i + 1) & (table_size - 1);
        table[i].name = name;
        table[i].bits |= bit;
    }
}

constexpr std::array<classified, table_size> build_table() {
    std::array<classified, table_size> table{};
    add_all(table, read_only_commands, read_only);
    add_all(table, blocking_commands, blocks);
    add_all(table, subscription_commands, subscribes);
    add_all(table, transaction_commands, transactional);
    add_all(table, state_commands, changes_state);
    add_all(table, argument_dependent_commands, depends_on_arguments);
    return table;
}

constexpr std::array<classified, table_size> command_table = build_table();

// `hash`: hash_of(upper).
std::uint8_t bits_of(std::string_view upper, std::size_t hash) noexcept {
    for (std::size_t i = hash;; i = (i + 1) & (table_size - 1)) {
        if (command_table[i].name.empty()) return 0;
        if (command_table[i].name == upper) return command_table[i].bits;
    }
}

char upper_ascii(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
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
    // Upper-cased and hashed in one pass: names are a few bytes long.
    std::uint32_t h = 2166136261u;
    for (std::size_t i = 0; i < name.size(); ++i) {
        upper[i] = upper_ascii(name[i]);
        h = (h ^ static_cast<unsigned char>(upper[i])) * 16777619u;
    }
    const std::string_view key(upper, name.size());

    const std::uint8_t bits = bits_of(key, h & (table_size - 1));
    command_traits traits;
    traits.retry_safe = (bits & read_only) != 0;
    traits.subscription = (bits & subscribes) != 0;
    traits.blocking = (bits & blocks) != 0;
    if (traits.subscription) traits.refusal = subscription_refusal;
    if (bits & transactional) traits.refusal = transaction_refusal;
    if (bits & changes_state) traits.refusal = state_refusal;
    if (!(bits & depends_on_arguments)) return traits;
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
