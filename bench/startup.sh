#!/usr/bin/env bash
# startup.sh — start-up of `truce serve` with 1,000,000 stored operations beside sqlite3
# reading the same rows (issue 19, goal 5; bench/startup.py documents the measure).
# The database is deconflict_http's (bench/work/http/pristine.db): run
# bench/deconflict_http.sh once first, or this script builds it the same way.
#
# Usage: bench/startup.sh   (TRUCE_RUNS, default 3). Exit status 0, or 1 on a setup error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
py=/usr/bin/python3
runs=${TRUCE_RUNS:-3}

mkdir -p "$here/work/http" "$here/results"
command -v sqlite3 >/dev/null || { echo "startup: sqlite3 (the CLI) is needed" >&2; exit 1; }
echo "== build (Release, $build): truce"
cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target truce >"$here/work/build_startup.log" 2>&1 ||
  { tail -40 "$here/work/build_startup.log" >&2; exit 1; }
if [ ! -s "$here/work/http/pristine.ok" ]; then
  echo "== the database: bench/deconflict_http.sh builds it"
  "$here/deconflict_http.sh"
fi
db=$here/work/http/startup.db # a copy: the server writes its key and log beside the file it opens
if [ ! -s "$db" ] || [ "$here/work/http/pristine.db" -nt "$db" ]; then
  rm -f "$db" "$db"-wal "$db"-shm "$db".key "$db".key.checkpoint
  cp "$here/work/http/pristine.db" "$db"
fi
echo "== startup: $runs runs"
$py "$here/startup.py" --truce "$build/truce" --db "$db" --runs "$runs" \
  --json "$here/results/startup.json"
