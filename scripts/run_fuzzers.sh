#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build/fuzz and runs
# each one for SECONDS (default 30) on a temporary copy of its seed corpus, so
# the repository is not modified. Exits non-zero when a build fails or any
# target finds a crash, a leak, a timeout or a sanitizer report; the
# reproducer is then kept in the printed temporary directory.
#
#   scripts/run_fuzzers.sh [SECONDS]
#
# Environment: FUZZ_TARGETS (default: every fuzz/fuzz_*.cpp), FUZZ_JOBS
# (build parallelism, default 2), CXX (default clang++).
set -euo pipefail

seconds="${1:-30}"
case "$seconds" in
    '' | *[!0-9]*)
        echo "usage: $0 [SECONDS]" >&2
        exit 2
        ;;
esac

top="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$top/build/fuzz"
default_targets="$(cd "$top/fuzz" && for f in fuzz_*.cpp; do printf '%s ' "${f%.cpp}"; done)"
targets="${FUZZ_TARGETS:-$default_targets}"
jobs="${FUZZ_JOBS:-2}"

CXX="${CXX:-clang++}" cmake -S "$top" -B "$build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRESPCACHE_BUILD_FUZZERS=ON \
    -DRESPCACHE_BUILD_TESTS=OFF \
    -DRESPCACHE_BUILD_BENCHMARKS=OFF \
    -DRESPCACHE_BUILD_TOOLS=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $targets

work="$(mktemp -d "${TMPDIR:-/tmp}/respcache-fuzz.XXXXXX")"

# Tokens of the RESP grammar, to reach deep states sooner.
cat >"$work/resp.dict" <<'DICT'
"\x0d\x0a"
"+OK\x0d\x0a"
"-ERR \x0d\x0a"
":-9223372036854775808\x0d\x0a"
":9223372036854775807\x0d\x0a"
"$-1\x0d\x0a"
"*-1\x0d\x0a"
"$0\x0d\x0a\x0d\x0a"
"$?\x0d\x0a"
";0\x0d\x0a"
";1\x0d\x0a"
"*?\x0d\x0a"
"%?\x0d\x0a"
"~?\x0d\x0a"
".\x0d\x0a"
"_\x0d\x0a"
",inf\x0d\x0a"
",-inf\x0d\x0a"
",nan\x0d\x0a"
",1e400\x0d\x0a"
"#t\x0d\x0a"
"#f\x0d\x0a"
"=7\x0d\x0atxt:abc\x0d\x0a"
"(12345678901234567890123\x0d\x0a"
"*1\x0d\x0a"
"*2\x0d\x0a"
"%1\x0d\x0a"
"~1\x0d\x0a"
">1\x0d\x0a"
"|1\x0d\x0a"
"!3\x0d\x0aERR\x0d\x0a"
"$536870913\x0d\x0a"
"*4294967296\x0d\x0a"
">3\x0d\x0a$9\x0d\x0asubscribe\x0d\x0a$1\x0d\x0a1\x0d\x0a:1\x0d\x0a"
">3\x0d\x0a$12\x0d\x0asunsubscribe\x0d\x0a$1\x0d\x0a2\x0d\x0a:0\x0d\x0a"
"$10\x0d\x0assubscribe\x0d\x0a"
"$1\x0d\x0a1\x0d\x0a"
DICT

failed=()
for target in $targets; do
    binary="$build/fuzz/$target"
    corpus="$work/$target/corpus"
    artifacts="$work/$target/artifacts"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "$top/fuzz/corpus/$target" ]; then
        cp -R "$top/fuzz/corpus/$target/." "$corpus/"
    fi
    dict=()
    case "$target" in
        fuzz_parser | fuzz_chunked_vs_whole) dict=(-dict="$work/resp.dict") ;;
        fuzz_pipeline) dict=(-dict="$work/resp.dict") ;;
    esac
    echo "== $target: ${seconds}s, corpus copy in $corpus"
    status=0
    "$binary" "$corpus" "${dict[@]}" \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" \
        >"$work/$target/log.txt" 2>&1 || status=$?
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb)' \
        "$work/$target/log.txt" || true
    if [ "$status" -ne 0 ] || [ -n "$(ls -A "$artifacts")" ]; then
        echo "!! $target failed (exit $status); log: $work/$target/log.txt" >&2
        ls -l "$artifacts" >&2 || true
        tail -n 40 "$work/$target/log.txt" >&2
        failed+=("$target")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]} (reproducers and logs kept in $work)" >&2
    exit 1
fi
echo "all fuzz targets ran ${seconds}s without a crash"
rm -rf "$work"
