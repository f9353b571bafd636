// The minimal-footprint API: one connection, used from one thread, with no
// background thread. SET and GET one at a time, then a pipelined batch sent
// in one write.
//
// It reads ConnectionStrings__cache in its simplest form, "host:port" with an
// optional ",password=P" (what `respcache host` sets), the way the hiredis
// version of this program does (examples/footprint/minimal_hiredis.c), and
// builds its connection_options by hand: net::parse_connection_string, which
// reads the whole StackExchange.Redis and URL syntax, is what the smallest
// program leaves out (scripts/measure_footprint.sh).
//
//   respcache host -- ./minimal          (or: ConnectionStrings__cache=host:port ./minimal)

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <respcache/net/connection.hpp>

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

// "host[:port][,password=P]"; false when the port is not a port number.
bool read_connection_string(const char* text, net::connection_options& options) {
    const char* const comma = std::strchr(text, ',');
    const char* const end = comma ? comma : text + std::strlen(text);
    const auto* colon =
        static_cast<const char*>(std::memchr(text, ':', static_cast<std::size_t>(end - text)));
    unsigned long port = net::default_port;
    if (colon) {
        char* stop = nullptr;
        port = std::strtoul(colon + 1, &stop, 10);
        if (stop != end || port == 0 || port > 65535) return false;
    }
    options.endpoints.push_back(net::endpoint::tcp(std::string(text, colon ? colon : end),
                                                   static_cast<std::uint16_t>(port)));
    if (comma && std::strncmp(comma, ",password=", 10) == 0) options.password = comma + 10;
    return true;
}

}  // namespace

int main() {
    const char* from_environment = std::getenv("ConnectionStrings__cache");
    net::connection_options options;
    if (!read_connection_string(from_environment ? from_environment : "localhost:6379", options)) {
        std::fprintf(stderr, "minimal: ConnectionStrings__cache is not host:port[,password=P]\n");
        return EXIT_FAILURE;
    }
    std::printf("connecting to %s:%u%s\n", options.endpoints[0].host.c_str(),
                static_cast<unsigned>(options.endpoints[0].port),
                options.password.empty() ? "" : ",password=*****");

    auto connection = net::connection::open(options);
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
    if (replies->size() != sent) {
        std::fprintf(stderr, "minimal: %zu commands sent, %zu replies\n", sent, replies->size());
        return EXIT_FAILURE;
    }
    const std::string total((*replies)[sent - 2].view().string());
    std::printf("pipelined %zu commands in one write, %zu replies; 1+2+...+10 = %s\n", sent,
                replies->size(), total.c_str());
    if (total != "55") {
        std::fprintf(stderr, "minimal: expected 55, got %s\n", total.c_str());
        return EXIT_FAILURE;
    }
    std::printf("ok\n");
    return EXIT_SUCCESS;
}
