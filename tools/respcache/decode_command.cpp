#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"
#include "subcommands.hpp"

namespace respcache::tools {
namespace {

enum decode_status { decoded = 0, malformed = 1, incomplete = 2 };

std::optional<std::uint64_t> parse_count(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

bool read_all(std::FILE* in, std::string& out) {
    char block[64 * 1024];
    std::size_t n = 0;
    while ((n = std::fread(block, 1, sizeof block, in)) > 0) out.append(block, n);
    return !std::ferror(in);
}

struct decode_options {
    std::uint64_t chunk = 0;  // 0: all at once
    resp::limits bounds;
    std::string_view path;  // empty: standard input
};

int usage_error(std::string_view message) {
    std::fprintf(stderr, "respcache decode: %.*s\n", static_cast<int>(message.size()),
                 message.data());
    return exit_usage;
}

class json_lines {
  public:
    ~json_lines() { flush(); }
    std::string& line() { return pending_; }
    void end_line() {
        pending_.push_back('\n');
        if (pending_.size() >= 64 * 1024) flush();
    }
    void flush() {
        std::fwrite(pending_.data(), 1, pending_.size(), stdout);
        std::fflush(stdout);
        pending_.clear();
    }

  private:
    std::string pending_;
};

// Drains every complete reply; returns false once the stream is malformed.
bool print_replies(resp::reader& reader, json_lines& out) {
    for (;;) {
        auto next = reader.next();
        if (!next) {
            const resp::parse_error& failure = reader.failure();
            std::string& line = out.line();
            line.append("{\"protocol_error\":");
            resp::append_json_string(line, resp::to_string(failure.code));
            line.append(",\"offset\":");
            line.append(std::to_string(failure.offset));
            line.push_back('}');
            out.end_line();
            return false;
        }
        if (!next->has_value()) return true;
        resp::append_json(out.line(), **next);
        out.end_line();
    }
}

}  // namespace

int run_decode(std::span<const std::string_view> args) {
    decode_options options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        const bool takes_value = arg == "--chunk" || arg == "--max-depth" || arg == "--max-bulk" ||
                                 arg == "--max-elements";
        if (takes_value) {
            if (i + 1 == args.size()) return usage_error(std::string(arg) + " needs a number");
            const auto value = parse_count(args[++i]);
            if (!value) return usage_error(std::string(arg) + " needs a non-negative number");
            if (arg == "--chunk") options.chunk = *value;
            if (arg == "--max-depth") options.bounds.max_depth = *value;
            if (arg == "--max-bulk") options.bounds.max_bulk_length = *value;
            if (arg == "--max-elements") options.bounds.max_elements = *value;
        } else if (arg == "-" && options.path.empty()) {
            continue;
        } else if (!arg.starts_with("-") && options.path.empty()) {
            options.path = arg;
        } else {
            return usage_error("unknown option '" + std::string(arg) + "'");
        }
    }

    std::string input;
    std::FILE* in = stdin;
    if (!options.path.empty()) {
        in = std::fopen(std::string(options.path).c_str(), "rb");
        if (in == nullptr) return usage_error("cannot open '" + std::string(options.path) + "'");
    }
    const bool read_ok = read_all(in, input);
    if (in != stdin) std::fclose(in);
    if (!read_ok) return usage_error("cannot read the input");

    resp::reader reader(options.bounds);
    json_lines out;
    const std::size_t chunk = options.chunk == 0 ? input.size() : options.chunk;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        reader.feed(std::string_view(input).substr(at, chunk));
        if (!print_replies(reader, out)) return malformed;
    }
    if (!reader.idle()) {
        out.line().append(
            "{\"incomplete\":true,\"offset\":" + std::to_string(reader.reply_offset()) + "}");
        out.end_line();
        return incomplete;
    }
    return decoded;
}

}  // namespace respcache::tools
