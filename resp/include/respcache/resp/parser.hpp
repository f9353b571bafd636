#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "respcache/resp/limits.hpp"
#include "respcache/resp/parse_error.hpp"
#include "respcache/resp/type.hpp"

namespace respcache::resp {

// What parser::parse did with the bytes it was given.
enum class parse_status : std::uint8_t {
    need_more,       // every complete token was consumed; append bytes and call again
    reply_complete,  // one whole top-level reply ended; call again for the next
    failed,          // the stream is not RESP; see parser::error()
};

struct parse_step {
    parse_status status;
    std::size_t consumed;  // bytes of the input that are done with
};

// A sans-I/O, non-recursive, resumable RESP2/RESP3 parser.
//
// The caller owns the bytes. Each call parses from the first byte the
// previous call did not consume; a token (a line, or a whole blob with its
// CRLF) is consumed only once it is complete, so the caller keeps the
// unconsumed tail and appends to it. Strings reach the visitor as views into
// the caller's input, valid as long as the caller keeps those bytes.
//
// The visitor receives these calls (no virtual dispatch; it is a template):
//   on_simple_string(std::string_view)       on_simple_error(std::string_view)
//   on_blob_string(std::string_view)         on_blob_error(std::string_view)
//   on_verbatim_string(std::string_view format, std::string_view text)
//   on_big_number(std::string_view digits)   on_integer(std::int64_t)
//   on_double(double)   on_boolean(bool)     on_null()
//   on_aggregate_begin(type kind, std::int64_t declared)  // pairs for maps, -1 when streamed
//   on_aggregate_end()
//   on_streamed_string_begin()   on_streamed_string_chunk(std::string_view)
//   on_streamed_string_end()
// An attribute is an aggregate of kind `type::attribute` that precedes the
// value it annotates and is not counted as an element of its parent.
class parser {
  public:
    explicit parser(const limits& bounds = {}) : limits_(bounds) {}

    template <class Visitor>
    parse_step parse(std::string_view input, Visitor& visitor);

    // True between replies: nothing of a reply has been consumed yet.
    bool idle() const noexcept {
        return stack_.empty() && state_ == state::value && !pending_attribute_;
    }
    // Bytes consumed since construction or reset(): the stream offset.
    std::uint64_t offset() const noexcept { return offset_; }
    const parse_error& error() const noexcept { return error_; }
    const resp::limits& bounds() const noexcept { return limits_; }

    // Forgets any reply in progress and any error; keeps the limits.
    void reset() noexcept;

    // Accounts for `bytes` of whole replies the caller parsed by itself while
    // the parser was idle (resp::reader's fast path), so offsets stay right.
    void skip_whole_replies(std::size_t bytes) noexcept { offset_ += bytes; }

  private:
    enum class state : std::uint8_t { value, bulk_body, chunk_header, failed };
    enum class bulk_kind : std::uint8_t { blob, blob_error, verbatim, chunk };
    enum class flow : std::uint8_t { next, reply_done, failed };

    struct frame {
        type kind;
        bool streamed;
        std::uint64_t expected;  // elements, 2 per pair; unused when streamed
        std::uint64_t received;
    };

    struct line {
        std::string_view content;
        const char* next;  // first byte after CRLF
    };
    enum class line_status : std::uint8_t { ok, need_more, failed };

    line_status read_line(const char* p, const char* end, line& out);
    bool fail(parse_errc code, const char* at);
    bool parse_integer(std::string_view text, std::int64_t& out);
    bool parse_length(std::string_view text, bool allow_null, bool allow_streamed,
                      std::int64_t& out);
    bool parse_double(std::string_view text, double& out);
    bool check_big_number(std::string_view text);

    template <class Visitor>
    flow on_value_line(char type_byte, const line& ln, Visitor& visitor);
    template <class Visitor>
    flow begin_aggregate(type kind, std::int64_t declared, Visitor& visitor);
    template <class Visitor>
    flow end_streamed_aggregate(const char* marker, Visitor& visitor);
    template <class Visitor>
    flow complete_value(Visitor& visitor);
    template <class Visitor>
    flow on_bulk_body(std::string_view body, Visitor& visitor);

    limits limits_;
    std::vector<frame> stack_;
    state state_ = state::value;
    bulk_kind bulk_kind_ = bulk_kind::blob;
    bool pending_attribute_ = false;
    std::uint64_t bulk_remaining_ = 0;
    std::uint64_t streamed_total_ = 0;
    std::uint64_t offset_ = 0;
    std::uint64_t reply_values_ = 0;     // values of the reply in progress, for max_nodes
    const char* input_begin_ = nullptr;  // for error offsets during one call
    parse_error error_;
};

// ---------------------------------------------------------------------------
// Implementation: kept in the header so the visitor calls inline.

namespace detail {
// 1 for every byte that may start a value.
inline constexpr bool is_type_byte(unsigned char c) noexcept {
    switch (c) {
        case '+':
        case '-':
        case ':':
        case '$':
        case '*':
        case '_':
        case ',':
        case '#':
        case '!':
        case '=':
        case '(':
        case '%':
        case '~':
        case '>':
        case '|':
        case '.':
            return true;
        default:
            return false;
    }
}

// Reads a RESP3 double ("1.5", "-2e10", "inf", "nan") from the start of
// [first, last), which the caller guarantees is followed by a byte that
// cannot continue a number (the line's CR). Returns where the number ends:
// `first` when none starts there. Out-of-range values become the nearest
// representable one (infinity or zero), as RESP says. In decimal_double.cpp.
const char* parse_decimal_double(const char* first, const char* last, double& out) noexcept;

}  // namespace detail

inline void parser::reset() noexcept {
    stack_.clear();
    state_ = state::value;
    bulk_kind_ = bulk_kind::blob;
    pending_attribute_ = false;
    bulk_remaining_ = 0;
    streamed_total_ = 0;
    offset_ = 0;
    reply_values_ = 0;
    error_ = {};
}

inline bool parser::fail(parse_errc code, const char* at) {
    error_ = {code, offset_ + static_cast<std::uint64_t>(at - input_begin_)};
    state_ = state::failed;
    return false;
}

inline parser::line_status parser::read_line(const char* p, const char* end, line& out) {
    const char* content = p + 1;
    const std::size_t available = static_cast<std::size_t>(end - content);
    const std::size_t window =
        available < limits_.max_line_length + 1 ? available : limits_.max_line_length + 1;
    const void* cr = window ? std::memchr(content, '\r', window) : nullptr;
    if (cr == nullptr) {
        if (available > limits_.max_line_length) {
            fail(parse_errc::line_too_long, content + limits_.max_line_length);
            return line_status::failed;
        }
        return line_status::need_more;
    }
    const char* cr_at = static_cast<const char*>(cr);
    if (cr_at + 1 == end) return line_status::need_more;
    if (cr_at[1] != '\n') {
        fail(parse_errc::missing_line_feed, cr_at + 1);
        return line_status::failed;
    }
    out.content = std::string_view(content, static_cast<std::size_t>(cr_at - content));
    out.next = cr_at + 2;
    return line_status::ok;
}

inline bool parser::parse_integer(std::string_view text, std::int64_t& out) {
    std::size_t i = 0;
    bool negative = false;
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
        negative = text[0] == '-';
        i = 1;
    }
    if (i == text.size()) return fail(parse_errc::invalid_integer, text.data() + i);
    // Accumulate in the negative range, which is one larger than the positive.
    std::int64_t value = 0;
    constexpr std::int64_t min = INT64_MIN;
    for (; i < text.size(); ++i) {
        const unsigned digit = static_cast<unsigned char>(text[i]) - unsigned{'0'};
        if (digit > 9) return fail(parse_errc::invalid_integer, text.data() + i);
        if (value < (min + static_cast<std::int64_t>(digit)) / 10)
            return fail(parse_errc::integer_overflow, text.data() + i);
        value = value * 10 - static_cast<std::int64_t>(digit);
    }
    if (!negative) {
        if (value == min) return fail(parse_errc::integer_overflow, text.data() + text.size() - 1);
        value = -value;
    }
    out = value;
    return true;
}

inline bool parser::parse_length(std::string_view text, bool allow_null, bool allow_streamed,
                                 std::int64_t& out) {
    if (text.size() == 2 && text[0] == '-' && text[1] == '1' && allow_null) {
        out = -1;
        return true;
    }
    if (text.size() == 1 && text[0] == '?' && allow_streamed) {
        out = -2;
        return true;
    }
    if (text.empty()) return fail(parse_errc::invalid_length, text.data());
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const unsigned digit = static_cast<unsigned char>(text[i]) - unsigned{'0'};
        if (digit > 9) return fail(parse_errc::invalid_length, text.data() + i);
        // Any length beyond 2^62 is already over every limit; stop growing
        // before value * 10 can wrap around.
        if (value > (std::uint64_t{1} << 62) / 10) {
            value = (std::uint64_t{1} << 62) + 1;
            continue;
        }
        value = value * 10 + digit;
    }
    out =
        value > (std::uint64_t{1} << 62) ? std::int64_t{1} << 62 : static_cast<std::int64_t>(value);
    return true;
}

inline bool parser::parse_double(std::string_view text, double& out) {
    const char* first = text.data();
    const char* last = first + text.size();
    // "-" is the sign RESP3 shows, but older servers and hand-written peers also send "+".
    if (first != last && *first == '+' && last - first > 1 && first[1] != '-') ++first;
    if (first == last) return fail(parse_errc::invalid_double, text.data());
    const char* const end = detail::parse_decimal_double(first, last, out);
    if (end == first) return fail(parse_errc::invalid_double, first);
    if (end != last) return fail(parse_errc::invalid_double, end);
    return true;
}

inline bool parser::check_big_number(std::string_view text) {
    std::size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
    if (i == text.size()) return fail(parse_errc::invalid_big_number, text.data() + i);
    for (; i < text.size(); ++i) {
        if (static_cast<unsigned char>(text[i]) - unsigned{'0'} > 9)
            return fail(parse_errc::invalid_big_number, text.data() + i);
    }
    return true;
}

template <class Visitor>
parse_step parser::parse(std::string_view input, Visitor& visitor) {
    const char* const begin = input.data();
    const char* const end = begin + input.size();
    const char* p = begin;
    input_begin_ = begin;

    const auto stop = [&](parse_status status) {
        const auto consumed = static_cast<std::size_t>(p - begin);
        offset_ += consumed;
        return parse_step{status, consumed};
    };

    for (;;) {
        switch (state_) {
            case state::failed:
                return parse_step{parse_status::failed, 0};

            case state::value: {
                if (p == end) return stop(parse_status::need_more);
                const auto type_byte = static_cast<unsigned char>(*p);
                if (!detail::is_type_byte(type_byte)) {
                    fail(parse_errc::invalid_type_byte, p);
                    return stop(parse_status::failed);
                }
                if (!stack_.empty() && stack_.back().streamed && type_byte != '.' &&
                    stack_.back().received >= limits_.max_elements) {
                    fail(parse_errc::too_many_elements, p);
                    return stop(parse_status::failed);
                }
                // Counted when it starts; uncounted below if its line is not all here yet.
                if (type_byte != '.' && ++reply_values_ > limits_.max_nodes) {
                    fail(parse_errc::too_many_nodes, p);
                    return stop(parse_status::failed);
                }
                // Fast path: a whole, well-formed integer, blob or aggregate
                // header with at most 18 digits. Anything else falls through
                // to the general path, which treats these inputs the same way.
                if (type_byte == '+') {
                    // A short simple string ("+OK", "+QUEUED", "+PONG").
                    const char* const text = p + 1;
                    const char* const limit = end - text > 32 ? text + 32 : end;
                    const char* q = text;
                    while (q != limit && *q != '\r') ++q;
                    if (q != limit && end - q >= 2 && q[1] == '\n' &&
                        static_cast<std::size_t>(q - text) <= limits_.max_line_length) {
                        visitor.on_simple_string(
                            std::string_view(text, static_cast<std::size_t>(q - text)));
                        p = q + 2;
                        const flow f = complete_value(visitor);
                        if (f == flow::reply_done) return stop(parse_status::reply_complete);
                        break;
                    }
                } else if (type_byte == '$' || type_byte == ':' || type_byte == '*') {
                    const char* q = p + 1;
                    bool negative = false;
                    if (type_byte == ':' && q != end && (*q == '-' || *q == '+')) {
                        negative = *q == '-';
                        ++q;
                    }
                    const char* const digits = q;
                    const char* const digits_limit = end - q > 18 ? q + 18 : end;
                    std::uint64_t value = 0;
                    while (q != digits_limit && static_cast<unsigned char>(*q - '0') <= 9) {
                        value = value * 10 + static_cast<unsigned>(*q - '0');
                        ++q;
                    }
                    if (q != digits && end - q >= 2 && q[0] == '\r' && q[1] == '\n' &&
                        static_cast<std::size_t>(q - p - 1) <= limits_.max_line_length) {
                        const char* const after = q + 2;
                        flow f = flow::failed;
                        if (type_byte == ':') {
                            const auto v = static_cast<std::int64_t>(value);
                            visitor.on_integer(negative ? -v : v);
                            p = after;
                            f = complete_value(visitor);
                        } else if (type_byte == '$') {
                            if (value <= limits_.max_bulk_length &&
                                static_cast<std::uint64_t>(end - after) >= value + 2 &&
                                after[value] == '\r' && after[value + 1] == '\n') {
                                visitor.on_blob_string(
                                    std::string_view(after, static_cast<std::size_t>(value)));
                                p = after + value + 2;
                                f = complete_value(visitor);
                            }
                        } else if (stack_.size() < limits_.max_depth &&
                                   value <= limits_.max_elements) {
                            p = after;
                            f = begin_aggregate(type::array, static_cast<std::int64_t>(value),
                                                visitor);
                        }
                        if (f == flow::reply_done) return stop(parse_status::reply_complete);
                        if (f == flow::next) break;
                    }
                }
                line ln;
                const line_status ls = read_line(p, end, ln);
                if (ls == line_status::need_more) {
                    if (type_byte != '.') --reply_values_;
                    return stop(parse_status::need_more);
                }
                if (ls == line_status::failed) return stop(parse_status::failed);
                const flow f = on_value_line(static_cast<char>(type_byte), ln, visitor);
                if (f == flow::failed) return stop(parse_status::failed);
                p = ln.next;
                if (f == flow::reply_done) return stop(parse_status::reply_complete);
                break;
            }

            case state::bulk_body: {
                const auto available = static_cast<std::uint64_t>(end - p);
                if (available < bulk_remaining_ + 2) return stop(parse_status::need_more);
                const auto n = static_cast<std::size_t>(bulk_remaining_);
                if (p[n] != '\r') {
                    fail(parse_errc::missing_bulk_crlf, p + n);
                    return stop(parse_status::failed);
                }
                if (p[n + 1] != '\n') {
                    fail(parse_errc::missing_bulk_crlf, p + n + 1);
                    return stop(parse_status::failed);
                }
                const flow f = on_bulk_body(std::string_view(p, n), visitor);
                if (f == flow::failed) return stop(parse_status::failed);
                p += n + 2;
                if (f == flow::reply_done) return stop(parse_status::reply_complete);
                break;
            }

            case state::chunk_header: {
                if (p == end) return stop(parse_status::need_more);
                if (*p != ';') {
                    fail(parse_errc::invalid_chunk, p);
                    return stop(parse_status::failed);
                }
                line ln;
                const line_status ls = read_line(p, end, ln);
                if (ls == line_status::need_more) return stop(parse_status::need_more);
                if (ls == line_status::failed) return stop(parse_status::failed);
                std::int64_t length = 0;
                if (!parse_length(ln.content, false, false, length)) {
                    error_.code = parse_errc::invalid_chunk;
                    return stop(parse_status::failed);
                }
                p = ln.next;
                if (length == 0) {
                    visitor.on_streamed_string_end();
                    state_ = state::value;
                    const flow f = complete_value(visitor);
                    if (f == flow::failed) return stop(parse_status::failed);
                    if (f == flow::reply_done) return stop(parse_status::reply_complete);
                    break;
                }
                const auto n = static_cast<std::uint64_t>(length);
                if (n > limits_.max_bulk_length - streamed_total_) {
                    fail(parse_errc::bulk_too_long, ln.content.data());
                    return stop(parse_status::failed);
                }
                streamed_total_ += n;
                bulk_remaining_ = n;
                bulk_kind_ = bulk_kind::chunk;
                state_ = state::bulk_body;
                break;
            }
        }
    }
}

template <class Visitor>
parser::flow parser::on_value_line(char type_byte, const line& ln, Visitor& visitor) {
    const std::string_view text = ln.content;
    if (pending_attribute_ && (type_byte == '|' || type_byte == '.')) {
        fail(parse_errc::attribute_without_value, text.data() - 1);
        return flow::failed;
    }
    switch (type_byte) {
        case '+':
            visitor.on_simple_string(text);
            return complete_value(visitor);
        case '-':
            visitor.on_simple_error(text);
            return complete_value(visitor);
        case ':': {
            std::int64_t value = 0;
            if (!parse_integer(text, value)) return flow::failed;
            visitor.on_integer(value);
            return complete_value(visitor);
        }
        case '_':
            if (!text.empty()) {
                fail(parse_errc::invalid_null, text.data());
                return flow::failed;
            }
            visitor.on_null();
            return complete_value(visitor);
        case ',': {
            double value = 0;
            if (!parse_double(text, value)) return flow::failed;
            visitor.on_double(value);
            return complete_value(visitor);
        }
        case '#':
            if (text.size() != 1 || (text[0] != 't' && text[0] != 'f')) {
                fail(parse_errc::invalid_boolean, text.data());
                return flow::failed;
            }
            visitor.on_boolean(text[0] == 't');
            return complete_value(visitor);
        case '(':
            if (!check_big_number(text)) return flow::failed;
            visitor.on_big_number(text);
            return complete_value(visitor);
        case '$':
        case '!':
        case '=': {
            std::int64_t length = 0;
            if (!parse_length(text, type_byte == '$', type_byte == '$', length))
                return flow::failed;
            if (length == -1) {
                visitor.on_null();
                return complete_value(visitor);
            }
            if (length == -2) {
                streamed_total_ = 0;
                visitor.on_streamed_string_begin();
                state_ = state::chunk_header;
                return flow::next;
            }
            if (static_cast<std::uint64_t>(length) > limits_.max_bulk_length) {
                fail(parse_errc::bulk_too_long, text.data());
                return flow::failed;
            }
            bulk_remaining_ = static_cast<std::uint64_t>(length);
            bulk_kind_ = type_byte == '$'   ? bulk_kind::blob
                         : type_byte == '!' ? bulk_kind::blob_error
                                            : bulk_kind::verbatim;
            state_ = state::bulk_body;
            return flow::next;
        }
        case '*':
        case '%':
        case '~':
        case '>':
        case '|': {
            const type kind = type_byte == '*'   ? type::array
                              : type_byte == '%' ? type::map
                              : type_byte == '~' ? type::set
                              : type_byte == '>' ? type::push
                                                 : type::attribute;
            const bool streamable = kind == type::array || kind == type::map || kind == type::set;
            std::int64_t declared = 0;
            if (!parse_length(text, kind == type::array, streamable, declared)) return flow::failed;
            if (declared == -1) {
                visitor.on_null();
                return complete_value(visitor);
            }
            if (stack_.size() >= limits_.max_depth) {
                fail(parse_errc::depth_exceeded, text.data() - 1);
                return flow::failed;
            }
            const bool pairs = kind == type::map || kind == type::attribute;
            if (declared >= 0) {
                const auto n = static_cast<std::uint64_t>(declared);
                if (n > limits_.max_elements || (pairs && n > limits_.max_elements / 2)) {
                    fail(parse_errc::too_many_elements, text.data());
                    return flow::failed;
                }
            }
            return begin_aggregate(kind, declared, visitor);
        }
        case '.':
            if (!text.empty()) {
                fail(parse_errc::unexpected_end_marker, text.data());
                return flow::failed;
            }
            return end_streamed_aggregate(text.data() - 1, visitor);
        default:
            fail(parse_errc::invalid_type_byte, text.data() - 1);
            return flow::failed;
    }
}

template <class Visitor>
parser::flow parser::begin_aggregate(type kind, std::int64_t declared, Visitor& visitor) {
    const bool pairs = kind == type::map || kind == type::attribute;
    // An attribute annotates the value after it; anything else is that value.
    if (kind != type::attribute) pending_attribute_ = false;
    const bool streamed = declared == -2;
    visitor.on_aggregate_begin(kind, streamed ? -1 : declared);
    const std::uint64_t expected =
        streamed ? 0 : static_cast<std::uint64_t>(declared) * (pairs ? 2 : 1);
    if (!streamed && expected == 0) {
        visitor.on_aggregate_end();
        if (kind == type::attribute) {
            pending_attribute_ = true;
            return flow::next;
        }
        return complete_value(visitor);
    }
    stack_.push_back(frame{kind, streamed, expected, 0});
    return flow::next;
}

template <class Visitor>
parser::flow parser::end_streamed_aggregate(const char* marker, Visitor& visitor) {
    if (stack_.empty() || !stack_.back().streamed ||
        (stack_.back().kind == type::map && stack_.back().received % 2 != 0)) {
        fail(parse_errc::unexpected_end_marker, marker);
        return flow::failed;
    }
    stack_.pop_back();
    visitor.on_aggregate_end();
    return complete_value(visitor);
}

template <class Visitor>
parser::flow parser::complete_value(Visitor& visitor) {
    pending_attribute_ = false;
    while (!stack_.empty()) {
        frame& top = stack_.back();
        ++top.received;
        if (top.streamed || top.received < top.expected) return flow::next;
        const bool was_attribute = top.kind == type::attribute;
        stack_.pop_back();
        visitor.on_aggregate_end();
        if (was_attribute) {
            // An attribute annotates the next value and is not counted itself.
            pending_attribute_ = true;
            return flow::next;
        }
    }
    reply_values_ = 0;
    return flow::reply_done;
}

template <class Visitor>
parser::flow parser::on_bulk_body(std::string_view body, Visitor& visitor) {
    switch (bulk_kind_) {
        case bulk_kind::blob:
            visitor.on_blob_string(body);
            break;
        case bulk_kind::blob_error:
            visitor.on_blob_error(body);
            break;
        case bulk_kind::verbatim:
            if (body.size() < 4 || body[3] != ':') {
                fail(parse_errc::invalid_verbatim, body.data());
                return flow::failed;
            }
            visitor.on_verbatim_string(body.substr(0, 3), body.substr(4));
            break;
        case bulk_kind::chunk:
            visitor.on_streamed_string_chunk(body);
            state_ = state::chunk_header;
            return flow::next;
    }
    state_ = state::value;
    return complete_value(visitor);
}

}  // namespace respcache::resp
