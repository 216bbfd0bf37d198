"""Monitoring (issue 3): reports, incidents, grades and the daily bulletin, on a real server.

The demo scenario (scenarios/syria-2016-2017.json) gives the parties SAA, Opposition,
Russia, US-Coalition, JMC (monitor), UN-OCHA, Kazakhstan (observer), the actors ISIS and
Nusra, and the agreements: the cessation of hostilities of 27 February 2016 and the
nationwide ceasefire of 29 December 2016, which excludes ISIS and Nusra.
"""
import json
import shutil
import threading
import time

from harness import ServerTest, main, run_cli

ALEPPO_EAST = [37.18, 36.21]
PALMYRA = [38.27, 34.56]
SHELLING = ("Explosions/Remote violence", "Shelling/artillery/missile attack")


def report(at="2016-03-10T10:00:00Z", where=ALEPPO_EAST, types=SHELLING, perpetrator="SAA", source=None, **more):
    body = {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": types[0], "source": source or {"kind": "party"}}
    if types[1]:
        body["sub_event_type"] = types[1]
    if perpetrator:
        body["alleged_perpetrator"] = perpetrator
    body.update(more)
    return body


class MonitoringTest(ServerTest):
    scenario = True
    extra_args = ["--checkpoint-ms", "50"]
    receipts = []

    def post_report(self, party, body, status=201):
        r = self.srv.post("/v1/reports", body, party=party)
        self.assertEqual(r.status, status, r)
        if status == 201:
            self.assertEqual(set(r.json), {"id", "incident_id", "classification", "receipt"})
            self.assertEqual(r.headers["location"], "/v1/reports/%d" % r.json["id"])
            MonitoringTest.receipts.append(r.json["receipt"]["index"])
            # the report read back carries the same receipt (the dashboard verifies it)
            got = self.srv.get("/v1/reports/%d" % r.json["id"], party=party)
            self.assertEqual(got.json["receipt"], r.json["receipt"])
        return r.json

    def incident(self, iid, party="Kazakhstan"):
        r = self.srv.get("/v1/incidents/%d" % iid, party=party)
        self.assertEqual(r.status, 200, r)
        return r.json

    # -- classification --

    def test_violation_under_the_cessation_of_hostilities(self):
        a = self.post_report("Opposition", report(at="2016-03-12T08:00:00Z", description="shelling of Sakhour",
                                                  target={"kind": "civilians"}, fatalities={"min": 2, "max": 4}))
        c = a["classification"]
        self.assertEqual(c["class"], "violation", c)
        self.assertIn("Cessation of Hostilities", c["reason"])
        self.assertIn("SAA", c["reason"])
        self.assertEqual(c["region"], "Aleppo")
        self.assertIsInstance(c["agreement_id"], int)
        # Its reporter, admin and monitors read it; other parties do not (404, as if missing).
        for party in ("Opposition", "JMC", "admin"):
            r = self.srv.get("/v1/reports/%d" % a["id"], party=party)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["reporting_party"], "Opposition")
            self.assertEqual(r.json["classification"], c)
            self.assertEqual(r.json["incident_id"], a["incident_id"])
            self.assertEqual(r.json["description"], "shelling of Sakhour")
        for party in ("SAA", "Kazakhstan"):
            self.assertProblem(self.srv.get("/v1/reports/%d" % a["id"], party=party), 404, "id")
        inc = self.incident(a["incident_id"])
        self.assertEqual(inc["classification"]["class"], "violation")
        self.assertEqual(inc["grade"], "single_source")
        self.assertEqual([x["id"] for x in inc["reports"]], [a["id"]])

    def test_not_covered_where_an_excluded_actor_holds_the_ground(self):
        a = self.post_report("SAA", report(at="2017-01-10T06:00:00Z", where=PALMYRA,
                                           types=("Explosions/Remote violence", "Air/drone strike"),
                                           perpetrator="Russia", target={"kind": "actor", "name": "ISIS"}))
        c = a["classification"]
        self.assertEqual(c["class"], "not_covered", c)
        self.assertIn("ISIS", c["reason"])
        self.assertIn("excluded", c["reason"])

    def test_undetermined_without_a_perpetrator(self):
        a = self.post_report("UN-OCHA", report(at="2016-03-20T12:00:00Z", perpetrator=None,
                                               source={"kind": "humanitarian", "ref": "OCHA flash update 7"}))
        self.assertEqual(a["classification"]["class"], "undetermined", a)
        self.assertTrue(a["classification"]["reason"])

    # -- grades --

    def test_grades_corroborated_contested_confirmed(self):
        at = "2016-04-05T09:00:00Z"
        first = self.post_report("Opposition", report(at=at, where=[37.19, 36.20]))
        iid = first["incident_id"]
        self.assertEqual(self.incident(iid)["grade"], "single_source")
        # A second, independent source: one incident, corroborated.
        second = self.post_report("UN-OCHA", report(at="2016-04-05T09:30:00Z", where=[37.191, 36.201],
                                                    source={"kind": "humanitarian", "ref": "OCHA 2016-04-05"}))
        self.assertEqual(second["incident_id"], iid)
        inc = self.incident(iid)
        self.assertEqual(inc["grade"], "corroborated", inc)
        self.assertEqual(sorted(x["id"] for x in inc["reports"]), sorted([first["id"], second["id"]]))
        for x in inc["reports"]:
            self.assertRegex(x["attached"]["why"], r"^related to report \d+: ")
        self.assertNotRegex(json.dumps(inc), r"[a-z]__[a-z]", "an internal name in the incident")
        # The alleged perpetrator denies: contested.
        r = self.srv.post("/v1/incidents/%d/responses" % iid, {"response": "deny", "text": "no firing that day"},
                          party="SAA")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["grade"], "contested")
        MonitoringTest.receipts.append(r.json["receipt"]["index"])
        # Another party's comment changes nothing.
        r = self.srv.post("/v1/incidents/%d/responses" % iid, {"response": "comment", "text": "we saw smoke"},
                          party="Russia")
        self.assertEqual((r.status, r.json["grade"]), (201, "contested"), r)
        # A monitor confirms: confirmed.
        r = self.srv.post("/v1/incidents/%d/verdict" % iid, {"verdict": "confirm", "reason": "crater analysis"},
                          party="JMC")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["grade"], "confirmed")
        MonitoringTest.receipts.append(r.json["receipt"]["index"])
        inc = self.incident(iid)
        self.assertEqual(inc["grade"], "confirmed")
        self.assertEqual([h["to"] for h in inc["history"]], ["single_source", "corroborated", "contested", "confirmed"])
        self.assertEqual([h["by"] for h in inc["history"]], ["Opposition", "UN-OCHA", "SAA", "JMC"])
        # Who may do what; bad bodies; unknown incidents: nothing stored.
        self.assertProblem(self.srv.post("/v1/incidents/%d/verdict" % iid, {"verdict": "confirm"}, party="SAA"), 403)
        self.assertProblem(self.srv.post("/v1/incidents/%d/responses" % iid, {"response": "deny"},
                                         party="Kazakhstan"), 403)
        self.assertUnchanged(lambda: self.assertProblem(
            self.srv.post("/v1/incidents/%d/verdict" % iid, {"verdict": "reject"}, party="JMC"), 400, "reason"))
        self.assertUnchanged(lambda: self.assertProblem(
            self.srv.post("/v1/incidents/%d/responses" % iid, {"response": "maybe"}, party="SAA"), 400, "response"))
        self.assertUnchanged(lambda: self.assertProblem(
            self.srv.post("/v1/incidents/%d/responses" % iid, {"response": "deny", "x": 1}, party="SAA"), 400, "x"))
        self.assertUnchanged(lambda: self.assertProblem(
            self.srv.post("/v1/incidents/999999/responses", {"response": "deny"}, party="SAA"), 404, "id"))
        # A report that joined an incident is not itself an incident id.
        self.assertProblem(self.srv.get("/v1/incidents/%d" % max(first["id"], second["id"]), party="SAA"), 404, "id")

    # -- bad input --

    def test_bad_reports_are_refused_and_nothing_is_stored(self):
        cases = [
            (report(types=("Shelling", None)), "event_type"),
            (report(types=(SHELLING[0], "Armed clash")), "sub_event_type"),
            (report(at="2999-01-01T00:00:00Z"), "occurred_at"),
            (report(where=[190.0, 36.2]), "location.coordinates"),
            (report(where=[37.0, -91.0]), "location.coordinates"),
            (report(fatalities={"min": 5, "max": 2}), "fatalities"),
            (report(perpetrator="Nobody"), "alleged_perpetrator"),
            (report(target={"kind": "party", "name": "Nobody"}), "target.name"),
            (report(target={"kind": "party", "name": "ISIS"}), "target.kind"),
            (report(colour="red"), "colour"),
            (report(time_precision=4), "time_precision"),
        ]
        for body, field in cases:
            with self.subTest(field=field):
                p = self.assertUnchanged(lambda: self.assertProblem(self.srv.post("/v1/reports", body, party="SAA"),
                                                                     400))
                self.assertTrue(p["field"].startswith(field), p)
        # Observers do not report.
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post("/v1/reports", report(), party="Kazakhstan"),
                                                        403))

    # -- lists and the bulletin --

    def test_incident_list_pages_and_dates(self):
        ids = [self.post_report("Opposition", report(at="2016-05-0%dT10:00:00Z" % d, where=[36.5 + d / 10, 35.5]))
               ["incident_id"] for d in (1, 2, 3)]
        seen, cursor = [], None
        while True:
            q = "/v1/incidents?limit=1" + ("&cursor=%s" % cursor if cursor else "")
            r = self.srv.get(q, party="Kazakhstan")
            self.assertEqual(r.status, 200, r)
            self.assertLessEqual(len(r.json["items"]), 1)
            seen += [x["id"] for x in r.json["items"]]
            cursor = r.json["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, sorted(seen))
        self.assertTrue(set(ids) <= set(seen))
        day = self.srv.get("/v1/incidents?date=2016-05-02", party="SAA").json["items"]
        self.assertEqual([x["id"] for x in day], [ids[1]])
        span = self.srv.get("/v1/incidents?from=2016-05-02T00:00:00Z&to=2016-05-04T00:00:00Z", party="SAA").json
        self.assertEqual([x["id"] for x in span["items"]], ids[1:])
        self.assertProblem(self.srv.get("/v1/incidents?date=2016-13-01", party="SAA"), 400, "date")
        self.assertProblem(self.srv.get("/v1/incidents?from=2016-05-04T00:00:00Z&to=2016-05-02T00:00:00Z",
                                        party="SAA"), 400, "to")

    def test_bulletin_lists_the_day_and_matches_the_cli(self):
        a = self.post_report("Opposition", report(at="2016-06-15T10:00:00Z", where=[37.15, 36.22],
                                                  fatalities={"min": 1, "max": 3}))
        b = self.post_report("SAA", report(at="2016-06-15T14:00:00Z", where=[36.72, 35.93], perpetrator="Opposition",
                                           types=("Battles", "Armed clash")))
        r = self.srv.get("/v1/bulletins/2016-06-15", party="Kazakhstan")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "application/json")
        j = r.json
        self.assertEqual(j["date"], "2016-06-15")
        self.assertEqual(j["incidents_by_class"]["violation"] + j["incidents_by_class"]["not_covered"] +
                         j["incidents_by_class"]["undetermined"], 2, j)
        self.assertIn("Aleppo", [row["key"] for row in j["by_region"]])
        # Received today: the bulletin of today (the local day at UTC+03:00) lists both as new.
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 3600))
        new = self.srv.get("/v1/bulletins/" + today, party="Kazakhstan").json["new_incidents"]
        for x in (a, b):
            line = [n for n in new if n["id"] == x["incident_id"]]
            self.assertEqual(len(line), 1, new)
            self.assertEqual(line[0]["classification"], x["classification"]["class"])
        media = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
                 "csv": "text/csv; charset=utf-8", "json": "application/json"}
        for fmt, mt in media.items():
            with self.subTest(format=fmt):
                r = self.srv.get("/v1/bulletins/2016-06-15?format=%s" % fmt, party="SAA")
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.headers["content-type"], mt)
                again = self.srv.get("/v1/bulletins/2016-06-15?format=%s" % fmt, party="JMC")
                self.assertEqual(r.body, again.body)
                cli = run_cli("bulletin", "--date", "2016-06-15", "--format", fmt, "--db", self.srv.db)
                self.assertEqual(cli.stdout, r.body, "truce bulletin differs from the API (%s)" % fmt)
        md = self.srv.get("/v1/bulletins/2016-06-15?format=md", party="SAA").body
        self.assertIn("Aleppo", md)
        self.assertProblem(self.srv.get("/v1/bulletins/2016-06-31", party="SAA"), 400, "date")
        self.assertProblem(self.srv.get("/v1/bulletins/2016-06-15?format=pdf", party="SAA"), 400, "format")
        self.assertProblem(self.srv.get("/v1/bulletins/2999-01-01", party="SAA"), 404, "date")
        p = run_cli("bulletin", "--date", "2016-06-15", "--format", "pdf", "--db", self.srv.db, check=False)
        self.assertNotEqual(p.returncode, 0)

    def test_concurrent_reports_of_one_event_make_one_incident(self):
        results, lock = [], threading.Lock()

        def send(i):
            party = ("Opposition", "UN-OCHA", "Russia", "US-Coalition")[i % 4]
            body = report(at="2016-07-0%dT10:00:00Z" % (1 + i % 3), where=[36.9 + (i % 3) / 10, 36.0],
                          source={"kind": "media", "ref": "wire %d" % i})
            r = self.srv.post("/v1/reports", body, party=party)
            with lock:
                results.append((i, r.status, r.json))

        threads = [threading.Thread(target=send, args=(i,)) for i in range(24)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([s for _, s, _ in results], [201] * 24, results)
        self.assertEqual(len({j["id"] for _, _, j in results}), 24)
        by_day = {}
        for i, _, j in results:
            by_day.setdefault(i % 3, set()).add(j["id"])
        for day, ids in by_day.items():
            incs = self.srv.get("/v1/incidents?date=2016-07-0%d" % (1 + day), party="JMC").json["items"]
            self.assertEqual(len(incs), 1, incs)
            self.assertEqual({x["id"] for x in incs[0]["reports"]}, ids)
            self.assertEqual(incs[0]["id"], min(ids))
            self.assertEqual(incs[0]["grade"], "corroborated")

    # -- the log, and a restart --

    def test_zz_receipts_verify_restart_and_audit(self):
        self.assertTrue(MonitoringTest.receipts)
        for index in MonitoringTest.receipts:
            deadline = time.time() + 20
            while True:
                r = self.srv.get("/v1/log/receipts/%d" % index, party="Kazakhstan")
                if r.status == 200 or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual(r.status, 200, r)
            self.assertGreater(r.json["tree_size"], index)
        before = self.srv.get("/v1/incidents?limit=1000", party="JMC").json
        bulletin = self.srv.get("/v1/bulletins/2016-04-05?format=csv", party="JMC").body
        self.srv.stop()
        v = self.srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertRegex(v.stdout, r"[1-9]\d* reports, [1-9]\d* responses, [1-9]\d* verdicts, \d+ regroups checked against the log")
        self.assertNotIn("report.create (", v.stdout)  # checked, not listed as an unchecked type
        # ... and against the checkpoint the server keeps beside its key, on either store
        self.assertIn("checkpoint kept by the server: ", v.stdout)
        # A copy whose report was reclassified after the fact no longer verifies.
        copy = self.srv.copy("tampered")
        rid = copy.sql("SELECT min(id) FROM report")[0][0]
        copy.tamper("UPDATE report SET class = 'not_covered' WHERE id = ?", (rid,))
        copy.tamper("UPDATE incident_verdict SET reason = 'edited'")
        v = copy.verify()
        self.assertNotEqual(v.returncode, 0, v.stdout)
        self.assertIn("report %d" % rid, v.stdout + v.stderr)
        self.assertIn("verdict 1", v.stdout + v.stderr)
        # The copy with the server's kept checkpoint beside its key, and that checkpoint's row gone.
        kept = copy.key_path() + ".checkpoint"
        shutil.copyfile(self.srv.key_path() + ".checkpoint", kept)
        with open(kept) as f:
            size = int(f.read().split("\n")[1])
        copy.tamper("DELETE FROM log_checkpoint WHERE size = ?", (size,))
        v = copy.verify()
        self.assertIn("the database holds no checkpoint of this size, though the server signed it", v.stdout)
        # The engine rebuilt from the store is the same engine.
        self.srv.start()
        self.assertEqual(self.srv.get("/v1/incidents?limit=1000", party="JMC").json, before)
        self.assertEqual(self.srv.get("/v1/bulletins/2016-04-05?format=csv", party="JMC").body, bulletin)


if __name__ == "__main__":
    main()
