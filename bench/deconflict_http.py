#!/usr/bin/env python3
"""deconflict_http.py — workload B's conflict checks over HTTP, against a real `truce serve`.

1. A database holding workload B's 1,000,000 volumes as operations (one volume each, owned
   by five belligerent parties P1..P5, operation id = workload id), written as rows once
   (cached as pristine.db) and loaded by `truce serve` at start-up through the store and
   the engine exactly as any stored operation is: the start-up time (spawn to "listening
   on") is measured.
2. The server runs with zero separations (--op-horizontal-m 0 --op-vertical-m 0), so the
   question is the in-process one (footprints meet, bands overlap, windows overlap).
3. A client on one keep-alive connection POSTs each of the 10,000 query volumes as an
   operation of party Q with reject_on_conflict: true (a conflicting one is refused with
   409 and nothing is stored; one without conflicts is stored, but Q's own operations never
   conflict with Q's, so every query sees the same state), and GETs /v1/health as many
   times (the floor: HTTP, routing and JSON without the check). Per request: send to the
   last byte of the answer; p50/p99 per run, medians of RUNS runs.
4. Agreement: the operation conflicts summed over all queries and their checksum
   (sum of (query_id * 1000003 + volume_id) mod 2147483647) equal the in-process engine's
   (bench_deconflict's JSON, the same run); exit 3 otherwise.
5. Throughput with 16 connections (issue 19): wrk -t2 -c16 (deconflict_http.lua) POSTs the
   queries that were refused (409: a check that stores nothing, so every request asks the
   same question of the same state) in a cycle, and, interleaved, GET /v1/health with as
   many connections (the baseline: the HTTP edge's ceiling on this machine); checks/s,
   p50/p99 and the ratio, medians of RUNS runs of TRUCE_WRK_SECONDS (default 10) each.
   Every answer of the check runs must be a 409 (else exit 3).
6. Latency from a C client (issue 19 goal 2: p50 under 150 us, p99 under 1 ms): the Python
   client of step 3 costs about as much as the goal per request (its GET /v1/health floor
   is ~170 us), so the same refused queries are also POSTed by wrk -t1 -c1 on one
   keep-alive connection, beside GET /v1/health the same way (the baseline), each run.

Usage: deconflict_http.py --truce BIN --data DIR --work DIR --inproc JSON --json OUT [--runs N]
Only the standard library (and wrk for step 5).
"""
import argparse
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import time

EPOCH_2025 = 1735689600
OWNERS = ["P1", "P2", "P3", "P4", "P5"]
QUERY_PARTY = "Q"
TIMEOUT_S = 60
FORMAT = 2  # of the cached database: 2 has volumes_bin (migration 0010)


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rows(path):
    """(id, alo, ahi, t0, t1, [(x, y), ...] without the closing position) per TSV line."""
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            ring = p[9][p[9].index("((") + 2:p[9].rindex("))")]
            pts = [tuple(c.split(" ")) for c in ring.split(",")]
            yield int(p[0]), p[5], p[6], int(p[7]) + EPOCH_2025, int(p[8]) + EPOCH_2025, pts[:-1]


def volume4d(alo, ahi, t0, t1, pts):
    """The Volume4D as JSON text (numbers copied as written in the workload)."""
    verts = ",".join('{"lat":%s,"lng":%s}' % (y, x) for x, y in pts)
    return ('{"volume":{"outline_polygon":{"vertices":[%s]},'
            '"altitude_lower":{"value":%s,"reference":"W84","units":"M"},'
            '"altitude_upper":{"value":%s,"reference":"W84","units":"M"}},'
            '"time_start":{"value":"%s","format":"RFC3339"},"time_end":{"value":"%s","format":"RFC3339"}}'
            % (verts, alo, ahi, rfc3339(t0), rfc3339(t1)))


def volumes_bin(alo, ahi, t0, t1, pts):
    """The same volume in the store's binary form (src/store/store_dc_pack.c): what
    truce writes beside the JSON, so that start-up does not re-parse the JSON."""
    out = struct.pack("<IBddqqI", 1, 1, float(alo), float(ahi), t0, t1, len(pts))
    return out + b"".join(struct.pack("<dd", float(x), float(y)) for x, y in pts)


def cli(truce, *args):
    p = subprocess.run([truce, *args], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        sys.exit("truce %s: %s" % (" ".join(args), p.stderr))
    return p.stdout.strip()


def pristine(truce, data, work):
    """The cached database with the 1,000,000 operations and the parties' tokens."""
    db, ok = os.path.join(work, "pristine.db"), os.path.join(work, "pristine.ok")
    if os.path.exists(ok):
        cached = json.load(open(ok))
        if cached.pop("_format", 1) == FORMAT:
            return db, cached
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    tokens = {name: cli(truce, "party", "add", name, "--role", "belligerent", "--db", db)
              for name in OWNERS + [QUERY_PARTY]}
    print("deconflict_http: writing 1,000,000 operations into %s (once; about a minute)" % db, flush=True)
    t = time.time()
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    con.executemany("INSERT INTO operation(id, owner, kind, state, volumes, created_at, volumes_bin)"
                    " VALUES (?,?,?,?,?,?,?)",
                    ((i, OWNERS[i % 5], "air", "planned", "[" + volume4d(alo, ahi, t0, t1, pts) + "]", EPOCH_2025,
                      volumes_bin(alo, ahi, t0, t1, pts))
                     for i, alo, ahi, t0, t1, pts in rows(os.path.join(data, "b_vols.tsv"))))
    con.commit()
    n = con.execute("SELECT count(*) FROM operation").fetchone()[0]
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    if n != 1000000:
        sys.exit("deconflict_http: %d operations written, expected 1,000,000" % n)
    print("deconflict_http: written in %.0f s" % (time.time() - t), flush=True)
    with open(ok, "w") as f:
        json.dump(dict(tokens, _format=FORMAT), f)
    return db, tokens


def start(truce, db, log):
    """Starts truce serve; returns (process, port, seconds from spawn to listening)."""
    t = time.monotonic()
    err = open(log, "w+")
    proc = subprocess.Popen([truce, "serve", "--db", db, "--listen", "127.0.0.1:0", "--op-horizontal-m", "0",
                             "--op-vertical-m", "0", "--web", "none"], stdout=subprocess.DEVNULL, stderr=err)
    deadline = t + 600
    while time.monotonic() < deadline:
        err.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", err.read())
        if m:
            return proc, int(m.group(1)), time.monotonic() - t
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    err.seek(0)
    proc.kill()
    sys.exit("truce serve did not start:\n" + err.read()[-2000:])


def stop(proc, timeout=60):
    """SIGTERM to a started server, SIGKILL if it has not exited within timeout s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def timed(conn, method, path, body, headers):
    """One request on the kept-alive connection: (ns from send to the last byte, status, body)."""
    t = time.perf_counter_ns()
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    return time.perf_counter_ns() - t, r.status, data


def pct(ns, q):
    s = sorted(ns)
    return s[min(len(s) - 1, int(q * len(s)))] / 1000.0


def wrk(port, token, bodies, seconds, lua, conns=16):
    """One wrk run (-t2 -c16, or -t1 -c1 for one connection): its WRKJSON figures."""
    env = dict(os.environ, TRUCE_TOKEN=token or "", TRUCE_BODIES=bodies or "")
    p = subprocess.run(["wrk", "-t%d" % min(2, conns), "-c%d" % conns, "-d%ds" % seconds, "--latency", "-s", lua,
                        "http://127.0.0.1:%d/v1/health" % port], capture_output=True, text=True, env=env,
                       timeout=seconds + 120)
    m = re.search(r"^WRKJSON (\{.*\})$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        sys.exit("wrk failed (%d): %s %s" % (p.returncode, p.stdout[-1000:], p.stderr[-1000:]))
    return json.loads(m.group(1))


def throughput(port, token, refused_bodies, work, runs):
    """Step 5: checks/s with 16 connections beside GET /v1/health, interleaved, RUNS each."""
    path = os.path.join(work, "refused.ndjson")
    with open(path, "w") as f:
        f.write("\n".join(refused_bodies) + "\n")
    lua = os.path.join(os.path.dirname(os.path.abspath(__file__)), "deconflict_http.lua")
    seconds = int(os.environ.get("TRUCE_WRK_SECONDS", "10"))
    checks, health, one, one_health = [], [], [], []
    for run in range(runs):
        checks.append(wrk(port, token, path, seconds, lua))
        health.append(wrk(port, None, None, seconds, lua))
        one.append(wrk(port, token, path, seconds, lua, conns=1))
        one_health.append(wrk(port, None, None, seconds, lua, conns=1))
        c, h, o, oh = checks[-1], health[-1], one[-1], one_health[-1]
        print("deconflict_http wrk run %d: checks %.0f/s (p50 %d us, p99 %d us; %d x 409, %d other); "
              "GET /v1/health %.0f/s; one connection (wrk -c1): check p50 %d us, p99 %d us, health p50 %d us, "
              "p99 %d us" % (run + 1, c["rps"], c["p50_us"], c["p99_us"], c["status_409"],
                             c["status_2xx"] + c["status_other"], h["rps"], o["p50_us"], o["p99_us"],
                             oh["p50_us"], oh["p99_us"]), flush=True)
    med = lambda runs_, k: statistics.median(r[k] for r in runs_)
    return {"one_connection": {"client": "wrk -t1 -c1 (C), the refused queries cycled",
                               "check_p50_us": med(one, "p50_us"), "check_p99_us": med(one, "p99_us"),
                               "health_p50_us": med(one_health, "p50_us"),
                               "health_p99_us": med(one_health, "p99_us"),
                               "runs": {"checks": one, "health": one_health}},
            "checks_per_s": med(checks, "rps"), "checks_p50_us": med(checks, "p50_us"),
            "checks_p99_us": med(checks, "p99_us"), "health_per_s": med(health, "rps"),
            "health_p50_us": med(health, "p50_us"), "health_p99_us": med(health, "p99_us"),
            "all_409": all(r["status_409"] == r["requests"] and r["socket_errors"] == 0 for r in checks + one),
            "queries_cycled": len(refused_bodies), "seconds": seconds, "runs": {"checks": checks, "health": health}}


def vm_hwm_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truce", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--inproc", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--runs", type=int, default=3)
    o = ap.parse_args()
    os.makedirs(o.work, exist_ok=True)
    inproc = json.load(open(o.inproc))
    queries = [(i, '{"kind":"air","reject_on_conflict":true,"volumes":[%s]}' % volume4d(alo, ahi, t0, t1, pts))
               for i, alo, ahi, t0, t1, pts in rows(os.path.join(o.data, "b_queries.tsv"))]
    src, tokens = pristine(o.truce, o.data, o.work)
    db = os.path.join(o.work, "run.db")
    for f in (db, db + "-wal", db + "-shm", db + ".key", db + ".key.checkpoint"):
        if os.path.exists(f):
            os.remove(f)
    shutil.copyfile(src, db)
    proc, port, startup_s = start(o.truce, db, os.path.join(o.work, "serve.log"))
    print("deconflict_http: truce serve loaded 1,000,000 operations and listened after %.1f s" % startup_s,
          flush=True)
    rss_started = vm_hwm_mib(proc.pid)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
    auth = {"Authorization": "Bearer " + tokens[QUERY_PARTY]}
    post_headers = dict(auth, **{"Content-Type": "application/json"})
    for _ in range(100):  # warm the connection and the server's threads
        timed(conn, "GET", "/v1/health", None, {})
    runs, first, refused_bodies = [], None, []
    try:
        for run in range(o.runs):
            hns = [timed(conn, "GET", "/v1/health", None, {})[0] for _ in range(len(queries))]
            qns, pairs, checksum, refused, stored = [], 0, 0, 0, 0
            for qid, body in queries:
                ns, status, data = timed(conn, "POST", "/v1/operations", body, post_headers)
                qns.append(ns)
                if status not in (201, 409):
                    sys.exit("query %d answered %d: %s" % (qid, status, data[:300]))
                refused += status == 409
                stored += status == 201
                if status == 409 and not runs:
                    refused_bodies.append(body)
                for c in json.loads(data)["conflicts"]:
                    if c["type"] == "operation":
                        pairs += 1
                        checksum += (qid * 1000003 + c["id"]) % 2147483647
            runs.append({"http_p50_us": pct(qns, 0.5), "http_p99_us": pct(qns, 0.99), "health_p50_us": pct(hns, 0.5),
                         "health_p99_us": pct(hns, 0.99), "refused_409": refused, "stored_201": stored,
                         "pairs": pairs, "checksum": checksum})
            print("deconflict_http run %d: POST /v1/operations p50 %.0f us, p99 %.0f us; GET /v1/health p50 %.0f us, "
                  "p99 %.0f us; %d refused (409), %d without conflicts (201); %d pairs" %
                  (run + 1, runs[-1]["http_p50_us"], runs[-1]["http_p99_us"], runs[-1]["health_p50_us"],
                   runs[-1]["health_p99_us"], refused, stored, pairs), flush=True)
            first = first or runs[-1]
        conc = throughput(port, tokens[QUERY_PARTY], refused_bodies, o.work, o.runs)
        rss_peak = vm_hwm_mib(proc.pid)
    finally:
        conn.close()
        stop(proc)
    med = {k: statistics.median(r[k] for r in runs)
           for k in ("http_p50_us", "http_p99_us", "health_p50_us", "health_p99_us")}
    same_state = all((r["pairs"], r["checksum"]) == (first["pairs"], first["checksum"]) for r in runs)
    agree = same_state and first["pairs"] == inproc["data"]["pairs"] and first["checksum"] == inproc["data"]["checksum"]
    ip50, ip99 = inproc["latency_us"]["truce_p50"], inproc["latency_us"]["truce_p99"]
    print()
    print("%-44s %10s %10s" % ("conflict check of one new operation", "p50 us", "p99 us"))
    print("%-44s %10.1f %10.1f" % ("truce in-process (dc_engine_query)", ip50, ip99))
    print("%-44s %10.1f %10.1f" % ("truce over HTTP (POST /v1/operations, 409)", med["http_p50_us"], med["http_p99_us"]))
    print("%-44s %10.1f %10.1f" % ("floor: GET /v1/health over HTTP", med["health_p50_us"], med["health_p99_us"]))
    print()
    print("%-44s %10s %10s %10s" % ("16 connections (wrk -t2 -c16)", "req/s", "p50 us", "p99 us"))
    print("%-44s %10.0f %10.0f %10.0f" % ("truce: conflict check (POST, 409)", conc["checks_per_s"],
                                          conc["checks_p50_us"], conc["checks_p99_us"]))
    print("%-44s %10.0f %10.0f %10.0f" % ("baseline: GET /v1/health", conc["health_per_s"], conc["health_p50_us"],
                                          conc["health_p99_us"]))
    print("ratio checks/s to health/s: %.2f" % (conc["checks_per_s"] / conc["health_per_s"]))
    one = conc["one_connection"]
    print()
    print("%-44s %10s %10s" % ("one connection, C client (wrk -t1 -c1)", "p50 us", "p99 us"))
    print("%-44s %10.0f %10.0f" % ("truce: conflict check (POST, 409)", one["check_p50_us"], one["check_p99_us"]))
    print("%-44s %10.0f %10.0f" % ("baseline: GET /v1/health", one["health_p50_us"], one["health_p99_us"]))
    print("ratio check p50 to health p50: %.2f" % (one["check_p50_us"] / max(one["health_p50_us"], 1)))
    goals = {"http_p50_under_150_us": med["http_p50_us"] < 150, "http_p99_under_1_ms": med["http_p99_us"] < 1000,
             "c_client_p50_under_150_us": one["check_p50_us"] < 150,
             "c_client_p99_under_1_ms": one["check_p99_us"] < 1000,
             "checks_per_s_16_connections_at_least_10000": conc["checks_per_s"] >= 10000}
    print("issue 19 goal 2: %s" % ", ".join("%s %s" % (k, "met" if v else "NOT met") for k, v in goals.items()))
    agree = agree and conc["all_409"]
    print("start-up of truce serve with 1,000,000 stored operations: %.1f s; its peak RSS %.0f MiB (%.0f at start)"
          % (startup_s, rss_peak, rss_started))
    print("agreement: %s (%d pairs, checksum %d; in-process %d, %d)" %
          ("HTTP and in-process return the same pairs" if agree else "DISAGREEMENT", first["pairs"],
           first["checksum"], inproc["data"]["pairs"], inproc["data"]["checksum"]))
    result = {
        "benchmark": "deconflict_http",
        "metric": "conflict check of one new operation against 1,000,000 stored, over HTTP, p50 latency",
        "unit": "us", "truce": med["http_p50_us"],
        "baselines": {"truce_in_process": ip50, "http_floor_health": med["health_p50_us"]},
        "latency_us": dict(med, inproc_p50=ip50, inproc_p99=ip99),
        "concurrent_16": conc, "goals": goals,
        "ratios": {"checks_per_s_vs_health_per_s": conc["checks_per_s"] / conc["health_per_s"],
                   "http_p50_vs_health_p50": med["http_p50_us"] / med["health_p50_us"],
                   "c_client_check_p50_vs_health_p50": one["check_p50_us"] / max(one["health_p50_us"], 1)},
        "runs": runs, "startup_s": startup_s, "server_peak_rss_mib": rss_peak, "server_rss_after_start_mib": rss_started,
        "data": {"volumes": 1000000, "queries": len(queries), "pairs": first["pairs"], "checksum": first["checksum"]},
        "agree": agree,
        "host": {"cpu_busy_percent_before": int(os.environ.get("TRUCE_CPU_BUSY_BEFORE", "-1"))},
    }
    with open(o.json, "w") as f:
        json.dump(result, f, indent=2)
    return 0 if agree else 3


if __name__ == "__main__":
    sys.exit(main())
