"""Agreement steps and timelines (issue 6, docs/humanitarian.md): the "detailed timeline of
steps" for the withdrawal of fighters from eastern Aleppo (December 2016), dependencies, derived
lateness, disputes, history with evidence, implementation scores, visibility, bad input."""

from harness import ServerTest, main, run_cli

AG = "Eastern Aleppo ceasefire and evacuation arrangement"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class StepsTest(ServerTest):
    scenario = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ags = cls.srv.get("/v1/agreements?limit=100", party="admin").json["items"]
        cls.ag = [a for a in ags if a["name"] == AG][0]
        cls.prov = {p["responsible"] + ":" + p["text"].split()[0]: p["seq"] for p in cls.ag["provisions"]}

    def timeline(self, at, party="Kazakhstan"):
        r = self.srv.get("/v1/agreements/%d/timeline?at=%s" % (self.ag["id"], at), party=party)
        self.assertEqual(r.status, 200, r)
        return r.json

    def status(self, step, body, party):
        return self.srv.post("/v1/steps/%d/status" % step, body, party=party)

    def add(self, steps, party="Russia", agreement=None):
        return self.srv.post("/v1/agreements/%d/steps" % (agreement or self.ag["id"]), {"steps": steps}, party=party)

    def test_withdrawal_timeline(self):
        withdraw = self.prov["Opposition:Withdraw"]
        r = self.add([
            {"key": "buses", "title": "Buses and ambulances enter the pocket", "responsible": "Russia",
             "provision": self.prov["Russia:Guarantee"], "deadline": "2016-12-15T00:00:00Z"},
            {"key": "first", "title": "First group of fighters leaves with personal weapons",
             "responsible": "Opposition", "provision": withdraw, "depends_on": ["buses"],
             "deadline": "2016-12-16T00:00:00Z"},
            {"key": "last", "title": "Last fighters leave eastern Aleppo", "responsible": "Opposition",
             "provision": withdraw, "depends_on": ["first"], "deadline": "2016-12-22T20:00:00Z"},
            {"title": "Army takes over the checkpoints of the evacuated districts", "responsible": "SAA",
             "provision": self.prov["SAA:Take"], "depends_on": ["last"], "deadline": "2016-12-22T20:00:00Z"}])
        self.assertEqual(r.status, 201, r)
        buses, first, last, checkpoints = [s["id"] for s in r.json["steps"]]
        self.assertEqual(r.json["steps"][2]["depends_on"], [first])
        self.assertTrue(all("receipt" in s for s in r.json["steps"]))
        t = self.timeline("2016-12-14T00:00:00Z")
        steps = {s["id"]: s for s in t["steps"]}
        self.assertEqual(steps[first]["status"], "pending")
        self.assertEqual(steps[first]["blocked_by"], [buses])
        self.assertEqual([p["score"] for p in t["provisions"] if p["seq"] == withdraw], [0])
        # Russia's buses arrive, with evidence; the first group starts leaving.
        self.assertEqual(self.status(buses, {"status": "done", "at": "2016-12-15T04:00:00Z", "reason": "buses in",
                                             "evidence": [{"url": "https://example.org/mod-briefing.pdf",
                                                           "sha256": SHA}]}, "Russia").status, 201)
        self.assertEqual(self.status(first, {"status": "in_progress", "at": "2016-12-15T12:00:00Z"},
                                     "Opposition").status, 201)
        # The last step cannot be done before the first is: refused, nothing stored.
        r = self.assertUnchanged(lambda: self.status(last, {"status": "done", "at": "2016-12-15T13:00:00Z"},
                                                     "Opposition"))
        self.assertProblem(r, 409, field="status", contains="depends on")
        # Past its deadline and not done: late (derived, never stored).
        t = self.timeline("2016-12-16T06:00:00Z")
        self.assertEqual({s["id"]: s["status"] for s in t["steps"]}[first], "late")
        self.assertEqual(t["counts"]["late"], sum(s["status"] == "late" for s in t["steps"]))
        self.assertEqual(self.status(first, {"status": "done", "at": "2016-12-16T08:00:00Z"}, "Opposition").status, 201)
        # The army says heavy weapons left with them: a party of the agreement disputes the step.
        r = self.status(first, {"status": "disputed", "at": "2016-12-16T10:00:00Z",
                                "reason": "heavy weapons taken out of the pocket"}, "SAA")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["step_status"], "disputed")
        self.assertProblem(self.status(last, {"status": "done", "at": "2016-12-17T00:00:00Z"}, "Opposition"), 409)
        self.assertEqual(self.status(first, {"status": "done", "at": "2016-12-18T20:00:00Z",
                                             "reason": "checked by the guarantors"}, "Opposition").status, 201)
        self.assertEqual(self.status(last, {"status": "done", "at": "2016-12-22T19:00:00Z"}, "Opposition").status, 201)
        t = self.timeline("2016-12-23T00:00:00Z")
        steps = {s["id"]: s for s in t["steps"]}
        hist = [(h["status"], h["party"], h["at"], h["reason"]) for h in steps[first]["history"]]
        self.assertEqual(hist, [("in_progress", "Opposition", "2016-12-15T12:00:00Z", None),
                                ("done", "Opposition", "2016-12-16T08:00:00Z", None),
                                ("disputed", "SAA", "2016-12-16T10:00:00Z", "heavy weapons taken out of the pocket"),
                                ("done", "Opposition", "2016-12-18T20:00:00Z", "checked by the guarantors")])
        self.assertEqual(steps[buses]["history"][0]["evidence"], [{"url": "https://example.org/mod-briefing.pdf",
                                                                   "sha256": SHA}])
        self.assertEqual(steps[checkpoints]["status"], "late")
        self.assertEqual(steps[checkpoints]["blocked_by"], [])
        scores = {p["seq"]: (p["score"], p["score_from"]) for p in t["provisions"]}
        self.assertEqual(scores[withdraw], (3, "steps"))
        self.assertEqual(scores[self.prov["SAA:Take"]], (0, "steps"))
        # A provision without steps is scored from its own status (the scenario records them).
        self.assertEqual(scores[self.prov["UN-OCHA:Provide"]], (1, "provision_status"))
        expected = [s for s, _ in scores.values()]
        if t["other_steps"]["score"] is not None:  # steps under no provision (other tests add some)
            expected.append(t["other_steps"]["score"])
        self.assertEqual(t["score"], sum(expected) // len(expected))
        self.assertEqual(t["percent"], round(100 * sum(expected) / (3 * len(expected))))
        # Time travel: at the 16th the withdrawal was half begun, not done.
        self.assertEqual({p["seq"]: p["score"] for p in self.timeline("2016-12-16T09:00:00Z")["provisions"]}[withdraw], 2)
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn("OK: the database", v.stdout)
        # A status rewritten in the database no longer matches its log entry.
        copy = self.srv.copy("tampered")
        self.assertTrue(copy.sql("UPDATE step_event SET status = 'done' WHERE status = 'disputed' RETURNING seq"))
        p = copy.verify()
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("step_event", p.stdout)

    def test_bulletin_section(self):
        """The daily bulletin lists the steps of public agreements due that day, overdue, and done that day."""
        window = self.srv.get("/v1/bulletins/2016-11-16", party="Kazakhstan").json["window"]
        start, end = window["start"], window["end"]
        inside = start[:11] + "12:00:00Z" if start[:10] == end[:10] else end[:11] + "01:00:00Z"
        r = self.srv.post("/v1/agreements", {"name": "Bulletin arrangement", "start": "2016-11-01T00:00:00Z",
                                             "parties": ["SAA", "Opposition"]}, party="Russia")
        ag = r.json["id"]
        r = self.add([{"title": "Overdue step", "responsible": "SAA", "deadline": "2016-11-10T00:00:00Z"},
                      {"title": "Step due that day", "responsible": "Opposition", "deadline": inside},
                      {"title": "Step done that day", "responsible": "SAA"},
                      {"title": "Step done earlier", "responsible": "SAA", "deadline": "2016-11-12T00:00:00Z"}],
                     agreement=ag)
        late, due, done, earlier = [x["id"] for x in r.json["steps"]]
        self.assertEqual(self.status(done, {"status": "done", "at": inside}, "SAA").status, 201)
        self.assertEqual(self.status(earlier, {"status": "done", "at": "2016-11-11T00:00:00Z"}, "SAA").status, 201)
        r = self.srv.post("/v1/agreements", {"name": "Unpublished arrangement", "start": "2016-11-01T00:00:00Z",
                                             "parties": ["Russia"], "visibility": ["Russia"]}, party="Russia")
        hidden = self.add([{"title": "Secret step", "responsible": "Russia", "deadline": inside}],
                          agreement=r.json["id"]).json["steps"][0]["id"]
        b = self.srv.get("/v1/bulletins/2016-11-16", party="Kazakhstan").json
        got = [(x["what"], x["step_id"]) for x in b["agreement_steps"] if x["agreement"] == "Bulletin arrangement"]
        self.assertEqual(got, [("due", due), ("late", late), ("done", done)])
        self.assertNotIn(hidden, [x["step_id"] for x in b["agreement_steps"]])
        self.assertNotIn(earlier, [x["step_id"] for x in b["agreement_steps"]])
        md = self.srv.get("/v1/bulletins/2016-11-16?format=md", party="SAA").body
        self.assertIn("## Agreement steps", md)
        self.assertIn("Step due that day (Opposition)", md)
        csv = self.srv.get("/v1/bulletins/2016-11-16?format=csv", party="SAA").body
        self.assertIn("step_late,%d," % late, csv)
        html = self.srv.get("/v1/bulletins/2016-11-16?format=html", party="SAA").body
        self.assertIn("<h2>Agreement steps</h2>", html)
        for fmt, body in (("md", md), ("csv", csv), ("html", html)):
            cli = run_cli("bulletin", "--date", "2016-11-16", "--format", fmt, "--db", self.srv.db)
            self.assertEqual(cli.stdout, body, fmt)

    def test_who_may_change_a_step(self):
        r = self.add([{"title": "Evacuate the wounded from Foua and Kefraya", "responsible": "Opposition",
                       "provision": self.prov["Opposition:Allow"], "deadline": "2016-12-18T00:00:00Z"}])
        step = r.json["steps"][0]["id"]
        for who, body in (("Turkey", {"status": "done"}), ("SAA", {"status": "in_progress"}),
                          ("SDF", {"status": "disputed", "reason": "not a party"})):
            with self.subTest(who=who):
                self.assertUnchanged(lambda: self.assertProblem(self.status(step, body, who), 403, field="status"))
        self.assertProblem(self.status(step, {"status": "done"}, "Kazakhstan"), 403)  # observers write nothing
        self.assertEqual(self.status(step, {"status": "disputed", "reason": "blocked at Ramouseh"}, "Turkey").status,
                         201)  # a guarantor may dispute
        self.assertEqual(self.status(step, {"status": "in_progress"}, "JMC").status, 201)  # a monitor may change it
        self.assertProblem(self.add([{"title": "x", "responsible": "SAA"}], party="SAA"), 403)

    def test_visibility(self):
        r = self.srv.post("/v1/agreements", {"name": "Private guarantor arrangement", "start": "2016-12-13T00:00:00Z",
                                             "parties": ["Russia", "Turkey"], "visibility": ["Russia"],
                                             "provisions": [{"text": "Exchange lists of groups"}]}, party="Russia")
        self.assertEqual(r.status, 201, r)
        private = r.json["id"]
        r = self.add([{"title": "Exchange the lists", "responsible": "Turkey", "provision": 1}], agreement=private)
        self.assertEqual(r.status, 201, r)
        step = r.json["steps"][0]["id"]
        self.assertEqual(self.srv.get("/v1/agreements/%d/timeline" % private, party="Turkey").status, 200)
        for who in ("SAA", "Kazakhstan", "US-Coalition", "UN-OCHA"):
            with self.subTest(who=who):
                self.assertProblem(self.srv.get("/v1/agreements/%d/timeline" % private, party=who), 404, field="id")
        self.assertUnchanged(lambda: self.assertProblem(
            self.status(step, {"status": "disputed", "reason": "x"}, "SAA"), 404, field="id"))
        self.assertUnchanged(lambda: self.assertProblem(
            self.add([{"title": "x", "responsible": "SAA"}], party="US-Coalition", agreement=private), 404, field="id"))
        # A step of another agreement is not a dependency here.
        self.assertUnchanged(lambda: self.assertProblem(
            self.add([{"title": "x", "responsible": "SAA", "depends_on": [step]}]), 400,
            field="steps[0].depends_on[0]"))

    def test_bad_input_changes_nothing(self):
        r = self.add([{"title": "Open the Ramouseh road", "responsible": "SAA", "deadline": "2016-12-15T00:00:00Z"}])
        step = r.json["steps"][0]["id"]
        self.assertEqual(self.status(step, {"status": "in_progress", "at": "2016-12-15T00:00:00Z"}, "SAA").status, 201)
        ok = {"title": "t", "responsible": "SAA"}
        bad_steps = [
            ({"steps": []}, "steps"),
            ({"steps": [ok] * 201}, "steps"),
            ({"steps": ok}, "steps"),
            ({"step": [ok]}, "step"),
            ({"steps": [dict(ok, title="")]}, "steps[0].title"),
            ({"steps": [{"title": "t"}]}, "steps[0].responsible"),
            ({"steps": [dict(ok, responsible="Nobody")]}, "steps[0].responsible"),
            ({"steps": [dict(ok, responsible="ISIS")]}, "steps[0].responsible"),
            ({"steps": [dict(ok, provision=99)]}, "steps[0].provision"),
            ({"steps": [dict(ok, provision=0)]}, "steps[0].provision"),
            ({"steps": [dict(ok, deadline="2016-01-01T00:00:00Z")]}, "steps[0].deadline"),
            ({"steps": [dict(ok, deadline="soon")]}, "steps[0].deadline"),
            ({"steps": [dict(ok, colour="red")]}, "steps[0].colour"),
            ({"steps": [dict(ok, depends_on=[10 ** 9])]}, "steps[0].depends_on[0]"),
            ({"steps": [dict(ok, depends_on=["nokey"])]}, "steps[0].depends_on[0]"),
            ({"steps": [dict(ok, key="a", depends_on=["a"])]}, "steps[0].depends_on[0]"),
            ({"steps": [dict(ok, depends_on=[step, step])]}, "steps[0].depends_on[1]"),
            ({"steps": [dict(ok, depends_on=[1.5])]}, "steps[0].depends_on[0]"),
            ({"steps": [dict(ok, key="a"), dict(ok, key="a")]}, "steps[1].key"),
            ({"steps": [dict(ok, key="a", depends_on=["c"]), dict(ok, key="b", depends_on=["a"]),
                        dict(ok, key="c", depends_on=["b"])]}, "steps[0].depends_on"),
            ([ok], None),
        ]
        for body, field in bad_steps:
            with self.subTest(body=str(body)[:80]):
                r = self.assertUnchanged(lambda: self.srv.post("/v1/agreements/%d/steps" % self.ag["id"], body,
                                                               party="Russia"))
                self.assertProblem(r, 400, field=field)
        bad_status = [
            ({"status": "late"}, 400, "status"),
            ({"status": "finished"}, 400, "status"),
            ({"status": 3}, 400, "status"),
            ({"status": "disputed"}, 400, "reason"),
            ({"status": "done", "at": "9999-01-01T00:00:00Z"}, 400, "at"),
            ({"status": "done", "at": "2016-12-14T00:00:00Z"}, 400, "at"),  # before its last change
            ({"status": "done", "evidence": [{"url": "ftp://x", "sha256": SHA}]}, 400, "evidence[0].url"),
            ({"status": "done", "evidence": [{"url": "https://x", "sha256": "abc"}]}, 400, "evidence[0].sha256"),
            ({"status": "done", "evidence": [{"url": "https://x", "sha256": SHA.upper()}]}, 400, "evidence[0].sha256"),
            ({"status": "done", "evidence": "https://x"}, 400, "evidence"),
            ({"status": "done", "who": "me"}, 400, "who"),
            ({"status": "in_progress"}, 409, "status"),
        ]
        for body, code, field in bad_status:
            with self.subTest(body=body):
                self.assertUnchanged(lambda: self.assertProblem(self.status(step, body, "SAA"), code, field=field))
        self.assertProblem(self.srv.get("/v1/agreements/%d/timeline?at=x" % self.ag["id"], party="SAA"), 400,
                           field="at")
        self.assertProblem(self.status(10 ** 9, {"status": "done"}, "SAA"), 404, field="id")


if __name__ == "__main__":
    main()
