"""CAP 1.2 alerts (issue 3): GET /v1/incidents/{id}/cap.

An incident has an alert once it is a corroborated or confirmed violation. Every alert is
validated with xmllint against the OASIS CAP 1.2 schema (../shared/data/schemas).
"""
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from harness import SHARED, ServerTest, main

XSD = os.path.join(SHARED, "data", "schemas", "CAP-v1.2.xsd")
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}


def report(at, where, perpetrator="SAA", ref=None, **more):
    body = {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack",
            "source": {"kind": "monitor", "ref": ref} if ref else {"kind": "party"}, "alleged_perpetrator": perpetrator}
    body.update(more)
    return body


class CapTest(ServerTest):
    scenario = True

    def post(self, party, body):
        r = self.srv.post("/v1/reports", body, party=party)
        self.assertEqual(r.status, 201, r)
        return r.json

    def cap(self, iid, party="Kazakhstan"):
        r = self.srv.get("/v1/incidents/%d/cap" % iid, party=party)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["content-type"], "application/cap+xml")
        with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as f:
            f.write(r.body)
        try:
            p = subprocess.run(["xmllint", "--noout", "--schema", XSD, f.name], capture_output=True, text=True,
                               timeout=60)
        finally:
            os.unlink(f.name)
        self.assertEqual(p.returncode, 0, p.stderr + r.body)
        return r.body, ET.fromstring(r.body)

    def test_alert_once_corroborated_then_confirmed(self):
        a = self.post("Opposition", report("2016-03-20T10:00:00Z", [37.15, 36.20], fatalities={"min": 1, "max": 3},
                                           description="<b>market & school</b>"))
        iid = a["incident_id"]
        self.assertEqual(a["classification"]["class"], "violation")
        self.assertProblem(self.srv.get("/v1/incidents/%d/cap" % iid, party="SAA"), 404, "id", "single_source")
        self.post("JMC", report("2016-03-20T10:30:00Z", [37.151, 36.201], ref="patrol & co <7>"))
        body, x = self.cap(iid)
        self.assertEqual(body, self.srv.get("/v1/incidents/%d/cap" % iid, party="SAA").body)  # same data, same bytes
        info = x.find("cap:info", NS)
        self.assertEqual(x.find("cap:status", NS).text, "Actual")
        self.assertEqual(info.find("cap:certainty", NS).text, "Likely")
        self.assertEqual(info.find("cap:severity", NS).text, "Severe")
        self.assertIn("by SAA in Aleppo", info.find("cap:headline", NS).text)
        self.assertEqual(info.find("cap:onset", NS).text, "2016-03-20T10:00:00+00:00")
        params = {p.find("cap:valueName", NS).text: p.find("cap:value", NS).text for p in info.findall("cap:parameter", NS)}
        self.assertEqual(params["incident_id"], str(iid))
        self.assertEqual(params["grade"], "corroborated")
        self.assertEqual(params["fatalities"], "1-3")
        circle = info.find("cap:area/cap:circle", NS).text
        self.assertTrue(circle.startswith("36.2,37.15 "), circle)
        first_id = x.find("cap:identifier", NS).text
        # A monitor confirms: a new alert (new identifier), certainty Observed.
        r = self.srv.post("/v1/incidents/%d/verdict" % iid, {"verdict": "confirm", "reason": "seen"}, party="JMC")
        self.assertEqual(r.status, 201, r)
        _, x = self.cap(iid)
        self.assertEqual(x.find("cap:info/cap:certainty", NS).text, "Observed")
        self.assertNotEqual(x.find("cap:identifier", NS).text, first_id)
        # Rejected: no alert any more.
        r = self.srv.post("/v1/incidents/%d/verdict" % iid, {"verdict": "reject", "reason": "staged"}, party="JMC")
        self.assertEqual(r.status, 201, r)
        self.assertProblem(self.srv.get("/v1/incidents/%d/cap" % iid, party="SAA"), 404, "id", "discounted")

    def alerts(self, party, iid):
        items = self.srv.get("/v1/notices?limit=1000", party=party).json["items"]
        return [n for n in items if n["kind"] == "alert" and n["about"] == {"type": "incident", "id": iid}]

    def test_alert_goes_into_the_notice_feeds_once(self):
        a = self.post("Opposition", report("2016-04-20T10:00:00Z", [37.12, 36.18]))
        iid = a["incident_id"]
        self.assertEqual(self.alerts("SAA", iid), [])
        self.post("JMC", report("2016-04-20T10:10:00Z", [37.121, 36.18], ref="JMC patrol 20/4"))
        _, x = self.cap(iid)
        ident = x.find("cap:identifier", NS).text
        # The alleged perpetrator (SAA) is notified, once, with the alert's identifier; the
        # reporters and the others are not.
        for party in ("Opposition", "JMC", "Russia"):
            self.assertEqual(self.alerts(party, iid), [])
        for party in ("SAA",):
            got = self.alerts(party, iid)
            self.assertEqual(len(got), 1, (party, got))
            self.assertEqual(got[0]["payload"]["identifier"], ident)
            self.assertEqual(got[0]["payload"]["cap"], "/v1/incidents/%d/cap" % iid)
            self.assertEqual(got[0]["payload"]["grade"], "corroborated")
        # A third report changes nothing (same grade, same alert); a restart's sweep neither.
        self.post("UN-OCHA", report("2016-04-20T10:20:00Z", [37.122, 36.18], ref="OCHA 20/4"))
        self.srv.restart()
        self.assertEqual(len(self.alerts("SAA", iid)), 1)
        # SAA acknowledges it like any notice.
        nid = self.alerts("SAA", iid)[0]["id"]
        r = self.srv.post("/v1/notices/%d/ack" % nid, {}, party="SAA")
        self.assertEqual(r.status, 200, r)
        # Confirmed: a second alert.
        r = self.srv.post("/v1/incidents/%d/verdict" % iid, {"verdict": "confirm", "reason": "seen"}, party="JMC")
        self.assertEqual(r.status, 201, r)
        got = self.alerts("SAA", iid)
        self.assertEqual([n["payload"]["grade"] for n in got], ["corroborated", "confirmed"])

    def test_a_lost_alert_is_sent_at_the_next_start(self):
        a = self.post("Opposition", report("2016-04-22T10:00:00Z", [37.30, 36.40]))
        self.post("JMC", report("2016-04-22T10:10:00Z", [37.301, 36.40], ref="JMC patrol 22/4"))
        iid = a["incident_id"]
        self.srv.stop()
        # As if the server had died between the write and its alerts.
        self.srv.sql("DELETE FROM notice WHERE kind = 'alert' AND about_id = ?", (iid,))
        self.srv.sql("DELETE FROM incident_alert WHERE incident_id = ?", (iid,))
        self.srv.start()
        self.assertEqual(len(self.alerts("SAA", iid)), 1)

    def test_no_alert_for_what_is_not_a_violation(self):
        # Palmyra in January 2017 is held by ISIS, excluded from the ceasefire: not covered.
        a = self.post("SAA", report("2017-01-10T06:00:00Z", [38.27, 34.56], perpetrator="Russia", ref="one"))
        self.post("JMC", report("2017-01-10T06:20:00Z", [38.271, 34.561], perpetrator="Russia", ref="two"))
        inc = self.srv.get("/v1/incidents/%d" % a["incident_id"], party="SAA").json
        self.assertEqual(inc["grade"], "corroborated")
        self.assertNotEqual(inc["classification"]["class"], "violation")
        self.assertProblem(self.srv.get("/v1/incidents/%d/cap" % a["incident_id"], party="SAA"), 404, "id")

    def test_bad_requests(self):
        self.assertProblem(self.srv.get("/v1/incidents/999999/cap", party="SAA"), 404, "id")
        self.assertProblem(self.srv.get("/v1/incidents/abc/cap", party="SAA"), 400, "id")
        self.assertProblem(self.srv.get("/v1/incidents/1/cap"), 401)


if __name__ == "__main__":
    main()
