"""What a party knew (issue 15): every notice delivered is a log entry (notice.create); a
party's record (GET /v1/parties/{name}/record) bundles what it was told, when, and what it
acknowledged (signed), with inclusion proofs to one witnessed checkpoint, and `truce verify
bundle` checks it offline. The scenario is the Urum al-Kubra convoy of 19 September 2016
(/work/shared/seeds: the UN convoy attacked outside Aleppo), notified to SAA and to Russia
the day before and acknowledged by SAA only. Also: signed acknowledgements, responses and
state changes must name their target, and `truce verify --db` checks that they do."""
import base64
import json
import os
import time

from harness import ServerTest, feature, keygen, main, polygon, run_cli, sign
from test_witness import served_size, started, wait_for, witnessed

ROUTE = {"type": "LineString", "coordinates": [[36.67, 36.23], [36.90, 36.20], [37.10, 36.20]]}


def now_rfc3339(offset=0):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset))


class RecordTest(ServerTest):
    scenario = True

    @classmethod
    def setUpClass(cls):
        cls.srv, cls.vkey, cls.ws = witnessed(["w1.test/record", "w2.test/record"], scenario=True)
        cls.srv.extra_args += ["--quorum", "2"]
        started(cls.srv, *cls.ws)
        cls.key, pub = keygen(cls.srv.dir, "saa.key")
        assert cls.srv.put("/v1/me/key", {"public_key": pub}, party="SAA").status == 200

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        for w in cls.ws:
            w.stop()

    def signed_post(self, path, body, party="SAA"):
        raw = json.dumps(body).encode()
        return self.srv.request("POST", path, raw=raw, party=party,
                                headers={"Truce-Signature": sign(self.srv.dir, self.key, raw)})

    def notices(self, party):
        return self.srv.get("/v1/notices?after=0&limit=1000", party=party).json["items"]

    def record(self, name, party, t0, t1, bbox=None):
        q = "from=%s&to=%s" % (t0, t1) + ("&bbox=%s" % bbox if bbox else "")
        return self.srv.get("/v1/parties/%s/record?%s" % (name, q), party=party)

    def save(self, r, name):
        path = os.path.join(self.srv.dir, name)
        with open(path, "w") as f:
            f.write(r.body)
        return path

    def verify_bundle(self, path, *extra):
        args = ["verify", "bundle", path, "--key", self.vkey]
        for w in self.ws:
            args += ["--witness", w.vkey]
        return run_cli(*args, *extra, check=False)

    def test_urum_al_kubra_convoy(self):
        t0 = now_rfc3339(-1)
        # 18 September 2016: UN-OCHA notifies the convoy of the 19th to SAA and to Russia.
        convoy = {"type": "Feature", "geometry": ROUTE, "properties": {
            "kind": "convoy", "name": "Urum al-Kubra convoy", "width_m": 200, "time_start": "2016-09-19T08:00:00Z",
            "time_end": "2016-09-19T18:00:00Z", "visibility": ["SAA", "Russia"],
            "schedule": [{"position": [36.90, 36.20], "at": "2016-09-19T13:00:00Z"}]}}
        r = self.srv.post("/v1/movements", convoy, party="UN-OCHA")
        self.assertEqual(r.status, 201, r)
        mid = r.json["properties"]["id"]
        # Something only Russia is told: a Coalition position shared with Russia alone.
        site = feature({"type": "Point", "coordinates": [37.05, 36.25]}, kind="forces_position",
                       name="Coalition liaison cell", radius_m=300, visibility=["Russia"])
        del site["properties"]["valid_from"]
        r = self.srv.post("/v1/sites", site, party="US-Coalition")
        self.assertEqual(r.status, 201, r)
        saa = [n for n in self.notices("SAA") if n["about"] == {"type": "movement", "id": mid}]
        rus = [n for n in self.notices("Russia") if n["about"]["type"] in ("movement", "site")]
        self.assertEqual(len(saa), 1, saa)
        nid = saa[0]["id"]
        # SAA acknowledges with a signed request; a signed body must name the notice.
        self.assertProblem(self.assertUnchanged(lambda: self.signed_post("/v1/notices/%d/ack" % nid, {})), 400,
                           "notice", "names what it is about")
        self.assertProblem(self.assertUnchanged(lambda: self.signed_post("/v1/notices/%d/ack" % nid,
                                                                          {"notice": nid + 1000})), 400, "notice")
        ack = self.signed_post("/v1/notices/%d/ack" % nid, {"notice": nid})
        self.assertEqual(ack.status, 200, ack)
        # Russia does not acknowledge. The record covers both once witnessed.
        wait_for(lambda: served_size(self.srv) > ack.json["receipt"]["index"], "a witnessed checkpoint")
        t1 = now_rfc3339(2)

        rs = self.record("SAA", "SAA", t0, t1)
        self.assertEqual(rs.status, 200, rs)
        b = rs.json
        self.assertTrue(b["witnessed"])
        self.assertEqual([n["notice"] for n in b["notices"]], [nid])
        item = b["notices"][0]
        told = json.loads(item["object"])
        self.assertEqual((told["party"], told["kind"], told["about"]), ("SAA", "movement", "movement/%d" % mid))
        self.assertEqual(told["payload"]["properties"]["name"], "Urum al-Kubra convoy")
        self.assertEqual(json.loads(item["entry"]["entry"])["party"], "centre")  # the log does not say to whom
        self.assertEqual(item["acknowledged"]["at"], ack.json["acked_at"])
        self.assertEqual(base64.b64decode(item["acknowledged"]["submission"]), json.dumps({"notice": nid}).encode())
        self.assertIsNotNone(item["acknowledged"]["key"])
        for n in rus:
            self.assertNotIn('"notice": %d,' % n["id"], rs.body.replace('"notice":%d,' % n["id"], ""))
        self.assertNotIn("Coalition liaison cell", rs.body)

        rr = self.record("Russia", "Russia", t0, t1)
        self.assertEqual(rr.status, 200, rr)
        got = {n["notice"]: n for n in rr.json["notices"]}
        self.assertEqual(sorted(got), sorted(n["id"] for n in rus))
        self.assertNotIn(nid, got)
        mov = [n for n in got.values() if json.loads(n["object"])["about"] == "movement/%d" % mid][0]
        self.assertIsNone(mov["acknowledged"])
        self.assertIn("Coalition liaison cell", rr.body)

        # Offline: each bundle proves what its party was told and when.
        ok = self.verify_bundle(self.save(rs, "saa.json"))
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("notice %d (movement about movement/%d): delivered to SAA at" % (nid, mid), ok.stdout)
        self.assertIn("acknowledged in a request signed by SAA", ok.stdout)
        self.assertIn("the quorum holds: 2 of 2", ok.stdout)
        ok = self.verify_bundle(self.save(rr, "russia.json"))
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("not acknowledged", ok.stdout)
        self.assertIn("OK: the record of Russia: %d notices (0 acknowledged)" % len(rus), ok.stdout)
        self.assertEqual(len(rus), 2)

        # A bundle that lies fails: another schedule, a dropped key, another party.
        lie = json.loads(rs.body)
        o = json.loads(lie["notices"][0]["object"])
        o["payload"]["properties"]["time_start"] = "2016-09-20T08:00:00Z"
        lie["notices"][0]["object"] = json.dumps(o, sort_keys=True, separators=(",", ":"))
        bad = self.verify_bundle(self.save(type("R", (), {"body": json.dumps(lie)}), "lie1.json"))
        self.assertEqual(bad.returncode, 1, bad.stdout)
        self.assertIn("the object is not what entry", bad.stdout)
        lie = json.loads(rs.body)
        lie["notices"][0]["acknowledged"]["key"] = None
        bad = self.verify_bundle(self.save(type("R", (), {"body": json.dumps(lie)}), "lie2.json"))
        self.assertEqual(bad.returncode, 1, bad.stdout)
        lie = json.loads(rs.body)
        lie["party"] = "Russia"
        bad = self.verify_bundle(self.save(type("R", (), {"body": json.dumps(lie)}), "lie3.json"))
        self.assertEqual(bad.returncode, 1, bad.stdout)
        self.assertIn("is not a notice to Russia", bad.stdout)

        # bbox: the route's box keeps the convoy's notice; a box over Deir ez-Zor does not.
        self.assertEqual([n["notice"] for n in self.record("SAA", "SAA", t0, t1, "36.8,36.1,37.0,36.3").json["notices"]],
                         [nid])
        self.assertEqual(self.record("SAA", "SAA", t0, t1, "40.0,35.0,40.5,35.5").json["notices"], [])

    def test_who_may_read_a_record(self):
        t0, t1 = "2000-01-01T00:00:00Z", now_rfc3339(60)
        for viewer in ("SAA", "JMC", "admin"):
            self.assertEqual(self.record("SAA", viewer, t0, t1).status, 200, viewer)
        hidden = self.record("SAA", "Russia", t0, t1)
        self.assertProblem(hidden, 404, "name")
        missing = self.record("Nobody", "Russia", t0, t1)
        self.assertProblem(missing, 404, "name")
        self.assertEqual(hidden.json["detail"].replace("SAA", "X"), missing.json["detail"].replace("Nobody", "X"))
        self.assertEqual(self.srv.get("/v1/parties/SAA/record?from=%s&to=%s" % (t0, t1)).status, 401)

    def test_bad_input_changes_nothing(self):
        t0, t1 = "2016-01-01T00:00:00Z", now_rfc3339(60)
        for query, field in [("to=%s" % t1, "from"), ("from=%s" % t0, "to"), ("from=yesterday&to=%s" % t1, "from"),
                             ("from=%s&to=%s" % (t1, t0), "to"), ("from=%s&to=%s&bbox=1,2,3" % (t0, t1), "bbox"),
                             ("from=%s&to=%s&limit=3" % (t0, t1), "limit")]:
            r = self.assertUnchanged(lambda: self.srv.get("/v1/parties/SAA/record?" + query, party="SAA"))
            self.assertProblem(r, 400, field)

    def test_signed_state_changes_name_their_target(self):
        key = self.key
        op = {"kind": "air", "reject_on_conflict": False, "volumes": [{
            "volume": {"outline_circle": {"center": {"lat": 35.3, "lng": 40.1}, "radius": {"value": 500, "units": "M"}},
                       "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                       "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
            "time_start": {"value": "2016-10-01T10:00:00Z", "format": "RFC3339"},
            "time_end": {"value": "2016-10-01T11:00:00Z", "format": "RFC3339"}}]}
        r = self.srv.post("/v1/operations", op, party="SAA")
        self.assertEqual(r.status, 201, r)
        oid = r.json["id"]
        path = "/v1/operations/%d/state" % oid
        self.assertProblem(self.assertUnchanged(lambda: self.signed_post(path, {"state": "active"})), 400, "operation")
        self.assertProblem(self.assertUnchanged(lambda: self.signed_post(path, {"state": "active",
                                                                                  "operation": oid + 1})), 400,
                           "operation")
        r = self.signed_post(path, {"state": "active", "operation": oid})
        self.assertEqual(r.status, 200, r)
        # Unsigned, the name is optional (and checked when given).
        self.assertProblem(self.srv.post(path, {"state": "ended", "operation": 0}, party="SAA"), 400, "operation")
        r = self.srv.post("/v1/reports", {
            "occurred_at": "2016-10-01T10:30:00Z", "time_precision": 1, "geo_precision": 1,
            "location": {"type": "Point", "coordinates": [40.1, 35.3]}, "event_type": "Battles",
            "alleged_perpetrator": "Opposition", "source": {"kind": "party", "ref": "x"}}, party="SAA")
        self.assertEqual(r.status, 201, r)
        inc = r.json["incident_id"]
        self.assertProblem(self.signed_post("/v1/incidents/%d/responses" % inc, {"response": "accept"}), 400, "incident")
        r = self.signed_post("/v1/incidents/%d/responses" % inc, {"response": "accept", "incident": inc})
        self.assertEqual(r.status, 201, r)
        self.assertIsNotNone(key)


class ReplayTest(ServerTest):
    """An operator who moves a party's signed acknowledgement onto another notice (rewriting
    the log consistently, with the log's own key) is caught by `truce verify --db`."""
    extra_args = ("--checkpoint-ms", "50")

    def test_moved_signature_is_caught(self):
        s = self.srv
        for name, role in [("admin", "admin"), ("SAA", "belligerent"), ("UNOCHA", "humanitarian")]:
            s.add_party(name, role)
        key, pub = keygen(s.dir, "saa.key")
        self.assertEqual(s.put("/v1/me/key", {"public_key": pub}, party="SAA").status, 200)
        for k in range(2):
            site = feature(polygon(36.0 + k, 35.0, 0.01), kind="hospital", name="H%d" % k, visibility=["SAA"])
            del site["properties"]["valid_from"]
            self.assertEqual(s.post("/v1/sites", site, party="UNOCHA").status, 201)
        ids = [n["id"] for n in s.get("/v1/notices?after=0", party="SAA").json["items"]]
        self.assertEqual(len(ids), 2)
        raw = json.dumps({"notice": ids[0]}).encode()
        r = s.request("POST", "/v1/notices/%d/ack" % ids[0], raw=raw, party="SAA",
                      headers={"Truce-Signature": sign(s.dir, key, raw)})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(s.post("/v1/notices/%d/ack" % ids[1], {}, party="SAA").status, 200)
        s.stop()
        try:
            ok = s.verify()
            self.assertEqual(ok.returncode, 0, ok.stdout)
            self.assertIn("record: 2 notices, ", ok.stdout)
            first = s.sql("SELECT entry, submission FROM log_entry WHERE type = 'notice.ack' ORDER BY idx")
            moved = json.loads(s.blob(first[1][0]))
            signed = json.loads(s.blob(first[0][0]))
            moved["body_sha256"], moved["signature"] = signed["body_sha256"], signed["signature"]
            s.tamper("UPDATE log_entry SET entry = ?, submission = ? WHERE type = 'notice.ack' AND ref = ?",
                     (json.dumps(moved, sort_keys=True, separators=(",", ":")).encode(), s.blob(first[0][1]),
                      "notice/%d" % ids[1]))
            s.tamper("UPDATE notice SET log_index = NULL WHERE id = ?", (ids[0],))
            bad = s.verify()
            self.assertEqual(bad.returncode, 1, bad.stdout)
            self.assertIn("names notice %d, but the entry is about notice %d" % (ids[0], ids[1]), bad.stdout)
            self.assertIn("notice %d: log_entry" % ids[0], bad.stdout)
            self.assertIn("records its delivery but the row's log_index is empty", bad.stdout)
        finally:
            s.start()


if __name__ == "__main__":
    main()
