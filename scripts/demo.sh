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
echo "respcache host started redis-server: ConnectionStrings__cache=${endpoint},password=*****"

step "cache: set an entry with a 5-minute sliding expiration, read it, inspect it, remove it"
"$respcache" cache set greeting "hello from respcache" --sliding 5m
printf 'get      -> '; "$respcache" cache get greeting; echo
"$respcache" cache inspect greeting
"$respcache" cache remove greeting
"$respcache" cache get greeting || echo "(exit status $? after remove, as expected)"

step "bench: respcache and redis-benchmark on the same server, one after the other (5 s each)"
scripts/compare_with_redis_benchmark.sh 5 "$respcache"
