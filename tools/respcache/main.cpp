#include <cstdio>
#include <string_view>
#include <vector>

#include "subcommands.hpp"

namespace {

constexpr std::string_view usage =
    "usage: respcache <command> [options]\n"
    "\n"
    "commands:\n"
    "  decode [--chunk N] [--max-depth N] [--max-bulk N] [--max-elements N] [FILE]\n"
    "      print each RESP reply read from FILE (or standard input) as one JSON line\n"
    "  call [--connection STR] [--json] COMMAND [ARG...]\n"
    "      send one command and print its reply\n"
    "  cache get|set|refresh|remove|inspect KEY [VALUE] [--sliding D] [--expires-in D] ...\n"
    "      read and write distributed-cache entries (shared with .NET's RedisCache)\n"
    "  bench [--connection STR] [--workload get|set|mixed] [--threads N] [--mode M] ...\n"
    "      load a server through the multiplexer; bench --help lists every option\n"
    "  host [--port N] [--password P|--no-password] [--data DIR] [--tls] [-- COMMAND ARG...]\n"
    "      run a local server for COMMAND with ConnectionStrings__cache set\n"
    "  host --cluster N [--replicas R] [-- COMMAND ARG...]\n"
    "      run a local Redis Cluster for COMMAND (every node in ConnectionStrings__cache)\n"
    "\n"
    "The connection string comes from --connection or ConnectionStrings__cache.\n";

}  // namespace

namespace respcache::tools {

int report_error(std::string_view command, const error& e) {
    const std::string text = to_string(e);
    std::fprintf(stderr, "respcache %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                 text.c_str());
    return exit_failure;
}

}  // namespace respcache::tools

int main(int argc, char** argv) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(usage.data(), args.empty() ? stderr : stdout);
        return args.empty() ? respcache::tools::exit_usage : 0;
    }
    const std::string_view command = args[0];
    const std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
    if (command == "decode") return respcache::tools::run_decode(rest);
    if (command == "call") return respcache::tools::run_call(rest);
    if (command == "bench") return respcache::tools::run_bench(rest);
    if (command == "host") return respcache::tools::run_host(rest);
    if (command == "cache") return respcache::tools::run_cache(rest);
    std::fprintf(stderr, "respcache: unknown command '%.*s'\n\n%s",
                 static_cast<int>(command.size()), command.data(), usage.data());
    return respcache::tools::exit_usage;
}
