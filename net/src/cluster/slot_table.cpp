#include "respcache/net/cluster/slot_table.hpp"

#include <algorithm>

namespace respcache::net::cluster {

slot_table::slot_table() {
    owner_.fill(no_node);
}

slot_table::slot_table(const topology& t) : slot_table() {
    for (const shard& s : t.shards) {
        if (s.slots.empty()) continue;
        std::uint16_t i = index_of(s.primary);
        if (i == no_node) {
            i = static_cast<std::uint16_t>(primaries_.size());
            primaries_.push_back(s.primary);
            replicas_.emplace_back();
        }
        for (const endpoint& r : s.replicas)
            if (std::find(replicas_[i].begin(), replicas_[i].end(), r) == replicas_[i].end())
                replicas_[i].push_back(r);
        for (const slot_range& range : s.slots)
            for (unsigned slot = range.first; slot <= range.last && slot < slot_count; ++slot)
                owner_[slot] = i;
    }
}

bool slot_table::covers_every_slot() const noexcept {
    return std::find(owner_.begin(), owner_.end(), no_node) == owner_.end();
}

std::uint16_t slot_table::index_of(const endpoint& e) const noexcept {
    const auto it = std::find(primaries_.begin(), primaries_.end(), e);
    return it == primaries_.end() ? no_node : static_cast<std::uint16_t>(it - primaries_.begin());
}

std::shared_ptr<const slot_table> slot_table::with_slot_moved(std::uint16_t slot,
                                                              const endpoint& to) const {
    auto copy = std::make_shared<slot_table>(*this);
    std::uint16_t i = copy->index_of(to);
    if (i == no_node) {
        i = static_cast<std::uint16_t>(copy->primaries_.size());
        copy->primaries_.push_back(to);
        copy->replicas_.emplace_back();
    }
    copy->owner_[slot] = i;
    return copy;
}

}  // namespace respcache::net::cluster
