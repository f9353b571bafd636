// The encoder writes commands as RESP arrays of blob strings, byte for byte,
// and whatever it writes the reader reads back unchanged: randomized binary
// arguments (empty ones included), integers up to their extremes, doubles.

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"

namespace {

using namespace respcache::resp;

TEST(EncoderWritesBytes, ACommandOfStrings) {
    std::string out;
    append_command(out, "SET", "key", "value");
    EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
}

TEST(EncoderWritesBytes, AppendsWithoutClearing) {
    std::string out = "prefix";
    append_command(out, "PING");
    append_command(out, std::string("GET"), std::string_view("k"));
    EXPECT_EQ(out, "prefix*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
}

TEST(EncoderWritesBytes, EmptyAndBinaryArguments) {
    std::string out;
    append_command(out, "SET", "", std::string_view("a\r\n\0b", 5));
    EXPECT_EQ(out, std::string("*3\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\na\r\n\0b\r\n", 30));
}

TEST(EncoderWritesBytes, NoArguments) {
    std::string out;
    append_command(out);
    EXPECT_EQ(out, "*0\r\n");
}

TEST(EncoderWritesBytes, IntegersAsDecimalText) {
    std::string out;
    append_command(out, "EXPIRE", "k", 60);
    EXPECT_EQ(out, "*3\r\n$6\r\nEXPIRE\r\n$1\r\nk\r\n$2\r\n60\r\n");

    out.clear();
    append_command(out, std::numeric_limits<std::int64_t>::min(),
                   std::numeric_limits<std::int64_t>::max(),
                   std::numeric_limits<std::uint64_t>::max(), std::int8_t{-128}, 0u, -1L);
    EXPECT_EQ(out,
              "*6\r\n$20\r\n-9223372036854775808\r\n$19\r\n9223372036854775807\r\n"
              "$20\r\n18446744073709551615\r\n$4\r\n-128\r\n$1\r\n0\r\n$2\r\n-1\r\n");
}

TEST(EncoderWritesBytes, DoublesInShortestForm) {
    std::string out;
    append_command(out, 1.5, 0.1, -0.0, 1e300, 100.0);
    EXPECT_EQ(out, "*5\r\n$3\r\n1.5\r\n$3\r\n0.1\r\n$2\r\n-0\r\n$6\r\n1e+300\r\n$3\r\n100\r\n");
}

TEST(EncoderWritesBytes, ByteSpans) {
    const std::byte bytes[] = {std::byte{0}, std::byte{0xff}, std::byte{'\r'}};
    const unsigned char uchars[] = {'h', 'i'};
    std::string out;
    append_command(out, std::span<const std::byte>(bytes), std::span<const unsigned char>(uchars));
    EXPECT_EQ(out, std::string("*2\r\n$3\r\n\0\xff\r\r\n$2\r\nhi\r\n", 21));
}

TEST(EncoderWritesBytes, ArgumentsKnownOnlyAtRunTime) {
    std::vector<std::string_view> args = {"DEL", "a", "", "c"};
    std::string out;
    append_command(out, std::span<const std::string_view>(args));
    EXPECT_EQ(out, "*4\r\n$3\r\nDEL\r\n$1\r\na\r\n$0\r\n\r\n$1\r\nc\r\n");
    out.clear();
    append_command(out, std::span<const std::string_view>());
    EXPECT_EQ(out, "*0\r\n");
}

TEST(EncoderWritesBytes, PiecesOnTheirOwn) {
    std::string out;
    append_array_header(out, 1234567);
    append_blob(out, "x");
    append_blob(out, std::int64_t{-5});
    EXPECT_EQ(out, "*1234567\r\n$1\r\nx\r\n$2\r\n-5\r\n");
}

// Reads `bytes` back as replies; every one must be an array of blobs.
std::vector<std::vector<std::string>> read_commands(std::string_view bytes,
                                                    std::mt19937* split = nullptr) {
    reader r;
    std::vector<std::vector<std::string>> commands;
    std::size_t at = 0;
    while (at < bytes.size()) {
        std::size_t n = bytes.size() - at;
        if (split) n = std::min<std::size_t>(n, (*split)() % 64 + 1);
        r.feed(bytes.substr(at, n));
        at += n;
        for (;;) {
            auto next = r.next();
            if (!next) {
                ADD_FAILURE() << respcache::to_string(next.error_value());
                return commands;
            }
            if (!*next) break;
            const reply command = **next;
            EXPECT_EQ(command.kind(), type::array);
            auto& args = commands.emplace_back();
            for (const reply arg : command) {
                EXPECT_EQ(arg.kind(), type::blob_string);
                args.emplace_back(arg.string());
            }
            EXPECT_EQ(args.size(), command.size());
        }
    }
    EXPECT_TRUE(r.idle());
    return commands;
}

std::string random_bytes(std::mt19937& random) {
    // Mostly short, sometimes empty, sometimes long; any byte value.
    const unsigned shape = random() % 10;
    const std::size_t size = shape == 0 ? 0 : shape < 8 ? random() % 32 : random() % 5000;
    std::string s(size, '\0');
    for (char& c : s) c = static_cast<char>(random() % 256);
    // Often include protocol bytes to make sure lengths, not delimiters, frame them.
    if (size > 2 && random() % 2) s.replace(random() % (size - 1), 2, "\r\n");
    return s;
}

std::int64_t random_integer(std::mt19937& random) {
    static const std::int64_t extremes[] = {std::numeric_limits<std::int64_t>::min(),
                                            std::numeric_limits<std::int64_t>::min() + 1,
                                            -1,
                                            0,
                                            1,
                                            std::numeric_limits<std::int64_t>::max() - 1,
                                            std::numeric_limits<std::int64_t>::max()};
    if (random() % 3 == 0) return extremes[random() % std::size(extremes)];
    std::uniform_int_distribution<std::int64_t> any(std::numeric_limits<std::int64_t>::min(),
                                                    std::numeric_limits<std::int64_t>::max());
    return any(random);
}

TEST(EncoderRoundTrip, RandomBinaryArguments) {
    std::mt19937 random(12345);
    std::string wire;
    std::vector<std::vector<std::string>> expected;
    for (int i = 0; i < 300; ++i) {
        std::vector<std::string> args(random() % 8);
        for (auto& arg : args) arg = random_bytes(random);
        std::vector<std::string_view> views(args.begin(), args.end());
        append_command(wire, std::span<const std::string_view>(views));
        expected.push_back(std::move(args));
    }
    EXPECT_EQ(read_commands(wire), expected);
    std::mt19937 split(99);
    EXPECT_EQ(read_commands(wire, &split), expected);
}

TEST(EncoderRoundTrip, RandomIntegersIncludingExtremes) {
    std::mt19937 random(777);
    std::string wire;
    std::vector<std::vector<std::string>> expected;
    std::vector<std::int64_t> values;
    for (int i = 0; i < 1000; ++i) {
        const std::int64_t a = random_integer(random);
        const std::int64_t b = random_integer(random);
        append_command(wire, "SETRANGE", a, b);
        expected.push_back({"SETRANGE", std::to_string(a), std::to_string(b)});
        values.push_back(a);
        values.push_back(b);
    }
    const auto commands = read_commands(wire);
    ASSERT_EQ(commands, expected);
    // The text reads back to the very same integer.
    for (std::size_t i = 0; i < commands.size(); ++i) {
        for (std::size_t j = 1; j < 3; ++j) {
            std::int64_t back = 0;
            const std::string& text = commands[i][j];
            const auto r = std::from_chars(text.data(), text.data() + text.size(), back);
            ASSERT_EQ(r.ec, std::errc());
            EXPECT_EQ(back, values[2 * i + j - 1]);
        }
    }
}

TEST(EncoderRoundTrip, RandomDoublesReadBackExactly) {
    std::mt19937_64 random(4242);
    std::string wire;
    std::vector<double> values;
    while (values.size() < 2000) {
        const std::uint64_t bits = random();
        double value;
        std::memcpy(&value, &bits, sizeof value);
        if (!std::isfinite(value)) continue;
        values.push_back(value);
        append_command(wire, "INCRBYFLOAT", "k", value);
    }
    const auto commands = read_commands(wire);
    ASSERT_EQ(commands.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        const std::string& text = commands[i][2];
        double back = 0;
        const auto r = std::from_chars(text.data(), text.data() + text.size(), back);
        ASSERT_EQ(r.ec, std::errc()) << text;
        ASSERT_EQ(r.ptr, text.data() + text.size()) << text;
        EXPECT_EQ(std::memcmp(&back, &values[i], sizeof back), 0) << text;
    }
}

TEST(EncoderRoundTrip, MixedArgumentKinds) {
    std::mt19937 random(2024);
    for (int i = 0; i < 200; ++i) {
        const std::string bytes = random_bytes(random);
        const std::int64_t integer = random_integer(random);
        const std::uint64_t unsigned_value = (std::uint64_t{random()} << 32) | random();
        const double number = static_cast<double>(integer) / 3.0;
        std::string wire;
        append_command(wire, "CMD", bytes, integer, unsigned_value, number);
        const auto commands = read_commands(wire);
        ASSERT_EQ(commands.size(), 1u);
        ASSERT_EQ(commands[0].size(), 5u);
        EXPECT_EQ(commands[0][0], "CMD");
        EXPECT_EQ(commands[0][1], bytes);
        EXPECT_EQ(commands[0][2], std::to_string(integer));
        EXPECT_EQ(commands[0][3], std::to_string(unsigned_value));
        double back = 0;
        std::from_chars(commands[0][4].data(), commands[0][4].data() + commands[0][4].size(), back);
        EXPECT_EQ(back, number);
    }
}

TEST(EncoderRoundTrip, AReusedBufferStopsGrowing) {
    std::string out;
    out.reserve(256);
    const auto* storage = out.data();
    for (int i = 0; i < 100; ++i) {
        out.clear();
        append_command(out, "SET", "key:" + std::to_string(i % 10), i);
    }
    EXPECT_EQ(out.data(), storage);  // the same allocation throughout
    EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$5\r\nkey:9\r\n$2\r\n99\r\n");
}

}  // namespace
