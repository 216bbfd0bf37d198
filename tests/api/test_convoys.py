"""Convoys as humanitarians notify them (issue 18, item 4): a movement carries its cargo
(kind, tonnes), the organisations running it, and its vehicle and personnel counts. They
are validated (bad input: a problem naming the property, nothing changed), stored, logged
(the movement.create object holds them, so `truce verify` checks the row), and shown in
GET /v1/movements/{id}, the list, the exports (GeoJSON, HXL CSV) and the bulletin.
"""
import csv
import io
import json

from harness import ServerTest, main

DAY = "2016-09-19"


def convoy(**extra):
    props = {"kind": "convoy", "name": "Urum al-Kubra convoy", "width_m": 200, "time_start": DAY + "T08:00:00Z",
             "time_end": DAY + "T18:00:00Z", "cargo": [{"kind": "food", "tonnes": 120.5},
                                                        {"kind": "medical", "tonnes": 4.2, "description": "trauma kits"}],
             "organisations": ["WFP", "SARC"], "vehicles": 31, "personnel": 62}
    props.update(extra)
    return {"type": "Feature", "geometry": {"type": "LineString",
                                            "coordinates": [[36.67, 36.23], [36.9, 36.2], [37.1, 36.2]]},
            "properties": props}


MANIFEST = {"cargo": [{"kind": "food", "tonnes": 120.5}, {"description": "trauma kits", "kind": "medical", "tonnes": 4.2}],
            "organisations": ["WFP", "SARC"], "vehicles": 31, "personnel": 62}


class ConvoyTest(ServerTest):
    scenario = True

    def test_carried_everywhere(self):
        r = self.srv.post("/v1/movements", convoy(), party="UN-OCHA")
        self.assertEqual(r.status, 201, r)
        mid = r.json["properties"]["id"]
        for k, v in MANIFEST.items():
            self.assertEqual(r.json["properties"][k], v, k)
        g = self.srv.get("/v1/movements/%d" % mid, party="SAA")
        self.assertEqual(g.status, 200, g)
        self.assertEqual({k: g.json["properties"][k] for k in MANIFEST}, MANIFEST)
        lst = self.srv.get("/v1/movements?limit=100", party="Kazakhstan").json["features"]
        self.assertEqual({k: [f for f in lst if f["properties"]["id"] == mid][0]["properties"][k] for k in MANIFEST},
                         MANIFEST)
        gj = self.srv.get("/v1/exports/movements?format=geojson", party="Kazakhstan")
        self.assertEqual((gj.status, gj.headers["content-type"]), (200, "application/geo+json"), gj)
        self.assertEqual({k: json.loads(gj.body)["features"][0]["properties"][k] for k in MANIFEST}, MANIFEST)
        hx = self.srv.get("/v1/exports/movements?format=hxl", party="Kazakhstan")
        self.assertEqual(hx.status, 200, hx)
        self.assertIn('filename="movements-hxl.csv"', hx.headers["content-disposition"])
        rows = list(csv.reader(io.StringIO(hx.body)))
        self.assertEqual(rows[1][:4], ["#activity+code", "#activity+type", "#activity+name", "#org+name+notifier"])
        row = dict(zip(rows[0], rows[2]))
        self.assertEqual((row["movement_id"], row["cargo"], row["cargo_tonnes"], row["organisations"],
                          row["vehicles"], row["personnel"], row["cleared"]),
                         (str(mid), "food 120.5 t; medical 4.2 t (trauma kits)", "124.7", "WFP; SARC", "31", "62",
                          "no"))
        self.assertEqual(self.srv.get("/v1/exports/movements?format=kml", party="SAA").status, 400)
        b = json.loads(self.srv.get("/v1/bulletins/%s?format=json" % DAY, party="Kazakhstan").body)
        m = [x for x in b["movements"] if x["id"] == mid][0]
        self.assertEqual({k: m[k] for k in MANIFEST}, MANIFEST)
        md = self.srv.get("/v1/bulletins/%s?format=md" % DAY, party="Kazakhstan").body
        self.assertIn("| food 120.5 t; medical 4.2 t | WFP, SARC | 31 | 62 |", md)
        ru = self.srv.get("/v1/bulletins/%s?format=md&lang=ru" % DAY, party="Kazakhstan").body
        self.assertIn("| продовольствие 120.5 т; медикаменты 4.2 т | WFP, SARC | 31 | 62 |", ru)
        # without a manifest: none of the four properties
        r = self.srv.post("/v1/movements", convoy(cargo=None, organisations=None, vehicles=None, personnel=None),
                          party="UN-OCHA")
        self.assertEqual(r.status, 201, r)
        self.assertFalse(set(MANIFEST) & set(r.json["properties"]))

    def test_bad_manifests_change_nothing(self):
        cases = [({"cargo": [{"kind": "gold", "tonnes": 1}]}, "properties.cargo[0].kind"),
                 ({"cargo": [{"kind": "food", "tonnes": -1}]}, "properties.cargo[0].tonnes"),
                 ({"cargo": [{"kind": "food", "tonnes": 1e9}]}, "properties.cargo[0].tonnes"),
                 ({"cargo": [{"kind": "food"}]}, "properties.cargo[0].tonnes"),
                 ({"cargo": [{"kind": "food", "tonnes": 1, "weight": 2}]}, "properties.cargo[0].weight"),
                 ({"cargo": {"kind": "food"}}, "properties.cargo"),
                 ({"cargo": [{"kind": "food", "tonnes": 1}] * 51}, "properties.cargo"),
                 ({"organisations": "WFP"}, "properties.organisations"),
                 ({"organisations": ["WFP", "WFP"]}, "properties.organisations[1]"),
                 ({"organisations": [""]}, "properties.organisations[0]"),
                 ({"organisations": ["a\u0001"]}, "properties.organisations[0]"),
                 ({"vehicles": 2.5}, "properties.vehicles"),
                 ({"vehicles": -1}, "properties.vehicles"),
                 ({"personnel": 100001}, "properties.personnel"),
                 ({"personnel": "62"}, "properties.personnel")]
        for extra, field in cases:
            with self.subTest(field=field, extra=str(extra)[:60]):
                r = self.assertUnchanged(lambda: self.srv.post("/v1/movements", convoy(**extra), party="UN-OCHA"))
                self.assertProblem(r, 400, field)

    def test_zz_logged_and_verified(self):
        self.srv.stop()
        try:
            v = self.srv.verify()
            self.assertEqual(v.returncode, 0, v.stdout)
            self.assertTrue(self.srv.sql("UPDATE movement SET manifest = replace(manifest, '\"vehicles\":31', "
                                         "'\"vehicles\":3') WHERE manifest LIKE '%\"vehicles\":31%' RETURNING id"))
            v = self.srv.verify()
            self.assertEqual(v.returncode, 1, v.stdout)
            self.assertRegex(v.stdout, r"FAIL movement \d+: the row differs from the object logged at log_entry \d+ "
                                       r"\(movement.create movement/\d+\): properties.vehicles")
        finally:
            self.srv.start()


if __name__ == "__main__":
    main()
