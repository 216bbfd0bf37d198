"""Witnesses (issue 15): `truce witness key` and `truce witness serve` (C2SP tlog-witness),
`truce serve --witness URL=VKEY --quorum K` (cosignatures gathered, the witnessed checkpoint
served, receipts proven to it), `truce verify --witness VKEY --quorum K`; a split view and a
rollback caught by the witnesses. Everything runs as real processes on loopback."""
import base64
import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import time

from harness import BIN, Server, ServerTest, Witness, run_cli, main

EM = "\u2014 "


def wait_for(fn, what, timeout=20):
    """Polls fn() (bounded) until it returns a true value, which it returns."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def started(srv, *witnesses):
    """Starts srv; if it does not start, stops the witnesses before failing."""
    try:
        srv.start()
    except BaseException:
        for w in witnesses:
            w.stop()
        raise


def witnessed(names, scenario=False):
    """A centre (a fresh database; the scenario's parties, or an admin) and witnesses named
    names following its log: (server, log key, witnesses). The server is stopped, its
    extra_args set to --checkpoint-ms 50 and a --witness per witness, to start (started())."""
    srv = Server(scenario=scenario)
    if not scenario:
        srv.add_party("admin", "admin")
    vkey = srv.get("/v1/log/key").body.strip()
    srv.stop()
    ws = [Witness(srv.dir, name, [vkey]) for name in names]
    srv.extra_args = ["--checkpoint-ms", "50"]
    for w in ws:
        srv.extra_args += ["--witness", w.spec()]
    return srv, vkey, ws


def note_lines(note):
    """(text, [signature lines]) of a signed note."""
    text, _, sigs = note.rpartition("\n\n")
    return text + "\n", [l for l in sigs.split("\n") if l]


def add_actor(srv, name, party="admin"):
    r = srv.post("/v1/actors", {"name": name}, party=party)
    assert r.status == 201, r
    return r.json["receipt"]["index"]


def served(srv):
    return srv.get("/v1/log/checkpoint").body


def served_size(srv):
    return int(served(srv).split("\n")[1])


class WitnessCommandTest(ServerTest):
    """The witness alone, fed checkpoints signed by a real centre."""
    extra_args = ("--checkpoint-ms", "50")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        add_actor(cls.srv, "First")
        cls.vkey = cls.srv.get("/v1/log/key").body.strip()
        cls.w = Witness(cls.srv.dir, "witness.test/w1", [cls.vkey])

    @classmethod
    def tearDownClass(cls):
        cls.w.stop()
        super().tearDownClass()

    def checkpoint(self):
        return wait_for(lambda: served(self.srv) if served_size(self.srv) > 0 else None, "a checkpoint")

    def test_key_command(self):
        path = os.path.join(self.srv.dir, "k1.key")
        p = run_cli("witness", "key", path, "--name", "witness.example.org/k1")
        vkey = p.stdout.strip()
        name, keyid, b64 = vkey.split("+", 2)
        self.assertEqual(name, "witness.example.org/k1")
        raw = base64.b64decode(b64)
        self.assertEqual((len(raw), raw[0]), (33, 0x04))  # a cosignature/v1 key (C2SP tlog-cosignature)
        h = hashlib.sha256(name.encode() + b"\n\x04" + raw[1:]).digest()[:4]
        self.assertEqual(keyid, h.hex())
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            self.assertTrue(f.read().startswith("PRIVATE+KEY+witness.example.org/k1+"))
        again = run_cli("witness", "key", path, "--name", "x", check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("cannot create", again.stderr)
        self.assertEqual(run_cli("witness", "key", path + "2", check=False).returncode, 2)
        bad = run_cli("witness", "key", path + "3", "--name", "has space", check=False)
        self.assertEqual(bad.returncode, 1, bad.stderr)
        self.assertFalse(os.path.exists(path + "3"))
        self.assertEqual(run_cli("witness", "serve", "--key", path, check=False).returncode, 2)

    def test_add_checkpoint_protocol(self):
        note = self.checkpoint()
        size = int(note.split("\n")[1])
        # Malformed requests: 400.
        for body in [b"", b"old 01\n\n" + note.encode(), b"old 0\nnot-base64!\n\n" + note.encode(), b"old 0\n"]:
            self.assertEqual(self.w.post(body).status, 400, body[:20])
        self.assertEqual(self.w.post(("old %d\n\n" % (size + 1)).encode() + note.encode()).status, 400)
        # A signature that does not verify: 403.
        text, sigs = note_lines(note)
        name, sig = sigs[0][len(EM):].split(" ")
        raw = bytearray(base64.b64decode(sig))
        raw[10] ^= 1
        bad = text + "\n" + EM + name + " " + base64.b64encode(bytes(raw)).decode() + "\n"
        self.assertEqual(self.w.post(("old 0\n\n" + bad).encode()).status, 403)
        # Another log's checkpoint: 404.
        other = Server(extra_args=("--checkpoint-ms", "50"))
        try:
            other_note = wait_for(lambda: served(other) if "\n\n" in served(other) else None, "another log")
            self.assertEqual(self.w.post(("old 0\n\n" + other_note).encode()).status, 404)
        finally:
            other.stop()
        # The first checkpoint: 200 and a cosignature line by the witness.
        r = self.w.post(("old 0\n\n" + note).encode())
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.body.startswith(EM + "witness.test/w1 ") and r.body.endswith("\n"), r.body)
        line = base64.b64decode(r.body.split(" ")[2])
        self.assertEqual(len(line), 76)  # key ID, timestamp, Ed25519 signature
        self.assertEqual(line[:4].hex(), self.w.vkey.split("+")[1])
        self.assertLess(abs(int.from_bytes(line[4:12], "big") - time.time()), 120)
        # A stale old size: 409 with the size it cosigned, as text/x.tlog.size.
        r = self.w.post(("old 0\n\n" + note).encode())
        self.assertEqual((r.status, r.body, r.headers["content-type"]), (409, "%d\n" % size, "text/x.tlog.size"))
        # The next checkpoint with a consistency proof: 200; the same with a flipped proof: 422.
        add_actor(self.srv, "Second")
        note2 = wait_for(lambda: served(self.srv) if served_size(self.srv) > size else None, "a new checkpoint")
        size2 = int(note2.split("\n")[1])
        proof = self.srv.get("/v1/log/consistency?from=%d&to=%d" % (size, size2), party="admin").json["proof"]
        self.assertTrue(proof)
        flipped = bytearray(base64.b64decode(proof[0]))
        flipped[0] ^= 1
        body = lambda p: ("old %d\n%s\n%s" % (size, "".join(x + "\n" for x in p), note2)).encode()
        self.assertEqual(self.w.post(body([base64.b64encode(bytes(flipped)).decode()] + proof[1:])).status, 422)
        self.assertEqual(self.w.post(body(proof)).status, 200)
        # Durable: after a restart the witness still knows what it cosigned.
        self.w.stop()
        self.w.start()
        r = self.w.post(("old %d\n\n" % size + note2).encode())
        self.assertEqual((r.status, r.body), (409, "%d\n" % size2))
        origin = note2.split("\n")[0]
        state = os.path.join(self.w.state, hashlib.sha256(origin.encode()).hexdigest())
        with open(state) as f:
            kept = f.read()
        self.assertTrue(kept.startswith(note2.rpartition("\n\n")[0]))
        self.assertIn(EM + "witness.test/w1 ", kept)
        # The monitoring GET serves it; other paths and methods are refused.
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.w.port, timeout=10)
        for method, path, want in [("GET", "/%s/checkpoint" % hashlib.sha256(origin.encode()).hexdigest(), 200),
                                   ("GET", "/%s/checkpoint" % ("0" * 64), 404), ("GET", "/add-checkpoint", 405),
                                   ("GET", "/nothing", 404)]:
            conn.request(method, path)
            resp = conn.getresponse()
            got = resp.read().decode()
            self.assertEqual(resp.status, want, path)
            if want == 200:
                self.assertEqual(got, kept)
        conn.close()

    def test_state_is_checked_at_start(self):
        d = os.path.join(self.srv.dir, "badstate")
        os.makedirs(d)
        origin = self.vkey.split("+")[0]
        with open(os.path.join(d, hashlib.sha256(origin.encode()).hexdigest()), "w") as f:
            f.write(origin + "\n5\n" + base64.b64encode(b"\0" * 32).decode() + "\n\n" + EM + "x AAAA\n")
        p = subprocess.run([BIN, "witness", "serve", "--key", self.w.key, "--log", self.vkey, "--listen", "127.0.0.1:0",
                            "--state", d], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn("is not a checkpoint of %s signed by its key and cosigned by this witness" % origin, p.stderr)


class CentreWitnessTest(ServerTest):
    """A centre with two witnesses and a quorum of 2."""

    @classmethod
    def setUpClass(cls):
        cls.srv, cls.vkey, (cls.w1, cls.w2) = witnessed(["w1.test/w", "w2.test/w"])
        cls.srv.extra_args += ["--quorum", "2", "--witness-timeout-ms", "2000"]
        started(cls.srv, cls.w1, cls.w2)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.w1.stop()
        cls.w2.stop()

    def verify(self, *args):
        return run_cli("verify", *args, "--key", self.vkey, check=False)

    def witness_args(self, *ws):
        out = []
        for w in ws:
            out += ["--witness", w.vkey]
        return out

    def test_checkpoints_and_receipts_are_witnessed(self):
        log = self.srv.log()
        self.assertIn("2 of 2 witnesses cosigned the latest checkpoint (quorum 2)", log)
        idx = add_actor(self.srv, "Witnessed")
        wait_for(lambda: served_size(self.srv) > idx, "a witnessed checkpoint")
        text, sigs = note_lines(served(self.srv))
        self.assertEqual(len(sigs), 3, sigs)
        self.assertEqual(sorted(s.split(" ")[1] for s in sigs[1:]), ["w1.test/w", "w2.test/w"])
        receipt = self.srv.get("/v1/log/receipts/%d" % idx, party="admin")
        self.assertEqual(receipt.status, 200, receipt)
        self.assertEqual(len(note_lines(receipt.json["checkpoint"])[1]), 3)
        path = os.path.join(self.srv.dir, "r%d.json" % idx)
        with open(path, "w") as f:
            f.write(receipt.body)
        ok = self.verify("receipt", "--receipt", path, *self.witness_args(self.w1, self.w2), "--quorum", "2")
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("the quorum holds: 2 of 2 witnesses", ok.stdout)
        ok = self.verify("--url", "http://127.0.0.1:%d" % self.srv.port, "--token", self.srv.tokens["admin"],
                         *self.witness_args(self.w1, self.w2))
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("witness w1.test/w: cosigned the checkpoint of size", ok.stdout)
        # A witness key the checkpoint was not cosigned with: no quorum.
        stranger = os.path.join(self.srv.dir, "stranger.key")
        svk = run_cli("witness", "key", stranger, "--name", "w3.test/w").stdout.strip()
        bad = self.verify("receipt", "--receipt", path, "--witness", svk, *self.witness_args(self.w1), "--quorum", "2")
        self.assertEqual(bad.returncode, 1, bad.stdout)
        self.assertIn("1 valid witness cosignature, 2 required (--quorum 2)", bad.stdout)
        # Usage errors.
        self.assertEqual(self.verify("receipt", "--receipt", path, "--quorum", "1").returncode, 2)
        self.assertEqual(self.verify("receipt", "--receipt", path, "--witness", self.vkey).returncode, 2)
        w = self.srv.get("/v1/log/witnesses").json
        self.assertEqual(w["quorum"], 2)
        self.assertEqual(sorted(x["vkey"] for x in w["witnesses"]), sorted([self.w1.vkey, self.w2.vkey]))
        self.assertGreater(w["witnessed_size"], idx)

    def test_a_witness_down_does_not_block_writes_and_receipts_wait(self):
        self.w2.stop()
        try:
            before = served_size(self.srv)
            t0 = time.time()
            idx = add_actor(self.srv, "WhileDown")
            self.assertLess(time.time() - t0, 30)
            time.sleep(0.5)
            self.assertLessEqual(served_size(self.srv), idx)  # served: the last witnessed checkpoint
            self.assertGreaterEqual(served_size(self.srv), before)
            r = self.srv.get("/v1/log/receipts/%d" % idx, party="admin")
            self.assertProblem(r, 404, "index", "not covered by a witnessed checkpoint yet")
            self.assertIn("not reachable", self.srv.log())
        finally:
            self.w2.start()
        wait_for(lambda: served_size(self.srv) > idx, "the witness to catch up", timeout=90)
        self.assertEqual(self.srv.get("/v1/log/receipts/%d" % idx, party="admin").status, 200)

    def test_verify_db_checks_cosignatures(self):
        idx = add_actor(self.srv, "ForTheDb")
        wait_for(lambda: served_size(self.srv) > idx, "a witnessed checkpoint")
        copy = self.srv.copy()
        p = copy.verify(*self.witness_args(self.w1, self.w2))
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("log_cosignature:", p.stdout)
        self.assertIn("the largest checkpoint with a quorum of 2 has size", p.stdout)
        line = copy.sql("SELECT size, witness, line FROM log_cosignature ORDER BY size DESC LIMIT 1")[0]
        raw = bytearray(base64.b64decode(line[2].split(" ")[2]))
        raw[20] ^= 1
        forged = line[2].rsplit(" ", 1)[0] + " " + base64.b64encode(bytes(raw)).decode() + "\n"
        copy.tamper("UPDATE log_cosignature SET line = ? WHERE size = ? AND witness = ?", (forged, line[0], line[1]))
        p = copy.verify()
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("is not a valid cosignature of that checkpoint by that witness", p.stdout)


class QuorumNotReachedTest(ServerTest):
    """A centre whose second witness never answers: its checkpoint lacks the quorum, and
    `truce verify --url` says so."""

    @classmethod
    def setUpClass(cls):
        cls.srv, cls.vkey, (cls.w1,) = witnessed(["w1.test/q"])
        cls.silent = run_cli("witness", "key", os.path.join(cls.srv.dir, "silent.key"), "--name",
                             "silent.test/q").stdout.strip()
        cls.srv.extra_args += ["--witness", "http://127.0.0.1:9=" + cls.silent, "--quorum", "2",
                               "--witness-timeout-ms", "500"]
        started(cls.srv, cls.w1)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.w1.stop()

    def test_verify_url_fails_without_quorum(self):
        log = self.srv.log()
        self.assertIn("1 of 2 witnesses cosigned the latest checkpoint (quorum 2); receipts wait", log)
        self.assertIn("silent.test/q (http://127.0.0.1:9): not reachable", log)
        p = run_cli("verify", "--url", "http://127.0.0.1:%d" % self.srv.port, "--key", self.vkey, "--token",
                    self.srv.tokens["admin"], "--witness", self.w1.vkey, "--witness", self.silent, check=False)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("1 valid witness cosignature, 2 required (--quorum 2)", p.stdout)
        self.assertIn("witness silent.test/q: no cosignature", p.stdout)
        # A write still goes through, and its receipt waits for the quorum.
        idx = add_actor(self.srv, "NoQuorum")
        self.assertProblem(self.srv.get("/v1/log/receipts/%d" % idx, party="admin"), 404, "index", "witnessed")
        # Without a quorum the latest checkpoint is served, with the cosignatures it has; once
        # the first witness has cosigned it, it verifies with a quorum of 1.
        wait_for(lambda: served_size(self.srv) > idx and EM + "w1.test/q " in served(self.srv), "w1's cosignature")
        p = run_cli("verify", "--url", "http://127.0.0.1:%d" % self.srv.port, "--key", self.vkey, "--token",
                    self.srv.tokens["admin"], "--witness", self.w1.vkey, "--witness", self.silent, "--quorum", "1",
                    check=False)
        self.assertEqual(p.returncode, 0, p.stdout)


def copy_log(srv):
    """A copy of a stopped centre's database and key (either store): the same log, key and origin."""
    db = srv.db_place("b.db")
    Server.copy_db(srv.db, db, key=True)
    return db


class SplitViewTest(ServerTest):
    """Two logs with the same key and origin that diverge: no witness cosigns both."""

    def test_no_witness_cosigns_both(self):
        a = self.srv
        a.add_party("admin", "admin")
        add_actor(a, "Common")
        vkey = a.get("/v1/log/key").body.strip()
        a.stop()
        b = Server(db=copy_log(a), extra_args=())
        b.tokens = dict(a.tokens)
        b.stop()
        ws = [Witness(a.dir, "w%d.test/split" % k, [vkey]) for k in (1, 2)]
        args = ["--checkpoint-ms", "50"]
        for w in ws:
            args += ["--witness", w.spec()]
        try:
            a.extra_args = list(args)
            a.start()
            b.extra_args = list(args)
            b.start()  # the same history so far: both are cosigned at the common size
            common = served_size(b)
            self.assertEqual(common, served_size(a))
            ia = add_actor(a, "OnlyInA")
            wait_for(lambda: served_size(a) > ia, "A's next checkpoint witnessed")
            add_actor(b, "OnlyInB")
            wait_for(lambda: "REFUSES THIS LOG" in b.log(), "B's witnesses to refuse it")
            self.assertIn("whose root is not this database's root at that size", b.log())
            root_a = served(a).split("\n")[2]
            origin = vkey.split("+")[0]
            for w in ws:
                with open(os.path.join(w.state, hashlib.sha256(origin.encode()).hexdigest())) as f:
                    kept = f.read().split("\n")
                self.assertEqual(kept[2], root_a, "the witness holds A's view")
            # B never gets its own history cosigned: it serves the common checkpoint, and its
            # diverging checkpoints carry no cosignature.
            time.sleep(0.5)
            self.assertEqual(served_size(b), common)
            rows = b.sql("SELECT count(*) FROM log_cosignature WHERE size > ?", (common,))[0][0]
            self.assertEqual(rows, 0)
            b.stop()
            # Restarted, B is refused at once.
            p = subprocess.run([BIN, "serve", "--db", b.db, "--listen", "127.0.0.1:0", *args], capture_output=True,
                               text=True, timeout=60, cwd=b.cwd_of(b.db))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("refusing to start", p.stderr)
        finally:
            for w in ws:
                w.stop()


class RollbackTest(ServerTest):
    """A centre restored from an older backup is refused at start: by the checkpoint it keeps
    beside its key (issue 11) and, when that was restored with it, by its witnesses."""

    def test_restored_backup_refused_at_start(self):
        s = self.srv
        s.add_party("admin", "admin")
        vkey = s.get("/v1/log/key").body.strip()
        s.stop()
        w = Witness(s.dir, "w1.test/rollback", [vkey])
        try:
            s.extra_args = ["--checkpoint-ms", "50", "--witness", w.spec()]
            s.start()
            add_actor(s, "BeforeBackup")
            kept = s.key_path() + ".checkpoint"  # the checkpoint the server keeps beside its key
            wait_for(lambda: served_size(s) > 1 and os.path.exists(kept), "a first checkpoint")
            time.sleep(0.2)  # the checkpoint thread (50 ms) keeps the latest
            backup = s.db_place("backup.db")
            Server.backup_db(s.db, backup)  # while it serves: SQLite's online backup, or pg_dump
            shutil.copy(kept, os.path.join(s.dir, "backup.kept"))
            last = add_actor(s, "AfterBackup")
            wait_for(lambda: served_size(s) > last, "the witness to cosign past the backup")
            s.stop()
            Server.copy_db(backup, s.db)  # restored
            serve = [BIN, "serve", "--db", s.db, "--listen", "127.0.0.1:0", *s.extra_args]
            # The database alone restored: the checkpoint kept beside the key refuses it first.
            p = subprocess.run(serve, capture_output=True, text=True, timeout=60, cwd=s.cwd_of(s.db))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("refusing to start: the database's log has", p.stderr)
            # The whole folder restored (the kept checkpoint too): only the witness knows better.
            shutil.copy(os.path.join(s.dir, "backup.kept"), kept)
            p = subprocess.run(serve, capture_output=True, text=True, timeout=60, cwd=s.cwd_of(s.db))
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("REFUSES THIS LOG: it holds a checkpoint of size %d signed by this log's key, but this "
                          "database's log has only" % (last + 1), p.stderr)
            self.assertIn("restored from an older backup", p.stderr)
            self.assertIn("refusing to start", p.stderr)
            self.assertNotIn("listening on", p.stderr)
        finally:
            w.stop()


if __name__ == "__main__":
    main()
