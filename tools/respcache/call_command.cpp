#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "connection_source.hpp"
#include "reply_text.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/resp/reply_json.hpp"
#include "subcommands.hpp"

namespace respcache::tools {

int run_call(std::span<const std::string_view> args) {
    std::optional<std::string_view> connection_string;
    bool json = false;
    std::vector<std::string_view> command;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (!command.empty()) {
            command.push_back(arg);
        } else if (arg == "--connection" && i + 1 < args.size()) {
            connection_string = args[++i];
        } else if (arg == "--json") {
            json = true;
        } else if (arg == "--") {
            if (i + 1 < args.size()) command.push_back(args[++i]);
        } else if (arg.starts_with("--")) {
            std::fprintf(stderr, "respcache call: unknown option '%.*s'\n",
                         static_cast<int>(arg.size()), arg.data());
            return exit_usage;
        } else {
            command.push_back(arg);
        }
    }
    if (command.empty()) {
        std::fputs("usage: respcache call [--connection STR] [--json] COMMAND [ARG...]\n", stderr);
        return exit_usage;
    }
    auto options = connection_from(connection_string);
    if (!options) return report_error("call", options.error_value());
    auto connected = net::connection::open(*options);
    if (!connected) return report_error("call", connected.error_value());
    connected->queue_command(command);
    auto replies = connected->flush();
    if (!replies) return report_error("call", replies.error_value());
    const resp::reply reply = replies->front().view();
    std::string out;
    if (json) {
        resp::append_json(out, reply);
        out.push_back('\n');
    } else {
        append_reply_text(out, reply);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return reply.is_error() ? exit_server_error : 0;
}

}  // namespace respcache::tools
