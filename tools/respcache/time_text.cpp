#include "time_text.hpp"

#include <charconv>
#include <cstdio>

namespace respcache::tools {

namespace {

using namespace std::chrono;

template <class Number>
bool read_number(std::string_view& text, std::size_t digits, Number& out) {
    if (text.size() < digits) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, out);
    if (ec != std::errc() || end != text.data() + digits) return false;
    text.remove_prefix(digits);
    return true;
}

bool expect(std::string_view& text, char c) {
    if (text.empty() || (text[0] != c && !(c == 'T' && (text[0] == 't' || text[0] == ' '))))
        return false;
    text.remove_prefix(1);
    return true;
}

}  // namespace

std::optional<milliseconds> parse_duration(std::string_view text) {
    std::uint64_t amount = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
    if (ec != std::errc() || end == text.data() || amount == 0) return std::nullopt;
    const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
    std::uint64_t scale = 0;
    if (unit == "ms") scale = 1;
    if (unit == "s") scale = 1000;
    if (unit == "m") scale = 60'000;
    if (unit == "h") scale = 3'600'000;
    if (unit == "d") scale = 86'400'000;
    if (scale == 0 || amount > (std::uint64_t{1} << 50) / scale) return std::nullopt;
    return milliseconds(static_cast<milliseconds::rep>(amount * scale));
}

std::optional<system_clock::time_point> parse_rfc3339(std::string_view text) {
    int y = 0;
    unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!read_number(text, 4, y) || !expect(text, '-') || !read_number(text, 2, mo) ||
        !expect(text, '-') || !read_number(text, 2, d) || !expect(text, 'T') ||
        !read_number(text, 2, h) || !expect(text, ':') || !read_number(text, 2, mi) ||
        !expect(text, ':') || !read_number(text, 2, s))
        return std::nullopt;
    const year_month_day date{year{y}, month{mo}, day{d}};
    if (!date.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
    nanoseconds fraction{0};
    if (!text.empty() && text[0] == '.') {
        text.remove_prefix(1);
        std::int64_t scale = 100'000'000;
        std::size_t digits = 0;
        while (!text.empty() && text[0] >= '0' && text[0] <= '9') {
            fraction += nanoseconds((text[0] - '0') * scale);
            scale /= 10;
            text.remove_prefix(1);
            ++digits;
        }
        if (digits == 0) return std::nullopt;
    }
    minutes offset{0};
    if (text == "Z" || text == "z") {
        text = {};
    } else if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
        const bool negative = text[0] == '-';
        text.remove_prefix(1);
        unsigned oh = 0, om = 0;
        if (!read_number(text, 2, oh) || !expect(text, ':') || !read_number(text, 2, om) ||
            !text.empty() || oh > 23 || om > 59)
            return std::nullopt;
        offset = hours(oh) + minutes(om);
        if (negative) offset = -offset;
    } else {
        return std::nullopt;
    }
    if (!text.empty()) return std::nullopt;
    const auto local = sys_days(date) + hours(h) + minutes(mi) + seconds(s) + fraction;
    return time_point_cast<system_clock::duration>(local - offset);
}

std::string format_rfc3339(system_clock::time_point t) {
    const auto ms = time_point_cast<milliseconds>(t);
    const auto days = floor<std::chrono::days>(ms);
    const year_month_day date(days);
    const hh_mm_ss time(ms - days);
    char text[40];
    std::snprintf(
        text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return text;
}

std::string format_duration(milliseconds d) {
    const auto count = d.count();
    if (count > 0 && count % 86'400'000 == 0) return std::to_string(count / 86'400'000) + "d";
    if (count > 0 && count % 3'600'000 == 0) return std::to_string(count / 3'600'000) + "h";
    if (count > 0 && count % 60'000 == 0) return std::to_string(count / 60'000) + "m";
    if (count > 0 && count % 1000 == 0) return std::to_string(count / 1000) + "s";
    return std::to_string(count) + "ms";
}

}  // namespace respcache::tools
