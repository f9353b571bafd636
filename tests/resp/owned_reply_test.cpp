// A reply from reader::next() is a view, valid until the reader is used
// again; reply::to_owned() copies it into an owned_reply that outlives the
// reader, and owned replies copy and move like values.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache::resp;

std::string json(const reply& r) {
    std::string out;
    append_json(out, r);
    return out;
}

// A reply with every kind of storage: strings in the read buffer, a
// streamed string joined in side bytes, attributes, nesting.
constexpr std::string_view rich_wire =
    "|1\r\n+ttl\r\n:60\r\n"
    "*4\r\n$5\r\nhello\r\n$?\r\n;3\r\nstr\r\n;4\r\neam!\r\n;0\r\n"
    "%1\r\n+k\r\n|1\r\n+meta\r\n#t\r\n=7\r\ntxt:abc\r\n,2.5\r\n";
constexpr std::string_view rich_json =
    R"({"attributes":[[{"simple":"ttl"},{"integer":60}]],"value":{"array":[{"blob":"hello"},)"
    R"({"blob":"stream!"},{"map":[[{"simple":"k"},{"attributes":[[{"simple":"meta"},)"
    R"({"boolean":true}]],"value":{"verbatim":"abc","format":"txt"}}]]},{"double":"2.5"}]}})";

owned_reply read_owned(std::string_view wire) {
    reader r;
    r.feed(wire);
    auto next = r.next();
    EXPECT_TRUE(next && *next);
    if (!next || !*next) return {};
    return (*next)->to_owned();
}

TEST(OwnedReply, OutlivesTheReader) {
    std::optional<owned_reply> kept;
    {
        auto r = std::make_unique<reader>();
        r->feed(rich_wire);
        auto next = r->next();
        ASSERT_TRUE(next && *next);
        EXPECT_EQ(json(**next), rich_json);
        kept = (*next)->to_owned();
        r.reset();  // the reader and its buffer are gone
    }
    const reply v = kept->view();
    EXPECT_EQ(json(v), rich_json);
    EXPECT_EQ(v[0].string(), "hello");
    EXPECT_EQ(v[1].string(), "stream!");
    EXPECT_EQ(v.attributes().find("ttl")->integer(), 60);
    EXPECT_EQ(json(*(*kept)), rich_json);
}

TEST(OwnedReply, CopiesTheBytesOutOfTheReadBuffer) {
    reader r;
    r.feed("$5\r\nhello\r\n");
    auto next = r.next();
    ASSERT_TRUE(next && *next);
    const reply view = **next;
    const owned_reply owned = view.to_owned();
    EXPECT_EQ(owned.view().string(), "hello");
    EXPECT_NE(owned.view().string().data(), view.string().data());
}

TEST(OwnedReply, SurvivesTheReaderReusingAndGrowingItsBuffer) {
    reader r;
    r.feed("+first\r\n*2\r\n:1\r\n$?\r\n;2\r\nab\r\n;0\r\n");
    auto first = r.next();
    ASSERT_TRUE(first && *first);
    // A reply stays valid while the reader is not used again.
    const reply first_view = **first;
    EXPECT_EQ(first_view.string(), "first");
    EXPECT_EQ(r.buffered(), 32u);
    EXPECT_FALSE(r.idle());
    EXPECT_EQ(first_view.string(), "first");
    const owned_reply first_owned = first_view.to_owned();

    auto second = r.next();
    ASSERT_TRUE(second && *second);
    const owned_reply second_owned = (*second)->to_owned();

    // Overwrite and regrow the buffer with other bytes.
    for (int i = 0; i < 50; ++i) {
        r.feed("$10000\r\n" + std::string(10000, static_cast<char>('A' + i % 26)) + "\r\n");
        auto big = r.next();
        ASSERT_TRUE(big && *big);
        EXPECT_EQ((*big)->string().size(), 10000u);
    }
    EXPECT_EQ(json(first_owned.view()), R"({"simple":"first"})");
    EXPECT_EQ(json(second_owned.view()), R"({"array":[{"integer":1},{"blob":"ab"}]})");
}

TEST(OwnedReply, OfAnElementIsThatElement) {
    reader r;
    r.feed(rich_wire);
    auto next = r.next();
    ASSERT_TRUE(next && *next);
    const reply map = (**next)[2];
    ASSERT_EQ(map.kind(), type::map);
    owned_reply owned = map.to_owned();
    r.reset();
    const reply v = owned.view();
    EXPECT_EQ(v.kind(), type::map);
    EXPECT_EQ(v.size(), 2u);
    const auto value = v.find("k");
    ASSERT_TRUE(value.has_value());
    EXPECT_EQ(value->string(), "abc");
    EXPECT_EQ(value->verbatim_format(), "txt");
    EXPECT_TRUE(value->attributes().find("meta")->boolean());

    owned_reply streamed = read_owned("*1\r\n$?\r\n;1\r\nx\r\n;1\r\ny\r\n;0\r\n");
    EXPECT_EQ(streamed.view()[0].string(), "xy");
    const owned_reply element = streamed.view()[0].to_owned();
    EXPECT_EQ(element.view().kind(), type::blob_string);
    EXPECT_EQ(element.view().string(), "xy");
}

TEST(OwnedReply, DefaultIsANull) {
    const owned_reply none;
    EXPECT_TRUE(none.view().is_null());
    EXPECT_EQ(json(*none), R"({"null":true})");
    const owned_reply copy = none;
    EXPECT_TRUE(copy.view().is_null());
    EXPECT_EQ(json(reply().to_owned().view()), R"({"null":true})");
}

TEST(OwnedReply, CopiesAreIndependent) {
    auto original = std::make_unique<owned_reply>(read_owned(rich_wire));
    const owned_reply copy(*original);
    EXPECT_EQ(json(copy.view()), rich_json);
    EXPECT_NE(copy.view()[0].string().data(), original->view()[0].string().data());
    original.reset();
    EXPECT_EQ(json(copy.view()), rich_json);
    EXPECT_EQ(copy.view()[1].string(), "stream!");
}

TEST(OwnedReply, CopyAssignment) {
    owned_reply target = read_owned(":1\r\n");
    {
        const owned_reply source = read_owned(rich_wire);
        target = source;
        EXPECT_EQ(json(source.view()), rich_json);
    }
    EXPECT_EQ(json(target.view()), rich_json);

    owned_reply& alias = target;
    target = alias;  // self-assignment keeps the value
    EXPECT_EQ(json(target.view()), rich_json);
}

TEST(OwnedReply, MoveConstructionAndAssignment) {
    owned_reply source = read_owned(rich_wire);
    const char* bytes = source.view()[0].string().data();
    owned_reply moved(std::move(source));
    EXPECT_EQ(json(moved.view()), rich_json);
    EXPECT_EQ(moved.view()[0].string().data(), bytes);  // no copy of the bytes

    owned_reply target = read_owned("+x\r\n");
    target = std::move(moved);
    EXPECT_EQ(json(target.view()), rich_json);

    // A moved-from owned reply can be assigned again.
    moved = read_owned("#f\r\n");
    EXPECT_EQ(json(moved.view()), R"({"boolean":false})");
    source = target;
    EXPECT_EQ(json(source.view()), rich_json);
}

TEST(OwnedReply, ManyInAGrowingVector) {
    std::vector<owned_reply> kept;
    reader r;
    for (int i = 0; i < 200; ++i) {
        r.feed("*2\r\n:" + std::to_string(i) + "\r\n$?\r\n;3\r\nabc\r\n;0\r\n");
        auto next = r.next();
        ASSERT_TRUE(next && *next);
        kept.push_back((*next)->to_owned());
    }
    for (int i = 0; i < 200; ++i) {
        EXPECT_EQ(kept[static_cast<std::size_t>(i)].view()[0].integer(), i);
        EXPECT_EQ(kept[static_cast<std::size_t>(i)].view()[1].string(), "abc");
    }
}

}  // namespace
