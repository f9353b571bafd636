#include "cache_contract.hpp"
#include "respcache/cache/memory_cache.hpp"

namespace respcache::cache::contract {
namespace {

struct memory_backend {
    std::shared_ptr<distributed_cache> make(const std::string&) {
        return std::make_shared<memory_cache>();
    }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Memory, CacheContract, memory_backend);

}  // namespace
}  // namespace respcache::cache::contract
