"""The change feed of the incident export (issue 18, item 8): GET
/v1/exports/incidents?format=geojson&changed_since=CURSOR answers the incidents that
changed or appeared since the cursor (upserts, the export's Features) and the ids that no
longer exist with the incident their report is in now (retirements, after merges and
splits). A downstream copy that applies yesterday's export plus the changes holds today's
export, feature for feature; the cursor survives a restart; bad cursors are refused. A full
export during which incidents change ends with a forced pass (the ids it showed otherwise
are written as they are), so the next feed carries them; `truce verify --db` recomputes the
table, forced passes included, from the log.
"""
import json
import os
import shutil
import socket
import sqlite3

from harness import ROOT, ServerTest, main, run_cli

REPORTS = os.path.join(ROOT, "scenarios", "reports-2016.ndjson")


def report(at, where, ref, perpetrator="SAA", sub="Shelling/artillery/missile attack"):
    return {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": "Explosions/Remote violence", "sub_event_type": sub,
            "source": {"kind": "monitor", "ref": ref}, "alleged_perpetrator": perpetrator,
            "fatalities": {"min": 1, "max": 2}}


class ChangeFeedTest(ServerTest):
    scenario = True

    def export(self):
        r = self.srv.get("/v1/exports/incidents?format=geojson&cursor=true", party="Kazakhstan")
        self.assertEqual(r.status, 200, r)
        fc = json.loads(r.body)
        return {f["id"]: f for f in fc["features"]}, fc["cursor"]

    def feed(self, cursor, party="SAA"):
        r = self.srv.get("/v1/exports/incidents?format=geojson&changed_since=%s" % cursor, party=party)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("application/geo+json"))
        return r.json

    @staticmethod
    def apply(copy, feed):
        copy = dict(copy)
        for f in feed["features"]:
            copy[f["id"]] = f
        for r in feed["retired"]:
            copy.pop(r["id"], None)
        return copy

    def post(self, body, party="JMC"):
        r = self.srv.post("/v1/reports", body, party=party)
        self.assertEqual(r.status, 201, r)
        return r.json

    def test_yesterday_plus_changes_is_today(self):
        srv = self.srv
        with open(REPORTS, "rb") as f:
            r = srv.request("POST", "/v1/reports/import?format=ndjson", raw=f.read(), party="JMC",
                            content_type="application/x-ndjson")
        self.assertEqual(r.status, 201, r)
        a = self.post(report("2016-10-02T10:00:00Z", [37.10, 36.10], "a"))
        b = self.post(report("2016-10-02T10:20:00Z", [37.101, 36.10], "b"))
        c = self.post(report("2016-10-03T10:00:00Z", [36.70, 35.90], "c"))
        d = self.post(report("2016-10-03T10:05:00Z", [36.80, 35.95], "d"))
        self.assertEqual(a["incident_id"], b["incident_id"])
        yesterday, cursor = self.export()
        self.assertEqual(self.feed(cursor)["features"], [], "nothing changed since the export")

        # Today: new reports (one joins an incident, one stands alone), a split, a merge, a
        # party's response and a monitor's verdict.
        e = self.post(report("2016-10-02T10:10:00Z", [37.1005, 36.1001], "e"), party="Opposition")
        self.assertEqual(e["incident_id"], a["incident_id"])
        n = self.post(report("2016-11-01T08:00:00Z", [38.0, 35.0], "n"))
        r = srv.post("/v1/incidents/%d/split" % a["incident_id"], {"reports": [b["id"]], "reason": "two strikes"},
                     party="JMC")
        self.assertEqual(r.status, 201, r)
        r = srv.post("/v1/incidents/%d/merge" % c["incident_id"], {"incidents": [d["incident_id"]],
                                                                     "reason": "one barrage"}, party="JMC")
        self.assertEqual(r.status, 201, r)
        first = sorted(yesterday)[0]
        r = srv.post("/v1/incidents/%d/responses" % first, {"response": "deny", "text": "not us"}, party="SAA")
        self.assertEqual(r.status, 201, r)
        r = srv.post("/v1/incidents/%d/verdict" % n["incident_id"], {"verdict": "confirm", "reason": "seen"},
                     party="JMC")
        self.assertEqual(r.status, 201, r)

        changes = self.feed(cursor)
        self.assertEqual(changes["changed_since"], cursor)
        today, now = self.export()
        self.assertEqual(changes["cursor"], now)
        self.assertEqual(self.apply(yesterday, changes), today)
        # The merge retired one id, pointing at the incident that holds its report.
        gone = {x["id"]: x["replaced_by"] for x in changes["retired"]}
        merged = max(c["incident_id"], d["incident_id"])
        self.assertEqual(gone.get(merged), min(c["incident_id"], d["incident_id"]))
        self.assertIn(b["id"], {f["id"] for f in changes["features"]}, "the split-off incident is an upsert")
        self.assertIn(n["incident_id"], {f["id"] for f in changes["features"]})
        self.assertLess(len(changes["features"]), len(today), "the feed is not the whole export")
        # From the start (cursor 0) onto an empty copy: today's export too.
        self.assertEqual(self.apply({}, self.feed("0")), today)
        # In step: nothing more; the cursor survives a restart.
        self.assertEqual((self.feed(now)["features"], self.feed(now)["retired"]), ([], []))
        srv.restart()
        again = self.feed(now)
        self.assertEqual((again["features"], again["retired"], again["cursor"]), ([], [], now))
        f = self.post(report("2016-10-02T10:15:00Z", [37.1002, 36.1], "f"))
        self.assertEqual(self.apply(today, self.feed(now)), self.export()[0])
        self.assertIn(f["incident_id"], {x["id"] for x in self.feed(now)["features"]})

    def test_bad_cursors_change_nothing(self):
        for q, field in (("changed_since=abc", "changed_since"), ("changed_since=-1", "changed_since"),
                         ("changed_since=999999", "changed_since"), ("changed_since=", "changed_since"),
                         ("changed_since=0&format=hxl", "format"),
                         ("changed_since=0&date=2016-09-19", "changed_since"), ("cursor=yes", "cursor"),
                         ("cursor=true&format=hxl", "cursor"), ("cursor=true&date=2016-09-19", "cursor")):
            with self.subTest(q=q):
                path = "/v1/exports/incidents?" + q + ("" if "format=" in q else "&format=geojson")
                r = self.assertUnchanged(lambda: self.srv.get(path, party="SAA"))
                self.assertProblem(r, 400, field)

    def test_zz_verify(self):
        self.srv.stop()
        try:
            v = self.srv.verify()
            self.assertEqual(v.returncode, 0, v.stdout)
            self.assertRegex(v.stdout, r"incident_feed: [1-9]\d* rows recomputed from the log by replaying [1-9]")
            # The table is recomputed from the log: a row renamed, a change hidden from the
            # copies past a cursor (its seq lowered), a pass's log size moved: each is found.
            cases = [("UPDATE incident_feed SET id = 999999 WHERE id = (SELECT max(id) FROM incident_feed)",
                      "FAIL incident_feed 999999: no pass writes it"),
                     ("UPDATE incident_feed SET seq = 1 WHERE id = (SELECT id FROM incident_feed WHERE seq > 1 "
                      "ORDER BY id LIMIT 1)", "its seq is not the pass that last wrote it"),
                     ("UPDATE incident_feed_pass SET log_size = log_size - 1 WHERE seq = 1",
                      "FAIL incident_feed_pass 1: its log_root is not the root of the log at its log_size")]
            for n, (statement, needle) in enumerate(cases):
                with self.subTest(statement=statement):
                    copy = self.srv.copy("tampered%d" % n)
                    self.assertEqual(len(copy.sql(statement + " RETURNING 1")), 1)
                    v = copy.verify()
                    self.assertEqual(v.returncode, 1, v.stdout)
                    self.assertIn(needle, v.stdout)
        finally:
            self.srv.start()


def send_buffer_max():
    """The largest TCP send buffer the kernel gives a socket (net.ipv4.tcp_wmem): a server
    can queue that much of an answer the client has not read."""
    try:
        with open("/proc/sys/net/ipv4/tcp_wmem") as f:
            return int(f.read().split()[2])
    except (OSError, ValueError, IndexError):
        return 4 << 20


def dechunk(body):
    """The content of an HTTP/1.1 chunked body."""
    out = b""
    while body:
        size, _, body = body.partition(b"\r\n")
        n = int(size.split(b";")[0], 16)
        if n == 0:
            break
        out, body = out + body[:n], body[n + 2:]
    return out


class ForcedPassTest(ServerTest):
    """Incidents that change while a full export streams: the export's end writes them as
    they are (a forced pass, incident_feed_pass.forced), and the next feed carries them."""
    scenario = True
    # Incidents (about 500 bytes each in the export): the export must be far larger than the
    # client's 4 KB window and all the server's socket can queue (on loopback the kernel grows
    # it to megabytes), or it ends before the writes below and nothing is forced.
    N = max(3000, send_buffer_max() * 3 // 2 // 500)

    def stream_open(self, path):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(60)
        s.connect(("127.0.0.1", self.srv.port))
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n"
                   % (path, self.srv.tokens["Kazakhstan"])).encode())
        return s

    def test_an_export_while_incidents_change(self):
        rows = ["occurred_at,time_precision,lon,lat,geo_precision,event_type,source_kind,external_id"]
        for i in range(self.N):  # one incident each: 5 km apart, a day apart
            rows.append("2015-%02d-%02dT08:00:00Z,1,%.2f,%.2f,1,Battles,monitor,grid-%d"
                        % (1 + i % 12, 1 + i % 28, 36.0 + 0.05 * (i % 80), 33.0 + 0.05 * (i // 80), i))
        r = self.srv.request("POST", "/v1/reports/import?format=csv", raw="\n".join(rows).encode(), party="JMC",
                             content_type="text/csv")
        self.assertEqual(r.status, 201, r)
        last = max(f["id"] for f in json.loads(self.srv.get("/v1/exports/incidents?format=geojson",
                                                            party="JMC").body)["features"])
        s = self.stream_open("/v1/exports/incidents?format=geojson&cursor=true")
        got = s.recv(4096)
        # While it streams: the last incident gains a report, and a new incident appears.
        i = self.N - 1  # the last grid report: the last incident
        joined = self.srv.post("/v1/reports", {"occurred_at": "2015-%02d-%02dT08:30:00Z" % (1 + i % 12, 1 + i % 28),
                                               "time_precision": 1, "geo_precision": 1, "location": {
                                                   "type": "Point",
                                                   "coordinates": [36.0 + 0.05 * (i % 80), 33.0 + 0.05 * (i // 80)]},
                                               "event_type": "Battles", "source": {"kind": "monitor", "ref": "late"}},
                               party="JMC")
        self.assertEqual(joined.status, 201, joined)
        self.assertEqual(joined.json["incident_id"], last)
        fresh = self.srv.post("/v1/reports", {"occurred_at": "2015-06-01T08:00:00Z", "time_precision": 1,
                                              "location": {"type": "Point", "coordinates": [41.5, 36.5]},
                                              "geo_precision": 1, "event_type": "Battles",
                                              "source": {"kind": "monitor", "ref": "new"}}, party="JMC")
        self.assertEqual(fresh.status, 201, fresh)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        s.close()
        head, body = got.split(b"\r\n\r\n", 1)
        if b"transfer-encoding: chunked" in head.lower():
            body = dechunk(body)
        shown = {f["id"]: f for f in json.loads(body)["features"]}
        # The export streamed both changes (it had not ended before them): they must be forced.
        self.assertEqual(shown[last]["properties"]["reports"], 2, "the export ended before the writes")
        self.assertIn(fresh.json["incident_id"], shown)
        self.assertIn(b'"cursor":"', body[:200])
        cursor = body.split(b'"cursor":"', 1)[1].split(b'"', 1)[0].decode()
        changes = self.srv.get("/v1/exports/incidents?format=geojson&changed_since=%s" % cursor, party="JMC").json
        upserts = {f["id"] for f in changes["features"]}
        self.assertIn(last, upserts, "the incident changed during the download")
        self.assertIn(fresh.json["incident_id"], upserts)
        srv = self.srv
        srv.stop()
        try:
            forced = [json.loads(f) for (f,) in srv.db_sql(srv.db, "SELECT forced FROM incident_feed_pass "
                                                                   "WHERE forced IS NOT NULL")]
            self.assertEqual(len(forced), 1, "one forced pass, at the end of the export")
            self.assertIn(last, forced[0])
            self.assertIn(fresh.json["incident_id"], forced[0])
            v = run_cli("verify", "--db", srv.db, check=False, cwd=srv.cwd_of(srv.db))
            self.assertEqual(v.returncode, 0, v.stdout)
            db = srv.db_place("forced.db")
            srv.copy_db(srv.db, db)
            srv.db_sql(db, "UPDATE incident_feed_pass SET forced = '[%d]' WHERE forced IS NOT NULL" % last)
            v = run_cli("verify", "--db", db, check=False)
            self.assertEqual(v.returncode, 1, v.stdout)
            self.assertIn("FAIL incident_feed %d:" % fresh.json["incident_id"], v.stdout)
        finally:
            self.srv.start()


if __name__ == "__main__":
    main()
