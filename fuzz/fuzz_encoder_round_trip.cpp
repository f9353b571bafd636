// fuzz_encoder_round_trip: arguments derived from the input are encoded with
// append_command and parsed back with resp::reader; the reply must be one
// array holding exactly those arguments as blob strings, and nothing else may
// be left in the stream.
//
// Input: byte 0 selects the extras (bit 0: also encode a command of an
// argument, an integer and a double through the variadic overload; bit 1:
// feed the encoded bytes one at a time; bit 2: encode the argument list a
// second time through the byte-span overloads). Then arguments, each a
// length byte and that many bytes (the last may be cut short by the input's
// end), at most 64 of them; an integer and a double come from the first 16
// bytes after byte 0 when bit 0 is set.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"

namespace {

using namespace respcache;

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "fuzz_encoder_round_trip: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what) {
    if (!ok) die(what);
}

// Parses `wire` back; returns the blob strings of the single array it holds.
std::vector<std::string> parse_back(std::string_view wire, bool byte_by_byte) {
    resp::reader reader;
    std::vector<std::string> args;
    std::size_t replies = 0;
    const std::size_t step = byte_by_byte ? 1 : (wire.empty() ? 1 : wire.size());
    for (std::size_t at = 0; at < wire.size(); at += step) {
        reader.feed(wire.substr(at, step));
        for (;;) {
            auto next = reader.next();
            check(static_cast<bool>(next), "the encoded command does not parse");
            if (!next->has_value()) break;
            ++replies;
            const resp::reply command = **next;
            check(command.kind() == resp::type::array, "the command is not an array");
            check(!command.has_attributes(), "the command has attributes");
            for (const resp::reply arg : command) {
                check(arg.kind() == resp::type::blob_string, "an argument is not a blob string");
                args.emplace_back(arg.string());
            }
            check(args.size() == command.size(), "argument count differs from the header");
        }
    }
    check(replies == 1, "not exactly one reply");
    check(reader.idle() && reader.buffered() == 0, "bytes left after the command");
    return args;
}

template <class T>
T load(const std::uint8_t* p) {
    T value;
    std::memcpy(&value, p, sizeof value);
    return value;
}

void check_integer(std::string_view text, std::int64_t expected) {
    std::int64_t value = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    check(r.ec == std::errc() && r.ptr == text.data() + text.size() && value == expected,
          "an integer argument does not read back");
}

void check_double(std::string_view text, double expected) {
    double value = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    check(r.ec == std::errc() && r.ptr == text.data() + text.size(),
          "a double argument is not a number");
    if (std::isnan(expected)) {
        check(std::isnan(value), "NaN did not read back as NaN");
    } else {
        check(std::memcmp(&value, &expected, sizeof value) == 0,
              "a double argument does not read back to the same bits");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const bool variadic = (mode & 1) != 0;
    const bool byte_by_byte = (mode & 2) != 0;
    const bool spans = (mode & 4) != 0;

    std::vector<std::string_view> args;
    std::size_t at = 1;
    while (at < size && args.size() < 64) {
        const std::size_t n = std::min<std::size_t>(data[at], size - at - 1);
        args.emplace_back(reinterpret_cast<const char*>(data) + at + 1, n);
        at += 1 + n;
    }

    std::string wire;
    resp::append_command(wire, std::span<const std::string_view>(args));
    const std::vector<std::string> back = parse_back(wire, byte_by_byte);
    check(back.size() == args.size(), "argument count changed");
    for (std::size_t i = 0; i < args.size(); ++i)
        check(back[i] == args[i], "an argument changed in the round trip");

    if (spans) {
        // The byte-span and unsigned-char-span overloads encode the same bytes.
        std::string other;
        resp::append_array_header(other, args.size());
        for (std::size_t i = 0; i < args.size(); ++i) {
            const auto* bytes = reinterpret_cast<const unsigned char*>(args[i].data());
            if (i % 2 == 0)
                resp::append_blob(other, std::span<const unsigned char>(bytes, args[i].size()));
            else
                resp::append_blob(
                    other, std::as_bytes(std::span<const unsigned char>(bytes, args[i].size())));
        }
        check(other == wire, "span overloads encode differently");
    }

    if (variadic && size >= 17) {
        const auto integer = load<std::int64_t>(data + 1);
        const auto number = load<double>(data + 9);
        const auto small = static_cast<std::int32_t>(load<std::uint32_t>(data + 1));
        const auto count = load<std::uint64_t>(data + 9);
        const std::string_view first = args.empty() ? std::string_view() : args.front();
        std::string mixed;
        resp::append_command(mixed, first, integer, number, small, count, "x");
        const std::vector<std::string> parts = parse_back(mixed, byte_by_byte);
        check(parts.size() == 6, "variadic command has the wrong argument count");
        check(parts[0] == first, "variadic string argument changed");
        check_integer(parts[1], integer);
        check_double(parts[2], number);
        check_integer(parts[3], small);
        std::uint64_t unsigned_value = 0;
        const auto r =
            std::from_chars(parts[4].data(), parts[4].data() + parts[4].size(), unsigned_value);
        check(r.ec == std::errc() && r.ptr == parts[4].data() + parts[4].size() &&
                  unsigned_value == count,
              "an unsigned argument does not read back");
        check(parts[5] == "x", "a literal argument changed");
    }
    return 0;
}
