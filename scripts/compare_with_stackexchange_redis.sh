#!/usr/bin/env bash
# respcache against StackExchange.Redis (benchmarks/peers/dotnet/), one after
# the other against the same server, in one run, on Redis and on Garnet: the
# same GET/SET load (mixed 1 SET : 10 GET, 32-byte values, 10000 keys) at equal
# concurrency, and the distributed cache (sliding 1 KiB entries) against .NET's
# RedisCache through IDistributedCache. Prints one markdown table per server:
# throughput, client CPU per operation (user + system time of the whole client
# process / operations) and latency p50/p99.
#
#   scripts/compare_with_stackexchange_redis.sh [SECONDS]
# Needs a release build (build/release/tools/respcache) and dotnet.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-5}"
respcache=build/release/tools/respcache
peer=build/peers/dotnet/bin/StackExchangeRedisBench/release/StackExchangeRedisBench

if [[ ${2:-} != --on-this-server ]]; then
    [[ -x $respcache ]] || { echo "build respcache first: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
    dotnet build benchmarks/peers/dotnet -c Release --nologo -v quiet \
        --artifacts-path build/peers/dotnet >/dev/null
    for server in redis-server garnet-server; do
        if [[ $server == garnet-server && ! -x $HOME/.cache/respcache/dotnet-tools/garnet-server ]]; then
            echo "(garnet-server not installed: scripts/setup.sh installs it)"
            continue
        fi
        echo
        echo "### $server"
        "$respcache" host --no-password --server "$server" -- "$0" "$seconds" --on-this-server
    done
    exit 0
fi

: "${ConnectionStrings__cache:?run under respcache host}"
fields() {  # ops/s cpu_us p50_us p99_us from one JSON line
    sed -E 's/.*"ops_per_sec":([0-9.]+).*"cpu_us_per_op":([0-9.]+).*"p50":([0-9.]+).*"p99":([0-9.]+),"p999".*/\1 \2 \3 \4/'
}
ours() { "$respcache" bench --duration "$seconds" --json "$@" | fields; }
theirs() { "$peer" --connection "$ConnectionStrings__cache" --duration "$seconds" "$@" | fields; }
row() {
    local what=$1 a b
    a=$(ours "${@:2}")
    b=$(theirs "${@:2}")
    read -r ao ac ap a99 <<<"$a"
    read -r bo bc bp b99 <<<"$b"
    awk -v w="$what" -v ao="$ao" -v ac="$ac" -v ap="$ap" -v a99="$a99" -v bo="$bo" -v bc="$bc" \
        -v bp="$bp" -v b99="$b99" 'BEGIN {
            printf "| %s | %d | %.2f | %.0f / %.0f | %d | %.2f | %.0f / %.0f | %.2f× | %.2f× |\n",
                   w, ao, ac, ap, a99, bo, bc, bp, b99, ao / bo, bc / ac }'
}

echo "| ${seconds} s each | respcache ops/s | CPU µs/op | p50 / p99 µs | StackExchange.Redis ops/s | CPU µs/op | p50 / p99 µs | throughput ratio | CPU ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
row "GET/SET, async, 64 in flight" --workload mixed --mode async --inflight 64
row "GET/SET, async, 1024 in flight" --workload mixed --mode async --inflight 1024
row "GET/SET, 1 thread blocking" --workload mixed --mode blocking --threads 1
row "GET/SET, 64 threads blocking" --workload mixed --mode blocking --threads 64
row "cache vs RedisCache, sliding 1 KiB, async 64" --workload cache --mode async --inflight 64
row "cache vs RedisCache, sliding 1 KiB, 1 thread blocking" --workload cache --mode blocking --threads 1
