#pragma once

#include <cstdint>
#include <string_view>

namespace respcache::resp {

// Every RESP2/RESP3 value type, named after the RESP3 specification.
enum class type : std::uint8_t {
    simple_string,    // +
    simple_error,     // -
    integer,          // :
    blob_string,      // $  (also streamed $? strings, joined)
    null,             // _  and RESP2 $-1 / *-1
    double_number,    // ,
    boolean,          // #
    blob_error,       // !
    verbatim_string,  // =
    big_number,       // (
    array,            // *
    map,              // %
    set,              // ~
    push,             // >
    attribute,        // |
};

std::string_view to_string(type t) noexcept;

constexpr bool is_aggregate(type t) noexcept {
    return t == type::array || t == type::map || t == type::set || t == type::push ||
           t == type::attribute;
}

constexpr bool is_error(type t) noexcept {
    return t == type::simple_error || t == type::blob_error;
}

}  // namespace respcache::resp
