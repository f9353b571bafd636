#include "respcache/net/cluster/request_blocks.hpp"

#include <mutex>
#include <new>
#include <vector>

namespace respcache::net::cluster::detail {

namespace {

struct free_block {
    free_block* next;
};

// Blocks per hand-over to or from the depot, and batches the depot keeps
// (64 × 64 blocks of 256 bytes: 1 MiB at most, for 4096 requests in flight).
constexpr std::size_t batch = request_block_batch;
constexpr std::size_t depot_batches = 64;

void free_chain(free_block* head) noexcept {
    while (head) {
        free_block* next = head->next;
        ::operator delete(head);
        head = next;
    }
}

struct depot {
    std::mutex mutex;
    std::vector<free_block*> batches;  // heads of chains of `batch` blocks
    depot() { batches.reserve(depot_batches); }

    void put(free_block* chain) noexcept {
        {
            std::lock_guard lock(mutex);
            if (batches.size() < depot_batches) {
                batches.push_back(chain);
                return;
            }
        }
        free_chain(chain);
    }
    free_block* take() noexcept {
        std::lock_guard lock(mutex);
        if (batches.empty()) return nullptr;
        free_block* chain = batches.back();
        batches.pop_back();
        return chain;
    }
};

// Never destroyed: I/O threads may free blocks while statics are destroyed.
depot& shared_depot() {
    static depot* const d = new depot;
    return *d;
}

// What one thread holds: blocks to hand out, and the blocks it freed since
// its last hand-over.
struct thread_blocks {
    free_block* ready = nullptr;
    free_block* freed = nullptr;
    std::size_t freed_count = 0;
    ~thread_blocks();
};

// Set once the thread's blocks are gone (a thread that exits, or the main
// thread running static destructors): it allocates and frees directly then.
thread_local bool blocks_gone = false;

thread_blocks::~thread_blocks() {
    blocks_gone = true;
    free_chain(ready);
    free_chain(freed);
}

thread_blocks& this_thread() {
    thread_local thread_blocks blocks;
    return blocks;
}

}  // namespace

void* take_request_block() {
    if (!request_blocks_recycled || blocks_gone) return ::operator new(request_block_size);
    thread_blocks& t = this_thread();
    // The block freed last first: it is the one most likely in the cache, and
    // a thread that frees what it takes never reaches the depot.
    if (free_block* b = t.freed) {
        t.freed = b->next;
        --t.freed_count;
        return b;
    }
    if (!t.ready) {
        t.ready = shared_depot().take();
        if (!t.ready) return ::operator new(request_block_size);
    }
    free_block* b = t.ready;
    t.ready = b->next;
    return b;
}

void give_request_block(void* block) noexcept {
    if (!request_blocks_recycled || blocks_gone) {
        ::operator delete(block);
        return;
    }
    thread_blocks& t = this_thread();
    auto* b = ::new (block) free_block{t.freed};
    t.freed = b;
    if (++t.freed_count < batch) return;
    shared_depot().put(t.freed);
    t.freed = nullptr;
    t.freed_count = 0;
}

}  // namespace respcache::net::cluster::detail
