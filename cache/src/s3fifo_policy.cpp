#include "s3fifo_policy.hpp"

namespace respcache::cache::detail {

void s3fifo_policy::admit(cache_entry* e, bool earned_main) {
    e->reads = 0;
    e->in_main = earned_main || ghost_.take(e->hash);
    queue_of(e).push_back(e);
}

cache_entry* s3fifo_policy::victim() {
    while (true) {
        if (!probation_.empty() && (main_.empty() || probation_over_share())) {
            cache_entry* e = probation_.pop_front();
            if (e->reads == 0) {
                ghost_.remember(e->hash, probation_.count() + main_.count() + 1);
                return e;
            }
            e->reads = 0;
            e->in_main = true;
            main_.push_back(e);
            continue;
        }
        if (main_.empty()) return nullptr;
        cache_entry* e = main_.pop_front();
        if (e->reads == 0) return e;
        --e->reads;
        main_.push_back(e);
    }
}

void s3fifo_policy::clear() noexcept {
    probation_.clear();
    main_.clear();
    ghost_.clear();
}

}  // namespace respcache::cache::detail
