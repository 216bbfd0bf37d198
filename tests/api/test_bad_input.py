"""Bad input: every malformed, invalid, oversized or unauthorised request gets a clear
RFC 9457 problem naming what is wrong, and changes nothing in the database."""
import json
import math
import socket
import time

from harness import ServerTest, polygon, feature, main

T0 = "2016-01-01T00:00:00Z"


def ring_circle(lon, lat, r, n):
    """A closed ring of n distinct vertices (n + 1 positions) on a circle."""
    ring = [[round(lon + r * math.cos(2 * math.pi * i / n), 7), round(lat + r * math.sin(2 * math.pi * i / n), 7)]
            for i in range(n)]
    ring.append(ring[0])
    return ring


def raw_http(port, data, timeout=30, read_first=False):
    """Sends raw bytes on a new connection and parses one HTTP response.
    Returns (status, {header: value}, body bytes). read_first: read the answer before
    the whole of data was sent (data is a list of byte strings sent one by one)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        parts = data if isinstance(data, list) else [data]
        for p in parts:
            try:
                s.sendall(p)
            except (BrokenPipeError, ConnectionResetError):
                break
        buf = b""
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in buf and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(body) < n and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body[:n]
    finally:
        s.close()


class BadInputTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.srv
        for name, role in [("admin", "admin"), ("SAA", "belligerent"), ("Opposition", "belligerent"),
                           ("Russia", "guarantor"), ("Kazakhstan", "observer")]:
            srv.add_party(name, role)
        assert srv.post("/v1/actors", {"name": "ISIS"}, party="admin").status == 201
        r = srv.post("/v1/areas", feature(polygon(37.0, 36.0), kind="control", party="Opposition", name="Base"),
                     party="admin")
        assert r.status == 201, r
        cls.base_id = r.json["id"]
        r = srv.post("/v1/areas", feature(polygon(38.0, 36.0), kind="control", party="SAA", name="SAA own"),
                     party="SAA")
        assert r.status == 201, r
        cls.saa_id = r.json["id"]
        r = srv.post("/v1/agreements", {"name": "Existing", "start": T0}, party="admin")
        assert r.status == 201, r

    # -- helpers --
    def rejected(self, status, field=None, method="POST", path="/v1/areas", body=None, party="admin", **kw):
        """Sends a request that must be refused with `status` (and field), changing nothing."""
        r = self.assertUnchanged(lambda: self.srv.request(method, path, body=body, party=party, **kw))
        p = self.assertProblem(r, status, field)
        self.assertTrue(p["detail"], p)
        return p

    def area(self, geometry=None, **props):
        props.setdefault("kind", "no_strike")
        props.setdefault("name", "Bad")
        return feature(geometry if geometry is not None else polygon(36.0, 35.0), **props)

    # -- bodies that are not JSON objects --
    def test_malformed_json(self):
        for raw in [b"{", b"not json", b"{'kind': 1}", b'{"type":"Feature",}', b'{"a":1} {"b":2}',
                    b'{"type":"Feature"', b"\x00\x01\x02", b'{"a":tru}', b"[1,2", b'{"a":"\\x41"}']:
            for path in ["/v1/areas", "/v1/agreements", "/v1/actors", "/v1/areas/%d" % self.base_id]:
                with self.subTest(raw=raw, path=path):
                    method = "PUT" if path.count("/") == 3 else "POST"
                    p = self.rejected(400, None, method, path, raw=raw)
                    self.assertIn("json", p["detail"].lower())

    def test_non_utf8_bytes(self):
        good = json.dumps(self.area(name="NAME")).encode()
        for bad in [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf"]:
            with self.subTest(bad=bad):
                self.rejected(400, raw=good.replace(b"NAME", b"x" + bad + b"y"))

    def test_non_object_body(self):
        for body in [[], [self.area()], "Feature", 1, None, True, 3.5]:
            for path in ["/v1/areas", "/v1/agreements", "/v1/actors"]:
                with self.subTest(body=body, path=path):
                    self.rejected(400, None, "POST", path, raw=json.dumps(body).encode())

    def test_empty_body(self):
        for method, path in [("POST", "/v1/areas"), ("POST", "/v1/agreements"), ("POST", "/v1/actors"),
                             ("PUT", "/v1/areas/%d" % self.base_id)]:
            with self.subTest(path=path):
                self.rejected(400, None, method, path, raw=b"")
                self.rejected(400, None, method, path, raw=b"   \r\n\t ")

    def test_duplicate_keys(self):
        f = json.dumps(self.area(name="Dup"))
        cases = [f.replace('"type": "Feature"', '"type": "Feature", "type": "Feature"'),
                 f.replace('"name": "Dup"', '"name": "Dup", "name": "Dup2"'),
                 f.replace('"kind": "no_strike"', '"kind": "no_strike", "kind": "control"'),
                 '{"name": "A", "name": "B", "start": "%s"}' % T0]
        for raw in cases:
            with self.subTest(raw=raw[:60]):
                path = "/v1/agreements" if raw.startswith('{"name"') else "/v1/areas"
                p = self.rejected(400, None, "POST", path, raw=raw.encode())
                self.assertIn("duplicate", p["detail"].lower())

    def test_nul_in_strings(self):
        self.rejected(400, raw=json.dumps(self.area(name="a\u0000b")).encode())
        self.rejected(400, raw=json.dumps(self.area(description="a\u0000b")).encode())

    def test_deep_nesting(self):
        for raw in [b"[" * 100000 + b"]" * 100000, b'{"a":' * 50000 + b"1" + b"}" * 50000, b"[" * 1000000,
                    b'{"type":"Feature","properties":' + b"[" * 5000 + b"]" * 5000 + b"}"]:
            with self.subTest(n=len(raw)):
                self.rejected(400, raw=raw)
        # Nesting inside coordinates that JSON allows but GeoJSON does not.
        deep = [[36.0, 35.0]]
        for _ in range(20):
            deep = [deep]
        self.rejected(400, "geometry.coordinates", body=self.area({"type": "Polygon", "coordinates": deep}))
        self.assertEqual(self.srv.get("/v1/health").status, 200)

    def test_huge_values_within_the_body_limit(self):
        self.rejected(400, "properties.description", body=self.area(description="x" * 3000000))
        self.rejected(400, "properties.name", body=self.area(name="n" * 100000))
        # 120k positions: over the default vertex limit (100 000) — refused fast.
        ring = ring_circle(36.0, 35.0, 0.5, 120000)
        t = time.time()
        self.rejected(400, "geometry.coordinates", body=self.area({"type": "Polygon", "coordinates": [ring]}))
        self.assertLess(time.time() - t, 30)
        # A million small numbers in an unknown member: refused as an unknown field.
        self.rejected(400, "properties.junk", body=self.area(junk=list(range(300000))))

    # -- media type --
    def test_wrong_content_type(self):
        body = json.dumps(self.area(name="CT")).encode()
        for ct in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "text/json",
                   "application/xml", "application/jsonp", "application/json-seq", "application/geo+jsonx"]:
            with self.subTest(ct=ct):
                self.rejected(415, "Content-Type", raw=body, content_type=ct)
        self.rejected(415, "Content-Type", raw=body, content_type=None)
        # A PUT without body or type.
        self.rejected(415, "Content-Type", "PUT", "/v1/areas/%d" % self.base_id, content_type=None)

    def test_json_content_types_accepted(self):
        for i, ct in enumerate(["application/json; charset=utf-8", "application/geo+json", "Application/JSON"]):
            with self.subTest(ct=ct):
                r = self.srv.request("POST", "/v1/areas", body=self.area(polygon(30.0 + i, 30.0), name="CT%d" % i),
                                     party="admin", content_type=ct)
                self.assertEqual(r.status, 201, r)

    # -- geometry --
    def test_invalid_geometry(self):
        sq = polygon(36.0, 35.0)["coordinates"][0]
        line = {"type": "LineString", "coordinates": [[36.0, 35.0], [36.1, 35.0]]}
        cases = [
            ("open ring", {"type": "Polygon", "coordinates": [sq[:-1]]}, {}, "geometry.coordinates[0]", "closed"),
            ("self-intersection", {"type": "Polygon", "coordinates": [[[36, 35], [36.1, 35.1], [36.1, 35], [36, 35.1],
                                                                       [36, 35]]]}, {}, "geometry.coordinates",
             "self-intersection"),
            ("three positions", {"type": "Polygon", "coordinates": [[[36, 35], [36.1, 35], [36, 35]]]}, {},
             "geometry.coordinates[0]", "at least 4"),
            ("one position", {"type": "Polygon", "coordinates": [[[36, 35]]]}, {}, "geometry.coordinates[0]", None),
            ("empty ring", {"type": "Polygon", "coordinates": [[]]}, {}, "geometry.coordinates[0]", None),
            ("no ring", {"type": "Polygon", "coordinates": []}, {}, "geometry.coordinates", None),
            ("collapsed ring", {"type": "Polygon", "coordinates": [[[36, 35]] * 4]}, {}, "geometry.coordinates", None),
            ("zero area", {"type": "Polygon", "coordinates": [[[36, 35], [36.1, 35], [36.2, 35], [36, 35]]]}, {},
             "geometry.coordinates", None),
            ("hole outside", {"type": "Polygon", "coordinates": [sq, polygon(37.0, 35.0)["coordinates"][0]]}, {},
             "geometry.coordinates", "hole"),
            ("overlapping parts", {"type": "MultiPolygon", "coordinates": [polygon(36, 35)["coordinates"],
                                                                           polygon(36.05, 35.05)["coordinates"]]},
             {}, "geometry.coordinates", None),
            ("empty multipolygon", {"type": "MultiPolygon", "coordinates": []}, {}, "geometry.coordinates", None),
            ("lon > 180", polygon(180.5, 35.0), {}, "geometry.coordinates[0][0]", "longitude"),
            ("lon < -180", polygon(-181.0, 35.0), {}, "geometry.coordinates[0][0]", "longitude"),
            ("lat > 90", polygon(36.0, 90.5), {}, "geometry.coordinates[0][0]", "latitude"),
            ("lat < -90", polygon(36.0, -91.0), {}, "geometry.coordinates[0][0]", "latitude"),
            ("lon edge", {"type": "Polygon", "coordinates": [[[36, 35], [180.0000001, 35], [36, 35.1], [36, 35]]]},
             {}, "geometry.coordinates[0][1]", "longitude"),
            ("NaN string", {"type": "Polygon", "coordinates": [[[36, 35], ["NaN", 35], [36.1, 35.1], [36, 35.1],
                                                                [36, 35]]]}, {}, "geometry.coordinates[0][1]",
             "number"),
            ("Infinity string", {"type": "Polygon", "coordinates": [[[36, 35], [36.1, "Infinity"], [36.1, 35.1],
                                                                     [36, 35.1], [36, 35]]]}, {},
             "geometry.coordinates[0][1]", "number"),
            ("number as string", {"type": "Polygon", "coordinates": [[["36", 35], [36.1, 35], [36.1, 35.1],
                                                                      [36, 35.1], ["36", 35]]]}, {},
             "geometry.coordinates[0][0]", "number"),
            ("boolean", {"type": "Polygon", "coordinates": [[[True, 35], [36.1, 35], [36.1, 35.1], [36, 35.1],
                                                             [True, 35]]]}, {}, "geometry.coordinates[0][0]", None),
            ("null position", {"type": "Polygon", "coordinates": [[None, [36.1, 35], [36.1, 35.1], [36, 35.1],
                                                                   [36, 35]]]}, {}, "geometry.coordinates[0][0]",
             None),
            ("four numbers", {"type": "Polygon", "coordinates": [[[36, 35, 1, 2], [36.1, 35], [36.1, 35.1], [36, 35.1],
                                                                  [36, 35]]]}, {}, "geometry.coordinates[0][0]", None),
            ("one number", {"type": "Polygon", "coordinates": [[[36], [36.1, 35], [36.1, 35.1], [36, 35.1], [36]]]},
             {}, "geometry.coordinates[0][0]", None),
            ("flat coordinates", {"type": "Polygon", "coordinates": [36, 35, 36.1, 35]}, {}, "geometry.coordinates",
             None),
            ("coordinates string", {"type": "Polygon", "coordinates": "36 35"}, {}, "geometry.coordinates", None),
            ("coordinates object", {"type": "Polygon", "coordinates": {"0": [36, 35]}}, {}, "geometry.coordinates",
             None),
            ("missing coordinates", {"type": "Polygon"}, {}, "geometry.coordinates", None),
            ("missing type", {"coordinates": [sq]}, {}, "geometry.type", None),
            ("type not string", {"type": 7, "coordinates": [sq]}, {}, "geometry.type", None),
            ("Point", {"type": "Point", "coordinates": [36, 35]}, {}, "geometry.type", "point"),
            ("GeometryCollection", {"type": "GeometryCollection", "geometries": []}, {}, "geometry.type", None),
            ("lower-case type", {"type": "polygon", "coordinates": [sq]}, {}, "geometry.type", None),
            ("foreign member", {"type": "Polygon", "coordinates": [sq], "crs": {"type": "name"}}, {},
             "geometry.crs", None),
            ("geometry null", None, {}, "geometry", None),
            ("geometry array", [sq], {}, "geometry", None),
            ("LineString without width", line, {"kind": "corridor"}, "properties.width_m", "width_m"),
            ("width_m on a Polygon", polygon(36.0, 35.0), {"width_m": 100}, "properties.width_m", None),
            ("width_m on a MultiPolygon", {"type": "MultiPolygon", "coordinates": [polygon(36, 35)["coordinates"]]},
             {"width_m": 100}, "properties.width_m", None),
            ("negative width", line, {"kind": "corridor", "width_m": -5}, "properties.width_m", None),
            ("zero width", line, {"kind": "corridor", "width_m": 0}, "properties.width_m", None),
            ("width as string", line, {"kind": "corridor", "width_m": "500"}, "properties.width_m", None),
            ("width as bool", line, {"kind": "corridor", "width_m": True}, "properties.width_m", None),
            ("width too large", line, {"kind": "corridor", "width_m": 1e12}, None, "width"),
            ("width vanishingly small", line, {"kind": "corridor", "width_m": 1e-300}, None, "width"),
            ("line of one position", {"type": "LineString", "coordinates": [[36, 35]]},
             {"kind": "corridor", "width_m": 10}, "geometry.coordinates", None),
            ("line of one place", {"type": "LineString", "coordinates": [[36, 35], [36, 35]]},
             {"kind": "corridor", "width_m": 10}, "geometry.coordinates", None),
            ("line with bad position", {"type": "LineString", "coordinates": [[36, 35], [36, 95]]},
             {"kind": "corridor", "width_m": 10}, "geometry.coordinates[1]", "latitude"),
        ]
        for label, geom, props, field, words in cases:
            with self.subTest(label):
                body = self.area(geom, **props) if geom is not None else {**self.area(), "geometry": None}
                p = self.rejected(400, field, body=body)
                self.assertTrue(p.get("field", "").startswith(("geometry", "properties.width_m")), p)
                if words:
                    self.assertIn(words, p["detail"].lower())

    def test_numbers_json_cannot_carry(self):
        base = json.dumps(self.area(polygon(36.0, 35.0), name="N"))
        for bad in ["1e999", "-1e999", "NaN", "Infinity", "-Infinity", "nan", "0x24", "+36", ".5", "36."]:
            with self.subTest(bad=bad):
                self.rejected(400, raw=base.replace("36.1", bad, 1).encode())

    # -- properties --
    def test_invalid_properties(self):
        sq = polygon(36.0, 35.0)
        cases = [
            ({"kind": "castle"}, "properties.kind"),
            ({"kind": None}, "properties.kind"),
            ({"kind": 3}, "properties.kind"),
            ({"kind": "CONTROL", "party": "SAA"}, "properties.kind"),
            ({"colour": "red"}, "properties.colour"),
            ({"name": ""}, "properties.name"),
            ({"name": None}, "properties.name"),
            ({"name": 42}, "properties.name"),
            ({"name": ["a"]}, "properties.name"),
            ({"description": 5}, "properties.description"),
            ({"kind": "control", "party": "SAA", "actor": "ISIS"}, "properties.actor"),
            ({"kind": "control"}, "properties.party"),
            ({"kind": "control", "party": "Nobody"}, "properties.party"),
            ({"kind": "control", "party": "ISIS"}, "properties.party"),
            ({"kind": "control", "party": 7}, "properties.party"),
            ({"kind": "control", "party": "<bad name>"}, "properties.party"),
            ({"kind": "designated"}, "properties.actor"),
            ({"kind": "designated", "actor": "Nobody"}, "properties.actor"),
            ({"kind": "designated", "actor": "SAA"}, "properties.actor"),
            ({"kind": "region", "party": "SAA"}, "properties.party"),
            ({"valid_to": "2015-01-01T00:00:00Z"}, "properties.valid_to"),
            ({"valid_to": T0}, "properties.valid_to"),
            ({"valid_from": None}, "properties.valid_from"),
            ({"visibility": "private"}, "properties.visibility"),
            ({"visibility": "PUBLIC"}, "properties.visibility"),
            ({"visibility": {"parties": ["SAA"]}}, "properties.visibility"),
            ({"visibility": 1}, "properties.visibility"),
            ({"visibility": True}, "properties.visibility"),
            ({"visibility": ["Nobody"]}, "properties.visibility[0]"),
            ({"visibility": ["SAA", "Nobody"]}, "properties.visibility[1]"),
            ({"visibility": ["SAA", "SAA"]}, "properties.visibility[1]"),
            ({"visibility": ["ISIS"]}, "properties.visibility[0]"),
            ({"visibility": [1]}, "properties.visibility[0]"),
            ({"visibility": [["SAA"]]}, "properties.visibility[0]"),
            ({"visibility": ["public"]}, "properties.visibility[0]"),
        ]
        for props, field in cases:
            with self.subTest(props=props):
                self.rejected(400, field, body=self.area(sq, **props))
        f = self.area(sq)
        del f["properties"]["name"]
        self.rejected(400, "properties.name", body=f)
        f = self.area(sq)
        del f["properties"]["valid_from"]
        self.rejected(400, "properties.valid_from", body=f)
        f = self.area(sq)
        del f["properties"]["kind"]
        self.rejected(400, "properties.kind", body=f)

    def test_bad_time_formats(self):
        for t in ["yesterday", "", "2016-02-30T00:00:00Z", "2015-02-29T00:00:00Z", "2016-13-01T00:00:00Z",
                  "2016-00-10T00:00:00Z", "2016-01-01T24:00:00Z", "2016-01-01T00:60:00Z", "2016-01-01T00:00:61Z",
                  "2016-01-01T00:00:00", "2016-1-1T00:00:00Z", "16-01-01T00:00:00Z", "2016-01-01T00:00:00+25:00",
                  "2016-01-01T00:00:00+01", "2016-01-01T00:00:00.Z", "2016-01-01T00:00:00Zjunk",
                  "2016-01-01T00:00Z", "2016/01/01", " 2016-01-01T00:00:00Z", "2016-01-01T00:00:00Z ",
                  "\u0662\u0660\u0661\u0666-01-01T00:00:00Z", 20160101, 1451606400, ["2016-01-01"], {"t": 1}, True]:
            for key in ["valid_from", "valid_to"]:
                with self.subTest(t=t, key=key):
                    props = {key: t}
                    if key == "valid_to":
                        props["valid_from"] = "2010-01-01T00:00:00Z"
                    p = self.rejected(400, "properties." + key, body=self.area(**props))
                    self.assertIn("rfc 3339", p["detail"].lower())

    def test_feature_shape(self):
        f = self.area()
        self.rejected(400, "type", body={**f, "type": "FeatureCollection"})
        self.rejected(400, "type", body={**f, "type": None})
        no_type = dict(f)
        del no_type["type"]
        self.rejected(400, "type", body=no_type)
        self.rejected(400, "id", body={**f, "id": 5})
        self.rejected(400, "id", body={**f, "id": "x"})
        self.rejected(400, "extra", body={**f, "extra": 1})
        self.rejected(400, "properties", body={**f, "properties": None})
        self.rejected(400, "properties", body={**f, "properties": []})
        self.rejected(400, "properties", body={**f, "properties": "kind=no_strike"})
        no_geom = dict(f)
        del no_geom["geometry"]
        self.rejected(400, "geometry", body=no_geom)
        # RFC 7946 5: a bbox is an array of 2n numbers.
        self.rejected(400, "bbox", body={**f, "bbox": "everywhere"})
        self.rejected(400, "bbox", body={**f, "bbox": [1, 2, 3]})

    def test_max_vertices_default_limit_is_enforced_before_work(self):
        # 100 001 positions in two polygons: over the default limit only in total.
        half = ring_circle(36.0, 35.0, 0.3, 50000)
        other = ring_circle(38.0, 35.0, 0.3, 50000)
        body = self.area({"type": "MultiPolygon", "coordinates": [[half], [other]]})
        p = self.rejected(400, "geometry.coordinates", body=body)
        self.assertIn("vertices", p["detail"])

    # -- agreements and actors --
    def test_agreement_wrong_types(self):
        cases = [
            ({"start": T0}, "name"),
            ({"name": "", "start": T0}, "name"),
            ({"name": 5, "start": T0}, "name"),
            ({"name": "A"}, "start"),
            ({"name": "A", "start": 1451606400}, "start"),
            ({"name": "A", "start": "2016-02-30T00:00:00Z"}, "start"),
            ({"name": "A", "start": T0, "end": T0}, "end"),
            ({"name": "A", "start": T0, "parties": "SAA"}, "parties"),
            ({"name": "A", "start": T0, "parties": [1]}, "parties[0]"),
            ({"name": "A", "start": T0, "parties": ["SAA", "SAA"]}, "parties[1]"),
            ({"name": "A", "start": T0, "parties": ["ISIS"]}, "parties[0]"),
            ({"name": "A", "start": T0, "excluded_actors": "ISIS"}, "excluded_actors"),
            ({"name": "A", "start": T0, "excluded_actors": ["Nobody"]}, "excluded_actors[0]"),
            ({"name": "A", "start": T0, "zones": 1}, "zones"),
            ({"name": "A", "start": T0, "zones": []}, "zones"),
            ({"name": "A", "start": T0, "zones": ["1"]}, "zones[0]"),
            ({"name": "A", "start": T0, "zones": [0]}, "zones[0]"),
            ({"name": "A", "start": T0, "zones": [-3]}, "zones[0]"),
            ({"name": "A", "start": T0, "zones": [1.5]}, "zones[0]"),
            ({"name": "A", "start": T0, "zones": [99999999]}, "zones[0]"),
            ({"name": "A", "start": T0, "provisions": {"text": "x"}}, "provisions"),
            ({"name": "A", "start": T0, "provisions": ["x"]}, "provisions[0]"),
            ({"name": "A", "start": T0, "provisions": [{}]}, "provisions[0].text"),
            ({"name": "A", "start": T0, "provisions": [{"text": "x", "deadline": "soon"}]}, "provisions[0].deadline"),
            ({"name": "A", "start": T0, "provisions": [{"text": "x", "extra": 1}]}, "provisions[0].extra"),
            ({"name": "A", "start": T0, "provisions": [{"text": "x", "status": 1}]}, "provisions[0].status"),
            ({"name": "A", "start": T0, "visibility": "secret"}, "visibility"),
            ({"name": "A", "start": T0, "visibility": ["Nobody"]}, "visibility[0]"),
            ({"name": "A", "start": T0, "id": 3}, "id"),
        ]
        for body, field in cases:
            with self.subTest(field=field, body=body):
                self.rejected(400, field, path="/v1/agreements", body=body)

    def test_actor_bad_input(self):
        for body, status, field in [({}, 400, "name"), ({"name": ""}, 400, "name"), ({"name": 1}, 400, "name"),
                                    ({"name": "<x>"}, 400, "name"), ({"name": "x" * 65}, 400, "name"),
                                    ({"name": "Nusra", "rank": 1}, 400, "rank"),
                                    ({"name": "Nusra", "full_name": 5}, 400, "full_name"),
                                    ({"name": "SAA"}, 409, "name")]:
            with self.subTest(body=body):
                self.rejected(status, field, path="/v1/actors", body=body)

    # -- URL: ids, query parameters --
    def test_path_ids_that_are_not_ids(self):
        for bad in ["abc", "0", "-1", "1.5", "1e3", "0x10", "99999999999999999999", "9223372036854775808",
                    "%2B1", "+1", "%201", "1%20", "1abc"]:
            for suffix in ["", "/history"]:
                with self.subTest(id=bad, suffix=suffix):
                    self.assertProblem(self.srv.get("/v1/areas/%s%s" % (bad, suffix), party="admin"), 400, "id")
            with self.subTest(id=bad, route="agreement"):
                self.assertProblem(self.srv.get("/v1/agreements/%s" % bad, party="admin"), 400, "id")
            with self.subTest(id=bad, method="PUT"):
                self.rejected(400, "id", "PUT", "/v1/areas/%s" % bad, body=self.area())
        # The largest id is well formed: simply absent.
        self.assertProblem(self.srv.get("/v1/areas/9223372036854775807", party="admin"), 404)

    def test_version_parameter(self):
        base = "/v1/areas/%d?version=" % self.base_id
        for bad in ["abc", "0", "-1", "1.0", "99999999999999999999"]:
            with self.subTest(version=bad):
                self.assertProblem(self.srv.get(base + bad, party="admin"), 400, "version")
        self.assertProblem(self.srv.get(base + "7", party="admin"), 404)
        # A version that only matches once cut to 32 bits is still not version 1.
        self.assertProblem(self.srv.get(base + str(2 ** 32 + 1), party="admin"), 404)

    def test_unknown_query_parameters(self):
        for path, party in [("/v1/areas", "SAA"), ("/v1/areas/%d" % self.base_id, "SAA"),
                            ("/v1/areas/%d/history" % self.base_id, "SAA"), ("/v1/agreements", "SAA"),
                            ("/v1/attribution?lon=37&lat=36", "SAA"), ("/v1/me", "SAA"), ("/v1/parties", "SAA"),
                            ("/v1/actors", "SAA"), ("/v1/health", None)]:
            for q in ["colour=red", "KIND=control", "limit=1&x=", "debug"]:
                with self.subTest(path=path, q=q):
                    sep = "&" if "?" in path else "?"
                    self.assertProblem(self.srv.get(path + sep + q, party=party), 400)
        self.rejected(400, "colour", path="/v1/areas?colour=red", body=self.area(name="Q"))
        self.rejected(400, "v", path="/v1/agreements?v=1", body={"name": "Q", "start": T0})

    def test_bad_list_parameters(self):
        for q, field in [("kind=castle", "kind"), ("at=tomorrow", "at"), ("at=2016-02-30T00:00:00Z", "at"),
                         ("bbox=a,b,c,d", "bbox"), ("bbox=1,2,3,4,5", "bbox"), ("bbox=3,2,1,4", "bbox"),
                         ("bbox=-200,0,0,1", "bbox"), ("bbox=nan,0,1,1", "bbox"), ("limit=-1", "limit"),
                         ("limit=1001", "limit"), ("limit=2.5", "limit"), ("limit=x", "limit"),
                         ("cursor=-5", "cursor"), ("cursor=1x", "cursor")]:
            with self.subTest(q=q):
                self.assertProblem(self.srv.get("/v1/areas?" + q, party="SAA"), 400, field)
        for q, field in [("lon=nan&lat=1", "lon"), ("lon=inf&lat=1", "lon"), ("lon=1e999&lat=1", "lon"),
                         ("lon=&lat=1", "lon"), ("lon=1&lat=-90.5", "lat"), ("lon=1&lat=1&at=", "at")]:
            with self.subTest(q=q):
                self.assertProblem(self.srv.get("/v1/attribution?" + q, party="SAA"), 400, field)

    # -- PUT --
    def test_put_with_bad_if_match(self):
        aid = self.base_id
        f = self.area(polygon(37.0, 36.0), kind="control", party="Opposition", name="Base",
                      valid_from="2017-01-01T00:00:00Z")
        for im in ["abc", '"0"', '"-1"', '"1x"', '""', "*x"]:
            with self.subTest(if_match=im):
                self.rejected(400, "If-Match", "PUT", "/v1/areas/%d" % aid, body=f, headers={"If-Match": im})
        cur = self.srv.get("/v1/areas/%d" % aid, party="admin").json["properties"]["version"]
        for im in ['"%d"' % (cur + 1), '"%d"' % (2 ** 32 + cur), '"%d"' % (2 ** 63 + cur)]:
            with self.subTest(if_match=im):
                r = self.assertUnchanged(lambda: self.srv.put("/v1/areas/%d" % aid, f, party="admin",
                                                              headers={"If-Match": im}))
                self.assertIn(r.status, (400, 409, 412), r)
                self.assertProblem(r, r.status)

    def test_put_to_missing_area(self):
        for aid in [999999, 9223372036854775807]:
            with self.subTest(aid=aid):
                p = self.rejected(404, None, "PUT", "/v1/areas/%d" % aid, body=self.area())
                self.assertIn(str(aid), p["detail"])
                self.rejected(404, None, "PUT", "/v1/areas/%d" % aid, body=self.area(), headers={"If-Match": '"1"'})

    def test_put_body_id_must_match_url(self):
        f = {**self.area(polygon(37.0, 36.0), kind="control", party="Opposition", name="Base"), "id": self.saa_id}
        self.rejected(400, "id", "PUT", "/v1/areas/%d" % self.base_id, body=f)

    def test_put_that_starts_before_the_current_version(self):
        f = self.area(polygon(37.0, 36.0), kind="control", party="Opposition", name="Base",
                      valid_from="2015-01-01T00:00:00Z")
        self.rejected(400, "properties.valid_from", "PUT", "/v1/areas/%d" % self.base_id, body=f)

    # -- credentials and other parties' data --
    def test_wrong_credentials(self):
        tok = self.srv.tokens["admin"]
        f = self.area(name="Cred")
        for h in [{}, {"Authorization": "Basic YWRtaW46YWRtaW4="}, {"Authorization": "Bearer"},
                  {"Authorization": "Bearer "}, {"Authorization": tok}, {"Authorization": "Bearer " + tok + "x"},
                  {"Authorization": "Bearer " + tok[:-1]}, {"Authorization": "Bearer " + tok[:-1] + ("E" if tok[-1] == "A" else "A")},
                  {"Authorization": "Bearer " + tok.upper()}, {"Authorization": "Bearer truce_" + "A" * 43},
                  {"Authorization": "Bearer " + "x" * 7000}, {"Authorization": "Bearer " + tok + " " + tok}]:
            with self.subTest(h=str(h)[:60]):
                r = self.assertUnchanged(lambda: self.srv.request("POST", "/v1/areas", body=f, headers=h))
                self.assertProblem(r, 401)
                self.assertIn("bearer", r.headers.get("www-authenticate", "").lower())
                self.assertProblem(self.srv.get("/v1/areas", headers=h), 401)

    def test_auth_is_checked_before_the_body(self):
        # Without a token, a bad body is not even looked at: 401, not 400.
        r = self.assertUnchanged(lambda: self.srv.request("POST", "/v1/areas", raw=b"{", party=None))
        self.assertProblem(r, 401)

    def test_writes_on_another_partys_data(self):
        base = "/v1/areas/%d" % self.base_id
        mine = feature(polygon(37.0, 36.0), kind="control", party="SAA", name="Taken",
                       valid_from="2017-01-01T00:00:00Z")
        # SAA may not take over the Opposition's area, nor write in its name.
        self.rejected(403, None, "PUT", base, body=mine, party="SAA")
        theirs = feature(polygon(37.0, 36.0), kind="control", party="Opposition", name="Base",
                         valid_from="2017-01-01T00:00:00Z")
        self.rejected(403, "properties.party", "PUT", base, body=theirs, party="SAA")
        self.rejected(403, "properties.party", body=feature(polygon(36.0, 34.0), kind="control", party="Opposition",
                                                             name="Framed"), party="SAA")
        # The Opposition may not change SAA's area.
        self.rejected(403, None, "PUT", "/v1/areas/%d" % self.saa_id, party="Opposition",
                      body=feature(polygon(38.0, 36.0), kind="control", party="Opposition", name="SAA own",
                                   valid_from="2017-01-01T00:00:00Z"))
        # An observer writes nothing.
        self.rejected(403, None, body=self.area(name="Obs"), party="Kazakhstan")
        self.rejected(403, None, "PUT", base, body=theirs, party="Kazakhstan")
        self.rejected(403, None, path="/v1/agreements", body={"name": "Obs", "start": T0}, party="Kazakhstan")
        self.rejected(403, None, path="/v1/actors", body={"name": "Obs"}, party="Kazakhstan")
        # Forbidden first: an observer's malformed body still gets 403, not a parse error.
        self.rejected(403, None, raw=b"{", party="Kazakhstan")

    def test_method_not_allowed_changes_nothing(self):
        for m in ["DELETE", "PATCH"]:
            with self.subTest(m=m):
                self.rejected(405, None, m, "/v1/areas/%d" % self.base_id, body=self.area())
        self.rejected(405, None, "PUT", "/v1/areas", body=self.area())
        self.rejected(405, None, "POST", "/v1/areas/%d" % self.base_id, body=self.area())

    def test_server_survives_garbage_on_the_socket(self):
        for data in [b"\x00" * 100 + b"\r\n\r\n", b"GET\r\n\r\n", b"GET /v1/health HTTP/9.9\r\n\r\n",
                     b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                     b"POST /v1/areas HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                     b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET /v1/health HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 3000 + b"\r\n"]:
            with self.subTest(data=data[:40]):
                before = self.srv.db_snapshot()
                try:
                    raw_http(self.srv.port, data, timeout=10)
                except (OSError, ValueError, IndexError):
                    pass  # the server may just close the connection
                self.assertEqual(before, self.srv.db_snapshot())
                self.assertEqual(self.srv.get("/v1/health").status, 200)


class MissingAgreementTest(ServerTest):
    """Reading an agreement that does not exist is a plain 404 (on its own server: it
    once crashed the process)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        cls.srv.add_party("SAA", "belligerent")

    def test_missing_agreement_is_404(self):
        for aid in [1, 5, 999999, 9223372036854775807]:
            for party in ["admin", "SAA"]:
                with self.subTest(aid=aid, party=party):
                    p = self.assertProblem(self.srv.get("/v1/agreements/%d" % aid, party=party), 404, "id")
                    self.assertIn(str(aid), p["detail"])
        self.assertEqual(self.srv.get("/v1/health").status, 200)


class BodyLimitTest(ServerTest):
    """--body-limit 1000: larger bodies get 413 whether declared or chunked."""
    extra_args = ("--body-limit", "1000")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        cls.tok = cls.srv.tokens["admin"]

    def head(self, extra):
        return ("POST /v1/areas HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\n%s\r\n" % (self.tok, extra)).encode()

    def small(self, name="Small"):
        return json.dumps(feature(polygon(36.0, 35.0), kind="no_strike", name=name)).encode()

    def padded(self, n):
        b = self.small()
        return b[:-1] + b" " * (n - len(b)) + b"}"

    def assert413(self, status, headers, body):
        self.assertEqual(status, 413, body)
        self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"), headers)
        p = json.loads(body)
        self.assertEqual(p["status"], 413)
        self.assertIn("1000", p["detail"])

    def test_declared_length_over_the_limit(self):
        body = self.padded(5000)
        r = self.assertUnchanged(lambda: self.srv.request("POST", "/v1/areas", raw=body, party="admin"))
        self.assertProblem(r, 413)
        # Answered at once, before the body is sent.
        before = self.srv.db_snapshot()
        st, h, b = raw_http(self.srv.port, self.head("Content-Length: 100000000\r\n"), timeout=10)
        self.assert413(st, h, b)
        self.assertEqual(before, self.srv.db_snapshot())

    def test_chunked_body_over_the_limit(self):
        body = self.padded(3000)
        parts = [self.head("Transfer-Encoding: chunked\r\n")]
        for i in range(0, len(body), 400):
            c = body[i:i + 400]
            parts.append(b"%x\r\n" % len(c) + c + b"\r\n")
        parts.append(b"0\r\n\r\n")
        before = self.srv.db_snapshot()
        self.assert413(*raw_http(self.srv.port, parts, timeout=20))
        self.assertEqual(before, self.srv.db_snapshot())

    def test_large_chunked_body_far_over_the_limit(self):
        parts = [self.head("Transfer-Encoding: chunked\r\n")]
        chunk = b" " * 65536
        parts += [b"%x\r\n" % len(chunk) + chunk + b"\r\n"] * 80  # 5 MiB
        parts.append(b"0\r\n\r\n")
        before = self.srv.db_snapshot()
        self.assert413(*raw_http(self.srv.port, parts, timeout=30))
        self.assertEqual(before, self.srv.db_snapshot())

    def test_bodies_at_and_just_over_the_limit(self):
        r = self.srv.request("POST", "/v1/areas", raw=self.padded(1000), party="admin")
        self.assertEqual(r.status, 201, r)
        r = self.assertUnchanged(lambda: self.srv.request("POST", "/v1/areas", raw=self.padded(1001), party="admin"))
        self.assertProblem(r, 413)

    def test_chunked_body_under_the_limit_is_accepted(self):
        body = self.small("Chunked")
        parts = [self.head("Transfer-Encoding: chunked\r\n")]
        for i in range(0, len(body), 50):
            c = body[i:i + 50]
            parts.append(b"%x\r\n" % len(c) + c + b"\r\n")
        parts.append(b"0\r\n\r\n")
        st, h, b = raw_http(self.srv.port, parts, timeout=20)
        self.assertEqual(st, 201, b)
        self.assertEqual(json.loads(b)["properties"]["name"], "Chunked")


class MaxVerticesTest(ServerTest):
    """--max-vertices 50: a geometry with more positions is refused, naming the limit."""
    extra_args = ("--max-vertices", "50")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")

    def post(self, geom, **props):
        props.setdefault("kind", "no_strike")
        props.setdefault("name", "V")
        return self.srv.post("/v1/areas", feature(geom, **props), party="admin")

    def test_limit(self):
        ok = self.post({"type": "Polygon", "coordinates": [ring_circle(36.0, 35.0, 0.1, 49)]})  # 50 positions
        self.assertEqual(ok.status, 201, ok)
        over = [
            {"type": "Polygon", "coordinates": [ring_circle(36.0, 35.0, 0.1, 50)]},
            {"type": "Polygon", "coordinates": [ring_circle(36.0, 35.0, 0.3, 30), ring_circle(36.0, 35.0, 0.1, 30)]},
            {"type": "MultiPolygon", "coordinates": [[ring_circle(36.0, 35.0, 0.1, 30)],
                                                     [ring_circle(37.0, 35.0, 0.1, 30)]]},
            {"type": "Polygon", "coordinates": [ring_circle(36.0, 35.0, 0.1, 100000)]},
        ]
        for g in over:
            with self.subTest(n=sum(len(r) for r in g["coordinates"])):
                r = self.assertUnchanged(lambda: self.post(g))
                p = self.assertProblem(r, 400, "geometry.coordinates")
                self.assertIn("50", p["detail"])
        line = {"type": "LineString", "coordinates": [[36.0 + 0.001 * i, 35.0] for i in range(51)]}
        r = self.assertUnchanged(lambda: self.post(line, kind="corridor", width_m=100))
        self.assertProblem(r, 400, "geometry.coordinates")
        line["coordinates"].pop()
        self.assertEqual(self.post(line, kind="corridor", width_m=100, name="Line50").status, 201)

    def test_limit_also_applies_to_updates(self):
        r = self.post(polygon(40.0, 30.0), name="Up")
        self.assertEqual(r.status, 201, r)
        aid = r.json["id"]
        f = feature({"type": "Polygon", "coordinates": [ring_circle(40.0, 30.0, 0.1, 60)]}, kind="no_strike",
                    name="Up", valid_from="2017-01-01T00:00:00Z")
        r = self.assertUnchanged(lambda: self.srv.put("/v1/areas/%d" % aid, f, party="admin"))
        self.assertProblem(r, 400, "geometry.coordinates")


if __name__ == "__main__":
    main()
