#!/usr/bin/env bash
# respcache bench and redis-benchmark --cluster one after the other against
# the same Redis Cluster, at equal concurrency, and one markdown table:
# throughput, client CPU per operation (user + system time of the client
# process / operations) and latency p50. Expects ConnectionStrings__cache
# listing the cluster's nodes (as `respcache host --cluster 3` sets it).
#
#   respcache host --cluster 3 -- scripts/compare_cluster_with_redis_benchmark.sh [SECONDS] [RESPCACHE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-5}"
respcache="${2:-build/release/tools/respcache}"
: "${ConnectionStrings__cache:?set ConnectionStrings__cache (or run under respcache host --cluster 3)}"
endpoint=${ConnectionStrings__cache%%,*}
port=${endpoint##*:}
password=""
[[ $ConnectionStrings__cache == *password=* ]] && password=${ConnectionStrings__cache#*password=}
password=${password%%,*}
size=32
keys=10000

# Prints "ops/s cpu_us_per_op p50_ms" for redis-benchmark --cluster; it has no
# duration option, so each run is sized from a short probe.
peer() {
    local test=$1 name=$2
    shift 2
    local probe n out cpu
    probe=$(redis-benchmark --cluster -h 127.0.0.1 -p "$port" ${password:+-a "$password"} -t "$test" \
        -d "$size" -r "$keys" --csv -n 20000 "$@" 2>/dev/null | awk -F'"' -v t="\"$name\"" '$0 ~ t {print $4}')
    n=$(awk -v r="$probe" -v s="$seconds" 'BEGIN {n = int(r * s); print (n < 20000 ? 20000 : n)}')
    out=$( { /usr/bin/time -f 'CPU %U %S' redis-benchmark --cluster -h 127.0.0.1 -p "$port" \
        ${password:+-a "$password"} -t "$test" -d "$size" -r "$keys" --csv -n "$n" "$@"; } 2>&1)
    cpu=$(awk '/^CPU/ {print $2 + $3}' <<<"$out")
    awk -F'"' -v cpu="$cpu" -v n="$n" -v t="\"$name\"" \
        '$0 ~ t {printf "%.0f %.2f %.3f\n", $4, cpu * 1e6 / n, $10}' <<<"$out"
}
# Prints "ops/s cpu_us_per_op p50_ms" for respcache bench.
ours() {
    "$respcache" bench --data-size "$size" --keyspace "$keys" --duration "$seconds" --json "$@" |
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

echo "| ${size}-byte values, ${keys} keys, ${seconds} s each | respcache ops/s | CPU µs/op | p50 ms | redis-benchmark --cluster ops/s | CPU µs/op | p50 ms | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
row "GET, 50 threads blocking on one \`cluster_client\` vs \`-c 50\`" \
    "$(ours --workload get --threads 50)" "$(peer get GET -c 50)"
row "SET, 50 threads blocking vs \`-c 50\`" "$(ours --workload set --threads 50)" "$(peer set SET -c 50)"
row "GET, async, 50 in flight vs \`-c 50\`" \
    "$(ours --workload get --mode async --inflight 50)" "$(peer get GET -c 50)"
row "GET, async, 800 in flight vs \`-c 50 -P 16\`" \
    "$(ours --workload get --mode async --inflight 800)" "$(peer get GET -c 50 -P 16)"
