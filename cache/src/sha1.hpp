#pragma once

#include <string>
#include <string_view>

namespace respcache::cache::detail {

// Lowercase hex SHA-1 of `bytes`: the name EVALSHA knows a script by.
std::string sha1_hex(std::string_view bytes);

}  // namespace respcache::cache::detail
