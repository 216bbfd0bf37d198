#!/usr/bin/env bash
# separation.sh — the separation benchmark (issue 20): the commingled ground of an
# agreement's parties with its excluded actors, a daily series over a year of daily
# versions, truce beside the same run's PostGIS on the same shapes (as territory.sh).
#
#   1. bench_separation (build-bench/, Release): writes the data — 365 days x (3 party
#      strips + 3 designated discs), 501-position polygons drifting over the year — and
#      times truce's computation of every day's measure (engines/separation.c: GEOS
#      overlays, PROJ geodesic areas), RUNS times;
#   2. PostGIS (a throwaway cluster, bench/pg_cluster.sh): the same shapes as geometry,
#      the same question in one query — per day and party
#        ST_Area(ST_Intersection(party, ST_Union(that day's designated areas))::geography)
#      — timed RUNS times in one session (\timing, medians);
#   3. the two answers compared day by day and party by party: they must agree within
#      TOLERANCE (relative to the party's strip, default 1e-6), and the ratio of the median
#      times is printed.
# Writes bench/results/separation.json.
#
# Usage: bench/separation.sh            (about a minute on 2 idle cores)
# Knobs: TRUCE_RUNS (3), TRUCE_DAYS (365), TRUCE_VERTICES (250), TRUCE_TOLERANCE (1e-6),
#        TRUCE_PGS_PORT (else 55436, else a free port).
# Exit status: 0 when both ran and agree, 3 when the answers differ, 1 on a setup error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
work=$here/work/separation
py=/usr/bin/python3
runs=${TRUCE_RUNS:-3}
tol=${TRUCE_TOLERANCE:-1e-6}

"$root/scripts/deps.sh" bench
mkdir -p "$work" "$here/results"

echo "== build (Release, $build): bench_separation"
cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target bench_separation >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log" >&2; exit 1; }

echo "== separation: truce"
"$build/bench_separation" --work "$work" --runs "$runs" --days "${TRUCE_DAYS:-365}" \
  --vertices "${TRUCE_VERTICES:-250}" --json "$work/truce.json"

echo "== separation: PostGIS"
. "$here/pg_cluster.sh"
PG_PORT=${TRUCE_PGS_PORT:-} pg_cluster_start pgs 55436 'jit = off'
t0=$(now)
psql_q <<EOF
CREATE TABLE party (day int, name text, geom geometry(Polygon, 4326), PRIMARY KEY (day, name));
CREATE TABLE designated (day int, name text, geom geometry(Polygon, 4326), PRIMARY KEY (day, name));
\copy party FROM '$work/separation_parties.tsv'
\copy designated FROM '$work/separation_designated.tsv'
ANALYZE party;
ANALYZE designated;
EOF
load_s=$(echo "$(now) - $t0" | bc -l)
query="SELECT p.day, p.name,
  ST_Area(ST_Intersection(p.geom, (SELECT ST_Union(d.geom) FROM designated d WHERE d.day = p.day))::geography) AS mixed,
  ST_Area(p.geom::geography) AS claimed
  FROM party p"
{
  echo '\timing on'
  for _ in $(seq "$runs"); do echo "SELECT count(*), sum(mixed) FROM ($query) q;"; done
} | psql_q -A -t >"$work/postgis_runs.txt"
secs=$(awk '/^Time:/ {printf "%s%.6f", sep, $2 / 1000; sep = ","}' "$work/postgis_runs.txt")
pg_median=$(echo "$secs" | median)
psql_q -c "\\copy ($query ORDER BY 1, 2) TO '$work/separation_postgis.tsv'"
echo "PostGIS: runs $secs s, median $pg_median s (load $(printf '%.1f' "$load_s") s)"

$py - "$work" "$tol" "$pg_median" "$secs" "$pg_version" "$here/results/separation.json" \
  "${TRUCE_CPU_BUSY_BEFORE:-}" <<'PY'
import json, sys
work, tol, pg_median, secs, version, out, busy = sys.argv[1:8]
tol, pg_median = float(tol), float(pg_median)
t = {}
for line in open(work + "/separation_truce.tsv"):
    day, name, mixed = line.rstrip("\n").split("\t")
    t[(int(day), name)] = float(mixed)
p, size = {}, {}
for line in open(work + "/separation_postgis.tsv"):
    day, name, mixed, claimed = line.rstrip("\n").split("\t")
    p[(int(day), name)] = float(mixed) if mixed else 0.0
    size[(int(day), name)] = float(claimed)
if t.keys() != p.keys():
    print("separation: truce and PostGIS answered for different parties or days", file=sys.stderr)
    sys.exit(3)
worst, where = 0.0, None
for k in t:
    rel = abs(t[k] - p[k]) / max(size[k], 1.0)
    if rel > worst:
        worst, where = rel, (k, t[k], p[k])
truce = json.load(open(work + "/truce.json"))
ratio = pg_median / truce["median_compute_s"]
agree = worst <= tol
print("agreement: %d day-parties, largest difference %.3g of the party's area (%s)%s" % (
    len(t), worst, where, "" if agree else " > tolerance %g: FAIL" % tol))
print("separation: truce %.3f s (%.2f ms/day), PostGIS %.3f s: PostGIS / truce = %.2fx" % (
    truce["median_compute_s"], truce["ms_per_day"], pg_median, ratio))
json.dump({"benchmark": "separation", "days": truce["days"], "parties": truce["parties"],
           "designated": truce["designated"], "truce": truce,
           "postgis": {"secs": [float(x) for x in secs.split(",")], "median_s": pg_median, "version": version},
           "ratio_postgis_over_truce": ratio, "max_relative_difference": worst, "tolerance": tol,
           "agree": agree, "cpu_busy_before_percent": int(busy) if busy else None},
          open(out, "w"), indent=1)
sys.exit(0 if agree else 3)
PY
