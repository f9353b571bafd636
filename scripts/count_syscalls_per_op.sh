#!/usr/bin/env bash
# System calls per operation of each load in compare_with_redis_benchmark.sh,
# for respcache bench and redis-benchmark, counted by `strace -c -f` over a
# fixed number of GETs (strace slows both; the counts, not the times, are the
# figure). Expects ConnectionStrings__cache (as `respcache host` sets it).
#
#   scripts/count_syscalls_per_op.sh [REQUESTS] [RESPCACHE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."

requests="${1:-100000}"
respcache="${2:-build/release/tools/respcache}"
: "${ConnectionStrings__cache:?set ConnectionStrings__cache (or run under respcache host)}"
command -v strace >/dev/null || { echo "count_syscalls_per_op: needs strace (apt-get install strace)" >&2; exit 1; }
endpoint=${ConnectionStrings__cache%%,*}
port=${endpoint##*:}
password=""
[[ $ConnectionStrings__cache == *password=* ]] && password=${ConnectionStrings__cache#*password=}
password=${password%%,*}

# Total system calls of a command and its threads, per request.
per_op() {
    local log
    log=$(mktemp)
    strace -c -f -o "$log" "$@" >/dev/null 2>&1
    awk -v n="$requests" '/^[ ]*[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ && !/total$/ {calls += $4} END {printf "%.2f", calls / n}' "$log"
    rm -f "$log"
}
ours() {
    per_op "$respcache" bench --workload get --data-size 32 --keyspace 10000 \
        --requests "$requests" "$@"
}
peer() {
    per_op redis-benchmark -h 127.0.0.1 -p "$port" ${password:+-a "$password"} -t get -d 32 \
        -r 10000 -n "$requests" -q "$@"
}

echo "| load, ${requests} GETs | respcache syscalls/op | redis-benchmark syscalls/op |"
echo "|---|---:|---:|"
echo "| async, 64 in flight vs \`-P 64 -c 1\` | $(ours --mode async --inflight 64) | $(peer -P 64 -c 1) |"
echo "| chained, 64 in flight vs \`-P 64 -c 1\` | $(ours --mode chained --inflight 64) | $(peer -P 64 -c 1) |"
echo "| async, 1024 in flight vs \`-P 64 -c 1\` | $(ours --mode async --inflight 1024) | $(peer -P 64 -c 1) |"
echo "| 64 threads blocking vs \`-P 1 -c 64\` | $(ours --threads 64) | $(peer -P 1 -c 64) |"
echo "| 1 thread blocking vs \`-P 1 -c 1\` | $(ours --threads 1) | $(peer -P 1 -c 1) |"
echo "| async, 4096 in flight vs \`-P 64 -c 50\` | $(ours --mode async --inflight 4096) | $(peer -P 64 -c 50) |"
