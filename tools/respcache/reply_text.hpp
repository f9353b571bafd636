#pragma once

#include <string>

#include "respcache/resp/reply.hpp"

namespace respcache::tools {

// A reply in the form redis-cli prints: "OK", "(integer) 42", "(nil)",
// quoted strings, numbered aggregate elements. Ends with a newline.
void append_reply_text(std::string& out, const resp::reply& value);

}  // namespace respcache::tools
