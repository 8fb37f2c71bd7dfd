#!/bin/sh
# make demo: dheya-server with demo data on a free loopback port, dheya-meet's interactive
# screens as the demo mentor, and the server stopped (its temporary database removed) on the way out.
set -eu
build=${BUILD:-build}
dir=$(mktemp -d "${TMPDIR:-/tmp}/dheya-demo.XXXXXX")
fifo="$dir/out"
mkfifo "$fifo"
"$build/dheya-server" --db "$dir/demo.db" --listen 127.0.0.1:0 --demo --quiet >"$fifo" &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

exec 3<"$fifo"
read -r first <&3 || { echo "demo: dheya-server did not start" >&2; exit 1; }
url=${first#listening on }
token=
while read -r line <&3; do
    echo "$line"
    case $line in
    "demo: mentor "*) token=${line##* } ;;
    "demo: user Kabir"*) break ;;
    esac
done
[ -n "$token" ] || { echo "demo: no demo token printed" >&2; exit 1; }

export DHEYA_API_URL="$url" DHEYA_TOKEN="$token"
# The demo's drafts, join times and outbox live with its database, not in the user's state.
export XDG_STATE_HOME="$dir/state"
echo
echo "dheya-server is running at $url with demo data; you are the demo mentor."
echo "Opening dheya-meet; q quits it and stops the server."
status=0
"$build/dheya-meet" || status=$?
exit "$status"
