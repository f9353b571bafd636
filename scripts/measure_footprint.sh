#!/usr/bin/env bash
# Footprint: the stripped size of examples/minimal.cpp (the single-connection
# API) statically linked, next to the same program written against hiredis
# (examples/footprint/minimal_hiredis.c, static libhiredis.a from
# libhiredis-dev). Builds and installs the library twice into a temporary
# directory, links both programs two ways, strips them, runs each once
# against a redis-server of its own, and prints the sizes with the commands:
#
#   Release      the library as CMake's Release builds it; both programs -O2
#   MinSizeRel   the smallest embedding: the library -Os with
#                -ffunction-sections -fdata-sections and -fno-exceptions
#                -fno-rtti (RESPCACHE_NO_EXCEPTIONS); both programs -Os with
#                sections collected; the C++ one also -fno-exceptions
#                -fno-rtti (what C is anyway) and linked with
#                respcache::no_exceptions_runtime (runtime/), which keeps
#                libstdc++'s exception machinery and demangler out
#
# Both programs always get the same optimisation, section and -DNDEBUG flags.
#
# Usage: scripts/measure_footprint.sh [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

keep=false
case "${1:-}" in
    --keep) keep=true ;;
    "") ;;
    *) echo "usage: scripts/measure_footprint.sh [--keep]" >&2; exit 64 ;;
esac

cxx=${CXX:-g++}
cc=${CC:-gcc}
hiredis_a=$(realpath "$("$cc" -print-file-name=libhiredis.a)")
[[ -f $hiredis_a ]] || { echo "measure_footprint: libhiredis.a not found (apt-get install libhiredis-dev)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/respcache-footprint.XXXXXX")
server_pid=""
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if $keep; then echo "measure_footprint: files kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "measure_footprint: FAILED: $*" >&2; exit 1; }
quiet() {
    if ! "$@" >"$work/last.log" 2>&1; then cat "$work/last.log" >&2; fail "$*"; fi
}

# A server on a free port, to check that every binary measured works.
ping_server() (
    local pong
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf 'PING\r\n' >&3
    read -r -t 2 pong <&3 || true
    [[ $pong == +PONG* ]]
)
port=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
    candidate=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    redis-server --bind 127.0.0.1 --port "$candidate" --save "" --appendonly no --dir "$work" \
        >"$work/redis.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 50); do
        if ping_server "$candidate" 2>/dev/null; then port=$candidate; break; fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n $port ]] && break
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
done
[[ -n $port ]] || fail "could not start redis-server on a free port"
export ConnectionStrings__cache="127.0.0.1:$port"

rows=()
measure() {  # name, then the command that writes $work/$name
    local name=$1 bytes stripped
    shift
    quiet "$@"
    strip -o "$work/$name.stripped" "$work/$name"
    "$work/$name.stripped" >"$work/$name.out" 2>&1 || { cat "$work/$name.out" >&2; fail "$name did not run"; }
    bytes=$(stat -c %s "$work/$name")
    stripped=$(stat -c %s "$work/$name.stripped")
    rows+=("$(printf '%-34s %10s %10s' "$name" "$bytes" "$stripped")")
    echo "  $name: ${*//$work/\$work}"
}

minimal=$root/examples/minimal.cpp
hiredis_c=$root/examples/footprint/minimal_hiredis.c
for variant in Release MinSizeRel; do
    flags=()
    program_flags=(-O2 -DNDEBUG)
    cxx_only=()
    if [[ $variant == MinSizeRel ]]; then
        flags=("-DCMAKE_CXX_FLAGS=-ffunction-sections -fdata-sections" -DRESPCACHE_NO_EXCEPTIONS=ON)
        # shellcheck disable=SC2054  # -Wl,--gc-sections is one word
        program_flags=(-Os -DNDEBUG -ffunction-sections -fdata-sections -Wl,--gc-sections)
        cxx_only=(-fno-exceptions -fno-rtti)
    fi
    echo "--- library: $variant ${flags[*]}"
    quiet cmake -S "$root" -B "$work/build-$variant" -DCMAKE_BUILD_TYPE="$variant" \
        -DCMAKE_CXX_COMPILER="$cxx" "${flags[@]}" -DRESPCACHE_BUILD_TOOLS=OFF \
        -DRESPCACHE_BUILD_TESTS=OFF -DRESPCACHE_BUILD_BENCHMARKS=OFF
    quiet cmake --build "$work/build-$variant" -j2
    quiet cmake --install "$work/build-$variant" --prefix "$work/prefix-$variant"
    pc_dir=$(dirname "$(find "$work/prefix-$variant" -name respcache.pc -print -quit)")
    read -ra pc_flags <<<"$(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs respcache)"
    if [[ $variant == MinSizeRel ]]; then
        runtime=$(find "$work/prefix-$variant" -name librespcache_no_exceptions_runtime.a -print -quit)
        [[ -n $runtime ]] || fail "librespcache_no_exceptions_runtime.a was not installed"
        cxx_only+=("$runtime")
    fi

    measure "respcache-$variant-static-libs" "$cxx" -std=c++20 "${program_flags[@]}" "$minimal" \
        "${cxx_only[@]}" "${pc_flags[@]}" -static-libstdc++ -static-libgcc \
        -o "$work/respcache-$variant-static-libs"
    measure "hiredis-$variant-static-libs" "$cc" -std=c11 "${program_flags[@]}" "$hiredis_c" \
        "$hiredis_a" -static-libgcc -o "$work/hiredis-$variant-static-libs"
    # Fully static: glibc warns that getaddrinfo needs its own version's NSS
    # modules at run time; name resolution of localhost still works.
    measure "respcache-$variant-fully-static" "$cxx" -std=c++20 "${program_flags[@]}" "$minimal" \
        "${cxx_only[@]}" "${pc_flags[@]}" -static -o "$work/respcache-$variant-fully-static"
    measure "hiredis-$variant-fully-static" "$cc" -std=c11 "${program_flags[@]}" "$hiredis_c" \
        -static -lhiredis -o "$work/hiredis-$variant-fully-static"
done

echo
echo "static-libs: respcache (or libhiredis.a) and libstdc++/libgcc linked in, glibc shared"
echo "fully-static: -static, glibc linked in too"
printf '%-34s %10s %10s\n' "program" "bytes" "stripped"
printf '%s\n' "${rows[@]}"
echo "($("$cxx" --version | head -1); hiredis $(dpkg-query -W -f='${Version}' libhiredis-dev 2>/dev/null || echo '?'))"
