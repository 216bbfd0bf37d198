#!/usr/bin/env bash
# group_commit.sh — durable writes/s with group commit beside one fsync per write (issue 19).
#
# Imports scenarios/syria-2016-2017.json once into bench/work/group_commit/base.db; every
# measurement starts `truce serve` on a fresh copy of it (free loopback port, --threads as
# many as wrk's connections) and runs wrk with group_commit.lua:
#   write  wrk -t2 -c32: every request POST /v1/reports (a monitor's report at a random
#          point of Syria); each 201 is answered only once its commit is durable;
#   mixed  wrk -t2 -c16: every other request of a connection GET /v1/attribution at a
#          random point, the others POST /v1/reports.
# Each load runs against the same server binary twice, interleaved: `--group-commit on`
# (truce) and `--group-commit off` (the same-run baseline: one transaction and one fsync
# per write, what every write did before). RUNS times; figures are medians. After each run
# the server's /metrics gives commits, flushes and transactions (writes per fsync, and per
# COMMIT: with group commit, reports share transactions).
#
# Usage: bench/group_commit.sh    (about 3 minutes)
# Environment: TRUCE_BIN (default: build Release into build-bench/ and use it),
#   TRUCE_WRK_SECONDS (10), TRUCE_RUNS (3), TRUCE_WRITE_CONNECTIONS (32),
#   TRUCE_MIXED_CONNECTIONS (16).
# Writes bench/results/group_commit.json. Exit status: 0; 1 on a setup error; 3 when a
# request failed (non-2xx or socket error).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=$here/work/group_commit
secs=${TRUCE_WRK_SECONDS:-10}
runs=${TRUCE_RUNS:-3}
wconns=${TRUCE_WRITE_CONNECTIONS:-32}
mconns=${TRUCE_MIXED_CONNECTIONS:-16}
py=/usr/bin/python3

command -v wrk >/dev/null || { echo "group_commit: wrk missing (scripts/deps.sh bench)" >&2; exit 1; }
mkdir -p "$here/work" "$here/results"
exec 9>"$here/work/.group_commit.lock"
flock -n 9 || { echo "group_commit: waiting for another run to finish" >&2; flock 9; }
rm -rf "$work"
mkdir -p "$work"

bin=${TRUCE_BIN:-}
if [ -z "$bin" ]; then
  build=$root/build-bench
  echo "== build (Release, $build): truce"
  cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target truce >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
  bin=$build/truce
fi

"$bin" import scenario "$root/scenarios/syria-2016-2017.json" --db "$work/base.db" --tokens "$work/tokens.tsv" \
  2>"$work/import.log" || { cat "$work/import.log" >&2; exit 1; }
token_of() { awk -F'\t' -v n="$1" '$1 == n {print $NF; exit}' "$work/tokens.tsv"; }
monitor=$(token_of JMC)
admin=$(token_of admin)
[ -n "$monitor" ] && [ -n "$admin" ] || { echo "group_commit: no JMC/admin token" >&2; exit 1; }

server=
stop_server() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  server=
}
trap stop_server EXIT

# start_server GROUP THREADS NAME: a fresh copy of the base database; sets $base.
start_server() {
  rm -f "$work/$3".db*
  cp "$work/base.db" "$work/$3.db"
  local port
  port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  "$bin" serve --db "$work/$3.db" --listen "127.0.0.1:$port" --threads "$2" --group-commit "$1" \
    --web none 2>"$work/$3.serve.log" 9>&- &
  server=$!
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$base/v1/health" 2>/dev/null && return 0
    kill -0 "$server" 2>/dev/null || { cat "$work/$3.serve.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "group_commit: server did not come up" >&2
  exit 1
}

# measure LOAD GROUP CONNS RUN: one wrk run against a fresh server; appends to runs.jsonl.
measure() {
  local name="$1_$2_$4"
  start_server "$2" "$3" "$name"
  TRUCE_WRK_MODE=$1 TRUCE_TOKEN=$monitor TRUCE_READ_TOKEN=$admin wrk -t2 -c"$3" -d"${secs}s" --latency \
    -s "$here/group_commit.lua" "$base" >"$work/wrk_$name.txt"
  local stats metrics commits flushes txs
  stats=$(grep '^WRKJSON ' "$work/wrk_$name.txt" | sed 's/^WRKJSON //')
  metrics=$(curl -fsS "$base/metrics")
  commits=$(echo "$metrics" | awk '$1 == "truce_store_commits_total" {print $2}')
  flushes=$(echo "$metrics" | awk '$1 == "truce_store_flushes_total" {print $2}')
  txs=$(echo "$metrics" | awk '$1 == "truce_store_transactions_total" {print $2}')
  stop_server
  echo "{\"load\":\"$1\",\"group\":\"$2\",\"run\":$4,\"commits\":$commits,\"flushes\":$flushes,\"transactions\":${txs:-$commits},\"stats\":$stats}" \
    >>"$work/runs.jsonl"
  printf '  %-5s group %-3s run %d: %s; %s commits, %s flushes, %s transactions\n' "$1" "$2" "$4" "$stats" \
    "$commits" "$flushes" "${txs:-$commits}"
}

: >"$work/runs.jsonl"
echo "wrk -d${secs}s, write -c$wconns, mixed -c$mconns; $runs runs of each, interleaved:"
for i in $(seq "$runs"); do
  measure write on "$wconns" "$i"
  measure write off "$wconns" "$i"
  measure mixed on "$mconns" "$i"
  measure mixed off "$mconns" "$i"
done
trap - EXIT

$py "$here/group_commit.py" "$work/runs.jsonl" "$here/results/group_commit.json" "$secs" "$runs" "$wconns" \
  "$mconns"
