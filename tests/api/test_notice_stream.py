"""The notice stream (issue 4): GET /v1/notices/stream, Server-Sent Events, on a real server.

A party's notices arrive on its open stream as they are committed, in order, each with
its id; a client that reconnects with Last-Event-ID (or ?after=) gets exactly what it
missed; a party sees only its own notices; many streams are served at once without a
thread each; a revoked party's stream ends; SIGTERM ends open streams and the server
still stops cleanly (checked by the harness on every stop).
"""
import json
import threading
import time

from harness import Server, ServerTest, main, run_cli


def site(lon, lat, name, visibility):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"kind": "hospital", "name": name, "radius_m": 100, "valid_from": "2016-01-01T00:00:00Z",
                           "visibility": visibility}}


class NoticeStreamTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("admin", "admin"), ("SAA", "belligerent"), ("Opposition", "belligerent"),
                           ("UNOCHA", "humanitarian"), ("Kazakhstan", "observer")]:
            cls.srv.add_party(name, role)

    def notify(self, name, parties):
        r = self.srv.post("/v1/sites", site(36.0, 35.0, name, parties), party="UNOCHA")
        self.assertEqual(r.status, 201, r)
        return r.json["properties"]["id"]

    def test_notices_arrive_live_in_order_and_only_to_their_party(self):
        saa = self.srv.stream("/v1/notices/stream", party="SAA")
        opp = self.srv.stream("/v1/notices/stream", party="Opposition")
        self.assertEqual(saa.status, 200)
        self.assertTrue(saa.headers["content-type"].startswith("text/event-stream"), saa.headers)
        self.assertEqual(saa.headers.get("cache-control"), "no-store")
        before = self.srv.get("/v1/notices", party="SAA").json["next_cursor"]
        ids = [self.notify("Live %d" % i, ["SAA"]) for i in range(3)]
        got = saa.events(3, timeout=10)
        self.assertEqual(len(got), 3, got)
        self.assertEqual(saa.retry, 3000)
        for ev, sid in zip(got, ids):
            self.assertEqual(ev["event"], "notice")
            n = json.loads(ev["data"])
            self.assertEqual(str(n["id"]), ev["id"])
            self.assertEqual(n["party"], "SAA")
            self.assertEqual(n["about"], {"type": "site", "id": sid})
        self.assertGreater(int(got[0]["id"]), int(before))
        self.assertEqual([int(e["id"]) for e in got], sorted(int(e["id"]) for e in got))
        # the same notices as the polling feed
        page = self.srv.get("/v1/notices?after=%s" % before, party="SAA").json["items"]
        self.assertEqual([json.loads(e["data"]) for e in got], page[:3])
        # nothing of SAA's reached the Opposition's stream
        self.assertEqual(opp.events(1, timeout=1), [])
        saa.close()
        opp.close()

    def test_reconnect_with_last_event_id_gets_what_was_missed(self):
        s = self.srv.stream("/v1/notices/stream", party="Opposition")
        first = self.notify("Before the cut", ["Opposition"])
        ev = s.events(1)
        self.assertEqual(len(ev), 1)
        last = ev[0]["id"]
        s.close()
        missed = [self.notify("Missed %d" % i, ["Opposition"]) for i in range(2)]
        for how in ({"headers": {"Last-Event-ID": last}}, {"path": "/v1/notices/stream?after=%s" % last},
                    {"headers": {"Last-Event-ID": last}, "path": "/v1/notices/stream?after=0"}):
            s = self.srv.stream(how.get("path", "/v1/notices/stream"), party="Opposition", headers=how.get("headers"))
            got = s.events(2, timeout=10)
            s.close()
            self.assertEqual([json.loads(e["data"])["about"]["id"] for e in got], missed)
        self.assertNotIn(first, missed)

    def test_many_streams_at_once(self):
        # More streams than worker threads (4): parked streams hold no thread.
        streams = [self.srv.stream("/v1/notices/stream?after=999999", party="Kazakhstan") for _ in range(24)]
        self.assertEqual(self.srv.get("/v1/health").status, 200)  # still answering
        nid = None
        self.notify("For the observer", ["Kazakhstan"])
        nid = self.srv.get("/v1/notices", party="Kazakhstan").json["items"][-1]["id"]
        # the streams started after 999999, so they see nothing; a fresh one from nid-1 sees it
        for s in streams:
            self.assertEqual(s.events(1, timeout=0.2), [])
            s.close()
        s = self.srv.stream("/v1/notices/stream?after=%d" % (nid - 1), party="Kazakhstan")
        self.assertEqual(json.loads(s.events(1)[0]["data"])["id"], nid)
        s.close()

    def test_bad_requests(self):
        self.assertEqual(self.srv.get("/v1/notices/stream").status, 401)
        r = self.srv.get("/v1/notices/stream?after=x", party="SAA")
        self.assertEqual((r.status, r.json["field"]), (400, "after"))
        r = self.srv.get("/v1/notices/stream?after=1", party="SAA", headers={"Last-Event-ID": "x"})
        self.assertEqual((r.status, r.json["field"]), (400, "Last-Event-ID"))
        r = self.srv.get("/v1/notices/stream", party="SAA", headers={"Last-Event-ID": "-3"})
        self.assertEqual((r.status, r.json["field"]), (400, "Last-Event-ID"))
        r = self.srv.get("/v1/notices/stream?limit=3", party="SAA")
        self.assertEqual(r.status, 400)


class StreamLifecycleTest(ServerTest):
    def test_revoked_party_stream_ends_and_sigterm_ends_streams(self):
        srv = Server()
        try:
            srv.add_party("UNOCHA", "humanitarian")
            srv.add_party("Gone", "belligerent")
            srv.add_party("Stays", "belligerent")
            gone = srv.stream("/v1/notices/stream", party="Gone")
            stays = srv.stream("/v1/notices/stream", party="Stays")
            run_cli("party", "revoke", "Gone", "--db", srv.db)
            # a notice for another party wakes every stream; the revoked one ends
            r = srv.post("/v1/sites", site(36.0, 35.0, "Wake", ["Stays"]), party="UNOCHA")
            self.assertEqual(r.status, 201, r)
            self.assertEqual(len(stays.events(1)), 1)
            t0 = time.time()
            self.assertEqual(gone.events(1, timeout=20), [])
            self.assertLess(time.time() - t0, 19, "the revoked party's stream did not end")
            gone.close()
            # SIGTERM with a stream open: the server ends it and stops cleanly, promptly
            t0 = time.time()
            done = []
            th = threading.Thread(target=lambda: done.append(stays.events(1, timeout=30)))
            th.start()
            srv.stop()
            th.join(30)
            self.assertLess(time.time() - t0, 10)
            self.assertEqual(done, [[]])
            stays.close()
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
