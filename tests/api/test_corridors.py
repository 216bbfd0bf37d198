"""Humanitarian corridors (issue 6, docs/humanitarian.md): opening windows, suspensions and
resumptions, daily crossing counts kept apart by source; visibility; bad input changes
nothing. The scenario is the eastern Aleppo evacuation of the seeds (scenarios/syria-2016-2017.json):
"over 80,000" civilians leaving eastern Aleppo in a week, as the Russian Defence Ministry
reported it, and the Ramouseh evacuation corridor suspended from 16 to 18 December 2016."""
from harness import ServerTest, feature, main, polygon, run_cli


class CorridorTest(ServerTest):
    scenario = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        areas = cls.srv.get("/v1/areas?kind=corridor&limit=100", party="admin").json["features"]
        cls.cid = {f["properties"]["name"]: f["id"] for f in areas}
        cls.east_west = cls.cid["Eastern to western Aleppo civilian corridor"]    # Russia's, public
        cls.ramouseh = cls.cid["Ramouseh evacuation corridor to the western countryside"]  # SARC's, public

    def path(self, cid, sub=""):
        return "/v1/corridors/%d%s" % (cid, sub)

    def test_a_week_of_crossings_over_80000(self):
        """The week of 29 November 2016: the Defence Ministry's daily counts add up to over 80,000;
        a second source's lower count for one day is kept apart, not summed."""
        p = self.path(self.east_west)
        r = self.srv.post(p + "/openings", {"from": "2016-11-29T00:00:00Z", "to": "2016-12-06T00:00:00Z",
                                           "note": "announced by the Russian reconciliation centre"}, party="Russia")
        self.assertEqual(r.status, 201, r)
        self.assertIn("receipt", r.json)
        mod = [9000, 10500, 12000, 13000, 11500, 14000, 12500]  # 82,500 in the week
        for day, n in enumerate(mod):
            r = self.srv.post(p + "/crossings", {"date": "2016-%s" % ("11-%02d" % (29 + day) if day < 2 else
                                                                      "12-%02d" % (day - 1)),
                                                 "count": n, "source": {"kind": "party", "ref": "Russian MoD briefing"}},
                              party="Russia")
            self.assertEqual(r.status, 201, r)
        r = self.srv.post(p + "/crossings", {"date": "2016-11-30", "count": 8000,
                                             "source": {"kind": "humanitarian", "ref": "OCHA flash update"}},
                          party="UN-OCHA")
        self.assertEqual(r.status, 201, r)
        c = self.srv.get(p + "?at=2016-12-02T12:00:00Z", party="Kazakhstan").json
        self.assertEqual(c["status"], "open")
        days = {d["date"]: d for d in c["crossings"]["days"]}
        self.assertEqual(len(days), 7)
        both = days["2016-11-30"]
        self.assertEqual((both["low"], both["high"]), (8000, 10500))
        self.assertEqual(sorted((x["party"], x["count"], x["source"]["kind"]) for x in both["reports"]),
                         [("Russia", 10500, "party"), ("UN-OCHA", 8000, "humanitarian")])
        totals = c["crossings"]["totals"]
        self.assertEqual(totals["high"], sum(mod))
        self.assertGreater(totals["high"], 80000)
        self.assertEqual(totals["low"], sum(mod) - 10500 + 8000)
        self.assertEqual(totals["reports"], 8)
        self.assertEqual(self.srv.get(p + "?at=2016-12-07T00:00:00Z", party="SAA").json["status"], "closed")
        self.assertEqual(self.srv.get(p + "?at=2016-11-28T00:00:00Z", party="SAA").json["next_opening"],
                         "2016-11-29T00:00:00Z")

    def test_ramouseh_suspended_and_resumed(self):
        """The evacuation corridor opened on 15 December, was suspended on the 16th and resumed on the 18th."""
        p = self.path(self.ramouseh)
        self.assertEqual(self.srv.post(p + "/openings", {"from": "2016-12-15T05:00:00Z", "to": "2016-12-23T00:00:00Z"},
                                       party="SARC").status, 201)
        r = self.srv.post(p + "/suspensions", {"from": "2016-12-16T09:00:00Z",
                                               "reason": "convoy fired upon; evacuation halted"}, party="Russia")
        self.assertEqual(r.status, 201, r)
        again = self.srv.post(p + "/suspensions", {"from": "2016-12-16T10:00:00Z", "reason": "twice"}, party="SARC")
        self.assertProblem(again, 409, field="from", contains="already suspended")
        r = self.srv.post(p + "/resumptions", {"at": "2016-12-18T20:00:00Z", "reason": "agreement renewed"},
                          party="SARC")
        self.assertEqual(r.status, 201, r)
        self.assertProblem(self.srv.post(p + "/resumptions", {"at": "2016-12-19T00:00:00Z"}, party="SARC"), 409,
                           field="at", contains="not suspended")
        at = lambda t: self.srv.get(p + "?at=" + t, party="Opposition").json
        self.assertEqual(at("2016-12-15T12:00:00Z")["status"], "open")
        self.assertEqual(at("2016-12-17T12:00:00Z")["status"], "suspended")
        self.assertEqual(at("2016-12-19T12:00:00Z")["status"], "open")
        s = at("2016-12-19T12:00:00Z")["suspensions"]
        self.assertEqual(len(s), 1)
        self.assertEqual((s[0]["from"], s[0]["resumed_at"], s[0]["reason"]),
                         ("2016-12-16T09:00:00Z", "2016-12-18T20:00:00Z", "convoy fired upon; evacuation halted"))
        self.assertEqual(s[0]["resumption"]["party"], "SARC")
        # The record holds: truce verify checks every corridor event against the log.
        out = run_cli("verify", "--db", self.srv.db).stdout
        self.assertIn("OK: the database", out)
        self.assertRegex(out, r"humanitarian: [1-9][0-9]* corridor events")

    def test_visibility(self):
        """A corridor a party may not see answers 404, like a missing one, for reads and writes."""
        line = {"type": "LineString", "coordinates": [[37.0, 36.0], [37.1, 36.0]]}
        r = self.srv.post("/v1/areas", feature(line, kind="corridor", name="Restricted corridor", party="UN-OCHA",
                                               width_m=300, visibility=["Russia"]), party="UN-OCHA")
        self.assertEqual(r.status, 201, r)
        hidden = r.json["id"]
        self.assertEqual(self.srv.post(self.path(hidden, "/openings"), {"from": "2016-12-01T00:00:00Z",
                                                                        "to": "2016-12-02T00:00:00Z"},
                                       party="UN-OCHA").status, 201)
        self.assertEqual(self.srv.get(self.path(hidden), party="Russia").status, 200)
        self.assertEqual(self.srv.get(self.path(hidden), party="JMC").status, 200)  # monitors see all
        for who in ("SAA", "Kazakhstan", "Turkey"):
            missing = self.srv.get(self.path(10 ** 9), party=who)
            got = self.srv.get(self.path(hidden), party=who)
            self.assertProblem(got, 404, field="id")
            self.assertEqual(got.json["title"], missing.json["title"])
        body = {"date": "2016-12-01", "count": 5, "source": {"kind": "party"}}
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post(self.path(hidden, "/crossings"), body,
                                                                      party="SAA"), 404, field="id"))
        # An area that is not a corridor is not one here either.
        zone = self.srv.post("/v1/areas", feature(polygon(30.0, 30.0), kind="no_strike", name="Not a corridor"),
                             party="admin").json["id"]
        self.assertProblem(self.srv.get(self.path(zone), party="admin"), 404, field="id")
        # Only the owner, admin, monitor and guarantors open or suspend it; anyone who sees it reports crossings.
        self.assertUnchanged(lambda: self.assertProblem(
            self.srv.post(self.path(self.east_west, "/suspensions"), {"reason": "x"}, party="SAA"), 403))
        self.assertUnchanged(lambda: self.assertProblem(
            self.srv.post(self.path(self.east_west, "/openings"), {"from": "2016-12-10T00:00:00Z",
                                                                  "to": "2016-12-11T00:00:00Z"}, party="Kazakhstan"),
            403))

    def test_bad_input_changes_nothing(self):
        p = self.path(self.cid["Castello Road humanitarian access route"])  # valid 12-19 Sep 2016
        ok = self.srv.post(p + "/openings", {"from": "2016-09-13T00:00:00Z", "to": "2016-09-14T00:00:00Z"},
                           party="UN-OCHA")
        self.assertEqual(ok.status, 201, ok)
        cases = [
            ("/openings", {"from": "2016-09-13T00:00:00Z"}, "to"),
            ("/openings", {"from": "2016-09-15T00:00:00Z", "to": "2016-09-14T00:00:00Z"}, "to"),
            ("/openings", {"from": "2016-09-01T00:00:00Z", "to": "2016-09-14T00:00:00Z"}, "from"),  # before validity
            ("/openings", {"from": "2016-09-18T00:00:00Z", "to": "2016-09-25T00:00:00Z"}, "to"),    # after it
            ("/openings", {"from": "yesterday", "to": "2016-09-14T00:00:00Z"}, "from"),
            ("/openings", {"from": "2016-09-15T00:00:00Z", "to": "2016-09-16T00:00:00Z", "colour": "red"}, "colour"),
            ("/openings", [], ""),
            ("/crossings", {"date": "2016-09-13", "count": -1, "source": {"kind": "party"}}, "count"),
            ("/crossings", {"date": "2016-09-13", "count": 2.5, "source": {"kind": "party"}}, "count"),
            ("/crossings", {"date": "2016-09-13", "count": "12", "source": {"kind": "party"}}, "count"),
            ("/crossings", {"date": "2016-09-13", "count": 10 ** 9, "source": {"kind": "party"}}, "count"),
            ("/crossings", {"date": "2016-09-13", "source": {"kind": "party"}}, "count"),
            ("/crossings", {"date": "2016-09-16", "count": 5, "source": {"kind": "party"}}, "date"),  # no window
            ("/crossings", {"date": "2016-02-30", "count": 5, "source": {"kind": "party"}}, "date"),
            ("/crossings", {"date": "2016-09-13T00:00:00Z", "count": 5, "source": {"kind": "party"}}, "date"),
            ("/crossings", {"date": "2016-09-13", "count": 5, "source": {"kind": "rumour"}}, "source.kind"),
            ("/crossings", {"date": "2016-09-13", "count": 5, "source": {"kind": "party", "x": 1}}, "source.x"),
            ("/crossings", {"date": "2016-09-13", "count": 5}, "source"),
            ("/suspensions", {"from": "2016-09-13T00:00:00Z"}, "reason"),
            ("/suspensions", {"from": "2016-09-13T00:00:00Z", "reason": ""}, "reason"),
            ("/suspensions", {"from": "9000-01-01T00:00:00Z", "reason": "future"}, "from"),
            ("/resumptions", {"at": "2016-09-14T00:00:00Z"}, "at"),  # not suspended: 409
        ]
        for sub, body, field in cases:
            with self.subTest(sub=sub, body=body):
                r = self.assertUnchanged(lambda: self.srv.post(p + sub, body, party="UN-OCHA"))
                self.assertIn(r.status, (400, 409), r)
                self.assertEqual(r.json.get("field", ""), field, r)
        for raw in (b"{", b"", b'{"from": "2016-09-15T00:00:00Z", "to": "2016-09-16T00:00:00Z"'):
            r = self.assertUnchanged(lambda: self.srv.request("POST", p + "/openings", raw=raw, party="UN-OCHA"))
            self.assertProblem(r, 400)
        self.assertProblem(self.srv.get(p + "?at=later", party="SAA"), 400, field="at")
        self.assertProblem(self.srv.get("/v1/corridors/0", party="SAA"), 400, field="id")


if __name__ == "__main__":
    main()
