#!/bin/sh
# remote.sh — interoperability test of a LIVE truce log with Go's reference implementation
# (golang.org/x/mod/sumdb/note and sumdb/tlog, Debian's golang-golang-x-mod-dev, built
# offline with Debian's golang-go).
#
#  1. builds remote.go;
#  2. imports the Syria scenario into a fresh database (83 entries: parties, actors,
#     areas, agreements) and starts `$TRUCE_BIN serve --listen 127.0.0.1:0
#     --checkpoint-ms 50`, reading the port from its "listening on" line;
#  3. makes a few writes with curl (actor, areas, an area version, an agreement) and
#     waits for a checkpoint that covers them;
#  4. `remote URL TOKEN N` verifies the log over HTTP with Go: the key and checkpoint
#     (note.Open), every tile and entry bundle (recomputed; TileHashReader), a receipt
#     for every entry (CheckRecord), then makes N more writes from 4 clients and checks
#     their receipts and the consistency of the new checkpoint with the first (CheckTree);
#  5. stops the server with SIGTERM: it must exit 0, report a clean stop and, for a
#     sanitizer build, no sanitizer report.
#
# TRUCE_BIN names the binary (default build/truce), as for the API tests. Exits 0 when
# everything verified, 77 when Go or x/mod is not installed (a skip for CTest's
# SKIP_RETURN_CODE), anything else on failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
gopath=/usr/share/gocode
bin=${TRUCE_BIN:-$root/build/truce}
writes=${TRUCE_REMOTE_WRITES:-450}

if ! command -v go >/dev/null 2>&1 || [ ! -d "$gopath/src/golang.org/x/mod/sumdb/tlog" ]; then
    echo "remote.sh: SKIP: needs Debian's golang-go and golang-golang-x-mod-dev" >&2
    exit 77
fi
for tool in curl; do
    command -v $tool >/dev/null 2>&1 || { echo "remote.sh: SKIP: needs $tool" >&2; exit 77; }
done
[ -x "$bin" ] || { echo "remote.sh: no truce binary at $bin (set TRUCE_BIN)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Go needs a build cache; without HOME (as under some test runners) use a private one.
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
    export GOCACHE="$tmp/gocache"
fi
(cd "$here" && GOPATH=$gopath GO111MODULE=off GOFLAGS=-mod=mod GOPROXY=off \
    go build -o "$tmp/remote" remote.go)

"$bin" import scenario "$root/scenarios/syria-2016-2017.json" --db "$tmp/truce.db" \
    --tokens "$tmp/tokens.tsv" >"$tmp/import.log" 2>&1 ||
    { cat "$tmp/import.log" >&2; exit 1; }
token=$(awk -F '\t' '$1 == "admin" { print $3 }' "$tmp/tokens.tsv")
[ -n "$token" ] || { echo "remote.sh: FAILED: no admin token in the scenario's tokens" >&2; exit 1; }

"$bin" serve --db "$tmp/truce.db" --listen 127.0.0.1:0 --checkpoint-ms 50 2>"$tmp/serve.log" &
pid=$!
port=
i=0
while [ $i -lt 600 ]; do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$tmp/serve.log" | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
    i=$((i + 1))
done
if [ -z "$port" ]; then
    echo "remote.sh: FAILED: truce serve did not start:" >&2
    cat "$tmp/serve.log" >&2
    exit 1
fi
url=http://127.0.0.1:$port
echo "remote.sh: $bin serving $url"

# A few writes with curl; each must answer 2xx with a receipt.
last=-1
req() { # METHOD PATH JSON
    out=$(curl -sS -o "$tmp/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' --data "$3" "$url$2")
    case $out in
        2??) ;;
        *) echo "remote.sh: FAILED: $1 $2 answered $out: $(cat "$tmp/body")" >&2; exit 1 ;;
    esac
    idx=$(sed -n 's/.*"receipt":{"index":\([0-9][0-9]*\).*/\1/p' "$tmp/body")
    [ -n "$idx" ] || { echo "remote.sh: FAILED: $1 $2 answered no receipt: $(cat "$tmp/body")" >&2; exit 1; }
    last=$idx
}
sq() { # a square polygon Feature: LON LAT NAME [VALID_FROM]
    printf '{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[%s,%s],[%s.5,%s],[%s.5,%s.5],[%s,%s.5],[%s,%s]]]},"properties":{"kind":"no_strike","name":"%s","valid_from":"%s"}}' \
        "$1" "$2" "$1" "$2" "$1" "$2" "$1" "$2" "$1" "$2" "$3" "${4:-2016-01-01T00:00:00Z}"
}
req POST /v1/actors '{"name":"CurlActor","full_name":"Written with curl"}'
req POST /v1/areas "$(sq 20 20 'Curl one')"
area=$(sed -n 's/^{"type":"Feature","id":\([0-9][0-9]*\),.*/\1/p' "$tmp/body")
[ -n "$area" ] || { echo "remote.sh: FAILED: no area id in $(cat "$tmp/body")" >&2; exit 1; }
req PUT "/v1/areas/$area" "$(sq 20 20 'Curl one v2' 2016-06-01T00:00:00Z)"
req POST /v1/areas "$(sq 22 20 'Curl two')"
req POST /v1/agreements "{\"name\":\"Curl deal\",\"start\":\"2016-03-01T00:00:00Z\",\"zones\":[$area]}"

# Wait for a checkpoint covering the last write.
i=0
while :; do
    size=$(curl -sS "$url/v1/log/checkpoint" | sed -n 2p)
    [ -n "$size" ] && [ "$size" -gt "$last" ] && break
    i=$((i + 1))
    [ $i -lt 500 ] || { echo "remote.sh: FAILED: no checkpoint covered entry $last" >&2; exit 1; }
    sleep 0.02
done
echo "remote.sh: curl writes up to entry $last; checkpoint of size $size"

"$tmp/remote" "$url" "$token" "$writes"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
if [ $rc -ne 0 ] || ! grep -q "stopped cleanly" "$tmp/serve.log" ||
   grep -Eq "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer" "$tmp/serve.log"; then
    echo "remote.sh: FAILED: truce serve exited $rc after SIGTERM:" >&2
    tail -n 60 "$tmp/serve.log" >&2
    exit 1
fi
echo "remote.sh: OK: Go verified a live truce log over HTTP"
