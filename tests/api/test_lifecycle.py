"""Life cycle: the schema version and the durable mode (SQLite's WAL; on PostgreSQL, truce's
sessions commit with synchronous_commit on whatever the database's default), data surviving
restarts, a SIGTERM that lets in-flight requests finish, and kill -9 in the middle of a
stream of writes losing nothing that was acknowledged (20 trials; on both stores)."""
import glob
import http.client
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

from harness import ROOT, SANITIZER_MARKS, Server, ServerTest, polygon, feature, main


def circle(lon, lat, r, n):
    ring = [[round(lon + r * math.cos(2 * math.pi * i / n), 7), round(lat + r * math.sin(2 * math.pi * i / n), 7)]
            for i in range(n)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def db_query(db, sql, *args):
    return Server.db_sql(db, sql, args)


def wait_stopped(testcase, srv, timeout=60):
    """Waits for a server that was already signalled to exit; checks exit 0, a clean
    stop and no sanitizer report (what Server.stop checks, without sending a signal)."""
    try:
        rc = srv.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        srv.proc.kill()
        srv.proc.wait()
        srv.proc = None
        raise AssertionError("truce serve did not stop within %d s:\n%s" % (timeout, srv.log()[-3000:]))
    srv.proc = None
    text = srv.log()
    srv.errlog.close()
    for mark in SANITIZER_MARKS:
        testcase.assertNotIn(mark, text, text[-6000:])
    testcase.assertEqual(rc, 0, text[-3000:])
    testcase.assertIn("stopped cleanly", text)
    return text


def in_flight(srv):
    r = srv.get("/metrics")
    m = re.search(r"^truce_http_requests_in_flight (\d+)", r.body, re.M)
    return int(m.group(1)) if m else -1


class SlowClient:
    """A POST whose body is sent in two halves, so that the request is in flight for
    as long as we like."""

    def __init__(self, port, token, body):
        self.body = body
        self.half = len(body) // 2
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        head = ("POST /v1/areas HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (token, len(body))).encode()
        self.sock.sendall(head + body[:self.half])

    def finish(self):
        """Sends the rest; returns (status, parsed JSON body)."""
        try:
            self.sock.sendall(self.body[self.half:])
            buf = b""
            deadline = time.time() + 60
            while b"\r\n\r\n" not in buf and time.time() < deadline:
                c = self.sock.recv(65536)
                if not c:
                    break
                buf += c
            head, _, rest = buf.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            n = int([ln.split(":", 1)[1] for ln in lines[1:] if ln.lower().startswith("content-length:")][0])
            while len(rest) < n and time.time() < deadline:
                c = self.sock.recv(65536)
                if not c:
                    break
                rest += c
            return status, json.loads(rest[:n])
        finally:
            self.sock.close()


class SchemaAndRestartTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        cls.srv.add_party("SAA", "belligerent")

    def test_schema_version_is_stored_and_reported(self):
        rows = db_query(self.srv.db, "SELECT version, name FROM schema_version ORDER BY version")
        migrations = glob.glob(os.path.join(ROOT, "src", "store", "migrations", "*.sql"))
        self.assertEqual(len(rows), len(migrations))
        # One row per migration file, numbered as the file (numbers are assigned per module).
        numbers = sorted(int(os.path.basename(m)[:4]) for m in migrations)
        self.assertEqual([v for v, _ in rows], numbers)
        for _, name in rows:
            self.assertTrue(name)
        h = self.srv.get("/v1/health").json
        self.assertEqual(h["schema_version"], rows[-1][0])

    def test_database_is_in_its_durable_mode(self):
        srv = self.srv
        if srv.store == "sqlite":
            self.assertEqual(db_query(srv.db, "PRAGMA journal_mode")[0][0].lower(), "wal")
            return
        # PostgreSQL: an answered write must be on the server's disk, so truce's own sessions
        # set synchronous_commit on (docs/operations.md), even where the database's default is
        # off. A trigger records the setting of the session that inserts an actor: truce's.
        name = srv.db.rsplit("/", 1)[1]
        srv.sql("ALTER DATABASE %s SET synchronous_commit = off" % name)
        srv.sql("CREATE TABLE commit_mode_seen(setting text);"
                " CREATE FUNCTION commit_mode_seen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " INSERT INTO commit_mode_seen VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$;"
                " CREATE TRIGGER commit_mode_seen AFTER INSERT ON actor FOR EACH ROW EXECUTE FUNCTION commit_mode_seen()")
        try:
            srv.restart()  # new sessions, under the new default
            self.assertEqual(srv.sql("SHOW synchronous_commit"), [("off",)], "the default is not off: vacuous")
            self.assertEqual(srv.post("/v1/actors", {"name": "Durable"}, party="admin").status, 201)
            self.assertEqual(srv.sql("SELECT setting FROM commit_mode_seen"), [("on",)])
        finally:
            srv.sql("DROP TRIGGER commit_mode_seen ON actor; DROP FUNCTION commit_mode_seen();"
                    " DROP TABLE commit_mode_seen; ALTER DATABASE %s RESET synchronous_commit" % name)
            srv.restart()

    def test_data_survives_restart(self):
        srv = self.srv
        self.assertEqual(srv.post("/v1/actors", {"name": "Nusra", "full_name": "Jabhat al-Nusra"},
                                  party="admin").status, 201)
        a = srv.post("/v1/areas", feature(polygon(36.0, 36.0, 0.4), kind="control", party="SAA", name="Kept"),
                     party="admin").json
        srv.put("/v1/areas/%d" % a["id"], feature(polygon(36.0, 36.0, 0.5), kind="control", party="SAA",
                                                  name="Kept v2", valid_from="2016-07-01T00:00:00Z"), party="admin")
        d = srv.post("/v1/areas", feature(polygon(36.1, 36.1, 0.1), kind="designated", actor="Nusra",
                                          name="Nusra pocket", visibility=["SAA"]), party="admin").json
        line = {"type": "LineString", "coordinates": [[36.05, 36.2], [36.3, 36.2]]}
        c = srv.post("/v1/areas", feature(line, kind="corridor", name="Kept corridor", width_m=800),
                     party="admin").json
        g = srv.post("/v1/agreements", {"name": "Kept deal", "start": "2016-02-27T00:00:00Z", "parties": ["SAA"],
                                        "excluded_actors": ["Nusra"], "zones": [a["id"]],
                                        "provisions": [{"text": "Hold", "responsible": "SAA"}]},
                     party="admin").json
        reads = ["/v1/areas/%d" % a["id"], "/v1/areas/%d?version=1" % a["id"], "/v1/areas/%d/history" % a["id"],
                 "/v1/areas/%d" % d["id"], "/v1/areas/%d" % c["id"], "/v1/agreements/%d" % g["id"],
                 "/v1/areas?at=2016-03-01T00:00:00Z", "/v1/areas", "/v1/agreements", "/v1/actors", "/v1/parties",
                 "/v1/attribution?lon=36.15&lat=36.15&at=2016-03-01T00:00:00Z",
                 "/v1/attribution?lon=36.15&lat=36.15&at=2017-03-01T00:00:00Z",
                 "/v1/attribution?lon=36.2&lat=36.2&at=2017-03-01T00:00:00Z"]
        before = {p: srv.get(p, party="SAA").json for p in reads}
        health = srv.get("/v1/health").json
        snap = srv.db_snapshot()
        for _ in range(2):
            srv.restart()
            self.assertEqual(snap, srv.db_snapshot(), "a restart changed the database")
            for p in reads:
                with self.subTest(path=p):
                    self.assertEqual(srv.get(p, party="SAA").json, before[p])
            h = srv.get("/v1/health").json
            self.assertEqual(h["area_versions"], health["area_versions"])
            self.assertEqual(h["schema_version"], health["schema_version"])
        self.assertIn("Nusra pocket", [x["name"] for x in before[reads[-3]]["designated"]])
        self.assertNotIn("not loaded", srv.log())


class SigtermDrainTest(ServerTest):
    """SIGTERM lets requests already being received finish and be answered."""
    extra_args = ("--max-vertices", "200000")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")

    def test_slow_uploads_finish_after_sigterm(self):
        srv = self.srv
        clients = []
        for i in range(3):
            body = json.dumps(feature(circle(30.0 + i, 30.0, 0.2, 2000), kind="no_strike",
                                      name="Slow %d" % i)).encode()
            clients.append(SlowClient(srv.port, srv.tokens["admin"], body))
        deadline = time.time() + 20
        while in_flight(srv) < 4 and time.time() < deadline:  # 3 uploads + this /metrics request
            time.sleep(0.05)
        self.assertGreaterEqual(in_flight(srv), 4)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        self.assertIsNone(srv.proc.poll(), "the server exited with requests in flight")
        results = [c.finish() for c in clients]
        for i, (status, body) in enumerate(results):
            self.assertEqual(status, 201, body)
            self.assertEqual(body["properties"]["name"], "Slow %d" % i)
        wait_stopped(self, srv)
        names = {n for (n,) in db_query(srv.db, "SELECT name FROM area_version")}
        for i in range(3):
            self.assertIn("Slow %d" % i, names)
        srv.start()
        for status, body in results:
            r = srv.get("/v1/areas/%d" % body["id"], party="admin")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["properties"]["name"], body["properties"]["name"])

    def test_sigterm_during_large_concurrent_writes(self):
        srv = self.srv
        n = 6
        base = feature(circle(20.0, 20.0, 0.5, 50000), kind="no_strike", name="NAME")
        raw = json.dumps(base).encode()
        results = [None] * n

        def post(i):
            body = raw.replace(b'"NAME"', b'"Large %d"' % i)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
                conn.request("POST", "/v1/areas", body=body,
                             headers={"Authorization": "Bearer " + srv.tokens["admin"],
                                      "Content-Type": "application/json"})
                r = conn.getresponse()
                data = r.read()
                declared = r.getheader("Content-Length")
                results[i] = ("response", r.status, data, declared)
                conn.close()
            except (OSError, http.client.HTTPException) as e:
                results[i] = ("error", repr(e))

        threads = [threading.Thread(target=post, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        deadline = time.time() + 20
        while in_flight(srv) < 2 and time.time() < deadline:
            time.sleep(0.02)
        srv.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=180)
            self.assertFalse(t.is_alive(), "a client never got an answer")
        wait_stopped(self, srv)
        acked = []
        for i, res in enumerate(results):
            with self.subTest(i=i, res=str(res)[:200]):
                self.assertIsNotNone(res)
                if res[0] == "response":
                    _, status, data, declared = res
                    self.assertEqual(status, 201, data[:300])
                    self.assertEqual(len(data), int(declared), "truncated response")
                    body = json.loads(data)
                    self.assertEqual(body["properties"]["name"], "Large %d" % i)
                    acked.append((body["id"], "Large %d" % i))
        self.assertTrue(acked, "no request was answered: %s" % results)
        if os.environ.get("TRUCE_TEST_VERBOSE"):
            print("SIGTERM: %d of %d answered" % (len(acked), n), file=sys.stderr)
        srv.start()
        for aid, name in acked:
            r = srv.get("/v1/areas/%d" % aid, party="admin")
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["properties"]["name"], name)
            self.assertEqual(len(r.json["geometry"]["coordinates"][0]), 50001)


class DrainTimeoutTest(ServerTest):
    """A client that never finishes its upload does not keep the server from stopping."""
    extra_args = ("--drain-seconds", "1")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")

    def test_stuck_upload_is_cut_after_the_drain_time(self):
        srv = self.srv
        body = json.dumps(feature(polygon(36.0, 35.0), kind="no_strike", name="Stuck")).encode()
        stuck = SlowClient(srv.port, srv.tokens["admin"], body)
        deadline = time.time() + 20
        while in_flight(srv) < 2 and time.time() < deadline:
            time.sleep(0.05)
        snap = srv.db_snapshot()
        t = time.time()
        srv.proc.send_signal(signal.SIGTERM)
        wait_stopped(self, srv, timeout=40)
        self.assertLess(time.time() - t, 30)
        stuck.sock.close()
        self.assertEqual(snap, srv.db_snapshot())
        srv.start()

    def test_sigint_stops_cleanly_too(self):
        self.srv.stop(sig=signal.SIGINT)
        self.srv.start()
        self.assertEqual(self.srv.get("/v1/health").status, 200)


class KillNineTest(ServerTest):
    """kill -9 in the middle of writes from several clients, TRIALS times: after each restart
    every write answered 201 is there, and the database is consistent. On both stores (on
    PostgreSQL, synchronous_commit is on: issue 13, item 5)."""
    TRIALS = 20

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        cls.srv.add_party("Russia", "guarantor")

    def write_until_killed(self, acked, tag, max_writes=60, max_seconds=15.0, nthreads=4, kill_after=8):
        """Areas and agreements from nthreads clients; SIGKILL once kill_after are acknowledged
        (or the time is up). Adds (path, id, name) of each 201 to acked; returns how many."""
        srv = self.srv
        mine, lock, stop, counter = [], threading.Lock(), threading.Event(), [0]
        t_end = time.time() + max_seconds

        def writer(k):
            while not stop.is_set() and time.time() < t_end:
                with lock:
                    if counter[0] >= max_writes:
                        return
                    counter[0] += 1
                    i = counter[0]
                name = "%s-%d-%d" % (tag, k, i)
                if i % 5 == 0:
                    path, body, who = "/v1/agreements", {"name": name, "start": "2016-01-01T00:00:00Z"}, "Russia"
                else:
                    path, who = "/v1/areas", "admin"
                    body = feature(polygon(-170 + (i % 300), -60 + (i // 300) * 0.5, 0.2), kind="no_strike",
                                   name=name)
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
        srv.kill()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        acked.extend(mine)
        return len(mine)

    def test_acknowledged_writes_survive_kill_9(self):
        srv, acked = self.srv, []
        db = srv.db
        if srv.store == "pg":
            self.assertEqual(srv.sql("SHOW synchronous_commit"), [("on",)])
        for trial in range(self.TRIALS):
            n = self.write_until_killed(acked, "K%d" % trial)
            self.assertGreater(n, 0, "trial %d: no write was acknowledged before the kill" % trial)
            if srv.store == "sqlite":  # the file itself, before any server touches it again
                self.assertEqual(db_query(db, "PRAGMA integrity_check")[0][0], "ok")
            srv.start()
            self.assertNotIn("not loaded", srv.log())
            for path, oid, name in acked:
                r = srv.get("%s/%d" % (path, oid), party="admin")
                self.assertEqual(r.status, 200, "trial %d: acknowledged %s %d (%s) lost: %s" % (trial, path, oid,
                                                                                              name, r))
                got = r.json["properties"]["name"] if path == "/v1/areas" else r.json["name"]
                self.assertEqual(got, name)
        print("kill -9 on %s: %d trials, %d writes acknowledged, 0 lost" % (srv.store, self.TRIALS, len(acked)),
              file=sys.stderr)
        # Consistency: every area has all its versions, every version its index entry.
        self.assertEqual(db_query(db, "SELECT count(*) FROM area a WHERE a.version <> (SELECT max(version) FROM "
                                      "area_version v WHERE v.area_id = a.id)")[0][0], 0)
        self.assertEqual(db_query(db, "SELECT count(*) FROM area_version")[0][0],
                         db_query(db, "SELECT count(*) FROM area_rtree")[0][0])
        self.assertEqual(srv.get("/v1/health").json["area_versions"],
                         db_query(db, "SELECT count(*) FROM area_version")[0][0])
        # One log entry per acknowledged write at least, and the server takes writes again.
        self.assertGreaterEqual(db_query(db, "SELECT count(*) FROM log_entry")[0][0], len(acked))
        r = srv.post("/v1/areas", feature(polygon(10.0, 10.0), kind="no_strike", name="After"), party="admin")
        self.assertEqual(r.status, 201, r)


if __name__ == "__main__":
    main()
