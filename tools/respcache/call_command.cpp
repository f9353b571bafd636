#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "connection_source.hpp"
#include "reply_text.hpp"
#include "respcache/net/cluster/command_keys.hpp"
#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connect_executor.hpp"
#include "respcache/net/connection.hpp"
#include "respcache/resp/reader.hpp"
#include "respcache/resp/reply_json.hpp"
#include "subcommands.hpp"

namespace respcache::tools {

namespace {

void append_json_string(std::string& out, std::string_view text) {
    out.push_back('"');
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
}

// On a cluster: routed by the command's keys. --json prints where it ran:
// {"node":"host:port","slot":N or null,"reply":...}.
int call_on_cluster(net::cluster_client& cluster, const std::vector<std::string_view>& command,
                    bool json) {
    auto where = net::cluster::slot_of(command);
    if (!where) return report_error("call", where.error_value());
    auto r = cluster.call(net::call_options{}, command);
    if (!r && r.error_value().kind != error_kind::server_reply)
        return report_error("call", r.error_value());
    // An error reply is printed as the reply it was.
    resp::owned_reply kept;
    if (r) {
        kept = std::move(*r);
    } else {
        resp::reader reader;
        reader.feed("-" + r.error_value().message + "\r\n");
        if (auto parsed = reader.next(); parsed && *parsed) kept = (**parsed).to_owned();
    }
    const resp::reply reply = kept.view();
    std::string out;
    if (json) {
        const bool keyed = where->what == net::cluster::command_slot::status::slot;
        const net::endpoint node = cluster.server_for(keyed ? command[1] : std::string_view());
        out += "{\"node\":";
        append_json_string(out, node.host + ":" + std::to_string(node.port));
        out += ",\"slot\":";
        out += keyed ? std::to_string(where->slot) : "null";
        out += ",\"reply\":";
        resp::append_json(out, reply);
        out += "}\n";
    } else {
        append_reply_text(out, reply);
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return reply.is_error() ? exit_server_error : 0;
}

// True when the server behind `c` runs in cluster mode.
bool is_cluster_node(net::connection& c) {
    auto info = c.call("INFO", "cluster");
    return info && !info->view().is_error() && net::reports_cluster_mode(info->view().string());
}

}  // namespace

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
    if (is_cluster_node(*connected)) {
        auto cluster = net::cluster_client::connect(*options);
        if (!cluster) return report_error("call", cluster.error_value());
        return call_on_cluster(**cluster, command, json);
    }
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
