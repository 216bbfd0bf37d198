#!/usr/bin/env python3
"""store_pg.py — the same HTTP workload on both stores, same run (issue 13, item 6 in part).

For each store (SQLite file; PostgreSQL in a throwaway cluster, scripts/pg-test.sh, with
synchronous_commit on as in production) and each of RUNS interleaved runs, on a fresh
database and a fresh `truce serve`:
  write   POST /v1/areas from 4 keep-alive clients, WRITES in all: writes/s (each answered
          201 only after its commit);
  check   after SEED operations spread over a 2x2 degree box, CHECKS conflict checks
          (POST /v1/operations, reject_on_conflict: true, each overlapping some seeded
          ones, answered 409) from one keep-alive client: p50 / p99 in microseconds.
Prints the medians and the ratio PostgreSQL / SQLite; writes bench/results/store_pg.json.
This is not workload B's 1,000,000 volumes (bench/deconflict_http.sh runs that on SQLite).

Usage: bench/store_pg.py [--truce build-bench/truce] [--runs 3] [--writes 400] [--seed 300]
       [--checks 300]
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PG_TEST = os.path.join(ROOT, "scripts", "pg-test.sh")


def area(i):
    x, y = -170 + (i % 300), -60 + (i // 300) * 0.5
    ring = [[x, y], [x + 0.2, y], [x + 0.2, y + 0.2], [x, y + 0.2], [x, y]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"kind": "no_strike", "name": "A%d" % i, "valid_from": "2016-01-01T00:00:00Z"}}


def operation(lon, lat, reject):
    vol = {"volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": 3000, "units": "M"}},
                      "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                      "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
           "time_start": {"value": "2016-09-17T12:00:00Z", "format": "RFC3339"},
           "time_end": {"value": "2016-09-17T18:00:00Z", "format": "RFC3339"}}
    return {"kind": "air", "volumes": [vol], "reject_on_conflict": reject}


def start_serve(truce, db, work, logname, env=None):
    """`truce serve` on db (run in work, stderr to work/logname) on a free loopback port, once it
    listens: (process, log file, port). Exits the benchmark when it does not start in 120 s."""
    log = open(os.path.join(work, logname), "w+")
    proc = subprocess.Popen([truce, "serve", "--db", db, "--listen", "127.0.0.1:0", "--web", "none"],
                            stdout=subprocess.DEVNULL, stderr=log, cwd=work, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        log.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
        if m:
            return proc, log, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    log.seek(0)
    sys.exit("truce serve did not start: " + log.read()[-2000:])


class Serve:
    def __init__(self, truce, db, work):
        env = dict(os.environ)
        env.pop("TRUCE_FAULT", None)
        self.tok = {}
        for name, role in (("admin", "admin"), ("SAA", "belligerent"), ("FSA", "belligerent")):
            p = subprocess.run([truce, "party", "add", name, "--role", role, "--db", db], capture_output=True,
                               text=True, check=True, cwd=work, env=env)
            self.tok[name] = p.stdout.strip()
        self.proc, self.log, self.port = start_serve(truce, db, work, "serve.log", env)

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def post(self, c, path, body, who):
        t = time.perf_counter_ns()
        c.request("POST", path, body=json.dumps(body),
                  headers={"Authorization": "Bearer " + self.tok[who], "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        return time.perf_counter_ns() - t, r.status

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


def write_rate(srv, writes, nthreads=4):
    counter, lock, bad = [0], threading.Lock(), []

    def run():
        c = srv.conn()
        while True:
            with lock:
                if counter[0] >= writes:
                    return
                counter[0] += 1
                i = counter[0]
            _, status = srv.post(c, "/v1/areas", area(i), "admin")
            if status != 201:
                bad.append(status)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run) for _ in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if bad:
        sys.exit("writes answered %s" % sorted(set(bad)))
    return writes / (time.perf_counter() - t0)


def conflict_checks(srv, seed, checks, rng):
    c = srv.conn()
    for _ in range(seed):
        _, status = srv.post(c, "/v1/operations", operation(36 + rng.random() * 2, 35 + rng.random() * 2, False),
                             "FSA")
        if status != 201:
            sys.exit("seeding answered %d" % status)
    ns = []
    for _ in range(checks):
        t, status = srv.post(c, "/v1/operations", operation(36 + rng.random() * 2, 35 + rng.random() * 2, True),
                             "SAA")
        if status not in (201, 409):
            sys.exit("a conflict check answered %d" % status)
        ns.append(t)
    ns.sort()
    return ns[len(ns) // 2] / 1000.0, ns[min(len(ns) - 1, int(0.99 * len(ns)))] / 1000.0


def one_run(args, store, pg_admin, k):
    work = tempfile.mkdtemp(prefix="truce-bench-%s-" % store)
    try:
        if store == "pg":
            name = "bench_%d_%d" % (os.getpid(), k)
            subprocess.run(["psql", "-X", "-q", "-d", pg_admin, "-c", "CREATE DATABASE %s" % name], check=True)
            db = pg_admin.rsplit("/", 1)[0] + "/" + name
        else:
            db = os.path.join(work, "truce.db")
        srv = Serve(args.truce, db, work)
        try:
            rate = write_rate(srv, args.writes)
            p50, p99 = conflict_checks(srv, args.seed, args.checks, random.Random(k))
        finally:
            srv.stop()
        print("store_pg run %d %-6s: %7.1f writes/s; conflict check p50 %8.0f us, p99 %8.0f us" % (
            k, store, rate, p50, p99), flush=True)
        return {"writes_per_s": rate, "check_p50_us": p50, "check_p99_us": p99}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truce", default=os.path.join(ROOT, "build-bench", "truce"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("TRUCE_RUNS", "3")))
    ap.add_argument("--writes", type=int, default=400)
    ap.add_argument("--seed", type=int, default=300)
    ap.add_argument("--checks", type=int, default=300)
    ap.add_argument("--json", default=os.path.join(HERE, "results", "store_pg.json"))
    args = ap.parse_args()
    pgdir = tempfile.mkdtemp(prefix="truce-bench-pg-")
    subprocess.run([PG_TEST, "start", pgdir], check=True)
    try:
        with open(os.path.join(pgdir, "uri")) as f:
            admin = f.read().strip()
        runs = {"sqlite": [], "pg": []}
        for k in range(args.runs):  # interleaved: both stores see the same machine
            for store in ("sqlite", "pg"):
                runs[store].append(one_run(args, store, admin, k))
    finally:
        subprocess.run([PG_TEST, "stop", pgdir])
    med = {s: {m: statistics.median(r[m] for r in runs[s]) for m in runs[s][0]} for s in runs}
    ratio = {m: med["pg"][m] / med["sqlite"][m] for m in med["pg"]}
    print("%-34s %12s %12s %8s" % ("median of %d runs" % args.runs, "SQLite", "PostgreSQL", "PG/SQL"))
    for m, label in (("writes_per_s", "POST /v1/areas (writes/s)"), ("check_p50_us", "conflict check p50 (us)"),
                     ("check_p99_us", "conflict check p99 (us)")):
        print("%-34s %12.1f %12.1f %8.2f" % (label, med["sqlite"][m], med["pg"][m], ratio[m]))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"name": "store_pg", "runs": runs, "median": med, "baseline": "sqlite",
                   "ratio_pg_over_sqlite": ratio,
                   "params": {"writes": args.writes, "seed": args.seed, "checks": args.checks,
                              "runs": args.runs}}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
