#include "respcache/net/cluster/slot_table.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace {

using namespace respcache::net::cluster;
using respcache::net::endpoint;

topology two_shards() {
    return topology{{shard{endpoint::tcp("a", 1), {endpoint::tcp("ar", 1)}, {{0, 8191}}},
                     shard{endpoint::tcp("b", 1), {}, {{8192, 16383}}}}};
}

TEST(ClusterSlotTable, EmptyTableServesNoSlot) {
    const slot_table t;
    EXPECT_EQ(t.primary_for(0), nullptr);
    EXPECT_EQ(t.owner(16383), slot_table::no_node);
    EXPECT_FALSE(t.covers_every_slot());
}

TEST(ClusterSlotTable, MovedPatchesOneSlotInACopy) {
    const auto before = std::make_shared<const slot_table>(two_shards());
    const auto after = before->with_slot_moved(5, endpoint::tcp("b", 1));
    EXPECT_EQ(*before->primary_for(5), endpoint::tcp("a", 1));
    EXPECT_EQ(*after->primary_for(5), endpoint::tcp("b", 1));
    EXPECT_EQ(*after->primary_for(4), endpoint::tcp("a", 1));
    EXPECT_EQ(after->primaries().size(), 2u);
    const auto to_new = after->with_slot_moved(6, endpoint::tcp("c", 1));
    EXPECT_EQ(to_new->primaries().size(), 3u);
    EXPECT_EQ(*to_new->primary_for(6), endpoint::tcp("c", 1));
    EXPECT_TRUE(to_new->replicas_of(to_new->owner(6)).empty());
    EXPECT_EQ(to_new->replicas_of(to_new->owner(0)).size(), 1u);
}

TEST(ClusterSlotTable, ReplaceSwapsOnlyTheExpectedTable) {
    atomic_slot_table current;
    auto seen = current.load();
    EXPECT_TRUE(current.replace(seen, std::make_shared<const slot_table>(two_shards())));
    auto stale = seen;  // the empty table, no longer current
    EXPECT_FALSE(current.replace(stale, std::make_shared<const slot_table>()));
    EXPECT_EQ(*current.load()->primary_for(0), endpoint::tcp("a", 1));
}

// Readers always see a whole table, never a half-written one.
TEST(ClusterSlotTable, ConcurrentReadersSeeWholeTables) {
    atomic_slot_table current;
    current.store(std::make_shared<const slot_table>(two_shards()));
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        bool flip = false;
        while (!stop.load()) {
            topology t = two_shards();
            if (flip) std::swap(t.shards[0].primary, t.shards[1].primary);
            current.store(std::make_shared<const slot_table>(t));
            flip = !flip;
        }
    });
    for (int i = 0; i < 20000; ++i) {
        const auto t = current.load();
        EXPECT_TRUE(t->covers_every_slot());
        EXPECT_NE(*t->primary_for(0), *t->primary_for(16383));
    }
    stop = true;
    writer.join();
}

}  // namespace
