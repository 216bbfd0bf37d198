"""Golden bulletins of the demo (issue 3): the scenario plus scenarios/reports-2016.ndjson
(13 reports of 18-19 September 2016, imported as the JMC) give, for 2016-09-19, exactly the
bytes in tests/golden/bulletin-2016-09-19.{md,json,csv,html}, from `truce bulletin` and from
GET /v1/bulletins/2016-09-19 alike.

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


class GoldenBulletinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="truce-golden-")
        cls.db = os.path.join(cls.dir, "demo.db")
        run_cli("import", "scenario", SCENARIO, "--db", cls.db, "--tokens", os.path.join(cls.dir, "tokens.tsv"))
        out = run_cli("import", "reports", REPORTS, "--as", "JMC", "--db", cls.db).stdout
        assert "imported 13, rejected 0" in out, out

    def golden(self, date, fmt):
        return os.path.join(GOLDEN, "bulletin-%s.%s" % (date, fmt))

    def test_cli_matches_the_golden_files(self):
        for date in DATES:
            for fmt in FORMATS:
                with self.subTest(date=date, fmt=fmt):
                    got = run_cli("bulletin", "--date", date, "--format", fmt, "--db", self.db).stdout.encode()
                    path = self.golden(date, fmt)
                    if os.environ.get("TRUCE_UPDATE_GOLDEN"):
                        with open(path, "wb") as f:
                            f.write(got)
                    with open(path, "rb") as f:
                        self.assertEqual(got, f.read(), "%s differs from the golden file" % path)

    def test_api_matches_the_golden_files(self):
        srv = Server(db=self.db)
        try:
            srv.tokens = {}
            with open(os.path.join(self.dir, "tokens.tsv")) as f:
                for line in f:
                    name, _, tok = line.rstrip("\n").split("\t")
                    srv.tokens[name] = tok
            for fmt in FORMATS:
                with self.subTest(fmt=fmt):
                    r = srv.get("/v1/bulletins/2016-09-19?format=" + fmt, party="Kazakhstan")
                    self.assertEqual(r.status, 200, r)
                    with open(self.golden("2016-09-19", fmt), "rb") as f:
                        self.assertEqual(r.body.encode(), f.read())
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
