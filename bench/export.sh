#!/usr/bin/env bash
# export.sh — the big-export benchmark (issue 3): 1,000,000 incidents streamed out of a real
# `truce serve` as GeoJSON, HXL CSV and ACLED CSV, beside the sqlite3 CLI writing the same
# rows as CSV.
#
#   data   1,000,000 synthetic reports over Syria's box and 2016-17, one event each, spread
#          so that nearly every report is its own incident (export_data.py, fixed seed),
#          imported once with `truce import reports` into bench/work/export/export.db;
#   truce  `truce serve` on that database; for each format, GET /v1/exports/incidents read
#          over loopback: time to first byte, total time, bytes, and the server's RSS
#          sampled every 20 ms during the export (growth over its RSS before: the export
#          must not hold the file in memory);
#   base   `sqlite3 -csv DB "SELECT <the report columns> FROM report"` to a pipe: time to
#          first byte, total time, peak RSS — the floor of "dump a million rows as CSV";
#   also   `truce export incidents --format hxl --db DB` (the CLI: loads the engine first).
# Every timed figure is the median of RUNS runs (default 3). Writes bench/results/export.json.
#
# Usage: bench/export.sh   (the first run imports the data: a few minutes on 2 cores)
# Knobs: TRUCE_RUNS (default 3), TRUCE_EXPORT_N (default 1000000).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
py=/usr/bin/python3
runs=${TRUCE_RUNS:-3}
n=${TRUCE_EXPORT_N:-1000000}
work=$here/work/export
mkdir -p "$work" "$here/results"

echo "== build (Release, $build): truce"
cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target truce >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; exit 1; }
truce=$build/truce

db=$work/export-$n.db
if [ ! -s "$db" ] || [ ! -s "$db.done" ]; then
  rm -f "$db" "$db"-* "$db.key" "$db.key.checkpoint" "$db.done"
  echo "== data: $n reports (export_data.py), imported with truce import reports"
  $py "$here/export_data.py" "$n" >"$work/reports-$n.ndjson"
  "$truce" import scenario "$root/scenarios/syria-2016-2017.json" --db "$db" --tokens "$work/tokens.tsv" >/dev/null
  "$truce" import reports "$work/reports-$n.ndjson" --as JMC --db "$db" | tee "$db.done"
  rm -f "$work/reports-$n.ndjson"
fi
cat "$db.done"

$py "$here/export_measure.py" --truce "$truce" --db "$db" --runs "$runs" --json "$here/results/export.json"
