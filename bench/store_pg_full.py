#!/usr/bin/env python3
"""store_pg_full.py — 1,000,000 stored operations on both stores, same run (issue 13, item 6).

The data is workload B (/work/shared/bench-workloads, gen.py B and Q): its 1,000,000
volumes as operations of five parties, written once into an SQLite file by
deconflict_http.py (bench/work/http/pristine.db), then moved to PostgreSQL with
`truce store copy` (the copy's time is printed) into a throwaway cluster of
scripts/pg-test.sh (durable settings: fsync and synchronous_commit on, as in production).

1. Start-up (RUNS interleaved runs per store, after one untimed warm start of each): spawn
   `truce serve --db DB` until GET /v1/health answers 200 (the engines are loaded before
   the server listens), as startup.py measures on SQLite. Baselines, same run: the
   store's own client reading the same rows — `sqlite3 DB "SELECT id, owner, kind, state,
   volumes_bin FROM operation"` and `psql -c "COPY (SELECT …) TO STDOUT"`, to /dev/null.
2. Workload B's conflict check at full size: on each store a `truce serve` with zero
   separations; one keep-alive client POSTs each of the QUERIES query volumes as an
   operation of party Q with reject_on_conflict (409: refused, nothing stored; 201: stored,
   and Q's own operations never conflict with Q's, so every query sees the same state):
   p50/p99 per run, medians of RUNS runs. Agreement: both stores return the same pairs
   (count and checksum, as deconflict_http.py), and all 10,000 queries give 377,776 pairs.

Prints medians, SQLite as the baseline and the ratio PostgreSQL / SQLite; writes
bench/results/store_pg_full.json. Exit status 0, 3 when the stores disagree, 1 on a setup
error.

Usage: bench/store_pg_full.py [--truce build-bench/truce] [--runs 3] [--queries 10000]
       [--skip-checks] [--skip-startup] [--pg URI]
  --pg URI: a PostgreSQL database that already holds the copy (its cluster is the caller's).
"""
import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import deconflict_http as dh  # noqa: E402  (rows, volume4d, pristine, timed, pct)
import startup as su  # noqa: E402  (truce_start)

PG_TEST = os.path.join(ROOT, "scripts", "pg-test.sh")
ROWS_SQL = "SELECT id, owner, kind, state, volumes_bin FROM operation"
EXPECTED_PAIRS = 377776  # bench-workloads/README.md, workload B
TIMEOUT_S = 1800


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, **kw)
    if p.returncode != 0:
        sys.exit("%s: %s" % (" ".join(cmd[:3]), (p.stderr or p.stdout)[-2000:]))
    return p.stdout


def store_copy(truce, src, dst, admin, work):
    """The PostgreSQL database named dst's last path part, made by `truce store copy`."""
    name = dst.rsplit("/", 1)[1]
    run(["psql", "-X", "-q", "-d", admin, "-c", "DROP DATABASE IF EXISTS %s" % name])
    run(["psql", "-X", "-q", "-d", admin, "-c", "CREATE DATABASE %s" % name])
    t = time.monotonic()
    run([truce, "store", "copy", "--from", src, "--to", dst], cwd=work)
    took = time.monotonic() - t
    run(["psql", "-X", "-q", "-d", dst, "-c", "VACUUM ANALYZE"])
    return took


def baseline_read(store, db):
    """The store's own client reading the rows start-up reads, to /dev/null: seconds."""
    cmd = (["sqlite3", db, ROWS_SQL] if store == "sqlite" else
           ["psql", "-X", "-q", "-d", db, "-c", "COPY (%s) TO STDOUT" % ROWS_SQL])
    if store == "sqlite":
        su.clean(db)
    t = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT_S)
    if p.returncode != 0:
        sys.exit("%s: %s" % (cmd[0], p.stderr.decode()[-500:]))
    return time.monotonic() - t


def startups(truce, dbs, work, runs):
    """{store: [{"truce_s", "truce_cpu_s", "read_s"}, ...]}, interleaved."""
    out = {s: [] for s in dbs}
    log = os.path.join(work, "startup_serve.log")
    cwd = os.getcwd()
    os.chdir(work)  # a PostgreSQL centre's key goes to NAME.key in the current folder
    try:
        for s, db in dbs.items():
            su.truce_start(truce, db, log)  # warm: page cache, shared buffers
            baseline_read(s, db)
        for k in range(runs):
            for s, db in dbs.items():
                wall, cpu = su.truce_start(truce, db, log)
                base = baseline_read(s, db)
                out[s].append({"truce_s": wall, "truce_cpu_s": cpu, "read_s": base})
                print("startup run %d %-6s: truce serve %.2f s (CPU %.2f s); the rows read by the store's client "
                      "%.2f s" % (k + 1, s, wall, cpu, base), flush=True)
    finally:
        os.chdir(cwd)
    return out


def check_run(conn, queries, headers):
    qns, pairs, checksum, refused = [], 0, 0, 0
    for qid, body in queries:
        ns, status, data = dh.timed(conn, "POST", "/v1/operations", body, headers)
        if status not in (201, 409):
            sys.exit("query %d answered %d: %s" % (qid, status, data[:300]))
        qns.append(ns)
        refused += status == 409
        for c in json.loads(data)["conflicts"]:
            if c["type"] == "operation":
                pairs += 1
                checksum += (qid * 1000003 + c["id"]) % 2147483647
    return {"p50_us": dh.pct(qns, 0.5), "p99_us": dh.pct(qns, 0.99), "refused_409": refused, "pairs": pairs,
            "checksum": checksum}


def checks(truce, dbs, work, queries, token, runs):
    """{store: [run, ...]}: one server per store, RUNS passes over the queries each."""
    out = {}
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    cwd = os.getcwd()
    os.chdir(work)
    try:
        for s, db in dbs.items():
            proc, port, _ = dh.start(truce, db, os.path.join(work, "checks_serve_%s.log" % s))
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                for _ in range(100):
                    dh.timed(conn, "GET", "/v1/health", None, {})
                out[s] = []
                for k in range(runs):
                    r = check_run(conn, queries, headers)
                    out[s].append(r)
                    print("checks run %d %-6s: POST /v1/operations p50 %.0f us, p99 %.0f us; %d refused; %d pairs"
                          % (k + 1, s, r["p50_us"], r["p99_us"], r["refused_409"], r["pairs"]), flush=True)
            finally:
                conn.close()
                dh.stop(proc, 120)
    finally:
        os.chdir(cwd)
    return out


def medians(runs):
    return {k: statistics.median(r[k] for r in runs) for k in runs[0] if k.endswith(("_s", "_us"))}


def report(res):
    print()
    print("%-52s %10s %10s %8s" % ("medians", "SQLite", "PostgreSQL", "PG/SQL"))
    rows = []
    if "startup" in res:
        st = res["startup"]["median"]
        rows += [("start-up: truce serve until /v1/health (s)", st["sqlite"]["truce_s"], st["pg"]["truce_s"]),
                 ("  its CPU time (s)", st["sqlite"]["truce_cpu_s"], st["pg"]["truce_cpu_s"]),
                 ("  baseline: the store's client reads the rows (s)", st["sqlite"]["read_s"], st["pg"]["read_s"])]
    if "checks" in res:
        ck = res["checks"]["median"]
        rows += [("workload B conflict check p50 (us)", ck["sqlite"]["p50_us"], ck["pg"]["p50_us"]),
                 ("workload B conflict check p99 (us)", ck["sqlite"]["p99_us"], ck["pg"]["p99_us"])]
    for label, a, b in rows:
        print("%-52s %10.2f %10.2f %8.2f" % (label, a, b, b / a))
    if "startup" in res:
        st = res["startup"]["median"]
        for s in ("sqlite", "pg"):
            print("start-up / its baseline read, %s: %.2f" % (s, st[s]["truce_s"] / st[s]["read_s"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truce", default=os.path.join(ROOT, "build-bench", "truce"))
    ap.add_argument("--data", default=os.path.join(HERE, "work", "data"))
    ap.add_argument("--work", default=os.path.join(HERE, "work", "http"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("TRUCE_RUNS", "3")))
    ap.add_argument("--queries", type=int, default=10000)
    ap.add_argument("--skip-checks", action="store_true")
    ap.add_argument("--skip-startup", action="store_true")
    ap.add_argument("--pg", help="a PostgreSQL database already holding the copy (no cluster, no copy)")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "store_pg_full.json"))
    o = ap.parse_args()
    truce = os.path.abspath(o.truce)
    os.makedirs(o.work, exist_ok=True)
    src, tokens = dh.pristine(truce, o.data, o.work)
    lite = os.path.join(o.work, "full_sqlite.db")
    for f in (lite, lite + "-wal", lite + "-shm", lite + ".key", lite + ".key.checkpoint"):
        if os.path.exists(f):
            os.remove(f)
    shutil.copyfile(src, lite)
    pgdir = None if o.pg else tempfile.mkdtemp(prefix="truce-bench-pgfull-")
    res = {"benchmark": "store_pg_full", "baseline": "sqlite", "data": {"operations": 1000000}}
    try:
        pg = o.pg
        if not pg:
            run([PG_TEST, "start", pgdir])
            admin = open(os.path.join(pgdir, "uri")).read().strip()
            pg = admin.rsplit("/", 1)[0] + "/truce_b"
            took = store_copy(truce, src, pg, admin, o.work)
            print("store_pg_full: truce store copy of 1,000,000 operations to PostgreSQL: %.1f s" % took,
                  flush=True)
            res["store_copy_s"] = took
        dbs = {"sqlite": lite, "pg": pg}
        if not o.skip_startup:
            st = startups(truce, dbs, o.work, o.runs)
            res["startup"] = {"runs": st, "median": {s: medians(st[s]) for s in st}}
        if not o.skip_checks:
            queries = [(i, '{"kind":"air","reject_on_conflict":true,"volumes":[%s]}' % dh.volume4d(*r))
                       for i, *r in dh.rows(os.path.join(o.data, "b_queries.tsv"))][:o.queries]
            ck = checks(truce, dbs, o.work, queries, tokens[dh.QUERY_PARTY], o.runs)
            res["checks"] = {"runs": ck, "median": {s: medians(ck[s]) for s in ck}, "queries": len(queries)}
    finally:
        if pgdir:
            subprocess.run([PG_TEST, "stop", pgdir])
    agree = True
    if "checks" in res:
        got = {s: (r[0]["pairs"], r[0]["checksum"]) for s, r in res["checks"]["runs"].items()}
        same = all((r["pairs"], r["checksum"]) == got["sqlite"] for rs in res["checks"]["runs"].values() for r in rs)
        full = o.queries >= 10000
        agree = same and (not full or got["sqlite"][0] == EXPECTED_PAIRS)
        print("agreement: %s (%d pairs, checksum %d)" % ("both stores return the same pairs" if agree else
                                                          "DISAGREEMENT %s" % got, *got["sqlite"]))
        res["agree"] = agree
    report(res)
    res["ratios_pg_over_sqlite"] = {}
    for part in ("startup", "checks"):
        if part in res:
            m = res[part]["median"]
            res["ratios_pg_over_sqlite"][part] = {k: m["pg"][k] / m["sqlite"][k] for k in m["sqlite"]}
    res["host"] = {"cpu_busy_percent_before": int(os.environ.get("TRUCE_CPU_BUSY_BEFORE", "-1")),
                   "loadavg_after": os.getloadavg()}
    os.makedirs(os.path.dirname(o.json), exist_ok=True)
    with open(o.json, "w") as f:
        json.dump(res, f, indent=1)
    return 0 if agree else 3


if __name__ == "__main__":
    sys.exit(main())
