"""A centre on several machines survives the death of one (issue 14, item 2).

scripts/cluster.sh starts three PostgreSQL nodes under pg_auto_failover (a monitor, a primary and
a secondary with synchronous replication) on loopback ports; the test runs two `truce serve` on
the same database, through the multi-host URI (target_session_attrs=read-write), and then:

 - freezes (SIGSTOP) the secondary, as a partition would: a write is acknowledged once the
   monitor lets the primary go on alone, or refused with 503, never left hanging; once the
   secondary runs again, writes are acknowledged again (the commit that waits for no standby
   past its bound is tests/api/test_pg_durability.py's);
 - kills -9 the primary (its keeper and its PostgreSQL, as if its machine died) under a write
   load through both instances: every write answered 201 is on the promoted secondary; the
   requests in the gap answer 503 with Retry-After, never 500 and never later than a bound; both
   instances serve again without being restarted; `truce verify` passes on the one log;
 - kills -9 one truce instance mid-load: its acknowledged writes are there and the other goes on
   serving.

Runs in the PostgreSQL pass only (api-pg/test_failover), and only where pg_autoctl is installed
(scripts/deps.sh installs postgresql-15-auto-failover).
"""
import http.client
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BIN, PG_ADMIN, PG_KEYS, ROOT, Server, feature, main, polygon, run_cli

CLUSTER = os.path.join(ROOT, "scripts", "cluster.sh")
REQUEST_BOUND_S = 25.0  # no request may take longer, gap or not (a commit waits 15 s at most)
GAP_BOUND_S = 180.0     # the primary's death to the first write acknowledged again (the monitor
                        # waits pgautofailover.primary_demote_timeout, 30 s, before it promotes)


def cluster(cmd, d, timeout=400):
    env = dict(os.environ, TRUCE=BIN, TRUCE_INSTANCES="0")
    return subprocess.run(["bash", CLUSTER, cmd, d], capture_output=True, text=True, timeout=timeout, env=env)


class Load:
    """Writers posting areas through the given servers in turn, each answer recorded with its
    time and duration; bounded in count and time."""

    def __init__(self, servers, tag, nthreads=4, max_writes=2000, max_seconds=150.0):
        self.servers, self.tag = servers, tag
        self.lock, self.stop = threading.Lock(), threading.Event()
        self.answers = []  # (t_start, duration, status, retry_after, server index, id)
        self.last_503 = None
        self.count, self.max_writes = 0, max_writes
        self.t_end = time.time() + max_seconds
        self.threads = [threading.Thread(target=self.writer, args=(k,)) for k in range(nthreads)]
        for t in self.threads:
            t.start()

    def writer(self, k):
        while not self.stop.is_set() and time.time() < self.t_end:
            with self.lock:
                if self.count >= self.max_writes:
                    return
                self.count += 1
                i = self.count
            si = i % len(self.servers)
            srv = self.servers[si]
            if srv.proc is None:
                continue
            body = feature(polygon(-170 + (i % 340), -60 + (i % 50), 0.2), kind="no_strike",
                           name="%s-%d" % (self.tag, i))
            t0 = time.time()
            try:
                r = srv.post("/v1/areas", body, party="admin")
                status, retry, oid = r.status, r.headers.get("retry-after"), \
                    r.json.get("id") if r.status == 201 else None
            except (OSError, http.client.HTTPException) as e:  # the instance was killed
                status, retry, oid = "error: %s" % e, None, None
            with self.lock:
                self.answers.append((t0, time.time() - t0, status, retry, si, oid))
                if status == 503:
                    self.last_503 = r.body
            if status != 201:
                time.sleep(0.05)

    def acked(self, since=0.0):
        with self.lock:
            return [a for a in self.answers if a[2] == 201 and a[0] >= since]

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=REQUEST_BOUND_S + 30)

    def wait_acked(self, n, since=0.0, limit=120.0):
        end = time.time() + limit
        while time.time() < end and len(self.acked(since)) < n:
            time.sleep(0.1)
        return len(self.acked(since)) >= n


@unittest.skipUnless(PG_ADMIN, "PostgreSQL pass only (api-pg/test_failover)")
@unittest.skipUnless(shutil.which("pg_autoctl"), "no pg_autoctl (postgresql-15-auto-failover)")
class FailoverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="truce-cluster-")
        p = cluster("up", cls.dir)
        if p.returncode != 0:
            cluster("down", cls.dir)
            raise AssertionError("cluster.sh up failed:\n%s\n%s" % (p.stdout, p.stderr))
        with open(os.path.join(cls.dir, "uri")) as f:
            cls.uri = f.read().strip()
        cls.a = Server(db=cls.uri)
        cls.b = Server(db=cls.uri)
        tok = cls.a.add_party("admin", "admin")
        cls.b.tokens["admin"] = tok

    @classmethod
    def tearDownClass(cls):
        for s in (cls.a, cls.b):
            if s.proc is not None:
                s.stop()
        if not os.environ.get("TRUCE_KEEP_CLUSTER"):  # to look at a failure: scripts/cluster.sh status DIR
            cluster("down", cls.dir)

    def states(self):
        p = cluster("states", self.dir, timeout=60)
        return dict((line.split()[0], line.split()[1]) for line in p.stdout.splitlines() if line.strip())

    def ids_in_database(self):
        p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.uri, "-c",
                            "SELECT id FROM area"], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return set(int(x) for x in p.stdout.split())

    def check_answers(self, load):
        for t0, dt, status, retry, si, oid in load.answers:
            self.assertLess(dt, REQUEST_BOUND_S, "a request took %.1f s (answer %s)" % (dt, status))
            if isinstance(status, int):
                self.assertIn(status, (201, 503), "answer %s from instance %d during failover" % (status, si))
                if status == 503:
                    self.assertTrue(retry, "a 503 without Retry-After")

    def pause(self, how, *names):
        for n in names:
            p = subprocess.run(["bash", CLUSTER, how, n, self.dir], capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)

    def test_0_a_frozen_standby_never_hangs_a_write(self):
        self.pause("freeze", "node2")
        try:
            t0 = time.time()
            r = self.a.post("/v1/areas", feature(polygon(10, 10, 0.2), kind="no_strike", name="partition"),
                            party="admin")
            dt = time.time() - t0
        finally:
            self.pause("thaw", "node2")
        # acknowledged once the monitor let the primary go on alone, or refused (never a hang)
        self.assertIn(r.status, (201, 503), r)
        if r.status == 503:
            self.assertTrue(r.headers.get("retry-after"))
        self.assertLess(dt, REQUEST_BOUND_S)
        print("a write with the standby frozen: %d after %.1f s" % (r.status, dt))
        end, status = time.time() + 120, None
        while time.time() < end and status != 201:
            status = self.a.post("/v1/areas", feature(polygon(11, 10, 0.2), kind="no_strike", name="healed"),
                                 party="admin").status
            time.sleep(0.2)
        self.assertEqual(status, 201, "writes did not come back once the standby ran again")
        self.assertTrue(self.wait_states({"node1": "primary", "node2": "secondary"}), self.states())

    def wait_states(self, want, limit=180):
        end = time.time() + limit
        while time.time() < end:
            st = self.states()
            if all(st.get(k) == v for k, v in want.items()):
                return True
            time.sleep(1)
        return False

    def test_1_kill_primary_under_load(self):
        st = self.states()
        self.assertEqual(st.get("node1"), "primary", st)
        self.assertEqual(st.get("node2"), "secondary", st)
        load = Load([self.a, self.b], "fo", max_writes=40000, max_seconds=GAP_BOUND_S + 240)  # 503s count too
        try:
            started = time.time()
            self.assertTrue(load.wait_acked(20), "no load before the kill")
            print("20 writes acknowledged in %.1f s before the kill" % (time.time() - started))
            p = cluster("kill-primary", self.dir, timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr)
            killed = time.time()
            # both instances acknowledge writes again, without being restarted
            again = load.wait_acked(20, since=killed + 0.5, limit=GAP_BOUND_S)
            servers_back = set(a[4] for a in load.acked(killed + 0.5))
        finally:
            load.finish()
        self.assertTrue(again, "no write acknowledged within %d s of the primary's death; nodes %s; answers %s" % (
            GAP_BOUND_S, self.states(), load.last_503))
        self.assertEqual(servers_back, {0, 1}, "an instance did not come back by itself")
        gap = min(a[0] for a in load.acked(killed + 0.5)) - killed
        print("failover: gap %.1f s, %d writes acknowledged, %d answered 503" % (
            gap, len(load.acked()), sum(1 for a in load.answers if a[2] == 503)))
        self.check_answers(load)
        st = self.states()
        self.assertIn(st.get("node2"), ("primary", "wait_primary"), st)
        # nothing acknowledged is lost
        acked = set(a[5] for a in load.acked())
        self.assertFalse(acked - self.ids_in_database(), "acknowledged writes lost in the failover")
        # one consistent log
        v = run_cli("verify", "--db", self.uri, check=False, cwd=PG_KEYS)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_2_kill_one_instance_mid_load(self):
        load = Load([self.a, self.b], "ki", max_seconds=60.0)
        try:
            self.assertTrue(load.wait_acked(20), "no load before the kill")
            self.a.kill()
            killed = time.time()
            self.assertTrue(load.wait_acked(20, since=killed + 0.2), "instance B stopped serving")
        finally:
            load.finish()
        mine = [a for a in load.acked() if a[4] == 0]
        self.assertTrue(mine)
        self.assertFalse(set(a[5] for a in mine) - self.ids_in_database(), "acknowledged writes of A lost")
        for t0, dt, status, retry, si, oid in load.answers:
            if si == 1:
                self.assertIn(status, (201,), "instance B answered %s while A died" % status)
        self.a.start()  # the killed instance starts again on the same centre
        r = self.a.get("/v1/health")
        self.assertEqual(r.status, 200)


if __name__ == "__main__":
    main()
