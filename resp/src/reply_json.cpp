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

// One step of printing. Printing is iterative, with this explicit stack, so
// a reply nested as deeply as the parser's max_depth allows (which the user
// may set very high) cannot exhaust the call stack.
struct print_step {
    enum class kind { text, value, bare_value, elements, pairs };
    kind what = kind::text;
    std::string_view text;
    reply value;
    reply::iterator next, end;
    bool first = true;

    static print_step literal(std::string_view t) { return {kind::text, t, {}, {}, {}, true}; }
    static print_step of(kind k, const reply& v) { return {k, {}, v, {}, {}, true}; }
    static print_step list(kind k, const reply& aggregate) {
        return {k, {}, aggregate, aggregate.begin(), aggregate.end(), true};
    }
};

// Scalars print at once; an aggregate prints its opening and leaves its
// elements and closing to the stack.
void expand_bare_value(std::string& out, const reply& value, std::vector<print_step>& todo) {
    const auto field = [&](std::string_view name) {
        out.push_back('{');
        out.push_back('"');
        out.append(name);
        out.append("\":");
    };
    const auto aggregate = [&](std::string_view name, print_step::kind how) {
        field(name);
        todo.push_back(print_step::literal("}"));
        todo.push_back(print_step::list(how, value));
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
            out.append(text, static_cast<std::size_t>(r.ptr - text));
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
            aggregate("array", print_step::kind::elements);
            return;
        case type::set:
            aggregate("set", print_step::kind::elements);
            return;
        case type::push:
            aggregate("push", print_step::kind::elements);
            return;
        case type::map:
            aggregate("map", print_step::kind::pairs);
            return;
        case type::attribute:
            aggregate("attributes", print_step::kind::pairs);
            return;
    }
    out.push_back('}');
}

// Prints the next element (or pair) of a list step and puts the step back
// for the rest, or closes the list.
void expand_list(std::string& out, print_step step, std::vector<print_step>& todo) {
    if (step.first) out.push_back('[');
    if (step.next == step.end) {
        out.push_back(']');
        return;
    }
    if (!step.first) out.push_back(',');
    step.first = false;
    const reply item = *step.next;
    ++step.next;
    if (step.what == print_step::kind::elements) {
        todo.push_back(step);
        todo.push_back(print_step::of(print_step::kind::value, item));
        return;
    }
    const reply paired = *step.next;
    ++step.next;
    out.push_back('[');
    todo.push_back(step);
    todo.push_back(print_step::literal("]"));
    todo.push_back(print_step::of(print_step::kind::value, paired));
    todo.push_back(print_step::literal(","));
    todo.push_back(print_step::of(print_step::kind::value, item));
}

}  // namespace

void append_json(std::string& out, const reply& value) {
    std::vector<print_step> todo;
    todo.push_back(print_step::of(print_step::kind::value, value));
    while (!todo.empty()) {
        const print_step step = todo.back();
        todo.pop_back();
        switch (step.what) {
            case print_step::kind::text:
                out.append(step.text);
                break;
            case print_step::kind::value:
                if (!step.value.has_attributes()) {
                    expand_bare_value(out, step.value, todo);
                    break;
                }
                out.append("{\"attributes\":");
                todo.push_back(print_step::literal("}"));
                todo.push_back(print_step::of(print_step::kind::bare_value, step.value));
                todo.push_back(print_step::literal(",\"value\":"));
                todo.push_back(print_step::list(print_step::kind::pairs, step.value.attributes()));
                break;
            case print_step::kind::bare_value:
                expand_bare_value(out, step.value, todo);
                break;
            case print_step::kind::elements:
            case print_step::kind::pairs:
                expand_list(out, step, todo);
                break;
        }
    }
}

}  // namespace respcache::resp
