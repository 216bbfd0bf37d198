"""`truce verify`: a clean log verifies; every kind of tampering with the SQLite file is
reported (exit 1, naming the table and the row or index); a remote audit as a witness,
with a checkpoint saved by an earlier run that a rewritten history no longer extends;
receipts. See docs/verify.md."""
import base64
import hashlib
import json
import os
import shutil
import sqlite3
import time
import unittest

from harness import Server, feature, main, polygon, run_cli

CP_ARGS = ["--checkpoint-ms", "100"]


def verify(*args):
    return run_cli("verify", *args, check=False)


def wait_checkpoint(srv, size, timeout=30):
    """Waits until the signed checkpoint covers `size` entries; returns its note."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = srv.get("/v1/log/checkpoint")
        if r.status == 200 and int(r.body.split("\n")[1]) >= size:
            return r.body
        time.sleep(0.05)
    raise AssertionError("no checkpoint of size %d within %d s" % (size, timeout))


def log_size(srv):
    return srv.get("/v1/log/checkpoint").body.split("\n")[1]


def api_writes(srv, areas=5, tag="w"):
    """Area creations, a new version, an actor and an agreement; returns the last receipt index."""
    last = 0
    ids = []
    for i in range(areas):
        r = srv.post("/v1/areas", feature(polygon(36 + 0.01 * (i % 90), 34 + 0.2 * (i // 90), 0.005),
                                          kind="control", party="SAA", name="%s-%d" % (tag, i)), party="admin")
        assert r.status == 201, r
        ids.append(r.json["id"])
        last = r.json["receipt"]["index"]
    r = srv.put("/v1/areas/%d" % ids[0], feature(polygon(36, 34, 0.006), kind="control", party="SAA",
                                                  name="%s-0 v2" % tag, valid_from="2016-06-01T00:00:00Z"),
                party="admin")
    assert r.status == 200, r
    r = srv.post("/v1/actors", {"name": "%s actor" % tag, "full_name": "An actor"}, party="admin")
    assert r.status == 201, r
    r = srv.post("/v1/agreements", {"name": "%s truce" % tag, "start": "2016-02-27T00:00:00Z",
                                    "parties": ["SAA", "Opposition"], "zones": [ids[1]],
                                    "provisions": [{"text": "Stop", "status": "pending", "responsible": "SAA"}]},
                 party="Russia")
    assert r.status == 201, r
    return max(last, r.json["receipt"]["index"])


def copy_db(src, dst):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(dst + suffix):
            os.remove(dst + suffix)
        if os.path.exists(src + suffix):
            shutil.copy(src + suffix, dst + suffix)


def other_key(vkey):
    """A well-formed verifier key with the same name and another public key."""
    name = vkey.split("+")[0]
    pk = os.urandom(32)
    key_id = hashlib.sha256(name.encode() + b"\n\x01" + pk).digest()[:4].hex()
    return "%s+%s+%s" % (name, key_id, base64.b64encode(b"\x01" + pk).decode())


def rfc6962_nodes(entries):
    """Every complete-subtree hash (level, index, hash) of the RFC 6962 tree over entries."""
    level = [hashlib.sha256(b"\x00" + e).digest() for e in entries]
    out, l = [], 0
    while level:
        out += [(l, i, h) for i, h in enumerate(level)]
        level = [hashlib.sha256(b"\x01" + level[2 * i] + level[2 * i + 1]).digest() for i in range(len(level) // 2)]
        l += 1
    return out


def forge_history(db, idx=1, seconds=86400):
    """Rewrites history as an operator with the database could (either store): backdates
    entry idx, then recomputes every node and drops the checkpoints, so the log is consistent
    again and the next `truce serve` signs it. db: a path, a URI or a harness Server."""
    if not isinstance(db, str):
        db = db.db
    entries = []
    for i, entry, at in Server.db_sql(db, "SELECT idx, entry, at FROM log_entry ORDER BY idx"):
        entry = bytes(entry)
        if i == idx:
            e = json.loads(entry)
            at -= seconds
            e["at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
            entry = json.dumps(e, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
            Server.db_sql(db, "UPDATE log_entry SET entry = ?, at = ? WHERE idx = ?", (entry, at, i))
        entries.append(entry)
    Server.db_sql(db, "DELETE FROM log_node")
    nodes = rfc6962_nodes(entries)
    for k in range(0, len(nodes), 250):
        chunk = nodes[k:k + 250]
        Server.db_sql(db, "INSERT INTO log_node(level, idx, hash) VALUES " + ",".join(["(?,?,?)"] * len(chunk)),
                      [v for node in chunk for v in node])
    Server.db_sql(db, "DELETE FROM log_checkpoint")


class DatabaseAudit(unittest.TestCase):
    """A scenario import, API writes, a revocation and a restart; then each test tampers
    with its own copy of the stopped server's database."""

    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server(scenario=True, extra_args=CP_ARGS)
        last = api_writes(srv, areas=5)
        run_cli("party", "revoke", "Kazakhstan", "--db", srv.db)
        wait_checkpoint(srv, last + 2)
        cls.vkey = srv.get("/v1/log/key").body.strip()
        srv.restart()
        last = api_writes(srv, areas=2, tag="after restart")
        wait_checkpoint(srv, last + 1)
        srv.stop()
        cls.clean = srv.copy("clean")

    def tampered(self, statement, params=()):
        """A copy of the clean database with statement made (it must change a row)."""
        db = self.clean.copy("t")
        db.tamper(statement, params)
        return db

    def assertFails(self, db, *needles, args=()):
        p = db.verify(*args)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        fails = [line for line in p.stdout.splitlines() if line.startswith("FAIL ")]
        for needle in needles:
            self.assertTrue(any(needle in line for line in fails), "%r not in:\n%s" % (needle, p.stdout))
        return fails

    def row(self, statement):
        return self.clean.sql(statement)[0]

    def test_clean_database_verifies(self):
        p = self.clean.verify()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("(from log_meta", p.stdout)
        self.assertNotIn("FAIL", p.stdout)
        self.assertIn("OK", p.stdout.splitlines()[-1])
        p = self.clean.verify("--key", self.vkey)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("(from --key)", p.stdout)

    def test_wrong_key(self):
        fails = self.assertFails(self.clean, "log_meta vkey", "the signature does not verify",
                                 args=("--key", other_key(self.vkey)))
        self.assertTrue(all("log_checkpoint" in f or "log_meta" in f for f in fails), fails)

    def test_area_version_name(self):
        rid, aid, v = self.row("SELECT rid, area_id, version FROM area_version ORDER BY rid LIMIT 1 OFFSET 20")
        db = self.tampered("UPDATE area_version SET name = 'x' WHERE rid = ?", (rid,))
        fails = self.assertFails(db, "area_version area/%d@%d" % (aid, v), "properties.name")
        self.assertEqual(len(fails), 1, fails)

    def test_area_version_geometry(self):
        aid, v = self.row("SELECT area_id, version FROM area_version WHERE name = 'w-3'")
        g = json.dumps(polygon(36.5, 34.5, 0.005), separators=(",", ":"))
        db = self.tampered("UPDATE area_version SET geometry = ? WHERE area_id = ? AND version = ?", (g, aid, v))
        self.assertFails(db, "area_version area/%d@%d" % (aid, v), "geometry.coordinates")

    def test_party_role(self):
        db = self.tampered("UPDATE party SET role = 'admin' WHERE name = 'SAA'")
        self.assertFails(db, "party SAA", ": role")

    def test_party_revocation_undone(self):
        db = self.tampered("UPDATE party SET revoked_at = NULL WHERE name = 'Kazakhstan'")
        self.assertFails(db, "party Kazakhstan", "revocation")

    def test_agreement_doc(self):
        aid, doc = self.row("SELECT id, doc FROM agreement WHERE name = 'w truce'")
        doc = json.dumps(dict(json.loads(doc), parties=["SAA"]), separators=(",", ":"))
        db = self.tampered("UPDATE agreement SET doc = ? WHERE id = ?", (doc, aid))
        self.assertFails(db, "agreement %d" % aid, "parties")
        db = self.tampered("UPDATE agreement SET doc = 'not json' WHERE id = ?", (aid,))
        self.assertFails(db, "agreement %d" % aid, "unreadable")

    def test_actor_added_without_entry(self):
        db = self.tampered("INSERT INTO actor(name, full_name, created_at) VALUES ('Ghost', NULL, 0)")
        self.assertFails(db, "actor Ghost: no log entry")

    def test_log_entry_bytes(self):
        idx, entry = self.row("SELECT idx, entry FROM log_entry WHERE party = 'admin' ORDER BY idx LIMIT 1 OFFSET 10")
        entry = self.clean.blob(entry)
        self.assertIn(b'"party":"admin"', entry)
        db = self.tampered("UPDATE log_entry SET entry = ? WHERE idx = ?",
                           (entry.replace(b'"party":"admin"', b'"party":"SAA"'), idx))
        self.assertFails(db, "log_entry %d: the entry's party" % idx, "log_node (0, %d)" % idx, "log_checkpoint")

    def test_log_entry_object(self):
        db = self.tampered("UPDATE log_entry SET object = ? WHERE idx = 12", (b"{}",))
        fails = self.assertFails(db, "log_entry 12: the entry's object_sha256")
        self.assertEqual(len(fails), 1, fails)

    def test_log_entry_deleted(self):
        typ, ref = self.row("SELECT type, ref FROM log_entry WHERE idx = 40")
        db = self.tampered("DELETE FROM log_entry WHERE idx = 40")
        self.assertFails(db, "log_entry 40: missing", "no log entry records it (a %s entry for %s)" % (typ, ref))

    def test_last_log_entry_deleted(self):
        db = self.tampered("DELETE FROM log_entry WHERE idx = (SELECT max(idx) FROM log_entry)")
        self.assertFails(db, ": missing")

    def test_log_node_deleted(self):
        db = self.tampered("DELETE FROM log_node WHERE level = 2 AND idx = 3")
        fails = self.assertFails(db, "log_node (2, 3): missing")
        self.assertEqual(len(fails), 1, fails)

    def test_log_node_changed_and_extra(self):
        db = self.tampered("UPDATE log_node SET hash = ? WHERE level = 1 AND idx = 5", (bytes(32),))
        self.assertFails(db, "log_node (1, 5): differs")
        db = self.tampered("INSERT INTO log_node(level, idx, hash) VALUES (0, 100000, ?)", (bytes(32),))
        self.assertFails(db, "log_node (0, 100000): extra")

    def test_checkpoint_signature(self):
        size, note = self.row("SELECT size, note FROM log_checkpoint ORDER BY size DESC LIMIT 1")
        text, sig = note.rstrip("\n").rsplit("\n", 1)
        dash, name, b64 = sig.split(" ")
        raw = bytearray(base64.b64decode(b64))
        raw[10] ^= 1
        forged = "%s\n%s %s %s\n" % (text, dash, name, base64.b64encode(bytes(raw)).decode())
        db = self.tampered("UPDATE log_checkpoint SET note = ? WHERE size = ?", (forged, size))
        fails = self.assertFails(db, "log_checkpoint (size %d): the signature does not verify" % size)
        self.assertEqual(len(fails), 1, fails)

    def test_checkpoint_root(self):
        size = self.row("SELECT min(size) FROM log_checkpoint")[0]
        db = self.tampered("UPDATE log_checkpoint SET root = ? WHERE size = ?", (bytes(32), size))
        self.assertFails(db, "log_checkpoint (size %d): the root column" % size)

    def test_rewritten_history_against_old_checkpoints(self):
        """The operator rewrites the log but the checkpoints signed before stay."""
        db = self.clean.copy("t")
        kept = [(size, db.blob(root), note, at) for size, root, note, at
                in db.sql("SELECT size, root, note, signed_at FROM log_checkpoint")]
        forge_history(db, idx=3)
        for cp in kept:
            db.exec_sql("INSERT INTO log_checkpoint(size, root, note, signed_at) VALUES (?,?,?,?)", cp)
        fails = self.assertFails(db, "is not the root of the tree rebuilt from log_entry")
        self.assertTrue(any("not shown consistent with the earlier checkpoint" in f for f in fails), fails)

    def test_usage(self):
        self.assertEqual(verify().returncode, 2)
        self.assertEqual(verify("--db", self.clean.db, "--url", "http://x").returncode, 2)
        p = verify("--db", self.clean.db, "--key", "not-a-key")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--key", p.stderr)
        self.assertEqual(verify("receipt", "--key", self.vkey).returncode, 2)
        self.assertEqual(verify("--db", os.path.join(self.srv.dir, "absent.db")).returncode, 1)
        self.assertFalse(os.path.exists(os.path.join(self.srv.dir, "absent.db")))


class RemoteAudit(unittest.TestCase):
    """A live server with more than one tile of entries: the witness audit, receipts, and a
    history rewritten while the server was down, caught by a checkpoint saved before."""

    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server(scenario=True, extra_args=CP_ARGS)
        cls.last = api_writes(srv, areas=180)  # with the scenario: past one 256-entry tile
        wait_checkpoint(srv, cls.last + 1)
        cls.vkey = srv.get("/v1/log/key").body.strip()
        cls.token = srv.tokens["Kazakhstan"]  # any party may read the log

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def remote(self, *args, token=True):
        url = "http://127.0.0.1:%d" % self.srv.port
        return verify("--url", url, "--key", self.vkey, *(("--token", self.token) if token else ()), *args)

    def test_1_audit_and_save(self):
        saved = os.path.join(self.srv.dir, "saved.cp")
        p = self.remote("--save", saved)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        n = int(log_size(self.srv))
        self.assertGreater(n, 256)
        tiles = -(-n // 256) + -(-(n >> 8) // 256)
        self.assertIn("fetched %d entry bundles and %d hash tiles" % (-(-n // 256), tiles), p.stdout)
        self.assertIn("matches the checkpoint", p.stdout)
        with open(saved) as f:
            self.assertEqual(f.read(), self.srv.get("/v1/log/checkpoint").body)
        p = self.remote("--checkpoint", saved)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_2_wrong_key_or_no_token(self):
        p = verify("--url", self.url_now(), "--key", other_key(self.vkey), "--token", self.token,
                   "--save", os.path.join(self.srv.dir, "never.cp"))
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("FAIL checkpoint: not signed by the verifier key", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(self.srv.dir, "never.cp")))
        p = self.remote(token=False)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("--token", p.stdout)

    def url_now(self):
        return "http://127.0.0.1:%d" % self.srv.port

    def test_3_receipts(self):
        idx = self.last
        p = verify("receipt", "--url", self.url_now(), "--key", self.vkey, "--token", self.token,
                   "--index", str(idx))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("entry %d: {" % idx, p.stdout)
        receipt = self.srv.get("/v1/log/receipts/%d" % idx, party="Kazakhstan").json
        path = os.path.join(self.srv.dir, "receipt.json")

        def check(r, rc, needle=None):
            with open(path, "w") as f:
                json.dump(r, f)
            p = verify("receipt", "--receipt", path, "--key", self.vkey)
            self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
            if needle:
                self.assertIn(needle, p.stdout)

        check(receipt, 0, "included in")
        check(dict(receipt, entry=receipt["entry"].replace('"v":2', '"v":1')), 1, "inclusion proof does not")
        check(dict(receipt, proof=receipt["proof"][::-1]), 1, "inclusion proof does not")
        check(dict(receipt, index=idx - 1), 1, "receipt %d" % (idx - 1))
        check(dict(receipt, checkpoint=receipt["checkpoint"].replace("\n", "\n\n", 1)), 1, "not signed")
        p = verify("receipt", "--receipt", path, "--key", self.vkey, "--index", "3")
        self.assertEqual(p.returncode, 1)

    def test_4_rewritten_history(self):
        srv = self.srv
        saved = os.path.join(srv.dir, "before.cp")
        p = self.remote("--save", saved)
        self.assertEqual(p.returncode, 0, p.stdout)
        srv.stop()
        idx = srv.sql("SELECT min(idx) FROM log_entry WHERE type = 'area.create'")[0][0]
        forge_history(srv.db, idx=idx)  # an area's entry: no row keeps the time of the entry
        # The server itself refuses the rewritten log (it kept the checkpoint it signed, beside
        # its key); an operator who forces it with --accept-rollback leaves a log.rollback entry.
        p = run_cli("serve", "--db", srv.db, "--listen", "127.0.0.1:0", check=False, cwd=srv.cwd_of(srv.db))
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("history differs from what the server has served", p.stderr)
        srv.extra_args = CP_ARGS + ["--accept-rollback"]
        srv.start()
        srv.extra_args = list(CP_ARGS)
        last = api_writes(srv, areas=2, tag="after")
        wait_checkpoint(srv, last + 1)
        # The rewritten log is consistent in itself: only the saved checkpoint catches it.
        p = self.remote()
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = self.remote("--checkpoint", saved, "--save", os.path.join(srv.dir, "after.cp"))
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("server's consistency proof does not verify", p.stdout)
        self.assertIn("not consistent with the log at size", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(srv.dir, "after.cp")))
        srv.stop()
        p = run_cli("verify", "--db", srv.db, check=False, cwd=srv.cwd_of(srv.db))
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("--accept-rollback", p.stdout)  # the forced start is in the log, for every auditor
        p = verify("--db", srv.db, "--checkpoint", saved)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("FAIL saved checkpoint %s" % saved, p.stdout)
        srv.start()


if __name__ == "__main__":
    main()
