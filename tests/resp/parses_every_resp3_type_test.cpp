// Every RESP2 and RESP3 value type reaches the caller with the right kind,
// accessors and decode-format JSON: scalars, RESP2 nulls, streamed strings
// and aggregates, attributes, push frames, doubles, integers, big numbers.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/reply_json.hpp"
#include "respcache/resp/type.hpp"

namespace {

using namespace respcache::resp;

// A reader holding exactly one complete reply, with that reply and its JSON.
struct parsed {
    reader source;
    reply value;
    std::string json;
    bool ok = false;
};

std::unique_ptr<parsed> parse_one(std::string_view bytes) {
    auto p = std::make_unique<parsed>();
    p->source.feed(bytes);
    auto next = p->source.next();
    if (!next) {
        ADD_FAILURE() << "parse failed: " << respcache::to_string(next.error_value())
                      << " for input " << ::testing::PrintToString(std::string(bytes));
        return p;
    }
    if (!next->has_value()) {
        ADD_FAILURE() << "no complete reply in " << ::testing::PrintToString(std::string(bytes));
        return p;
    }
    p->value = **next;
    append_json(p->json, p->value);
    // The whole input was this one reply: nothing is left over.
    EXPECT_TRUE(p->source.idle()) << ::testing::PrintToString(std::string(bytes));
    p->ok = true;
    return p;
}

std::string json_of(std::string_view bytes) {
    return parse_one(bytes)->json;
}

struct json_case {
    std::string_view name;
    std::string_view wire;
    std::string_view json;
};

// One case per type byte, plus the RESP2 nulls and streamed forms.
const json_case every_type[] = {
    {"simple_string", "+OK\r\n", R"({"simple":"OK"})"},
    {"empty_simple_string", "+\r\n", R"({"simple":""})"},
    {"simple_error", "-ERR unknown command\r\n", R"({"error":"ERR unknown command"})"},
    {"integer", ":42\r\n", R"({"integer":42})"},
    {"negative_integer", ":-7\r\n", R"({"integer":-7})"},
    {"blob", "$3\r\nfoo\r\n", R"({"blob":"foo"})"},
    {"empty_blob", "$0\r\n\r\n", R"({"blob":""})"},
    {"binary_blob", std::string_view("$4\r\na\r\n\0\r\n", 10), R"({"blob":"a\u000d\u000a\u0000"})"},
    {"null", "_\r\n", R"({"null":true})"},
    {"resp2_null_blob", "$-1\r\n", R"({"null":true})"},
    {"resp2_null_array", "*-1\r\n", R"({"null":true})"},
    {"double", ",1.5\r\n", R"({"double":"1.5"})"},
    {"boolean_true", "#t\r\n", R"({"boolean":true})"},
    {"boolean_false", "#f\r\n", R"({"boolean":false})"},
    {"blob_error", "!21\r\nSYNTAX invalid syntax\r\n", R"({"blob_error":"SYNTAX invalid syntax"})"},
    {"verbatim", "=15\r\ntxt:Some string\r\n", R"({"verbatim":"Some string","format":"txt"})"},
    {"empty_verbatim", "=4\r\nmkd:\r\n", R"({"verbatim":"","format":"mkd"})"},
    {"big_number", "(3492890328409238509324850943850943825024385\r\n",
     R"({"bignum":"3492890328409238509324850943850943825024385"})"},
    {"array", "*2\r\n:1\r\n$1\r\nx\r\n", R"({"array":[{"integer":1},{"blob":"x"}]})"},
    {"empty_array", "*0\r\n", R"({"array":[]})"},
    {"map", "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
     R"({"map":[[{"simple":"first"},{"integer":1}],[{"simple":"second"},{"integer":2}]]})"},
    {"empty_map", "%0\r\n", R"({"map":[]})"},
    {"set", "~3\r\n+a\r\n+b\r\n+a\r\n",
     R"({"set":[{"simple":"a"},{"simple":"b"},{"simple":"a"}]})"},
    {"push", ">3\r\n+message\r\n+chan\r\n$5\r\nhello\r\n",
     R"({"push":[{"simple":"message"},{"simple":"chan"},{"blob":"hello"}]})"},
    {"attribute", "|1\r\n+ttl\r\n:3600\r\n+OK\r\n",
     R"({"attributes":[[{"simple":"ttl"},{"integer":3600}]],"value":{"simple":"OK"}})"},
    {"streamed_string", "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n",
     R"({"blob":"Hello word"})"},
    {"empty_streamed_string", "$?\r\n;0\r\n", R"({"blob":""})"},
    {"streamed_array", "*?\r\n:1\r\n:2\r\n:3\r\n.\r\n",
     R"({"array":[{"integer":1},{"integer":2},{"integer":3}]})"},
    {"empty_streamed_array", "*?\r\n.\r\n", R"({"array":[]})"},
    {"streamed_set", "~?\r\n+a\r\n+a\r\n.\r\n", R"({"set":[{"simple":"a"},{"simple":"a"}]})"},
    {"streamed_map", "%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n",
     R"({"map":[[{"simple":"a"},{"integer":1}],[{"simple":"b"},{"integer":2}]]})"},
    {"nested", "*2\r\n%1\r\n+k\r\n~1\r\n#t\r\n>1\r\n_\r\n",
     R"({"array":[{"map":[[{"simple":"k"},{"set":[{"boolean":true}]}]]},{"push":[{"null":true}]}]})"},
    {"nested_streamed", "*?\r\n*?\r\n$?\r\n;2\r\nab\r\n;0\r\n.\r\n%?\r\n.\r\n.\r\n",
     R"({"array":[{"array":[{"blob":"ab"}]},{"map":[]}]})"},
};

void PrintTo(const json_case& c, std::ostream* os) {
    *os << c.name;
}

class EveryTypeJson : public ::testing::TestWithParam<json_case> {};

TEST_P(EveryTypeJson, PrintsTheDecodeFormatLine) {
    EXPECT_EQ(json_of(GetParam().wire), GetParam().json);
}

INSTANTIATE_TEST_SUITE_P(ParsesEveryResp3Type, EveryTypeJson, ::testing::ValuesIn(every_type),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ParsesEveryResp3Type, ScalarsHaveTheirKindAndValue) {
    auto simple = parse_one("+OK\r\n");
    EXPECT_EQ(simple->value.kind(), type::simple_string);
    EXPECT_EQ(simple->value.string(), "OK");
    EXPECT_FALSE(simple->value.is_error());
    EXPECT_FALSE(simple->value.is_aggregate());

    auto error = parse_one("-WRONGTYPE Operation\r\n");
    EXPECT_EQ(error->value.kind(), type::simple_error);
    EXPECT_EQ(error->value.string(), "WRONGTYPE Operation");
    EXPECT_TRUE(error->value.is_error());

    auto blob_error = parse_one("!10\r\nERR failed\r\n");
    EXPECT_EQ(blob_error->value.kind(), type::blob_error);
    EXPECT_EQ(blob_error->value.string(), "ERR failed");
    EXPECT_TRUE(blob_error->value.is_error());

    auto integer = parse_one(":-123\r\n");
    EXPECT_EQ(integer->value.kind(), type::integer);
    EXPECT_EQ(integer->value.integer(), -123);
    EXPECT_EQ(integer->value.string(), "");

    auto blob = parse_one("$5\r\nhello\r\n");
    EXPECT_EQ(blob->value.kind(), type::blob_string);
    EXPECT_EQ(blob->value.string(), "hello");
    EXPECT_EQ(blob->value.integer(), 0);

    auto boolean = parse_one("#t\r\n");
    EXPECT_EQ(boolean->value.kind(), type::boolean);
    EXPECT_TRUE(boolean->value.boolean());
    EXPECT_FALSE(parse_one("#f\r\n")->value.boolean());

    auto verbatim = parse_one("=15\r\ntxt:Some string\r\n");
    EXPECT_EQ(verbatim->value.kind(), type::verbatim_string);
    EXPECT_EQ(verbatim->value.string(), "Some string");
    EXPECT_EQ(verbatim->value.verbatim_format(), "txt");
    EXPECT_EQ(blob->value.verbatim_format(), "");

    auto big = parse_one("(-3492890328409238509324850943850943825024385\r\n");
    EXPECT_EQ(big->value.kind(), type::big_number);
    EXPECT_EQ(big->value.string(), "-3492890328409238509324850943850943825024385");
}

TEST(ParsesEveryResp3Type, BlobsAreBinarySafe) {
    std::string body;
    for (int byte = 0; byte < 256; ++byte) body.push_back(static_cast<char>(byte));
    const std::string wire = "$256\r\n" + body + "\r\n";
    auto p = parse_one(wire);
    EXPECT_EQ(p->value.string(), body);
}

TEST(ParsesEveryResp3Type, AllNullFormsAreNull) {
    for (std::string_view wire : {"_\r\n", "$-1\r\n", "*-1\r\n"}) {
        auto p = parse_one(wire);
        EXPECT_EQ(p->value.kind(), type::null) << wire;
        EXPECT_TRUE(p->value.is_null()) << wire;
        EXPECT_EQ(p->value.size(), 0u) << wire;
    }
}

TEST(ParsesEveryResp3Type, Resp2NullsInsideAnArrayAreElements) {
    auto p = parse_one("*3\r\n$-1\r\n*-1\r\n$0\r\n\r\n");
    EXPECT_EQ(p->json, R"({"array":[{"null":true},{"null":true},{"blob":""}]})");
    EXPECT_EQ(p->value.size(), 3u);
}

TEST(ParsesEveryResp3Type, AggregatesHaveTheirKindAndSize) {
    EXPECT_EQ(parse_one("*2\r\n:1\r\n:2\r\n")->value.kind(), type::array);
    EXPECT_EQ(parse_one("~1\r\n:1\r\n")->value.kind(), type::set);
    EXPECT_EQ(parse_one(">1\r\n:1\r\n")->value.kind(), type::push);

    auto map = parse_one("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n");
    EXPECT_EQ(map->value.kind(), type::map);
    EXPECT_TRUE(map->value.is_aggregate());
    EXPECT_EQ(map->value.size(), 4u);  // key, value, key, value

    auto empty = parse_one("*0\r\n");
    EXPECT_TRUE(empty->value.empty());
    EXPECT_EQ(empty->value.begin(), empty->value.end());
}

TEST(ParsesEveryResp3Type, PushFramesAreDistinguishableFromArrays) {
    auto push = parse_one(">2\r\n+pubsub\r\n+message\r\n");
    auto array = parse_one("*2\r\n+pubsub\r\n+message\r\n");
    EXPECT_EQ(push->value.kind(), type::push);
    EXPECT_EQ(array->value.kind(), type::array);
    EXPECT_EQ(push->json, R"({"push":[{"simple":"pubsub"},{"simple":"message"}]})");
    EXPECT_EQ(array->json, R"({"array":[{"simple":"pubsub"},{"simple":"message"}]})");
}

TEST(ParsesEveryResp3Type, StreamedStringJoinsItsChunks) {
    auto p = parse_one("$?\r\n;4\r\nHell\r\n;6\r\no\r\nwor\r\n;2\r\nld\r\n;0\r\n");
    EXPECT_EQ(p->value.kind(), type::blob_string);
    EXPECT_EQ(p->value.string(), "Hello\r\nworld");
}

TEST(ParsesEveryResp3Type, SeveralStreamedStringsInOneReplyStayApart) {
    auto p =
        parse_one("*3\r\n$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n$1\r\nx\r\n$?\r\n;3\r\ndef\r\n;0\r\n");
    ASSERT_EQ(p->value.size(), 3u);
    EXPECT_EQ(p->value[0].string(), "abc");
    EXPECT_EQ(p->value[1].string(), "x");
    EXPECT_EQ(p->value[2].string(), "def");
}

TEST(ParsesEveryResp3Type, StreamedAggregatesLookLikeFixedOnes) {
    EXPECT_EQ(json_of("*?\r\n:1\r\n+two\r\n.\r\n"), json_of("*2\r\n:1\r\n+two\r\n"));
    EXPECT_EQ(json_of("~?\r\n:1\r\n:1\r\n.\r\n"), json_of("~2\r\n:1\r\n:1\r\n"));
    EXPECT_EQ(json_of("%?\r\n+k\r\n+v\r\n.\r\n"), json_of("%1\r\n+k\r\n+v\r\n"));
    auto map = parse_one("%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n");
    EXPECT_EQ(map->value.kind(), type::map);
    EXPECT_EQ(map->value.size(), 4u);
}

TEST(ParsesEveryResp3Type, TopLevelAttributeAnnotatesTheFollowingValue) {
    // The example of the RESP3 specification.
    auto p = parse_one(
        "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
        "*2\r\n:2039123\r\n:9543892\r\n");
    EXPECT_EQ(p->value.kind(), type::array);
    EXPECT_EQ(p->value.size(), 2u);
    EXPECT_EQ(p->value[0].integer(), 2039123);
    EXPECT_EQ(p->value[1].integer(), 9543892);
    ASSERT_TRUE(p->value.has_attributes());
    const reply attributes = p->value.attributes();
    EXPECT_EQ(attributes.kind(), type::attribute);
    EXPECT_EQ(attributes.size(), 2u);
    const auto popularity = attributes.find("key-popularity");
    ASSERT_TRUE(popularity.has_value());
    EXPECT_EQ(popularity->kind(), type::map);
    EXPECT_DOUBLE_EQ(popularity->find("a")->number(), 0.1923);
    EXPECT_EQ(p->json, R"({"attributes":[[{"simple":"key-popularity"},{"map":[[{"blob":"a"},)"
                       R"({"double":"0.1923"}],[{"blob":"b"},{"double":"0.0012"}]]}]],)"
                       R"("value":{"array":[{"integer":2039123},{"integer":9543892}]}})");
}

TEST(ParsesEveryResp3Type, NestedAttributeIsNotCountedAsAnElement) {
    auto p = parse_one("*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n");
    EXPECT_EQ(p->value.size(), 3u);
    EXPECT_FALSE(p->value[0].has_attributes());
    EXPECT_FALSE(p->value[1].has_attributes());
    ASSERT_TRUE(p->value[2].has_attributes());
    EXPECT_EQ(p->value[2].integer(), 3);
    EXPECT_EQ(p->value[2].attributes().find("ttl")->integer(), 3600);
    EXPECT_EQ(p->json,
              R"({"array":[{"integer":1},{"integer":2},)"
              R"({"attributes":[[{"simple":"ttl"},{"integer":3600}]],"value":{"integer":3}}]})");
}

TEST(ParsesEveryResp3Type, AttributesInsideMapsAndStreamedAggregates) {
    // On a map value, and on an element of a streamed set.
    EXPECT_EQ(json_of("%1\r\n+k\r\n|1\r\n+a\r\n+b\r\n+v\r\n"),
              R"({"map":[[{"simple":"k"},)"
              R"({"attributes":[[{"simple":"a"},{"simple":"b"}]],"value":{"simple":"v"}}]]})");
    auto set = parse_one("~?\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n.\r\n");
    EXPECT_EQ(set->value.size(), 2u);
    EXPECT_TRUE(set->value[0].has_attributes());
    EXPECT_FALSE(set->value[1].has_attributes());
}

TEST(ParsesEveryResp3Type, AttributeOnAnAttributeKeyAndOnAnAggregate) {
    // The attribute's key carries its own attribute; the annotated value is an array.
    auto p = parse_one("|1\r\n|1\r\n+x\r\n+y\r\n+k\r\n+v\r\n*1\r\n:1\r\n");
    EXPECT_EQ(p->value.kind(), type::array);
    ASSERT_EQ(p->value.size(), 1u);
    EXPECT_EQ(p->value[0].integer(), 1);
    const reply attributes = p->value.attributes();
    ASSERT_EQ(attributes.size(), 2u);
    EXPECT_TRUE(attributes[0].has_attributes());
    EXPECT_EQ(attributes[0].string(), "k");
    EXPECT_EQ(attributes[0].attributes().find("x")->string(), "y");
    EXPECT_EQ(p->json,
              R"({"attributes":[[{"attributes":[[{"simple":"x"},{"simple":"y"}]],)"
              R"("value":{"simple":"k"}},{"simple":"v"}]],"value":{"array":[{"integer":1}]}})");
}

TEST(ParsesEveryResp3Type, EmptyAttributeStillAnnotates) {
    auto p = parse_one("|0\r\n:5\r\n");
    EXPECT_EQ(p->value.integer(), 5);
    EXPECT_TRUE(p->value.has_attributes());
    EXPECT_EQ(p->value.attributes().size(), 0u);
    EXPECT_EQ(p->json, R"({"attributes":[],"value":{"integer":5}})");
}

TEST(ParsesEveryResp3Type, AttributeOnAPushFrame) {
    auto p = parse_one("|1\r\n+k\r\n+v\r\n>2\r\n+a\r\n+b\r\n");
    EXPECT_EQ(p->value.kind(), type::push);
    EXPECT_TRUE(p->value.has_attributes());
    EXPECT_EQ(p->value.size(), 2u);
}

struct double_case {
    std::string_view wire;
    std::string_view json;
};

TEST(ParsesEveryResp3Type, DoublesInEveryForm) {
    const double_case cases[] = {
        {",1.5\r\n", "1.5"},
        {",-2.25\r\n", "-2.25"},
        {",0\r\n", "0"},
        {",10\r\n", "10"},
        {",0.1\r\n", "0.1"},
        {",3.141592653589793\r\n", "3.141592653589793"},
        {",1e3\r\n", "1000"},
        {",1.5E-3\r\n", "0.0015"},
        {",-1.25e+2\r\n", "-125"},
        {",+1.5\r\n", "1.5"},
        {",1.7976931348623157e308\r\n", "1.7976931348623157e+308"},
        {",inf\r\n", "inf"},
        {",+inf\r\n", "inf"},
        {",-inf\r\n", "-inf"},
        {",nan\r\n", "nan"},
        {",-nan\r\n", "nan"},
        // Out of range: the nearest representable value.
        {",1e400\r\n", "inf"},
        {",-1e400\r\n", "-inf"},
        {",1e-400\r\n", "0"},
        {",-1e-400\r\n", "-0"},
        {",+1E-400\r\n", "0"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(json_of(c.wire), R"({"double":")" + std::string(c.json) + R"("})") << c.wire;
    }
}

TEST(ParsesEveryResp3Type, DoubleValues) {
    EXPECT_EQ(parse_one(",1.5\r\n")->value.kind(), type::double_number);
    EXPECT_DOUBLE_EQ(parse_one(",1.5\r\n")->value.number(), 1.5);
    EXPECT_EQ(parse_one(",inf\r\n")->value.number(), std::numeric_limits<double>::infinity());
    EXPECT_EQ(parse_one(",-inf\r\n")->value.number(), -std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isnan(parse_one(",nan\r\n")->value.number()));
    EXPECT_TRUE(std::isnan(parse_one(",-nan\r\n")->value.number()));
    EXPECT_EQ(parse_one(",1e400\r\n")->value.number(), std::numeric_limits<double>::infinity());
    const double tiny = parse_one(",-1e-400\r\n")->value.number();
    EXPECT_EQ(tiny, 0.0);
    EXPECT_TRUE(std::signbit(tiny));
    EXPECT_EQ(parse_one(",4.9e-324\r\n")->value.number(),
              std::numeric_limits<double>::denorm_min());
    EXPECT_EQ(parse_one(":5\r\n")->value.number(), 0.0);  // not a double
}

TEST(ParsesEveryResp3Type, OutOfRangeDoublesWithoutAnExponentOrWithALongMantissa) {
    // Whether a value overflowed or underflowed depends on where its first
    // significant digit is, not only on the sign of its exponent.
    const std::string zeros(400, '0');
    EXPECT_EQ(json_of(",0." + zeros + "1\r\n"), R"({"double":"0"})");
    EXPECT_EQ(json_of(",-0." + zeros + "1\r\n"), R"({"double":"-0"})");
    EXPECT_EQ(json_of(",1" + zeros + "\r\n"), R"({"double":"inf"})");
    EXPECT_EQ(json_of(",-1" + zeros + ".5\r\n"), R"({"double":"-inf"})");
    EXPECT_EQ(json_of(",1" + zeros + "e-5\r\n"), R"({"double":"inf"})");
    EXPECT_EQ(json_of(",0." + zeros + "1e5\r\n"), R"({"double":"0"})");
    EXPECT_EQ(json_of(",1e99999999999999999999999\r\n"), R"({"double":"inf"})");
    EXPECT_EQ(json_of(",1e-99999999999999999999999\r\n"), R"({"double":"0"})");
    // Representable despite a long mantissa.
    EXPECT_EQ(json_of(",0." + std::string(300, '0') + "1e300\r\n"), R"({"double":"0.1"})");
}

TEST(ParsesEveryResp3Type, IntegersAcrossTheFullInt64Range) {
    EXPECT_EQ(parse_one(":0\r\n")->value.integer(), 0);
    EXPECT_EQ(parse_one(":-0\r\n")->value.integer(), 0);
    EXPECT_EQ(parse_one(":+17\r\n")->value.integer(), 17);
    EXPECT_EQ(parse_one(":007\r\n")->value.integer(), 7);
    EXPECT_EQ(parse_one(":9223372036854775807\r\n")->value.integer(), INT64_MAX);
    EXPECT_EQ(parse_one(":-9223372036854775808\r\n")->value.integer(), INT64_MIN);
    EXPECT_EQ(parse_one(":-9223372036854775807\r\n")->value.integer(), INT64_MIN + 1);
    EXPECT_EQ(json_of(":9223372036854775807\r\n"), R"({"integer":9223372036854775807})");
    EXPECT_EQ(json_of(":-9223372036854775808\r\n"), R"({"integer":-9223372036854775808})");
    for (std::int64_t v = 1; v > 0 && v <= INT64_MAX / 10; v *= 10) {
        for (std::int64_t sign : {1, -1}) {
            const std::int64_t x = sign * (v * 9 + v - 1);  // 9, 99, 999, ...
            EXPECT_EQ(parse_one(":" + std::to_string(x) + "\r\n")->value.integer(), x);
        }
    }
}

TEST(ParsesEveryResp3Type, BigNumbersKeepTheirDigitsAsSent) {
    for (std::string_view digits :
         {"0", "-1", "+5", "00012", "123456789012345678901234567890123456789012345678901234567890",
          "-99999999999999999999999999999999999999"}) {
        const std::string wire = "(" + std::string(digits) + "\r\n";
        auto p = parse_one(wire);
        EXPECT_EQ(p->value.kind(), type::big_number) << wire;
        EXPECT_EQ(p->value.string(), digits);
        EXPECT_EQ(p->json, R"({"bignum":")" + std::string(digits) + R"("})");
    }
}

TEST(ParsesEveryResp3Type, ManyRepliesInOneFeed) {
    reader r;
    r.feed("+OK\r\n:1\r\n>1\r\n+x\r\n_\r\n");
    std::vector<type> kinds;
    for (;;) {
        auto next = r.next();
        ASSERT_TRUE(next);
        if (!*next) break;
        kinds.push_back((*next)->kind());
    }
    EXPECT_EQ(kinds,
              (std::vector<type>{type::simple_string, type::integer, type::push, type::null}));
    EXPECT_TRUE(r.idle());
}

TEST(ParsesEveryResp3Type, TypeNames) {
    EXPECT_EQ(to_string(type::simple_string), "simple_string");
    EXPECT_EQ(to_string(type::double_number), "double");
    EXPECT_EQ(to_string(type::attribute), "attribute");
    EXPECT_TRUE(is_aggregate(type::attribute));
    EXPECT_TRUE(is_aggregate(type::push));
    EXPECT_FALSE(is_aggregate(type::blob_string));
    EXPECT_TRUE(is_error(type::blob_error));
    EXPECT_FALSE(is_error(type::verbatim_string));
}

}  // namespace
