"""A store that says what failed (issue 12, item 4), driven by the fault-injection hook.

Test builds read TRUCE_FAULT (src/store/store_fault.c): `step:N` makes the Nth statement step
of the process fail as a disk I/O error would (`step:N+`: that one and every later one),
`commit:N` the Nth COMMIT, `open:N` the Nth connection. `truce serve` prints how many of each
it made before serving, so a test can aim a fault at one request.

- start-up: whichever step of loading the engines fails, the server refuses to serve, exits
  non-zero and names the table it could not read;
- a write that fails at any of its steps, or at its COMMIT, answers 503 problem+json, leaves
  the database and the engines as they were, and the same request then succeeds once;
- reads (and the authentication before them) answer 503, never 400, 401 or 404.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import BIN, SANITIZER_MARKS, Server, main, run_cli

T0 = "2016-09-17T14:00:00Z"
T1 = "2016-09-17T15:00:00Z"
PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("Russia", "guarantor"), ("SAA", "belligerent"),
           ("UNOCHA", "humanitarian")]


def site(lon, lat, name):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": "hospital", "name": name, "radius_m": 300, "visibility": "public",
                           "valid_from": "2016-01-01T00:00:00Z"}}


def operation(lon, lat):
    vol = {"volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": 2000, "units": "M"}},
                      "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                      "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
           "time_start": {"value": T0, "format": "RFC3339"}, "time_end": {"value": T1, "format": "RFC3339"}}
    return {"kind": "air", "volumes": [vol], "reject_on_conflict": False}


def movement(name):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[37.0, 36.0], [37.2, 36.1]]},
            "properties": {"kind": "convoy", "name": name, "width_m": 200, "time_start": "2016-09-17T12:00:00Z",
                           "time_end": "2016-09-17T18:00:00Z", "visibility": "public"}}


class FaultServer(Server):
    """A Server started with TRUCE_FAULT set; .counts holds what it did before serving."""

    def __init__(self, fault, db):
        self.fault = fault
        super().__init__(db=db, extra_args=["--checkpoint-ms", "3600000"])

    def start(self):
        old = os.environ.get("TRUCE_FAULT")
        os.environ["TRUCE_FAULT"] = self.fault
        try:
            super().start()
        finally:
            if old is None:
                del os.environ["TRUCE_FAULT"]
            else:
                os.environ["TRUCE_FAULT"] = old
        m = re.search(r"before serving: (\d+) steps, (\d+) commits, (\d+) opens", self.log())
        self.counts = tuple(map(int, m.groups())) if m else None


class StoreFaultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="truce-faults-")
        cls.db = os.path.join(cls.dir, "base.db")
        cls.tokens = {}
        for name, role in PARTIES:
            cls.tokens[name] = run_cli("party", "add", name, "--role", role, "--db", cls.db).stdout.strip()
        srv = Server(db=cls.db)
        srv.tokens = cls.tokens
        for i in range(3):  # something in every engine the start-up loads
            r = srv.post("/v1/sites", site(37.1 + i * 0.01, 36.05, "Hospital %d" % i), party="UNOCHA")
            assert r.status == 201, r
            r = srv.post("/v1/movements", movement("Convoy %d" % i), party="UNOCHA")
            assert r.status == 201, r
        r = srv.post("/v1/operations", operation(37.1, 36.05), party="SAA")
        assert r.status == 201, r
        r = srv.post("/v1/messages", {"to": "Russia", "kind": "proposal", "subject": "Aleppo", "text": "Talks."},
                     party="SAA")
        assert r.status == 201, r
        cls.message = r.json["id"]
        r = srv.post("/v1/actors", {"name": "Nusra"}, party="admin")
        assert r.status == 201, r
        srv.stop()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def copy_db(self):
        """A copy of the base database with its key files (base.db.key, ...)."""
        path = os.path.join(tempfile.mkdtemp(dir=self.dir), "truce.db")
        for f in os.listdir(self.dir):
            if f.startswith("base.db"):
                shutil.copy(os.path.join(self.dir, f), path + f[len("base.db"):])
        return path

    def serve(self, fault):
        srv = FaultServer(fault, self.copy_db())
        srv.tokens = dict(self.tokens)
        self.assertIsNotNone(srv.counts, srv.log())
        return srv

    def assertUnavailable(self, r):
        self.assertEqual(r.status, 503, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"), r.headers)
        self.assertIn("TRUCE_FAULT", r.json["detail"])

    # -- start-up --

    def test_start_up_refuses_to_serve_naming_the_table(self):
        srv = self.serve("step:999999999")
        steps = srv.counts[0]
        srv.stop()
        self.assertGreater(steps, 20)
        tables = set()
        stride = max(1, steps // 40)  # at most about 40 start-ups
        for n in list(range(1, steps + 1, stride)) + [steps]:
            try:
                p = subprocess.run([BIN, "serve", "--db", self.copy_db(), "--listen", "127.0.0.1:0"],
                                   env={**os.environ, "TRUCE_FAULT": "step:%d" % n}, capture_output=True, text=True,
                                   timeout=60)
            except subprocess.TimeoutExpired as e:
                self.fail("step %d: served anyway:\n%s" % (n, e.stderr))
            self.assertNotEqual(p.returncode, 0, "step %d: served anyway:\n%s" % (n, p.stderr[-2000:]))
            self.assertNotIn("listening on", p.stderr)
            m = re.search(r"reading table (\w+)", p.stderr)
            self.assertIsNotNone(m, "step %d: no table named:\n%s" % (n, p.stderr[-2000:]))
            tables.add(m.group(1))
            for mark in SANITIZER_MARKS:
                self.assertNotIn(mark, p.stderr)
        # every engine's load was hit somewhere: areas, deconfliction, monitoring
        self.assertTrue({"site", "operation", "movement"} <= tables, tables)

    def test_start_up_refuses_when_the_database_cannot_be_opened(self):
        p = subprocess.run([BIN, "serve", "--db", self.copy_db(), "--listen", "127.0.0.1:0"],
                           env={**os.environ, "TRUCE_FAULT": "open:1"}, capture_output=True, text=True, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("cannot open database", p.stderr)

    # -- writes --

    def visible_state(self, srv):
        """What the engines and the store answer: sites and movements near the route, the
        operation's conflicts, the notices."""
        out = []
        for path in ["/v1/sites?bbox=36.9,35.9,37.3,36.2&limit=100", "/v1/movements?bbox=36.9,35.9,37.3,36.2&limit=100",
                     "/v1/sites?limit=100", "/v1/operations?limit=100", "/v1/notices?limit=1000"]:
            r = srv.get(path, party="admin")
            self.assertEqual(r.status, 200, r)
            out.append(r.body)
        return out

    def write_fails_cleanly(self, post, state=None):
        """For k = 1, 2, ...: a server whose kth step after start-up fails (the request's
        authentication, reference checks, inserts, log entry, notices ...). The request answers
        503 until k passes its last step; after a 503 the database and every answer are as
        before, and the same request then succeeds."""
        state = state or self.visible_state
        srv = self.serve("step:999999999")
        start, reference = srv.counts[0], state(srv)
        srv.stop()
        failures = 0
        for k in range(1, 120):
            srv = self.serve("step:%d" % (start + k))
            try:
                self.assertEqual(srv.counts[0], start)
                before_db = srv.db_snapshot()
                r = post(srv)
                if r.status == 201:
                    break  # the write takes fewer than k steps
                failures += 1
                self.assertUnavailable(r)
                self.assertEqual(before_db, srv.db_snapshot(), "a failed write changed the database (step %d)" % k)
                self.assertEqual(reference, state(srv), "a failed write changed an answer (step %d)" % k)
                r = post(srv)
                self.assertEqual(r.status, 201, r)
                self.assertNotEqual(reference, state(srv))
            finally:
                srv.stop()
        else:
            self.fail("the write still failed at step %d" % k)
        self.assertGreater(failures, 3)

    def test_an_operation_failing_at_any_step_changes_nothing(self):
        self.write_fails_cleanly(lambda srv: srv.post("/v1/operations", operation(37.11, 36.05), party="SAA"))

    def test_a_movement_failing_at_any_step_changes_nothing(self):
        self.write_fails_cleanly(lambda srv: srv.post("/v1/movements", movement("Convoy X"), party="UNOCHA"))

    # Writes whose references (parties, actors, areas, the message replied to) are read from
    # the store: a failed read there is 503, never "there is no party named ..." (400).

    def listed(self, *paths):
        return lambda srv: [srv.get(p, party="admin").body for p in paths]

    def test_a_report_naming_a_party_failing_at_any_step_is_503(self):
        body = {"occurred_at": "2016-09-17T10:00:00Z", "time_precision": 1, "geo_precision": 1,
                "location": {"type": "Point", "coordinates": [37.18, 36.21]},
                "event_type": "Explosions/Remote violence", "source": {"kind": "party"},
                "alleged_perpetrator": "SAA", "target": {"kind": "actor", "name": "Nusra"}}
        self.write_fails_cleanly(lambda srv: srv.post("/v1/reports", body, party="JMC"),
                                 self.listed("/v1/incidents?limit=100"))

    def test_a_reply_failing_at_any_step_is_503(self):
        body = {"to": "SAA", "kind": "reply", "text": "Yes.", "reply_to": self.message}
        self.write_fails_cleanly(lambda srv: srv.post("/v1/messages", body, party="Russia"),
                                 self.listed("/v1/messages?limit=100"))

    def test_an_agreement_naming_parties_and_actors_failing_at_any_step_is_503(self):
        body = {"name": "Arrangement", "start": "2016-09-12T00:00:00Z", "parties": ["SAA", "UNOCHA"],
                "excluded_actors": ["Nusra"]}
        self.write_fails_cleanly(lambda srv: srv.post("/v1/agreements", body, party="Russia"),
                                 self.listed("/v1/agreements"))

    def test_a_failed_commit_changes_nothing(self):
        srv = self.serve("step:999999999")
        commits, reference = srv.counts[1], self.visible_state(srv)
        srv.stop()
        srv = self.serve("commit:%d" % (commits + 1))
        try:
            before_db = srv.db_snapshot()
            r = srv.post("/v1/sites", site(37.15, 36.07, "Clinic"), party="UNOCHA")
            self.assertUnavailable(r)
            self.assertEqual(before_db, srv.db_snapshot())
            self.assertEqual(reference, self.visible_state(srv))
            r = srv.post("/v1/sites", site(37.15, 36.07, "Clinic"), party="UNOCHA")
            self.assertEqual(r.status, 201, r)
            self.assertEqual(len([x for x in srv.get("/v1/sites?limit=100", party="JMC").json["features"]
                                  if x["properties"]["name"] == "Clinic"]), 1)
        finally:
            srv.stop()

    # -- reads --

    def test_reads_answer_503(self):
        srv = self.serve("step:999999999")
        steps = srv.counts[0]
        srv.stop()
        srv = self.serve("step:%d+" % (steps + 1))
        try:
            for path in ["/v1/sites?limit=10", "/v1/sites/1", "/v1/movements/1", "/v1/operations/1",
                         "/v1/notices", "/v1/parties", "/v1/incidents", "/v1/areas",
                         "/v1/messages", "/v1/hazards"]:
                for party in ("JMC", "UNOCHA"):
                    self.assertUnavailable(srv.get(path, party=party))
        finally:
            srv.stop(expect_clean=False)
            self.assertNotIn("ERROR: AddressSanitizer", srv.log() if not srv.errlog.closed else "")


if __name__ == "__main__":
    main()
