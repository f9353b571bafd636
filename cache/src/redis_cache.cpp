#include "respcache/cache/redis_cache.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

#include "respcache/net/connect_executor.hpp"
#include "respcache/net/multiplexer_executor.hpp"
#include "sha1.hpp"

namespace respcache::cache {

namespace {

using steady = std::chrono::steady_clock;
using clock = std::chrono::system_clock;

// get (ARGV[2] == "1": with the data) and refresh (without). KEYS[1]: the
// key; ARGV[1]: the caller's time in .NET ticks, the clock .NET compares
// absexp with. The TTL is the one .NET's second command would set,
// min(absexp - now, sldexp) in whole milliseconds (StackExchange.Redis
// truncates a TimeSpan to milliseconds for PEXPIRE); where that is not
// positive .NET's PEXPIRE deletes the key, and so does this script.
constexpr std::string_view read_script_text = R"lua(
local fields
if ARGV[2] == '1' then
  fields = redis.call('HMGET', KEYS[1], 'absexp', 'sldexp', 'data')
else
  fields = redis.call('HMGET', KEYS[1], 'absexp', 'sldexp')
end
local sliding = fields[2]
if not sliding or sliding == '-1' then
  return fields
end
-- Ticks pass 2^53, beyond which Lua 5.1's numbers are not exact: split each
-- into whole milliseconds and the ticks below them, which both are.
local function split(text)
  local n = string.len(text)
  if n <= 4 then
    return 0, tonumber(text)
  end
  return tonumber(string.sub(text, 1, n - 4)), tonumber(string.sub(text, n - 3))
end
local ttl = split(sliding)
local absolute = fields[1]
if absolute and absolute ~= '-1' then
  local absolute_ms, absolute_rest = split(absolute)
  local now_ms, now_rest = split(ARGV[1])
  local left = absolute_ms - now_ms
  if absolute_rest < now_rest then
    left = left - 1
  end
  if left < ttl then
    ttl = left
  end
end
if ttl <= 0 then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl))
return fields
)lua";

// set. KEYS[1]: the key; ARGV: absexp, sldexp, data, TTL in milliseconds or
// -1 for none. One script, so the hash never exists without its TTL and an
// entry replacing one that expired loses the old TTL. It ends with a read of
// the key: a write alone leaves the key untracked for its writer, and a
// connection with client tracking on (a near cache, which keeps what it
// wrote) must hear of the next change anyone else makes.
constexpr std::string_view set_script_text = R"lua(
redis.call('HSET', KEYS[1], 'absexp', ARGV[1], 'sldexp', ARGV[2], 'data', ARGV[3])
if ARGV[4] == '-1' then
  redis.call('PERSIST', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
redis.call('EXISTS', KEYS[1])
return 1
)lua";

struct script {
    std::string_view text;
    std::string sha;
};

const script& read_script() {
    static const script s{read_script_text, detail::sha1_hex(read_script_text)};
    return s;
}

const script& set_script() {
    static const script s{set_script_text, detail::sha1_hex(set_script_text)};
    return s;
}

bool is_noscript(const error& e) {
    return e.kind == error_kind::server_reply && e.message.starts_with("NOSCRIPT");
}

// The server runs no scripts at all: Garnet without --lua ("ERR This
// instance has Lua scripting support disabled"), or a Redis with EVALSHA and
// EVAL renamed away ("ERR unknown command").
bool is_scripting_unavailable(const error& e) {
    return e.kind == error_kind::server_reply &&
           (e.message.find("scripting support disabled") != std::string::npos ||
            e.message.find("scripting is disabled") != std::string::npos ||
            e.message.find("unknown command") != std::string::npos);
}

// Lua's false becomes a null reply; a RESP3 boolean false is accepted too.
bool is_nil(const resp::reply& r) {
    return r.is_null() || (r.kind() == resp::type::boolean && !r.boolean());
}

std::string now_in_ticks() {
    return std::to_string(to_dotnet_ticks(clock::now()));
}

net::call_options read_call() {
    net::call_options o;
    // Running the read script twice re-arms the TTL twice, to the same end.
    o.retry_safe = true;
    return o;
}

// The arguments of the set script for an entry set at `now`.
struct set_arguments {
    std::string absexp;
    std::string sldexp;
    std::string ttl_ms;

    set_arguments(const expiration& e, clock::time_point now)
        : absexp(e.absolute ? std::to_string(to_dotnet_ticks(*e.absolute)) : "-1"),
          sldexp(e.sliding ? std::to_string(e.sliding->count()) : "-1"),
          ttl_ms("-1") {
        if (const auto lifetime = e.lifetime(now)) {
            // Validation made every duration positive, so only truncation
            // to milliseconds can make this 0, and PEXPIRE 0 would delete
            // the entry being written.
            const auto ms = std::chrono::floor<std::chrono::milliseconds>(*lifetime).count();
            ttl_ms = std::to_string(ms > 0 ? ms : 1);
        }
    }
};

std::optional<std::int64_t> parse_ticks(const std::optional<std::string>& field) {
    if (!field) return std::nullopt;
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(field->data(), field->data() + field->size(), value);
    if (ec != std::errc() || end != field->data() + field->size() || value == -1)
        return std::nullopt;
    return value;
}

// What the read script decides, for servers without scripting: the TTL a
// read re-arms, min(absexp - now, sldexp) in whole milliseconds, from the
// HMGET reply `fields` (absexp, sldexp, ...). nullopt: not a sliding entry,
// leave the key alone; zero or less: the entry has expired, delete it.
std::optional<std::int64_t> rearm_ttl_ms(const resp::reply& fields, std::int64_t now_ticks) {
    if (fields.kind() != resp::type::array || fields.size() < 2) return std::nullopt;
    auto number = [](const resp::reply& r) -> std::optional<std::int64_t> {
        if (is_nil(r)) return std::nullopt;
        const std::string_view text = r.string();
        std::int64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value == -1)
            return std::nullopt;
        return value;
    };
    const auto sliding = number(fields[1]);
    if (!sliding) return std::nullopt;
    std::int64_t ttl = *sliding / 10'000;
    if (const auto absolute = number(fields[0])) {
        const std::int64_t left = *absolute - now_ticks;
        ttl = std::min(ttl, left >= 0 ? left / 10'000 : -1);
    }
    return ttl;
}

std::optional<std::string> text_of(const resp::reply& r) {
    if (is_nil(r)) return std::nullopt;
    return std::string(r.string());
}

// A completion that outlived its cache.
error gone() {
    return error{error_kind::closed, "the cache was destroyed"};
}

error unexpected(std::string_view what, const resp::reply& r) {
    return error{error_kind::protocol, std::string(what) + ": unexpected " +
                                           std::string(resp::to_string(r.kind())) + " reply"};
}

}  // namespace

namespace detail {

struct redis_cache_state {
    std::string prefix;
    std::shared_ptr<command_observer> observer;
    // Names the server of each traced command (on a cluster, its key's owner).
    std::weak_ptr<net::command_executor> executor;
    std::atomic<std::uint64_t> hits{0}, misses{0}, commands{0}, errors{0};
    latency_histogram latency;

    std::string key(std::string_view k) const {
        std::string full;
        full.reserve(prefix.size() + k.size());
        full.append(prefix).append(k);
        return full;
    }

    void record(std::string_view cache_operation, std::string_view command, std::string_view key,
                steady::time_point start, const error* failure) {
        const auto duration = steady::now() - start;
        commands.fetch_add(1, std::memory_order_relaxed);
        if (failure) errors.fetch_add(1, std::memory_order_relaxed);
        latency.record(duration);
        if (!observer) return;
        net::endpoint server;
        if (auto e = executor.lock()) server = e->server_for(key);
        command_event event;
        event.operation_name = command;
        event.cache_operation = cache_operation;
        event.server_address = server.is_unix_socket ? server.path : server.host;
        event.server_port = server.is_unix_socket ? 0 : server.port;
        event.duration = duration;
        event.failure = failure;
        observer->on_command(event);
    }

    // The outcome of an asynchronous command, recorded, error replies made errors.
    result<resp::reply> finish(std::string_view cache_operation, std::string_view command,
                               std::string_view key, steady::time_point start,
                               result<resp::reply> r) {
        if (r && r->is_error()) r = error{error_kind::server_reply, std::string(r->string())};
        record(cache_operation, command, key, start, r ? nullptr : &r.error_value());
        return r;
    }

    distributed_cache::get_result read_value(const resp::reply& r) {
        if (!is_nil(r) && r.kind() != resp::type::array) return unexpected("get", r);
        if (is_nil(r) || r.size() < 3 || is_nil(r[2])) {
            misses.fetch_add(1, std::memory_order_relaxed);
            return std::optional<std::string>();
        }
        hits.fetch_add(1, std::memory_order_relaxed);
        return std::optional<std::string>(std::string(r[2].string()));
    }

    // Set once the server has said it runs no scripts: from then on this
    // cache uses the two-command forms below, as .NET does.
    std::atomic<bool> without_scripts{false};

    // True when `e` means the server runs no scripts, which it remembers.
    bool gave_up_scripting(const error& e) {
        if (!is_scripting_unavailable(e)) return false;
        without_scripts.store(true, std::memory_order_relaxed);
        return true;
    }

    // get and refresh without a script: HMGET, then PEXPIRE (or DEL once
    // expired) for a sliding entry: two round trips, the TTL the script
    // would set. The reply is the HMGET fields, or null when deleted.
    result<resp::owned_reply> read_in_two_commands(net::command_executor& connection,
                                                   std::string_view cache_operation,
                                                   const std::string& key, bool with_data) {
        auto start = steady::now();
        auto fields =
            with_data ? net::call(connection, read_call(), "HMGET", key, "absexp", "sldexp", "data")
                      : net::call(connection, read_call(), "HMGET", key, "absexp", "sldexp");
        record(cache_operation, "HMGET", key, start, fields ? nullptr : &fields.error_value());
        if (!fields) return fields;
        const auto ttl = rearm_ttl_ms(fields->view(), to_dotnet_ticks(clock::now()));
        if (!ttl) return fields;
        start = steady::now();
        auto rearmed = *ttl > 0 ? net::call(connection, read_call(), "PEXPIRE", key, *ttl)
                                : net::call(connection, read_call(), "DEL", key);
        record(cache_operation, *ttl > 0 ? "PEXPIRE" : "DEL", key, start,
               rearmed ? nullptr : &rearmed.error_value());
        if (!rearmed) return rearmed.error_value();
        if (*ttl <= 0) return resp::owned_reply();
        return fields;
    }

    // read_in_two_commands without blocking: the second command is sent
    // from the first one's completion, and `done` runs after it.
    static void async_read_in_two_commands(const std::shared_ptr<redis_cache_state>& self,
                                           net::command_executor& connection,
                                           std::string_view cache_operation, std::string key,
                                           bool with_data,
                                           std::function<void(result<resp::reply>)> done) {
        const auto start = steady::now();
        auto after_fields = [self, cache_operation, key, done, start](result<resp::reply> r) {
            auto fields = self->finish(cache_operation, "HMGET", key, start, std::move(r));
            if (!fields) return done(std::move(fields));
            const auto ttl = rearm_ttl_ms(*fields, to_dotnet_ticks(clock::now()));
            if (!ttl) return done(std::move(fields));
            auto kept = std::make_shared<resp::owned_reply>(fields->to_owned());
            const auto again = steady::now();
            const char* command = *ttl > 0 ? "PEXPIRE" : "DEL";
            auto after_rearm = [self, cache_operation, key, done, again, kept, command,
                                expired = *ttl <= 0](result<resp::reply> rearmed) {
                auto outcome =
                    self->finish(cache_operation, command, key, again, std::move(rearmed));
                if (!outcome) return done(std::move(outcome));
                done(expired ? resp::owned_reply().view() : kept->view());
            };
            auto connection = self->executor.lock();
            if (!connection) return done(gone());
            if (*ttl > 0)
                net::async_call(*connection, read_call(), std::move(after_rearm), "PEXPIRE", key,
                                *ttl);
            else
                net::async_call(*connection, read_call(), std::move(after_rearm), "DEL", key);
        };
        if (with_data)
            net::async_call(connection, read_call(), std::move(after_fields), "HMGET", key,
                            "absexp", "sldexp", "data");
        else
            net::async_call(connection, read_call(), std::move(after_fields), "HMGET", key,
                            "absexp", "sldexp");
    }

    // set without a script and without blocking: HSET and PEXPIRE (or PERSIST)
    // sent back to back, as .NET does; `done` runs after the second, with the
    // first error of the two. Not atomic: a blocking set uses MULTI/EXEC.
    static void async_set_in_two_commands(const std::shared_ptr<redis_cache_state>& self,
                                          net::command_executor& connection,
                                          const std::string& full, const std::string& absexp,
                                          const std::string& sldexp, std::string_view value,
                                          const std::string& ttl_ms,
                                          distributed_cache::done_handler done) {
        auto first_error = std::make_shared<std::optional<error>>();
        const auto start = steady::now();
        net::async_call(
            connection, {},
            [state = self, first_error, start, full](result<resp::reply> r) {
                auto outcome = state->finish("set", "HSET", full, start, std::move(r));
                if (!outcome) *first_error = outcome.error_value();
            },
            "HSET", full, "absexp", absexp, "sldexp", sldexp, "data", value);
        auto second = [state = self, first_error, start, full, done = std::move(done),
                       command = ttl_ms == "-1" ? "PERSIST" : "PEXPIRE"](result<resp::reply> r) {
            auto outcome = state->finish("set", command, full, start, std::move(r));
            if (*first_error) return done(**first_error);
            if (!outcome) return done(outcome.error_value());
            done({});
        };
        if (ttl_ms == "-1")
            net::async_call(connection, {}, std::move(second), "PERSIST", full);
        else
            net::async_call(connection, {}, std::move(second), "PEXPIRE", full, ttl_ms);
    }

    // EVALSHA; EVAL when the server no longer has the script (restarted, or
    // SCRIPT FLUSH), which also puts it back.
    template <class... Args>
    result<resp::owned_reply> eval(net::command_executor& connection, const script& s,
                                   std::string_view cache_operation, const net::call_options& o,
                                   const std::string& key, const Args&... args) {
        auto start = steady::now();
        auto r = net::call(connection, o, "EVALSHA", s.sha, 1, key, args...);
        record(cache_operation, "EVALSHA", key, start, r ? nullptr : &r.error_value());
        if (r || !is_noscript(r.error_value())) return r;
        start = steady::now();
        r = net::call(connection, o, "EVAL", s.text, 1, key, args...);
        record(cache_operation, "EVAL", key, start, r ? nullptr : &r.error_value());
        return r;
    }

    // eval() without blocking: `done` gets the final outcome on the I/O
    // thread. A completion reaches the executor through the state's weak
    // pointer: owning it there could destroy it on its own I/O thread.
    template <class... Args>
    static void eval_async(const std::shared_ptr<redis_cache_state>& self,
                           net::command_executor& connection, const script& s,
                           std::string_view cache_operation, const net::call_options& o,
                           std::function<void(result<resp::reply>)> done, std::string key,
                           Args... args) {
        const auto start = steady::now();
        net::async_call(
            connection, o,
            [self, &s, cache_operation, o, done, key, args..., start](result<resp::reply> r) {
                auto first = self->finish(cache_operation, "EVALSHA", key, start, std::move(r));
                if (first || !is_noscript(first.error_value())) {
                    done(std::move(first));
                    return;
                }
                auto executor = self->executor.lock();
                if (!executor) return done(gone());
                // From the I/O thread: async_call waits only while the
                // request queue is full, and then no longer than the timeout.
                const auto again = steady::now();
                net::async_call(
                    *executor, o,
                    [self, cache_operation, key, done, again](result<resp::reply> retried) {
                        done(self->finish(cache_operation, "EVAL", key, again, std::move(retried)));
                    },
                    "EVAL", s.text, 1, key, args...);
            },
            "EVALSHA", s.sha, 1, key, args...);
    }
};

}  // namespace detail

std::optional<clock::time_point> stored_entry::absolute_expiration() const {
    const auto value = parse_ticks(absexp);
    if (!value) return std::nullopt;
    return from_dotnet_ticks(*value);
}

std::optional<ticks> stored_entry::sliding_expiration() const {
    const auto value = parse_ticks(sldexp);
    if (!value) return std::nullopt;
    return ticks(*value);
}

result<std::shared_ptr<redis_cache>> redis_cache::connect(const net::connection_options& connection,
                                                          redis_cache_options options) {
    auto opened = net::connect_executor(connection);
    if (!opened) return opened.error_value();
    if (opened->connection)
        return std::make_shared<redis_cache>(std::move(opened->connection), std::move(options));
    return std::make_shared<redis_cache>(std::move(opened->executor), std::move(options));
}

redis_cache::redis_cache(std::shared_ptr<net::multiplexer> connection, redis_cache_options options)
    : redis_cache(std::make_shared<net::multiplexer_executor>(connection), std::move(options)) {
    connection_ = std::move(connection);
}

redis_cache::redis_cache(std::shared_ptr<net::command_executor> executor,
                         redis_cache_options options)
    : executor_(std::move(executor)), state_(std::make_shared<detail::redis_cache_state>()) {
    assert(executor_);
    state_->prefix = std::move(options.instance_name);
    state_->observer = std::move(options.observer);
    state_->executor = executor_;
}

redis_cache::~redis_cache() = default;

const std::string& redis_cache::instance_name() const noexcept {
    return state_->prefix;
}

bool redis_cache::uses_scripts() const noexcept {
    return !state_->without_scripts.load(std::memory_order_relaxed);
}

distributed_cache::get_result redis_cache::do_get(std::string_view key) {
    result<resp::owned_reply> r = error{error_kind::closed, ""};
    if (!state_->without_scripts.load(std::memory_order_relaxed))
        r = state_->eval(*executor_, read_script(), "get", read_call(), state_->key(key),
                         now_in_ticks(), "1");
    if (!r && (state_->without_scripts.load(std::memory_order_relaxed) ||
               state_->gave_up_scripting(r.error_value())))
        r = state_->read_in_two_commands(*executor_, "get", state_->key(key), true);
    if (!r) return r.error_value();
    return state_->read_value(r->view());
}

result<void> redis_cache::do_refresh(std::string_view key) {
    result<resp::owned_reply> r = error{error_kind::closed, ""};
    if (!state_->without_scripts.load(std::memory_order_relaxed))
        r = state_->eval(*executor_, read_script(), "refresh", read_call(), state_->key(key),
                         now_in_ticks(), "0");
    if (!r && (state_->without_scripts.load(std::memory_order_relaxed) ||
               state_->gave_up_scripting(r.error_value())))
        r = state_->read_in_two_commands(*executor_, "refresh", state_->key(key), false);
    if (!r) return r.error_value();
    return {};
}

result<void> redis_cache::do_set(std::string_view key, std::string_view value,
                                 const entry_options& options) {
    const auto now = clock::now();
    auto resolved = resolve(options, now);
    if (!resolved) return resolved.error_value();
    const set_arguments a(*resolved, now);
    const std::string full = state_->key(key);
    result<resp::owned_reply> r = error{error_kind::closed, ""};
    if (!state_->without_scripts.load(std::memory_order_relaxed))
        r = state_->eval(*executor_, set_script(), "set", {}, full, a.absexp, a.sldexp, value,
                         a.ttl_ms);
    if (!r && (state_->without_scripts.load(std::memory_order_relaxed) ||
               state_->gave_up_scripting(r.error_value()))) {
        // Without scripts, MULTI/EXEC keeps the hash and its TTL atomic (and
        // the key tracked, as the script's last read does).
        const std::string_view hset[] = {"HSET",   full,     "absexp", a.absexp,
                                         "sldexp", a.sldexp, "data",   value};
        const std::string_view persist[] = {"PERSIST", full};
        const std::string_view pexpire[] = {"PEXPIRE", full, a.ttl_ms};
        const std::string_view exists[] = {"EXISTS", full};
        const net::command_view tx[] = {
            hset, a.ttl_ms == "-1" ? net::command_view(persist) : net::command_view(pexpire),
            exists};
        const auto start = steady::now();
        r = executor_->execute_transaction(tx, {});
        state_->record("set", "EXEC", full, start, r ? nullptr : &r.error_value());
    }
    if (!r) return r.error_value();
    return {};
}

result<void> redis_cache::do_remove(std::string_view key) {
    const auto start = steady::now();
    const std::string full = state_->key(key);
    auto r = net::call(*executor_, {}, "DEL", full);
    state_->record("remove", "DEL", full, start, r ? nullptr : &r.error_value());
    if (!r) return r.error_value();
    return {};
}

void redis_cache::do_async_get(std::string_view key, get_handler done) {
    auto finish = [state = state_, done = std::move(done)](result<resp::reply> r) {
        if (!r)
            done(r.error_value());
        else
            done(state->read_value(*r));
    };
    async_read(key, true, "get", std::move(finish));
}

void redis_cache::do_async_refresh(std::string_view key, done_handler done) {
    auto finish = [done = std::move(done)](result<resp::reply> r) {
        if (!r)
            done(r.error_value());
        else
            done({});
    };
    async_read(key, false, "refresh", std::move(finish));
}

void redis_cache::async_read(std::string_view key, bool with_data, std::string_view operation,
                             std::function<void(result<resp::reply>)> done) {
    if (state_->without_scripts.load(std::memory_order_relaxed)) {
        detail::redis_cache_state::async_read_in_two_commands(
            state_, *executor_, operation, state_->key(key), with_data, std::move(done));
        return;
    }
    // The script first; on a server without scripts, the two commands.
    auto or_two_commands = [state = state_, operation, full = state_->key(key), with_data,
                            done = std::move(done)](result<resp::reply> r) {
        if (r || !state->gave_up_scripting(r.error_value())) return done(std::move(r));
        auto executor = state->executor.lock();
        if (!executor) return done(gone());
        detail::redis_cache_state::async_read_in_two_commands(state, *executor, operation, full,
                                                              with_data, done);
    };
    detail::redis_cache_state::eval_async(state_, *executor_, read_script(), operation, read_call(),
                                          std::move(or_two_commands), state_->key(key),
                                          now_in_ticks(), std::string(with_data ? "1" : "0"));
}

void redis_cache::do_async_set(std::string_view key, std::string_view value,
                               const entry_options& options, done_handler done) {
    const auto now = clock::now();
    auto resolved = resolve(options, now);
    if (!resolved) {
        done(resolved.error_value());
        return;
    }
    set_arguments a(*resolved, now);
    if (state_->without_scripts.load(std::memory_order_relaxed)) {
        detail::redis_cache_state::async_set_in_two_commands(state_, *executor_, state_->key(key),
                                                             a.absexp, a.sldexp, value, a.ttl_ms,
                                                             std::move(done));
        return;
    }
    auto or_two_commands = [state = state_, full = state_->key(key), a, value = std::string(value),
                            done = std::move(done)](result<resp::reply> r) {
        if (r) return done({});
        if (!state->gave_up_scripting(r.error_value())) return done(r.error_value());
        auto executor = state->executor.lock();
        if (!executor) return done(gone());
        detail::redis_cache_state::async_set_in_two_commands(state, *executor, full, a.absexp,
                                                             a.sldexp, value, a.ttl_ms, done);
    };
    detail::redis_cache_state::eval_async(state_, *executor_, set_script(), "set", {},
                                          std::move(or_two_commands), state_->key(key), a.absexp,
                                          a.sldexp, std::string(value), a.ttl_ms);
}

void redis_cache::do_async_remove(std::string_view key, done_handler done) {
    const auto start = steady::now();
    std::string full = state_->key(key);
    net::async_call(
        *executor_, {},
        [state = state_, done = std::move(done), full, start](result<resp::reply> r) {
            auto outcome = state->finish("remove", "DEL", full, start, std::move(r));
            if (!outcome)
                done(outcome.error_value());
            else
                done({});
        },
        "DEL", full);
}

void redis_cache::async_get_entry(std::string_view key, entry_handler done) {
    auto finish = [state = state_, done = std::move(done)](result<resp::reply> r) {
        if (!r) return done(r.error_value());
        const resp::reply fields = *r;
        if (!is_nil(fields) && fields.kind() != resp::type::array)
            return done(unexpected("get", fields));
        if (is_nil(fields) || fields.size() < 3 || is_nil(fields[2])) {
            state->misses.fetch_add(1, std::memory_order_relaxed);
            return done(std::optional<fetched_entry>());
        }
        state->hits.fetch_add(1, std::memory_order_relaxed);
        stored_entry stored{text_of(fields[0]), text_of(fields[1]), std::nullopt, std::nullopt};
        fetched_entry e{std::string(fields[2].string()),
                        expiration{stored.absolute_expiration(), stored.sliding_expiration()}};
        done(std::optional<fetched_entry>(std::move(e)));
    };
    async_read(key, true, "get", std::move(finish));
}

result<std::optional<stored_entry>> redis_cache::inspect(std::string_view key) {
    const std::string full = state_->key(key);
    const std::string_view hmget[] = {"HMGET", full, "absexp", "sldexp", "data"};
    const std::string_view pttl_command[] = {"PTTL", full};
    const net::command_view batch[] = {hmget, pttl_command};
    const auto start = steady::now();
    auto replies = executor_->execute(batch, {});
    if (!replies) {
        state_->record("inspect", "HMGET", full, start, &replies.error_value());
        state_->record("inspect", "PTTL", full, start, &replies.error_value());
        return replies.error_value();
    }
    std::optional<error> failures[2];
    for (std::size_t i = 0; i < 2; ++i) {
        const resp::reply r = (*replies)[i].view();
        if (r.is_error()) failures[i] = error{error_kind::server_reply, std::string(r.string())};
    }
    state_->record("inspect", "HMGET", full, start, failures[0] ? &*failures[0] : nullptr);
    state_->record("inspect", "PTTL", full, start, failures[1] ? &*failures[1] : nullptr);
    for (const auto& f : failures)
        if (f) return *f;

    const resp::reply fields = (*replies)[0].view();
    const resp::reply pttl = (*replies)[1].view();
    if (fields.kind() != resp::type::array || fields.size() != 3)
        return unexpected("HMGET", fields);
    if (pttl.kind() != resp::type::integer) return unexpected("PTTL", pttl);
    if (pttl.integer() == -2) return std::optional<stored_entry>();
    stored_entry e;
    e.absexp = text_of(fields[0]);
    e.sldexp = text_of(fields[1]);
    e.data = text_of(fields[2]);
    if (pttl.integer() >= 0) e.ttl = std::chrono::milliseconds(pttl.integer());
    return std::optional<stored_entry>(std::move(e));
}

metrics_snapshot redis_cache::metrics() const {
    metrics_snapshot m;
    m.hits = state_->hits.load(std::memory_order_relaxed);
    m.misses = state_->misses.load(std::memory_order_relaxed);
    m.commands = state_->commands.load(std::memory_order_relaxed);
    m.errors = state_->errors.load(std::memory_order_relaxed);
    m.latency = state_->latency.snapshot();
    const auto connection = executor_->connection_counters();
    m.bytes_written = connection.bytes_written;
    m.bytes_read = connection.bytes_read;
    m.reconnects = connection.reconnects;
    return m;
}

}  // namespace respcache::cache
