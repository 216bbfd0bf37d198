"""The change feed of the incident export (issue 18, item 8): GET
/v1/exports/incidents?format=geojson&changed_since=CURSOR answers the incidents that
changed or appeared since the cursor (upserts, the export's Features) and the ids that no
longer exist with the incident their report is in now (retirements, after merges and
splits). A downstream copy that applies yesterday's export plus the changes holds today's
export, feature for feature; the cursor survives a restart; bad cursors are refused.
"""
import json
import os
import sqlite3

from harness import ROOT, ServerTest, main, run_cli

REPORTS = os.path.join(ROOT, "scenarios", "reports-2016.ndjson")


def report(at, where, ref, perpetrator="SAA", sub="Shelling/artillery/missile attack"):
    return {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": "Explosions/Remote violence", "sub_event_type": sub,
            "source": {"kind": "monitor", "ref": ref}, "alleged_perpetrator": perpetrator,
            "fatalities": {"min": 1, "max": 2}}


class ChangeFeedTest(ServerTest):
    scenario = True

    def export(self):
        r = self.srv.get("/v1/exports/incidents?format=geojson&cursor=true", party="Kazakhstan")
        self.assertEqual(r.status, 200, r)
        fc = json.loads(r.body)
        return {f["id"]: f for f in fc["features"]}, fc["cursor"]

    def feed(self, cursor, party="SAA"):
        r = self.srv.get("/v1/exports/incidents?format=geojson&changed_since=%s" % cursor, party=party)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("application/geo+json"))
        return r.json

    @staticmethod
    def apply(copy, feed):
        copy = dict(copy)
        for f in feed["features"]:
            copy[f["id"]] = f
        for r in feed["retired"]:
            copy.pop(r["id"], None)
        return copy

    def post(self, body, party="JMC"):
        r = self.srv.post("/v1/reports", body, party=party)
        self.assertEqual(r.status, 201, r)
        return r.json

    def test_yesterday_plus_changes_is_today(self):
        srv = self.srv
        with open(REPORTS, "rb") as f:
            r = srv.request("POST", "/v1/reports/import?format=ndjson", raw=f.read(), party="JMC",
                            content_type="application/x-ndjson")
        self.assertEqual(r.status, 201, r)
        a = self.post(report("2016-10-02T10:00:00Z", [37.10, 36.10], "a"))
        b = self.post(report("2016-10-02T10:20:00Z", [37.101, 36.10], "b"))
        c = self.post(report("2016-10-03T10:00:00Z", [36.70, 35.90], "c"))
        d = self.post(report("2016-10-03T10:05:00Z", [36.80, 35.95], "d"))
        self.assertEqual(a["incident_id"], b["incident_id"])
        yesterday, cursor = self.export()
        self.assertEqual(self.feed(cursor)["features"], [], "nothing changed since the export")

        # Today: new reports (one joins an incident, one stands alone), a split, a merge, a
        # party's response and a monitor's verdict.
        e = self.post(report("2016-10-02T10:10:00Z", [37.1005, 36.1001], "e"), party="Opposition")
        self.assertEqual(e["incident_id"], a["incident_id"])
        n = self.post(report("2016-11-01T08:00:00Z", [38.0, 35.0], "n"))
        r = srv.post("/v1/incidents/%d/split" % a["incident_id"], {"reports": [b["id"]], "reason": "two strikes"},
                     party="JMC")
        self.assertEqual(r.status, 201, r)
        r = srv.post("/v1/incidents/%d/merge" % c["incident_id"], {"incidents": [d["incident_id"]],
                                                                     "reason": "one barrage"}, party="JMC")
        self.assertEqual(r.status, 201, r)
        first = sorted(yesterday)[0]
        r = srv.post("/v1/incidents/%d/responses" % first, {"response": "deny", "text": "not us"}, party="SAA")
        self.assertEqual(r.status, 201, r)
        r = srv.post("/v1/incidents/%d/verdict" % n["incident_id"], {"verdict": "confirm", "reason": "seen"},
                     party="JMC")
        self.assertEqual(r.status, 201, r)

        changes = self.feed(cursor)
        self.assertEqual(changes["changed_since"], cursor)
        today, now = self.export()
        self.assertEqual(changes["cursor"], now)
        self.assertEqual(self.apply(yesterday, changes), today)
        # The merge retired one id, pointing at the incident that holds its report.
        gone = {x["id"]: x["replaced_by"] for x in changes["retired"]}
        merged = max(c["incident_id"], d["incident_id"])
        self.assertEqual(gone.get(merged), min(c["incident_id"], d["incident_id"]))
        self.assertIn(b["id"], {f["id"] for f in changes["features"]}, "the split-off incident is an upsert")
        self.assertIn(n["incident_id"], {f["id"] for f in changes["features"]})
        self.assertLess(len(changes["features"]), len(today), "the feed is not the whole export")
        # From the start (cursor 0) onto an empty copy: today's export too.
        self.assertEqual(self.apply({}, self.feed("0")), today)
        # In step: nothing more; the cursor survives a restart.
        self.assertEqual((self.feed(now)["features"], self.feed(now)["retired"]), ([], []))
        srv.restart()
        again = self.feed(now)
        self.assertEqual((again["features"], again["retired"], again["cursor"]), ([], [], now))
        f = self.post(report("2016-10-02T10:15:00Z", [37.1002, 36.1], "f"))
        self.assertEqual(self.apply(today, self.feed(now)), self.export()[0])
        self.assertIn(f["incident_id"], {x["id"] for x in self.feed(now)["features"]})

    def test_bad_cursors_change_nothing(self):
        for q, field in (("changed_since=abc", "changed_since"), ("changed_since=-1", "changed_since"),
                         ("changed_since=999999", "changed_since"), ("changed_since=", "changed_since"),
                         ("changed_since=0&format=hxl", "format"),
                         ("changed_since=0&date=2016-09-19", "changed_since"), ("cursor=yes", "cursor"),
                         ("cursor=true&format=hxl", "cursor"), ("cursor=true&date=2016-09-19", "cursor")):
            with self.subTest(q=q):
                path = "/v1/exports/incidents?" + q + ("" if "format=" in q else "&format=geojson")
                r = self.assertUnchanged(lambda: self.srv.get(path, party="SAA"))
                self.assertProblem(r, 400, field)

    def test_zz_verify(self):
        self.srv.stop()
        try:
            v = run_cli("verify", "--db", self.srv.db, check=False)
            self.assertEqual(v.returncode, 0, v.stdout)
            self.assertRegex(v.stdout, r"incident_feed: [1-9]\d* rows")
            con = sqlite3.connect(self.srv.db)
            con.execute("UPDATE incident_feed SET id = 999999 WHERE id = (SELECT max(id) FROM incident_feed)")
            con.commit()
            con.close()
            v = run_cli("verify", "--db", self.srv.db, check=False)
            self.assertEqual(v.returncode, 1, v.stdout)
            self.assertIn("FAIL incident_feed: 1 rows with ids that are no report's", v.stdout)
        finally:
            self.srv.start()


if __name__ == "__main__":
    main()
