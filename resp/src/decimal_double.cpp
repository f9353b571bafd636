// RESP3 doubles without std::from_chars: its floating-point part drags about
// 25 KB of libstdc++ (and the exception machinery) into every program that
// links the parser statically. Exact values come from Clinger's fast path
// when the digits fit (what servers send: scores such as "1.5" or
// "3.14159"), and from the C library's correctly rounded strtod_l in the C
// locale otherwise.

#include <atomic>
#include <clocale>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>

#include <locale.h>

#include "respcache/resp/parser.hpp"

namespace respcache::resp::detail {

namespace {

bool is_digit(char c) noexcept {
    return static_cast<unsigned char>(c - '0') <= 9;
}

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Case-insensitive: does [p, last) start with `word`?
bool starts_with_word(const char* p, const char* last, const char* word) noexcept {
    for (; *word != '\0'; ++p, ++word)
        if (p == last || lower(*p) != *word) return false;
    return true;
}

// The C locale, for a decimal point that does not depend on setlocale().
// Constant-initialized: no guard, no allocation in glibc ("C" is built in).
locale_t c_locale() noexcept {
    static std::atomic<locale_t> cached{nullptr};
    locale_t known = cached.load(std::memory_order_acquire);
    if (known != nullptr) return known;
    locale_t made = newlocale(LC_ALL_MASK, "C", nullptr);
    if (made == nullptr) return nullptr;
    if (!cached.compare_exchange_strong(known, made, std::memory_order_acq_rel)) {
        freelocale(made);
        return known;
    }
    return made;
}

// 10^0 .. 10^22: every one exact in a double.
constexpr double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

}  // namespace

const char* parse_decimal_double(const char* first, const char* last, double& out) noexcept {
    const char* p = first;
    const bool negative = p != last && *p == '-';
    if (negative) ++p;
    const double sign = negative ? -1.0 : 1.0;

    if (starts_with_word(p, last, "inf")) {
        p += starts_with_word(p, last, "infinity") ? 8 : 3;
        out = sign * std::numeric_limits<double>::infinity();
        return p;
    }
    if (starts_with_word(p, last, "nan")) {
        p += 3;
        // nan(n-char-sequence): taken only when closed.
        if (p != last && *p == '(') {
            const char* q = p + 1;
            while (q != last &&
                   (is_digit(*q) || (lower(*q) >= 'a' && lower(*q) <= 'z') || *q == '_'))
                ++q;
            if (q != last && *q == ')') p = q + 1;
        }
        out = std::copysign(std::numeric_limits<double>::quiet_NaN(), sign);
        return p;
    }

    // digits [. digits] [e [sign] digits], at least one digit before the exponent.
    std::uint64_t mantissa = 0;
    int significant = 0;        // digits in `mantissa`, leading zeros not counted
    std::int64_t exponent = 0;  // of the last digit in `mantissa`
    bool exact = true;          // every digit fitted in `mantissa`
    const char* const digits_start = p;
    for (; p != last && is_digit(*p); ++p) {
        if (significant < 19) {
            mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
            if (mantissa != 0) ++significant;
        } else {
            ++exponent;
            exact = exact && *p == '0';
        }
    }
    bool any_digit = p != digits_start;
    if (p != last && *p == '.') {
        const char* const fraction = ++p;
        for (; p != last && is_digit(*p); ++p) {
            if (significant < 19) {
                mantissa = mantissa * 10 + static_cast<unsigned>(*p - '0');
                if (mantissa != 0) ++significant;
                --exponent;
            } else {
                exact = exact && *p == '0';
            }
        }
        any_digit = any_digit || p != fraction;
    }
    if (!any_digit) return first;
    if (p != last && (*p == 'e' || *p == 'E')) {
        const char* q = p + 1;
        const bool negative_exponent = q != last && *q == '-';
        if (q != last && (*q == '-' || *q == '+')) ++q;
        if (q != last && is_digit(*q)) {
            std::int64_t written = 0;
            // Saturate: any exponent this large is out of every range already.
            for (; q != last && is_digit(*q); ++q)
                if (written < (std::int64_t{1} << 40)) written = written * 10 + (*q - '0');
            exponent += negative_exponent ? -written : written;
            p = q;
        }
    }
    const char* const end = p;

    // Clinger: a mantissa below 2^53 and a power of ten up to 10^22 are both
    // exact, so one multiplication or division rounds correctly.
    if (exact && mantissa < (std::uint64_t{1} << 53) && exponent >= -22 && exponent <= 22) {
        const auto m = static_cast<double>(mantissa);
        out = sign * (exponent < 0 ? m / powers_of_ten[-exponent] : m * powers_of_ten[exponent]);
        return end;
    }
    if (mantissa == 0 && exact) {
        out = sign * 0.0;
        return end;
    }
    // The bytes after `end` are the line's CR: strtod_l stops exactly at `end`.
    char* converted_end = nullptr;
    const locale_t c = c_locale();
    out = c != nullptr ? strtod_l(first, &converted_end, c) : std::strtod(first, &converted_end);
    return converted_end == end ? end : first;
}

}  // namespace respcache::resp::detail
