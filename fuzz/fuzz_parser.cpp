// fuzz_parser: raw bytes into resp::reader. Every reply is walked (every
// accessor, iteration, indexing, attributes, map lookup), copied with
// to_owned(), and printed with append_json; the owned copy must print the
// same line. The bare parser, driven over the same bytes with a visitor that
// checks the event grammar, must find the same replies and the same failure.
// Runs once with the default limits and once with small ones.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/parser.hpp"
#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "fuzz_parser: invariant broken: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what) {
    if (!ok) die(what);
}

// Reads every accessor of a value and recurses into its children and
// attributes. Returns the number of values visited.
std::size_t walk(const resp::reply& value, std::size_t depth) {
    check(depth < 4096, "reply nesting deeper than the parser allows");
    std::size_t visited = 1;
    const resp::type kind = value.kind();
    const std::string_view text = value.string();
    switch (kind) {
        case resp::type::simple_string:
        case resp::type::simple_error:
        case resp::type::blob_string:
        case resp::type::blob_error:
        case resp::type::big_number:
            break;
        case resp::type::verbatim_string:
            check(value.verbatim_format().size() == 3, "verbatim format is not 3 bytes");
            break;
        default:
            check(text.empty(), "a non-string value has string bytes");
            break;
    }
    if (kind != resp::type::verbatim_string)
        check(value.verbatim_format().empty(), "a non-verbatim value has a format");
    if (kind != resp::type::integer) check(value.integer() == 0, "integer() of a non-integer");
    (void)value.number();
    (void)value.boolean();
    check(value.is_null() == (kind == resp::type::null), "is_null disagrees with kind");
    check(value.is_error() == resp::is_error(kind), "is_error disagrees with kind");
    check(value.is_aggregate() == resp::is_aggregate(kind), "is_aggregate disagrees with kind");

    if (value.has_attributes()) {
        const resp::reply attributes = value.attributes();
        check(attributes.kind() == resp::type::attribute, "attributes() is not an attribute");
        check(attributes.size() % 2 == 0, "attribute with an odd element count");
        visited += walk(attributes, depth + 1);
    }

    if (!value.is_aggregate()) {
        check(value.size() == 0 && value.empty(), "a scalar has children");
        check(value.begin() == value.end(), "a scalar iterates");
        return visited;
    }
    if (kind == resp::type::map || kind == resp::type::attribute)
        check(value.size() % 2 == 0, "map with an odd element count");

    std::size_t count = 0;
    for (const resp::reply child : value) {
        if (count < 3) {
            const resp::reply indexed = value[count];
            check(indexed.index() == child.index(), "operator[] disagrees with iteration");
        }
        if ((kind == resp::type::map || kind == resp::type::attribute) && count == 0) {
            // find() matches textual keys: the first pair when its key is one.
            const resp::type key_kind = child.kind();
            const bool textual = key_kind == resp::type::simple_string ||
                                 key_kind == resp::type::blob_string ||
                                 key_kind == resp::type::verbatim_string;
            const auto found = value.find(child.string());
            if (textual) {
                check(found.has_value() && found->index() == value[1].index(),
                      "find() misses the first textual key");
            } else if (found.has_value()) {
                check(found->index() != value[1].index(), "find() matched a non-textual key");
            }
        }
        visited += walk(child, depth + 1);
        ++count;
    }
    check(count == value.size(), "iteration count differs from size()");
    check(value.empty() == (count == 0), "empty() disagrees with size()");
    return visited;
}

// A visitor that checks the parser's event grammar and counts replies.
class grammar_visitor {
  public:
    void on_simple_string(std::string_view) { scalar(); }
    void on_simple_error(std::string_view) { scalar(); }
    void on_blob_string(std::string_view) { scalar(); }
    void on_blob_error(std::string_view) { scalar(); }
    void on_verbatim_string(std::string_view format, std::string_view) {
        check(format.size() == 3, "verbatim format event is not 3 bytes");
        scalar();
    }
    void on_big_number(std::string_view digits) {
        check(!digits.empty(), "empty big number");
        scalar();
    }
    void on_integer(std::int64_t) { scalar(); }
    void on_double(double) { scalar(); }
    void on_boolean(bool) { scalar(); }
    void on_null() { scalar(); }
    void on_aggregate_begin(resp::type kind, std::int64_t declared) {
        check(!in_streamed_string_, "aggregate inside a streamed string");
        check(resp::is_aggregate(kind), "aggregate_begin with a scalar kind");
        check(declared >= -1, "aggregate declared below -1");
        ++depth_;
    }
    void on_aggregate_end() {
        check(depth_ > 0, "aggregate_end without a begin");
        --depth_;
    }
    void on_streamed_string_begin() {
        check(!in_streamed_string_, "nested streamed string");
        in_streamed_string_ = true;
    }
    void on_streamed_string_chunk(std::string_view chunk) {
        check(in_streamed_string_, "chunk outside a streamed string");
        check(!chunk.empty(), "empty chunk event");
    }
    void on_streamed_string_end() {
        check(in_streamed_string_, "streamed string end without a begin");
        in_streamed_string_ = false;
    }

    std::size_t depth() const { return depth_; }
    bool in_streamed_string() const { return in_streamed_string_; }

  private:
    void scalar() { check(!in_streamed_string_, "value inside a streamed string"); }
    std::size_t depth_ = 0;
    bool in_streamed_string_ = false;
};

struct outcome {
    std::size_t replies = 0;
    resp::parse_error failure;
};

outcome run_parser(std::string_view input, const resp::limits& bounds) {
    resp::parser parser(bounds);
    grammar_visitor visitor;
    outcome out;
    std::size_t at = 0;
    for (;;) {
        const resp::parse_step step = parser.parse(input.substr(at), visitor);
        check(step.consumed <= input.size() - at, "parser consumed more than it was given");
        at += step.consumed;
        check(parser.offset() == at, "parser offset differs from bytes consumed");
        if (step.status == resp::parse_status::reply_complete) {
            check(visitor.depth() == 0 && !visitor.in_streamed_string(),
                  "reply complete with open aggregates");
            check(parser.idle(), "parser not idle after a complete reply");
            ++out.replies;
            continue;
        }
        if (step.status == resp::parse_status::failed) {
            out.failure = parser.error();
            check(out.failure.code != resp::parse_errc::none, "failed without an error code");
            check(out.failure.offset <= input.size(), "error offset past the input");
            const resp::parse_step again = parser.parse(input.substr(at), visitor);
            check(again.status == resp::parse_status::failed && again.consumed == 0,
                  "parser recovered from a failure");
        }
        return out;
    }
}

void run(std::string_view input, const resp::limits& bounds) {
    resp::reader reader(bounds);
    reader.feed(input);
    outcome seen;
    std::string line;
    std::string owned_line;
    std::uint64_t previous_start = 0;
    for (;;) {
        auto next = reader.next();
        if (!next) {
            check(reader.failed(), "next() failed but failed() is false");
            seen.failure = reader.failure();
            const error& e = next.error_value();
            check(e.kind == (resp::is_limit(seen.failure.code) ? error_kind::limit
                                                               : error_kind::protocol),
                  "error kind does not match the parse error code");
            check(!e.message.empty(), "error without a message");
            auto again = reader.next();
            check(!again && again.error_value() == e, "reader recovered from a failure");
            break;
        }
        if (!next->has_value()) {
            check(!reader.failed(), "need-more while failed");
            check(reader.reply_offset() <= input.size(), "reply offset past the input");
            if (reader.idle()) check(reader.reply_offset() == input.size(), "idle before the end");
            break;
        }
        const std::uint64_t start = reader.reply_offset();
        check(start < input.size(), "a reply starts past the input");
        check(seen.replies == 0 || start > previous_start, "reply offsets do not increase");
        previous_start = start;
        ++seen.replies;
        const resp::reply value = **next;
        walk(value, 0);

        line.clear();
        resp::append_json(line, value);
        check(!line.empty() && line.front() == '{' && line.back() == '}', "JSON line shape");
        for (const char c : line)
            check(c >= 0x20 && c <= 0x7e, "JSON line has a byte outside printable ASCII");

        const resp::owned_reply owned = value.to_owned();
        owned_line.clear();
        resp::append_json(owned_line, owned.view());
        check(owned_line == line, "to_owned() prints differently");
        const resp::owned_reply copy =
            owned;  // NOLINT(performance-unnecessary-copy-initialization)
        owned_line.clear();
        resp::append_json(owned_line, *copy);
        check(owned_line == line, "a copied owned_reply prints differently");
    }

    const outcome direct = run_parser(input, bounds);
    check(direct.replies == seen.replies, "reader and parser count different replies");
    check(direct.failure == seen.failure, "reader and parser fail differently");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    run(input, resp::limits{});

    resp::limits small;
    small.max_depth = 8;
    small.max_bulk_length = 64;
    small.max_elements = 32;
    small.max_line_length = 48;
    small.max_nodes = 40;
    run(input, small);
    return 0;
}
