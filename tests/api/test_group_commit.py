"""Group commit (issue 19): concurrent writes share flushes, each answered once durable.

- every answered write was flushed: on an otherwise idle server each write's answer comes
  after one more flush (a write that did not wait would leave the flush count where it was:
  with group commit a flush happens only for someone waiting);
- 16 clients at once, reports and areas mixed with writes that are refused (a bad body,
  a name already taken): each accepted write has its own receipt (distinct indexes, each
  proved against a signed checkpoint), the refused ones left nothing, and writes shared
  flushes (fewer flushes than commits is printed, not asserted: it depends on timing);
- one write of a batch whose COMMIT fails (TRUCE_FAULT=commit:N, test builds) answers 503
  and only it is missing: every other write of the same burst is stored, and the engines
  answer after a restart exactly what they answered before it (they held only what the
  store holds);
- kill -9 in the middle of 16 concurrent writers: every write answered 201 is there after
  a restart with the receipt it was given, and every checkpoint seen before covers only
  stored entries;
- a report refused inside a transaction that other writes share (an unknown
  alleged_perpetrator, found under the writer lock) answers 400 and leaves nothing; the
  others of that transaction are stored with their receipts, the log has no gap, verify
  passes and the engines answer the same after a restart;
- `--group-commit off` (one fsync per write, the benchmark's baseline) serves the same
  answers; a bad value is a usage error.

All of it runs on both stores. On PostgreSQL each COMMIT is flushed by the server itself
(synchronous_commit on) and --group-commit changes nothing: the counters show one flush per
commit, and every behaviour above holds the same; only PRAGMA integrity_check is SQLite's.
"""
import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time

from harness import BIN, Server, ServerTest, feature, main, polygon
from test_log import LogClient

VERBOSE = os.environ.get("TRUCE_TEST_VERBOSE")
NTHREADS = 16


def report(i):
    return {"occurred_at": "2016-10-%02dT10:00:00Z" % (1 + i % 28), "time_precision": 1,
            "location": {"type": "Point", "coordinates": [36.0 + (i % 50) * 0.1, 33.0 + (i // 50 % 40) * 0.1]},
            "geo_precision": 1, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack", "source": {"kind": "monitor", "ref": "g%d" % i},
            }


def metrics(srv):
    r = srv.get("/metrics")
    assert r.status == 200, r
    vals = dict(re.findall(r"^(truce_store_(?:commits|flushes)_total) (\d+)$", r.body, re.M))
    return int(vals["truce_store_commits_total"]), int(vals["truce_store_flushes_total"])


def transactions(srv):
    """truce_store_transactions_total: the COMMITs (writes that shared one count once)."""
    r = srv.get("/metrics")
    assert r.status == 200, r
    return int(re.search(r"^truce_store_transactions_total (\d+)$", r.body, re.M).group(1))


def db_rows(db, sql):
    return Server.db_sql(db, sql)


def burst(srv, jobs, max_seconds=60.0, on_answer=None):
    """Runs jobs (callables taking srv, returning (kind, key, Response)) on NTHREADS threads;
    returns [(kind, key, status, json)] in completion order, each also handed to on_answer
    (under the lock) as it comes. Bounded by max_seconds; a thread whose request fails at the
    socket (the server was killed) stops."""
    out, lock, t_end = [], threading.Lock(), time.time() + max_seconds
    todo = list(jobs)

    def worker():
        while time.time() < t_end:
            with lock:
                if not todo:
                    return
                job = todo.pop()
            try:
                kind, key, r = job(srv)
            except (OSError, http.client.HTTPException):
                return
            with lock:
                out.append((kind, key, r.status, r.json if r.body else None))
                if on_answer:
                    on_answer(out[-1])

    threads = [threading.Thread(target=worker) for _ in range(NTHREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max_seconds + 60)
    return out


def mixed_jobs(n, prefix):
    """Reports, areas, and refused writes: a report without its location (400) and an actor
    whose name another job of the burst also takes (one 201, the others 409)."""
    jobs = []
    for i in range(n):
        if i % 6 == 0:
            jobs.append(lambda s, i=i: ("bad", i, s.post("/v1/reports", {**report(i), "location": None}, party="JMC")))
        elif i % 6 == 1:
            name = "%s-actor-%d" % (prefix, i // 18)  # three jobs per name
            jobs.append(lambda s, i=i, name=name: ("actor", name, s.post("/v1/actors", {"name": name}, party="admin")))
        elif i % 6 == 2:
            body = feature(polygon(-170 + i % 300, -60 + (i // 300) * 0.5, 0.2), kind="no_strike",
                           name="%s-area-%d" % (prefix, i))
            jobs.append(lambda s, i=i, body=body: ("area", i, s.post("/v1/areas", body, party="admin")))
        else:
            jobs.append(lambda s, i=i: ("report", i, s.post("/v1/reports", report(i), party="JMC")))
    return jobs


class PartiesTest(ServerTest):
    """A server with an admin and a monitor (JMC)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        cls.srv.add_party("JMC", "monitor")


class GroupCommitTest(PartiesTest):
    extra_args = ["--threads", str(NTHREADS), "--checkpoint-ms", "200"]

    def test_every_answered_write_was_flushed(self):
        srv = Server(extra_args=["--checkpoint-ms", "3600000"])  # no checkpoint thread writing meanwhile
        try:
            srv.add_party("JMC", "monitor")
            for i in range(5):
                commits, flushes = metrics(srv)
                r = srv.post("/v1/reports", report(i), party="JMC")
                self.assertEqual(r.status, 201, r)
                after = metrics(srv)
                self.assertEqual(after, (commits + 1, flushes + 1), "write %d: (commits, flushes) before %r" %
                                 (i, (commits, flushes)))
        finally:
            srv.stop()

    def test_concurrent_writes_each_with_its_receipt_refusals_change_nothing(self):
        srv = self.srv
        log = LogClient(srv)
        size0 = len(db_rows(srv.db, "SELECT idx FROM log_entry"))
        reports0 = db_rows(srv.db, "SELECT count(*) FROM report")[0][0]
        c0, f0 = metrics(srv)
        done = burst(srv, mixed_jobs(240, "c"))
        self.assertEqual(len(done), 240)
        c1, f1 = metrics(srv)
        if VERBOSE:
            print("%d commits, %d flushes" % (c1 - c0, f1 - f0), file=sys.stderr)
        self.assertLessEqual(f1 - f0, c1 - c0)
        accepted = [d for d in done if d[2] == 201]
        for kind, key, status, body in done:
            if kind == "bad":
                self.assertEqual(status, 400, body)
            elif kind == "actor":
                self.assertIn(status, (201, 409), body)
            else:
                self.assertEqual(status, 201, body)
        actors = {}
        for kind, key, status, _ in done:
            if kind == "actor":
                actors.setdefault(key, []).append(status)
        for name, statuses in actors.items():
            self.assertEqual(sorted(statuses), [201] + [409] * (len(statuses) - 1), name)
        # Reports and areas answer with their receipt; actors are logged too (one entry each).
        receipts = [body["receipt"] for kind, _, status, body in done if status == 201 and kind != "actor"]
        indexes = [r["index"] for r in receipts]
        self.assertEqual(len(indexes), len(set(indexes)), "two writes were given one receipt")
        stored = db_rows(srv.db, "SELECT idx, ref FROM log_entry")
        self.assertEqual(len(stored), size0 + len(accepted), "a refused write was logged, or an accepted one not")
        self.assertEqual(db_rows(srv.db, "SELECT count(*) FROM report")[0][0],
                         reports0 + len([d for d in accepted if d[0] == "report"]))
        log.wait_for(size0 + len(accepted))
        for r in receipts[:: max(1, len(receipts) // 20)]:
            log.check_receipt(self, r["index"], r["leaf_hash"])
        # Each report reads back with the receipt its write was answered with.
        for kind, _, status, body in accepted[:20]:
            if kind == "report":
                got = srv.get("/v1/reports/%d" % body["id"], party="JMC")
                self.assertEqual(got.status, 200, got)
                self.assertEqual(got.json["receipt"], body["receipt"])

    def test_group_commit_option(self):
        p = subprocess.run([BIN, "serve", "--db", os.path.join(self.srv.dir, "x.db"), "--group-commit", "maybe"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--group-commit", p.stderr)
        self.assertNotIn("listening", p.stderr)
        srv = Server(extra_args=["--group-commit", "off", "--threads", "8"])
        try:
            srv.add_party("admin", "admin")
            srv.add_party("JMC", "monitor")
            done = burst(srv, mixed_jobs(48, "off"))
            self.assertEqual(len(done), 48)
            self.assertEqual(sorted({d[2] for d in done}), [201, 400, 409])
            commits, flushes = metrics(srv)
            self.assertEqual(commits, flushes, "with group commit off each commit flushes by itself")
        finally:
            srv.stop()


class FailedCommitInBatchTest(ServerTest):
    """TRUCE_FAULT=commit:N: the Nth COMMIT of the process fails (test builds only)."""

    def test_a_failed_commit_fails_only_its_own_write(self):
        probe = Server(extra_args=["--checkpoint-ms", "3600000"])
        probe.add_party("admin", "admin")
        probe.add_party("JMC", "monitor")
        tokens, db = dict(probe.tokens), probe.db
        probe.stop()
        os.environ["TRUCE_FAULT"] = "commit:999999999"
        try:
            probe.start()
        finally:
            del os.environ["TRUCE_FAULT"]
        m = re.search(r"before serving: \d+ steps, (\d+) commits", probe.log())
        probe.stop()
        self.assertIsNotNone(m, "not a test build (no TRUCE_FAULT hook)")
        start = int(m.group(1))
        before_reports = db_rows(db, "SELECT count(*) FROM report")[0][0]
        os.environ["TRUCE_FAULT"] = "commit:%d" % (start + 20)  # the 20th write of the burst
        try:
            srv = Server(db=db, extra_args=["--threads", str(NTHREADS), "--checkpoint-ms", "3600000"])
        finally:
            del os.environ["TRUCE_FAULT"]
        srv.tokens = tokens
        try:
            jobs = [lambda s, i=i: ("report", i, s.post("/v1/reports", report(i), party="JMC")) for i in range(64)]
            done = burst(srv, jobs)
            self.assertEqual(len(done), 64)
            failed = [d for d in done if d[2] != 201]
            self.assertEqual(len(failed), 1, [d[2] for d in done])
            self.assertEqual(failed[0][2], 503)
            self.assertIn("TRUCE_FAULT", failed[0][3]["detail"])
            ok = [d for d in done if d[2] == 201]
            self.assertEqual(db_rows(db, "SELECT count(*) FROM report")[0][0], before_reports + 63)
            self.assertEqual(len({d[3]["receipt"]["index"] for d in ok}), 63)
            paths = ["/v1/incidents?limit=1000"] + ["/v1/reports/%d" % d[3]["id"] for d in ok[:10]]
            before = [srv.get(p, party="admin").body for p in paths]
            srv.stop()
            srv.start()  # the engines rebuilt from the store answer as they did
            self.assertEqual(before, [srv.get(p, party="admin").body for p in paths])
        finally:
            srv.stop()


class RefusedWriteInSharedBatchTest(PartiesTest):
    """Writes that end while a flush runs share one transaction (SQLite; store_tx.c): every
    fourth report of a burst names an actor no one knows, so it is refused inside the
    transaction (after store_begin, in its SAVEPOINT) — it answers 400, leaves nothing, and
    the reports around it in the same transaction are stored, each with its own receipt."""
    extra_args = ["--threads", str(NTHREADS), "--checkpoint-ms", "200"]

    def test_a_refused_write_leaves_the_others_of_its_transaction(self):
        srv = self.srv
        size0 = len(db_rows(srv.db, "SELECT idx FROM log_entry"))
        reports0 = db_rows(srv.db, "SELECT count(*) FROM report")[0][0]
        c0, _ = metrics(srv)
        t0 = transactions(srv)
        jobs = []
        for i in range(160):
            body = report(i) if i % 4 else {**report(i), "alleged_perpetrator": "Nobody-%d" % i}
            jobs.append(lambda s, i=i, body=body: ("report" if i % 4 else "bad", i,
                                                   s.post("/v1/reports", body, party="JMC")))
        done = burst(srv, jobs)
        self.assertEqual(len(done), 160)
        for kind, i, status, body in done:
            if kind == "bad":
                self.assertEqual(status, 400, body)
                self.assertEqual(body["field"] if "field" in body else body.get("errors", [{}])[0].get("field"),
                                 "alleged_perpetrator", body)
            else:
                self.assertEqual(status, 201, body)
        accepted = [d for d in done if d[2] == 201]
        c1, _ = metrics(srv)
        t1 = transactions(srv)
        self.assertGreaterEqual(c1 - c0, 120)  # the reports, and checkpoints signed meanwhile
        if srv.store == "sqlite":  # PostgreSQL gives every write its own transaction
            self.assertLess(t1 - t0, c1 - c0, "no two writes shared a transaction")
        self.assertEqual(db_rows(srv.db, "SELECT count(*) FROM report")[0][0], reports0 + 120)
        entries = db_rows(srv.db, "SELECT idx FROM log_entry")
        self.assertEqual(sorted(e[0] for e in entries), list(range(size0 + 120)), "the log has a gap")
        self.assertEqual(len({d[3]["receipt"]["index"] for d in accepted}), 120)
        perpetrators = db_rows(srv.db, "SELECT count(*) FROM report WHERE body LIKE '%Nobody-%'")[0][0]
        self.assertEqual(perpetrators, 0, "a refused report was stored")
        log = LogClient(srv)
        log.wait_for(size0 + 120)
        for d in accepted[::12]:
            log.check_receipt(self, d[3]["receipt"]["index"], d[3]["receipt"]["leaf_hash"])
        paths = ["/v1/incidents?limit=1000"] + ["/v1/reports/%d" % d[3]["id"] for d in accepted[:10]]
        before = [srv.get(p, party="admin").body for p in paths]
        srv.stop()
        v = srv.verify()
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        srv.start()  # the engines rebuilt from the store answer as they did
        self.assertEqual(before, [srv.get(p, party="admin").body for p in paths])


class KillNineConcurrentTest(PartiesTest):
    """kill -9 while 16 clients write at once: nothing answered 201 is lost."""
    extra_args = ["--threads", str(NTHREADS), "--checkpoint-ms", "100"]

    def test_kill_9_loses_nothing_acknowledged(self):
        srv = self.srv
        log = LogClient(srv)
        seen, lock, stop = [], threading.Lock(), threading.Event()

        def poller():
            while not stop.is_set():
                try:
                    r = srv.get("/v1/log/checkpoint")
                except (OSError, http.client.HTTPException):
                    return
                if r.status == 200:
                    with lock:
                        seen.append(r.body)
                time.sleep(0.01)

        pt = threading.Thread(target=poller)
        pt.start()
        acked = []

        def killer():
            deadline = time.time() + 30
            while time.time() < deadline and len(acked) < 150:
                time.sleep(0.01)
            srv.proc.send_signal(signal.SIGKILL)

        kt = threading.Thread(target=killer)
        kt.start()
        out = burst(srv, mixed_jobs(2000, "k"), on_answer=lambda d: d[2] == 201 and acked.append((d[0], d[1], d[3])))
        kt.join(timeout=60)
        srv.proc.wait(timeout=30)
        stop.set()
        pt.join(timeout=60)
        srv.proc = None
        srv.errlog.close()
        self.assertGreater(len(acked), 0)
        if VERBOSE:
            print("kill -9: %d answered, %d acknowledged" % (len(out), len(acked)), file=sys.stderr)
        if srv.store == "sqlite":
            self.assertEqual(db_rows(srv.db, "PRAGMA integrity_check")[0][0], "ok")
        entries = dict(db_rows(srv.db, "SELECT idx, entry FROM log_entry"))
        reports = {r[0] for r in db_rows(srv.db, "SELECT id FROM report")}
        areas = {r[0] for r in db_rows(srv.db, "SELECT id FROM area")}
        actors = {r[0] for r in db_rows(srv.db, "SELECT name FROM actor")}
        self.assertEqual(sorted(entries), list(range(len(entries))), "the log has a gap")
        for kind, key, body in acked:
            if kind == "report":
                self.assertIn(body["id"], reports, "acknowledged report %d lost" % body["id"])
            elif kind == "area":
                self.assertIn(body["id"], areas, "acknowledged area %d lost" % body["id"])
            else:
                self.assertIn(key, actors, "acknowledged actor %s lost" % key)
            if kind != "actor":
                self.assertIn(body["receipt"]["index"], entries)
        for note in seen:
            self.assertLessEqual(log.open(note)[0], len(entries), "a checkpoint covered entries not stored")
        srv.start()
        for kind, key, body in acked[:: max(1, len(acked) // 10)]:
            if kind == "report":
                got = srv.get("/v1/reports/%d" % body["id"], party="JMC")
                self.assertEqual(got.status, 200, got)
                self.assertEqual(got.json["receipt"], body["receipt"])


if __name__ == "__main__":
    main()
