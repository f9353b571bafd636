#include "respcache/net/cluster/command_keys.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>

#include "respcache/net/cluster/hash_slot.hpp"

namespace respcache::net::cluster {

namespace {

enum class rule : std::uint8_t {
    range,       // keys at a..b (negative: from the end, -1 the last argument), step c
    numkeys,     // the key count at a, the keys after it; a fixed key at b when b > 0
    streams,     // XREAD/XREADGROUP: after STREAMS, the first half of the rest
    subcommand,  // OBJECT ENCODING key, XINFO STREAM key: the key at a when present
    memory,      // MEMORY USAGE key; other MEMORY subcommands have none
    no_keys,
};

struct entry {
    std::string_view name;
    rule how;
    int a;
    int b;
    int c;
};

// Upper case, sorted by name (checked below).
constexpr entry table[] = {
    {"ACL", rule::no_keys, 0, 0, 0},
    {"APPEND", rule::range, 1, 1, 1},
    {"ASKING", rule::no_keys, 0, 0, 0},
    {"AUTH", rule::no_keys, 0, 0, 0},
    {"BGREWRITEAOF", rule::no_keys, 0, 0, 0},
    {"BGSAVE", rule::no_keys, 0, 0, 0},
    {"BITCOUNT", rule::range, 1, 1, 1},
    {"BITFIELD", rule::range, 1, 1, 1},
    {"BITFIELD_RO", rule::range, 1, 1, 1},
    {"BITPOS", rule::range, 1, 1, 1},
    {"BLMOVE", rule::range, 1, 2, 1},
    {"BLMPOP", rule::numkeys, 2, 0, 0},
    {"BLPOP", rule::range, 1, -2, 1},
    {"BRPOP", rule::range, 1, -2, 1},
    {"BRPOPLPUSH", rule::range, 1, 2, 1},
    {"BZMPOP", rule::numkeys, 2, 0, 0},
    {"BZPOPMAX", rule::range, 1, -2, 1},
    {"BZPOPMIN", rule::range, 1, -2, 1},
    {"CLIENT", rule::no_keys, 0, 0, 0},
    {"CLUSTER", rule::no_keys, 0, 0, 0},
    {"COMMAND", rule::no_keys, 0, 0, 0},
    {"CONFIG", rule::no_keys, 0, 0, 0},
    {"COPY", rule::range, 1, 2, 1},
    {"DBSIZE", rule::no_keys, 0, 0, 0},
    {"DEBUG", rule::no_keys, 0, 0, 0},
    {"DECR", rule::range, 1, 1, 1},
    {"DECRBY", rule::range, 1, 1, 1},
    {"DEL", rule::range, 1, -1, 1},
    {"DISCARD", rule::no_keys, 0, 0, 0},
    {"DUMP", rule::range, 1, 1, 1},
    {"ECHO", rule::no_keys, 0, 0, 0},
    {"EVAL", rule::numkeys, 2, 0, 0},
    {"EVALSHA", rule::numkeys, 2, 0, 0},
    {"EVALSHA_RO", rule::numkeys, 2, 0, 0},
    {"EVAL_RO", rule::numkeys, 2, 0, 0},
    {"EXEC", rule::no_keys, 0, 0, 0},
    {"EXISTS", rule::range, 1, -1, 1},
    {"EXPIRE", rule::range, 1, 1, 1},
    {"EXPIREAT", rule::range, 1, 1, 1},
    {"EXPIRETIME", rule::range, 1, 1, 1},
    {"FCALL", rule::numkeys, 2, 0, 0},
    {"FCALL_RO", rule::numkeys, 2, 0, 0},
    {"FLUSHALL", rule::no_keys, 0, 0, 0},
    {"FLUSHDB", rule::no_keys, 0, 0, 0},
    {"FUNCTION", rule::no_keys, 0, 0, 0},
    {"GEOADD", rule::range, 1, 1, 1},
    {"GEODIST", rule::range, 1, 1, 1},
    {"GEOHASH", rule::range, 1, 1, 1},
    {"GEOPOS", rule::range, 1, 1, 1},
    {"GEORADIUS", rule::range, 1, 1, 1},
    {"GEORADIUSBYMEMBER", rule::range, 1, 1, 1},
    {"GEORADIUSBYMEMBER_RO", rule::range, 1, 1, 1},
    {"GEORADIUS_RO", rule::range, 1, 1, 1},
    {"GEOSEARCH", rule::range, 1, 1, 1},
    {"GEOSEARCHSTORE", rule::range, 1, 2, 1},
    {"GET", rule::range, 1, 1, 1},
    {"GETBIT", rule::range, 1, 1, 1},
    {"GETDEL", rule::range, 1, 1, 1},
    {"GETEX", rule::range, 1, 1, 1},
    {"GETRANGE", rule::range, 1, 1, 1},
    {"GETSET", rule::range, 1, 1, 1},
    {"HDEL", rule::range, 1, 1, 1},
    {"HELLO", rule::no_keys, 0, 0, 0},
    {"HEXISTS", rule::range, 1, 1, 1},
    {"HGET", rule::range, 1, 1, 1},
    {"HGETALL", rule::range, 1, 1, 1},
    {"HINCRBY", rule::range, 1, 1, 1},
    {"HINCRBYFLOAT", rule::range, 1, 1, 1},
    {"HKEYS", rule::range, 1, 1, 1},
    {"HLEN", rule::range, 1, 1, 1},
    {"HMGET", rule::range, 1, 1, 1},
    {"HMSET", rule::range, 1, 1, 1},
    {"HRANDFIELD", rule::range, 1, 1, 1},
    {"HSCAN", rule::range, 1, 1, 1},
    {"HSET", rule::range, 1, 1, 1},
    {"HSETNX", rule::range, 1, 1, 1},
    {"HSTRLEN", rule::range, 1, 1, 1},
    {"HVALS", rule::range, 1, 1, 1},
    {"INCR", rule::range, 1, 1, 1},
    {"INCRBY", rule::range, 1, 1, 1},
    {"INCRBYFLOAT", rule::range, 1, 1, 1},
    {"INFO", rule::no_keys, 0, 0, 0},
    {"KEYS", rule::no_keys, 0, 0, 0},
    {"LASTSAVE", rule::no_keys, 0, 0, 0},
    {"LATENCY", rule::no_keys, 0, 0, 0},
    {"LCS", rule::range, 1, 2, 1},
    {"LINDEX", rule::range, 1, 1, 1},
    {"LINSERT", rule::range, 1, 1, 1},
    {"LLEN", rule::range, 1, 1, 1},
    {"LMOVE", rule::range, 1, 2, 1},
    {"LMPOP", rule::numkeys, 1, 0, 0},
    {"LOLWUT", rule::no_keys, 0, 0, 0},
    {"LPOP", rule::range, 1, 1, 1},
    {"LPOS", rule::range, 1, 1, 1},
    {"LPUSH", rule::range, 1, 1, 1},
    {"LPUSHX", rule::range, 1, 1, 1},
    {"LRANGE", rule::range, 1, 1, 1},
    {"LREM", rule::range, 1, 1, 1},
    {"LSET", rule::range, 1, 1, 1},
    {"LTRIM", rule::range, 1, 1, 1},
    {"MEMORY", rule::memory, 2, 0, 0},
    {"MGET", rule::range, 1, -1, 1},
    {"MSET", rule::range, 1, -1, 2},
    {"MSETNX", rule::range, 1, -1, 2},
    {"MULTI", rule::no_keys, 0, 0, 0},
    {"OBJECT", rule::subcommand, 2, 0, 0},
    {"PERSIST", rule::range, 1, 1, 1},
    {"PEXPIRE", rule::range, 1, 1, 1},
    {"PEXPIREAT", rule::range, 1, 1, 1},
    {"PEXPIRETIME", rule::range, 1, 1, 1},
    {"PFADD", rule::range, 1, 1, 1},
    {"PFCOUNT", rule::range, 1, -1, 1},
    {"PFMERGE", rule::range, 1, -1, 1},
    {"PING", rule::no_keys, 0, 0, 0},
    {"PSETEX", rule::range, 1, 1, 1},
    {"PSUBSCRIBE", rule::no_keys, 0, 0, 0},
    {"PTTL", rule::range, 1, 1, 1},
    {"PUBLISH", rule::no_keys, 0, 0, 0},
    {"PUBSUB", rule::no_keys, 0, 0, 0},
    {"PUNSUBSCRIBE", rule::no_keys, 0, 0, 0},
    {"QUIT", rule::no_keys, 0, 0, 0},
    {"RANDOMKEY", rule::no_keys, 0, 0, 0},
    {"READONLY", rule::no_keys, 0, 0, 0},
    {"READWRITE", rule::no_keys, 0, 0, 0},
    {"RENAME", rule::range, 1, 2, 1},
    {"RENAMENX", rule::range, 1, 2, 1},
    {"RESET", rule::no_keys, 0, 0, 0},
    {"RESTORE", rule::range, 1, 1, 1},
    {"ROLE", rule::no_keys, 0, 0, 0},
    {"RPOP", rule::range, 1, 1, 1},
    {"RPOPLPUSH", rule::range, 1, 2, 1},
    {"RPUSH", rule::range, 1, 1, 1},
    {"RPUSHX", rule::range, 1, 1, 1},
    {"SADD", rule::range, 1, 1, 1},
    {"SAVE", rule::no_keys, 0, 0, 0},
    {"SCAN", rule::no_keys, 0, 0, 0},
    {"SCARD", rule::range, 1, 1, 1},
    {"SCRIPT", rule::no_keys, 0, 0, 0},
    {"SDIFF", rule::range, 1, -1, 1},
    {"SDIFFSTORE", rule::range, 1, -1, 1},
    {"SELECT", rule::no_keys, 0, 0, 0},
    {"SET", rule::range, 1, 1, 1},
    {"SETBIT", rule::range, 1, 1, 1},
    {"SETEX", rule::range, 1, 1, 1},
    {"SETNX", rule::range, 1, 1, 1},
    {"SETRANGE", rule::range, 1, 1, 1},
    {"SINTER", rule::range, 1, -1, 1},
    {"SINTERCARD", rule::numkeys, 1, 0, 0},
    {"SINTERSTORE", rule::range, 1, -1, 1},
    {"SISMEMBER", rule::range, 1, 1, 1},
    {"SLOWLOG", rule::no_keys, 0, 0, 0},
    {"SMEMBERS", rule::range, 1, 1, 1},
    {"SMISMEMBER", rule::range, 1, 1, 1},
    {"SMOVE", rule::range, 1, 2, 1},
    {"SORT", rule::range, 1, 1, 1},
    {"SORT_RO", rule::range, 1, 1, 1},
    {"SPOP", rule::range, 1, 1, 1},
    {"SPUBLISH", rule::range, 1, 1, 1},
    {"SRANDMEMBER", rule::range, 1, 1, 1},
    {"SREM", rule::range, 1, 1, 1},
    {"SSCAN", rule::range, 1, 1, 1},
    {"SSUBSCRIBE", rule::range, 1, -1, 1},
    {"STRLEN", rule::range, 1, 1, 1},
    {"SUBSCRIBE", rule::no_keys, 0, 0, 0},
    {"SUBSTR", rule::range, 1, 1, 1},
    {"SUNION", rule::range, 1, -1, 1},
    {"SUNIONSTORE", rule::range, 1, -1, 1},
    {"SUNSUBSCRIBE", rule::range, 1, -1, 1},
    {"SWAPDB", rule::no_keys, 0, 0, 0},
    {"TIME", rule::no_keys, 0, 0, 0},
    {"TOUCH", rule::range, 1, -1, 1},
    {"TTL", rule::range, 1, 1, 1},
    {"TYPE", rule::range, 1, 1, 1},
    {"UNLINK", rule::range, 1, -1, 1},
    {"UNSUBSCRIBE", rule::no_keys, 0, 0, 0},
    {"UNWATCH", rule::no_keys, 0, 0, 0},
    {"WAIT", rule::no_keys, 0, 0, 0},
    {"WAITAOF", rule::no_keys, 0, 0, 0},
    {"WATCH", rule::range, 1, -1, 1},
    {"XACK", rule::range, 1, 1, 1},
    {"XADD", rule::range, 1, 1, 1},
    {"XAUTOCLAIM", rule::range, 1, 1, 1},
    {"XCLAIM", rule::range, 1, 1, 1},
    {"XDEL", rule::range, 1, 1, 1},
    {"XGROUP", rule::subcommand, 2, 0, 0},
    {"XINFO", rule::subcommand, 2, 0, 0},
    {"XLEN", rule::range, 1, 1, 1},
    {"XPENDING", rule::range, 1, 1, 1},
    {"XRANGE", rule::range, 1, 1, 1},
    {"XREAD", rule::streams, 0, 0, 0},
    {"XREADGROUP", rule::streams, 0, 0, 0},
    {"XREVRANGE", rule::range, 1, 1, 1},
    {"XSETID", rule::range, 1, 1, 1},
    {"XTRIM", rule::range, 1, 1, 1},
    {"ZADD", rule::range, 1, 1, 1},
    {"ZCARD", rule::range, 1, 1, 1},
    {"ZCOUNT", rule::range, 1, 1, 1},
    {"ZDIFF", rule::numkeys, 1, 0, 0},
    {"ZDIFFSTORE", rule::numkeys, 2, 1, 0},
    {"ZINCRBY", rule::range, 1, 1, 1},
    {"ZINTER", rule::numkeys, 1, 0, 0},
    {"ZINTERCARD", rule::numkeys, 1, 0, 0},
    {"ZINTERSTORE", rule::numkeys, 2, 1, 0},
    {"ZLEXCOUNT", rule::range, 1, 1, 1},
    {"ZMPOP", rule::numkeys, 1, 0, 0},
    {"ZMSCORE", rule::range, 1, 1, 1},
    {"ZPOPMAX", rule::range, 1, 1, 1},
    {"ZPOPMIN", rule::range, 1, 1, 1},
    {"ZRANDMEMBER", rule::range, 1, 1, 1},
    {"ZRANGE", rule::range, 1, 1, 1},
    {"ZRANGEBYLEX", rule::range, 1, 1, 1},
    {"ZRANGEBYSCORE", rule::range, 1, 1, 1},
    {"ZRANGESTORE", rule::range, 1, 2, 1},
    {"ZRANK", rule::range, 1, 1, 1},
    {"ZREM", rule::range, 1, 1, 1},
    {"ZREMRANGEBYLEX", rule::range, 1, 1, 1},
    {"ZREMRANGEBYRANK", rule::range, 1, 1, 1},
    {"ZREMRANGEBYSCORE", rule::range, 1, 1, 1},
    {"ZREVRANGE", rule::range, 1, 1, 1},
    {"ZREVRANGEBYLEX", rule::range, 1, 1, 1},
    {"ZREVRANGEBYSCORE", rule::range, 1, 1, 1},
    {"ZREVRANK", rule::range, 1, 1, 1},
    {"ZSCAN", rule::range, 1, 1, 1},
    {"ZSCORE", rule::range, 1, 1, 1},
    {"ZUNION", rule::numkeys, 1, 0, 0},
    {"ZUNIONSTORE", rule::numkeys, 2, 1, 0},
};

constexpr bool sorted_by_name() {
    for (std::size_t i = 1; i < std::size(table); ++i)
        if (!(table[i - 1].name < table[i].name)) return false;
    return true;
}
static_assert(sorted_by_name(), "the key table must stay sorted, so no name is in it twice");

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
           });
}

// The names in an open-addressing table built at compile time: a lookup
// hashes the upper-cased name once and, almost always, compares one entry
// (this runs for every command routed, on the hot path).
constexpr std::size_t index_size = 1024;  // a power of two, well above the names
static_assert(std::size(table) < index_size / 2, "the name index must stay sparse");

constexpr std::size_t hash_of(std::string_view upper) noexcept {
    std::uint32_t h = 2166136261u;  // FNV-1a
    for (const char c : upper) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h & (index_size - 1);
}

// Positions in `table` plus one; 0: empty.
constexpr std::array<std::uint16_t, index_size> make_name_index() {
    std::array<std::uint16_t, index_size> index{};
    for (std::size_t e = 0; e < std::size(table); ++e) {
        std::size_t i = hash_of(table[e].name);
        while (index[i] != 0) i = (i + 1) & (index_size - 1);
        index[i] = static_cast<std::uint16_t>(e + 1);
    }
    return index;
}
constexpr std::array<std::uint16_t, index_size> name_index = make_name_index();

const entry* lookup(std::string_view name) noexcept {
    char upper[24];
    if (name.empty() || name.size() > sizeof upper) return nullptr;
    std::uint32_t h = 2166136261u;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        upper[i] = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        h = (h ^ static_cast<unsigned char>(upper[i])) * 16777619u;
    }
    const std::string_view key(upper, name.size());
    for (std::size_t i = h & (index_size - 1);; i = (i + 1) & (index_size - 1)) {
        if (name_index[i] == 0) return nullptr;
        const entry& e = table[name_index[i] - 1];
        if (e.name.size() == key.size() && e.name == key) return &e;
    }
}

std::optional<std::size_t> count_at(std::span<const std::string_view> command, std::size_t i) {
    if (i >= command.size()) return std::nullopt;
    std::size_t n = 0;
    const std::string_view text = command[i];
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return n;
}

command_keys with_span(command_keys k, std::size_t first, std::size_t last, std::size_t step) {
    k.what = command_keys::status::keys;
    k.spans[k.span_count++] = key_span{first, last, step};
    return k;
}

}  // namespace

command_keys find_keys(std::span<const std::string_view> command) noexcept {
    command_keys none;
    if (command.empty()) return none;
    const entry* e = lookup(command[0]);
    if (!e) {
        none.what = command_keys::status::unknown;
        return none;
    }
    const std::size_t n = command.size();
    switch (e->how) {
        case rule::no_keys:
            return none;
        case rule::range: {
            const auto first = static_cast<std::size_t>(e->a);
            if (first >= n) return none;  // too few arguments: the server says so
            const std::ptrdiff_t last = e->b >= 0 ? e->b : static_cast<std::ptrdiff_t>(n) + e->b;
            if (last < static_cast<std::ptrdiff_t>(first)) return none;
            return with_span(none, first, std::min(static_cast<std::size_t>(last), n - 1),
                             static_cast<std::size_t>(e->c));
        }
        case rule::numkeys: {
            command_keys k = none;
            if (e->b > 0 && static_cast<std::size_t>(e->b) < n)
                k = with_span(k, static_cast<std::size_t>(e->b), static_cast<std::size_t>(e->b), 1);
            const auto count = count_at(command, static_cast<std::size_t>(e->a));
            const std::size_t first = static_cast<std::size_t>(e->a) + 1;
            if (!count || *count == 0 || first >= n) return k;
            return with_span(k, first, std::min(first + *count - 1, n - 1), 1);
        }
        case rule::streams:
            for (std::size_t i = 1; i < n; ++i) {
                if (!equals_ignoring_case(command[i], "STREAMS")) continue;
                const std::size_t rest = n - i - 1;
                if (rest < 2) return none;
                return with_span(none, i + 1, i + rest / 2, 1);
            }
            return none;
        case rule::memory:
            if (n < 3 || !equals_ignoring_case(command[1], "USAGE")) return none;
            return with_span(none, 2, 2, 1);
        case rule::subcommand:
            if (n <= static_cast<std::size_t>(e->a)) return none;
            return with_span(none, static_cast<std::size_t>(e->a), static_cast<std::size_t>(e->a),
                             1);
    }
    return none;
}

namespace {

error cross_slot(std::string_view name, std::string_view a, std::uint16_t slot_a,
                 std::string_view b, std::uint16_t slot_b) {
    std::string message = "CROSSSLOT refused on the client: the keys of ";
    message.append(name);
    message.append(" hash to different slots ('");
    message.append(a.substr(0, 64)).append("' to ").append(std::to_string(slot_a));
    message.append(", '").append(b.substr(0, 64)).append("' to ").append(std::to_string(slot_b));
    message.append("); give them one {hash tag} or use the split helpers");
    return error{error_kind::config, std::move(message)};
}

}  // namespace

result<command_slot> slot_of(std::span<const std::string_view> command) {
    const command_keys keys = find_keys(command);
    command_slot out;
    if (keys.what == command_keys::status::unknown) {
        out.what = command_slot::status::unknown;
        return out;
    }
    if (keys.what == command_keys::status::no_keys) return out;
    if (keys.span_count == 1 && keys.spans[0].first == keys.spans[0].last) {
        // One key (GET, SET, HGET, ...): nothing to compare it with.
        out.what = command_slot::status::slot;
        out.slot = hash_slot(command[keys.spans[0].first]);
        return out;
    }
    std::string_view first_key;
    bool seen = false;
    for (std::size_t s = 0; s < keys.span_count; ++s) {
        const key_span span = keys.spans[s];
        for (std::size_t i = span.first; i <= span.last; i += span.step) {
            const std::uint16_t slot = hash_slot(command[i]);
            if (!seen) {
                seen = true;
                first_key = command[i];
                out.what = command_slot::status::slot;
                out.slot = slot;
            } else if (slot != out.slot) {
                return cross_slot(command[0], first_key, out.slot, command[i], slot);
            }
        }
    }
    return out;
}

result<command_slot> slot_of_keys(std::string_view command_name,
                                  std::span<const std::string_view> keys) {
    command_slot out;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::uint16_t slot = hash_slot(keys[i]);
        if (i == 0) {
            out.what = command_slot::status::slot;
            out.slot = slot;
        } else if (slot != out.slot) {
            return cross_slot(command_name, keys[0], out.slot, keys[i], slot);
        }
    }
    return out;
}

}  // namespace respcache::net::cluster
