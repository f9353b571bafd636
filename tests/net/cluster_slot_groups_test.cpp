#include "respcache/net/cluster/slot_groups.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "respcache/net/cluster/hash_slot.hpp"

namespace {

using namespace respcache::net::cluster;

TEST(ClusterSlotGroups, OneGroupPerSlotInOrderOfFirstAppearance) {
    const std::vector<std::string_view> keys{"foo", "bar", "{foo}x", "baz", "{bar}y"};
    const auto groups = group_by_slot(keys);
    ASSERT_EQ(groups.size(), 3u);
    EXPECT_EQ(groups[0].slot, hash_slot("foo"));
    EXPECT_EQ(groups[0].positions, (std::vector<std::size_t>{0, 2}));
    EXPECT_EQ(groups[1].slot, hash_slot("bar"));
    EXPECT_EQ(groups[1].positions, (std::vector<std::size_t>{1, 4}));
    EXPECT_EQ(groups[2].positions, (std::vector<std::size_t>{3}));
}

TEST(ClusterSlotGroups, PositionsReassembleTheCallersOrder) {
    std::vector<std::string> owned;
    for (int i = 0; i < 200; ++i) owned.push_back("key:" + std::to_string(i));
    const std::vector<std::string_view> keys(owned.begin(), owned.end());
    const auto groups = group_by_slot(keys);
    std::vector<std::string_view> rebuilt(keys.size());
    std::size_t total = 0;
    for (const slot_group& g : groups) {
        for (std::size_t p : g.positions) {
            EXPECT_EQ(hash_slot(keys[p]), g.slot);
            rebuilt[p] = keys[p];
        }
        total += g.positions.size();
    }
    EXPECT_EQ(total, keys.size());
    EXPECT_EQ(rebuilt, keys);
    EXPECT_TRUE(group_by_slot({}).empty());
}

}  // namespace
