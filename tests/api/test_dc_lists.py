"""GET /v1/sites and GET /v1/movements (issue 4): paged GeoJSON lists on a real server.

Visibility is exactly that of GET /v1/sites/{id} and GET /v1/movements/{id}: a restricted
object the caller may not read is absent, and every body is searched for its name and
coordinates. Filters: kind, at (valid then), bbox (the footprint meets the box exactly:
a circle whose bounding box reaches into the box but whose disc does not is left out),
paging by cursor, bad input.
"""
import json

from harness import ServerTest, main

SECRET_NAME = "Tabqa forward position"
SECRET_LON, SECRET_LAT = 38.5617, 35.8371  # digits searched for in every body


def point_site(lon, lat, r, kind, name, valid_from="2016-01-01T00:00:00Z", valid_to=None, visibility="public"):
    props = {"kind": kind, "name": name, "radius_m": r, "valid_from": valid_from, "visibility": visibility}
    if valid_to:
        props["valid_to"] = valid_to
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def polygon_site(x0, y0, x1, y1, kind, name):
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"kind": kind, "name": name, "valid_from": "2016-01-01T00:00:00Z"}}


def route(coords, kind="convoy", name="UN convoy", width=100, t0="2016-09-19T12:00:00Z", t1="2016-09-19T22:00:00Z",
          **more):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"kind": kind, "name": name, "width_m": width, "time_start": t0, "time_end": t1, **more}}


class ListTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("admin", "admin"), ("JMC", "monitor"), ("Russia", "guarantor"), ("SAA", "belligerent"),
                           ("Coalition", "belligerent"), ("UNOCHA", "humanitarian"), ("Kazakhstan", "observer")]:
            cls.srv.add_party(name, role)
        post = cls.srv.post
        cls.hospital = post("/v1/sites", point_site(37.10, 36.20, 200, "hospital", "Al-Quds hospital"),
                            party="UNOCHA").json["properties"]["id"]
        cls.secret = post("/v1/sites", point_site(SECRET_LON, SECRET_LAT, 1500, "forces_position", SECRET_NAME,
                                                  visibility=["Russia"]), party="SAA").json["properties"]["id"]
        cls.school = post("/v1/sites", point_site(36.60, 35.90, 100, "school", "Closed school",
                                                  valid_to="2016-06-01T00:00:00Z"), party="UNOCHA").json["properties"]["id"]
        cls.warehouse = post("/v1/sites", polygon_site(36.90, 36.10, 36.95, 36.15, "aid_warehouse", "UN depot"),
                             party="UNOCHA").json["properties"]["id"]
        # A 10 km disc at (40, 0): its bounding box reaches (40.08, 0.08), the disc does not.
        cls.disc = post("/v1/sites", point_site(40.0, 0.0, 10000, "other", "Disc"),
                        party="UNOCHA").json["properties"]["id"]
        cls.convoy = post("/v1/movements", route([[36.95, 36.15], [37.02, 36.21], [37.10, 36.20]]),
                          party="UNOCHA").json["properties"]["id"]
        cls.evac = post("/v1/movements", route([[38.50, 35.80], [38.60, 35.90]], kind="evacuation",
                                               name="Special evacuation " + SECRET_NAME, t0="2016-09-21T01:00:00Z",
                                               t1="2016-09-21T05:00:00Z", visibility=["JMC"]),
                        party="SAA").json["properties"]["id"]
        cls.bodies = []

    def ids(self, path, party, **query):
        q = "&".join("%s=%s" % kv for kv in query.items())
        r = self.srv.get(path + ("?" + q if q else ""), party=party)
        self.assertEqual(r.status, 200, r)
        self.bodies.append((party, r.body))
        body = r.json
        self.assertEqual(body["type"], "FeatureCollection")
        self.assertIn("next_cursor", body)
        return [f["properties"]["id"] for f in body["features"]]

    def test_visibility_as_the_single_get(self):
        everyone = [self.hospital, self.secret, self.school, self.warehouse, self.disc]
        for party in ("admin", "JMC", "Russia", "SAA", "Coalition", "UNOCHA", "Kazakhstan"):
            got = self.ids("/v1/sites", party, limit=1000)
            want = [i for i in everyone if self.srv.get("/v1/sites/%d" % i, party=party).status == 200]
            self.assertEqual(got, want, party)
            got = self.ids("/v1/movements", party, limit=1000)
            want = [i for i in (self.convoy, self.evac)
                    if self.srv.get("/v1/movements/%d" % i, party=party).status == 200]
            self.assertEqual(got, want, party)
        self.assertNotIn(self.secret, self.ids("/v1/sites", "Coalition", bbox="38,35,39,36"))
        self.assertIn(self.secret, self.ids("/v1/sites", "Russia", bbox="38,35,39,36"))
        self.assertNotIn(self.evac, self.ids("/v1/movements", "Coalition", bbox="38,35,39,36", kind="evacuation"))
        self.assertEqual(self.ids("/v1/movements", "JMC", bbox="38,35,39,36", kind="evacuation"), [self.evac])

    def test_zz_no_leak_in_any_body(self):
        # Runs last (zz): every body the parties that may not read the secrets received.
        # (the evacuation's route is searched as positions: numbers print as the shortest
        # decimal, and the public school lies at latitude 35.9 too)
        for party, body in self.bodies:
            if party in ("admin", "JMC", "Russia", "SAA"):
                continue
            for secret in (SECRET_NAME, "Tabqa", "38.5617", "35.8371", "forces_position", "[38.5,35.8]",
                           "[38.6,35.9]"):
                self.assertNotIn(secret, body, party)

    def test_paging(self):
        everyone = self.ids("/v1/sites", "admin", limit=1000)
        seen, cursor = [], None
        for _ in range(20):
            r = self.srv.get("/v1/sites?limit=2" + ("&cursor=" + cursor if cursor else ""), party="Coalition")
            self.assertEqual(r.status, 200, r)
            self.bodies.append(("Coalition", r.body))
            page = r.json
            self.assertLessEqual(len(page["features"]), 2)
            seen += [f["properties"]["id"] for f in page["features"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, [i for i in everyone if i != self.secret])
        # The hidden site is never the reason for a page boundary: a page of 1 after the
        # one before it goes on to the next visible one.
        page = self.srv.get("/v1/sites?limit=1&cursor=%d" % self.hospital, party="Coalition").json
        self.assertEqual([f["properties"]["id"] for f in page["features"]], [self.school])
        last = self.srv.get("/v1/movements?limit=1&cursor=%d" % self.convoy, party="Coalition").json
        self.assertEqual(last, {"type": "FeatureCollection", "features": [], "next_cursor": None})
        with_bbox = self.ids("/v1/sites", "admin", limit=2, bbox="-180,-90,180,90")
        self.assertEqual(with_bbox, everyone[:2])

    def test_features_equal_the_single_get(self):
        r = self.srv.get("/v1/sites?kind=aid_warehouse", party="Kazakhstan").json
        self.assertEqual(r["features"], [self.srv.get("/v1/sites/%d" % self.warehouse, party="Kazakhstan").json])
        r = self.srv.get("/v1/movements?kind=convoy", party="Kazakhstan").json
        self.assertEqual(r["features"], [self.srv.get("/v1/movements/%d" % self.convoy, party="Kazakhstan").json])

    def test_at(self):
        self.assertNotIn(self.school, self.ids("/v1/sites", "admin", at="2016-09-19T12:00:00Z"))
        self.assertIn(self.school, self.ids("/v1/sites", "admin", at="2016-05-31T23:59:59Z"))
        self.assertNotIn(self.school, self.ids("/v1/sites", "admin", at="2016-06-01T00:00:00Z"))  # half-open
        self.assertEqual(self.ids("/v1/movements", "admin", at="2016-09-19T12:00:00Z"), [self.convoy])
        self.assertEqual(self.ids("/v1/movements", "admin", at="2016-09-19T22:00:00Z"), [])
        self.assertEqual(self.ids("/v1/movements", "admin", at="2016-09-21T04:59:59Z"), [self.evac])
        # at and bbox together go through the engine with the same half-open rule.
        self.assertEqual(self.ids("/v1/sites", "admin", at="2016-06-01T00:00:00Z", bbox="36.5,35.8,36.7,36"), [])
        self.assertEqual(self.ids("/v1/sites", "admin", at="2016-05-01T00:00:00Z", bbox="36.5,35.8,36.7,36"),
                         [self.school])
        self.assertEqual(self.ids("/v1/movements", "admin", at="2016-09-19T22:00:00Z", bbox="36,35,38,37"), [])

    def test_bbox_is_exact(self):
        # The disc's bounding box reaches into this box; the disc itself does not.
        self.assertNotIn(self.disc, self.ids("/v1/sites", "admin", bbox="40.08,0.08,40.2,0.2"))
        self.assertIn(self.disc, self.ids("/v1/sites", "admin", bbox="40.05,0.05,40.2,0.2"))
        # A box touching the polygon's edge; a line and a point inside it; the whole world.
        self.assertIn(self.warehouse, self.ids("/v1/sites", "admin", bbox="36.95,36.12,37,36.13"))
        self.assertNotIn(self.warehouse, self.ids("/v1/sites", "admin", bbox="36.9500001,36.12,37,36.13"))
        self.assertIn(self.warehouse, self.ids("/v1/sites", "admin", bbox="36.92,36.11,36.92,36.14"))
        self.assertIn(self.warehouse, self.ids("/v1/sites", "admin", bbox="36.91,36.12,36.93,36.12"))
        self.assertIn(self.warehouse, self.ids("/v1/sites", "admin", bbox="36.92,36.12,36.92,36.12"))
        self.assertEqual(len(self.ids("/v1/sites", "admin", bbox="-180,-90,180,90")), 5)
        self.assertEqual(self.ids("/v1/sites", "admin", bbox="0,0,1,1"), [])
        # The convoy's route buffered by 50 m each side: a box just beside it, then on it.
        self.assertEqual(self.ids("/v1/movements", "admin", bbox="37.05,36.22,37.06,36.23"), [])
        self.assertEqual(self.ids("/v1/movements", "admin", bbox="37.05,36.19,37.06,36.23"), [self.convoy])
        self.assertEqual(self.ids("/v1/sites", "admin", kind="school", bbox="36,35,38,37"), [self.school])

    def test_bad_input(self):
        for path in ("/v1/sites", "/v1/movements"):
            for q, field in [("kind=palace", "kind"), ("kind=", "kind"), ("at=yesterday", "at"),
                             ("bbox=1,2,3", "bbox"), ("bbox=3,2,1,4", "bbox"), ("bbox=0,0,181,1", "bbox"),
                             ("bbox=a,b,c,d", "bbox"), ("bbox=0,0,1,1,", "bbox"), ("bbox=nan,0,1,1", "bbox"),
                             ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=1.5", "limit"),
                             ("cursor=abc", "cursor"), ("cursor=-1", "cursor"), ("colour=red", "colour")]:
                r = self.assertUnchanged(lambda: self.srv.get(path + "?" + q, party="SAA"))
                self.assertProblem(r, 400, field=field)
        self.assertProblem(self.srv.get("/v1/sites?kind=forces_position"), 401)
        r = self.srv.get("/v1/movements?kind=evacuation", party="SAA")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([f["properties"]["id"] for f in r.json["features"]], [self.evac])  # its own


if __name__ == "__main__":
    main()
