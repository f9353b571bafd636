#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "respcache/net/cluster/request_blocks.hpp"

namespace {

using respcache::net::cluster::detail::give_request_block;
using respcache::net::cluster::detail::request_block_batch;
using respcache::net::cluster::detail::request_block_size;
using respcache::net::cluster::detail::request_blocks_recycled;
using respcache::net::cluster::detail::take_request_block;

std::vector<void*> take(std::size_t n) {
    std::vector<void*> blocks;
    for (std::size_t i = 0; i < n; ++i) {
        void* b = take_request_block();
        // The whole block is the caller's (AddressSanitizer checks the bound).
        std::memset(b, 0xA5, request_block_size);
        blocks.push_back(b);
    }
    return blocks;
}

// What a cluster's asynchronous calls do: the caller's thread takes, an I/O
// thread gives back. The blocks come back to a thread that takes again, a
// batch at a time, instead of going through the allocator's shared arena.
TEST(ClusterRequestBlocks, BlocksFreedOnAnotherThreadAreTakenAgain) {
    std::vector<void*> first;
    std::thread caller([&] { first = take(4 * request_block_batch); });
    caller.join();
    const std::set<void*> distinct(first.begin(), first.end());
    EXPECT_EQ(distinct.size(), first.size());

    std::thread io([&] {
        for (void* b : first) give_request_block(b);
    });
    io.join();

    std::vector<void*> second;
    std::thread next_caller([&] {
        second = take(request_block_batch);
        for (void* b : second) give_request_block(b);
    });
    next_caller.join();
    const auto reused = std::count_if(second.begin(), second.end(),
                                      [&](void* b) { return distinct.count(b) == 1; });
    if (request_blocks_recycled) {
        EXPECT_EQ(reused, static_cast<std::ptrdiff_t>(second.size()));
    } else {
        EXPECT_EQ(std::set<void*>(second.begin(), second.end()).size(), second.size());
    }
}

// A thread that gives back what it took keeps its own blocks: no depot, no
// lock for a caller that is also the thread its replies arrive on.
TEST(ClusterRequestBlocks, AThreadReusesTheBlockItGaveBack) {
    std::thread own([] {
        void* a = take_request_block();
        give_request_block(a);
        void* b = take_request_block();
        if (request_blocks_recycled) {
            EXPECT_EQ(a, b);
        }
        std::memset(b, 0, request_block_size);
        give_request_block(b);
    });
    own.join();
}

}  // namespace
