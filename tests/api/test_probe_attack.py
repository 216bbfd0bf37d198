"""Acceptance of issue 11, items 1-3: the edge-search attack on hidden sites, on a real server.

The attack from the issue: a party posts operations with reject_on_conflict made of a strip
whose edge moves each time, plus a second volume over a public site that always conflicts,
so nothing is ever stored; the answer says whether the strip touched the hidden site. Here
the attacker knows each hidden site is somewhere in a 20 km box and binary-searches the four
edges of what the answers show (8 probes per edge), then takes the middle as its estimate of
the site's centre.

Part 1 (a budget high enough for the whole attack, --probe-budget): 20 hidden sites at random
places (fixed seed), default privacy margin (2 km): the attacker's mean error must be at least
a quarter of the margin (printed per site). As a control, the same attack on 4 sites whose
owner chose margin 0 finds their centres to within the search's precision — so the attack
works, and it is the coarsening that defeats it. The owner's feed lists every probe (who,
when, the asking volume), the store and log hold each one.

Part 2 (the default budget, 30 per hour): the same attack is stopped — after 30 answered
conflicts with hidden sites every further submission is refused with 429 — and the monitors
are told.
"""
import math
import random

from harness import ServerTest, main, run_cli

SEED = 20161219
MARGIN = 2000.0
HALF = 10000.0  # the attacker's box: 20 km square around its prior
STEPS = 8       # probes per edge
T0 = "2016-12-29T22:00:00Z"
T1 = "2016-12-29T23:00:00Z"
PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("Russia", "guarantor"), ("SAA", "belligerent"),
           ("Coalition", "belligerent"), ("UNOCHA", "humanitarian")]
ALWAYS = (35.60, 33.20)  # a public aid warehouse the attacker's second volume always covers


def metres(lon1, lat1, lon2, lat2):
    """Great-circle distance (mean Earth radius): the error figure, not a safety decision."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def deg_lon(m, lat):
    return m / (111320.0 * math.cos(math.radians(lat)))


def deg_lat(m):
    return m / 110574.0


def altitude(v):
    return {"value": v, "reference": "W84", "units": "M"}


def window(v):
    v.update({"time_start": {"value": T0, "format": "RFC3339"}, "time_end": {"value": T1, "format": "RFC3339"}})
    return v


def strip(x0, y0, x1, y1):
    verts = [{"lng": x0, "lat": y0}, {"lng": x1, "lat": y0}, {"lng": x1, "lat": y1}, {"lng": x0, "lat": y1}]
    return window({"volume": {"outline_polygon": {"vertices": verts}, "altitude_lower": altitude(0),
                              "altitude_upper": altitude(5000)}})


def always():
    return window({"volume": {"outline_circle": {"center": {"lat": ALWAYS[1], "lng": ALWAYS[0]},
                                                 "radius": {"value": 200, "units": "M"}},
                              "altitude_lower": altitude(0), "altitude_upper": altitude(5000)}})


def places(rng, n):
    """n site centres in Syria's box, at least 0.5 degrees apart (their boxes never overlap)."""
    got = []
    while len(got) < n:
        p = (rng.uniform(36.3, 41.5), rng.uniform(32.6, 37.0))
        if all(abs(p[0] - q[0]) > 0.5 or abs(p[1] - q[1]) > 0.5 for q in got + [ALWAYS]):
            got.append(p)
    return got


class Attack:
    """The attacker: one probe is one refused submission; probe() says whether the strip met the site."""

    def __init__(self, srv):
        self.srv = srv
        self.requests = 0
        self.answered = 0   # probes whose answer showed the hidden site
        self.refused_429 = 0
        self.stopped = False

    def probe(self, sid, box):
        r = self.srv.post("/v1/operations", {"kind": "air", "volumes": [strip(*box), always()],
                                             "reject_on_conflict": True}, party="Coalition")
        self.requests += 1
        if r.status == 429:
            self.refused_429 += 1
            self.stopped = True
            return None
        assert r.status == 409, r  # the always-conflicting volume: never stored
        hit = any(c["type"] == "site" and c["id"] == sid and c["volume"] == 0 for c in r.json["conflicts"])
        self.answered += hit
        return hit

    def edge(self, sid, box, axis, low_side):
        """Binary search of the low (or high) edge of what the answers show along axis (0: lon, 1: lat)."""
        lo, hi = box[axis], box[axis + 2]
        for _ in range(STEPS):
            mid = (lo + hi) / 2
            b = list(box)
            if low_side:
                b[axis + 2] = mid  # the strip from the box's low side up to mid
            else:
                b[axis] = mid
            hit = self.probe(sid, b)
            if hit is None:
                return None
            if hit == low_side:
                hi = mid
            else:
                lo = mid
        return (lo + hi) / 2

    def locate(self, sid, box):
        edges = [self.edge(sid, box, 0, True), self.edge(sid, box, 0, False), self.edge(sid, box, 1, True),
                 self.edge(sid, box, 1, False)]
        if None in edges:
            return None
        return ((edges[0] + edges[1]) / 2, (edges[2] + edges[3]) / 2)


class ProbeAttackBase(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in PARTIES:
            cls.srv.add_party(name, role)
        r = cls.srv.post("/v1/sites", {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(ALWAYS)},
                                       "properties": {"kind": "aid_warehouse", "name": "Always", "radius_m": 300,
                                                      "valid_from": "2016-01-01T00:00:00Z"}},
                         party="UNOCHA")
        assert r.status == 201, r

    def hide(self, rng, lon, lat, **more):
        props = {"kind": "forces_position", "name": "Hidden %.4f" % lon, "radius_m": round(rng.uniform(100, 1000)),
                 "visibility": ["Russia"], "valid_from": "2016-01-01T00:00:00Z", **more}
        r = self.srv.post("/v1/sites", {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                                        "properties": props}, party="SAA")
        self.assertEqual(r.status, 201, r)
        return r.json["properties"]["id"]

    def box(self, rng, lon, lat):
        """The attacker's prior: a 20 km box around a point up to 2 km from the centre."""
        cx, cy = lon + deg_lon(rng.uniform(-2000, 2000), lat), lat + deg_lat(rng.uniform(-2000, 2000))
        return (cx - deg_lon(HALF, lat), cy - deg_lat(HALF), cx + deg_lon(HALF, lat), cy + deg_lat(HALF))

    def probe_notices(self):
        items, after = [], 0
        for _ in range(100):  # pages of 1000
            page = self.srv.get("/v1/notices?limit=1000&after=%d" % after, party="SAA").json
            items += page["items"]
            if not page["more"]:
                break
            after = int(page["next_cursor"])
        return [n for n in items if n["kind"] == "probe"]


class AttackTest(ProbeAttackBase):
    extra_args = ["--checkpoint-ms", "200", "--probe-budget", "100000"]

    def test_edge_search_cannot_locate_hidden_sites(self):
        rng = random.Random(SEED)
        spots = places(rng, 24)
        hidden = [(self.hide(rng, lon, lat), lon, lat) for lon, lat in spots[:20]]
        exact = [(self.hide(rng, lon, lat, privacy_margin_m=0), lon, lat) for lon, lat in spots[20:]]
        attack = Attack(self.srv)
        errors, control = [], []
        print()
        for label, sites, out in (("margin 2000 m", hidden, errors), ("margin 0 (control)", exact, control)):
            for sid, lon, lat in sites:
                est = attack.locate(sid, self.box(rng, lon, lat))
                self.assertIsNotNone(est)
                out.append(metres(lon, lat, est[0], est[1]))
                print("site %3d (%s): true (%.5f, %.5f), estimate (%.5f, %.5f), error %7.0f m"
                      % (sid, label, lon, lat, est[0], est[1], out[-1]))
        mean, mean_control = sum(errors) / len(errors), sum(control) / len(control)
        print("attack: %d probes (%d answered with the hidden site) against %d hidden sites; mean error of the "
              "estimated centres %.0f m (margin %.0f m, bound margin/4 = %.0f m); control (margin 0): %.0f m"
              % (attack.requests, attack.answered, len(hidden), mean, MARGIN, MARGIN / 4, mean_control))
        self.assertGreaterEqual(attack.requests - len(exact) * 4 * STEPS, 200)
        self.assertGreaterEqual(mean, MARGIN / 4)
        self.assertLess(mean_control, 150)  # the attack itself works: without the margin it locates
        # The owner's feed lists every probe: who asked, when, and the asking volume.
        notes = self.probe_notices()
        self.assertEqual(len(notes), attack.answered)
        for n in notes:
            p = n["payload"]
            self.assertEqual((p["asked_by"], p["refused"], p["answered"], p["volume"]), ("Coalition", True, True, 0))
            self.assertIn("outline_polygon", p["asking_volume"]["volume"])
            self.assertIn("asked_at", p)
        probes = self.srv.sql("SELECT count(*) FROM dc_probe WHERE party = 'Coalition' AND refused = 1")[0][0]
        logged = self.srv.sql("SELECT count(*) FROM log_entry WHERE type = 'conflict.probe'")[0][0]
        ops = self.srv.sql("SELECT count(*) FROM operation")[0][0]
        self.assertEqual((probes, logged, ops), (attack.answered, attack.answered, 0))
        v = run_cli("verify", "--db", self.srv.db, check=False, cwd=self.srv.cwd_of(self.srv.db))
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)


class BudgetStopsTheAttack(ProbeAttackBase):
    extra_args = ["--checkpoint-ms", "200"]  # the default budget: 30 per hour

    def test_the_default_budget_stops_the_attack_and_tells_the_monitors(self):
        rng = random.Random(SEED + 1)
        sites = [(self.hide(rng, lon, lat), lon, lat) for lon, lat in places(rng, 6)]
        attack = Attack(self.srv)
        located = 0
        for sid, lon, lat in sites:
            if attack.locate(sid, self.box(rng, lon, lat)) is None:
                break
            located += 1
        # Every request after the stop is refused too, whatever it asks.
        for _ in range(5):
            self.assertIsNone(attack.probe(sites[-1][0], self.box(rng, sites[-1][1], sites[-1][2])))
        print("\nbudget: %d probes, %d answered with a hidden site, %d sites located, then refused (429) %d times"
              % (attack.requests, attack.answered, located, attack.refused_429))
        self.assertTrue(attack.stopped)
        self.assertEqual(attack.answered, 30)
        self.assertLess(located, len(sites))
        last = self.srv.post("/v1/operations", {"kind": "air", "volumes": [always()], "reject_on_conflict": True},
                             party="Coalition")
        p = self.assertProblem(last, 429, field="conflicts")
        self.assertEqual(p["type"], "urn:truce:problem:probe-budget-exhausted")
        told = [n for n in self.srv.get("/v1/notices?limit=1000", party="JMC").json["items"]
                if n["kind"] == "probe_budget"]
        self.assertEqual([n["payload"]["party"] for n in told], ["Coalition"])
        # The owner hears of the withheld probes too.
        notes = self.probe_notices()
        self.assertEqual(len([n for n in notes if n["payload"]["answered"]]), 30)
        self.assertGreater(len([n for n in notes if not n["payload"]["answered"]]), 0)
        v = run_cli("verify", "--db", self.srv.db, check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)


if __name__ == "__main__":
    main()
