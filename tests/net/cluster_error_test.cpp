#include "respcache/net/cluster/cluster_error.hpp"

#include <gtest/gtest.h>

namespace {

using respcache::net::endpoint;
using respcache::net::cluster::classify_error;
using kind = respcache::net::cluster::cluster_error::kind;

const endpoint answering = endpoint::tcp("10.0.0.9", 7000);

TEST(ClusterError, MovedNamesTheSlotAndItsNewOwner) {
    const auto e = classify_error("MOVED 3999 127.0.0.1:6381", answering);
    EXPECT_EQ(e.what, kind::moved);
    EXPECT_EQ(e.slot, 3999);
    EXPECT_EQ(e.target, endpoint::tcp("127.0.0.1", 6381));
    EXPECT_FALSE(e.transient());
}

TEST(ClusterError, AskNamesTheTargetOfThisOneCommand) {
    const auto e = classify_error("ASK 16383 node-7.example:7005", answering);
    EXPECT_EQ(e.what, kind::ask);
    EXPECT_EQ(e.slot, 16383);
    EXPECT_EQ(e.target, endpoint::tcp("node-7.example", 7005));
}

TEST(ClusterError, RedirectionWithoutHostMeansTheNodeThatAnswered) {
    const auto e = classify_error("MOVED 1 :7010", answering);
    EXPECT_EQ(e.what, kind::moved);
    EXPECT_EQ(e.target, endpoint::tcp("10.0.0.9", 7010));
}

TEST(ClusterError, IpvSixTargetsSplitAtTheLastColon) {
    EXPECT_EQ(classify_error("MOVED 5 ::1:7000", answering).target, endpoint::tcp("::1", 7000));
    EXPECT_EQ(classify_error("ASK 5 [fe80::1]:7000", answering).target,
              endpoint::tcp("fe80::1", 7000));
}

TEST(ClusterError, TransientErrorsAreRecognisedByTheirPrefix) {
    EXPECT_EQ(
        classify_error("TRYAGAIN Multiple keys request during rehashing of slot", answering).what,
        kind::try_again);
    EXPECT_EQ(classify_error("CLUSTERDOWN The cluster is down", answering).what,
              kind::cluster_down);
    EXPECT_EQ(classify_error("LOADING Redis is loading the dataset in memory", answering).what,
              kind::loading);
    EXPECT_EQ(classify_error("MASTERDOWN Link with MASTER is down", answering).what,
              kind::master_down);
    EXPECT_TRUE(classify_error("CLUSTERDOWN Hash slot not served", answering).transient());
}

TEST(ClusterError, OtherErrorsAndUnreadableRedirectionsAreTheCallersAnswer) {
    for (const char* message :
         {"ERR unknown command", "WRONGTYPE Operation against a key", "MOVED", "MOVED ",
          "MOVED 16384 h:1", "MOVED 12 h", "MOVED 12 h:0", "MOVED 12 h:65536", "MOVED x h:1",
          "ASK 1 h:port", "MOVEDX 1 h:1", "TRYAGAINX", "moved 1 h:1"}) {
        EXPECT_EQ(classify_error(message, answering).what, kind::none) << message;
    }
}

}  // namespace
