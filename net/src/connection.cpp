#include "respcache/net/connection.hpp"

#include <poll.h>

#include "respcache/net/connection_string.hpp"
#include "respcache/net/handshake.hpp"
#include "respcache/net/tls_layer.hpp"

namespace respcache::net {

connection::connection(const connection_options& options, socket s, endpoint peer)
    : options_(options), socket_(std::move(s)), peer_(std::move(peer)) {}

result<connection> connection::open(const connection_options& options, int interrupt_fd) {
    if (options.endpoints.empty())
        return error{error_kind::config, "the configuration names no endpoint"};
    error last{error_kind::io, "no endpoint answered"};
    for (const endpoint& where : options.endpoints) {
        auto opened = open(options, where, interrupt_fd);
        if (opened || opened.error_value().kind == error_kind::auth ||
            opened.error_value().kind == error_kind::closed ||
            opened.error_value().kind == error_kind::config)
            return opened;
        last = opened.error_value();
    }
    return last;
}

result<connection> connection::open(const connection_options& options, const endpoint& where,
                                    int interrupt_fd) {
    const clock::time_point deadline = clock::now() + options.connect_timeout;
    auto connected = open_stream(options, where, deadline, interrupt_fd);
    if (!connected) return connected.error_value();
    connection c(options, std::move(*connected), where);
    auto greeted = c.run_handshake(deadline, interrupt_fd);
    if (!greeted) return greeted.error_value();
    return c;
}

result<void> connection::run_handshake(clock::time_point deadline, int interrupt_fd) {
    handshake greeting(options_);
    while (!greeting.done()) {
        const std::size_t replies = greeting.write_step(out_);
        auto written = write_all(deadline, interrupt_fd);
        if (!written) return written;
        for (std::size_t i = 0; i < replies; ++i) {
            auto reply = read_reply(deadline, interrupt_fd);
            if (!reply) {
                if (reply.error_value().kind == error_kind::timeout)
                    return error{error_kind::timeout,
                                 "handshake with " + to_string(peer_) + " timed out"};
                return reply.error_value();
            }
            auto accepted = greeting.on_reply(*reply);
            if (!accepted) return poison(accepted.error_value());
        }
    }
    protocol_ = greeting.protocol();
    return {};
}

error connection::poison(error e) {
    socket_.close();
    out_.clear();
    queued_ = 0;
    return e;
}

result<void> connection::write_all(clock::time_point deadline, int interrupt_fd) {
    if (!socket_.is_open()) return error{error_kind::closed, "the connection is closed"};
    std::string_view pending(out_);
    while (!pending.empty()) {
        auto sent = socket_.send_some(pending);
        if (!sent) return poison(sent.error_value());
        pending.remove_prefix(*sent);
        if (*sent == 0) {
            auto ready = socket_.wait(true, deadline, interrupt_fd);
            if (!ready) return poison(ready.error_value());
            if (!*ready) return poison(error{error_kind::timeout, "write timed out"});
        }
    }
    out_.clear();
    return {};
}

result<resp::reply> connection::read_reply(clock::time_point deadline, int interrupt_fd) {
    if (!socket_.is_open()) return error{error_kind::closed, "the connection is closed"};
    for (;;) {
        auto next = reader_.next();
        if (!next) return poison(next.error_value());
        if (next->has_value()) {
            const resp::reply reply = **next;
            if (reply.kind() != resp::type::push || protocol_ != 3) return reply;
            if (push_handler_) push_handler_(reply);
            continue;
        }
        const std::span<char> space = reader_.prepare(16 * 1024);
        auto received = socket_.receive_some(space);
        if (!received) return poison(received.error_value());
        if (*received > 0) {
            reader_.commit(*received);
            continue;
        }
        auto ready = socket_.wait(false, deadline, interrupt_fd);
        if (!ready) return poison(ready.error_value());
        if (!*ready) return poison(error{error_kind::timeout, "no reply within the timeout"});
    }
}

error connection::queued_before_call() const {
    return error{error_kind::config,
                 "call() with " + std::to_string(queued_) + " commands queued: flush() them first"};
}

result<resp::owned_reply> connection::call_queued_one() {
    auto replies = flush();
    if (!replies) return replies.error_value();
    resp::owned_reply& reply = replies->front();
    if (reply.view().is_error())
        return error{error_kind::server_reply, std::string(reply.view().string())};
    return std::move(reply);
}

result<std::vector<resp::owned_reply>> connection::flush() {
    return flush(clock::now() + options_.sync_timeout);
}

result<std::vector<resp::owned_reply>> connection::flush(clock::time_point deadline) {
    return flush(deadline, -1);
}

result<std::vector<resp::owned_reply>> connection::flush(clock::time_point deadline,
                                                         int interrupt_fd) {
    const std::size_t expected = queued_;
    queued_ = 0;
    auto written = write_all(deadline, interrupt_fd);
    if (!written) return written.error_value();
    std::vector<resp::owned_reply> replies;
    replies.reserve(expected);
    for (std::size_t i = 0; i < expected; ++i) {
        auto reply = read_reply(deadline, interrupt_fd);
        if (!reply) return reply.error_value();
        replies.push_back(reply->to_owned());
    }
    return replies;
}

bool connection::still_usable() const noexcept {
    if (!socket_.is_open() || queued_ != 0 || !reader_.idle()) return false;
    pollfd fd{socket_.fd(), POLLIN | POLLRDHUP, 0};
    return ::poll(&fd, 1, 0) == 0;
}

result<void> connection::reset(clock::time_point deadline, int interrupt_fd) {
    if (queued_ != 0 || !reader_.idle())
        return poison(error{error_kind::protocol, "replies are outstanding; cannot reset"});
    queue("RESET");
    // RESET leaves subscribed mode, so on RESP2 its reply may follow
    // messages that were on their way: skip them.
    queued_ = 0;
    auto written = write_all(deadline, interrupt_fd);
    if (!written) return written;
    for (;;) {
        auto reply = read_reply(deadline, interrupt_fd);
        if (!reply) return reply.error_value();
        if (reply->kind() == resp::type::simple_string && reply->string() == "RESET") break;
        if (reply->is_error())
            return poison(error{error_kind::server_reply, std::string(reply->string())});
    }
    protocol_ = 2;  // what RESET leaves
    return run_handshake(deadline, interrupt_fd);
}

result<bool> connection::wait_for_push(clock::time_point deadline) {
    if (!socket_.is_open()) return error{error_kind::closed, "the connection is closed"};
    auto ready = socket_.wait(false, deadline);
    if (!ready) return poison(ready.error_value());
    if (!*ready) return false;
    auto received = socket_.receive_some(reader_.prepare(16 * 1024));
    if (!received) return poison(received.error_value());
    reader_.commit(*received);
    for (;;) {
        auto next = reader_.next();
        if (!next) return poison(next.error_value());
        if (!next->has_value()) return true;
        if (push_handler_) push_handler_(**next);
    }
}

}  // namespace respcache::net
