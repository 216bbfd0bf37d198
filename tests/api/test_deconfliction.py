"""Deconfliction (issue 4): protected sites, operations and their conflicts, on a real server.

Scenarios from the source documents: a UN aid warehouse west of Aleppo and an air
operation over it; a coalition operation over notified army positions near Deir ez-Zor
(a restricted forces_position that the coalition may not see); two parties' air
operations in the same airspace; reject_on_conflict; bad input; concurrent submitters.
"""
import json
import threading
import time

from harness import ServerTest, feature, main, polygon

T0 = "2016-09-17T14:00:00Z"
T1 = "2016-09-17T15:00:00Z"


def alt(v):
    return {"value": v, "reference": "W84", "units": "M"}


def tm(v):
    return {"value": v, "format": "RFC3339"}


def circle(lon, lat, r, lo=0, hi=3000, t0=T0, t1=T1):
    return {"volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": r, "units": "M"}},
                       "altitude_lower": alt(lo), "altitude_upper": alt(hi)},
            "time_start": tm(t0), "time_end": tm(t1)}


def square(lon, lat, d, lo=0, hi=3000, t0=T0, t1=T1):
    verts = [{"lng": lon, "lat": lat}, {"lng": lon + d, "lat": lat}, {"lng": lon + d, "lat": lat + d},
             {"lng": lon, "lat": lat + d}]
    return {"volume": {"outline_polygon": {"vertices": verts}, "altitude_lower": alt(lo), "altitude_upper": alt(hi)},
            "time_start": tm(t0), "time_end": tm(t1)}


def point_site(lon, lat, r, kind, name, visibility="public", **more):
    props = {"kind": kind, "name": name, "radius_m": r, "valid_from": "2016-01-01T00:00:00Z",
             "visibility": visibility, **more}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


class DeconflictionTest(ServerTest):
    extra_args = ["--checkpoint-ms", "50"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("admin", "admin"), ("JMC", "monitor"), ("Russia", "guarantor"), ("US", "guarantor"),
                           ("SAA", "belligerent"), ("Coalition", "belligerent"), ("UNOCHA", "humanitarian"),
                           ("Kazakhstan", "observer")]:
            cls.srv.add_party(name, role)

    def op(self, party, volumes, kind="air", reject=False, status=201):
        r = self.srv.post("/v1/operations", {"kind": kind, "volumes": volumes, "reject_on_conflict": reject},
                          party=party)
        self.assertEqual(r.status, status, r)
        return r

    def site(self, party, body, status=201):
        r = self.srv.post("/v1/sites", body, party=party)
        self.assertEqual(r.status, status, r)
        return r

    def notices(self, party, about=None, after=None):
        q = "?limit=1000" + ("&after=%s" % after if after else "")
        r = self.srv.get("/v1/notices" + q, party=party)
        self.assertEqual(r.status, 200, r)
        items = r.json["items"]
        if about:
            items = [n for n in items if (n["about"]["type"], n["about"]["id"]) == about]
        return items, r

    # -- scenarios --

    def test_site_west_of_aleppo_and_an_air_operation_over_it(self):
        s = self.site("UNOCHA", point_site(37.02, 36.21, 200, "aid_warehouse", "Urum al-Kubra warehouse")).json
        sid = s["properties"]["id"]
        self.assertEqual(s["properties"]["owner"], "UNOCHA")
        self.assertEqual(set(s["receipt"]), {"index", "leaf_hash"})
        self.assertEqual(self.srv.get("/v1/sites/%d" % sid, party="SAA").json["properties"]["name"],
                         "Urum al-Kubra warehouse")
        # Over it, in its time window: a conflict naming the site, its owner and the window.
        r = self.op("Russia", [circle(37.03, 36.21, 1500)]).json
        c = [x for x in r["conflicts"] if x["type"] == "site" and x["id"] == sid]
        self.assertEqual(len(c), 1, r)
        self.assertEqual(c[0]["owner"], "UNOCHA")
        self.assertEqual(c[0]["kind"], "aid_warehouse")
        self.assertEqual(c[0]["distance_band"], "intersecting")
        self.assertEqual((c[0]["time_start"], c[0]["time_end"]), (T0, T1))
        self.assertFalse(c[0]["restricted"])
        # Just outside the footprint but within the 500 m buffer: still reported, as "within 500 m".
        # 37.02 + 200 m + 1000 m radius + ~300 m gap, at 36.21 N (1 degree of longitude ~ 89.9 km).
        r = self.op("Russia", [circle(37.02 + 1500 / 89900.0, 36.21, 1000)]).json
        c = [x for x in r["conflicts"] if x["type"] == "site" and x["id"] == sid]
        self.assertEqual(len(c), 1, r)
        self.assertEqual(c[0]["distance_band"], "within 500 m")
        # Far away, or outside the site's time: nothing.
        r = self.op("Russia", [circle(37.2, 36.21, 1000)]).json
        self.assertFalse([x for x in r["conflicts"] if x.get("id") == sid and x["type"] == "site"], r)
        r = self.op("Russia", [circle(37.03, 36.21, 1500, t0="2015-01-01T00:00:00Z", t1="2015-01-01T01:00:00Z")]).json
        self.assertFalse([x for x in r["conflicts"] if x.get("id") == sid and x["type"] == "site"], r)
        # GET of the operation, and the list.
        op = self.srv.get("/v1/operations/%d" % r["id"], party="Kazakhstan")
        self.assertEqual(op.status, 200, op)
        self.assertEqual(op.json["owner"], "Russia")
        self.assertNotIn("conflicts", op.json)
        ids = [x["id"] for x in self.srv.get("/v1/operations?limit=1000", party="SAA").json["items"]]
        self.assertIn(r["id"], ids)

    def test_coalition_operation_over_restricted_army_positions_near_deir_ez_zor(self):
        name = "Tharda mountain artillery positions"
        lon, lat = 40.0765, 35.2632
        s = self.site("SAA", point_site(lon, lat, 1000, "forces_position", name, visibility=["Russia", "JMC"])).json
        sid = s["properties"]["id"]
        # Russia and the JMC see it; the coalition does not (404, as if it did not exist).
        self.assertEqual(self.srv.get("/v1/sites/%d" % sid, party="Russia").status, 200)
        self.assertEqual(self.srv.get("/v1/sites/%d" % sid, party="JMC").status, 200)
        bodies = []
        hidden = self.srv.get("/v1/sites/%d" % sid, party="Coalition")
        self.assertProblem(hidden, 404, field="id")
        bodies.append(hidden.body)
        # The coalition's strike volume covers the positions: it learns of a restricted conflict.
        r = self.op("Coalition", [circle(40.09, 35.27, 3000, lo=0, hi=8000)])
        bodies.append(r.body)
        c = [x for x in r.json["conflicts"] if x["type"] == "site" and x["id"] == sid]
        self.assertEqual(len(c), 1, r)
        self.assertTrue(c[0]["restricted"])
        self.assertEqual(c[0]["contact"], "SAA")
        self.assertEqual(c[0]["owner"], "SAA")
        self.assertIn(c[0]["distance_band"], ("intersecting", "within 500 m"))
        self.assertEqual(set(c[0]), {"type", "id", "owner", "contact", "restricted", "volume", "distance_band",
                                     "time_start", "time_end"})
        # With reject_on_conflict the 409 says the same, and no more.
        rej = self.srv.post("/v1/operations", {"kind": "air", "volumes": [circle(40.09, 35.27, 3000)],
                                               "reject_on_conflict": True}, party="Coalition")
        self.assertProblem(rej, 409, field="conflicts")
        bodies.append(rej.body)
        bodies.append(self.srv.get("/v1/operations/%d" % r.json["id"], party="Coalition").body)
        bodies.append(self.srv.get("/v1/operations?limit=1000", party="Coalition").body)
        # Russia, which may see the site, gets its kind and name.
        rr = self.op("Russia", [circle(40.09, 35.27, 3000, lo=9000, hi=9500)]).json
        seen = [x for x in rr["conflicts"] if x["type"] == "site" and x["id"] == sid]
        self.assertEqual(seen[0]["name"], name)
        self.assertFalse(seen[0]["restricted"])
        # Russia, on the site's list, was notified of the site, with everything.
        got, _ = self.notices("Russia", about=("site", sid))
        self.assertEqual([n["kind"] for n in got], ["site"])
        self.assertEqual(got[0]["payload"]["properties"]["name"], name)
        self.assertEqual(got[0]["payload"]["geometry"]["coordinates"], [lon, lat])
        # SAA, the owner, is notified of the coalition's operation and which of its sites it hits.
        got, _ = self.notices("SAA", about=("operation", r.json["id"]))
        self.assertEqual(len(got), 1, got)
        self.assertEqual(got[0]["kind"], "conflict")
        self.assertEqual(got[0]["payload"]["operation"]["owner"], "Coalition")
        self.assertEqual(got[0]["payload"]["operation"]["volumes"], r.json["volumes"])
        self.assertEqual((got[0]["payload"]["conflict_with"]["type"], got[0]["payload"]["conflict_with"]["id"]),
                         ("site", sid))
        # The coalition's own notice feed and overdue list leak nothing either.
        bodies.append(self.notices("Coalition")[1].body)
        bodies.append(self.srv.get("/v1/notices/overdue", party="Coalition").body)
        # No leak in anything the coalition was answered.
        for b in bodies:
            for secret in (name, "Tharda", "40.0765", "35.2632", "forces_position"):
                self.assertNotIn(secret, b)

    def test_two_parties_air_operations_in_the_same_airspace(self):
        first = self.op("SAA", [square(38.50, 35.50, 0.05, lo=1000, hi=4000)]).json
        self.assertEqual([x for x in first["conflicts"] if x["type"] == "operation"], [])
        # Another party 800 m east (within 1,000 m), 200 m above (within 300 m): both in conflict.
        second = self.op("Russia", [square(38.50 + 0.05 + 800 / 90800.0, 35.50, 0.05, lo=4200, hi=6000)]).json
        c = [x for x in second["conflicts"] if x["type"] == "operation"]
        self.assertEqual([(x["id"], x["owner"], x["kind"]) for x in c], [(first["id"], "SAA", "air")])
        self.assertEqual(c[0]["distance_band"], "within 1000 m")
        # The first submitter learns of it by a notice; the second's own feed has none about it.
        got, _ = self.notices("SAA", about=("operation", second["id"]))
        self.assertEqual(len(got), 1, got)
        self.assertEqual(got[0]["payload"]["conflict_with"]["id"], first["id"])
        self.assertEqual(got[0]["payload"]["operation"]["owner"], "Russia")
        self.assertIsNone(got[0]["acked_at"])
        self.assertEqual(self.notices("Russia", about=("operation", second["id"]))[0], [])
        # The same party's own operations do not conflict with each other.
        own = self.op("SAA", [square(38.50, 35.50, 0.05, lo=1000, hi=4000)]).json
        self.assertEqual([x for x in own["conflicts"] if x["type"] == "operation" and x["owner"] == "SAA"], [])
        # 400 m above Russia's band (and far above SAA's): vertically separated; 200 m above: not.
        sep = self.op("US", [square(38.50, 35.50, 0.05, lo=6400, hi=7000)]).json
        self.assertEqual([x["owner"] for x in sep["conflicts"] if x["type"] == "operation"], [])
        near = self.op("US", [square(38.50, 35.50, 0.05, lo=6200, hi=7000)]).json
        self.assertEqual([x["owner"] for x in near["conflicts"] if x["type"] == "operation"], ["Russia"])
        # Back to back in time (the first ends when the other starts): no conflict.
        later = self.op("US", [square(38.50, 35.50, 0.05, lo=1000, hi=4000, t0=T1, t1="2016-09-17T16:00:00Z")]).json
        self.assertEqual([x for x in later["conflicts"] if x["type"] == "operation"], [])

    def test_ceasefire_zone_warning_names_the_agreement(self):
        zone = self.srv.post("/v1/areas", feature(polygon(42.0, 34.0, 0.5), kind="ceasefire_zone", name="Zone Q"),
                             party="admin").json
        self.srv.post("/v1/agreements", {"name": "Zone Q truce", "start": "2016-01-01T00:00:00Z",
                                         "zones": [zone["properties"]["id"]]}, party="admin")
        r = self.op("Coalition", [circle(42.2, 34.2, 1000)]).json
        c = [x for x in r["conflicts"] if x["type"] == "area"]
        self.assertEqual(len(c), 1, r)
        self.assertEqual((c[0]["id"], c[0]["kind"], c[0]["name"]), (zone["properties"]["id"], "ceasefire_zone", "Zone Q"))
        self.assertIn("Zone Q truce", c[0]["agreements"])

    def test_reject_on_conflict_stores_nothing(self):
        s = self.site("UNOCHA", point_site(36.5, 35.9, 300, "hospital", "Kafr Nabl hospital")).json
        sid = s["properties"]["id"]

        def submit():
            r = self.srv.post("/v1/operations", {"kind": "artillery", "volumes": [circle(36.5, 35.9, 2000)],
                                                 "reject_on_conflict": True}, party="SAA")
            self.assertProblem(r, 409, field="conflicts")
            self.assertEqual([(x["type"], x["id"]) for x in r.json["conflicts"]], [("site", sid)])
            return r
        self.assertUnchanged(submit)
        # Without the flag the same submission is stored, its conflicts in the answer.
        r = self.op("SAA", [circle(36.5, 35.9, 2000)], kind="artillery", reject=False).json
        self.assertEqual([(x["type"], x["id"]) for x in r["conflicts"]], [("site", sid)])
        # reject_on_conflict without conflicts: stored.
        self.op("SAA", [circle(36.0, 33.0, 100)], reject=True)

    def test_bad_input_names_the_field_and_stores_nothing(self):
        good = circle(37.5, 36.5, 500)
        cases = [
            ({"kind": "air", "volumes": [circle(37.5, 36.5, 500, lo=2000, hi=1000)]},
             "volumes[0].volume.altitude_upper"),
            ({"kind": "air", "volumes": [good, circle(37.5, 36.5, 500, t0=T1, t1=T0)]}, "volumes[1].time_end"),
            ({"kind": "air", "volumes": [dict(good, volume=dict(good["volume"], altitude_lower={
                "value": 0, "reference": "W84", "units": "FT"}))]}, "volumes[0].volume.altitude_lower.units"),
            ({"kind": "air", "volumes": [{**square(37.5, 36.5, 0.1), "volume": {
                "outline_polygon": {"vertices": [{"lng": 37.5, "lat": 36.5}, {"lng": 37.6, "lat": 36.6},
                                                 {"lng": 37.7, "lat": 36.7}]},
                "altitude_lower": alt(0), "altitude_upper": alt(10)}}]}, "volumes[0].volume.outline_polygon.vertices"),
            ({"kind": "naval", "volumes": [good]}, "kind"),
            ({"kind": "air", "volumes": []}, "volumes"),
            ({"kind": "air", "volumes": [good], "reject_on_conflict": "yes"}, "reject_on_conflict"),
            ({"kind": "air", "volumes": [good], "target": "x"}, "target"),
        ]
        for body, field in cases:
            with self.subTest(field=field):
                self.assertUnchanged(lambda: self.assertProblem(
                    self.srv.post("/v1/operations", body, party="SAA"), 400, field=field))
        bad_sites = [
            (point_site(37.0, 36.0, 100, "palace", "x"), "properties.kind"),
            (point_site(37.0, 36.0, -5, "school", "x"), "properties.radius_m"),
            (point_site(37.0, 36.0, 100, "school", "x", valid_to="2015-01-01T00:00:00Z"), "properties.valid_to"),
            (point_site(37.0, 36.0, 100, "school", "x", visibility=["Nobody"]), "properties.visibility[0]"),
            ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.0, 36.0]},
              "properties": {"kind": "school", "name": "x"}}, "properties.radius_m"),
            ({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[37, 36], [37.1, 36.1], [37.2, 36.2],
                                                                                   [37, 36]]]},
              "properties": {"kind": "school", "name": "x"}}, None),
            ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[37, 36], [37.1, 36.1]]},
              "properties": {"kind": "school", "name": "x"}}, "geometry.type"),
            ({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[170, 0], [-170, 0], [-170, 10],
                                                                                   [170, 10], [170, 0]]]},
              "properties": {"kind": "school", "name": "x"}}, "geometry"),
        ]
        for body, field in bad_sites:
            with self.subTest(site_field=field):
                def send():
                    r = self.srv.post("/v1/sites", body, party="UNOCHA")
                    p = self.assertProblem(r, 400, field=field)
                    if field is None:
                        self.assertTrue(p["field"].startswith("geometry"), p)
                self.assertUnchanged(send)
        # Roles: an observer may not declare operations nor notify sites.
        self.assertProblem(self.srv.post("/v1/operations", {"kind": "air", "volumes": [good]}, party="Kazakhstan"), 403)
        self.assertProblem(self.srv.post("/v1/sites", point_site(37.0, 36.0, 10, "school", "x"), party="Kazakhstan"),
                           403)
        self.assertProblem(self.srv.post("/v1/operations", {"kind": "air", "volumes": [good]}, party="UNOCHA"), 403)
        self.assertProblem(self.srv.get("/v1/sites/999999", party="SAA"), 404, field="id")
        self.assertProblem(self.srv.get("/v1/operations/999999", party="SAA"), 404, field="id")

    def test_concurrent_conflicting_operations_never_both_miss(self):
        for i in range(20):
            lon = 30.0 + 0.1 * i
            answers = {}
            barrier = threading.Barrier(2)

            def submit(party):
                barrier.wait(timeout=30)
                answers[party] = self.srv.post("/v1/operations", {"kind": "air", "volumes": [circle(lon, 31.0, 2000)]},
                                               party=party)
            threads = [threading.Thread(target=submit, args=(p,)) for p in ("SAA", "Russia")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            a, b = answers["SAA"], answers["Russia"]
            self.assertEqual((a.status, b.status), (201, 201), (a, b))
            a_sees_b = [x for x in a.json["conflicts"] if x["type"] == "operation" and x["id"] == b.json["id"]]
            b_sees_a = [x for x in b.json["conflicts"] if x["type"] == "operation" and x["id"] == a.json["id"]]
            self.assertTrue(a_sees_b or b_sees_a, "round %d: both missed each other" % i)

    def test_receipts_verify_and_the_database_audits_clean(self):
        s = self.site("UNOCHA", point_site(35.0, 34.0, 100, "school", "Receipt school")).json
        o = self.op("SAA", [circle(35.0, 34.0, 500)]).json
        for index in (s["receipt"]["index"], o["receipt"]["index"]):
            deadline = time.time() + 20
            while True:
                r = self.srv.get("/v1/log/receipts/%d" % index, party="Kazakhstan")
                if r.status == 200 or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(r.status, 200, r)
            self.assertGreater(r.json["tree_size"], index)
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertRegex(v.stdout, r"\d+ sites, \d+ operations, \d+ movements, \d+ acknowledgements, \d+ state changes checked against the log")
        self.assertNotIn("site.create", v.stdout)  # checked, not listed as an unchecked type
        # A copy whose site row was changed after the fact no longer verifies.
        copy = self.srv.copy("tampered")
        copy.tamper("UPDATE site SET name = 'moved' WHERE id = ?", (s["properties"]["id"],))
        copy.tamper("UPDATE operation SET kind = 'ground' WHERE id = ?", (o["id"],))
        v = copy.verify()
        self.assertNotEqual(v.returncode, 0, v.stdout)
        self.assertIn("site %d" % s["properties"]["id"], v.stdout + v.stderr)
        self.assertIn("operation %d" % o["id"], v.stdout + v.stderr)

    def test_acknowledgements_are_logged_and_once_only(self):
        first = self.op("SAA", [circle(33.0, 32.0, 1000)]).json
        second = self.op("Russia", [circle(33.0, 32.0, 1000)]).json
        got, _ = self.notices("SAA", about=("operation", second["id"]))
        self.assertEqual(len(got), 1)
        nid = got[0]["id"]
        self.assertEqual(got[0]["payload"]["conflict_with"]["id"], first["id"])
        # Another party's notice: 404, as if it did not exist; a body with members: 400.
        self.assertProblem(self.srv.post("/v1/notices/%d/ack" % nid, {}, party="Russia"), 404, field="id")
        self.assertProblem(self.srv.post("/v1/notices/%d/ack" % nid, {"seen": True}, party="SAA"), 400, field="seen")
        r = self.srv.post("/v1/notices/%d/ack" % nid, {}, party="SAA")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["id"], r.json["party"]), (nid, "SAA"))
        index = r.json["receipt"]["index"]
        self.assertProblem(self.srv.post("/v1/notices/%d/ack" % nid, {}, party="SAA"), 409, field="id")
        got, _ = self.notices("SAA", about=("operation", second["id"]))
        self.assertEqual(got[0]["acked_at"], r.json["acked_at"])
        self.assertEqual(got[0]["ack_index"], index)
        deadline = time.time() + 20
        while self.srv.get("/v1/log/receipts/%d" % index, party="SAA").status != 200 and time.time() < deadline:
            time.sleep(0.05)
        rec = self.srv.get("/v1/log/receipts/%d" % index, party="Kazakhstan")
        self.assertEqual(rec.status, 200, rec)
        self.assertIn("notice.ack", json.dumps(rec.json))
        # The feed: after=next_cursor gives only newer notices.
        items, r = self.notices("SAA")
        cursor = r.json["next_cursor"]
        self.assertEqual(cursor, str(items[-1]["id"]))
        self.assertEqual(self.notices("SAA", after=cursor)[0], [])
        third = self.op("US", [circle(33.0, 32.0, 1000)]).json
        newer, _ = self.notices("SAA", after=cursor)
        self.assertEqual([(n["about"]["id"], n["kind"]) for n in newer], [(third["id"], "conflict")])
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertRegex(v.stdout, r"[1-9]\d* acknowledgements, ")

    def test_engine_reloaded_at_start(self):
        s = self.site("UNOCHA", point_site(34.0, 33.0, 300, "un_facility", "Restart compound")).json
        first = self.op("SAA", [circle(34.2, 33.0, 500)]).json
        self.srv.restart()
        r = self.op("Russia", [circle(34.0, 33.0, 500), circle(34.2, 33.0, 500)]).json
        got = sorted((x["type"], x["id"]) for x in r["conflicts"])
        self.assertEqual(got, sorted([("site", s["properties"]["id"]), ("operation", first["id"])]))


def route(coords, kind="convoy", name="UN convoy", width=100, t0="2016-09-19T12:00:00Z", t1="2016-09-19T22:00:00Z",
          **more):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"kind": kind, "name": name, "width_m": width, "time_start": t0, "time_end": t1, **more}}


URUM = [[36.95, 36.15], [37.02, 36.21], [37.10, 36.20]]  # west of Aleppo, towards the city


class MovementTest(ServerTest):
    """Convoys and evacuations: the September 2016 convoy west of Aleppo."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("JMC", "monitor"), ("Russia", "guarantor"), ("SAA", "belligerent"),
                           ("Coalition", "belligerent"), ("UNOCHA", "humanitarian")]:
            cls.srv.add_party(name, role)

    def op(self, party, volumes, reject=False):
        return self.srv.post("/v1/operations", {"kind": "air", "volumes": volumes, "reject_on_conflict": reject},
                             party=party)

    def test_air_operation_over_the_convoy_route_in_its_window(self):
        r = self.srv.post("/v1/movements", route(URUM, name="Urum al-Kubra convoy"), party="UNOCHA")
        self.assertEqual(r.status, 201, r)
        mid = r.json["properties"]["id"]
        self.assertEqual(r.json["conflicts"], [])
        self.assertEqual(r.headers["location"], "/v1/movements/%d" % mid)
        got = self.srv.get("/v1/movements/%d" % mid, party="SAA")
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.json["properties"]["status"], "planned")
        # Over the route's last leg, during the convoy's window: a conflict, and the convoy's owner is notified.
        o = self.op("Russia", [circle(37.06, 36.205, 1000, t0="2016-09-19T17:00:00Z", t1="2016-09-19T20:00:00Z")])
        self.assertEqual(o.status, 201, o)
        c = [x for x in o.json["conflicts"] if x["type"] == "movement"]
        self.assertEqual([(x["id"], x["owner"], x["kind"], x["name"]) for x in c],
                         [(mid, "UNOCHA", "convoy", "Urum al-Kubra convoy")])
        self.assertEqual((c[0]["time_start"], c[0]["time_end"]), ("2016-09-19T17:00:00Z", "2016-09-19T20:00:00Z"))
        self.assertEqual(c[0]["distance_band"], "intersecting")
        notes = [n for n in self.srv.get("/v1/notices", party="UNOCHA").json["items"]
                 if n["about"] == {"type": "operation", "id": o.json["id"]}]
        self.assertEqual([(n["kind"], n["payload"]["conflict_with"]["id"]) for n in notes], [("conflict", mid)])
        # After the convoy's window: nothing; reject_on_conflict in the window: 409, nothing stored.
        later = self.op("Russia", [circle(37.06, 36.205, 1000, t0="2016-09-19T22:00:00Z", t1="2016-09-19T23:00:00Z")])
        self.assertEqual([x for x in later.json["conflicts"] if x["type"] == "movement"], [])
        self.assertUnchanged(lambda: self.assertProblem(self.op("SAA", [circle(
            37.0, 36.19, 500, t0="2016-09-19T17:00:00Z", t1="2016-09-19T18:00:00Z")], reject=True), 409,
            field="conflicts"))

    def test_movement_notified_after_an_operation_learns_of_it(self):
        o = self.op("SAA", [square(36.60, 35.60, 0.05, t0="2016-09-20T08:00:00Z", t1="2016-09-20T10:00:00Z")]).json
        r = self.srv.post("/v1/movements", route([[36.55, 35.62], [36.70, 35.62]], kind="evacuation", name="Buses",
                                                 t0="2016-09-20T09:00:00Z", t1="2016-09-20T12:00:00Z"), party="UNOCHA")
        self.assertEqual(r.status, 201, r)
        mid = r.json["properties"]["id"]
        c = r.json["conflicts"]
        self.assertEqual([(x["type"], x["id"], x["owner"]) for x in c], [("operation", o["id"], "SAA")])
        self.assertEqual((c[0]["time_start"], c[0]["time_end"]), ("2016-09-20T09:00:00Z", "2016-09-20T10:00:00Z"))
        notes = [n for n in self.srv.get("/v1/notices", party="SAA").json["items"]
                 if n["about"] == {"type": "movement", "id": mid}]
        self.assertEqual(len(notes), 1, notes)
        self.assertEqual(notes[0]["payload"]["conflicting"]["name"], "Buses")
        self.assertEqual(notes[0]["payload"]["conflict_with"]["id"], o["id"])
        # The same for a site notified after the operation.
        s = self.srv.post("/v1/sites", point_site(36.62, 35.62, 100, "school", "Late school"), party="UNOCHA")
        self.assertEqual([(x["type"], x["id"]) for x in s.json["conflicts"]], [("operation", o["id"])])

    def test_restricted_movement_leaks_nothing(self):
        secret_name = "Special evacuation Kfarya"
        coords = [[36.5111, 35.8111], [36.5999, 35.8999]]
        co = self.op("Coalition", [circle(36.55, 35.85, 3000, t0="2016-09-21T00:00:00Z",
                                          t1="2016-09-21T06:00:00Z")]).json
        r = self.srv.post("/v1/movements", route(coords, kind="evacuation", name=secret_name, width=200,
                                                 t0="2016-09-21T01:00:00Z", t1="2016-09-21T05:00:00Z",
                                                 visibility=["JMC"]), party="SAA")
        self.assertEqual(r.status, 201, r)
        mid = r.json["properties"]["id"]
        self.assertEqual([x["id"] for x in r.json["conflicts"]], [co["id"]])
        bodies = [self.srv.get("/v1/movements/%d" % mid, party="Coalition").body]
        self.assertEqual(self.srv.get("/v1/movements/%d" % mid, party="Coalition").status, 404)
        self.assertEqual(self.srv.get("/v1/movements/%d" % mid, party="JMC").status, 200)
        later = self.op("Coalition", [circle(36.55, 35.85, 3000, t0="2016-09-21T02:00:00Z",
                                             t1="2016-09-21T03:00:00Z")])
        bodies.append(later.body)
        c = [x for x in later.json["conflicts"] if x["type"] == "movement"]
        self.assertEqual([(x["id"], x["restricted"], x["contact"]) for x in c], [(mid, True, "SAA")])
        notes = self.srv.get("/v1/notices?limit=1000", party="Coalition")
        bodies.append(notes.body)
        about = [n for n in notes.json["items"] if n["about"] == {"type": "movement", "id": mid}]
        self.assertEqual(len(about), 1, notes)
        self.assertTrue(about[0]["payload"]["conflicting"]["restricted"])
        for b in bodies:
            for secret in (secret_name, "Kfarya", "36.5111", "35.8111", "36.5999", "35.8999", "evacuation"):
                self.assertNotIn(secret, b)

    def test_bad_movements_are_refused_and_change_nothing(self):
        cases = [
            (route(URUM, t0="2016-09-19T22:00:00Z", t1="2016-09-19T12:00:00Z"), "properties.time_end"),
            ({**route(URUM), "geometry": {"type": "Polygon", "coordinates": [[[36, 35], [36.1, 35], [36.1, 35.1],
                                                                              [36, 35]]]}}, "geometry.type"),
            (route(URUM, kind="parade"), "properties.kind"),
            (route(URUM, status="lost"), "properties.status"),
            (route(URUM, width=0), "properties.width_m"),
            (route([[36.0, 35.0]]), None),
        ]
        for body, field in cases:
            with self.subTest(field=field):
                def send():
                    p = self.assertProblem(self.srv.post("/v1/movements", body, party="UNOCHA"), 400, field=field)
                    if field is None:
                        self.assertTrue(p["field"].startswith("geometry"), p)
                self.assertUnchanged(send)
        self.assertProblem(self.srv.get("/v1/movements/424242", party="SAA"), 404, field="id")


    def test_verify_checks_movements(self):
        r = self.srv.post("/v1/movements", route([[30.0, 30.0], [30.1, 30.1]], name="Audited convoy"), party="UNOCHA")
        self.assertEqual(r.status, 201, r)
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertRegex(v.stdout, r"[1-9]\d* movements")
        copy = self.srv.copy("tampered")
        copy.tamper("UPDATE movement SET width_m = 5000 WHERE id = ?", (r.json["properties"]["id"],))
        v = copy.verify()
        self.assertNotEqual(v.returncode, 0, v.stdout)
        self.assertIn("movement %d" % r.json["properties"]["id"], v.stdout + v.stderr)


class OverdueTest(ServerTest):
    extra_args = ["--notice-deadline-s", "1"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("JMC", "monitor"), ("Russia", "guarantor"), ("SAA", "belligerent")]:
            cls.srv.add_party(name, role)

    def test_unacknowledged_notices_become_overdue(self):
        r = self.srv.post("/v1/sites", point_site(40.0, 35.0, 500, "forces_position", "Battery", visibility=["Russia"]),
                          party="SAA")
        self.assertEqual(r.status, 201, r)
        sid = r.json["properties"]["id"]
        time.sleep(1.5)
        mine = self.srv.get("/v1/notices/overdue", party="Russia").json["items"]
        self.assertEqual([(n["about"]["id"], n["party"]) for n in mine], [(sid, "Russia")])
        self.assertEqual([n["id"] for n in self.srv.get("/v1/notices/overdue", party="JMC").json["items"]],
                         [mine[0]["id"]])  # the monitor sees everyone's
        self.assertEqual(self.srv.get("/v1/notices/overdue", party="SAA").json["items"], [])
        self.assertEqual(self.srv.post("/v1/notices/%d/ack" % mine[0]["id"], {}, party="Russia").status, 200)
        self.assertEqual(self.srv.get("/v1/notices/overdue", party="Russia").json["items"], [])
        self.assertProblem(self.srv.get("/v1/notices/overdue?after=x", party="Russia"), 400, field="after")


if __name__ == "__main__":
    main()
