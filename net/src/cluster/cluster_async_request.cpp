// cluster_client's asynchronous commands: one heap block per command holds
// its state and its encoded bytes, owned by whichever completion is waiting
// for its reply, so a redirection sends the same bytes again long after the
// caller's arguments are gone, and a command that is answered at once costs
// one recycled block (no copy of its arguments, no shared ownership).

#include <cstring>
#include <new>

#include "respcache/net/cluster/request_blocks.hpp"
#include "respcache/net/cluster_client.hpp"

namespace respcache::net {

struct cluster_client::async_request {
    cluster_client* client = nullptr;
    reply_callback done;
    call_options options;
    clock::time_point deadline;
    command_traits traits;
    cluster::command_slot where;
    bool retry_safe = false;
    int attempt = 0;
    bool recycled = false;  // its block is a request block (request_blocks.hpp)
    std::size_t size = 0;   // of the encoded command that follows this header

    std::string_view encoded() const noexcept {
        return {reinterpret_cast<const char*>(this + 1), size};
    }

    static async_request_ptr make(std::string_view encoded) {
        const std::size_t bytes = sizeof(async_request) + encoded.size();
        const bool recycled = bytes <= cluster::detail::request_block_size;
        void* block = recycled ? cluster::detail::take_request_block() : ::operator new(bytes);
        async_request_ptr request(::new (block) async_request);
        request->recycled = recycled;
        request->size = encoded.size();
        std::memcpy(reinterpret_cast<char*>(request.get() + 1), encoded.data(), encoded.size());
        return request;
    }

    static void send(async_request_ptr request, result<attempt_target> target,
                     const call_options& o);
    static void on_reply(async_request_ptr request, result<resp::reply> r, multiplexer* node);
};

void cluster_client::async_request_deleter::operator()(async_request* request) const noexcept {
    const bool recycled = request->recycled;
    request->~async_request();
    if (recycled)
        cluster::detail::give_request_block(request);
    else
        ::operator delete(request);
}

void cluster_client::start_encoded(const call_options& options, command_traits traits,
                                   const cluster::command_slot& where, std::string_view encoded,
                                   reply_callback done) {
    // Copied before anything else: `encoded` may be the thread's encoding
    // buffer, which a completion called from here could reuse.
    async_request_ptr request = async_request::make(encoded);
    const auto timeout = options.timeout.count() > 0 ? options.timeout : options_.sync_timeout;
    request->client = this;
    request->done = std::move(done);
    request->options = options;
    request->deadline = clock::now() + timeout;
    request->traits = traits;
    request->where = where;
    request->retry_safe = options.retry_safe.value_or(traits.retry_safe);
    call_options first = options;
    first.timeout = timeout;
    auto target = first_target(where, traits.retry_safe);
    async_request::send(std::move(request), std::move(target), first);
}

void cluster_client::async_request::send(async_request_ptr request, result<attempt_target> target,
                                         const call_options& o) {
    if (!target) {
        request->done(target.error_value());
        return;
    }
    multiplexer* node = target->node;
    const std::string_view bytes = request->encoded();
    const command_traits traits = request->traits;
    if (target->asking) {
        // ASKING and the command as one unit: nothing of another caller
        // between them, which would take the ASKING for itself. The batch's
        // handler is shared, so the request is held through a shared box.
        command_batch b;
        b.add("ASKING");
        net::detail::runtime_commands::add_encoded(b, traits, bytes);
        auto box = std::make_shared<async_request_ptr>(std::move(request));
        auto second = std::make_shared<const net::detail::runtime_commands::batch_reply_handler>(
            [box, node](std::size_t i, result<resp::reply> r) {
                if (i == 1) on_reply(std::move(*box), std::move(r), node);
            });
        net::detail::runtime_commands::async_execute(*node, b, o, std::move(second));
        return;
    }
    // The bytes stay where they are while the completion owns the request:
    // the multiplexer copies them before it can answer.
    net::detail::runtime_commands::async_call_encoded(
        *node, o, traits, bytes,
        [request = std::move(request), node](result<resp::reply> r) mutable {
            on_reply(std::move(request), std::move(r), node);
        });
}

void cluster_client::async_request::on_reply(async_request_ptr request, result<resp::reply> r,
                                             multiplexer* node) {
    if (!r || !r->is_error()) {
        if (!r && r.error_value().kind == error_kind::io) request->client->request_refresh();
        request->done(std::move(r));
        return;
    }
    cluster_client& client = *request->client;
    // An error reply comes from `node` itself, alive while it delivers it.
    const cluster::redirect_step step =
        client.after_error(error{error_kind::server_reply, std::string(r->string())},
                           node->options().endpoints.front(), node, request->attempt++,
                           request->deadline, request->retry_safe);
    switch (step.what) {
        case cluster::redirect_step::kind::deliver:
            request->done(std::move(r));
            return;
        case cluster::redirect_step::kind::redirect: {
            const call_options o = with_deadline(request->options, request->deadline);
            send(std::move(request), client.redirect_target(step), o);
            return;
        }
        case cluster::redirect_step::kind::wait: {
            // The refresh thread's tasks are copyable: the request waits in a
            // shared box.
            auto box = std::make_shared<async_request_ptr>(std::move(request));
            client.run_later(clock::now() + step.delay, [box] {
                async_request& waiting = **box;
                const call_options o = with_deadline(waiting.options, waiting.deadline);
                auto target =
                    waiting.client->first_target(waiting.where, waiting.traits.retry_safe);
                send(std::move(*box), std::move(target), o);
            });
            return;
        }
    }
}

}  // namespace respcache::net
