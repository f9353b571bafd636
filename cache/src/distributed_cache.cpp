#include "respcache/cache/distributed_cache.hpp"

#include <condition_variable>
#include <mutex>
#include <unordered_map>

namespace respcache::cache {

namespace {

// One run of a factory that other callers for the same key wait for.
struct flight {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<result<std::string>> outcome;

    void publish(result<std::string> r) {
        std::lock_guard lock(mutex);
        outcome.emplace(std::move(r));
        done.notify_all();
    }
};

template <class T>
std::future<T> promised(const std::function<void(std::function<void(T)>)>& start) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    start([promise](T outcome) { promise->set_value(std::move(outcome)); });
    return future;
}

}  // namespace

struct distributed_cache::flight_table {
    std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<flight>> by_key;
};

distributed_cache::distributed_cache() : flights_(std::make_unique<flight_table>()) {}
distributed_cache::~distributed_cache() = default;

std::future<distributed_cache::get_result> distributed_cache::get_future(std::string_view key) {
    return promised<get_result>([&](get_handler done) { async_get(key, std::move(done)); });
}

std::future<result<void>> distributed_cache::set_future(std::string_view key,
                                                        std::string_view value,
                                                        const entry_options& options) {
    return promised<result<void>>(
        [&](done_handler done) { async_set(key, value, options, std::move(done)); });
}

std::future<result<void>> distributed_cache::refresh_future(std::string_view key) {
    return promised<result<void>>([&](done_handler done) { async_refresh(key, std::move(done)); });
}

std::future<result<void>> distributed_cache::remove_future(std::string_view key) {
    return promised<result<void>>([&](done_handler done) { async_remove(key, std::move(done)); });
}

result<std::string> distributed_cache::get_or_create(std::string_view key, const factory& create,
                                                     const entry_options& options) {
    auto found = get(key);
    if (!found) return found.error_value();
    if (*found) return std::move(**found);

    std::shared_ptr<flight> joined;
    bool leader = false;
    {
        std::lock_guard lock(flights_->mutex);
        auto [it, inserted] = flights_->by_key.try_emplace(std::string(key));
        if (inserted) it->second = std::make_shared<flight>();
        joined = it->second;
        leader = inserted;
    }
    if (!leader) {
        std::unique_lock lock(joined->mutex);
        joined->done.wait(lock, [&] { return joined->outcome.has_value(); });
        return *joined->outcome;
    }

    // Publishes even when `create` throws (in a build with exceptions), so
    // that the callers waiting on this flight are not left waiting forever.
    struct landing {
        distributed_cache::flight_table& table;
        std::string_view key;
        flight& f;
        std::optional<result<std::string>> outcome;
        ~landing() {
            f.publish(outcome ? std::move(*outcome)
                              : result<std::string>(
                                    error{error_kind::closed, "the value factory did not return"}));
            std::lock_guard lock(table.mutex);
            table.by_key.erase(std::string(key));
        }
    } land{*flights_, key, *joined, std::nullopt};
    land.outcome.emplace(create_once(key, create, options));
    return *land.outcome;
}

result<std::string> distributed_cache::create_once(std::string_view key, const factory& create,
                                                   const entry_options& options) {
    // Another caller's flight may have stored the value between our miss and
    // our becoming the leader.
    auto found = get(key);
    if (!found) return found.error_value();
    if (*found) return std::move(**found);
    auto made = create();
    if (!made) return made;
    if (auto stored = set(key, *made, options); !stored) return stored.error_value();
    return made;
}

}  // namespace respcache::cache
