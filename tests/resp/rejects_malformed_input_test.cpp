// Every malformed form is rejected with its own parse_errc at the byte
// offset of the fault, whether the bytes arrive at once or one by one, and
// the reader keeps reporting that failure until reset().

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/parse_error.hpp"
#include "respcache/resp/parser.hpp"
#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache::resp;

// Every reply before the fault (as JSON), and the fault the reader reported.
struct outcome {
    std::vector<std::string> replies;
    std::optional<parse_error> failure;
    std::optional<respcache::error> error;
};

// Feeds `bytes` in pieces of `chunk` bytes (0: all at once) and drains replies.
outcome read_all(std::string_view bytes, std::size_t chunk = 0, const limits& bounds = {}) {
    reader r(bounds);
    outcome out;
    const std::size_t step = chunk == 0 ? bytes.size() : chunk;
    for (std::size_t at = 0; at < bytes.size() || at == 0; at += step) {
        r.feed(bytes.substr(at, step));
        for (;;) {
            auto next = r.next();
            if (!next) {
                out.failure = r.failure();
                out.error = next.error_value();
                EXPECT_TRUE(r.failed());
                return out;
            }
            if (!*next) break;
            append_json(out.replies.emplace_back(), **next);
        }
        if (bytes.empty()) break;
    }
    return out;
}

struct ignore_events {
    void on_simple_string(std::string_view) {}
    void on_simple_error(std::string_view) {}
    void on_blob_string(std::string_view) {}
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
};

// The parser alone, given the whole input.
parse_error parser_failure(std::string_view bytes) {
    parser p;
    ignore_events events;
    std::size_t at = 0;
    for (;;) {
        const parse_step step = p.parse(bytes.substr(at), events);
        at += step.consumed;
        if (step.status == parse_status::failed) return p.error();
        if (step.status == parse_status::need_more) return {};
    }
}

struct malformed_case {
    std::string_view wire;
    parse_errc code;
    std::uint64_t offset;
};

std::string describe(const malformed_case& c) {
    return ::testing::PrintToString(std::string(c.wire)) + " expecting " +
           std::string(to_string(c.code)) + " at " + std::to_string(c.offset);
}

const malformed_case malformed[] = {
    {"x\r\n", parse_errc::invalid_type_byte, 0},
    {"PING\r\n", parse_errc::invalid_type_byte, 0},
    {"\r\n", parse_errc::invalid_type_byte, 0},
    {"+OK\r\n?", parse_errc::invalid_type_byte, 5},
    {"*2\r\n:1\r\nX", parse_errc::invalid_type_byte, 8},
    {"$?\r\n;1\r\na\r\n;0\r\n@", parse_errc::invalid_type_byte, 15},

    {"+OK\rX", parse_errc::missing_line_feed, 4},
    {"+OK\r\r\n", parse_errc::missing_line_feed, 4},
    {":1\rx", parse_errc::missing_line_feed, 3},
    {"$3\rfoo", parse_errc::missing_line_feed, 3},
    {"$?\r\n;1\rx", parse_errc::missing_line_feed, 7},

    {":12a\r\n", parse_errc::invalid_integer, 3},
    {":\r\n", parse_errc::invalid_integer, 1},
    {":-\r\n", parse_errc::invalid_integer, 2},
    {":+\r\n", parse_errc::invalid_integer, 2},
    {":--1\r\n", parse_errc::invalid_integer, 2},
    {": 1\r\n", parse_errc::invalid_integer, 1},
    {":1.5\r\n", parse_errc::invalid_integer, 2},

    {":9223372036854775808\r\n", parse_errc::integer_overflow, 19},
    {":-9223372036854775809\r\n", parse_errc::integer_overflow, 20},
    {":99999999999999999999\r\n", parse_errc::integer_overflow, 19},
    {":18446744073709551616\r\n", parse_errc::integer_overflow, 20},

    {"$abc\r\n", parse_errc::invalid_length, 1},
    {"$\r\n", parse_errc::invalid_length, 1},
    {"$-2\r\n", parse_errc::invalid_length, 1},
    {"$1x\r\n", parse_errc::invalid_length, 2},
    {"$ 3\r\n", parse_errc::invalid_length, 1},
    {"$+3\r\n", parse_errc::invalid_length, 1},
    {"!-1\r\n", parse_errc::invalid_length, 1},
    {"!?\r\n", parse_errc::invalid_length, 1},
    {"=-1\r\n", parse_errc::invalid_length, 1},
    {"=?\r\n", parse_errc::invalid_length, 1},
    {"*\r\n", parse_errc::invalid_length, 1},
    {"*-2\r\n", parse_errc::invalid_length, 1},
    {"~-1\r\n", parse_errc::invalid_length, 1},
    {"%-1\r\n", parse_errc::invalid_length, 1},
    {">-1\r\n", parse_errc::invalid_length, 1},
    {">?\r\n", parse_errc::invalid_length, 1},
    {"|-1\r\n", parse_errc::invalid_length, 1},
    {"|?\r\n", parse_errc::invalid_length, 1},

    {",\r\n", parse_errc::invalid_double, 1},
    {",abc\r\n", parse_errc::invalid_double, 1},
    {",1.5x\r\n", parse_errc::invalid_double, 4},
    {",1e\r\n", parse_errc::invalid_double, 2},
    {",+\r\n", parse_errc::invalid_double, 1},
    {",+-1\r\n", parse_errc::invalid_double, 1},
    {", 1\r\n", parse_errc::invalid_double, 1},
    {",0x10\r\n", parse_errc::invalid_double, 2},
    {",1,5\r\n", parse_errc::invalid_double, 2},

    {"#x\r\n", parse_errc::invalid_boolean, 1},
    {"#\r\n", parse_errc::invalid_boolean, 1},
    {"#tt\r\n", parse_errc::invalid_boolean, 1},
    {"#T\r\n", parse_errc::invalid_boolean, 1},

    {"(\r\n", parse_errc::invalid_big_number, 1},
    {"(12a\r\n", parse_errc::invalid_big_number, 3},
    {"(-\r\n", parse_errc::invalid_big_number, 2},
    {"(1.5\r\n", parse_errc::invalid_big_number, 2},
    {"( 1\r\n", parse_errc::invalid_big_number, 1},

    {"=3\r\ntxt\r\n", parse_errc::invalid_verbatim, 4},
    {"=5\r\ntxt_x\r\n", parse_errc::invalid_verbatim, 4},
    {"=0\r\n\r\n", parse_errc::invalid_verbatim, 4},
    {"*1\r\n=4\r\nab:c\r\n", parse_errc::invalid_verbatim, 8},

    {"_x\r\n", parse_errc::invalid_null, 1},
    {"_ \r\n", parse_errc::invalid_null, 1},

    {"$3\r\nfooX\r\n", parse_errc::missing_bulk_crlf, 7},
    {"$3\r\nfoo\rX", parse_errc::missing_bulk_crlf, 8},
    {"$0\r\nX\r\n", parse_errc::missing_bulk_crlf, 4},
    {"!1\r\nab\r\n", parse_errc::missing_bulk_crlf, 5},
    {"=5\r\ntxt:ab\r\n", parse_errc::missing_bulk_crlf, 9},
    {"$?\r\n;2\r\nabX\r\n", parse_errc::missing_bulk_crlf, 10},

    {"$?\r\nX", parse_errc::invalid_chunk, 4},
    {"$?\r\n;\r\n", parse_errc::invalid_chunk, 5},
    {"$?\r\n;-1\r\n", parse_errc::invalid_chunk, 5},
    {"$?\r\n;?\r\n", parse_errc::invalid_chunk, 5},
    {"$?\r\n;x\r\n", parse_errc::invalid_chunk, 5},
    {"$?\r\n;1x\r\n", parse_errc::invalid_chunk, 6},
    {"$?\r\n;1\r\na\r\n$1\r\n", parse_errc::invalid_chunk, 11},

    {".\r\n", parse_errc::unexpected_end_marker, 0},
    {"+OK\r\n.\r\n", parse_errc::unexpected_end_marker, 5},
    {"*1\r\n.\r\n", parse_errc::unexpected_end_marker, 4},
    {"~2\r\n:1\r\n.\r\n", parse_errc::unexpected_end_marker, 8},
    {"%?\r\n+a\r\n.\r\n", parse_errc::unexpected_end_marker, 8},
    {"*?\r\n.x\r\n", parse_errc::unexpected_end_marker, 5},

    {"|1\r\n+a\r\n+b\r\n|1\r\n", parse_errc::attribute_without_value, 12},
    {"|0\r\n|0\r\n", parse_errc::attribute_without_value, 4},
    {"|0\r\n.\r\n", parse_errc::attribute_without_value, 4},
    {"*?\r\n|1\r\n+a\r\n+b\r\n.\r\n", parse_errc::attribute_without_value, 16},
};

void PrintTo(const malformed_case& c, std::ostream* os) {
    *os << describe(c);
}

class RejectsMalformedInput : public ::testing::TestWithParam<malformed_case> {};

TEST_P(RejectsMalformedInput, WithItsCodeAndOffset) {
    const malformed_case& c = GetParam();
    const outcome whole = read_all(c.wire);
    ASSERT_TRUE(whole.failure.has_value()) << describe(c);
    EXPECT_EQ(whole.failure->code, c.code)
        << describe(c) << ", got " << to_string(whole.failure->code);
    EXPECT_EQ(whole.failure->offset, c.offset) << describe(c);
    EXPECT_FALSE(is_limit(c.code));
    EXPECT_EQ(whole.error->kind, respcache::error_kind::protocol) << describe(c);
    EXPECT_EQ(*whole.error, to_error(*whole.failure));
}

TEST_P(RejectsMalformedInput, ByteByByteAsWhole) {
    const malformed_case& c = GetParam();
    const outcome whole = read_all(c.wire);
    const outcome bytewise = read_all(c.wire, 1);
    ASSERT_TRUE(bytewise.failure.has_value()) << describe(c);
    EXPECT_EQ(*bytewise.failure, *whole.failure) << describe(c);
    EXPECT_EQ(bytewise.replies, whole.replies) << describe(c);
}

TEST_P(RejectsMalformedInput, TheParserAloneAgrees) {
    const malformed_case& c = GetParam();
    const parse_error e = parser_failure(c.wire);
    EXPECT_EQ(e.code, c.code) << describe(c);
    EXPECT_EQ(e.offset, c.offset) << describe(c);
}

INSTANTIATE_TEST_SUITE_P(EveryForm, RejectsMalformedInput, ::testing::ValuesIn(malformed));

TEST(RejectsMalformedInputAfterReplies, EarlierRepliesAreStillDelivered) {
    const outcome out = read_all("+OK\r\n:1\r\n*2\r\n:1\r\n#maybe\r\n+never\r\n");
    EXPECT_EQ(out.replies, (std::vector<std::string>{R"({"simple":"OK"})", R"({"integer":1})"}));
    ASSERT_TRUE(out.failure.has_value());
    EXPECT_EQ(*out.failure, (parse_error{parse_errc::invalid_boolean, 18}));
}

TEST(RejectsMalformedInputAfterReplies, TheReaderKeepsReturningTheSameError) {
    reader r;
    r.feed("+OK\r\n$2\r\nabc\r\n");
    auto first = r.next();
    ASSERT_TRUE(first && *first);
    EXPECT_EQ((*first)->string(), "OK");
    auto failed = r.next();
    ASSERT_FALSE(failed);
    const respcache::error error = failed.error_value();
    EXPECT_EQ(error.kind, respcache::error_kind::protocol);
    EXPECT_EQ(error.message, "blob not terminated by CRLF at byte 11");
    EXPECT_TRUE(r.failed());
    EXPECT_EQ(r.failure(), (parse_error{parse_errc::missing_bulk_crlf, 11}));
    EXPECT_FALSE(r.idle());

    for (int i = 0; i < 3; ++i) {
        r.feed("+valid\r\n");  // valid bytes after the fault change nothing
        auto again = r.next();
        ASSERT_FALSE(again);
        EXPECT_EQ(again.error_value(), error);
        EXPECT_EQ(r.failure(), (parse_error{parse_errc::missing_bulk_crlf, 11}));
    }
}

TEST(RejectsMalformedInputAfterReplies, ResetForgetsTheFailure) {
    reader r;
    r.feed("+OK\r\n!x\r\n");
    ASSERT_TRUE(r.next());
    ASSERT_FALSE(r.next());
    ASSERT_TRUE(r.failed());

    r.reset();
    EXPECT_FALSE(r.failed());
    EXPECT_EQ(r.failure().code, parse_errc::none);
    EXPECT_TRUE(r.idle());
    EXPECT_EQ(r.buffered(), 0u);
    EXPECT_EQ(r.reply_offset(), 0u);

    r.feed(":5\r\n?");
    auto five = r.next();
    ASSERT_TRUE(five && *five);
    EXPECT_EQ((*five)->integer(), 5);
    auto bad = r.next();
    ASSERT_FALSE(bad);
    // Offsets count from the reset, not from the start of the old stream.
    EXPECT_EQ(r.failure(), (parse_error{parse_errc::invalid_type_byte, 4}));
}

TEST(RejectsMalformedInputAfterReplies, ResetDropsAHalfReadReply) {
    reader r;
    r.feed("*2\r\n:1\r\n");
    auto partial = r.next();
    ASSERT_TRUE(partial);
    EXPECT_FALSE(partial->has_value());
    EXPECT_FALSE(r.idle());
    r.reset();
    EXPECT_TRUE(r.idle());
    r.feed("+fresh\r\n");
    auto fresh = r.next();
    ASSERT_TRUE(fresh && *fresh);
    EXPECT_EQ((*fresh)->kind(), type::simple_string);
    EXPECT_EQ((*fresh)->string(), "fresh");
}

TEST(RejectsMalformedInputAfterReplies, ParserResetForgetsTheFailure) {
    parser p;
    ignore_events events;
    EXPECT_EQ(p.parse("?", events).status, parse_status::failed);
    EXPECT_EQ(p.parse("+OK\r\n", events).status, parse_status::failed);  // stays failed
    EXPECT_FALSE(p.idle());
    p.reset();
    EXPECT_TRUE(p.idle());
    EXPECT_EQ(p.error().code, parse_errc::none);
    EXPECT_EQ(p.offset(), 0u);
    const parse_step step = p.parse("+OK\r\n", events);
    EXPECT_EQ(step.status, parse_status::reply_complete);
    EXPECT_EQ(step.consumed, 5u);
}

TEST(ParseErrorCodes, HaveDistinctDescriptions) {
    std::set<std::string_view> seen;
    for (int i = 0; i <= static_cast<int>(parse_errc::too_many_nodes); ++i) {
        const std::string_view text = to_string(static_cast<parse_errc>(i));
        EXPECT_FALSE(text.empty());
        EXPECT_NE(text, "unknown parse error");
        EXPECT_TRUE(seen.insert(text).second) << text;
    }
    EXPECT_EQ(to_string(parse_errc::none), "no error");
}

TEST(ParseErrorCodes, OnlyLimitCodesAreLimits) {
    for (int i = 0; i <= static_cast<int>(parse_errc::too_many_nodes); ++i) {
        const auto code = static_cast<parse_errc>(i);
        const bool limit = code == parse_errc::depth_exceeded ||
                           code == parse_errc::bulk_too_long ||
                           code == parse_errc::too_many_elements ||
                           code == parse_errc::line_too_long || code == parse_errc::too_many_nodes;
        EXPECT_EQ(is_limit(code), limit) << to_string(code);
        EXPECT_EQ(to_error({code, 3}).kind,
                  limit ? respcache::error_kind::limit : respcache::error_kind::protocol);
    }
    EXPECT_EQ(to_error({parse_errc::invalid_integer, 42}).message, "invalid integer at byte 42");
    EXPECT_EQ(respcache::to_string(to_error({parse_errc::invalid_integer, 42})),
              "protocol error: invalid integer at byte 42");
}

}  // namespace
