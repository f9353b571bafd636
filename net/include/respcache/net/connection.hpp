#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "respcache/net/connection_options.hpp"
#include "respcache/net/socket.hpp"
#include "respcache/resp/encoder.hpp"
#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

// One connection to one server, used from one thread, with no background
// thread: the minimal-footprint API. Commands are sent one at a time with
// call(), or pipelined: queue() any number, then flush() writes them in one
// go and reads their replies in order.
//
// Every call waits at most the configured syncTimeout. A timeout, an I/O
// error or a protocol error closes the connection (its stream position is
// unknown); later calls fail with error_kind::closed.
class connection {
  public:
    // Connects to the first endpoint that answers and runs the handshake
    // (HELLO/AUTH/SETNAME, SELECT, CLIENT SETINFO) within connectTimeout.
    static result<connection> open(const connection_options& options, int interrupt_fd = -1);
    static result<connection> open(const connection_options& options, const endpoint& where,
                                   int interrupt_fd = -1);

    connection(connection&&) noexcept = default;
    connection& operator=(connection&&) noexcept = default;

    // Sends one command and waits for its reply. An error reply from the
    // server is an error of kind server_reply. With commands queued it is a
    // config error and sends nothing: flush() them first, or their replies
    // would be taken for this one's.
    template <class... Args>
    result<resp::owned_reply> call(const Args&... args) {
        if (queued_ != 0) return queued_before_call();
        queue(args...);
        return call_queued_one();
    }

    // Pipelining: queue commands, then flush() sends them all in one write and
    // returns their replies in order (error replies included as values).
    template <class... Args>
    void queue(const Args&... args) {
        resp::append_command(out_, args...);
        ++queued_;
    }
    void queue_command(std::span<const std::string_view> args) {
        resp::append_command(out_, args);
        ++queued_;
    }
    // Commands already encoded (resp::append_command), `count` of them.
    void queue_encoded(std::string_view bytes, std::size_t count) {
        out_.append(bytes);
        queued_ += count;
    }
    std::size_t queued() const noexcept { return queued_; }
    // Waits up to syncTimeout, or up to `deadline`.
    result<std::vector<resp::owned_reply>> flush();
    result<std::vector<resp::owned_reply>> flush(clock::time_point deadline);
    // Also stops early (error of kind closed) when `interrupt_fd` becomes readable.
    result<std::vector<resp::owned_reply>> flush(clock::time_point deadline, int interrupt_fd);

    // Back to the state open() left it in, whatever was done on it since
    // (SELECT, WATCH, MULTI, SUBSCRIBE, CLIENT REPLY OFF, ...): RESET, then
    // the handshake again. Fails (and closes) on servers without RESET.
    result<void> reset(clock::time_point deadline, int interrupt_fd = -1);

    // RESP3 pushes that arrive while waiting for replies (invalidation,
    // pub/sub on this connection) go here; without a handler they are dropped.
    void on_push(std::function<void(const resp::reply&)> handler) {
        push_handler_ = std::move(handler);
    }

    // Waits for the next reply or push without sending anything, for
    // subscriber connections; false when the deadline passed first.
    result<bool> wait_for_push(clock::time_point deadline);

    bool is_open() const noexcept { return socket_.is_open(); }
    // Open, with nothing unread and no sign that the server closed it: what
    // a connection that waited in a pool must be before it is used again.
    bool still_usable() const noexcept;
    int protocol() const noexcept { return protocol_; }
    const endpoint& peer() const noexcept { return peer_; }
    const connection_options& options() const noexcept { return options_; }

    // Hands the connected socket (past its handshake) to another owner.
    socket release_socket() noexcept { return std::move(socket_); }

  private:
    connection(const connection_options& options, socket s, endpoint peer);
    result<void> run_handshake(clock::time_point deadline, int interrupt_fd);
    result<resp::owned_reply> call_queued_one();
    error queued_before_call() const;
    result<void> write_all(clock::time_point deadline, int interrupt_fd = -1);
    // Reads the next reply that is not a push into reply_, or fails.
    result<resp::reply> read_reply(clock::time_point deadline, int interrupt_fd = -1);
    error poison(error e);

    connection_options options_;
    socket socket_;
    endpoint peer_;
    resp::reader reader_;
    std::string out_;
    std::size_t queued_ = 0;
    int protocol_ = 2;
    std::function<void(const resp::reply&)> push_handler_;
};

}  // namespace respcache::net
