"""Restricted objects cannot be located by probing (issue 11, docs/deconfliction.md §13), on a real server.

- A restricted site or movement has a privacy margin (default 2 km, its own, or 0) and a
  secret: parties that may not see it are answered against its coarsened footprint, which
  always contains the true one (an operation over it still conflicts), and nothing else of it.
- Every such answered conflict — in a stored operation, a refused reject_on_conflict
  submission or a re-check going active — is a probe: stored, logged, and a notice to the
  object's owner (who asked, when, the asking volume), also when nothing else is stored.
- A per-party budget of such conflicts (--probe-budget per hour): past it they are
  withheld, the answer says so, the monitors are told once, a reject_on_conflict
  submission is refused with 429; the budget is counted from stored probes, so it holds
  across a restart.
- `truce verify` checks the privacy records and the probes against the log.
"""
import math

from harness import ServerTest, main

T0 = "2016-09-17T14:00:00Z"
T1 = "2016-09-17T15:00:00Z"
MARGIN = 2000.0
BUFFER = 500.0


def east(lon, lat, metres):
    """The longitude metres east of (lon, lat) (a sphere is close enough at these distances)."""
    return lon + metres / (111320.0 * math.cos(math.radians(lat)))


def vol(lon, lat, r, t0=T0, t1=T1):
    return {"volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": r, "units": "M"}},
                       "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                       "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
            "time_start": {"value": t0, "format": "RFC3339"}, "time_end": {"value": t1, "format": "RFC3339"}}


def site(lon, lat, r, name, visibility=("Russia",), **more):
    props = {"kind": "forces_position", "name": name, "radius_m": r, "visibility": list(visibility),
             "valid_from": "2016-01-01T00:00:00Z", **more}  # left out, a site starts at the request
    if visibility == "public":
        props["visibility"] = "public"
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def route(coords, name, visibility=("JMC",), **more):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"kind": "convoy", "name": name, "width_m": 200, "time_start": "2016-09-17T12:00:00Z",
                           "time_end": "2016-09-17T18:00:00Z", "visibility": list(visibility), **more}}


PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("Russia", "guarantor"), ("SAA", "belligerent"),
           ("Coalition", "belligerent"), ("US", "guarantor"), ("Turkey", "guarantor"), ("Jordan", "observer"),
           ("UNOCHA", "humanitarian")]


class ProbeBase(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in PARTIES:
            cls.srv.add_party(name, role)

    def hidden_site(self, lon, lat, r=300, name="Hidden position", **more):
        r = self.srv.post("/v1/sites", site(lon, lat, r, name, **more), party="SAA")
        self.assertEqual(r.status, 201, r)
        return r.json["properties"]["id"]

    def op(self, party, volumes, reject=False, status=201):
        r = self.srv.post("/v1/operations", {"kind": "air", "volumes": volumes, "reject_on_conflict": reject},
                          party=party)
        self.assertEqual(r.status, status, r)
        return r

    def hidden_hits(self, answer, sid, kind="site"):
        return [c for c in answer["conflicts"] if c["type"] == kind and c["id"] == sid]

    def notices(self, party, kind=None):
        items = self.srv.get("/v1/notices?limit=1000", party=party).json["items"]
        return [n for n in items if kind is None or n["kind"] == kind]

    def rows(self, sql, *args):
        return self.srv.sql(sql, args)


class ProbeTest(ProbeBase):
    extra_args = ["--checkpoint-ms", "50", "--probe-budget", "1000"]

    def test_privacy_margin_is_the_owners_to_set(self):
        sid = self.hidden_site(36.10, 34.10)
        for party in ("SAA", "Russia", "JMC"):  # the owner, a listed party, a monitor: they see it, margin too
            r = self.srv.get("/v1/sites/%d" % sid, party=party)
            self.assertEqual(r.json["properties"]["privacy_margin_m"], MARGIN, r)
        listed = [f for f in self.srv.get("/v1/sites?limit=1000", party="SAA").json["features"]
                  if f["properties"]["id"] == sid]
        self.assertEqual(listed[0]["properties"]["privacy_margin_m"], MARGIN)
        self.assertEqual(self.srv.get("/v1/sites/%d" % sid, party="Coalition").status, 404)
        exact = self.srv.post("/v1/sites", site(36.2, 34.1, 300, "Exact", privacy_margin_m=0), party="SAA")
        self.assertEqual(exact.json["properties"]["privacy_margin_m"], 0, exact)
        public = self.srv.post("/v1/sites", site(36.3, 34.1, 300, "Open", visibility="public"), party="SAA")
        self.assertNotIn("privacy_margin_m", public.json["properties"])
        # Bad margins: a clear problem naming the field, nothing stored.
        for body in (site(36.4, 34.1, 300, "x", privacy_margin_m=-1), site(36.4, 34.1, 300, "x", privacy_margin_m=100001),
                     site(36.4, 34.1, 300, "x", privacy_margin_m="2000"),
                     site(36.4, 34.1, 300, "x", visibility="public", privacy_margin_m=10)):
            self.assertUnchanged(lambda: self.assertProblem(self.srv.post("/v1/sites", body, party="SAA"), 400,
                                                            field="properties.privacy_margin_m"))
        m = self.srv.post("/v1/movements", route([[36.5, 34.1], [36.6, 34.1]], "Quiet convoy", privacy_margin_m=5000),
                          party="SAA")
        self.assertEqual(m.status, 201, m)
        self.assertEqual(m.json["properties"]["privacy_margin_m"], 5000)
        self.assertEqual(self.srv.get("/v1/movements/%d" % m.json["properties"]["id"],
                                      party="JMC").json["properties"]["privacy_margin_m"], 5000)

    def test_hidden_site_is_answered_coarsely_never_unsafely(self):
        lon, lat, r = 37.50, 34.50, 300
        sid = self.hidden_site(lon, lat, r, name="Jabal positions")
        # Over the site: always a conflict (the coarsened footprint contains the true one).
        a = self.op("Coalition", [vol(lon, lat, 10)]).json
        hits = self.hidden_hits(a, sid)
        self.assertEqual(len(hits), 1, a)
        self.assertEqual(set(hits[0]), {"type", "id", "owner", "contact", "restricted", "volume", "distance_band",
                                        "time_start", "time_end"})
        self.assertTrue(hits[0]["restricted"])
        self.assertEqual(hits[0]["distance_band"], "intersecting")
        # Beyond radius + twice the margin + the buffer: never a conflict, whatever the secret.
        far = east(lon, lat, r + 2 * MARGIN + BUFFER + 200 + 50)
        self.assertEqual(self.hidden_hits(self.op("Coalition", [vol(far, lat, 200)]).json, sid), [])
        # Russia sees it: exact answers (590 m from its edge: no conflict; 390 m: within 500 m).
        self.assertEqual(self.hidden_hits(self.op("Russia", [vol(east(lon, lat, 900), lat, 10)]).json, sid), [])
        near = self.hidden_hits(self.op("Russia", [vol(east(lon, lat, 700), lat, 10)]).json, sid)
        self.assertEqual([(c["restricted"], c["distance_band"]) for c in near], [(False, "within 500 m")])
        # The monitor sees everything: no probe, no redaction.
        j = self.hidden_hits(self.op("JMC", [vol(lon, lat, 10)]).json, sid)
        self.assertEqual([c["restricted"] for c in j], [False])
        # An owner who wants exact warnings (margin 0): exact for everyone.
        xid = self.hidden_site(38.0, 34.5, r, name="Exact positions", privacy_margin_m=0)
        self.assertEqual(self.hidden_hits(self.op("Coalition", [vol(east(38.0, 34.5, 900), 34.5, 10)]).json, xid), [])
        xa = self.op("Coalition", [vol(east(38.0, 34.5, 700), 34.5, 10)]).json
        x = self.hidden_hits(xa, xid)
        self.assertEqual([(c["restricted"], c["distance_band"]) for c in x], [(True, "within 500 m")])
        for b in (a, xa):
            for secret in ("Jabal", "Exact positions", "37.5", "34.5", "forces_position"):
                self.assertNotIn(secret, str(b["conflicts"]))

    def test_every_probe_is_recorded_logged_and_told_to_the_owner(self):
        lon, lat = 38.50, 35.00
        sid = self.hidden_site(lon, lat, 300, name="Probed positions")
        before = len(self.notices("SAA", "probe"))
        ops_before = self.rows("SELECT count(*) FROM operation")[0][0]
        strip = vol(lon, lat, 50)
        public = self.srv.post("/v1/sites", site(39.5, 35.5, 500, "Always", visibility="public"), party="UNOCHA")
        always = vol(39.5, 35.5, 100)
        rej = self.op("US", [strip, always], reject=True, status=409)
        self.assertEqual(len(self.hidden_hits(rej.json, sid)), 1, rej)
        self.assertEqual(self.rows("SELECT count(*) FROM operation")[0][0], ops_before)  # not stored...
        probes = self.rows("SELECT id, party, request, operation_id, outcome, refused FROM dc_probe ORDER BY id")
        pid, party, request, opid, outcome, refused = probes[-1]
        self.assertEqual((party, request, opid, outcome, refused), ("US", "operation.create", None, "answered", 1))
        self.assertEqual(self.rows("SELECT about_type, about_id, owner, volume, exact FROM dc_probe_hit "
                                   "WHERE probe_id = ?", pid), [("site", sid, "SAA", 0, 1)])
        self.assertEqual(self.rows("SELECT count(*) FROM log_entry WHERE type = 'conflict.probe' AND ref = ?",
                                   "probe/%d" % pid)[0][0], 1)  # ... but the probe is, and logged
        got = self.notices("SAA", "probe")
        self.assertEqual(len(got), before + 1)
        n = got[-1]
        self.assertEqual(n["about"], {"type": "site", "id": sid})
        p = n["payload"]
        self.assertEqual((p["asked_by"], p["refused"], p["answered"], p["operation_id"], p["conflict"], p["volume"]),
                         ("US", True, True, None, True, 0))
        self.assertEqual(p["asking_volume"]["volume"]["outline_circle"]["center"], {"lat": lat, "lng": lon})
        self.assertEqual(p["distance_band"], "intersecting")
        self.assertIn("asked_at", p)
        self.assertEqual(len(self.hidden_hits(rej.json, public.json["properties"]["id"])), 1)  # the other volume
        # Stored: the probe names the operation; the owner gets the conflict notice as well.
        st = self.op("US", [strip]).json
        self.assertEqual(self.rows("SELECT operation_id, refused FROM dc_probe ORDER BY id DESC LIMIT 1"),
                         [(st["id"], 0)])
        conflict = [x for x in self.notices("SAA", "conflict") if x["about"] == {"type": "operation", "id": st["id"]}]
        self.assertEqual(len(conflict), 1)
        self.assertEqual(len(self.notices("SAA", "probe")), before + 2)
        # Nothing hidden met: no probe.
        count = len(self.rows("SELECT id FROM dc_probe"))
        self.op("US", [vol(30.0, 30.0, 100)])
        self.assertEqual(len(self.rows("SELECT id FROM dc_probe")), count)
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertRegex(v.stdout, r"probing: [1-9]\d* privacy records, [1-9]\d* probes checked against the log")
        self.assertNotIn("conflict.probe", v.stdout)  # checked, not listed as unchecked

    def test_a_site_notified_under_an_operation_is_told_coarsely(self):
        lon, lat = 39.0, 36.0
        over = self.op("Turkey", [vol(lon, lat, 100)]).json
        far = self.op("Turkey", [vol(east(lon, lat, 300 + 2 * MARGIN + BUFFER + 100 + 50), lat, 100)]).json
        sid = self.hidden_site(lon, lat, 300, name="Dug-in battery")
        told = {x["payload"]["conflict_with"]["id"]: x for x in self.notices("Turkey", "conflict")
                if x["about"] == {"type": "site", "id": sid}}
        self.assertIn(over["id"], told)
        self.assertNotIn(far["id"], told)
        self.assertTrue(told[over["id"]]["payload"]["conflicting"]["restricted"])
        self.assertNotIn("Dug-in", str(told[over["id"]]))
        self.assertNotIn("39.0", str(told[over["id"]]["payload"]["conflicting"]))

    def test_going_active_is_a_probe(self):
        lon, lat = 40.0, 36.5
        o = self.op("Turkey", [vol(lon, lat, 100, t0="2016-10-01T00:00:00Z", t1="2016-10-01T01:00:00Z")]).json
        sid = self.hidden_site(lon, lat, 300, name="Later position")
        r = self.srv.post("/v1/operations/%d/state" % o["id"], {"state": "active"}, party="Turkey")
        self.assertEqual(r.status, 200, r)
        self.assertEqual([c["restricted"] for c in self.hidden_hits(r.json, sid)], [True])
        self.assertEqual(self.rows("SELECT party, request, operation_id FROM dc_probe ORDER BY id DESC LIMIT 1"),
                         [("Turkey", "operation.state", o["id"])])

    def test_restricted_movement_is_coarsened_until_it_arrives(self):
        coords = [[40.5, 33.5], [40.6, 33.5]]
        m = self.srv.post("/v1/movements", route(coords, "Night evacuation"), party="SAA")
        self.assertEqual(m.status, 201, m)
        mid = m.json["properties"]["id"]
        self.srv.restart()  # the coarsened legs are rebuilt from the stored privacy record
        a = self.op("Coalition", [vol(40.55, 33.5, 10, t0="2016-09-17T13:00:00Z", t1="2016-09-17T13:30:00Z")]).json
        hits = self.hidden_hits(a, mid, "movement")
        self.assertEqual([c["restricted"] for c in hits], [True], a)
        self.assertNotIn("Night", str(a))
        self.assertEqual(self.srv.post("/v1/movements/%d/status" % mid, {"status": "arrived"}, party="SAA").status, 200)
        b = self.op("Coalition", [vol(40.55, 33.5, 10, t0="2016-09-17T13:00:00Z", t1="2016-09-17T13:30:00Z")]).json
        self.assertEqual(self.hidden_hits(b, mid, "movement"), [])


class BudgetTest(ProbeBase):
    extra_args = ["--checkpoint-ms", "50", "--probe-budget", "3"]

    def test_past_the_budget_conflicts_are_withheld_and_the_monitors_told(self):
        sids = [self.hidden_site(36.0 + 0.2 * i, 32.5, 300, name="Budget site %d" % i) for i in range(3)]
        for i in range(3):  # three answered: the budget
            a = self.op("Coalition", [vol(36.0 + 0.2 * i, 32.5, 10)]).json
            self.assertEqual(len(self.hidden_hits(a, sids[i])), 1)
            self.assertNotIn("withheld", a)
        self.assertEqual(self.notices("JMC", "probe_budget"), [])
        ops = self.rows("SELECT count(*) FROM operation")[0][0]
        # The fourth: refused with 429, nothing of the operation stored, the probe recorded.
        rej = self.op("Coalition", [vol(36.0, 32.5, 10)], reject=True, status=429)
        p = self.assertProblem(rej, 429, field="conflicts")
        self.assertEqual(p["type"], "urn:truce:problem:probe-budget-exhausted")
        self.assertEqual((p["withheld"]["budget"], p["withheld"]["answered_in_window"]), (3, 3))
        self.assertEqual(self.hidden_hits(p, sids[0]), [])
        self.assertEqual(self.rows("SELECT count(*) FROM operation")[0][0], ops)
        self.assertEqual(self.rows("SELECT outcome, refused, monitors_notified FROM dc_probe ORDER BY id DESC LIMIT 1"),
                         [("withheld", 1, 1)])
        told = self.notices("JMC", "probe_budget")
        self.assertEqual(len(told), 1)
        self.assertEqual((told[0]["payload"]["party"], told[0]["payload"]["budget"]), ("Coalition", 3))
        self.assertEqual(told[0]["about"]["type"], "party")
        # The owner still hears of the withheld probe.
        last = self.notices("SAA", "probe")[-1]["payload"]
        self.assertEqual((last["asked_by"], last["answered"], last["refused"]), ("Coalition", False, True))
        # Withheld whatever the request meets (so withholding tells nothing): far from everything,
        # stored without the flag, refused with it; the monitors are not told twice in the window.
        far = self.op("Coalition", [vol(30.0, 30.0, 10)]).json
        self.assertEqual(far["withheld"]["what"], "conflicts with restricted objects")
        self.assertEqual(far["withheld"]["monitors_notified_at"], told[0]["created_at"])
        self.op("Coalition", [vol(30.0, 30.0, 10)], reject=True, status=429)
        self.assertEqual(len(self.notices("JMC", "probe_budget")), 1)
        # Another party is not affected; a request that would overshoot is withheld whole.
        self.assertEqual(len(self.hidden_hits(self.op("US", [vol(36.0, 32.5, 10)]).json, sids[0])), 1)
        self.assertEqual(len(self.hidden_hits(self.op("US", [vol(36.2, 32.5, 10)]).json, sids[1])), 1)
        both = self.op("US", [vol(36.0, 32.5, 10), vol(36.2, 32.5, 10)]).json
        self.assertIn("withheld", both)
        self.assertEqual([c for c in both["conflicts"] if c.get("restricted")], [])
        one = self.op("US", [vol(36.4, 32.5, 10)]).json
        self.assertNotIn("withheld", one)
        self.assertEqual(len(self.hidden_hits(one, sids[2])), 1)
        # The budget is counted from the stored probes: a restart changes nothing.
        self.srv.restart()
        again = self.op("Coalition", [vol(36.0, 32.5, 10)]).json
        self.assertIn("withheld", again)
        self.assertEqual(self.hidden_hits(again, sids[0]), [])
        # Going active past the budget: withheld too.
        st = self.srv.post("/v1/operations/%d/state" % again["id"], {"state": "active"}, party="Coalition")
        self.assertEqual(st.status, 200, st)
        self.assertIn("withheld", st.json)
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)


class TamperTest(ProbeBase):
    extra_args = ["--checkpoint-ms", "50"]

    def test_verify_finds_edited_privacy_records_and_probes(self):
        sid = self.hidden_site(41.0, 36.0, 300, name="Audited position")
        self.op("Coalition", [vol(41.0, 36.0, 10)], reject=True, status=409)
        self.srv.stop()
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        # (statement, parameters, what verify names, whether PostgreSQL's foreign keys refuse it)
        edits = [("UPDATE dc_privacy SET margin_m = 0", (), "dc_privacy site %d" % sid, False),
                 ("UPDATE dc_privacy SET secret = ?", (bytes(32),), "dc_privacy site %d" % sid, False),
                 ("DELETE FROM dc_privacy", (), "privacy.set", False),
                 ("UPDATE dc_probe SET party = 'Russia'", (), "dc_probe 1", False),
                 ("UPDATE dc_probe SET outcome = 'withheld'", (), "dc_probe 1", False),
                 ("DELETE FROM dc_probe_hit", (), "dc_probe 1", False),
                 ("DELETE FROM dc_probe", (), "conflict.probe", True),
                 ("UPDATE dc_probe_hit SET probe_id = 7", (), "dc_probe", True)]
        for i, (sql, params, expect, fk) in enumerate(edits):
            with self.subTest(sql=sql):
                copy = self.srv.copy("tampered-%d" % i)
                self.assertEqual(copy.tamper(sql, params), fk and copy.store == "pg")
                v = copy.verify()
                self.assertEqual(v.returncode, 1, sql + ": " + v.stdout + v.stderr)
                self.assertIn(expect, v.stdout, sql)
        self.srv.start()

if __name__ == "__main__":
    main()
