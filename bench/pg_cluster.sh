# pg_cluster.sh — a throwaway PostgreSQL 15 + PostGIS cluster for the benchmarks' baselines.
# Sourced (not run) by attribution_postgis.sh, deconflict_postgis.sh and territory.sh:
#
#   . "$here/pg_cluster.sh"
#   pg_cluster_start NAME DEFAULT_PORT [EXTRA_CONF]   # cluster in bench/work/NAME
#   psql_q -c 'SELECT 1'                              # the "bench" database, PostGIS loaded
#   ...                                               # stopped and deleted at exit
#
# pg_cluster_start takes a lock (bench/work/.NAME.lock: one run at a time, a second would
# delete the first's cluster), picks DEFAULT_PORT unless taken (tests and wrk leave loopback
# sockets on ephemeral ports) or $PG_PORT, runs initdb and the server as postgres when root
# (the server refuses root) without the lock's file descriptor, listens on 127.0.0.1 and a
# socket in bench/work/NAME.sock only, creates database "bench" with PostGIS and sets
# pg_version ("15.x + PostGIS 3.x"). The settings favour speed over durability (fsync off):
# the data is generated and thrown away. An EXIT trap stops and deletes the cluster
# (TRUCE_PG_KEEP=1 keeps it). Also defined: as_pg, psql_q, now, median (of a comma list on stdin).

pg_bin=/usr/lib/postgresql/15/bin

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@" 9>&-; else "$@" 9>&-; fi
}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -h "$pg_sock" -p "$pg_port" -U postgres -d bench "$@"; }
now() { date +%s.%N; }
median() { tr , '\n' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

pg_cluster_stop() {
  if [ -n "${pg_data:-}" ] && [ -f "$pg_data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ "${TRUCE_PG_KEEP:-0}" != 1 ] && [ -n "${pg_data:-}" ]; then rm -rf "$pg_data" "$pg_sock"; fi
}

# pg_cluster_start NAME DEFAULT_PORT [EXTRA postgresql.conf lines]
pg_cluster_start() {
  local name=$1 want=$2 extra=${3:-} work
  work=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/work
  mkdir -p "$work"
  pg_data=$work/$name
  pg_sock=$work/$name.sock
  exec 9>"$work/.$name.lock"
  flock -n 9 || { echo "$name: waiting for another run to finish" >&2; flock 9; }
  pg_port=${PG_PORT:-$(/usr/bin/python3 -c '
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$want")}
  trap pg_cluster_stop EXIT
  pg_cluster_stop
  mkdir -p "$pg_data" "$pg_sock"
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pg_data" "$pg_sock"; fi
  as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$pg_data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_sock'
shared_buffers = 1GB
work_mem = 64MB
maintenance_work_mem = 1GB
max_parallel_workers_per_gather = 2
fsync = off
synchronous_commit = off
full_page_writes = off
$extra
CONF
  as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w start >/dev/null ||
    { tail -20 "$pg_data/server.log" >&2; return 1; }
  psql -X -q -h "$pg_sock" -p "$pg_port" -U postgres -d postgres -c 'CREATE DATABASE bench'
  psql_q -c 'CREATE EXTENSION postgis'
  pg_version=$(psql_q -A -t -c "SELECT split_part(version(), ' ', 2) || ' + PostGIS ' || postgis_lib_version()")
  echo "PostgreSQL $pg_version"
}
