#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "respcache/net/connection.hpp"
#include "respcache/net/connection_options.hpp"
#include "respcache/net/socket.hpp"
#include "respcache/resp/reader.hpp"
#include "respcache/resp/result.hpp"

namespace respcache::net {

// A (P|S)(UN)SUBSCRIBE confirmation, as opposed to a message: the first
// element names the subscription change. Both protocols send the same shape.
bool is_subscription_confirmation(const resp::reply& r);

// The dedicated pub/sub connection a RESP2 server needs (a subscribed RESP2
// connection can run nothing else). Owns one thread that writes
// (UN)SUBSCRIBE commands, reads confirmations and messages, and reconnects
// with backoff, restoring every subscription the owner still holds.
class subscriber {
  public:
    struct restore_plan {
        std::string commands;           // encoded (P|S)SUBSCRIBE commands
        std::size_t confirmations = 0;  // one per channel or pattern in them
    };
    using dispatcher = std::function<void(const resp::reply&)>;
    using planner = std::function<restore_plan()>;

    subscriber(const connection_options& options, dispatcher on_message, planner restore);
    ~subscriber();
    subscriber(const subscriber&) = delete;
    subscriber& operator=(const subscriber&) = delete;

    // Sends one encoded (un)subscribe command naming one channel and waits
    // for its confirmation until `deadline`.
    result<void> send(std::string_view encoded, clock::time_point deadline);

  private:
    struct waiter {
        std::mutex mutex;
        std::condition_variable ready;
        std::optional<result<void>> outcome;
        void finish(result<void> r);
    };

    void run();
    bool connect_and_restore();
    void finish_restoring();
    bool flush_outgoing();
    bool read_messages();
    void wait_for_wake(int milliseconds);

    const connection_options options_;
    const dispatcher on_message_;
    const planner restore_;

    std::mutex mutex_;
    std::string outgoing_;
    std::deque<std::shared_ptr<waiter>> unsent_;
    bool stopping_ = false;

    // Subscriber thread only.
    socket socket_;
    resp::reader reader_;
    std::string writing_;
    std::deque<std::shared_ptr<waiter>> sent_;
    // After a (re)connect: confirmations of the restore commands still to
    // come, and the callers that wait for them.
    std::size_t restore_confirmations_ = 0;
    std::deque<std::shared_ptr<waiter>> restoring_;
    unsigned failed_attempts_ = 0;

    int wake_fd_ = -1;
    int stop_fd_ = -1;
    std::thread thread_;
};

}  // namespace respcache::net
