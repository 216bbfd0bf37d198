"""Who sees what, route by route (issue 12, item 3; docs/visibility.md "Who sees what").

Every GET route of `truce routes` is listed in ROUTES: either the kinds of object it answers
(and how to ask it), or why it answers none. test_every_route_is_listed fails when a route
is added and not listed here. For every listed route and every kind it answers, an object
of that kind hidden from the stranger (Kazakhstan, an observer) is looked for, by the
stranger and by each party that may see it (the model below, written again from
src/service/centre_visible.c): a single GET answers 200 or 404 (hidden is missing), a list
or an export names the object or does not; a measure built from the objects (territory,
aid, separation, bulletins) answers the stranger exactly what it answered before the
hidden objects existed. Kinds public by design (operations, incidents, mine action) are
checked the other way round: the stranger sees them.

Each hidden object carries a marker (ZZ-...) in a text field the routes repeat.
"""
import json
import subprocess
import time

from harness import BIN, ServerTest, feature, main, polygon

STRANGER = "Kazakhstan"
PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("SAA", "belligerent"), ("Opposition", "belligerent"),
           ("Russia", "guarantor"), ("Turkey", "guarantor"), ("UNOCHA", "humanitarian"), ("IAMC", "mine_action"),
           (STRANGER, "observer")]
T0, T1 = "2016-09-19T10:00:00Z", "2016-09-19T16:00:00Z"
DAY = "2016-09-19"
REPORT_DAY = "2016-09-10"  # the (public) incident's day: not in DAY's bulletin, whose measures must not move
HIDDEN = ["Russia"]  # the visibility of every hidden object: Russia is listed, the stranger is not

# Who may see the hidden object of each kind (besides admin and JMC, who see everything).
# "*": public by design.
SEES = {
    "area": {"Russia", "Opposition"},        # listed; the area's party
    "corridor": {"Russia", "Opposition"},
    "agreement": {"Russia", "Turkey"},       # listed and creator; its parties
    "step": {"Russia", "Turkey"},            # through its agreement
    "site": {"Russia", "UNOCHA"},            # listed; owner
    "movement": {"Russia", "UNOCHA", "SAA"},  # listed; owner; SAA's clearance it needs
    "delivery": {"Russia", "UNOCHA", "SAA"},  # a movement that arrived (the aid measures count those)
    "checkpoint": {"Russia", "UNOCHA", "SAA"},  # listed; controlling party
    "operation": "*",
    "report": {"SAA"},                       # its reporter only
    "incident": "*",
    "hazard": "*", "task": "*", "accident": "*",
    "track": {"Russia", "SAA"},              # listed; owner
    "message": {"SAA", "Opposition"},        # sender; addressee
    "notice": {"Opposition"},                # addressee (the message's delivery)
    "record": {"UNOCHA"},                    # the party itself
}
PRIVILEGED = {"admin", "JMC"}

# Every GET route: [(kind, path with {id}/{name}/{track}/{date}, how)] or a string saying why no
# per-party object is in its answers. how: "one" (200/404), "list" (marker or not), "measure"
# (the stranger's answer is unchanged by the hidden objects; the others' changes or names it).
ROUTES = {
    "/v1/health": "liveness only",
    "/metrics": "loopback counters, no objects",
    "/v1/me": "the caller itself",
    "/v1/parties": "parties and roles are public (every party deals with every other)",
    "/v1/actors": "actors (designated groups) are public names",
    "/v1/log/key": "the log commits to objects by SHA-256 only (docs/tlog.md)",
    "/v1/log/checkpoint": "the log commits to objects by SHA-256 only",
    "/v1/log/tile/{path}": "the log commits to objects by SHA-256 only",
    "/v1/log/receipts/{index}": "the log commits to objects by SHA-256 only",
    "/v1/log/consistency": "the log commits to objects by SHA-256 only",
    "/v1/log/witnesses": "witness configuration, no objects",
    "/v1/areas": [("area", "/v1/areas?limit=500", "list"), ("corridor", "/v1/areas?limit=500", "list")],
    "/v1/areas/{id}": [("area", "/v1/areas/{id}", "one"), ("corridor", "/v1/areas/{id}", "one")],
    "/v1/areas/{id}/history": [("area", "/v1/areas/{id}/history", "one")],
    "/v1/attribution": [("area", "/v1/attribution?lon=36.45&lat=36.45&at=2016-09-19T12:00:00Z", "list"),
                        ("agreement", "/v1/attribution?lon=36.45&lat=36.45&at=2016-09-19T12:00:00Z", "list")],
    "/v1/territory": [("area", "/v1/territory?at=2016-09-19T12:00:00Z", "measure")],
    "/v1/corridors/{id}": [("corridor", "/v1/corridors/{id}", "one")],
    "/v1/agreements": [("agreement", "/v1/agreements?limit=500", "list")],
    "/v1/agreements/{id}": [("agreement", "/v1/agreements/{id}", "one")],
    "/v1/agreements/{id}/timeline": [("agreement", "/v1/agreements/{id}/timeline", "one"),
                                     ("step", "/v1/agreements/{agreement}/timeline", "one")],
    "/v1/agreements/{id}/separation": [("agreement", "/v1/agreements/{id}/separation", "one"),
                                       ("area", "/v1/agreements/{public_agreement}/separation?at=2016-09-19T12:00:00Z",
                                        "measure")],
    "/v1/steps/{id}": [("step", "/v1/steps/{id}", "one")],
    "/v1/sites": [("site", "/v1/sites?limit=500", "list"), ("site", "/v1/sites?bbox=36,36,37.5,37&limit=500", "list")],
    "/v1/sites/{id}": [("site", "/v1/sites/{id}", "one")],
    "/v1/movements": [("movement", "/v1/movements?limit=500&at=2016-09-19T12:00:00Z", "list"),
                      ("movement", "/v1/movements?bbox=36,36,37.5,37&limit=500&at=2016-09-19T12:00:00Z", "list")],
    "/v1/movements/{id}": [("movement", "/v1/movements/{id}", "one"),
                           ("checkpoint", "/v1/movements/{movement}", "list")],
    "/v1/exports/movements": [("movement", "/v1/exports/movements?format=geojson", "list")],
    "/v1/checkpoints": [("checkpoint", "/v1/checkpoints?limit=500", "list")],
    "/v1/checkpoints/{id}": [("checkpoint", "/v1/checkpoints/{id}", "one")],
    "/v1/operations": [("operation", "/v1/operations?limit=500", "ids")],
    "/v1/operations/{id}": [("operation", "/v1/operations/{id}", "one")],
    "/v1/aid": [("delivery", "/v1/aid?from=2016-09-01T00:00:00Z&to=2016-10-01T00:00:00Z", "measure")],
    "/v1/exports/aid": [("delivery", "/v1/exports/aid?format=csv&from=2016-09-01T00:00:00Z"
                                     "&to=2016-10-01T00:00:00Z", "list")],
    "/v1/reports/{id}": [("report", "/v1/reports/{id}", "one")],
    "/v1/incidents": [("incident", "/v1/incidents?limit=500", "ids")],
    "/v1/incidents/{id}": [("incident", "/v1/incidents/{id}", "one"),
                           ("movement", "/v1/incidents/{incident}", "ids")],
    "/v1/incidents/{id}/cap": [("incident", "/v1/incidents/{id}/cap", "one")],
    "/v1/exports/incidents": [("incident", "/v1/exports/incidents?format=geojson", "ids")],
    # the bulletin goes to every party: only what the public may see (centre_public)
    "/v1/bulletins/{date}": [("movement", "/v1/bulletins/" + DAY, "measure", set()),
                             ("agreement", "/v1/bulletins/" + DAY, "measure", set()),
                             ("incident", "/v1/bulletins/" + REPORT_DAY, "measure")],
    "/v1/messages": [("message", "/v1/messages", "list")],
    "/v1/notices": [("notice", "/v1/notices?limit=500", "list")],
    "/v1/notices/overdue": [("notice", "/v1/notices/overdue?limit=500", "measure", {"Opposition", "admin"})],
    "/v1/notices/stream": [("notice", "/v1/notices/stream?after=0", "stream")],
    "/v1/hazards": [("hazard", "/v1/hazards", "list")],
    "/v1/hazards/{id}": [("hazard", "/v1/hazards/{id}", "one")],
    "/v1/tasks/{id}": [("task", "/v1/tasks/{id}", "one")],
    "/v1/accidents": [("accident", "/v1/accidents", "list")],
    "/v1/mine-action/summary": [("hazard", "/v1/mine-action/summary", "measure")],
    "/v1/mine-action/export": [("hazard", "/v1/mine-action/export", "list")],
    "/v1/parties/{name}/record": [("record", "/v1/parties/UNOCHA/record?from=2000-01-01T00:00:00Z"
                                             "&to=2100-01-01T00:00:00Z", "one")],
    "/v1/tracks": [("track", "/v1/tracks", "list")],
    "/v1/tracks/{id}/history": [("track", "/v1/tracks/{id}/history", "one")],
    # alerts go to the owners of the two tracks; the other owner's is restricted (no name)
    "/v1/traffic/alerts": [("track", "/v1/traffic/alerts", "list", {"SAA", "admin", "JMC"})],
}
VOLATILE = ("generated_at", "now", "at")  # members of a measure that move with the clock


def marker(kind):
    return "ZZ-%s-hidden" % ("message" if kind == "notice" else kind)  # a notice carries its message


def has_id(o, kind, oid):
    """Whether o holds {"id": oid} beside "kind"/"type" kind, or a Feature of that id."""
    if isinstance(o, dict):
        if o.get("id") == oid and (o.get("kind") == kind or o.get("type") == kind or kind in ("operation", "incident")):
            return True
        return any(has_id(v, kind, oid) for v in o.values())
    if isinstance(o, list):
        return any(has_id(v, kind, oid) for v in o)
    return False


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in VOLATILE}
    if isinstance(o, list):
        return [strip(v) for v in o]
    return o


def parsed(body):
    """A measure's answer without the members that move with the clock."""
    try:
        return strip(json.loads(body))
    except ValueError:
        return body


def vis(v):
    return {"visibility": v}


def area(name, kind, party, lon, lat, d, v):
    return feature(polygon(lon, lat, d), kind=kind, name=name, party=party, valid_from="2016-01-01T00:00:00Z",
                   **vis(v))


def convoy(name, v, lon0=36.60):
    return {"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[lon0, 36.20], [lon0 + 0.2, 36.20], [lon0 + 0.4, 36.20]]},
            "properties": {"kind": "convoy", "name": name, "width_m": 200, "time_start": T0, "time_end": T1,
                           "cargo": [{"kind": "food", "tonnes": 5}], **vis(v)}}


def site(name, v):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.9, 36.25]},
            "properties": {"kind": "hospital", "name": name, "radius_m": 150, "valid_from": "2016-01-01T00:00:00Z",
                           **vis(v)}}


def circle(lon, lat, r):
    alt = lambda v: {"value": v, "reference": "W84", "units": "M"}
    return {"volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": r, "units": "M"}},
                       "altitude_lower": alt(0), "altitude_upper": alt(3000)},
            "time_start": {"value": T0, "format": "RFC3339"}, "time_end": {"value": T1, "format": "RFC3339"}}


def report(notes, target=None):
    r = {"occurred_at": REPORT_DAY + "T11:00:00Z", "time_precision": 1,
         "location": {"type": "Point", "coordinates": [36.9, 36.2]}, "geo_precision": 1,
         "event_type": "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
         "alleged_perpetrator": "Opposition", "description": notes, "source": {"kind": "party"}}
    if target:
        r["target"] = target
    return r


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000Z"


def track(name, dt, x, vx, **extra):
    t0 = time.time() - 5
    p = {"track": name, "at": iso(t0 + dt), "lon": 38.0 + x / 103000.0, "lat": 22.0, "alt_m": 3000,
         "vx_mps": vx, "vy_mps": 0, "vz_mps": 0}
    p.update(extra)
    return p


class VisibilityRoutesTest(ServerTest):
    @classmethod
    def created(cls, path, body, party):
        r = cls.srv.post(path, body, party=party)
        assert r.status == 201, (path, r)
        return r.json

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in PARTIES:
            cls.srv.add_party(name, role)
        cls.public_scaffolding()
        cls.before = {}
        for checks in ROUTES.values():
            for kind, path, how, *_ in checks if isinstance(checks, list) else []:
                for party in cls.parties_of(kind) if how == "measure" else []:
                    cls.before[cls.url(path, kind), party] = cls.srv.get(cls.url(path, kind), party=party)
        cls.hidden_objects()

    @classmethod
    def public_scaffolding(cls):
        """What the hidden objects need, all public: SAA's control area (its clearance), a
        public agreement with Opposition and SAA, a public convoy, an operation."""
        pid = cls.created("/v1/areas", area("Held by SAA", "control", "SAA", 36.70, 36.10, 0.2, "public"), "admin")
        cls.ids = {"public_area": pid["properties"]["id"] if "properties" in pid else pid["id"]}
        cls.created("/v1/areas", area("Opposition zone", "control", "Opposition", 36.30, 36.30, 0.1, "public"),
                    "admin")
        ag = cls.created("/v1/agreements", {"name": "Public arrangement", "start": "2016-09-01T00:00:00Z",
                                            "parties": ["SAA", "Opposition"], "visibility": "public",
                                            "provisions": [{"text": "Separate the groups"}]}, "Russia")
        cls.ids["public_agreement"] = ag["id"]
        mv = cls.created("/v1/movements", convoy("Public convoy", "public"), "UNOCHA")
        cls.ids["public_movement"] = mv["properties"]["id"]

    @classmethod
    def hidden_objects(cls):
        ids = cls.ids
        a = cls.created("/v1/areas", area(marker("area"), "control", "Opposition", 36.40, 36.40, 0.1, HIDDEN), "admin")
        ids["area"] = a["properties"]["id"]
        a = cls.created("/v1/areas", area(marker("corridor"), "corridor", "Opposition", 36.1, 36.1, 0.05, HIDDEN),
                        "admin")
        ids["corridor"] = a["properties"]["id"]
        ag = cls.created("/v1/agreements", {"name": marker("agreement"), "start": "2016-09-01T00:00:00Z",
                                            "parties": ["Russia", "Turkey"], "visibility": HIDDEN,
                                            "provisions": [{"text": "Exchange lists"}]}, "Russia")
        ids["agreement"] = ag["id"]
        st = cls.created("/v1/agreements/%d/steps" % ag["id"],
                         {"steps": [{"title": marker("step"), "responsible": "Turkey", "provision": 1,
                                     "deadline": "2016-09-19T12:00:00Z"}]}, "Russia")
        ids["step"] = st["steps"][0]["id"]
        ids["site"] = cls.created("/v1/sites", site(marker("site"), HIDDEN), "UNOCHA")["properties"]["id"]
        k = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.80, 36.20]},
             "properties": {"name": marker("checkpoint"), **vis(["Russia", "UNOCHA"])}}
        ids["checkpoint"] = cls.created("/v1/checkpoints", k, "SAA")["properties"]["id"]
        ids["movement"] = cls.created("/v1/movements", convoy(marker("movement"), HIDDEN), "UNOCHA")["properties"]["id"]
        ids["delivery"] = cls.created("/v1/movements", convoy(marker("delivery"), HIDDEN), "UNOCHA")["properties"]["id"]
        for st_, at in (("en_route", "11:00"), ("arrived", "15:00")):
            r = cls.srv.post("/v1/movements/%d/status" % ids["delivery"], {"status": st_, "at": "%sT%s:00Z" % (DAY, at)},
                             party="UNOCHA")
            assert r.status in (200, 201), r
        op = cls.created("/v1/operations", {"kind": "air", "reject_on_conflict": False,
                                            "volumes": [circle(36.9, 36.25, 2000)]}, "Turkey")
        ids["operation"] = op["id"]
        # SAA sees the hidden convoy only because its clearance is needed: it may report about it
        rep = cls.created("/v1/reports", report(marker("report"), {"kind": "movement", "id": ids["movement"]}), "SAA")
        ids["report"], ids["incident"] = rep["id"], rep["incident_id"]
        r = cls.srv.post("/v1/incidents/%d/verdict" % rep["incident_id"], {"verdict": "confirm"}, party="JMC")
        assert r.status in (200, 201), r
        h = cls.created("/v1/hazards", {"type": "Feature", "geometry": polygon(38.27, 34.55, 0.01),
                                        "properties": {"kind": "CHA", "name": marker("hazard"),
                                                       "contamination": ["IED"]}}, "IAMC")
        ids["hazard"] = h["properties"]["id"] if "properties" in h else h["id"]
        t = cls.created("/v1/tasks", {"hazard_id": ids["hazard"], "kind": "clearance", "operator": marker("task"),
                                      "start": "2016-03-28T00:00:00Z"}, "IAMC")
        ids["task"] = t["id"]
        cls.created("/v1/accidents", {"kind": "civilian", "date": "2016-03-31", "hazard_id": ids["hazard"],
                                      "description": marker("accident")}, "IAMC")
        cls.created("/v1/tracks", track("OPEN-1", 0, 0, 200), "Opposition")
        tr = cls.created("/v1/tracks", track(marker("track"), 0, 20000, -200, callsign="ZZCALL", visibility=HIDDEN),
                         "SAA")
        ids["track"] = tr["tracks"][0]["id"]
        cls.created("/v1/messages", {"to": "Opposition", "kind": "proposal", "subject": marker("message"),
                                     "text": "A proposal"}, "SAA")

    @classmethod
    def url(cls, path, kind):
        return path.format(id=cls.ids.get(kind, 0), **{k: v for k, v in cls.ids.items() if k != "id"})

    def test_every_route_is_listed(self):
        out = subprocess.run([BIN, "routes"], capture_output=True, text=True, check=True).stdout
        gets = {line.split()[1] for line in out.splitlines() if line.startswith("GET ")}
        self.assertEqual(gets - set(ROUTES), set(), "GET routes this test does not know: list them in ROUTES")
        self.assertEqual(set(ROUTES) - gets, set(), "ROUTES lists routes that no longer exist")

    @staticmethod
    def parties_of(kind):
        """The parties a route is asked as, for a kind: the stranger, admin, and who sees it."""
        return [STRANGER, "admin"] + sorted(SEES[kind] if SEES[kind] != "*" else [])

    def sees(self, party, kind):
        if kind == "notice":  # an inbox: the addressee's own, even for admin and monitor
            return party in SEES[kind]
        return SEES[kind] == "*" or party in PRIVILEGED or party in SEES[kind]

    def answer(self, party, path, how):
        if how != "stream":
            return self.srv.get(path, party=party)
        s = self.srv.stream(path, party=party, timeout=3)
        try:
            events = s.events(50, timeout=0.5)
        finally:
            s.close()
        return type("R", (), {"status": s.status, "body": json.dumps(events)})()

    def check(self, party, kind, path, how, who=None):
        r = self.answer(party, path, how)
        want = party in who if who is not None else self.sees(party, kind)
        text = r.body if isinstance(r.body, str) else r.body.decode("utf-8", "replace")
        named = marker(kind) in text
        if how == "one":
            self.assertEqual(r.status, 200 if want else 404, r)
            if want and kind not in ("record", "operation", "incident", "report", "task"):
                self.assertTrue(named, "%s does not name the object" % path)
            return
        if how == "ids":  # the answer names objects by id: {"id": n} with kind or type the kind
            named = r.status == 200 and has_id(json.loads(r.body), kind, self.ids[kind])
        if how in ("list", "stream", "ids") and r.status == 404 and not want:
            return  # the route answers about an object the party may not see at all
        self.assertEqual(r.status, 200, r)
        if how in ("list", "stream", "ids"):
            self.assertEqual(named, want, "%s as %s" % (path, party))
            return
        # measure: the answer of a party that may not see the object is what it was before the
        # hidden objects existed; that of a party that may see it moves (or names it)
        b = self.before[path, party]
        if not want:
            self.assertEqual(r.status, b.status, path)
            self.assertEqual(parsed(r.body), parsed(b.body), path)
        elif kind != "notice":  # (a notice is overdue only once its deadline passed)
            self.assertTrue(named or parsed(r.body) != parsed(b.body),
                            "%s: the %s changes nothing for %s, who may see it" % (path, kind, party))

    def test_every_route_follows_the_kind_rule(self):
        checked = set()
        for route, checks in ROUTES.items():
            if isinstance(checks, str):
                continue
            for kind, path, how, *who in checks:
                url = self.url(path, kind)
                for party in self.parties_of(kind):
                    with self.subTest(route=route, kind=kind, party=party):
                        self.check(party, kind, url, how, who[0] if who else None)
                checked.add(kind)
        self.assertEqual(checked, set(SEES), "every kind is looked for on at least one route")


class ClearingPartyTest(VisibilityRoutesTest):
    """The inconsistencies item 3 fixed: a party whose clearance a movement needs (SAA) reads
    it everywhere, not only through its GET (reports about it, aid, conflict answers), and a
    write it may not make is refused as forbidden, not answered as if the movement were missing."""

    def test_every_route_follows_the_kind_rule(self):
        pass  # run once, by the class above

    def test_every_route_is_listed(self):
        pass

    def conflict_with_hidden_convoy(self, party):
        r = self.srv.post("/v1/operations", {"kind": "artillery", "reject_on_conflict": False,
                                             "volumes": [circle(36.8, 36.2, 1500)]}, party=party)
        self.assertEqual(r.status, 201, r)
        hits = [c for c in r.json["conflicts"] if c.get("type") == "movement" and c.get("id") == self.ids["movement"]]
        return hits

    def test_conflict_answers(self):
        (seen,) = self.conflict_with_hidden_convoy("SAA")
        self.assertFalse(seen["restricted"], seen)
        self.assertEqual(seen["name"], marker("movement"))
        for party in ("Opposition", "Turkey"):
            for hit in self.conflict_with_hidden_convoy(party):
                self.assertTrue(hit["restricted"], hit)
                self.assertNotIn(marker("movement"), json.dumps(hit))

    def test_a_status_change_by_a_reader_is_forbidden_not_missing(self):
        body = {"status": "en_route", "at": DAY + "T11:00:00Z"}
        self.assertProblem(self.srv.post("/v1/movements/%d/status" % self.ids["movement"], body, party="SAA"), 403)
        self.assertProblem(self.srv.post("/v1/movements/%d/status" % self.ids["movement"], body, party="Opposition"),
                           404, "id")


if __name__ == "__main__":
    main()
