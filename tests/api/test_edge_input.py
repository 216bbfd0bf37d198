"""Edges of the input (issue 11, item 8 and the "Edges" finding): control characters in the
path or the query, repeated query parameters, positions with more than three numbers or an
altitude beyond 100 km, and the heads libmicrohttpd used to refuse with text/html. Each is
refused with an RFC 9457 problem naming the field, and changes nothing."""
import json
import socket
import time

from harness import ServerTest, feature, polygon, main
from test_bad_input import raw_http

SITE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.02, 36.21]},
        "properties": {"kind": "aid_warehouse", "name": "Warehouse", "radius_m": 200}}
REPORT = {"occurred_at": "2016-03-10T10:00:00Z", "time_precision": 1, "geo_precision": 1,
          "location": {"type": "Point", "coordinates": [37.18, 36.21]}, "event_type": "Explosions/Remote violence",
          "sub_event_type": "Shelling/artillery/missile attack", "alleged_perpetrator": "SAA",
          "source": {"kind": "party"}}


def site(coords, name="S"):
    s = json.loads(json.dumps(SITE))
    s["geometry"]["coordinates"] = coords
    s["properties"]["name"] = name
    return s


def problem(status, headers, body):
    """The problem object of a raw answer, checking its media type."""
    assert headers.get("content-type", "").startswith("application/problem+json"), (status, headers, body)
    p = json.loads(body)
    assert p["status"] == status, p
    return p


class EdgeInputTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("admin", "admin"), ("SAA", "belligerent")]:
            cls.srv.add_party(name, role)
        r = cls.srv.post("/v1/sites", SITE, party="SAA")
        assert r.status == 201, r
        cls.site_id = r.json["properties"]["id"]

    def refused(self, status, field, method, path, body=None, party="SAA"):
        r = self.assertUnchanged(lambda: self.srv.request(method, path, body=body, party=party))
        return self.assertProblem(r, status, field)

    def raw(self, data, status, field=None):
        """Sends raw bytes; the answer must be a problem with status (and field); nothing changes."""
        before = self.srv.db_snapshot()
        st, h, b = raw_http(self.srv.port, data, timeout=20)
        self.assertEqual(st, status, b)
        p = problem(status, h, b)
        if field is not None:
            self.assertEqual(p.get("field"), field, p)
        self.assertEqual(before, self.srv.db_snapshot())
        return p

    # -- control characters in the path and the query --
    def test_nul_in_the_path_does_not_serve_the_object(self):
        self.assertEqual(self.srv.get("/v1/sites/%d" % self.site_id, party="SAA").status, 200)
        for bad in ["%00", "%00x", "%0a", "%0D", "%1f", "%7F", "%09"]:
            with self.subTest(bad=bad):
                self.refused(400, "path", "GET", "/v1/sites/%d%s" % (self.site_id, bad))
        self.refused(400, "path", "POST", "/v1/sites%00", body=site([37.0, 36.0], "Nul"))
        self.refused(400, "path", "POST", "/v1/reports%00", body=REPORT)

    def test_raw_control_characters_in_the_request_line(self):
        for bad in [b"\x00", b"\x01", b"\x7f", b"\t"]:
            with self.subTest(bad=bad):
                self.raw(b"GET /v1/sites/1" + bad + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400, "path")
        self.raw(b"GET /v1/sites?limit=1\x00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "limit")

    def test_control_characters_in_query_values(self):
        for q, field in [("limit=1%00", "limit"), ("limit=%0a1", "limit"), ("cursor=1%7f", "cursor"),
                         ("bbox=1,2,3,4%00", "bbox"), ("li%00mit=1", "query")]:
            with self.subTest(q=q):
                self.refused(400, field, "GET", "/v1/sites?" + q)
        self.refused(400, "format", "POST", "/v1/reports/import?format=ndjson%00", body=REPORT)

    def test_later_requests_on_a_kept_alive_connection_are_checked_too(self):
        """libmicrohttpd reads the second request itself: the edge checks it the same way."""
        ok = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
        for second, status, field in [(b"GET /v1/sites/1%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "path"),
                                      (b"GET /v1/health?x=%01 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "x"),
                                      (b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"p" * 40000 +
                                       b"\r\n\r\n", 431, None),
                                      (b"GET /v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, None)]:
            with self.subTest(second=second[:30]):
                s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=20)
                try:
                    s.sendall(ok + second)
                    data = b""
                    deadline = time.time() + 20
                    while data.count(b"HTTP/1.1 ") < 2 and time.time() < deadline:
                        c = s.recv(65536)
                        if not c:
                            break
                        data += c
                    time.sleep(0.1)
                    s.settimeout(0.5)
                    try:
                        data += s.recv(65536)
                    except socket.timeout:
                        pass
                finally:
                    s.close()
                first, _, rest = data.partition(b"\r\n\r\n")
                self.assertTrue(first.startswith(b"HTTP/1.1 200"), data[:200])
                i = rest.find(b"HTTP/1.1 ")
                self.assertGreaterEqual(i, 0, data[:400])
                head, _, body = rest[i:].partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                self.assertEqual(int(lines[0].split()[1]), status, rest[i:i + 300])
                hdrs = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
                p = problem(status, hdrs, body[:int(hdrs["content-length"])])
                if field:
                    self.assertEqual(p.get("field"), field, p)

    # -- repeated query parameters --
    def test_repeated_single_valued_parameters(self):
        for path, field in [("/v1/sites?limit=1&limit=2", "limit"), ("/v1/sites?limit=5&limit=5", "limit"),
                            ("/v1/sites?cursor=1&limit=2&cursor=3", "cursor"),
                            ("/v1/incidents?limit=1&limit=1", "limit"),
                            ("/v1/attribution?lon=37&lat=36&lon=38", "lon")]:
            with self.subTest(path=path):
                p = self.refused(400, field, "GET", path)
                self.assertIn("more than once", p["detail"])
        self.refused(400, "format", "POST", "/v1/reports/import?format=ndjson&format=csv", body=REPORT)
        self.assertEqual(self.srv.get("/v1/sites?limit=1&cursor=1", party="SAA").status, 200)

    # -- positions --
    def test_positions_with_more_than_three_numbers(self):
        for coords in [[37.0, 36.0, 10.0, 1.0], [37.0, 36.0, 1, 2, 3]]:
            with self.subTest(coords=coords):
                p = self.refused(400, "geometry.coordinates", "POST", "/v1/sites", body=site(coords))
                self.assertIn("2 or 3 numbers", p["detail"])
        r = dict(REPORT, location={"type": "Point", "coordinates": [37.18, 36.21, 0, 0]})
        self.refused(400, "location.coordinates", "POST", "/v1/reports", body=r)

    def test_altitude_beyond_100_km(self):
        for alt in [1e308, -1e308, 100000.5, -100001, 1e6]:
            with self.subTest(alt=alt):
                p = self.refused(400, "geometry.coordinates", "POST", "/v1/sites", body=site([38, 35, alt]))
                self.assertIn("altitude", p["detail"])
                r = dict(REPORT, location={"type": "Point", "coordinates": [38, 35, alt]})
                self.refused(400, "location.coordinates", "POST", "/v1/reports", body=r)
        ring = polygon(36.0, 35.0)["coordinates"][0]
        ring[1] = ring[1] + [2e5]
        area = feature({"type": "Polygon", "coordinates": [ring]}, kind="no_strike", name="High")
        p = self.refused(400, "geometry.coordinates[0][1]", "POST", "/v1/areas", body=area, party="admin")
        self.assertIn("altitude", p["detail"])
        # At the bounds: accepted.
        for alt in [100000, -100000, 0]:
            with self.subTest(ok=alt):
                self.assertEqual(self.srv.post("/v1/sites", site([38.1, 35.1, alt], "A%d" % alt), party="SAA").status,
                                 201)

    # -- heads libmicrohttpd refused with text/html --
    def test_over_long_and_malformed_heads_are_problems(self):
        cases = [
            (b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, None),
            (b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 5000 + b"\r\n", 431, None),
            (b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n", 431, None),
            (b"POST /v1/sites HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413,
             "Content-Length"),
            (b"POST /v1/sites HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400, "Content-Length"),
            (b"POST /v1/sites HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400,
             "Content-Length"),
            (b"GET /v1/health HTTP/1.1\r\n\r\n", 400, "Host"),
            (b"GET /v1/health HTTP/9.9\r\nHost: x\r\n\r\n", 505, None),
            (b"GET\r\n\r\n", 400, None),
            (b"\x00" * 100 + b"\r\n\r\n", 400, None),
            (b"GET /v1/health HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, None),
            (b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n", 400, "X-Bad"),
        ]
        for data, status, field in cases:
            with self.subTest(data=data[:50]):
                self.raw(data, status, field)
        self.assertEqual(self.srv.get("/v1/health").status, 200)

    def test_http_1_0_needs_no_host(self):
        st, h, b = raw_http(self.srv.port, b"GET /v1/health HTTP/1.0\r\n\r\n", timeout=10)
        self.assertEqual(st, 200, b)


if __name__ == "__main__":
    main()
