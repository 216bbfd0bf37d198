"""The demo scenario and real boundary data, through a real server.

Checks the scenario's story (who held Palmyra and eastern Aleppo when; which ceasefire
applied; ISIS excluded), and attribution against real, openly licensed data from
../shared/data: OCHA governorate polygons loaded with `import scenario --regions`, the
GeoNames cities, and UCDP conflict events whose adm_1 says which governorate they are in.
"""
import csv
import os
import unittest

from harness import ServerTest, Server, SCENARIO, SHARED, main

# The full-resolution OCHA file; the simplified one has a self-intersecting ring (Tartous).
OCHA_ADM1 = os.path.join(SHARED, "data", "boundaries", "ocha_syr_admbnda_adm1_uncs_unocha_20201217.geojson")
OCHA_ADM1_SIMPLIFIED = os.path.join(SHARED, "data", "boundaries", "ocha_syr_adm1_simplified.geojson")
CITIES = os.path.join(SHARED, "data", "places", "geonames_sy_cities.csv")
CROSSWALK = os.path.join(SHARED, "data", "boundaries", "governorate_crosswalk.csv")
UCDP_SAMPLE = os.path.join(SHARED, "data", "conflict", "ucdp_ged_syria_2016_2017_sample.csv")

PALMYRA = (38.27, 34.56)
EAST_ALEPPO = (37.18, 36.21)


def attribution(srv, lon, lat, at, party="JMC"):
    r = srv.get("/v1/attribution?lon=%r&lat=%r&at=%s" % (lon, lat, at), party=party)
    assert r.status == 200, r
    return r.json


class DemoScenarioTest(ServerTest):
    scenario = True

    def test_parties_and_actors(self):
        parties = {p["name"]: p["role"] for p in self.srv.get("/v1/parties", party="JMC").json["items"]}
        for name, role in [("SAA", "belligerent"), ("Russia", "guarantor"), ("US-Coalition", "guarantor"),
                           ("Opposition", "belligerent"), ("UN-OCHA", "humanitarian"), ("IMAC", "mine_action"),
                           ("Kazakhstan", "observer"), ("JMC", "monitor")]:
            self.assertEqual(parties.get(name), role, name)
        actors = [a["name"] for a in self.srv.get("/v1/actors", party="JMC").json["items"]]
        self.assertEqual(sorted(actors), ["ISIS", "Nusra"])

    def test_palmyra_changes_hands(self):
        a = attribution(self.srv, *PALMYRA, "2016-06-01T00:00:00Z")
        self.assertEqual(a["controller"], {"name": "SAA", "type": "party", "area_id": a["controller"]["area_id"]})
        self.assertEqual(a["region"], "Homs")
        b = attribution(self.srv, *PALMYRA, "2017-01-15T00:00:00Z")
        self.assertEqual((b["controller"]["name"], b["controller"]["type"]), ("ISIS", "actor"))
        self.assertIn("ISIS", b["actors"])
        self.assertTrue(b["designated"], "ISIS-held Palmyra should lie in an ISIS designated area")
        c = attribution(self.srv, *PALMYRA, "2017-06-01T00:00:00Z")
        self.assertEqual(c["controller"]["name"], "SAA")

    def test_east_aleppo_and_the_ceasefires(self):
        before = attribution(self.srv, *EAST_ALEPPO, "2016-03-15T00:00:00Z")
        self.assertEqual(before["controller"]["name"], "Opposition")
        self.assertIn("ISSG Cessation of Hostilities", [g["name"] for g in before["agreements"]])
        after = attribution(self.srv, *EAST_ALEPPO, "2017-01-15T00:00:00Z")
        self.assertEqual(after["controller"]["name"], "SAA")
        self.assertEqual(after["region"], "Aleppo")
        names = [g["name"] for g in after["agreements"]]
        self.assertIn("Nationwide ceasefire of 29 December 2016", names)

    def test_isis_excluded_from_the_december_ceasefire(self):
        b = attribution(self.srv, *PALMYRA, "2017-01-15T00:00:00Z")
        nationwide = [g for g in b["agreements"] if g["name"].startswith("Nationwide ceasefire")]
        self.assertEqual(len(nationwide), 1)
        self.assertEqual(nationwide[0]["excluded_actors_here"], ["ISIS"])
        ag = self.srv.get("/v1/agreements/%d" % nationwide[0]["id"], party="Kazakhstan").json
        self.assertEqual(sorted(ag["excluded_actors"]), ["ISIS", "Nusra"])
        self.assertEqual(ag["start"], "2016-12-29T22:00:00Z")
        self.assertIsNone(ag["zones"])

    def test_no_ceasefire_between_the_agreements(self):
        # 1 November 2016: the September arrangement had collapsed, December's not yet begun.
        a = attribution(self.srv, *EAST_ALEPPO, "2016-11-01T00:00:00Z")
        self.assertEqual(a["agreements"], [])

    def test_every_governorate_is_a_region(self):
        regions = self.srv.get("/v1/areas?kind=region&limit=100", party="Kazakhstan").json["features"]
        self.assertEqual(len(regions), 14)
        for f in regions:
            self.assertIn("Illustrative", f["properties"].get("description", ""))

    def test_cities_fall_in_their_governorates(self):
        expect = {"Aleppo": "Aleppo", "Damascus": "Damascus", "Homs": "Homs", "Hamah": "Hama", "Latakia": "Lattakia",
                  "Deir ez-Zor": "Deir-ez-Zor", "Ar Raqqah": "Ar-Raqqa", "Idlib": "Idleb", "Douma": "Rural Damascus",
                  "Jablah": "Lattakia", "Tadmur": "Homs", "Khan Shaykhun": "Idleb"}
        if not os.path.exists(CITIES):
            self.skipTest("shared data not present: " + CITIES)
        with open(CITIES) as f:
            rows = {r["asciiname"]: r for r in csv.DictReader(f)}
        for city, gov in expect.items():
            with self.subTest(city=city):
                r = rows[city]
                a = attribution(self.srv, float(r["lon"]), float(r["lat"]), "2016-06-01T00:00:00Z")
                self.assertEqual(a["region"], gov)


@unittest.skipUnless(os.path.exists(OCHA_ADM1), "shared boundary data not present")
class RealRegionsTest(unittest.TestCase):
    """The scenario with OCHA's real governorate polygons in place of the coarse ones."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server.__new__(Server)
        Server.__init__(cls.srv, scenario=False)
        cls.srv.stop()
        cls.srv.import_scenario(SCENARIO, "--regions", OCHA_ADM1)
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_regions_replaced(self):
        regions = self.srv.get("/v1/areas?kind=region&limit=100", party="JMC").json["features"]
        self.assertEqual(len(regions), 14)
        self.assertTrue(all("--regions" in f["properties"]["description"] for f in regions))
        total = sum(f["properties"]["area_m2"] for f in regions) / 1e6
        self.assertAlmostEqual(total, 185000, delta=185000 * 0.03)  # Syria is about 185,180 km2

    def test_ucdp_events_match_their_governorate(self):
        """UCDP's own adm_1 agrees with truce's region for the events where both are known."""
        with open(CROSSWALK) as f:
            ucdp_to_ocha = {r["ucdp_adm_1"]: r["ocha_adm1_en"] for r in csv.DictReader(f)}
        agree = known = 0
        with open(UCDP_SAMPLE) as f:
            for ev in csv.DictReader(f):
                want = ucdp_to_ocha.get(ev["adm_1"])
                if not want:
                    continue
                a = attribution(self.srv, float(ev["longitude"]), float(ev["latitude"]),
                                ev["date_start"] + "T12:00:00Z")
                known += 1
                agree += a["region"] == want
        self.assertGreater(known, 100)
        self.assertGreaterEqual(agree / known, 0.97, "%d of %d agree" % (agree, known))

    def test_invalid_real_boundaries_import_nothing(self):
        """The simplified OCHA file has a self-intersecting ring: the whole import is refused."""
        from harness import run_cli
        import sqlite3, tempfile
        db = os.path.join(tempfile.mkdtemp(prefix="truce-test-"), "bad.db")
        p = run_cli("import", "scenario", SCENARIO, "--db", db, "--regions", OCHA_ADM1_SIMPLIFIED, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--regions features[10].geometry.coordinates", p.stderr)
        self.assertIn("Self-intersection", p.stderr)
        con = sqlite3.connect(db)
        for table in ("party", "actor", "area", "area_version", "agreement"):
            self.assertEqual(con.execute("SELECT count(*) FROM " + table).fetchone()[0], 0, table)
        con.close()

    def test_the_aid_convoy_attack_site(self):
        # UCDP 301214: 19 Sep 2016, Urum al-Kubra, the UN/SARC convoy attack outside Aleppo.
        a = attribution(self.srv, 36.94775, 36.1481, "2016-09-19T18:00:00Z")
        self.assertEqual(a["region"], "Aleppo")


if __name__ == "__main__":
    main()
