"""truce on PostgreSQL survives what a database server does to it (issue 13, item 5).

 - a PostgreSQL restart during load: while the database is down, requests answer 503 with
   Retry-After (never 400/404/500, never a hang); once it is back the same truce process
   serves again, without being restarted, and nothing acknowledged is lost.

The kill -9 trials (20 SIGKILLs of truce serve in the middle of writes from several clients,
every write answered 201 there after each restart, synchronous_commit on) are store-neutral:
tests/api/test_lifecycle.py KillNineTest, run on both stores (api/ and api-pg/).

Needs $TRUCE_TEST_PG (CTest's fixture "pg"); the restart test makes a cluster of its own
(scripts/pg-test.sh), so that stopping it disturbs no other test.
"""
import os
import subprocess
import tempfile
import time

from harness import ROOT, Server, ServerTest, feature, main, polygon, psql

PG_TEST = os.path.join(ROOT, "scripts", "pg-test.sh")


class PostgresRestart(ServerTest):
    """A cluster of its own, stopped and started again under a running truce."""

    @classmethod
    def setUpClass(cls):
        cls.pgdir = tempfile.mkdtemp(prefix="truce-pg-restart-")
        subprocess.run([PG_TEST, "start", cls.pgdir], check=True, timeout=180, capture_output=True)
        with open(os.path.join(cls.pgdir, "uri")) as f:
            admin = f.read().strip()
        psql(admin, "CREATE DATABASE restart_t")
        cls.srv = Server(db=admin.rsplit("/", 1)[0] + "/restart_t")
        cls.srv.add_party("admin", "admin")

    @classmethod
    def tearDownClass(cls):
        try:
            cls.srv.stop()
        finally:
            subprocess.run([PG_TEST, "stop", cls.pgdir], timeout=180, capture_output=True)

    def post_area(self, name):
        return self.srv.post("/v1/areas", feature(polygon(10, 10, 0.2), kind="no_strike", name=name), party="admin")

    def test_a_commit_no_standby_confirms_is_not_acknowledged(self):
        """With synchronous replication to a standby that never answers (a partition), a write's
        COMMIT waits only so long (db_pg.c invariant 7): then 503 with Retry-After, in bounded
        time; the server serves again once the standby requirement is gone."""
        admin = self.srv.db.rsplit("/", 1)[0] + "/postgres"
        psql(admin, "ALTER SYSTEM SET synchronous_standby_names = 'ghost'")
        psql(admin, "SELECT pg_reload_conf()")
        try:
            t0 = time.time()
            r = self.post_area("unconfirmed")
            dt = time.time() - t0
        finally:
            psql(admin, "ALTER SYSTEM RESET synchronous_standby_names")
            psql(admin, "SELECT pg_reload_conf()")
        self.assertEqual(r.status, 503, r)
        self.assertIn("retry-after", r.headers)
        self.assertIn("not acknowledged", r.json["detail"])
        self.assertGreater(dt, 10)
        self.assertLess(dt, 40)
        deadline, r = time.time() + 60, None
        while time.time() < deadline:
            r = self.post_area("confirmed")
            if r.status == 201:
                break
            time.sleep(0.2)
        self.assertEqual(r.status, 201, r)

    def test_restart_answers_503_then_recovers(self):
        srv = self.srv
        r = self.post_area("before")
        self.assertEqual(r.status, 201, r)
        acked = [r.json["id"]]
        subprocess.run([PG_TEST, "halt", self.pgdir], check=True, timeout=120)
        try:
            for i in range(6):  # the database is down: 503 + Retry-After, for reads and writes
                for r in (self.post_area("during-%d" % i), srv.get("/v1/areas?limit=5", party="admin"),
                          srv.get("/v1/areas/%d" % acked[0], party="admin")):
                    self.assertEqual(r.status, 503, r)
                    self.assertIn("retry-after", r.headers)
                    self.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"))
        finally:
            subprocess.run([PG_TEST, "resume", self.pgdir], check=True, timeout=120)
        deadline, r = time.time() + 60, None
        while time.time() < deadline:  # back: the same process serves again
            r = self.post_area("after")
            if r.status == 201:
                break
            self.assertEqual(r.status, 503, r)
            time.sleep(0.2)
        self.assertEqual(r.status, 201, r)
        acked.append(r.json["id"])
        for oid in acked:
            self.assertEqual(srv.get("/v1/areas/%d" % oid, party="admin").status, 200)
        names = [f["properties"]["name"] for f in srv.get("/v1/areas?limit=50", party="admin").json["features"]]
        names = [n for n in names if not n.endswith("confirmed")]  # the other test's
        self.assertEqual(sorted(names), ["after", "before"])  # nothing of the 503s was written
        self.assertEqual(srv.get("/v1/health").status, 200)
        srv.stop()  # a clean stop after the gap
        srv.start()
        self.assertEqual(srv.get("/v1/areas/%d" % acked[1], party="admin").status, 200)


if __name__ == "__main__":
    main()
