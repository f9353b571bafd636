// The reader owns its buffer: bytes go in by copy (feed) or by writing into
// prepared space and committing it, as a socket read would; it reports what
// is buffered, whether it is between replies and where the current reply
// began; its buffer stops growing in steady state; it can be moved.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache::resp;

// Writes `bytes` into prepared space, the way a read(2) into the buffer would.
void receive(reader& r, std::string_view bytes) {
    const std::span<char> space = r.prepare(bytes.size());
    ASSERT_GE(space.size(), bytes.size());
    std::memcpy(space.data(), bytes.data(), bytes.size());
    r.commit(bytes.size());
}

std::vector<std::string> drain(reader& r) {
    std::vector<std::string> lines;
    for (;;) {
        auto next = r.next();
        if (!next) {
            ADD_FAILURE() << respcache::to_string(next.error_value());
            return lines;
        }
        if (!*next) return lines;
        append_json(lines.emplace_back(), **next);
    }
}

TEST(ReaderPrepareCommit, PrepareGivesAtLeastTheSpaceAsked) {
    reader r;
    for (std::size_t size : {0u, 1u, 100u, 16u * 1024, 100000u, 5u}) {
        const std::span<char> space = r.prepare(size);
        EXPECT_GE(space.size(), size);
        if (!space.empty()) {
            space.front() = 'x';  // writable from first...
            space.back() = 'x';   // ...to last byte
        }
    }
    EXPECT_EQ(r.buffered(), 0u);
    EXPECT_TRUE(r.idle());
}

TEST(ReaderPrepareCommit, CommittedBytesBecomeReplies) {
    reader r;
    receive(r, "+OK\r\n:1\r\n");
    EXPECT_EQ(drain(r), (std::vector<std::string>{R"({"simple":"OK"})", R"({"integer":1})"}));
    EXPECT_TRUE(r.idle());
}

TEST(ReaderPrepareCommit, OnlyCommittedBytesCount) {
    reader r;
    std::span<char> space = r.prepare(64);
    std::memcpy(space.data(), "+OK\r\n+IGNORED\r\n", 15);
    r.commit(5);
    EXPECT_EQ(r.buffered(), 5u);
    EXPECT_EQ(drain(r), std::vector<std::string>{R"({"simple":"OK"})"});

    space = r.prepare(64);
    r.commit(0);
    EXPECT_EQ(r.buffered(), 0u);
    EXPECT_TRUE(drain(r).empty());
    EXPECT_TRUE(r.idle());
}

TEST(ReaderPrepareCommit, AReplyAcrossSeveralCommits) {
    reader r;
    receive(r, "*2\r\n$5\r\nhel");
    EXPECT_TRUE(drain(r).empty());
    EXPECT_FALSE(r.idle());
    receive(r, "lo\r\n");
    EXPECT_TRUE(drain(r).empty());
    receive(r, "#t\r");
    EXPECT_TRUE(drain(r).empty());
    receive(r, "\n");
    EXPECT_EQ(drain(r),
              std::vector<std::string>{R"({"array":[{"blob":"hello"},{"boolean":true}]})"});
    EXPECT_TRUE(r.idle());
}

TEST(ReaderPrepareCommit, SocketLikeReadsOfRandomSizes) {
    std::string stream;
    std::vector<std::string> expected;
    for (int i = 0; i < 2000; ++i) {
        const std::string value(static_cast<std::size_t>(i % 97) * 13,
                                static_cast<char>('a' + i % 26));
        stream += "*2\r\n:" + std::to_string(i) + "\r\n$" + std::to_string(value.size()) + "\r\n" +
                  value + "\r\n";
        expected.push_back(R"({"array":[{"integer":)" + std::to_string(i) + R"(},{"blob":")" +
                           value + R"("}]})");
    }
    std::mt19937 random(31337);
    reader r;
    std::vector<std::string> lines;
    std::size_t at = 0;
    while (at < stream.size()) {
        // Ask for a read buffer, "receive" fewer bytes than it holds.
        const std::span<char> space = r.prepare(512);
        const std::size_t n =
            std::min({space.size(), stream.size() - at, std::size_t{random() % 3000 + 1}});
        std::memcpy(space.data(), stream.data() + at, n);
        r.commit(n);
        at += n;
        for (auto& line : drain(r)) lines.push_back(std::move(line));
    }
    EXPECT_EQ(lines, expected);
    EXPECT_TRUE(r.idle());
}

TEST(ReaderPrepareCommit, BufferedCountsBytesNotYetReturned) {
    reader r;
    r.feed("+OK\r\n$5\r\nhe");
    EXPECT_EQ(r.buffered(), 11u);
    auto ok = r.next();
    ASSERT_TRUE(ok && *ok);
    // The returned reply still holds its bytes until the next call.
    EXPECT_EQ(r.buffered(), 11u);
    auto more = r.next();
    ASSERT_TRUE(more);
    EXPECT_FALSE(more->has_value());
    EXPECT_EQ(r.buffered(), 6u);
    r.feed("llo\r\n");
    auto blob = r.next();
    ASSERT_TRUE(blob && *blob);
    EXPECT_EQ((*blob)->string(), "hello");
    auto none = r.next();
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    EXPECT_EQ(r.buffered(), 0u);
}

TEST(ReaderPrepareCommit, IdleOnlyBetweenReplies) {
    reader r;
    EXPECT_TRUE(r.idle());
    r.feed("+O");  // not even a whole line
    EXPECT_FALSE(r.idle());
    ASSERT_TRUE(r.next());
    EXPECT_FALSE(r.idle());
    r.feed("K\r\n");
    ASSERT_TRUE(r.next());
    EXPECT_TRUE(r.idle());
    r.feed("|1\r\n+a\r\n+b\r\n");  // an attribute still waiting for its value
    ASSERT_TRUE(r.next());
    EXPECT_FALSE(r.idle());
    r.feed(":1\r\n");
    auto annotated = r.next();
    ASSERT_TRUE(annotated && *annotated);
    EXPECT_TRUE((*annotated)->has_attributes());
    EXPECT_TRUE(r.idle());
}

TEST(ReaderPrepareCommit, ReplyOffsetIsWhereTheCurrentReplyBegan) {
    reader r;
    EXPECT_EQ(r.reply_offset(), 0u);
    r.feed("+OK\r\n:1\r\n*2\r\n$5\r\nab");
    auto first = r.next();
    ASSERT_TRUE(first && *first);
    EXPECT_EQ(r.reply_offset(), 0u);  // the reply just returned
    auto second = r.next();
    ASSERT_TRUE(second && *second);
    EXPECT_EQ(r.reply_offset(), 5u);
    auto third = r.next();
    ASSERT_TRUE(third);
    EXPECT_FALSE(third->has_value());
    EXPECT_EQ(r.reply_offset(), 9u);  // the unfinished array
    r.feed("cde\r\n:2\r\n");
    ASSERT_TRUE(r.next());
    auto none = r.next();
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    EXPECT_EQ(r.reply_offset(), 28u);  // everything consumed: the next reply's start
}

// One past the last byte of the reader's buffer: changes when it reallocates.
const char* buffer_end(reader& r) {
    const std::span<char> space = r.prepare(0);
    return space.data() + space.size();
}

TEST(ReaderPrepareCommit, TheBufferStopsGrowingInSteadyState) {
    std::string stream;
    for (int i = 0; i < 5000; ++i)
        stream += "*3\r\n$3\r\nkey\r\n:" + std::to_string(i) + "\r\n+OK\r\n";
    reader r;
    const char* end = nullptr;
    std::size_t replies = 0;
    for (std::size_t at = 0; at < stream.size(); at += 1000) {
        receive(r, std::string_view(stream).substr(at, 1000));
        replies += drain(r).size();
        if (at == 10000) end = buffer_end(r);
        if (at > 10000) {
            ASSERT_EQ(buffer_end(r), end) << "reallocated at " << at;
        }
    }
    EXPECT_EQ(replies, 5000u);
    // Between replies with nothing buffered, prepared space is the whole buffer.
    EXPECT_TRUE(r.idle());
    EXPECT_LE(r.prepare(0).size(), 64u * 1024);
}

TEST(ReaderPrepareCommit, AMovedReaderContinuesTheStream) {
    reader first;
    first.feed("*2\r\n:1\r\n");
    ASSERT_TRUE(first.next());
    reader second(std::move(first));
    second.feed(":2\r\n");
    EXPECT_EQ(drain(second),
              std::vector<std::string>{R"({"array":[{"integer":1},{"integer":2}]})"});

    reader third;
    third = std::move(second);
    third.feed("+again\r\n");
    EXPECT_EQ(drain(third), std::vector<std::string>{R"({"simple":"again"})"});
}

TEST(ReaderPrepareCommit, LimitsReachTheParser) {
    limits bounds;
    bounds.max_bulk_length = 3;
    reader r(bounds);
    r.feed("$3\r\nabc\r\n$4\r\n");
    auto ok = r.next();
    ASSERT_TRUE(ok && *ok);
    EXPECT_EQ((*ok)->string(), "abc");
    auto bad = r.next();
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error_value().kind, respcache::error_kind::limit);
    EXPECT_EQ(r.failure(), (parse_error{parse_errc::bulk_too_long, 10}));
}

}  // namespace
