// The sans-I/O parser consumes a token (a line, or a whole blob with its
// CRLF) only once it is complete, stops after each top-level reply, hands
// strings to the visitor as views into the caller's bytes, and tracks the
// stream offset and whether it is between replies.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/parser.hpp"

namespace {

using namespace respcache::resp;

struct events {
    std::vector<std::string> log;
    std::vector<std::string_view> views;  // every string, as handed over

    void str(std::string_view what, std::string_view s) {
        log.push_back(std::string(what) + ":" + std::string(s));
        views.push_back(s);
    }
    void on_simple_string(std::string_view s) { str("simple", s); }
    void on_simple_error(std::string_view s) { str("error", s); }
    void on_blob_string(std::string_view s) { str("blob", s); }
    void on_blob_error(std::string_view s) { str("blob_error", s); }
    void on_verbatim_string(std::string_view format, std::string_view s) {
        str("verbatim_format", format);
        str("verbatim", s);
    }
    void on_big_number(std::string_view s) { str("bignum", s); }
    void on_integer(std::int64_t v) { log.push_back("integer:" + std::to_string(v)); }
    void on_double(double v) { log.push_back("double:" + std::to_string(v)); }
    void on_boolean(bool v) { log.push_back(v ? "true" : "false"); }
    void on_null() { log.push_back("null"); }
    void on_aggregate_begin(type kind, std::int64_t declared) {
        log.push_back(std::string(to_string(kind)) + ":" + std::to_string(declared));
    }
    void on_aggregate_end() { log.push_back("end"); }
    void on_streamed_string_begin() { log.push_back("streamed"); }
    void on_streamed_string_chunk(std::string_view s) { str("chunk", s); }
    void on_streamed_string_end() { log.push_back("streamed_end"); }
};

using log_t = std::vector<std::string>;

TEST(ParserConsumesWholeTokens, AnIncompleteLineIsNotConsumed) {
    parser p;
    events e;
    for (std::string_view partial : {"", "+", "+OK", "+OK\r"}) {
        const parse_step step = p.parse(partial, e);
        EXPECT_EQ(step.status, parse_status::need_more) << partial;
        EXPECT_EQ(step.consumed, 0u) << partial;
        EXPECT_TRUE(p.idle());
        EXPECT_EQ(p.offset(), 0u);
    }
    EXPECT_TRUE(e.log.empty());
    const parse_step step = p.parse("+OK\r\n", e);
    EXPECT_EQ(step.status, parse_status::reply_complete);
    EXPECT_EQ(step.consumed, 5u);
    EXPECT_EQ(e.log, log_t{"simple:OK"});
    EXPECT_EQ(p.offset(), 5u);
}

TEST(ParserConsumesWholeTokens, StopsAfterEachTopLevelReply) {
    parser p;
    events e;
    const std::string_view input = "+OK\r\n:7\r\n$2\r\nab\r\n+tail";
    std::size_t at = 0;
    std::vector<std::size_t> consumed;
    for (;;) {
        const parse_step step = p.parse(input.substr(at), e);
        consumed.push_back(step.consumed);
        at += step.consumed;
        if (step.status != parse_status::reply_complete) {
            EXPECT_EQ(step.status, parse_status::need_more);
            break;
        }
        EXPECT_TRUE(p.idle());
        EXPECT_EQ(p.offset(), at);
    }
    EXPECT_EQ(consumed, (std::vector<std::size_t>{5, 4, 8, 0}));
    EXPECT_EQ(e.log, (log_t{"simple:OK", "integer:7", "blob:ab"}));
    EXPECT_EQ(input.substr(at), "+tail");
}

TEST(ParserConsumesWholeTokens, ABlobIsConsumedOnlyWithItsCrlf) {
    parser p;
    events e;
    parse_step step = p.parse("$5\r\nhel", e);
    EXPECT_EQ(step.status, parse_status::need_more);
    EXPECT_EQ(step.consumed, 4u);  // the header line
    EXPECT_FALSE(p.idle());
    EXPECT_TRUE(e.log.empty());

    // The caller keeps "hel" and appends.
    step = p.parse("hello\r", e);
    EXPECT_EQ(step.status, parse_status::need_more);
    EXPECT_EQ(step.consumed, 0u);
    step = p.parse("hello\r\n", e);
    EXPECT_EQ(step.status, parse_status::reply_complete);
    EXPECT_EQ(step.consumed, 7u);
    EXPECT_EQ(e.log, log_t{"blob:hello"});
    EXPECT_EQ(p.offset(), 11u);
    EXPECT_TRUE(p.idle());
}

TEST(ParserConsumesWholeTokens, AggregateEventsArriveAsTheirTokensDo) {
    parser p;
    events e;
    parse_step step = p.parse("*3\r\n:1\r\n%1\r\n+k\r\n:", e);
    EXPECT_EQ(step.status, parse_status::need_more);
    EXPECT_EQ(step.consumed, 16u);
    EXPECT_EQ(e.log, (log_t{"array:3", "integer:1", "map:1", "simple:k"}));
    EXPECT_FALSE(p.idle());
    step = p.parse(":2\r\n~?\r\n#t\r\n.\r\n", e);
    EXPECT_EQ(step.status, parse_status::reply_complete);
    EXPECT_EQ(e.log, (log_t{"array:3", "integer:1", "map:1", "simple:k", "integer:2", "end",
                            "set:-1", "true", "end", "end"}));
}

TEST(ParserConsumesWholeTokens, StreamedStringChunksAreDeliveredOneByOne) {
    parser p;
    events e;
    parse_step step = p.parse("$?\r\n;3\r\nabc\r\n;2\r\nd", e);
    EXPECT_EQ(step.status, parse_status::need_more);
    EXPECT_EQ(step.consumed, 17u);
    EXPECT_FALSE(p.idle());
    step = p.parse("de\r\n;0\r\n", e);
    EXPECT_EQ(step.status, parse_status::reply_complete);
    EXPECT_EQ(e.log, (log_t{"streamed", "chunk:abc", "chunk:de", "streamed_end"}));
}

TEST(ParserConsumesWholeTokens, AnAttributeAloneIsNotAReply) {
    parser p;
    events e;
    parse_step step = p.parse("|1\r\n+k\r\n:1\r\n", e);
    EXPECT_EQ(step.status, parse_status::need_more);
    EXPECT_EQ(step.consumed, 12u);
    EXPECT_FALSE(p.idle());  // the annotated value is still to come
    step = p.parse("#f\r\n", e);
    EXPECT_EQ(step.status, parse_status::reply_complete);
    EXPECT_TRUE(p.idle());
    EXPECT_EQ(e.log, (log_t{"attribute:1", "simple:k", "integer:1", "end", "false"}));
}

TEST(ParserConsumesWholeTokens, StringsAreViewsIntoTheCallersBytes) {
    parser p;
    events e;
    const std::string input = "*4\r\n+simple\r\n$4\r\nblob\r\n=7\r\ntxt:abc\r\n(12\r\n";
    const parse_step step = p.parse(input, e);
    ASSERT_EQ(step.status, parse_status::reply_complete);
    ASSERT_EQ(e.views.size(), 5u);
    for (std::string_view v : e.views) {
        EXPECT_GE(v.data(), input.data());
        EXPECT_LE(v.data() + v.size(), input.data() + input.size());
    }
    EXPECT_EQ(e.views[0].data(), input.data() + 5);
    EXPECT_EQ(e.views[1].data(), input.data() + 17);
}

TEST(ParserConsumesWholeTokens, DeclaredCountsReachTheVisitor) {
    parser p;
    events e;
    ASSERT_EQ(p.parse("%2\r\n:1\r\n:2\r\n:3\r\n:4\r\n", e).status, parse_status::reply_complete);
    ASSERT_EQ(p.parse(">0\r\n", e).status, parse_status::reply_complete);
    ASSERT_EQ(p.parse("*?\r\n.\r\n", e).status, parse_status::reply_complete);
    EXPECT_EQ(e.log.front(), "map:2");  // pairs, not elements
    EXPECT_EQ(e.log[6], "push:0");
    EXPECT_EQ(e.log[8], "array:-1");  // streamed
}

TEST(ParserConsumesWholeTokens, AFailureConsumesUpToTheFaultyToken) {
    parser p;
    events e;
    const parse_step step = p.parse("+OK\r\n*2\r\n:1\r\n:x\r\n", e);
    EXPECT_EQ(step.status, parse_status::reply_complete);
    const parse_step bad = p.parse("*2\r\n:1\r\n:x\r\n", e);
    EXPECT_EQ(bad.status, parse_status::failed);
    EXPECT_EQ(bad.consumed, 8u);
    EXPECT_EQ(p.error(), (parse_error{parse_errc::invalid_integer, 14}));
    EXPECT_EQ(p.offset(), 13u);
    const parse_step again = p.parse(":x\r\n", e);
    EXPECT_EQ(again.status, parse_status::failed);
    EXPECT_EQ(again.consumed, 0u);
    EXPECT_EQ(p.error(), (parse_error{parse_errc::invalid_integer, 14}));
}

TEST(ParserConsumesWholeTokens, KeepsItsLimits) {
    limits bounds;
    bounds.max_depth = 3;
    bounds.max_line_length = 10;
    parser p(bounds);
    EXPECT_EQ(p.bounds().max_depth, 3u);
    EXPECT_EQ(p.bounds().max_line_length, 10u);
    events e;
    EXPECT_EQ(p.parse("+01234567890\r\n", e).status, parse_status::failed);
    p.reset();
    EXPECT_EQ(p.bounds().max_line_length, 10u);
    EXPECT_EQ(p.parse("+0123456789\r\n", e).status, parse_status::reply_complete);
}

}  // namespace
