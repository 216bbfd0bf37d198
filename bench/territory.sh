#!/usr/bin/env bash
# territory.sh — the territory-control benchmark (issue 6): a year of daily control-area
# versions, truce beside the same run's PostGIS on the same shapes.
#
#   1. bench_territory (build-bench/, Release): writes the data — 365 days x 5 parties,
#      one Polygon of 501 positions per party per day, fronts drifting over the year, and
#      every 7th day overlapping claims (contested ground) — and times truce's computation
#      of every day's map (per party controlled and claimed m², engines/territory.c:
#      GEOS overlays, PROJ geodesic areas), RUNS times;
#   2. PostGIS (a throwaway cluster, bench/pg_cluster.sh): the same claims as geometry,
#      the same question in one query — per day and party,
#        ST_Area(ST_Difference(own, ST_Union(other parties' claims that day))::geography)
#      and ST_Area(own::geography) — timed RUNS times in one session (\timing, medians);
#   3. the two answers compared claim by claim: they must agree within TOLERANCE (relative,
#      default 1e-6; both measure geodesics on WGS 84 with Karney's algorithm over the
#      vertices of GEOS overlays), and the ratio of the median times is printed.
# Writes bench/results/territory.json.
#
# Usage: bench/territory.sh            (about a minute on 2 idle cores)
# Knobs: TRUCE_RUNS (3), TRUCE_DAYS (365), TRUCE_PARTIES (5), TRUCE_VERTICES (250 per front),
#        TRUCE_TOLERANCE (1e-6), TRUCE_PGT_PORT (else 55434, else a free port).
# Exit status: 0 when both ran and agree, 3 when the answers differ, 1 on a setup error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=$root/build-bench
work=$here/work/territory
py=/usr/bin/python3
runs=${TRUCE_RUNS:-3}
tol=${TRUCE_TOLERANCE:-1e-6}

"$root/scripts/deps.sh" bench
mkdir -p "$work" "$here/results"

echo "== build (Release, $build): bench_territory"
cmake -S "$root" -B "$build" -DTRUCE_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target bench_territory >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log" >&2; exit 1; }

echo "== territory: truce"
"$build/bench_territory" --work "$work" --runs "$runs" --days "${TRUCE_DAYS:-365}" \
  --parties "${TRUCE_PARTIES:-5}" --vertices "${TRUCE_VERTICES:-250}" --json "$work/truce.json"

echo "== territory: PostGIS"
. "$here/pg_cluster.sh"
PG_PORT=${TRUCE_PGT_PORT:-} pg_cluster_start pgt 55434 'jit = off'
t0=$(now)
psql_q <<EOF
CREATE TABLE claim (day int, party text, geom geometry(Polygon, 4326), PRIMARY KEY (day, party));
\copy claim FROM '$work/territory_claims.tsv'
ANALYZE claim;
EOF
load_s=$(echo "$(now) - $t0" | bc -l)
query="SELECT c.day, c.party,
  ST_Area(ST_Difference(c.geom, (SELECT ST_Union(o.geom) FROM claim o WHERE o.day = c.day AND o.party <> c.party))::geography) AS controlled,
  ST_Area(c.geom::geography) AS claimed
  FROM claim c"
{
  echo '\timing on'
  for _ in $(seq "$runs"); do echo "SELECT count(*), sum(controlled) FROM ($query) q;"; done
} | psql_q -A -t >"$work/postgis_runs.txt"
secs=$(awk '/^Time:/ {printf "%s%.6f", sep, $2 / 1000; sep = ","}' "$work/postgis_runs.txt")
pg_median=$(echo "$secs" | median)
psql_q -c "\\copy ($query ORDER BY 1, 2) TO '$work/territory_postgis.tsv'"
echo "PostGIS: runs $secs s, median $pg_median s (load $(printf '%.1f' "$load_s") s)"

# ---- agreement and the report ----
$py - "$work" "$tol" "$pg_median" "$secs" "$pg_version" "$here/results/territory.json" \
  "${TRUCE_CPU_BUSY_BEFORE:-}" <<'PY'
import json, sys
work, tol, pg_median, secs, version, out, busy = sys.argv[1:8]
tol, pg_median = float(tol), float(pg_median)
def read(path):
    rows = {}
    for line in open(path):
        day, party, ctrl, claimed = line.rstrip("\n").split("\t")
        rows[(int(day), party)] = (float(ctrl), float(claimed))
    return rows
t, p = read(work + "/territory_truce.tsv"), read(work + "/territory_postgis.tsv")
if t.keys() != p.keys():
    print("territory: truce and PostGIS answered for different claims", file=sys.stderr)
    sys.exit(3)
worst, where = 0.0, None
for k in t:
    for i in (0, 1):
        a, b = t[k][i], p[k][i]
        rel = abs(a - b) / max(abs(b), 1.0)
        if rel > worst:
            worst, where = rel, (k, ("controlled", "claimed")[i], a, b)
truce = json.load(open(work + "/truce.json"))
ratio = pg_median / truce["median_compute_s"]
agree = worst <= tol
print("agreement: %d claims, largest relative difference %.3g (%s)%s" % (
    len(t), worst, where, "" if agree else " > tolerance %g: FAIL" % tol))
print("territory: truce %.3f s (%.2f ms/day), PostGIS %.3f s: PostGIS / truce = %.2fx" % (
    truce["median_compute_s"], truce["ms_per_day"], pg_median, ratio))
json.dump({"benchmark": "territory", "days": truce["days"], "parties": truce["parties"],
           "positions_per_polygon": truce["positions_per_polygon"], "truce": truce,
           "postgis": {"secs": [float(x) for x in secs.split(",")], "median_s": pg_median, "version": version},
           "ratio_postgis_over_truce": ratio, "max_relative_difference": worst, "tolerance": tol,
           "agree": agree, "cpu_busy_before_percent": int(busy) if busy else None},
          open(out, "w"), indent=1)
sys.exit(0 if agree else 3)
PY
