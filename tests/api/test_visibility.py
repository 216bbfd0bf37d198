"""Visibility and write permissions between parties that do not trust each other.

Read rule: admin and monitor read everything; any other party reads what it owns (the
area's party is it, or it created it) and what is shared with it (visibility "public",
or a list naming it). What a party may not read answers 404 exactly like an id that
does not exist, and its names never appear in any answer to that party.
"""
import json
import re

from harness import ServerTest, polygon, feature, main

PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("Russia", "guarantor"), ("Turkey", "guarantor"),
           ("SAA", "belligerent"), ("Opposition", "belligerent"), ("Kazakhstan", "observer"),
           ("UN", "humanitarian"), ("IMAC", "mine_action")]
ROLE = dict(PARTIES)
PRIVILEGED = {"admin", "monitor"}

T0 = "2016-01-01T00:00:00Z"
EARLY = "2016-03-01T00:00:00Z"   # before the history area's second version, while "past" is in force
LATE = "2017-01-01T00:00:00Z"
OPEN = None

# The point every area below covers.
P = (36.55, 35.55)


def square_around(i):
    """A square covering P, a little larger for each i so that no two are equal."""
    d = 0.01 * (i + 1)
    return polygon(P[0] - 0.05 - d, P[1] - 0.05 - d, 0.1 + 2 * d)


# key: creator and versions (name, kind, party, actor, visibility, valid_from, valid_to)
AREAS = [
    ("pub", "admin", [("VIS-Public-SAA", "control", "SAA", None, "public", T0, OPEN)]),
    ("russia", "admin", [("VIS-Opp-for-Russia", "control", "Opposition", None, ["Russia"], T0, OPEN)]),
    ("two", "admin", [("VIS-NoStrike-Russia-UN", "no_strike", None, None, ["Russia", "UN"], T0, OPEN)]),
    ("saa_own", "SAA", [("VIS-SAA-private", "control", "SAA", None, [], T0, OPEN)]),
    ("desig", "JMC", [("VIS-ISIS-restricted", "designated", None, "ISIS", ["Russia", "Turkey"], T0, OPEN)]),
    ("un_own", "UN", [("VIS-UN-for-IMAC", "no_strike", "UN", None, ["IMAC"], T0, OPEN)]),
    ("turkey_zone", "Turkey", [("VIS-Turkey-zone-for-Opp", "ceasefire_zone", "Turkey", None, ["Opposition"], T0,
                                OPEN)]),
    ("region", "admin", [("VIS-Region-for-Kazakhstan", "region", None, None, ["Kazakhstan"], T0, OPEN)]),
    ("hist", "admin", [("VIS-Hist-v1-secret", "control", "SAA", None, ["Russia"], T0, OPEN),
                       ("VIS-Hist-v2-public", "control", "SAA", None, "public", "2016-06-01T00:00:00Z", OPEN)]),
    ("past", "admin", [("VIS-Past-for-SAA", "corridor_poly", "Opposition", None, ["SAA"], T0,
                        "2016-05-01T00:00:00Z")]),
]

# name, creator, visibility
AGREEMENTS = [("AG-Public", "admin", "public"), ("AG-For-Russia", "admin", ["Russia"]),
              ("AG-Turkey-for-SAA", "Turkey", ["SAA"]), ("AG-JMC-for-UN-IMAC", "JMC", ["UN", "IMAC"]),
              ("AG-Russia-private", "Russia", [])]


def may_see(viewer, vis, owner, creator):
    if ROLE[viewer] in PRIVILEGED or vis == "public":
        return True
    return viewer in (owner, creator) or viewer in vis


def without_id(text, i):
    """text with the number i (as a whole number, not inside "/v1") replaced by N."""
    return re.sub(r"\b%d\b" % i, "N", text)


def in_force(v, t):
    return v["valid_from"] <= t < v["effective_to"]


class VisibilityMatrixTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.srv
        for name, role in PARTIES:
            srv.add_party(name, role)
        assert srv.post("/v1/actors", {"name": "ISIS"}, party="admin").status == 201
        cls.areas = {}     # key -> {"id", "versions": [dict]}
        for i, (key, creator, versions) in enumerate(AREAS):
            aid, vs = None, []
            for (name, kind, party, actor, vis, vf, vt) in versions:
                props = {"kind": kind, "name": name, "visibility": vis, "valid_from": vf}
                if kind == "corridor_poly":
                    props["kind"] = "corridor"
                if party:
                    props["party"] = party
                if actor:
                    props["actor"] = actor
                if vt:
                    props["valid_to"] = vt
                f = feature(square_around(i), **props)
                r = srv.post("/v1/areas", f, party=creator) if aid is None else \
                    srv.put("/v1/areas/%d" % aid, f, party=creator)
                assert r.status in (200, 201), (key, r)
                aid = r.json["id"]
                if vs:
                    vs[-1]["effective_to"] = min(vs[-1]["effective_to"], vf)
                vs.append({"name": name, "kind": props["kind"], "party": party, "actor": actor, "vis": vis,
                           "creator": creator, "valid_from": vf, "effective_to": vt or "9999",
                           "version": len(vs) + 1})
            cls.areas[key] = {"id": aid, "versions": vs}
        cls.agreements = {}
        for name, creator, vis in AGREEMENTS:
            r = srv.post("/v1/agreements", {"name": name, "start": T0, "visibility": vis}, party=creator)
            assert r.status == 201, (name, r)
            cls.agreements[name] = {"id": r.json["id"], "creator": creator, "vis": vis}
        cls.missing_area = max(a["id"] for a in cls.areas.values()) + 1000

    # -- the expected answers, from the rule --
    def visible_version(self, viewer, v):
        return may_see(viewer, v["vis"], v["party"], v["creator"])

    def expected_current(self, viewer, pred=lambda v: True):
        return {a["id"] for a in self.areas.values()
                if self.visible_version(viewer, a["versions"][-1]) and pred(a["versions"][-1])}

    def expected_at(self, viewer, t, pred=lambda v: True):
        out = {}
        for a in self.areas.values():
            for v in a["versions"]:
                if in_force(v, t) and self.visible_version(viewer, v) and pred(v):
                    out[a["id"]] = v
        return out

    def hidden_names(self, viewer):
        """Names of area versions and agreements the viewer may not see at all."""
        names = {v["name"] for a in self.areas.values() for v in a["versions"] if not self.visible_version(viewer, v)}
        names |= {n for n, ag in self.agreements.items() if not may_see(viewer, ag["vis"], None, ag["creator"])}
        return names

    def assertNoLeak(self, viewer, body):
        for name in self.hidden_names(viewer):
            self.assertNotIn(name, body, "%s may not learn of %r" % (viewer, name))

    def our_ids(self, features):
        ours = {a["id"] for a in self.areas.values()}
        return {f["id"] for f in features if f["id"] in ours}

    def list_all(self, viewer, query):
        """Every page of GET /v1/areas?query (bounded)."""
        feats, cursor, bodies = [], None, []
        for _ in range(50):
            q = query + ("&cursor=" + cursor if cursor else "")
            r = self.srv.get("/v1/areas?" + q, party=viewer)
            self.assertEqual(r.status, 200, r)
            bodies.append(r.body)
            feats += r.json["features"]
            cursor = r.json["next_cursor"]
            if cursor is None:
                break
        ids = [f["id"] for f in feats]
        self.assertEqual(len(ids), len(set(ids)))
        self.features = feats
        return ids, "".join(bodies)

    def not_found_like_missing(self, viewer, path_hidden, path_missing, hidden_id, missing_id):
        """The answer for a hidden object equals the one for a missing object."""
        h = self.srv.get(path_hidden, party=viewer)
        m = self.srv.get(path_missing, party=viewer)
        p = self.assertProblem(h, 404, "id")
        self.assertProblem(m, 404, "id")
        self.assertEqual(without_id(h.body, hidden_id), without_id(m.body, missing_id))
        return p

    # -- the matrix --
    def test_list_current(self):
        for viewer, _ in PARTIES:
            with self.subTest(viewer=viewer):
                ids, body = self.list_all(viewer, "limit=1000")
                self.assertEqual(self.our_ids([{"id": i} for i in ids]), self.expected_current(viewer))
                self.assertNoLeak(viewer, body)

    def test_list_paginated(self):
        for viewer, _ in PARTIES:
            with self.subTest(viewer=viewer):
                ids, body = self.list_all(viewer, "limit=2")
                self.assertEqual(self.our_ids([{"id": i} for i in ids]), self.expected_current(viewer))
                self.assertNoLeak(viewer, body)

    def test_list_filters(self):
        bbox = "bbox=%g,%g,%g,%g" % (P[0] - 0.01, P[1] - 0.01, P[0] + 0.01, P[1] + 0.01)
        filters = [("kind=control", lambda v: v["kind"] == "control"),
                   ("kind=designated", lambda v: v["kind"] == "designated"),
                   ("kind=region", lambda v: v["kind"] == "region"),
                   ("party=SAA", lambda v: v["party"] == "SAA"),
                   ("party=Opposition", lambda v: v["party"] == "Opposition"),
                   ("party=ISIS", lambda v: v["actor"] == "ISIS"),
                   (bbox, lambda v: True),
                   ("kind=control&party=SAA&" + bbox, lambda v: v["kind"] == "control" and v["party"] == "SAA")]
        for viewer, _ in PARTIES:
            for q, pred in filters:
                with self.subTest(viewer=viewer, q=q):
                    ids, body = self.list_all(viewer, q)
                    self.assertEqual(self.our_ids([{"id": i} for i in ids]), self.expected_current(viewer, pred))
                    self.assertNoLeak(viewer, body)

    def test_list_at_a_time(self):
        for t in [EARLY, LATE]:
            for viewer, _ in PARTIES:
                for q, pred in [("", lambda v: True), ("&kind=control", lambda v: v["kind"] == "control"),
                                ("&party=SAA", lambda v: v["party"] == "SAA")]:
                    with self.subTest(viewer=viewer, at=t, q=q):
                        ids, body = self.list_all(viewer, "at=" + t + q)
                        exp = self.expected_at(viewer, t, pred)
                        self.assertEqual(self.our_ids([{"id": i} for i in ids]), set(exp))
                        for f in self.features:
                            if f["id"] in exp:
                                self.assertEqual(f["properties"]["name"], exp[f["id"]]["name"])
                        self.assertNoLeak(viewer, body)

    def test_get_one(self):
        for viewer, _ in PARTIES:
            for key, a in self.areas.items():
                with self.subTest(viewer=viewer, area=key):
                    path = "/v1/areas/%d" % a["id"]
                    cur = a["versions"][-1]
                    if self.visible_version(viewer, cur):
                        r = self.srv.get(path, party=viewer)
                        self.assertEqual(r.status, 200, r)
                        self.assertEqual(r.json["properties"]["name"], cur["name"])
                    else:
                        p = self.not_found_like_missing(viewer, path, "/v1/areas/%d" % self.missing_area, a["id"],
                                                        self.missing_area)
                        self.assertNotIn(cur["name"], json.dumps(p))

    def test_get_old_version(self):
        a = self.areas["hist"]
        for viewer, _ in PARTIES:
            for v in a["versions"]:
                with self.subTest(viewer=viewer, version=v["version"]):
                    r = self.srv.get("/v1/areas/%d?version=%d" % (a["id"], v["version"]), party=viewer)
                    if self.visible_version(viewer, v):
                        self.assertEqual(r.status, 200, r)
                        self.assertEqual(r.json["properties"]["name"], v["name"])
                    else:
                        self.assertProblem(r, 404)
                        self.assertNoLeak(viewer, r.body)

    def test_history(self):
        for viewer, _ in PARTIES:
            for key, a in self.areas.items():
                with self.subTest(viewer=viewer, area=key):
                    path = "/v1/areas/%d/history" % a["id"]
                    if not self.visible_version(viewer, a["versions"][-1]):
                        self.not_found_like_missing(viewer, path, "/v1/areas/%d/history" % self.missing_area,
                                                    a["id"], self.missing_area)
                        continue
                    r = self.srv.get(path, party=viewer)
                    self.assertEqual(r.status, 200, r)
                    got = [f["properties"]["version"] for f in r.json["features"]]
                    want = [v["version"] for v in a["versions"] if self.visible_version(viewer, v)]
                    self.assertEqual(got, want, "history must hold only the versions %s may see" % viewer)
                    self.assertNoLeak(viewer, r.body)

    def test_attribution(self):
        for t in [EARLY, LATE]:
            for viewer, _ in PARTIES:
                with self.subTest(viewer=viewer, at=t):
                    r = self.srv.get("/v1/attribution?lon=%s&lat=%s&at=%s" % (P[0], P[1], t), party=viewer)
                    self.assertEqual(r.status, 200, r)
                    self.assertNoLeak(viewer, r.body)
                    a = r.json
                    exp = self.expected_at(viewer, t)
                    lists = ["control", "ceasefire_zones", "designated", "corridors", "no_strike", "regions"]
                    got = {x["area_id"]: x["name"] for k in lists for x in a[k]}
                    self.assertEqual(got, {i: v["name"] for i, v in exp.items()})
                    self.assertEqual(set(a["parties"]), {v["party"] for v in exp.values() if v["party"]})
                    self.assertEqual(set(a["actors"]), {v["actor"] for v in exp.values() if v["actor"]})
                    regions = [v["name"] for v in exp.values() if v["kind"] == "region"]
                    self.assertEqual(a["region"], regions[0] if regions else None)
                    controls = [i for i, v in exp.items() if v["kind"] == "control"]
                    if a["controller"] is not None:
                        self.assertIn(a["controller"]["area_id"], controls)
                    self.assertEqual(a["contested"], len(controls) > 1)
                    ags = {g["name"] for g in a["agreements"]}
                    self.assertEqual(ags, {n for n, ag in self.agreements.items()
                                           if may_see(viewer, ag["vis"], None, ag["creator"])})

    def test_agreements(self):
        for viewer, _ in PARTIES:
            with self.subTest(viewer=viewer):
                want = {n for n, ag in self.agreements.items() if may_see(viewer, ag["vis"], None, ag["creator"])}
                for q in ["", "?at=" + LATE, "?limit=1"]:
                    names, cursor, body = set(), None, ""
                    for _ in range(20):
                        sep = "&" if "?" in q else "?"
                        r = self.srv.get("/v1/agreements" + q + (sep + "cursor=" + cursor if cursor else ""),
                                         party=viewer)
                        self.assertEqual(r.status, 200, r)
                        body += r.body
                        names |= {x["name"] for x in r.json["items"]}
                        cursor = r.json["next_cursor"]
                        if cursor is None or q != "?limit=1":
                            break
                    self.assertEqual(names & set(self.agreements), want, q)
                    self.assertNoLeak(viewer, body)
                for name, ag in self.agreements.items():
                    r = self.srv.get("/v1/agreements/%d" % ag["id"], party=viewer)
                    if name in want:
                        self.assertEqual(r.status, 200, r)
                        self.assertEqual(r.json["name"], name)
                    else:
                        self.assertProblem(r, 404, "id")
                        self.assertNotIn(name, r.body)

    def test_parties_and_actors_are_public(self):
        for viewer, _ in PARTIES:
            with self.subTest(viewer=viewer):
                names = {p["name"] for p in self.srv.get("/v1/parties", party=viewer).json["items"]}
                self.assertEqual(names, {n for n, _ in PARTIES})
                body = self.srv.get("/v1/parties", party=viewer).body
                for tok in self.srv.tokens.values():
                    self.assertNotIn(tok, body)
                self.assertIn("ISIS", [a["name"] for a in self.srv.get("/v1/actors", party=viewer).json["items"]])


class OnlyHiddenAreasHereTest(ServerTest):
    """Attribution at a point covered only by areas the caller may not see: an empty
    answer that names none of them (own server: this path once hit undefined
    behaviour, qsort of an empty NULL list)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in PARTIES:
            cls.srv.add_party(name, role)
        r = cls.srv.post("/v1/areas", feature(polygon(44.0, 33.0, 0.2), kind="control", party="Opposition",
                                              name="Lonely-secret", visibility=["Russia"]), party="admin")
        assert r.status == 201, r

    def test_nothing_visible_here(self):
        for viewer in ["SAA", "Turkey", "Kazakhstan", "UN", "IMAC", "Russia", "admin"]:
            with self.subTest(viewer=viewer):
                for lon, lat in [(44.1, 33.1), (10.0, 10.0)]:
                    r = self.srv.get("/v1/attribution?lon=%s&lat=%s&at=%s" % (lon, lat, LATE), party=viewer)
                    self.assertEqual(r.status, 200, r)
                    sees = viewer in ("Russia", "admin") and lon == 44.1
                    self.assertEqual("Lonely-secret" in r.body, sees, r.body)
                    if not sees:
                        self.assertEqual(r.json["control"], [])
                        self.assertIsNone(r.json["controller"])
                        self.assertEqual(r.json["parties"], [])


class HiddenAgreementTest(ServerTest):
    """A hidden agreement answers exactly like a missing one (own server: a missing
    agreement id once crashed the process)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in PARTIES:
            cls.srv.add_party(name, role)
        r = cls.srv.post("/v1/agreements", {"name": "Hidden-Agreement", "start": T0, "visibility": ["Russia"]},
                         party="admin")
        assert r.status == 201, r
        cls.ag_id = r.json["id"]

    def test_hidden_equals_missing(self):
        missing = self.ag_id + 1000
        for viewer in ["SAA", "Turkey", "Kazakhstan", "UN", "IMAC"]:
            with self.subTest(viewer=viewer):
                h = self.srv.get("/v1/agreements/%d" % self.ag_id, party=viewer)
                m = self.srv.get("/v1/agreements/%d" % missing, party=viewer)
                self.assertProblem(h, 404, "id")
                self.assertProblem(m, 404, "id")
                self.assertEqual(without_id(h.body, self.ag_id), without_id(m.body, missing))
                self.assertNotIn("Hidden-Agreement", h.body)


class WritePermissionTest(ServerTest):
    """Who may write what. Every refused write changes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.srv
        for name, role in PARTIES:
            srv.add_party(name, role)
        assert srv.post("/v1/actors", {"name": "ISIS"}, party="admin").status == 201
        r = srv.post("/v1/areas", feature(polygon(40.0, 30.0), kind="control", party="Opposition",
                                          name="Opp public"), party="admin")
        cls.opp_public = r.json["id"]
        r = srv.post("/v1/areas", feature(polygon(40.2, 30.0), kind="control", party="Opposition", name="Opp hidden",
                                          visibility=["Russia"]), party="admin")
        cls.opp_hidden = r.json["id"]
        r = srv.post("/v1/areas", feature(polygon(40.4, 30.0), kind="control", party="SAA", name="SAA mine"),
                     party="SAA")
        assert r.status == 201, r
        cls.saa_mine = r.json["id"]
        r = srv.post("/v1/areas", feature(polygon(40.6, 30.0), kind="ceasefire_zone", name="Zone hidden from Russia",
                                          visibility=["Turkey"]), party="admin")
        cls.zone_hidden = r.json["id"]
        cls.n = 0

    def refused(self, status, method, path, body, party, field=None):
        r = self.assertUnchanged(lambda: self.srv.request(method, path, body=body, party=party))
        return self.assertProblem(r, status, field)

    def fresh(self, **props):
        WritePermissionTest.n += 1
        props.setdefault("name", "W%d" % self.n)
        return feature(polygon(41.0 + 0.2 * (self.n % 20), 31.0 + 0.2 * (self.n // 20)), **props)

    def test_belligerent_creates_only_its_own_areas(self):
        for kind in ["control", "ceasefire_zone", "no_strike"]:
            with self.subTest(kind=kind):
                r = self.srv.post("/v1/areas", self.fresh(kind=kind, party="SAA"), party="SAA")
                self.assertEqual(r.status, 201, r)
                self.assertEqual(r.json["properties"]["created_by"], "SAA")
        r2 = feature({"type": "LineString", "coordinates": [[45, 30], [45.1, 30]]}, kind="corridor", party="SAA",
                     name="SAA corridor", width_m=500)
        self.assertEqual(self.srv.post("/v1/areas", r2, party="SAA").status, 201)
        # In another party's name, in an actor's name, or in nobody's: refused.
        self.refused(403, "POST", "/v1/areas", self.fresh(kind="control", party="Opposition"), "SAA",
                     "properties.party")
        self.refused(403, "POST", "/v1/areas", self.fresh(kind="control", actor="ISIS"), "SAA")
        self.refused(403, "POST", "/v1/areas", self.fresh(kind="no_strike"), "SAA", "properties.party")
        self.refused(403, "POST", "/v1/areas", self.fresh(kind="ceasefire_zone"), "SAA", "properties.party")
        # Region and designated areas are the centre's to draw.
        self.refused(403, "POST", "/v1/areas", self.fresh(kind="region"), "SAA", "properties.kind")
        self.refused(403, "POST", "/v1/areas", self.fresh(kind="designated", actor="ISIS"), "SAA", "properties.kind")

    def test_other_roles_create_only_their_own_areas(self):
        for party in ["Russia", "UN", "IMAC"]:
            with self.subTest(party=party):
                r = self.srv.post("/v1/areas", self.fresh(kind="no_strike", party=party), party=party)
                self.assertEqual(r.status, 201, r)
                self.refused(403, "POST", "/v1/areas", self.fresh(kind="no_strike", party="SAA"), party,
                             "properties.party")
                self.refused(403, "POST", "/v1/areas", self.fresh(kind="region"), party, "properties.kind")
                self.refused(403, "POST", "/v1/areas", self.fresh(kind="designated", actor="ISIS"), party,
                             "properties.kind")
        for party in ["admin", "JMC"]:
            with self.subTest(party=party):
                for props in [dict(kind="region"), dict(kind="designated", actor="ISIS"),
                              dict(kind="control", party="SAA")]:
                    r = self.srv.post("/v1/areas", self.fresh(**props), party=party)
                    self.assertEqual(r.status, 201, r)

    def test_belligerent_may_not_change_another_partys_area(self):
        later = "2017-01-01T00:00:00Z"
        for body in [feature(polygon(40.0, 30.0), kind="control", party="SAA", name="Opp public", valid_from=later),
                     feature(polygon(40.0, 30.0), kind="control", party="Opposition", name="Opp public",
                             valid_from=later)]:
            with self.subTest(party=body["properties"]["party"]):
                self.refused(403, "PUT", "/v1/areas/%d" % self.opp_public, body, "SAA")
        # A hidden area is not there at all for SAA: 404, as for a missing id.
        body = feature(polygon(40.2, 30.0), kind="control", party="SAA", name="x", valid_from=later)
        h = self.refused(404, "PUT", "/v1/areas/%d" % self.opp_hidden, body, "SAA")
        missing = self.zone_hidden + 1000
        m = self.refused(404, "PUT", "/v1/areas/%d" % missing, body, "SAA")
        self.assertEqual(without_id(h["detail"], self.opp_hidden), without_id(m["detail"], missing))
        self.assertNotIn("Opp hidden", json.dumps(h))
        # And the Opposition may not change SAA's.
        self.refused(403, "PUT", "/v1/areas/%d" % self.saa_mine,
                     feature(polygon(40.4, 30.0), kind="control", party="Opposition", name="SAA mine",
                             valid_from=later), "Opposition")

    def test_belligerent_changes_its_own_area(self):
        r = self.srv.post("/v1/areas", self.fresh(kind="control", party="Opposition"), party="Opposition")
        self.assertEqual(r.status, 201, r)
        aid = r.json["id"]
        f = self.fresh(kind="control", party="Opposition", valid_from="2017-01-01T00:00:00Z")
        r = self.srv.put("/v1/areas/%d" % aid, f, party="Opposition", headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["properties"]["version"], 2)
        # Giving it away is refused.
        g = self.fresh(kind="control", party="SAA", valid_from="2017-06-01T00:00:00Z")
        self.refused(403, "PUT", "/v1/areas/%d" % aid, g, "Opposition", "properties.party")

    def test_observer_writes_nothing(self):
        for method, path, body in [
                ("POST", "/v1/areas", self.fresh(kind="no_strike", party="Kazakhstan")),
                ("PUT", "/v1/areas/%d" % self.opp_public, feature(polygon(40.0, 30.0), kind="control",
                                                                   party="Kazakhstan", name="x",
                                                                   valid_from="2017-01-01T00:00:00Z")),
                ("POST", "/v1/agreements", {"name": "Kaz", "start": T0}),
                ("POST", "/v1/actors", {"name": "KazActor"})]:
            with self.subTest(path=path, method=method):
                self.refused(403, method, path, body, "Kazakhstan")

    def test_agreement_writers(self):
        for i, (party, role) in enumerate(PARTIES):
            with self.subTest(party=party):
                body = {"name": "Agreement by %s" % party, "start": T0}
                if role in ("admin", "monitor", "guarantor"):
                    r = self.srv.post("/v1/agreements", body, party=party)
                    self.assertEqual(r.status, 201, r)
                    self.assertEqual(r.json["created_by"], party)
                else:
                    self.refused(403, "POST", "/v1/agreements", body, party)

    def test_actor_registrars(self):
        for party, role in PARTIES:
            with self.subTest(party=party):
                body = {"name": "Actor of %s" % party}
                if role in ("admin", "monitor"):
                    self.assertEqual(self.srv.post("/v1/actors", body, party=party).status, 201)
                else:
                    self.refused(403, "POST", "/v1/actors", body, party)

    def test_agreement_zone_the_writer_may_not_see(self):
        # Russia may not see the zone: naming it must answer as for a missing area,
        # so that the agreement form cannot be used to probe for hidden areas.
        missing = self.zone_hidden + 1000
        h = self.refused(400, "POST", "/v1/agreements",
                         {"name": "Probe", "start": T0, "zones": [self.zone_hidden]}, "Russia", "zones[0]")
        m = self.refused(400, "POST", "/v1/agreements",
                         {"name": "Probe", "start": T0, "zones": [missing]}, "Russia", "zones[0]")
        self.assertEqual(without_id(h["detail"], self.zone_hidden), without_id(m["detail"], missing))
        # Turkey, who may see it, may use it.
        r = self.srv.post("/v1/agreements", {"name": "Zone deal", "start": T0, "zones": [self.zone_hidden]},
                          party="Turkey")
        self.assertEqual(r.status, 201, r)


if __name__ == "__main__":
    main()
