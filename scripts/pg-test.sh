#!/usr/bin/env bash
# pg-test.sh — a throwaway PostgreSQL 15 + PostGIS cluster for the tests of the PostgreSQL
# store (docs/operations.md "Choosing a store").
#
#   scripts/pg-test.sh start DIR        initdb into DIR (emptied first), start on 127.0.0.1 and a
#                                       free port, PostGIS in template1 (every new database has
#                                       it), write the admin URI to DIR/uri
#   scripts/pg-test.sh stop DIR         stop it and delete DIR
#   scripts/pg-test.sh halt DIR         stop DIR's server (fast shutdown), keeping its data
#   scripts/pg-test.sh resume DIR       start it again on the same port (after halt)
#   scripts/pg-test.sh with DIR -- CMD  run CMD with TRUCE_TEST_PG set to DIR's URI
#   scripts/pg-test.sh run -- CMD       start a cluster in a temporary folder, run CMD with
#                                       TRUCE_TEST_PG set, stop and delete it at exit
#
# As root, initdb and the server run as the postgres user (the server refuses root). The
# server listens on loopback only (no Unix socket), with durable settings (fsync and
# synchronous_commit on: the durability tests need them). CTest uses start/stop as the
# fixture "pg" and `with` around the tests that need it (CMakeLists.txt).
set -euo pipefail
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
  local dir=$1
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      as_pg "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

start() {
  local dir=$1 port tries=0
  [ -x "$pg_bin/initdb" ] || { echo "pg-test: no PostgreSQL 15 in $pg_bin (scripts/deps.sh test)" >&2; exit 1; }
  stop "$dir"
  mkdir -p "$dir/data"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi
  as_pg "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  # A port found free may be taken before the server binds it: try a few.
  while :; do
    port=$(free_port)
    cat >"$dir/data/postgresql.auto.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 200
shared_buffers = 128MB
fsync = on
synchronous_commit = on
log_min_messages = warning
CONF
    if as_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 start >/dev/null; then break; fi
    tries=$((tries + 1))
    if [ $tries -ge 5 ]; then tail -20 "$dir/data/server.log" >&2; exit 1; fi
  done
  psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d template1 -c 'CREATE EXTENSION postgis'
  echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/uri"
  echo "pg-test: PostgreSQL on 127.0.0.1:$port ($dir)" >&2
}

cmd=${1:-}
case "$cmd" in
  start) start "${2:?DIR}" ;;
  stop) stop "${2:?DIR}" ;;
  halt) as_pg "$pg_bin/pg_ctl" -D "${2:?DIR}/data" -m fast -w -t 60 stop >/dev/null ;;
  resume) as_pg "$pg_bin/pg_ctl" -D "${2:?DIR}/data" -l "$2/data/server.log" -w -t 60 start >/dev/null ;;
  with)
    dir=${2:?DIR}; shift 2; [ "${1:-}" = -- ] && shift
    [ -f "$dir/uri" ] || { echo "pg-test: no cluster in $dir (scripts/pg-test.sh start $dir)" >&2; exit 1; }
    TRUCE_TEST_PG=$(cat "$dir/uri") exec "$@" ;;
  run)
    shift; [ "${1:-}" = -- ] && shift
    dir=$(mktemp -d /tmp/truce-pg.XXXXXX)
    trap 'stop "$dir"' EXIT
    start "$dir"
    TRUCE_TEST_PG=$(cat "$dir/uri") "$@" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; [ "$cmd" = --help ] || [ "$cmd" = -h ] ;;
esac
