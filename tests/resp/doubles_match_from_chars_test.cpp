// RESP3 doubles are read without std::from_chars (to keep it out of small
// static programs), so they are checked against it: the same value, bit for
// bit, and the same verdict on where a malformed double goes wrong, for the
// hard cases and for many random decimal strings.

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include "respcache/resp/parser.hpp"

namespace {

using respcache::resp::detail::parse_decimal_double;

struct reference {
    bool ok;
    std::size_t end;
    double value;
};

// from_chars, with RESP's rule for out-of-range values (nearest representable).
reference with_from_chars(std::string_view text) {
    double value = 0;
    const char* first = text.data();
    const auto [ptr, ec] = std::from_chars(first, first + text.size(), value);
    if (ptr == first) return {false, 0, 0};
    if (ec == std::errc::result_out_of_range) {
        // Decide by the decimal exponent: below one is zero, otherwise infinity.
        const bool negative = text[0] == '-';
        const double magnitude =
            std::strtod(std::string(text.substr(0, ptr - first)).c_str(), nullptr);
        value = std::fabs(magnitude) < 1 ? 0.0 : std::numeric_limits<double>::infinity();
        if (negative) value = -value;
    }
    return {true, static_cast<std::size_t>(ptr - first), value};
}

void expect_same(const std::string& text) {
    // The parser's input always ends in the line's CR.
    const std::string line = text + "\r";
    double value = 0;
    const char* end = parse_decimal_double(line.data(), line.data() + text.size(), value);
    const reference expected = with_from_chars(text);
    if (!expected.ok) {
        EXPECT_EQ(end, line.data()) << text;
        return;
    }
    ASSERT_EQ(static_cast<std::size_t>(end - line.data()), expected.end) << text;
    if (std::isnan(expected.value)) {
        EXPECT_TRUE(std::isnan(value)) << text;
        EXPECT_EQ(std::signbit(value), std::signbit(expected.value)) << text;
        return;
    }
    std::uint64_t got_bits = 0;
    std::uint64_t expected_bits = 0;
    std::memcpy(&got_bits, &value, sizeof value);
    std::memcpy(&expected_bits, &expected.value, sizeof value);
    EXPECT_EQ(got_bits, expected_bits) << text << ": " << value << " vs " << expected.value;
}

TEST(DoublesMatchFromChars, HardCases) {
    for (const char* text : {"0",
                             "-0",
                             "1.5",
                             "-2.25",
                             "3.14159",
                             "0.1",
                             "0.3",
                             "1e23",
                             "8.988465674311579e307",
                             "9007199254740993",
                             "9007199254740992.5",
                             "2.2250738585072011e-308",
                             "2.2250738585072014e-308",
                             "4.9e-324",
                             "2.4703282292062328e-324",
                             "2.4703282292062327e-324",
                             "1.7976931348623157e308",
                             "1.7976931348623159e308",
                             "1e400",
                             "-1e400",
                             "1e-400",
                             "-1e-400",
                             "123456789012345678901234567890",
                             "0.000000000000000000000000000001",
                             "1234567890123456789",
                             "12345678901234567890",
                             "10000000000000000000000000000000000000000e-40",
                             ".5",
                             "5.",
                             "-.5",
                             "1E5",
                             "1e+5",
                             "1e-5",
                             "inf",
                             "-inf",
                             "INF",
                             "Infinity",
                             "infinit",
                             "nan",
                             "-nan",
                             "NaN",
                             "nan(123)",
                             "nan(",
                             "nan()x",
                             "1e",
                             "1e+",
                             "1ex",
                             "-",
                             ".",
                             "e5",
                             "+1",
                             "1.2.3",
                             "0x1p3",
                             " 1",
                             "1 ",
                             "00012",
                             "1_000",
                             "3.0000000000000000000000001"})
        expect_same(text);
}

TEST(DoublesMatchFromChars, RandomDecimals) {
    std::mt19937_64 random(12);
    const std::string alphabet = "0123456789";
    for (int i = 0; i < 200000; ++i) {
        std::string text;
        if (random() % 4 == 0) text += '-';
        const int integer_digits = static_cast<int>(random() % 25);
        for (int d = 0; d < integer_digits; ++d) text += alphabet[random() % 10];
        if (random() % 2 == 0) {
            text += '.';
            const int fraction_digits = static_cast<int>(random() % 25);
            for (int d = 0; d < fraction_digits; ++d) text += alphabet[random() % 10];
        }
        if (random() % 3 == 0) {
            text += random() % 2 ? 'e' : 'E';
            if (random() % 2 == 0) text += random() % 2 ? '-' : '+';
            text += std::to_string(random() % 400);
        }
        expect_same(text);
        if (::testing::Test::HasFailure()) return;
    }
}

}  // namespace
