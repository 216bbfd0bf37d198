"""test_verify_live.py — `truce verify --db` on a live centre under a write load reports no
mismatch (issue 13 item 3), on SQLite and on PostgreSQL (ctest runs it once per store).

verify reads the log and the rows store.h does not list through store_audit.h, and every
other kind (areas, operations, notices, …) through the store's own per-kind reads: all of
them on one connection inside one snapshot (store_audit_begin), so rows committed while it
runs are seen by none of its reads. Before, the per-kind reads ran on another connection
outside the audit's snapshot, and a write committed between the two showed up as rows with
no log entry ("FAIL operation 2: no log entry records it", "FAIL notice 20: …"): the binary
of that time fails this test on both stores.

Writers (areas by the admin; operations of two belligerents whose footprints overlap, so
conflicts make notices; actors), with a checkpoint signed every 50 ms, run while verify
runs ROUNDS times; each verify must exit 0 without a FAIL line, and the writers must have
committed during each one (else the test proves nothing and fails). Bounded: at most
MAX_WRITES writes and MAX_SECONDS seconds of load.
"""
import threading
import time
import unittest

from harness import Server, feature, main, polygon, run_cli

ROUNDS = 3
MAX_WRITES = 3000
MAX_SECONDS = 240


def operation(i):
    lon, lat = 36 + 0.001 * (i % 50), 35 + 0.001 * (i % 37)
    return {"kind": "air", "volumes": [{
        "volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": 2000, "units": "M"}},
                   "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                   "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
        "time_start": {"value": "2016-09-17T12:00:00Z", "format": "RFC3339"},
        "time_end": {"value": "2016-09-17T18:00:00Z", "format": "RFC3339"}}]}


class Load:
    """Writer threads against srv until stop() (or the bounds)."""

    def __init__(self, srv):
        self.srv, self.lock, self.done, self.errors = srv, threading.Lock(), threading.Event(), []
        self.writes, self.started = 0, time.time()
        self.threads = [threading.Thread(target=self.run, args=(k,)) for k in range(3)]
        for t in self.threads:
            t.start()

    def one(self, k, i):
        if k == 0:
            return self.srv.post("/v1/areas", feature(polygon(36 + 0.01 * (i % 90), 34 + 0.01 * (i // 90), 0.004),
                                                      kind="control", party="SAA", name="live-%d" % i),
                                 party="admin")
        if k == 1:
            return self.srv.post("/v1/operations", operation(i), party=("W1", "W2")[i % 2])
        return self.srv.post("/v1/actors", {"name": "live actor %d" % i, "full_name": "An actor"}, party="admin")

    def run(self, k):
        i = 0
        while not self.done.is_set() and time.time() - self.started < MAX_SECONDS:
            with self.lock:
                if self.writes >= MAX_WRITES:
                    return
                self.writes += 1
            r = self.one(k, i)
            i += 1
            if r.status != 201:
                self.errors.append(r)
                return

    def count(self):
        with self.lock:
            return self.writes

    def stop(self):
        self.done.set()
        for t in self.threads:
            t.join(timeout=120)


class VerifyLive(unittest.TestCase):
    def setUp(self):
        self.srv = Server(scenario=True, extra_args=["--checkpoint-ms", "50"])
        self.srv.add_party("W1", "belligerent")
        self.srv.add_party("W2", "belligerent")

    def tearDown(self):
        self.srv.stop()

    def test_verify_under_write_load(self):
        load = Load(self.srv)
        try:
            for n in range(ROUNDS):
                before = load.count()
                p = run_cli("verify", "--db", self.srv.db, check=False)
                during = load.count() - before
                self.assertEqual(p.returncode, 0, "round %d:\n%s%s" % (n, p.stdout[-4000:], p.stderr[-2000:]))
                self.assertNotIn("FAIL", p.stdout)
                self.assertFalse(load.errors, load.errors[:3])
                self.assertGreater(during, 0, "no write was committed while verify ran (round %d)" % n)
        finally:
            load.stop()
        self.assertFalse(load.errors, load.errors[:3])
        # Everything written is there and verifies once the load has stopped too.
        p = run_cli("verify", "--db", self.srv.db, check=False)
        self.assertEqual(p.returncode, 0, p.stdout[-4000:] + p.stderr[-2000:])
        self.assertIn("OK", p.stdout.splitlines()[-1])


if __name__ == "__main__":
    main()
