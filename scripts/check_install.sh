#!/usr/bin/env bash
# Packaging check: builds a Release of the library, installs it into a
# temporary prefix, builds examples/ against the installed tree only (the
# CMake package, and minimal.cpp once more with pkg-config flags only), then
# runs the three examples against a redis-server of their own on a free port.
# Exits non-zero on any failure.
#
# Usage: scripts/check_install.sh [--shared] [--keep]
#   --shared  build and install the shared libraries instead of the static ones
#   --keep    keep the temporary directory (build, prefix, logs) and print its path
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

shared=OFF
keep=false
while (($#)); do
    case "$1" in
        --shared) shared=ON; shift ;;
        --keep) keep=true; shift ;;
        *) echo "usage: scripts/check_install.sh [--shared] [--keep]" >&2; exit 64 ;;
    esac
done

for tool in cmake pkg-config redis-server; do
    command -v "$tool" >/dev/null ||
        { echo "check_install: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
cxx=${CXX:-c++}

work=$(mktemp -d "${TMPDIR:-/tmp}/respcache-install.XXXXXX")
server_pid=""
cleanup() {
    local status=$?
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if $keep || ((status != 0)); then
        echo "check_install: files kept in $work"
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

start=$SECONDS
step() { printf '\n--- %s (%ds)\n' "$*" $((SECONDS - start)); }
fail() { echo "check_install: FAILED: $*" >&2; exit 1; }
# Runs a command quietly; on failure shows its output.
quiet() {
    local log=$work/last.log
    if ! "$@" >"$log" 2>&1; then
        cat "$log" >&2
        fail "$*"
    fi
}

# A snapshot of the sources (what git would ship, with uncommitted changes),
# so the library and the examples are built from the same files even when
# the working tree changes meanwhile, and nothing git ignores takes part.
src=$root
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    src=$work/src
    mkdir "$src"
    git -C "$root" ls-files -z --cached --others --exclude-standard |
        (cd "$root" && while IFS= read -r -d '' file; do
            if [[ -e $file ]]; then printf '%s\0' "$file"; fi
        done) | tar -C "$root" --null -T - -cf - | tar -C "$src" -xf -
fi

prefix=$work/prefix
step "library: Release build (shared=$shared) in $work/build"
quiet cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DRESPCACHE_BUILD_SHARED="$shared" -DRESPCACHE_WERROR=ON \
    -DRESPCACHE_BUILD_TOOLS=OFF -DRESPCACHE_BUILD_TESTS=OFF -DRESPCACHE_BUILD_BENCHMARKS=OFF
quiet cmake --build "$work/build" -j2

step "cmake --install into $prefix"
quiet cmake --install "$work/build"
config=$(find "$prefix" -name respcacheConfig.cmake -print -quit)
pc=$(find "$prefix" -name respcache.pc -print -quit)
[[ -n $config ]] || fail "no respcacheConfig.cmake installed"
[[ -n $pc ]] || fail "no respcache.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for header in resp/reply.hpp net/connection.hpp net/multiplexer.hpp cache/cache_registry.hpp; do
    [[ -f $prefix/include/respcache/$header ]] || fail "header respcache/$header not installed"
done
if [[ $shared == ON ]]; then suffix=so; else suffix=a; fi
for layer in resp net cache; do
    [[ -e $libdir/librespcache_$layer.$suffix ]] || fail "librespcache_$layer.$suffix not installed"
done
with_tls=false
if grep -q 'set(respcache_WITH_TLS ON)' "$config"; then
    with_tls=true
    [[ -e $libdir/librespcache_tls.$suffix ]] || fail "librespcache_tls.$suffix not installed"
    [[ -f $prefix/include/respcache/net/tls/tls.hpp ]] || fail "header respcache/net/tls/tls.hpp not installed"
    [[ -f $libdir/pkgconfig/respcache-tls.pc ]] || fail "respcache-tls.pc not installed"
fi
(cd "$prefix" && find . -type f | sort | sed 's/^\./  /' | grep -v '\.hpp$')
echo "  + $(find "$prefix/include" -name '*.hpp' | wc -l) headers under include/respcache/"

# Only the installed tree: no path into the source tree may reach the consumers.
step "examples/: find_package(respcache) against the installed tree"
quiet cmake -S "$src/examples" -B "$work/examples" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_COMPILE_WARNING_AS_ERROR=ON
found=$(sed -n 's/^respcache_DIR:PATH=//p' "$work/examples/CMakeCache.txt")
[[ $found == "$(dirname "$config")" ]] || fail "find_package found respcache in '$found', not in $prefix"
quiet cmake --build "$work/examples" -j2
for sources in "$root" "$src/resp" "$src/net" "$src/cache"; do
    if grep -qs -- "$sources" "$work/examples/CMakeFiles"/*.dir/flags.make; then
        fail "the examples were compiled with a path into the source tree ($sources)"
    fi
done

step "examples/minimal.cpp with pkg-config flags only"
pc_flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs respcache) ||
    fail "pkg-config --cflags --libs respcache"
echo "  $cxx -std=c++20 -O2 minimal.cpp $pc_flags"
# shellcheck disable=SC2086  # the flags are words
quiet "$cxx" -std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror "$src/examples/minimal.cpp" \
    $pc_flags -o "$work/minimal_pkgconfig"

if $with_tls; then
    step "examples/minimal.cpp with pkg-config respcache-tls"
    tls_flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs respcache-tls) ||
        fail "pkg-config --cflags --libs respcache-tls"
    # shellcheck disable=SC2086  # the flags are words
    quiet "$cxx" -std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror "$src/examples/minimal.cpp" \
        $tls_flags -o "$work/minimal_tls"
    # Linking respcache-tls is all it takes: the layer must be in the program.
    for program in "$work/minimal_tls" "$work/examples/minimal_tls"; do
        if [[ $shared == ON ]]; then
            readelf -d "$program" | grep -q 'librespcache_tls' ||
                fail "$program does not load librespcache_tls"
        else
            nm "$program" | grep -q respcache_tls_layer_v1 ||
                fail "the TLS layer was not linked into $program"
        fi
    done
fi

step "redis-server on a free port"
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
ping_server() (  # AUTH + PING over bash's /dev/tcp, in a subshell: needs nothing but bash
    local pong
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    # shellcheck disable=SC2016  # RESP's $ is literal
    printf '*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n' "${#password}" "$password" >&3
    read -r -t 2 _ <&3 || true  # +OK to AUTH
    read -r -t 2 pong <&3 || true
    [[ $pong == +PONG* ]]
)
port=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
    candidate=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    redis-server --bind 127.0.0.1 --port "$candidate" --requirepass "$password" --save "" \
        --appendonly no --dir "$work" >"$work/redis.log" 2>&1 &
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
    grep -q "in use" "$work/redis.log" || { cat "$work/redis.log" >&2; fail "redis-server did not start"; }
done
[[ -n $port ]] || fail "no free port for redis-server after 10 attempts"
echo "  127.0.0.1:$port (pid $server_pid, with a password)"
export ConnectionStrings__cache="127.0.0.1:$port,password=$password"

if [[ $shared == ON ]]; then export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; fi
examples=("$work/examples/minimal" "$work/minimal_pkgconfig" "$work/examples/pubsub"
          "$work/examples/cache_aside")
if $with_tls; then examples+=("$work/minimal_tls"); fi
for example in "${examples[@]}"; do
    step "run $(basename "$example")"
    if ! timeout 60 "$example" 2>&1 | sed 's/^/  /'; then
        fail "$(basename "$example") exited with status ${PIPESTATUS[0]}"
    fi
done

step "install and examples: all checks passed"
