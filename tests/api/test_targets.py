"""Reports about objects (issue 3): a report's target may name a deconfliction site or
movement by id. A report about an object the reporter may not see is refused (400 at
target.id, nothing stored); an incident about such an object shows, to those who may see
it, when it was notified, to whom, who acknowledged when, with the log index of each.
"""
from harness import ServerTest, main, run_cli

HOSPITAL = [36.65, 35.93]  # Idlib


def site(name, visibility):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": HOSPITAL},
            "properties": {"kind": "hospital", "name": name, "radius_m": 150, "valid_from": "2016-01-01T00:00:00Z",
                           "visibility": visibility}}


def report(target, at="2016-10-03T09:00:00Z", ref=None):
    return {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": HOSPITAL},
            "geo_precision": 1, "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
            "alleged_perpetrator": "Russia", "target": target,
            "source": {"kind": "humanitarian", "ref": ref} if ref else {"kind": "party"}}


class TargetsTest(ServerTest):
    scenario = True

    def test_report_about_a_restricted_site_and_its_notification_history(self):
        s = self.srv.post("/v1/sites", site("Idlib surgical hospital", ["Russia", "JMC"]), party="UN-OCHA")
        self.assertEqual(s.status, 201, s)
        sid = s.json["properties"]["id"]
        notices = [n for n in self.srv.get("/v1/notices?limit=1000", party="Russia").json["items"]
                   if n["about"] == {"type": "site", "id": sid}]
        self.assertEqual(len(notices), 1, notices)
        ack = self.srv.post("/v1/notices/%d/ack" % notices[0]["id"], {}, party="Russia")
        self.assertEqual(ack.status, 200, ack)
        # SAA may not see the site: its report about it is refused, exactly as for a missing one.
        before = self.srv.db_snapshot()
        hidden = self.srv.post("/v1/reports", report({"kind": "site", "id": sid}), party="SAA")
        missing = self.srv.post("/v1/reports", report({"kind": "site", "id": 10 ** 6}), party="SAA")
        self.assertProblem(hidden, 400, "target.id", "there is no site %d" % sid)
        self.assertProblem(missing, 400, "target.id")
        self.assertEqual(hidden.json["reason"].replace(str(sid), "N"), missing.json["reason"].replace("1000000", "N"))
        self.assertProblem(self.srv.post("/v1/reports", report({"kind": "site"}), party="SAA"), 400, "target.id")
        self.assertProblem(self.srv.post("/v1/reports", report({"kind": "civilians", "id": 3}), party="SAA"), 400,
                           "target.id")
        self.assertProblem(self.srv.post("/v1/reports", report({"kind": "movement", "id": 10 ** 6}), party="JMC"),
                           400, "target.id")
        self.assertEqual(before, self.srv.db_snapshot())
        # UN-OCHA (the owner) and the JMC may: their reports are stored with the target.
        a = self.srv.post("/v1/reports", report({"kind": "site", "id": sid, "name": "hospital"}, ref="ocha-1"),
                          party="UN-OCHA")
        self.assertEqual(a.status, 201, a)
        self.assertEqual(self.srv.get("/v1/reports/%d" % a.json["id"], party="UN-OCHA").json["target"],
                         {"kind": "site", "id": sid, "name": "hospital"})
        iid = a.json["incident_id"]
        # Who may see the site sees its history on the incident; others see the incident without it.
        for party in ("Russia", "JMC", "UN-OCHA"):
            inc = self.srv.get("/v1/incidents/%d" % iid, party=party).json
            self.assertEqual(len(inc["objects"]), 1, inc)
            o = inc["objects"][0]
            self.assertEqual((o["kind"], o["id"]), ("site", sid))
            self.assertIsInstance(o["created_index"], int)
            # Both parties on the list were notified; Russia acknowledged.
            self.assertEqual(sorted(n["party"] for n in o["notices"]), ["JMC", "Russia"])
            n = next(n for n in o["notices"] if n["party"] == "Russia")
            self.assertEqual(n["notice_id"], notices[0]["id"])
            self.assertEqual(n["ack_index"], ack.json["receipt"]["index"])
            self.assertIsNotNone(n["acked_at"])
            self.assertGreater(n["ack_index"], o["created_index"])
            j = next(n for n in o["notices"] if n["party"] == "JMC")
            self.assertEqual((j["acked_at"], j["ack_index"]), (None, None))
        for party in ("SAA", "Kazakhstan"):
            self.assertEqual(self.srv.get("/v1/incidents/%d" % iid, party=party).json["objects"], [])

    def test_import_refuses_a_hidden_object(self):
        s = self.srv.post("/v1/sites", site("Field clinic", ["JMC"]), party="UN-OCHA")
        sid = s.json["properties"]["id"]
        import json
        import os
        path = os.path.join(self.srv.dir, "targets.ndjson")
        with open(path, "w") as f:
            f.write(json.dumps(report({"kind": "site", "id": sid}, at="2016-10-05T09:00:00Z")) + "\n")
        before = self.srv.db_snapshot()
        p = run_cli("import", "reports", path, "--as", "SAA", "--db", self.srv.db, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("line 1: target.id: there is no site %d" % sid, p.stderr)
        self.assertEqual(before, self.srv.db_snapshot())


if __name__ == "__main__":
    main()
