"""One visibility rule per kind (issue 12, item 3), checked on every route that answers sites
and movements: the single GETs, the lists (with and without a bbox: the engine's path), the
export, and report targets (POST /v1/reports with target site / movement).

The rule (src/service/centre_visible.c), written here again as the model the answers must
follow: a site is visible to its owner, the parties on its visibility list, monitors and
admins (or everyone when public); a movement likewise, and also to every party whose
clearance it needs (its route crosses that party's control area). Hidden is answered as
missing: 404 on a GET, absent from a list, 400 at target.id on a report.
"""
from harness import ServerTest, feature, main, polygon

T0 = "2016-09-19T10:00:00Z"
T1 = "2016-09-19T16:00:00Z"
PARTIES = [("admin", "admin"), ("JMC", "monitor"), ("SAA", "belligerent"), ("Opposition", "belligerent"),
           ("Russia", "guarantor"), ("UNOCHA", "humanitarian"), ("Kazakhstan", "observer")]
PRIVILEGED = {"admin", "JMC"}


def convoy(name, visibility):
    return {"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[36.60, 36.20], [36.80, 36.20], [37.00, 36.20]]},
            "properties": {"kind": "convoy", "name": name, "width_m": 200, "time_start": T0, "time_end": T1,
                           "visibility": visibility}}


def site(name, visibility):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.9, 36.25]},
            "properties": {"kind": "hospital", "name": name, "radius_m": 150, "valid_from": "2016-01-01T00:00:00Z",
                           "visibility": visibility}}


def report(kind, oid):
    return {"occurred_at": "2016-09-19T11:00:00Z", "time_precision": 1,
            "location": {"type": "Point", "coordinates": [36.9, 36.2]}, "geo_precision": 1,
            "event_type": "Explosions/Remote violence", "sub_event_type": "Shelling/artillery/missile attack",
            "alleged_perpetrator": "Opposition", "target": {"kind": kind, "id": oid}, "source": {"kind": "party"}}


class VisibilityRuleTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in PARTIES:
            cls.srv.add_party(name, role)
        r = cls.srv.post("/v1/areas", feature(polygon(36.70, 36.10, 0.2), kind="control", name="Held by SAA",
                                              party="SAA"), party="admin")
        assert r.status == 201, r
        cls.objects = []  # (kind, id, owner, listed, clearing parties)
        for vis in (["Russia"], "public", ["Kazakhstan"]):
            r = cls.srv.post("/v1/movements", convoy("Convoy %s" % vis, vis), party="UNOCHA")
            assert r.status == 201, r
            p = cls.srv.get("/v1/movements/%d" % r.json["properties"]["id"], party="UNOCHA").json["properties"]
            assert p["clearance"]["required"] == ["SAA"], p
            cls.objects.append(("movement", p["id"], "UNOCHA", vis, {"SAA"}))
            r = cls.srv.post("/v1/sites", site("Hospital %s" % vis, vis), party="UNOCHA")
            assert r.status == 201, r
            cls.objects.append(("site", r.json["properties"]["id"], "UNOCHA", vis, set()))

    @staticmethod
    def may_read(party, obj):
        kind, oid, owner, vis, clearing = obj
        return (vis == "public" or party == owner or party in PRIVILEGED or party in vis
                or (kind == "movement" and party in clearing))

    def listed_ids(self, path, party, kind):
        r = self.srv.get(path, party=party)
        self.assertEqual(r.status, 200, r)
        return {f["properties"]["id"] for f in r.json["features"]}

    def test_every_route_follows_the_rule(self):
        routes = {
            "site": ["/v1/sites?limit=100", "/v1/sites?bbox=36.5,36.0,37.1,36.4&limit=100"],
            "movement": ["/v1/movements?limit=100", "/v1/movements?bbox=36.5,36.0,37.1,36.4&limit=100",
                         "/v1/exports/movements?format=geojson"],
        }
        checked = 0
        for party, _ in PARTIES:
            for obj in self.objects:
                kind, oid = obj[0], obj[1]
                want = self.may_read(party, obj)
                with self.subTest(party=party, kind=kind, id=oid):
                    r = self.srv.get("/v1/%ss/%d" % (kind, oid), party=party)
                    self.assertEqual(r.status, 200 if want else 404, r)
                    for path in routes[kind]:
                        self.assertEqual(oid in self.listed_ids(path, party, kind), want, path)
                    checked += 1
        self.assertEqual(checked, len(PARTIES) * len(self.objects))

    def test_report_targets_follow_the_rule(self):
        # admins and observers may not file reports (a role rule, not visibility)
        for party in ("JMC", "SAA", "Opposition", "Russia", "UNOCHA"):
            for obj in self.objects:
                kind, oid = obj[0], obj[1]
                with self.subTest(party=party, kind=kind, id=oid):
                    if self.may_read(party, obj):
                        r = self.srv.post("/v1/reports", report(kind, oid), party=party)
                        self.assertEqual(r.status, 201, r)
                    else:
                        r = self.assertUnchanged(lambda: self.srv.post("/v1/reports", report(kind, oid), party=party))
                        self.assertProblem(r, 400, "target.id", "there is no %s %d" % (kind, oid))

    def test_a_clearing_party_may_report_about_a_convoy_it_cannot_otherwise_see(self):
        hidden = [o for o in self.objects if o[0] == "movement" and o[3] == ["Kazakhstan"]][0]
        r = self.srv.post("/v1/reports", report("movement", hidden[1]), party="SAA")
        self.assertEqual(r.status, 201, r)
        r = self.srv.post("/v1/reports", report("movement", hidden[1]), party="Opposition")
        self.assertProblem(r, 400, "target.id")


if __name__ == "__main__":
    main()
