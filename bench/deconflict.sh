#!/usr/bin/env bash
# deconflict.sh — the deconfliction benchmark (workload B), truce beside its baselines.
#
# 1,000,000 stored 4-D volumes and 10,000 query volumes over Syria's box (the shared
# gen.py B and Q, fixed seeds, generated once into bench/work/data/), plus a hot spot of
# 10,000 volumes stacked over Aleppo. Question: for each query, the stored volumes whose
# footprints intersect, altitude bands overlap (closed) and time windows overlap
# (half-open); expected 377,776 pairs in all.
#
#   1. PostGIS (deconflict_postgis.sh): throwaway PostgreSQL 15 + PostGIS cluster on
#      loopback, b_load.sql, GiST on (trange, geom, arange), b_loop.sql timing every query
#      inside the server, RUNS times;
#   2. bench_deconflict (same binary, same run): truce's engine — start-up (1,000,000
#      one-by-one inserts + pack), peak RSS, p50/p99 per query in-process, the Aleppo hot
#      spot — beside a brute-force scan (every SAMPLE-th query) and SQLite's R*Tree + GEOS;
#      it checks that every system returns the same pairs, prints the ratios and writes
#      bench/results/deconflict.json (PostGIS's figures merged in).
#
# Usage: bench/deconflict.sh          (about 3-4 minutes on 2 cores; +1 min to generate data once)
# Knobs: TRUCE_RUNS (default 3), TRUCE_SAMPLE (default 20), TRUCE_SKIP_POSTGIS=1,
#        TRUCE_SKIP_SQLITE=1, TRUCE_PGB_PORT (default 55433).
# Exit status: 0 when everything ran and all answers agreed, 3 when answers differ,
# 1 on a setup error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
py=/usr/bin/python3
runs=${TRUCE_RUNS:-3}
sample=${TRUCE_SAMPLE:-20}

"$root/scripts/deps.sh" bench
mkdir -p "$here/work/data" "$here/results"

# ---- data (generated once, reused) ----
lines() { [ -s "$1" ] && wc -l <"$1" || echo 0; }
if [ "$(lines "$here/work/data/b_vols.tsv")" -ne 1000000 ]; then
  echo "== generating workload B (gen.py B, about a minute)"
  (cd "$here/work" && $py /work/shared/bench-workloads/gen.py B)
fi
if [ "$(lines "$here/work/data/b_queries.tsv")" -ne 10000 ]; then
  echo "== generating the queries (gen.py Q)"
  (cd "$here/work" && $py /work/shared/bench-workloads/gen.py Q)
fi

echo "== build (Release, $build): bench_deconflict"
cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target bench_deconflict >"$here/work/build_deconflict.log" 2>&1 ||
  { tail -40 "$here/work/build_deconflict.log" >&2; exit 1; }

# Percent of all CPU time that something used during one second (as run.sh measures it).
cpu_busy() {
  local a b i total=0 idle
  read -ra a < <(head -1 /proc/stat)
  sleep 1
  read -ra b < <(head -1 /proc/stat)
  idle=$(( b[4] + b[5] - a[4] - a[5] ))
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
TRUCE_CPU_BUSY_BEFORE=$(cpu_busy)
export TRUCE_CPU_BUSY_BEFORE
if [ "$TRUCE_CPU_BUSY_BEFORE" -gt 10 ]; then
  echo "warning: the CPUs were ${TRUCE_CPU_BUSY_BEFORE}% busy before this benchmark started;" \
    "other work is running and the figures will be low and noisy" >&2
fi

args=(--data "$here/work/data" --runs "$runs" --sqlite-runs "$runs" --sample "$sample"
      --json "$here/results/deconflict.json")
if [ "${TRUCE_SKIP_POSTGIS:-0}" != 1 ]; then
  echo "== deconflict: PostGIS"
  "$here/deconflict_postgis.sh" --runs "$runs" --json "$here/work/deconflict_postgis.json"
  args+=(--postgis "$here/work/deconflict_postgis.json")
fi
[ "${TRUCE_SKIP_SQLITE:-0}" = 1 ] && args+=(--no-sqlite)

echo "== deconflict: truce, brute force, SQLite"
rc=0
"$build/bench_deconflict" "${args[@]}" || rc=$?
[ $rc -eq 0 ] && echo "== done: $here/results/deconflict.json" || echo "== FAILED (status $rc)" >&2
exit $rc
