"""The record covers what matters (issue 11): a test generated from the schema.

A real server on the demo scenario is driven through the API with every kind of object
(populate.py); the stopped server's database is then tampered with, one change per copy:

- every column of every table: its value changed in one row (a number moved by one, a text
  swapped for another row's or changed inside its JSON, a blob's last byte flipped), set to
  NULL where it may be NULL, and set where it is NULL;
- one row of every table deleted, and one row of every table copied under new keys;

and `truce verify --db` must fail on each copy (exit 1 with a FAIL line). The tables and
columns are read from the database itself (sqlite_schema, pragma table_info), so a table or
column another change adds is covered, or listed below as failing, without editing this
file. A table without rows makes the test fail: populate.py must then create some.

Only the columns in EXEMPT (nothing reads them; each with why) may pass verify; the test
also fails when an exempt column has become covered, so the list stays short and true. The
coverage (columns covered / columns) is printed. This test knows nothing of verify's
internals: it is the safety net for reworking verify (e.g. to read through the store).

Time: each mutation is one file copy and one `truce verify` process, two at a time. Under
AddressSanitizer (the second pass of `make test`) a fixed, evenly spread sample of the
mutations runs (SAMPLE_ASAN), the whole matrix in the plain pass.

On PostgreSQL (api-pg/, issue 13) the server grows its database there; the mutations are
made from a SQLite copy of the same rows (`truce store copy`), written in PostgreSQL's SQL
and made on copies of the database (coverage_pg.py: an even sample, TRUCE_VERIFY_PG_FULL=1
for all), and verify must print there what it prints on the SQLite copy.
"""
import concurrent.futures
import json
import os
import shutil
import sqlite3
import subprocess
import time
import unittest

import coverage_pg
from coverage_pg import q
from harness import BIN, Server, main, run_cli
from populate import populate, with_witness

# Columns nothing reads, so no answer, notice, decision or access depends on them.
EXEMPT = {
    ("schema_version", "name"): "the migration's file name, recorded for people; the store reads only version",
    ("schema_version", "applied_at"): "when a migration ran, recorded for people; nothing reads it",
    ("log_checkpoint", "signed_at"): "when the checkpoint thread signed, for people; the signed note is what counts",
}
# Single changes of a column that change nothing anyone reads.
EXEMPT_CHANGES = {
    ("operation", "volumes_bin", "set to NULL"): "a cache of volumes (migration 0010): without it the store reads "
                                                  "volumes, which verify checks; rows written before 0010 have none",
}
# Tables where a deleted row or an added row changes nothing anyone reads, or where the
# database alone cannot show it (each with why).
EXEMPT_DELETE = {
    "log_cosignature": "which checkpoints a witness cosigned is the witness's record, not the database's (a "
                       "witness down, or sent only the latest checkpoint, leaves gaps); a deletion forges "
                       "nothing (every row left is checked): the served checkpoint can only fall back to an "
                       "older one, which a client holding a later witnessed checkpoint sees (verify --url "
                       "--checkpoint)",
}
EXEMPT_INSERT = {
    "log_meta": "keys other than origin and vkey are never read",
    "schema_version": "a record of a migration this binary does not have is never read",
}
SAMPLE_ASAN = 4  # under ASan, every 4th mutation (and every deletion and insertion)


def sanitized_binary():
    with open(BIN, "rb") as f:
        return b"__asan_init" in f.read()


class Schema:
    """The tables and columns of a database, read from it."""

    def __init__(self, con):
        self.tables = {}
        for name, sql in con.execute("SELECT name, sql FROM sqlite_schema WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' ORDER BY name"):
            cols = [dict(cid=r[0], name=r[1], type=(r[2] or "").upper(), notnull=r[3], pk=r[5])
                    for r in con.execute("PRAGMA table_info(%s)" % q(name))]
            virtual = (sql or "").upper().startswith("CREATE VIRTUAL")
            without_rowid = "WITHOUT ROWID" in (sql or "").upper()
            unique = set()
            for idx in con.execute("PRAGMA index_list(%s)" % q(name)).fetchall():
                if idx[2]:
                    unique |= {r[2] for r in con.execute("PRAGMA index_info(%s)" % q(idx[1]))}
            unique |= {c["name"] for c in cols if c["pk"]}
            self.tables[name] = dict(cols=cols, virtual=virtual, without_rowid=without_rowid, unique=unique,
                                     shadow=False)
        for name, t in self.tables.items():  # R*Tree shadow tables (area_rtree_node, ...)
            for v in self.tables:
                if self.tables[v]["virtual"] and name.startswith(v + "_") and name != v:
                    t["shadow"] = True

    def key(self, table):
        """The columns that name a row: the primary key, else the rowid."""
        t = self.tables[table]
        pk = sorted((c for c in t["cols"] if c["pk"]), key=lambda c: c["pk"])
        if pk and (t["without_rowid"] or len(pk) > 1 or pk[0]["type"] != "INTEGER"):
            return [c["name"] for c in pk]
        return ["rowid"]


def where(keys, row):
    return " AND ".join("%s IS ?" % (k if k == "rowid" else q(k)) for k in keys), list(row)


def json_mutate(v):
    """A different, valid JSON value: the last scalar inside v changed."""
    if isinstance(v, dict):
        if not v:
            return {"x": 1}
        k = list(v)[-1]
        return dict(v, **{k: json_mutate(v[k])})
    if isinstance(v, list):
        return v[:-1] + [json_mutate(v[-1])] if v else [1]
    if isinstance(v, bool):
        return not v
    if isinstance(v, (int, float)):
        return v + 1 if v < 2 ** 63 - 1 else v - 1
    if isinstance(v, str):
        return v + "x"
    return 0


def changed_values(con, table, col, value):
    """Values of the same kind as value, different from it, the most plausible first (the
    next ones are tried when a constraint refuses one)."""
    if isinstance(value, bytes):
        return [value[:-1] + bytes([value[-1] ^ 1]) if value else b"\x00"]
    if isinstance(value, int):
        top = con.execute("SELECT max(%s) FROM %s" % (q(col), q(table))).fetchone()[0]
        near = value + 1 if value < 2 ** 63 - 1 else value - 1  # an open end moves back one second
        return [near, value - 1, top + 1 if isinstance(top, int) and top < 2 ** 63 - 1 else -value - 2]
    if isinstance(value, float):
        return [value + 0.25, value - 0.25]
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if isinstance(parsed, (dict, list)) or (isinstance(parsed, str) and value.startswith('"')):
        return [json.dumps(json_mutate(parsed), separators=(",", ":"), ensure_ascii=False)]
    other = con.execute("SELECT %s FROM %s WHERE %s IS NOT NULL AND %s <> ? AND typeof(%s) = 'text' LIMIT 1"
                        % (q(col), q(table), q(col), q(col), q(col)), (value,)).fetchone()
    return ([other[0]] if other else []) + [value + "x"]


def set_value(con, table, col, ctype):
    """A value for a NULL cell: another row's, else one of the declared type."""
    other = con.execute("SELECT %s FROM %s WHERE %s IS NOT NULL LIMIT 1" % (q(col), q(table), q(col))).fetchone()
    if other:
        return other[0]
    return {"INTEGER": 1, "REAL": 1.5, "BLOB": b"\x00"}.get(ctype, "x")


class Mutation:
    """One change to the database: statement with the first of the parameter lists that
    the schema's constraints accept."""

    def __init__(self, kind, table, col, label, statement, params):
        self.kind, self.table, self.col, self.label = kind, table, col, label
        self.statement, self.params = statement, params

    def __str__(self):
        return "%s %s%s: %s" % (self.kind, self.table, "." + self.col if self.col else "", self.label)


def middle_row(con, table, keys):
    rows = con.execute("SELECT %s FROM %s ORDER BY %s" % (", ".join(k if k == "rowid" else q(k) for k in keys),
                                                        q(table), ", ".join(keys))).fetchall()
    return rows[len(rows) // 2] if rows else None


def column_mutations(con, schema, table):
    keys = schema.key(table)
    sel = ", ".join(k if k == "rowid" else q(k) for k in keys)
    out = []
    for c in schema.tables[table]["cols"]:
        col = c["name"]
        row = con.execute("SELECT %s, %s FROM %s WHERE %s IS NOT NULL ORDER BY %s LIMIT 1 OFFSET "
                          "(SELECT count(*) / 2 FROM %s WHERE %s IS NOT NULL)"
                          % (sel, q(col), q(table), q(col), sel, q(table), q(col))).fetchone()
        upd = "UPDATE %s SET %s = ? WHERE " % (q(table), q(col))
        if row is not None:
            w, p = where(keys, row[:-1])
            value = row[-1]
            out.append(Mutation("change", table, col, "changed", upd + w,
                                [[v] + p for v in changed_values(con, table, col, value)]))
            if not c["notnull"] and not c["pk"] and not schema.tables[table]["virtual"]:
                out.append(Mutation("change", table, col, "set to NULL", upd + w, [[None] + p]))
        null = con.execute("SELECT %s FROM %s WHERE %s IS NULL LIMIT 1" % (sel, q(table), q(col))).fetchone()
        if null is not None:
            w, p = where(keys, null)
            out.append(Mutation("change", table, col, "set where NULL", upd + w,
                                [[set_value(con, table, col, c["type"])] + p]))
    return out


def row_mutations(con, schema, table):
    keys = schema.key(table)
    row = middle_row(con, table, keys)
    if row is None:
        return []
    w, p = where(keys, row)
    out = [Mutation("delete", table, None, "one row", "DELETE FROM %s WHERE %s" % (q(table), w), [p])]
    t = schema.tables[table]
    cols = [c["name"] for c in t["cols"]]
    values = list(con.execute("SELECT %s FROM %s WHERE %s" % (", ".join(q(c) for c in cols), q(table), w),
                              p).fetchone())
    for i, c in enumerate(t["cols"]):
        if c["name"] in t["unique"] or (t["virtual"] and i == 0):
            if isinstance(values[i], int) or c["type"] == "INTEGER":
                values[i] = (con.execute("SELECT max(%s) FROM %s" % (q(c["name"]), q(table))).fetchone()[0] or 0) + 1
            elif isinstance(values[i], bytes):
                values[i] = values[i] + b"copy"
            elif values[i] is not None:
                values[i] = str(values[i]) + " copy"
    if keys == ["rowid"] and not t["virtual"]:
        ipk = [i for i, c in enumerate(t["cols"]) if c["pk"] and c["type"] == "INTEGER"]
        for i in ipk:
            values[i] = None  # a new rowid
    out.append(Mutation("insert", table, None, "a copy of one row under new keys",
                        "INSERT INTO %s(%s) VALUES (%s)" % (q(table), ", ".join(q(c) for c in cols),
                                                             ", ".join("?" * len(cols))), [values]))
    return out


def run_verify(clean, workdir, n, m):
    db = os.path.join(workdir, "m%d.db" % n)
    shutil.copyfile(clean, db)
    con = sqlite3.connect(db)
    why = None
    for params in m.params:
        try:
            con.execute(m.statement, params)
            con.commit()
            why = None
            break
        except sqlite3.DatabaseError as e:
            con.rollback()
            why = e
    con.close()
    if why is not None:
        os.remove(db)
        return m, None, "the mutation could not be applied: %s" % why
    p = subprocess.run([BIN, "verify", "--db", db], capture_output=True, text=True, timeout=120)
    os.remove(db)
    for suffix in ("-wal", "-shm", "-journal"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    detected = p.returncode == 1 and any(line.startswith("FAIL ") for line in p.stdout.splitlines())
    if p.returncode not in (0, 1) or "ERROR: AddressSanitizer" in p.stderr or "runtime error:" in p.stderr:
        return m, None, "verify crashed (exit %d): %s" % (p.returncode, p.stderr[-2000:])
    return m, detected, p.stdout


class Coverage:
    """What the results say: per column, covered when every change of it that is not
    exempt was detected; the misses that are not exempt; exemptions no longer needed."""

    def __init__(self, schema, results, sampled):
        self.columns = {(t, c["name"]): True for t, x in schema.tables.items() if not x["shadow"] for c in x["cols"]}
        self.tested = {(m.table, m.col) for m, _, _ in results if m.kind == "change"}
        self.exempt = {k for k in EXEMPT if k in self.columns}
        self.missed, used = [], set()
        for m, d, _ in results:
            if d is not False:
                continue
            key = EXEMPT_CHANGES.get((m.table, m.col, m.label)) and (m.table, m.col, m.label)
            if m.kind == "change" and ((m.table, m.col) in self.exempt or key):
                used.add(key or (m.table, m.col))
                continue
            if (m.kind == "delete" and m.table in EXEMPT_DELETE) or (m.kind == "insert" and m.table in EXEMPT_INSERT):
                used.add(m.table)
                continue
            self.missed.append(m)
            if m.kind == "change":
                self.columns[(m.table, m.col)] = False
        for k in self.exempt:
            self.columns[k] = False
        self.covered = sum(1 for k, ok in self.columns.items() if ok and k in self.tested)
        self.uncovered = sorted({(m.table, m.col) for m in self.missed if m.kind == "change"})
        self.rows_missed = sorted(str(m) for m in self.missed if m.kind != "change")
        every = self.exempt | {k for k in EXEMPT_CHANGES if k[:2] in self.columns}
        every |= set(EXEMPT_DELETE) | set(EXEMPT_INSERT)
        self.stale = [] if sampled else sorted(map(str, every - used))


def populated_database(**server_args):
    """A stopped server filled with every kind of object (on its store), and a SQLite file
    with the same rows (its path: a VACUUM INTO copy, or `truce store copy` from
    PostgreSQL), which the mutations are made from: (server, path)."""
    srv = Server(scenario=True, extra_args=["--checkpoint-ms", "50", "--cluster-radius-m", "2500,5000,15000",
                                            "--track-stale-s", "2"], **server_args)
    witness = None
    try:
        witness = with_witness(srv)  # log_cosignature: a real witness cosigns the checkpoints
        populate(srv)
        srv.restart()  # a restart in the middle: the log and the state carry over
        r = srv.post("/v1/actors", {"name": "After restart"}, party="admin")
        assert r.status == 201, r
    finally:
        srv.stop()
        if witness:
            witness.stop()
    clean = os.path.join(srv.dir, "clean.db")
    if srv.store == "pg":
        run_cli("store", "copy", "--from", srv.db, "--to", clean)
    else:
        con = sqlite3.connect(srv.db)
        con.execute("VACUUM INTO ?", (clean,))
        con.close()
    return srv, clean


# Issue 11's list, each by name, with the line verify prints: (table, the statement on
# SQLite, on PostgreSQL (None: the same; on SQLite None: PostgreSQL only), the line).
NAMED = [
    ("report", "UPDATE report SET reporting_party = 'Turkey' WHERE id = 1", None,
     'report 1: reporting_party is "Turkey"'),
    ("report", "UPDATE report SET occurred_at = occurred_at - 86400 WHERE id = 1", None, "report 1: occurred_at is"),
    ("notice", "UPDATE notice SET payload = json_set(payload, '$.x', 1) WHERE id = 2",
     "UPDATE notice SET payload = (payload::jsonb || '{\"x\": 1}')::text WHERE id = 2", "notice 2: the row differs"),
    ("notice", "UPDATE notice SET deadline = deadline + 86400 WHERE id = 2", None, "(notice.create notice/2): deadline"),
    ("notice", "DELETE FROM notice WHERE id = (SELECT max(id) FROM notice WHERE acked_at IS NULL)", None,
     "names no row of notice"),
    ("movement_clearance", "DELETE FROM movement_clearance WHERE rowid = (SELECT min(rowid) FROM movement_clearance)",
     "DELETE FROM movement_clearance WHERE ctid = (SELECT min(ctid) FROM movement_clearance)",
     "the row differs from the object logged at log_entry"),
    ("setting", "INSERT INTO setting VALUES ('--cluster-scale', '2', 0)", None, "setting --cluster-scale: no log entry"),
    ("log_entry", "UPDATE log_entry SET submission = CAST('{}' AS BLOB) WHERE submission IS NOT NULL",
     "UPDATE log_entry SET submission = convert_to('{}', 'UTF8') WHERE submission IS NOT NULL", "body_sha256 is"),
    ("operation", "UPDATE operation SET volumes = replace(volumes, '3000.0', '3500.0') WHERE id = 1", None,
     "operation 1: volumes is not the volumes it is read as"),
    ("log_checkpoint", "DELETE FROM log_checkpoint WHERE size = (SELECT size FROM log_checkpoint ORDER BY size LIMIT 1 "
                       "OFFSET 1)", None, "checkpoints were deleted"),
    ("area_rtree", None, "UPDATE area_rtree SET minx = minx - 1e-9 WHERE rid = (SELECT min(rid) FROM area_rtree)",
     "its box is not that of the geometry"),  # SQLite's R*Tree keeps 32-bit boxes: 1e-9 is lost there
]


class VerifyCoverage(unittest.TestCase):
    """On the store under test (on PostgreSQL the tamperings are made on Workers, coverage_pg.py)."""

    @classmethod
    def setUpClass(cls):
        cls.srv, cls.clean = populated_database()
        con = sqlite3.connect(cls.clean)
        cls.schema = Schema(con)
        cls.mutations = []
        cls.empty = []
        for table in sorted(cls.schema.tables):
            if cls.schema.tables[table]["shadow"]:
                continue
            if con.execute("SELECT count(*) FROM %s" % q(table)).fetchone()[0] == 0:
                cls.empty.append(table)
                continue
            cls.mutations += column_mutations(con, cls.schema, table)
            cls.mutations += row_mutations(con, cls.schema, table)
        con.close()
        cls.pg = cls.srv.store == "pg"
        cls.workers = [coverage_pg.Worker(cls.srv, cls.schema) for _ in range(coverage_pg.WORKERS)] if cls.pg else []

    def test_1_clean_database_verifies(self):
        p = self.srv.verify()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        if self.pg:  # and says what it says on the same rows in SQLite (a copy: no checkpoint kept beside it)
            on_sqlite = run_cli("verify", "--db", self.clean).stdout.splitlines()
            kept = os.path.basename(self.srv.key_path()) + ".checkpoint"
            self.assertIn("checkpoint kept by the server: " + kept, p.stdout)
            self.assertEqual([x for x in p.stdout.splitlines() if not x.startswith("database: ") and kept not in x],
                             on_sqlite[1:])

    def test_2_every_table_has_rows(self):
        self.assertEqual(self.empty, [], "populate.py creates no rows in these tables, so nothing is tested there")

    def test_4_the_tamperings_the_issue_lists(self):
        for n, (table, on_sqlite, on_pg, needle) in enumerate(NAMED):
            statement = (on_pg or on_sqlite) if self.pg else on_sqlite
            if statement is None:
                continue
            with self.subTest(statement=statement):
                if self.pg:
                    applied, detected, out = self.workers[0].tamper(statement, table)
                    self.assertTrue(applied, out)
                else:
                    db = os.path.join(self.srv.dir, "case%d.db" % n)
                    shutil.copyfile(self.clean, db)
                    con = sqlite3.connect(db)
                    self.assertEqual(con.execute(statement).rowcount, 1)
                    con.commit()
                    con.close()
                    p = run_cli("verify", "--db", db, check=False)
                    self.assertEqual(p.returncode, 1, p.stdout)
                    out = p.stdout
                self.assertTrue(any(line.startswith("FAIL ") and needle in line for line in out.splitlines()),
                                "%r not in:\n%s" % (needle, out))

    def test_3_every_change_is_detected(self):
        if self.pg:
            return self.every_change_on_postgresql()
        todo = self.mutations
        sampled = sanitized_binary()
        if sampled:
            todo = [m for i, m in enumerate(todo) if m.kind != "change" or i % SAMPLE_ASAN == 0]
        t0 = time.time()
        results = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            futs = [pool.submit(run_verify, self.clean, self.srv.dir, n, m) for n, m in enumerate(todo)]
            for f in futs:
                results.append(f.result())
        errors = [(m, out) for m, d, out in results if d is None]
        report = Coverage(self.schema, results, sampled)
        print("\nverify coverage: %d columns covered / %d columns (%d exempt: nothing reads them), %d tables; "
              "%d mutations in %.0f s" % (report.covered, len(report.columns), len(report.exempt),
                                        len({t for t, _ in report.columns}), len(todo), time.time() - t0))
        if sampled:
            print("  (AddressSanitizer: a sample; %d columns changed, every table's rows deleted and added)"
                  % len(report.tested))
        for m in report.missed:
            print("  undetected: %s" % m)
        uncovered, rows_missed, stale = report.uncovered, report.rows_missed, report.stale
        self.assertEqual(errors, [], "\n".join("%s: %s" % (m, out) for m, out in errors))
        self.assertEqual(uncovered, [], "columns whose change verify does not detect")
        self.assertEqual(rows_missed, [], "deleted or added rows verify does not detect")
        self.assertEqual(stale, [], "exempt columns verify now covers: remove them from EXEMPT")

    def every_change_on_postgresql(self):
        every = coverage_pg.SAMPLE_ASAN if sanitized_binary() else coverage_pg.SAMPLE
        full = os.environ.get("TRUCE_VERIFY_PG_FULL") == "1"
        todo = self.mutations if full else coverage_pg.sample(self.mutations, every)
        t0 = time.time()
        results = coverage_pg.run_all(self.workers, self.schema, todo)
        refused = [(m, out) for m, d, out in results if d is None]
        report = Coverage(self.schema, [r for r in results if r[1] is not None], not full)
        applied = {(m.table, m.col) for m, d, _ in results if d is not None and m.kind == "change"}
        walled = {(m.table, m.col) for m, _ in refused if m.kind == "change"} - applied - report.exempt
        print("\nverify coverage on PostgreSQL: %d columns covered / %d columns (%d exempt; %d whose every change"
              " PostgreSQL's own constraints refuse), %d tables; %d mutations (%s), %d refused, %d made with foreign"
              " keys off, in %.0f s"
              % (report.covered, len(report.columns), len(report.exempt), len(walled),
                 len({t for t, _ in report.columns}), len(todo),
                 "all" if full else "a sample: every n-th of each kind, %s" % every, len(refused),
                 sum(w.fk_off for w in self.workers), time.time() - t0))
        for m, out in refused:  # the reason: psql's last line (DETAIL or ERROR)
            print("  refused by PostgreSQL: %s (%s)" % (m, (out.strip().splitlines() or [""])[-1][:160]))
        for m in report.missed:
            print("  undetected: %s" % m)
        self.assertEqual(report.uncovered, [], "columns whose change verify does not detect on PostgreSQL")
        self.assertEqual(report.rows_missed, [], "deleted or added rows verify does not detect on PostgreSQL")
        if full:  # an exemption is needed unless PostgreSQL refuses the change it excuses
            moot = {m.table for m, _ in refused if m.kind != "change"} | {str((m.table, m.col)) for m, _ in refused}
            self.assertEqual([x for x in report.stale if x not in moot], [], "exempt columns verify now covers")

    def test_5_every_worker_is_clean_again(self):
        for w in self.workers:
            code, out, err = coverage_pg.verify(w.uri)
            self.assertEqual(code, 0, out + err)


if __name__ == "__main__":
    main()
