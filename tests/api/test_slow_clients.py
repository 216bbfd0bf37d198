"""Slow clients (issue 11, item 6): a request has a total deadline for its head and body
that a trickle does not reset (408 problem+json); connections are limited per address
(429) and in all (503); and 1,500 connections trickling one header line a second do not
slow the others: GET /v1/health answers with a p99 under 200 ms while they are held open
(the bound the issue demands)."""
import heapq
import json
import multiprocessing
import os
import resource
import selectors
import socket
import time

from harness import ServerTest, main
from test_bad_input import raw_http

HEALTH = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"


def read_answer(s, timeout):
    """Reads until the peer closes or timeout; returns (bytes, seconds waited)."""
    t0 = time.time()
    data = b""
    s.settimeout(0.2)
    while time.time() - t0 < timeout:
        try:
            c = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not c:
            break
        data += c
    return data, time.time() - t0


def parse(data):
    """(status, headers, body) of the first answer in data."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return int(lines[0].split()[1]), hdrs, body[:int(hdrs.get("content-length", len(body)))]


def trickle(port, first, step, every, seconds):
    """Sends first, then step every `every` seconds until the server answers and closes
    (or seconds pass). Returns (answer bytes, seconds from connect to close, bytes sent)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    t0 = time.time()
    sent = 0
    data = b""
    try:
        s.sendall(first)
        s.settimeout(every)
        while time.time() - t0 < seconds:
            try:
                c = s.recv(65536)
                if not c:
                    break
                data += c
                continue
            except socket.timeout:
                pass
            try:
                s.sendall(step)
                sent += len(step)
            except OSError:
                break
    finally:
        s.close()
    return data, time.time() - t0, sent


class DeadlineTest(ServerTest):
    extra_args = ("--request-deadline-s", "2")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("SAA", "belligerent")

    def assert408(self, data, took):
        st, h, body = parse(data)
        self.assertEqual(st, 408, data[:300])
        self.assertTrue(h["content-type"].startswith("application/problem+json"), h)
        p = json.loads(body)
        self.assertEqual(p["status"], 408)
        self.assertIn("--request-deadline-s", p["detail"])
        self.assertLess(took, 3.5)  # 2 s, and the door's quarter-second tick, and slack
        self.assertGreater(took, 1.5)

    def test_a_trickled_head_is_cut_at_the_deadline(self):
        data, took, sent = trickle(self.srv.port, b"GET /v1/health HTTP/1.1\r\nHost: x\r\n", b"X-Slow: 1\r\n",
                                   0.3, 10)
        self.assertGreater(sent, 40)  # it kept trickling: each line would have reset an idle timeout
        self.assert408(data, took)

    def test_a_trickled_body_is_cut_at_the_deadline(self):
        tok = self.srv.tokens["SAA"]
        head = ("POST /v1/sites HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Content-Length: 300\r\n\r\n{" % tok).encode()
        before = self.srv.db_snapshot()
        data, took, sent = trickle(self.srv.port, head, b" ", 0.3, 10)
        self.assert408(data, took)
        self.assertEqual(before, self.srv.db_snapshot())

    def test_a_later_request_on_a_kept_alive_connection_has_its_own_deadline(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=5)
        try:
            s.sendall(HEALTH)
            first = s.recv(65536)
            self.assertTrue(first.startswith(b"HTTP/1.1 200"), first[:100])
            time.sleep(1.2)  # idle time counts: the deadline runs from the end of the last answer
            s.sendall(b"GET /v1/health HTTP/1.1\r\n")
            t0 = time.time()
            data = b""
            s.settimeout(0.3)
            while time.time() - t0 < 5:
                try:
                    c = s.recv(65536)
                    if not c:
                        break
                    data += c
                except socket.timeout:
                    s.sendall(b"X-Slow: 1\r\n")
            st, h, body = parse(data)
            self.assertEqual(st, 408, data[:200])
            self.assertEqual(json.loads(body)["status"], 408)
            self.assertLess(time.time() - t0, 2.5)
        finally:
            s.close()

    def test_an_idle_kept_alive_connection_is_closed_quietly(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=5)
        try:
            s.sendall(HEALTH)
            self.assertTrue(s.recv(65536).startswith(b"HTTP/1.1 200"))
            data, took = read_answer(s, 6)
            self.assertEqual(data, b"")  # no request began: nothing to answer
            self.assertLess(took, 3.5)
        finally:
            s.close()

    def test_a_prompt_request_is_served(self):
        st, h, b = raw_http(self.srv.port, HEALTH, timeout=10)
        self.assertEqual(st, 200, b)


class PerAddressLimitTest(ServerTest):
    extra_args = ("--max-connections-per-address", "3", "--request-deadline-s", "20")

    def test_one_address_may_hold_only_so_many_connections(self):
        held = [socket.create_connection(("127.0.0.1", self.srv.port), timeout=5) for _ in range(3)]
        try:
            for s in held:
                s.sendall(b"GET /v1/health HTTP/1.1\r\n")  # a head that never ends
            time.sleep(0.3)
            before = self.srv.db_snapshot()
            st, h, b = raw_http(self.srv.port, HEALTH, timeout=10)
            self.assertEqual(st, 429, b)
            self.assertTrue(h["content-type"].startswith("application/problem+json"), h)
            p = json.loads(b)
            self.assertEqual(p["status"], 429)
            self.assertIn("--max-connections-per-address", p["detail"])
            self.assertIn("127.0.0.1", p["detail"])
            self.assertEqual(h.get("retry-after"), "1")
            self.assertEqual(before, self.srv.db_snapshot())
        finally:
            held.pop().close()
        time.sleep(0.5)  # the server notices the close
        st, h, b = raw_http(self.srv.port, HEALTH, timeout=10)
        self.assertEqual(st, 200, b)
        for s in held:
            s.close()
        self.assertIn("(over a connection limit)", self.srv.log())


class TotalLimitTest(ServerTest):
    extra_args = ("--max-connections", "2", "--request-deadline-s", "20")

    def test_the_server_holds_only_so_many_connections(self):
        held = [socket.create_connection(("127.0.0.1", self.srv.port), timeout=5) for _ in range(2)]
        try:
            for s in held:
                s.sendall(b"GET /v1/health HTTP/1.1\r\n")
            time.sleep(0.3)
            st, h, b = raw_http(self.srv.port, HEALTH, timeout=10)
            self.assertEqual(st, 503, b)
            p = json.loads(b)
            self.assertEqual(p["status"], 503)
            self.assertIn("--max-connections", p["detail"])
        finally:
            for s in held:
                s.close()
        time.sleep(0.5)
        st, h, b = raw_http(self.srv.port, HEALTH, timeout=10)
        self.assertEqual(st, 200, b)


# ---- 1,500 slow connections ----

SLOW = 1500
HOLD_S = 16
DEADLINE_S = 5


def attacker(port, n, seconds, out):
    """Holds n connections that send a request line, then one header line a second and
    never finish; reconnects each one the server closes. Reports through out."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    sel = selectors.DefaultSelector()
    due = []  # (time of the next line, serial, socket)
    born, got = {}, {}
    lifetimes, answered, serial = [], [0, 0], [0]

    def connect():
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        s.send(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        sel.register(s, selectors.EVENT_READ)
        born[s], got[s] = time.time(), b""
        serial[0] += 1
        heapq.heappush(due, (time.time() + 1.0, serial[0], s))

    def closed(s):
        lifetimes.append(time.time() - born.pop(s))
        data = got.pop(s)
        answered[0] += 1
        if data.startswith(b"HTTP/1.1 408") and b"application/problem+json" in data:
            answered[1] += 1
        sel.unregister(s)
        s.close()

    t0 = time.time()
    for _ in range(n):
        connect()
    out.put(("ready", len(born), time.time() - t0))
    samples = []
    end = time.time() + seconds
    next_sample = time.time()
    while time.time() < end:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                c = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                c = b""
            if c:
                got[s] += c
            else:
                closed(s)
                connect()
        now = time.time()
        while due and due[0][0] <= now:
            _, _, s = heapq.heappop(due)
            if s in born:
                try:
                    s.send(b"X-Slow: 1\r\n")
                except OSError:
                    pass
                serial[0] += 1
                heapq.heappush(due, (now + 1.0, serial[0], s))
        if now >= next_sample:
            samples.append(len(born))
            next_sample = now + 0.25
    for s in list(born):
        sel.unregister(s)
        s.close()
    out.put(("done", min(samples), max(lifetimes) if lifetimes else 0, answered[0], answered[1]))


class SlowClientsTest(ServerTest):
    extra_args = ("--request-deadline-s", str(DEADLINE_S), "--max-connections-per-address", "4000",
                  "--max-connections", "4000")

    @classmethod
    def setUpClass(cls):
        # The server starts with a low soft open-file limit (inherited) and must raise it.
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 1024), hard))
        try:
            super().setUpClass()
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    def test_health_stays_fast_while_1500_slow_connections_are_held(self):
        with open("/proc/%d/limits" % self.srv.proc.pid) as f:
            limits = f.read()
        line = [ln for ln in limits.splitlines() if ln.startswith("Max open files")][0].split()
        soft, hard = line[3], line[4]
        self.assertEqual(soft, hard, "the server raises its soft open-file limit to the hard one")
        self.assertGreater(int(soft), SLOW + 700, "the open-file limit must allow the test's connections")

        ctx = multiprocessing.get_context("fork")
        q = ctx.Queue()
        p = ctx.Process(target=attacker, args=(self.srv.port, SLOW, HOLD_S, q))
        p.start()
        try:
            msg = q.get(timeout=60)
            self.assertEqual(msg[0], "ready")
            self.assertEqual(msg[1], SLOW)
            lat = []
            t_end = time.time() + HOLD_S - 3
            while time.time() < t_end and len(lat) < 400:
                t = time.perf_counter()
                st, h, b = raw_http(self.srv.port, HEALTH, timeout=10)
                lat.append(time.perf_counter() - t)
                self.assertEqual(st, 200, b)
                time.sleep(0.02)
            done = q.get(timeout=60)
        finally:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
        lat.sort()
        p99 = lat[max(0, int(round(0.99 * len(lat))) - 1)]
        _, min_open, max_life, closed, closed_408 = done
        print("\n     %d slow connections held (fewest open at a sample: %d); %d cut by the %d s deadline, "
              "%d of them answered 408 problem+json, longest life %.2f s" % (SLOW, min_open, closed, DEADLINE_S,
                                                                             closed_408, max_life))
        print("     GET /v1/health meanwhile: %d requests, p50 %.1f ms, p99 %.1f ms, max %.1f ms" %
              (len(lat), 1000 * lat[len(lat) // 2], 1000 * p99, 1000 * lat[-1]))
        self.assertGreaterEqual(len(lat), 100)
        self.assertGreaterEqual(min_open, SLOW - 50)  # reconnecting takes a moment
        self.assertLess(p99, 0.200)
        self.assertGreater(closed, SLOW)  # every slow connection met the deadline at least once
        self.assertGreater(closed_408, 0.9 * closed)
        self.assertLess(max_life, DEADLINE_S + 3)  # a line a second never reset it (else: HOLD_S)


if __name__ == "__main__":
    main()
