"""Rollback (issue 11): `truce serve` keeps the latest checkpoint it signed beside its key
(DB.key.checkpoint, written durably) and refuses to start on a database whose log is shorter
than that checkpoint, or whose history differs from it, saying why; a normal restart works;
`--accept-rollback` serves a restored backup anyway and logs it (log.rollback), which
`truce verify` shows. See docs/operations.md "Rollback". On both stores: a backup of a
PostgreSQL database is a copy made with it as template, restored by dropping the database and
making it again from the copy; its key and kept checkpoint are NAME.key[.checkpoint] in the
folder truce runs in."""
import os
import subprocess
import time
import unittest

from harness import BIN, SANITIZER_MARKS, Server, feature, main, polygon, run_cli
from test_verify import forge_history, wait_checkpoint

copy_db = Server.copy_db

CP_ARGS = ["--checkpoint-ms", "50"]


def writes(srv, n, tag):
    last = 0
    for i in range(n):
        r = srv.post("/v1/areas", feature(polygon(36 + 0.01 * i, 34, 0.005), kind="control", party="SAA",
                                          name="%s-%d" % (tag, i)), party="admin")
        assert r.status == 201, r
        last = r.json["receipt"]["index"]
    return last


def serve_refused(db, *extra):
    """Starts `truce serve` on db, which must refuse: returns its stderr."""
    p = subprocess.run([BIN, "serve", "--db", db, "--listen", "127.0.0.1:0", *CP_ARGS, *extra],
                       capture_output=True, text=True, timeout=60, cwd=Server.cwd_of(db))
    for mark in SANITIZER_MARKS:
        assert mark not in p.stderr, p.stderr
    assert p.returncode != 0, "truce serve started on a rolled-back database:\n" + p.stderr
    return p.stderr


def snapshot(db):
    return [Server.db_sql(db, "SELECT count(*) FROM %s" % t)[0][0] for t in ("log_entry", "log_checkpoint")]


def verify_db(db):
    """`truce verify --db db` where the server runs (so it finds the checkpoint kept there)."""
    return run_cli("verify", "--db", db, check=False, cwd=Server.cwd_of(db))


class Rollback(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = srv = Server(extra_args=CP_ARGS)
        srv.add_party("admin", "admin")
        srv.add_party("SAA", "belligerent")
        srv.restart()  # the parties were added at the command line: sign them
        wait_checkpoint(srv, writes(srv, 3, "before") + 1)
        srv.stop()
        cls.backup = srv.db_place("backup.db")
        copy_db(srv.db, cls.backup)
        srv.start()
        wait_checkpoint(srv, writes(srv, 3, "after") + 1)
        srv.stop()
        cls.kept = srv.key_path() + ".checkpoint"
        # as truce names it: beside a SQLite file; NAME.key.checkpoint where it runs (PostgreSQL)
        cls.shown = cls.kept if srv.store == "sqlite" else os.path.basename(cls.kept)

    def setUp(self):
        self.saved = self.srv.db_place("saved-%d.db" % time.monotonic_ns())
        copy_db(self.srv.db, self.saved)
        with open(self.kept) as f:
            self.kept_note = f.read()

    def tearDown(self):
        copy_db(self.saved, self.srv.db)  # each test starts from the database as served
        with open(self.kept, "w") as f:
            f.write(self.kept_note)

    def test_1_kept_beside_the_key(self):
        latest = self.srv.db_sql(self.srv.db, "SELECT note FROM log_checkpoint ORDER BY size DESC LIMIT 1")[0][0]
        self.assertEqual(self.kept_note, latest)
        self.assertIn("\nprev ", self.kept_note)
        self.assertFalse(os.path.exists(self.kept + ".tmp"))
        p = verify_db(self.srv.db)  # verify checks the log against it too
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("checkpoint kept by the server: " + self.shown, p.stdout)
        # And catches a log that does not extend it.
        forge_history(self.srv.db, idx=2)
        p = verify_db(self.srv.db)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("FAIL saved checkpoint " + self.shown, p.stdout)

    def test_2_restored_backup_is_refused(self):
        copy_db(self.backup, self.srv.db)
        before = snapshot(self.srv.db)
        err = serve_refused(self.srv.db)
        self.assertIn("refusing to start", err)
        self.assertIn("but this server signed a checkpoint of", err)
        self.assertIn(self.shown, err)
        self.assertIn("--accept-rollback", err)
        self.assertEqual(snapshot(self.srv.db), before, "a refused start wrote to the database")

    def test_3_rewritten_history_is_refused(self):
        forge_history(self.srv.db, idx=2)
        err = serve_refused(self.srv.db)
        self.assertIn("history differs", err)

    def test_4_kept_file_of_another_log_is_refused(self):
        with open(self.kept, "w") as f:
            f.write("not a checkpoint\n")
        err = serve_refused(self.srv.db)
        self.assertIn("not a checkpoint signed by this database's log key", err)

    def test_5_normal_restart_works(self):
        self.srv.start()
        wait_checkpoint(self.srv, writes(self.srv, 1, "restart") + 1)
        self.srv.stop()
        self.assertEqual(verify_db(self.srv.db).returncode, 0)

    def test_6_accepted_rollback_is_logged(self):
        copy_db(self.backup, self.srv.db)
        n = snapshot(self.srv.db)[0]
        srv = self.srv
        srv.extra_args = CP_ARGS + ["--accept-rollback"]
        try:
            srv.start()
            self.assertIn("--accept-rollback: serving anyway", srv.log())
            wait_checkpoint(srv, n + 1)
            srv.stop()
        finally:
            srv.extra_args = list(CP_ARGS)
        row = srv.db_sql(srv.db, "SELECT idx, party, type, object FROM log_entry WHERE type = 'log.rollback'")[0]
        self.assertEqual(row[:3], (n, "operator", "log.rollback"))
        self.assertIn(b"but this server signed a checkpoint of", row[3])
        p = verify_db(srv.db)
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("note: log_entry %d" % n, p.stdout)
        self.assertIn("--accept-rollback", p.stdout)
        # The kept checkpoint follows the restored log now: a plain restart works.
        srv.start()
        srv.stop()


if __name__ == "__main__":
    main()
