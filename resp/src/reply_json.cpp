#include "respcache/resp/reply_json.hpp"

#include <charconv>
#include <cmath>
#include <vector>

namespace respcache::resp {

void append_json_string(std::string& out, std::string_view bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    out.push_back('"');
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == '"' || byte == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (byte >= 0x20 && byte <= 0x7e) {
            out.push_back(c);
        } else {
            out.append("\\u00", 4);
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0xf]);
        }
    }
    out.push_back('"');
}

namespace {

void append_double(std::string& out, double value) {
    if (std::isnan(value)) {
        out.append("\"nan\"");
        return;
    }
    char text[32];
    const auto r = std::to_chars(text, text + sizeof text, value);
    out.push_back('"');
    out.append(text, r.ptr);
    out.push_back('"');
}

void append_value(std::string& out, const reply& value);

void append_elements(std::string& out, const reply& aggregate) {
    out.push_back('[');
    bool first = true;
    for (const reply element : aggregate) {
        if (!first) out.push_back(',');
        first = false;
        append_value(out, element);
    }
    out.push_back(']');
}

void append_pairs(std::string& out, const reply& aggregate) {
    out.push_back('[');
    bool first = true;
    for (auto it = aggregate.begin(); it != aggregate.end(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        out.push_back('[');
        append_value(out, *it);
        out.push_back(',');
        ++it;
        append_value(out, *it);
        out.push_back(']');
    }
    out.push_back(']');
}

void append_bare_value(std::string& out, const reply& value) {
    const auto field = [&](std::string_view name) {
        out.push_back('{');
        out.push_back('"');
        out.append(name);
        out.append("\":");
    };
    switch (value.kind()) {
        case type::simple_string:
            field("simple");
            append_json_string(out, value.string());
            break;
        case type::simple_error:
            field("error");
            append_json_string(out, value.string());
            break;
        case type::blob_string:
            field("blob");
            append_json_string(out, value.string());
            break;
        case type::blob_error:
            field("blob_error");
            append_json_string(out, value.string());
            break;
        case type::big_number:
            field("bignum");
            append_json_string(out, value.string());
            break;
        case type::integer: {
            field("integer");
            char text[24];
            const auto r = std::to_chars(text, text + sizeof text, value.integer());
            out.append(text, r.ptr);
            break;
        }
        case type::null:
            field("null");
            out.append("true");
            break;
        case type::boolean:
            field("boolean");
            out.append(value.boolean() ? "true" : "false");
            break;
        case type::double_number:
            field("double");
            append_double(out, value.number());
            break;
        case type::verbatim_string:
            field("verbatim");
            append_json_string(out, value.string());
            out.append(",\"format\":");
            append_json_string(out, value.verbatim_format());
            break;
        case type::array:
            field("array");
            append_elements(out, value);
            break;
        case type::set:
            field("set");
            append_elements(out, value);
            break;
        case type::push:
            field("push");
            append_elements(out, value);
            break;
        case type::map:
            field("map");
            append_pairs(out, value);
            break;
        case type::attribute:
            field("attributes");
            append_pairs(out, value);
            break;
    }
    out.push_back('}');
}

// Recursion depth is bounded by the parser's max_depth.
void append_value(std::string& out, const reply& value) {
    if (!value.has_attributes()) {
        append_bare_value(out, value);
        return;
    }
    out.append("{\"attributes\":");
    append_pairs(out, value.attributes());
    out.append(",\"value\":");
    append_bare_value(out, value);
    out.push_back('}');
}

}  // namespace

void append_json(std::string& out, const reply& value) {
    append_value(out, value);
}

}  // namespace respcache::resp
