"""test_verify_pg.py — `truce verify --db postgresql://…` audits a centre on PostgreSQL
(issue 13 item 3), and the tampering tests run there too.

A real `truce serve` on SQLite is filled with every kind of object (populate.py, by
test_verify_coverage.populated_database), stopped, and copied into PostgreSQL databases of the test
cluster ($TRUCE_TEST_PG, scripts/pg-test.sh) with `truce store copy`. On PostgreSQL:

- verify passes, and says what it says on the SQLite file (the same tables, rows and
  entries checked);
- the tamperings of test_verify_coverage.py (every column changed, set to NULL, set where
  NULL; one row of every table deleted and one copied under new keys) and its named cases
  are made with psql, one at a time, and verify must fail on each. A change PostgreSQL's
  own constraints refuse (a type, a reference) cannot be made there and is counted apart.

Each worker has its own database; after each tampering the table it touched is put back
from a pristine copy kept in another schema (verify reads only the current schema), and
each database must verify again at the end. Time: a verify on PostgreSQL is about a
second or two (it copies the database for the store's per-kind reads, verify_open.c), so
the suite runs an even sample of each kind (SAMPLE; SAMPLE_ASAN under AddressSanitizer);
TRUCE_VERIFY_PG_FULL=1 runs them all and also requires the exempt lists to be needed.
"""
import concurrent.futures
import os
import sqlite3
import subprocess
import time
import unittest

import test_verify_coverage as cov
from harness import BIN, main, pg_database, psql, run_cli

# The suite's sample (plain, AddressSanitizer): every n-th column change, and one row
# deletion and insertion of every n-th table.
SAMPLE = dict(change=12, delete=1, insert=2)
SAMPLE_ASAN = dict(change=48, delete=2, insert=4)
WORKERS = 2


def sample(mutations, every):
    """The mutations the suite runs: an even spread of each kind (every[kind])."""
    seen = {"change": 0, "delete": 0, "insert": 0}
    out = []
    for m in mutations:
        if seen[m.kind] % every[m.kind] == 0:
            out.append(m)
        seen[m.kind] += 1
    return out


def literal(v):
    """v as a PostgreSQL literal."""
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)  # the shortest text that reads back as the same double
    if isinstance(v, bytes):
        return "'\\x%s'::bytea" % v.hex()
    return "'%s'" % v.replace("'", "''")


def rowid_column(schema, table):
    """The column SQLite's rowid is on PostgreSQL: an rtree's first column, else the
    table's INTEGER PRIMARY KEY."""
    t = schema.tables[table]
    if t["virtual"]:
        return t["cols"][0]["name"]
    return [c["name"] for c in t["cols"] if c["pk"]][0]


def to_pg(schema, m, params):
    """Mutation m's statement with params, in PostgreSQL's SQL."""
    stmt = m.statement
    if "rowid IS ?" in stmt:
        stmt = stmt.replace("rowid IS ?", "%s IS ?" % cov.q(rowid_column(schema, m.table)))
    stmt = stmt.replace(" IS ?", " IS NOT DISTINCT FROM ?")
    parts = stmt.split("?")
    assert len(parts) == len(params) + 1, (stmt, params)
    return "".join(p + literal(v) for p, v in zip(parts, params)) + parts[-1]


def run(uri, sql):
    """Runs sql in one transaction through psql: (ok, output)."""
    p = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                       capture_output=True, text=True, timeout=120)
    return p.returncode == 0, p.stdout + p.stderr


def verify(uri):
    """(exit code, stdout, stderr) of `truce verify --db uri`."""
    p = subprocess.run([BIN, "verify", "--db", uri], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


class Worker:
    """A PostgreSQL copy of the centre, and a pristine copy of its tables to put back."""

    def __init__(self, clean, schema):
        self.uri = pg_database()
        run_cli("store", "copy", "--from", clean, "--to", self.uri)
        self.cols = {t: [c["name"] for c in x["cols"]] for t, x in schema.tables.items() if not x["shadow"]}
        sql = ["CREATE SCHEMA pristine"]
        for t, cols in self.cols.items():
            sql.append("CREATE TABLE pristine.%s AS SELECT %s FROM public.%s"
                       % (cov.q(t), ", ".join(map(cov.q, cols)), cov.q(t)))
        psql(self.uri, "; ".join(sql))

    def restore(self, table):
        cols = ", ".join(map(cov.q, self.cols[table]))
        ok, out = run(self.uri, "BEGIN; SET CONSTRAINTS ALL DEFERRED; DELETE FROM public.%s; INSERT INTO public.%s "
                                "(%s) SELECT %s FROM pristine.%s; COMMIT" % (cov.q(table), cov.q(table), cols, cols,
                                                                            cov.q(table)))
        assert ok, "cannot put %s back: %s" % (table, out)

    def tamper(self, statement, table):
        """Makes the change, runs verify, puts the table back: (applied, detected, output)."""
        ok, out = run(self.uri, "BEGIN; %s; COMMIT" % statement)
        if not ok or any(line.split()[-1:] == ["0"] for line in out.splitlines()
                         if line.split()[:1] in (["UPDATE"], ["DELETE"], ["INSERT"])):
            self.restore(table)
            return False, None, out
        code, stdout, stderr = verify(self.uri)
        self.restore(table)
        if code not in (0, 1) or "ERROR: AddressSanitizer" in stderr or "runtime error:" in stderr:
            raise AssertionError("verify crashed (exit %d): %s" % (code, stderr[-2000:]))
        return True, code == 1 and any(line.startswith("FAIL ") for line in stdout.splitlines()), stdout


class VerifyOnPostgreSQL(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv, cls.clean = cov.populated_database(store="sqlite")
        con = sqlite3.connect(cls.clean)
        cls.schema = cov.Schema(con)
        cls.mutations = []
        for table in sorted(cls.schema.tables):
            if not cls.schema.tables[table]["shadow"]:
                cls.mutations += cov.column_mutations(con, cls.schema, table)
                cls.mutations += cov.row_mutations(con, cls.schema, table)
        con.close()
        cls.workers = [Worker(cls.clean, cls.schema) for _ in range(WORKERS)]

    def test_1_verify_passes_and_says_what_it_says_on_sqlite(self):
        code, out, err = verify(self.workers[0].uri)
        self.assertEqual(code, 0, out + err)
        self.assertIn("OK: the database", out)
        on_sqlite = run_cli("verify", "--db", self.clean).stdout.splitlines()
        lines = [x for x in out.splitlines() if not x.startswith("database: ")]
        self.assertEqual(lines, on_sqlite[1:])

    def test_2_the_named_tamperings(self):
        """test_verify_coverage's named cases, in PostgreSQL's SQL."""
        cases = [
            ("report", "UPDATE report SET reporting_party = 'Turkey' WHERE id = 1",
             'report 1: reporting_party is "Turkey"'),
            ("report", "UPDATE report SET occurred_at = occurred_at - 86400 WHERE id = 1", "report 1: occurred_at is"),
            ("notice", "UPDATE notice SET payload = (payload::jsonb || '{\"x\": 1}')::text WHERE id = 2",
             "notice 2: the row differs"),
            ("notice", "UPDATE notice SET deadline = deadline + 86400 WHERE id = 2", "(notice.create notice/2): deadline"),
            ("notice", "DELETE FROM notice WHERE id = (SELECT max(id) FROM notice WHERE acked_at IS NULL)",
             "names no row of notice"),
            ("movement_clearance",
             "DELETE FROM movement_clearance WHERE ctid = (SELECT min(ctid) FROM movement_clearance)",
             "the row differs from the object logged at log_entry"),
            ("setting", "INSERT INTO setting VALUES ('--cluster-scale', '2', 0)", "setting --cluster-scale: no log entry"),
            ("log_entry", "UPDATE log_entry SET submission = convert_to('{}', 'UTF8') WHERE submission IS NOT NULL",
             "body_sha256 is"),
            ("operation", "UPDATE operation SET volumes = replace(volumes, '3000.0', '3500.0') WHERE id = 1",
             "operation 1: volumes is not the volumes it is read as"),
            ("log_checkpoint", "DELETE FROM log_checkpoint WHERE size = (SELECT size FROM log_checkpoint ORDER BY size"
                               " LIMIT 1 OFFSET 1)", "checkpoints were deleted"),
            ("area_rtree", "UPDATE area_rtree SET minx = minx - 1e-9 WHERE rid = (SELECT min(rid) FROM area_rtree)",
             "its box is not that of the geometry"),
        ]
        w = self.workers[0]
        for table, statement, needle in cases:
            with self.subTest(statement=statement):
                applied, detected, out = w.tamper(statement, table)
                self.assertTrue(applied, out)
                self.assertTrue(detected, out)
                self.assertTrue(any(line.startswith("FAIL ") and needle in line for line in out.splitlines()),
                                "%r not in:\n%s" % (needle, out))

    def test_3_every_change_is_detected(self):
        every = SAMPLE_ASAN if cov.sanitized_binary() else SAMPLE
        full = os.environ.get("TRUCE_VERIFY_PG_FULL") == "1"
        todo = self.mutations if full else sample(self.mutations, every)
        t0 = time.time()

        def attempt(w, m):
            out = ""
            for params in m.params:
                applied, detected, out = w.tamper(to_pg(self.schema, m, params), m.table)
                if applied:
                    return m, detected, out
            return m, None, out

        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            chunks = [todo[k::WORKERS] for k in range(WORKERS)]
            futs = [pool.submit(lambda w, c: [attempt(w, m) for m in c], w, c) for w, c in zip(self.workers, chunks)]
            for f in futs:
                results += f.result()
        refused = [(m, out) for m, d, out in results if d is None]
        report = cov.Coverage(self.schema, [r for r in results if r[1] is not None], not full)
        applied = {(m.table, m.col) for m, d, _ in results if d is not None and m.kind == "change"}
        walled = {(m.table, m.col) for m, _ in refused if m.kind == "change"} - applied - report.exempt
        print("\nverify coverage on PostgreSQL: %d columns covered / %d columns (%d exempt; %d whose every change"
              " PostgreSQL's own constraints refuse), %d tables; %d mutations (%s), %d refused, in %.0f s"
              % (report.covered, len(report.columns), len(report.exempt), len(walled),
                 len({t for t, _ in report.columns}), len(todo),
                 "all" if full else "a sample: every n-th of each kind, %s" % every, len(refused), time.time() - t0))
        for m, out in refused:  # the reason: psql's last line (DETAIL or ERROR)
            print("  refused by PostgreSQL: %s (%s)" % (m, (out.strip().splitlines() or [""])[-1][:160]))
        for m in report.missed:
            print("  undetected: %s" % m)
        self.assertEqual(report.uncovered, [], "columns whose change verify does not detect on PostgreSQL")
        self.assertEqual(report.rows_missed, [], "deleted or added rows verify does not detect on PostgreSQL")
        if full:  # an exemption is needed unless PostgreSQL refuses the change it excuses
            moot = {m.table for m, _ in refused if m.kind != "change"} | {str((m.table, m.col)) for m, _ in refused}
            self.assertEqual([x for x in report.stale if x not in moot], [], "exempt columns verify now covers")

    def test_4_every_worker_is_clean_again(self):
        for w in self.workers:
            code, out, err = verify(w.uri)
            self.assertEqual(code, 0, out + err)


if __name__ == "__main__":
    main()
