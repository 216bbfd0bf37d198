"""Golden bulletins of the demo (issues 3 and 18): the scenario plus
scenarios/reports-2016.ndjson (13 reports of 18-19 September 2016, imported as the JMC) and
one UN-OCHA convoy with its cargo on 19 September give, for 2016-09-18 and 2016-09-19, in
English, Arabic and Russian, exactly the bytes in tests/golden/bulletin-DATE[.LANG].FORMAT
(md, json, csv, html; English without .LANG), from `truce bulletin --lang` and from
GET /v1/bulletins/DATE?lang= alike. Every language holds the same numbers.

After a deliberate change of the bulletin's layout, regenerate with
TRUCE_UPDATE_GOLDEN=1 (then review the diff before committing).
"""
import os
import tempfile
import unittest

from harness import ROOT, SCENARIO, Server, main, run_cli

REPORTS = os.path.join(ROOT, "scenarios", "reports-2016.ndjson")
GOLDEN = os.path.join(ROOT, "tests", "golden")
DATES = ("2016-09-18", "2016-09-19")
FORMATS = ("md", "json", "csv", "html")
LANGS = ("en", "ar", "ru")
CONVOY = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[36.67, 36.23], [36.9, 36.2],
                                                                                  [37.1, 36.2]]},
          "properties": {"kind": "convoy", "name": "Urum al-Kubra convoy", "width_m": 200,
                         "time_start": "2016-09-19T08:00:00Z", "time_end": "2016-09-19T18:00:00Z",
                         "cargo": [{"kind": "food", "tonnes": 120.5}, {"kind": "medical", "tonnes": 4.2},
                                   {"kind": "non_food_items", "tonnes": 30}],
                         "organisations": ["WFP", "SARC", "UNICEF"], "vehicles": 31, "personnel": 62}}


class GoldenBulletinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="truce-golden-")
        cls.db = os.path.join(cls.dir, "demo.db")
        run_cli("import", "scenario", SCENARIO, "--db", cls.db, "--tokens", os.path.join(cls.dir, "tokens.tsv"))
        out = run_cli("import", "reports", REPORTS, "--as", "JMC", "--db", cls.db).stdout
        assert "imported 13, rejected 0" in out, out
        srv = Server(db=cls.db)
        try:
            srv.tokens = cls.tokens()
            r = srv.post("/v1/movements", CONVOY, party="UN-OCHA")
            assert r.status == 201, r
        finally:
            srv.stop()

    @classmethod
    def tokens(cls):
        out = {}
        with open(os.path.join(cls.dir, "tokens.tsv")) as f:
            for line in f:
                name, _, tok = line.rstrip("\n").split("\t")
                out[name] = tok
        return out

    def golden(self, date, fmt, lang="en"):
        return os.path.join(GOLDEN, "bulletin-%s%s.%s" % (date, "" if lang == "en" else "." + lang, fmt))

    def test_cli_matches_the_golden_files(self):
        for date in DATES:
            for fmt in FORMATS:
                for lang in LANGS:
                    with self.subTest(date=date, fmt=fmt, lang=lang):
                        got = run_cli("bulletin", "--date", date, "--format", fmt, "--lang", lang, "--db",
                                      self.db).stdout.encode()
                        path = self.golden(date, fmt, lang)
                        if os.environ.get("TRUCE_UPDATE_GOLDEN"):
                            with open(path, "wb") as f:
                                f.write(got)
                        with open(path, "rb") as f:
                            self.assertEqual(got, f.read(), "%s differs from the golden file" % path)

    def test_api_matches_the_golden_files(self):
        srv = Server(db=self.db)
        try:
            srv.tokens = self.tokens()
            for fmt in FORMATS:
                for lang in LANGS:
                    with self.subTest(fmt=fmt, lang=lang):
                        r = srv.get("/v1/bulletins/2016-09-19?format=%s&lang=%s" % (fmt, lang), party="Kazakhstan")
                        self.assertEqual(r.status, 200, r)
                        with open(self.golden("2016-09-19", fmt, lang), "rb") as f:
                            self.assertEqual(r.body.encode(), f.read())
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
