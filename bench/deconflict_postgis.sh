#!/usr/bin/env bash
# deconflict_postgis.sh — the PostGIS baseline of the deconfliction benchmark (workload B).
#
# Creates a throwaway PostgreSQL 15 cluster in bench/work/pgb (bench/pg_cluster.sh: loopback
# only, port $TRUCE_PGB_PORT, else 55433, else a free one; socket in bench/work/pgb.sock), loads bench/work/data/b_vols.tsv
# and b_queries.tsv with the shared b_load.sql (tables vol and qvol: geometry, tstzrange
# [t0, t1), numrange [alo, ahi]), builds the README's best index — GiST on
# (trange, geom, arange) — and runs the shared b_loop.sql RUNS times: every query timed
# inside the server (clock_timestamp around one SELECT count(*) in a PL/pgSQL loop), so no
# client round trip is counted. Medians of the runs' p50/p99 are reported.
# Agreement data for bench_deconflict: the per-query counts of run 1 (qid, n) and, from one
# more (untimed) join, the pair count and the checksum
#   sum over pairs of (query_id * 1000003 + volume_id) mod 2147483647.
# The cluster is stopped and deleted at the end (TRUCE_PG_KEEP=1 keeps it).
#
# Usage: bench/deconflict_postgis.sh [--runs N] [--limit NQUERIES] [--json FILE]
# Writes FILE (default bench/work/deconflict_postgis.json):
#   {"runs":N,"p50_us":[..],"p99_us":[..],"mean_us":[..],"median_p50_us":..,"median_p99_us":..,
#    "median_mean_us":..,"pairs":..,"checksum":..,"load_s":..,"index_s":..,"index_mb":..,
#    "table_mb":..,"version":"..","counts_file":".."}
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=$here/work
data=$work/data
shared=/work/shared/bench-workloads
runs=3
limit=10000
json=$work/deconflict_postgis.json
counts=$work/deconflict_postgis_counts.tsv
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--limit N] [--json FILE]" >&2; exit 1 ;;
  esac
done
for f in b_vols.tsv b_queries.tsv; do
  [ -s "$data/$f" ] || { echo "deconflict_postgis: $data/$f missing (run bench/deconflict.sh)" >&2; exit 1; }
done

# ---- throwaway cluster (bench/pg_cluster.sh) ----
. "$here/pg_cluster.sh"
PG_PORT=${TRUCE_PGB_PORT:-} pg_cluster_start pgb 55433 'jit = off'
version=$pg_version

# ---- load (b_load.sql reads data/*.tsv relative to the working directory) ----
t0=$(now)
(cd "$work" && PGOPTIONS='--client-min-messages=warning' psql_q -f "$shared/b_load.sql") \
  >"$work/deconflict_postgis_load.log"
t1=$(now)
psql_q <<EOF
CREATE INDEX vol_gix ON vol USING gist (trange, geom, arange);
ANALYZE vol;
EOF
t2=$(now)
load_s=$(echo "$t1 - $t0" | bc -l)
index_s=$(echo "$t2 - $t1" | bc -l)
read -r index_mb table_mb < <(psql_q -A -t -F' ' -c \
  "SELECT round(pg_relation_size('vol_gix') / 1048576.0, 1), round(pg_total_relation_size('vol') / 1048576.0, 1)")
printf 'load %.1f s (b_load.sql), GiST (trange, geom, arange) %.1f s, index %s MB, table with indexes %s MB\n' \
  "$load_s" "$index_s" "$index_mb" "$table_mb"

# The plan of one query as b_loop.sql runs it: it must use the GiST index.
psql_q >"$work/deconflict_postgis_plan.txt" <<'EOF'
EXPLAIN SELECT count(*) FROM vol v, (SELECT geom, trange, arange FROM qvol WHERE id = 1) q
 WHERE ST_Intersects(v.geom, q.geom) AND v.trange && q.trange AND v.arange && q.arange;
EOF
grep -q 'vol_gix' "$work/deconflict_postgis_plan.txt" ||
  echo "deconflict_postgis: warning: the plan does not use vol_gix (see $work/deconflict_postgis_plan.txt)" >&2

# ---- b_loop.sql, RUNS times, in the server ----
p50s="" p99s="" means="" sep=""
for r in $(seq "$runs"); do
  line=$(cd "$work" && psql_q -A -t -F'|' -v variant=gist -v run="$r" -v nd=false -v lim="$limit" \
    -f "$shared/b_loop.sql" | grep "^gist|$r|")
  IFS='|' read -r _ _ nq pairs mean p50 _ p99 max total <<<"$line"
  echo "run $r: $nq queries, $pairs pairs, p50 $p50 us, p99 $p99 us, mean $mean us, max $max us, total $total s"
  p50s="$p50s$sep$p50" p99s="$p99s$sep$p99" means="$means$sep$mean" sep=,
done
mp50=$(echo "$p50s" | median)
mp99=$(echo "$p99s" | median)
mmean=$(echo "$means" | median)
psql_q -c "\\copy (SELECT qid, n FROM b_lat WHERE variant = 'gist' AND run = 1 ORDER BY qid) TO '$counts'"

# ---- pairs and checksum, one join (untimed) ----
read -r jpairs checksum < <(psql_q -A -t -F' ' <<EOF
SELECT count(*), coalesce(sum((q.id::bigint * 1000003 + v.id) % 2147483647), 0)
  FROM qvol q JOIN vol v ON ST_Intersects(v.geom, q.geom) AND v.trange && q.trange AND v.arange && q.arange
 WHERE q.id <= $limit;
EOF
)
echo "PostGIS: median p50 $mp50 us, p99 $mp99 us over $runs runs; join: $jpairs pairs, checksum $checksum"

cat >"$json" <<EOF
{"runs":$runs,"p50_us":[$p50s],"p99_us":[$p99s],"mean_us":[$means],
 "median_p50_us":$mp50,"median_p99_us":$mp99,"median_mean_us":$mmean,
 "pairs":$jpairs,"checksum":$checksum,"load_s":$(printf '%.3f' "$load_s"),"index_s":$(printf '%.3f' "$index_s"),
 "index_mb":$index_mb,"table_mb":$table_mb,"version":"$version","counts_file":"$counts"}
EOF
