#include "reply_text.hpp"

#include <charconv>
#include <cmath>

namespace respcache::tools {

namespace {

void append_quoted(std::string& out, std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (b >= 0x20 && b < 0x7f) {
                    out.push_back(c);
                } else {
                    out += "\\x";
                    out.push_back(hex[b >> 4]);
                    out.push_back(hex[b & 0xf]);
                }
        }
    }
    out.push_back('"');
}

void append_scalar(std::string& out, const resp::reply& v) {
    switch (v.kind()) {
        case resp::type::simple_string:
            out.append(v.string());
            break;
        case resp::type::simple_error:
        case resp::type::blob_error:
            out += "(error) ";
            out.append(v.string());
            break;
        case resp::type::blob_string:
            append_quoted(out, v.string());
            break;
        case resp::type::verbatim_string:
            out.append(v.string());
            break;
        case resp::type::big_number:
            out += "(big number) ";
            out.append(v.string());
            break;
        case resp::type::integer:
            out += "(integer) " + std::to_string(v.integer());
            break;
        case resp::type::null:
            out += "(nil)";
            break;
        case resp::type::boolean:
            out += v.boolean() ? "(true)" : "(false)";
            break;
        case resp::type::double_number: {
            char text[32];
            const auto r = std::to_chars(text, text + sizeof text, v.number());
            out += "(double) ";
            out.append(std::isnan(v.number()) ? "nan" : std::string_view(text, r.ptr - text));
            break;
        }
        default:
            break;
    }
}

// Aggregates are bounded in depth by the parser's limits.
void append_value(std::string& out, const resp::reply& v, std::size_t indent) {
    if (!v.is_aggregate()) {
        append_scalar(out, v);
        out.push_back('\n');
        return;
    }
    if (v.empty()) {
        out += v.kind() == resp::type::map ? "(empty hash)\n" : "(empty array)\n";
        return;
    }
    const bool pairs = v.kind() == resp::type::map || v.kind() == resp::type::attribute;
    const char marker = pairs ? '#' : v.kind() == resp::type::set ? '~' : ')';
    const std::size_t count = pairs ? v.size() / 2 : v.size();
    const std::size_t width = std::to_string(count).size();
    std::size_t number = 1;
    for (auto it = v.begin(); it != v.end(); ++it, ++number) {
        if (number > 1) out.append(indent, ' ');
        const std::string label = std::to_string(number);
        out.append(width - label.size(), ' ');
        out += label;
        out.push_back(marker);
        out.push_back(' ');
        const std::size_t inner = indent + width + 2;
        if (pairs) {
            append_scalar(out, *it);
            out += " => ";
            ++it;
            append_value(out, *it, inner + 4);
        } else {
            append_value(out, *it, inner);
        }
    }
}

}  // namespace

void append_reply_text(std::string& out, const resp::reply& value) {
    append_value(out, value, 0);
}

}  // namespace respcache::tools
