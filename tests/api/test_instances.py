"""Many instances, one centre (issue 14, item 1): two `truce serve` on one PostgreSQL database.

 - a write through A is visible through B: with Truce-Min-Index at once, without it once B's
   follower (LISTEN/NOTIFY) has applied it; areas and agreements (attribution), sites,
   operations and their states (deconfliction), reports, responses and verdicts (monitoring);
 - Truce-Min-Index: a bad value is a 400 naming the header; an index the log does not reach
   within the bound is a 503 problem with Retry-After;
 - conflicting operations submitted at the same instant to A and B never both miss each
   other (many rounds, with reject_on_conflict: exactly one of each pair is stored; without
   it, one of each pair lists the other);
 - a party's notice stream on B delivers the notice a write through A caused;
 - a lost entry (LostEntry: what a failover leaves when PostgreSQL showed a commit its standby
   never confirmed): both instances find it, reload their engines, never answer with it again;
 - kill -9 of A in the middle of a write load: every write A acknowledged is there, B goes
   on serving (reads and writes), A starts again on the same database, and `truce verify`
   passes on the one log both appended to.

PostgreSQL only (SQLite is one process): skipped without $TRUCE_TEST_PG.
"""
import datetime
import http.client
import json
import math
import os
import signal
import threading
import time
import unittest

from harness import PG_ADMIN, PG_KEYS, Server, feature, main, pg_database, polygon, run_cli

PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("SAA", "belligerent"), ("Opposition", "belligerent"),
           ("Russia", "guarantor"), ("UNOCHA", "humanitarian")]
ROUNDS = 24


def tm(minute):
    return {"value": "2016-09-17T%02d:%02d:00Z" % (minute // 60, minute % 60), "format": "RFC3339"}


def operation(lon, lat, minute=600, reject=False, radius=2000):
    vol = {"volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": radius, "units": "M"}},
                      "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                      "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
           "time_start": tm(minute), "time_end": tm(minute + 60)}
    return {"kind": "air", "volumes": [vol], "reject_on_conflict": reject}


def site(lon, lat, name, visibility="public"):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": "hospital", "name": name, "radius_m": 200, "valid_from": "2016-01-01T00:00:00Z",
                           "visibility": visibility}}


def report(lon, lat):
    return {"occurred_at": "2016-03-10T10:00:00Z", "time_precision": 1,
            "location": {"type": "Point", "coordinates": [lon, lat]}, "geo_precision": 1,
            "event_type": "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
            "alleged_perpetrator": "SAA", "source": {"kind": "party"}}


def index_of(r):
    return r.json["receipt"]["index"]


@unittest.skipUnless(PG_ADMIN, "several instances share one PostgreSQL database: needs $TRUCE_TEST_PG "
                                "(ctest api-pg/test_instances); on SQLite one process serves the file")
class TwoInstances(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        db = pg_database()
        cls.a = Server(db=db)
        for name, role in PARTIES:
            cls.a.add_party(name, role)
        cls.b = Server(db=db)
        cls.b.tokens = cls.a.tokens

    @classmethod
    def tearDownClass(cls):
        for s in (cls.a, cls.b):
            if s.proc is not None:
                s.stop()

    def eventually(self, fn, seconds=10):
        """fn() until it is true (B's follower is woken by NOTIFY; bounded)."""
        end = time.time() + seconds
        while True:
            v = fn()
            if v or time.time() > end:
                return v
            time.sleep(0.002)

    def test_area_and_agreement_through_a_attribute_on_b(self):
        a, b = self.a, self.b
        f = feature(polygon(20.0, 20.0, 0.2), kind="control", party="Opposition", name="West",
                    valid_from="2016-01-01T00:00:00Z")
        r = a.post("/v1/areas", f, party="admin")
        self.assertEqual(r.status, 201, r)
        q = "/v1/attribution?lon=20.1&lat=20.1&at=2016-06-01T00:00:00Z"
        got = b.get(q, party="Russia", headers={"Truce-Min-Index": str(index_of(r))})
        self.assertEqual(got.status, 200, got)
        self.assertEqual(got.json["controller"]["name"], "Opposition")
        # a new version through B, seen through A without the header (A follows by itself)
        f2 = feature(polygon(20.0, 20.0, 0.2), kind="control", party="SAA", name="West",
                     valid_from="2016-12-01T00:00:00Z")
        r2 = b.put("/v1/areas/%d" % r.json["id"], f2, party="admin", headers={"If-Match": '"1"'})
        self.assertEqual(r2.status, 200, r2)
        later = "/v1/attribution?lon=20.1&lat=20.1&at=2017-01-01T00:00:00Z"
        self.assertTrue(self.eventually(
            lambda: (a.get(later, party="Russia").json["controller"] or {}).get("name") == "SAA"))
        self.assertEqual(a.get(q, party="Russia").json["controller"]["name"], "Opposition")
        ag = a.post("/v1/agreements", {"name": "West truce", "start": "2016-01-01T00:00:00Z",
                                       "parties": ["SAA", "Opposition"], "zones": [r.json["id"]]}, party="Russia")
        self.assertEqual(ag.status, 201, ag)
        got = b.get(q, party="Russia", headers={"Truce-Min-Index": str(index_of(ag))}).json
        self.assertIn("West truce", [x["name"] for x in got["agreements"]], got)

    def test_follow_lag_without_the_header(self):
        """B answers a write through A without Truce-Min-Index once its follower applied it
        (LISTEN/NOTIFY): the lag is printed (a figure, not a bound)."""
        lags = []
        for i in range(20):
            f = feature(polygon(60.0 + i, 10.0, 0.2), kind="control", party="SAA", name="Lag %d" % i,
                        valid_from="2016-01-01T00:00:00Z")
            self.assertEqual(self.a.post("/v1/areas", f, party="admin").status, 201)
            t0, q = time.time(), "/v1/attribution?lon=%g&lat=10.1&at=2016-06-01T00:00:00Z" % (60.1 + i)
            seen = self.eventually(lambda: self.b.get(q, party="Russia").json["controller"] is not None, 10)
            self.assertTrue(seen, "B never applied area %d" % i)
            lags.append(time.time() - t0)
        lags.sort()
        print("follow lag (answered write on A -> visible on B, polled): p50 %.1f ms, max %.1f ms over %d"
              % (lags[len(lags) // 2] * 1000, lags[-1] * 1000, len(lags)))

    def test_min_index_bad_value_and_bound(self):
        for bad in ("abc", "-1", "1.5", "", "99999999999999999999999"):
            r = self.b.get("/v1/me", party="SAA", headers={"Truce-Min-Index": bad})
            self.assertEqual(r.status, 400, (bad, r))
            self.assertEqual(r.json["field"], "Truce-Min-Index")
        t0 = time.time()
        r = self.b.get("/v1/me", party="SAA", headers={"Truce-Min-Index": "1000000000"})
        waited = time.time() - t0
        self.assertEqual(r.status, 503, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"))
        self.assertIn("retry-after", r.headers)
        self.assertEqual(r.json["field"], "Truce-Min-Index")
        self.assertLess(waited, 30, "the wait is bounded")
        self.assertEqual(self.b.get("/v1/me", party="SAA", headers={"Truce-Min-Index": "0"}).status, 200)

    def test_sites_operations_and_states_follow(self):
        a, b = self.a, self.b
        s = a.post("/v1/sites", site(30.0, 30.0, "Clinic"), party="UNOCHA")
        self.assertEqual(s.status, 201, s)
        # B's engine has the site: an operation over it through B conflicts with it
        op = b.post("/v1/operations", operation(30.0, 30.0), party="SAA",
                    headers={"Truce-Min-Index": str(index_of(s))})
        self.assertEqual(op.status, 201, op)
        self.assertIn(("site", s.json["properties"]["id"]), [(c["type"], c["id"]) for c in op.json["conflicts"]])
        # the operation, made through B, conflicts with a new one through A
        op2 = a.post("/v1/operations", operation(30.01, 30.0), party="Opposition")
        self.assertEqual(op2.status, 201, op2)
        self.assertIn(op.json["id"], [c["id"] for c in op2.json["conflicts"] if c["type"] == "operation"])
        # cancelled through A: B's engine lets it go
        st = a.post("/v1/operations/%d/state" % op.json["id"], {"state": "cancelled"}, party="SAA")
        self.assertEqual(st.status, 200, st)
        op3 = b.post("/v1/operations", operation(30.02, 30.0), party="Russia",
                     headers={"Truce-Min-Index": str(st.json["event"]["receipt"]["index"])})
        self.assertEqual(op3.status, 201, op3)
        ids = [c["id"] for c in op3.json["conflicts"] if c["type"] == "operation"]
        self.assertNotIn(op.json["id"], ids)
        self.assertIn(op2.json["id"], ids)

    def test_a_cancelled_operation_does_not_refuse_through_b(self):
        """reject_on_conflict through B right after a cancel through A: decided under the
        writers' lock after B caught up, never against B's not yet updated engine."""
        for i in range(8):
            lon = 70.0 + i * 0.5
            op = self.a.post("/v1/operations", operation(lon, 0.0), party="SAA")
            self.assertEqual(op.status, 201, op)
            st = self.a.post("/v1/operations/%d/state" % op.json["id"], {"state": "cancelled"}, party="SAA")
            self.assertEqual(st.status, 200, st)
            r = self.b.post("/v1/operations", operation(lon, 0.0, reject=True), party="Opposition")
            self.assertEqual(r.status, 201, "round %d: refused over a cancelled operation: %r" % (i, r))

    def test_reports_and_incidents_follow(self):
        a, b = self.a, self.b
        r = a.post("/v1/reports", report(25.0, 25.0), party="Opposition")
        self.assertEqual(r.status, 201, r)
        iid = r.json["incident_id"]
        got = b.get("/v1/incidents/%d" % iid, party="JMC", headers={"Truce-Min-Index": str(index_of(r))})
        self.assertEqual(got.status, 200, got)
        # a second report nearby, through B, joins the same incident there and on A
        r2 = b.post("/v1/reports", report(25.001, 25.0), party="UNOCHA")
        self.assertEqual(r2.status, 201, r2)
        self.assertEqual(r2.json["incident_id"], iid)
        v = a.post("/v1/incidents/%d/verdict" % iid, {"verdict": "confirm", "reason": "seen"}, party="JMC")
        self.assertEqual(v.status, 201, v)
        got = b.get("/v1/incidents/%d" % iid, party="JMC", headers={"Truce-Min-Index": str(index_of(v))}).json
        self.assertEqual(sorted(x["id"] for x in got["reports"]), sorted([r.json["id"], r2.json["id"]]), got)
        self.assertEqual(got["grade"], "confirmed", got)
        # a split through B, seen through A
        sp = b.post("/v1/incidents/%d/split" % iid, {"reports": [r2.json["id"]], "reason": "two strikes"},
                    party="JMC")
        self.assertEqual(sp.status, 201, sp)
        got = a.get("/v1/incidents/%d" % iid, party="JMC", headers={"Truce-Min-Index": str(index_of(sp))}).json
        self.assertEqual([x["id"] for x in got["reports"]], [r.json["id"]], got)

    def test_movements_and_statuses_follow(self):
        a, b = self.a, self.b
        route = {"type": "LineString", "coordinates": [[40.0, -30.0], [40.2, -30.0]]}
        conv = {"type": "Feature", "geometry": route,
                "properties": {"kind": "convoy", "name": "Across", "width_m": 200, "visibility": "public",
                               "time_start": "2016-09-17T09:00:00Z", "time_end": "2016-09-17T12:00:00Z"}}
        m = a.post("/v1/movements", conv, party="UNOCHA")
        self.assertEqual(m.status, 201, m)
        mid = m.json["properties"]["id"]
        op = b.post("/v1/operations", operation(40.1, -30.0), party="SAA",
                    headers={"Truce-Min-Index": str(index_of(m))})
        self.assertEqual(op.status, 201, op)
        self.assertIn(("movement", mid), [(c["type"], c["id"]) for c in op.json["conflicts"]])
        for status in ("en_route", "arrived"):
            st = a.post("/v1/movements/%d/status" % mid, {"status": status}, party="UNOCHA")
            self.assertEqual(st.status, 200, st)
        op2 = b.post("/v1/operations", operation(40.1, -30.0), party="Opposition",
                     headers={"Truce-Min-Index": str(st.json["event"]["receipt"]["index"])})
        self.assertEqual(op2.status, 201, op2)
        self.assertNotIn(("movement", mid), [(c["type"], c["id"]) for c in op2.json["conflicts"]])

    def test_notice_stream_on_b_of_a_write_through_a(self):
        before = self.b.get("/v1/notices", party="SAA").json["next_cursor"]
        s = self.b.stream("/v1/notices/stream?after=%s" % before, party="SAA")
        self.assertEqual(s.status, 200)
        try:
            r = self.a.post("/v1/sites", site(31.0, 31.0, "Told to SAA", ["SAA"]), party="UNOCHA")
            self.assertEqual(r.status, 201, r)
            got = s.events(1, timeout=15)
            self.assertEqual(len(got), 1, "B's stream did not deliver the notice caused through A")
            n = json.loads(got[0]["data"])
            self.assertEqual(n["party"], "SAA")
            self.assertEqual(n["about"], {"type": "site", "id": r.json["properties"]["id"]})
        finally:
            s.close()

    def test_tracks_and_alerts_through_a_on_b(self):
        """Positions and the alert they raise, posted through A: B's picture, alerts, notices
        and SSE stream are A's, and B's engine holds the same state (a position through B is
        checked and detected against it: no second alert)."""
        a, b = self.a, self.b
        before = b.get("/v1/notices", party="Opposition").json["next_cursor"]
        stream = b.stream("/v1/notices/stream?after=%s" % before, party="Opposition")
        self.assertEqual(stream.status, 200)
        t0, lat0, lon0 = time.time() - 5, -45.0, 38.0
        kx = 111320 * math.cos(math.radians(lat0))

        def pos(track, dt, x, vx, **extra):
            at = datetime.datetime.fromtimestamp(t0 + dt, datetime.timezone.utc)
            p = {"track": track, "at": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", "lon": lon0 + x / kx,
                 "lat": lat0, "alt_m": 3000, "vx_mps": vx, "vy_mps": 0, "vz_mps": 0}
            p.update(extra)
            return p
        try:
            one = a.post("/v1/tracks", pos("T1", 0, 0, 200, callsign="SAA01"), party="SAA")
            self.assertEqual(one.status, 201, one)
            two = a.post("/v1/tracks", pos("T2", 0, 30000, -200), party="Opposition")
            self.assertEqual((two.status, two.json["alerts"]), (201, 1), two)
            got = stream.events(1, timeout=15)
            self.assertEqual(len(got), 1, "B's stream did not deliver the alert raised through A")
            self.assertEqual(json.loads(got[0]["data"])["payload"]["kind"], "traffic")
        finally:
            stream.close()
        wait = {"Truce-Min-Index": str(index_of(two))}
        box = "/v1/tracks?bbox=37,-46,40,-44"
        for party in ("SAA", "Opposition", "admin", "UNOCHA"):
            pa, pb = a.get(box, party=party).json, b.get(box, party=party, headers=wait).json
            self.assertEqual(pa["features"], pb["features"], party)
            self.assertEqual(a.get("/v1/traffic/alerts", party=party).json,
                             b.get("/v1/traffic/alerts", party=party).json, party)
        mine = b.get(box, party="SAA").json["features"]
        self.assertEqual([(f["properties"]["track"], f["properties"].get("alert_level")) for f in mine
                          if f["properties"]["track"] in ("T1", "T2")], [("T1", 2), ("T2", None)], mine)
        self.assertEqual(len(b.get("/v1/traffic/alerts", party="SAA").json["items"]), 1)
        seen = [n for n in b.get("/v1/notices?limit=1000", party="SAA").json["items"] if n["kind"] == "traffic"]
        self.assertEqual(len(seen), 1, seen)
        # through B: not later than T1's last position (known to B) is refused; a later one
        # closes in at the same level, so B raises nothing new, as A would not
        self.assertEqual(b.post("/v1/tracks", pos("T1", 0, 100, 200), party="SAA").status, 400)
        nxt = b.post("/v1/tracks", pos("T1", 10, 2000, 200), party="SAA")
        self.assertEqual((nxt.status, nxt.json["alerts"]), (201, 0), nxt)
        wait = {"Truce-Min-Index": str(index_of(nxt))}
        for party in ("SAA", "Opposition"):
            self.assertEqual(b.get(box, party=party).json["features"],
                             a.get(box, party=party, headers=wait).json["features"])
            self.assertEqual(b.get("/v1/traffic/alerts", party=party).json,
                             a.get("/v1/traffic/alerts", party=party).json)
        # T2 turns away through B: the alert clears on both
        away = b.post("/v1/tracks", pos("T2", 11, 40000, 200), party="Opposition")
        self.assertEqual((away.status, away.json["alerts"]), (201, 1), away)
        wait = {"Truce-Min-Index": str(index_of(away))}
        self.assertEqual(a.get("/v1/traffic/alerts", party="SAA", headers=wait).json["items"], [])
        self.assertEqual([f["properties"].get("alert_level") for f in a.get(box, party="SAA").json["features"]
                          if f["properties"]["track"] == "T1"], [0])
        for s in (a, b):
            self.assertNotIn("centre_follow.c does not know", s.log())

    def test_y_settings_through_another_instance_take_effect(self):
        """A third instance started with another clustering radius records it (setting.put):
        A and B rebuild their incidents with it, as a restart would."""
        a, b = self.a, self.b
        r1 = a.post("/v1/reports", report(26.0, 26.0), party="Opposition")
        r2 = a.post("/v1/reports", report(26.01, 26.0), party="UNOCHA")  # ~1 km: one incident at 2 km
        self.assertEqual((r1.status, r2.status), (201, 201))
        wait = {"Truce-Min-Index": str(index_of(r2))}

        def incidents(srv, headers=None):
            return [srv.get("/v1/reports/%d" % r.json["id"], party="JMC", headers=headers).json["incident_id"]
                    for r in (r1, r2)]
        got = incidents(b, wait)
        self.assertEqual(got[0], got[1], got)
        c = Server(db=a.db, extra_args=["--cluster-radius-m", "300,5000,15000"])
        c.tokens = a.tokens
        try:
            last = c.sql("SELECT max(idx) FROM log_entry")[0][0]
            self.assertIn("300,5000,15000", [r[0] for r in c.sql(
                "SELECT value FROM setting WHERE name = '--cluster-radius-m'")])
            wait = {"Truce-Min-Index": str(last)}
            for srv in (b, a):
                got = incidents(srv, wait)
                self.assertNotEqual(got[0], got[1], "the 300 m radius through another instance: %r" % got)
                self.assertEqual(got, incidents(c))
        finally:
            c.stop()

    def simultaneous(self, bodies):
        """Posts bodies[0] to A and bodies[1] to B at the same instant; their answers."""
        out, gate = [None, None], threading.Barrier(2)

        def go(k, srv, party):
            gate.wait(timeout=30)
            out[k] = srv.post("/v1/operations", bodies[k], party=party)

        ts = [threading.Thread(target=go, args=(0, self.a, "SAA")),
              threading.Thread(target=go, args=(1, self.b, "Opposition"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(timeout=60)
        return out

    def test_conflicting_operations_at_once_never_both_miss(self):
        stored = 0
        for i in range(ROUNDS):  # reject_on_conflict: exactly one of each pair is stored
            lon, lat = -40.0 + i * 0.5, -10.0
            ra, rb = self.simultaneous([operation(lon, lat, reject=True), operation(lon + 0.005, lat, reject=True)])
            codes = sorted([ra.status, rb.status])
            self.assertEqual(codes, [201, 409], "round %d: %r %r" % (i, ra, rb))
            stored += 1
        for i in range(ROUNDS):  # without it: one of each pair lists the other
            lon, lat = -40.0 + i * 0.5, -20.0
            ra, rb = self.simultaneous([operation(lon, lat), operation(lon + 0.005, lat)])
            self.assertEqual((ra.status, rb.status), (201, 201), (ra, rb))
            a_sees = rb.json["id"] in [c["id"] for c in ra.json["conflicts"] if c["type"] == "operation"]
            b_sees = ra.json["id"] in [c["id"] for c in rb.json["conflicts"] if c["type"] == "operation"]
            self.assertTrue(a_sees or b_sees, "round %d: both missed each other" % i)
            self.assertFalse(a_sees and b_sees, "round %d: each saw the other, which came later?" % i)
        print("simultaneous conflicting submissions to A and B: %d + %d rounds, none missed" % (stored, ROUNDS))

    def test_z_kill_a_mid_load(self):
        """Last (z): A is killed; writes it acknowledged are there through B, which goes on."""
        a, b = self.a, self.b
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def writer(k):
            i = 0
            while not stop.is_set() and i < 200:
                i += 1
                name = "kill-%d-%d" % (k, i)
                body = feature(polygon(-170 + (i % 300) * 0.5, -60 + k, 0.2), kind="no_strike", name=name)
                try:
                    r = a.post("/v1/areas", body, party="admin")
                except (OSError, http.client.HTTPException):
                    return
                if r.status == 201:
                    with lock:
                        acked.append((r.json["id"], name, index_of(r)))

        ts = [threading.Thread(target=writer, args=(k,)) for k in range(3)]
        for t in ts:
            t.start()
        end = time.time() + 20
        while time.time() < end:
            with lock:
                if len(acked) >= 15:
                    break
            time.sleep(0.01)
        a.kill()
        stop.set()
        for t in ts:
            t.join(timeout=60)
        self.assertGreater(len(acked), 0)
        top = max(x[2] for x in acked)
        for aid, name, _ in acked:
            r = b.get("/v1/areas/%d" % aid, party="admin", headers={"Truce-Min-Index": str(top)})
            self.assertEqual(r.status, 200, "acknowledged area %d lost: %r" % (aid, r))
            self.assertEqual(r.json["properties"]["name"], name)
        # B goes on: a write and a read that needs its engines
        r = b.post("/v1/areas", feature(polygon(50.0, 50.0, 0.2), kind="control", party="SAA", name="After",
                                        valid_from="2016-01-01T00:00:00Z"), party="admin")
        self.assertEqual(r.status, 201, r)
        got = b.get("/v1/attribution?lon=50.1&lat=50.1&at=2016-06-01T00:00:00Z", party="Russia").json
        self.assertEqual(got["controller"]["name"], "SAA")
        # A starts again on the same database and sees B's write
        a.start()
        got = a.get("/v1/attribution?lon=50.1&lat=50.1&at=2016-06-01T00:00:00Z", party="Russia").json
        self.assertEqual(got["controller"]["name"], "SAA")
        # one consistent log, whichever instance appended each entry
        v = run_cli("verify", "--db", b.db, cwd=PG_KEYS, check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        print("kill -9 of instance A: %d writes acknowledged, 0 lost; B served on" % len(acked))


def lose_last_entry(srv, index, area_id):
    """What a failover leaves when the promoted standby never got the last commit (entry
    index, creating area area_id): the entry, its tree nodes, its rows and any checkpoint
    over it are not there. In one transaction, behind the servers' backs."""
    nodes = ",".join("(%d,%d)" % (level, index >> level) for level in range(64))
    srv.sql("DELETE FROM area_rtree WHERE rid IN (SELECT rid FROM area_version WHERE area_id = %d);"
            " DELETE FROM area_version WHERE area_id = %d; DELETE FROM area WHERE id = %d;"
            " DELETE FROM log_node WHERE (level, idx) IN (%s); DELETE FROM log_entry WHERE idx = %d;"
            " DELETE FROM log_checkpoint WHERE size > %d" % (area_id, area_id, area_id, nodes, index, index))


@unittest.skipUnless(PG_ADMIN, "several instances share one PostgreSQL database: needs $TRUCE_TEST_PG")
class LostEntry(unittest.TestCase):
    """A failover loses an entry both instances applied (PostgreSQL showed the commit before
    its standby confirmed it): A finds the log shorter than what it applied, B (stopped
    meanwhile) finds another entry at the same index. Each says so, answers 503 until it has
    reloaded its engines from the store, never answers with the lost entry afterwards, and
    the log both go on appending to verifies."""

    def area(self, lon, name):
        return feature(polygon(lon, 5.0, 0.2), kind="control", party="SAA", name=name,
                       valid_from="2016-01-01T00:00:00Z")

    def controller(self, srv, lon, headers=None):
        r = srv.get("/v1/attribution?lon=%g&lat=5.1&at=2016-06-01T00:00:00Z" % lon, party="Russia", headers=headers)
        if r.status == 503:
            self.assertIn("retry-after", r.headers)
            return "503"
        self.assertEqual(r.status, 200, r)
        return (r.json["controller"] or {}).get("name")

    def until_served(self, fn, seconds=20):
        """fn() until it is not "503" (bounded): the engines are reloaded."""
        end = time.time() + seconds
        while True:
            v = fn()
            if v != "503" or time.time() > end:
                return v
            time.sleep(0.05)

    def test_lost_entry_reloads_the_engines(self):
        db = pg_database()
        once = ["--checkpoint-ms", "3600000"]  # checkpoints at start only: none covers the lost entry
        a = Server(db=db, extra_args=once)
        b = None
        try:
            for name, role in [("admin", "admin"), ("SAA", "belligerent"), ("Russia", "guarantor")]:
                a.add_party(name, role)
            b = Server(db=db, extra_args=once)
            b.tokens = a.tokens
            x = a.post("/v1/areas", self.area(5.0, "Lost"), party="admin")
            self.assertEqual(x.status, 201, x)
            n = index_of(x)
            self.assertEqual(self.controller(b, 5.1, {"Truce-Min-Index": str(n)}), "SAA")
            os.kill(b.proc.pid, signal.SIGSTOP)  # B is cut off while the failover happens
            try:
                lose_last_entry(a, n, x.json["id"])
                end, y = time.time() + 20, None
                while y is None and time.time() < end:  # A: 503 until its engines are reloaded
                    r = a.post("/v1/areas", self.area(6.0, "After"), party="admin")
                    if r.status == 503:
                        self.assertIn("retry-after", r.headers)
                        time.sleep(0.05)
                    else:
                        self.assertEqual(r.status, 201, r)
                        y = r
                self.assertIsNotNone(y, "A never wrote again after the lost entry")
                self.assertEqual(index_of(y), n, "the next write takes the lost entry's index")
                self.assertIsNone(self.controller(a, 5.1))
            finally:
                os.kill(b.proc.pid, signal.SIGCONT)
            # B applied the lost entry n; the database's entry n is another one now
            wait = {"Truce-Min-Index": str(n)}
            self.assertIsNone(self.until_served(lambda: self.controller(b, 5.1, wait)))
            for _ in range(20):  # and never again
                self.assertIsNone(self.controller(b, 5.1))
            self.assertEqual(self.controller(b, 6.1), "SAA")
            for s, how in ((a, "lacks entry %d" % n), (b, "and another entry %d" % n)):
                self.assertIn("LOST LOG ENTRIES", s.log())
                self.assertIn(how, s.log())  # A: the log is shorter; B: its entry n is another
                self.assertIn("engines reloaded from the store", s.log())
            z = b.post("/v1/areas", self.area(7.0, "On"), party="admin")
            self.assertEqual(z.status, 201, z)
            self.assertEqual(self.controller(a, 7.1, {"Truce-Min-Index": str(index_of(z))}), "SAA")
            v = run_cli("verify", "--db", db, cwd=PG_KEYS, check=False)
            self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        finally:
            for s in (a, b):
                if s is not None and s.proc is not None:
                    s.stop()


if __name__ == "__main__":
    main()
