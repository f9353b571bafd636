#include "aspire_settings.hpp"

#include <algorithm>
#include <cctype>

namespace respcache::cache::detail {

namespace {

std::optional<bool> parse_boolean(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (text == "true") return true;
    if (text == "false") return false;
    return std::nullopt;
}

// One section: <prefix>ConnectionString, <prefix>DisableHealthChecks, <prefix>DisableTracing.
result<void> read_section(const std::string& prefix, const environment_lookup& environment,
                          redis_cache_settings& s) {
    if (auto value = environment(prefix + "ConnectionString")) s.connection_string = *value;
    for (const auto& [key, target] : {std::pair{"DisableHealthChecks", &s.disable_health_checks},
                                      std::pair{"DisableTracing", &s.disable_tracing}}) {
        const std::string variable = prefix + key;
        const auto value = environment(variable);
        if (!value) continue;
        const auto parsed = parse_boolean(*value);
        if (!parsed)
            return error{error_kind::config,
                         variable + " must be true or false, not \"" + *value + "\""};
        *target = *parsed;
    }
    return {};
}

}  // namespace

result<void> read_aspire_settings(std::string_view name, const environment_lookup& environment,
                                  redis_cache_settings& s) {
    const std::string general = "Aspire__StackExchange__Redis__";
    if (auto r = read_section(general, environment, s); !r) return r;
    if (auto r = read_section(general + std::string(name) + "__", environment, s); !r) return r;
    if (auto value = environment("ConnectionStrings__" + std::string(name)))
        s.connection_string = *value;
    return {};
}

}  // namespace respcache::cache::detail
