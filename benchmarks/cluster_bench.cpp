// Load through one cluster_client, shaped like `redis-benchmark --cluster`:
// T threads, each with one request in flight (redis-benchmark's -c T), GET
// or SET of random keys out of a key space, for a fixed time. Prints one
// line per command with requests per second. The cluster comes from
// ConnectionStrings__cache, as `respcache host --cluster` sets it:
//
//   respcache host --cluster 3 -- sh -c 'cluster_bench 50 5 get; cluster_bench 50 5 set'

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "respcache/net/cluster_client.hpp"
#include "respcache/net/connection_string.hpp"

int main(int argc, char** argv) {
    using namespace respcache;
    const int threads = argc > 1 ? std::atoi(argv[1]) : 50;
    const int seconds = argc > 2 ? std::atoi(argv[2]) : 5;
    const std::string command = argc > 3 ? argv[3] : "get";
    const char* text = std::getenv("ConnectionStrings__cache");
    if (!text || threads <= 0 || seconds <= 0 || (command != "get" && command != "set")) {
        std::fprintf(stderr,
                     "usage: cluster_bench THREADS SECONDS get|set "
                     "(with ConnectionStrings__cache set)\n");
        return 64;
    }
    auto options = net::parse_connection_string(text);
    if (!options) return std::fprintf(stderr, "%s\n", options.error_value().message.c_str()), 3;
    auto client = net::cluster_client::connect(*options);
    if (!client) return std::fprintf(stderr, "%s\n", client.error_value().message.c_str()), 3;

    constexpr int key_space = 100000;  // redis-benchmark -r 100000
    const std::string value(3, 'x');   // redis-benchmark's default -d 3
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> done{0}, failed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            std::minstd_rand random(static_cast<unsigned>(t + 1));
            std::uniform_int_distribution<int> pick(0, key_space - 1);
            std::uint64_t mine = 0, errors = 0;
            std::string key;
            while (!stop.load(std::memory_order_relaxed)) {
                key = "key:" + std::to_string(pick(random));
                auto r = command == "set" ? (*client)->call("SET", key, value)
                                          : (*client)->call("GET", key);
                if (r)
                    ++mine;
                else
                    ++errors;
            }
            done += mine;
            failed += errors;
        });
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    stop = true;
    for (auto& w : workers) w.join();
    std::printf(
        "respcache cluster_client %s: %.0f requests per second (%d threads, %d s, %llu "
        "errors)\n",
        command == "set" ? "SET" : "GET", static_cast<double>(done.load()) / seconds, threads,
        seconds, static_cast<unsigned long long>(failed.load()));
    return failed.load() == 0 ? 0 : 1;
}
