#!/usr/bin/env bash
# The main job: installs what is missing, builds a release, and through
# `respcache host` (a local redis-server with a generated password) shows the
# distributed cache at work and a 5-second benchmark next to redis-benchmark
# on the same server.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--inside-host" ]]; then
    scripts/setup.sh
    cmake --preset release >/dev/null
    cmake --build --preset release --target respcache
    exec build/release/tools/respcache host -- "$0" --inside-host
fi

respcache=build/release/tools/respcache
step() { printf '\n== %s\n' "$*"; }

# ConnectionStrings__cache is "127.0.0.1:PORT,password=SECRET" (set by host).
endpoint=${ConnectionStrings__cache%%,*}
port=${endpoint##*:}
password=${ConnectionStrings__cache#*password=}
echo "respcache host started redis-server: ConnectionStrings__cache=${endpoint},password=*****"

step "cache: set an entry with a 5-minute sliding expiration, read it, inspect it, remove it"
"$respcache" cache set greeting "hello from respcache" --sliding 5m
printf 'get      -> '; "$respcache" cache get greeting; echo
"$respcache" cache inspect greeting
"$respcache" cache remove greeting
"$respcache" cache get greeting || echo "(exit status $? after remove, as expected)"

value_size=32
rb() { redis-benchmark -h 127.0.0.1 -p "$port" -a "$password" -t get -d "$value_size" --csv "$@" 2>/dev/null |
       awk -F'"' '/"GET"/ {printf "%12.0f ops/s   p50 %s ms\n", $4, $10}'; }
ours() { "$respcache" bench --workload get --data-size "$value_size" --json "$@" |
         sed -E 's/.*"ops_per_sec":([0-9.]+).*"p50":([0-9.]+).*/\1 \2/' |
         awk '{printf "%12.0f ops/s   p50 %.3f ms\n", $1, $2 / 1000}'; }

step "bench: GET of ${value_size}-byte values, respcache and redis-benchmark, same server, one after the other"
printf '%-58s' "respcache async, 1 connection, 64 in flight (5 s)"; ours --mode async --inflight 64 --duration 5
printf '%-58s' "redis-benchmark -P 64 -c 1"; rb -P 64 -c 1 -n 1000000
printf '%-58s' "respcache 64 threads blocking, 1 multiplexed connection"; ours --threads 64 --duration 5
printf '%-58s' "redis-benchmark -P 1 -c 64"; rb -P 1 -c 64 -n 200000
