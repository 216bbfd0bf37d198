#!/bin/sh
# run.sh — interoperability of truce's witnesses with an independent verifier written with
# Go's standard library only (main.go: crypto/ed25519, crypto/sha256, net/http; no truce
# code, no third-party package), built offline with Debian's golang-go.
#
#  1. `witnessgo vectors`: the C2SP signed-note, tlog-cosignature and transparency-dev
#     cosignature vectors, checked by the Go code;
#  2. two `truce witness serve` and a `truce serve --witness ... --quorum 2` over the Syria
#     scenario; with curl: a convoy notified to SAA, which acknowledges it in a signed request;
#  3. `witnessgo verify`: the checkpoint's log signature and its quorum of cosignature/v1
#     cosignatures, every receipt (RFC 9162 inclusion), the record of SAA with its signed
#     acknowledgement; a flipped bit in a cosignature is refused;
#  4. `witnessgo cosign`: Go, as a witness with its own key, cosigns a receipt's checkpoint;
#     `truce verify receipt --witness GO_VKEY` accepts it, and refuses it with a changed
#     timestamp;
#  5. everything stops cleanly on SIGTERM (no sanitizer report).
#
# TRUCE_BIN names the binary. Exits 0 when everything verified, 77 when go is missing (a
# skip for CTest's SKIP_RETURN_CODE), anything else on failure.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
bin=${TRUCE_BIN:-$root/build/truce}

command -v go >/dev/null 2>&1 || { echo "run.sh: SKIP: needs Debian's golang-go" >&2; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "run.sh: SKIP: needs curl" >&2; exit 77; }
[ -x "$bin" ] || { echo "run.sh: no truce binary at $bin (set TRUCE_BIN)" >&2; exit 1; }

tmp=$(mktemp -d)
pids=
cleanup() {
    for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
if [ -z "${GOCACHE:-}" ] && [ -z "${HOME:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ]; then
    export GOCACHE="$tmp/gocache"
fi
(cd "$here" && GO111MODULE=off GOFLAGS= GOPROXY=off go build -o "$tmp/witnessgo" main.go)
"$tmp/witnessgo" vectors

# port LOG: waits (bounded) for the "listening on" line of a log file and prints the port.
port() {
    i=0
    while [ $i -lt 600 ]; do
        p=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$1" | head -n 1)
        [ -n "$p" ] && { echo "$p"; return 0; }
        sleep 0.05
        i=$((i + 1))
    done
    echo "run.sh: FAILED: no 'listening on' in $1:" >&2
    cat "$1" >&2
    return 1
}

"$bin" import scenario "$root/scenarios/syria-2016-2017.json" --db "$tmp/truce.db" --tokens "$tmp/tokens.tsv" \
    >"$tmp/import.log" 2>&1 || { cat "$tmp/import.log" >&2; exit 1; }
tok() { awk -F '\t' -v p="$1" '$1 == p { print $3 }' "$tmp/tokens.tsv"; }

# The first start creates the log's key.
"$bin" serve --db "$tmp/truce.db" --listen 127.0.0.1:0 2>"$tmp/first.log" &
first=$!
port "$tmp/first.log" >/dev/null
kill -TERM "$first"
wait "$first"
logkey=$(sed -n 's/^truce: log [^ ]*, verifier key \([^ ]*\)$/\1/p' "$tmp/first.log")
[ -n "$logkey" ] || { echo "run.sh: FAILED: no log key" >&2; exit 1; }

specs=
wkeys=
for w in w1 w2; do
    vk=$("$bin" witness key "$tmp/$w.key" --name "$w.interop.test/go" 2>/dev/null)
    "$bin" witness serve --key "$tmp/$w.key" --log "$logkey" --listen 127.0.0.1:0 2>"$tmp/$w.log" &
    pids="$pids $!"
    specs="$specs --witness http://127.0.0.1:$(port "$tmp/$w.log")=$vk"
    wkeys="$wkeys $vk"
done
# shellcheck disable=SC2086
"$bin" serve --db "$tmp/truce.db" --listen 127.0.0.1:0 --checkpoint-ms 50 $specs --quorum 2 2>"$tmp/serve.log" &
serve=$!
pids="$pids $serve"
url=http://127.0.0.1:$(port "$tmp/serve.log")
echo "run.sh: $bin serving $url with two witnesses"

req() { # PARTY METHOD PATH BODY [SIGNATURE]: prints the answer; fails unless 2xx
    printf '%s' "$4" > "$tmp/body"
    code=$(curl -sS -o "$tmp/answer" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(tok "$1")" \
        -H 'Content-Type: application/json' ${5:+-H "Truce-Signature: $5"} --data-binary @"$tmp/body" "$url$3")
    case $code in 2??) cat "$tmp/answer" ;; *) echo "run.sh: FAILED: $2 $3 answered $code: $(cat "$tmp/answer")" >&2; exit 1 ;; esac
}
pub=$("$bin" key generate "$tmp/saa.key" 2>/dev/null)
req SAA PUT /v1/me/key "{\"public_key\":\"$pub\"}" >/dev/null
req UN-OCHA POST /v1/movements '{"type":"Feature","geometry":{"type":"LineString","coordinates":[[36.67,36.23],[36.90,36.20],[37.10,36.20]]},"properties":{"kind":"convoy","name":"Urum al-Kubra convoy","width_m":200,"time_start":"2016-09-19T08:00:00Z","time_end":"2016-09-19T18:00:00Z","visibility":["SAA","Russia"]}}' >/dev/null
notice=$(curl -sS -H "Authorization: Bearer $(tok SAA)" "$url/v1/notices?after=0" | sed -n 's/^{"items":\[{"id":\([0-9]*\),.*/\1/p')
[ -n "$notice" ] || { echo "run.sh: FAILED: SAA has no notice" >&2; exit 1; }
printf '{"notice": %s}' "$notice" > "$tmp/ack.json"
sig=$("$bin" key sign "$tmp/ack.json" --key "$tmp/saa.key")
last=$(req SAA POST "/v1/notices/$notice/ack" "$(cat "$tmp/ack.json")" "$sig" | sed -n 's/.*"receipt":{"index":\([0-9]*\).*/\1/p')
i=0
while :; do
    size=$(curl -sS "$url/v1/log/checkpoint" | sed -n 2p)
    [ -n "$size" ] && [ "$size" -gt "$last" ] && break
    i=$((i + 1))
    [ $i -lt 600 ] || { echo "run.sh: FAILED: no witnessed checkpoint covers entry $last" >&2; exit 1; }
    sleep 0.05
done

# shellcheck disable=SC2086
"$tmp/witnessgo" verify "$url" "$(tok admin)" 2 $wkeys

curl -sS -H "Authorization: Bearer $(tok admin)" "$url/v1/log/receipts/$last" > "$tmp/receipt.json"
govk=$("$tmp/witnessgo" cosign "$tmp/receipt.json" "$tmp/go-good.json" "$tmp/go-bad.json")
"$bin" verify receipt --receipt "$tmp/go-good.json" --key "$logkey" --witness "$govk" > "$tmp/good.out" ||
    { cat "$tmp/good.out" >&2; echo "run.sh: FAILED: truce refused Go's cosignature" >&2; exit 1; }
if "$bin" verify receipt --receipt "$tmp/go-bad.json" --key "$logkey" --witness "$govk" > "$tmp/bad.out"; then
    echo "run.sh: FAILED: truce accepted a cosignature whose timestamp was changed" >&2
    exit 1
fi
grep -q "does not verify" "$tmp/bad.out" || { cat "$tmp/bad.out" >&2; exit 1; }
echo "run.sh: truce verified Go's cosignature and refused it with another timestamp"

for p in $pids; do kill -TERM "$p"; done
for p in $pids; do
    rc=0
    wait "$p" || rc=$?
    [ $rc -eq 0 ] || { echo "run.sh: FAILED: a process exited $rc after SIGTERM" >&2; exit 1; }
done
pids=
for f in serve.log w1.log w2.log; do
    if ! grep -q "stopped cleanly" "$tmp/$f" ||
       grep -Eq "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer" "$tmp/$f"; then
        echo "run.sh: FAILED: $f:" >&2
        tail -n 40 "$tmp/$f" >&2
        exit 1
    fi
done
echo "run.sh: OK: an independent Go verifier checked truce's witnessed log, and truce checked Go's cosignature"
