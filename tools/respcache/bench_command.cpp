#include <linux/futex.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "connection_source.hpp"
#include "latency_histogram.hpp"
#include "respcache/cache/near_cache.hpp"
#include "respcache/cache/redis_cache.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connect_executor.hpp"
#include "respcache/net/multiplexer.hpp"
#include "subcommands.hpp"

namespace respcache::tools {

namespace {

using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::string_view bench_usage =
    "usage: respcache bench [options]\n"
    "  --connection STR      connection string (default: $ConnectionStrings__cache)\n"
    "  --workload W          get | set | mixed | cache (default mixed); cache: the\n"
    "                        distributed cache's get/set of entries with a 5m sliding\n"
    "                        expiration (default 1 KiB values)\n"
    "  --near                the cache workload through a near cache (an in-process\n"
    "                        first level kept coherent by client tracking)\n"
    "  --ratio SET:GET       mix of a mixed workload (default 1:10)\n"
    "  --threads N           caller threads (default 1)\n"
    "  --mode M              blocking | async | chained | pipeline (default blocking);\n"
    "                        async: the caller thread refills a window that is half\n"
    "                        done; chained: each completion issues the next request,\n"
    "                        as an event-driven service does\n"
    "  --inflight N          async, chained: requests in flight per thread (default 64)\n"
    "  --pipeline N          pipeline: commands per batch (default 16)\n"
    "  --data-size BYTES     value size (default 32)\n"
    "  --keyspace N          keys key:0 .. key:N-1 (default 10000)\n"
    "  --duration SECONDS    run time (default 5), or\n"
    "  --requests N          stop after N requests\n"
    "  --json                one JSON object instead of the table\n";

enum class workload { get, set, mixed, cache };
enum class mode { blocking, async, chained, pipeline };

struct bench_options {
    std::optional<std::string_view> connection;
    workload work = workload::mixed;
    unsigned set_weight = 1;
    unsigned get_weight = 10;
    unsigned threads = 1;
    mode how = mode::blocking;
    unsigned inflight = 64;
    unsigned pipeline = 16;
    std::optional<std::size_t> data_size;  // default 32, or 1024 for the cache workload
    std::uint64_t keyspace = 10000;
    double duration_seconds = 5;
    std::uint64_t requests = 0;  // 0: run for the duration
    bool json = false;
    bool near = false;
};

template <class Number>
bool parse_number(std::string_view text, Number& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

std::optional<std::string> parse_options(std::span<const std::string_view> args, bench_options& o) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view flag = args[i];
        if (flag == "--json") {
            o.json = true;
            continue;
        }
        if (flag == "--near") {
            o.near = true;
            continue;
        }
        if (i + 1 >= args.size()) return "option " + std::string(flag) + " needs a value";
        const std::string_view value = args[++i];
        bool ok = true;
        if (flag == "--connection") {
            o.connection = value;
        } else if (flag == "--workload") {
            if (value == "get")
                o.work = workload::get;
            else if (value == "set")
                o.work = workload::set;
            else if (value == "mixed")
                o.work = workload::mixed;
            else if (value == "cache")
                o.work = workload::cache;
            else
                ok = false;
        } else if (flag == "--ratio") {
            const auto colon = value.find(':');
            ok = colon != std::string_view::npos &&
                 parse_number(value.substr(0, colon), o.set_weight) &&
                 parse_number(value.substr(colon + 1), o.get_weight) &&
                 o.set_weight + o.get_weight > 0;
            if (ok && o.work != workload::cache) o.work = workload::mixed;
        } else if (flag == "--threads") {
            ok = parse_number(value, o.threads) && o.threads > 0 && o.threads <= 4096;
        } else if (flag == "--mode") {
            if (value == "blocking")
                o.how = mode::blocking;
            else if (value == "async")
                o.how = mode::async;
            else if (value == "chained")
                o.how = mode::chained;
            else if (value == "pipeline")
                o.how = mode::pipeline;
            else
                ok = false;
        } else if (flag == "--inflight") {
            ok = parse_number(value, o.inflight) && o.inflight > 0;
        } else if (flag == "--pipeline") {
            ok = parse_number(value, o.pipeline) && o.pipeline > 0;
        } else if (flag == "--data-size") {
            std::size_t size = 0;
            ok = parse_number(value, size);
            o.data_size = size;
        } else if (flag == "--keyspace") {
            ok = parse_number(value, o.keyspace) && o.keyspace > 0;
        } else if (flag == "--duration") {
            ok = parse_number(value, o.duration_seconds) && o.duration_seconds > 0;
        } else if (flag == "--requests") {
            ok = parse_number(value, o.requests) && o.requests > 0;
        } else {
            return "unknown option '" + std::string(flag) + "'";
        }
        if (!ok) return "bad value '" + std::string(value) + "' for " + std::string(flag);
    }
    if (!o.data_size) o.data_size = o.work == workload::cache ? 1024 : 32;
    if (o.near && o.work != workload::cache) return "--near needs --workload cache";
    if (o.work == workload::cache && o.how == mode::pipeline)
        return "the cache workload runs in blocking or async mode";
    return std::nullopt;
}

// What one caller thread saw. Aligned so threads do not share cache lines.
struct alignas(64) thread_tally {
    latency_histogram latencies;
    std::map<error_kind, std::uint64_t> errors;
    std::atomic<std::uint64_t> done{0};
};

class key_picker {
  public:
    explicit key_picker(std::uint64_t keyspace, unsigned seed)
        : keyspace_(keyspace), random_(seed) {}
    std::string_view next() {
        const std::uint64_t n = random_() % keyspace_;
        const auto r = std::to_chars(text_ + 4, text_ + sizeof text_, n);
        return {text_, static_cast<std::size_t>(r.ptr - text_)};
    }

  private:
    std::uint64_t keyspace_;
    std::mt19937_64 random_;
    char text_[32] = {'k', 'e', 'y', ':'};
};

// Keeps up to `limit` asynchronous requests in flight. A full window sleeps
// until half of it has completed, so one wake-up refills many slots and the
// requests reach the multiplexer in bursts, as they would from a busy server.
// It sleeps in the kernel at once: std::atomic::wait spins and yields first,
// which on a small machine takes the core the I/O thread and the server need.
class inflight_window {
  public:
    explicit inflight_window(unsigned limit) : limit_(limit), low_(limit / 2) {}

    void acquire() {
        if (count_.load(std::memory_order_acquire) >= limit_) sleep_while_above(low_);
        count_.fetch_add(1, std::memory_order_acq_rel);
    }
    // On the I/O thread, once per completion.
    void release() {
        const unsigned left = count_.fetch_sub(1, std::memory_order_seq_cst) - 1;
        if ((left == low_ || left == 0) && sleeping_.load(std::memory_order_seq_cst))
            futex(FUTEX_WAKE_PRIVATE, 1);
    }
    void drain() { sleep_while_above(0); }

  private:
    void sleep_while_above(unsigned level) {
        for (unsigned n = count_.load(); n > level; n = count_.load()) {
            sleeping_.store(true, std::memory_order_seq_cst);
            if (count_.load(std::memory_order_seq_cst) == n) futex(FUTEX_WAIT_PRIVATE, n);
            sleeping_.store(false, std::memory_order_relaxed);
        }
    }
    void futex(int op, unsigned value) {
        ::syscall(SYS_futex, reinterpret_cast<unsigned*>(&count_), op, value, nullptr, nullptr, 0);
    }

    const unsigned limit_;
    const unsigned low_;
    std::atomic<unsigned> count_{0};
    std::atomic<bool> sleeping_{false};
};

// A pipeline batch of each client: one write per node on a cluster.
void reset(net::command_batch& b) {
    b.clear();
}
void reset(net::cluster_batch& b) {
    b = net::cluster_batch();
}
template <class Client>
using batch_of = std::conditional_t<std::is_same_v<Client, net::cluster_client>, net::cluster_batch,
                                    net::command_batch>;

// One server (net::multiplexer) or a cluster (net::cluster_client): the same
// calls, each client's own templates, so neither pays for the other.
template <class Client>
class bench_run {
  public:
    bench_run(const bench_options& o, Client& m, std::chrono::milliseconds sync_timeout,
              cache::distributed_cache* c)
        : o_(o), m_(m), sync_timeout_(sync_timeout), cache_(c), tallies_(o.threads) {
        value_.assign(*o.data_size, 'x');
    }

    void run() {
        start_ = steady::now();
        end_ = start_ + std::chrono::duration_cast<steady::duration>(
                            std::chrono::duration<double>(o_.duration_seconds));
        rusage before{};
        ::getrusage(RUSAGE_SELF, &before);
        std::vector<std::thread> callers;
        for (unsigned t = 0; t < o_.threads; ++t) callers.emplace_back([this, t] { caller(t); });
        std::thread progress;
        if (!o_.json && ::isatty(STDERR_FILENO))
            progress = std::thread([this] { show_progress(); });
        for (auto& c : callers) c.join();
        finished_ = steady::now();
        stop_progress_ = true;
        if (progress.joinable()) progress.join();
        rusage after{};
        ::getrusage(RUSAGE_SELF, &after);
        cpu_seconds_ = seconds_of(after.ru_utime) + seconds_of(after.ru_stime) -
                       seconds_of(before.ru_utime) - seconds_of(before.ru_stime);
    }

    void report() const {
        latency_histogram all;
        std::map<error_kind, std::uint64_t> errors;
        for (const auto& c : completion_tallies_) {
            all.merge(c.latencies);
            for (const auto& [kind, count] : c.errors) errors[kind] += count;
        }
        for (const auto& t : tallies_) {
            all.merge(t.latencies);
            for (const auto& [kind, count] : t.errors) errors[kind] += count;
        }
        std::uint64_t error_count = 0;
        for (const auto& [kind, count] : errors) error_count += count;
        const std::uint64_t ops = all.count();
        const double seconds = std::chrono::duration<double>(finished_ - start_).count();
        const double ops_per_sec =
            seconds > 0 ? static_cast<double>(ops - error_count) / seconds : 0;
        const double cpu_us = ops ? cpu_seconds_ * 1e6 / static_cast<double>(ops) : 0;
        const auto us = [&](double q) { return static_cast<double>(all.quantile(q)) / 1000.0; };
        std::string out;
        char line[256];
        if (o_.json) {
            std::snprintf(
                line, sizeof line,
                "{\"ops_per_sec\":%.1f,\"ops\":%llu,\"seconds\":%.3f,\"cpu_us_per_op\":%.3f,"
                "\"latency_us\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"p999\":%.1f,"
                "\"max\":%.1f},",
                ops_per_sec, static_cast<unsigned long long>(ops), seconds, cpu_us, us(0.5),
                us(0.9), us(0.99), us(0.999), static_cast<double>(all.max()) / 1000.0);
            out += line;
            out += "\"errors\":{";
            bool first = true;
            for (const auto& [kind, count] : errors) {
                if (!first) out += ',';
                first = false;
                out.append("\"")
                    .append(to_string(kind))
                    .append("\":")
                    .append(std::to_string(count));
            }
            std::snprintf(line, sizeof line,
                          "},\"threads\":%u,\"mode\":\"%s\",\"workload\":\"%s\",\"data_size\":%zu,"
                          "\"inflight\":%u,\"pipeline\":%u}\n",
                          o_.threads, mode_name(), workload_name(), *o_.data_size, o_.inflight,
                          o_.pipeline);
            out += line;
        } else {
            std::snprintf(line, sizeof line,
                          "%s %s, %u thread(s), %zu-byte values: %llu requests in %.2f s\n",
                          workload_name(), mode_name(), o_.threads, *o_.data_size,
                          static_cast<unsigned long long>(ops), seconds);
            out += line;
            std::snprintf(line, sizeof line, "  throughput   %12.0f ops/s\n", ops_per_sec);
            out += line;
            std::snprintf(line, sizeof line, "  client CPU   %12.3f us/op\n", cpu_us);
            out += line;
            std::snprintf(line, sizeof line,
                          "  latency us   p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n",
                          us(0.5), us(0.9), us(0.99), us(0.999),
                          static_cast<double>(all.max()) / 1000.0);
            out += line;
            out.append("  errors       ").append(std::to_string(error_count));
            for (const auto& [kind, count] : errors)
                out.append("  ").append(to_string(kind)).append("=").append(std::to_string(count));
            out += '\n';
        }
        std::fwrite(out.data(), 1, out.size(), stdout);
    }

  private:
    static double seconds_of(const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    }
    const char* mode_name() const {
        switch (o_.how) {
            case mode::blocking:
                return "blocking";
            case mode::async:
                return "async";
            case mode::chained:
                return "chained";
            case mode::pipeline:
                return "pipeline";
        }
        return "";
    }
    const char* workload_name() const {
        switch (o_.work) {
            case workload::get:
                return "get";
            case workload::set:
                return "set";
            case workload::mixed:
                return "mixed";
            case workload::cache:
                return o_.near ? "cache (near)" : "cache";
        }
        return "";
    }

    // Claims up to `wanted` more requests; 0 once the run is over.
    unsigned claim(unsigned wanted = 1) {
        if (o_.requests == 0) return steady::now() < end_ ? wanted : 0;
        const std::uint64_t before = issued_.fetch_add(wanted, std::memory_order_relaxed);
        if (before >= o_.requests) return 0;
        return static_cast<unsigned>(std::min<std::uint64_t>(wanted, o_.requests - before));
    }
    bool is_set(std::mt19937& choice) const {
        if (o_.work == workload::get || o_.work == workload::set) return o_.work == workload::set;
        return choice() % (o_.set_weight + o_.get_weight) < o_.set_weight;
    }
    // A request's options, given the time it starts (read once per request).
    net::call_options call_options_at(steady::time_point now) const {
        net::call_options c;
        if (!o_.requests) {
            // End on time even when the server stops answering.
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(end_ - now) + 500ms;
            c.timeout = std::min(sync_timeout_, std::max(left, 100ms));
        }
        return c;
    }

    void caller(unsigned index) {
        thread_tally& tally = tallies_[index];
        key_picker keys(o_.keyspace, index * 7919 + 1);
        std::mt19937 choice(index + 17);
        if (o_.how == mode::blocking) {
            while (claim()) {
                const auto began = steady::now();
                const std::string_view key = keys.next();
                const std::optional<error> failed = cache_ ? cache_call(key, is_set(choice))
                                                           : plain_call(key, is_set(choice), began);
                tally.latencies.record(elapsed_ns(began));
                if (failed) ++tally.errors[failed->kind];
                tally.done.fetch_add(1, std::memory_order_relaxed);
            }
        } else if (o_.how == mode::async) {
            inflight_window slots(o_.inflight);
            while (claim()) {
                slots.acquire();
                const auto began = steady::now();
                const std::string_view key = keys.next();
                auto done = [this, &slots, &tally, began](result<resp::reply> r) {
                    record_async(tally, began, r);
                    slots.release();
                };
                issue_async(key, is_set(choice), began, std::move(done));
            }
            slots.drain();
        } else if (o_.how == mode::chained) {
            chain links(*this, tally, index);
            links.run();
        } else {
            batch_of<Client> batch;
            while (const unsigned size = claim(o_.pipeline)) {
                reset(batch);
                for (unsigned i = 0; i < size; ++i) {
                    const std::string_view key = keys.next();
                    if (is_set(choice))
                        batch.add("SET", key, value_);
                    else
                        batch.add("GET", key);
                }
                const auto began = steady::now();
                auto replies = m_.execute(batch, call_options_at(began));
                const auto ns = elapsed_ns(began);
                for (unsigned i = 0; i < size; ++i) tally.latencies.record(ns);
                if (!replies) tally.errors[replies.error_value().kind] += size;
                tally.done.fetch_add(size, std::memory_order_relaxed);
            }
        }
    }

    // Completions run on the I/O threads (one per node of a cluster), except
    // a request refused at once (closed, queue full), which completes on its
    // caller. Each thread records into a tally of its own, so completions on
    // different nodes never wait for each other; report() reads them once
    // every request has completed.
    struct completion_tally {
        latency_histogram latencies;
        std::map<error_kind, std::uint64_t> errors;
    };
    completion_tally& completion_tally_here() {
        thread_local unsigned owner = 0;
        thread_local completion_tally* mine = nullptr;
        if (owner != id_) {
            std::lock_guard lock(completion_tallies_mutex_);
            mine = &completion_tallies_.emplace_back();
            owner = id_;
        }
        return *mine;
    }
    void record_async(thread_tally& tally, steady::time_point began, const result<resp::reply>& r) {
        completion_tally& here = completion_tally_here();
        here.latencies.record(elapsed_ns(began));
        if (!r) ++here.errors[r.error_value().kind];
        tally.done.fetch_add(1, std::memory_order_relaxed);
    }
    template <class Done>
    void issue_async(std::string_view key, bool set, steady::time_point now, Done done) {
        if (cache_ && set)
            cache_->async_set(key, value_, sliding_, [done](result<void> r) mutable {
                done(r ? result<resp::reply>(resp::reply()) : r.error_value());
            });
        else if (cache_)
            cache_->async_get(key, [done](cache::distributed_cache::get_result r) mutable {
                done(r ? result<resp::reply>(resp::reply()) : r.error_value());
            });
        else if (set)
            m_.async_call(call_options_at(now), std::move(done), "SET", key, value_);
        else
            m_.async_call(call_options_at(now), std::move(done), "GET", key);
    }

    // `inflight` requests, each of whose completions (on the I/O thread)
    // issues the next one, until the run is over.
    class chain {
      public:
        chain(bench_run& run, thread_tally& tally, unsigned index)
            : run_(run),
              tally_(tally),
              keys_(run.o_.keyspace, index * 7919 + 1),
              choice_(index + 17),
              running_(run.o_.inflight) {}

        void run() {
            for (unsigned i = 0; i < run_.o_.inflight; ++i) issue_next();
            std::unique_lock lock(mutex_);
            ended_.wait(lock, [this] { return running_ == 0; });
        }

      private:
        void issue_next() {
            if (!run_.claim()) return link_ended();
            std::string key;
            bool set;
            {
                std::lock_guard lock(mutex_);
                key = keys_.next();
                set = run_.is_set(choice_);
            }
            const auto began = steady::now();
            run_.issue_async(key, set, began, [this, began](result<resp::reply> r) {
                run_.record_async(tally_, began, r);
                // A refusal completes on the calling thread: issuing again
                // from it would recurse.
                const bool refused = !r && (r.error_value().kind == error_kind::closed ||
                                            r.error_value().kind == error_kind::limit);
                if (refused) return link_ended();
                issue_next();
            });
        }

        void link_ended() {
            std::lock_guard lock(mutex_);
            if (--running_ == 0) ended_.notify_one();
        }

        bench_run& run_;
        thread_tally& tally_;
        key_picker keys_;
        std::mt19937 choice_;
        std::mutex mutex_;
        std::condition_variable ended_;
        unsigned running_;
    };

    std::optional<error> plain_call(std::string_view key, bool set, steady::time_point began) {
        auto r = set ? m_.call(call_options_at(began), "SET", key, value_)
                     : m_.call(call_options_at(began), "GET", key);
        if (!r) return r.error_value();
        return std::nullopt;
    }
    std::optional<error> cache_call(std::string_view key, bool set) {
        if (set) {
            auto r = cache_->set(key, value_, sliding_);
            if (!r) return r.error_value();
            return std::nullopt;
        }
        auto r = cache_->get(key);
        if (!r) return r.error_value();
        return std::nullopt;
    }

    static std::uint64_t elapsed_ns(steady::time_point since) {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - since).count());
    }

    void show_progress() {
        std::uint64_t last = 0;
        auto last_at = steady::now();
        while (!stop_progress_) {
            std::this_thread::sleep_for(200ms);
            const auto now = steady::now();
            if (now - last_at < 1s && !stop_progress_) continue;
            std::uint64_t total = 0;
            for (const auto& t : tallies_) total += t.done.load(std::memory_order_relaxed);
            const double rate = static_cast<double>(total - last) /
                                std::chrono::duration<double>(now - last_at).count();
            std::fprintf(stderr, "\r  %.1f s  %llu requests  %.0f ops/s   ",
                         std::chrono::duration<double>(now - start_).count(),
                         static_cast<unsigned long long>(total), rate);
            last = total;
            last_at = now;
        }
        std::fputs("\r\033[K", stderr);
    }

    const bench_options& o_;
    Client& m_;
    const std::chrono::milliseconds sync_timeout_;
    cache::distributed_cache* cache_;
    const cache::entry_options sliding_ = cache::entry_options::sliding(std::chrono::minutes(5));
    std::string value_;
    std::vector<thread_tally> tallies_;
    static inline std::atomic<unsigned> runs_{0};
    const unsigned id_ = ++runs_;
    std::mutex completion_tallies_mutex_;
    std::deque<completion_tally> completion_tallies_;  // stays where it is as it grows
    std::atomic<std::uint64_t> issued_{0};
    std::atomic<bool> stop_progress_{false};
    steady::time_point start_, end_, finished_;
    double cpu_seconds_ = 0;
};

// GETs should hit: write every key once before the clock starts.
template <class Client>
result<void> populate(Client& m, cache::distributed_cache* c, const bench_options& o) {
    const std::string value(*o.data_size, 'x');
    if (c) {
        for (std::uint64_t k = 0; k < o.keyspace; ++k) {
            auto done = c->set("key:" + std::to_string(k), value,
                               cache::entry_options::sliding(std::chrono::minutes(5)));
            if (!done) return done.error_value();
        }
        return {};
    }
    batch_of<Client> batch;
    for (std::uint64_t k = 0; k < o.keyspace; ++k) {
        batch.add("SET", "key:" + std::to_string(k), value);
        if (batch.size() == 1000 || k + 1 == o.keyspace) {
            auto done = m.execute(batch);
            if (!done) return done.error_value();
            reset(batch);
        }
    }
    return {};
}

// A near cache on the benchmark's multiplexer, once its first level serves
// (or the server said it cannot track: then it reads through, and says so).
result<std::shared_ptr<cache::distributed_cache>> start_near_cache(
    const std::shared_ptr<net::multiplexer>& m) {
    cache::near_cache_options near;
    near.instance_name = "respcache-bench:";
    auto made = cache::near_cache::create(m, near);
    if (!made) return made.error_value();
    const auto give_up = steady::now() + std::chrono::seconds(5);
    while (!(*made)->first_level_active() && !(*made)->disabled_reason() && steady::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (auto reason = (*made)->disabled_reason())
        std::fprintf(stderr, "respcache bench: near cache first level off: %s\n", reason->c_str());
    return std::shared_ptr<cache::distributed_cache>(std::move(*made));
}

template <class Client>
int bench_on(const bench_options& o, Client& client, std::chrono::milliseconds sync_timeout,
             const std::shared_ptr<net::command_executor>& executor,
             const std::shared_ptr<net::multiplexer>& single_server) {
    std::shared_ptr<cache::distributed_cache> distributed;
    if (o.work == workload::cache && o.near) {
        if (!single_server)
            return report_error("bench", error{error_kind::config,
                                               "the near cache runs on one server, not a cluster"});
        auto near = start_near_cache(single_server);
        if (!near) return report_error("bench", near.error_value());
        distributed = std::move(*near);
    } else if (o.work == workload::cache) {
        // A key prefix of its own: the plain workloads leave strings under key:N.
        distributed = std::make_shared<cache::redis_cache>(
            executor, cache::redis_cache_options{"respcache-bench:", nullptr});
    }
    if (o.work != workload::set) {
        if (auto filled = populate(client, distributed.get(), o); !filled)
            return report_error("bench", filled.error_value());
    }
    bench_run<Client> run(o, client, sync_timeout, distributed.get());
    run.run();
    run.report();
    return 0;
}

}  // namespace

int run_bench(std::span<const std::string_view> args) {
    for (const auto a : args) {
        if (a == "--help" || a == "-h") {
            std::fputs(bench_usage.data(), stdout);
            return 0;
        }
    }
    bench_options o;
    if (auto problem = parse_options(args, o)) {
        std::fprintf(stderr, "respcache bench: %s\n\n%s", problem->c_str(), bench_usage.data());
        return exit_usage;
    }
    auto options = connection_from(o.connection);
    if (!options) return report_error("bench", options.error_value());
    // One server, or a cluster when the server says so.
    auto connected = net::connect_executor(*options);
    if (!connected) return report_error("bench", connected.error_value());
    if (connected->cluster)
        return bench_on(o, *connected->cluster, options->sync_timeout, connected->executor,
                        nullptr);
    return bench_on(o, *connected->connection, options->sync_timeout, connected->executor,
                    connected->connection);
}

}  // namespace respcache::tools
