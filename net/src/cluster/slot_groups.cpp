#include "respcache/net/cluster/slot_groups.hpp"

#include "respcache/net/cluster/hash_slot.hpp"

namespace respcache::net::cluster {

std::vector<slot_group> group_by_slot(std::span<const std::string_view> keys) {
    std::vector<slot_group> groups;
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::uint16_t slot = hash_slot(keys[i]);
        slot_group* group = nullptr;
        for (slot_group& g : groups)
            if (g.slot == slot) {
                group = &g;
                break;
            }
        if (!group) group = &groups.emplace_back(slot_group{slot, {}});
        group->positions.push_back(i);
    }
    return groups;
}

}  // namespace respcache::net::cluster
