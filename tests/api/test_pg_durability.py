"""truce on PostgreSQL survives what a database server does to it (issue 13, item 5).

 - kill -9: 20 trials of writes from several clients, each ended by SIGKILL of truce serve in
   the middle; after a restart every write answered 201 is there (synchronous_commit on).
 - a PostgreSQL restart during load: while the database is down, requests answer 503 with
   Retry-After (never 400/404/500, never a hang); once it is back the same truce process
   serves again, without being restarted, and nothing acknowledged is lost.

Needs $TRUCE_TEST_PG (CTest's fixture "pg"); the restart test makes a cluster of its own
(scripts/pg-test.sh), so that stopping it disturbs no other test.
"""
import http.client
import os
import subprocess
import tempfile
import threading
import time

from harness import ROOT, Server, ServerTest, feature, main, polygon, psql

PG_TEST = os.path.join(ROOT, "scripts", "pg-test.sh")
TRIALS = 20


def write_until_killed(srv, acked, tag, max_writes=60, max_seconds=15.0, nthreads=4, kill_after=8):
    """Writes areas and agreements from nthreads clients; SIGKILLs srv once kill_after are
    acknowledged (or the time is up). acked gets (path, id, name) of every 201."""
    lock, stop, counter = threading.Lock(), threading.Event(), [0]
    t_end = time.time() + max_seconds
    mine = []

    def writer(k):
        while not stop.is_set() and time.time() < t_end:
            with lock:
                if counter[0] >= max_writes:
                    return
                counter[0] += 1
                i = counter[0]
            name = "%s-%d-%d" % (tag, k, i)
            if i % 4 == 0:
                path, body, who = "/v1/agreements", {"name": name, "start": "2016-01-01T00:00:00Z"}, "Russia"
            else:
                path, who = "/v1/areas", "admin"
                body = feature(polygon(-170 + (i % 300), -60, 0.2), kind="no_strike", name=name)
            try:
                r = srv.post(path, body, party=who)
            except (OSError, http.client.HTTPException):
                return
            if r.status == 201:
                with lock:
                    mine.append((path, r.json["id"], name))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(nthreads)]
    for t in threads:
        t.start()
    while time.time() < t_end:
        with lock:
            if len(mine) >= kill_after or counter[0] >= max_writes:
                break
        time.sleep(0.005)
    srv.proc.kill()
    srv.proc.wait(timeout=30)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    srv.proc = None
    srv.errlog.close()
    acked.extend(mine)
    return len(mine)


class KillNineOnPostgres(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        assert cls.srv.store == "pg", "run with TRUCE_TEST_PG (ctest's fixture pg)"
        cls.srv.add_party("admin", "admin")
        cls.srv.add_party("Russia", "guarantor")

    def check_all_there(self, srv, acked):
        for path, oid, name in acked:
            r = srv.get("%s/%d" % (path, oid), party="admin")
            self.assertEqual(r.status, 200, "acknowledged %s %d (%s) lost: %s" % (path, oid, name, r))
            got = r.json["properties"]["name"] if path == "/v1/areas" else r.json["name"]
            self.assertEqual(got, name)

    def test_20_kills_lose_no_acknowledged_write(self):
        srv, acked = self.srv, []
        self.assertEqual(psql(srv.db, "SHOW synchronous_commit").strip(), "on")
        for trial in range(TRIALS):
            n = write_until_killed(srv, acked, "T%d" % trial)
            self.assertGreater(n, 0, "trial %d: no write was acknowledged before the kill" % trial)
            srv.start()
            self.check_all_there(srv, acked)
        # the log and the tables agree: one log entry per acknowledged write at least
        entries = int(psql(srv.db, "SELECT count(*) FROM log_entry").strip())
        self.assertGreaterEqual(entries, len(acked))
        print("kill -9 on PostgreSQL: %d trials, %d writes acknowledged, 0 lost" % (TRIALS, len(acked)))


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
        self.assertEqual(sorted(names), ["after", "before"])  # nothing of the 503s was written
        self.assertEqual(srv.get("/v1/health").status, 200)
        srv.stop()  # a clean stop after the gap
        srv.start()
        self.assertEqual(srv.get("/v1/areas/%d" % acked[1], party="admin").status, 200)


if __name__ == "__main__":
    main()
