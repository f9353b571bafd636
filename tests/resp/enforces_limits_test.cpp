// Every configurable bound (depth, bulk length, elements, line length) is
// enforced with its own parse_errc at the offending byte, reported as an
// error of kind `limit`; input exactly at a bound is accepted; and a declared
// length never turns into an allocation before its bytes arrive.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respcache/resp/limits.hpp"
#include "respcache/resp/parse_error.hpp"
#include "respcache/resp/parser.hpp"
#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache::resp;

struct outcome {
    std::vector<std::string> replies;
    std::optional<parse_error> failure;
    std::optional<respcache::error> error;
    bool idle = true;  // no unfinished reply left
};

enum class taking { next, take_all };

outcome read_all(std::string_view bytes, const limits& bounds, std::size_t chunk = 0,
                 taking how = taking::next) {
    reader r(bounds);
    outcome out;
    const std::size_t step = chunk == 0 ? bytes.size() : chunk;
    for (std::size_t at = 0; at < bytes.size(); at += step) {
        r.feed(bytes.substr(at, step));
        if (how == taking::take_all) {
            auto taken = r.take_all(
                [&](const reply& value) { append_json(out.replies.emplace_back(), value); });
            if (!taken) {
                out.failure = r.failure();
                out.error = taken.error_value();
                out.idle = false;
                return out;
            }
            continue;
        }
        for (;;) {
            auto next = r.next();
            if (!next) {
                out.failure = r.failure();
                out.error = next.error_value();
                out.idle = false;
                return out;
            }
            if (!*next) break;
            append_json(out.replies.emplace_back(), **next);
        }
    }
    out.idle = r.idle();
    return out;
}

limits depth(std::size_t n) {
    limits l;
    l.max_depth = n;
    return l;
}
limits bulk(std::uint64_t n) {
    limits l;
    l.max_bulk_length = n;
    return l;
}
limits elements(std::uint64_t n) {
    limits l;
    l.max_elements = n;
    return l;
}
limits line(std::size_t n) {
    limits l;
    l.max_line_length = n;
    return l;
}
limits nodes(std::uint64_t n) {
    limits l;
    l.max_nodes = n;
    return l;
}

struct exceeded_case {
    std::string_view name;
    limits bounds;
    std::string_view wire;
    parse_errc code;
    std::uint64_t offset;
};

const exceeded_case exceeded[] = {
    {"depth_third_level", depth(2), "*1\r\n*1\r\n*1\r\n:1\r\n", parse_errc::depth_exceeded, 8},
    {"depth_counts_attributes", depth(1), "*1\r\n|1\r\n+a\r\n+b\r\n:1\r\n",
     parse_errc::depth_exceeded, 4},
    {"depth_counts_streamed", depth(1), "*?\r\n*?\r\n", parse_errc::depth_exceeded, 4},
    {"depth_counts_empty_aggregates", depth(1), "%1\r\n+k\r\n~0\r\n", parse_errc::depth_exceeded,
     8},
    {"depth_counts_push", depth(1), ">1\r\n>1\r\n", parse_errc::depth_exceeded, 4},
    {"depth_zero", depth(0), "*0\r\n", parse_errc::depth_exceeded, 0},

    {"bulk_blob", bulk(5), "$6\r\n", parse_errc::bulk_too_long, 1},
    {"bulk_blob_error", bulk(5), "!6\r\n", parse_errc::bulk_too_long, 1},
    {"bulk_verbatim_counts_its_format", bulk(5), "=9\r\ntxt:hello\r\n", parse_errc::bulk_too_long,
     1},
    {"bulk_streamed_total", bulk(5), "$?\r\n;3\r\nabc\r\n;3\r\n", parse_errc::bulk_too_long, 14},
    {"bulk_streamed_one_chunk", bulk(5), "$?\r\n;6\r\n", parse_errc::bulk_too_long, 5},
    {"bulk_zero", bulk(0), "$1\r\n", parse_errc::bulk_too_long, 1},
    {"bulk_in_array", bulk(5), "*2\r\n$1\r\na\r\n$10\r\n", parse_errc::bulk_too_long, 12},
    {"bulk_default_plus_one", {}, "$536870913\r\n", parse_errc::bulk_too_long, 1},
    {"bulk_beyond_uint64", {}, "$99999999999999999999999999\r\n", parse_errc::bulk_too_long, 1},
    // 2^64 + 4 must not wrap around to a length of 4.
    {"bulk_wrapping_length", {}, "$18446744073709551620\r\nabcd\r\n", parse_errc::bulk_too_long, 1},
    {"bulk_wrapping_chunk",
     {},
     "$?\r\n;18446744073709551620\r\nabcd\r\n",
     parse_errc::bulk_too_long,
     5},

    {"elements_array", elements(3), "*4\r\n", parse_errc::too_many_elements, 1},
    {"elements_set", elements(3), "~4\r\n", parse_errc::too_many_elements, 1},
    {"elements_push", elements(3), ">4\r\n", parse_errc::too_many_elements, 1},
    {"elements_map_counts_pairs_twice", elements(3), "%2\r\n", parse_errc::too_many_elements, 1},
    {"elements_attribute_counts_pairs_twice", elements(3), "|2\r\n", parse_errc::too_many_elements,
     1},
    {"elements_streamed_array", elements(3), "*?\r\n:1\r\n:2\r\n:3\r\n:4\r\n",
     parse_errc::too_many_elements, 16},
    {"elements_streamed_set", elements(3), "~?\r\n:1\r\n:2\r\n:3\r\n:4\r\n",
     parse_errc::too_many_elements, 16},
    {"elements_streamed_map", elements(3), "%?\r\n+a\r\n+b\r\n+c\r\n+d\r\n",
     parse_errc::too_many_elements, 16},
    {"elements_zero", elements(0), "*1\r\n", parse_errc::too_many_elements, 1},
    {"elements_zero_streamed", elements(0), "*?\r\n:1\r\n", parse_errc::too_many_elements, 4},
    {"elements_nested", elements(2), "*1\r\n*3\r\n", parse_errc::too_many_elements, 5},
    {"elements_default_plus_one", {}, "*4294967296\r\n", parse_errc::too_many_elements, 1},
    {"elements_default_map", {}, "%2147483648\r\n", parse_errc::too_many_elements, 1},
    // 2^64 + 1 must not wrap around to a count of 1.
    {"elements_wrapping_count",
     {},
     "*18446744073709551617\r\n:1\r\n",
     parse_errc::too_many_elements,
     1},

    {"line_simple_string", line(5), "+hello!\r\n", parse_errc::line_too_long, 6},
    {"line_before_its_end_arrives", line(5), "+hello!", parse_errc::line_too_long, 6},
    {"line_error", line(5), "-ERROR!\r\n", parse_errc::line_too_long, 6},
    {"line_integer", line(5), ":1234567\r\n", parse_errc::line_too_long, 6},
    {"line_length_header", line(5), "$123456\r\n", parse_errc::line_too_long, 6},
    {"line_chunk_header", line(5), "$?\r\n;123456\r\n", parse_errc::line_too_long, 10},
    {"line_nested", line(5), "*1\r\n+abcdefgh", parse_errc::line_too_long, 10},
    {"line_zero", line(0), "+a\r\n", parse_errc::line_too_long, 1},
    {"line_zero_number", line(0), ":1\r\n", parse_errc::line_too_long, 1},
    {"line_zero_null_blob", line(1), "$-1\r\n", parse_errc::line_too_long, 2},

    {"nodes_array", nodes(3), "*3\r\n:1\r\n:2\r\n:3\r\n", parse_errc::too_many_nodes, 12},
    {"nodes_count_nested_and_empty", nodes(3), "*2\r\n*0\r\n*1\r\n:1\r\n",
     parse_errc::too_many_nodes, 12},
    {"nodes_count_attributes", nodes(3), "|1\r\n+a\r\n+b\r\n:1\r\n", parse_errc::too_many_nodes,
     12},
    {"nodes_count_map_keys_and_values", nodes(4), "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n",
     parse_errc::too_many_nodes, 16},
    {"nodes_streamed_aggregate", nodes(2), "*?\r\n:1\r\n:2\r\n.\r\n", parse_errc::too_many_nodes,
     8},
    {"nodes_zero", nodes(0), "+OK\r\n", parse_errc::too_many_nodes, 0},
    {"nodes_per_reply_in_a_pipeline", nodes(2), "*1\r\n:1\r\n*1\r\n:2\r\n*2\r\n:3\r\n:4\r\n",
     parse_errc::too_many_nodes, 24},
};

void PrintTo(const exceeded_case& c, std::ostream* os) {
    *os << c.name;
}

class EnforcesLimits : public ::testing::TestWithParam<exceeded_case> {};

TEST_P(EnforcesLimits, WithItsCodeOffsetAndKind) {
    const exceeded_case& c = GetParam();
    const outcome out = read_all(c.wire, c.bounds);
    ASSERT_TRUE(out.failure.has_value()) << c.name;
    EXPECT_EQ(out.failure->code, c.code) << c.name << ": got " << to_string(out.failure->code);
    EXPECT_EQ(out.failure->offset, c.offset) << c.name;
    EXPECT_TRUE(is_limit(out.failure->code));
    EXPECT_EQ(out.error->kind, respcache::error_kind::limit);
    EXPECT_EQ(*out.error, to_error(*out.failure));
}

TEST_P(EnforcesLimits, TheSameThroughTakeAllWholeAndByteByByte) {
    const exceeded_case& c = GetParam();
    const outcome reference = read_all(c.wire, c.bounds);
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}}) {
        const outcome out = read_all(c.wire, c.bounds, chunk, taking::take_all);
        ASSERT_TRUE(out.failure.has_value()) << c.name;
        EXPECT_EQ(*out.failure, *reference.failure) << c.name;
        EXPECT_EQ(out.replies, reference.replies) << c.name;
        EXPECT_EQ(*out.error, *reference.error) << c.name;
    }
}

TEST_P(EnforcesLimits, ByteByByteAsWhole) {
    const exceeded_case& c = GetParam();
    const outcome whole = read_all(c.wire, c.bounds);
    const outcome bytewise = read_all(c.wire, c.bounds, 1);
    ASSERT_TRUE(bytewise.failure.has_value()) << c.name;
    EXPECT_EQ(*bytewise.failure, *whole.failure) << c.name;
    EXPECT_EQ(bytewise.replies, whole.replies) << c.name;
}

INSTANTIATE_TEST_SUITE_P(EveryLimit, EnforcesLimits, ::testing::ValuesIn(exceeded),
                         [](const auto& info) { return std::string(info.param.name); });

struct within_case {
    std::string_view name;
    limits bounds;
    std::string_view wire;
    std::string_view json;  // empty: the reply is accepted but not complete yet
};

const within_case within[] = {
    {"depth_at_limit", depth(2), "*1\r\n*1\r\n:1\r\n", R"({"array":[{"array":[{"integer":1}]}]})"},
    {"depth_attribute_closed_before_value", depth(1), "|1\r\n+k\r\n+v\r\n*1\r\n:1\r\n",
     R"({"attributes":[[{"simple":"k"},{"simple":"v"}]],"value":{"array":[{"integer":1}]}})"},
    {"depth_siblings", depth(2), "*2\r\n*1\r\n:1\r\n*1\r\n:2\r\n",
     R"({"array":[{"array":[{"integer":1}]},{"array":[{"integer":2}]}]})"},
    {"depth_zero_scalar", depth(0), ":1\r\n", R"({"integer":1})"},
    {"depth_zero_resp2_null_array", depth(0), "*-1\r\n", R"({"null":true})"},

    {"bulk_at_limit", bulk(5), "$5\r\nhello\r\n", R"({"blob":"hello"})"},
    {"bulk_blob_error_at_limit", bulk(5), "!5\r\nERR x\r\n", R"({"blob_error":"ERR x"})"},
    {"bulk_verbatim_at_limit", bulk(5), "=5\r\ntxt:x\r\n", R"({"verbatim":"x","format":"txt"})"},
    {"bulk_streamed_total_at_limit", bulk(5), "$?\r\n;3\r\nabc\r\n;2\r\nde\r\n;0\r\n",
     R"({"blob":"abcde"})"},
    {"bulk_streamed_totals_are_per_string", bulk(5),
     "*2\r\n$?\r\n;5\r\nabcde\r\n;0\r\n$?\r\n;5\r\nfghij\r\n;0\r\n",
     R"({"array":[{"blob":"abcde"},{"blob":"fghij"}]})"},
    {"bulk_zero_empty_blob", bulk(0), "$0\r\n\r\n", R"({"blob":""})"},
    {"bulk_default_limit", {}, "$536870912\r\n", ""},

    {"elements_at_limit", elements(3), "*3\r\n:1\r\n:2\r\n:3\r\n",
     R"({"array":[{"integer":1},{"integer":2},{"integer":3}]})"},
    {"elements_map_pairs_at_limit", elements(4), "%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n",
     R"({"map":[[{"simple":"a"},{"integer":1}],[{"simple":"b"},{"integer":2}]]})"},
    {"elements_odd_limit_one_pair", elements(3), "%1\r\n+a\r\n+b\r\n",
     R"({"map":[[{"simple":"a"},{"simple":"b"}]]})"},
    {"elements_streamed_at_limit", elements(3), "*?\r\n:1\r\n:2\r\n:3\r\n.\r\n",
     R"({"array":[{"integer":1},{"integer":2},{"integer":3}]})"},
    {"elements_streamed_map_at_limit", elements(4), "%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n",
     R"({"map":[[{"simple":"a"},{"integer":1}],[{"simple":"b"},{"integer":2}]]})"},
    {"elements_attributes_not_counted", elements(3), "*3\r\n:1\r\n:2\r\n|1\r\n+a\r\n+b\r\n:3\r\n",
     R"({"array":[{"integer":1},{"integer":2},)"
     R"({"attributes":[[{"simple":"a"},{"simple":"b"}]],"value":{"integer":3}}]})"},
    {"elements_attributes_not_counted_streamed", elements(2),
     "*?\r\n:1\r\n|1\r\n+a\r\n+b\r\n:2\r\n.\r\n",
     R"({"array":[{"integer":1},{"attributes":[[{"simple":"a"},{"simple":"b"}]],)"
     R"("value":{"integer":2}}]})"},
    {"elements_zero_empty", elements(0), "*0\r\n", R"({"array":[]})"},
    {"elements_zero_empty_streamed", elements(0), "*?\r\n.\r\n", R"({"array":[]})"},
    {"elements_default_limit", {}, "*4294967295\r\n", ""},
    {"elements_default_map", {}, "%2147483647\r\n", ""},

    {"line_at_limit", line(5), "+hello\r\n", R"({"simple":"hello"})"},
    {"line_blob_body_is_not_a_line", line(5), "$11\r\nhello world\r\n",
     R"({"blob":"hello world"})"},
    {"line_double_at_limit", line(5), ",1.5e1\r\n", R"({"double":"15"})"},
    {"line_zero_empty", line(0), "+\r\n", R"({"simple":""})"},
    {"line_zero_null", line(0), "_\r\n", R"({"null":true})"},
    {"line_number_at_limit", line(2), ":12\r\n", R"({"integer":12})"},

    {"nodes_at_limit", nodes(4), "*3\r\n:1\r\n:2\r\n:3\r\n",
     R"({"array":[{"integer":1},{"integer":2},{"integer":3}]})"},
    {"nodes_streamed_end_marker_is_not_a_node", nodes(3), "*?\r\n:1\r\n:2\r\n.\r\n",
     R"({"array":[{"integer":1},{"integer":2}]})"},
    {"nodes_streamed_string_is_one_node", nodes(1), "$?\r\n;1\r\na\r\n;1\r\nb\r\n;0\r\n",
     R"({"blob":"ab"})"},
    {"nodes_one_scalar", nodes(1), "$-1\r\n", R"({"null":true})"},
};

void PrintTo(const within_case& c, std::ostream* os) {
    *os << c.name;
}

class AcceptsInputAtTheLimit : public ::testing::TestWithParam<within_case> {};

TEST_P(AcceptsInputAtTheLimit, WholeAndByteByByte) {
    const within_case& c = GetParam();
    for (const auto& [chunk, how] :
         {std::pair{std::size_t{0}, taking::next}, std::pair{std::size_t{1}, taking::next},
          std::pair{std::size_t{0}, taking::take_all},
          std::pair{std::size_t{1}, taking::take_all}}) {
        const outcome out = read_all(c.wire, c.bounds, chunk, how);
        ASSERT_FALSE(out.failure.has_value())
            << c.name << ": " << to_string(out.failure->code) << " at " << out.failure->offset;
        if (c.json.empty()) {
            EXPECT_TRUE(out.replies.empty()) << c.name;
            EXPECT_FALSE(out.idle) << c.name;
        } else {
            EXPECT_EQ(out.replies, std::vector<std::string>{std::string(c.json)}) << c.name;
            EXPECT_TRUE(out.idle) << c.name;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(EveryLimit, AcceptsInputAtTheLimit, ::testing::ValuesIn(within),
                         [](const auto& info) { return std::string(info.param.name); });

std::string nested_arrays(std::size_t levels) {
    std::string wire;
    for (std::size_t i = 0; i < levels; ++i) wire += "*1\r\n";
    wire += ":1\r\n";
    return wire;
}

TEST(EnforcesLimitsDefaults, DepthOf128IsAllowedAnd129IsNot) {
    EXPECT_EQ(limits{}.max_depth, 128u);
    const outcome ok = read_all(nested_arrays(128), {});
    EXPECT_FALSE(ok.failure.has_value());
    EXPECT_EQ(ok.replies.size(), 1u);

    const outcome deep = read_all(nested_arrays(129), {});
    ASSERT_TRUE(deep.failure.has_value());
    EXPECT_EQ(*deep.failure, (parse_error{parse_errc::depth_exceeded, 128 * 4}));
}

TEST(EnforcesLimitsDefaults, HostileNestingFailsWithoutRecursion) {
    const outcome out = read_all(nested_arrays(100000), {});
    ASSERT_TRUE(out.failure.has_value());
    EXPECT_EQ(out.failure->code, parse_errc::depth_exceeded);

    // Raised limit: the parser itself is non-recursive.
    limits deep;
    deep.max_depth = 200000;
    reader r(deep);
    r.feed(nested_arrays(100000));
    auto next = r.next();
    ASSERT_TRUE(next && *next);
    EXPECT_EQ((*next)->kind(), type::array);
    EXPECT_EQ((*next)->size(), 1u);
}

TEST(EnforcesLimitsDefaults, LineOf64KiBIsAllowedAndOneMoreIsNot) {
    EXPECT_EQ(limits{}.max_line_length, 64u * 1024);
    const std::string longest = "+" + std::string(64 * 1024, 'a') + "\r\n";
    const outcome ok = read_all(longest, {});
    EXPECT_FALSE(ok.failure.has_value());
    EXPECT_EQ(ok.replies.size(), 1u);

    const std::string too_long = "+" + std::string(64 * 1024 + 1, 'a') + "\r\n";
    const outcome bad = read_all(too_long, {});
    ASSERT_TRUE(bad.failure.has_value());
    EXPECT_EQ(*bad.failure, (parse_error{parse_errc::line_too_long, 64 * 1024 + 1}));
}

TEST(EnforcesLimitsDefaults, ManyTinyValuesStopAtMaxNodesWhateverTheElementCount) {
    EXPECT_EQ(limits{}.max_nodes, std::uint64_t{1} << 26);
    std::string wire = "*100000\r\n";
    for (int i = 0; i < 100000; ++i) wire += "_\r\n";
    for (const taking how : {taking::next, taking::take_all}) {
        const outcome out = read_all(wire, nodes(1000), 0, how);
        ASSERT_TRUE(out.failure.has_value());
        EXPECT_EQ(*out.failure, (parse_error{parse_errc::too_many_nodes, 9 + 999 * 3}));
        EXPECT_EQ(out.error->kind, respcache::error_kind::limit);
    }
}

TEST(EnforcesLimitsDefaults, DefaultBounds) {
    const limits l;
    EXPECT_EQ(l.max_bulk_length, 512ull * 1024 * 1024);
    EXPECT_EQ(l.max_elements, 4294967295ull);
}

// The reader's whole buffer, as long as no reply has been returned from it
// (space from the first byte not yet returned to the end of the buffer).
std::size_t buffer_capacity(reader& r) {
    return r.prepare(0).size() + r.buffered();
}

TEST(DeclaredLengthsDoNotAllocate, HugeBlobWaitsForItsBytes) {
    reader r;
    r.feed("$536870912\r\n");
    auto next = r.next();
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->has_value());
    EXPECT_FALSE(r.failed());
    EXPECT_FALSE(r.idle());
    EXPECT_LE(r.buffered(), 12u);
    EXPECT_LE(buffer_capacity(r), 64u * 1024);

    // Some of the body arrives: the buffer holds what arrived, no more.
    const std::string part(100 * 1024, 'x');
    r.feed(part);
    next = r.next();
    ASSERT_TRUE(next);
    EXPECT_FALSE(next->has_value());
    EXPECT_EQ(r.buffered(), 12u + part.size());
    EXPECT_LE(buffer_capacity(r), 4 * (12 + part.size()));
    EXPECT_EQ(r.reply_offset(), 0u);
}

TEST(DeclaredLengthsDoNotAllocate, HugeAggregatesWaitForTheirElements) {
    for (std::string_view header :
         {"*4294967295\r\n", "%2147483647\r\n", "~4294967295\r\n", ">4294967295\r\n"}) {
        reader r;
        r.feed(header);
        auto next = r.next();
        ASSERT_TRUE(next) << header;
        EXPECT_FALSE(next->has_value()) << header;
        EXPECT_LE(buffer_capacity(r), 64u * 1024) << header;
        r.feed(":1\r\n:2\r\n");
        next = r.next();
        ASSERT_TRUE(next) << header;
        EXPECT_FALSE(next->has_value()) << header;
    }
}

TEST(DeclaredLengthsDoNotAllocate, TheParserConsumesTheHeaderAndWaits) {
    struct count_blobs {
        int blobs = 0;
        void on_simple_string(std::string_view) {}
        void on_simple_error(std::string_view) {}
        void on_blob_string(std::string_view) { ++blobs; }
        void on_blob_error(std::string_view) {}
        void on_verbatim_string(std::string_view, std::string_view) {}
        void on_big_number(std::string_view) {}
        void on_integer(std::int64_t) {}
        void on_double(double) {}
        void on_boolean(bool) {}
        void on_null() {}
        void on_aggregate_begin(type, std::int64_t) {}
        void on_aggregate_end() {}
        void on_streamed_string_begin() {}
        void on_streamed_string_chunk(std::string_view) {}
        void on_streamed_string_end() {}
    } events;
    parser p;
    const parse_step header = p.parse("$536870912\r\n", events);
    EXPECT_EQ(header.status, parse_status::need_more);
    EXPECT_EQ(header.consumed, 12u);
    const parse_step body = p.parse("only a few bytes", events);
    EXPECT_EQ(body.status, parse_status::need_more);
    EXPECT_EQ(body.consumed, 0u);
    EXPECT_EQ(events.blobs, 0);
    EXPECT_EQ(p.offset(), 12u);
    EXPECT_EQ(p.bounds().max_bulk_length, 512ull * 1024 * 1024);
}

}  // namespace
