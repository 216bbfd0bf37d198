#!/usr/bin/env bash
# log.sh — benchmarks the verifiable log (bench_log.c): durable appends/s through the
# store beside plain SQLite inserts of the same rows and raw SHA-256 of the same entries;
# inclusion and consistency proof latency at 10,000,000 entries (in memory) and at
# 1,000,000 entries (the SQLite store); checkpoint signing. Median of 3 runs.
#
# Usage: bench/log.sh            (about 2-3 minutes on 2 cores; bounded well under 5)
# Knobs: TRUCE_RUNS (3), TRUCE_LOG_SECONDS (seconds per append run, 2),
#        TRUCE_LOG_PROOF_SIZE (10000000), TRUCE_LOG_SQLITE_PROOF_SIZE (1000000; 0 skips),
#        TRUCE_LOG_PROOFS (proofs timed per run, 10000).
# Builds bench_log in Release into build-bench/ (-DTRUCE_TESTS=OFF), writes scratch
# databases to bench/work/log/ (removed after each measurement) and the figures to
# bench/results/log.json. Exit 0, or non-zero on a build or measurement error (a proof
# that does not verify is an error).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
work=$here/work/log

mkdir -p "$work" "$here/results"
echo "== build (Release, $build): bench_log"
cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target bench_log >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log" >&2; exit 1; }

# Percent of all CPU time that something used during one second (as bench/run.sh).
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

echo "== log: durable appends, proofs, checkpoints"
timeout 600 "$build/bench_log" --dir "$work" --runs "${TRUCE_RUNS:-3}" \
  --seconds "${TRUCE_LOG_SECONDS:-2}" \
  --proof-size "${TRUCE_LOG_PROOF_SIZE:-10000000}" \
  --sqlite-proof-size "${TRUCE_LOG_SQLITE_PROOF_SIZE:-1000000}" \
  --proofs "${TRUCE_LOG_PROOFS:-10000}" \
  --json "$here/results/log.json"
echo "== done: $here/results/log.json"
