#pragma once

#include <cstddef>
#include <cstdint>

namespace respcache::resp {

// Bounds that make hostile input harmless. Exceeding one is a parse error of
// kind `limit`; no bound is ever turned into an up-front allocation.
struct limits {
    // Open aggregates (arrays, maps, sets, pushes, attributes) at one time.
    std::size_t max_depth = 128;
    // Bytes in one blob, blob error, verbatim string, or a streamed string's
    // chunks together. Matches the server's default proto-max-bulk-len.
    std::uint64_t max_bulk_length = 512ull * 1024 * 1024;
    // Elements in one aggregate; a map of n pairs counts 2n.
    std::uint64_t max_elements = 4294967295ull;
    // Bytes of a line (simple string, error, number, length header) between
    // its type byte and its CRLF.
    std::size_t max_line_length = 64 * 1024;
    // Values in one reply, nested ones and attributes included: bounds the
    // reader's node storage (a few dozen bytes a value) for replies of many
    // tiny values, which the other bounds alone allow by the billion.
    std::uint64_t max_nodes = std::uint64_t{1} << 26;
};

}  // namespace respcache::resp
