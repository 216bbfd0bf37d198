#!/usr/bin/env bash
# run.sh — builds truce in Release and runs its benchmarks, each beside its baselines.
#
# Usage: bench/run.sh [all|NAME...]   (default all; `make bench [NAME=x]` calls this)
#   attribution  workload A, 10,000 polygons x 1,000,000 points: truce's engine against a
#                brute-force GEOS scan (same run) and PostGIS (attribution_postgis.sh);
#                writes bench/results/attribution.json.
#   api          wrk against a real `truce serve` (api_load.sh); writes bench/results/api.json.
#   any other NAME with a bench/bench_NAME.c: bench/NAME.sh when it exists (it builds and
#                runs that benchmark and its baselines), else build-bench/bench_NAME
#                --json bench/results/NAME.json. `all` runs attribution, api, then these
#                in name order (deconflict, hotspot, log, monitor, territory, traffic, ...), then
#                deconflict_http.
#   traffic      issue 16: 1,000 / 5,000 / 20,000 tracks over Syria at 1 Hz for 60 s, detection time
#                per position through the engine's grid beside a brute-force all-pairs check
#                (bench_traffic.c, run bare); writes bench/results/traffic.json.
#   deconflict_http  workload B's conflict check over HTTP against a real `truce serve`
#                beside the same run's in-process figures (deconflict_http.sh); writes
#                bench/results/deconflict_http.json.
#   startup      issue 19: `truce serve` with 1,000,000 stored operations until /v1/health
#                answers, beside sqlite3 reading the same rows (startup.sh); writes
#                bench/results/startup.json.
#   store_pg     issue 13: API writes/s and conflict-check latency on PostgreSQL beside SQLite
#                (store_pg.py); writes bench/results/store_pg.json.
#   cluster      issue 14: durable writes/s, conflict checks/s and follow lag with 1, 2 and 3
#                instances on a pg_auto_failover cluster, and the failover gap (cluster.py);
#                writes bench/results/cluster.json.
#   store_pg_full  issue 13: 1,000,000 stored operations on SQLite and PostgreSQL, same run:
#                start-up and workload B's conflict check over HTTP (store_pg_full.sh); writes
#                bench/results/store_pg_full.json.
#   group_commit issue 19: durable writes/s from 32 connections posting reports, and a mixed
#                load (half GET /v1/attribution), with group commit beside --group-commit off
#                (group_commit.sh); writes bench/results/group_commit.json.
# TRUCE_BENCH_ARGS is passed to a Python benchmark (e.g. "--writes 200" for cluster.py on a
# busy machine). Every timed figure is the median of 3 runs. Scratch files go to bench/work/ (kept: the
# generated data is reused), the build to build-bench/. Exit status: 0 when every
# benchmark ran and all answers agreed, else the first failing benchmark's status.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
py=/usr/bin/python3
cd "$root"

# Every benchmark name: the two built in, then one per bench/bench_*.c.
all_names() {
  echo attribution
  echo api
  local f n
  for f in "$here"/bench_*.c; do
    n=$(basename "$f" .c)
    n=${n#bench_}
    [ "$n" = attribution ] || echo "$n"
  done
  echo deconflict_http # no bench_*.c of its own: bench/deconflict_http.sh
  echo startup # bench/startup.sh alone (after deconflict_http: it reuses its database)
  echo export # bench/export.sh alone (no bench_export.c)
  echo witness # bench/witness.sh alone (no bench_witness.c)
  echo group_commit # bench/group_commit.sh alone (no bench_group_commit.c)
  echo store_pg # bench/store_pg.py: the same HTTP workload on SQLite and PostgreSQL
  echo cluster # bench/cluster.py: 1-3 instances on a pg_auto_failover cluster, failover gap
  echo store_pg_full # bench/store_pg_full.sh alone: 1,000,000 operations on SQLite and PostgreSQL
}

mapfile -t known < <(all_names)
names=()
if [ $# -eq 0 ] || [ "$1" = all ]; then
  names=("${known[@]}")
else
  for n in "$@"; do
    case " ${known[*]} " in
      *" $n "*) names+=("$n") ;;
      *) echo "usage: bench/run.sh [all|NAME...]; names: ${known[*]}" >&2; exit 1 ;;
    esac
  done
fi

"$root/scripts/deps.sh" bench
mkdir -p "$here/work" "$here/results"

# Builds the given targets into build-bench/ (Release, no tests).
build_targets() {
  echo "== build (Release, $build): $*"
  cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" -j2 --target "$@" >"$here/work/build.log" 2>&1 ||
    { tail -40 "$here/work/build.log" >&2; return 1; }
}

# Percent of all CPU time that something used during one second: other work on the machine
# (builds, fuzzers) slows every figure, so it is printed and recorded in the results.
cpu_busy() {
  local a b i total=0 idle
  read -ra a < <(head -1 /proc/stat)
  sleep 1
  read -ra b < <(head -1 /proc/stat)
  idle=$(( b[4] + b[5] - a[4] - a[5] ))
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

check_quiet() {
  TRUCE_CPU_BUSY_BEFORE=$(cpu_busy)
  export TRUCE_CPU_BUSY_BEFORE
  if [ "$TRUCE_CPU_BUSY_BEFORE" -gt 10 ]; then
    echo "warning: the CPUs were ${TRUCE_CPU_BUSY_BEFORE}% busy before this benchmark started;" \
      "other work is running and the figures will be low and noisy" >&2
  fi
}

# ---- attribution ----
attribution_data() {
  local d=$here/work/data
  if [ -s "$d/a_polys.tsv" ] && [ -s "$d/a_points.tsv" ] &&
     [ "$(wc -l <"$d/a_points.tsv")" -eq 1000000 ]; then
    return
  fi
  echo "== generating workload A (gen.py A)"
  mkdir -p "$d"
  (cd "$here/work" && $py /work/shared/bench-workloads/gen.py A)
}

bench_attribution() {
  build_targets bench_attribution || return 1
  attribution_data || return 1
  check_quiet
  echo "== attribution: truce and GEOS brute force"
  local rc=0
  "$build/bench_attribution" --data "$here/work/data" --runs 3 --sample 10 \
    --json "$here/work/attribution_truce.json" || rc=$?
  [ -s "$here/work/attribution_truce.json" ] || return 1
  echo "== attribution: PostGIS"
  "$here/attribution_postgis.sh" --runs 3 --json "$here/work/attribution_postgis.json" || return 1
  $py "$here/attribution_report.py" "$here/work/attribution_truce.json" \
    "$here/work/attribution_postgis.json" "$here/results/attribution.json" ||
    { local r=$?; [ $rc -ne 0 ] || rc=$r; }
  return $rc
}

# ---- api ----
bench_api() {
  build_targets truce || return 1
  check_quiet
  echo "== api: wrk against truce serve"
  TRUCE_BIN="$build/truce" "$here/api_load.sh"
}

# ---- the others: their own script, or the bare binary ----
bench_other() {
  local n=$1
  if [ -x "$here/$n.sh" ]; then
    check_quiet
    echo "== $n: bench/$n.sh"
    "$here/$n.sh"
  elif [ -f "$here/$n.py" ]; then
    build_targets truce || return 1
    check_quiet
    echo "== $n: bench/$n.py"
    # shellcheck disable=SC2086 # TRUCE_BENCH_ARGS: more arguments (sizes) for a .py benchmark
    $py "$here/$n.py" --truce "$build/truce" ${TRUCE_BENCH_ARGS:-}
  else
    build_targets "bench_$n" || return 1
    check_quiet
    echo "== $n: build-bench/bench_$n"
    "$build/bench_$n" --json "$here/results/$n.json"
  fi
}

status=0
for n in "${names[@]}"; do
  case $n in
    attribution) bench_attribution ;;
    api) bench_api ;;
    *) bench_other "$n" ;;
  esac || { rc=$?; echo "== $n FAILED (status $rc)" >&2; [ $status -ne 0 ] || status=$rc; }
done
if [ $status -eq 0 ]; then
  echo "== done (${names[*]}): results in $here/results"
else
  echo "== FAILED (status $status)" >&2
fi
exit $status
