#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "respcache/net/command_executor.hpp"
#include "respcache/net/multiplexer.hpp"

namespace respcache::net {

namespace detail {
// Commands of a run-time length on a multiplexer: encoded with the
// multiplexer's own rules (refusals, blocking commands on a dedicated
// connection, retry safety from the command's traits) and handed to it as
// already-encoded bytes, without an upper bound on the argument count.
struct runtime_commands {
    static result<resp::owned_reply> call(multiplexer& m, const call_options& options,
                                          command_view command);
    static void async_call(multiplexer& m, const call_options& options, command_view command,
                           reply_callback done);
    // Bytes encoded already, with the traits of their command: a caller that
    // keeps a command's encoding (a cluster client, for a redirection) sends
    // it again without encoding or classifying it again.
    static result<resp::owned_reply> call_encoded(multiplexer& m, const call_options& options,
                                                  command_traits traits, std::string_view encoded);
    static void async_call_encoded(multiplexer& m, const call_options& options,
                                   command_traits traits, std::string_view encoded,
                                   reply_callback done);
    static void add_encoded(command_batch& batch, command_traits traits, std::string_view encoded);
    // command_batch::add and transaction::add for such a command. An empty
    // command makes execute() refuse the batch (kind config).
    static void add(command_batch& batch, command_view command);
    static void add(transaction& tx, command_view command);

    // multiplexer::execute(batch) without waiting: handed over as one unit
    // (no other caller's command between them), then `(*done)(i, outcome)`
    // once per command on the I/O thread; refused at once (kind config, or
    // closed) on the caller's thread.
    using batch_reply_handler = std::function<void(std::size_t index, result<resp::reply>)>;
    static void async_execute(multiplexer& m, const command_batch& batch,
                              const call_options& options,
                              std::shared_ptr<const batch_reply_handler> done);
};
}  // namespace detail

// A multiplexer seen as a command_executor: one server. It shares the
// multiplexer with everyone else holding it.
class multiplexer_executor final : public command_executor {
  public:
    explicit multiplexer_executor(std::shared_ptr<multiplexer> connection) noexcept
        : connection_(std::move(connection)) {}

    const std::shared_ptr<multiplexer>& connection() const noexcept { return connection_; }

    result<resp::owned_reply> call(const call_options& options, command_view command) override {
        return detail::runtime_commands::call(*connection_, options, command);
    }
    void async_call(const call_options& options, command_view command,
                    reply_callback done) override {
        detail::runtime_commands::async_call(*connection_, options, command, std::move(done));
    }
    result<std::vector<resp::owned_reply>> execute(std::span<const command_view> commands,
                                                   const call_options& options) override;
    result<resp::owned_reply> execute_transaction(std::span<const command_view> commands,
                                                  const call_options& options) override;
    endpoint server_for(std::string_view) const override;
    multiplexer::counters connection_counters() const noexcept override {
        return connection_->snapshot();
    }
    bool is_cluster() const noexcept override { return false; }

  private:
    std::shared_ptr<multiplexer> connection_;
};

}  // namespace respcache::net
