#!/usr/bin/env bash
# witness.sh — what witnesses cost a centre (witness.py documents the figures): durable
# writes/s and write-to-receipt latency with two witnesses (quorum 2) beside the same run
# without witnesses, and a witness's add-checkpoint rate. Median of 3 runs.
#
# Usage: bench/witness.sh     (about 1 minute on 2 cores)
# Knobs: TRUCE_RUNS (3), TRUCE_SECONDS (4: seconds of writes per measurement).
# Builds truce in Release into build-bench/ (-DTRUCE_TESTS=OFF), writes scratch databases to
# bench/work/witness/ and the figures to bench/results/witness.json.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench

mkdir -p "$here/work/witness" "$here/results"
echo "== build (Release, $build): truce"
cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target truce >"$here/work/witness/build.log" 2>&1 ||
  { tail -40 "$here/work/witness/build.log" >&2; exit 1; }
echo "== witness: writes and receipts with and without witnesses"
TRUCE_BIN="$build/truce" timeout 900 python3 "$here/witness.py" --json "$here/results/witness.json"
echo "== done: $here/results/witness.json"
