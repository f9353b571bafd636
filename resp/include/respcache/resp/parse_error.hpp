#pragma once

#include <cstdint>
#include <string_view>

#include "respcache/resp/error.hpp"

namespace respcache::resp {

// Why a byte stream is not acceptable RESP. Each code is one test-visible
// condition, so callers and tests can tell them apart without parsing text.
enum class parse_errc : std::uint8_t {
    none,
    invalid_type_byte,        // first byte of a value is not a RESP type
    missing_line_feed,        // CR not followed by LF
    invalid_integer,          // not an optional sign followed by digits
    integer_overflow,         // outside the signed 64-bit range
    invalid_length,           // length header is not -1, ? (where allowed) or digits
    invalid_double,           // not a decimal, exponent, inf or nan form
    invalid_boolean,          // neither t nor f
    invalid_big_number,       // not an optional sign followed by digits
    invalid_verbatim,         // no "xxx:" format prefix
    invalid_null,             // "_" followed by anything but CRLF
    missing_bulk_crlf,        // blob not followed by CRLF
    invalid_chunk,            // streamed string chunk header is not ;<digits>
    unexpected_end_marker,    // "." outside a streamed aggregate, or mid-pair
    attribute_without_value,  // attribute followed by another attribute or an end
    depth_exceeded,           // limit: max_depth
    bulk_too_long,            // limit: max_bulk_length
    too_many_elements,        // limit: max_elements
    line_too_long,            // limit: max_line_length
    too_many_nodes,           // limit: max_nodes
};

std::string_view to_string(parse_errc code) noexcept;

constexpr bool is_limit(parse_errc code) noexcept {
    return code == parse_errc::depth_exceeded || code == parse_errc::bulk_too_long ||
           code == parse_errc::too_many_elements || code == parse_errc::line_too_long ||
           code == parse_errc::too_many_nodes;
}

// A parse failure: what, and the stream offset of the offending byte.
struct parse_error {
    parse_errc code = parse_errc::none;
    std::uint64_t offset = 0;

    friend bool operator==(const parse_error&, const parse_error&) = default;
};

// The library-wide error for a parse failure (kind protocol or limit).
error to_error(const parse_error& e);

}  // namespace respcache::resp
