"""Operations against ceasefire_zone and no_strike areas by footprint (issue 4), on a real server.

A volume that only grazes a zone conflicts; a hair away it does not. A zone whose versions
move during the volume's window conflicts only while a version over the volume is in force,
and the conflict says when and which versions. The agreement it would breach is named; a
zone the submitter may not read is never reported (nor leaked). With reject_on_conflict an
area conflict alone refuses the operation and stores nothing.
"""
from harness import ServerTest, feature, main, polygon

T0, T1 = "2016-09-17T14:00:00Z", "2016-09-17T15:00:00Z"


def alt(v):
    return {"value": v, "reference": "W84", "units": "M"}


def square(lon, lat, dx, dy=None, t0=T0, t1=T1):
    dy = dx if dy is None else dy
    verts = [{"lng": lon, "lat": lat}, {"lng": lon + dx, "lat": lat}, {"lng": lon + dx, "lat": lat + dy},
             {"lng": lon, "lat": lat + dy}]
    return {"volume": {"outline_polygon": {"vertices": verts}, "altitude_lower": alt(0), "altitude_upper": alt(3000)},
            "time_start": {"value": t0, "format": "RFC3339"}, "time_end": {"value": t1, "format": "RFC3339"}}


def circle(lon, lat, r, t0=T0, t1=T1):
    return {"volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": r, "units": "M"}},
                       "altitude_lower": alt(0), "altitude_upper": alt(3000)},
            "time_start": {"value": t0, "format": "RFC3339"}, "time_end": {"value": t1, "format": "RFC3339"}}


class AreaConflictTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("admin", "admin"), ("Russia", "guarantor"), ("SAA", "belligerent"),
                           ("Coalition", "belligerent"), ("UNOCHA", "humanitarian")]:
            cls.srv.add_party(name, role)
        r = cls.srv.post("/v1/areas", feature(polygon(37.2, 36.1, 0.1), kind="ceasefire_zone", name="East Aleppo"),
                         party="admin")
        assert r.status == 201, r
        cls.zone = r.json["properties"]["id"]
        r = cls.srv.post("/v1/agreements", {"name": "Aleppo truce", "start": "2016-09-12T16:00:00Z",
                                            "zones": [cls.zone]}, party="admin")
        assert r.status == 201, r

    def areas(self, party, volumes, status=201, reject=False):
        r = self.srv.post("/v1/operations", {"kind": "air", "volumes": volumes, "reject_on_conflict": reject},
                          party=party)
        self.assertEqual(r.status, status, r)
        return [c for c in r.json["conflicts"] if c["type"] == "area"], r

    def test_grazing_volume_conflicts_and_names_the_agreement(self):
        # Shares the zone's west edge (x = 37.2); its centre is 5 km outside.
        c, _ = self.areas("Coalition", [square(37.1, 36.12, 0.1, 0.05)])
        self.assertEqual(c, [{"type": "area", "id": self.zone, "kind": "ceasefire_zone", "name": "East Aleppo",
                              "versions": [1], "volume": 0, "restricted": False, "agreements": ["Aleppo truce"],
                              "time_start": T0, "time_end": T1}])
        c, _ = self.areas("Coalition", [square(37.1, 36.12, 0.0999999, 0.05)])
        self.assertEqual(c, [])
        # A circle reaching 1.1 km into the zone from 1 km west of it; a second volume far away.
        c, _ = self.areas("SAA", [circle(37.19, 36.15, 2000), circle(30.0, 30.0, 100)])
        self.assertEqual([(x["id"], x["volume"]) for x in c], [(self.zone, 0)])
        c, _ = self.areas("SAA", [circle(30.0, 30.0, 100), circle(37.18, 36.15, 1500)])
        self.assertEqual(c, [])

    def test_reject_on_an_area_conflict_alone_stores_nothing(self):
        body = {"kind": "artillery", "volumes": [square(37.3, 36.2, 0.1)], "reject_on_conflict": True}  # corner
        r = self.assertUnchanged(lambda: self.srv.post("/v1/operations", body, party="SAA"))
        self.assertProblem(r, 409, field="conflicts")
        self.assertEqual([(c["type"], c["id"]) for c in r.json["conflicts"]], [("area", self.zone)])

    def test_versions_changing_mid_window(self):
        r = self.srv.post("/v1/areas", feature(polygon(40.0, 36.0, 0.1), kind="no_strike", name="Market",
                                               valid_from="2016-09-18T00:00:00Z"), party="admin")
        self.assertEqual(r.status, 201, r)
        aid = r.json["properties"]["id"]
        moved = feature(polygon(41.0, 36.0, 0.1), kind="no_strike", name="Market (moved)",
                        valid_from="2016-09-18T12:00:00Z")
        r = self.srv.put("/v1/areas/%d" % aid, moved, party="admin", headers={"If-Match": '"1"'})
        self.assertEqual(r.status, 200, r)
        t0, t1 = "2016-09-18T06:00:00Z", "2016-09-18T18:00:00Z"
        c, _ = self.areas("Coalition", [square(40.02, 36.02, 0.02, t0=t0, t1=t1)])
        self.assertEqual([(x["id"], x["name"], x["versions"], x["time_start"], x["time_end"]) for x in c],
                         [(aid, "Market", [1], t0, "2016-09-18T12:00:00Z")])
        c, _ = self.areas("Coalition", [square(41.02, 36.02, 0.02, t0=t0, t1=t1)])
        self.assertEqual([(x["id"], x["name"], x["versions"], x["time_start"], x["time_end"]) for x in c],
                         [(aid, "Market (moved)", [2], "2016-09-18T12:00:00Z", t1)])
        # A zone that starts after the window: nothing; one that starts within it: from then.
        c, _ = self.areas("Coalition", [square(40.02, 36.02, 0.02, t0="2016-09-17T06:00:00Z",
                                               t1="2016-09-18T00:00:00Z")])
        self.assertEqual(c, [])
        c, _ = self.areas("Coalition", [square(40.02, 36.02, 0.02, t0="2016-09-17T18:00:00Z",
                                               t1="2016-09-18T01:00:00Z")])
        self.assertEqual([(x["time_start"], x["time_end"]) for x in c], [("2016-09-18T00:00:00Z",
                                                                          "2016-09-18T01:00:00Z")])

    def test_a_zone_the_submitter_may_not_read_is_not_reported(self):
        secret = feature(polygon(44.0, 33.0, 0.1), kind="no_strike", name="Hidden shelter Qx", party="UNOCHA",
                         visibility=["UNOCHA"])
        r = self.srv.post("/v1/areas", secret, party="UNOCHA")
        self.assertEqual(r.status, 201, r)
        aid = r.json["properties"]["id"]
        c, r = self.areas("Coalition", [square(44.02, 33.02, 0.02)])
        self.assertEqual(c, [])
        self.assertNotIn("Hidden shelter", r.body)
        c, _ = self.areas("admin", [square(44.02, 33.02, 0.02)])
        self.assertEqual([x["id"] for x in c], [aid])


if __name__ == "__main__":
    main()
