#!/bin/sh
# Installs the Debian packages dheya-meet needs to build and test, when they are missing.
# As root it runs apt-get; with password-less sudo it uses sudo; otherwise it stops and
# prints the exact command to run. Usage: tools/deps.sh [build|test]
set -eu

build_pkgs="pkg-config libmicrohttpd-dev libsqlite3-dev libjansson-dev libssl-dev
libcurl4-openssl-dev libncurses-dev libnotify-dev libglib2.0-dev libcmocka-dev"
test_pkgs="python3 python3-dbusmock python3-icalendar dbus curl strace openssl clang libclang-rt-dev tmux wrk
valgrind ncurses-term mandoc man-db time"

want=$build_pkgs
[ "${1:-build}" = test ] && want="$build_pkgs $test_pkgs"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "deps: not a Debian system; install these (or your distribution's equivalents):" >&2
    echo "  $want" | tr '\n' ' ' >&2; echo >&2
    exit 0
fi

missing=
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" = 0 ]; then
    sudo=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=sudo
else
    echo "deps: missing packages; run this, then try again:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2 || true
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
