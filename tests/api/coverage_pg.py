"""coverage_pg.py — test_verify_coverage's tamperings on PostgreSQL (issue 13: the tampering
tests run on both stores).

The mutations are made from the schema and rows of a SQLite file with the same rows (see
test_verify_coverage.populated_database); here each is written in PostgreSQL's SQL (to_pg)
and made with psql on a Worker: a copy of the stopped server's database, where after each
tampering the table it touched is put back from a pristine copy kept in another schema
(verify reads only the current schema). A change PostgreSQL's own constraints refuse (a
type) cannot be made there and is counted apart; one a foreign key refuses is made with
them off, as the database's owner can. Time: a verify is about a
second, so the suite runs an even sample of each kind (SAMPLE; SAMPLE_ASAN under
AddressSanitizer); TRUCE_VERIFY_PG_FULL=1 runs them all.
"""
import concurrent.futures
import subprocess

from harness import BIN, psql

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


def q(name):
    return '"%s"' % name.replace('"', '""')


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
        stmt = stmt.replace("rowid IS ?", "%s IS ?" % q(rowid_column(schema, m.table)))
    stmt = stmt.replace(" IS ?", " IS NOT DISTINCT FROM ?")
    parts = stmt.split("?")
    assert len(parts) == len(params) + 1, (stmt, params)
    values = [literal(v) for v in params]
    if m.kind == "insert" and not schema.tables[m.table]["virtual"]:  # a new rowid: SQLite picks the next
        for i, c in enumerate(schema.tables[m.table]["cols"]):
            if c["pk"] and c["type"] == "INTEGER" and params[i] is None:
                values[i] = "(SELECT coalesce(max(%s), 0) + 1 FROM %s)" % (q(c["name"]), q(m.table))
    return "".join(p + v for p, v in zip(parts, values)) + parts[-1]


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
    """A copy of a stopped server's PostgreSQL database, and a pristine copy of its tables to put back."""

    def __init__(self, srv, schema):
        self.uri = srv.copy("worker").db
        self.cols = {t: [c["name"] for c in x["cols"]] for t, x in schema.tables.items() if not x["shadow"]}
        sql = ["CREATE SCHEMA pristine"]
        for t, cols in self.cols.items():
            sql.append("CREATE TABLE pristine.%s AS SELECT %s FROM public.%s"
                       % (q(t), ", ".join(map(q, cols)), q(t)))
        psql(self.uri, "; ".join(sql))
        self.fk_off = 0

    def restore(self, table):
        cols = ", ".join(map(q, self.cols[table]))
        ok, out = run(self.uri, "BEGIN; SET CONSTRAINTS ALL DEFERRED; DELETE FROM public.%s; INSERT INTO public.%s "
                                "(%s) SELECT %s FROM pristine.%s; COMMIT" % (q(table), q(table), cols, cols,
                                                                            q(table)))
        assert ok, "cannot put %s back: %s" % (table, out)

    def tamper(self, statement, table):
        """Makes the change, runs verify, puts the table back: (applied, detected, output). A
        change a foreign key refuses is made with them off, as the database's owner can
        (session_replication_role; on SQLite, Python's connection leaves them off): counted
        in fk_off."""
        ok, out = run(self.uri, "BEGIN; %s; COMMIT" % statement)
        if not ok and "violates foreign key constraint" in out:
            ok, out = run(self.uri, "BEGIN; SET LOCAL session_replication_role = replica; %s; COMMIT" % statement)
            self.fk_off += ok
        if not ok or any(line.split()[-1:] == ["0"] for line in out.splitlines()
                         if line.split()[:1] in (["UPDATE"], ["DELETE"], ["INSERT"])):
            self.restore(table)
            return False, None, out
        code, stdout, stderr = verify(self.uri)
        self.restore(table)
        if code not in (0, 1) or "ERROR: AddressSanitizer" in stderr or "runtime error:" in stderr:
            raise AssertionError("verify crashed (exit %d): %s" % (code, stderr[-2000:]))
        return True, code == 1 and any(line.startswith("FAIL ") for line in stdout.splitlines()), stdout



def run_all(workers, schema, todo):
    """Each mutation of todo on the workers, in parallel: (mutation, detected, verify's output),
    detected None when PostgreSQL refused every form of it."""

    def attempt(w, m):
        out = ""
        for params in m.params:
            applied, detected, out = w.tamper(to_pg(schema, m, params), m.table)
            if applied:
                return m, detected, out
        return m, None, out

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(workers)) as pool:
        chunks = [todo[k::len(workers)] for k in range(len(workers))]
        futs = [pool.submit(lambda w, c: [attempt(w, m) for m in c], w, c) for w, c in zip(workers, chunks)]
        for f in futs:
            results += f.result()
    return results
