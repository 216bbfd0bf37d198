"""Bulk report import (issue 3): `truce import reports FILE --as PARTY`.

The demo scenario is imported into a database; the CLI runs against it with the server
stopped; then the server is started and the imported reports are read through the API.
"""
import csv
import json
import os
import re

from harness import ROOT, SHARED, Server, ServerTest, main, run_cli

ALEPPO_EAST = [37.18, 36.21]
ALEPPO_NEAR = [37.19, 36.21]   # about 900 m east
PALMYRA = [38.27, 34.56]
UCDP = os.path.join(SHARED, "data", "conflict", "ucdp_ged_syria_2016_2017_sample.csv")
ALIASES = os.path.join(ROOT, "scenarios", "ucdp-aliases.tsv")
SUMMARY = re.compile(r"rows read (\d+), imported (\d+), rejected (\d+), incidents (\d+)")


def report(at="2016-03-10T10:00:00Z", where=ALEPPO_EAST, perpetrator="SAA", ref=None, **more):
    body = {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack", "source": {"kind": "monitor"}}
    if ref:
        body["source"]["ref"] = ref
    if perpetrator:
        body["alleged_perpetrator"] = perpetrator
    body.update(more)
    return body


GOOD = [report(ref="team-1"), report(where=ALEPPO_NEAR, at="2016-03-10T11:00:00Z", ref="team-2"),
        report(where=PALMYRA, perpetrator="ISIS", at="2016-05-01T08:00:00Z")]

CSV_HEADER = "occurred_at,time_precision,lon,lat,geo_precision,event_type,sub_event_type,alleged_perpetrator,source_kind\n"
CSV_GOOD = '2016-03-12T09:00:00Z,1,37.18,36.21,1,Explosions/Remote violence,"Air/drone strike",Russia,monitor\n'


class ImportReportsTest(ServerTest):
    scenario = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.stop()  # the CLI works on the database with the server stopped
        cls.n = 0

    def write(self, name, lines):
        ImportReportsTest.n += 1
        path = os.path.join(self.srv.dir, "%d-%s" % (self.n, name))
        with open(path, "w") as f:
            f.write("".join(lines))
        return path

    def ndjson(self, bodies, bad=None, at=1):
        lines = [json.dumps(b) + "\n" for b in bodies]
        if bad is not None:
            lines.insert(at, bad + "\n")
        return self.write("reports.ndjson", lines)

    def run_import(self, path, *args, party="JMC", code=0):
        p = run_cli("import", "reports", path, "--as", party, "--db", self.srv.db, *args, check=False)
        self.assertEqual(p.returncode, code, p.stderr)
        return p

    def summary(self, p):
        m = SUMMARY.search(p.stdout)
        self.assertIsNotNone(m, p.stdout)
        return tuple(int(x) for x in m.groups())

    def report_ids(self):
        return [r[0] for r in self.srv.sql("SELECT id FROM report ORDER BY id")]

    # -- a clean file --

    def test_clean_ndjson_imports_and_forms_incidents(self):
        before = set(self.report_ids())
        p = self.run_import(self.ndjson(GOOD))
        self.assertEqual(self.summary(p), (3, 3, 0, 2))
        new = sorted(set(self.report_ids()) - before)
        self.assertEqual(len(new), 3)
        parties = {r[0] for r in self.srv.sql("SELECT party FROM log_entry WHERE type='report.create' AND ref IN (%s)"
                                              % ",".join("'report/%d'" % i for i in new))}
        self.assertEqual(parties, {"JMC"})
        self.srv.start()
        try:
            got = [self.srv.get("/v1/reports/%d" % i, party="JMC") for i in new]
            for r in got:
                self.assertEqual(r.status, 200, r)
            self.assertEqual(got[0].json["classification"]["class"], "violation")
            self.assertEqual(got[0].json["incident_id"], got[1].json["incident_id"])
            self.assertNotEqual(got[0].json["incident_id"], got[2].json["incident_id"])
            inc = self.srv.get("/v1/incidents/%d" % got[0].json["incident_id"], party="SAA")
            self.assertEqual(inc.status, 200, inc)
            self.assertEqual(sorted(x["id"] for x in inc.json["reports"]), new[:2])
            self.assertEqual(inc.json["grade"], "corroborated")
        finally:
            self.srv.stop()

    def test_csv_by_extension(self):
        p = self.run_import(self.write("reports.csv", [CSV_HEADER, CSV_GOOD]))
        self.assertEqual(self.summary(p)[:3], (1, 1, 0))

    # -- bad rows: nothing imported, line and field named --

    def assertRejected(self, path, line, field, *args, contains=None):
        before = self.srv.db_snapshot()
        p = self.run_import(path, *args, code=1)
        self.assertEqual(before, self.srv.db_snapshot(), "a rejected file changed the database")
        self.assertIn("line %d: %s: " % (line, field), p.stderr)
        if contains:
            self.assertIn(contains, p.stderr)
        self.assertIn("nothing imported", p.stderr)
        self.assertEqual(self.summary(p)[1], 0)
        return p

    def test_each_bad_row_imports_nothing_and_names_line_and_field(self):
        cases = [
            ("malformed JSON", '{"occurred_at": "2016-03-10T10:00:00Z", ', "record", None),
            ("unknown event type", json.dumps(report(event_type="Airstrike")), "event_type", "Airstrike"),
            ("future date", json.dumps(report(at="2999-01-01T00:00:00Z")), "occurred_at", "future"),
            ("min > max", json.dumps(report(fatalities={"min": 5, "max": 3})), "fatalities", "greater"),
            ("unknown perpetrator", json.dumps(report(perpetrator="Nobody")), "alleged_perpetrator", "Nobody"),
        ]
        for what, bad, field, contains in cases:
            with self.subTest(what):
                self.assertRejected(self.ndjson(GOOD, bad=bad, at=1), 2, field, contains=contains)

    def test_bad_csv_quoting(self):
        stray = '2016-03-12T09:00:00Z,1,37.18,36.21,1,Explosions/Remote vio"lence,,Russia,monitor\n'
        self.assertRejected(self.write("q.csv", [CSV_HEADER, CSV_GOOD, stray, CSV_GOOD]), 3, "record",
                            contains="quote")
        unclosed = '2016-03-12T09:00:00Z,1,37.18,36.21,1,"Explosions/Remote violence,,Russia,monitor\n'
        # the open quote runs into the next record: line 3 is named
        self.assertRejected(self.write("u.csv", [CSV_HEADER, CSV_GOOD, unclosed, CSV_GOOD]), 3, "record",
                            contains="quote")
        self.assertRejected(self.write("e.csv", [CSV_HEADER, CSV_GOOD, unclosed]), 3, "record",
                            contains="not closed before the end of the file")

    def test_every_bad_row_is_listed(self):
        lines = [json.dumps(GOOD[0]) + "\n", "nonsense\n", json.dumps(report(perpetrator="Nobody")) + "\n",
                 "\n", json.dumps(report(fatalities={"min": 2, "max": 1})) + "\n"]
        p = self.assertRejected(self.write("many.ndjson", lines), 2, "record")
        self.assertIn("line 3: alleged_perpetrator: ", p.stderr)
        self.assertIn("line 5: fatalities: ", p.stderr)
        self.assertEqual(self.summary(p), (4, 0, 3, 0))

    def test_bad_header(self):
        p = self.run_import(self.write("h.csv", ["occurred_at,colour\n", CSV_GOOD]), code=1)
        self.assertIn("line 1: ", p.stderr)

    # -- --partial --

    def test_partial_imports_the_good_rows(self):
        before = len(self.report_ids())
        path = self.ndjson(GOOD, bad=json.dumps(report(perpetrator="Nobody")), at=2)
        p = self.run_import(path, "--partial")
        self.assertEqual(self.summary(p)[:3], (4, 3, 1))
        self.assertIn("line 3: alleged_perpetrator: ", p.stderr)
        self.assertEqual(len(self.report_ids()), before + 3)
        # every row bad: nothing imported, exit 1
        p = self.run_import(self.ndjson([], bad="nonsense", at=0), "--partial", code=1)
        self.assertEqual(self.summary(p), (1, 0, 1, 0))

    # -- the reporting party and options --

    def test_reporting_party_must_exist_and_not_be_an_observer(self):
        path = self.ndjson(GOOD[:1])
        for party in ("Kazakhstan", "Nobody"):
            with self.subTest(party):
                before = self.srv.db_snapshot()
                p = self.run_import(path, party=party, code=1)
                self.assertIn("--as", p.stderr)
                self.assertEqual(before, self.srv.db_snapshot())
        p = self.run_import(self.write("r.txt", ["{}\n"]), code=2)
        self.assertIn("--format", p.stderr)
        self.run_import(path, "--format", "xml", code=2)

    # -- the real UCDP sample --

    def test_zz_ucdp_sample_with_aliases(self):
        if not os.path.exists(UCDP):
            self.skipTest("no " + UCDP)
        aliases = {}
        with open(ALIASES) as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    a, b = line.rstrip("\n").split("\t")
                    aliases[a] = b
        with open(UCDP, newline="") as f:
            rows = list(csv.DictReader(f))
        mappable = [r for r in rows if r["side_a"] in aliases
                    and (r["type_of_violence"] == "3" or r["side_b"] in aliases)]
        before = len(self.report_ids())
        p = self.run_import(UCDP, "--format", "ucdp", "--aliases", ALIASES, "--partial")
        read, imported, rejected, incidents = self.summary(p)
        self.assertEqual((read, imported, rejected), (len(rows), len(mappable), len(rows) - len(mappable)))
        self.assertGreater(incidents, 0)
        self.assertEqual(len(self.report_ids()), before + imported)
        for m in re.finditer(r"line (\d+): (side_a|side_b|fatalities|low|high): (.*)", p.stderr):
            self.assertTrue(m.group(3))
        self.assertEqual(len(re.findall(r"^line \d+: ", p.stderr, re.M)), rejected)
        v = run_cli("verify", "--db", self.srv.db, check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.srv.start()
        try:
            last = self.report_ids()[-1]
            r = self.srv.get("/v1/reports/%d" % last, party="JMC")
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json["external_id"].startswith("ucdp:"))
            self.assertEqual(self.srv.get("/v1/incidents/%d" % r.json["incident_id"], party="SAA").status, 200)
        finally:
            self.srv.stop()


if __name__ == "__main__":
    main()
