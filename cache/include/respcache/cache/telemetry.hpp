#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "respcache/resp/error.hpp"

namespace respcache::cache {

// OpenTelemetry semantic-convention names, so that an observer can turn an
// event into a span or a metric without a mapping table of its own.
namespace otel {
inline constexpr std::string_view db_system_name = "db.system.name";
inline constexpr std::string_view db_operation_name = "db.operation.name";
inline constexpr std::string_view server_address = "server.address";
inline constexpr std::string_view server_port = "server.port";
inline constexpr std::string_view error_type = "error.type";
inline constexpr std::string_view redis = "redis";  // the value of db.system.name
}  // namespace otel

// One Redis command a cache sent, after its reply (or failure). The views are
// valid only during the observer call.
struct command_event {
    std::string_view db_system_name = otel::redis;
    std::string_view operation_name;   // db.operation.name: "EVALSHA", "EVAL", "DEL"
    std::string_view cache_operation;  // the cache call it served: get, set, refresh, remove
    std::string_view server_address;   // host, or the path of a Unix socket
    std::uint16_t server_port = 0;     // 0 for a Unix socket
    std::chrono::nanoseconds duration{};
    const error* failure = nullptr;  // null on success; error.type is to_string(failure->kind)
};

// What a near cache's first level went through, besides commands.
struct near_cache_event {
    enum class kind {
        active,    // the server tracks the connection: reads are kept in process
        flushed,   // every copy was dropped: the connection was lost or the database flushed
        disabled,  // the server cannot track (RESP2, or CLIENT TRACKING refused): every
                   // read goes to the server, never a possibly stale copy
    };
    kind what;
    std::string_view reason;  // flushed, disabled: why; valid during the call
};

// Receives every command_event of the caches it is given to. Called on the
// thread that completed the command, so from several threads at once: the
// caller's for blocking operations, the connection's I/O thread for
// asynchronous ones. Keep it short and never block in it.
class command_observer {
  public:
    virtual ~command_observer() = default;
    virtual void on_command(const command_event& event) noexcept = 0;
    // Near caches only; on the connection's I/O thread.
    virtual void on_near_cache_event(const near_cache_event&) noexcept {}
};

// Durations in buckets of a quarter octave (2^(i/4) ns), about 19% wide.
struct latency_snapshot {
    static constexpr std::size_t sub_buckets = 4;
    static constexpr std::size_t bucket_count = 44 * sub_buckets;  // up to ~4.9 hours
    std::array<std::uint64_t, bucket_count> counts{};

    std::uint64_t count() const noexcept;
    // Every duration counted in bucket i is at most this.
    static std::chrono::nanoseconds upper_bound(std::size_t bucket) noexcept;
    static std::size_t bucket_of(std::chrono::nanoseconds duration) noexcept;
    // The upper bound of the bucket holding the q-th quantile (q in [0, 1]);
    // zero when nothing was recorded.
    std::chrono::nanoseconds quantile(double q) const noexcept;
};

// A latency histogram that any number of threads record into without a lock.
class latency_histogram {
  public:
    void record(std::chrono::nanoseconds duration) noexcept {
        counts_[latency_snapshot::bucket_of(duration)].fetch_add(1, std::memory_order_relaxed);
    }
    latency_snapshot snapshot() const noexcept;

  private:
    std::array<std::atomic<std::uint64_t>, latency_snapshot::bucket_count> counts_{};
};

// What a cache has done since it was created. Fields a backend has no use
// for stay zero.
struct metrics_snapshot {
    std::uint64_t hits = 0;    // get (and get_or_create) found the entry
    std::uint64_t misses = 0;  // ... did not

    // Redis cache: its commands, those that failed (error reply, timeout,
    // connection), their latency; and its connection's counters, which it
    // shares with every cache on the same multiplexer.
    std::uint64_t commands = 0;
    std::uint64_t errors = 0;
    latency_snapshot latency;
    std::uint64_t bytes_written = 0;
    std::uint64_t bytes_read = 0;
    std::uint64_t reconnects = 0;

    // Memory cache: what it holds now, and the entries its size limit evicted.
    std::uint64_t entries = 0;
    std::uint64_t size_bytes = 0;
    std::uint64_t evictions = 0;

    // Near cache: hits counts both levels; the first level's entries, bytes
    // and evictions are the fields above.
    std::uint64_t first_level_hits = 0;
    std::uint64_t second_level_hits = 0;
    std::uint64_t invalidations = 0;  // keys the server reported changed
    std::uint64_t flushes = 0;        // times the whole first level was dropped
};

}  // namespace respcache::cache
