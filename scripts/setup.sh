#!/usr/bin/env bash
# Installs what building and testing respcache needs, and nothing that is
# already there. Debian packages only; safe to run again.
set -euo pipefail

packages=(cmake g++ clang clang-format libclang-rt-14-dev pkg-config
          libgtest-dev libgmock-dev libbenchmark-dev libhiredis-dev
          redis-server redis-tools time openssl libssl-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$package")
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi
# Garnet, a third server the integration tests run against, is a .NET tool:
# installed where the test harness looks for it. Without the .NET SDK the
# Garnet runs and the .NET interop suite are skipped.
if command -v dotnet >/dev/null; then
    garnet_tools="$HOME/.cache/respcache/dotnet-tools"
    if [[ ! -x "$garnet_tools/garnet-server" ]]; then
        echo "setup: installing garnet-server 2.2.8 (a .NET tool) into $garnet_tools"
        dotnet tool install garnet-server --version 2.2.8 --tool-path "$garnet_tools" >/dev/null
    fi
else
    echo "setup: dotnet not found: the Garnet and .NET interop tests will be skipped"
fi
# The Debian package starts a system-wide server on 6379; the tests start their
# own on free ports and do not need it.
echo "setup: all packages present"
