"""Manual split and merge of incidents by a monitor (issue 3): POST /v1/incidents/{id}/split
and POST /v1/incidents/{id}/merge. Kept in incident_regroup, logged, replayed at start; the
automatic grouping respects them; the incident's history shows who, when and why.
"""
from harness import ServerTest, main, run_cli


def report(at, where, ref, perpetrator="SAA"):
    return {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack", "source": {"kind": "monitor", "ref": ref},
            "alleged_perpetrator": perpetrator}


class RegroupTest(ServerTest):
    scenario = True

    def post(self, body, party="JMC"):
        r = self.srv.post("/v1/reports", body, party=party)
        self.assertEqual(r.status, 201, r)
        return r.json

    def incident(self, iid):
        r = self.srv.get("/v1/incidents/%d" % iid, party="Kazakhstan")
        self.assertEqual(r.status, 200, r)
        return r.json

    def report_ids(self, iid):
        return sorted(x["id"] for x in self.incident(iid)["reports"])

    def test_split_then_a_new_report_respects_it(self):
        a = self.post(report("2016-04-02T10:00:00Z", [37.10, 36.10], "s-1"))
        b = self.post(report("2016-04-02T10:20:00Z", [37.101, 36.10], "s-2"))
        iid = a["incident_id"]
        self.assertEqual(b["incident_id"], iid)
        r = self.srv.post("/v1/incidents/%d/split" % iid, {"reports": [b["id"]], "reason": "two strikes, not one"},
                          party="JMC")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["kind"], "split")
        self.assertIn("receipt", r.json)
        self.assertEqual(sorted(r.json["incidents"]), sorted([a["id"], b["id"]]))
        self.assertEqual(self.report_ids(a["id"]), [a["id"]])
        self.assertEqual(self.report_ids(b["id"]), [b["id"]])
        inc = self.incident(b["id"])
        rg = inc["regroups"][-1]
        self.assertEqual((rg["kind"], rg["by"], rg["why"]), ("split", "JMC", "two strikes, not one"))
        self.assertIn("at", rg)
        # A third report matching both sides does not undo the split: it stands apart, flagged
        # ambiguous with the two incidents the monitor kept apart.
        c = self.post(report("2016-04-02T10:05:00Z", [37.1005, 36.10], "s-3"))
        self.assertEqual(c["incident_id"], c["id"])
        self.assertEqual(self.incident(c["id"])["ambiguous_with"], sorted([a["id"], b["id"]]))
        # One that matches only the first side joins it.
        d = self.post(report("2016-04-02T09:30:00Z", [37.0558, 36.10], "s-4"))  # 3.97 km from a, 4.06 km from b
        self.assertEqual(d["incident_id"], a["id"])
        # A restart replays the split: same incidents.
        before = {i: self.report_ids(i) for i in (a["id"], b["id"])}
        self.srv.restart()
        self.assertEqual({i: self.report_ids(i) for i in (a["id"], b["id"])}, before)

    def test_merge_and_history(self):
        a = self.post(report("2016-04-05T10:00:00Z", [37.30, 36.30], "m-1"))
        b = self.post(report("2016-04-05T11:00:00Z", [37.60, 36.30], "m-2"))  # ~27 km away: apart
        c = self.post(report("2016-04-05T12:00:00Z", [37.90, 36.30], "m-3"))
        ids = [a["incident_id"], b["incident_id"], c["incident_id"]]
        self.assertEqual(len(set(ids)), 3)
        r = self.srv.post("/v1/incidents/%d/merge" % ids[1], {"incidents": [ids[2], ids[0]], "reason": "one barrage"},
                          party="admin")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["kind"], "merge")
        merged = r.json["incidents"][0]
        self.assertEqual(merged, min(ids))
        self.assertEqual(self.report_ids(merged), sorted([a["id"], b["id"], c["id"]]))
        inc = self.incident(merged)
        self.assertEqual(inc["grade"], "corroborated")
        self.assertEqual(inc["regroups"][-1]["by"], "admin")
        self.assertEqual(inc["regroups"][-1]["why"], "one barrage")
        # The retired ids answer 404, naming the incident that holds their reports.
        for old in ids:
            if old != merged:
                self.assertProblem(self.srv.get("/v1/incidents/%d" % old, party="SAA"), 404, "id")
                self.assertProblem(self.srv.post("/v1/incidents/%d/merge" % merged, {"incidents": [old], "reason": "x"},
                                                 party="JMC"), 404, "incidents", "incident %d" % merged)
        self.srv.restart()
        self.assertEqual(self.report_ids(merged), sorted([a["id"], b["id"], c["id"]]))
        # Logged and checked by truce verify.
        self.srv.stop()
        v = run_cli("verify", "--db", self.srv.db)
        self.assertRegex(v.stdout, r"[1-9]\d* regroups checked against the log")
        self.srv.start()

    def test_bad_requests_change_nothing(self):
        a = self.post(report("2016-04-08T10:00:00Z", [37.50, 36.50], "b-1"))
        b = self.post(report("2016-04-08T10:10:00Z", [37.501, 36.50], "b-2"))
        iid = a["incident_id"]
        before = self.srv.db_snapshot()
        split = "/v1/incidents/%d/split" % iid
        self.assertProblem(self.srv.post(split, {"reports": [b["id"]], "reason": "x"}, party="SAA"), 403)
        self.assertProblem(self.srv.post(split, {"reports": [b["id"]]}, party="JMC"), 400, "reason")
        self.assertProblem(self.srv.post(split, {"reports": [b["id"]], "reason": ""}, party="JMC"), 400, "reason")
        self.assertProblem(self.srv.post(split, {"reports": [], "reason": "x"}, party="JMC"), 400, "reports")
        self.assertProblem(self.srv.post(split, {"reports": ["7"], "reason": "x"}, party="JMC"), 400, "reports")
        self.assertProblem(self.srv.post(split, {"reports": [a["id"], b["id"]], "reason": "x"}, party="JMC"), 400,
                           "reports", "not all")
        self.assertProblem(self.srv.post(split, {"reports": [b["id"], b["id"]], "reason": "x"}, party="JMC"), 400,
                           "reports", "twice")
        self.assertProblem(self.srv.post(split, {"reports": [10 ** 9], "reason": "x"}, party="JMC"), 400, "reports",
                           "not in incident")
        self.assertProblem(self.srv.post(split, {"reports": [b["id"]], "reason": "x", "by": "me"}, party="JMC"), 400,
                           "by")
        self.assertProblem(self.srv.post("/v1/incidents/999999/split", {"reports": [1], "reason": "x"}, party="JMC"),
                           404, "id")
        merge = "/v1/incidents/%d/merge" % iid
        self.assertProblem(self.srv.post(merge, {"incidents": [], "reason": "x"}, party="JMC"), 400, "incidents")
        self.assertProblem(self.srv.post(merge, {"incidents": [iid], "reason": "x"}, party="JMC"), 400, "incidents")
        self.assertProblem(self.srv.post(merge, {"incidents": [7, 7], "reason": "x"}, party="JMC"), 400,
                           "incidents", "twice")
        self.assertProblem(self.srv.post(merge, {"incidents": [999999], "reason": "x"}, party="JMC"), 404,
                           "incidents")
        self.assertProblem(self.srv.post("/v1/incidents/999999/merge", {"incidents": [iid], "reason": "x"},
                                         party="JMC"), 404, "id")
        self.assertProblem(self.srv.post(merge, {"incidents": [999999], "reason": "x"}, party="Kazakhstan"), 403)
        self.assertProblem(self.srv.post(merge, [1, 2], party="JMC"), 400)
        self.assertEqual(before, self.srv.db_snapshot())
        self.assertEqual(self.report_ids(iid), sorted([a["id"], b["id"]]))


if __name__ == "__main__":
    main()
