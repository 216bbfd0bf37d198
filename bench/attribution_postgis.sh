#!/usr/bin/env bash
# attribution_postgis.sh — the PostGIS baseline of the attribution benchmark (workload A).
#
# Creates a throwaway PostgreSQL 15 cluster in bench/work/pg (bench/pg_cluster.sh: 127.0.0.1
# only, port $TRUCE_PG_PORT, else 55432, else a free one; socket in bench/work/pg.sock), loads
# bench/work/data/a_polys.tsv and a_points.tsv as geometry (as
# /work/shared/bench-workloads/a_load.sql does, without the geography columns), builds GiST
# indexes on both tables, then times the best plan of the shared README — polygon outer over
# the points' GiST index, ST_Covers, 2 parallel workers — RUNS times in one session (warm
# cache) and takes the median. One more, untimed query computes the order-independent checksum bench_attribution computes in C:
#   sum over pairs of (point_id * 1000003 + polygon_id) mod 2147483647.
# The cluster is stopped and deleted at the end (TRUCE_PG_KEEP=1 keeps it).
#
# Usage: bench/attribution_postgis.sh [--runs N] [--json FILE]
# Writes FILE (default bench/work/attribution_postgis.json):
#   {"runs":N,"secs":[...],"median_s":..,"points_per_second":..,"pairs":..,"checksum":..,
#    "load_s":..,"index_s":..,"version":"..."}
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$here/work
data=$work/data
runs=3
json=$work/attribution_postgis.json
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--json FILE]" >&2; exit 1 ;;
  esac
done
for f in a_polys.tsv a_points.tsv; do
  [ -s "$data/$f" ] || { echo "attribution_postgis: $data/$f missing (run bench/run.sh attribution)" >&2; exit 1; }
done

# ---- throwaway cluster (bench/pg_cluster.sh) ----
. "$here/pg_cluster.sh"
PG_PORT=${TRUCE_PG_PORT:-} pg_cluster_start pg 55432
version=$pg_version

# ---- load (a_load.sql, geometry only) ----
t0=$(now)
psql_q <<EOF
CREATE TABLE a_poly (id int PRIMARY KEY, geom geometry(Polygon,4326));
CREATE TABLE a_pt (id int PRIMARY KEY, lon float8, lat float8,
                   geom geometry(Point,4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED);
\copy a_poly(id, geom) FROM '$data/a_polys.tsv'
\copy a_pt(id, lon, lat) FROM '$data/a_points.tsv'
EOF
t1=$(now)
psql_q <<EOF
CREATE INDEX a_poly_gix ON a_poly USING gist (geom);
CREATE INDEX a_pt_gix ON a_pt USING gist (geom);
VACUUM ANALYZE a_poly;
VACUUM ANALYZE a_pt;
EOF
t2=$(now)
load_s=$(echo "$t1 - $t0" | bc -l)
index_s=$(echo "$t2 - $t1" | bc -l)
printf 'load %.1f s, GiST indexes + analyze %.1f s\n' "$load_s" "$index_s"
psql_q -A -t -c "SELECT count(*), sum(ST_NPoints(geom)), bool_and(ST_IsValid(geom)) FROM a_poly" |
  awk -F'|' '{printf "polygons %s, vertices %s, all valid %s\n", $1, $2, $3}'

# ---- the join, polygon outer ----
# The LATERAL form of a_query.sql (A3) runs on one core: PostgreSQL does not parallelise
# a correlated subquery. The same polygon-outer plan on two cores — Parallel Seq Scan on
# a_poly, nested loop into a_pt's GiST index, partial counts gathered — is what the
# planner picks for the plain join once parallel setup is not charged for; that is the
# README's best figure ("polygon-outer plan with GiST on points, 2 cores"). JIT is off:
# the time goes to ST_Covers calls, which JIT cannot speed up, and compiling costs ~0.2 s.
session="SET min_parallel_table_scan_size = 0; SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0; SET max_parallel_workers_per_gather = 2; SET jit = off;"
count_sql="SELECT count(*) AS pairs FROM a_pt p JOIN a_poly g ON ST_Covers(g.geom, p.geom)"
sum_sql="SELECT sum((p.id::bigint * 1000003 + g.id) % 2147483647) FROM a_pt p JOIN a_poly g ON ST_Covers(g.geom, p.geom)"
echo "$session EXPLAIN $count_sql;" | psql_q >"$work/attribution_postgis_plan.txt"
grep -q 'Parallel Seq Scan on a_poly' "$work/attribution_postgis_plan.txt" ||
  echo "attribution_postgis: warning: the plan is not polygon-outer on 2 workers (see $work/attribution_postgis_plan.txt)" >&2
{
  echo "$session"
  echo '\timing on'
  for _ in $(seq "$runs"); do echo "$count_sql;"; done
} | psql_q -A -t >"$work/attribution_postgis_runs.txt"
pairs=$(grep -v '^Time:' "$work/attribution_postgis_runs.txt" | sort -u)
secs=$(awk '/^Time:/ {printf "%s%.6f", sep, $2 / 1000; sep = ","}' "$work/attribution_postgis_runs.txt")
[ "$(echo "$pairs" | wc -l)" -eq 1 ] || { echo "attribution_postgis: runs disagree: $pairs" >&2; exit 1; }
median=$(echo "$secs" | tr , '\n' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
checksum=$(echo "$session $sum_sql;" | psql_q -A -t)
npoints=$(psql_q -A -t -c 'SELECT count(*) FROM a_pt')
pps=$(echo "$npoints / $median" | bc -l)
printf 'ST_Covers join, polygon outer: runs %s s, median %.3f s, %.0f points/s, pairs %s, checksum %s\n' \
  "$secs" "$median" "$pps" "$pairs" "$checksum"

cat >"$json" <<EOF
{"runs":$runs,"secs":[$secs],"median_s":$median,"points_per_second":$(printf '%.1f' "$pps"),
 "points":$npoints,"pairs":$pairs,"checksum":$checksum,
 "load_s":$(printf '%.3f' "$load_s"),"index_s":$(printf '%.3f' "$index_s"),"version":"$version"}
EOF
