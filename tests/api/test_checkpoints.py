"""Checkpoints (issue 12, item 5): manned crossing points on convoy routes.

A real server; parties create checkpoints, then convoys whose routes pass them. Checked:
the routes (create, get, list with bbox and cursor); a movement lists the checkpoints within
its route's width and their controlling parties clear it (their acknowledgement counts in
`cleared` / `missing`); a restricted checkpoint never leaks to a party that may not see it
(not in lists, not in a movement, not in clearance or counts); bad input is a problem+json
naming the field that changes nothing; `truce verify` covers the rows.
"""
import subprocess

from harness import BIN, ServerTest, main

T0 = "2016-09-19T10:00:00Z"
T1 = "2016-09-19T16:00:00Z"
PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("SAA", "belligerent"), ("Opposition", "belligerent"),
           ("Russia", "guarantor"), ("UNOCHA", "humanitarian"), ("Kazakhstan", "observer")]


def checkpoint(name, lon, lat=36.20, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": dict({"name": name}, **props)}


def convoy(name, visibility="public", lat=36.20):
    return {"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[36.60, lat], [36.80, lat], [37.00, lat]]},
            "properties": {"kind": "convoy", "name": name, "width_m": 200, "time_start": T0, "time_end": T1,
                           "visibility": visibility}}


class CheckpointTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in PARTIES:
            cls.srv.add_party(name, role)

    def ok(self, r, status=201):
        self.assertEqual(r.status, status, r)
        return r.json

    def create(self, body, party):
        return self.ok(self.srv.post("/v1/checkpoints", body, party=party))["properties"]["id"]

    def listed(self, party, query=""):
        ids, cursor = [], None
        for _ in range(100):
            q = "?limit=2" + query + ("&cursor=%s" % cursor if cursor else "")
            page = self.ok(self.srv.get("/v1/checkpoints" + q, party=party), 200)
            ids += [f["properties"]["id"] for f in page["features"]]
            cursor = page["next_cursor"]
            if not cursor:
                return ids
        self.fail("the list never ended")

    def test_create_get_list(self):
        hours = [{"days": ["mon", "tue"], "open": "06:00", "close": "18:00"}, {"days": ["sat"], "open": "08:00",
                                                                               "close": "24:00"}]
        r = self.srv.post("/v1/checkpoints", checkpoint("Bridge", 40.5, 35.0, opening_hours=hours), party="Russia")
        f = self.ok(r)
        cid = f["properties"]["id"]
        self.assertEqual(r.headers["location"], "/v1/checkpoints/%d" % cid)
        self.assertIn("receipt", f)
        p = f["properties"]
        self.assertEqual((p["owner"], p["controlled_by"], p["visibility"]), ("Russia", "Russia", "public"))
        self.assertEqual(p["opening_hours"], hours)
        got = self.ok(self.srv.get("/v1/checkpoints/%d" % cid, party="Kazakhstan"), 200)
        del f["receipt"]
        self.assertEqual(got, f)
        # admin records SAA's checkpoint; bbox keeps points inside the box, edges included
        other = self.create(checkpoint("Ford", 40.6, 35.1, controlled_by="SAA"), "admin")
        self.assertEqual(self.ok(self.srv.get("/v1/checkpoints/%d" % other, party="SAA"), 200)["properties"]
                         ["controlled_by"], "SAA")
        self.assertEqual(self.listed("Opposition", "&bbox=40.5,35.0,40.55,35.05"), [cid])
        self.assertEqual(self.listed("Opposition", "&bbox=40.4,34.9,40.7,35.2"), [cid, other])
        self.assertEqual(self.listed("Opposition", "&bbox=40.55,35.05,41,36"), [other])

    def test_hidden_checkpoint_never_leaks(self):
        public = self.create(checkpoint("Open post", 36.70, controlled_by="Russia"), "Russia")
        hidden = self.create(checkpoint("Hidden post", 36.90, visibility=["Russia"]), "SAA")
        # The controlling party and the listed party see it; others get 404, exactly as for a missing id.
        for party in ("SAA", "Russia", "admin", "JMC"):
            self.ok(self.srv.get("/v1/checkpoints/%d" % hidden, party=party), 200)
        for party in ("Opposition", "UNOCHA", "Kazakhstan"):
            r = self.srv.get("/v1/checkpoints/%d" % hidden, party=party)
            missing = self.srv.get("/v1/checkpoints/%d" % 10 ** 9, party=party)
            self.assertEqual((r.status, r.json["field"]), (404, "id"))
            self.assertEqual(r.json["reason"].replace(str(hidden), "N"), missing.json["reason"].replace(str(10 ** 9), "N"))
            for q in ("", "&bbox=36,36,37.5,37"):
                ids = self.listed(party, q)
                self.assertIn(public, ids)
                self.assertNotIn(hidden, ids)
            self.assertNotIn("Hidden post", self.srv.get("/v1/checkpoints?limit=1000", party=party).body)
        self.assertIn(hidden, self.listed("Russia"))
        # A public convoy by UN OCHA over both: only the public one takes part, for every reader, and only
        # its controlling party clears the convoy.
        m = self.ok(self.srv.post("/v1/movements", convoy("Convoy A"), party="UNOCHA"))
        mid = m["properties"]["id"]
        for party in ("UNOCHA", "Kazakhstan", "Russia", "SAA", "admin"):
            p = self.ok(self.srv.get("/v1/movements/%d" % mid, party=party), 200)["properties"]
            self.assertEqual([c["properties"]["id"] for c in p["checkpoints"]], [public], party)
            self.assertEqual(p["clearance"]["required"], ["Russia"], party)
            self.assertEqual(p["clearance"]["missing"], ["Russia"], party)
            self.assertFalse(p["cleared"])
            self.assertNotIn("Hidden post", self.srv.get("/v1/movements/%d" % mid, party=party).body)
            listed = [f for f in self.ok(self.srv.get("/v1/movements?limit=1000", party=party), 200)["features"]
                      if f["properties"]["id"] == mid]
            self.assertEqual(listed[0]["properties"]["checkpoints"], p["checkpoints"])
        saa = [n for n in self.ok(self.srv.get("/v1/notices?limit=1000", party="SAA"), 200)["items"]
               if n["kind"] == "movement" and n["payload"]["properties"]["id"] == mid]
        self.assertEqual(saa, [], "the hidden checkpoint's party is not told of the public convoy")

    def test_clearance_counts_the_controlling_party(self):
        lat = 35.50
        cid = self.create(checkpoint("Crossing", 36.80, lat, controlled_by="Opposition"), "Opposition")
        m = self.ok(self.srv.post("/v1/movements", convoy("Convoy B", lat=lat), party="UNOCHA"))
        mid = m["properties"]["id"]
        p = self.ok(self.srv.get("/v1/movements/%d" % mid, party="UNOCHA"), 200)["properties"]
        self.assertEqual([c["properties"]["id"] for c in p["checkpoints"]], [cid])
        self.assertEqual((p["cleared"], p["clearance"]["missing"]), (False, ["Opposition"]))
        notices = [n for n in self.ok(self.srv.get("/v1/notices?limit=1000", party="Opposition"), 200)["items"]
                   if n["kind"] == "movement" and n["payload"]["properties"]["id"] == mid]
        self.assertEqual(len(notices), 1, notices)
        self.ok(self.srv.post("/v1/notices/%d/ack" % notices[0]["id"], {}, party="Opposition"), 200)
        p = self.ok(self.srv.get("/v1/movements/%d" % mid, party="UNOCHA"), 200)["properties"]
        self.assertEqual((p["cleared"], p["clearance"]["missing"]), (True, []))
        # A checkpoint outside the route's width (200 m wide: 0.01 degrees is ~1 km) takes no part.
        self.create(checkpoint("Off the road", 36.80, lat + 0.01, controlled_by="SAA"), "SAA")
        m2 = self.ok(self.srv.post("/v1/movements", convoy("Convoy C", lat=lat), party="UNOCHA"))
        p = self.ok(self.srv.get("/v1/movements/%d" % m2["properties"]["id"], party="UNOCHA"), 200)["properties"]
        self.assertEqual([c["properties"]["id"] for c in p["checkpoints"]], [cid])
        self.assertEqual(p["clearance"]["required"], ["Opposition"])

    def test_restricted_movement_takes_checkpoints_all_its_readers_see(self):
        lat = 34.80
        for_un = self.create(checkpoint("UN-only post", 36.70, lat, visibility=["UNOCHA"]), "SAA")
        m = self.ok(self.srv.post("/v1/movements", convoy("Convoy D", ["SAA"], lat), party="UNOCHA"))
        p = self.ok(self.srv.get("/v1/movements/%d" % m["properties"]["id"], party="SAA"), 200)["properties"]
        self.assertEqual([c["properties"]["id"] for c in p["checkpoints"]], [for_un])
        self.assertEqual(p["clearance"]["required"], ["SAA"])
        # Russia on the list may not see the post: it takes no part, for anyone.
        m = self.ok(self.srv.post("/v1/movements", convoy("Convoy E", ["SAA", "Russia"], lat), party="UNOCHA"))
        for party in ("UNOCHA", "Russia", "SAA"):
            p = self.ok(self.srv.get("/v1/movements/%d" % m["properties"]["id"], party=party), 200)["properties"]
            self.assertEqual((p["checkpoints"], p["clearance"]["required"]), ([], []), party)

    def test_bad_input_changes_nothing(self):
        good = checkpoint("Post", 38.0, 35.0)
        cases = [
            (dict(good, geometry={"type": "LineString", "coordinates": [[38, 35], [38.1, 35]]}), "geometry", 400),
            (dict(good, geometry={"type": "Point", "coordinates": [200, 35]}), "geometry.coordinates", 400),
            (checkpoint("", 38.0, 35.0), "properties.name", 400),
            (dict(good, properties={"name": "x", "kind": "hospital"}), "properties.kind", 400),
            (checkpoint("Post", 38.0, 35.0, opening_hours=[]), "properties.opening_hours", 400),
            (checkpoint("Post", 38.0, 35.0, opening_hours=[{"days": ["mon"], "open": "18:00", "close": "06:00"}]),
             "properties.opening_hours[0].close", 400),
            (checkpoint("Post", 38.0, 35.0, opening_hours=[{"days": ["mon", "mon"], "open": "06:00", "close": "07:00"}]),
             "properties.opening_hours[0].days", 400),
            (checkpoint("Post", 38.0, 35.0, opening_hours=[{"days": ["moon"], "open": "6:00", "close": "07:00"}]),
             "properties.opening_hours[0].days", 400),
            (checkpoint("Post", 38.0, 35.0, opening_hours=[{"days": ["mon"], "open": "6:00", "close": "07:00"}]),
             "properties.opening_hours[0].open", 400),
            (checkpoint("Post", 38.0, 35.0, visibility=["Nobody"]), "properties.visibility[0]", 400),
            (checkpoint("Post", 38.0, 35.0, controlled_by="Nobody"), "properties.controlled_by", 403),
            (checkpoint("Post", 38.0, 35.0, controlled_by="SAA"), "properties.controlled_by", 403),
        ]
        for body, field, status in cases:
            with self.subTest(field=field, body=body):
                before = self.srv.db_snapshot()
                r = self.srv.post("/v1/checkpoints", body, party="Russia")
                self.assertEqual(r.status, status, r)
                self.assertEqual(r.headers["content-type"], "application/problem+json")
                self.assertEqual(r.json["field"], field, r.json)
                self.assertEqual(self.srv.db_snapshot(), before)
        before = self.srv.db_snapshot()
        r = self.srv.post("/v1/checkpoints", checkpoint("Post", 38.0, 35.0, controlled_by="Nobody"), party="admin")
        self.assertEqual((r.status, r.json["field"]), (400, "properties.controlled_by"), r)
        self.assertEqual(self.srv.db_snapshot(), before)
        for q, field in (("bbox=1,2,3", "bbox"), ("limit=0", "limit"), ("cursor=x", "cursor"), ("at=1", "at")):
            r = self.srv.get("/v1/checkpoints?" + q, party="SAA")
            self.assertEqual((r.status, r.json["field"]), (400, field), r)
        r = self.srv.get("/v1/checkpoints/0", party="SAA")
        self.assertEqual((r.status, r.json["field"]), (400, "id"), r)

    def test_zz_verify_covers_checkpoints(self):
        self.create(checkpoint("Verified post", 36.75, 33.9, controlled_by="Russia"), "Russia")
        self.ok(self.srv.post("/v1/movements", convoy("Convoy V", lat=33.9), party="UNOCHA"))
        self.srv.stop()
        try:
            v = subprocess.run([BIN, "verify", "--db", self.srv.db], capture_output=True, text=True, timeout=300)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            self.assertRegex(v.stdout, r"checkpoints: [1-9][0-9]* checkpoints, [1-9][0-9]* passages")
        finally:
            self.srv.start()


if __name__ == "__main__":
    main()
