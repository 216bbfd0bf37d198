"""Conflict answers are byte-identical to the golden ones (issue 19, goal 2).

The answer of POST /v1/operations (201 and the 409 of reject_on_conflict), /v1/sites and
/v1/movements names each conflicting operation's owner, kind, window and distance band.
Since issue 19 these come from the deconfliction engine and the tags kept beside it, not
from reading each operation back from the store. This test replays a fixed, seeded
sequence of requests — operations of four parties (circles, polygons, several volumes,
two kinds), public and restricted sites (the restricted ones met only by volumes that
cover their coarsened twins whatever the random draw), a movement, sites and a movement
created after the operations, refusals — then restarts the server (the engine is rebuilt from the
store) and asks the refusals again, and compares the raw bytes of every answer's
"conflicts" member with tests/golden/conflict-answers.json, written by the binary that
still read the store (TRUCE_UPDATE_GOLDEN=1 rewrites it).
"""
import json
import os
import random

from harness import ROOT, ServerTest, main

GOLDEN = os.path.join(ROOT, "tests", "golden", "conflict-answers.json")
PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("Russia", "guarantor"), ("US", "guarantor"),
           ("SAA", "belligerent"), ("Coalition", "belligerent"), ("UNOCHA", "humanitarian")]
DECLARERS = ["SAA", "Coalition", "Russia", "US"]


def alt(v):
    return {"value": v, "reference": "W84", "units": "M"}


def tm(h):
    return {"value": "2016-09-17T%02d:%02d:00Z" % (h // 60, h % 60), "format": "RFC3339"}


def volume(rng):
    """A circle or a polygon near Aleppo, a band and a window, all from rng."""
    lon, lat = 37.0 + rng.uniform(0, 0.3), 36.1 + rng.uniform(0, 0.2)
    lo = rng.choice([0, 500, 1500])
    t0 = rng.randrange(0, 600, 15)
    if rng.random() < 0.4:
        outline = {"outline_circle": {"center": {"lat": round(lat, 5), "lng": round(lon, 5)},
                                      "radius": {"value": rng.choice([800, 2500, 6000]), "units": "M"}}}
    else:
        d = rng.choice([0.01, 0.03, 0.07])
        verts = [(lon, lat), (lon + d, lat + d / 3), (lon + d, lat + d), (lon - d / 4, lat + d)]
        outline = {"outline_polygon": {"vertices": [{"lng": round(x, 6), "lat": round(y, 6)} for x, y in verts]}}
    return {"volume": dict(outline, altitude_lower=alt(lo), altitude_upper=alt(lo + rng.choice([300, 1200, 4000]))),
            "time_start": tm(t0), "time_end": tm(t0 + rng.choice([30, 90, 240]))}


def raw_conflicts(body):
    """The exact bytes of the answer's "conflicts" member."""
    text = body.decode() if isinstance(body, bytes) else body
    at = text.index('"conflicts":') + len('"conflicts":')
    _, end = json.JSONDecoder().raw_decode(text, at)
    return text[at:end]


class ConflictAnswerTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in PARTIES:
            cls.srv.add_party(name, role)

    def ask(self, got, label, path, body, party, statuses=(201, 409)):
        r = self.srv.post(path, body, party=party)
        self.assertIn(r.status, statuses, r)
        got.append({"request": label, "status": r.status, "conflicts": raw_conflicts(r.body)})
        return r

    def site(self, got, label, lon, lat, visibility, party):
        props = {"kind": "hospital", "name": label, "radius_m": 700, "valid_from": "2016-01-01T00:00:00Z",
                 "visibility": visibility}
        body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}
        self.ask(got, label, "/v1/sites", body, party, (201,))

    def movement(self, got, label):
        body = {"type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[37.0, 36.12], [37.15, 36.2], [37.3, 36.25]]},
                "properties": {"kind": "convoy", "name": label, "width_m": 200, "time_start": "2016-09-17T01:00:00Z",
                               "time_end": "2016-09-17T09:00:00Z"}}
        self.ask(got, label, "/v1/movements", body, "UNOCHA", (201,))

    def test_answers_match_the_golden_file(self):
        rng = random.Random(19)
        got = []
        self.site(got, "site public", 37.1, 36.15, "public", "UNOCHA")
        # Restricted sites are answered through coarsened twins drawn at random: they stand
        # apart (60 km east), met only by volumes that cover their twins whatever the draw.
        self.site(got, "site restricted", 37.9, 36.6, ["Russia"], "SAA")
        far = {"volume": {"outline_circle": {"center": {"lat": 36.6, "lng": 37.9}, "radius": {"value": 20000, "units": "M"}},
                          "altitude_lower": alt(0), "altitude_upper": alt(3000)}, "time_start": tm(0), "time_end": tm(600)}
        for party in ("Coalition", "US"):
            self.ask(got, "operation over the restricted site by " + party, "/v1/operations",
                     {"kind": "air", "volumes": [far]}, party)
        for i in range(80):
            party = DECLARERS[i % 4]
            body = {"kind": rng.choice(["air", "artillery"]), "volumes": [volume(rng) for _ in range(rng.randint(1, 3))],
                    "reject_on_conflict": i % 5 == 4}
            self.ask(got, "operation %d by %s" % (i, party), "/v1/operations", body, party)
        self.site(got, "site after", 37.12, 36.18, "public", "UNOCHA")
        self.site(got, "site after, restricted", 37.95, 36.62, ["US"], "Coalition")
        self.movement(got, "movement after")
        refusals = [(party, {"kind": "air", "volumes": [volume(rng), volume(rng)], "reject_on_conflict": True})
                    for party in DECLARERS for _ in range(3)]
        refusals += [(party, {"kind": "air", "volumes": [far], "reject_on_conflict": True}) for party in DECLARERS]
        for k, (party, body) in enumerate(refusals):
            self.ask(got, "refusal %d by %s" % (k, party), "/v1/operations", body, party)
        self.srv.restart()
        for k, (party, body) in enumerate(refusals):
            self.ask(got, "after restart: refusal %d by %s" % (k, party), "/v1/operations", body, party)
        self.assertGreater(sum(e["conflicts"].count('"type":"operation"') for e in got), 200)
        if os.environ.get("TRUCE_UPDATE_GOLDEN"):
            with open(GOLDEN, "w") as f:
                json.dump(got, f, indent=1, ensure_ascii=False)
                f.write("\n")
            return
        with open(GOLDEN) as f:
            want = json.load(f)
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual(g, w, "the answer to %s differs from the golden one" % w["request"])


if __name__ == "__main__":
    main()
