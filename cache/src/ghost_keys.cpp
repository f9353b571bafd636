#include "ghost_keys.hpp"

namespace respcache::cache::detail {

void ghost_keys::remember(std::size_t hash, std::size_t capacity) {
    if (members_.insert(hash).second) order_.push_back(hash);
    while (order_.size() > capacity) {
        members_.erase(order_.front());
        order_.pop_front();
    }
}

}  // namespace respcache::cache::detail
