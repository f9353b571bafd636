#!/usr/bin/env bash
# Runs respcache bench and redis-benchmark one after the other against the
# same server and prints one markdown table: throughput, client CPU per
# operation (user + system time of the client process / operations) and
# latency p50. Expects ConnectionStrings__cache (as `respcache host` sets it).
#
#   scripts/compare_with_redis_benchmark.sh [SECONDS] [RESPCACHE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-5}"
respcache="${2:-build/release/tools/respcache}"
: "${ConnectionStrings__cache:?set ConnectionStrings__cache (or run under respcache host)}"
endpoint=${ConnectionStrings__cache%%,*}
port=${endpoint##*:}
password=""
[[ $ConnectionStrings__cache == *password=* ]] && password=${ConnectionStrings__cache#*password=}
password=${password%%,*}
# Over TLS (respcache host --tls): redis-benchmark trusts the same CA.
tls=()
if [[ $ConnectionStrings__cache == *,ssl=true* ]]; then
    ca=${ConnectionStrings__cache#*sslCaFile=}
    tls=(--tls --cacert "${ca%%,*}")
fi
size=32

# redis-benchmark has no duration option: size each run from a short probe.
requests_for() {
    local probe
    probe=$(redis_benchmark_csv "$@" -n 20000 | awk -F'"' '/"GET"/ {print $4}')
    awk -v r="$probe" -v s="$seconds" 'BEGIN {n = int(r * s); print (n < 20000 ? 20000 : n)}'
}
redis_benchmark_csv() {
    redis-benchmark -h 127.0.0.1 -p "$port" ${password:+-a "$password"} "${tls[@]}" -t get \
        -d "$size" -r 10000 --csv "$@" 2>/dev/null
}
# Prints "ops/s cpu_us_per_op p50_ms" for redis-benchmark.
peer() {
    local n out cpu
    n=$(requests_for "$@")
    out=$( { /usr/bin/time -f 'CPU %U %S' bash -c "$(declare -f redis_benchmark_csv); \
        $(declare -p tls); port=$port password=$password size=$size redis_benchmark_csv $* -n $n"; } 2>&1)
    cpu=$(awk '/^CPU/ {print $2 + $3}' <<<"$out")
    awk -F'"' -v cpu="$cpu" -v n="$n" '/"GET"/ {printf "%.0f %.2f %.3f\n", $4, cpu * 1e6 / n, $10}' <<<"$out"
}
# Prints "ops/s cpu_us_per_op p50_ms" for respcache bench.
ours() {
    "$respcache" bench --workload get --data-size "$size" --keyspace 10000 \
        --duration "$seconds" --json "$@" |
        sed -E 's/.*"ops_per_sec":([0-9.]+).*"cpu_us_per_op":([0-9.]+).*"p50":([0-9.]+).*/\1 \2 \3/' |
        awk '{printf "%.0f %.2f %.3f\n", $1, $2, $3 / 1000}'
}
row() {
    local what=$1 a=$2 b=$3
    read -r a_ops a_cpu a_p50 <<<"$a"
    read -r b_ops b_cpu b_p50 <<<"$b"
    awk -v w="$what" -v ao="$a_ops" -v ac="$a_cpu" -v ap="$a_p50" -v bo="$b_ops" -v bc="$b_cpu" \
        -v bp="$b_p50" 'BEGIN {printf "| %s | %d | %.2f | %.3f | %d | %.2f | %.3f | %.2f× |\n",
                                w, ao, ac, ap, bo, bc, bp, ao / bo}'
}

"$respcache" bench --workload set --data-size "$size" --keyspace 10000 --requests 10000 >/dev/null
echo "| GET of ${size}-byte values, ${seconds} s each | respcache ops/s | CPU µs/op | p50 ms | redis-benchmark ops/s | CPU µs/op | p50 ms | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
row "async, 1 connection, 64 in flight vs \`-P 64 -c 1\`" "$(ours --mode async --inflight 64)" "$(peer -P 64 -c 1)"
row "chained (each completion sends the next), 64 in flight vs \`-P 64 -c 1\`" \
    "$(ours --mode chained --inflight 64)" "$(peer -P 64 -c 1)"
row "async, 1 connection, 1024 in flight vs \`-P 64 -c 1\`" "$(ours --mode async --inflight 1024)" "$(peer -P 64 -c 1)"
row "64 threads blocking on 1 connection vs \`-P 1 -c 64\`" "$(ours --threads 64)" "$(peer -P 1 -c 64)"
row "1 thread blocking (depth 1) vs \`-P 1 -c 1\`" "$(ours --threads 1)" "$(peer -P 1 -c 1)"
# The server's ceiling: redis-benchmark with 50 pipelining connections.
row "async, 1 connection, 4096 in flight vs the server's ceiling \`-P 64 -c 50\`" \
    "$(ours --mode async --inflight 4096)" "$(peer -P 64 -c 50)"
