#!/usr/bin/env bash
# The memory cache's figures in the README: get and set of 1 KiB entries on
# one and two threads (items/s, the median of 5 runs, and the ratio), next to
# the one-lock LRU it replaced; the hit ratio of S3-FIFO, LRU and CLOCK on a
# zipf trace with and without scans; instructions per get under callgrind.
# Usage: scripts/measure_memory_cache.sh [build-dir]   (default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/release}"
[[ -f "$build/CMakeCache.txt" ]] || cmake --preset release >/dev/null
cmake --build "$build" --target memory_cache_bench >/dev/null
bench="$build/benchmarks/memory_cache_bench"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$bench" --benchmark_filter='_get|_set' --benchmark_min_time=0.5 --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true 2>/dev/null |
    awk '/_median/ {
        name = $1; sub(/\/real_time.*/, "", name)
        threads = $1; sub(/.*threads:/, "", threads); sub(/_median/, "", threads)
        rate = $NF; sub(/items_per_second=/, "", rate)
        scale = 1
        if (rate ~ /k\/s$/) scale = 1e3
        if (rate ~ /M\/s$/) scale = 1e6
        sub(/[kM]?\/s$/, "", rate)
        per_second[name, threads] = rate * scale
        cpu[name, threads] = $4
        if (!(name in seen)) { seen[name] = 1; order[++n] = name }
    }
    END {
        printf "%-28s %12s %12s %7s %18s\n", "benchmark", "1 thread/s", "2 threads/s",
               "ratio", "CPU ns/op (1, 2)"
        for (i = 1; i <= n; ++i) {
            one = per_second[order[i], 1]; two = per_second[order[i], 2]
            printf "%-28s %12.0f %12.0f %6.2fx %9s %8s\n", order[i], one, two, two / one,
                   cpu[order[i], 1], cpu[order[i], 2]
        }
    }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
"$bench" --benchmark_filter=hit_ratio 2>/dev/null |
    awk '/^BM_hit_ratio/ { for (i = 1; i <= NF; ++i) if ($i ~ /^hit_ratio=/) print $1, $i }'

if command -v valgrind >/dev/null; then
    out="$(mktemp)"
    valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
        '--toggle-collect=respcache::cache::memory_cache::do_get*' "$bench" \
        --benchmark_filter='BM_memory_cache_get/real_time/threads:1' \
        --benchmark_min_time=0.1 >/dev/null 2>&1
    callgrind_annotate --tree=caller --inclusive=yes "$out" 2>/dev/null |
        awk '/< .*BM_memory_cache_get/ {
                 calls = $0; sub(/.*\(/, "", calls); sub(/x\).*/, "", calls); gsub(/,/, "", calls)
                 ir = $1; gsub(/,/, "", ir)
                 printf "\ninstructions per get (callgrind, 1 KiB value copy included): %.0f\n", ir / calls
             }'
    rm -f "$out"
fi
