#!/usr/bin/env bash
# store_pg_full.sh — 1,000,000 stored operations on SQLite and on PostgreSQL, same run
# (issue 13 item 6; bench/store_pg_full.py documents the measures): start-up of `truce
# serve` on each store beside the store's own client reading the same rows, and workload
# B's 10,000 conflict checks over HTTP on each. The SQLite database is deconflict_http's
# (bench/work/http/pristine.db, built here when absent); PostgreSQL gets it by
# `truce store copy` into a throwaway cluster (scripts/pg-test.sh, durable settings).
#
# Usage: bench/store_pg_full.sh   (TRUCE_RUNS, default 3; about 30 minutes on 2 busy cores)
# Exit status: 0, 3 when the stores return different pairs, 1 on a setup error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
py=/usr/bin/python3

"$root/scripts/deps.sh" bench
mkdir -p "$here/work/data" "$here/work/http" "$here/results"
lines() { [ -s "$1" ] && wc -l <"$1" || echo 0; }
if [ "$(lines "$here/work/data/b_vols.tsv")" -ne 1000000 ]; then
  echo "== generating workload B (gen.py B, a few minutes)"
  (cd "$here/work" && $py /work/shared/bench-workloads/gen.py B)
fi
if [ "$(lines "$here/work/data/b_queries.tsv")" -ne 10000 ]; then
  echo "== generating the queries (gen.py Q)"
  (cd "$here/work" && $py /work/shared/bench-workloads/gen.py Q)
fi
echo "== build (Release, $build): truce"
cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target truce >"$here/work/build_store_pg_full.log" 2>&1 ||
  { tail -40 "$here/work/build_store_pg_full.log" >&2; exit 1; }
exec $py "$here/store_pg_full.py" --truce "$build/truce" --runs "${TRUCE_RUNS:-3}"
