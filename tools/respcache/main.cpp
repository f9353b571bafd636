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
    "      print each RESP reply read from FILE (or standard input) as one JSON line\n";

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(usage.data(), args.empty() ? stderr : stdout);
        return args.empty() ? respcache::tools::exit_usage : 0;
    }
    const std::string_view command = args[0];
    const std::span<const std::string_view> rest(args.data() + 1, args.size() - 1);
    if (command == "decode") return respcache::tools::run_decode(rest);
    std::fprintf(stderr, "respcache: unknown command '%.*s'\n\n%s",
                 static_cast<int>(command.size()), command.data(), usage.data());
    return respcache::tools::exit_usage;
}
