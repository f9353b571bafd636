// Pub/sub on the multiplexer: subscribe to a channel, publish to it from the
// same multiplexer (RESP3 carries both on one connection; on RESP2 the
// subscription gets a dedicated one), print what arrives, unsubscribe.
//
//   respcache host -- ./pubsub          (or: ConnectionStrings__cache=host:port ./pubsub)

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <respcache/net/connection_string.hpp>
#include <respcache/net/multiplexer.hpp>

using namespace respcache;
using namespace std::chrono_literals;

namespace {

int fail(const char* what, const error& e) {
    std::fprintf(stderr, "pubsub: %s failed: %s\n", what, to_string(e).c_str());
    return EXIT_FAILURE;
}

// Messages handed over from the I/O thread, which runs the handler.
struct inbox {
    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::string> messages;
};

void hint() {
    std::fprintf(stderr,
                 "pubsub: ConnectionStrings__cache is not set, so this tried localhost:6379; "
                 "to run against a server of its own: respcache host -- ./pubsub\n");
}

}  // namespace

int main() {
    const char* from_environment = std::getenv("ConnectionStrings__cache");
    auto options =
        net::parse_connection_string(from_environment ? from_environment : "localhost:6379");
    if (!options) return fail("reading ConnectionStrings__cache", options.error_value());
    std::printf("connecting to %s\n", net::to_string(*options).c_str());

    auto connected = net::multiplexer::connect(*options);
    if (!connected) {
        fail("connecting", connected.error_value());
        if (!from_environment) hint();
        return EXIT_FAILURE;
    }
    net::multiplexer& redis = **connected;

    const std::string channel = "examples:news";
    inbox received;
    // The handler runs on the I/O thread: keep it short, never block in it.
    auto subscribed = redis.subscribe(channel, [&received](const net::pubsub_message& m) {
        std::lock_guard lock(received.mutex);
        received.messages.emplace_back(m.payload);
        received.arrived.notify_one();
    });
    if (!subscribed) return fail("SUBSCRIBE", subscribed.error_value());
    std::printf("subscribed to %s\n", channel.c_str());

    const std::vector<std::string> sent = {"first", "second", "third"};
    for (const std::string& message : sent) {
        auto receivers = redis.call("PUBLISH", channel, message);
        if (!receivers) return fail("PUBLISH", receivers.error_value());
        std::printf("published \"%s\" (%lld subscriber(s))\n", message.c_str(),
                    static_cast<long long>(receivers->view().integer()));
    }

    {
        std::unique_lock lock(received.mutex);
        const bool all = received.arrived.wait_for(
            lock, 5s, [&] { return received.messages.size() >= sent.size(); });
        for (const std::string& message : received.messages)
            std::printf("received \"%s\" on %s\n", message.c_str(), channel.c_str());
        if (!all) {
            std::fprintf(stderr, "pubsub: %zu of %zu messages arrived within 5 s\n",
                         received.messages.size(), sent.size());
            return EXIT_FAILURE;
        }
        if (received.messages != sent) {
            std::fprintf(stderr, "pubsub: the messages arrived changed or out of order\n");
            return EXIT_FAILURE;
        }
    }

    if (auto gone = redis.unsubscribe(channel); !gone)
        return fail("UNSUBSCRIBE", gone.error_value());
    std::printf("unsubscribed; ok\n");
    return EXIT_SUCCESS;
}
