"""Mine action (issue 6): hazards, tasks, progress, accidents, reports, on a real server.

Scenario from the source documents: humanitarian mine clearance of Palmyra by sappers of
the International Anti-Mine Centre, with the US-led coalition invited to contribute; an
operation over the open hazard conflicts with it like a protected site. Bad input of
every kind changes nothing (DB snapshots); `truce verify` audits every row.
"""
from harness import ServerTest, main, polygon

T0 = "2016-09-17T14:00:00Z"
T1 = "2016-09-17T15:00:00Z"


def hazard(lon, lat, d=0.01, **props):
    props.setdefault("kind", "CHA")
    props.setdefault("contamination", ["AP mine", "IED"])
    return {"type": "Feature", "geometry": polygon(lon, lat, d), "properties": props}


def ground_op(lon, lat, r=100):
    alt = lambda v: {"value": v, "reference": "W84", "units": "M"}
    return {"kind": "ground", "volumes": [{
        "volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": r, "units": "M"}},
                   "altitude_lower": alt(0), "altitude_upper": alt(100)},
        "time_start": {"value": T0, "format": "RFC3339"}, "time_end": {"value": T1, "format": "RFC3339"}}]}


class MineActionTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in (("admin", "admin"), ("JMC", "monitor"), ("Russia", "guarantor"),
                           ("US-Coalition", "guarantor"), ("SAA", "belligerent"), ("Kazakhstan", "observer"),
                           ("IAMC", "mine_action"), ("UN-OCHA", "humanitarian")):
            cls.srv.add_party(name, role)

    def new_hazard(self, lon, lat, d=0.01, party="IAMC", **props):
        r = self.srv.post("/v1/hazards", hazard(lon, lat, d, **props), party=party)
        self.assertEqual(r.status, 201, r)
        return r.json

    def new_task(self, hid, party="IAMC", **kw):
        body = {"hazard_id": hid, "kind": "clearance", "operator": "International Anti-Mine Centre",
                "start": "2016-03-28T00:00:00Z", **kw}
        r = self.srv.post("/v1/tasks", body, party=party)
        self.assertEqual(r.status, 201, r)
        return r.json

    def test_palmyra_clearance_with_contributors(self):
        # The ancient city of Palmyra (Tadmur), retaken in March 2016: a confirmed hazardous area.
        hz = self.new_hazard(38.262, 34.548, 0.012, name="Palmyra historic site", contamination=["IED", "AP mine", "UXO"],
                             evidence="ISIS withdrawal; IEDs reported in the ancient city", estimated_m2=1500000)
        p = hz["properties"]
        area = p["area_m2"]
        self.assertTrue(1.4e6 < area < 1.5e6, area)  # 0.012 deg squared at 34.5 N
        self.assertEqual((p["status"], p["remaining_m2"], p["released"]["total_m2"]), ("open", area, 0))
        self.assertIn("index", hz["receipt"])
        task = self.new_task(p["id"], contributors=["Russia", "US-Coalition"])
        self.assertEqual(task["contributors"], ["Russia", "US-Coalition"])
        self.assertEqual(task["status"], "active")
        # Daily progress by the operator and by a contributing party (the coalition).
        days = [("2016-03-29", "IAMC", 120000, 0, 0, [{"type": "IED", "found": 40, "destroyed": 40}]),
                ("2016-03-30", "US-Coalition", 80000, 200000, 0, [{"type": "UXO", "found": 12, "destroyed": 10}]),
                ("2016-03-31", "IAMC", 100000, 0, 300000, [{"type": "IED", "found": 25, "destroyed": 25},
                                                          {"type": "AP mine", "found": 3, "destroyed": 3}])]
        for date, who, c, r, x, items in days:
            resp = self.srv.post("/v1/tasks/%d/progress" % task["id"], {"date": date, "cleared_m2": c, "reduced_m2": r,
                                 "cancelled_m2": x, "items": items, "depth_cm": 20}, party=who)
            self.assertEqual(resp.status, 201, resp)
        released = 120000 + 80000 + 200000 + 100000 + 300000
        g = self.srv.get("/v1/hazards/%d" % p["id"], party="Kazakhstan").json["properties"]
        self.assertEqual(g["released"], {"cleared_m2": 300000, "reduced_m2": 200000, "cancelled_m2": 300000,
                                         "total_m2": released})
        self.assertEqual(g["remaining_m2"], area - released)
        # A party that is neither owner nor contributor may not report on the task.
        r = self.assertUnchanged(lambda: self.srv.post("/v1/tasks/%d/progress" % task["id"],
                                                       {"date": "2016-04-01", "cleared_m2": 1}, party="SAA"))
        self.assertProblem(r, 403, "id")
        # A demining accident during the task; a civilian one on the hazard.
        r = self.srv.post("/v1/accidents", {"kind": "demining", "date": "2016-03-30", "task_id": task["id"],
                                            "killed": 1, "injured": 2, "device": "IED"}, party="IAMC")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["hazard_id"], p["id"])
        r = self.srv.post("/v1/accidents", {"kind": "civilian", "date": "2016-03-31", "hazard_id": p["id"],
                                            "injured": 1}, party="UN-OCHA")
        self.assertEqual(r.status, 201, r)
        # Closing; afterwards progress is refused and nothing is stored.
        r = self.srv.post("/v1/tasks/%d/close" % task["id"], {"date": "2016-04-05", "outcome": "completed"},
                          party="IAMC")
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["closed"]["outcome"]), ("closed", "completed"))
        self.assertEqual(len(r.json["progress"]), 3)
        r = self.assertUnchanged(lambda: self.srv.post("/v1/tasks/%d/progress" % task["id"],
                                                       {"date": "2016-04-06", "cleared_m2": 10}, party="IAMC"))
        self.assertProblem(r, 409, "id", "closed")
        r = self.assertUnchanged(lambda: self.srv.post("/v1/tasks/%d/close" % task["id"], {"date": "2016-04-06"},
                                                       party="IAMC"))
        self.assertProblem(r, 409, "id")
        # Reports: per hazard, per operator, per day, items, accidents, remaining contamination.
        s = self.srv.get("/v1/mine-action/summary?from=2016-03-01&to=2016-04-01", party="Kazakhstan").json
        mine = [h for h in s["by_hazard"] if h["hazard_id"] == p["id"]][0]
        self.assertEqual(mine["released_m2"], released)
        op = [o for o in s["by_operator"] if o["operator"] == "International Anti-Mine Centre"][0]
        self.assertEqual(op["cleared_m2"], 300000)
        self.assertEqual([d["date"] for d in s["by_day"]], ["2016-03-29", "2016-03-30", "2016-03-31"])
        items = {i["type"]: (i["found"], i["destroyed"]) for i in s["items"]}
        self.assertEqual(items["IED"], (65, 65))
        self.assertEqual(items["UXO"], (12, 10))
        self.assertEqual(s["accidents"]["demining"], {"accidents": 1, "killed": 1, "injured": 2})
        self.assertEqual(s["accidents"]["civilian"]["injured"], 1)
        self.assertGreaterEqual(s["remaining"]["by_contamination"]["IED"], area - released)
        one_day = self.srv.get("/v1/mine-action/summary?from=2016-03-30&to=2016-03-31", party="SAA").json
        self.assertEqual(one_day["released"]["total_m2"], 280000)
        # The daily bulletin has a mine action section on days with mine action (all formats).
        b = self.srv.get("/v1/bulletins/2016-03-30?format=json", party="Kazakhstan")
        self.assertEqual(b.status, 200, b)
        ma = b.json["mine_action"]
        self.assertEqual((ma["land released (m2)"], ma["cleared (m2)"], ma["reduced (m2)"]), (280000, 80000, 200000))
        self.assertEqual((ma["items destroyed"], ma["demining accidents"], ma["killed"], ma["injured"]), (10, 1, 1, 2))
        md = self.srv.get("/v1/bulletins/2016-03-30?format=md", party="Kazakhstan").body
        self.assertIn("## Mine action", md)
        self.assertIn("| land released (m2) | 280000 |", md)
        self.assertIn("mine_action,land released (m2),280000",
                      self.srv.get("/v1/bulletins/2016-03-30?format=csv", party="Kazakhstan").body)
        self.assertIn("<h2>Mine action</h2>", self.srv.get("/v1/bulletins/2016-03-30?format=html", party="SAA").body)
        quiet = self.srv.get("/v1/bulletins/2016-03-20?format=json", party="Kazakhstan").json
        self.assertNotIn("mine_action", quiet)
        # Handing the land over: the hazard leaves the open list.
        r = self.srv.post("/v1/hazards/%d/status" % p["id"], {"status": "handed_over", "reason": "released"},
                          party="IAMC")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["properties"]["status"], "handed_over")
        opened = self.srv.get("/v1/hazards?status=open&limit=1000", party="SAA").json["features"]
        self.assertNotIn(p["id"], [f["properties"]["id"] for f in opened])
        # GeoJSON export: hazards and their tasks.
        r = self.srv.get("/v1/mine-action/export", party="Kazakhstan")
        self.assertEqual(r.headers["content-type"], "application/geo+json")
        feats = [f for f in r.json["features"] if f["properties"].get("hazard_id") == p["id"]
                 or (f["properties"]["feature"] == "hazard" and f["properties"]["id"] == p["id"])]
        self.assertEqual(sorted(f["properties"]["feature"] for f in feats), ["hazard", "task"])
        self.audit_clean()

    def test_areas_never_negative_nor_beyond_the_hazard(self):
        p = self.new_hazard(36.20, 36.20, 0.001)["properties"]  # ~ 10,000 m²
        t = self.new_task(p["id"])
        url = "/v1/tasks/%d/progress" % t["id"]
        ok = self.srv.post(url, {"date": "2016-04-01", "cleared_m2": p["area_m2"] - 100}, party="IAMC")
        self.assertEqual(ok.status, 201, ok)
        for body, field in (({"date": "2016-04-02", "cleared_m2": 101}, "cleared_m2"),
                            ({"date": "2016-04-02", "reduced_m2": 60, "cancelled_m2": 41}, "cancelled_m2"),
                            ({"date": "2016-04-02", "cleared_m2": -1}, "cleared_m2"),
                            ({"date": "2016-04-02", "reduced_m2": 1.5}, "reduced_m2"),
                            ({"date": "2016-04-02", "cancelled_m2": "5"}, "cancelled_m2"),
                            ({"date": "2016-04-02", "cleared_m2": 10 ** 13}, "cleared_m2")):
            with self.subTest(body=body):
                r = self.assertUnchanged(lambda: self.srv.post(url, body, party="IAMC"))
                self.assertProblem(r, 400, field)
        r = self.srv.post(url, {"date": "2016-04-02", "cleared_m2": 100}, party="IAMC")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["hazard"]["remaining_m2"], 0)

    def test_bad_input_changes_nothing(self):
        hid = self.new_hazard(36.30, 36.30)["properties"]["id"]
        tid = self.new_task(hid)["id"]
        good = hazard(36.4, 36.4)
        cases = [
            ("/v1/hazards", {**good, "properties": {**good["properties"], "kind": "XHA"}}, "properties.kind"),
            ("/v1/hazards", {**good, "properties": {**good["properties"], "contamination": []}},
             "properties.contamination"),
            ("/v1/hazards", {**good, "properties": {**good["properties"], "contamination": ["AP mine", "AP mine"]}},
             "properties.contamination"),
            ("/v1/hazards", {**good, "properties": {**good["properties"], "contamination": ["rocks"]}},
             "properties.contamination"),
            ("/v1/hazards", {**good, "properties": {**good["properties"], "status": "cleared"}}, "properties.status"),
            ("/v1/hazards", {**good, "properties": {**good["properties"], "estimated_m2": -5}},
             "properties.estimated_m2"),
            ("/v1/hazards", {**good, "properties": {**good["properties"], "colour": "red"}}, "properties.colour"),
            ("/v1/hazards", {**good, "geometry": {"type": "Point", "coordinates": [36.4, 36.4]}}, "geometry"),
            ("/v1/hazards", {**good, "geometry": {"type": "Polygon", "coordinates": [[[36, 36], [37, 37], [37, 36],
                                                                                      [36, 37], [36, 36]]]}},
             "geometry.coordinates"),
            ("/v1/hazards", {**good, "geometry": {"type": "Polygon", "coordinates": [[[36, 36], [37, 36], [37, 37],
                                                                                      [36, 36.5]]]}},
             "geometry.coordinates[0]"),
            ("/v1/hazards", {**good, "geometry": {"type": "Polygon", "coordinates": [[[-179, 0], [179, 0], [179, 1],
                                                                                      [-179, 1], [-179, 0]]]}},
             "geometry"),
            ("/v1/tasks", {"hazard_id": 999999, "kind": "clearance", "operator": "X", "start": "2016-01-01"},
             "hazard_id"),
            ("/v1/tasks", {"hazard_id": hid, "kind": "demolition", "operator": "X", "start": "2016-01-01"}, "kind"),
            ("/v1/tasks", {"hazard_id": hid, "kind": "clearance", "start": "2016-01-01"}, "operator"),
            ("/v1/tasks", {"hazard_id": hid, "kind": "clearance", "operator": "X"}, "start"),
            ("/v1/tasks", {"hazard_id": hid, "kind": "clearance", "operator": "X", "start": "2016-01-02",
                           "end": "2016-01-01"}, "end"),
            ("/v1/tasks", {"hazard_id": hid, "kind": "clearance", "operator": "X", "start": "2016-01-01",
                           "contributors": ["Nobody"]}, "contributors[0]"),
            ("/v1/tasks", {"hazard_id": "1", "kind": "clearance", "operator": "X", "start": "2016-01-01"},
             "hazard_id"),
            ("/v1/tasks/%d/progress" % tid, {"date": "not a date"}, "date"),
            ("/v1/tasks/%d/progress" % tid, {"cleared_m2": 5}, "date"),
            ("/v1/tasks/%d/progress" % tid, {"date": "2016-01-01"}, "date"),  # before the task's start
            ("/v1/tasks/%d/progress" % tid, {"date": "2016-04-01", "items": [{"type": "rock", "found": 1}]},
             "items[0].type"),
            ("/v1/tasks/%d/progress" % tid, {"date": "2016-04-01", "items": [{"type": "UXO", "found": -1}]},
             "items[0].found"),
            ("/v1/tasks/%d/progress" % tid, {"date": "2016-04-01", "depth_cm": 5000}, "depth_cm"),
            ("/v1/tasks/%d/progress" % tid, {"date": "2016-04-01", "extra": 1}, "extra"),
            ("/v1/tasks/%d/close" % tid, {"date": "2016-04-01", "outcome": "done"}, "outcome"),
            ("/v1/tasks/%d/close" % tid, {"date": "2015-04-01"}, "date"),
            ("/v1/accidents", {"kind": "demining", "date": "2016-04-01", "hazard_id": hid}, "task_id"),
            ("/v1/accidents", {"kind": "traffic", "date": "2016-04-01", "hazard_id": hid}, "kind"),
            ("/v1/accidents", {"kind": "civilian", "date": "2016-04-01"}, "hazard_id"),
            ("/v1/accidents", {"kind": "civilian", "date": "2016-04-01", "hazard_id": 999999}, "hazard_id"),
            ("/v1/accidents", {"kind": "civilian", "date": "2016-04-01", "hazard_id": hid, "killed": -1}, "killed"),
            ("/v1/hazards/%d/status" % hid, {"status": "gone"}, "status"),
        ]
        for url, body, field in cases:
            with self.subTest(url=url, field=field):
                r = self.assertUnchanged(lambda: self.srv.post(url, body, party="IAMC"))
                self.assertProblem(r, 400, field)
        for raw in (b"{", b"[]", b"null", b'"x"'):
            for url in ("/v1/hazards", "/v1/tasks", "/v1/tasks/%d/progress" % tid, "/v1/accidents"):
                with self.subTest(url=url, raw=raw):
                    r = self.assertUnchanged(lambda: self.srv.request("POST", url, raw=raw, party="IAMC"))
                    self.assertEqual(r.status, 400, r)
        # Roles and ownership.
        r = self.assertUnchanged(lambda: self.srv.post("/v1/tasks", {"hazard_id": hid, "kind": "clearance",
                                                                     "operator": "X", "start": "2016-04-01"},
                                                       party="SAA"))
        self.assertProblem(r, 403)
        r = self.assertUnchanged(lambda: self.srv.post("/v1/hazards", good, party="Kazakhstan"))
        self.assertProblem(r, 403)
        r = self.assertUnchanged(lambda: self.srv.post("/v1/hazards/%d/status" % hid, {"status": "closed"},
                                                       party="SAA"))
        self.assertProblem(r, 403, "id")
        for url in ("/v1/hazards/999999", "/v1/tasks/999999"):
            self.assertProblem(self.srv.get(url, party="SAA"), 404, "id")
        self.assertProblem(self.srv.get("/v1/hazards?bbox=1,2,3", party="SAA"), 400, "bbox")
        self.assertProblem(self.srv.get("/v1/hazards?status=nope", party="SAA"), 400, "status")
        self.assertProblem(self.srv.get("/v1/mine-action/summary?from=2016-02-01&to=2016-01-01", party="SAA"), 400,
                           "to")

    def test_no_task_on_a_closed_hazard(self):
        hid = self.new_hazard(36.5, 36.5)["properties"]["id"]
        r = self.srv.post("/v1/hazards/%d/status" % hid, {"status": "closed"}, party="IAMC")
        self.assertEqual(r.status, 200, r)
        r = self.assertUnchanged(lambda: self.srv.post("/v1/hazards/%d/status" % hid, {"status": "closed"},
                                                       party="IAMC"))
        self.assertProblem(r, 409, "status")
        r = self.assertUnchanged(lambda: self.srv.post("/v1/tasks", {"hazard_id": hid, "kind": "clearance",
                                                                     "operator": "X", "start": "2016-04-01"},
                                                       party="IAMC"))
        self.assertProblem(r, 409, "hazard_id")

    def test_operations_over_open_hazards_conflict(self):
        hz = self.new_hazard(37.10, 36.10, 0.01, name="Minefield north of the road")
        hid = hz["properties"]["id"]
        # An operation whose footprint lies inside the hazard.
        r = self.srv.post("/v1/operations", ground_op(37.105, 36.105), party="SAA")
        self.assertEqual(r.status, 201, r)
        hits = [c for c in r.json["conflicts"] if c["type"] == "hazard"]
        self.assertEqual([(c["id"], c["distance_band"], c["kind"]) for c in hits], [(hid, "intersecting", "CHA")])
        # The hazard's recorder is notified, as a site's owner is.
        notes = self.srv.get("/v1/notices?limit=1000", party="IAMC").json["items"]
        self.assertIn(("operation", r.json["id"], "hazard", hid),
                      [(n["about"]["type"], n["about"]["id"], n["payload"]["conflict_with"]["type"],
                        n["payload"]["conflict_with"]["id"]) for n in notes])
        # Just outside, within the 500 m site buffer; far away: nothing.
        r = self.srv.post("/v1/operations", ground_op(37.116, 36.105, 50), party="SAA")
        self.assertEqual([c["distance_band"] for c in r.json["conflicts"] if c["type"] == "hazard"],
                         ["within 500 m"])
        r = self.srv.post("/v1/operations", ground_op(37.30, 36.105), party="SAA")
        self.assertEqual([c for c in r.json["conflicts"] if c["type"] == "hazard"], [])
        # reject_on_conflict refuses an operation over the hazard and stores nothing.
        body = {**ground_op(37.105, 36.105), "reject_on_conflict": True}
        r = self.assertUnchanged(lambda: self.srv.post("/v1/operations", body, party="SAA"))
        self.assertEqual(r.status, 409, r)
        # A new hazard under a stored operation reports it.
        hz2 = self.new_hazard(37.295, 36.10, 0.01)
        self.assertIn("operation", [c["type"] for c in hz2["conflicts"]])
        # ... and its owner learns of it, as of a newly notified site
        op_ids = {c["id"] for c in hz2["conflicts"] if c["type"] == "operation"}
        got = [n for n in self.srv.get("/v1/notices?limit=1000", party="SAA").json["items"]
               if n["about"] == {"type": "hazard", "id": hz2["properties"]["id"]}]
        self.assertEqual({n["payload"]["conflict_with"]["id"] for n in got}, op_ids)
        self.assertEqual(got[0]["payload"]["conflicting"]["type"], "hazard")
        # Closed hazard: no conflict, unless an active clearance task is on it at the time.
        self.srv.post("/v1/hazards/%d/status" % hid, {"status": "closed"}, party="IAMC")
        r = self.srv.post("/v1/operations", ground_op(37.105, 36.105), party="SAA")
        self.assertEqual([c for c in r.json["conflicts"] if c["type"] == "hazard"], [])

    def test_active_clearance_site_conflicts_during_the_task(self):
        hid = self.new_hazard(37.50, 36.10, 0.01)["properties"]["id"]
        self.new_task(hid, start="2016-09-17T00:00:00Z", end="2016-09-18T00:00:00Z")
        self.srv.post("/v1/hazards/%d/status" % hid, {"status": "closed", "reason": "fenced"}, party="IAMC")
        r = self.srv.post("/v1/operations", ground_op(37.505, 36.105), party="SAA")
        hits = [c for c in r.json["conflicts"] if c["type"] == "hazard"]
        self.assertEqual(len(hits), 1, r.json["conflicts"])
        self.assertEqual((hits[0]["time_start"], hits[0]["time_end"]), (T0, T1))

    def audit_clean(self):
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertRegex(v.stdout, r"mine action: [1-9]\d* hazards, \d+ status changes, [1-9]\d* tasks, "
                                   r"[1-9]\d* progress reports, [1-9]\d* accidents checked")
        copy = self.srv.copy("tampered")
        copy.tamper("UPDATE mine_progress SET cleared_m2 = cleared_m2 + 1 WHERE id = (SELECT min(id) FROM mine_progress)")
        v = copy.verify()
        self.assertNotEqual(v.returncode, 0, v.stdout)
        self.assertIn("mine_progress", v.stdout + v.stderr)

    def test_verify_audits_every_mine_action_row(self):
        hid = self.new_hazard(36.9, 36.9)["properties"]["id"]
        tid = self.new_task(hid)["id"]
        self.srv.post("/v1/tasks/%d/progress" % tid, {"date": "2016-04-01", "cleared_m2": 5}, party="IAMC")
        self.srv.post("/v1/accidents", {"kind": "civilian", "date": "2016-04-01", "hazard_id": hid}, party="IAMC")
        self.audit_clean()

    def test_listing_is_paged_and_filtered(self):
        ids = [self.new_hazard(30 + i * 0.1, 30, 0.01)["properties"]["id"] for i in range(5)]
        seen, cursor = [], None
        for _ in range(10):
            q = "/v1/hazards?limit=2&bbox=29.9,29.9,30.6,30.1" + ("&cursor=" + cursor if cursor else "")
            page = self.srv.get(q, party="Kazakhstan").json
            seen += [f["properties"]["id"] for f in page["features"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, ids)
        none = self.srv.get("/v1/hazards?bbox=0,0,1,1", party="Kazakhstan").json
        self.assertEqual(none["features"], [])


if __name__ == "__main__":
    main()
