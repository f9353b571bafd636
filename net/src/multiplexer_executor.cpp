#include "respcache/net/multiplexer_executor.hpp"

#include <string>

#include "multiplexer_core.hpp"

namespace respcache::net {

namespace {

command_traits traits_of_command(command_view command) {
    return traits_of(command.front(), command.subspan(1));
}

// The calling thread's buffer for one encoded command, reused as
// detail::encode_buffer is, so a call does not allocate for it.
std::string& encoded(command_view command) {
    thread_local std::string buffer;
    if (buffer.capacity() > 1024 * 1024) std::string().swap(buffer);
    buffer.clear();
    resp::append_command(buffer, command);
    return buffer;
}

constexpr const char* empty_command = "a command needs at least its name";

}  // namespace

result<resp::owned_reply> detail::runtime_commands::call(multiplexer& m,
                                                         const call_options& options,
                                                         command_view command) {
    if (command.empty()) return error{error_kind::config, empty_command};
    return m.call_encoded(options, traits_of_command(command), encoded(command));
}

void detail::runtime_commands::async_call(multiplexer& m, const call_options& options,
                                          command_view command, reply_callback done) {
    if (command.empty()) {
        done(error{error_kind::config, empty_command});
        return;
    }
    m.async_call_encoded(options, traits_of_command(command), encoded(command), std::move(done));
}

result<resp::owned_reply> detail::runtime_commands::call_encoded(multiplexer& m,
                                                                 const call_options& options,
                                                                 command_traits traits,
                                                                 std::string_view encoded) {
    return m.core_->call(options, traits, encoded);
}

// Straight to the core: the completion is moved once less on the way.
void detail::runtime_commands::async_call_encoded(multiplexer& m, const call_options& options,
                                                  command_traits traits, std::string_view encoded,
                                                  reply_callback done) {
    m.core_->async_call(options, traits, encoded, std::move(done));
}

// The rules of command_batch::add.
void detail::runtime_commands::add_encoded(command_batch& batch, command_traits traits,
                                           std::string_view encoded) {
    if (batch.refusal_.empty()) {
        if (traits.refusal != nullptr)
            batch.refusal_ = traits.refusal;
        else if (traits.blocking)
            batch.refusal_ =
                "a blocking command cannot share the pipeline in a batch; call it on its own "
                "(it runs on a dedicated connection)";
    }
    batch.bytes_.append(encoded);
    batch.retry_safe_.push_back(traits.retry_safe);
    batch.ends_.push_back(batch.bytes_.size());
}

void detail::runtime_commands::add(command_batch& batch, command_view command) {
    if (command.empty()) {
        if (batch.refusal_.empty()) batch.refusal_ = empty_command;
        return;
    }
    add_encoded(batch, traits_of_command(command), encoded(command));
}

// The rules of transaction::add.
void detail::runtime_commands::add(transaction& tx, command_view command) {
    if (command.empty()) {
        if (tx.refusal_.empty()) tx.refusal_ = empty_command;
        return;
    }
    const command_traits traits = traits_of_command(command);
    if (tx.refusal_.empty() && traits.refusal != nullptr) tx.refusal_ = traits.refusal;
    resp::append_command(tx.bytes_, command);
    ++tx.count_;
}

void detail::runtime_commands::async_execute(multiplexer& m, const command_batch& batch,
                                             const call_options& options,
                                             std::shared_ptr<const batch_reply_handler> done) {
    if (!batch.refusal_.empty()) {
        for (std::size_t i = 0; i < batch.size(); ++i)
            (*done)(i, error{error_kind::config, batch.refusal_});
        return;
    }
    if (batch.empty()) return;
    m.core_->async_execute_batch(batch.bytes_, batch.ends_, batch.retry_safe_, options,
                                 std::move(done));
}

result<std::vector<resp::owned_reply>> multiplexer_executor::execute(
    std::span<const command_view> commands, const call_options& options) {
    command_batch batch;
    for (command_view c : commands) detail::runtime_commands::add(batch, c);
    return connection_->execute(batch, options);
}

result<resp::owned_reply> multiplexer_executor::execute_transaction(
    std::span<const command_view> commands, const call_options& options) {
    transaction tx;
    for (command_view c : commands) detail::runtime_commands::add(tx, c);
    return connection_->execute(tx, options);
}

endpoint multiplexer_executor::server_for(std::string_view) const {
    const auto& endpoints = connection_->options().endpoints;
    return endpoints.empty() ? endpoint{} : endpoints.front();
}

}  // namespace respcache::net
