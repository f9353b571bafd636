#!/usr/bin/env bash
# respcache bench and redis-benchmark --cluster one after the other against
# the same Redis Cluster, at equal concurrency, and one markdown table:
# throughput, client CPU per operation (user + system time of the client
# process / operations), the servers' CPU per operation (user + system time
# of every node's redis-server over the run, from /proc) and latency p50:
# on a small machine the servers' share is what bounds the ratio, since a
# client cheaper than its peer leaves the servers only its own savings.
# Expects ConnectionStrings__cache
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

# The nodes' server processes, from the seed list.
server_pids=()
IFS=',' read -ra seeds <<<"$ConnectionStrings__cache"
for seed in "${seeds[@]}"; do
    [[ $seed == *=* ]] && continue
    pid=$(redis-cli -h "${seed%:*}" -p "${seed##*:}" ${password:+-a "$password"} --no-auth-warning \
        info server | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')
    [[ -n $pid ]] && server_pids+=("$pid")
done
# CPU seconds (user + system) used so far by every node's server.
server_cpu() {
    local total=0 pid
    for pid in "${server_pids[@]}"; do
        total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{print t + ($14 + $15) / hz}' "/proc/$pid/stat")
    done
    echo "$total"
}

# Prints "ops/s cpu_us_per_op p50_ms server_cpu_us_per_op" for redis-benchmark
# --cluster; it has no duration option, so each run is sized from a short probe.
peer() {
    local test=$1 name=$2
    shift 2
    local probe n out cpu before after
    probe=$(redis-benchmark --cluster -h 127.0.0.1 -p "$port" ${password:+-a "$password"} -t "$test" \
        -d "$size" -r "$keys" --csv -n 20000 "$@" 2>/dev/null | awk -F'"' -v t="\"$name\"" '$0 ~ t {print $4}')
    n=$(awk -v r="$probe" -v s="$seconds" 'BEGIN {n = int(r * s); print (n < 20000 ? 20000 : n)}')
    before=$(server_cpu)
    out=$( { /usr/bin/time -f 'CPU %U %S' redis-benchmark --cluster -h 127.0.0.1 -p "$port" \
        ${password:+-a "$password"} -t "$test" -d "$size" -r "$keys" --csv -n "$n" "$@"; } 2>&1)
    after=$(server_cpu)
    cpu=$(awk '/^CPU/ {print $2 + $3}' <<<"$out")
    awk -F'"' -v cpu="$cpu" -v n="$n" -v t="\"$name\"" -v s="$(awk -v a="$after" -v b="$before" 'BEGIN {print a - b}')" \
        '$0 ~ t {printf "%.0f %.2f %.3f %.2f\n", $4, cpu * 1e6 / n, $10, s * 1e6 / n}' <<<"$out"
}
# Prints "ops/s cpu_us_per_op p50_ms server_cpu_us_per_op" for respcache bench.
ours() {
    local before after out
    before=$(server_cpu)
    out=$("$respcache" bench --data-size "$size" --keyspace "$keys" --duration "$seconds" --json "$@")
    after=$(server_cpu)
    sed -E 's/.*"ops_per_sec":([0-9.]+),"ops":([0-9]+).*"cpu_us_per_op":([0-9.]+).*"p50":([0-9.]+).*/\1 \2 \3 \4/' <<<"$out" |
        awk -v s="$(awk -v a="$after" -v b="$before" 'BEGIN {print a - b}')" \
            '{printf "%.0f %.2f %.3f %.2f\n", $1, $3, $4 / 1000, s * 1e6 / $2}'
}
row() {
    local what=$1 a=$2 b=$3
    read -r a_ops a_cpu a_p50 a_server <<<"$a"
    read -r b_ops b_cpu b_p50 b_server <<<"$b"
    awk -v w="$what" -v ao="$a_ops" -v ac="$a_cpu" -v ap="$a_p50" -v as="$a_server" -v bo="$b_ops" \
        -v bc="$b_cpu" -v bp="$b_p50" -v bs="$b_server" \
        'BEGIN {printf "| %s | %d | %.2f | %.2f | %.3f | %d | %.2f | %.2f | %.3f | %.2f× |\n",
                w, ao, ac, as, ap, bo, bc, bs, bp, ao / bo}'
}

echo "| ${size}-byte values, ${keys} keys, ${seconds} s each | respcache ops/s | CPU µs/op | servers' CPU µs/op | p50 ms | redis-benchmark --cluster ops/s | CPU µs/op | servers' CPU µs/op | p50 ms | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
row "GET, 50 threads blocking on one \`cluster_client\` vs \`-c 50\`" \
    "$(ours --workload get --threads 50)" "$(peer get GET -c 50)"
row "SET, 50 threads blocking vs \`-c 50\`" "$(ours --workload set --threads 50)" "$(peer set SET -c 50)"
row "GET, async, 50 in flight vs \`-c 50\`" \
    "$(ours --workload get --mode async --inflight 50)" "$(peer get GET -c 50)"
row "GET, async, 800 in flight vs \`-c 50 -P 16\`" \
    "$(ours --workload get --mode async --inflight 800)" "$(peer get GET -c 50 -P 16)"
