"""Exports of incidents (issue 3): GET /v1/exports/incidents and `truce export incidents`.

GeoJSON is checked with a real validator (python3-geojson, Debian), the HXL CSV by its
hashtag row, the ACLED CSV by its columns and by importing it back into a new database
through `truce import reports --format acled`. The HTTP body is streamed; the CLI writes
the same bytes.
"""
import csv
import io
import json
import os
import tempfile

import geojson

from harness import SCENARIO, ServerTest, main, run_cli

ALEPPO = [37.18, 36.21]
ALEPPO_NEAR = [37.19, 36.21]
PALMYRA = [38.27, 34.56]
HXL_TAGS = ["#event+code", "#date+occurred", "#event+type", "#group+name+first", "#adm1+name", "#geo+lat",
            "#geo+lon", "#affected+killed"]
ACLED_COLUMNS = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
                 "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
                 "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
                 "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
                 "fatalities", "tags", "timestamp"]


def report(at, where, perpetrator="SAA", ref=None, sub="Shelling/artillery/missile attack",
           event="Explosions/Remote violence", **more):
    body = {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": event, "sub_event_type": sub,
            "source": {"kind": "monitor", "ref": ref} if ref else {"kind": "party"}}
    if perpetrator:
        body["alleged_perpetrator"] = perpetrator
    body.update(more)
    return body


class ExportTest(ServerTest):
    scenario = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.srv
        posts = [("JMC", report("2016-03-10T10:00:00Z", ALEPPO, ref="team, \"north\"", fatalities={"min": 2, "max": 5})),
                 ("Opposition", report("2016-03-10T11:00:00Z", ALEPPO_NEAR, injured={"min": 1, "max": 3})),
                 ("SAA", report("2016-05-01T08:00:00Z", PALMYRA, perpetrator="ISIS",
                                event="Violence against civilians", sub="Attack")),
                 ("JMC", report("2016-05-02T08:00:00Z", [36.3, 33.5], perpetrator=None, ref="=cmd"))]
        cls.ids = []
        for party, body in posts:
            r = s.post("/v1/reports", body, party=party)
            assert r.status == 201, r
            cls.ids.append(r.json["incident_id"])
        listed = s.get("/v1/incidents?limit=1000", party="Kazakhstan").json["items"]
        cls.incidents = {i["id"]: i for i in listed}

    def export(self, fmt, query="", party="Kazakhstan", status=200):
        r = self.srv.get("/v1/exports/incidents?format=%s%s" % (fmt, query), party=party)
        self.assertEqual(r.status, status, r)
        return r

    def test_geojson_is_valid_and_matches_the_incidents(self):
        r = self.export("geojson")
        self.assertEqual(r.headers["content-type"], "application/geo+json")
        self.assertIn('filename="incidents.geojson"', r.headers["content-disposition"])
        fc = geojson.loads(r.body)
        self.assertIsInstance(fc, geojson.FeatureCollection)
        self.assertTrue(fc.is_valid, fc.errors())
        self.assertEqual(sorted(f["id"] for f in fc["features"]), sorted(self.incidents))
        for f in fc["features"]:
            self.assertTrue(geojson.Feature(**f).is_valid)
            inc = self.incidents[f["id"]]
            p = f["properties"]
            self.assertEqual(p["id"], f["id"])
            self.assertEqual(f["geometry"]["coordinates"], inc["location"]["coordinates"])
            self.assertEqual(p["grade"], inc["grade"])
            self.assertEqual(p["classification"], inc["classification"]["class"])
            self.assertEqual(p["occurred_at"], inc["occurred_at"])
            self.assertEqual(p["reports"], len(inc["reports"]))
        first = next(f for f in fc["features"] if f["id"] == self.ids[0])["properties"]
        self.assertEqual((first["fatalities_min"], first["fatalities_max"]), (2, 5))
        self.assertEqual((first["injured_min"], first["injured_max"]), (1, 3))
        self.assertEqual(first["grade"], "corroborated")
        self.assertEqual(first["region"], "Aleppo")

    def test_hxl_rows(self):
        r = self.export("hxl")
        self.assertEqual(r.headers["content-type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(r.body)))
        header, tags, data = rows[0], rows[1], rows[2:]
        self.assertEqual(len(header), len(tags))
        self.assertTrue(all(t.startswith("#") for t in tags), tags)
        for t in HXL_TAGS:
            self.assertIn(t, tags)
        self.assertEqual(len(data), len(self.incidents))
        col = {t: tags.index(t) for t in tags}
        by_id = {int(d[col["#event+code"]]): d for d in data}
        self.assertEqual(set(by_id), set(self.incidents))
        d = by_id[self.ids[0]]
        self.assertEqual(d[col["#adm1+name"]], "Aleppo")
        self.assertEqual(d[col["#group+name+first"]], "SAA")
        self.assertEqual((float(d[col["#geo+lon"]]), float(d[col["#geo+lat"]])), tuple(ALEPPO))
        self.assertEqual(d[col["#affected+killed"]], "2")
        self.assertEqual(d[col["#affected+killed+max"]], "5")
        self.assertEqual(d[col["#date+occurred"]], "2016-03-10T10:00:00Z")
        self.assertEqual(by_id[self.ids[3]][col["#group+name+first"]], "")  # no perpetrator named

    def test_acled_columns_and_round_trip(self):
        r = self.export("acled")
        rows = list(csv.DictReader(io.StringIO(r.body)))
        self.assertEqual(list(rows[0].keys()), ACLED_COLUMNS)
        self.assertEqual(len(rows), len(self.incidents))
        vac = next(x for x in rows if x["event_id_cnty"] == "TRUCE%d" % self.ids[2])
        self.assertEqual((vac["event_type"], vac["sub_event_type"], vac["actor1"]),
                         ("Violence against civilians", "Attack", "ISIS"))
        self.assertEqual(vac["civilian_targeting"], "Civilian targeting")
        self.assertEqual((vac["event_date"], vac["year"]), ("2016-05-01", "2016"))
        self.assertEqual((vac["latitude"], vac["longitude"]), ("34.56", "38.27"))
        # Another truce reads it back as ACLED data: one report per incident, same places.
        with tempfile.TemporaryDirectory() as d:
            path, db = os.path.join(d, "acled.csv"), os.path.join(d, "other.db")
            with open(path, "w") as f:
                f.write(r.body)
            run_cli("import", "scenario", SCENARIO, "--db", db, "--tokens", os.path.join(d, "t.tsv"))
            p = run_cli("import", "reports", path, "--format", "acled", "--as", "JMC", "--db", db)
            self.assertIn("imported %d, rejected 0" % len(rows), p.stdout)
            again = list(csv.DictReader(io.StringIO(run_cli("export", "incidents", "--format", "acled",
                                                            "--db", db).stdout)))
            key = lambda x: (x["event_date"], x["latitude"], x["longitude"], x["sub_event_type"], x["actor1"])
            self.assertEqual(sorted(map(key, again)), sorted(map(key, rows)))

    def test_csv_cells_are_quoted_and_formulas_neutralised(self):
        hxl = self.export("hxl").body
        for line in hxl.splitlines():
            self.assertFalse(line.startswith("="), line)
        acled = list(csv.DictReader(io.StringIO(self.export("acled").body)))
        notes = next(x for x in acled if x["event_id_cnty"] == "TRUCE%d" % self.ids[0])["notes"]
        self.assertIn("Cessation of Hostilities", notes)

    def test_window(self):
        fc = json.loads(self.export("geojson", "&date=2016-05-01").body)
        self.assertEqual([f["id"] for f in fc["features"]], [self.ids[2]])
        fc = json.loads(self.export("geojson", "&from=2016-03-01T00:00:00Z&to=2016-05-02T00:00:00Z").body)
        self.assertEqual(sorted(f["id"] for f in fc["features"]), sorted({self.ids[0], self.ids[2]}))
        empty = geojson.loads(self.export("geojson", "&date=2001-01-01").body)
        self.assertTrue(empty.is_valid)
        self.assertEqual(empty["features"], [])
        rows = list(csv.reader(io.StringIO(self.export("hxl", "&date=2001-01-01").body)))
        self.assertEqual(len(rows), 2)

    def test_every_party_exports_the_same_summary(self):
        a = self.export("geojson", party="SAA").body
        self.assertEqual(a, self.export("geojson", party="JMC").body)
        self.assertEqual(a, self.export("geojson", party="Kazakhstan").body)

    def test_cli_writes_the_same_bytes(self):
        for fmt in ("geojson", "hxl", "acled"):
            with self.subTest(fmt=fmt):
                api = self.export(fmt, "&date=2016-03-10").body
                cli = run_cli("export", "incidents", "--format", fmt, "--date", "2016-03-10", "--db", self.srv.db)
                self.assertEqual(cli.stdout, api)
        p = run_cli("export", "incidents", "--format", "kml", "--db", self.srv.db, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("format", p.stderr)
        p = run_cli("export", "incidents", "--format", "hxl", "--date", "2016-13-01", "--db", self.srv.db, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not a date", p.stderr)
        self.assertIn("usage: truce export incidents", run_cli("export", "incidents", "--help").stdout)

    def test_bad_requests(self):
        before = self.srv.db_snapshot()
        self.assertProblem(self.export("kml", status=400), 400, "format")
        r = self.srv.get("/v1/exports/incidents", party="SAA")
        self.assertProblem(r, 400, "format")
        self.assertProblem(self.export("hxl", "&date=2016-02-30x", status=400), 400, "date")
        self.assertProblem(self.export("hxl", "&from=2016-03-02T00:00:00Z", status=400), 400, "to")
        self.assertProblem(self.export("hxl", "&from=2016-03-02T00:00:00Z&to=2016-03-01T00:00:00Z", status=400), 400,
                           "to")
        self.assertProblem(self.export("hxl", "&date=2016-03-01&from=2016-03-02T00:00:00Z", status=400), 400, "date")
        self.assertProblem(self.export("hxl", "&bbox=1,2,3,4", status=400), 400)
        r = self.srv.get("/v1/exports/incidents?format=hxl")
        self.assertProblem(r, 401)
        self.assertEqual(before, self.srv.db_snapshot())


if __name__ == "__main__":
    main()
