"""test_store_copy.py — `truce store copy` moves a whole centre between SQLite and PostgreSQL
(issue 13; docs/operations.md "Choosing a store").

A real `truce serve` on SQLite is filled through its API with every kind of object
(populate.py) and stopped; its file is copied into a fresh PostgreSQL database of the test
cluster ($TRUCE_TEST_PG, scripts/pg-test.sh) and back into a new SQLite file. The file that
comes back must hold the same rows as the original, table by table, value by value with
its type, and pass `truce verify --db`. On PostgreSQL the geometries also have their PostGIS
twins. Refused: a non-empty target, a missing source, the same database twice; a copy
that fails in the middle writes nothing.
"""
import os
import shutil
import sqlite3
import unittest

from harness import Server, pg_database, psql, run_cli
from populate import populate

GEOMETRY_TABLES = ("area_version", "site", "movement", "hazard")


def sqlite_rows(path):
    """{table: sorted rows of its declared columns} of every table but rtree shadow tables."""
    con = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM pragma_table_list WHERE schema = 'main'"
                                            " AND type IN ('table', 'virtual') AND name NOT LIKE 'sqlite_%'")]
        out = {}
        for t in tables:
            cols = [r[1] for r in con.execute('SELECT * FROM pragma_table_info("%s")' % t)]
            rows = con.execute('SELECT %s FROM "%s"' % (", ".join('"%s"' % c for c in cols), t)).fetchall()
            out[t] = (cols, sorted(rows, key=repr))
        return out
    finally:
        con.close()


def pg_count(uri, table):
    return int(psql(uri, 'SELECT count(*) FROM "%s"' % table).strip())


class StoreCopy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server(scenario=True, store="sqlite",
                               extra_args=["--checkpoint-ms", "50", "--track-stale-s", "2"])
        try:
            populate(srv)
        finally:
            srv.stop()
        cls.original = sqlite_rows(srv.db)
        cls.pg = pg_database()
        cls.copied = run_cli("store", "copy", "--from", srv.db, "--to", cls.pg, check=False)
        cls.back = os.path.join(srv.dir, "back.db")
        cls.returned = run_cli("store", "copy", "--from", cls.pg, "--to", cls.back, check=False)

    def test_1_copies_succeed(self):
        self.assertEqual(self.copied.returncode, 0, self.copied.stderr)
        self.assertEqual(self.returned.returncode, 0, self.returned.stderr)
        self.assertIn("rows copied in one transaction", self.copied.stderr)

    def test_2_every_table_on_postgresql(self):
        empty = [t for t in self.original if t != "schema_version" and not self.original[t][1]]
        self.assertLess(len(empty), len(self.original) // 4, "populate.py left too many tables empty: %s" % empty)
        for t, (cols, rows) in self.original.items():
            self.assertEqual(pg_count(self.pg, t), len(rows), t)
        # the log keeps its bytes: the leaves' hashes are the same on both sides
        con = sqlite3.connect(self.srv.db)
        want = [bytes(r[0]).hex() for r in con.execute("SELECT hash FROM log_node WHERE level = 0 ORDER BY idx")]
        con.close()
        got = psql(self.pg, "SELECT encode(hash, 'hex') FROM log_node WHERE level = 0 ORDER BY idx").split()
        self.assertEqual(got, want)

    def test_3_geometries_have_postgis_twins(self):
        for t in GEOMETRY_TABLES:
            n = pg_count(self.pg, t)
            self.assertGreater(n, 0, t)
            bad = psql(self.pg, "SELECT count(*) FROM %s WHERE geom IS NULL OR ST_SRID(geom) <> 4326" % t).strip()
            self.assertEqual(bad, "0", t)
        # an analyst's query: sites within 50 km of the first movement's route
        near = psql(self.pg, "SELECT count(*) FROM site s, movement m WHERE ST_DWithin(s.geom::geography,"
                             " m.geom::geography, 50000)").strip()
        self.assertTrue(near.isdigit())
        pts = psql(self.pg, "SELECT count(*) FROM track_position WHERE ST_X(geom) = lon AND ST_Y(geom) = lat").strip()
        self.assertEqual(int(pts), pg_count(self.pg, "track_position"))

    def test_4_back_to_sqlite_is_identical(self):
        back = sqlite_rows(self.back)
        self.assertEqual(sorted(back), sorted(self.original))
        for t in self.original:
            self.assertEqual(back[t][0], self.original[t][0], t)
            self.assertEqual(back[t][1], self.original[t][1], "table %s differs after the round trip" % t)

    def test_5_verify_passes_on_the_copy_back(self):
        p = run_cli("verify", "--db", self.back, check=False)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_6_refuses_a_non_empty_target(self):
        before = pg_count(self.pg, "log_entry")
        p = run_cli("store", "copy", "--from", self.srv.db, "--to", self.pg, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("not empty", p.stderr)
        self.assertEqual(pg_count(self.pg, "log_entry"), before)
        p = run_cli("store", "copy", "--from", self.pg, "--to", self.back, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("not empty", p.stderr)
        self.assertEqual(sqlite_rows(self.back), self.original)

    def test_7_refuses_bad_arguments(self):
        missing = os.path.join(self.srv.dir, "missing.db")
        p = run_cli("store", "copy", "--from", missing, "--to", pg_database(), check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("--from", p.stderr)
        self.assertFalse(os.path.exists(missing))
        p = run_cli("store", "copy", "--from", self.srv.db, "--to", self.srv.db, check=False)
        self.assertEqual(p.returncode, 1)
        p = run_cli("store", "copy", "--from", self.srv.db, check=False)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(run_cli("store", "copy", "--help").returncode, 0)
        p = run_cli("store", "copy", "--from", self.srv.db, "--to", "postgresql://nobody@127.0.0.1:1/none",
                    check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot connect", p.stderr)

    def test_8_a_failed_copy_writes_nothing(self):
        # A value PostgreSQL refuses in a late table: every table copied before it is undone.
        bad = os.path.join(self.srv.dir, "bad.db")
        shutil.copy(self.srv.db, bad)
        con = sqlite3.connect(bad)
        con.execute("UPDATE track_stale SET last_ms = 'not a number'")
        con.commit()
        con.close()
        target = pg_database()
        p = run_cli("store", "copy", "--from", bad, "--to", target, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("track_stale", p.stderr)
        for t in ("party", "log_entry", "area_version", "site"):
            self.assertEqual(pg_count(target, t), 0, t)


if __name__ == "__main__":
    unittest.main()
