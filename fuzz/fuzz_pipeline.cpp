// fuzz_pipeline: the input is a script for a driver of net::pipeline —
// requests pushed, partial writes, arbitrary server bytes (through
// resp::reader), time steps, disconnects, reconnects with restores, fail_all.
//
// - Never crashes.
// - Every request completes exactly once by the end (after fail_all), and
//   every counted request gives back its capacity exactly once.
// - A stream the reader rejects (or a reply the pipeline calls unexpected)
//   fails the connection cleanly: the driver drops it, and the requests
//   written on it fail "outcome unknown" unless retry-safe.
// - A request whose deadline passed before it was written never reaches the
//   server: the written bytes, read back as commands, never hold it again.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "respcache/net/pipeline.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"

namespace {

using namespace respcache;
using namespace respcache::net;

[[noreturn]] void die(const char* what, std::uint64_t id) {
    std::fprintf(stderr, "fuzz_pipeline: invariant broken: %s (request %llu)\n", what,
                 static_cast<unsigned long long>(id));
    std::abort();
}

// Reads the script; past its end every value is 0.
struct script {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t at = 0;

    bool done() const { return at >= size; }
    std::uint8_t byte() { return at < size ? data[at++] : 0; }
    std::string_view bytes(std::size_t n) {
        n = std::min(n, size - std::min(at, size));
        std::string_view out(reinterpret_cast<const char*>(data) + at, n);
        at += n;
        return out;
    }
};

struct request_state {
    bool counted = true;
    bool retry_safe = false;
    bool transaction = false;
    int completions = 0;
    bool cancelled = false;  // expired before it was written
    std::size_t bytes = 0;
};

class driver {
  public:
    explicit driver(bool subscriber_link) : p_(subscriber_link) { p_.connected(); }

    void run(script& s) {
        while (!s.done()) {
            switch (s.byte() % 8) {
                case 0:
                    push(s, false);
                    break;
                case 1:
                    write(s.byte());
                    break;
                case 2:
                    server_sends(s.bytes(s.byte()));
                    break;
                case 3:
                    advance(std::chrono::milliseconds(s.byte()));
                    break;
                case 4:
                    lose("reset by peer");
                    break;
                case 5:
                    reconnect(s);
                    break;
                case 6:
                    fail_all();
                    break;
                default:
                    take_released();
                    p_.shrink_when_idle();
                    break;
            }
        }
        fail_all();
        for (std::size_t id = 1; id < requests_.size(); ++id)
            if (requests_[id].completions != 1) die("a request did not complete exactly once", id);
        if (released_requests_ != counted_requests_ || released_bytes_ != counted_bytes_)
            die("capacity not given back exactly once", 0);
    }

  private:
    // Every request is ECHO of its id, so the server side can name it.
    std::string encode(std::uint64_t id, std::uint8_t kind) {
        const std::string tag = std::to_string(id);
        std::string out;
        switch (kind % 4) {
            case 0:
                resp::append_command(out, "ECHO", tag);
                break;
            case 1:
                resp::append_command(out, "MULTI");
                resp::append_command(out, "ECHO", tag);
                resp::append_command(out, "EXEC");
                break;
            case 2:
                // The server's confirmations must match a request's kind and
                // channel; one naming two channels takes any of its kind.
                switch (id % 3) {
                    case 0:
                        resp::append_command(out, "SUBSCRIBE", tag);
                        break;
                    case 1:
                        resp::append_command(out, "SSUBSCRIBE", tag);
                        break;
                    default:
                        resp::append_command(out, "SUNSUBSCRIBE", tag, "x");
                        break;
                }
                break;
            default:
                resp::append_command(out, "PING");
                break;
        }
        return out;
    }

    request_spec spec_of(std::uint8_t kind, std::uint8_t when, bool retry_safe) const {
        static constexpr request_kind kinds[] = {request_kind::command, request_kind::transaction,
                                                 request_kind::subscription,
                                                 request_kind::keepalive};
        const request_kind k = kinds[kind % 4];
        const std::uint32_t replies = k == request_kind::transaction ? 3 : 1;
        return {now_ + std::chrono::milliseconds(when), k, replies, retry_safe};
    }

    void push(script& s, bool restore) {
        const std::uint8_t kind = restore ? 2 : s.byte();
        const std::uint8_t when = s.byte();
        const bool retry_safe = (s.byte() & 1) != 0;
        const std::uint64_t id = requests_.size();
        request_state r;
        const request_spec spec = spec_of(kind, when, retry_safe);
        const std::string bytes = encode(id, kind);
        r.counted = !restore && spec.kind != request_kind::keepalive;
        r.retry_safe = retry_safe;
        r.transaction = spec.kind == request_kind::transaction;
        r.bytes = bytes.size();
        if (spec.kind == request_kind::keepalive) r.completions = 1;  // nobody waits for it
        requests_.push_back(r);
        if (r.counted) {
            ++counted_requests_;
            counted_bytes_ += r.bytes;
        }
        pipeline::completion done =
            spec.kind == request_kind::keepalive ? pipeline::completion() : completion(id);
        if (restore) {
            prelude_.push_back({bytes, spec, std::move(done)});
        } else {
            p_.push(bytes, spec, std::move(done));
        }
    }

    pipeline::completion completion(std::uint64_t id) {
        return [this, id](result<resp::reply> r) {
            request_state& state = requests_[id];
            if (++state.completions != 1) die("completed twice", id);
            if (!r && r.error_value().message.find("never ran") != std::string::npos)
                state.cancelled = true;
        };
    }

    void write(std::uint8_t most) {
        if (!p_.is_connected()) return;
        const std::string_view bytes = p_.prepare_write();
        const std::string_view out = most == 0 ? bytes : bytes.substr(0, most);
        server_reads(out);
        p_.commit_write(out.size());
    }

    // What the server receives: commands naming their request.
    void server_reads(std::string_view bytes) {
        if (server_.failed()) return;
        server_.feed(bytes);
        for (;;) {
            auto next = server_.next();
            if (!next) die("the pipeline wrote bytes that are not RESP", 0);
            if (!next->has_value()) return;
            const resp::reply command = **next;
            if (command.size() < 2) continue;
            const std::string_view tag = command[1].string();
            std::uint64_t id = 0;
            for (char c : tag) id = id * 10 + static_cast<std::uint64_t>(c - '0');
            if (id >= requests_.size()) die("the server got a request nobody pushed", id);
            if (requests_[id].cancelled)
                die("a request that expired unwritten reached the server", id);
        }
    }

    void server_sends(std::string_view bytes) {
        if (!p_.is_connected()) return;
        client_.feed(bytes);
        for (;;) {
            auto next = client_.next();
            if (!next) return lose("protocol error");  // the stream is bad: drop it
            if (!next->has_value()) break;
            if (p_.on_reply(**next) == pipeline::reply_use::unexpected) return lose("out of step");
        }
        take_released();
    }

    void advance(clock::duration d) {
        now_ += d;
        if (const auto drop = p_.expire(now_); drop && p_.is_connected()) lose(drop->message);
        take_released();
    }

    void lose(const std::string& why) {
        p_.connection_lost(error{error_kind::io, why});
        client_.reset();
        server_.reset();
        take_released();
    }

    void reconnect(script& s) {
        if (p_.is_connected()) return;
        prelude_.clear();
        for (int n = s.byte() % 3; n > 0; --n) push(s, true);
        p_.prepend(prelude_);
        prelude_.clear();
        p_.connected();
    }

    void fail_all() {
        p_.fail_all(error{error_kind::closed, "closed"});
        if (!p_.idle()) die("not idle after fail_all", 0);
        lose("closed");
    }

    void take_released() {
        const auto [requests, bytes] = p_.take_released();
        released_requests_ += requests;
        released_bytes_ += bytes;
        if (released_requests_ > counted_requests_ || released_bytes_ > counted_bytes_)
            die("capacity given back twice", 0);
    }

    pipeline p_;
    resp::reader client_;
    resp::reader server_;
    clock::time_point now_{};
    std::vector<request_state> requests_{request_state{}};  // ids start at 1
    std::vector<prelude_request> prelude_;
    std::size_t counted_requests_ = 0, counted_bytes_ = 0;
    std::size_t released_requests_ = 0, released_bytes_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    script s{data + 1, size - 1};
    driver d((data[0] & 1) != 0);
    d.run(s);
    return 0;
}
