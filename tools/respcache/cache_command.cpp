#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "connection_source.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "subcommands.hpp"
#include "time_text.hpp"

namespace respcache::tools {

namespace {

constexpr std::string_view cache_usage =
    "usage: respcache cache get|set|refresh|remove|inspect KEY [VALUE] [options]\n"
    "  --absolute TIME        set: expire at TIME (RFC 3339, e.g. 2030-01-01T00:00:00Z)\n"
    "  --expires-in DURATION  set: expire DURATION after now (500ms, 30s, 5m, 1h, 2d)\n"
    "  --sliding DURATION     set: expire when not read for DURATION\n"
    "  --instance PREFIX      key prefix shared with .NET's RedisCache InstanceName\n"
    "  --connection STR       connection string (default: $ConnectionStrings__cache)\n"
    "get writes the data to standard output; a missing key prints nothing there,\n"
    "says so on standard error and exits 1. set without VALUE reads standard input.\n";

struct cache_arguments {
    std::string_view verb;
    std::optional<std::string_view> key;
    std::optional<std::string_view> value;
    std::optional<std::string_view> connection;
    std::string instance;
    cache::entry_options expiry;
    bool has_expiry = false;
};

std::optional<std::string> parse(std::span<const std::string_view> args, cache_arguments& a) {
    std::vector<std::string_view> positional;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (!arg.starts_with("--") || arg == "--") {
            if (arg == "--" && i + 1 < args.size()) {
                for (++i; i < args.size(); ++i) positional.push_back(args[i]);
                break;
            }
            positional.push_back(arg);
            continue;
        }
        if (i + 1 >= args.size()) return "option " + std::string(arg) + " needs a value";
        const std::string_view value = args[++i];
        if (arg == "--connection") {
            a.connection = value;
        } else if (arg == "--instance") {
            a.instance = value;
        } else if (arg == "--absolute") {
            const auto at = parse_rfc3339(value);
            if (!at) return "bad --absolute '" + std::string(value) + "' (want RFC 3339)";
            a.expiry.absolute_expiration = *at;
            a.has_expiry = true;
        } else if (arg == "--expires-in" || arg == "--sliding") {
            const auto d = parse_duration(value);
            if (!d)
                return "bad " + std::string(arg) + " '" + std::string(value) +
                       "' (want 500ms, 30s, 5m, 1h, 2d)";
            if (arg == "--sliding")
                a.expiry.sliding_expiration = *d;
            else
                a.expiry.absolute_expiration_relative_to_now = *d;
            a.has_expiry = true;
        } else {
            return "unknown option '" + std::string(arg) + "'";
        }
    }
    if (positional.empty()) return "missing the operation";
    a.verb = positional[0];
    if (a.verb != "get" && a.verb != "set" && a.verb != "refresh" && a.verb != "remove" &&
        a.verb != "inspect")
        return "unknown operation '" + std::string(a.verb) + "'";
    if (positional.size() < 2) return "missing KEY";
    a.key = positional[1];
    const std::size_t most = a.verb == "set" ? 3 : 2;
    if (positional.size() > most) return "too many arguments";
    if (positional.size() == 3) a.value = positional[2];
    if (a.has_expiry && a.verb != "set") return "expiration options only apply to set";
    return std::nullopt;
}

std::string read_stdin() {
    std::string data;
    char buffer[64 * 1024];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) data.append(buffer, n);
    return data;
}

int not_found(std::string_view key) {
    std::fprintf(stderr, "respcache cache: '%.*s' not found\n", static_cast<int>(key.size()),
                 key.data());
    return 1;
}

int inspect(cache::redis_cache& c, std::string_view key) {
    auto stored = c.inspect(key);
    if (!stored) return report_error("cache", stored.error_value());
    if (!*stored) return not_found(key);
    const cache::stored_entry& e = **stored;
    std::string out;
    out += "key     " + c.instance_name() + std::string(key) + "\n";
    out += "absexp  " + e.absexp.value_or("(absent)");
    if (auto at = e.absolute_expiration()) out += "  (" + format_rfc3339(*at) + ")";
    out += "\nsldexp  " + e.sldexp.value_or("(absent)");
    if (auto window = e.sliding_expiration())
        out += "  (" +
               format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(*window)) +
               ")";
    out += "\ndata    ";
    out += e.data ? std::to_string(e.data->size()) + " bytes" : std::string("(absent)");
    out += "\nttl     ";
    out += e.ttl ? std::to_string(e.ttl->count()) + " ms" : std::string("none (never expires)");
    out += "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

}  // namespace

int run_cache(std::span<const std::string_view> args) {
    for (const auto a : args) {
        if (a == "--help" || a == "-h") {
            std::fputs(cache_usage.data(), stdout);
            return 0;
        }
    }
    cache_arguments a;
    if (auto problem = parse(args, a)) {
        std::fprintf(stderr, "respcache cache: %s\n\n%s", problem->c_str(), cache_usage.data());
        return exit_usage;
    }
    auto options = connection_from(a.connection);
    if (!options) return report_error("cache", options.error_value());
    auto opened = cache::redis_cache::connect(*options, {a.instance, nullptr});
    if (!opened) return report_error("cache", opened.error_value());
    cache::redis_cache& c = **opened;
    const std::string_view key = *a.key;

    if (a.verb == "get") {
        auto got = c.get(key);
        if (!got) return report_error("cache", got.error_value());
        if (!*got) return not_found(key);
        std::fwrite((*got)->data(), 1, (*got)->size(), stdout);
        return 0;
    }
    if (a.verb == "set") {
        const std::string value = a.value ? std::string(*a.value) : read_stdin();
        auto done = c.set(key, value, a.expiry);
        return done ? 0 : report_error("cache", done.error_value());
    }
    if (a.verb == "refresh") {
        auto done = c.refresh(key);
        return done ? 0 : report_error("cache", done.error_value());
    }
    if (a.verb == "remove") {
        auto done = c.remove(key);
        return done ? 0 : report_error("cache", done.error_value());
    }
    return inspect(c, key);
}

}  // namespace respcache::tools
