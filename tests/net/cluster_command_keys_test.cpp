#include "respcache/net/cluster/command_keys.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "respcache/net/cluster/hash_slot.hpp"

namespace {

using namespace respcache::net::cluster;
using respcache::error_kind;

// The keys find_keys() reports, in order.
std::vector<std::string> keys_of(std::vector<std::string_view> command) {
    const command_keys k = find_keys(command);
    std::vector<std::string> out;
    for (std::size_t s = 0; s < k.span_count; ++s)
        for (std::size_t i = k.spans[s].first; i <= k.spans[s].last; i += k.spans[s].step)
            out.emplace_back(command[i]);
    return out;
}
using keys = std::vector<std::string>;

TEST(ClusterCommandKeys, SingleKeyCommandsAnyCase) {
    EXPECT_EQ(keys_of({"GET", "k"}), keys{"k"});
    EXPECT_EQ(keys_of({"set", "k", "v", "EX", "10"}), keys{"k"});
    EXPECT_EQ(keys_of({"HSet", "h", "f", "v"}), keys{"h"});
}

TEST(ClusterCommandKeys, MultiKeyCommands) {
    EXPECT_EQ(keys_of({"MGET", "a", "b", "c"}), (keys{"a", "b", "c"}));
    EXPECT_EQ(keys_of({"MSET", "a", "1", "b", "2"}), (keys{"a", "b"}));
    EXPECT_EQ(keys_of({"DEL", "a", "b"}), (keys{"a", "b"}));
    EXPECT_EQ(keys_of({"BLPOP", "a", "b", "5"}), (keys{"a", "b"}));
    EXPECT_EQ(keys_of({"RENAME", "a", "b"}), (keys{"a", "b"}));
    EXPECT_EQ(keys_of({"LMOVE", "a", "b", "LEFT", "RIGHT"}), (keys{"a", "b"}));
}

TEST(ClusterCommandKeys, KeyCountArguments) {
    EXPECT_EQ(keys_of({"EVAL", "return 1", "2", "a", "b", "arg"}), (keys{"a", "b"}));
    EXPECT_EQ(keys_of({"EVALSHA", "abc", "0", "arg"}), keys{});
    EXPECT_EQ(keys_of({"FCALL", "f", "1", "a", "arg"}), keys{"a"});
    EXPECT_EQ(keys_of({"ZUNIONSTORE", "dest", "2", "a", "b", "WEIGHTS", "1", "2"}),
              (keys{"dest", "a", "b"}));
    EXPECT_EQ(keys_of({"LMPOP", "2", "a", "b", "LEFT"}), (keys{"a", "b"}));
    EXPECT_EQ(keys_of({"BLMPOP", "0.5", "1", "a", "LEFT"}), keys{"a"});
    // A count beyond the arguments is cut to what is there; the server answers the error.
    EXPECT_EQ(keys_of({"EVAL", "s", "5", "a"}), keys{"a"});
    EXPECT_EQ(keys_of({"EVAL", "s", "many", "a"}), keys{});
}

TEST(ClusterCommandKeys, StreamsKeyword) {
    EXPECT_EQ(keys_of({"XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"}),
              (keys{"s1", "s2"}));
    EXPECT_EQ(keys_of({"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "streams", "s", ">"}),
              keys{"s"});
    EXPECT_EQ(keys_of({"XREAD", "STREAMS"}), keys{});
}

TEST(ClusterCommandKeys, SubcommandsWithAKey) {
    EXPECT_EQ(keys_of({"OBJECT", "ENCODING", "k"}), keys{"k"});
    EXPECT_EQ(keys_of({"MEMORY", "USAGE", "k"}), keys{"k"});
    EXPECT_EQ(keys_of({"MEMORY", "STATS"}), keys{});
    EXPECT_EQ(keys_of({"XINFO", "STREAM", "s"}), keys{"s"});
    EXPECT_EQ(keys_of({"XGROUP", "HELP"}), keys{});
}

TEST(ClusterCommandKeys, KeylessAndUnknownCommands) {
    EXPECT_EQ(find_keys(std::vector<std::string_view>{"PING"}).what, command_keys::status::no_keys);
    EXPECT_EQ(find_keys(std::vector<std::string_view>{"PUBLISH", "ch", "m"}).what,
              command_keys::status::no_keys);
    EXPECT_EQ(find_keys(std::vector<std::string_view>{"GET"}).what, command_keys::status::no_keys);
    EXPECT_EQ(find_keys(std::vector<std::string_view>{"MODULE.CMD", "k"}).what,
              command_keys::status::unknown);
    EXPECT_EQ(find_keys(std::vector<std::string_view>{}).what, command_keys::status::no_keys);
}

TEST(ClusterCommandKeys, SlotOfKeysInOneSlot) {
    const std::vector<std::string_view> command{"MGET", "{user}.a", "{user}.b"};
    auto s = slot_of(command);
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->what, command_slot::status::slot);
    EXPECT_EQ(s->slot, hash_slot("user"));
    EXPECT_EQ(slot_of(std::vector<std::string_view>{"INFO"})->what, command_slot::status::no_keys);
    EXPECT_EQ(slot_of(std::vector<std::string_view>{"X.Y", "k"})->what,
              command_slot::status::unknown);
}

TEST(ClusterCommandKeys, KeysInDifferentSlotsAreRefusedAsAConfigError) {
    const std::vector<std::string_view> command{"MGET", "foo", "bar"};
    auto s = slot_of(command);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error_value().kind, error_kind::config);
    EXPECT_EQ(s.error_value().message,
              "CROSSSLOT refused on the client: the keys of MGET hash to different slots ('foo' "
              "to 12182, 'bar' to 5061); give them one {hash tag} or use the split helpers");
    const std::vector<std::string_view> keys{"foo", "bar"};
    auto from_server = slot_of_keys("SOMETHING", keys);
    ASSERT_FALSE(from_server.has_value());
    EXPECT_EQ(from_server.error_value().kind, error_kind::config);
}

}  // namespace
