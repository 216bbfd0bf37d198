"""After notification (issues 4 and 6): operation states, movement schedules, statuses,
positions and convoy clearance, on a real server.

- A convoy west of Aleppo crosses an SAA-held area and an area held by an actor outside
  the centre: SAA's acknowledgement is its clearance (the actor cannot clear anything,
  the owner's own area needs nothing); it is `cleared` once SAA acknowledges.
- A schedule makes conflicts follow the convoy: an air operation over the end of the
  route while the convoy is still at its start does not conflict; at the hour it is
  there, it does. Without a schedule the whole route conflicts all the time.
- An operation going active is re-checked against what was notified since; ended and
  cancelled operations, arrived and aborted movements no longer conflict, also after
  a restart; final statuses take no more changes.
- Position reports while en route, on or off the route; every change is logged and
  `truce verify` checks it.
- Bad schedules and changes: clear errors naming the field, nothing stored.
"""
import json

from harness import ServerTest, feature, main, polygon, run_cli

T0 = "2016-09-19T10:00:00Z"
T1 = "2016-09-19T16:00:00Z"
ROUTE = {"type": "LineString", "coordinates": [[36.60, 36.20], [36.80, 36.20], [37.00, 36.20]]}


def convoy(name, schedule=None, visibility="public", route=ROUTE, t0=T0, t1=T1):
    props = {"kind": "convoy", "name": name, "width_m": 200, "time_start": t0, "time_end": t1,
             "visibility": visibility}
    if schedule is not None:
        props["schedule"] = schedule
    return {"type": "Feature", "geometry": route, "properties": props}


def air(lon, lat, r, t0, t1):
    return {"kind": "air", "volumes": [{
        "volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": r, "units": "M"}},
                   "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                   "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
        "time_start": {"value": t0, "format": "RFC3339"}, "time_end": {"value": t1, "format": "RFC3339"}}]}


class MovementTest(ServerTest):
    extra_args = ["--checkpoint-ms", "50"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("admin", "admin"), ("JMC", "monitor"), ("SAA", "belligerent"),
                           ("Opposition", "belligerent"), ("Russia", "guarantor"), ("UNOCHA", "humanitarian"),
                           ("Kazakhstan", "observer")]:
            cls.srv.add_party(name, role)
        r = cls.srv.post("/v1/actors", {"name": "ISIS"}, party="admin")
        assert r.status in (201, 409), r
        # Control west of Aleppo on the convoy's day: SAA over the middle of the route,
        # ISIS over its start, the Opposition north of it (not crossed), UNOCHA nowhere.
        for geom, owner in [(polygon(36.70, 36.10, 0.2), {"party": "SAA"}),
                            (polygon(36.50, 36.10, 0.15), {"actor": "ISIS"}),
                            (polygon(36.70, 36.40, 0.2), {"party": "Opposition"})]:
            r = cls.srv.post("/v1/areas", feature(geom, kind="control", name="Held %s" % list(owner.values())[0],
                                                  **owner), party="admin")
            assert r.status == 201, r

    def mov(self, body, party="UNOCHA", status=201):
        r = self.srv.post("/v1/movements", body, party=party)
        self.assertEqual(r.status, status, r)
        return r.json

    def get_mov(self, mid, party="UNOCHA"):
        r = self.srv.get("/v1/movements/%d" % mid, party=party)
        self.assertEqual(r.status, 200, r)
        return r.json["properties"]

    def test_convoy_is_cleared_by_the_parties_whose_areas_it_crosses(self):
        mid = self.mov(convoy("Urum al-Kubra convoy", visibility=["Russia"]))["properties"]["id"]
        p = self.get_mov(mid)
        self.assertEqual(p["clearance"]["required"], ["SAA"])
        self.assertEqual(p["clearance"]["missing"], ["SAA"])
        self.assertFalse(p["cleared"])
        # SAA was notified (it may read the convoy though not on its list); the Opposition was not
        saa = [n for n in self.srv.get("/v1/notices?limit=1000", party="SAA").json["items"]
               if n["about"] == {"type": "movement", "id": mid}]
        self.assertEqual(len(saa), 1)
        self.assertEqual(self.get_mov(mid, party="SAA")["id"], mid)
        self.assertEqual(self.srv.get("/v1/movements/%d" % mid, party="Opposition").status, 404)
        self.assertFalse([n for n in self.srv.get("/v1/notices?limit=1000", party="Opposition").json["items"]
                          if n["about"] == {"type": "movement", "id": mid}])
        # Russia is on the visibility list: notified, but not a clearance party
        self.assertTrue([n for n in self.srv.get("/v1/notices?limit=1000", party="Russia").json["items"]
                         if n["about"] == {"type": "movement", "id": mid}])
        ack = self.srv.post("/v1/notices/%d/ack" % saa[0]["id"], {}, party="SAA")
        self.assertEqual(ack.status, 200, ack)
        p = self.get_mov(mid)
        self.assertTrue(p["cleared"])
        self.assertEqual(p["clearance"]["missing"], [])
        a = p["clearance"]["acknowledgements"][0]
        self.assertEqual((a["party"], a["ack_index"]), ("SAA", ack.json["receipt"]["index"]))

    def test_the_bulletin_shows_who_has_not_cleared_a_convoy(self):
        day = "2016-09-25"
        mid = self.mov(convoy("Bulletin convoy", t0=day + "T08:00:00Z", t1=day + "T11:00:00Z"))["properties"]["id"]
        self.mov(convoy("Restricted convoy", visibility=["Russia"], t0=day + "T08:00:00Z",
                        t1=day + "T11:00:00Z"))
        b = self.srv.get("/v1/bulletins/%s?format=json" % day, party="Kazakhstan")
        self.assertEqual(b.status, 200, b)
        rows = b.json["movements"]
        self.assertEqual([(r["id"], r["name"], r["owner"], r["cleared"], r["awaiting"]) for r in rows],
                         [(mid, "Bulletin convoy", "UNOCHA", False, ["SAA"])])
        md = self.srv.get("/v1/bulletins/%s?format=md" % day, party="Kazakhstan").body
        self.assertIn("## Movements\n", md)
        self.assertIn("| Movement | Kind | Name | Notified by | Status |", md)
        self.assertRegex(md, r"\| %d \| convoy \| Bulletin convoy \| UNOCHA \| planned \|.*\| no \| SAA \|" % mid)
        self.assertNotIn("Restricted convoy", md)  # the bulletin goes to every party
        n = [n for n in self.srv.get("/v1/notices?limit=1000", party="SAA").json["items"]
             if n["about"] == {"type": "movement", "id": mid}][0]
        self.assertEqual(self.srv.post("/v1/notices/%d/ack" % n["id"], {}, party="SAA").status, 200)
        b = self.srv.get("/v1/bulletins/%s?format=json" % day, party="Kazakhstan").json
        self.assertEqual([(r["cleared"], r["awaiting"]) for r in b["movements"]], [(True, [])])

    def test_a_route_through_no_party_area_needs_no_clearance(self):
        route = {"type": "LineString", "coordinates": [[36.52, 36.12], [36.60, 36.12]]}  # ISIS-held only
        mid = self.mov(convoy("Through ISIS area", route=route))["properties"]["id"]
        p = self.get_mov(mid)
        self.assertEqual((p["clearance"]["required"], p["cleared"]), ([], True))

    def test_schedule_makes_conflicts_follow_the_convoy(self):
        sched = [{"position": [36.80, 36.20], "at": "2016-09-19T13:00:00Z"}]
        timed = self.mov(convoy("Scheduled", schedule=sched))["properties"]
        self.assertEqual(timed["schedule"], [{"position": [36.8, 36.2], "at": "2016-09-19T13:00:00Z"}])
        plain = self.mov(convoy("Unscheduled"))["properties"]["id"]
        # over the route's end (37.00) while the scheduled convoy is on its first half
        early = self.srv.post("/v1/operations", air(36.99, 36.20, 1000, "2016-09-19T10:30:00Z",
                                                    "2016-09-19T11:30:00Z"), party="SAA").json
        hit = {c["id"] for c in early["conflicts"] if c["type"] == "movement"}
        self.assertIn(plain, hit)
        self.assertNotIn(timed["id"], hit)
        # the same place in the hour the scheduled convoy drives the second half
        late = self.srv.post("/v1/operations", air(36.99, 36.20, 1000, "2016-09-19T14:00:00Z",
                                                   "2016-09-19T15:00:00Z"), party="SAA").json
        hit = [c for c in late["conflicts"] if c["type"] == "movement" and c["id"] == timed["id"]]
        self.assertEqual(len(hit), 1, late["conflicts"])
        self.assertEqual(hit[0]["time_start"], "2016-09-19T14:00:00Z")

    def test_operation_states_and_rechecks(self):
        op = self.srv.post("/v1/operations", air(38.50, 35.50, 2000, "2016-10-01T10:00:00Z",
                                                 "2016-10-01T12:00:00Z"), party="Russia").json
        self.assertEqual((op["state"], op["conflicts"]), ("planned", []))
        site = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [38.50, 35.50]},
                "properties": {"kind": "hospital", "name": "Field hospital", "radius_m": 100,
                               "valid_from": "2016-09-01T00:00:00Z"}}
        r = self.srv.post("/v1/sites", site, party="UNOCHA")
        self.assertEqual([c["id"] for c in r.json["conflicts"]], [op["id"]])
        act = self.srv.post("/v1/operations/%d/state" % op["id"], {"state": "active", "reason": "wheels up"},
                            party="Russia")
        self.assertEqual(act.status, 200, act)
        self.assertEqual([(c["type"], c["id"]) for c in act.json["conflicts"]], [("site", r.json["properties"]["id"])])
        self.assertIn("UNOCHA", act.json["notified"])
        state = [n for n in self.srv.get("/v1/notices?limit=1000", party="UNOCHA").json["items"]
                 if n["kind"] == "state" and n["about"]["id"] == op["id"]]
        self.assertEqual(state[0]["payload"]["state"], "active")
        self.assertEqual(self.srv.post("/v1/operations/%d/state" % op["id"], {"state": "planned"},
                                       party="Russia").status, 400)
        r = self.srv.post("/v1/operations/%d/state" % op["id"], {"state": "ended"}, party="Russia")
        self.assertEqual(r.status, 200, r)
        r = self.srv.post("/v1/operations/%d/state" % op["id"], {"state": "active"}, party="Russia")
        self.assertEqual((r.status, r.json["field"]), (409, "state"))
        got = self.srv.get("/v1/operations/%d" % op["id"], party="Kazakhstan").json
        self.assertEqual([h["value"] for h in got["history"]], ["active", "ended"])
        listed = [o for o in self.srv.get("/v1/operations?limit=1000", party="SAA").json["items"] if o["id"] == op["id"]]
        self.assertEqual(listed[0]["state"], "ended")
        # ended: nothing conflicts with it, now and after a restart
        again = dict(site, properties=dict(site["properties"], name="Second hospital"))
        self.assertEqual([c for c in self.srv.post("/v1/sites", again, party="UNOCHA").json["conflicts"]
                          if c["id"] == op["id"]], [])
        self.srv.restart()
        third = dict(site, properties=dict(site["properties"], name="Third hospital"))
        self.assertEqual([c for c in self.srv.post("/v1/sites", third, party="UNOCHA").json["conflicts"]
                          if c["id"] == op["id"]], [])

    def test_movement_status_positions_and_the_log(self):
        mid = self.mov(convoy("Tracked"))["properties"]["id"]
        r = self.srv.post("/v1/movements/%d/position" % mid, {"position": [36.7, 36.2]}, party="UNOCHA")
        self.assertEqual((r.status, r.json["field"]), (409, "position"))
        self.assertEqual(self.srv.post("/v1/movements/%d/status" % mid, {"status": "en_route"},
                                       party="UNOCHA").status, 200)
        on = self.srv.post("/v1/movements/%d/position" % mid, {"position": [36.7, 36.2],
                                                               "at": "2016-09-19T11:00:00Z"}, party="UNOCHA")
        off = self.srv.post("/v1/movements/%d/position" % mid, {"position": [36.7, 36.5]}, party="UNOCHA")
        self.assertEqual((on.json["on_route"], off.json["on_route"]), (True, False))
        self.assertIsInstance(on.json["event"]["receipt"]["index"], int)
        p = self.get_mov(mid, party="Kazakhstan")
        self.assertEqual(p["position"]["position"], [36.7, 36.5])
        self.assertEqual([h["kind"] for h in p["history"]], ["status", "position", "position"])
        self.assertEqual(self.srv.post("/v1/movements/%d/status" % mid, {"status": "arrived"},
                                       party="UNOCHA").status, 200)
        r = self.srv.post("/v1/movements/%d/status" % mid, {"status": "incident"}, party="UNOCHA")
        self.assertEqual((r.status, r.json["field"]), (409, "status"))
        # arrived: an operation over its route no longer conflicts with it
        op = self.srv.post("/v1/operations", air(36.7, 36.2, 500, T0, T1), party="SAA").json
        self.assertNotIn(mid, [c["id"] for c in op["conflicts"] if c["type"] == "movement"])
        v = run_cli("verify", "--db", self.srv.db, check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertRegex(v.stdout, r"[1-9]\d* state changes checked")

    def test_bad_schedules_and_changes_store_nothing(self):
        mid = self.mov(convoy("Target"))["properties"]["id"]
        bad = [
            ([{"position": [36.8, 36.5], "at": "2016-09-19T12:00:00Z"}], "properties.schedule[0].position"),
            ([{"position": [36.9, 36.2], "at": "2016-09-19T12:00:00Z"},
              {"position": [36.7, 36.2], "at": "2016-09-19T13:00:00Z"}], "properties.schedule[1].position"),
            ([{"position": [36.7, 36.2], "at": "2016-09-19T12:00:00Z"},
              {"position": [36.9, 36.2], "at": "2016-09-19T12:00:00Z"}], "properties.schedule[1].at"),
            ([{"position": [36.7, 36.2], "at": "2016-09-19T18:00:00Z"}], "properties.schedule[0].at"),
            ([{"position": [36.7, 36.2]}], "properties.schedule[0]"),
            ([{"position": [36.7], "at": T0}], "properties.schedule[0].position"),
            ([{"position": [36.7, 36.2], "at": T0, "speed": 3}], "properties.schedule[0].speed"),
            ([], "properties.schedule"),
            ([{"position": [36.6 + i * 0.001, 36.2], "at": "2016-09-19T10:%02d:%02dZ" % (i // 60, i % 60)}
              for i in range(101)], "properties.schedule"),
            ("soon", "properties.schedule"),
        ]
        for schedule, field in bad:
            with self.subTest(field=field):
                r = self.assertUnchanged(lambda: self.srv.post("/v1/movements", convoy("Bad", schedule=schedule),
                                                               party="UNOCHA"))
                self.assertEqual((r.status, r.json.get("field")), (400, field), r)
        for path, body, party, status, field in [
                ("status", {"status": "lost"}, "UNOCHA", 400, "status"),
                ("status", {}, "UNOCHA", 400, "status"),
                ("status", {"status": "en_route", "x": 1}, "UNOCHA", 400, "x"),
                ("status", {"status": "en_route", "at": "2099-01-01T00:00:00Z"}, "UNOCHA", 400, "at"),
                ("status", {"status": "en_route"}, "SAA", 403, "id"),
                ("status", {"status": "en_route"}, "Kazakhstan", 403, None),
                ("position", {"position": "here"}, "UNOCHA", 400, "position"),
                ("position", {"position": [36.7, 95]}, "UNOCHA", 400, "position")]:
            with self.subTest(path=path, body=body):
                r = self.assertUnchanged(lambda: self.srv.post("/v1/movements/%d/%s" % (mid, path), body, party=party))
                self.assertEqual(r.status, status, r)
                if field:
                    self.assertEqual(r.json.get("field"), field, r)
        op = self.srv.post("/v1/operations", air(40.0, 35.0, 500, T0, T1), party="SAA").json["id"]
        for body, party, status in [({"state": "ended"}, "SAA", 409), ({"state": "active"}, "Opposition", 403),
                                    ({"state": "planned"}, "SAA", 400), ({"state": "active"}, "UNOCHA", 403)]:
            r = self.assertUnchanged(lambda: self.srv.post("/v1/operations/%d/state" % op, body, party=party))
            self.assertEqual(r.status, status, r)


if __name__ == "__main__":
    main()
