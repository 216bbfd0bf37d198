"""Numbers as users expect them (issue 18, item 1): every real prints as the shortest
decimal that reads back as the same double — in answers, exports, the CLI and the log's
canonical bytes (entries of version 2, docs/tlog.md) — and the log of an older centre,
whose entries (version 1) hashed reals printed with 17 digits, still verifies, also once
new entries follow. A site without valid_from is valid from the time of the request.
"""
import hashlib
import json
import os
import random
import shutil
import sqlite3
import time
import unittest

from harness import ROOT, Server, ServerTest, feature, main, polygon, run_cli
from test_log import canon, canon_v1

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "log-v1")


def as_python_prints(body):
    """The JSON text Python's json module makes of body (same order, compact): equal to the
    body when every real in it is printed as the shortest round-trip decimal."""
    return json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False)


class AnswerTest(ServerTest):
    scenario = True

    def test_attribution_answers_the_coordinates_asked(self):
        r = self.srv.get("/v1/attribution?lon=38.27&lat=34.56&at=2016-06-01T00:00:00Z", party="admin")
        self.assertEqual(r.status, 200, r)
        self.assertIn('"lon":38.27,"lat":34.56', r.body)
        self.assertEqual(r.body, as_python_prints(r.body))

    def test_random_reals_print_as_python_prints_them(self):
        rnd = random.Random(18)
        for i in range(40):
            lon, lat = 36 + rnd.random() * 3, 33 + rnd.random() * 3
            d = rnd.choice([0.1, 0.05, 1 / 3, rnd.random() / 10 + 0.01])
            r = self.srv.post("/v1/areas", feature(polygon(lon, lat, d), kind="no_strike", name="n%d" % i),
                              party="admin")
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.body, as_python_prints(r.body))
            radius = rnd.choice([200, 150.5, rnd.random() * 5000 + 1, 1e-3 + rnd.random()])
            r = self.srv.post("/v1/sites", {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                                            "properties": {"kind": "school", "name": "s%d" % i, "radius_m": radius}},
                              party="admin")
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.body, as_python_prints(r.body))
            self.assertEqual(r.json["properties"]["radius_m"], radius)
        # GeoJSON lists and exports too
        for path in ("/v1/areas?kind=no_strike&at=2016-06-01T00:00:00Z", "/v1/sites?limit=100"):
            r = self.srv.get(path, party="admin")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body, as_python_prints(r.body), path)

    def test_exports_and_cli(self):
        r = self.srv.post("/v1/reports", {
            "occurred_at": "2016-03-10T10:00:00Z", "time_precision": 1, "geo_precision": 1,
            "location": {"type": "Point", "coordinates": [37.18, 36.21]}, "event_type": "Battles",
            "sub_event_type": "Armed clash", "alleged_perpetrator": "SAA", "target": {"kind": "civilians"},
            "source": {"kind": "party", "ref": "x"}}, party="Opposition")
        self.assertEqual(r.status, 201, r)
        g = self.srv.get("/v1/exports/incidents?format=geojson&date=2016-03-10", party="admin")
        self.assertEqual(g.status, 200, g)
        self.assertIn("[37.18,36.21]", g.body)
        h = self.srv.get("/v1/exports/incidents?format=hxl&date=2016-03-10", party="admin")
        self.assertIn(",36.21,37.18,", h.body)
        cli = run_cli("export", "incidents", "--format", "geojson", "--date", "2016-03-10", "--db", self.srv.db).stdout
        self.assertIn("[37.18,36.21]", cli)
        self.assertNotRegex(g.body + h.body + cli, r"\d\.\d{15,}")

    def test_site_without_valid_from_starts_at_the_request(self):
        before = time.time()
        r = self.srv.post("/v1/sites", {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.0, 36.0]},
                                        "properties": {"kind": "hospital", "name": "Now", "radius_m": 100}},
                          party="UN-OCHA")
        after = time.time()
        self.assertEqual(r.status, 201, r)
        vf = r.json["properties"]["valid_from"]
        t = time.mktime(time.strptime(vf, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        self.assertTrue(int(before) <= t <= after + 1, (vf, before, after))
        self.assertEqual(r.json["properties"]["created_at"], vf)
        g = self.srv.get("/v1/sites/%d" % r.json["properties"]["id"], party="UN-OCHA")
        self.assertEqual(g.json["properties"]["valid_from"], vf)
        # valid_to before the time of the request, without valid_from: refused, nothing changes
        bad = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.0, 36.0]},
               "properties": {"kind": "hospital", "name": "Past", "radius_m": 100, "valid_to": "2016-01-01T00:00:00Z"}}
        r = self.assertUnchanged(lambda: self.srv.post("/v1/sites", bad, party="UN-OCHA"))
        self.assertProblem(r, 400, "properties.valid_to", "time of the request")


class OldLogTest(unittest.TestCase):
    """A database written before version 2 (tests/fixtures/make_log_v1.py)."""

    def setUp(self):
        self.srv = None
        self.dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "truce-v1-%d-%d" % (os.getpid(), id(self)))
        os.makedirs(self.dir)
        self.db = os.path.join(self.dir, "old.db")
        con = sqlite3.connect(self.db)
        with open(FIXTURE + ".sql") as f:
            con.executescript(f.read())
        con.close()
        shutil.copy(FIXTURE + ".key", self.db + ".key")

    def tearDown(self):
        if self.srv:
            self.srv.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def entries(self):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        try:
            return con.execute("SELECT idx, type, ref, entry, object FROM log_entry ORDER BY idx").fetchall()
        finally:
            con.close()

    def verify(self):
        p = run_cli("verify", "--db", self.db, check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("OK: the database", p.stdout)

    def test_old_entries_verify_before_and_after_new_ones(self):
        old = self.entries()
        self.assertTrue(old and all(json.loads(e[3])["v"] == 1 for e in old))
        self.assertTrue(any(b"0000000000" in bytes(e[4]) for e in old), "the fixture has no 17-digit real")
        self.verify()
        self.srv = Server(db=self.db, extra_args=["--checkpoint-ms", "50"])
        tok = run_cli("party", "add", "Newcomer", "--role", "admin", "--db", self.db).stdout.strip()
        self.srv.tokens["Newcomer"] = tok
        r = self.srv.post("/v1/areas", feature(polygon(36.2, 35.1, 0.1), kind="no_strike", name="New"),
                          party="Newcomer")
        self.assertEqual(r.status, 201, r)
        # An area logged at version 1 is answered with short reals today; its v1 bytes still
        # hash to what was logged, so the receipt its owner kept still proves it.
        area = self.srv.get("/v1/areas/1?version=1", party="Newcomer").json
        area.pop("receipt", None)
        area["properties"].pop("effective_to", None)
        first = [e for e in old if e[2] == "area/1@1"][0]
        logged = json.loads(first[3])["object_sha256"]
        self.assertEqual(hashlib.sha256(canon_v1(area).encode()).hexdigest(), logged)
        self.assertNotEqual(hashlib.sha256(canon(area).encode()).hexdigest(), logged)
        self.srv.stop()
        self.srv = None
        new = self.entries()[len(old):]
        self.assertEqual([json.loads(e[3])["v"] for e in new], [2] * len(new))
        self.assertIn("area.create", [e[1] for e in new])
        obj = [bytes(e[4]).decode() for e in new if e[1] == "area.create"][0]
        self.assertEqual(obj, canon(json.loads(obj)))
        self.verify()
        # A v1 entry claiming v2 no longer verifies (its object would hash otherwise).
        con = sqlite3.connect(self.db)
        con.execute("UPDATE log_entry SET entry = replace(entry, '\"v\":1', '\"v\":3') WHERE idx = ?", (first[0],))
        con.commit()
        con.close()
        p = run_cli("verify", "--db", self.db, check=False)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("log_entry %d: the entry's v is not a version from 1 to 2" % first[0], p.stdout)


if __name__ == "__main__":
    main()
