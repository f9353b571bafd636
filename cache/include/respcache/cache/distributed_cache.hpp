#pragma once

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "respcache/cache/entry_options.hpp"
#include "respcache/cache/telemetry.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::cache {

// An IDistributedCache: byte values under byte keys, with the expiration
// rules of specs/distributed-cache.md. Implementations are thread-safe.
class distributed_cache {
  public:
    // The value, nullopt when there is no such entry (or it has expired), or
    // an error (connection, timeout, server reply).
    using get_result = result<std::optional<std::string>>;
    using get_handler = std::function<void(get_result)>;
    using done_handler = std::function<void(result<void>)>;
    using factory = std::function<result<std::string>()>;

    distributed_cache();
    virtual ~distributed_cache();
    distributed_cache(const distributed_cache&) = delete;
    distributed_cache& operator=(const distributed_cache&) = delete;

    // Reads an entry; reading a sliding entry re-arms its expiration.
    get_result get(std::string_view key) { return do_get(key); }
    // Stores an entry, replacing any previous one. Invalid options are an
    // error of kind config and nothing is written.
    result<void> set(std::string_view key, std::string_view value,
                     const entry_options& options = {}) {
        return do_set(key, value, options);
    }
    // Re-arms a sliding entry without reading its value; a missing key is
    // not an error.
    result<void> refresh(std::string_view key) { return do_refresh(key); }
    // Deletes an entry; a missing key is not an error.
    result<void> remove(std::string_view key) { return do_remove(key); }

    // Asynchronous forms. `done` runs exactly once: before the call returns
    // (the memory cache, or a request refused at once) or later on the
    // connection's I/O thread, so keep it short and never make a blocking
    // call from it.
    void async_get(std::string_view key, get_handler done) { do_async_get(key, std::move(done)); }
    void async_set(std::string_view key, std::string_view value, const entry_options& options,
                   done_handler done) {
        do_async_set(key, value, options, std::move(done));
    }
    void async_refresh(std::string_view key, done_handler done) {
        do_async_refresh(key, std::move(done));
    }
    void async_remove(std::string_view key, done_handler done) {
        do_async_remove(key, std::move(done));
    }

    std::future<get_result> get_future(std::string_view key);
    std::future<result<void>> set_future(std::string_view key, std::string_view value,
                                         const entry_options& options = {});
    std::future<result<void>> refresh_future(std::string_view key);
    std::future<result<void>> remove_future(std::string_view key);

    // The entry's value; when there is none, the value `create` makes, stored
    // with `options`. Concurrent callers for one missing key in this process
    // share a single run of `create` and all get its outcome. An error from
    // get, `create` or set is returned as is (a value that could not be
    // stored is not returned).
    result<std::string> get_or_create(std::string_view key, const factory& create,
                                      const entry_options& options = {});

    virtual metrics_snapshot metrics() const = 0;

  private:
    virtual get_result do_get(std::string_view key) = 0;
    virtual result<void> do_set(std::string_view key, std::string_view value,
                                const entry_options& options) = 0;
    virtual result<void> do_refresh(std::string_view key) = 0;
    virtual result<void> do_remove(std::string_view key) = 0;
    virtual void do_async_get(std::string_view key, get_handler done) = 0;
    virtual void do_async_set(std::string_view key, std::string_view value,
                              const entry_options& options, done_handler done) = 0;
    virtual void do_async_refresh(std::string_view key, done_handler done) = 0;
    virtual void do_async_remove(std::string_view key, done_handler done) = 0;

    result<std::string> create_once(std::string_view key, const factory& create,
                                    const entry_options& options);

    struct flight_table;
    std::unique_ptr<flight_table> flights_;
};

}  // namespace respcache::cache
