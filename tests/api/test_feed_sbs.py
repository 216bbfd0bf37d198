"""The SBS-1 feed (issue 16, docs/traffic.md "Feeds"): `truce feed sbs` reads a recorded
BaseStation stream (tests/fixtures/sbs-syria.txt, dump1090's port-30003 text) served by a
small TCP server on loopback, and sends its positions to a real `truce serve`; `truce feed
file` replays the same file (fast, and at a speed) and NDJSON into a database.

The expected tracks come from reading the fixture here with the documented rules (a
position from each MSG,3 once the aircraft's velocity is known from an MSG,4 at most 10 s
older, in increasing time; malformed lines skipped), and from the generator's three
aircraft: 119, 119 and 115 positions (4CA2D6's first position comes before its first
velocity; 3C6752 sends no velocity for its first 3 s).
"""
import json
import math
import os
import socket
import shutil
import threading
import time
import unittest

from harness import ROOT, ServerTest, Server, main, run_cli

FIXTURE = os.path.join(ROOT, "tests", "fixtures", "sbs-syria.txt")


def expected():
    """{hex: [(at, lon, lat, alt_m, vx, vy, vz)]} read from the fixture by the documented rules."""
    vel, out = {}, {}
    with open(FIXTURE, newline="") as f:
        for line in f:
            fl = line.rstrip("\r\n").split(",")
            if len(fl) < 22 or fl[0] != "MSG" or fl[1] not in ("3", "4"):
                continue
            hexid, at = fl[4], fl[6].replace("/", "-") + "T" + fl[7] + "Z"
            if fl[1] == "4":
                vel[hexid] = (at, float(fl[12]), float(fl[13]), float(fl[16]))
                continue
            lat, lon = float(fl[14]), float(fl[15])
            if not -90 <= lat <= 90 or hexid not in vel:
                continue
            if out.get(hexid) and out[hexid][-1][0] >= at:
                continue
            _, kt, trk, fpm = vel[hexid]
            v = kt * 1852 / 3600
            out.setdefault(hexid, []).append((at, lon, lat, float(fl[11]) * 0.3048, v * math.sin(math.radians(trk)),
                                              v * math.cos(math.radians(trk)), fpm * 0.3048 / 60))
    return out


class Receiver:
    """A dump1090 stand-in: serves the fixture's bytes to one client, then closes."""

    def __init__(self, chunk=4096, pause=0.01):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.chunk, self.pause = chunk, pause
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        self.sock.settimeout(30)
        conn, _ = self.sock.accept()
        with open(FIXTURE, "rb") as f:
            data = f.read()
        for i in range(0, len(data), self.chunk):  # lines cut across reads, as on a socket
            conn.sendall(data[i:i + self.chunk])
            time.sleep(self.pause)
        conn.close()
        self.sock.close()


class FeedTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("Recv", "guarantor")
        cls.srv.add_party("Other", "belligerent")
        cls.srv.add_party("Adm", "admin")
        cls.want = expected()

    def history(self, party="Adm"):
        pic = self.srv.get("/v1/tracks?at=2016-09-19T10:02:00.000Z", party=party).json["features"]
        out = {}
        for f in pic:
            h = self.srv.get("/v1/tracks/%d/history" % f["properties"]["id"], party=party).json
            out[f["properties"]["track"]] = (f["properties"], h)
        return out

    def test_feed_sbs_from_a_receiver(self):
        rx = Receiver(chunk=997)
        url = "http://127.0.0.1:%d" % self.srv.port
        p = run_cli("feed", "sbs", "--connect", "127.0.0.1:%d" % rx.port, "--as", "Recv", "--url", url, "--token",
                    self.srv.tokens["Recv"], "--clock", "message", "--flush-ms", "100", "--max-seconds", "60")
        rx.thread.join(5)
        self.assertIn("353 positions sent", p.stderr)
        self.assertIn("malformed 2", p.stderr)
        self.assertIn("not later 1", p.stderr)
        self.assertEqual({k: len(v) for k, v in self.want.items()}, {"4CA2D6": 119, "71C201": 119, "3C6752": 115})
        got = self.history()
        self.assertEqual(sorted(got), sorted(self.want))
        for hexid, rows in self.want.items():
            props, h = got[hexid]
            self.assertEqual(props["party"], "Recv")
            self.assertEqual(h["properties"]["times"], [r[0] for r in rows])
            for (at, lon, lat, alt, vx, vy, vz), c in zip(rows, h["geometry"]["coordinates"]):
                self.assertAlmostEqual(c[0], lon, places=9)
                self.assertAlmostEqual(c[1], lat, places=9)
                self.assertAlmostEqual(c[2], alt, places=6)
            last = rows[-1]
            self.assertAlmostEqual(props["vx_mps"], last[4], places=6)
            self.assertAlmostEqual(props["vy_mps"], last[5], places=6)
            self.assertAlmostEqual(props["vz_mps"], last[6], places=6)
        self.assertEqual(got["4CA2D6"][0]["callsign"], "RFF401")
        # The same stream again: every position is old now; all are dropped, none stored twice.
        rx = Receiver()
        p = run_cli("feed", "sbs", "--connect", "127.0.0.1:%d" % rx.port, "--as", "Recv", "--url", url, "--token",
                    self.srv.tokens["Recv"], "--clock", "message", "--max-seconds", "60", check=False)
        self.assertEqual(len(self.history()["71C201"][1]["properties"]["times"]), 119)

    def test_feed_errors(self):
        url = "http://127.0.0.1:%d" % self.srv.port
        p = run_cli("feed", "sbs", "--connect", "127.0.0.1:1", "--as", "Recv", "--url", url, "--token",
                    self.srv.tokens["Recv"], check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot connect", p.stderr)
        p = run_cli("feed", "sbs", "--connect", "127.0.0.1:1", "--as", "Other", "--url", url, "--token",
                    self.srv.tokens["Recv"], check=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("the token is Recv's, not Other's", p.stderr)
        p = run_cli("feed", "sbs", "--as", "Recv", check=False)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--connect", p.stderr)
        p = run_cli("feed", "file", FIXTURE, "--as", "Recv", "--speed", "0", check=False)
        self.assertEqual(p.returncode, 2)


class FeedFileTest(unittest.TestCase):
    def test_feed_file_into_a_database_and_at_a_speed(self):
        srv = Server()
        try:
            srv.add_party("Recv", "guarantor")
            srv.add_party("Other", "belligerent")
            srv.stop()
            p = run_cli("feed", "file", FIXTURE, "--as", "Recv", "--db", srv.db, "--fast")
            self.assertIn("353 positions sent", p.stderr)
            # NDJSON: another party's aircraft head-on with RFF401 (4CA2D6, eastbound at 25,000 ft).
            nd = os.path.join(srv.dir, "other.ndjson")
            with open(nd, "w") as f:
                for i in range(3):
                    f.write(json.dumps({"track": "X1", "at": "2016-09-19T10:02:%02d.000Z" % i, "lon": 37.2 - i * 0.002,
                                        "lat": 36.30, "alt_m": 7620, "vx_mps": -200, "vy_mps": 0, "vz_mps": 0}) + "\n")
            p = run_cli("feed", "file", nd, "--as", "Other", "--db", srv.db, "--speed", "4")
            self.assertIn("3 positions sent", p.stderr)
            self.assertRegex(p.stderr, r"[1-9]\d* alert changes")
            r = run_cli("replay", "--db", srv.db)
            self.assertIn("the same as were raised", r.stderr)
            self.assertIn("traffic", r.stdout)
            v = run_cli("verify", "--db", srv.db)
            self.assertIn("356 positions", v.stdout)
        finally:
            srv.stop()
            shutil.rmtree(srv.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
