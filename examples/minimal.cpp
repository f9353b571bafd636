// The minimal-footprint API: one connection, used from one thread, with no
// background thread. SET and GET one at a time, then a pipelined batch sent
// in one write.
//
//   respcache host -- ./minimal          (or: ConnectionStrings__cache=host:port ./minimal)

#include <cstdio>
#include <cstdlib>
#include <string>

#include <respcache/net/connection.hpp>
#include <respcache/net/connection_string.hpp>

using namespace respcache;

namespace {

int fail(const char* what, const error& e) {
    std::fprintf(stderr, "minimal: %s failed: %s\n", what, to_string(e).c_str());
    return EXIT_FAILURE;
}

void hint() {
    std::fprintf(stderr,
                 "minimal: ConnectionStrings__cache is not set, so this tried localhost:6379; "
                 "to run against a server of its own: respcache host -- ./minimal\n");
}

}  // namespace

int main() {
    const char* from_environment = std::getenv("ConnectionStrings__cache");
    auto options =
        net::parse_connection_string(from_environment ? from_environment : "localhost:6379");
    if (!options) return fail("reading ConnectionStrings__cache", options.error_value());
    std::printf("connecting to %s\n", net::to_string(*options).c_str());

    auto connection = net::connection::open(*options);
    if (!connection) {
        fail("connecting", connection.error_value());
        if (!from_environment) hint();
        return EXIT_FAILURE;
    }

    // One command at a time: each call() writes the command and waits for its reply.
    const std::string key = "examples:minimal:greeting";
    if (auto set = connection->call("SET", key, "hello from respcache"); !set)
        return fail("SET", set.error_value());
    auto got = connection->call("GET", key);
    if (!got) return fail("GET", got.error_value());
    std::printf("SET then GET %s -> \"%.*s\"\n", key.c_str(),
                static_cast<int>(got->view().string().size()), got->view().string().data());

    // Pipelined: queue any number of commands, flush() sends them in one write
    // and returns their replies in order.
    const std::string counter = "examples:minimal:counter";
    connection->queue("DEL", counter);
    for (int i = 0; i < 10; ++i) connection->queue("INCRBY", counter, i + 1);
    connection->queue("GET", counter);
    connection->queue("DEL", key, counter);
    const std::size_t sent = connection->queued();
    auto replies = connection->flush();
    if (!replies) return fail("the pipelined batch", replies.error_value());
    for (const auto& reply : *replies) {
        if (reply.view().is_error()) {
            std::fprintf(stderr, "minimal: the server refused a pipelined command: %.*s\n",
                         static_cast<int>(reply.view().string().size()),
                         reply.view().string().data());
            return EXIT_FAILURE;
        }
    }
    const std::string total(replies->at(replies->size() - 2).view().string());
    std::printf("pipelined %zu commands in one write, %zu replies; 1+2+...+10 = %s\n", sent,
                replies->size(), total.c_str());
    if (replies->size() != sent || total != "55") {
        std::fprintf(stderr, "minimal: expected %zu replies and 55, got %zu and %s\n", sent,
                     replies->size(), total.c_str());
        return EXIT_FAILURE;
    }
    std::printf("ok\n");
    return EXIT_SUCCESS;
}
