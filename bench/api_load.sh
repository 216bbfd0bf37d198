#!/usr/bin/env bash
# api_load.sh — HTTP load on a real `truce serve` with wrk (bench name "api").
#
# Imports scenarios/syria-2016-2017.json into a fresh database in bench/work/api, starts
# `truce serve` on a free loopback port, takes the admin token from the import's --tokens
# file, checks one answer of each endpoint, then runs wrk RUNS times (interleaved) against:
#   health       GET /v1/health — no auth, no engine: the ceiling of the HTTP edge;
#   attribution  GET /v1/attribution?lon=37.16&lat=36.2&at=2016-10-01T00:00:00Z, admin token;
#   random       GET /v1/attribution at uniform random points over Syria, same instant.
# Quotes medians of requests/s and of p50/p99 latency, and writes bench/results/api.json:
# truce = attribution req/s, baseline = health req/s, ratios = attribution / health.
# The server is stopped at the end, whatever happens (trap).
#
# Usage: bench/api_load.sh
# Environment: TRUCE_BIN (default build-bench/truce), TRUCE_WRK_SECONDS (10),
#   TRUCE_WRK_THREADS (2), TRUCE_WRK_CONNECTIONS (32), TRUCE_RUNS (3),
#   TRUCE_SERVE_THREADS (the server's --threads; unset: its default).
# Exit status: 0, or 1 on a setup error, 3 when a request failed (non-2xx or socket error).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${TRUCE_BIN:-$root/build-bench/truce}
scenario=$root/scenarios/syria-2016-2017.json
secs=${TRUCE_WRK_SECONDS:-10}
wthreads=${TRUCE_WRK_THREADS:-2}
conns=${TRUCE_WRK_CONNECTIONS:-32}
runs=${TRUCE_RUNS:-3}
work=$here/work/api
py=/usr/bin/python3
fixed_path='/v1/attribution?lon=37.16&lat=36.2&at=2016-10-01T00:00:00Z'

[ -x "$bin" ] || { echo "api_load: $bin not built (run bench/run.sh api)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "api_load: wrk missing (scripts/deps.sh bench)" >&2; exit 1; }
mkdir -p "$here/work" "$here/results"
# One run at a time: a second one would delete this one's database.
exec 9>"$here/work/.api_load.lock"
flock -n 9 || { echo "api_load: waiting for another run to finish" >&2; flock 9; }
rm -rf "$work"
mkdir -p "$work"

# ---- database and server ----
"$bin" import scenario "$scenario" --db "$work/truce.db" --tokens "$work/tokens.tsv" 2>"$work/import.log" ||
  { cat "$work/import.log" >&2; exit 1; }
# Lines are NAME<TAB>ROLE<TAB>TOKEN (or NAME<TAB>TOKEN): the admin's token is the last field.
token=$(awk -F'\t' '$1 == "admin" || (NF > 2 && $2 == "admin") {print $NF; exit}' "$work/tokens.tsv")
[ -n "$token" ] || { echo "api_load: no admin token in $work/tokens.tsv" >&2; exit 1; }

port=$($py -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
serve_args=(serve --db "$work/truce.db" --listen "127.0.0.1:$port")
[ -n "${TRUCE_SERVE_THREADS:-}" ] && serve_args+=(--threads "$TRUCE_SERVE_THREADS")
"$bin" "${serve_args[@]}" 2>"$work/serve.log" 9>&- &
server=$!
stop_server() {
  if kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
}
trap stop_server EXIT

for _ in $(seq 100); do
  curl -fsS -o /dev/null "$base/v1/health" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
curl -fsS -o /dev/null "$base/v1/health" || { echo "api_load: server did not come up" >&2; exit 1; }

# ---- one answer of each, before any load ----
status() { curl -s -o "$1" -w '%{http_code}' "${@:2}"; }
s_health=$(status "$work/health.json" "$base/v1/health")
s_attr=$(status "$work/attribution.json" -H "Authorization: Bearer $token" "$base$fixed_path")
s_noauth=$(status /dev/null "$base$fixed_path")
echo "checks: health $s_health, attribution $s_attr, attribution without token $s_noauth"
if [ "$s_health" != 200 ] || [ "$s_attr" != 200 ] || [ "$s_noauth" != 401 ]; then
  echo "api_load: unexpected status (want 200, 200, 401); bodies in $work" >&2
  exit 1
fi

# ---- load ----
# run_wrk MODE URL TOKEN RUN: one wrk run; its full output is kept in $work.
run_wrk() {
  TRUCE_WRK_MODE=$1 TRUCE_TOKEN=$3 wrk -t"$wthreads" -c"$conns" -d"${secs}s" --latency \
    -s "$here/api_load.lua" "$2" >"$work/wrk_$1_$4.txt"
  local line
  line=$(grep '^WRKJSON ' "$work/wrk_$1_$4.txt" | sed 's/^WRKJSON //')
  echo "{\"mode\":\"$1\",\"run\":$4,\"stats\":$line}" >>"$work/runs.jsonl"
  printf '  %-12s run %d: %s\n' "$1" "$4" "$line"
}
: >"$work/runs.jsonl"
echo "warm-up: 2 s of attribution"
TRUCE_WRK_MODE=fixed TRUCE_TOKEN=$token wrk -t"$wthreads" -c"$conns" -d2s -s "$here/api_load.lua" \
  "$base$fixed_path" >/dev/null
echo "wrk -t$wthreads -c$conns -d${secs}s, $runs runs of each, interleaved:"
for i in $(seq "$runs"); do
  run_wrk health "$base/v1/health" "" "$i"
  run_wrk attribution "$base$fixed_path" "$token" "$i"
  run_wrk random "$base/v1/attribution" "$token" "$i"
done
stop_server
trap - EXIT

# ---- results ----
$py - "$work/runs.jsonl" "$here/results/api.json" "$secs" "$wthreads" "$conns" "$runs" <<'EOF'
import json, os, platform, statistics, sys, time
runs_path, out_path, secs, wthreads, conns, nruns = sys.argv[1:7]
rows = [json.loads(l) for l in open(runs_path)]
def med(mode, key):
    return statistics.median(r["stats"][key] for r in rows if r["mode"] == mode)
modes = ["health", "attribution", "random"]
fig = {m: {"requests_per_second": round(med(m, "rps"), 1),
           "p50_ms": round(med(m, "p50_us") / 1000, 3),
           "p99_ms": round(med(m, "p99_us") / 1000, 3)} for m in modes}
failed = sum(r["stats"]["non2xx"] + r["stats"]["socket_errors"] for r in rows)
rps = {m: fig[m]["requests_per_second"] for m in modes}
result = {
    "name": "api", "metric": "requests_per_second", "unit": "requests/s",
    "truce": rps["attribution"],
    "baselines": {"health": rps["health"]},
    "ratios": {"attribution_vs_health": round(rps["attribution"] / rps["health"], 3),
               "attribution_random_vs_health": round(rps["random"] / rps["health"], 3)},
    "latency_ms": fig,
    "data": {"scenario": "scenarios/syria-2016-2017.json",
             "attribution": "/v1/attribution?lon=37.16&lat=36.2&at=2016-10-01T00:00:00Z",
             "random": "uniform points in lon 35.6-42.4, lat 32.3-37.3, same at"},
    "load": {"tool": "wrk", "threads": int(wthreads), "connections": int(conns),
             "seconds": int(secs)},
    "agree": failed == 0, "failed_requests": failed,
    "runs": int(nruns), "median_of": int(nruns),
    "host": {"cpus": os.cpu_count(), "machine": platform.machine(),
             "cpu_busy_percent_before": int(os.environ["TRUCE_CPU_BUSY_BEFORE"])
             if os.environ.get("TRUCE_CPU_BUSY_BEFORE", "").isdigit() else None},
    "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "all_runs": rows,
}
json.dump(result, open(out_path, "w"), indent=1)
print("\napi (median of %s runs, wrk -t%s -c%s -d%ss, server and wrk on the same %d cores)"
      % (nruns, wthreads, conns, secs, os.cpu_count()))
print("  %-46s %12s %9s %9s %9s" % ("endpoint", "requests/s", "p50 ms", "p99 ms", "vs health"))
names = {"health": "GET /v1/health (baseline: the HTTP ceiling)",
         "attribution": "GET /v1/attribution, one point (truce)",
         "random": "GET /v1/attribution, random points"}
for m in modes:
    print("  %-46s %12.0f %9.3f %9.3f %8.2fx" % (names[m], rps[m], fig[m]["p50_ms"],
          fig[m]["p99_ms"], rps[m] / rps["health"]))
print("  failed requests: %d; wrote %s" % (failed, out_path))
sys.exit(0 if failed == 0 else 3)
EOF
