"""The truce command line: help, usage errors (exit 2), runtime errors (exit 1), party
tokens (shown once, stored only as SHA-256), revocation, scenario import (all or nothing)."""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import harness
from harness import SCENARIO, ServerTest, run_cli, main

TOKEN_RE = re.compile(r"^truce_[A-Za-z0-9_-]{43}$")


def commands():
    """The subcommands listed by `truce --help`."""
    out = run_cli("--help").stdout
    names, in_list = [], False
    for line in out.splitlines():
        if line.strip() == "commands:":
            in_list = True
            continue
        if in_list:
            if not line.startswith("  "):
                break
            if line[2:20].strip():  # (a usage wrapped onto more lines leaves this column blank)
                names.append(line[2:20].strip())
    return names


def tables(db):
    """{table: rows} of every table of the SQLite file (read-only)."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute('SELECT * FROM "%s"' % t).fetchall() for t in names}
    finally:
        con.close()


def db_bytes(db):
    data = b""
    for p in [db, db + "-wal", db + "-shm", db + "-journal"]:
        if os.path.exists(p):
            with open(p, "rb") as f:
                data += f.read()
    return data


AREA_OK = {"type": "Feature",
           "geometry": {"type": "Polygon", "coordinates": [[[36, 35], [36.1, 35], [36.1, 35.1], [36, 35.1], [36, 35]]]},
           "properties": {"kind": "control", "party": "SAA", "name": "Held", "valid_from": "2016-01-01T00:00:00Z"}}
BOWTIE = {"type": "Polygon", "coordinates": [[[36, 35], [36.1, 35.1], [36.1, 35], [36, 35.1], [36, 35]]]}


def scenario(**over):
    sc = {"scenario": "cli-test", "parties": [{"name": "admin", "role": "admin"},
                                              {"name": "SAA", "role": "belligerent"}],
          "actors": [{"name": "ISIS"}],
          "areas": [{"key": "held", "versions": [json.loads(json.dumps(AREA_OK))]}],
          "agreements": [{"key": "ag", "name": "Deal", "start": "2016-01-01T00:00:00Z", "zones": ["held"]}]}
    sc.update(over)
    return sc


class CliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="truce-cli-")
        self.db = os.path.join(self.dir, "t.db")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def cli(self, *args, rc=None, input=None):
        p = run_cli(*args, check=False, input=input)
        if rc is not None:
            self.assertEqual(p.returncode, rc, "truce %s -> %d\nstdout: %s\nstderr: %s" %
                             (" ".join(args), p.returncode, p.stdout, p.stderr))
        return p

    def write(self, name, obj):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(obj if isinstance(obj, str) else json.dumps(obj))
        return path

    def counts(self, db=None):
        return {t: len(rows) for t, rows in tables(db or self.db).items() if not t.startswith("area_rtree")}

    # -- help --
    def test_overview(self):
        for args in [("--help",), ("-h",), ("help",)]:
            with self.subTest(args=args):
                p = self.cli(*args, rc=0)
                self.assertIn("usage: truce", p.stdout)
        names = commands()
        for want in ["serve", "party add", "party list", "party revoke", "import scenario"]:
            self.assertIn(want, names)
        p = self.cli(rc=2)
        self.assertIn("usage", p.stderr)

    def test_help_on_every_subcommand(self):
        names = commands()
        self.assertGreaterEqual(len(names), 5)
        for name in names:
            for flag in ["--help", "-h"]:
                with self.subTest(cmd=name, flag=flag):
                    p = self.cli(*name.split(), flag, rc=0)
                    self.assertTrue(p.stdout.startswith("usage: truce " + name), p.stdout)
                    self.assertIn("--help", p.stdout)
            if "--db" in p.stdout:
                with self.subTest(cmd=name, where="help after other options"):
                    p = self.cli(*name.split(), "--db", self.db, "--help", rc=0)
                    self.assertTrue(p.stdout.startswith("usage: truce " + name), p.stdout)
        self.assertFalse(os.path.exists(self.db), "--help must not create a database")

    def test_help_lines_never_cut(self):
        """Help text is wrapped at word boundaries (at most 100 columns), never cut: each
        usage line of the overview, its continuation lines joined, is the command's whole
        usage as its own --help prints it."""
        over = run_cli("--help").stdout
        for line in over.splitlines():
            self.assertLessEqual(len(line), 100, line)
        listed = {}
        for line in over.split("commands:\n")[1].split("\n\n")[0].splitlines():
            if line[2:20].strip():
                name = line[2:20].strip()
                listed[name] = line[21:].strip()
            else:
                listed[name] += " " + line.strip()
        for name in commands():
            with self.subTest(cmd=name):
                out = self.cli(*name.split(), "--help", rc=0).stdout
                usage = " ".join(out.split("\n\n")[0][len("usage: truce "):].split())
                self.assertEqual(listed[name], usage)
                self.assertTrue(usage.endswith(("]", ")", "FILE", "routes", "version", "TEXT", "BODYFILE --key FILE", "--name NAME", "--to DB")),
                                usage)
                for line in out.splitlines():
                    self.assertLessEqual(len(line), 100, line)

    def test_group_help_exits_0(self):
        for group in ("party", "import", "export", "key", "verify", "witness"):
            with self.subTest(group=group):
                p = self.cli(group, "--help", rc=0)
                self.assertIn("truce %s " % group, p.stdout)
        p = self.cli("party", rc=2)
        self.assertIn("truce party add", p.stderr)

    def test_read_only_commands_need_a_database(self):
        """Commands that read the centre fail on a database that does not exist, clearly,
        and create nothing."""
        missing = os.path.join(self.dir, "elsewhere.db")
        reports = self.write("r.ndjson", "")
        for args in [("party", "list"), ("party", "revoke", "A"), ("bulletin", "--date", "2016-09-19"),
                     ("export", "incidents", "--format", "geojson"), ("territory",),
                     ("import", "reports", reports, "--as", "JMC"), ("verify",)]:
            with self.subTest(cmd=args[:2]):
                p = self.cli(*args, "--db", missing, rc=1)
                self.assertIn(missing, p.stderr)
                self.assertEqual(p.stdout.strip() if args[0] != "verify" else "", "")
                self.assertEqual(os.listdir(self.dir), ["r.ndjson"], "a database file was created")
        # run in a folder without truce.db, with the default --db
        p = run_cli("party", "list", check=False, cwd=self.dir)
        self.assertEqual(p.returncode, 1)
        self.assertIn("no database at truce.db", p.stderr)
        self.assertEqual(os.listdir(self.dir), ["r.ndjson"])

    def test_truce_db_from_the_environment(self):
        """Without --db, $TRUCE_DB names the database: a file, or on the PostgreSQL run a
        postgresql:// URI; --db given wins."""
        target = harness.pg_database() if harness.PG_ADMIN else os.path.join(tempfile.mkdtemp(), "env.db")
        env = dict(os.environ, TRUCE_DB=target)

        def cli(*args):
            return subprocess.run([harness.BIN, *args], env=env, capture_output=True, text=True, timeout=120)
        p = cli("party", "add", "EnvParty", "--role", "admin")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = cli("party", "list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("EnvParty", p.stdout)
        missing = os.path.join(self.dir, "given.db")
        p = cli("party", "list", "--db", missing)
        self.assertEqual(p.returncode, 1)
        self.assertIn(missing, p.stderr)

    # -- usage errors: exit 2 --
    def test_unknown_command(self):
        for args in [("bogus",), ("party",), ("party", "delete", "X"), ("import",), ("import", "csv", "x")]:
            with self.subTest(args=args):
                p = self.cli(*args, rc=2)
                self.assertTrue(p.stderr.strip())
                self.assertEqual(p.stdout, "")

    def test_unknown_option(self):
        for name in commands():
            with self.subTest(cmd=name):
                p = self.cli(*name.split(), "--no-such-option", rc=2)
                self.assertIn("unknown option", p.stderr)
                self.assertIn("--no-such-option", p.stderr)
                self.assertIn("--help", p.stderr)
        self.assertFalse(os.path.exists(self.db))

    def test_missing_values_and_arguments(self):
        cases = [(("serve", "--db"), "needs a value"), (("serve", "--listen"), "needs a value"),
                 (("party", "add", "X", "--role"), "needs a value"), (("party", "list", "--db"), "needs a value"),
                 (("party", "add", "--role", "admin", "--db", self.db), "missing argument"),
                 (("party", "revoke", "--db", self.db), "missing argument"),
                 (("import", "scenario", "--db", self.db), "missing argument"),
                 (("party", "add", "A", "B", "--role", "admin", "--db", self.db), "unexpected argument"),
                 (("party", "list", "extra", "--db", self.db), "unexpected argument"),
                 (("version", "extra"), "unexpected argument"),
                 (("party", "list", "--json=yes", "--db", self.db), "takes no value")]
        for args, words in cases:
            with self.subTest(args=args):
                p = self.cli(*args, rc=2)
                self.assertIn(words, p.stderr)
        self.assertFalse(os.path.exists(self.db), "a usage error must not create the database")

    def test_missing_role(self):
        p = self.cli("party", "add", "Someone", "--db", self.db, rc=2)
        self.assertIn("--role", p.stderr)
        self.assertEqual(p.stdout, "")
        self.assertFalse(os.path.exists(self.db) and tables(self.db).get("party"),
                         "a refused party add wrote a party")
        self.assertFalse(os.path.exists(self.db), "a usage error must not create the database")

    def test_bad_serve_numbers(self):
        for opt, val in [("--threads", "0"), ("--threads", "x"), ("--threads", "-1"), ("--threads", "100000"),
                         ("--body-limit", "abc"), ("--body-limit", "0"), ("--max-vertices", "-5"),
                         ("--max-vertices", "1.5"), ("--drain-seconds", ""), ("--threads", "99999999999999999999")]:
            with self.subTest(opt=opt, val=val):
                p = self.cli("serve", "--db", self.db, "--listen", "127.0.0.1:0", opt, val, rc=2)
                self.assertIn(opt, p.stderr)

    def test_bad_listen_address(self):
        for spec in ["999.0.0.1:0", "127.0.0.1:notaport", "127.0.0.1", "127.0.0.1:70000", ":0", "example.invalid:0"]:
            with self.subTest(spec=spec):
                p = self.cli("serve", "--db", self.db, "--listen", spec)
                self.assertIn(p.returncode, (1, 2), p.stderr)
                self.assertIn("--listen", p.stderr)

    # -- runtime errors: exit 1 --
    def test_unreadable_database_path(self):
        bad = "/nonexistent/dir/x.db"
        for args in [("party", "add", "A", "--role", "admin"), ("party", "list"), ("party", "revoke", "A"),
                     ("import", "scenario", SCENARIO), ("serve", "--listen", "127.0.0.1:0")]:
            with self.subTest(cmd=args[:2]):
                p = self.cli(*args, "--db", bad, rc=1)
                self.assertIn(bad, p.stderr)
                self.assertNotRegex(p.stdout, r"truce_")
        # A directory, and a file that is not a database (left as it was).
        self.cli("party", "list", "--db", self.dir, rc=1)
        junk = self.write("junk.db", "this is not a database\n" * 100)
        with open(junk, "rb") as f:
            before = f.read()
        p = self.cli("party", "add", "A", "--role", "admin", "--db", junk, rc=1)
        self.assertIn("junk.db", p.stderr)
        self.assertEqual(p.stdout, "")
        with open(junk, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_duplicate_party(self):
        self.cli("party", "add", "Russia", "--role", "guarantor", "--db", self.db, rc=0)
        before = tables(self.db)
        for role in ["guarantor", "admin"]:
            p = self.cli("party", "add", "Russia", "--role", role, "--db", self.db, rc=1)
            self.assertIn("already exists", p.stderr)
            self.assertEqual(p.stdout, "")
        self.assertEqual(tables(self.db), before)

    def test_bad_party_names_and_roles(self):
        for name, role, words in [("", "admin", "name"), ("-x", "admin", "name"), ("a/b", "admin", "name"),
                                  ("x" * 65, "admin", "name"), ("Fine", "warlord", "role"),
                                  ("Fine", "", "role"), ("Fine", "Admin", "role")]:
            with self.subTest(name=name, role=role):
                p = self.cli("party", "add", name, "--role", role, "--db", self.db)
                self.assertIn(p.returncode, (1, 2))
                self.assertIn(words, p.stderr)
                self.assertEqual(p.stdout, "")
                if words == "role":
                    self.assertIn("belligerent", p.stderr)  # lists the roles
        self.assertEqual(tables(self.db)["party"], [])

    def test_revoke_unknown_or_twice(self):
        self.cli("party", "add", "Iran", "--role", "guarantor", "--db", self.db, rc=0)
        p = self.cli("party", "revoke", "Nobody", "--db", self.db, rc=1)
        self.assertIn("Nobody", p.stderr)
        self.cli("party", "revoke", "Iran", "--db", self.db, rc=0)
        before = tables(self.db)
        p = self.cli("party", "revoke", "Iran", "--db", self.db, rc=1)
        self.assertIn("Iran", p.stderr)
        self.assertEqual(tables(self.db), before)

    # -- tokens --
    def test_token_alone_on_stdout_and_only_its_hash_stored(self):
        p = self.cli("party", "add", "US-Coalition", "--role", "guarantor", "--full-name", "US-led coalition",
                     "--db", self.db, rc=0)
        self.assertTrue(p.stdout.endswith("\n"))
        self.assertEqual(p.stdout.count("\n"), 1, repr(p.stdout))
        tok = p.stdout.rstrip("\n")
        self.assertRegex(tok, TOKEN_RE)
        self.assertNotIn(tok, p.stderr)
        digest = hashlib.sha256(tok.encode()).hexdigest()
        rows = tables(self.db)
        text = repr(rows)
        self.assertNotIn(tok, text)
        self.assertNotIn(tok[6:], text)
        self.assertIn(digest, text)
        party = [r for r in rows["party"] if "US-Coalition" in r]
        self.assertEqual(len(party), 1)
        self.assertIn(digest, party[0])
        # Nor anywhere in the files (WAL included).
        self.assertNotIn(tok.encode(), db_bytes(self.db))
        self.assertNotIn(tok[6:].encode(), db_bytes(self.db))
        # Each party gets its own token.
        t2 = self.cli("party", "add", "Turkey", "--role", "guarantor", "--db", self.db, rc=0).stdout.strip()
        self.assertRegex(t2, TOKEN_RE)
        self.assertNotEqual(tok, t2)

    def test_party_list(self):
        for name, role in [("Russia", "guarantor"), ("SAA", "belligerent"), ("Kazakhstan", "observer")]:
            self.cli("party", "add", name, "--role", role, "--db", self.db, rc=0)
        self.cli("party", "revoke", "Kazakhstan", "--db", self.db, rc=0)
        out = self.cli("party", "list", "--db", self.db, rc=0).stdout
        lines = {ln.split()[0]: ln for ln in out.splitlines()[1:] if ln.strip()}
        self.assertEqual(set(lines), {"Russia", "SAA", "Kazakhstan"})
        self.assertIn("guarantor", lines["Russia"])
        self.assertIn("active", lines["Russia"])
        self.assertIn("revoked", lines["Kazakhstan"])
        self.assertNotIn("truce_", out)
        js = json.loads(self.cli("party", "list", "--json", "--db", self.db, rc=0).stdout)
        by = {p["name"]: p for p in js}
        self.assertEqual(by["SAA"]["role"], "belligerent")
        self.assertIsNone(by["SAA"]["revoked_at"])
        self.assertIsNotNone(by["Kazakhstan"]["revoked_at"])
        for p in js:
            self.assertFalse(any("token" in k for k in p), p)

    # -- scenario import --
    def test_import_missing_or_malformed_file(self):
        cases = [("missing", os.path.join(self.dir, "nope.json"), "nope.json"),
                 ("malformed", self.write("bad.json", '{"parties": ['), "bad.json"),
                 ("not utf-8", self.write("latin.json", "{}"), None),
                 ("not an object", self.write("arr.json", "[1, 2]"), "object"),
                 ("empty", self.write("empty.json", ""), "empty.json")]
        with open(cases[2][1], "wb") as f:
            f.write(b'{"scenario": "\xff\xfe"}')
        for label, path, words in cases:
            with self.subTest(label):
                p = self.cli("import", "scenario", path, "--db", self.db, rc=1)
                if words:
                    self.assertIn(words, p.stderr)
                self.assertNotIn("truce_", p.stdout)
                self.assertEqual(self.counts().get("party"), 0)

    def test_import_with_an_error_imports_nothing(self):
        bad_second = scenario()
        bad_second["areas"].append({"key": "b", "versions": [json.loads(json.dumps(AREA_OK)),
                                                             json.loads(json.dumps(AREA_OK))]})
        bad_second["areas"][1]["versions"][1]["properties"]["valid_from"] = "2016-05-01T00:00:00Z"
        bad_second["areas"][1]["versions"][1]["geometry"] = BOWTIE
        cases = [
            ("self-intersecting polygon", dict(areas=[{"key": "x", "versions": [
                dict(AREA_OK, geometry=BOWTIE)]}]), "areas[0].versions[0].geometry.coordinates"),
            ("second version bad", bad_second, "areas[1].versions[1].geometry.coordinates"),
            ("bad role", dict(parties=[{"name": "admin", "role": "admin"}, {"name": "X", "role": "warlord"}]),
             "parties[1].role"),
            ("duplicate party", dict(parties=[{"name": "admin", "role": "admin"}, {"name": "SAA", "role": "belligerent"},
                                              {"name": "SAA", "role": "observer"}]), "parties[2]"),
            ("unknown owner", dict(areas=[{"key": "x", "versions": [
                dict(AREA_OK, properties=dict(AREA_OK["properties"], party="Nobody"))]}]),
             "areas[0].versions[0].properties.party"),
            ("unknown zone key", dict(agreements=[{"name": "Deal", "start": "2016-01-01T00:00:00Z",
                                                   "zones": ["nokey"]}]), "agreements[0].zones"),
            ("bad agreement time", dict(agreements=[{"name": "Deal", "start": "whenever"}]), "agreements[0].start"),
            ("unknown top-level field", dict(colour="red"), "colour"),
            ("duplicate area key", dict(areas=[{"key": "x", "versions": [AREA_OK]}, {"key": "x", "versions": [
                dict(AREA_OK, properties=dict(AREA_OK["properties"], name="Other"))]}]), "areas[1]"),
        ]
        for label, over, path in cases:
            with self.subTest(label):
                sc = over if "scenario" in over else scenario(**over)
                f = self.write("bad.json", sc)
                tokens = os.path.join(self.dir, "tokens.tsv")
                p = self.cli("import", "scenario", f, "--db", self.db, "--tokens", tokens, rc=1)
                self.assertIn(path, p.stderr)
                self.assertNotIn("truce_", p.stdout + p.stderr)
                c = self.counts()
                for t in ["party", "actor", "area", "area_version", "agreement", "provision"]:
                    self.assertEqual(c[t], 0, "%s: %s rows left behind" % (label, t))
                self.assertFalse(os.path.exists(tokens) and open(tokens).read().strip(),
                                 "tokens written for a failed import")
                # Without --tokens, nothing on stdout either.
                p = self.cli("import", "scenario", f, "--db", self.db, rc=1)
                self.assertEqual(p.stdout, "")

    def test_failed_import_keeps_an_existing_tokens_file(self):
        tokens = self.write("keep.tsv", "precious\n")
        bad = self.write("bad.json", scenario(areas=[{"key": "x", "versions": [dict(AREA_OK, geometry=BOWTIE)]}]))
        self.cli("import", "scenario", bad, "--db", self.db, "--tokens", tokens, rc=1)
        self.assertTrue(os.path.exists(tokens), "a failed import deleted the --tokens file")
        with open(tokens) as f:
            self.assertEqual(f.read(), "precious\n")

    def test_unwritable_tokens_file_imports_nothing(self):
        good = self.write("good.json", scenario())
        p = self.cli("import", "scenario", good, "--db", self.db, "--tokens", "/nonexistent/dir/t.tsv", rc=1)
        self.assertIn("/nonexistent/dir/t.tsv", p.stderr)
        # The tokens file is checked before the database is touched: nothing is created.
        if os.path.exists(self.db):
            self.assertEqual(self.counts()["party"], 0)

    def test_import_good_scenario_then_again(self):
        good = self.write("good.json", scenario())
        p = self.cli("import", "scenario", good, "--db", self.db, rc=0)
        lines = [ln.split("\t") for ln in p.stdout.splitlines()]
        self.assertEqual([(n, r) for n, r, _ in lines], [("admin", "admin"), ("SAA", "belligerent")])
        for _, _, tok in lines:
            self.assertRegex(tok, TOKEN_RE)
            self.assertNotIn(tok.encode(), db_bytes(self.db))
        c = self.counts()
        self.assertEqual((c["party"], c["area"], c["agreement"]), (2, 1, 1))
        before = tables(self.db)
        p = self.cli("import", "scenario", good, "--db", self.db, rc=1)
        self.assertIn("parties[0]", p.stderr)
        self.assertEqual(tables(self.db), before)

    def test_routes_and_version(self):
        out = self.cli("routes", rc=0).stdout
        self.assertIn("GET /v1/health open", out)
        self.assertRegex(out, r"POST /v1/areas \S+")
        self.assertRegex(self.cli("version", rc=0).stdout, r"^truce \d+\.\d+")


class RevokeWhileServingTest(ServerTest):
    """Party add and revoke act at once on a running server."""

    def test_revoke_takes_effect_at_once(self):
        srv = self.srv
        tok = srv.add_party("Opposition", "belligerent")
        self.assertEqual(srv.get("/v1/me", party="Opposition").json["name"], "Opposition")
        run_cli("party", "revoke", "Opposition", "--db", srv.db)
        r = srv.get("/v1/me", token=tok)
        self.assertProblem(r, 401)
        self.assertProblem(srv.get("/v1/areas", token=tok), 401)
        r = self.assertUnchanged(lambda: srv.post("/v1/areas", {"type": "Feature"}, token=tok))
        self.assertProblem(r, 401)
        listed = json.loads(run_cli("party", "list", "--json", "--db", srv.db).stdout)
        self.assertIsNotNone([p for p in listed if p["name"] == "Opposition"][0]["revoked_at"])

    def test_new_party_works_at_once(self):
        tok = self.srv.add_party("Iran", "guarantor")
        self.assertEqual(self.srv.get("/v1/me", token=tok).json, {"name": "Iran", "role": "guarantor", "public_key": None})

    def test_duplicate_add_while_serving(self):
        self.srv.add_party("Turkey", "guarantor")
        before = self.srv.db_snapshot()
        p = run_cli("party", "add", "Turkey", "--role", "guarantor", "--db", self.srv.db, check=False)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(before, self.srv.db_snapshot())
        self.assertEqual(self.srv.get("/v1/me", party="Turkey").status, 200)


if __name__ == "__main__":
    main()
