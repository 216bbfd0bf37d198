"""Core API behaviour: health, auth, areas over time, agreements, attribution."""
from harness import ServerTest, polygon, feature, main


class CoreTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        cls.srv.add_party("SAA", "belligerent")
        cls.srv.add_party("Opposition", "belligerent")
        cls.srv.add_party("Russia", "guarantor")
        cls.srv.add_party("Kazakhstan", "observer")
        r = cls.srv.post("/v1/actors", {"name": "ISIS", "full_name": "Islamic State"}, party="admin")
        assert r.status == 201, r

    def test_health_is_open(self):
        r = self.srv.get("/v1/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")
        self.assertGreaterEqual(r.json["schema_version"], 1)

    def test_metrics_prometheus_text(self):
        self.srv.get("/v1/health")
        r = self.srv.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain"))
        self.assertRegex(r.body, r'truce_http_requests_total\{method="GET",route="/v1/health",status="200"\} \d+')
        self.assertIn("truce_http_request_duration_seconds_bucket", r.body)
        self.assertIn('le="+Inf"', r.body)

    def test_auth_required(self):
        self.assertProblem(self.srv.get("/v1/areas"), 401, "Authorization")
        r = self.srv.get("/v1/areas", token="truce_" + "x" * 43)
        self.assertProblem(r, 401)
        self.assertIn("bearer", r.headers.get("www-authenticate", "").lower())
        self.assertProblem(self.srv.get("/v1/areas", headers={"Authorization": "Basic YWJjOmRlZg=="}), 401)

    def test_me(self):
        r = self.srv.get("/v1/me", party="SAA")
        self.assertEqual(r.json, {"name": "SAA", "role": "belligerent", "public_key": None})

    def test_role_forbidden(self):
        f = feature(polygon(36.0, 35.0), kind="control", party="Kazakhstan", name="x")
        self.assertProblem(self.assertUnchanged(lambda: self.srv.post("/v1/areas", f, party="Kazakhstan")), 403)
        ag = {"name": "x", "start": "2016-01-01T00:00:00Z"}
        self.assertProblem(self.assertUnchanged(lambda: self.srv.post("/v1/agreements", ag, party="SAA")), 403)

    def test_unknown_route_and_method(self):
        self.assertProblem(self.srv.get("/v1/nothing", party="admin"), 404)
        self.assertProblem(self.srv.request("DELETE", "/v1/areas", party="admin"), 405)

    def test_area_versions_and_time(self):
        srv = self.srv
        f1 = feature(polygon(37.0, 36.0, 0.3), kind="control", party="Opposition", name="East Aleppo",
                     valid_from="2016-01-01T00:00:00Z")
        r = srv.post("/v1/areas", f1, party="admin")
        self.assertEqual(r.status, 201, r)
        aid = r.json["id"]
        self.assertEqual(r.json["properties"]["version"], 1)
        self.assertEqual(r.headers["etag"], '"1"')
        self.assertEqual(r.headers["location"], "/v1/areas/%d" % aid)
        self.assertAlmostEqual(r.json["properties"]["area_m2"] / 1e6, 898.7, delta=5)
        f2 = feature(polygon(37.0, 36.0, 0.3), kind="control", party="SAA", name="East Aleppo",
                     valid_from="2016-12-22T00:00:00Z")
        # A stale version is refused with 409 and changes nothing.
        self.assertProblem(self.assertUnchanged(
            lambda: srv.put("/v1/areas/%d" % aid, f2, party="admin", headers={"If-Match": '"7"'})), 409)
        r = srv.put("/v1/areas/%d" % aid, f2, party="admin", headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["properties"]["version"], 2)
        # The map as it was: before and after the change.
        q = "/v1/attribution?lon=37.15&lat=36.15&at=%s"
        before = srv.get(q % "2016-10-01T00:00:00Z", party="Russia").json
        after = srv.get(q % "2017-01-15T00:00:00Z", party="Russia").json
        self.assertEqual(before["controller"]["name"], "Opposition")
        self.assertEqual(after["controller"]["name"], "SAA")
        self.assertIsNone(srv.get(q % "2015-06-01T00:00:00Z", party="Russia").json["controller"])
        # History keeps both versions; the first now ends where the second starts.
        h = srv.get("/v1/areas/%d/history" % aid, party="Russia").json
        self.assertEqual([f["properties"]["version"] for f in h["features"]], [1, 2])
        self.assertEqual(h["features"][0]["properties"]["effective_to"], "2016-12-22T00:00:00Z")
        # Reading an old version, and listing the map at a time.
        self.assertEqual(srv.get("/v1/areas/%d?version=1" % aid, party="SAA").json["properties"]["party"], "Opposition")
        lst = srv.get("/v1/areas?kind=control&at=2016-10-01T00:00:00Z", party="SAA").json
        self.assertIn(("Opposition", aid), [(f["properties"]["party"], f["id"]) for f in lst["features"]])
        # A version may not start before the current one.
        f3 = feature(polygon(37.0, 36.0, 0.3), kind="control", party="SAA", name="East Aleppo",
                     valid_from="2016-06-01T00:00:00Z")
        self.assertProblem(self.assertUnchanged(lambda: srv.put("/v1/areas/%d" % aid, f3, party="admin")), 400,
                           "properties.valid_from")

    def test_corridor_line_with_width(self):
        line = {"type": "LineString", "coordinates": [[37.20, 36.20], [37.10, 36.20]]}
        r = self.srv.post("/v1/areas", feature(line, kind="corridor", name="Corridor", width_m=1000), party="admin")
        self.assertEqual(r.status, 201, r)
        # 8.98 km x 1 km plus two round caps of radius 500 m
        self.assertAlmostEqual(r.json["properties"]["area_m2"] / 1e6, 8.98 + 0.785, delta=0.1)
        a = self.srv.get("/v1/attribution?lon=37.15&lat=36.2035&at=2016-06-01T00:00:00Z", party="SAA").json
        self.assertIn("Corridor", [c["name"] for c in a["corridors"]])
        a = self.srv.get("/v1/attribution?lon=37.15&lat=36.2060&at=2016-06-01T00:00:00Z", party="SAA").json
        self.assertNotIn("Corridor", [c["name"] for c in a["corridors"]])

    def test_agreement_zones_and_excluded_actors(self):
        srv = self.srv
        zone = srv.post("/v1/areas", feature(polygon(38.0, 35.0, 1.0), kind="ceasefire_zone", name="Zone A"),
                        party="admin").json
        isis = srv.post("/v1/areas", feature(polygon(38.5, 35.5, 0.2), kind="designated", actor="ISIS",
                                             name="ISIS pocket"), party="admin").json
        ag = {"name": "Zone A ceasefire", "start": "2016-02-27T00:00:00+02:00", "end": "2016-09-19T00:00:00Z",
              "parties": ["SAA", "Opposition"], "excluded_actors": ["ISIS"], "zones": [zone["id"]],
              "provisions": [{"text": "Cease attacks", "responsible": "SAA", "deadline": "2016-03-01T00:00:00Z",
                              "status": "in_progress"}]}
        r = srv.post("/v1/agreements", ag, party="Russia")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["start"], "2016-02-26T22:00:00Z")
        self.assertEqual(r.json["provisions"][0]["status"], "in_progress")
        got = srv.get("/v1/agreements/%d" % r.json["id"], party="Kazakhstan").json
        self.assertEqual(got["excluded_actors"], ["ISIS"])
        a = srv.get("/v1/attribution?lon=38.6&lat=35.6&at=2016-05-01T00:00:00Z", party="SAA").json
        self.assertEqual([g["name"] for g in a["agreements"]], ["Zone A ceasefire"])
        self.assertEqual(a["agreements"][0]["excluded_actors_here"], ["ISIS"])
        self.assertIn("ISIS pocket", [d["name"] for d in a["designated"]])
        self.assertIn("ISIS", a["actors"])
        # Outside the zone, or before the start: not in force there.
        a = srv.get("/v1/attribution?lon=39.5&lat=35.5&at=2016-05-01T00:00:00Z", party="SAA").json
        self.assertEqual(a["agreements"], [])
        a = srv.get("/v1/attribution?lon=38.6&lat=35.6&at=2016-02-26T21:59:59Z", party="SAA").json
        self.assertEqual(a["agreements"], [])
        lst = srv.get("/v1/agreements?at=2016-05-01T00:00:00Z", party="SAA").json
        self.assertIn("Zone A ceasefire", [x["name"] for x in lst["items"]])
        self.assertIsNotNone(isis["id"])

    def test_agreement_bad_references_change_nothing(self):
        srv = self.srv
        cases = [
            ({"name": "A1", "start": "2016-01-01T00:00:00Z", "parties": ["Nobody"]}, "parties[0]"),
            ({"name": "A2", "start": "2016-01-01T00:00:00Z", "excluded_actors": ["SAA"]}, "excluded_actors[0]"),
            ({"name": "A3", "start": "2016-01-01T00:00:00Z", "zones": [999999]}, "zones[0]"),
            ({"name": "A4", "start": "2016-01-01T00:00:00Z", "end": "2015-01-01T00:00:00Z"}, "end"),
            ({"name": "A5", "start": "yesterday"}, "start"),
            ({"name": "A6", "start": "2016-01-01T00:00:00Z", "colour": "red"}, "colour"),
            ({"name": "A7", "start": "2016-01-01T00:00:00Z", "provisions": [{"text": "x", "status": "maybe"}]},
             "provisions[0].status"),
            ({"name": "A8", "start": "2016-01-01T00:00:00Z", "provisions": [{"text": "x", "responsible": "Nobody"}]},
             "provisions[0].responsible"),
        ]
        for body, field in cases:
            with self.subTest(field=field):
                r = self.assertUnchanged(lambda: srv.post("/v1/agreements", body, party="admin"))
                self.assertProblem(r, 400, field)

    def test_attribution_parameters(self):
        for q, field in [("lon=200&lat=36", "lon"), ("lon=37&lat=x", "lat"), ("lat=36", "lon"),
                         ("lon=37&lat=36&at=tomorrow", "at"), ("lon=37&lat=36&colour=red", "colour")]:
            with self.subTest(q=q):
                self.assertProblem(self.srv.get("/v1/attribution?" + q, party="SAA"), 400, field)

    def test_pagination(self):
        ids = []
        for i in range(5):
            r = self.srv.post("/v1/areas", feature(polygon(40 + i * 0.2, 33.0), kind="no_strike", name="NS%d" % i),
                              party="admin")
            ids.append(r.json["id"])
        seen, cursor = [], None
        for _ in range(10):
            q = "/v1/areas?kind=no_strike&limit=2" + ("&cursor=" + cursor if cursor else "")
            page = self.srv.get(q, party="SAA").json
            self.assertLessEqual(len(page["features"]), 2)
            seen += [f["id"] for f in page["features"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(sorted(set(ids) & set(seen)), sorted(ids))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertProblem(self.srv.get("/v1/areas?limit=0", party="SAA"), 400, "limit")
        self.assertProblem(self.srv.get("/v1/areas?cursor=abc", party="SAA"), 400, "cursor")

    def test_bbox_filter(self):
        r = self.srv.post("/v1/areas", feature(polygon(41.0, 36.5, 0.1), kind="no_strike", name="Far"), party="admin")
        inside = self.srv.get("/v1/areas?bbox=40.9,36.4,41.2,36.7", party="SAA").json
        outside = self.srv.get("/v1/areas?bbox=35.7,32.4,35.8,32.5", party="SAA").json
        self.assertIn(r.json["id"], [f["id"] for f in inside["features"]])
        self.assertNotIn(r.json["id"], [f["id"] for f in outside["features"]])
        self.assertProblem(self.srv.get("/v1/areas?bbox=1,2,3", party="SAA"), 400, "bbox")


if __name__ == "__main__":
    main()
