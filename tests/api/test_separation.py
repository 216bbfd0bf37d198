"""Separation, measured (issue 20): GET /v1/agreements/{id}/separation on the Syria scenario.

The source documents: Moscow "repeatedly condemned Washington for failing to separate the
so-called moderate opposition ... from terrorists, as was stipulated in September's
ceasefire agreement". The scenario's US-Russia arrangement of 9 September 2016 excludes
Nusra; its designated area in eastern Aleppo (restricted to Russia, the US-led coalition
and the JMC) lies inside the opposition's control area. The test checks:

- the commingled ground per party and per designated area against an independent clip
  and area formula on the scenario's own shapes (measures_geom.py, not GEOS nor PROJ);
- the commingled area shrinking as the scenario's eastern Aleppo changes in December 2016
  (a daily series, its change and trend), to nothing once the government holds it;
- a separation step for eastern Aleppo: its measure at the deadline and now, and a "done"
  the measure contradicts;
- incidents by an excluded actor inside a party's control area, with their grades;
- visibility: the opposition, who may not see the restricted Nusra area, is answered as if
  it did not exist; bad input is refused naming the field and changes nothing.
"""
import json

import measures_geom as g
from harness import ROOT, ServerTest, main, run_cli

with open(ROOT + "/scenarios/syria-2016-2017.json") as f:
    SCEN = {a["key"]: a for a in json.load(f)["areas"]}


def ring(key, version):
    return SCEN[key]["versions"][version]["geometry"]["coordinates"][0]


EAST = {"type": "Polygon", "coordinates": [[[37.12, 36.155], [37.23, 36.155], [37.23, 36.25], [37.12, 36.25],
                                            [37.12, 36.155]]]}


class SeparationTest(ServerTest):
    scenario = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ags = cls.srv.get("/v1/agreements?limit=100", party="admin").json["items"]
        cls.sept = [a for a in ags if a["name"].startswith("US-Russia arrangement")][0]["id"]
        cls.dec = [a for a in ags if a["name"].startswith("Eastern Aleppo ceasefire")][0]["id"]
        r = cls.srv.post("/v1/areas", {"type": "Feature", "geometry": EAST, "properties": {
            "kind": "region", "name": "Eastern Aleppo (measure)", "valid_from": "2011-01-01T00:00:00Z"}}, party="admin")
        assert r.status == 201, r
        cls.east = r.json["id"]
        areas = cls.srv.get("/v1/areas?kind=designated&at=2016-09-15T00:00:00Z", party="JMC").json["features"]
        cls.nusra_east = [a["id"] for a in areas if a["properties"]["name"] == "Nusra presence in eastern Aleppo"][0]

    def sep(self, ag, q, party="Russia", status=200):
        r = self.srv.get("/v1/agreements/%d/separation?%s" % (ag, q), party=party)
        self.assertEqual(r.status, status, r)
        return r.json

    def test_september_arrangement(self):
        s = self.sep(self.sept, "at=2016-09-15T00:00:00Z")
        self.assertIn("Nusra", s["agreement"]["excluded_actors"])
        self.assertTrue(s["in_force"])
        want = g.km2_overlap(ring("control-aleppo-east", 0), ring("designated-nusra-east-aleppo", 0))
        opp = s["parties"]["Opposition"]
        by_area = {a["id"]: a["commingled_km2"] for a in opp["areas"]}
        self.assertAlmostEqual(by_area[self.nusra_east], want, delta=want * 1e-3)
        area = [a for a in s["areas"] if a["id"] == self.nusra_east][0]
        self.assertEqual(area["actor"], "Nusra")
        self.assertAlmostEqual(area["parties"]["Opposition"], want, delta=want * 1e-3)
        # Idlib's Nusra area counts too: the party's total is the sum over disjoint areas.
        self.assertAlmostEqual(opp["commingled_km2"], sum(by_area.values()), places=4)
        self.assertEqual(s["parties"]["SAA"]["commingled_km2"], 0)
        # Within eastern Aleppo, only the Nusra presence there.
        w = self.sep(self.sept, "at=2016-09-15T00:00:00Z&within=%d" % self.east)
        self.assertAlmostEqual(w["commingled_km2"], want, delta=want * 1e-3)
        self.assertEqual(w["within"]["id"], self.east)

    def test_december_shrinks(self):
        s = self.sep(self.dec, "from=2016-11-25T00:00:00Z&to=2016-12-25T00:00:00Z&within=%d" % self.east)
        days = {d["date"]: d["commingled_km2"] for d in s["days"]}
        self.assertEqual(len(days), 31)
        early = g.km2_overlap(ring("control-aleppo-east", 1), ring("designated-nusra-east-aleppo", 0))
        pocket = g.km2_overlap(ring("control-aleppo-east", 2), ring("designated-nusra-east-aleppo", 1))
        self.assertAlmostEqual(days["2016-12-01"], early, delta=early * 1e-3)
        self.assertAlmostEqual(days["2016-12-14"], pocket, delta=pocket * 1e-3)
        self.assertEqual(days["2016-12-23"], 0)
        self.assertLess(pocket, early)
        values = [d["commingled_km2"] for d in s["days"]]
        self.assertEqual(values, sorted(values, reverse=True), "the commingled area never grows here")
        self.assertAlmostEqual(s["change_km2"], -values[0], places=5)
        self.assertLess(s["trend_km2_per_day"], 0)
        self.assertEqual(s["days"][0]["parties"]["Opposition"], values[0])

    def test_separation_step(self):
        r = self.srv.post("/v1/agreements/%d/steps" % self.sept, {"steps": [
            {"title": "Separate moderate opposition forces from Nusra positions in eastern Aleppo",
             "responsible": "US-Coalition", "deadline": "2016-09-19T16:00:00Z", "separation": {"area": self.east}}]},
            party="admin")
        self.assertEqual(r.status, 201, r)
        step = r.json["steps"][0]
        self.assertEqual(step["separation"], {"area": self.east})
        for st in ("in_progress", "done"):
            r = self.srv.post("/v1/steps/%d/status" % step["id"], {"status": st, "at": "2016-09-19T12:00:00Z"},
                              party="US-Coalition")
            self.assertEqual(r.status, 201, r)
        page = self.srv.get("/v1/steps/%d?at=2016-12-14T00:00:00Z" % step["id"], party="Russia").json
        self.assertEqual(page["status"], "done")
        sep = page["separation"]
        at_deadline = g.km2_overlap(ring("control-aleppo-east", 0), ring("designated-nusra-east-aleppo", 0))
        now = g.km2_overlap(ring("control-aleppo-east", 2), ring("designated-nusra-east-aleppo", 1))
        self.assertAlmostEqual(sep["at_deadline"]["commingled_km2"], at_deadline, delta=at_deadline * 1e-3)
        self.assertAlmostEqual(sep["now"]["commingled_km2"], now, delta=now * 1e-3)
        self.assertTrue(sep["contradicted"], sep)
        self.assertIn("declared done", sep["note"])
        # The timeline shows the same beside the step's status.
        tl = self.srv.get("/v1/agreements/%d/timeline?at=2016-12-14T00:00:00Z" % self.sept, party="Russia").json
        mine = [s for s in tl["steps"] if s["id"] == step["id"]][0]
        self.assertEqual(mine["separation"], sep)
        # The opposition may not see the Nusra area: nothing contradicts the step for it.
        opp = self.srv.get("/v1/steps/%d?at=2016-12-14T00:00:00Z" % step["id"], party="Opposition").json
        self.assertEqual(opp["separation"]["at_deadline"]["commingled_km2"], 0)
        self.assertFalse(opp["separation"]["contradicted"])
        self.assertEqual(self.srv.get("/v1/steps/999999", party="Russia").status, 404)

    def test_bad_steps_change_nothing(self):
        path = "/v1/agreements/%d/steps" % self.sept
        for body, field in (
                ({"title": "x", "responsible": "SAA", "separation": {"area": self.east}}, "steps[0].deadline"),
                ({"title": "x", "responsible": "SAA", "deadline": "2016-09-19T16:00:00Z",
                  "separation": {"area": 999999}}, "steps[0].separation.area"),
                ({"title": "x", "responsible": "SAA", "deadline": "2016-09-19T16:00:00Z",
                  "separation": {"area": "east"}}, "steps[0].separation.area"),
                ({"title": "x", "responsible": "SAA", "deadline": "2016-09-19T16:00:00Z",
                  "separation": {"area": self.east, "by": 1}}, "steps[0].separation.by"),
                ({"title": "x", "responsible": "SAA", "deadline": "2016-09-19T16:00:00Z", "separation": 3},
                 "steps[0].separation")):
            r = self.assertUnchanged(lambda: self.srv.post(path, {"steps": [body]}, party="admin"))
            self.assertProblem(r, 400, field)
        # A restricted area its author may not see is refused as a missing one.
        hidden = self.assertUnchanged(lambda: self.srv.post(path, {"steps": [
            {"title": "x", "responsible": "SAA", "deadline": "2016-09-19T16:00:00Z",
             "separation": {"area": self.nusra_east}}]}, party="Turkey"))
        self.assertIn(hidden.status, (400, 403), hidden)

    def test_incidents_by_excluded_actors(self):
        # Nusra shelling inside the opposition's Idlib area on 15 September, reported by two sources.
        for party, ref in (("JMC", "JMC patrol"), ("Russia", "Hmeimim centre")):
            r = self.srv.post("/v1/reports", {
                "occurred_at": "2016-09-15T10:00:00Z", "time_precision": 1, "geo_precision": 1,
                "location": {"type": "Point", "coordinates": [36.63, 35.93]},
                "event_type": "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
                "alleged_perpetrator": "Nusra", "target": {"kind": "civilians"},
                "source": {"kind": "party", "ref": ref}}, party=party)
            self.assertEqual(r.status, 201, r)
        s = self.sep(self.sept, "at=2016-09-15T18:00:00Z", party="Opposition")
        inc = s["incidents"]
        self.assertEqual(inc["count"], 1, inc)
        self.assertEqual(inc["items"][0]["party"], "Opposition")
        self.assertEqual(inc["items"][0]["perpetrator"], "Nusra")
        self.assertEqual(inc["by_grade"], {"corroborated": 1})
        self.assertEqual(self.sep(self.sept, "at=2016-09-16T18:00:00Z")["incidents"]["count"], 0)
        series = self.sep(self.sept, "from=2016-09-12T00:00:00Z&to=2016-09-18T00:00:00Z")
        self.assertEqual(series["incidents"]["count"], 1)

    def test_visibility(self):
        # The Nusra area in eastern Aleppo is visible to Russia, the coalition and the JMC only.
        q = "at=2016-09-15T00:00:00Z&within=%d" % self.east
        self.assertGreater(self.sep(self.sept, q, party="Russia")["commingled_km2"], 0)
        opp = self.sep(self.sept, q, party="Opposition")
        self.assertEqual(opp["commingled_km2"], 0)
        self.assertNotIn(self.nusra_east, [a["id"] for a in opp["areas"]])
        self.assertNotIn('"id": %d' % self.nusra_east, json.dumps(opp["parties"]))
        # A party to the agreement sees it; an agreement a viewer may not see answers 404.
        self.sep(999999, "at=2016-09-15T00:00:00Z", status=404)

    def test_bad_queries(self):
        base = "/v1/agreements/%d/separation?" % self.sept
        for q, field in (("at=yesterday", "at"), ("from=2016-09-01T00:00:00Z", "to"), ("to=2016-09-01T00:00:00Z", "from"),
                         ("at=2016-09-01T00:00:00Z&from=2016-09-01T00:00:00Z&to=2016-09-02T00:00:00Z", "at"),
                         ("from=2016-09-02T00:00:00Z&to=2016-09-01T00:00:00Z", "to"),
                         ("from=2010-01-01T00:00:00Z&to=2016-09-01T00:00:00Z", "to"),
                         ("from=x&to=2016-09-01T00:00:00Z", "from"), ("within=0", "within"),
                         ("within=999999", "within")):
            self.assertProblem(self.srv.get(base + q, party="Russia"), 400, field)
        self.assertProblem(self.srv.get("/v1/agreements/x/separation", party="Russia"), 400, "id")

    def test_bulletin(self):
        # The bulletin goes to every party: only public areas count (Idlib's Nusra area, not eastern Aleppo's).
        b = self.srv.get("/v1/bulletins/2016-09-15?format=json", party="Opposition").json
        rows = [r for r in b["separation"] if r["agreement_id"] == self.sept]
        opp = [r for r in rows if r["party"] == "Opposition"][0]
        public = self.sep(self.sept, "at=2016-09-15T20:59:59Z", party="Opposition")["parties"]["Opposition"]
        self.assertEqual(opp["commingled_km2"], public["commingled_km2"])
        self.assertLess(opp["commingled_km2"], self.sep(self.sept, "at=2016-09-15T20:59:59Z")["commingled_km2"])
        for lang, title in (("en", "Separation"), ("ar", "الفصل"), ("ru", "Размежевание")):
            md = self.srv.get("/v1/bulletins/2016-09-15?format=md&lang=" + lang, party="Opposition").body
            self.assertIn(title, md)
        # No agreement with excluded actors in force: no section.
        self.assertNotIn("separation", self.srv.get("/v1/bulletins/2016-10-15?format=json", party="JMC").json)

    def test_cli(self):
        out = run_cli("separation", "--agreement", str(self.sept), "--at", "2016-09-15T00:00:00Z",
                      "--within", str(self.east), "--db", self.srv.db).stdout
        want = g.km2_overlap(ring("control-aleppo-east", 0), ring("designated-nusra-east-aleppo", 0))
        self.assertAlmostEqual(json.loads(out)["commingled_km2"], want, delta=want * 1e-3)
        self.assertEqual(run_cli("separation", "--help").returncode, 0)


if __name__ == "__main__":
    main()
