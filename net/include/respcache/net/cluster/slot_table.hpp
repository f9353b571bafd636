#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "respcache/net/cluster/atomic_snapshot.hpp"
#include "respcache/net/cluster/hash_slot.hpp"
#include "respcache/net/cluster/topology.hpp"

namespace respcache::net::cluster {

// Which primary serves each of the 16384 slots: a flat array of node indexes,
// so routing a key is one CRC16 and one load. Immutable once built: a change
// (a refresh, a MOVED) builds a new table and swaps it in (atomic_slot_table).
class slot_table {
  public:
    static constexpr std::uint16_t no_node = 0xFFFF;

    slot_table();  // every slot unserved
    explicit slot_table(const topology& t);

    // Index into primaries() of the slot's primary, or no_node.
    std::uint16_t owner(std::uint16_t slot) const noexcept { return owner_[slot]; }
    const endpoint* primary_for(std::uint16_t slot) const noexcept {
        const std::uint16_t i = owner_[slot];
        return i == no_node ? nullptr : &primaries_[i];
    }
    const std::vector<endpoint>& primaries() const noexcept { return primaries_; }
    // Replicas of primaries()[i].
    const std::vector<endpoint>& replicas_of(std::uint16_t i) const noexcept {
        return replicas_[i];
    }
    bool covers_every_slot() const noexcept;

    // This table with one slot served by `to` (added as a primary when new):
    // what a MOVED reply says.
    std::shared_ptr<const slot_table> with_slot_moved(std::uint16_t slot, const endpoint& to) const;

  private:
    std::uint16_t index_of(const endpoint& e) const noexcept;
    std::array<std::uint16_t, slot_count> owner_;
    std::vector<endpoint> primaries_;
    std::vector<std::vector<endpoint>> replicas_;
};

// The table in use, replaced as a whole (see atomic_snapshot).
class atomic_slot_table : public atomic_snapshot<slot_table> {
  public:
    atomic_slot_table() : atomic_snapshot(std::make_shared<const slot_table>()) {}
};

}  // namespace respcache::net::cluster
