// A soak of one multiplexer under faults: 8 threads mix every call form
// (blocking, future, asynchronous, fire-and-forget, batches, transactions,
// blocking commands on dedicated connections, short per-call timeouts,
// subscriptions) while another thread kills, restarts and pauses the real
// server and cuts connections through a proxy. Every request is checked
// against its own key and value, completes exactly once, and never later than
// its deadline plus a grace; once the faults stop, everything works again.
//
// Duration: RESPCACHE_SOAK_SECONDS (the default is set by CMake: shorter
// under the sanitizers). Grace: RESPCACHE_SOAK_GRACE_MS (2000). Timeouts:
// RESPCACHE_SOAK_TIMEOUT_MS (1000). Random choices: RESPCACHE_SOAK_SEED (1);
// the timing of the faults varies anyway.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "redis_server.hpp"
#include "respcache/net/connection_string.hpp"
#include "respcache/net/multiplexer.hpp"
#include "tcp_proxy.hpp"

#ifndef RESPCACHE_SOAK_DEFAULT_SECONDS
#define RESPCACHE_SOAK_DEFAULT_SECONDS 20
#endif

namespace respcache::net {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int worker_count = 8;
constexpr int keys_per_worker = 4;

int from_environment(const char* name, int fallback) {
    const char* text = std::getenv(name);
    return text != nullptr && std::atoi(text) > 0 ? std::atoi(text) : fallback;
}

const milliseconds grace{from_environment("RESPCACHE_SOAK_GRACE_MS", 2000)};
// syncTimeout and connectTimeout; asyncTimeout is half as long again. Kept
// below the grace by default: the lateness the multiplexer still has (see
// multiplexer_deadline_while_*_test.cpp) is bounded by them.
const milliseconds sync_timeout{from_environment("RESPCACHE_SOAK_TIMEOUT_MS", 1000)};
const milliseconds async_timeout{sync_timeout * 3 / 2};
const unsigned seed = static_cast<unsigned>(from_environment("RESPCACHE_SOAK_SEED", 1));

// Restarts counted twice, before the kill and after the new server answers:
// an even value that did not change while a request ran means the request
// ran on one server lifetime.
std::atomic<std::uint64_t> server_generation{0};
std::uint64_t generation() {
    return server_generation.load(std::memory_order_acquire);
}
bool same_lifetime(std::uint64_t before, std::uint64_t after) {
    return before == after && before % 2 == 0;
}

// Error kinds a request may end with while the server is killed, paused or
// cut off: anything else is a bug.
bool expected_error(const error& e) {
    if (e.kind == error_kind::timeout || e.kind == error_kind::io) return true;
    if (e.kind != error_kind::server_reply) return false;
    for (const char* transient : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN"})
        if (e.message.find(transient) != std::string::npos) return true;
    return false;
}

// What the model keeps of a value: its tag, without the padding.
std::string tag_of(std::string_view value) {
    return std::string(value.substr(0, value.find('|')));
}

// A large value arrived whole: as long as its tag says, and nothing but 'x'.
bool well_formed(std::string_view value) {
    const std::size_t bar = value.find('|');
    if (bar == std::string_view::npos) return true;
    const std::size_t length_at = value.rfind(":L", bar);
    if (length_at == std::string_view::npos) return false;
    const std::string length(value.substr(length_at + 2, bar - length_at - 2));
    const std::string_view padding = value.substr(bar + 1);
    return std::to_string(padding.size()) == length &&
           padding.find_first_not_of('x') == std::string_view::npos;
}

bool never_ran(const error& e) {
    return e.kind == error_kind::timeout && e.message.find("never ran") != std::string::npos;
}

// Everything the threads count, and the invariants they saw broken.
class tally {
  public:
    void ok(const std::string& form) {
        std::lock_guard lock(mutex_);
        ++ok_[form];
    }
    void failed(const std::string& form, const error& e) {
        std::lock_guard lock(mutex_);
        ++errors_[form + " " + std::string(to_string(e.kind))];
        if (!expected_error(e))
            note_locked(form + ": unexpected error kind " + std::string(to_string(e.kind)) + ": " +
                        e.message);
    }
    // Counts an outcome (reply or error) of a request of `form`.
    template <class Result>
    bool outcome(const std::string& form, const Result& r) {
        if (r) {
            ok(form);
            return true;
        }
        failed(form, r.error_value());
        return false;
    }
    void violation(const std::string& what) {
        std::lock_guard lock(mutex_);
        note_locked(what);
    }
    void late(const std::string& form, milliseconds beyond_deadline) {
        std::lock_guard lock(mutex_);
        note_locked(form + ": completed " + std::to_string(beyond_deadline.count()) +
                    " ms after its deadline (grace " + std::to_string(grace.count()) + " ms)");
    }
    void lateness(const std::string& form, milliseconds beyond_deadline) {
        std::lock_guard lock(mutex_);
        milliseconds& worst = worst_lateness_[form];
        worst = std::max(worst, beyond_deadline);
    }
    void count(const std::string& what, std::uint64_t n = 1) {
        std::lock_guard lock(mutex_);
        counts_[what] += n;
    }
    std::uint64_t violations() {
        std::lock_guard lock(mutex_);
        return violation_count_;
    }
    std::string report() {
        std::lock_guard lock(mutex_);
        std::string out = "soak summary\n  ok by form:";
        std::uint64_t total_ok = 0, total_errors = 0;
        for (const auto& [form, n] : ok_) {
            out += " " + form + "=" + std::to_string(n);
            total_ok += n;
        }
        out += "\n  errors by form and kind:";
        for (const auto& [what, n] : errors_) {
            out += " [" + what + "]=" + std::to_string(n);
            total_errors += n;
        }
        out += "\n  totals: ok=" + std::to_string(total_ok) +
               " errors=" + std::to_string(total_errors) +
               "\n  latest completion after its deadline, ms (negative: before it):";
        for (const auto& [form, worst] : worst_lateness_)
            out += " " + form + "=" + std::to_string(worst.count());
        out += "\n  counts:";
        for (const auto& [what, n] : counts_) out += " " + what + "=" + std::to_string(n);
        out += "\n  violations: " + std::to_string(violation_count_) + "\n";
        for (const auto& v : kept_) out += "    " + v + "\n";
        return out;
    }

  private:
    void note_locked(const std::string& what) {
        ++violation_count_;
        if (kept_.size() < 30) kept_.push_back(what);
    }

    std::mutex mutex_;
    std::map<std::string, std::uint64_t> ok_, errors_, counts_;
    std::vector<std::string> kept_;
    std::uint64_t violation_count_ = 0;
    std::map<std::string, milliseconds> worst_lateness_;
};

// One asynchronous request: how many times it completed, with what, when.
struct pending_request {
    explicit pending_request(steady::time_point d) : deadline(d) {}
    const steady::time_point deadline;
    std::atomic<int> completions{0};
    std::atomic<int> done{0};
    std::optional<result<resp::owned_reply>> outcome;  // the first completion's
    steady::time_point finished{};

    void complete(result<resp::reply> r) {
        if (completions.fetch_add(1, std::memory_order_acq_rel) != 0) return;
        finished = steady::now();
        if (r)
            outcome.emplace(r->to_owned());
        else
            outcome.emplace(r.error_value());
        done.store(1, std::memory_order_release);
    }
};

// What a key of one thread may hold: the value of the last confirmed SET
// (or nothing, after a restart wiped it), or a value whose SET's outcome is
// unknown. A value whose SET "never ran" must never be seen.
struct key_model {
    std::optional<std::string> confirmed;
    std::uint64_t confirmed_generation = 0;
    std::set<std::string> maybe;
    std::set<std::string> never;
};

class soak;

// One of the 8 threads: its keys, its list, its channel, its requests.
class worker {
  public:
    worker(soak& s, int index);
    void run();
    void final_check();
    void check_every_request_completed_once();
    std::uint64_t received() const { return received_[0].load() + received_[1].load(); }

  private:
    void one_step();
    void blocking_set_get();
    void future_set_get();
    void async_burst();
    void fire_and_forget();
    void batch();
    void tx();
    void blocking_pop();
    void subscription_step();
    void on_message(const pubsub_message& m, int on);
    message_handler handler(int on) {
        return [this, on](const pubsub_message& m) { on_message(m, on); };
    }

    // The multiplexer this step uses: mostly the shared RESP3 one; a quarter
    // of the steps go to the RESP2 one, whose command connection is often
    // idle, so that its blocking calls run on the caller's thread.
    multiplexer& target();
    std::string name(const char* form) const {
        return on_resp2_ ? std::string(form) + "@resp2" : form;
    }
    std::string key(int j) const { return prefix_ + ":k" + std::to_string(j); }
    // "t<thread>:k<key>:s<sequence>"; one in 50 is large (16 KiB to 512 KiB,
    // written in many pieces): the tag then ends ":L<length>" and is followed
    // by "|" and that many 'x'.
    std::string next_value(int j) {
        std::string tag = "t" + std::to_string(index_) + ":k" + std::to_string(j) + ":s" +
                          std::to_string(++sequence_);
        if (random_() % 50 != 0) return tag;
        const std::size_t length = 16 * 1024 + random_() % (496 * 1024);
        return tag + ":L" + std::to_string(length) + "|" + std::string(length, 'x');
    }
    call_options options();
    steady::time_point deadline_of(const call_options& o, milliseconds fallback) const {
        return steady::now() + (o.timeout.count() > 0 ? o.timeout : fallback);
    }
    void check_time(const std::string& form, steady::time_point deadline,
                    steady::time_point finished);
    pending_request& track(steady::time_point deadline) { return requests_.emplace_back(deadline); }
    bool await(const std::string& form, pending_request& p);

    void set_outcome(const std::string& form, int j, const std::string& value,
                     const result<resp::owned_reply>& r, std::uint64_t before);
    void check_value(const std::string& form, int j, const resp::reply& got,
                     const std::string* in_flight = nullptr);
    void check_get(const std::string& form, int j, const result<resp::owned_reply>& r,
                   const std::string* in_flight = nullptr);
    void check_counter(const std::string& form, const resp::reply& got, std::uint64_t before);
    void check_pop(const std::string& form, const result<resp::owned_reply>& r);

    soak& soak_;
    const int index_;
    const std::string prefix_;
    const std::string channel_;
    std::mt19937_64 random_;
    std::uint64_t sequence_ = 0;
    key_model keys_[keys_per_worker];
    // INCR replies rise within one server lifetime.
    std::optional<std::uint64_t> counter_generation_;
    std::int64_t counter_last_ = 0;
    // Per multiplexer (0: RESP3, 1: RESP2): whether this thread's channel is
    // subscribed there (as far as it knows), and the messages it delivered.
    bool subscribed_[2] = {false, false};
    bool on_resp2_ = false;
    std::atomic<std::uint64_t> received_[2] = {0, 0};
    std::deque<pending_request> requests_;  // addresses stay valid
};

class soak {
  public:
    soak()
        : proxy_(server_.port()),
          resp3_(connect("resp3")),
          resp2_(connect("resp2")),
          seconds_(from_environment("RESPCACHE_SOAK_SECONDS", RESPCACHE_SOAK_DEFAULT_SECONDS)) {
        for (int t = 0; t < worker_count; ++t) workers_.emplace_back(*this, t);
    }

    void run();

    multiplexer& resp3() { return *resp3_; }
    multiplexer& resp2() { return *resp2_; }
    tally& counts() { return tally_; }
    bool stopping() const { return stop_.load(std::memory_order_relaxed); }

  private:
    std::shared_ptr<multiplexer> connect(const char* protocol) {
        auto options =
            parse_connection_string("127.0.0.1:" + std::to_string(proxy_.port()) +
                                    ",syncTimeout=" + std::to_string(sync_timeout.count()) +
                                    ",asyncTimeout=" + std::to_string(async_timeout.count()) +
                                    ",connectTimeout=" + std::to_string(sync_timeout.count()) +
                                    ",keepAlive=1,abortConnect=false,protocol=" + protocol);
        EXPECT_TRUE(options);
        auto m = multiplexer::connect(*options);
        EXPECT_TRUE(m) << (m ? "" : m.error_value().message);
        return m ? *m : nullptr;
    }
    void inject_faults();
    void settle();
    void check_global_subscriptions();

    testing::redis_server server_;
    testing::tcp_proxy proxy_;
    std::deque<worker> workers_;  // before the multiplexers: completions point into them
    std::shared_ptr<multiplexer> resp3_;
    std::shared_ptr<multiplexer> resp2_;
    const int seconds_;
    std::atomic<bool> stop_{false};
    tally tally_;
    std::atomic<std::uint64_t> global_on_resp3_{0}, global_on_resp2_{0};
};

// --- one worker ---------------------------------------------------------------

worker::worker(soak& s, int index)
    : soak_(s),
      index_(index),
      prefix_("soak:t" + std::to_string(index)),
      channel_("soak:channel:t" + std::to_string(index)),
      random_(seed * 100u + static_cast<unsigned>(index)) {}

call_options worker::options() {
    call_options o;
    // A third of the requests get a short timeout of their own.
    if (random_() % 3 == 0) o.timeout = milliseconds(5 + random_() % 300);
    return o;
}

void worker::run() {
    while (!soak_.stopping()) one_step();
}

multiplexer& worker::target() {
    return on_resp2_ ? soak_.resp2() : soak_.resp3();
}

void worker::one_step() {
    on_resp2_ = random_() % 4 == 0;
    switch (random_() % 9) {
        case 0:
            blocking_set_get();
            break;
        case 1:
            future_set_get();
            break;
        case 2:
            async_burst();
            break;
        case 3:
            fire_and_forget();
            break;
        case 4:
            batch();
            break;
        case 5:
            tx();
            break;
        case 6:
            blocking_pop();
            break;
        case 7:
            subscription_step();
            break;
        default:
            blocking_set_get();
            break;
    }
}

void worker::check_time(const std::string& form, steady::time_point deadline,
                        steady::time_point finished) {
    const auto beyond = std::chrono::duration_cast<milliseconds>(finished - deadline);
    soak_.counts().lateness(form, beyond);
    if (beyond > grace) soak_.counts().late(form, beyond);
}

bool worker::await(const std::string& form, pending_request& p) {
    const steady::time_point give_up = p.deadline + grace + 1s;
    while (p.done.load(std::memory_order_acquire) == 0) {
        if (steady::now() > give_up) {
            soak_.counts().violation(form + ": no completion " +
                                     std::to_string((grace + 1s).count()) +
                                     " ms after its deadline (hung)");
            return false;
        }
        std::this_thread::sleep_for(1ms);
    }
    check_time(form, p.deadline, p.finished);
    return true;
}

void worker::set_outcome(const std::string& form, int j, const std::string& value,
                         const result<resp::owned_reply>& r, std::uint64_t before) {
    key_model& k = keys_[j];
    if (!soak_.counts().outcome(form, r)) {
        if (never_ran(r.error_value())) {
            soak_.counts().count("SETs that timed out before they were sent");
            k.never.insert(tag_of(value));
        } else {
            k.maybe.insert(tag_of(value));
        }
        return;
    }
    const resp::reply got = r->view();
    if (got.kind() != resp::type::simple_string || got.string() != "OK") {
        soak_.counts().violation(form + ": SET " + key(j) + " answered " +
                                 std::string(resp::to_string(got.kind())) + " '" +
                                 std::string(got.string()) + "', not OK");
        k.maybe.insert(tag_of(value));
        return;
    }
    k.confirmed = tag_of(value);
    k.confirmed_generation = before;
}

void worker::check_value(const std::string& form, int j, const resp::reply& got,
                         const std::string* in_flight) {
    const key_model& k = keys_[j];
    const std::uint64_t after = generation();
    if (got.is_null()) {
        if (!k.confirmed || !same_lifetime(k.confirmed_generation, after)) return;
        soak_.counts().violation(form + ": GET " + key(j) + " returned null, but SET " +
                                 *k.confirmed + " was confirmed and the server did not restart");
        return;
    }
    if (got.kind() != resp::type::blob_string) {
        soak_.counts().violation(form + ": GET " + key(j) + " answered " +
                                 std::string(resp::to_string(got.kind())) + " '" +
                                 std::string(got.string()) + "'");
        return;
    }
    if (!well_formed(got.string())) {
        soak_.counts().violation(form + ": GET " + key(j) + " returned a damaged value of " +
                                 std::to_string(got.string().size()) + " bytes, tagged " +
                                 tag_of(got.string()));
        return;
    }
    const std::string value = tag_of(got.string());
    if (k.confirmed == value || (in_flight != nullptr && tag_of(*in_flight) == value)) return;
    if (k.never.contains(value)) {
        soak_.counts().violation(form + ": GET " + key(j) + " returned " + value +
                                 ", written by a SET that timed out as 'never ran'");
        return;
    }
    if (k.maybe.contains(value)) {
        soak_.counts().count("reads of a value whose SET outcome was unknown");
        return;
    }
    soak_.counts().violation(form + ": GET " + key(j) + " returned " + value +
                             ": not a value this key was ever given (another request's reply?)" +
                             (k.confirmed ? " last confirmed: " + *k.confirmed : ""));
}

void worker::check_get(const std::string& form, int j, const result<resp::owned_reply>& r,
                       const std::string* in_flight) {
    if (soak_.counts().outcome(form, r)) check_value(form, j, r->view(), in_flight);
}

void worker::check_counter(const std::string& form, const resp::reply& got, std::uint64_t before) {
    const std::uint64_t after = generation();
    if (got.kind() != resp::type::integer) {
        soak_.counts().violation(form + ": INCR answered " +
                                 std::string(resp::to_string(got.kind())) + " '" +
                                 std::string(got.string()) + "'");
        return;
    }
    const std::int64_t n = got.integer();
    if (!same_lifetime(before, after)) {
        counter_generation_.reset();
    } else if (counter_generation_ != after) {
        counter_generation_ = after;
        counter_last_ = n;
    } else {
        if (n <= counter_last_)
            soak_.counts().violation(form + ": INCR answered " + std::to_string(n) + " after " +
                                     std::to_string(counter_last_) + " on the same server");
        counter_last_ = n;
    }
}

void worker::check_pop(const std::string& form, const result<resp::owned_reply>& r) {
    if (!soak_.counts().outcome(form, r)) return;
    const resp::reply got = r->view();
    if (got.is_null()) return;  // nothing pushed within the blocking timeout
    const std::string list = prefix_ + ":list";
    const std::string tag = "t" + std::to_string(index_) + ":L:";
    if (got.kind() != resp::type::array || got.size() != 2 || got[0].string() != list ||
        !got[1].string().starts_with(tag))
        soak_.counts().violation(
            form + ": BLPOP " + list + " answered " + std::string(resp::to_string(got.kind())) +
            " of " + std::to_string(got.size()) + " '" + std::string(got[0].string()) + "'");
}

void worker::blocking_set_get() {
    const int j = static_cast<int>(random_() % keys_per_worker);
    const std::string value = next_value(j);
    const call_options o = options();
    std::uint64_t before = generation();
    steady::time_point deadline = deadline_of(o, sync_timeout);
    auto set = target().call(o, "SET", key(j), value);
    check_time(name("call"), deadline, steady::now());
    set_outcome(name("call"), j, value, set, before);

    deadline = deadline_of(o, sync_timeout);
    auto get = target().call(o, "GET", key(j));
    check_time(name("call"), deadline, steady::now());
    check_get(name("call"), j, get);
}

void worker::future_set_get() {
    const int j = static_cast<int>(random_() % keys_per_worker);
    const std::string value = next_value(j);
    const std::uint64_t before = generation();
    const steady::time_point deadline = steady::now() + async_timeout;
    auto set = target().call_future("SET", key(j), value);
    auto get = target().call_future("GET", key(j));
    for (auto* f : {&set, &get}) {
        if (f->wait_until(deadline + grace + 1s) != std::future_status::ready) {
            soak_.counts().violation("future: not ready " + std::to_string((grace + 1s).count()) +
                                     " ms after its deadline (hung)");
            return;  // its shared state outlives it; the completion is still safe
        }
        check_time(name("future"), deadline, steady::now());
    }
    const auto set_result = set.get();
    const auto get_result = get.get();
    set_outcome(name("future"), j, value, set_result, before);
    check_get(name("future"), j, get_result, &value);
}

void worker::async_burst() {
    // A SET, a GET of the same key behind it, a GET of another key and an
    // INCR, all in flight at once.
    const int j = static_cast<int>(random_() % keys_per_worker);
    const int other = (j + 1) % keys_per_worker;
    const std::string value = next_value(j);
    const call_options o = options();
    const std::uint64_t before = generation();
    const steady::time_point deadline = deadline_of(o, async_timeout);
    pending_request& set = track(deadline);
    pending_request& get = track(deadline);
    pending_request& get_other = track(deadline);
    pending_request& incr = track(deadline);
    auto done = [](pending_request& p) {
        return [&p](result<resp::reply> r) { p.complete(std::move(r)); };
    };
    target().async_call(o, done(set), "SET", key(j), value);
    target().async_call(o, done(get), "GET", key(j));
    target().async_call(o, done(get_other), "GET", key(other));
    target().async_call(o, done(incr), "INCR", prefix_ + ":counter");
    bool all = true;
    for (pending_request* p : {&set, &get, &get_other, &incr})
        all = await(name("async"), *p) && all;
    if (!all) {
        keys_[j].maybe.insert(tag_of(value));
        return;
    }
    // Completions hand error replies over as replies: the rule says so.
    auto as_error = [](result<resp::owned_reply> r) -> result<resp::owned_reply> {
        if (r && r->view().is_error())
            return error{error_kind::server_reply, std::string(r->view().string())};
        return r;
    };
    set_outcome(name("async"), j, value, as_error(*set.outcome), before);
    check_get(name("async"), j, as_error(*get.outcome), &value);
    check_get(name("async"), other, as_error(*get_other.outcome));
    const auto counted = as_error(*incr.outcome);
    if (soak_.counts().outcome(name("async"), counted))
        check_counter(name("async"), counted->view(), before);
}

void worker::fire_and_forget() {
    const int j = static_cast<int>(random_() % keys_per_worker);
    const std::string value = next_value(j);
    target().send("SET", key(j), value);
    keys_[j].maybe.insert(tag_of(value));  // nobody hears how it went
    soak_.counts().count("sent");
}

void worker::batch() {
    const int j = static_cast<int>(random_() % keys_per_worker);
    const int other = (j + 2) % keys_per_worker;
    const std::string value = next_value(j);
    command_batch b;
    b.add("SET", key(j), value).add("GET", key(j)).add("GET", key(other));
    const call_options o = options();
    const std::uint64_t before = generation();
    const steady::time_point deadline = deadline_of(o, sync_timeout);
    auto replies = target().execute(b, o);
    check_time(name("batch"), deadline, steady::now());
    if (!soak_.counts().outcome(name("batch"), replies)) {
        keys_[j].maybe.insert(tag_of(value));  // a later command's error says nothing of the SET
        return;
    }
    if (replies->size() != 3) {
        soak_.counts().violation("batch: " + std::to_string(replies->size()) +
                                 " replies for 3 commands");
        return;
    }
    set_outcome(name("batch"), j, value,
                (*replies)[0].view().is_error()
                    ? result<resp::owned_reply>(error{error_kind::server_reply,
                                                      std::string((*replies)[0].view().string())})
                    : result<resp::owned_reply>(std::move((*replies)[0])),
                before);
    check_value(name("batch"), j, (*replies)[1].view(), &value);
    check_value(name("batch"), other, (*replies)[2].view());
}

void worker::tx() {
    const int j = static_cast<int>(random_() % keys_per_worker);
    const std::string value = next_value(j);
    transaction t;
    t.add("SET", key(j), value).add("GET", key(j)).add("INCR", prefix_ + ":counter");
    const call_options o = options();
    const std::uint64_t before = generation();
    const steady::time_point deadline = deadline_of(o, sync_timeout);
    auto exec = target().execute(t, o);
    check_time(name("transaction"), deadline, steady::now());
    if (!soak_.counts().outcome(name("transaction"), exec)) {
        if (never_ran(exec.error_value()))
            keys_[j].never.insert(tag_of(value));
        else
            keys_[j].maybe.insert(tag_of(value));
        return;
    }
    const resp::reply got = exec->view();
    if (got.kind() != resp::type::array || got.size() != 3 || got[0].string() != "OK" ||
        got[1].string() != value) {
        soak_.counts().violation(
            name("transaction") + ": EXEC answered " + std::string(resp::to_string(got.kind())) +
            " of " + std::to_string(got.size()) + " ('" + std::string(got[0].string()) + "', '" +
            tag_of(got[1].string()) + "'), not [OK, " + tag_of(value) + ", n]");
        keys_[j].maybe.insert(tag_of(value));
        return;
    }
    keys_[j].confirmed = tag_of(value);
    keys_[j].confirmed_generation = before;
    check_counter(name("transaction"), got[2], before);
}

void worker::blocking_pop() {
    // Blocking commands run on dedicated connections: sometimes something is
    // there to pop, sometimes the 50 ms server-side timeout answers null.
    const std::string list = prefix_ + ":list";
    if (random_() % 2 == 0) {
        auto pushed = target().call(
            "RPUSH", list, "t" + std::to_string(index_) + ":L:" + std::to_string(++sequence_));
        if (soak_.counts().outcome(name("call"), pushed) &&
            pushed->view().kind() != resp::type::integer)
            soak_.counts().violation("call: RPUSH answered " +
                                     std::string(resp::to_string(pushed->view().kind())));
    }
    const call_options o = options();
    const bool asynchronous = random_() % 2 == 0;
    const steady::time_point deadline = deadline_of(o, asynchronous ? async_timeout : sync_timeout);
    if (asynchronous) {
        pending_request& p = track(deadline);
        target().async_call(
            o, [&p](result<resp::reply> r) { p.complete(std::move(r)); }, "BLPOP", list, "0.05");
        if (!await(name("async BLPOP"), p)) return;
        auto r = *p.outcome;
        if (r && r->view().is_error())
            r = error{error_kind::server_reply, std::string(r->view().string())};
        check_pop(name("async BLPOP"), r);
    } else {
        auto r = target().call(o, "BLPOP", list, "0.05");
        check_time(name("call BLPOP"), deadline, steady::now());
        check_pop(name("call BLPOP"), r);
    }
}

void worker::subscription_step() {
    // On the RESP3 multiplexer the messages share the command connection; on
    // the RESP2 one they have a connection of their own.
    const int on = on_resp2_ ? 1 : 0;
    multiplexer& m = target();
    multiplexer& other = on_resp2_ ? soak_.resp3() : soak_.resp2();
    if (!subscribed_[on]) {
        const steady::time_point deadline = steady::now() + sync_timeout;
        auto r = m.subscribe(channel_, handler(on));
        check_time(name("subscribe"), deadline, steady::now());
        // A subscription whose confirmation timed out stays registered; one
        // lost with its connection is asked for again next time.
        subscribed_[on] = soak_.counts().outcome(name("subscribe"), r) ||
                          r.error_value().kind == error_kind::timeout;
        return;
    }
    switch (random_() % 4) {
        case 0: {
            const steady::time_point deadline = steady::now() + sync_timeout;
            auto r = m.unsubscribe(channel_);
            check_time(name("unsubscribe"), deadline, steady::now());
            subscribed_[on] = !soak_.counts().outcome(name("unsubscribe"), r);
            return;
        }
        case 1: {
            // For the subscription each multiplexer holds for the whole run.
            auto r =
                soak_.resp3().call("PUBLISH", "soak:global:resp2", "G:" + std::to_string(index_));
            soak_.counts().outcome("publish", r);
            return;
        }
        default: {
            const steady::time_point deadline = steady::now() + sync_timeout;
            auto r = other.call("PUBLISH", channel_,
                                "t" + std::to_string(index_) + ":m" + std::to_string(++sequence_));
            check_time("publish", deadline, steady::now());
            if (soak_.counts().outcome("publish", r) && r->view().kind() != resp::type::integer)
                soak_.counts().violation("publish: PUBLISH answered " +
                                         std::string(resp::to_string(r->view().kind())));
            return;
        }
    }
}

void worker::on_message(const pubsub_message& m, int on) {
    const std::string tag = "t" + std::to_string(index_) + ":m";
    if (m.channel != channel_ || !m.payload.starts_with(tag))
        soak_.counts().violation("message for " + channel_ + " arrived as '" +
                                 std::string(m.channel) + "' / '" + std::string(m.payload) + "'");
    received_[on].fetch_add(1);
}

void worker::final_check() {
    // The faults are over: every call form works at the first attempt.
    const int j = 0;
    const std::string value = next_value(j);
    auto set = soak_.resp3().call("SET", key(j), value);
    if (!set || set->view().string() != "OK") {
        soak_.counts().violation(
            "final SET " + key(j) +
            " failed: " + (set ? std::string(set->view().string()) : set.error_value().message));
        return;
    }
    auto get = soak_.resp3().call("GET", key(j));
    if (!get || get->view().string() != value)
        soak_.counts().violation("final GET " + key(j) + " did not return " + tag_of(value) + ": " +
                                 (get ? tag_of(get->view().string()) : get.error_value().message));
    auto future = soak_.resp3().call_future("GET", key(j)).get();
    if (!future || future->view().string() != value)
        soak_.counts().violation("final call_future GET " + key(j) + " failed");
    command_batch b;
    b.add("GET", key(j));
    auto batched = soak_.resp3().execute(b);
    if (!batched || (*batched)[0].view().string() != value)
        soak_.counts().violation("final batch GET " + key(j) + " failed");
    transaction t;
    t.add("GET", key(j));
    auto exec = soak_.resp3().execute(t);
    if (!exec || exec->view()[0].string() != value)
        soak_.counts().violation("final transaction GET " + key(j) + " failed");
    auto second = soak_.resp2().call("GET", key(j));
    if (!second || second->view().string() != value)
        soak_.counts().violation("final GET " + key(j) + " on the RESP2 multiplexer failed");
    auto pop = soak_.resp3().call("BLPOP", prefix_ + ":nothing", "0.01");
    if (!pop || !pop->view().is_null()) soak_.counts().violation("final BLPOP failed");

    // This thread's channel can be subscribed to on both multiplexers, and
    // delivers again (subscribing anew replaces the handler of one that
    // survived).
    for (int on : {0, 1}) {
        multiplexer& m = on == 0 ? soak_.resp3() : soak_.resp2();
        if (auto r = m.subscribe(channel_, handler(on)); !r) {
            soak_.counts().violation("final subscribe " + channel_ +
                                     " failed: " + r.error_value().message);
            continue;
        }
        subscribed_[on] = true;
        const std::uint64_t had = received_[on].load();
        const auto give_up = steady::now() + 10s;
        while (received_[on].load() == had && steady::now() < give_up) {
            auto published =
                m.call("PUBLISH", channel_,
                       "t" + std::to_string(index_) + ":m" + std::to_string(++sequence_));
            if (!published)
                soak_.counts().violation("final PUBLISH failed: " +
                                         published.error_value().message);
            std::this_thread::sleep_for(50ms);
        }
        if (received_[on].load() == had)
            soak_.counts().violation(channel_ + " on the " + (on == 0 ? "RESP3" : "RESP2") +
                                     " multiplexer received nothing within 10 s after the faults");
    }
}

void worker::check_every_request_completed_once() {
    std::uint64_t never = 0, twice = 0;
    for (const pending_request& p : requests_) {
        const int n = p.completions.load();
        if (n == 0) ++never;
        if (n > 1) ++twice;
    }
    if (never > 0)
        soak_.counts().violation(prefix_ + ": " + std::to_string(never) +
                                 " asynchronous requests never completed");
    if (twice > 0)
        soak_.counts().violation(prefix_ + ": " + std::to_string(twice) +
                                 " asynchronous requests completed more than once");
    soak_.counts().count("async requests tracked", requests_.size());
}

// --- the whole soak
// -----------------------------------------------------------------

void soak::inject_faults() {
    std::mt19937_64 random(seed * 100u + worker_count);
    auto pause_for = [&](int low_ms, int high_ms) {
        std::this_thread::sleep_for(milliseconds(low_ms + random() % (high_ms - low_ms)));
    };
    const auto restart = [&] {
        server_generation.fetch_add(1, std::memory_order_acq_rel);
        server_.kill();
        try {
            server_.restart();
        } catch (const std::exception& e) {
            tally_.violation(std::string("the test server did not restart: ") + e.what());
        }
        server_generation.fetch_add(1, std::memory_order_acq_rel);
        tally_.count("fault: kill+restart");
    };
    while (!stop_.load()) {
        pause_for(150, 1200);
        if (stop_.load()) break;
        switch (random() % 6) {
            case 0:
                restart();
                break;
            case 1:
                server_.pause();
                pause_for(50, 2500);  // sometimes past every deadline
                server_.resume();
                tally_.count("fault: pause");
                break;
            case 2:
                // Killed while paused: what was written to it is lost.
                server_.pause();
                pause_for(50, 800);
                restart();
                break;
            case 3:
                // Lands in the middle of some reply.
                proxy_.cut_after_server_bytes(1 + random() % 4096);
                tally_.count("fault: cut mid-reply");
                break;
            default:
                proxy_.cut_all();
                tally_.count("fault: cut");
                break;
        }
    }
}

void soak::settle() {
    // Reconnecting may take one backoff period after the last fault.
    const auto give_up = steady::now() + 15s;
    while (steady::now() < give_up) {
        auto a = resp3_->call("PING");
        auto b = resp2_->call("PING");
        if (a && b) return;
        std::this_thread::sleep_for(50ms);
    }
    tally_.violation("the multiplexers did not answer PING within 15 s after the faults");
}

void soak::check_global_subscriptions() {
    // Subscriptions made before the faults, one per protocol, deliver again.
    for (auto [from, counter, channel] :
         {std::tuple{resp2_.get(), &global_on_resp3_, "soak:global:resp3"},
          std::tuple{resp3_.get(), &global_on_resp2_, "soak:global:resp2"}}) {
        const std::uint64_t had = counter->load();
        const auto give_up = steady::now() + 10s;
        while (counter->load() == had && steady::now() < give_up) {
            auto published = from->call("PUBLISH", channel, "G:final");
            if (!published)
                tally_.violation("final PUBLISH failed: " + published.error_value().message);
            std::this_thread::sleep_for(50ms);
        }
        if (counter->load() == had)
            tally_.violation(std::string(channel) +
                             " received nothing within 10 s after the faults");
    }
}

void soak::run() {
    ASSERT_TRUE(resp3_ && resp2_);
    ASSERT_TRUE(resp3_->subscribe("soak:global:resp3", [this](const pubsub_message& msg) {
        if (msg.channel != "soak:global:resp3" || !msg.payload.starts_with("G:"))
            tally_.violation("soak:global:resp3 got '" + std::string(msg.payload) + "'");
        global_on_resp3_.fetch_add(1);
    }));
    ASSERT_TRUE(resp2_->subscribe("soak:global:resp2", [this](const pubsub_message& msg) {
        if (msg.channel != "soak:global:resp2" || !msg.payload.starts_with("G:"))
            tally_.violation("soak:global:resp2 got '" + std::string(msg.payload) + "'");
        global_on_resp2_.fetch_add(1);
    }));

    std::vector<std::thread> threads;
    for (worker& w : workers_) threads.emplace_back([&w] { w.run(); });
    std::thread faults([this] { inject_faults(); });
    std::this_thread::sleep_for(std::chrono::seconds(seconds_));
    stop_ = true;
    faults.join();
    for (std::thread& t : threads) t.join();
    server_.resume();

    settle();
    for (worker& w : workers_) w.final_check();
    check_global_subscriptions();

    const auto counters = resp3_->snapshot();
    tally_.count("multiplexer reconnects", counters.reconnects);
    tally_.count("multiplexer timeouts", counters.timeouts);
    tally_.count("calls on the caller's thread",
                 counters.calls_on_caller_thread + resp2_->snapshot().calls_on_caller_thread);
    std::uint64_t messages = 0;
    for (worker& w : workers_) messages += w.received();
    tally_.count("messages received", messages + global_on_resp3_ + global_on_resp2_);

    // Closing completes whatever is left; every tracked request must then
    // have completed exactly once.
    resp3_->close();
    resp2_->close();
    for (worker& w : workers_) w.check_every_request_completed_once();

    std::printf("%s(%d s, RESPCACHE_SOAK_SEED=%u)\n", tally_.report().c_str(), seconds_, seed);
    std::fflush(stdout);
    EXPECT_EQ(tally_.violations(), 0u) << tally_.report();
}

TEST(MultiplexerSoak, EveryCallFormUnderKillsPausesAndCutsGetsItsOwnReplyOnce) {
    soak s;
    s.run();
}

}  // namespace
}  // namespace respcache::net
