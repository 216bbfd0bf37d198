"""Live tracks and tactical alerts (issue 16, docs/traffic.md) against a real `truce serve`.

Positions in (one, a JSON array, NDJSON; both velocity forms), the picture now and at a past
time, histories as GeoJSON and KML, alerts to both parties as `traffic` notices (on the
feed and on the SSE stream within a second of the position), restricted tracks never
disclosed (not in the picture, 404 history, "restricted traffic" with bands in alerts),
operation, site and no-strike area alerts, bad input that changes nothing, stale tracks
ending with a notice, alerts surviving a restart, `truce replay` giving exactly the alerts
that were raised, and `truce verify` covering the new tables (and catching a changed
position). Each test flies its aircraft on its own stretch of sky (a degree of latitude
apart), so tests do not alert each other.
"""
import datetime
import json
import math
import shutil
import time

from harness import ServerTest, Server, main, run_cli

KY = 110950.0  # metres per degree of latitude (test geometry only: a few per mille)


def kx(lat):
    """Metres per degree of longitude at lat (test geometry only)."""
    return 111320 * math.cos(math.radians(lat))


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class Sky:
    """Positions x metres east and y north of (lon0, lat0) at now + dt seconds."""

    def __init__(self, lat0, lon0=38.0, t0=None):
        self.lat0, self.lon0, self.t0 = lat0, lon0, t0 if t0 is not None else time.time()

    def pos(self, track, dt, x, y, alt, vx, vy, vz=0.0, **extra):
        p = {"track": track, "at": iso(self.t0 + dt), "lon": self.lon0 + x / kx(self.lat0), "lat": self.lat0 + y / KY,
             "alt_m": alt, "vx_mps": vx, "vy_mps": vy, "vz_mps": vz}
        p.update(extra)
        return p


def ndjson(items):
    return ("\n".join(json.dumps(i) for i in items) + "\n").encode()


class TracksTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("A", "belligerent"), ("B", "belligerent"), ("C", "guarantor"), ("H", "humanitarian"),
                           ("O", "observer"), ("Adm", "admin")]:
            cls.srv.add_party(name, role)

    def post(self, party, items, ndjson_body=False):
        if ndjson_body:
            return self.srv.request("POST", "/v1/tracks", party=party, raw=ndjson(items),
                                    content_type="application/x-ndjson")
        return self.srv.post("/v1/tracks", items, party=party)

    def notices(self, party, about_type="traffic_alert"):
        r = self.srv.get("/v1/notices?limit=1000", party=party)
        self.assertEqual(r.status, 200, r)
        return [n for n in r.json["items"] if n["kind"] == "traffic" and n["about"]["type"] == about_type]

    def alerts_of(self, party, track_name):
        return [n["payload"] for n in self.notices(party) if n["payload"]["yours"].get("track") == track_name]

    # -- positions in --
    def test_forms_of_a_batch(self):
        s = Sky(20.0)
        one = self.post("A", s.pos("F1", 0, 0, 0, 3000, 100, 0))
        self.assertEqual(one.status, 201, one)
        self.assertEqual(one.json["accepted"], 1)
        self.assertIn("receipt", one.json)
        arr = self.post("A", [s.pos("F1", 1, 100, 0, 3000, 100, 0), s.pos("F2", 1, 0, 5000, 4000, 0, 50)])
        self.assertEqual(arr.status, 201, arr)
        self.assertEqual(arr.json["accepted"], 2)
        self.assertEqual(sorted(t["track"] for t in arr.json["tracks"]), ["F1", "F2"])
        polar = {"track": "F3", "at": iso(s.t0 + 2), "lon": 38.5, "lat": 20.0, "alt_m": 2000,
                 "ground_speed_mps": 100, "track_deg": 90, "vertical_rate_mps": -5, "callsign": "ABC12"}
        nd = self.post("A", [s.pos("F1", 2, 200, 0, 3000, 100, 0), polar], ndjson_body=True)
        self.assertEqual(nd.status, 201, nd)
        pic = self.srv.get("/v1/tracks?bbox=37.5,19.5,39,20.5", party="A").json
        byname = {f["properties"]["track"]: f for f in pic["features"]}
        self.assertEqual(set(byname), {"F1", "F2", "F3"})
        f3 = byname["F3"]["properties"]
        self.assertAlmostEqual(f3["vx_mps"], 100, places=6)
        self.assertAlmostEqual(f3["vy_mps"], 0, places=6)
        self.assertEqual(f3["vz_mps"], -5)
        self.assertEqual(f3["callsign"], "ABC12")
        self.assertEqual(byname["F1"]["properties"]["at"], iso(s.t0 + 2))
        self.assertEqual(byname["F1"]["geometry"]["type"], "Point")
        # bbox elsewhere: none of them
        self.assertEqual(self.srv.get("/v1/tracks?bbox=0,0,1,1", party="A").json["features"], [])

    def test_head_on_alerts_both_parties(self):
        s = Sky(21.0)
        self.assertEqual(self.post("A", s.pos("H1", 0, 0, 0, 3000, 200, 0, callsign="AAA1")).json["alerts"], 0)
        r = self.post("B", s.pos("H2", 0, 30000, 0, 3000, -200, 0))
        self.assertEqual(r.json["alerts"], 1, r)
        a = self.alerts_of("A", "H1")
        b = self.alerts_of("B", "H2")
        self.assertEqual(len(a), 1, a)
        self.assertEqual(len(b), 1, b)
        for x in (a[0], b[0]):
            self.assertEqual(x["kind"], "traffic")
            self.assertEqual(x["change"], "raised")
            self.assertEqual(x["level"], 2)  # (30 km - 9.26 km) / 400 m/s = 52 s
            self.assertEqual(x["level_name"], "caution")
            self.assertAlmostEqual(x["time_to_los_s"], 51.85, delta=1.0)
            self.assertAlmostEqual(x["time_to_cpa_s"], 75, delta=1.0)
            self.assertLess(x["horizontal_separation_m"], 200)
            self.assertEqual(x["vertical_separation_m"], 0)
            self.assertFalse(x["other"]["restricted"])
        self.assertEqual(a[0]["other"]["track"], "H2")
        self.assertEqual(a[0]["other"]["owner"], "B")
        self.assertIn("position", a[0]["other"])
        self.assertEqual(b[0]["other"]["callsign"], "AAA1")
        # The admin sees the active alert; an observer sees none of it.
        act = self.srv.get("/v1/traffic/alerts", party="Adm").json["items"]
        self.assertIn(r.json["tracks"][0]["id"], [i["yours"]["id"] for i in act] + [i["other"].get("id") for i in act])
        mine = [i for i in self.srv.get("/v1/traffic/alerts", party="O").json["items"]]
        self.assertEqual(mine, [])
        # Own tracks carry their alert level in the picture; others' do not.
        pic = self.srv.get("/v1/tracks?bbox=37.5,20.5,39,21.5", party="A").json["features"]
        lv = {f["properties"]["track"]: f["properties"].get("alert_level") for f in pic}
        self.assertEqual(lv["H1"], 2)
        self.assertIsNone(lv["H2"])
        # Closer: escalates to level 3 (both notified).
        r = self.post("A", s.pos("H1", 22, 4400, 0, 3000, 200, 0))
        self.assertEqual(r.json["alerts"], 1)
        self.assertEqual([x["change"] for x in self.alerts_of("B", "H2")], ["raised", "escalated"])

    def test_restricted_track_not_disclosed(self):
        s = Sky(22.0)
        self.post("A", s.pos("R1", 0, 0, 0, 3000, 200, 0))
        secret = s.pos("SECRET-7", 0, 20000, 500, 3100, -200, 0, callsign="GHOST9", visibility=["C"])
        r = self.post("B", secret)
        self.assertEqual(r.status, 201, r)
        bid = r.json["tracks"][0]["id"]
        a = self.alerts_of("A", "R1")
        self.assertEqual(len(a), 1)
        other = a[0]["other"]
        self.assertEqual(other, {"type": "track", "restricted": True, "label": "restricted traffic", "contact": "B",
                                 "distance_band": "10-20 NM"})
        self.assertNotIn("horizontal_separation_m", a[0])
        self.assertNotIn("distance_m", a[0])
        self.assertIn(a[0]["horizontal_separation_band"], ("under 1 NM", "1-3 NM"))
        self.assertEqual(a[0]["vertical_separation_band"], "under 500 ft")
        self.assertEqual(a[0]["time_to_los_s"] % 10, 0)
        text = json.dumps(self.notices("A"))
        for leak in ("SECRET-7", "GHOST9", "%.4f" % secret["lon"], "%.4f" % secret["lat"], '"id": %d' % bid):
            self.assertNotIn(leak, text)
        # Not in A's picture, its history answers 404 exactly as a missing track's.
        pic = self.srv.get("/v1/tracks?bbox=37.5,21.5,39,22.5", party="A").json["features"]
        self.assertEqual([f["properties"]["track"] for f in pic], ["R1"])
        hidden = self.srv.get("/v1/tracks/%d/history" % bid, party="A")
        missing = self.srv.get("/v1/tracks/999999/history", party="A")
        self.assertProblem(hidden, 404, "id")
        self.assertProblem(missing, 404, "id")
        self.assertEqual(hidden.json["detail"].replace(str(bid), "N"), missing.json["detail"].replace("999999", "N"))
        # C is on the list: sees it; so does the admin.
        for party in ("C", "Adm"):
            pic = self.srv.get("/v1/tracks?bbox=37.5,21.5,39,22.5", party=party).json["features"]
            self.assertIn("SECRET-7", [f["properties"]["track"] for f in pic])
            self.assertEqual(self.srv.get("/v1/tracks/%d/history" % bid, party=party).status, 200)
        # B, the owner, sees A's public track in full.
        self.assertEqual(self.alerts_of("B", "SECRET-7")[0]["other"]["track"], "R1")

    def test_no_alert_cases(self):
        s = Sky(23.0)
        pairs = [  # diverging; parallel 6 km apart with 1,000 ft between; 6 NM apart at one level
            (s.pos("D1", 0, 0, 0, 3000, -200, 0), s.pos("D2", 0, 12000, 0, 3000, 200, 0)),
            (s.pos("P1", 0, 0, 30000, 3000, 220, 0), s.pos("P2", 0, 0, 36000, 3000 + 304.8, 220, 0)),
            (s.pos("Q1", 0, 0, 60000, 3000, 220, 0), s.pos("Q2", 0, 0, 60000 + 6 * 1852, 3000, 220, 0)),
        ]
        for a, b in pairs:
            self.assertEqual(self.post("A", a).json["alerts"], 0)
            self.assertEqual(self.post("B", b).json["alerts"], 0, b)

    def test_hysteresis_no_flapping(self):
        s = Sky(24.0)
        self.post("A", s.pos("Y1", 0, 0, 0, 3000, 200, 0))
        self.assertEqual(self.post("B", s.pos("Y2", 0, 30000, 9000, 3000, -200, 0)).json["alerts"], 1)
        for i in range(1, 7):  # the predicted CPA wavers around the minimum: 9,400 m, 9,000 m, ...
            y = 9400 if i % 2 else 9000
            self.assertEqual(self.post("B", s.pos("Y2", i * 0.5, 30000 - 100 * i, y, 3000, -200, 0)).json["alerts"], 0)
        r = self.post("B", s.pos("Y2", 4, 29200, 10500, 3000, -200, 0))
        self.assertEqual(r.json["alerts"], 1)
        self.assertEqual([x["change"] for x in self.alerts_of("A", "Y1")], ["raised", "cleared"])
        self.assertEqual(self.alerts_of("A", "Y1")[1]["reason"], "separated")

    # -- objects --
    def test_operation_volume_alert(self):
        s = Sky(25.0)
        vol = {"volume": {"outline_circle": {"center": {"lat": 25.0, "lng": 38.0 + 20000 / kx(25.0)},
                                             "radius": {"value": 5000, "units": "M"}},
                          "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                          "altitude_upper": {"value": 6000, "reference": "W84", "units": "M"}},
               "time_start": {"value": iso(s.t0 - 600)[:19] + "Z", "format": "RFC3339"},
               "time_end": {"value": iso(s.t0 + 7200)[:19] + "Z", "format": "RFC3339"}}
        op = self.srv.post("/v1/operations", {"kind": "air", "reject_on_conflict": False, "volumes": [vol]}, party="C")
        self.assertEqual(op.status, 201, op)
        # Planned, not active: no alert.
        self.assertEqual(self.post("A", s.pos("V1", 0, 0, 0, 3000, 300, 0)).json["alerts"], 0)
        st = self.srv.post("/v1/operations/%d/state" % op.json["id"], {"state": "active"}, party="C")
        self.assertEqual(st.status, 200, st)
        r = self.post("A", s.pos("V1", 1, 300, 0, 3000, 300, 0))
        self.assertEqual(r.json["alerts"], 1)
        mine = self.alerts_of("A", "V1")[0]
        self.assertEqual(mine["kind"], "operation")
        self.assertEqual(mine["other"]["type"], "operation")
        self.assertEqual(mine["other"]["id"], op.json["id"])
        self.assertEqual(mine["level"], 2)  # 14.7 km at 300 m/s: 49 s
        cs = [n["payload"] for n in self.notices("C") if n["payload"]["kind"] == "operation"]
        self.assertEqual(cs[-1]["yours"]["id"], op.json["id"])
        self.assertEqual(cs[-1]["other"]["track"], "V1")
        # The owner's own tracks do not alert against it.
        self.assertEqual(self.post("C", s.pos("V2", 1, 0, 3000, 4000, 300, 0)).json["alerts"], 0)
        # Ended: the alert clears at the track's next position.
        self.srv.post("/v1/operations/%d/state" % op.json["id"], {"state": "ended"}, party="C")
        r = self.post("A", s.pos("V1", 2, 600, 0, 3000, 300, 0))
        self.assertEqual(r.json["alerts"], 1)
        self.assertEqual(self.alerts_of("A", "V1")[-1]["change"], "cleared")
        self.assertEqual(self.alerts_of("A", "V1")[-1]["reason"], "gone")

    def test_site_and_no_strike_area_alert_the_owner_only(self):
        s = Sky(26.0)
        site = self.srv.post("/v1/sites", {"type": "Feature", "geometry": {"type": "Point",
                                                                           "coordinates": [38.0 + 5000 / kx(26.0), 26.0]},
                                           "properties": {"kind": "hospital", "name": "Field hospital",
                                                          "radius_m": 300, "visibility": ["H"]}}, party="H")
        self.assertEqual(site.status, 201, site)
        area = self.srv.post("/v1/areas", {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[
            [38.3, 25.9], [38.4, 25.9], [38.4, 26.1], [38.3, 26.1], [38.3, 25.9]]]},
            "properties": {"kind": "no_strike", "name": "School district", "valid_from": "2016-01-01T00:00:00Z",
                           "party": "H"}}, party="H")
        self.assertEqual(area.status, 201, area)
        r = self.post("A", s.pos("L1", 0, 0, 0, 800, 100, 0))  # low: over the site in 47 s
        # The alert goes to H alone: A's answer does not count it either (a count would
        # locate a restricted site by flying tracks at it).
        self.assertEqual(r.json["alerts"], 0)
        h = [n["payload"] for n in self.notices("H") if n["payload"]["kind"] == "site"]
        self.assertEqual(len(h), 1)
        self.assertEqual(h[0]["yours"]["id"], site.json["properties"]["id"])
        self.assertEqual(h[0]["other"]["track"], "L1")
        self.assertEqual(self.alerts_of("A", "L1"), [])  # A is not told where H's site is
        self.assertEqual(self.post("A", s.pos("L2", 0, 0, 2000, 2500, 100, 0)).json["alerts"], 0)  # high: none
        r = self.post("A", s.pos("L3", 0, 0.3 * kx(26.0) - 8000, -3000, 500, 200, 0))  # into the area in ~40 s
        self.assertEqual(r.json["alerts"], 0)
        ha = [n["payload"] for n in self.notices("H") if n["payload"]["kind"] == "area"]
        self.assertEqual(ha[0]["yours"]["id"], area.json["properties"]["id"])

    # -- reads --
    def test_history_and_picture_at_a_past_time(self):
        s = Sky(27.0, t0=time.time() - 40)
        items = [s.pos("W1", i, 150 * i, 0, 2000 + i, 150, 0) for i in range(0, 10)]
        self.assertEqual(self.post("A", items).status, 201)
        tid = self.post("A", s.pos("W1", 10, 1500, 0, 2010, 150, 0)).json["tracks"][0]["id"]
        h = self.srv.get("/v1/tracks/%d/history" % tid, party="B")
        self.assertEqual(h.status, 200, h)
        self.assertTrue(h.headers["content-type"].startswith("application/geo+json"))
        f = h.json
        self.assertEqual(f["geometry"]["type"], "LineString")
        self.assertEqual(len(f["geometry"]["coordinates"]), 11)
        self.assertEqual(f["properties"]["times"][0], iso(s.t0))
        self.assertEqual(f["geometry"]["coordinates"][3][2], 2003)
        w = self.srv.get("/v1/tracks/%d/history?from=%s&to=%s" % (tid, iso(s.t0 + 2), iso(s.t0 + 5)), party="B").json
        self.assertEqual(w["properties"]["times"], [iso(s.t0 + i) for i in (2, 3, 4)])
        one = self.srv.get("/v1/tracks/%d/history?from=%s&to=%s" % (tid, iso(s.t0 + 2), iso(s.t0 + 3)), party="B").json
        self.assertEqual(one["geometry"]["type"], "Point")
        none = self.srv.get("/v1/tracks/%d/history?from=%s&to=%s" % (tid, iso(s.t0 - 9), iso(s.t0 - 5)), party="B").json
        self.assertIsNone(none["geometry"])
        k = self.srv.get("/v1/tracks/%d/history?format=kml" % tid, party="B")
        self.assertEqual(k.status, 200)
        self.assertTrue(k.headers["content-type"].startswith("application/vnd.google-earth.kml+xml"))
        self.assertIn("<gx:Track>", k.body)
        self.assertEqual(k.body.count("<when>"), 11)
        self.assertIn("<when>%s</when>" % iso(s.t0 + 4), k.body)
        # The picture 4.5 s after t0: W1 where it was then.
        pic = self.srv.get("/v1/tracks?at=%s&bbox=37.5,26.5,39,27.5" % iso(s.t0 + 4.5), party="B").json["features"]
        self.assertEqual(len(pic), 1)
        self.assertEqual(pic[0]["properties"]["at"], iso(s.t0 + 4))
        # Before its first position: nothing.
        self.assertEqual(self.srv.get("/v1/tracks?at=%s&bbox=37.5,26.5,39,27.5" % iso(s.t0 - 1),
                                      party="B").json["features"], [])

    def test_bad_reads(self):
        self.assertProblem(self.srv.get("/v1/tracks?at=yesterday", party="A"), 400, "at")
        self.assertProblem(self.srv.get("/v1/tracks?bbox=1,2,3", party="A"), 400, "bbox")
        self.assertProblem(self.srv.get("/v1/tracks?zoom=3", party="A"), 400)
        self.assertProblem(self.srv.get("/v1/tracks/abc/history", party="A"), 400, "id")
        self.assertProblem(self.srv.get("/v1/tracks/1/history?format=gpx", party="A"), 400, "format")
        self.assertProblem(self.srv.get("/v1/tracks/1/history?from=2016-01-02&to=2016-01-01", party="A"), 400, "to")
        self.assertProblem(self.srv.get("/v1/traffic/alerts?from=later", party="A"), 400, "from")
        self.assertProblem(self.srv.get("/v1/tracks"), 401)

    def test_bad_input_changes_nothing(self):
        s = Sky(28.0)
        self.assertEqual(self.post("A", s.pos("K1", 5, 0, 0, 3000, 100, 0)).status, 201)
        good = s.pos("K2", 0, 0, 5000, 3000, 100, 0)
        cases = [
            (dict(good, lat=91), 400, "[1].lat", "outside"),
            (dict(good, lon="east"), 400, "[1].lon", "number"),
            (dict(good, alt_m=40000), 400, "[1].alt_m", "outside"),
            (dict(good, vx_mps=2000), 400, "[1].vx_mps", "outside"),
            (dict(good, at="2016-13-01T00:00:00Z"), 400, "[1].at", "RFC 3339"),
            (dict(good, track="bad id!"), 400, "[1].track", "not allowed"),
            (dict(good, color="red"), 400, "[1].color", "unknown field"),
            ({k: v for k, v in good.items() if k not in ("vx_mps", "vy_mps", "vz_mps")}, 400, "[1].vx_mps",
             "velocity is required"),
            (dict(good, ground_speed_mps=10), 400, "[1].ground_speed_mps", "not both"),
            (dict(good, visibility=["Nobody"]), 400, "[1].visibility[0]", "no party"),
            (s.pos("K1", 4, 0, 0, 3000, 100, 0), 400, "[1].at", "not later than track K1"),
            (s.pos("K3", 3600, 0, 0, 3000, 100, 0), 400, "[1].at", "ahead of the server"),
        ]
        for bad, status, field, words in cases:
            with self.subTest(field=field, words=words):
                r = self.assertUnchanged(lambda: self.post("A", [s.pos("K4", 0, 0, 9000, 3000, 1, 0), bad]))
                self.assertProblem(r, status, field, words)
        order = [s.pos("K5", 2, 0, 0, 3000, 1, 0), s.pos("K5", 1, 0, 0, 3000, 1, 0)]
        self.assertProblem(self.assertUnchanged(lambda: self.post("A", order)), 400, "[1].at", "increasing time")
        raw = [(b"{not json", "application/json", 400), (b"[]", "application/json", 400),
               (b"", "application/json", 400), (b'{"track":"x"}\nnope\n', "application/x-ndjson", 400),
               (b"[1,2]", "application/json", 400), (b"<xml/>", "text/xml", 415)]
        for body, ctype, status in raw:
            with self.subTest(body=body):
                r = self.assertUnchanged(lambda: self.srv.request("POST", "/v1/tracks", party="A", raw=body,
                                                                  content_type=ctype))
                self.assertProblem(r, status)
        nd = self.srv.request("POST", "/v1/tracks", party="A", raw=ndjson([good]) + b"nope\n",
                              content_type="application/x-ndjson")
        self.assertIn("line 2", nd.json["detail"])
        self.assertProblem(self.assertUnchanged(lambda: self.post("O", good)), 403)

    def test_stream_carries_the_alert_within_a_second(self):
        s = Sky(29.0)
        self.post("A", s.pos("S1", 0, 0, 0, 3000, 200, 0))
        last = self.srv.get("/v1/notices?limit=1000", party="B").json["next_cursor"]
        st = self.srv.stream("/v1/notices/stream?after=%s" % last, party="B", timeout=10)
        self.assertEqual(st.status, 200)
        st.events(0, timeout=0.2)
        t = time.time()
        r = self.post("B", s.pos("S2", 0, 25000, 0, 3000, -200, 0))
        self.assertEqual(r.json["alerts"], 1)
        evs = [e for e in st.events(1, timeout=5) if '"kind":"traffic"' in e.get("data", "")]
        took = time.time() - t
        st.close()
        self.assertEqual(len(evs), 1, evs)
        self.assertLess(took, 1.0, "the alert took %.3f s to reach the stream" % took)  # the bound
        self.assertEqual(json.loads(evs[0]["data"])["payload"]["other"]["track"], "S1")

    # -- review: replay and verify (run last: zz) --
    def test_zz_replay_and_verify(self):
        r = run_cli("replay", "--db", self.srv.db, "--format", "ndjson", check=False)
        replayed = [json.loads(line) for line in r.stdout.splitlines()]
        rows = self.srv.sql("SELECT batch_id, kind, change, reason, level, track_id, other_id, part, time_to_los_s,"
                            " h_sep_m FROM traffic_alert ORDER BY id")
        self.assertGreaterEqual(len(rows), 10)
        got = [(x["batch"], x["kind"], x["change"], x["reason"], x["level"], x["track"], x["other"], x["part"],
                x["time_to_los_s"], x["h_sep_m"]) for x in replayed]
        self.assertEqual(got, rows)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("the same as were raised", r.stderr)
        # A window: only the changes decided in it.
        t = replayed[len(replayed) // 2]["at"]
        w = run_cli("replay", "--db", self.srv.db, "--from", t, "--format", "ndjson")
        self.assertEqual([json.loads(x) for x in w.stdout.splitlines()], [x for x in replayed if x["at"] >= t])
        self.assertIn("--to", run_cli("replay", "--help").stdout)


class StaleAndRestartTest(ServerTest):
    extra_args = ("--track-stale-s", "2")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("A", "belligerent")
        cls.srv.add_party("B", "belligerent")
        cls.srv.add_party("Adm", "admin")

    def test_stale_tracks_end_with_a_notice(self):
        s = Sky(30.0)
        self.srv.post("/v1/tracks", s.pos("T1", 0, 0, 0, 3000, 200, 0), party="A")
        r = self.srv.post("/v1/tracks", s.pos("T2", 0, 30000, 0, 3000, -200, 0), party="B")
        self.assertEqual(r.json["alerts"], 1)
        ended = []
        for _ in range(100):  # the sweeper runs each second; 2 s without a position ends a track
            ended = [n for n in self.srv.get("/v1/notices", party="A").json["items"] if n["about"]["type"] == "track"]
            if ended:
                break
            time.sleep(0.1)
        self.assertEqual(len(ended), 1, ended)
        self.assertEqual(ended[0]["payload"]["change"], "ended")
        self.assertEqual(ended[0]["payload"]["reason"], "stale")
        self.assertEqual(ended[0]["payload"]["yours"]["track"], "T1")
        cleared = [n["payload"] for n in self.srv.get("/v1/notices", party="B").json["items"]
                   if n["about"]["type"] == "traffic_alert" and n["payload"]["change"] == "cleared"]
        self.assertEqual(cleared[0]["reason"], "stale")
        self.assertIsNone(cleared[0]["distance_m"])
        time.sleep(1.5)  # both are ended by now
        self.assertEqual(self.srv.get("/v1/tracks", party="Adm").json["features"], [])
        self.assertEqual(self.srv.get("/v1/traffic/alerts", party="Adm").json["items"], [])
        # A track that comes back is live again.
        self.assertEqual(self.srv.post("/v1/tracks", s.pos("T1", 5, 1000, 0, 3000, 200, 0), party="A").status, 201)
        self.assertEqual(len(self.srv.get("/v1/tracks", party="A").json["features"]), 1)

    def test_alerts_survive_a_restart(self):
        srv = Server(extra_args=("--track-stale-s", "600"))
        try:
            srv.add_party("A", "belligerent")
            srv.add_party("B", "belligerent")
            s = Sky(31.0)
            srv.post("/v1/tracks", s.pos("U1", 0, 0, 0, 3000, 200, 0), party="A")
            self.assertEqual(srv.post("/v1/tracks", s.pos("U2", 0, 30000, 0, 3000, -200, 0), party="B").json["alerts"], 1)
            srv.restart()
            self.assertEqual(len(srv.get("/v1/traffic/alerts", party="A").json["items"]), 1)
            # Closer: escalated (not raised again), as without the restart.
            r = srv.post("/v1/tracks", s.pos("U1", 22, 4400, 0, 3000, 200, 0), party="A")
            self.assertEqual(r.json["alerts"], 1)
            last = [n["payload"]["change"] for n in srv.get("/v1/notices", party="A").json["items"]]
            self.assertEqual(last, ["raised", "escalated"])
            srv.stop()
            p = run_cli("replay", "--db", srv.db, check=False)
            self.assertEqual(p.returncode, 0, p.stderr)
            v = srv.verify()
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
            self.assertIn("traffic: 2 tracks, 3 batches, 3 positions, 2 alert changes checked against the log", v.stdout)
            # A position changed after the fact: its batch no longer matches its entry.
            bad = srv.copy("tampered")
            bad.tamper("UPDATE track_position SET lon = lon + 0.01 WHERE id = 1")
            v = bad.verify()
            self.assertEqual(v.returncode, 1)
            self.assertIn("track_batch 1: the row differs from the object logged", v.stdout)
            self.assertIn("positions_sha256", v.stdout)
        finally:
            srv.stop()
            shutil.rmtree(srv.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
