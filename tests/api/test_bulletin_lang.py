"""The daily bulletin in English, Arabic and Russian (issue 18, item 7).

GET /v1/bulletins/{date}?lang= and `truce bulletin --lang` give the same numbers and data in
every language: the JSON, without its language's labels, is the same document; every table
of the md has the same numeric cells. Regions are shown under the names their areas carry
in the language (the scenario's governorates; with --regions, OCHA's own ADM1_AR). The html
declares its language, right to left for Arabic. Every table has a header row, and the
bulletin says what its incident lists count. A bad language changes nothing.
"""
import json
import os
import re
import tempfile

from harness import ROOT, SCENARIO, SHARED, Server, ServerTest, main, run_cli

REPORTS = os.path.join(ROOT, "scenarios", "reports-2016.ndjson")
ADM1 = os.path.join(SHARED, "data", "boundaries", "ocha_syr_adm1_simplified.geojson")
LANGS = ("en", "ar", "ru")
LABELS = ("lang", "label", "region_label", "change_label")


def strip_labels(v):
    if isinstance(v, dict):
        return {k: strip_labels(x) for k, x in v.items() if k not in LABELS}
    if isinstance(v, list):
        return [strip_labels(x) for x in v]
    return v


def md_tables(md):
    """The md's tables: lists of rows, each a list of cells (the header row first)."""
    tables, cur = [], None
    for line in md.split("\n"):
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            if cur is None:
                cur = []
                tables.append(cur)
            if not all(re.fullmatch(r"-+:?", c) for c in cells):
                cur.append(cells)
        else:
            cur = None
    return tables


NUMERIC = re.compile(r"^[#+-]?\d[\d\u2013:TZ-]*$")


class BulletinLanguagesTest(ServerTest):
    scenario = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(REPORTS, "rb") as f:
            r = cls.srv.request("POST", "/v1/reports/import?format=ndjson", raw=f.read(), party="JMC",
                                content_type="application/x-ndjson")
        assert r.status == 201, r

    def get(self, fmt, lang, date="2016-09-19"):
        r = self.srv.get("/v1/bulletins/%s?format=%s&lang=%s" % (date, fmt, lang), party="Kazakhstan")
        self.assertEqual(r.status, 200, r)
        return r.body

    def test_same_data_in_every_language(self):
        docs = {lang: json.loads(self.get("json", lang)) for lang in LANGS}
        for lang in LANGS:
            self.assertEqual(docs[lang]["lang"], lang)
            self.assertEqual(strip_labels(docs[lang]), strip_labels(docs["en"]), lang)
        self.assertEqual([r["label"] for r in docs["ar"]["by_region"]][:3], ["حلب", "حماة", "إدلب"])
        self.assertEqual([r["label"] for r in docs["ru"]["by_region"]][:3], ["Алеппо", "Хама", "Идлиб"])
        # md: the same tables, the same numeric cells, every header cell written
        tabs = {lang: md_tables(self.get("md", lang)) for lang in LANGS}
        for lang in LANGS:
            self.assertEqual(len(tabs[lang]), len(tabs["en"]), lang)
            for t, e in zip(tabs[lang], tabs["en"]):
                self.assertTrue(all(t[0]), "a table without a full header row: %r" % t[0])
                nums = [[c for c in row if NUMERIC.match(c)] for row in t[1:]]
                self.assertEqual(nums, [[c for c in row if NUMERIC.match(c)] for row in e[1:]], lang)
        md = self.get("md", "ar")
        for word in ("النشرة اليومية", "حلب", "ريف دمشق", "الانتهاكات حسب المنطقة"):
            self.assertIn(word, md)
        self.assertNotIn("Violations", md)
        self.assertIn("Нарушения по регионам", self.get("md", "ru"))
        # csv: the same rows but the text column
        csv = {lang: [line.rsplit(",", 1)[0] for line in self.get("csv", lang).splitlines()
                      if not line.startswith(("window,lang", "movements", "new", "changed"))] for lang in LANGS}
        self.assertEqual(csv["ar"], csv["en"])
        self.assertEqual(csv["ru"], csv["en"])

    def test_html_declares_its_language(self):
        self.assertIn('<html lang="ar" dir="rtl">', self.get("html", "ar"))
        self.assertIn('<html lang="ru">', self.get("html", "ru"))
        self.assertIn('<html lang="en">', self.get("html", "en"))

    def test_what_the_incident_lists_count(self):
        md = self.get("md", "en")
        b = json.loads(self.get("json", "en"))
        self.assertGreater(b["violations"]["today"], 0)
        self.assertEqual(b["new_incidents"], [])  # the demo's reports were received today, not on 2016-09-19
        self.assertNotIn("## New incidents", md)
        self.assertIn("## Incidents first reported in this window\n\nIncidents whose first report the centre "
                      "received in these 24 hours, whenever they occurred. The violations above are counted by "
                      "when they occurred.", md)
        self.assertIn("## Older incidents updated in this window", md)
        self.assertNotIn("| |", md)

    def test_bad_language_changes_nothing(self):
        for lang in ("fr", "AR", "", "ar-SY"):
            with self.subTest(lang=lang):
                r = self.assertUnchanged(lambda: self.srv.get("/v1/bulletins/2016-09-19?lang=" + lang,
                                                              party="Kazakhstan"))
                self.assertProblem(r, 400, "lang")
        p = run_cli("bulletin", "--date", "2016-09-19", "--lang", "fr", "--db", self.srv.db, check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("lang", p.stderr)

    def test_cli_gives_the_same_bytes(self):
        for lang in LANGS:
            out = run_cli("bulletin", "--date", "2016-09-19", "--format", "html", "--lang", lang, "--db",
                          self.srv.db).stdout
            self.assertEqual(out, self.get("html", lang))


class OchaArabicNamesTest(ServerTest):
    """With --regions, the region names come from the file's own ADM1_AR."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(extra_args=())
        cls.srv.stop()
        cls.srv.import_scenario(SCENARIO, "--regions", ADM1, "--make-valid")
        cls.srv.start()

    def test_arabic_from_the_boundary_file(self):
        with open(ADM1) as f:
            arabic = {x["properties"]["ADM1_EN"]: x["properties"]["ADM1_AR"] for x in json.load(f)["features"]}
        with open(REPORTS, "rb") as f:
            r = self.srv.request("POST", "/v1/reports/import?format=ndjson", raw=f.read(), party="JMC",
                                 content_type="application/x-ndjson")
        self.assertEqual(r.status, 201, r)
        b = json.loads(self.srv.get("/v1/bulletins/2016-09-19?format=json&lang=ar", party="JMC").body)
        self.assertTrue(b["by_region"])
        for row in b["by_region"]:
            self.assertEqual(row["label"], arabic[row["key"]])
        ru = json.loads(self.srv.get("/v1/bulletins/2016-09-19?format=json&lang=ru", party="JMC").body)
        for row in ru["by_region"]:  # the file has no Russian names: the name as it is
            self.assertEqual(row["label"], row["key"])


if __name__ == "__main__":
    main()
