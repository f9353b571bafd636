#include <string>

#include "respcache/resp/error.hpp"
#include "respcache/resp/parse_error.hpp"
#include "respcache/resp/type.hpp"

namespace respcache {

std::string_view to_string(error_kind kind) noexcept {
    switch (kind) {
        case error_kind::protocol:
            return "protocol";
        case error_kind::limit:
            return "limit";
        case error_kind::io:
            return "io";
        case error_kind::timeout:
            return "timeout";
        case error_kind::server_reply:
            return "server_reply";
        case error_kind::auth:
            return "auth";
        case error_kind::config:
            return "config";
        case error_kind::closed:
            return "closed";
    }
    return "unknown";
}

std::string to_string(const error& e) {
    std::string text(to_string(e.kind));
    text += " error: ";
    text += e.message;
    return text;
}

namespace resp {

std::string_view to_string(type t) noexcept {
    switch (t) {
        case type::simple_string:
            return "simple_string";
        case type::simple_error:
            return "simple_error";
        case type::integer:
            return "integer";
        case type::blob_string:
            return "blob_string";
        case type::null:
            return "null";
        case type::double_number:
            return "double";
        case type::boolean:
            return "boolean";
        case type::blob_error:
            return "blob_error";
        case type::verbatim_string:
            return "verbatim_string";
        case type::big_number:
            return "big_number";
        case type::array:
            return "array";
        case type::map:
            return "map";
        case type::set:
            return "set";
        case type::push:
            return "push";
        case type::attribute:
            return "attribute";
    }
    return "unknown";
}

std::string_view to_string(parse_errc code) noexcept {
    switch (code) {
        case parse_errc::none:
            return "no error";
        case parse_errc::invalid_type_byte:
            return "invalid type byte";
        case parse_errc::missing_line_feed:
            return "CR not followed by LF";
        case parse_errc::invalid_integer:
            return "invalid integer";
        case parse_errc::integer_overflow:
            return "integer out of 64-bit range";
        case parse_errc::invalid_length:
            return "invalid length";
        case parse_errc::invalid_double:
            return "invalid double";
        case parse_errc::invalid_boolean:
            return "invalid boolean";
        case parse_errc::invalid_big_number:
            return "invalid big number";
        case parse_errc::invalid_verbatim:
            return "verbatim string without a format prefix";
        case parse_errc::invalid_null:
            return "null with content";
        case parse_errc::missing_bulk_crlf:
            return "blob not terminated by CRLF";
        case parse_errc::invalid_chunk:
            return "invalid streamed string chunk";
        case parse_errc::unexpected_end_marker:
            return "unexpected end marker";
        case parse_errc::attribute_without_value:
            return "attribute not followed by a value";
        case parse_errc::depth_exceeded:
            return "nesting deeper than max depth";
        case parse_errc::bulk_too_long:
            return "blob longer than max bulk length";
        case parse_errc::too_many_elements:
            return "aggregate larger than max elements";
        case parse_errc::line_too_long:
            return "line longer than max line length";
        case parse_errc::too_many_nodes:
            return "reply with more values than max nodes";
    }
    return "unknown parse error";
}

error to_error(const parse_error& e) {
    std::string message(to_string(e.code));
    message += " at byte ";
    message += std::to_string(e.offset);
    return error{is_limit(e.code) ? error_kind::limit : error_kind::protocol, std::move(message)};
}

}  // namespace resp
}  // namespace respcache
