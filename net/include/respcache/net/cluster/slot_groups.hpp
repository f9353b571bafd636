#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace respcache::net::cluster {

// Keys of one slot, as positions in the caller's list, in the caller's order.
struct slot_group {
    std::uint16_t slot = 0;
    std::vector<std::size_t> positions;
};

// How a multi-key command (MGET, MSET, DEL, UNLINK, EXISTS) splits into
// single-slot commands: one group per slot, groups in order of first
// appearance. Answers come back per group; positions put each one back in
// the caller's place.
std::vector<slot_group> group_by_slot(std::span<const std::string_view> keys);

}  // namespace respcache::net::cluster
