#!/usr/bin/env python3
"""witness.py — what witnesses cost a centre (issue 15; docs/tlog.md "Witnesses").

Same run, same machine, fresh databases, medians of TRUCE_RUNS (3) runs:

1. Durable writes/s (POST /v1/actors, 4 clients with kept-alive connections, TRUCE_SECONDS
   each) on a `truce serve` without witnesses (the baseline) and on one with two witnesses and
   a quorum of 2. Writes never wait for a witness, so the ratio should be close to 1.
2. Receipt latency: from a write's answer to its receipt being served (GET
   /v1/log/receipts/N answers 200), without witnesses (a signed checkpoint covers it) and with
   them (a checkpoint cosigned by both covers it); --checkpoint-ms 100 for both.
3. A witness alone: add-checkpoint requests/s (each one cosigns and fsyncs its state before
   answering), one client.

Usage: TRUCE_BIN=build-bench/truce bench/witness.py --json bench/results/witness.json
"""
import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

BIN = os.environ.get("TRUCE_BIN", "build-bench/truce")
RUNS = int(os.environ.get("TRUCE_RUNS", "3"))
SECONDS = float(os.environ.get("TRUCE_SECONDS", "4"))
CLIENTS = 4
LATENCY_SAMPLES = 20


def cli(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, check=True, timeout=120).stdout.strip()


def spawn(args, log):
    """Starts `truce ARGS`, waits (bounded) for its "listening on" line: (process, port)."""
    f = open(log, "w+")
    p = subprocess.Popen([BIN, *args], stdout=subprocess.DEVNULL, stderr=f)
    deadline = time.time() + 60
    while time.time() < deadline:
        f.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            break
        time.sleep(0.02)
    f.seek(0)
    raise SystemExit("truce %s did not start: %s" % (args[0], f.read()))


def stop(p):
    p.terminate()
    p.wait(timeout=60)


def request(conn, method, path, body=None, token=None):
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    return r.status, r.read()


class Centre:
    """A fresh database with an admin; served with or without two witnesses."""

    def __init__(self, work, witnesses):
        self.dir = tempfile.mkdtemp(dir=work)
        self.db = os.path.join(self.dir, "b.db")
        self.token = cli("party", "add", "admin", "--role", "admin", "--db", self.db)
        self.procs = []
        args = ["serve", "--db", self.db, "--listen", "127.0.0.1:0", "--checkpoint-ms", "100", "--web", "none"]
        if witnesses:
            first, _ = spawn(args, os.path.join(self.dir, "first.log"))
            stop(first)
            with open(os.path.join(self.dir, "first.log")) as f:
                vkey = re.search(r"verifier key (\S+)", f.read()).group(1)
            for k in (1, 2):
                key = os.path.join(self.dir, "w%d.key" % k)
                wk = cli("witness", "key", key, "--name", "w%d.bench/w" % k)
                p, port = spawn(["witness", "serve", "--key", key, "--log", vkey, "--listen", "127.0.0.1:0"],
                                key + ".log")
                self.procs.append(p)
                args += ["--witness", "http://127.0.0.1:%d=%s" % (port, wk)]
            args += ["--quorum", "2"]
        self.serve, self.port = spawn(args, os.path.join(self.dir, "serve.log"))

    def close(self):
        stop(self.serve)
        for p in self.procs:
            stop(p)
        shutil.rmtree(self.dir, ignore_errors=True)

    def writes_per_second(self):
        counts, stop_at = [0] * CLIENTS, time.time() + SECONDS

        def client(k):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            i = 0
            while time.time() < stop_at:
                st, _ = request(conn, "POST", "/v1/actors", json.dumps({"name": "A%d-%d-%d" % (self.port, k, i)}),
                                self.token)
                if st != 201:
                    raise SystemExit("a write answered %d" % st)
                counts[k] += 1
                i += 1
            conn.close()

        t0 = time.time()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(counts) / (time.time() - t0)

    def receipt_latency_ms(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        out = []
        for i in range(LATENCY_SAMPLES):
            st, body = request(conn, "POST", "/v1/actors", json.dumps({"name": "L%d-%d" % (self.port, i)}), self.token)
            t0 = time.perf_counter()
            index = json.loads(body)["receipt"]["index"]
            deadline = time.time() + 30
            while request(conn, "GET", "/v1/log/receipts/%d" % index, token=self.token)[0] != 200:
                if time.time() > deadline:
                    raise SystemExit("receipt %d never served" % index)
                time.sleep(0.002)
            out.append((time.perf_counter() - t0) * 1000)
        conn.close()
        return statistics.median(out)


def witness_requests_per_second(work):
    """A witness cosigning the same checkpoint again and again (old size = its size): each
    request checks, cosigns, writes and fsyncs the state, then answers."""
    c = Centre(work, False)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=30)
        note = request(conn, "GET", "/v1/log/checkpoint")[1].decode()
        vkey = request(conn, "GET", "/v1/log/key")[1].decode().strip()
        conn.close()
        key = os.path.join(c.dir, "w.key")
        cli("witness", "key", key, "--name", "w.bench/alone")
        p, port = spawn(["witness", "serve", "--key", key, "--log", vkey, "--listen", "127.0.0.1:0"], key + ".log")
        try:
            wc = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            size = int(note.split("\n")[1])
            body = ("old 0\n\n" + note).encode()
            assert request(wc, "POST", "/add-checkpoint", body)[0] == 200
            body = ("old %d\n\n" % size + note).encode()
            n, t0 = 0, time.time()
            while time.time() - t0 < SECONDS / 2:
                st, _ = request(wc, "POST", "/add-checkpoint", body)
                if st != 200:
                    raise SystemExit("add-checkpoint answered %d" % st)
                n += 1
            wc.close()
            return n / (time.time() - t0)
        finally:
            stop(p)
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", required=True)
    a = ap.parse_args()
    work = os.path.join(os.path.dirname(os.path.abspath(a.json)), "..", "work", "witness")
    os.makedirs(work, exist_ok=True)
    runs = {"baseline": {"writes": [], "latency": []}, "witnessed": {"writes": [], "latency": []}, "witness": []}
    for r in range(RUNS):
        for name, with_w in (("baseline", False), ("witnessed", True)):
            c = Centre(work, with_w)
            try:
                runs[name]["writes"].append(c.writes_per_second())
                runs[name]["latency"].append(c.receipt_latency_ms())
            finally:
                c.close()
        runs["witness"].append(witness_requests_per_second(work))
        print("run %d: writes/s %.0f (no witnesses) %.0f (2 witnesses); receipt ms %.1f / %.1f; "
              "add-checkpoint/s %.0f" % (r + 1, runs["baseline"]["writes"][-1], runs["witnessed"]["writes"][-1],
                                         runs["baseline"]["latency"][-1], runs["witnessed"]["latency"][-1],
                                         runs["witness"][-1]))
    med = lambda xs: statistics.median(xs)
    res = {
        "runs": RUNS, "clients": CLIENTS, "seconds": SECONDS, "cpu_busy_percent_before": os.environ.get("TRUCE_CPU_BUSY_BEFORE"),
        "writes_per_s": {"baseline_no_witnesses": med(runs["baseline"]["writes"]),
                         "two_witnesses_quorum_2": med(runs["witnessed"]["writes"])},
        "receipt_latency_ms": {"baseline_no_witnesses": med(runs["baseline"]["latency"]),
                               "two_witnesses_quorum_2": med(runs["witnessed"]["latency"])},
        "witness_add_checkpoint_per_s": med(runs["witness"]), "all": runs,
    }
    res["writes_ratio"] = res["writes_per_s"]["two_witnesses_quorum_2"] / res["writes_per_s"]["baseline_no_witnesses"]
    res["latency_ratio"] = (res["receipt_latency_ms"]["two_witnesses_quorum_2"] /
                            res["receipt_latency_ms"]["baseline_no_witnesses"])
    with open(a.json, "w") as f:
        json.dump(res, f, indent=2)
    print("\n| median of %d | no witnesses (baseline) | 2 witnesses, quorum 2 | ratio |" % RUNS)
    print("|---|---|---|---|")
    print("| durable writes/s (%d clients) | %.0f | %.0f | %.2f |" % (
        CLIENTS, res["writes_per_s"]["baseline_no_witnesses"], res["writes_per_s"]["two_witnesses_quorum_2"],
        res["writes_ratio"]))
    print("| write to served receipt, ms | %.1f | %.1f | %.2f |" % (
        res["receipt_latency_ms"]["baseline_no_witnesses"], res["receipt_latency_ms"]["two_witnesses_quorum_2"],
        res["latency_ratio"]))
    print("| a witness alone: add-checkpoint/s (cosign + fsync) | | %.0f | |" % res["witness_add_checkpoint_per_s"])


if __name__ == "__main__":
    main()
