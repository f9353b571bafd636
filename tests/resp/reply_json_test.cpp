// append_json writes the canonical line of shared/specs/decode-format.md:
// one JSON object per value, the spec's field names, binary-safe string
// escaping, no whitespace, no trailing newline.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache::resp;

std::string json_of(std::string_view wire) {
    reader r;
    r.feed(wire);
    auto next = r.next();
    if (!next || !*next) {
        ADD_FAILURE() << "no reply in " << ::testing::PrintToString(std::string(wire));
        return {};
    }
    std::string out;
    append_json(out, **next);
    return out;
}

std::string escaped(std::string_view bytes) {
    std::string out;
    append_json_string(out, bytes);
    return out;
}

TEST(ReplyJson, TheTableOfTheSpec) {
    EXPECT_EQ(json_of("+OK\r\n"), R"({"simple":"OK"})");
    EXPECT_EQ(json_of("-ERR x\r\n"), R"({"error":"ERR x"})");
    EXPECT_EQ(json_of(":42\r\n"), R"({"integer":42})");
    EXPECT_EQ(json_of("$3\r\nfoo\r\n"), R"({"blob":"foo"})");
    EXPECT_EQ(json_of("_\r\n"), R"({"null":true})");
    EXPECT_EQ(json_of("$-1\r\n"), R"({"null":true})");
    EXPECT_EQ(json_of("*-1\r\n"), R"({"null":true})");
    EXPECT_EQ(json_of(",1.5\r\n"), R"({"double":"1.5"})");
    EXPECT_EQ(json_of(",inf\r\n"), R"({"double":"inf"})");
    EXPECT_EQ(json_of(",-inf\r\n"), R"({"double":"-inf"})");
    EXPECT_EQ(json_of(",nan\r\n"), R"({"double":"nan"})");
    EXPECT_EQ(json_of("#t\r\n"), R"({"boolean":true})");
    EXPECT_EQ(json_of("!3\r\nbad\r\n"), R"({"blob_error":"bad"})");
    EXPECT_EQ(json_of("=15\r\ntxt:Some string\r\n"),
              R"({"verbatim":"Some string","format":"txt"})");
    EXPECT_EQ(json_of("(-1234567890123456789012345\r\n"),
              R"({"bignum":"-1234567890123456789012345"})");
    EXPECT_EQ(json_of("*2\r\n:1\r\n:2\r\n"), R"({"array":[{"integer":1},{"integer":2}]})");
    EXPECT_EQ(json_of("%1\r\n+k\r\n+v\r\n"), R"({"map":[[{"simple":"k"},{"simple":"v"}]]})");
    EXPECT_EQ(json_of("~2\r\n:1\r\n:1\r\n"), R"({"set":[{"integer":1},{"integer":1}]})");
    EXPECT_EQ(json_of(">3\r\n:1\r\n:2\r\n:3\r\n"),
              R"({"push":[{"integer":1},{"integer":2},{"integer":3}]})");
    EXPECT_EQ(json_of("|1\r\n+k\r\n+v\r\n:1\r\n"),
              R"({"attributes":[[{"simple":"k"},{"simple":"v"}]],"value":{"integer":1}})");
    EXPECT_EQ(json_of("$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n"), R"({"blob":"abc"})");
    EXPECT_EQ(json_of("%?\r\n+k\r\n+v\r\n.\r\n"), R"({"map":[[{"simple":"k"},{"simple":"v"}]]})");
}

TEST(ReplyJson, MapPairsStayInWireOrder) {
    EXPECT_EQ(json_of("%3\r\n+z\r\n:1\r\n+a\r\n:2\r\n+m\r\n:3\r\n"),
              R"({"map":[[{"simple":"z"},{"integer":1}],[{"simple":"a"},{"integer":2}],)"
              R"([{"simple":"m"},{"integer":3}]]})");
}

TEST(ReplyJson, DoublesInTheShortestTextThatReadsBack) {
    EXPECT_EQ(json_of(",0.30000000000000004\r\n"), R"({"double":"0.30000000000000004"})");
    EXPECT_EQ(json_of(",0.3\r\n"), R"({"double":"0.3"})");
    EXPECT_EQ(json_of(",1.50000\r\n"), R"({"double":"1.5"})");
    EXPECT_EQ(json_of(",1e21\r\n"), R"({"double":"1e+21"})");
    EXPECT_EQ(json_of(",5e-324\r\n"), R"({"double":"5e-324"})");
}

TEST(ReplyJson, EscapesEveryByteAsTheSpecSays) {
    for (int byte = 0; byte < 256; ++byte) {
        const char c = static_cast<char>(byte);
        std::string expected = "\"";
        if (c == '"') {
            expected += "\\\"";
        } else if (c == '\\') {
            expected += "\\\\";
        } else if (byte >= 0x20 && byte <= 0x7e) {
            expected += c;
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\u00%02x", byte);
            expected += hex;
        }
        expected += "\"";
        EXPECT_EQ(escaped(std::string_view(&c, 1)), expected) << "byte " << byte;
    }
}

TEST(ReplyJson, EscapingExamples) {
    EXPECT_EQ(escaped(""), R"("")");
    EXPECT_EQ(escaped("say \"hi\" \\o/"), R"("say \"hi\" \\o/")");
    EXPECT_EQ(escaped("\r\n\t"), R"("\u000d\u000a\u0009")");
    EXPECT_EQ(escaped(std::string_view("\0\x7f\x80\xff", 4)), R"("\u0000\u007f\u0080\u00ff")");
    EXPECT_EQ(escaped("caf\xc3\xa9"), R"("caf\u00c3\u00a9")");  // bytes, not code points
    EXPECT_EQ(escaped(" ~"), R"(" ~")");
}

TEST(ReplyJson, EscapesInsideEveryStringKind) {
    EXPECT_EQ(json_of("+a\"b\r\n"), R"({"simple":"a\"b"})");
    EXPECT_EQ(json_of("-a\\b\r\n"), R"({"error":"a\\b"})");
    EXPECT_EQ(json_of("!2\r\n\x01\x02\r\n"), R"({"blob_error":"\u0001\u0002"})");
    EXPECT_EQ(json_of("=5\r\nt\"t:\n\r\n"), R"({"verbatim":"\u000a","format":"t\"t"})");
    EXPECT_EQ(json_of("%1\r\n$1\r\n\"\r\n$1\r\n\\\r\n"),
              R"({"map":[[{"blob":"\""},{"blob":"\\"}]]})");
}

TEST(ReplyJson, NoWhitespaceAndNoNewline) {
    const std::string line =
        json_of("|1\r\n+k\r\n+v\r\n*3\r\n%1\r\n:1\r\n~1\r\n#f\r\n>0\r\n=7\r\ntxt:a b\r\n");
    EXPECT_EQ(line, R"({"attributes":[[{"simple":"k"},{"simple":"v"}]],"value":{"array":[)"
                    R"({"map":[[{"integer":1},{"set":[{"boolean":false}]}]]},{"push":[]},)"
                    R"({"verbatim":"a b","format":"txt"}]}})");
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(line.find('\t'), std::string::npos);
    // The only space is inside the verbatim string.
    EXPECT_EQ(line.find(' '), line.find("a b") + 1);
}

TEST(ReplyJson, AppendsToWhatIsThere) {
    reader r;
    r.feed(":1\r\n");
    auto next = r.next();
    ASSERT_TRUE(next && *next);
    std::string out = "before:";
    append_json(out, **next);
    append_json(out, **next);
    EXPECT_EQ(out, R"(before:{"integer":1}{"integer":1})");
    std::string s = "x";
    append_json_string(s, "y");
    EXPECT_EQ(s, R"(x"y")");
}

TEST(ReplyJson, ADefaultReplyIsANull) {
    std::string out;
    append_json(out, reply());
    EXPECT_EQ(out, R"({"null":true})");
}

TEST(ReplyJson, AttributesOnNestedValuesAndKeys) {
    EXPECT_EQ(json_of("%1\r\n|1\r\n+a\r\n:1\r\n+k\r\n|0\r\n+v\r\n"),
              R"({"map":[[{"attributes":[[{"simple":"a"},{"integer":1}]],"value":{"simple":"k"}},)"
              R"({"attributes":[],"value":{"simple":"v"}}]]})");
}

// The user may raise max_depth far beyond the default: printing such a reply
// must not depend on the call stack's size.
TEST(ReplyJson, PrintsNestingFarDeeperThanTheCallStackWouldAllow) {
    constexpr std::size_t depth = 200000;
    std::string wire;
    for (std::size_t i = 0; i < depth; ++i) wire += "*1\r\n";
    wire += ":7\r\n";
    limits deep;
    deep.max_depth = depth;
    reader r(deep);
    r.feed(wire);
    auto next = r.next();
    ASSERT_TRUE(next && next->has_value());
    std::string out;
    append_json(out, **next);
    std::string expected;
    for (std::size_t i = 0; i < depth; ++i) expected += "{\"array\":[";
    expected += "{\"integer\":7}";
    for (std::size_t i = 0; i < depth; ++i) expected += "]}";
    EXPECT_EQ(out, expected);
}

}  // namespace
