// The parser is resumable at every byte boundary: a stream of many replies,
// split anywhere (once, twice, byte by byte, at random), decodes to exactly
// the lines it decodes to when fed whole, including a trailing protocol
// error or an unfinished reply.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/parser.hpp"
#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"

namespace {

using namespace respcache::resp;

// Lines in the decode format, the way `respcache decode` prints them.
class decoder {
  public:
    explicit decoder(const limits& bounds = {}) : reader_(bounds) {}

    void feed(std::string_view bytes) {
        if (done_) return;
        reader_.feed(bytes);
        drain();
    }
    // Same, writing straight into the reader's buffer.
    void feed_prepared(std::string_view bytes) {
        if (done_) return;
        const std::span<char> space = reader_.prepare(bytes.size());
        EXPECT_GE(space.size(), bytes.size());
        std::copy(bytes.begin(), bytes.end(), space.begin());
        reader_.commit(bytes.size());
        drain();
    }
    std::vector<std::string> finish() {
        if (!done_ && !reader_.idle()) {
            lines_.push_back(R"({"incomplete":true,"offset":)" +
                             std::to_string(reader_.reply_offset()) + "}");
        }
        return lines_;
    }

  private:
    void drain() {
        for (;;) {
            auto next = reader_.next();
            if (!next) {
                std::string line = R"({"protocol_error":)";
                append_json_string(line, to_string(reader_.failure().code));
                line += R"(,"offset":)" + std::to_string(reader_.failure().offset) + "}";
                lines_.push_back(line);
                done_ = true;
                return;
            }
            if (!*next) return;
            append_json(lines_.emplace_back(), **next);
        }
    }

    reader reader_;
    std::vector<std::string> lines_;
    bool done_ = false;
};

std::vector<std::string> decode_whole(std::string_view bytes, const limits& bounds = {}) {
    decoder d(bounds);
    d.feed(bytes);
    return d.finish();
}

std::vector<std::string> decode_at(std::string_view bytes, const std::vector<std::size_t>& cuts,
                                   bool prepared = false) {
    decoder d;
    std::size_t from = 0;
    for (std::size_t cut : cuts) {
        prepared ? d.feed_prepared(bytes.substr(from, cut - from))
                 : d.feed(bytes.substr(from, cut - from));
        from = cut;
    }
    prepared ? d.feed_prepared(bytes.substr(from)) : d.feed(bytes.substr(from));
    return d.finish();
}

// A string literal with embedded NUL bytes.
template <std::size_t N>
std::string binary(const char (&text)[N]) {
    return std::string(text, N - 1);
}

// Multi-reply streams covering every type, the streamed forms, attributes,
// binary payloads, and endings in a fault or mid-reply.
const std::vector<std::string>& streams() {
    static const std::vector<std::string> all = {
        "+OK\r\n-ERR x\r\n:42\r\n$3\r\nfoo\r\n_\r\n$-1\r\n*-1\r\n,1.5\r\n#t\r\n#f\r\n"
        "!5\r\nERR y\r\n=7\r\ntxt:abc\r\n(-123456789012345678901234567890\r\n",
        "*3\r\n:1\r\n*2\r\n+a\r\n$0\r\n\r\n%1\r\n+k\r\n~2\r\n:1\r\n:2\r\n"
        ">2\r\n+message\r\n$2\r\nhi\r\n*0\r\n%0\r\n",
        "$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n"
        "*?\r\n:1\r\n$?\r\n;1\r\na\r\n;0\r\n.\r\n%?\r\n+a\r\n:1\r\n.\r\n~?\r\n.\r\n$?\r\n;0\r\n",
        "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
        "*2\r\n:2039123\r\n:9543892\r\n*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n"
        "|1\r\n+k\r\n+v\r\n>3\r\n+message\r\n+chan\r\n$5\r\nhello\r\n",
        binary("$4\r\n\r\n\r\n\r\n$3\r\n\0\xff\x7f\r\n:-9223372036854775808\r\n"
               ":9223372036854775807\r\n,-inf\r\n,nan\r\n,1e-400\r\n"),
        "|1\r\n|1\r\n+x\r\n+y\r\n+k\r\n+v\r\n*1\r\n:1\r\n%?\r\n+k\r\n|0\r\n+v\r\n.\r\n",
        // Faults after some replies.
        "+OK\r\n*2\r\n:1\r\n:x\r\n+never\r\n",
        "+a\r\n$3\r\nabcd\r\n",
        "*?\r\n:1\r\n$?\r\n;2\r\nab\r\n;z\r\n",
        "%1\r\n+k\r\n|1\r\n+a\r\n+b\r\n.\r\n",
        "+OK\r\n+ends with a bare CR\r+",
        // Endings inside a reply.
        "+OK\r\n*3\r\n:1\r\n:2\r\n",
        "+OK\r\n$10\r\nabc",
        ":1\r\n$?\r\n;3\r\nabc\r\n",
        ":1\r\n|1\r\n+k\r\n+v\r\n",
        "+OK\r\n+no line end yet",
    };
    return all;
}

TEST(SplitAtEveryOffset, TheStreamsDecodeAsExpectedWhole) {
    // A spot check of the reference itself, so the comparisons below compare
    // against something right.
    const auto& s = streams();
    EXPECT_EQ(decode_whole(s[0]).size(), 13u);
    EXPECT_EQ(decode_whole(s[4]),
              (std::vector<std::string>{
                  R"({"blob":"\u000d\u000a\u000d\u000a"})", R"({"blob":"\u0000\u00ff\u007f"})",
                  R"({"integer":-9223372036854775808})", R"({"integer":9223372036854775807})",
                  R"({"double":"-inf"})", R"({"double":"nan"})", R"({"double":"0"})"}));
    EXPECT_EQ(decode_whole(s[6]),
              (std::vector<std::string>{R"({"simple":"OK"})",
                                        R"({"protocol_error":"invalid integer","offset":14})"}));
    EXPECT_EQ(decode_whole(s[11]), (std::vector<std::string>{R"({"simple":"OK"})",
                                                             R"({"incomplete":true,"offset":5})"}));
    EXPECT_EQ(decode_whole(s[15]), (std::vector<std::string>{R"({"simple":"OK"})",
                                                             R"({"incomplete":true,"offset":5})"}));
}

TEST(SplitAtEveryOffset, OneSplitAnywhere) {
    for (const std::string& stream : streams()) {
        const auto whole = decode_whole(stream);
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            EXPECT_EQ(decode_at(stream, {cut}), whole)
                << "split at " << cut << " of " << ::testing::PrintToString(stream);
        }
    }
}

TEST(SplitAtEveryOffset, TwoSplitsAnywhere) {
    for (const std::string& stream : streams()) {
        const auto whole = decode_whole(stream);
        for (std::size_t a = 0; a <= stream.size(); ++a) {
            for (std::size_t b = a; b <= stream.size(); ++b) {
                ASSERT_EQ(decode_at(stream, {a, b}), whole)
                    << "split at " << a << " and " << b << " of "
                    << ::testing::PrintToString(stream);
            }
        }
    }
}

TEST(SplitAtEveryOffset, ByteByByte) {
    for (const std::string& stream : streams()) {
        std::vector<std::size_t> cuts;
        for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
        EXPECT_EQ(decode_at(stream, cuts), decode_whole(stream))
            << ::testing::PrintToString(stream);
        EXPECT_EQ(decode_at(stream, cuts, true), decode_whole(stream))
            << "through prepare/commit: " << ::testing::PrintToString(stream);
    }
}

TEST(SplitAtEveryOffset, AllStreamsConcatenatedAtRandomCuts) {
    // Only the fault-free, complete streams can be concatenated.
    std::string joined;
    for (std::size_t i = 0; i < 6; ++i) joined += streams()[i];
    const auto whole = decode_whole(joined);
    ASSERT_EQ(whole.size(), 13u + 4u + 5u + 3u + 7u + 2u);

    std::mt19937 random(20240611);
    for (int round = 0; round < 500; ++round) {
        std::uniform_int_distribution<std::size_t> count(1, 40);
        std::uniform_int_distribution<std::size_t> position(0, joined.size());
        std::vector<std::size_t> cuts(count(random));
        for (auto& cut : cuts) cut = position(random);
        std::sort(cuts.begin(), cuts.end());
        ASSERT_EQ(decode_at(joined, cuts, round % 2 == 1), whole) << "round " << round;
    }
}

TEST(SplitAtEveryOffset, LargeRepliesAcrossBufferGrowthAndCompaction) {
    std::mt19937 random(7);
    std::string stream;
    for (std::size_t size : {20000u, 1u, 40000u, 16384u, 16383u, 100000u, 0u, 70000u}) {
        std::string body(size, '\0');
        for (char& c : body) c = static_cast<char>(random());
        stream += "$" + std::to_string(size) + "\r\n" + body + "\r\n";
        stream += "*2\r\n:" + std::to_string(size) + "\r\n+small\r\n";
        stream += "$?\r\n;" + std::to_string(size / 2 + 1) + "\r\n" + body.substr(0, size / 2 + 1) +
                  (size / 2 + 1 > body.size() ? std::string(size / 2 + 1 - body.size(), 'p') : "") +
                  "\r\n;0\r\n";
    }
    const auto whole = decode_whole(stream);
    ASSERT_EQ(whole.size(), 24u);
    for (std::size_t chunk : {1u, 7u, 1000u, 4096u, 16383u, 16384u, 65537u}) {
        std::vector<std::size_t> cuts;
        for (std::size_t at = chunk; at < stream.size(); at += chunk) cuts.push_back(at);
        EXPECT_EQ(decode_at(stream, cuts), whole) << "chunk " << chunk;
        EXPECT_EQ(decode_at(stream, cuts, true), whole) << "prepared, chunk " << chunk;
    }
}

// Records every parser event as text.
struct recorder {
    std::string log;
    void text(std::string_view what, std::string_view s) {
        log.append(what);
        log.push_back('(');
        append_json_string(log, s);
        log.append(") ");
    }
    void on_simple_string(std::string_view s) { text("simple", s); }
    void on_simple_error(std::string_view s) { text("error", s); }
    void on_blob_string(std::string_view s) { text("blob", s); }
    void on_blob_error(std::string_view s) { text("blob_error", s); }
    void on_verbatim_string(std::string_view format, std::string_view s) {
        text("verbatim_format", format);
        text("verbatim", s);
    }
    void on_big_number(std::string_view s) { text("bignum", s); }
    void on_integer(std::int64_t v) { log += "integer(" + std::to_string(v) + ") "; }
    void on_double(double v) {
        char bytes[sizeof v];
        std::memcpy(bytes, &v, sizeof v);
        text("double", std::string_view(bytes, sizeof v));
    }
    void on_boolean(bool v) { log += v ? "true " : "false "; }
    void on_null() { log += "null "; }
    void on_aggregate_begin(type kind, std::int64_t declared) {
        log += std::string(to_string(kind)) + "[" + std::to_string(declared) + " ";
    }
    void on_aggregate_end() { log += "] "; }
    void on_streamed_string_begin() { log += "streamed{ "; }
    void on_streamed_string_chunk(std::string_view s) { text("chunk", s); }
    void on_streamed_string_end() { log += "} "; }
};

// Drives the parser the way its contract says: the caller keeps the
// unconsumed tail and appends to it.
std::string parse_events(std::string_view bytes, const std::vector<std::size_t>& cuts) {
    parser p;
    recorder events;
    std::string pending;
    std::size_t from = 0;
    std::vector<std::size_t> ends = cuts;
    ends.push_back(bytes.size());
    for (std::size_t cut : ends) {
        pending.append(bytes.substr(from, cut - from));
        from = cut;
        for (;;) {
            const parse_step step = p.parse(pending, events);
            EXPECT_LE(step.consumed, pending.size());
            pending.erase(0, step.consumed);
            if (step.status == parse_status::reply_complete) {
                events.log += "| ";
                continue;
            }
            if (step.status == parse_status::failed) {
                events.log += "failed:" + std::string(to_string(p.error().code)) + "@" +
                              std::to_string(p.error().offset);
                return events.log;
            }
            break;
        }
    }
    events.log += p.idle() && pending.empty() ? "idle" : "unfinished";
    return events.log;
}

TEST(SplitAtEveryOffset, TheParserAloneEmitsTheSameEvents) {
    for (const std::string& stream : streams()) {
        const std::string whole = parse_events(stream, {});
        for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
            EXPECT_EQ(parse_events(stream, {cut}), whole)
                << "split at " << cut << " of " << ::testing::PrintToString(stream);
        }
        std::vector<std::size_t> cuts;
        for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
        EXPECT_EQ(parse_events(stream, cuts), whole) << ::testing::PrintToString(stream);
    }
}

TEST(SplitAtEveryOffset, TheParserEventsAreTheOnesExpected) {
    EXPECT_EQ(parse_events("*2\r\n:1\r\n$?\r\n;2\r\nab\r\n;1\r\nc\r\n;0\r\n%?\r\n.\r\n", {}),
              R"(array[2 integer(1) streamed{ chunk("ab") chunk("c") } ] | map[-1 ] | idle)");
    EXPECT_EQ(
        parse_events("|1\r\n+k\r\n+v\r\n=7\r\ntxt:abc\r\n", {}),
        R"(attribute[1 simple("k") simple("v") ] verbatim_format("txt") verbatim("abc") | idle)");
    EXPECT_EQ(parse_events("%2\r\n+a\r\n:1\r\n", {}), R"(map[2 simple("a") integer(1) unfinished)");
}

}  // namespace
