"""harness.py — black-box tests against a real `truce serve` on loopback.

Every test module imports this. A Server starts the binary named by $TRUCE_BIN on a
fresh SQLite file in a temporary directory, with --listen 127.0.0.1:0, and reads the
port from its "listening on" line. Requests go over real HTTP (http.client).
stop() sends SIGTERM and checks that the server exits 0 and that its stderr holds no
sanitizer report, so the ASan+UBSan build of the suite fails on leaks and UB too.

With $TRUCE_TEST_PG set (the admin URI of a throwaway cluster: scripts/pg-test.sh), every
Server runs on a fresh PostgreSQL database of its own (pg_database), unless it is made with
store="sqlite"; the databases are dropped when the test process ends.

Only the standard library is used, plus the Debian packages named in scripts/deps.sh.
"""
import atexit
import itertools
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import types
import http.client
import unittest

ROOT = os.environ.get("TRUCE_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.path.abspath(os.environ.get("TRUCE_BIN", os.path.join(ROOT, "build", "truce")))
SHARED = os.environ.get("TRUCE_SHARED", os.path.join(ROOT, "..", "shared"))
SCENARIO = os.path.join(ROOT, "scenarios", "syria-2016-2017.json")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer")


def run_cli(*args, check=True, input=None, cwd=None):
    """Runs `truce ARGS` (in cwd); returns CompletedProcess (text)."""
    p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120, input=input, cwd=cwd)
    if check and p.returncode != 0:
        raise AssertionError("truce %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr))
    for mark in SANITIZER_MARKS:
        if mark in p.stderr:
            raise AssertionError("sanitizer report from truce %s:\n%s" % (" ".join(args), p.stderr))
    return p


def keygen(dirname, name):
    """A party's signing key (`truce key generate`): (the secret key's path, the public key)."""
    path = os.path.join(dirname, name)
    return path, run_cli("key", "generate", path).stdout.strip()


def sign(dirname, key, body_bytes):
    """The Truce-Signature of body_bytes with the secret key at key (`truce key sign`)."""
    path = os.path.join(dirname, "body-%d" % time.monotonic_ns())
    with open(path, "wb") as f:
        f.write(body_bytes)
    return run_cli("key", "sign", path, "--key", key).stdout.strip()


PG_ADMIN = os.environ.get("TRUCE_TEST_PG")  # postgresql://postgres@127.0.0.1:PORT/postgres
# A server on PostgreSQL keeps its log key in the current directory (NAME.key, docs/operations.md):
# this process's servers run in this folder, so every server of one database finds its key.
PG_KEYS = tempfile.mkdtemp(prefix="truce-pg-keys-") if PG_ADMIN else None
_pg_made = []
_pg_seq = itertools.count(1)


def psql(uri, sql, check=True):
    """Runs sql through psql on uri; returns its unaligned, tuples-only output."""
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", uri, "-c", sql],
                       capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError("psql %s: %s" % (sql[:200], p.stderr))
    return p.stdout


def pg_uri(name):
    """The URI of database name in the cluster of $TRUCE_TEST_PG."""
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def pg_database():
    """A new, empty database (PostGIS comes from template1) in the test cluster; its URI."""
    if not PG_ADMIN:
        raise AssertionError("TRUCE_TEST_PG is not set: run under scripts/pg-test.sh (ctest does)")
    name = "truce_t%d_%d" % (os.getpid(), next(_pg_seq))
    psql(PG_ADMIN, "CREATE DATABASE %s" % name)
    _pg_made.append(name)
    return pg_uri(name)


@atexit.register
def _pg_drop():
    for name in _pg_made:
        psql(PG_ADMIN, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name, check=False)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


class Server:
    """A running `truce serve` over a database in its own temporary directory."""

    def __init__(self, scenario=False, extra_args=(), db=None, store=None):
        self.dir = tempfile.mkdtemp(prefix="truce-test-")
        if store is None and db is not None:
            store = "pg" if db.startswith(("postgresql:", "postgres:")) else "sqlite"
        self.store = store or ("pg" if PG_ADMIN else "sqlite")
        if db is None:
            db = pg_database() if self.store == "pg" else os.path.join(self.dir, "truce.db")
        self.db = db
        self.tokens = {}
        if scenario:
            self.import_scenario(SCENARIO)
        self.extra_args = list(extra_args)
        self.proc = None
        self.start()

    # -- life cycle --
    def start(self):
        self.errlog = open(os.path.join(self.dir, "serve.log"), "w+")
        self.proc = subprocess.Popen([BIN, "serve", "--db", self.db, "--listen", "127.0.0.1:0", *self.extra_args],
                                     stdout=subprocess.DEVNULL, stderr=self.errlog,
                                     cwd=PG_KEYS if self.store == "pg" else None)
        deadline = time.time() + 120  # start-up loads every engine: slow on a busy machine, bounded
        while time.time() < deadline:
            self.errlog.seek(0)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.errlog.read())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("truce serve did not start: " + self.log())

    def log(self):
        self.errlog.seek(0)
        return self.errlog.read()

    def kill(self):
        """SIGKILL, as when the process or its machine dies: waits for it and forgets it (start()
        runs it again on the same database)."""
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.proc = None
        self.errlog.close()

    def stop(self, sig=signal.SIGTERM, expect_clean=True):
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("truce serve did not stop within 60 s of signal %d" % sig)
        self.proc = None
        text = self.log()
        self.errlog.close()
        if expect_clean:
            for mark in SANITIZER_MARKS:
                if mark in text:
                    raise AssertionError("sanitizer report from truce serve:\n" + text[-6000:])
            if rc != 0:
                raise AssertionError("truce serve exited %d after signal:\n%s" % (rc, text[-3000:]))
            if "stopped cleanly" not in text:
                raise AssertionError("truce serve did not report a clean stop:\n" + text[-3000:])

    def restart(self):
        self.stop()
        self.start()

    # -- parties --
    def add_party(self, name, role):
        tok = run_cli("party", "add", name, "--role", role, "--db", self.db).stdout.strip()
        self.tokens[name] = tok
        return tok

    def import_scenario(self, path, *extra):
        out = os.path.join(self.dir, "tokens.tsv")
        run_cli("import", "scenario", path, "--db", self.db, "--tokens", out, *extra)
        with open(out) as f:
            for line in f:
                name, role, tok = line.rstrip("\n").split("\t")
                self.tokens[name] = tok

    # -- HTTP --
    def request(self, method, path, body=None, party=None, token=None, headers=None, raw=None,
                content_type="application/json"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = dict(headers or {})
        tok = token if token is not None else (self.tokens.get(party) if party else None)
        if tok:
            h["Authorization"] = "Bearer " + tok
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None and content_type:
            h.setdefault("Content-Type", content_type)
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace"))
        conn.close()
        return resp

    def get(self, path, party=None, **kw):
        return self.request("GET", path, party=party, **kw)

    def stream(self, path, party=None, headers=None, timeout=10):
        """Opens a Server-Sent Events stream; see EventStream."""
        return EventStream(self.port, path, self.tokens.get(party) if party else None, headers, timeout)

    def post(self, path, body, party=None, **kw):
        return self.request("POST", path, body=body, party=party, **kw)

    def put(self, path, body, party=None, **kw):
        return self.request("PUT", path, body=body, party=party, **kw)

    # -- the database, read directly (to prove that rejected writes change nothing) --
    def db_snapshot(self):
        """Row counts and a digest of every table: equal snapshots mean nothing changed.
        log_checkpoint and log_cosignature are left out: the server's checkpoint and witness threads
        write them on their own clock."""
        if self.store == "pg":
            return self._pg_snapshot()
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=30)
        try:
            tables = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                " AND name NOT LIKE '%_rtree_%' AND name NOT IN ('log_checkpoint', 'log_cosignature') ORDER BY name")]
            snap = {}
            for t in tables:
                rows = con.execute('SELECT * FROM "%s"' % t).fetchall()
                snap[t] = (len(rows), hash(tuple(sorted(map(repr, rows)))))
            return snap
        finally:
            con.close()


    def sql(self, statement, params=()):
        """Runs one SQL statement on the server's database (either store; ? parameters, in the
        common dialect of src/store/db.h) and commits; returns its rows (PostgreSQL: as text)."""
        if self.store == "pg":
            def lit(v):
                return "NULL" if v is None else str(v) if isinstance(v, (int, float)) else \
                    "'" + str(v).replace("'", "''") + "'"
            parts = statement.split("?")
            text = parts[0] + "".join(lit(v) + rest for v, rest in zip(params, parts[1:]))
            # fields and rows split by ASCII's unit and record separators: a value may hold newlines
            p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-P", "null=\\N",
                                "-F", "\x1f", "-R", "\x1e", "-d", self.db, "-c", text],
                               capture_output=True, text=True, timeout=120)
            if p.returncode != 0:
                raise AssertionError("psql %s: %s" % (text[:200], p.stderr))

            def value(v):  # as sqlite3 gives it: None, int, float or text
                if v == "\\N":
                    return None
                if re.fullmatch(r"-?\d+", v):
                    return int(v)
                if re.fullmatch(r"-?\d+\.\d*(e[-+]?\d+)?", v):
                    return float(v)
                return v
            out = p.stdout[:-1] if p.stdout.endswith("\n") else p.stdout
            return [tuple(map(value, line.split("\x1f"))) for line in out.split("\x1e") if line]
        con = sqlite3.connect(self.db, timeout=30)
        try:
            rows = con.execute(statement, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def key_path(self):
        """Where the server keeps its log key (and the checkpoint beside it)."""
        if self.store == "pg":
            return os.path.join(PG_KEYS, self.db.rsplit("/", 1)[1] + ".key")
        return self.db + ".key"

    def _pg_snapshot(self):
        if not getattr(self, "_pg_tables", None):
            self._pg_tables = psql(self.db, "SELECT table_name FROM information_schema.tables WHERE table_schema ="
                                   " current_schema() AND table_type = 'BASE TABLE' AND table_name NOT IN"
                                   " ('spatial_ref_sys', 'log_checkpoint', 'log_cosignature') ORDER BY 1").split()
        # one query for every table (a psql per table is too slow for tests that snapshot often)
        sql = " UNION ALL ".join(
            "SELECT '%s', count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"%s\" x"
            % (t, t) for t in self._pg_tables)
        snap = {}
        for line in psql(self.db, sql).split("\n"):
            if line.strip():
                t, n, digest = line.strip().split("|")
                snap[t] = (int(n), digest)
        return snap

    # -- pgs helpers --
    # A database is named as --db names it: a SQLite path or a PostgreSQL URI. These copy, back
    # up and restore one and run SQL on it, on either store, as an operator would.
    @staticmethod
    def is_pg(db):
        return db.startswith(("postgresql:", "postgres:"))

    @staticmethod
    def key_of(db):
        """Where `truce serve --db db` keeps its log key (run with cwd_of(db)): DB.key beside a
        SQLite file, NAME.key in PG_KEYS for a PostgreSQL database NAME."""
        return os.path.join(PG_KEYS, db.rsplit("/", 1)[1] + ".key") if Server.is_pg(db) else db + ".key"

    @staticmethod
    def cwd_of(db):
        """The directory a truce command on db runs in: PostgreSQL's key files are in PG_KEYS."""
        return PG_KEYS if Server.is_pg(db) else None

    def db_place(self, name):
        """Where a copy of this server's database goes (copy_db, backup_db make it): the file
        name in its folder, or a new name in the test cluster (dropped when the tests end)."""
        if self.store == "sqlite":
            return os.path.join(self.dir, name)
        db = "truce_t%d_%d" % (os.getpid(), next(_pg_seq))
        _pg_made.append(db)
        return pg_uri(db)

    @staticmethod
    def copy_db(src, dst, key=False):
        """Copies database src, which no process serves, over dst: a SQLite file with its -wal
        and -shm; a PostgreSQL database is dropped and made again from src as its template.
        Restoring a backup is copy_db(backup, db). With key, the log key file too."""
        if Server.is_pg(src):
            s, d = src.rsplit("/", 1)[1], dst.rsplit("/", 1)[1]
            psql(PG_ADMIN, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % d)
            deadline = time.time() + 30
            while True:  # the backends of a server that just stopped may take a moment to go
                try:
                    psql(PG_ADMIN, "CREATE DATABASE %s TEMPLATE %s" % (d, s))
                    break
                except AssertionError as e:
                    if "being accessed by other users" not in str(e) or time.time() > deadline:
                        raise
                    time.sleep(0.1)
        else:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(dst + suffix):
                    os.remove(dst + suffix)
                if os.path.exists(src + suffix):
                    shutil.copy(src + suffix, dst + suffix)
        if key:
            shutil.copy(Server.key_of(src), Server.key_of(dst))

    @staticmethod
    def backup_db(src, dst):
        """A consistent copy of database src while a server writes to it, as docs/operations.md
        says to take one: SQLite's online backup; pg_dump into dst, made anew from template0."""
        if not Server.is_pg(src):
            a, b = sqlite3.connect(src, timeout=30), sqlite3.connect(dst)
            try:
                a.backup(b)
            finally:
                a.close()
                b.close()
            return
        d = dst.rsplit("/", 1)[1]
        psql(PG_ADMIN, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % d)
        psql(PG_ADMIN, "CREATE DATABASE %s TEMPLATE template0" % d)
        dump = subprocess.run(["pg_dump", "-d", src], capture_output=True, timeout=300, check=True).stdout
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", dst], input=dump,
                           capture_output=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError("restoring the dump of %s: %s" % (src, p.stderr.decode()[-2000:]))

    @staticmethod
    def db_sql(db, statement, params=()):
        """Server.sql on any database, served or not, for values Server.sql does not carry on
        PostgreSQL: bytes go in and come out as bytes (BLOB / bytea), text may hold '|' and
        newlines. Several statements may be given, separated by ';', on PostgreSQL only."""
        if not Server.is_pg(db):
            return Server.sql(types.SimpleNamespace(db=db, store="sqlite"), statement, params)

        def lit(v):
            if isinstance(v, (bytes, bytearray)):
                return "'\\x%s'::bytea" % bytes(v).hex()
            return "NULL" if v is None else str(v) if isinstance(v, (int, float)) else \
                "'" + str(v).replace("'", "''") + "'"
        parts = statement.split("?")
        text = parts[0] + "".join(lit(v) + rest for v, rest in zip(params, parts[1:]))
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-F", "\x1f", "-R", "\x1e",
                            "-P", "null=\x1d", "-d", db], input=text, capture_output=True, text=True, timeout=300)
        if p.returncode != 0:
            raise AssertionError("psql %s: %s" % (text[:200], p.stderr))

        def value(v):  # as sqlite3 gives it: None, int, float, bytes or text
            if v == "\x1d":
                return None
            if re.fullmatch(r"-?\d+", v):
                return int(v)
            if re.fullmatch(r"-?\d+\.\d*(e[-+]?\d+)?", v):
                return float(v)
            if re.fullmatch(r"\\x([0-9a-f]{2})*", v):
                return bytes.fromhex(v[2:])
            return v
        out = p.stdout[:-1] if p.stdout.endswith("\n") else p.stdout  # psql ends the last record with one
        return [tuple(map(value, rec.split("\x1f"))) for rec in out.split("\x1e")] if out else []
    # -- pgv helpers -- (issue 13: the audit and tampering tests on either store)
    def verify(self, *args):
        """`truce verify --db DB ARGS` on this server's database (stop it first, or audit a
        copy()), run where the server runs (so it finds the checkpoint kept beside the key on
        either store); the CompletedProcess, whatever its exit code."""
        return run_cli("verify", "--db", self.db, *args, check=False, cwd=PG_KEYS if self.store == "pg" else None)

    def copy(self, name="copy"):
        """A copy of the database (the server may run: SQLite's online backup, pg_dump's
        snapshot; a stopped one's is faster on PostgreSQL) and of the log key beside it, as a Server that is not started: its sql(),
        exec_sql(), verify(), db_snapshot() and key_path() work on the copy; start() serves it."""
        c = Server.__new__(Server)
        c.dir, c.store, c.tokens, c.extra_args, c.proc = self.dir, self.store, dict(self.tokens), list(self.extra_args), None
        if self.store == "pg" and self.proc is None:  # nobody connected: PostgreSQL copies the files
            c.db = pg_uri("truce_t%d_%d" % (os.getpid(), next(_pg_seq)))
            psql(PG_ADMIN, "CREATE DATABASE %s TEMPLATE %s" % (c.db.rsplit("/", 1)[1], self.db.rsplit("/", 1)[1]))
            _pg_made.append(c.db.rsplit("/", 1)[1])
        elif self.store == "pg":
            c.db = pg_database()
            dump = subprocess.run(["pg_dump", "-d", self.db, "--no-owner"], capture_output=True, timeout=300)
            if dump.returncode != 0:
                raise AssertionError("pg_dump %s: %s" % (self.db, dump.stderr.decode()))
            p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.db], input=dump.stdout,
                               capture_output=True, timeout=300)
            if p.returncode != 0:
                raise AssertionError("psql (restore into %s): %s" % (c.db, p.stderr.decode()))
        else:
            c.db = os.path.join(self.dir, "%s-%d.db" % (name, next(_pg_seq)))
            src, dst = sqlite3.connect(self.db, timeout=30), sqlite3.connect(c.db)
            try:
                src.backup(dst)
            finally:
                src.close()
                dst.close()
        import shutil
        if os.path.exists(self.key_path()):  # not the checkpoint kept beside it: a copy is a backup
            shutil.copyfile(self.key_path(), c.key_path())
        return c

    def exec_sql(self, statement, params=()):
        """sql(), with bytes parameters too (a BLOB on SQLite, a bytea on PostgreSQL)."""
        if self.store != "pg" or not any(isinstance(v, bytes) for v in params):
            return self.sql(statement, params)
        parts, rest = statement.split("?"), []
        text = parts[0]
        for v, part in zip(params, parts[1:]):
            if isinstance(v, bytes):
                text += "'\\x%s'::bytea" % v.hex() + part
            else:
                text += "?" + part
                rest.append(v)
        return self.sql(text, rest)

    def tamper(self, statement, params=()):
        """Changes the database as its operator could, behind the server's back: statement (an
        UPDATE, DELETE or INSERT; bytes parameters allowed) must touch at least one row. A
        change PostgreSQL's foreign keys refuse is made with them off (session_replication_role
        = replica, as the database's owner can; on SQLite, Python's connection leaves them off);
        returns whether they refused it."""
        try:
            rows = self.exec_sql(statement + " RETURNING 1", params)
            refused = False
        except AssertionError as e:
            if self.store != "pg" or "violates foreign key constraint" not in str(e):
                raise
            rows = self.exec_sql("SET session_replication_role = replica; " + statement + " RETURNING 1", params)
            refused = True
        if not rows:
            raise AssertionError("the tampering changed nothing: %s" % statement)
        return refused

    def blob(self, v):
        """A BLOB / bytea value that sql() returned, as bytes (PostgreSQL gives it as \\x… text)."""
        if self.store == "pg" and isinstance(v, str) and v.startswith("\\x"):
            return bytes.fromhex(v[2:])
        return bytes(v) if isinstance(v, (bytes, memoryview)) else v.encode()


class Witness:
    """A running `truce witness serve` (C2SP tlog-witness) on loopback, with its own key and
    state directory, following the logs whose verifier keys are given."""

    def __init__(self, dirname, name, logs, key=None, state=None):
        self.dir = dirname
        self.key = key or os.path.join(dirname, "%s.key" % name.replace("/", "_"))
        if not os.path.exists(self.key):
            self.vkey = run_cli("witness", "key", self.key, "--name", name).stdout.strip()
        self.state = state or self.key + ".state"
        self.logs = list(logs)
        self.proc = None
        self.port = 0
        self.start()

    def start(self):
        """Starts (again: on the same port, so logs configured with its URL reach it)."""
        self.errlog = open(self.key + ".log", "w+")
        args = [BIN, "witness", "serve", "--key", self.key, "--listen", "127.0.0.1:%d" % self.port, "--state",
                self.state]
        for vk in self.logs:
            args += ["--log", vk]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.errlog)
        deadline = time.time() + 30
        while time.time() < deadline:
            text = self.log()
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            if m:
                self.port = int(m.group(1))
                self.url = "http://127.0.0.1:%d" % self.port
                self.vkey = re.search(r"verifier key ([^\s,]+)", text).group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("truce witness serve did not start: " + self.log())

    def log(self):
        self.errlog.seek(0)
        return self.errlog.read()

    def spec(self):
        """The --witness argument of `truce serve`."""
        return "%s=%s" % (self.url, self.vkey)

    def post(self, body):
        """POSTs an add-checkpoint body (bytes); returns a Response."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("POST", "/add-checkpoint", body=body, headers={"Content-Type": "text/plain"})
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace"))
        conn.close()
        return resp

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        self.proc = None
        text = self.log()
        self.errlog.close()
        for mark in SANITIZER_MARKS:
            if mark in text:
                raise AssertionError("sanitizer report from truce witness serve:\n" + text[-6000:])
        if rc != 0 or "stopped cleanly" not in text:
            raise AssertionError("truce witness serve exited %d:\n%s" % (rc, text[-3000:]))


class EventStream:
    """A Server-Sent Events client (text/event-stream) over one HTTP connection.
    status and headers are read at once; events(n) reads until n events have come
    (each a dict with id, event, data) or the timeout passes, and returns them."""

    def __init__(self, port, path, token, headers, timeout):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        self.conn.request("GET", path, headers=h)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}
        self.timeout = timeout
        self.comments = []
        self.retry = None

    def events(self, n, timeout=None):
        got, ev = [], {}
        deadline = time.time() + (timeout or self.timeout)
        while len(got) < n and time.time() < deadline:
            try:
                self.conn.sock.settimeout(max(0.01, deadline - time.time()))
                line = self.resp.readline()
            except (socket.timeout, TimeoutError):
                break
            if not line:
                break
            line = line.decode("utf-8").rstrip("\n")
            if line == "":
                if ev:
                    got.append(ev)
                ev = {}
            elif line.startswith(":"):
                self.comments.append(line[1:].strip())
            else:
                k, _, v = line.partition(":")
                v = v[1:] if v.startswith(" ") else v
                if k == "retry":
                    self.retry = int(v)
                else:
                    ev[k] = ev[k] + "\n" + v if k in ev else v
        return got

    def close(self):
        self.conn.close()


class ServerTest(unittest.TestCase):
    """Base class: one server per test class (setUpClass), stopped cleanly at the end."""
    scenario = False
    extra_args = ()

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(scenario=cls.scenario, extra_args=cls.extra_args)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def assertProblem(self, r, status, field=None, contains=None):
        """r is an RFC 9457 problem with this status (and field / message substring)."""
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"), r.headers)
        p = r.json
        self.assertEqual(p["status"], status)
        self.assertIn("title", p)
        self.assertIn("detail", p)
        if field is not None:
            self.assertEqual(p.get("field"), field, p)
        if contains is not None:
            self.assertIn(contains.lower(), json.dumps(p).lower(), p)
        return p

    def assertUnchanged(self, fn):
        """Runs fn() and checks that the database is byte-for-byte the same afterwards."""
        before = self.srv.db_snapshot()
        result = fn()
        self.assertEqual(before, self.srv.db_snapshot(), "a rejected request changed the database")
        return result


def polygon(lon0, lat0, d=0.1):
    """A square GeoJSON Polygon with its south-west corner at (lon0, lat0)."""
    return {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon0 + d, lat0], [lon0 + d, lat0 + d],
                                                 [lon0, lat0 + d], [lon0, lat0]]]}


def feature(geometry, **props):
    props.setdefault("valid_from", "2016-01-01T00:00:00Z")
    return {"type": "Feature", "geometry": geometry, "properties": props}


def _pg_pending():
    """On PostgreSQL, the tests listed in pg_pending.py are reported as skipped, with their reason."""
    if not PG_ADMIN:
        return
    from pg_pending import PENDING
    mod = sys.modules["__main__"]
    prefix = os.path.splitext(os.path.basename(mod.__file__))[0] + "."
    for name, why in PENDING.items():
        if not name.startswith(prefix):
            continue
        parts = name[len(prefix):].split(".")
        cls = getattr(mod, parts[0])
        reason = "pending on PostgreSQL (tests/api/pg_pending.py): " + why
        if len(parts) == 1:
            setattr(mod, parts[0], unittest.skip(reason)(cls))
        else:
            setattr(cls, parts[1], unittest.skip(reason)(getattr(cls, parts[1])))


def main():
    """Runs the calling module's tests; prints 'N passed, N failed' as the last line."""
    _pg_pending()
    prog = unittest.main(module="__main__", exit=False, verbosity=2)
    res = prog.result
    failed = len(res.failures) + len(res.errors)
    print("%d passed, %d failed, %d skipped" % (res.testsRun - failed - len(res.skipped), failed, len(res.skipped)))
    sys.exit(1 if failed or res.testsRun == 0 else 0)
