#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply.hpp"

namespace respcache::testing {

// One whole reply parsed from its wire bytes, owned.
inline resp::owned_reply reply_from(std::string_view bytes) {
    resp::reader reader;
    reader.feed(bytes);
    auto next = reader.next();
    EXPECT_TRUE(next.has_value() && next->has_value()) << bytes;
    if (!next || !*next) return {};
    return (**next).to_owned();
}

}  // namespace respcache::testing
