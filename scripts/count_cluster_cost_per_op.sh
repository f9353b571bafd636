#!/usr/bin/env bash
# Client cost per operation of each row of compare_cluster_with_redis_benchmark.sh,
# for respcache bench and redis-benchmark --cluster on the same cluster:
# instructions per GET of the whole client process (every thread) under
# `valgrind --tool=callgrind`, net of start-up (the difference between two
# request counts, divided by the difference), and system calls per GET
# (`strace -c -f`, likewise netted), and context switches per GET (`perf
# stat -e context-switches`, every thread; likewise netted; "-" without
# perf). The tools slow the clients; the counts, not the times, are the
# figure. Expects ConnectionStrings__cache listing the
# cluster's nodes (as `respcache host --cluster 3` sets it).
#
#   respcache host --cluster 3 -- scripts/count_cluster_cost_per_op.sh [REQUESTS] [RESPCACHE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."

requests="${1:-40000}"
respcache="${2:-build/release/tools/respcache}"
: "${ConnectionStrings__cache:?set ConnectionStrings__cache (or run under respcache host --cluster 3)}"
for tool in valgrind strace; do
    command -v "$tool" >/dev/null || { echo "count_cluster_cost_per_op: needs $tool" >&2; exit 1; }
done
endpoint=${ConnectionStrings__cache%%,*}
port=${endpoint##*:}
password=""
[[ $ConnectionStrings__cache == *password=* ]] && password=${ConnectionStrings__cache#*password=}
password=${password%%,*}
small=$((requests / 4))

# Instructions of a command and its threads; the command is given a request
# count as its last argument.
instructions() {
    local out
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>&1
    awk '/^(summary|totals):/ {print $2; exit}' "$out"
    rm -f "$out"
}
syscalls() {
    local log
    log=$(mktemp)
    strace -c -f -o "$log" "$@" >/dev/null 2>&1
    awk '/^[ ]*[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+/ && !/total$/ {calls += $4} END {print calls}' "$log"
    rm -f "$log"
}
switches() {
    if ! command -v perf >/dev/null; then
        echo 0
        return
    fi
    local log
    log=$(mktemp)
    perf stat -e context-switches -x, -o "$log" "$@" >/dev/null 2>&1
    awk -F, '$3 == "context-switches" {print $1}' "$log"
    rm -f "$log"
}
# "instructions/op | syscalls/op | switches/op" of `$@ N`, net of what `$@ N/4` costs.
per_op() {
    local big_i small_i big_s small_s big_c small_c
    big_i=$(instructions "$@" "$requests")
    small_i=$(instructions "$@" "$small")
    big_s=$(syscalls "$@" "$requests")
    small_s=$(syscalls "$@" "$small")
    big_c=$(switches "$@" "$requests")
    small_c=$(switches "$@" "$small")
    awk -v bi="$big_i" -v si="$small_i" -v bs="$big_s" -v ss="$small_s" -v bc="$big_c" \
        -v sc="$small_c" -v n="$((requests - small))" -v perf="$(command -v perf)" \
        'BEGIN {printf "%.0f | %.2f | %s", (bi - si) / n, (bs - ss) / n,
                perf == "" ? "-" : sprintf("%.2f", (bc - sc) / n)}'
}
ours() {
    per_op "$respcache" bench --workload get --data-size 32 --keyspace 10000 "$@" --requests
}
peer() {
    per_op redis-benchmark --cluster -h 127.0.0.1 -p "$port" ${password:+-a "$password"} -t get \
        -d 32 -r 10000 -q "$@" -n
}

echo "| load, GETs net of start-up | respcache instructions/op | syscalls/op | context switches/op | redis-benchmark --cluster instructions/op | syscalls/op | context switches/op |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| 50 threads blocking vs \`-c 50\` | $(ours --threads 50) | $(peer -c 50) |"
echo "| async, 50 in flight vs \`-c 50\` | $(ours --mode async --inflight 50) | $(peer -c 50) |"
echo "| async, 800 in flight vs \`-c 50 -P 16\` | $(ours --mode async --inflight 800) | $(peer -c 50 -P 16) |"
