#include "connection_source.hpp"

#include <cstdlib>

#include "respcache/net/connection_string.hpp"

namespace respcache::tools {

result<net::connection_options> connection_from(std::optional<std::string_view> flag,
                                                std::string_view name) {
    if (flag) return net::parse_connection_string(*flag);
    const std::string variable = "ConnectionStrings__" + std::string(name);
    if (const char* value = std::getenv(variable.c_str()))
        return net::parse_connection_string(value);
    return error{error_kind::config, "no connection string: pass --connection or set " + variable};
}

}  // namespace respcache::tools
