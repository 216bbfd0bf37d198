"""Boundaries as published (issue 18, item 3): "make_valid": true in POST and PUT /v1/areas
repairs a polygon that is not valid OGC (GEOS MakeValid) instead of refusing it, and says
what was wrong and how the area changed. The feature is the OCHA ADM1 boundary of Lattakia
from the simplified file in ../shared (a ring that crosses itself). Without make_valid the
answer is today's clear 400 and nothing changes. The stored, logged and answered shape is
the repaired one, and `truce verify` agrees.
"""
import json
import os

from harness import SHARED, ServerTest, feature, main, polygon, run_cli

ADM1 = os.path.join(SHARED, "data", "boundaries", "ocha_syr_adm1_simplified.geojson")


def lattakia():
    with open(ADM1) as f:
        feats = json.load(f)["features"]
    f = feats[10]
    assert f["properties"]["ADM1_EN"] == "Lattakia", f["properties"]
    return f["geometry"]


class MakeValidTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")

    def test_refused_without_repaired_with(self):
        body = feature(lattakia(), kind="region", name="Lattakia")
        r = self.assertUnchanged(lambda: self.srv.post("/v1/areas", body, party="admin"))
        p = self.assertProblem(r, 400, "geometry.coordinates", "invalid polygon: Self-intersection at [")
        reason = p["reason"]
        for bad in ("yes", 1, None):
            r = self.assertUnchanged(lambda: self.srv.post("/v1/areas", dict(body, make_valid=bad), party="admin"))
            self.assertProblem(r, 400, "make_valid")
        r = self.assertUnchanged(lambda: self.srv.post("/v1/areas", dict(body, make_valid=False), party="admin"))
        self.assertProblem(r, 400, "geometry.coordinates")

        r = self.srv.post("/v1/areas", dict(body, make_valid=True), party="admin")
        self.assertEqual(r.status, 201, r)
        rep = r.json["repair"]
        self.assertEqual((rep["repaired"], rep["reason"]), (True, reason))
        self.assertEqual(rep["area_change_m2"], rep["area_after_m2"] - rep["area_before_m2"])
        self.assertLess(abs(rep["area_change_m2"]), rep["area_before_m2"] * 1e-4)
        self.assertEqual(r.json["properties"]["area_m2"], rep["area_after_m2"])
        self.assertIn(r.json["geometry"]["type"], ("Polygon", "MultiPolygon"))
        self.assertNotEqual(r.json["geometry"], lattakia())
        # The stored version is the repaired one, without the answer's repair report.
        g = self.srv.get("/v1/areas/%d" % r.json["id"], party="admin").json
        self.assertEqual(g["geometry"], r.json["geometry"])
        self.assertNotIn("repair", g)
        # Attribution works inside it (Lattakia city).
        a = self.srv.get("/v1/attribution?lon=35.79&lat=35.52&at=2016-06-01T00:00:00Z", party="admin")
        self.assertIn("Lattakia", a.body)
        # A new version through PUT, also repaired.
        r2 = self.srv.put("/v1/areas/%d" % r.json["id"], dict(body, make_valid=True,
                                                                properties=dict(body["properties"],
                                                                                valid_from="2017-01-01T00:00:00Z")),
                          party="admin")
        self.assertEqual(r2.status, 200, r2)
        self.assertTrue(r2.json["repair"]["repaired"])
        self.assertEqual(r2.json["properties"]["version"], 2)

    def test_a_valid_polygon_is_left_as_it_is(self):
        body = feature(polygon(36.25, 35.5, 0.25), kind="no_strike", name="Fine")
        r = self.srv.post("/v1/areas", dict(body, make_valid=True), party="admin")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["repair"], {"repaired": False})
        self.assertEqual(r.json["geometry"], body["geometry"])
        r = self.srv.post("/v1/areas", body, party="admin")
        self.assertNotIn("repair", r.json)

    def test_zz_verify(self):
        self.srv.stop()
        try:
            p = run_cli("verify", "--db", self.srv.db, check=False)
            self.assertEqual(p.returncode, 0, p.stdout)
        finally:
            self.srv.start()


if __name__ == "__main__":
    main()
