#include "respcache/net/cluster/hash_slot.hpp"

#include <gtest/gtest.h>

namespace {

using respcache::net::cluster::crc16;
using respcache::net::cluster::hash_slot;
using respcache::net::cluster::hash_tag;

// The check value of CRC16-XModem, given in the cluster specification.
TEST(ClusterHashSlot, Crc16MatchesTheSpecificationTestVector) {
    EXPECT_EQ(crc16("123456789"), 0x31C3);
    EXPECT_EQ(crc16(""), 0);
    static_assert(crc16("123456789") == 0x31C3);
}

TEST(ClusterHashSlot, SlotIsTheLowFourteenBitsOfTheChecksum) {
    EXPECT_EQ(hash_slot("123456789"), 0x31C3 & 0x3FFF);
    // What CLUSTER KEYSLOT answers for these keys.
    EXPECT_EQ(hash_slot("foo"), 12182);
    EXPECT_EQ(hash_slot("bar"), 5061);
    EXPECT_EQ(hash_slot(""), 0);
}

TEST(ClusterHashSlot, HashTagSelectsTheTextBetweenTheFirstBraces) {
    EXPECT_EQ(hash_tag("{user1000}.following"), "user1000");
    EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("{user1000}.followers"));
    EXPECT_EQ(hash_slot("{user1000}.following"), hash_slot("user1000"));
    // The specification's examples.
    EXPECT_EQ(hash_tag("foo{bar}{zap}"), "bar");
    EXPECT_EQ(hash_tag("foo{{bar}}zap"), "{bar");
    EXPECT_EQ(hash_slot("foo{{bar}}zap"), hash_slot("{bar"));
}

TEST(ClusterHashSlot, EmptyOrUnclosedTagHashesTheWholeKey) {
    EXPECT_EQ(hash_tag("foo{}{bar}"), "foo{}{bar}");
    EXPECT_EQ(hash_tag("foo{bar"), "foo{bar");
    EXPECT_EQ(hash_tag("foo}bar{"), "foo}bar{");
    EXPECT_EQ(hash_tag("{}"), "{}");
    EXPECT_EQ(hash_slot("foo{}{bar}"), crc16("foo{}{bar}") & 0x3FFF);
}

TEST(ClusterHashSlot, BinaryKeysAreHashedByteForByte) {
    const std::string_view with_nul("a\0b", 3);
    EXPECT_EQ(hash_slot(with_nul), crc16(with_nul) & 0x3FFF);
    EXPECT_NE(hash_slot(with_nul), hash_slot("a"));
    EXPECT_LT(hash_slot("\xff\xfe\xfd"), 16384);
}

}  // namespace
