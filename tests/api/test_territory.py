"""Territory control over time (issue 6): GET /v1/territory on a real server.

Control areas of known shapes: per party controlled and claimed km² (geodesic, checked
against each area's own area_m2), contested ground where claims overlap, the change
between two dates and the share of a named area that changed hands; then the source
documents' eastern Aleppo (the Syria scenario): "over 40 per cent of the territory"
changed hands in late 2016.
"""
import subprocess

from harness import BIN, ServerTest, feature, main, polygon, run_cli


def square(lon0, lat0, w, h):
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon0 + w, lat0], [lon0 + w, lat0 + h],
                                                 [lon0, lat0 + h], [lon0, lat0]]]}


class TerritoryTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in (("admin", "admin"), ("SAA", "belligerent"), ("Opposition", "belligerent"),
                           ("SDF", "belligerent"), ("Kazakhstan", "observer")):
            cls.srv.add_party(name, role)

    def area(self, geom, party, name, kind="control", **props):
        props.setdefault("valid_from", "2016-01-01T00:00:00Z")
        if kind == "control":
            props["party"] = party
        r = self.srv.post("/v1/areas", {"type": "Feature", "geometry": geom,
                                        "properties": {"kind": kind, "name": name, **props}}, party="admin")
        self.assertEqual(r.status, 201, r)
        return r.json["properties"]

    def m2(self, geom):
        """The geodesic area the server computes for a shape (a region area of it)."""
        return self.area(geom, None, "measure", kind="region", valid_from="1900-01-01T00:00:00Z")["area_m2"]

    def terr(self, q, party="Kazakhstan", status=200):
        r = self.srv.get("/v1/territory?" + q, party=party)
        self.assertEqual(r.status, status, r)
        return r.json

    def test_control_contested_and_change(self):
        # Three parties west of 60 E, away from everything else: SAA on a 0.2 x 0.1 box,
        # SDF beside it; the Opposition claims a box overlapping SAA's eastern half.
        saa = self.area(square(60.0, 10.0, 0.2, 0.1), "SAA", "SAA box")
        sdf = self.area(square(60.0, 10.2, 0.2, 0.1), "SDF", "SDF box")
        t = self.terr("at=2016-06-01T00:00:00Z&within=%d" % self.area(square(59.9, 9.9, 0.5, 0.5), None, "Box",
                                                                        kind="region")["id"])
        self.assertAlmostEqual(t["parties"]["SAA"]["controlled_km2"], saa["area_m2"] / 1e6, places=4)
        self.assertAlmostEqual(t["parties"]["SDF"]["claimed_km2"], sdf["area_m2"] / 1e6, places=4)
        self.assertEqual(t["contested_km2"], 0)
        # Overlap from 2016-07-01: contested ground counts for neither party's control.
        self.area(square(60.1, 10.0, 0.2, 0.1), "Opposition", "Opposition box", valid_from="2016-07-01T00:00:00Z")
        overlap = self.m2(square(60.1, 10.0, 0.1, 0.1)) / 1e6
        t = self.terr("at=2016-07-02T00:00:00Z&within=%d" % self.area(square(59.9, 9.9, 0.5, 0.5), None, "Box 2",
                                                                        kind="region")["id"])
        self.assertAlmostEqual(t["contested_km2"], overlap, places=3)
        self.assertAlmostEqual(t["parties"]["SAA"]["claimed_km2"], saa["area_m2"] / 1e6, places=4)
        self.assertAlmostEqual(t["parties"]["SAA"]["controlled_km2"], saa["area_m2"] / 1e6 - overlap, places=3)
        self.assertAlmostEqual(t["parties"]["Opposition"]["controlled_km2"],
                               self.m2(square(60.2, 10.0, 0.1, 0.1)) / 1e6, places=3)
        # SAA withdraws to its western half on 2016-08-01: the eastern half is then the Opposition's alone.
        r = self.srv.put("/v1/areas/%d" % saa["id"], feature(square(60.0, 10.0, 0.1, 0.1), kind="control", party="SAA",
                                                             name="SAA box", valid_from="2016-08-01T00:00:00Z"),
                         party="admin")
        self.assertEqual(r.status, 200, r)
        within = self.area(square(60.0, 10.0, 0.2, 0.1), None, "SAA's old box", kind="region")
        c = self.terr("from=2016-06-01T00:00:00Z&to=2016-08-02T00:00:00Z&within=%d" % within["id"])
        east = self.m2(square(60.1, 10.0, 0.1, 0.1)) / 1e6
        self.assertAlmostEqual(c["changed_hands_km2"], east, places=3)
        self.assertAlmostEqual(c["changed_hands_share"], east / (within["area_m2"] / 1e6), places=4)
        self.assertAlmostEqual(c["parties"]["SAA"]["lost_km2"], east, places=3)
        self.assertAlmostEqual(c["parties"]["Opposition"]["gained_km2"], east, places=3)
        self.assertAlmostEqual(c["parties"]["SAA"]["change_km2"], -east, places=3)
        self.assertEqual(c["within"]["id"], within["id"])
        # Every km2 field is a number.
        for party, v in c["parties"].items():
            for k, x in v.items():
                self.assertTrue(k.endswith("km2") and isinstance(x, float), (party, k, x))

    def test_what_a_party_may_not_see_does_not_count(self):
        hidden = self.area(square(70.0, 10.0, 0.1, 0.1), "SAA", "Hidden", visibility=["SAA"])
        region = self.area(square(69.9, 9.9, 0.3, 0.3), None, "Around hidden", kind="region")
        seen = self.terr("at=2016-06-01&within=%d" % region["id"], party="SAA")
        self.assertAlmostEqual(seen["parties"]["SAA"]["controlled_km2"], hidden["area_m2"] / 1e6, places=4)
        other = self.terr("at=2016-06-01&within=%d" % region["id"], party="Opposition")
        self.assertEqual(other["parties"], {})
        secret = self.area(square(71.0, 10.0, 0.1, 0.1), None, "Secret region", kind="region", visibility=["SAA"])
        r = self.srv.get("/v1/territory?within=%d" % secret["id"], party="Opposition")
        self.assertEqual((r.status, r.json["field"]), (400, "within"))

    def test_bad_queries(self):
        for q, field in (("at=yesterday", "at"), ("from=2016-01-01", "to"), ("to=2016-01-01", "from"),
                         ("from=2016-02-01&to=2016-01-01", "to"), ("from=x&to=2016-01-01", "from"),
                         ("at=2016-01-01&from=2016-01-01&to=2016-02-01", "at"), ("within=0", "within"),
                         ("within=abc", "within"), ("colour=red", "colour")):
            with self.subTest(q=q):
                r = self.srv.get("/v1/territory?" + q, party="Kazakhstan")
                self.assertEqual((r.status, r.json.get("field")), (400, field), r)
        r = self.srv.get("/v1/territory?within=999999", party="Kazakhstan")
        self.assertEqual((r.status, r.json.get("field")), (400, "within"), r)
        self.assertEqual(self.srv.get("/v1/territory").status, 401)

    def test_cli(self):
        self.area(square(80.0, 10.0, 0.1, 0.1), "SDF", "SDF CLI box")
        out = run_cli("territory", "--db", self.srv.db, "--at", "2016-06-01").stdout
        self.assertIn("SDF", out)
        self.assertRegex(out, r"controlled_km2")
        self.assertEqual(run_cli("territory", "--help").returncode, 0)
        bad = run_cli("territory", "--db", self.srv.db, "--at", "never", check=False)
        self.assertNotEqual(bad.returncode, 0)


class EasternAleppoTest(ServerTest):
    """The scenario's eastern Aleppo, taken back by the government in November-December 2016."""
    scenario = True

    def test_share_of_eastern_aleppo_that_changed_hands(self):
        areas = self.srv.get("/v1/areas?kind=control&limit=1000&at=2016-11-01T00:00:00Z", party="admin").json
        east = [f["properties"] for f in areas["features"] if f["properties"]["name"] == "Eastern Aleppo (opposition-held)"]
        self.assertEqual(len(east), 1)
        c = self.srv.get("/v1/territory?from=2016-11-15T00:00:00Z&to=2016-12-14T00:00:00Z&within=%d" % east[0]["id"],
                         party="Kazakhstan").json
        self.assertAlmostEqual(c["within"]["area_km2"], east[0]["area_m2"] / 1e6, places=3)
        self.assertAlmostEqual(c["parties"]["Opposition"]["from_km2"], c["within"]["area_km2"], places=3)
        self.assertGreater(c["changed_hands_share"], 0.4)  # "over 40 per cent of the territory"
        self.assertLess(c["changed_hands_share"], 1.0)
        self.assertAlmostEqual(c["parties"]["SAA"]["gained_km2"], c["changed_hands_km2"], places=3)
        at = self.srv.get("/v1/territory?at=2016-12-14T00:00:00Z", party="Kazakhstan").json
        self.assertGreater(at["parties"]["SAA"]["controlled_km2"], at["parties"]["Opposition"]["controlled_km2"])


if __name__ == "__main__":
    main()
