// reader::take_all hands every complete reply in the buffer to the callback,
// exactly as next() returns them one by one: the same replies for every
// shape (the ones its one-pass path reads and the ones it leaves to the
// resumable parser), split at every offset, and the same error code and
// offset for malformed input, after the good replies before it.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/limits.hpp"
#include "respcache/resp/parse_error.hpp"
#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache::resp;

struct decoded {
    std::vector<std::string> lines;
    std::string ending;  // "done", "incomplete at N" or "<code> at N"
};

std::string ending_of(const reader& r) {
    if (r.failed())
        return std::string(to_string(r.failure().code)) + " at " +
               std::to_string(r.failure().offset);
    if (!r.idle()) return "incomplete at " + std::to_string(r.reply_offset());
    return "done";
}

// The reference: next() until it needs more bytes, fed whole.
decoded with_next(std::string_view wire, const limits& bounds = {}) {
    reader r(bounds);
    decoded out;
    r.feed(wire);
    for (;;) {
        auto next = r.next();
        if (!next || !*next) break;
        append_json(out.lines.emplace_back(), **next);
    }
    out.ending = ending_of(r);
    return out;
}

// take_all after each piece, the pieces cut at `cuts`.
decoded with_take_all(std::string_view wire, const std::vector<std::size_t>& cuts,
                      const limits& bounds = {}) {
    reader r(bounds);
    decoded out;
    std::size_t from = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(wire.size());
    for (const std::size_t to : ends) {
        r.feed(wire.substr(from, to - from));
        from = to;
        const std::size_t before = out.lines.size();
        auto taken =
            r.take_all([&](const reply& value) { append_json(out.lines.emplace_back(), value); });
        if (!taken) {
            EXPECT_EQ(taken.error_value(), to_error(r.failure()));
            break;
        }
        EXPECT_EQ(*taken, out.lines.size() - before);
    }
    out.ending = ending_of(r);
    return out;
}

void expect_same(const decoded& expected, const decoded& actual, std::string_view what) {
    EXPECT_EQ(actual.lines, expected.lines) << what;
    EXPECT_EQ(actual.ending, expected.ending) << what;
}

// Every shape the one-pass path reads, every shape it leaves to the parser,
// and the edges between them.
const std::vector<std::string>& shapes() {
    static const std::vector<std::string> all = {
        "+OK\r\n", "-ERR unknown command\r\n",
        "+" + std::string(40, 's') + "\r\n",  // longer than the one-pass scan
        "+\r\n", ":1234567\r\n", ":-42\r\n", ":+7\r\n", ":0\r\n",
        ":12345678\r\n",            // exactly eight digits
        ":123456789012345678\r\n",  // eighteen
        ":9223372036854775807\r\n", ":-9223372036854775808\r\n", "$16\r\nabcdefghijklmnop\r\n",
        "$0\r\n\r\n", "$-1\r\n", "*-1\r\n", "_\r\n", "$1024\r\n" + std::string(1024, 'b') + "\r\n",
        "*3\r\n$18\r\n638712345678901234\r\n$11\r\n12000000000\r\n$5\r\nhello\r\n",
        "*3\r\n$-1\r\n$-1\r\n$-1\r\n",
        "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
        "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:5\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n"
        "$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n",
        ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n", "~2\r\n:1\r\n:2\r\n", "*0\r\n",
        "%0\r\n", "*2\r\n*2\r\n:1\r\n*1\r\n_\r\n+x\r\n",
        "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",  // deeper than 8
        // RESP3 values only the parser reads.
        ",1.5\r\n", "#t\r\n", "!5\r\nERR y\r\n", "=7\r\ntxt:abc\r\n",
        "(-123456789012345678901234567890\r\n", "|1\r\n+ttl\r\n:3600\r\n:3\r\n",
        "*2\r\n:1\r\n|1\r\n+k\r\n+v\r\n:2\r\n", "$?\r\n;4\r\nHell\r\n;1\r\no\r\n;0\r\n",
        "*?\r\n:1\r\n.\r\n",
        "*2\r\n:1\r\n,2.5\r\n",  // one-pass start, parser finish
    };
    return all;
}

std::string all_shapes() {
    std::string wire;
    for (const std::string& s : shapes()) wire += s;
    return wire;
}

TEST(TakeAll, HandsEveryShapeAsNextReturnsIt) {
    for (const std::string& shape : shapes()) {
        const decoded reference = with_next(shape);
        ASSERT_EQ(reference.lines.size(), 1u) << shape;
        EXPECT_EQ(reference.ending, "done") << shape;
        expect_same(reference, with_take_all(shape, {}), shape);
    }
}

TEST(TakeAll, ReadsKnownShapesToTheseValues) {
    EXPECT_EQ(with_take_all("+OK\r\n:-42\r\n$3\r\nfoo\r\n$-1\r\n", {}).lines,
              (std::vector<std::string>{R"({"simple":"OK"})", R"({"integer":-42})",
                                        R"({"blob":"foo"})", R"({"null":true})"}));
    EXPECT_EQ(
        with_take_all(">2\r\n+message\r\n:12345678\r\n", {}).lines,
        (std::vector<std::string>{R"({"push":[{"simple":"message"},{"integer":12345678}]})"}));
    EXPECT_EQ(
        with_take_all("%1\r\n+k\r\n*1\r\n_\r\n", {}).lines,
        (std::vector<std::string>{R"({"map":[[{"simple":"k"},{"array":[{"null":true}]}]]})"}));
}

TEST(TakeAll, AStreamOfEveryShapeSplitAtEveryOffset) {
    const std::string wire = all_shapes();
    const decoded reference = with_next(wire);
    ASSERT_EQ(reference.lines.size(), shapes().size());
    expect_same(reference, with_take_all(wire, {}), "whole");
    for (std::size_t cut = 1; cut < wire.size(); ++cut)
        expect_same(reference, with_take_all(wire, {cut}), "cut at " + std::to_string(cut));
    std::vector<std::size_t> every;
    for (std::size_t cut = 1; cut < wire.size(); ++cut) every.push_back(cut);
    expect_same(reference, with_take_all(wire, every), "byte by byte");
}

TEST(TakeAll, LeavesAnUnfinishedReplyForTheNextRead) {
    reader r;
    r.feed("+OK\r\n*3\r\n:1\r\n:2");
    std::vector<std::string> lines;
    auto taken = r.take_all([&](const reply& value) { append_json(lines.emplace_back(), value); });
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, 1u);
    EXPECT_FALSE(r.idle());
    EXPECT_EQ(r.reply_offset(), 5u);
    r.feed("\r\n:3\r\n");
    taken = r.take_all([&](const reply& value) { append_json(lines.emplace_back(), value); });
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, 1u);
    EXPECT_TRUE(r.idle());
    EXPECT_EQ(r.reply_offset(), 21u);
    EXPECT_EQ(lines, (std::vector<std::string>{
                         R"({"simple":"OK"})",
                         R"({"array":[{"integer":1},{"integer":2},{"integer":3}]})"}));
    // Nothing buffered: nothing handed, no error.
    taken = r.take_all([&](const reply&) { ADD_FAILURE() << "no reply expected"; });
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, 0u);
}

TEST(TakeAll, MixesWithNext) {
    reader r;
    r.feed("+a\r\n+b\r\n+c\r\n");
    auto first = r.next();
    ASSERT_TRUE(first && *first);
    EXPECT_EQ((*first)->string(), "a");
    std::string rest;
    auto taken = r.take_all([&](const reply& value) { rest += value.string(); });
    ASSERT_TRUE(taken);
    EXPECT_EQ(*taken, 2u);
    EXPECT_EQ(rest, "bc");
}

TEST(TakeAll, AReplyKeptWithToOwnedOutlivesTheBuffer) {
    reader r;
    r.feed("*2\r\n$5\r\nhello\r\n:7\r\n");
    owned_reply kept;
    ASSERT_TRUE(r.take_all([&](const reply& value) { kept = value.to_owned(); }));
    r.feed("$5\r\nwrong\r\n");
    ASSERT_TRUE(r.take_all([](const reply&) {}));
    ASSERT_EQ(kept.view().size(), 2u);
    EXPECT_EQ(kept.view()[0].string(), "hello");
    EXPECT_EQ(kept.view()[1].integer(), 7);
}

struct malformed_case {
    std::string_view wire;
    parse_errc code;
    std::uint64_t offset;
};

// Each after one good reply (5 bytes), so the offsets count from there.
const malformed_case malformed[] = {
    {"+OK\r\n?\r\n", parse_errc::invalid_type_byte, 5},
    {"+OK\r\n:12a\r\n", parse_errc::invalid_integer, 8},
    {"+OK\r\n:\r\n", parse_errc::invalid_integer, 6},
    {"+OK\r\n:99999999999999999999\r\n", parse_errc::integer_overflow, 24},
    {"+OK\r\n$3\r\nabcd\r\n", parse_errc::missing_bulk_crlf, 12},
    {"+OK\r\n$x\r\n", parse_errc::invalid_length, 6},
    {"+OK\r\n$-2\r\n", parse_errc::invalid_length, 6},
    {"+OK\r\n*2\r\n:1\r\n:x\r\n", parse_errc::invalid_integer, 14},
    {"+OK\r\n%1\r\n+k\r\n.\r\n", parse_errc::unexpected_end_marker, 13},
    {"+OK\r\n+bare CR\r+", parse_errc::missing_line_feed, 14},
    {"+OK\r\n_x\r\n", parse_errc::invalid_null, 6},
    {"+OK\r\n>-1\r\n", parse_errc::invalid_length, 6},
};

TEST(TakeAll, HandsTheGoodRepliesThenFailsLikeNext) {
    for (const malformed_case& c : malformed) {
        const decoded reference = with_next(c.wire);
        const std::string expected =
            std::string(to_string(c.code)) + " at " + std::to_string(c.offset);
        EXPECT_EQ(reference.ending, expected) << c.wire;
        EXPECT_EQ(reference.lines, std::vector<std::string>{R"({"simple":"OK"})"}) << c.wire;
        expect_same(reference, with_take_all(c.wire, {}), c.wire);
        std::vector<std::size_t> every;
        for (std::size_t cut = 1; cut < c.wire.size(); ++cut) every.push_back(cut);
        expect_same(reference, with_take_all(c.wire, every), c.wire);
    }
}

TEST(TakeAll, KeepsFailingOnceFailed) {
    reader r;
    r.feed("?");
    const auto first = r.take_all([](const reply&) { ADD_FAILURE() << "no reply expected"; });
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error_value().kind, respcache::error_kind::protocol);
    r.feed("+OK\r\n");
    const auto again = r.take_all([](const reply&) { ADD_FAILURE() << "no reply expected"; });
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error_value(), first.error_value());
    EXPECT_EQ(r.failure(), (parse_error{parse_errc::invalid_type_byte, 0}));
}

TEST(TakeAll, SmallLimitsGiveTheParsersErrors) {
    limits small;
    small.max_depth = 2;
    small.max_bulk_length = 4;
    small.max_elements = 3;
    small.max_line_length = 6;
    small.max_nodes = 5;
    const std::string_view cases[] = {
        "*1\r\n*1\r\n*1\r\n:1\r\n",
        "$5\r\nhello\r\n",
        "*4\r\n",
        "%2\r\n",
        ":1234567\r\n",
        "+abcdefg\r\n",
        "*3\r\n*1\r\n:1\r\n:2\r\n*1\r\n:3\r\n",
        "$1234567\r\n",
    };
    for (const std::string_view wire : cases) {
        const decoded reference = with_next(wire, small);
        EXPECT_NE(reference.ending, "done") << wire;
        expect_same(reference, with_take_all(wire, {}, small), wire);
    }
    // Exactly at every limit: accepted by both.
    const std::string_view at_limits =
        "*1\r\n*3\r\n:1\r\n:2\r\n$4\r\nabcd\r\n+abcdef\r\n:123456\r\n";
    const decoded reference = with_next(at_limits, small);
    EXPECT_EQ(reference.ending, "done");
    EXPECT_EQ(reference.lines.size(), 3u);
    expect_same(reference, with_take_all(at_limits, {}, small), at_limits);
}

}  // namespace
