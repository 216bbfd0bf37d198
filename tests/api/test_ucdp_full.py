"""Real data without loss (issue 18, items 2 and 3).

The full UCDP GED Syria 2016-2017 file (11,757 events) is imported with the demo aliases and
--new-actors create into a centre whose regions are the OCHA ADM1 boundaries as published
(simplified; feature 10 crosses itself, so --regions refuses the file without --make-valid
and names the feature). Every row is imported, the new actors are logged, and the region
every report is attributed to equals an independent point-in-polygon written here (GEOS's
ray-crossing rule: boundary points are covered; the first feature of the file that covers a
point names it, as truce orders regions by id), event by event and so per governorate.
Then, over HTTP: omit keeps the event without a perpetrator and the name in as_reported;
reject is today's behaviour; create is for admin and monitor parties only.
"""
import csv
import json
import os
import re
import shutil
import sqlite3
import tempfile
import unittest
from fractions import Fraction

from harness import ROOT, SCENARIO, SHARED, Server, main, run_cli

UCDP = os.path.join(SHARED, "data", "conflict", "ucdp_ged_syria_2016_2017.csv")
SAMPLE = os.path.join(SHARED, "data", "conflict", "ucdp_ged_syria_2016_2017_sample.csv")
ADM1 = os.path.join(SHARED, "data", "boundaries", "ocha_syr_adm1_simplified.geojson")
ALIASES = os.path.join(ROOT, "scenarios", "ucdp-aliases.tsv")


# ---------------------------------------------------------------- an independent point-in-polygon

def orient(ax, ay, bx, by, cx, cy):
    """Sign of the turn a -> b -> c, exact (fractions) when the float is too close to call."""
    d = (ax - cx) * (by - cy) - (ay - cy) * (bx - cx)
    if abs(d) > 1e-9:
        return (d > 0) - (d < 0)
    F = Fraction
    d = (F(ax) - F(cx)) * (F(by) - F(cy)) - (F(ay) - F(cy)) * (F(bx) - F(cx))
    return (d > 0) - (d < 0)


def covers(rings, x, y):
    """Even-odd over every ring; a point on an edge is covered."""
    inside = False
    for r in rings:
        for (x1, y1), (x2, y2) in zip(r, r[1:]):
            if min(y1, y2) <= y <= max(y1, y2) and min(x1, x2) <= x <= max(x1, x2) and orient(x1, y1, x2, y2, x, y) == 0:
                return True
            if (y1 <= y) != (y2 <= y) and (orient(x1, y1, x2, y2, x, y) > 0) == (y2 > y1):
                inside = not inside
    return inside


def regions(path):
    out = []
    with open(path) as f:
        for feat in json.load(f)["features"]:
            g = feat["geometry"]
            polys = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
            rings = [[(float(p[0]), float(p[1])) for p in ring] for poly in polys for ring in poly]
            xs, ys = [p[0] for r in rings for p in r], [p[1] for r in rings for p in r]
            out.append((feat["properties"]["ADM1_EN"], rings, (min(xs), min(ys), max(xs), max(ys))))
    return out


def region_of(regs, x, y):
    for name, rings, (x0, y0, x1, y1) in regs:
        if x0 <= x <= x1 and y0 <= y <= y1 and covers(rings, x, y):
            return name
    return ""


@unittest.skipUnless(os.path.exists(UCDP) and os.path.exists(ADM1), "no ../shared data")
class FullFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="truce-ucdp-")
        cls.db = os.path.join(cls.dir, "t.db")
        cls.tokens = os.path.join(cls.dir, "tokens.tsv")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def query(self, sql):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def test_full_file_every_row_and_every_region(self):
        # The published boundaries are refused as they are, naming the feature, and nothing is kept.
        p = run_cli("import", "scenario", SCENARIO, "--db", self.db, "--tokens", self.tokens, "--regions", ADM1,
                    check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("--regions features[10].geometry.coordinates: invalid polygon: Self-intersection at [", p.stderr)
        self.assertIn("--make-valid", p.stderr)
        self.assertEqual(self.query("SELECT count(*) FROM area"), [(0,)])
        # With --make-valid: imported, the repair listed with its area change.
        p = run_cli("import", "scenario", SCENARIO, "--db", self.db, "--tokens", self.tokens, "--regions", ADM1,
                    "--make-valid")
        m = re.search(r"repaired --regions features\[10\] \(Lattakia\): invalid polygon: Self-intersection at "
                      r"\[[-0-9., ]+\]; area (\d+) m2 -> (\d+) m2 \(([-+]\d+) m2\)", p.stderr)
        self.assertIsNotNone(m, p.stderr)
        before, after, change = map(int, m.groups())
        self.assertEqual(after - before, change)
        self.assertLess(abs(change), before * 1e-4)  # a small flaw, a small repair
        self.assertEqual(len(re.findall("^repaired ", p.stderr, re.M)), 1)

        with open(UCDP, newline="") as f:
            rows = list(csv.DictReader(f))
        p = run_cli("import", "reports", UCDP, "--format", "ucdp", "--as", "JMC", "--aliases", ALIASES,
                    "--new-actors", "create", "--db", self.db)
        m = re.search(r"rows read (\d+), imported (\d+), rejected (\d+), incidents (\d+), actors created (\d+)",
                      p.stdout)
        self.assertIsNotNone(m, p.stdout)
        read, imported, rejected, incidents, created = map(int, m.groups())
        self.assertEqual((read, imported, rejected), (len(rows), len(rows), 0))
        self.assertGreater(incidents, 0)
        # The new actors: one per side name neither a party nor aliased, each logged as actor.add.
        new = re.findall(r"^new actor: (.+?)(?: \(as given: (.+)\))?$", p.stderr, re.M)
        self.assertEqual(len(new), created)
        aliased = set()
        with open(ALIASES) as f:
            aliased = {ln.split("\t")[0] for ln in f if ln.strip() and not ln.startswith("#")}
        sides = {r["side_a"] for r in rows} | {r["side_b"] for r in rows if r["type_of_violence"] != "3"}
        self.assertEqual({given or name for name, given in new}, sides - aliased)
        actors = dict(self.query("SELECT name, full_name FROM actor"))
        for name, given in new:
            self.assertEqual(actors[name], given or None)
        logged = {r[0] for r in self.query("SELECT ref FROM log_entry WHERE type = 'actor.add' AND party = 'operator'")}
        self.assertTrue({"actor/" + name for name, _ in new} <= logged)
        # Every report's region equals the independent point-in-polygon, so do the counts.
        regs = regions(ADM1)
        want = {"ucdp:" + r["id"]: region_of(regs, float(r["longitude"]), float(r["latitude"])) for r in rows}
        got = dict(self.query("SELECT external_id, region FROM report"))
        self.assertEqual(len(got), len(rows))
        diff = [(k, got[k], want[k]) for k in want if got.get(k) != want[k]]
        self.assertEqual(diff[:10], [], "%d events in another region than the point-in-polygon" % len(diff))
        counts = {}
        for name in want.values():
            counts[name] = counts.get(name, 0) + 1
        self.assertEqual(dict(self.query("SELECT region, count(*) FROM report GROUP BY region")), counts)
        self.assertGreaterEqual(len(counts), 14)
        # A second import of the same names finds the actors again: none created.
        p = run_cli("import", "reports", SAMPLE, "--format", "ucdp", "--as", "JMC", "--aliases", ALIASES,
                    "--new-actors", "create", "--db", self.db)
        self.assertIn("actors created 0", p.stdout)
        v = run_cli("verify", "--db", self.db, check=False)
        self.assertEqual(v.returncode, 0, v.stdout[-3000:])


@unittest.skipUnless(os.path.exists(SAMPLE), "no ../shared data")
class HttpModesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = Server(scenario=True)
        with open(SAMPLE, "rb") as f:
            cls.body = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def imp(self, mode, party="JMC", partial=True):
        q = "format=ucdp" + ("&new_actors=" + mode if mode else "") + ("&partial=true" if partial else "")
        return self.srv.request("POST", "/v1/reports/import?" + q, raw=self.body, party=party, content_type="text/csv")

    def test_modes(self):
        srv = self.srv
        rows = self.body.decode().count("\n") - 1
        # reject (the default): the rows naming unknown sides are bad records (here, without
        # aliases, every row: "Government of Syria" is no party's name); nothing imported.
        before = srv.db_snapshot()
        r = self.imp(None)
        self.assertEqual(r.status, 400, r)
        self.assertEqual((r.json["rejected"], r.json["imported"]), (rows, 0))
        self.assertEqual((r.json["actors_created"], r.json["names_omitted"], r.json["new_actors"]), (0, 0, []))
        self.assertEqual(before, srv.db_snapshot())
        self.assertTrue(all(e["field"] in ("side_a", "side_b") for e in r.json["errors"]), r.json["errors"][:3])
        # create is for admin and monitor parties only: 403, nothing changed.
        r = self.imp("create", party="Opposition")
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json["field"], "new_actors")
        r = self.imp("sometimes")
        self.assertEqual((r.status, r.json["field"]), (400, "new_actors"))
        self.assertEqual(before, srv.db_snapshot())
        # omit: every row, the unknown names kept as reported, no perpetrator.
        r = self.imp("omit")
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["rows"], r.json["imported"], r.json["rejected"]), (rows, rows, 0))
        self.assertGreater(r.json["names_omitted"], 0)
        bodies = [dict(json.loads(b), id=i) for (i, b) in
                  srv.db_sql(srv.db, "SELECT id, body FROM report ORDER BY id DESC LIMIT ?", (rows,))]
        kept = [b for b in bodies if "as_reported" in b]
        self.assertEqual(sum(len(b["as_reported"]) for b in kept), r.json["names_omitted"])
        one = [b for b in kept if "alleged_perpetrator" in b["as_reported"]][0]
        self.assertNotIn("alleged_perpetrator", one)
        rep = srv.get("/v1/reports/%d" % one["id"], party="JMC")
        self.assertEqual(rep.status, 200, rep)
        self.assertEqual(rep.json["as_reported"], one["as_reported"])
        self.assertEqual(rep.json["classification"]["class"], "undetermined", rep.json["classification"])
        # create, by the monitor: every row, the actors listed.
        r = self.imp("create")
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["imported"], r.json["rejected"]), (rows, 0))
        self.assertEqual(r.json["actors_created"], len(r.json["new_actors"]))
        self.assertGreater(r.json["actors_created"], 0)
        names = {a["name"] for a in srv.get("/v1/actors", party="JMC").json["items"]}
        self.assertTrue({a["name"] for a in r.json["new_actors"]} <= names)
        # all or nothing with create: a bad record keeps no new actor either
        bad = self.body.replace(b"\n", b"\nnot,a,record\n", 1)
        before = srv.db_snapshot()
        r = self.srv.request("POST", "/v1/reports/import?format=ucdp&new_actors=create", raw=bad + b"",
                             party="JMC", content_type="text/csv")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(before, srv.db_snapshot())


if __name__ == "__main__":
    main()
