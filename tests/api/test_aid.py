"""Aid delivered (issue 20): GET /v1/aid and GET /v1/exports/aid on the Syria scenario.

"UK did not send a gram of flour to Aleppo": the tonnes of cargo that arrived, by kind,
organisation, notifying party, destination area and day, against sums computed by hand
here; movements aborted or hit counted apart; people who crossed corridors (per day the
lowest and highest count, never a sum of sources); the CSV/HXL export; and visibility: a
hidden convoy counts only for those who may see it (adding one changes no other party's
totals).
"""
import csv
import io

from harness import ServerTest, main, run_cli

FROM, TO = "2016-12-01T00:00:00Z", "2016-12-31T00:00:00Z"


def convoy(name, cargo, orgs, end, visibility="public", dest=(37.16, 36.2)):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[36.67, 36.23], [36.9, 36.2], list(dest)]},
            "properties": {"kind": "convoy", "name": name, "width_m": 200, "time_start": end[:10] + "T06:00:00Z",
                           "time_end": end, "cargo": cargo, "organisations": orgs, "vehicles": 10, "personnel": 20,
                           "visibility": visibility}}


class AidTest(ServerTest):
    scenario = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids = {}
        plan = (("a", "UN-OCHA", [{"kind": "food", "tonnes": 120.5}, {"kind": "medical", "tonnes": 4.2}], ["WFP", "SARC"],
                 "2016-12-10T18:00:00Z", "arrived"),
                ("b", "SARC", [{"kind": "food", "tonnes": 30.25}], ["SARC"], "2016-12-11T18:00:00Z", "arrived"),
                ("c", "UN-OCHA", [{"kind": "shelter", "tonnes": 12}], ["UNHCR"], "2016-12-12T18:00:00Z", "aborted"),
                ("d", "SARC", [{"kind": "food", "tonnes": 7.5}], ["SARC"], "2016-12-12T18:00:00Z", "incident"),
                ("e", "UN-OCHA", [{"kind": "food", "tonnes": 999}], ["WFP"], "2016-12-13T18:00:00Z", "en_route"),
                ("f", "UN-OCHA", [{"kind": "food", "tonnes": 55}], ["WFP"], "2017-01-05T18:00:00Z", "arrived"))
        for key, owner, cargo, orgs, end, status in plan:
            r = cls.srv.post("/v1/movements", convoy(key, cargo, orgs, end), party=owner)
            assert r.status == 201, r
            cls.ids[key] = r.json["properties"]["id"]
            if status != "en_route":
                r = cls.srv.post("/v1/movements/%d/status" % cls.ids[key], {"status": "en_route", "at": end[:10] + "T07:00:00Z"},
                                 party=owner)
                assert r.status in (200, 201), r
            r = cls.srv.post("/v1/movements/%d/status" % cls.ids[key],
                             {"status": status, "at": end[:10] + "T16:00:00Z"} if status != "en_route" else
                             {"status": "en_route", "at": end[:10] + "T07:00:00Z"}, party=owner)
            assert r.status in (200, 201), r
        # Crossings of the eastern Aleppo corridor: two sources on 30 November (low/high), one on 1 December.
        corr = [f for f in cls.srv.get("/v1/areas?kind=corridor&at=2016-12-01T00:00:00Z", party="admin").json["features"]
                if f["properties"].get("party") == "Russia"][0]
        cls.corridor = corr["id"]
        r = cls.srv.post("/v1/corridors/%d/openings" % cls.corridor,
                         {"from": "2016-11-29T00:00:00Z", "to": "2016-12-06T00:00:00Z"}, party="Russia")
        assert r.status == 201, r
        for date, count, party in (("2016-12-01", 8000, "UN-OCHA"), ("2016-12-01", 10000, "Russia"),
                                   ("2016-12-02", 3000, "UN-OCHA")):
            r = cls.srv.post("/v1/corridors/%d/crossings" % cls.corridor,
                             {"date": date, "count": count, "source": {"kind": "party"}}, party=party)
            assert r.status == 201, r

    def aid(self, q="", party="JMC", status=200):
        r = self.srv.get("/v1/aid?from=%s&to=%s%s" % (FROM, TO, q), party=party)
        self.assertEqual(r.status, status, r)
        return r.json

    def test_hand_sums(self):
        a = self.aid()
        d = a["delivered"]
        self.assertEqual(d["movements"], 2)
        self.assertEqual(d["tonnes"], 154.95)  # 120.5 + 4.2 + 30.25
        self.assertEqual(d["by_kind"], {"food": 150.75, "medical": 4.2})
        self.assertEqual(d["by_organisation"], {"WFP": 124.7, "SARC": 154.95})
        self.assertEqual(d["by_party"], {"UN-OCHA": 124.7, "SARC": 30.25})
        self.assertEqual(d["by_destination"], {"Aleppo": 154.95})
        self.assertEqual((d["vehicles"], d["personnel"]), (20, 40))
        self.assertEqual((a["aborted"]["movements"], a["aborted"]["tonnes"]), (1, 12))
        self.assertEqual(a["aborted"]["by_kind"], {"shelter": 12})
        self.assertEqual((a["hit"]["movements"], a["hit"]["tonnes"]), (1, 7.5))
        self.assertNotIn(self.ids["e"], [m["id"] for m in a["movements"]])  # still en route
        days = {x["date"]: x for x in a["series"]}
        self.assertEqual(len(days), 30)
        self.assertEqual(days["2016-12-10"]["delivered_tonnes"], 124.7)
        self.assertEqual(days["2016-12-11"]["delivered_tonnes"], 30.25)
        self.assertEqual((days["2016-12-12"]["aborted_tonnes"], days["2016-12-12"]["hit_tonnes"]), (12, 7.5))
        self.assertEqual(sum(x["delivered_tonnes"] for x in a["series"]), d["tonnes"])
        p = a["people_crossed"]
        self.assertEqual((p["low"], p["high"]), (8000 + 3000, 10000 + 3000))
        self.assertEqual(p["by_corridor"][0]["id"], self.corridor)
        self.assertEqual((days["2016-12-01"]["people_low"], days["2016-12-01"]["people_high"]), (8000, 10000))
        # January counts in its own period only.
        j = self.srv.get("/v1/aid?from=2017-01-01T00:00:00Z&to=2017-02-01T00:00:00Z", party="JMC").json
        self.assertEqual(j["delivered"]["tonnes"], 55)

    def test_within(self):
        areas = self.srv.get("/v1/areas?kind=region&at=2016-12-01T00:00:00Z", party="JMC").json["features"]
        idlib = [f["id"] for f in areas if f["properties"]["name"] == "Idleb"][0]
        aleppo = [f["id"] for f in areas if f["properties"]["name"] == "Aleppo"][0]
        self.assertEqual(self.aid("&within=%d" % aleppo, party="SARC")["delivered"]["tonnes"], 154.95)
        w = self.aid("&within=%d" % idlib, party="SARC")
        self.assertEqual(w["delivered"]["tonnes"], 0)
        self.assertEqual(w["within"]["id"], idlib)

    def test_export(self):
        for fmt, skip in (("csv", 1), ("hxl", 2)):
            r = self.srv.get("/v1/exports/aid?format=%s&from=%s&to=%s" % (fmt, FROM, TO), party="SARC")
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.headers["content-type"].startswith("text/csv"))
            rows = list(csv.reader(io.StringIO(r.body)))
            if fmt == "hxl":
                self.assertTrue(rows[1][0].startswith("#"))
            body = rows[skip:]
            self.assertEqual(len(body), 5)  # a: 2 items, b, c, d: 1 each
            tonnes = {}
            for row in body:
                tonnes[row[4]] = tonnes.get(row[4], 0) + float(row[11])
            self.assertAlmostEqual(tonnes["delivered"], 154.95)
            self.assertAlmostEqual(tonnes["hit"], 7.5)
        out = run_cli("aid", "--from", "2016-12-01T00:00:00Z", "--to", "2016-12-15T00:00:00Z", "--format", "hxl",
                      "--db", self.srv.db).stdout
        self.assertEqual(len(out.strip().split("\n")), 2 + 5)
        self.assertEqual(run_cli("aid", "--help").returncode, 0)

    def test_hidden_convoy(self):
        before = {p: self.aid(party=p) for p in ("SARC", "Russia", "Opposition")}
        jmc = self.aid(party="JMC")["delivered"]["tonnes"]
        r = self.srv.post("/v1/movements", convoy("hidden", [{"kind": "medical", "tonnes": 3.5}], ["MSF"],
                                                  "2016-12-20T18:00:00Z", visibility=["UN-OCHA", "JMC"]), party="UN-OCHA")
        self.assertEqual(r.status, 201, r)
        for st, at in (("en_route", "07:00"), ("arrived", "16:00")):
            self.assertIn(self.srv.post("/v1/movements/%d/status" % r.json["properties"]["id"], {"status": st, "at": "2016-12-20T%s:00Z" % at},
                                        party="UN-OCHA").status, (200, 201))
        mid = r.json["properties"]["id"]
        for p, b in before.items():  # the movement's visibility function decides (clearing parties see it)
            sees = self.srv.get("/v1/movements/%d" % mid, party=p).status == 200
            self.assertEqual(self.aid(party=p) != b, sees, "%s's totals and its GET disagree" % p)
        self.assertEqual(self.aid(party="SARC"), before["SARC"], "a hidden convoy changed SARC's totals")
        self.assertEqual(self.aid(party="JMC")["delivered"]["tonnes"], round(jmc + 3.5, 3))
        self.assertEqual(self.aid(party="UN-OCHA")["delivered"]["by_organisation"].get("MSF"), 3.5)

    def test_bulletin(self):
        b = self.srv.get("/v1/bulletins/2016-12-10?format=json", party="Opposition").json
        rows = {r["measure"]: r["value"] for r in b["aid"]}
        self.assertEqual(rows["Tonnes delivered"], 124.7)
        self.assertEqual(rows["Tonnes on aborted movements"], 0)
        md = self.srv.get("/v1/bulletins/2016-12-10?format=md&lang=ru", party="Opposition").body
        self.assertIn("Доставленная помощь", md)
        self.assertNotIn("aid", self.srv.get("/v1/bulletins/2016-10-10?format=json", party="JMC").json)

    def test_bad_queries(self):
        for q, field in (("/v1/aid?to=" + TO, "from"), ("/v1/aid?from=" + FROM, "to"),
                         ("/v1/aid?from=%s&to=%s" % (TO, FROM), "to"), ("/v1/aid?from=x&to=" + TO, "from"),
                         ("/v1/aid?from=2010-01-01T00:00:00Z&to=" + TO, "to"),
                         ("/v1/aid?from=%s&to=%s&within=999999" % (FROM, TO), "within"),
                         ("/v1/exports/aid?from=%s&to=%s" % (FROM, TO), "format"),
                         ("/v1/exports/aid?format=xml&from=%s&to=%s" % (FROM, TO), "format")):
            self.assertProblem(self.srv.get(q, party="JMC"), 400, field)


if __name__ == "__main__":
    main()
