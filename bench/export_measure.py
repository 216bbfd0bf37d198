#!/usr/bin/env python3
"""export_measure.py — the measuring half of bench/export.sh (read its header).

Starts `truce serve` on the database, streams GET /v1/exports/incidents in each format
(time to first byte, total, bytes, server RSS growth sampled every 20 ms), runs the sqlite3
CLI baseline and the `truce export` CLI, prints a table of medians and writes the JSON.
"""
import argparse
import http.client
import json
import os
import re
import sqlite3
import statistics
import subprocess
import tempfile
import threading
import time

BASELINE_SQL = ("SELECT id, reporting_party, received_at, occurred_at, class, region, controller, agreement_id "
                "FROM report ORDER BY id")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """The highest RSS of pid while running, sampled every 20 ms."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.02)


def stream_http(port, token, fmt):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.monotonic()
    conn.request("GET", "/v1/exports/incidents?format=" + fmt, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    assert r.status == 200, (r.status, r.read()[:300])
    first = r.read1(65536)
    ttfb = time.monotonic() - t0
    size, lines = len(first), first.count(b"\n")
    while True:
        b = r.read1(1 << 20)
        if not b:
            break
        size += len(b)
        lines += b.count(b"\n")
    total = time.monotonic() - t0
    conn.close()
    return ttfb, total, size, lines


def stream_process(argv):
    """Time to first byte, total time, bytes and peak RSS (kB) of a child writing to a pipe."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = p.stdout.read1(65536) if hasattr(p.stdout, "read1") else p.stdout.read(65536)
    ttfb = time.monotonic() - t0
    size, lines = len(first), first.count(b"\n")
    while True:
        b = p.stdout.read1(1 << 20)
        if not b:
            break
        size += len(b)
        lines += b.count(b"\n")
    _, status, ru = os.wait4(p.pid, 0)
    total = time.monotonic() - t0
    assert status == 0, argv
    return ttfb, total, size, lines, ru.ru_maxrss


def med(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truce", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", required=True)
    a = ap.parse_args()

    con = sqlite3.connect("file:%s?mode=ro" % a.db, uri=True)
    reports = con.execute("SELECT count(*) FROM report").fetchone()[0]
    con.close()
    tokdir = tempfile.mkdtemp(prefix="truce-export-bench-")
    tok = subprocess.run([a.truce, "party", "add", "bench-reader", "--role", "observer", "--db", a.db],
                         capture_output=True, text=True)
    if tok.returncode != 0:  # already there from an earlier run: a fresh reader
        name = "bench-reader-%d" % os.getpid()
        tok = subprocess.run([a.truce, "party", "add", name, "--role", "observer", "--db", a.db],
                             capture_output=True, text=True, check=True)
    token = tok.stdout.strip()

    log = open(os.path.join(tokdir, "serve.log"), "w+")
    t0 = time.monotonic()
    srv = subprocess.Popen([a.truce, "serve", "--db", a.db, "--listen", "127.0.0.1:0"], stdout=subprocess.DEVNULL,
                           stderr=log)
    port = None
    while port is None and time.monotonic() - t0 < 900:
        log.seek(0)
        m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
        port = int(m.group(1)) if m else None
        if srv.poll() is not None:
            raise SystemExit("truce serve exited: " + log.read())
        time.sleep(0.1)
    load_s = time.monotonic() - t0
    results = {"reports": reports, "server_start_s": round(load_s, 2), "runs": a.runs, "formats": {}}
    try:
        for fmt in ("hxl", "acled", "geojson"):
            ttfb, total, rss_growth, size, lines = [], [], [], 0, 0
            for _ in range(a.runs):
                before = rss_kb(srv.pid)
                s = Sampler(srv.pid)
                s.start()
                f, t, size, lines = stream_http(port, token, fmt)
                s.stop.set()
                s.join()
                ttfb.append(f)
                total.append(t)
                rss_growth.append(max(0, s.peak - before))
            results["formats"][fmt] = {"ttfb_ms": round(med(ttfb) * 1000, 1), "total_s": round(med(total), 2),
                                       "bytes": size, "lines": lines,
                                       "rows_per_s": round((lines - (2 if fmt == "hxl" else 1)) / med(total)),
                                       "server_rss_growth_mb": round(med(rss_growth) / 1024, 1),
                                       "server_rss_mb": round(rss_kb(srv.pid) / 1024, 1)}
    finally:
        srv.terminate()
        srv.wait(timeout=120)
    incidents = results["formats"]["hxl"]["lines"] - 2
    results["incidents"] = incidents

    base = [stream_process(["sqlite3", "-csv", a.db, BASELINE_SQL]) for _ in range(a.runs)]
    results["baseline_sqlite3_csv"] = {"ttfb_ms": round(med([b[0] for b in base]) * 1000, 1),
                                       "total_s": round(med([b[1] for b in base]), 2), "bytes": base[0][2],
                                       "lines": base[0][3], "peak_rss_mb": round(max(b[4] for b in base) / 1024, 1)}
    cli = [stream_process([a.truce, "export", "incidents", "--format", "hxl", "--db", a.db]) for _ in range(a.runs)]
    results["truce_export_cli_hxl"] = {"ttfb_ms": round(med([c[0] for c in cli]) * 1000, 1),
                                       "total_s": round(med([c[1] for c in cli]), 2), "bytes": cli[0][2],
                                       "peak_rss_mb": round(max(c[4] for c in cli) / 1024, 1)}
    b = results["baseline_sqlite3_csv"]
    print("export of %d incidents (%d reports); medians of %d runs; server start %.1f s"
          % (incidents, reports, a.runs, load_s))
    print("%-28s %10s %9s %10s %12s %14s" % ("", "first byte", "total", "MB", "rows/s", "RSS growth"))
    for fmt, r in results["formats"].items():
        print("%-28s %8.1fms %8.2fs %10.1f %12d %12.1fMB" % ("truce serve " + fmt, r["ttfb_ms"], r["total_s"],
                                                                r["bytes"] / 1e6, r["rows_per_s"],
                                                                r["server_rss_growth_mb"]))
    print("%-28s %8.1fms %8.2fs %10.1f %12d %9.1fMB peak" % ("sqlite3 -csv (baseline)", b["ttfb_ms"], b["total_s"],
                                                              b["bytes"] / 1e6, round(b["lines"] / b["total_s"]),
                                                              b["peak_rss_mb"]))
    c = results["truce_export_cli_hxl"]
    print("%-28s %8.1fms %8.2fs %10.1f %12s %9.1fMB peak" % ("truce export (CLI, hxl)", c["ttfb_ms"], c["total_s"],
                                                              c["bytes"] / 1e6, "", c["peak_rss_mb"]))
    print("truce hxl / sqlite3 total time: %.2fx" % (results["formats"]["hxl"]["total_s"] / b["total_s"]))
    results["host"] = {"cpu_busy_percent_before": int(os.environ.get("TRUCE_CPU_BUSY_BEFORE", "-1"))}
    with open(a.json, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
