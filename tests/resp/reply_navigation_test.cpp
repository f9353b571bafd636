// Walking a reply: iteration visits values in wire order and skips the
// attributes annotating them, operator[] agrees with iteration, find looks
// a key up in a map (or an attribute map), and scalars have no children.

#include <gtest/gtest.h>

#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply.hpp"

namespace {

using namespace respcache::resp;

struct parsed {
    reader source;
    reply value;
};

std::unique_ptr<parsed> parse_one(std::string_view wire) {
    auto p = std::make_unique<parsed>();
    p->source.feed(wire);
    auto next = p->source.next();
    if (!next || !*next) {
        ADD_FAILURE() << "no reply in " << ::testing::PrintToString(std::string(wire));
        return p;
    }
    p->value = **next;
    return p;
}

TEST(ReplyFind, LooksUpMapValuesByKey) {
    auto p = parse_one("%4\r\n+a\r\n:1\r\n$1\r\nb\r\n:2\r\n+c\r\n*1\r\n:3\r\n=5\r\ntxt:d\r\n_\r\n");
    const reply map = p->value;
    ASSERT_EQ(map.kind(), type::map);
    EXPECT_EQ(map.size(), 8u);  // keys and values
    ASSERT_TRUE(map.find("a"));
    EXPECT_EQ(map.find("a")->integer(), 1);
    EXPECT_EQ(map.find("b")->integer(), 2);  // a blob key
    ASSERT_TRUE(map.find("c"));
    EXPECT_EQ(map.find("c")->kind(), type::array);
    EXPECT_EQ((*map.find("c"))[0].integer(), 3);
    ASSERT_TRUE(map.find("d"));  // a verbatim key, compared by its text
    EXPECT_TRUE(map.find("d")->is_null());
    EXPECT_FALSE(map.find("e").has_value());
    EXPECT_FALSE(map.find("A").has_value());
    EXPECT_FALSE(map.find("1").has_value());  // values are not keys
}

TEST(ReplyFind, TheFirstOfDuplicateKeysWins) {
    auto p = parse_one("%2\r\n+k\r\n:1\r\n+k\r\n:2\r\n");
    EXPECT_EQ(p->value.find("k")->integer(), 1);
}

TEST(ReplyFind, SkipsAttributesOnKeysAndValues) {
    auto p = parse_one(
        "%2\r\n|1\r\n+x\r\n+y\r\n+k1\r\n|1\r\n+k1\r\n+no\r\n:5\r\n+k2\r\n%1\r\n+k1\r\n:7\r\n");
    const reply map = p->value;
    EXPECT_EQ(map.size(), 4u);
    EXPECT_EQ(map.find("k1")->integer(), 5);
    EXPECT_TRUE(map.find("k1")->has_attributes());
    EXPECT_EQ(map.find("k1")->attributes().find("k1")->string(), "no");
    EXPECT_EQ(map.find("k2")->kind(), type::map);
    EXPECT_EQ(map.find("k2")->find("k1")->integer(), 7);
    EXPECT_FALSE(map.find("x").has_value());  // attribute keys are not map keys
}

TEST(ReplyFind, WorksOnStreamedMapsAndAttributes) {
    auto p = parse_one("|1\r\n+ttl\r\n:10\r\n%?\r\n+a\r\n+b\r\n.\r\n");
    EXPECT_EQ(p->value.find("a")->string(), "b");
    EXPECT_EQ(p->value.attributes().find("ttl")->integer(), 10);
}

TEST(ReplyFind, OnlyMapsHaveKeys) {
    EXPECT_FALSE(parse_one("*2\r\n+a\r\n+b\r\n")->value.find("a").has_value());
    EXPECT_FALSE(parse_one("~2\r\n+a\r\n+b\r\n")->value.find("a").has_value());
    EXPECT_FALSE(parse_one("+a\r\n")->value.find("a").has_value());
    EXPECT_FALSE(parse_one("%0\r\n")->value.find("").has_value());
    EXPECT_FALSE(reply().find("a").has_value());
}

TEST(ReplyIteration, SkipsAttributes) {
    auto p = parse_one(
        "*4\r\n:1\r\n|1\r\n+a\r\n+b\r\n:2\r\n|1\r\n*1\r\n:8\r\n*1\r\n:9\r\n:3\r\n"
        "|2\r\n+p\r\n+q\r\n+r\r\n+s\r\n*2\r\n:4\r\n:5\r\n");
    const reply array = p->value;
    ASSERT_EQ(array.size(), 4u);
    std::vector<type> kinds;
    std::vector<bool> annotated;
    for (const reply element : array) {
        kinds.push_back(element.kind());
        annotated.push_back(element.has_attributes());
    }
    EXPECT_EQ(kinds, (std::vector<type>{type::integer, type::integer, type::integer, type::array}));
    EXPECT_EQ(annotated, (std::vector<bool>{false, true, true, true}));
    EXPECT_EQ(array[0].integer(), 1);
    EXPECT_EQ(array[1].integer(), 2);
    EXPECT_EQ(array[2].integer(), 3);
    EXPECT_EQ(array[3][1].integer(), 5);
    // The attribute of the third element has an aggregate key.
    const reply third_attributes = array[2].attributes();
    EXPECT_EQ(third_attributes.kind(), type::attribute);
    EXPECT_EQ(third_attributes[0].kind(), type::array);
    EXPECT_EQ(third_attributes[1][0].integer(), 9);
    EXPECT_EQ(array[3].attributes().find("r")->string(), "s");
}

TEST(ReplyIteration, SubscriptAgreesWithIteration) {
    auto p = parse_one(
        "*5\r\n+a\r\n|1\r\n+x\r\n+y\r\n*2\r\n+b\r\n+c\r\n%1\r\n+k\r\n+v\r\n_\r\n,1.5\r\n");
    const reply array = p->value;
    std::size_t i = 0;
    for (auto it = array.begin(); it != array.end(); ++it, ++i) {
        EXPECT_EQ((*it).index(), array[i].index()) << i;
        EXPECT_EQ((*it).kind(), array[i].kind()) << i;
    }
    EXPECT_EQ(i, array.size());
    EXPECT_EQ(static_cast<std::size_t>(std::distance(array.begin(), array.end())), array.size());
}

TEST(ReplyIteration, PostIncrementAndNesting) {
    auto p = parse_one("*2\r\n*2\r\n:1\r\n:2\r\n*1\r\n:3\r\n");
    auto it = p->value.begin();
    const reply first = *it++;
    EXPECT_EQ(first.size(), 2u);
    EXPECT_EQ((*it).size(), 1u);
    ++it;
    EXPECT_EQ(it, p->value.end());

    std::vector<long> flat;
    for (const reply inner : p->value)
        for (const reply leaf : inner) flat.push_back(static_cast<long>(leaf.integer()));
    EXPECT_EQ(flat, (std::vector<long>{1, 2, 3}));
}

TEST(ReplyIteration, MapsIterateKeyValueKeyValue) {
    auto p = parse_one("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n");
    std::vector<std::string> seen;
    for (const reply r : p->value)
        seen.push_back(r.kind() == type::integer ? std::to_string(r.integer())
                                                 : std::string(r.string()));
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "1", "b", "2"}));
    EXPECT_EQ(p->value[3].integer(), 2);
}

TEST(ReplyIteration, ScalarsHaveNoChildren) {
    for (std::string_view wire :
         {"+OK\r\n", ":1\r\n", "$3\r\nabc\r\n", "_\r\n", "|1\r\n+a\r\n+b\r\n:1\r\n"}) {
        auto p = parse_one(wire);
        EXPECT_EQ(p->value.size(), 0u) << wire;
        EXPECT_TRUE(p->value.empty()) << wire;
        EXPECT_EQ(p->value.begin(), p->value.end()) << wire;
    }
}

TEST(ReplyIteration, EmptyAggregates) {
    for (std::string_view wire : {"*0\r\n", "%0\r\n", "~0\r\n", ">0\r\n", "*?\r\n.\r\n"}) {
        auto p = parse_one(wire);
        EXPECT_TRUE(p->value.is_aggregate()) << wire;
        EXPECT_TRUE(p->value.empty()) << wire;
        EXPECT_EQ(p->value.begin(), p->value.end()) << wire;
    }
}

TEST(ReplyAttributes, AbsentAttributesAreANull) {
    auto p = parse_one(":1\r\n");
    EXPECT_FALSE(p->value.has_attributes());
    EXPECT_TRUE(p->value.attributes().is_null());
    EXPECT_TRUE(p->value.attributes().empty());
}

TEST(ReplyAttributes, TheTopLevelValueIsNotTheAttribute) {
    auto p = parse_one("|1\r\n+a\r\n+b\r\n+value\r\n");
    EXPECT_EQ(p->value.kind(), type::simple_string);
    EXPECT_EQ(p->value.string(), "value");
    EXPECT_GT(p->value.index(), 0u);  // the attribute comes first in the flat tree
    EXPECT_EQ(p->value.attributes().index(), 0u);
}

TEST(DefaultReply, IsANull) {
    const reply r;
    EXPECT_EQ(r.kind(), type::null);
    EXPECT_TRUE(r.is_null());
    EXPECT_FALSE(r.is_error());
    EXPECT_FALSE(r.is_aggregate());
    EXPECT_EQ(r.string(), "");
    EXPECT_EQ(r.verbatim_format(), "");
    EXPECT_EQ(r.integer(), 0);
    EXPECT_EQ(r.number(), 0.0);
    EXPECT_FALSE(r.boolean());
    EXPECT_EQ(r.size(), 0u);
    EXPECT_EQ(r.begin(), r.end());
    EXPECT_FALSE(r.has_attributes());
}

}  // namespace
