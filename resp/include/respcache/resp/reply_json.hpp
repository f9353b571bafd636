#pragma once

#include <string>

#include "respcache/resp/reply.hpp"

namespace respcache::resp {

// Appends the reply as one line of JSON in the canonical decode format
// (shared/specs/decode-format.md): the format `respcache decode` prints and
// tests compare. No trailing newline.
void append_json(std::string& out, const reply& value);

// A string as a JSON string literal in the decode format's escaping:
// printable ASCII as itself (`"` and `\` escaped), every other byte \u00XX.
void append_json_string(std::string& out, std::string_view bytes);

}  // namespace respcache::resp
