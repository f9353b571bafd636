#!/usr/bin/env bash
# The one test command: installs what is missing, then builds and runs every
# check CI runs. Usage: scripts/test.sh [--fuzz-seconds N]
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds=20
while (($#)); do
    case "$1" in
        --fuzz-seconds) fuzz_seconds="$2"; shift 2 ;;
        *) echo "usage: scripts/test.sh [--fuzz-seconds N]" >&2; exit 64 ;;
    esac
done

step() { printf '\n=== %s\n' "$*"; }

step "setup"
scripts/setup.sh

step "release build (g++, -Werror) and tests"
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release

step "the multiplexer, pub/sub, cache contract, near cache and .NET interop suites against Garnet"
# Multiplexer.FailedTransactionIsAServerReplyError stays out: Garnet queues the
# rest of a transaction after an unknown command and runs it (no EXECABORT).
if [[ -x "$HOME/.cache/respcache/dotnet-tools/garnet-server" ]]; then
    RESPCACHE_TEST_SERVER=garnet ctest --preset release -j2 \
        -R '^(Multiplexer\.|Protocols/PubSub\.|Redis\.|NearCacheWithoutTracking\.|interop_tests$)' \
        -E '^Multiplexer\.FailedTransactionIsAServerReplyError$'
else
    echo "skipped: garnet-server is not installed (scripts/setup.sh installs it where dotnet is present)"
fi

step "ASan + UBSan build (clang, -Werror) and tests"
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan

step "library with -fno-exceptions -fno-rtti"
cmake --preset no-exceptions >/dev/null
cmake --build --preset no-exceptions

step "install into a temporary prefix; build and run examples/ against it"
scripts/check_install.sh

step "fuzzing, ${fuzz_seconds}s per target"
scripts/run_fuzzers.sh "$fuzz_seconds"

step "all checks passed"
