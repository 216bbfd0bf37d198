#!/usr/bin/env bash
# cluster.sh — a whole centre on one machine, for demos and tests (docs/operations.md
# "A centre on several machines"): three PostgreSQL nodes run by pg_auto_failover (a
# monitor, a primary and a secondary with synchronous replication) and two `truce serve`
# instances on the same database, all on loopback ports.
#
#   scripts/cluster.sh up [DIR]            start it (DIR: $TRUCE_CLUSTER, else /tmp/truce-cluster;
#                                          emptied first); prints one line per instance:
#                                          `truce http://127.0.0.1:PORT`
#   scripts/cluster.sh down [DIR]          stop everything and delete DIR
#   scripts/cluster.sh status [DIR]        the nodes' states (pg_autoctl) and each instance's health
#   scripts/cluster.sh kill-primary [DIR]  kill -9 the current primary (its keeper and its
#                                          PostgreSQL, as if its machine died); the monitor then
#                                          promotes the secondary (about 10 s here)
#   scripts/cluster.sh revive [DIR]        start again every node killed (it rejoins as the
#                                          secondary); waits for a primary and a secondary
#   scripts/cluster.sh freeze|thaw NODE [DIR]  SIGSTOP / SIGCONT every process of NODE
#                                          (monitor, node1, node2), as a partition would
#   scripts/cluster.sh uri [DIR]           the libpq URI the instances use
#
# Environment: TRUCE (the binary, default build/truce), TRUCE_INSTANCES (default 2),
# TRUCE_SERVE_ARGS (more arguments for each `truce serve`). As root, PostgreSQL and
# pg_autoctl run as the postgres user (PostgreSQL refuses root). The failure-detection
# timeouts are shortened on the monitor (a demo should not wait the production 20 s); the
# production values are in docs/operations.md.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
truce=${TRUCE:-$here/build/truce}
cmd=${1:-}
case "$cmd" in
  freeze | thaw) node=${2:?NODE}; shift ;;
esac
dir=${2:-${TRUCE_CLUSTER:-/tmp/truce-cluster}}
ninst=${TRUCE_INSTANCES:-2}

die() { echo "cluster: $*" >&2; exit 1; }

as_pg() {
  local env=(env HOME="$dir" XDG_CONFIG_HOME="$dir/cfg" XDG_DATA_HOME="$dir/share" XDG_RUNTIME_DIR="$dir/run"
             PG_CONFIG="$pg_bin/pg_config" PATH="$pg_bin:$PATH")
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "${env[@]}" "$@"; else "${env[@]}" "$@"; fi
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most $2 seconds) until the command in the remaining arguments succeeds.
wait_for() {
  local what=$1 limit=$2 i=0
  shift 2
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -le $((limit * 2)) ] || die "timed out after ${limit}s waiting for $what"
    sleep 0.5
  done
}

# The node's pg_autoctl state as the monitor has it: "name state" lines.
states() {
  as_pg pg_autoctl show state --pgdata "$dir/monitor" --json 2>/dev/null |
    /usr/bin/python3 -c 'import json, sys
for n in json.load(sys.stdin): print(n["nodename"], n["current_group_state"], n["assigned_group_state"], n["nodehost"] + ":" + str(n["nodeport"]))'
}

has_state() { states | grep -q "^$1 $2 $2 "; }

# Starts a pg_autoctl service in the background on pgdata $1, logging to $1.log, in a
# session of its own: $1.keeper holds the session id (its keeper, its PostgreSQL and
# every child are in it; pg_autoctl renames its processes, so they are found by session).
run_keeper() {
  as_pg bash -c "setsid nohup pg_autoctl run --pgdata '$1' >>'$1.log' 2>&1 </dev/null & echo \$! >'$1.keeper'"
}

# Every process of node $1: its keeper's session, and its PostgreSQL's children (which
# PostgreSQL puts in sessions of their own).
node_pids() {
  local sid pm
  sid=$(cat "$dir/$1.keeper" 2>/dev/null) || return 0
  pgrep -s "$sid" || true
  if [ -f "$dir/$1/postmaster.pid" ]; then
    pm=$(head -1 "$dir/$1/postmaster.pid")
    echo "$pm"
    pgrep -P "$pm" || true
  fi
}

# Sends signal $2 to every process of node $1 (KILL: its machine dies; STOP/CONT: it
# freezes and thaws, as behind a partition).
signal_node() {
  local pids
  pids=$(node_pids "$1" | sort -u)
  [ -z "$pids" ] || kill -"$2" $pids 2>/dev/null || true
}

kill_node() { signal_node "$1" 9; }

monitor_up() {
  local port
  port=$(free_port)
  as_pg pg_autoctl create monitor --pgctl "$pg_bin/pg_ctl" --pgdata "$dir/monitor" --pgport "$port" \
    --hostname 127.0.0.1 --auth trust --no-ssl >>"$dir/monitor.log" 2>&1 || die "monitor: see $dir/monitor.log"
  as_pg pg_autoctl config set --pgdata "$dir/monitor" postgresql.listen_addresses 127.0.0.1 >/dev/null
  run_keeper "$dir/monitor"
  wait_for "the monitor" 60 as_pg psql -X -q -h 127.0.0.1 -p "$port" -U autoctl_node -d pg_auto_failover -c 'SELECT 1'
  # Detect a dead primary within seconds (defaults: 20 s unhealthy, 5 s period).
  local setting
  for setting in health_check_period=1000 health_check_timeout=1000 health_check_max_retries=1 \
                 health_check_retry_delay=500 node_considered_unhealthy_timeout=4000; do
    as_pg psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d pg_auto_failover \
      -c "ALTER SYSTEM SET pgautofailover.${setting%=*} = ${setting#*=}" >/dev/null
  done
  as_pg psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d pg_auto_failover -c 'SELECT pg_reload_conf()' >/dev/null
  echo "postgres://autoctl_node@127.0.0.1:$port/pg_auto_failover?sslmode=disable" >"$dir/monitor.uri"
}

# Creates data node $1 (node1, node2) and runs its keeper; waits for state $2.
node_up() {
  local name=$1 want=$2 port
  port=$(free_port)
  as_pg pg_autoctl create postgres --pgctl "$pg_bin/pg_ctl" --pgdata "$dir/$name" --pgport "$port" \
    --listen 127.0.0.1 --hostname 127.0.0.1 --name "$name" --dbname truce --auth trust --no-ssl \
    --monitor "$(cat "$dir/monitor.uri")" >>"$dir/$name.log" 2>&1 || die "$name: see $dir/$name.log"
  run_keeper "$dir/$name"
  wait_for "$name to be $want" 180 has_state "$name" "$want"
}

truce_up() {
  local i=$1 port uri
  uri=$(cat "$dir/uri")
  port=$(free_port)
  # shellcheck disable=SC2086
  (cd "$dir" && exec nohup "$truce" serve --db "$uri" --log-key "$dir/truce.key" --listen "127.0.0.1:$port" ${TRUCE_SERVE_ARGS:-} >>"$dir/truce$i.log" 2>&1) &
  echo $! >"$dir/truce$i.pid"
  echo "$port" >"$dir/truce$i.port"
  wait_for "truce instance $i" 60 curl -fsS "http://127.0.0.1:$port/v1/health"
  echo "truce http://127.0.0.1:$port"
}

up() {
  [ -x "$truce" ] || die "no truce binary at $truce (make build, or set TRUCE)"
  command -v pg_autoctl >/dev/null || die "no pg_autoctl (scripts/deps.sh installs postgresql-15-auto-failover)"
  down_quiet
  mkdir -p "$dir/run"
  touch "$dir/monitor.log" "$dir/node1.log" "$dir/node2.log"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi
  monitor_up
  node_up node1 single
  local p1
  p1=$(states | awk '$1 == "node1" {print $4}')
  wait_for "node1's PostgreSQL" 60 as_pg psql -X -q -h "${p1%:*}" -p "${p1#*:}" -U postgres -d truce -c 'SELECT 1'
  as_pg psql -X -q -h "${p1%:*}" -p "${p1#*:}" -U postgres -d truce -c 'CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null
  node_up node2 secondary
  wait_for "node1 to be primary" 120 has_state node1 primary
  # Every data node, primary first: libpq tries them in turn and keeps the read-write one.
  local hosts
  hosts=$(states | awk '$1 != "monitor" {print $4}' | paste -sd, -)
  echo "postgresql://postgres@$hosts/truce?target_session_attrs=read-write&connect_timeout=2" >"$dir/uri"
  for i in $(seq 1 "$ninst"); do truce_up "$i"; done
  # The instances, once more, last: scripts read these lines.
}

down_quiet() {
  [ -d "$dir" ] || return 0
  for f in "$dir"/truce*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  for n in node2 node1 monitor; do
    if [ -f "$dir/$n/postmaster.pid" ] || [ -f "$dir/$n.keeper" ]; then
      as_pg pg_autoctl stop --pgdata "$dir/$n" --immediate >/dev/null 2>&1 || true
    fi
  done
  sleep 1
  # Whatever is left (a keeper killed before it stopped its PostgreSQL, say).
  for n in node2 node1 monitor; do kill_node "$n"; done
  for f in "$dir"/truce*.pid; do
    [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
  done
  rm -rf "$dir"
}

status() {
  [ -f "$dir/uri" ] || die "no cluster in $dir"
  as_pg pg_autoctl show state --pgdata "$dir/monitor"
  for f in "$dir"/truce*.port; do
    local port
    port=$(cat "$f")
    if curl -fsS -m 2 "http://127.0.0.1:$port/v1/health" >/dev/null 2>&1; then
      echo "truce http://127.0.0.1:$port up"
    else
      echo "truce http://127.0.0.1:$port down"
    fi
  done
}

kill_primary() {
  [ -f "$dir/uri" ] || die "no cluster in $dir"
  local name
  name=$(states | awk '$2 == "primary" || $2 == "wait_primary" || $2 == "single" {print $1; exit}')
  [ -n "$name" ] || die "no primary now (states: $(states | tr '\n' ';'))"
  kill_node "$name"
  echo "killed $name"
}

# A primary and a secondary, each in the state the monitor assigned.
settled() {
  [ "$(states | awk '$2 == $3 {print $2}' | sort | tr '\n' ' ')" = "primary secondary " ]
}

revive() {
  [ -f "$dir/uri" ] || die "no cluster in $dir"
  local n
  for n in node1 node2; do
    pgrep -s "$(cat "$dir/$n.keeper")" >/dev/null 2>&1 || run_keeper "$dir/$n"
  done
  wait_for "a primary and a secondary" 240 settled
}

case "$cmd" in
  up) up ;;
  down) down_quiet ;;
  status) status ;;
  kill-primary) kill_primary ;;
  revive) revive ;;
  freeze) signal_node "$node" STOP ;;
  thaw) signal_node "$node" CONT ;;
  uri) cat "$dir/uri" ;;
  states) states ;;
  *) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; [ "${1:-}" = --help ] || [ "${1:-}" = -h ] || exit 2 ;;
esac
