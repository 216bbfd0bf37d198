#!/usr/bin/env python3
"""cluster.py — a centre on several machines, measured (issue 14, item 4).

Starts scripts/cluster.sh (pg_auto_failover: a monitor, a primary and a secondary with
synchronous replication, on loopback) and, for N = 1, 2 and 3 truce instances on one fresh
database each run (RUNS interleaved runs):
  writes   POST /v1/areas from CLIENTS keep-alive clients spread over the instances, WRITES in
           all: durable writes/s (each answered 201 once its COMMIT returned, i.e. on both nodes);
  checks   after SEED operations spread over a 2x2 degree box, CHECKS conflict checks
           (POST /v1/operations, reject_on_conflict: true, answered 409 or 201) from CLIENTS
           clients spread over the instances: checks/s;
  lag      (N >= 2) LAGS times: an operation written through instance 1, then a GET on
           instance 2 with `Truce-Min-Index: <its receipt's index>`: from the write's answer to
           instance 2's answer, p50 and p99 (how long a write takes to be followed elsewhere).
The baseline of each figure is N = 1 in the same run; the ratio is N / 1. Then the failover
gap: under writes through two instances the primary is killed -9 (cluster.sh kill-primary);
the gap is from the kill to the first write acknowledged again (FAILOVERS times, the killed
node brought back as the new secondary in between). Writes bench/results/cluster.json.

Usage: bench/cluster.py [--truce build-bench/truce] [--runs 3] [--writes 600] [--seed 300]
       [--checks 600] [--lags 200] [--failovers 3]
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
sys.path.insert(0, HERE)
from store_pg import area, operation, start_serve  # noqa: E402  (the same bodies and start)

CLUSTER = os.path.join(ROOT, "scripts", "cluster.sh")
CLIENTS = 8


def cluster(cmd, d, truce, timeout=600, check=True):
    env = dict(os.environ, TRUCE=truce, TRUCE_INSTANCES="0")
    p = subprocess.run(["bash", CLUSTER, cmd, d], capture_output=True, text=True, timeout=timeout, env=env)
    if check and p.returncode != 0:
        sys.exit("cluster.sh %s: %s %s" % (cmd, p.stdout, p.stderr))
    return p.stdout


def replayed(hosts, name, seconds=120):
    """Waits until every node that is up has the new database name. libpq tries the hosts of a
    multi-host URI in turn, but not after a node refused the session itself: a standby that
    has not yet replayed CREATE DATABASE ("database ... does not exist") ends the attempt. After
    a failover the secondary is listed first, so the instances must not start before it has it."""
    deadline = time.time() + seconds
    for host in hosts:
        h, p = host.split("@")[-1].rsplit(":", 1)
        while True:
            r = subprocess.run(["psql", "-X", "-q", "-h", h, "-p", p, "-U", "postgres", "-d", name, "-c", "SELECT 1"],
                               capture_output=True, text=True)
            if r.returncode == 0 or "does not exist" not in r.stderr:
                break  # there, or the node is down (libpq goes on to the next host then)
            if time.time() > deadline:
                sys.exit("node %s never replayed CREATE DATABASE %s" % (host, name))
            time.sleep(0.1)


class Instance:
    def __init__(self, truce, db, work, i):
        self.proc, self.log, self.port = start_serve(truce, db, work, "serve%d.log" % i)

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


class Centre:
    """N instances on a fresh database of the cluster, with three parties."""

    def __init__(self, truce, base_uri, name, n, work):
        self.work = work
        primary = base_uri.split("/")[2].split(",")
        for host in primary:  # the database is made on whichever node takes writes
            h, p = host.split("@")[-1].rsplit(":", 1)
            r = subprocess.run(["psql", "-X", "-q", "-h", h, "-p", p, "-U", "postgres", "-d", "truce", "-c",
                                "CREATE DATABASE %s" % name], capture_output=True, text=True)
            if r.returncode == 0:
                break
        else:
            sys.exit("no node took CREATE DATABASE: %s" % r.stderr)
        replayed(primary, name)
        self.db = re.sub(r"/truce\?", "/%s?" % name, base_uri)
        self.tok = {}
        for who, role in (("admin", "admin"), ("SAA", "belligerent"), ("FSA", "belligerent")):
            p = subprocess.run([truce, "party", "add", who, "--role", role, "--db", self.db], capture_output=True,
                               text=True, cwd=work)
            if p.returncode != 0:
                sys.exit("truce party add %s: %s" % (who, p.stderr))
            self.tok[who] = p.stdout.strip()
        self.inst = [Instance(truce, self.db, work, i) for i in range(n)]

    def post(self, c, path, body, who, headers=None):
        h = {"Authorization": "Bearer " + self.tok[who], "Content-Type": "application/json"}
        h.update(headers or {})
        c.request("POST", path, body=json.dumps(body), headers=h)
        r = c.getresponse()
        return r.status, r.read()

    def stop(self):
        for i in self.inst:
            i.stop()


def spread(centre, total, fn):
    """Runs fn(conn, k) total times from CLIENTS threads, client j on instance j mod N; rate/s."""
    counter, lock, bad = [0], threading.Lock(), []

    def run(j):
        c = centre.inst[j % len(centre.inst)].conn()
        while True:
            with lock:
                if counter[0] >= total:
                    return
                counter[0] += 1
                k = counter[0]
            status = fn(c, k)
            if status is not True:
                bad.append(status)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=run, args=(j,)) for j in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if bad:
        sys.exit("answered %s" % sorted(set(map(str, bad))))
    return total / (time.perf_counter() - t0)


def writes(centre, total):
    return spread(centre, total, lambda c, k: centre.post(c, "/v1/areas", area(k), "admin")[0] == 201 or k)


def checks(centre, seed, total, rng):
    c = centre.inst[0].conn()
    for _ in range(seed):
        status, _ = centre.post(c, "/v1/operations", operation(36 + rng.random() * 2, 35 + rng.random() * 2, False),
                                "FSA")
        if status != 201:
            sys.exit("seeding answered %d" % status)
    pts = [(36 + rng.random() * 2, 35 + rng.random() * 2) for _ in range(total + 1)]

    def check(c, k):
        status, _ = centre.post(c, "/v1/operations", operation(*pts[k], True), "SAA")
        return status in (201, 409) or status
    return spread(centre, total, check)


def lags(centre, n, rng):
    a, b = centre.inst[0].conn(), centre.inst[1].conn()
    out = []
    for _ in range(n):
        status, body = centre.post(a, "/v1/operations", operation(20 + rng.random(), 10 + rng.random(), False),
                                   "FSA")
        t0 = time.perf_counter_ns()
        if status != 201:
            sys.exit("lag write answered %d" % status)
        index = json.loads(body)["receipt"]["index"]
        b.request("GET", "/v1/operations?limit=1", headers={"Authorization": "Bearer " + centre.tok["SAA"],
                                                           "Truce-Min-Index": str(index)})
        r = b.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("instance 2 answered %d with Truce-Min-Index %d" % (r.status, index))
        out.append((time.perf_counter_ns() - t0) / 1000.0)
    out.sort()
    return out[len(out) // 2], out[min(len(out) - 1, int(0.99 * len(out)))]


def failover_gap(truce, d, uri, work, k):
    centre = Centre(truce, uri, "fo_%d_%d" % (os.getpid(), k), 2, work)
    acked, stop, lock = [], threading.Event(), threading.Lock()

    def writer(j):
        c = centre.inst[j % 2].conn()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                status, _ = centre.post(c, "/v1/areas", area(j * 100000 + i), "admin")
            except (OSError, http.client.HTTPException):
                c = centre.inst[j % 2].conn()
                continue
            if status == 201:
                with lock:
                    acked.append(time.time())
            else:
                time.sleep(0.02)

    threads = [threading.Thread(target=writer, args=(j,)) for j in range(4)]
    for t in threads:
        t.start()
    time.sleep(2)
    cluster("kill-primary", d, truce)
    killed = time.time()
    deadline = killed + 180
    while time.time() < deadline:
        with lock:
            after = [t for t in acked if t > killed + 0.2]
        if after:
            break
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=90)
    centre.stop()
    if not after:
        sys.exit("no write acknowledged within 180 s of the kill")
    gap = min(after) - killed
    print("cluster failover %d: gap %.2f s" % (k, gap), flush=True)
    cluster("revive", d, truce)  # the old primary comes back as the new secondary
    return gap


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--truce", default=os.path.join(ROOT, "build-bench", "truce"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("TRUCE_RUNS", "3")))
    ap.add_argument("--writes", type=int, default=600)
    ap.add_argument("--seed", type=int, default=300)
    ap.add_argument("--checks", type=int, default=600)
    ap.add_argument("--lags", type=int, default=200)
    ap.add_argument("--failovers", type=int, default=3)
    ap.add_argument("--json", default=os.path.join(HERE, "results", "cluster.json"))
    args = ap.parse_args()
    truce = os.path.abspath(args.truce)
    d = tempfile.mkdtemp(prefix="truce-bench-cluster-")
    work = tempfile.mkdtemp(prefix="truce-bench-cluster-work-")
    runs = {n: [] for n in (1, 2, 3)}
    gaps = []
    try:
        cluster("up", d, truce)
        with open(os.path.join(d, "uri")) as f:
            uri = f.read().strip()
        for k in range(args.runs):  # interleaved: every N sees the same machine
            for n in (1, 2, 3):
                centre = Centre(truce, uri, "b_%d_%d_%d" % (os.getpid(), k, n), n, work)
                try:
                    r = {"writes_per_s": writes(centre, args.writes),
                         "checks_per_s": checks(centre, args.seed, args.checks, random.Random(k))}
                    if n >= 2:
                        r["lag_p50_us"], r["lag_p99_us"] = lags(centre, args.lags, random.Random(k))
                finally:
                    centre.stop()
                runs[n].append(r)
                print("cluster run %d, %d instance%s: %s" % (k, n, "s" if n > 1 else "",
                      ", ".join("%s %.1f" % kv for kv in r.items())), flush=True)
        for k in range(args.failovers):
            gaps.append(failover_gap(truce, d, uri, work, k))
    finally:
        cluster("down", d, truce, check=False)
        shutil.rmtree(work, ignore_errors=True)
    med = {n: {m: statistics.median(r[m] for r in runs[n]) for m in runs[n][0]} for n in runs}
    print("%-30s %12s %12s %12s   ratios 2/1, 3/1" % ("median of %d runs" % args.runs, "1 instance", "2", "3"))
    for m, label in (("writes_per_s", "durable writes/s"), ("checks_per_s", "conflict checks/s")):
        print("%-30s %12.1f %12.1f %12.1f   %.2f %.2f" % (label, med[1][m], med[2][m], med[3][m],
                                                       med[2][m] / med[1][m], med[3][m] / med[1][m]))
    for m, label in (("lag_p50_us", "follow lag p50 (us)"), ("lag_p99_us", "follow lag p99 (us)")):
        print("%-30s %12s %12.0f %12.0f" % (label, "-", med[2][m], med[3][m]))
    if gaps:
        print("failover gap (s), median of %d: %.2f (each: %s)" % (len(gaps), statistics.median(gaps),
                                                                 ", ".join("%.2f" % g for g in gaps)))
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"name": "cluster", "runs": {str(n): runs[n] for n in runs},
                   "median": {str(n): med[n] for n in med}, "baseline": "1 instance",
                   "ratio_over_1": {str(n): {m: med[n][m] / med[1][m] for m in ("writes_per_s", "checks_per_s")}
                                    for n in (2, 3)},
                   "failover_gap_s": gaps, "failover_gap_median_s": statistics.median(gaps) if gaps else None,
                   "params": vars(args)}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
