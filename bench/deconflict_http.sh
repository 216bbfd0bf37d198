#!/usr/bin/env bash
# deconflict_http.sh — workload B's conflict check over HTTP, beside the same run's
# in-process figures (bench/README.md, "Deconfliction over HTTP").
#
#   1. bench_deconflict (Release), in-process, no SQLite, brute force on one query only:
#      p50/p99 of dc_engine_query over the 10,000 queries, pairs and checksum;
#   2. deconflict_http.py: a `truce serve` (Release) over a database holding the
#      1,000,000 volumes as operations (written once, cached in bench/work/http/), its
#      start-up time, then POST /v1/operations of each query with reject_on_conflict and
#      GET /v1/health (the floor) from one keep-alive client; checks that HTTP and
#      in-process return the same pairs; writes bench/results/deconflict_http.json.
#
# Usage: bench/deconflict_http.sh   (about 5 minutes the first time, 3 after; TRUCE_RUNS, default 3;
#   TRUCE_BUILD=DIR uses the truce and bench_deconflict already built there)
# Exit status: 0 when both ran and agreed, 3 when the answers differ, 1 on a setup error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
py=/usr/bin/python3
runs=${TRUCE_RUNS:-3}

"$root/scripts/deps.sh" bench
mkdir -p "$here/work/data" "$here/work/http" "$here/results"

lines() { [ -s "$1" ] && wc -l <"$1" || echo 0; }
if [ "$(lines "$here/work/data/b_vols.tsv")" -ne 1000000 ]; then
  echo "== generating workload B (gen.py B, about a minute)"
  (cd "$here/work" && $py /work/shared/bench-workloads/gen.py B)
fi
if [ "$(lines "$here/work/data/b_queries.tsv")" -ne 10000 ]; then
  echo "== generating the queries (gen.py Q)"
  (cd "$here/work" && $py /work/shared/bench-workloads/gen.py Q)
fi

if [ -n "${TRUCE_BUILD:-}" ]; then  # a build dir that already holds truce and bench_deconflict
  build=$TRUCE_BUILD
else
  echo "== build (Release, $build): truce bench_deconflict"
  cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target truce bench_deconflict >"$here/work/build_deconflict_http.log" 2>&1 ||
    { tail -40 "$here/work/build_deconflict_http.log" >&2; exit 1; }
fi

echo "== deconflict_http: in-process (bench_deconflict, $runs runs)"
"$build/bench_deconflict" --data "$here/work/data" --runs "$runs" --no-sqlite --sample 10000 \
  --json "$here/work/deconflict_inproc.json" >"$here/work/deconflict_inproc.log" 2>&1 ||
  { tail -20 "$here/work/deconflict_inproc.log" >&2; exit 1; }
grep -E "^truce(:| run)" "$here/work/deconflict_inproc.log"

echo "== deconflict_http: over HTTP"
rc=0
$py "$here/deconflict_http.py" --truce "$build/truce" --data "$here/work/data" --work "$here/work/http" \
  --inproc "$here/work/deconflict_inproc.json" --runs "$runs" --json "$here/results/deconflict_http.json" || rc=$?
[ $rc -eq 0 ] && echo "== done: $here/results/deconflict_http.json" || echo "== FAILED (status $rc)" >&2
exit $rc
