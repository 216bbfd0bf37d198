"""docs/openapi.yaml against the route table and against a real server.

1. The (METHOD, path) pairs and roles (x-roles) in the spec equal `truce routes`.
2. The spec is a structurally valid OpenAPI 3.1 document: every $ref resolves, every
   schema is a valid JSON Schema 2020-12 schema, statuses agree with the route's shape.
3. Every route is called on a real `truce serve` with a success and with each documented
   error status (all but 500, which cannot be provoked from outside); every answer's
   status must be documented for its route, its Content-Type must be the documented
   media type, its body must validate (JSON Schema 2020-12) against the documented schema
   and its required headers must be there. Success request bodies are validated against
   the documented request schema too.

Needs python3-yaml and python3-jsonschema (Debian).
"""
import base64
import fcntl
import http.client
import json
import os
import re
import resource
import socket
import struct
import subprocess
import time
import unittest
import urllib.parse

import jsonschema
import yaml

from harness import BIN, ROOT, Response, Server, ServerTest, feature, main, polygon, run_cli

SPEC_PATH = os.path.join(ROOT, "docs", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ALL_ROLES = ["admin", "monitor", "guarantor", "belligerent", "observer", "humanitarian", "mine_action"]
# One party per role (plus a second belligerent), created with `truce party add`.
PARTIES = {"admin": "admin", "JMC": "monitor", "Russia": "guarantor", "SAA": "belligerent",
           "Opposition": "belligerent", "Kazakhstan": "observer", "UNOCHA": "humanitarian", "IAMC": "mine_action"}
BY_ROLE = {"admin": "admin", "monitor": "JMC", "guarantor": "Russia", "belligerent": "SAA",
           "observer": "Kazakhstan", "humanitarian": "UNOCHA", "mine_action": "IAMC"}
BODY_LIMIT = 16384
# Statuses the spec documents that cannot be provoked deterministically from outside.
NOT_PROVOKED = {"500"}


CHECKPOINT = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [12.5, 12.5]},
              "properties": {"name": "Bridge checkpoint", "opening_hours": [{"days": ["mon", "fri"], "open": "06:00",
                                                                             "close": "18:30"}]}}
SITE = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [11.0, 11.0]},
        "properties": {"kind": "hospital", "name": "Spec hospital", "radius_m": 100, "valid_from": "2016-01-01T00:00:00Z"}}


REPORT = {"occurred_at": "2016-09-17T14:00:00Z", "time_precision": 1,
          "location": {"type": "Point", "coordinates": [13.0, 13.0]}, "geo_precision": 1,
          "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
          "alleged_perpetrator": "SAA", "target": {"kind": "civilians"}, "fatalities": {"min": 0, "max": 2},
          "source": {"kind": "media", "ref": "Spec news"}}


HAZARD = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[14.0, 14.0], [14.01, 14.0],
                                                                             [14.01, 14.01], [14.0, 14.01],
                                                                             [14.0, 14.0]]]},
          "properties": {"kind": "CHA", "contamination": ["AP mine", "UXO"], "name": "Spec minefield",
                         "evidence": "survey", "estimated_m2": 1200000}}
TASK = {"hazard_id": 1, "kind": "clearance", "operator": "Spec demining", "start": "2016-04-01T00:00:00Z"}


MOVEMENT = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[10.95, 11.0], [11.05, 11.0]]},
            "properties": {"kind": "convoy", "name": "Spec convoy", "width_m": 50,
                           "time_start": "2016-09-17T13:00:00Z", "time_end": "2016-09-17T16:00:00Z"}}


def volume(lon, lat, r, t0="2016-09-17T14:00:00Z", t1="2016-09-17T15:00:00Z"):
    """An ASTM F3548 Volume4D: a circle of r metres, 0-3000 m, one hour."""
    return {"volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": r, "units": "M"}},
                       "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                       "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
            "time_start": {"value": t0, "format": "RFC3339"}, "time_end": {"value": t1, "format": "RFC3339"}}


def load_spec():
    with open(SPEC_PATH) as f:
        return yaml.safe_load(f)


def escape(token):
    return token.replace("~", "~0").replace("/", "~1")


def resolve_pointer(doc, pointer):
    """The node at a JSON pointer ("/components/schemas/X") in doc; KeyError if absent."""
    node = doc
    if pointer in ("", "/"):
        return node
    for tok in pointer.lstrip("/").split("/"):
        tok = urllib.parse.unquote(tok).replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(tok)]
        elif isinstance(node, dict) and tok in node:
            node = node[tok]
        else:
            raise KeyError("%s: no %r" % (pointer, tok))
    return node


def deref(doc, node, pointer):
    """Follows local $refs from node (found at pointer); returns (node, pointer)."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#") or ref in seen:
            raise AssertionError("unresolvable or cyclic $ref %r at %s" % (ref, pointer))
        seen.add(ref)
        pointer = ref[1:]
        node = resolve_pointer(doc, pointer)
    return node, pointer


def operations(spec):
    """Yields (METHOD, path, operation, path item)."""
    for path, item in spec["paths"].items():
        for m, op in item.items():
            if m in METHODS:
                yield m.upper(), path, op, item


def query_params(spec, path, method):
    item = spec["paths"][path]
    out = {}
    for base, params in (("/paths/%s" % escape(path), item.get("parameters", [])),
                         ("/paths/%s/%s" % (escape(path), method.lower()),
                          item[method.lower()].get("parameters", []))):
        for i, p in enumerate(params):
            p, _ = deref(spec, p, "%s/parameters/%d" % (base, i))
            if p["in"] == "query":
                out[p["name"]] = p
    return out


class SchemaChecker:
    """Validates instances against schemas at JSON pointers of the spec (Draft 2020-12).

    The validator's root schema carries the spec's components and paths, so that the
    spec's own "#/components/..." references resolve with any jsonschema version."""

    def __init__(self, spec):
        self.spec = spec
        self.cache = {}

    def validator(self, pointer):
        v = self.cache.get(pointer)
        if v is None:
            root = {"$ref": "#" + pointer, "components": self.spec["components"], "paths": self.spec["paths"]}
            v = self.cache[pointer] = jsonschema.Draft202012Validator(root)
        return v

    def errors(self, pointer, instance):
        return sorted(self.validator(pointer).iter_errors(instance), key=lambda e: list(e.absolute_path))

    def check(self, pointer, instance, what):
        errs = self.errors(pointer, instance)
        if errs:
            raise AssertionError("%s does not match the schema at %s:\n%s\ninstance: %s" % (
                what, pointer, "\n".join("  %s: %s" % ("/".join(map(str, e.absolute_path)), e.message)
                                         for e in errs[:8]), json.dumps(instance)[:1500]))


class SpecTest(unittest.TestCase):
    """The document itself, and its agreement with `truce routes`."""

    @classmethod
    def setUpClass(cls):
        cls.spec = load_spec()

    def route_table(self):
        table = {}
        for line in run_cli("routes").stdout.splitlines():
            method, path, roles = line.split()
            table[(method, path)] = roles
        self.assertTrue(table, "truce routes printed nothing")
        return table

    def test_routes_and_roles_match_route_table(self):
        table = self.route_table()
        documented = {(m, p): op for m, p, op, _ in operations(self.spec)}
        self.assertEqual(sorted(documented), sorted(table), "paths/methods differ from `truce routes`")
        for (m, p), roles in table.items():
            with self.subTest(route="%s %s" % (m, p)):
                op = documented[(m, p)]
                self.assertIn("x-roles", op)
                if roles in ("open", "loopback"):
                    self.assertEqual(op["x-roles"], roles)
                    self.assertEqual(op.get("security"), [], "an open route must say security: []")
                else:
                    self.assertEqual(op["x-roles"], roles.split(","))
                    self.assertNotIn("security", op, "a route with roles uses the global bearer security")
                    self.assertIn("Roles: " + ", ".join(roles.split(",")) + ".", op.get("description", ""))

    def test_statuses_follow_the_route_shape(self):
        table = self.route_table()
        for m, p, op, _ in operations(self.spec):
            with self.subTest(route="%s %s" % (m, p)):
                roles = table[(m, p)]
                got = set(op["responses"])
                has_roles = roles not in ("open", "loopback")
                self.assertIn("400", got)  # unknown query parameters, on every route
                self.assertEqual("401" in got, has_roles)
                restricted = roles == "loopback" or (has_roles and sorted(roles.split(",")) != sorted(ALL_ROLES))
                self.assertEqual("403" in got, restricted)
                self.assertEqual("404" in got, "{" in p)  # a path parameter may name nothing
                body = "requestBody" in op
                self.assertEqual(body, m in ("POST", "PUT"))
                self.assertEqual("413" in got, body)
                self.assertEqual("415" in got, body)
                self.assertTrue(any(s.startswith("2") for s in got))

    def test_structure(self):
        spec = self.spec
        json.dumps(spec)  # no YAML-only values (dates, sets) hidden in the document
        self.assertRegex(str(spec.get("openapi")), r"^3\.1\.\d+$")
        self.assertIsInstance(spec["info"]["title"], str)
        self.assertIsInstance(spec["info"]["version"], str)
        self.assertIsInstance(spec["paths"], dict)
        self.assertEqual(spec["components"]["securitySchemes"]["bearer"], {
            **spec["components"]["securitySchemes"]["bearer"], "type": "http", "scheme": "bearer"})
        self.assertEqual(spec["security"], [{"bearer": []}])
        op_ids = [op["operationId"] for _, _, op, _ in operations(spec)]
        self.assertEqual(len(op_ids), len(set(op_ids)), "operationIds must be unique")
        tags = {t["name"] for t in spec.get("tags", [])}
        for m, p, op, item in operations(spec):
            with self.subTest(route="%s %s" % (m, p)):
                self.assertTrue(p.startswith("/"))
                self.assertTrue(op.get("responses"))
                self.assertTrue(set(op.get("tags", [])) <= tags)
                names = set(re.findall(r"\{([^}]+)\}", p))
                declared = set()
                for i, prm in enumerate(item.get("parameters", []) + op.get("parameters", [])):
                    prm, _ = deref(spec, prm, "")
                    self.assertIn(prm["in"], ("query", "header", "path", "cookie"))
                    self.assertIn("schema", prm)
                    if prm["in"] == "path":
                        self.assertTrue(prm.get("required"), "path parameters are required")
                        declared.add(prm["name"])
                self.assertEqual(names, declared, "path template names vs path parameters")
                for status, resp in op["responses"].items():
                    self.assertRegex(status, r"^[1-5][0-9][0-9]$")
                    resp, _ = deref(spec, resp, "")
                    self.assertIn("description", resp)
                    for mt, media in resp.get("content", {}).items():
                        self.assertIn("schema", media, "%s %s" % (status, mt))
                if "requestBody" in op:
                    for mt, media in op["requestBody"]["content"].items():
                        self.assertIn("schema", media)

    def test_every_ref_resolves(self):
        refs = []

        def walk(node, where):
            if isinstance(node, dict):
                if "$ref" in node:
                    refs.append((node["$ref"], where))
                for k, v in node.items():
                    walk(v, where + "/" + escape(str(k)))
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, "%s/%d" % (where, i))

        walk(self.spec, "")
        self.assertTrue(refs)
        for ref, where in refs:
            with self.subTest(ref=ref, at=where):
                self.assertTrue(ref.startswith("#/"), "only local references are used")
                resolve_pointer(self.spec, ref[1:])

    def test_schemas_are_valid_json_schema(self):
        for name, schema in self.spec["components"]["schemas"].items():
            with self.subTest(schema=name):
                jsonschema.Draft202012Validator.check_schema(schema)
        checker = SchemaChecker(self.spec)
        for name in self.spec["components"]["schemas"]:
            checker.validator("/components/schemas/" + name)  # builds (and so resolves) each


class OffLoopbackServer(Server):
    """A `truce serve` listening on a given (non-loopback) address of this machine."""

    def __init__(self, host):
        self.host = host
        super().__init__()

    def start(self):
        self.errlog = open(os.path.join(self.dir, "serve.log"), "w+")
        self.proc = subprocess.Popen([BIN, "serve", "--db", self.db, "--listen", "%s:0" % self.host],
                                     stdout=subprocess.DEVNULL, stderr=self.errlog)
        deadline = time.time() + 30
        while time.time() < deadline:
            self.errlog.seek(0)
            m = re.search(r"listening on http://%s:(\d+)" % re.escape(self.host), self.errlog.read())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError("truce serve did not start: " + self.log())

    def request(self, method, path, **kw):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        conn.request(method, path)
        r = conn.getresponse()
        resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace"))
        conn.close()
        return resp


def non_loopback_ipv4():
    """An IPv4 address of this machine outside 127/8, or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for _, name in socket.if_nameindex():
            try:
                r = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))  # SIOCGIFADDR
            except OSError:
                continue
            ip = socket.inet_ntoa(r[20:24])
            if not ip.startswith("127."):
                return ip
    finally:
        s.close()
    return None


class LiveTest(ServerTest):
    """Every route on a real server, every answer checked against the spec."""
    extra_args = ("--body-limit", str(BODY_LIMIT), "--import-limit", str(BODY_LIMIT))
    seen = set()          # (METHOD, path template, status) answered and checked
    ran = set()           # test methods that ran (for the coverage check)
    skipped_statuses = set()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.spec = load_spec()
        cls.checker = SchemaChecker(cls.spec)
        for name, role in PARTIES.items():
            cls.srv.add_party(name, role)

    def setUp(self):
        LiveTest.ran.add(self._testMethodName)

    # -- the one place where answers are checked --

    def call(self, method, template, status, params=None, query=None, body=None, raw=None, party=None,
             token=None, headers=None, content_type="application/json", field=None, bad_body=False, qs=None):
        """Sends a request to the route (method, template) and checks the answer against the spec.

        status: the status expected. field: the problem's expected `field`. bad_body: the
        body is one the documented request schema must reject too. qs: a query string sent
        as it is (instead of query, which is percent-encoded)."""
        path = template
        for k, v in (params or {}).items():
            path = path.replace("{%s}" % k, urllib.parse.quote(str(v), safe="/" if k == "path" else ""))
        url = path
        if query:
            url += "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote, safe=",:")
        elif qs:
            url += "?" + qs
        op = self.spec["paths"][template][method.lower()]
        op_ptr = "/paths/%s/%s" % (escape(template), method.lower())
        if body is not None and "requestBody" in op:
            mt = content_type if content_type in op["requestBody"]["content"] else "application/json"
            ptr = "%s/requestBody/content/%s/schema" % (op_ptr, escape(mt))
            if bad_body:
                self.assertTrue(self.checker.errors(ptr, body), "the request schema accepts a body the server "
                                "must refuse: %s" % json.dumps(body))
            elif 200 <= status < 300:
                self.checker.check(ptr, body, "request body of %s %s" % (method, template))
        documented = op["responses"].get(str(status), {}).get("content", {})
        if any(ct.startswith("text/event-stream") for ct in documented):
            # a live stream never ends: check its status and media type, then leave
            st = self.srv.stream(url, party=party, headers=headers)
            st.close()
            self.assertEqual(st.status, status, "%s %s" % (method, url))
            self.assertIn(st.headers.get("content-type"), documented)
            LiveTest.seen.add((method, template, str(st.status)))
            return st
        r = self.srv.request(method, url, body=body, raw=raw, party=party, token=token, headers=headers,
                             content_type=content_type)
        self.assertEqual(r.status, status, "%s %s: %r" % (method, url, r))
        self.assertIn(str(r.status), op["responses"], "%s %s answered %d, which the spec does not document"
                      % (method, template, r.status))
        resp, resp_ptr = deref(self.spec, op["responses"][str(r.status)], "%s/responses/%d" % (op_ptr, r.status))
        self.check_answer(r, resp, resp_ptr, "%s %s %d" % (method, template, r.status), path, method)
        if field is not None:
            self.assertEqual(r.json.get("field"), field, r)
        LiveTest.seen.add((method, template, str(r.status)))
        return r

    def check_answer(self, r, resp, resp_ptr, what, path, method="GET"):
        content = resp.get("content", {})
        ctype = r.headers.get("content-type", "")
        if content:
            self.assertIn(ctype, content, "%s: Content-Type %r is not documented (%s)" % (what, ctype, list(content)))
            ptr = "%s/content/%s/schema" % (resp_ptr, escape(ctype))
            if method == "HEAD":
                self.assertEqual(r.body, "")
            elif "json" in ctype:
                self.checker.check(ptr, json.loads(r.body), what)
            else:
                self.checker.check(ptr, r.body, what)
        else:
            self.assertEqual(r.body, "", "%s: a body the spec does not document" % what)
        for name, h in resp.get("headers", {}).items():
            h, hptr = deref(self.spec, h, "%s/headers/%s" % (resp_ptr, escape(name)))
            value = r.headers.get(name.lower())
            if h.get("required"):
                self.assertIsNotNone(value, "%s: missing header %s" % (what, name))
            if value is not None:
                self.checker.check(hptr + "/schema", value, "%s header %s" % (what, name))
        if ctype == "application/problem+json":
            p = r.json
            self.assertEqual(p["status"], r.status)
            self.assertEqual(p["instance"], path)
            self.assertEqual(p["detail"], "%s: %s" % (p["field"], p["reason"]) if "field" in p else p["reason"])

    def component_answer(self, r, name, path):
        resp = self.spec["components"]["responses"][name]
        self.check_answer(r, resp, "/components/responses/" + name, "%s (%s)" % (name, path), path)

    # -- helpers that make data through the checked API --

    def new_area(self, f, party="admin"):
        return self.call("POST", "/v1/areas", 201, body=f, party=party).json

    def new_agreement(self, body, party="admin"):
        return self.call("POST", "/v1/agreements", 201, body=body, party=party).json

    def ensure_actor(self, name, full_name=None):
        known = [a for a in self.srv.get("/v1/actors", party="admin").json["items"] if a["name"] == name]
        if known:
            return known[0]
        body = {"name": name} if full_name is None else {"name": name, "full_name": full_name}
        return self.call("POST", "/v1/actors", 201, body=body, party="admin").json

    # -- the routes --

    def test_health_and_metrics(self):
        r = self.call("GET", "/v1/health", 200)
        self.assertEqual(r.json["status"], "ok")
        self.call("GET", "/v1/health", 200, token="not-even-a-token")  # open: a token is not looked at
        r = self.call("GET", "/metrics", 200)
        self.assertIn("truce_http_requests_total", r.body)
        self.call("GET", "/metrics", 400, query={"format": "json"}, field="format")

    def test_me_key(self):
        pub = base64.b64encode(os.urandom(32)).decode()
        r = self.call("PUT", "/v1/me/key", 200, body={"public_key": pub}, party="Kazakhstan")
        self.assertEqual(r.json["public_key"], pub)
        self.assertEqual(self.call("GET", "/v1/me", 200, party="Kazakhstan").json["public_key"], pub)
        self.call("PUT", "/v1/me/key", 400, body={"public_key": "short"}, party="Kazakhstan", field="public_key",
                  bad_body=False)
        self.call("PUT", "/v1/me/key", 401, body={"public_key": pub})
        self.call("PUT", "/v1/me/key", 413, body={"public_key": "x" * (BODY_LIMIT + 100)}, party="Kazakhstan")

    def test_me_parties_actors_read(self):
        for role, name in BY_ROLE.items():
            r = self.call("GET", "/v1/me", 200, party=name)
            self.assertEqual({k: v for k, v in r.json.items() if k != "public_key"}, {"name": name, "role": role})
        self.call("GET", "/v1/me", 401, field="Authorization")
        self.call("GET", "/v1/me", 401, token="truce_" + "x" * 43, field="Authorization")
        self.call("GET", "/v1/me", 401, headers={"Authorization": "Basic YWJjOmRlZg=="}, field="Authorization")
        r = self.call("GET", "/v1/parties", 200, party="Kazakhstan")
        self.assertEqual(sorted(p["name"] for p in r.json["items"]), sorted(PARTIES))
        self.call("GET", "/v1/parties", 401)
        self.ensure_actor("Nusra", "Jabhat al-Nusra")
        r = self.call("GET", "/v1/actors", 200, party="SAA")
        self.assertIn({"name": "Nusra", "full_name": "Jabhat al-Nusra"}, r.json["items"])
        self.call("GET", "/v1/actors", 401)

    def test_actor_add(self):
        r = self.call("POST", "/v1/actors", 201, body={"name": "ISIS", "full_name": "Islamic State"}, party="JMC")
        answer = r.json
        self.assertEqual(answer.pop("receipt").keys(), {"index", "leaf_hash"})
        self.assertEqual(answer, {"name": "ISIS", "full_name": "Islamic State"})
        self.call("POST", "/v1/actors", 409, body={"name": "ISIS"}, party="admin", field="name")  # already there
        self.call("POST", "/v1/actors", 400, body={"name": "-bad"}, party="admin", field="name", bad_body=True)
        self.call("POST", "/v1/actors", 400, body={"name": "X", "colour": "red"}, party="admin", field="colour",
                  bad_body=True)
        self.call("POST", "/v1/actors", 400, body={"full_name": "nameless"}, party="admin", field="name",
                  bad_body=True)
        self.call("POST", "/v1/actors", 400, raw=b"{not json", party="admin")
        self.call("POST", "/v1/actors", 400, raw=b"", party="admin")
        self.call("POST", "/v1/actors", 401, body={"name": "Y"})
        self.call("POST", "/v1/actors", 403, body={"name": "Y"}, party="Russia")
        self.call("POST", "/v1/actors", 409, body={"name": "SAA"}, party="admin", field="name")
        self.call("POST", "/v1/actors", 413, body={"name": "Y", "full_name": "x" * (BODY_LIMIT + 100)}, party="admin")
        self.call("POST", "/v1/actors", 415, body={"name": "Y"}, party="admin", content_type="text/plain",
                  field="Content-Type")

    def test_area_create(self):
        self.ensure_actor("ISIS")
        f = feature(polygon(37.0, 36.0, 0.3), kind="control", party="Opposition", name="East Aleppo",
                    description="illustrative", visibility="public")
        a = self.new_area(f)
        self.assertEqual(a["properties"]["version"], 1)
        self.assertAlmostEqual(a["properties"]["area_m2"] / 1e6, 898.7, delta=5)
        line = {"type": "LineString", "coordinates": [[37.20, 36.20], [37.10, 36.20]]}
        c = self.new_area(feature(line, kind="corridor", name="Corridor", party="UNOCHA", width_m=1000,
                                  valid_to="2017-01-01T00:00:00Z"), party="UNOCHA")
        self.assertEqual(c["properties"]["width_m"], 1000)
        multi = {"type": "MultiPolygon", "coordinates": [polygon(30.0, 30.0)["coordinates"],
                                                         polygon(30.5, 30.0)["coordinates"]]}
        self.new_area(feature(multi, kind="ceasefire_zone", name="Two squares"), party="JMC")
        self.new_area(feature(polygon(38.5, 35.5, 0.2), kind="designated", actor="ISIS", name="ISIS pocket",
                              visibility=["Russia", "SAA"]))
        # The server's own rules, also expressed by the request schema.
        self.call("POST", "/v1/areas", 400, body=feature(line, kind="corridor", name="No width"), party="admin",
                  field="properties.width_m", bad_body=True)
        self.call("POST", "/v1/areas", 400, body=feature(polygon(1, 1), kind="no_strike", name="W", width_m=5),
                  party="admin", field="properties.width_m", bad_body=True)
        self.call("POST", "/v1/areas", 400, body=feature(polygon(1, 1), kind="no_strike", name="X", colour="red"),
                  party="admin", field="properties.colour", bad_body=True)
        self.call("POST", "/v1/areas", 400, body=feature(polygon(1, 1), kind="control", name="Nobody's"),
                  party="admin", field="properties.party", bad_body=True)
        self.call("POST", "/v1/areas", 400, body=feature(polygon(1, 1), kind="region", name="R", party="SAA"),
                  party="admin", field="properties.party", bad_body=True)
        self.call("POST", "/v1/areas", 400, body=dict(feature(polygon(1, 1), kind="no_strike", name="I"), id=5),
                  party="admin", field="id")
        self.call("POST", "/v1/areas", 400, body=feature(polygon(1, 1), kind="no_strike", name="T",
                                                          valid_from="yesterday"),
                  party="admin", field="properties.valid_from", bad_body=True)
        self.call("POST", "/v1/areas", 400, body=feature(polygon(1, 1), kind="control", name="P", party="Nobody"),
                  party="admin", field="properties.party")
        self.call("POST", "/v1/areas", 400, raw=b'{"type":"Feature","type":"Feature"}', party="admin")
        self.call("POST", "/v1/areas", 401, body=f)
        self.call("POST", "/v1/areas", 403, body=f, party="Kazakhstan")  # observers may not write
        self.call("POST", "/v1/areas", 403, body=f, party="SAA", field="properties.party")  # not its own
        self.call("POST", "/v1/areas", 403, body=feature(polygon(1, 1), kind="region", name="R"), party="Russia",
                  field="properties.kind")
        big = feature(polygon(1, 1), kind="no_strike", name="Big", description="x" * BODY_LIMIT)
        self.call("POST", "/v1/areas", 413, body=big, party="admin")
        self.call("POST", "/v1/areas", 415, body=f, party="admin", content_type="application/xml")
        # application/geo+json is accepted as well as application/json
        self.call("POST", "/v1/areas", 201, body=feature(polygon(2, 2), kind="no_strike", name="Geo"), party="admin",
                  content_type="application/geo+json")

    def test_area_413_without_content_length(self):
        """A chunked body over the limit is refused once it has been read."""
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        chunks = (b"x" * 4096 for _ in range(BODY_LIMIT // 4096 + 2))
        conn.request("POST", "/v1/areas", body=chunks, encode_chunked=True,
                     headers={"Authorization": "Bearer " + self.srv.tokens["admin"],
                              "Content-Type": "application/json", "Transfer-Encoding": "chunked"})
        resp = conn.getresponse()
        r = Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode())
        conn.close()
        self.assertEqual(r.status, 413, r)
        op = self.spec["paths"]["/v1/areas"]["post"]
        resp_spec, ptr = deref(self.spec, op["responses"]["413"], "")
        self.check_answer(r, resp_spec, ptr, "POST /v1/areas 413 (chunked)", "/v1/areas")

    def test_area_read_update_history(self):
        f1 = feature(polygon(36.0, 34.0, 0.2), kind="control", party="Opposition", name="Homs pocket",
                     valid_from="2016-01-01T00:00:00Z")
        a = self.new_area(f1)
        aid = a["id"]
        r = self.call("GET", "/v1/areas/{id}", 200, params={"id": aid}, party="Kazakhstan")
        self.assertEqual(r.headers["etag"], '"1"')
        # Optimistic concurrency: a stale If-Match is refused, the right one accepted.
        f2 = feature(polygon(36.0, 34.0, 0.2), kind="control", party="SAA", name="Homs pocket",
                     valid_from="2017-05-08T00:00:00Z")
        self.call("PUT", "/v1/areas/{id}", 409, params={"id": aid}, body=f2, party="admin",
                  headers={"If-Match": '"7"'}, field="If-Match")
        r = self.call("PUT", "/v1/areas/{id}", 200, params={"id": aid}, body=dict(f2, id=aid), party="admin",
                      headers={"If-Match": '"1"'})
        self.assertEqual(r.json["properties"]["version"], 2)
        self.assertEqual(r.headers["etag"], '"2"')
        # Without If-Match the write applies to the current version.
        f3 = feature(polygon(36.0, 34.0, 0.25), kind="control", party="SAA", name="Homs pocket",
                     valid_from="2017-06-01T00:00:00Z")
        r = self.call("PUT", "/v1/areas/{id}", 200, params={"id": aid}, body=f3, party="admin")
        self.assertEqual(r.json["properties"]["version"], 3)
        old = self.call("GET", "/v1/areas/{id}", 200, params={"id": aid}, query={"version": 1}, party="SAA").json
        self.assertEqual(old["properties"]["effective_to"], "2017-05-08T00:00:00Z")
        self.assertEqual(old["properties"]["party"], "Opposition")
        h = self.call("GET", "/v1/areas/{id}/history", 200, params={"id": aid}, party="IAMC").json
        self.assertEqual([x["properties"]["version"] for x in h["features"]], [1, 2, 3])
        self.assertEqual(h["area_id"], aid)
        # Errors.
        self.call("PUT", "/v1/areas/{id}", 400, params={"id": aid}, body=f3, party="admin",
                  headers={"If-Match": 'W/"1"'}, field="If-Match")
        f_early = feature(polygon(36.0, 34.0, 0.2), kind="control", party="SAA", name="Homs pocket",
                          valid_from="2016-06-01T00:00:00Z")
        self.call("PUT", "/v1/areas/{id}", 400, params={"id": aid}, body=f_early, party="admin",
                  field="properties.valid_from")
        self.call("PUT", "/v1/areas/{id}", 400, params={"id": aid}, body=dict(f3, id=aid + 1), party="admin",
                  field="id")
        self.call("PUT", "/v1/areas/{id}", 400, params={"id": "abc"}, body=f3, party="admin", field="id")
        self.call("PUT", "/v1/areas/{id}", 401, params={"id": aid}, body=f3)
        self.call("PUT", "/v1/areas/{id}", 403, params={"id": aid}, body=f3, party="Kazakhstan")
        mine = feature(polygon(36.0, 34.0, 0.2), kind="control", party="Opposition", name="Homs pocket",
                       valid_from="2017-07-01T00:00:00Z")
        self.call("PUT", "/v1/areas/{id}", 403, params={"id": aid}, body=mine, party="Opposition")  # not its own now
        self.call("PUT", "/v1/areas/{id}", 404, params={"id": 987654}, body=f3, party="admin", field="id")
        self.call("PUT", "/v1/areas/{id}", 413, params={"id": aid}, party="admin",
                  body=dict(f3, properties=dict(f3["properties"], description="x" * BODY_LIMIT)))
        self.call("PUT", "/v1/areas/{id}", 415, params={"id": aid}, body=f3, party="admin", content_type="text/csv")
        self.call("GET", "/v1/areas/{id}", 400, params={"id": "0"}, party="SAA", field="id")
        self.call("GET", "/v1/areas/{id}", 400, params={"id": aid}, query={"version": "x"}, party="SAA",
                  field="version")
        self.call("GET", "/v1/areas/{id}", 401, params={"id": aid})
        self.call("GET", "/v1/areas/{id}", 404, params={"id": 987654}, party="SAA", field="id")
        self.call("GET", "/v1/areas/{id}", 404, params={"id": aid}, query={"version": 9}, party="SAA")
        self.call("GET", "/v1/areas/{id}/history", 400, params={"id": "-1"}, party="SAA", field="id")
        self.call("GET", "/v1/areas/{id}/history", 401, params={"id": aid})
        self.call("GET", "/v1/areas/{id}/history", 404, params={"id": 987654}, party="SAA")
        # The visibility rule: what a party may not read is not found.
        secret = self.new_area(feature(polygon(35.0, 33.0, 0.1), kind="no_strike", name="Position",
                                       visibility=["Russia"]))
        self.call("GET", "/v1/areas/{id}", 200, params={"id": secret["id"]}, party="Russia")
        self.call("GET", "/v1/areas/{id}", 404, params={"id": secret["id"]}, party="Kazakhstan")
        self.call("GET", "/v1/areas/{id}/history", 404, params={"id": secret["id"]}, party="SAA")
        self.call("PUT", "/v1/areas/{id}", 404, params={"id": secret["id"]}, party="SAA",
                  body=feature(polygon(35.0, 33.0, 0.1), kind="no_strike", name="Position", party="SAA"))

    def test_area_list(self):
        ids = [self.new_area(feature(polygon(40 + i * 0.2, 33.0), kind="no_strike", name="NS%d" % i,
                                     party="SAA"), party="SAA")["id"] for i in range(5)]
        seen, cursor = [], None
        for _ in range(10):
            q = {"kind": "no_strike", "party": "SAA", "limit": 2}
            if cursor:
                q["cursor"] = cursor
            page = self.call("GET", "/v1/areas", 200, query=q, party="Kazakhstan").json
            self.assertLessEqual(len(page["features"]), 2)
            seen += [x["id"] for x in page["features"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(sorted(seen), sorted(ids))
        q = {"bbox": "39.9,32.9,40.5,33.3", "at": "2016-03-01T00:00:00+02:00"}
        got = [x["id"] for x in self.call("GET", "/v1/areas", 200, query=q, party="SAA").json["features"]]
        self.assertEqual(sorted(got), sorted(ids[:3]))
        before = self.call("GET", "/v1/areas", 200, query={"at": "2015-01-01"}, party="SAA").json
        self.assertEqual([x for x in before["features"] if x["id"] in ids], [])
        for q, field in [({"kind": "bogus"}, "kind"), ({"bbox": "1,2,3"}, "bbox"), ({"bbox": "3,2,1,4"}, "bbox"),
                         ({"limit": 0}, "limit"), ({"limit": 1001}, "limit"), ({"cursor": "abc"}, "cursor"),
                         ({"at": "tomorrow"}, "at"), ({"colour": "red"}, "colour")]:
            self.call("GET", "/v1/areas", 400, query=q, party="SAA", field=field)
        # An unencoded "+" in a time offset decodes to a space: refused.
        self.call("GET", "/v1/areas", 400, qs="at=2016-03-01T00:00:00+02:00", party="SAA", field="at")
        self.call("GET", "/v1/areas", 401)

    def test_agreements(self):
        self.ensure_actor("ISIS")
        zone = self.new_area(feature(polygon(38.0, 35.0, 1.0), kind="ceasefire_zone", name="Zone B"))
        body = {"name": "Zone B ceasefire", "description": "illustrative",
                "start": "2016-02-27T00:00:00+02:00", "end": "2016-09-19T00:00:00Z",
                "parties": ["SAA", "Opposition"], "excluded_actors": ["ISIS"], "zones": [zone["id"]],
                "provisions": [{"text": "Cease attacks", "responsible": "SAA", "deadline": "2016-03-01T00:00:00Z",
                                "status": "in_progress"}, {"text": "Report violations"}],
                "visibility": "public"}
        ag = self.new_agreement(body, party="Russia")
        self.assertEqual(ag["start"], "2016-02-26T22:00:00Z")
        self.assertEqual([p["status"] for p in ag["provisions"]], ["in_progress", "pending"])
        minimal = self.new_agreement({"name": "Everywhere", "start": "2016-12-29T22:00:00Z"})
        self.assertIsNone(minimal["zones"])
        self.assertIsNone(minimal["end"])
        restricted = self.new_agreement({"name": "Delineation", "start": "2016-09-09T00:00:00Z",
                                         "visibility": ["Russia"]}, party="JMC")
        got = self.call("GET", "/v1/agreements/{id}", 200, params={"id": ag["id"]}, party="Kazakhstan").json
        self.assertIn("receipt", ag)
        self.assertEqual(got, {k: v for k, v in ag.items() if k != "receipt"})
        self.call("GET", "/v1/agreements/{id}", 200, params={"id": restricted["id"]}, party="Russia")
        self.call("GET", "/v1/agreements/{id}", 404, params={"id": restricted["id"]}, party="SAA", field="id")
        self.call("GET", "/v1/agreements/{id}", 400, params={"id": "abc"}, party="SAA", field="id")
        self.call("GET", "/v1/agreements/{id}", 401, params={"id": ag["id"]})
        # Lists: all, in force at a time, paginated.
        names, cursor = [], None
        for _ in range(10):
            q = {"limit": 1}
            if cursor:
                q["cursor"] = cursor
            page = self.call("GET", "/v1/agreements", 200, query=q, party="Russia").json
            names += [x["name"] for x in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertTrue({"Zone B ceasefire", "Everywhere", "Delineation"} <= set(names))
        at = self.call("GET", "/v1/agreements", 200, query={"at": "2016-05-01T00:00:00Z"}, party="SAA").json
        self.assertIn("Zone B ceasefire", [x["name"] for x in at["items"]])
        self.assertNotIn("Everywhere", [x["name"] for x in at["items"]])
        self.assertNotIn("Delineation", [x["name"] for x in self.call(
            "GET", "/v1/agreements", 200, party="SAA").json["items"]])
        self.call("GET", "/v1/agreements", 400, query={"cursor": "abc"}, party="SAA", field="cursor")
        self.call("GET", "/v1/agreements", 400, query={"at": "2016-13-01T00:00:00Z"}, party="SAA", field="at")
        self.call("GET", "/v1/agreements", 401)
        # Writes that are refused.
        start = "2016-01-01T00:00:00Z"
        for bad, field in [({"name": "A1", "start": start, "zones": []}, "zones"),
                           ({"name": "A2", "start": start, "colour": "red"}, "colour"),
                           ({"name": "A3", "start": start, "provisions": [{"text": "x", "status": "maybe"}]},
                            "provisions[0].status"),
                           ({"name": "A4", "start": "yesterday"}, "start"),
                           ({"name": "A5", "start": start, "parties": ["SAA", "SAA"]}, "parties[1]"),
                           ({"start": start}, "name")]:
            self.call("POST", "/v1/agreements", 400, body=bad, party="admin", field=field, bad_body=True)
        self.call("POST", "/v1/agreements", 400, body={"name": "A6", "start": start, "zones": [987654]},
                  party="admin", field="zones[0]")
        self.call("POST", "/v1/agreements", 400, body={"name": "A7", "start": start, "end": "2015-01-01T00:00:00Z"},
                  party="admin", field="end")
        self.call("POST", "/v1/agreements", 401, body={"name": "A8", "start": start})
        self.call("POST", "/v1/agreements", 403, body={"name": "A8", "start": start}, party="SAA")
        self.call("POST", "/v1/agreements", 409, body={"name": "Everywhere", "start": start}, party="admin",
                  field="name")
        self.call("POST", "/v1/agreements", 413, body={"name": "A9", "start": start, "description": "x" * BODY_LIMIT},
                  party="admin")
        self.call("POST", "/v1/agreements", 415, body={"name": "A9", "start": start}, party="admin",
                  content_type=None, field="Content-Type")

    def test_attribution(self):
        self.ensure_actor("ISIS")
        base = 44.0  # a corner of the map no other test uses
        ctl = self.new_area(feature(polygon(base, 30.0, 0.5), kind="control", party="SAA", name="Held"))
        self.new_area(feature(polygon(base + 0.3, 30.3, 0.5), kind="control", actor="ISIS", name="Held by ISIS"))
        zone = self.new_area(feature(polygon(base - 1, 29.0, 3.0), kind="ceasefire_zone", name="Zone C"))
        self.new_area(feature(polygon(base - 1, 29.0, 3.0), kind="region", name="Region C"))
        self.new_agreement({"name": "Zone C truce", "start": "2016-01-01T00:00:00Z", "parties": ["SAA"],
                            "excluded_actors": ["ISIS"], "zones": [zone["id"]]})
        q = {"lon": base + 0.1, "lat": 30.1, "at": "2016-06-01T00:00:00Z"}
        a = self.call("GET", "/v1/attribution", 200, query=q, party="Kazakhstan").json
        self.assertEqual(a["controller"], {"name": "SAA", "type": "party", "area_id": ctl["id"]})
        self.assertFalse(a["contested"])
        self.assertEqual(a["region"], "Region C")
        self.assertIn("Zone C truce", [g["name"] for g in a["agreements"]])
        self.call("GET", "/v1/attribution", 200, qs="lon=%g&lat=30.4&at=2016-06-01T00:00:00%%2B02:00" % (base + 0.4),
                  party="SAA")
        a = self.call("GET", "/v1/attribution", 200, query={"lon": base + 0.4, "lat": 30.4,
                                                              "at": "2016-06-01T00:00:00+02:00"}, party="SAA").json
        self.assertTrue(a["contested"])
        self.assertIsNone(a["controller"])
        truce = [g for g in a["agreements"] if g["name"] == "Zone C truce"]
        self.assertEqual(truce[0]["excluded_actors_here"], ["ISIS"])
        self.assertEqual(a["actors"], ["ISIS"])
        a = self.call("GET", "/v1/attribution", 200, query={"lon": base + 0.7, "lat": 30.7,
                                                              "at": "2016-06-01T00:00:00Z"}, party="Russia").json
        self.assertEqual(a["controller"]["type"], "actor")
        self.assertEqual(a["controller"]["name"], "ISIS")
        # A point under one no-strike area only, at the default time (now). (A point under no
        # area at all is checked by KnownServerBugsTest.)
        self.new_area(feature(polygon(48.0, 30.0, 0.1), kind="no_strike", name="Lone site"))
        lone = self.call("GET", "/v1/attribution", 200, query={"lon": 48.05, "lat": 30.05}, party="SAA").json
        self.assertEqual([x["name"] for x in lone["no_strike"]], ["Lone site"])
        self.assertEqual(lone["control"], [])
        self.assertIsNone(lone["region"])
        self.assertIsNone(lone["controller"])
        self.assertFalse(lone["contested"])
        for q, field in [({"lon": 200, "lat": 36}, "lon"), ({"lon": 37, "lat": "x"}, "lat"), ({"lat": 36}, "lon"),
                         ({"lon": 37, "lat": 36, "at": "tomorrow"}, "at"), ({"lon": 37, "lat": 36, "zoom": 3}, "zoom")]:
            self.call("GET", "/v1/attribution", 400, query=q, party="SAA", field=field)
        self.call("GET", "/v1/attribution", 401, query={"lon": 37, "lat": 36})
        # Truce-Min-Index (issue 14): applied already, malformed, not reached within the bound
        self.call("GET", "/v1/attribution", 200, query={"lon": 37, "lat": 36}, party="SAA",
                  headers={"Truce-Min-Index": "0"})
        self.call("GET", "/v1/attribution", 400, query={"lon": 37, "lat": 36}, party="SAA",
                  headers={"Truce-Min-Index": "soon"}, field="Truce-Min-Index")
        r = self.call("GET", "/v1/attribution", 503, query={"lon": 37, "lat": 36}, party="SAA",
                      headers={"Truce-Min-Index": str(2 ** 62)}, field="Truce-Min-Index")
        self.assertIn("retry-after", r.headers)

    def dc_ids(self):
        """A public site and an operation, for the routes that name one."""
        site = self.call("POST", "/v1/sites", 201, body=SITE, party="UNOCHA").json
        op = self.call("POST", "/v1/operations", 201, body={"kind": "ground", "volumes": [volume(10.0, 10.0, 100)]},
                       party="SAA").json
        rep = self.call("POST", "/v1/reports", 201, body=REPORT, party="admin").json
        unknown = {k: v for k, v in REPORT.items() if k != "alleged_perpetrator"}
        unknown["location"] = {"type": "Point", "coordinates": [15.0, 15.0]}
        lone = self.call("POST", "/v1/reports", 201, body=unknown, party="admin").json  # undetermined: no alert
        return {"/v1/sites/{id}": site["properties"]["id"], "/v1/operations/{id}": op["id"],
                "/v1/notices/{id}/ack": 1, "/v1/reports/{id}": rep["id"], "/v1/incidents/{id}": rep["incident_id"],
                "/v1/incidents/{id}/responses": rep["incident_id"], "/v1/incidents/{id}/verdict": rep["incident_id"],
                "/v1/incidents/{id}/cap": lone["incident_id"],
                "/v1/incidents/{id}/split": lone["incident_id"], "/v1/incidents/{id}/merge": lone["incident_id"],
                "/v1/movements/{id}": self.call("POST", "/v1/movements", 201, body=MOVEMENT,
                                                party="UNOCHA").json["properties"]["id"],
                "/v1/operations/{id}/state": op["id"], "/v1/movements/{id}/status": 1,
                "/v1/movements/{id}/position": 1,
                "/v1/checkpoints/{id}": self.call("POST", "/v1/checkpoints", 201, body=CHECKPOINT,
                                                  party="UNOCHA").json["properties"]["id"]}

    def test_states_statuses_positions(self):
        op = self.call("POST", "/v1/operations", 201, body={"kind": "air", "volumes": [volume(14.0, 14.0, 500)]},
                       party="SAA").json
        oid = {"id": op["id"]}
        self.call("POST", "/v1/operations/{id}/state", 400, params=oid, body={"state": "flying"}, party="SAA",
                  field="state", bad_body=True)
        self.call("POST", "/v1/operations/{id}/state", 401, params=oid, body={"state": "active"})
        self.call("POST", "/v1/operations/{id}/state", 403, params=oid, body={"state": "active"}, party="Opposition",
                  field="id")
        self.call("POST", "/v1/operations/{id}/state", 404, params={"id": 999999}, body={"state": "active"},
                  party="SAA", field="id")
        self.call("POST", "/v1/operations/{id}/state", 409, params=oid, body={"state": "ended"}, party="SAA",
                  field="state")
        self.call("POST", "/v1/operations/{id}/state", 413, params=oid, body={"x": "y" * BODY_LIMIT}, party="SAA")
        self.call("POST", "/v1/operations/{id}/state", 415, params=oid, body={"state": "active"}, party="SAA",
                  content_type="text/plain", field="Content-Type")
        r = self.call("POST", "/v1/operations/{id}/state", 200, params=oid, body={"state": "active", "reason": "go"},
                      party="SAA").json
        self.assertEqual(r["state"], "active")
        got = self.call("GET", "/v1/operations/{id}", 200, params=oid, party="Kazakhstan").json
        self.assertEqual((got["state"], len(got["history"])), ("active", 1))
        mov = self.call("POST", "/v1/movements", 201, body=MOVEMENT, party="UNOCHA").json["properties"]["id"]
        mid = {"id": mov}
        self.call("POST", "/v1/movements/{id}/position", 409, params=mid, body={"position": [11.0, 11.0]},
                  party="UNOCHA", field="position")
        self.call("POST", "/v1/movements/{id}/status", 400, params=mid, body={"status": "lost"}, party="UNOCHA",
                  field="status", bad_body=True)
        self.call("POST", "/v1/movements/{id}/status", 401, params=mid, body={"status": "en_route"})
        self.call("POST", "/v1/movements/{id}/status", 403, params=mid, body={"status": "en_route"}, party="SAA",
                  field="id")
        self.call("POST", "/v1/movements/{id}/status", 404, params={"id": 999999}, body={"status": "en_route"},
                  party="UNOCHA", field="id")
        self.call("POST", "/v1/movements/{id}/status", 413, params=mid, body={"x": "y" * BODY_LIMIT}, party="UNOCHA")
        self.call("POST", "/v1/movements/{id}/status", 415, params=mid, body={"status": "en_route"}, party="UNOCHA",
                  content_type="text/plain", field="Content-Type")
        self.call("POST", "/v1/movements/{id}/status", 200, params=mid, body={"status": "en_route"}, party="UNOCHA")
        self.call("POST", "/v1/movements/{id}/status", 409, params=mid, body={"status": "en_route"}, party="UNOCHA",
                  field="status")
        self.call("POST", "/v1/movements/{id}/position", 400, params=mid, body={"position": [200, 0]},
                  party="UNOCHA", field="position", bad_body=False)
        self.call("POST", "/v1/movements/{id}/position", 401, params=mid, body={"position": [11.0, 11.0]})
        self.call("POST", "/v1/movements/{id}/position", 403, params=mid, body={"position": [11.0, 11.0]},
                  party="SAA", field="id")
        self.call("POST", "/v1/movements/{id}/position", 404, params={"id": 999999}, body={"position": [11.0, 11.0]},
                  party="UNOCHA", field="id")
        self.call("POST", "/v1/movements/{id}/position", 413, params=mid, body={"x": "y" * BODY_LIMIT},
                  party="UNOCHA")
        self.call("POST", "/v1/movements/{id}/position", 415, params=mid, body={"position": [11.0, 11.0]},
                  party="UNOCHA", content_type="text/plain", field="Content-Type")
        r = self.call("POST", "/v1/movements/{id}/position", 200, params=mid, body={"position": [11.0, 11.0]},
                      party="UNOCHA").json
        self.assertTrue(r["on_route"])
        got = self.call("GET", "/v1/movements/{id}", 200, params=mid, party="UNOCHA").json["properties"]
        self.assertEqual((got["status"], got["position"]["position"]), ("en_route", [11.0, 11.0]))

    def human_ids(self):
        """A public corridor, agreement, step and mediated message, for the humanitarian routes (issue 6)."""
        line = {"type": "LineString", "coordinates": [[37.20, 36.20], [37.10, 36.20]]}
        cid = self.new_area(feature(line, kind="corridor", name="Ids corridor", party="UNOCHA", width_m=500),
                            party="UNOCHA")["id"]
        ag = self.new_agreement({"name": "Ids agreement %d" % cid, "start": "2016-01-01T00:00:00Z",
                                 "parties": ["SAA", "Opposition"], "provisions": [{"text": "Withdraw"}]})
        step = self.call("POST", "/v1/agreements/{id}/steps", 201, params={"id": ag["id"]}, party="Russia",
                         body={"steps": [{"title": "Withdraw", "responsible": "SAA", "provision": 1}]}).json
        msg = self.call("POST", "/v1/messages", 201, body={"to": "Opposition", "via": "Russia", "kind": "proposal",
                                                          "text": "Talks"}, party="SAA").json
        ids = {"/v1/corridors/{id}/" + sub: cid for sub in ("openings", "suspensions", "resumptions", "crossings")}
        return {**ids, "/v1/corridors/{id}": cid, "/v1/agreements/{id}/steps": ag["id"],
                "/v1/agreements/{id}/timeline": ag["id"], "/v1/steps/{id}/status": step["steps"][0]["id"],
                "/v1/messages/{id}/forward": msg["id"], "/v1/agreements/{id}/separation": ag["id"],
                "/v1/steps/{id}": step["steps"][0]["id"]}

    def test_humanitarian(self):
        """Corridors, agreement steps and timelines, messages (issue 6): every documented status."""
        line = {"type": "LineString", "coordinates": [[37.30, 36.30], [37.20, 36.30]]}
        cid = self.new_area(feature(line, kind="corridor", name="Spec corridor", party="UNOCHA", width_m=500),
                            party="UNOCHA")["id"]
        hidden = self.new_area(feature(line, kind="corridor", name="Hidden corridor", party="UNOCHA", width_m=500,
                                       visibility=["Russia"]), party="UNOCHA")["id"]
        p = {"id": cid}
        big = "x" * BODY_LIMIT
        opening = {"from": "2016-12-15T00:00:00Z", "to": "2016-12-22T00:00:00Z", "note": "first week"}
        for sub, good, bad, conflict, who in (
                ("openings", opening, dict(opening, colour="red"), opening, "UNOCHA"),
                ("crossings", {"date": "2016-12-16", "count": 8000, "source": {"kind": "party", "ref": "MoD"}},
                 {"date": "2016-12-16", "count": -5, "source": {"kind": "party"}}, None, "SAA"),
                ("suspensions", {"from": "2016-12-17T10:00:00Z", "reason": "shelling"}, {"from": "2016-12-17"},
                 {"reason": "again"}, "UNOCHA"),
                ("resumptions", {"at": "2016-12-17T18:00:00Z"}, {"at": "2016-12-17T18:00:00Z", "x": 1}, {}, "UNOCHA")):
            route = "/v1/corridors/{id}/" + sub
            r = self.call("POST", route, 201, params=p, body=good, party=who)
            self.assertEqual(r.json["kind"], sub[:-1])
            self.call("POST", route, 400, params=p, body=bad, party=who, bad_body=True)
            self.call("POST", route, 400, params={"id": "x"}, body=good, party=who, field="id")
            self.call("POST", route, 401, params=p, body=good)
            self.call("POST", route, 403, params=p, body=good, party="Kazakhstan")
            self.call("POST", route, 404, params={"id": hidden}, body=good, party="SAA", field="id")
            self.call("POST", route, 404, params={"id": 10 ** 9}, body=good, party=who, field="id")
            if conflict is not None:
                self.call("POST", route, 409, params=p, body=conflict, party=who)
                self.call("POST", route, 403, params=p, body=good, party="SAA")  # not the corridor's owner
            self.call("POST", route, 413, params=p, body=dict(good, note=big), party=who)
            self.call("POST", route, 415, params=p, body=good, party=who, content_type="text/plain",
                      field="Content-Type")
        r = self.call("GET", "/v1/corridors/{id}", 200, params=p, query={"at": "2016-12-17T12:00:00Z"},
                      party="Kazakhstan")
        self.assertEqual(r.json["status"], "suspended")
        self.call("GET", "/v1/corridors/{id}", 400, params=p, query={"at": "noon"}, party="SAA", field="at")
        self.call("GET", "/v1/corridors/{id}", 401, params=p)
        self.call("GET", "/v1/corridors/{id}", 404, params={"id": hidden}, party="SAA", field="id")
        # Agreement steps.
        ag = self.new_agreement({"name": "Spec steps", "start": "2016-12-13T00:00:00Z", "parties": ["SAA"],
                                 "provisions": [{"text": "Withdrawal of fighters", "responsible": "SAA"}]})
        ap = {"id": ag["id"]}
        steps = {"steps": [{"key": "a", "title": "Ceasefire", "responsible": "SAA", "provision": 1,
                            "deadline": "2016-12-14T00:00:00Z"},
                           {"title": "Fighters leave", "responsible": "SAA", "provision": 1, "depends_on": ["a"]}]}
        r = self.call("POST", "/v1/agreements/{id}/steps", 201, params=ap, body=steps, party="Russia")
        s1, s2 = [s["id"] for s in r.json["steps"]]
        cycle = {"steps": [{"key": "a", "title": "A", "responsible": "SAA", "depends_on": ["b"]},
                           {"key": "b", "title": "B", "responsible": "SAA", "depends_on": ["a"]}]}
        self.call("POST", "/v1/agreements/{id}/steps", 400, params=ap, body=cycle, party="Russia",
                  field="steps[0].depends_on")
        self.call("POST", "/v1/agreements/{id}/steps", 400, params=ap, body={"steps": []}, party="Russia",
                  field="steps", bad_body=True)
        self.call("POST", "/v1/agreements/{id}/steps", 401, params=ap, body=steps)
        self.call("POST", "/v1/agreements/{id}/steps", 403, params=ap, body=steps, party="SAA")
        self.call("POST", "/v1/agreements/{id}/steps", 404, params={"id": 10 ** 9}, body=steps, party="Russia")
        self.call("POST", "/v1/agreements/{id}/steps", 413, params=ap,
                  body={"steps": [{"title": big, "responsible": "SAA"}]}, party="Russia")
        self.call("POST", "/v1/agreements/{id}/steps", 415, params=ap, body=steps, party="Russia",
                  content_type="text/plain", field="Content-Type")
        sp = {"id": s2}
        self.call("POST", "/v1/steps/{id}/status", 409, params=sp, body={"status": "done"}, party="SAA",
                  field="status")  # its dependency is not done
        self.call("POST", "/v1/steps/{id}/status", 201, params={"id": s1}, party="SAA",
                  body={"status": "done", "at": "2016-12-13T20:00:00Z",
                        "evidence": [{"url": "https://example.org/s.pdf", "sha256": "ab" * 32}]})
        r = self.call("POST", "/v1/steps/{id}/status", 201, params=sp, body={"status": "in_progress"}, party="SAA")
        self.assertEqual(r.json["step_status"], "in_progress")
        self.call("POST", "/v1/steps/{id}/status", 409, params=sp, body={"status": "in_progress"}, party="SAA")
        self.call("POST", "/v1/steps/{id}/status", 400, params=sp, body={"status": "late"}, party="SAA",
                  field="status", bad_body=True)
        self.call("POST", "/v1/steps/{id}/status", 401, params=sp, body={"status": "done"})
        self.call("POST", "/v1/steps/{id}/status", 403, params=sp, body={"status": "done"}, party="Kazakhstan")
        self.call("POST", "/v1/steps/{id}/status", 403, params=sp, body={"status": "done"}, party="Opposition",
                  field="status")
        self.call("POST", "/v1/steps/{id}/status", 404, params={"id": 10 ** 9}, body={"status": "done"}, party="SAA")
        self.call("POST", "/v1/steps/{id}/status", 413, params=sp, body={"status": "done", "reason": big}, party="SAA")
        self.call("POST", "/v1/steps/{id}/status", 415, params=sp, body={"status": "done"}, party="SAA",
                  content_type="text/plain", field="Content-Type")
        r = self.call("GET", "/v1/agreements/{id}/timeline", 200, params=ap, party="Kazakhstan")
        self.assertEqual(r.json["provisions"][0]["score"], 2)
        self.call("GET", "/v1/agreements/{id}/timeline", 400, params=ap, query={"at": "soon"}, party="SAA",
                  field="at")
        self.call("GET", "/v1/agreements/{id}/timeline", 401, params=ap)
        self.call("GET", "/v1/agreements/{id}/timeline", 404, params={"id": 10 ** 9}, party="SAA", field="id")
        # Messages.
        msg = {"to": "Opposition", "via": "Russia", "kind": "request", "text": "Join the demining of Palmyra"}
        r = self.call("POST", "/v1/messages", 201, body=msg, party="SAA")
        mp = {"id": r.json["id"]}
        self.assertEqual(r.json["state"], "awaiting_forward")
        self.call("POST", "/v1/messages", 400, body=dict(msg, to="Nobody"), party="SAA", field="to")
        self.call("POST", "/v1/messages", 400, body=dict(msg, kind="threat"), party="SAA", field="kind",
                  bad_body=True)
        self.call("POST", "/v1/messages", 401, body=msg)
        self.call("POST", "/v1/messages", 403, body=msg, party="Kazakhstan")
        self.call("POST", "/v1/messages", 413, body=dict(msg, text=big), party="SAA")
        self.call("POST", "/v1/messages", 415, body=msg, party="SAA", content_type="text/plain", field="Content-Type")
        self.call("POST", "/v1/messages/{id}/forward", 403, params=mp, body={}, party="SAA", field="id")
        self.call("POST", "/v1/messages/{id}/forward", 404, params=mp, body={}, party="Opposition", field="id")
        r = self.call("POST", "/v1/messages/{id}/forward", 201, params=mp, body={"note": "passed on"}, party="Russia")
        self.assertEqual([c["role"] for c in r.json["chain"]], ["sender", "mediator"])
        self.call("POST", "/v1/messages/{id}/forward", 409, params=mp, body={}, party="Russia", field="id")
        self.call("POST", "/v1/messages/{id}/forward", 400, params=mp, body={"note": 5}, party="Russia",
                  field="note", bad_body=True)
        self.call("POST", "/v1/messages/{id}/forward", 401, params=mp, body={})
        self.call("POST", "/v1/messages/{id}/forward", 403, params=mp, body={}, party="Kazakhstan")
        self.call("POST", "/v1/messages/{id}/forward", 413, params=mp, body={"note": big}, party="Russia")
        self.call("POST", "/v1/messages/{id}/forward", 415, params=mp, body={}, party="Russia",
                  content_type="text/plain", field="Content-Type")
        notices = self.call("GET", "/v1/notices", 200, party="Opposition").json["items"]
        self.assertIn("message", [n["kind"] for n in notices])
        r = self.call("GET", "/v1/messages", 200, query={"limit": 5}, party="Opposition")
        self.assertIn(mp["id"], [m["id"] for m in r.json["items"]])
        self.call("GET", "/v1/messages", 400, query={"limit": 0}, party="Opposition", field="limit")
        self.call("GET", "/v1/messages", 401)

    def mine_ids(self):
        """A hazard and a task on it, for the mine action routes that name one."""
        hz = self.call("POST", "/v1/hazards", 201, body=HAZARD, party="IAMC").json
        hid = hz["properties"]["id"]
        task = self.call("POST", "/v1/tasks", 201, body={**TASK, "hazard_id": hid}, party="IAMC").json
        return {"/v1/hazards/{id}": hid, "/v1/hazards/{id}/status": hid, "/v1/tasks/{id}": task["id"],
                "/v1/tasks/{id}/progress": task["id"], "/v1/tasks/{id}/close": task["id"]}

    def test_mine_action(self):
        big = {**HAZARD, "properties": {**HAZARD["properties"], "evidence": "x" * BODY_LIMIT}}
        self.call("POST", "/v1/hazards", 413, body=big, party="IAMC")
        self.call("POST", "/v1/hazards", 415, body=HAZARD, party="IAMC", content_type="text/plain",
                  field="Content-Type")
        self.call("POST", "/v1/hazards", 400, body={**HAZARD, "properties": {**HAZARD["properties"], "kind": "X"}},
                  party="IAMC", field="properties.kind", bad_body=True)
        self.call("POST", "/v1/hazards", 401, body=HAZARD)
        self.call("POST", "/v1/hazards", 403, body=HAZARD, party="Kazakhstan")
        hz = self.call("POST", "/v1/hazards", 201, body=HAZARD, party="IAMC", content_type="application/geo+json").json
        hid = hz["properties"]["id"]
        op = self.call("POST", "/v1/operations", 201, body={"kind": "ground", "volumes": [volume(14.005, 14.005, 50)]},
                       party="SAA").json
        self.assertIn("hazard", [c["type"] for c in op["conflicts"]])
        self.call("GET", "/v1/hazards", 200, query={"status": "open", "bbox": "13,13,15,15", "limit": 5},
                  party="Kazakhstan")
        self.call("GET", "/v1/hazards", 400, query={"bbox": "x"}, party="Kazakhstan", field="bbox")
        self.call("GET", "/v1/hazards", 401)
        self.call("GET", "/v1/hazards/{id}", 200, params={"id": hid}, party="Kazakhstan")
        self.call("GET", "/v1/hazards/{id}", 400, params={"id": "x"}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/hazards/{id}", 404, params={"id": 10 ** 9}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/hazards/{id}", 401, params={"id": hid})
        task = self.call("POST", "/v1/tasks", 201, body={**TASK, "hazard_id": hid, "contributors": ["Russia"]},
                         party="IAMC").json
        tid = task["id"]
        self.call("POST", "/v1/tasks", 400, body={**TASK, "hazard_id": hid, "kind": "x"}, party="IAMC", field="kind",
                  bad_body=True)
        self.call("POST", "/v1/tasks", 401, body=TASK)
        self.call("POST", "/v1/tasks", 403, body=TASK, party="SAA")
        self.call("POST", "/v1/tasks", 413, body={**TASK, "operator": "x" * BODY_LIMIT}, party="IAMC")
        self.call("POST", "/v1/tasks", 415, body=TASK, party="IAMC", content_type="text/plain")
        self.call("GET", "/v1/tasks/{id}", 200, params={"id": tid}, party="Kazakhstan")
        self.call("GET", "/v1/tasks/{id}", 400, params={"id": "0"}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/tasks/{id}", 404, params={"id": 10 ** 9}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/tasks/{id}", 401, params={"id": tid})
        prog = {"date": "2016-04-02T00:00:00Z", "cleared_m2": 1000, "items": [{"type": "UXO", "found": 2,
                                                                             "destroyed": 2}]}
        self.call("POST", "/v1/tasks/{id}/progress", 201, params={"id": tid}, body=prog, party="Russia")
        self.call("POST", "/v1/tasks/{id}/progress", 400, params={"id": tid}, body={**prog, "cleared_m2": -1},
                  party="IAMC", field="cleared_m2", bad_body=True)
        self.call("POST", "/v1/tasks/{id}/progress", 401, params={"id": tid}, body=prog)
        self.call("POST", "/v1/tasks/{id}/progress", 403, params={"id": tid}, body=prog, party="SAA", field="id")
        self.call("POST", "/v1/tasks/{id}/progress", 404, params={"id": 10 ** 9}, body=prog, party="IAMC", field="id")
        self.call("POST", "/v1/tasks/{id}/progress", 413, params={"id": tid}, body={"x": "y" * BODY_LIMIT},
                  party="IAMC")
        self.call("POST", "/v1/tasks/{id}/progress", 415, params={"id": tid}, body=prog, party="IAMC",
                  content_type="text/plain")
        close = {"date": "2016-05-01T00:00:00Z", "outcome": "completed"}
        self.call("POST", "/v1/tasks/{id}/close", 400, params={"id": tid}, body={"outcome": "done", "date": "x"},
                  party="IAMC", field="date", bad_body=True)
        self.call("POST", "/v1/tasks/{id}/close", 401, params={"id": tid}, body=close)
        self.call("POST", "/v1/tasks/{id}/close", 403, params={"id": tid}, body=close, party="SAA", field="id")
        self.call("POST", "/v1/tasks/{id}/close", 404, params={"id": 10 ** 9}, body=close, party="IAMC", field="id")
        self.call("POST", "/v1/tasks/{id}/close", 413, params={"id": tid}, body={"x": "y" * BODY_LIMIT}, party="IAMC")
        self.call("POST", "/v1/tasks/{id}/close", 415, params={"id": tid}, body=close, party="IAMC",
                  content_type="text/plain")
        self.call("POST", "/v1/tasks/{id}/close", 200, params={"id": tid}, body=close, party="IAMC")
        self.call("POST", "/v1/tasks/{id}/close", 409, params={"id": tid}, body=close, party="IAMC", field="id")
        self.call("POST", "/v1/tasks/{id}/progress", 409, params={"id": tid}, body=prog, party="IAMC", field="id")
        acc = {"kind": "demining", "date": "2016-04-02T00:00:00Z", "task_id": tid, "injured": 1, "device": "UXO"}
        self.call("POST", "/v1/accidents", 201, body=acc, party="IAMC")
        self.call("POST", "/v1/accidents", 400, body={**acc, "kind": "x"}, party="IAMC", field="kind", bad_body=True)
        self.call("POST", "/v1/accidents", 401, body=acc)
        self.call("POST", "/v1/accidents", 403, body=acc, party="Kazakhstan")
        self.call("POST", "/v1/accidents", 413, body={**acc, "description": "x" * BODY_LIMIT}, party="IAMC")
        self.call("POST", "/v1/accidents", 415, body=acc, party="IAMC", content_type="text/plain")
        self.call("GET", "/v1/accidents", 200, query={"limit": 1}, party="Kazakhstan")
        self.call("GET", "/v1/accidents", 400, query={"limit": 0}, party="Kazakhstan", field="limit")
        self.call("GET", "/v1/accidents", 401)
        self.call("GET", "/v1/mine-action/summary", 200, query={"from": "2016-01-01", "to": "2017-01-01"},
                  party="Kazakhstan")
        self.call("GET", "/v1/mine-action/summary", 200, party="Kazakhstan")
        self.call("GET", "/v1/mine-action/summary", 400, query={"from": "x"}, party="Kazakhstan", field="from")
        self.call("GET", "/v1/mine-action/summary", 401)
        self.call("GET", "/v1/mine-action/export", 200, party="Kazakhstan")
        self.call("GET", "/v1/mine-action/export", 400, query={"status": "x"}, party="Kazakhstan", field="status")
        self.call("GET", "/v1/mine-action/export", 401)
        st = {"status": "handed_over", "reason": "released to the community"}
        self.call("POST", "/v1/hazards/{id}/status", 400, params={"id": hid}, body={"status": "x"}, party="IAMC",
                  field="status", bad_body=True)
        self.call("POST", "/v1/hazards/{id}/status", 401, params={"id": hid}, body=st)
        self.call("POST", "/v1/hazards/{id}/status", 403, params={"id": hid}, body=st, party="SAA", field="id")
        self.call("POST", "/v1/hazards/{id}/status", 404, params={"id": 10 ** 9}, body=st, party="IAMC", field="id")
        self.call("POST", "/v1/hazards/{id}/status", 413, params={"id": hid}, body={"x": "y" * BODY_LIMIT},
                  party="IAMC")
        self.call("POST", "/v1/hazards/{id}/status", 415, params={"id": hid}, body=st, party="IAMC",
                  content_type="text/plain")
        self.call("POST", "/v1/hazards/{id}/status", 200, params={"id": hid}, body=st, party="IAMC")
        self.call("POST", "/v1/hazards/{id}/status", 409, params={"id": hid}, body=st, party="IAMC", field="status")
        self.call("POST", "/v1/tasks", 409, body={**TASK, "hazard_id": hid}, party="IAMC", field="hazard_id")

    def test_territory(self):
        self.new_area(feature(polygon(15.0, 15.0), kind="control", party="SAA", name="Spec control"))
        r = self.call("GET", "/v1/territory", 200, query={"at": "2016-06-01T00:00:00Z"}, party="Kazakhstan")
        self.assertGreater(r.json["parties"]["SAA"]["controlled_km2"], 0)
        region = self.new_area(feature(polygon(14.9, 14.9, 0.3), kind="region", name="Spec region"))
        self.call("GET", "/v1/territory", 200, query={"from": "2015-06-01T00:00:00Z", "to": "2016-06-01T00:00:00Z",
                                                       "within": region["id"]}, party="Kazakhstan")
        self.call("GET", "/v1/territory", 400, query={"from": "2016-06-01"}, party="Kazakhstan", field="to")
        self.call("GET", "/v1/territory", 400, query={"within": 10 ** 9}, party="Kazakhstan", field="within")
        self.call("GET", "/v1/territory", 401)

    def test_measures(self):
        """Separation, separation steps, aid delivered (issue 20): every documented status."""
        ctl = self.new_area(feature(polygon(16.0, 16.0), kind="control", party="SAA", name="Spec held"))
        region = self.new_area(feature(polygon(15.9, 15.9, 0.3), kind="region", name="Spec measure region"))
        ag = self.new_agreement({"name": "Spec separation", "start": "2016-01-01T00:00:00Z", "parties": ["SAA"]})
        ap = {"id": ag["id"]}
        r = self.call("GET", "/v1/agreements/{id}/separation", 200, params=ap, party="Kazakhstan",
                      query={"at": "2016-06-01T00:00:00Z", "within": region["id"]})
        self.assertEqual(r.json["parties"]["SAA"]["claimed_km2"], round(ctl["properties"]["area_m2"]) / 1e6)
        self.call("GET", "/v1/agreements/{id}/separation", 200, params=ap, party="Kazakhstan",
                  query={"from": "2016-06-01T00:00:00Z", "to": "2016-06-05T00:00:00Z", "within": region["id"]})
        self.call("GET", "/v1/agreements/{id}/separation", 400, params=ap, query={"from": "2016-06-01T00:00:00Z"},
                  party="Kazakhstan", field="to")
        self.call("GET", "/v1/agreements/{id}/separation", 401, params=ap)
        self.call("GET", "/v1/agreements/{id}/separation", 404, params={"id": 10 ** 9}, party="SAA", field="id")
        step = self.call("POST", "/v1/agreements/{id}/steps", 201, params=ap, party="Russia", body={"steps": [
            {"title": "Separate", "responsible": "SAA", "deadline": "2016-06-01T00:00:00Z",
             "separation": {"area": region["id"]}}]}).json["steps"][0]
        sp = {"id": step["id"]}
        r = self.call("GET", "/v1/steps/{id}", 200, params=sp, query={"at": "2016-07-01T00:00:00Z"}, party="SAA")
        self.assertFalse(r.json["separation"]["contradicted"])
        self.call("GET", "/v1/steps/{id}", 400, params=sp, query={"at": "soon"}, party="SAA", field="at")
        self.call("GET", "/v1/steps/{id}", 401, params=sp)
        self.call("GET", "/v1/steps/{id}", 404, params={"id": 10 ** 9}, party="SAA", field="id")
        period = {"from": "2016-01-01T00:00:00Z", "to": "2016-03-01T00:00:00Z"}
        self.call("GET", "/v1/aid", 200, query=period, party="UNOCHA")
        self.call("GET", "/v1/aid", 400, query={"from": "2016-01-01T00:00:00Z"}, party="UNOCHA", field="to")
        self.call("GET", "/v1/aid", 401, query=period)
        for fmt in ("csv", "hxl"):
            self.call("GET", "/v1/exports/aid", 200, query={**period, "format": fmt}, party="UNOCHA")
        self.call("GET", "/v1/exports/aid", 400, query={**period, "format": "xml"}, party="UNOCHA", field="format")
        self.call("GET", "/v1/exports/aid", 401, query={**period, "format": "csv"})

    def test_notices(self):
        first = self.call("POST", "/v1/operations", 201, body={"kind": "air", "volumes": [volume(12.0, 12.0, 500)]},
                          party="SAA").json
        self.call("POST", "/v1/operations", 201, body={"kind": "air", "volumes": [volume(12.0, 12.0, 500)]},
                  party="Russia")
        hidden = dict(SITE, properties=dict(SITE["properties"], kind="forces_position", name="Notified",
                                            visibility=["Opposition"]))
        self.call("POST", "/v1/sites", 201, body=hidden, party="SAA")
        page = self.call("GET", "/v1/notices", 200, query={"limit": 1000}, party="SAA").json
        mine = [n for n in page["items"] if n["payload"].get("conflict_with", {}).get("id") == first["id"]]
        self.assertEqual(len(mine), 1, page)
        self.call("GET", "/v1/notices", 200, query={"after": page["next_cursor"]}, party="SAA")
        site_notice = self.call("GET", "/v1/notices", 200, party="Opposition").json["items"][-1]
        self.assertEqual(site_notice["kind"], "site")
        self.call("GET", "/v1/notices", 400, query={"after": "x"}, party="SAA", field="after")
        self.call("GET", "/v1/notices", 401)
        self.call("GET", "/v1/notices/overdue", 200, party="JMC")
        self.call("GET", "/v1/notices/overdue", 400, query={"limit": "x"}, party="SAA", field="limit")
        self.call("GET", "/v1/notices/overdue", 401)
        # the live stream: its status, media type and first event, then it is left open and closed
        self.call("GET", "/v1/notices/stream", 200, query={"after": mine[0]["id"] - 1}, party="SAA")
        st = self.srv.stream("/v1/notices/stream?after=%d" % (mine[0]["id"] - 1), party="SAA")
        ev = st.events(1)
        st.close()
        self.assertEqual(json.loads(ev[0]["data"]), mine[0])
        self.checker.check("/components/schemas/Notice", mine[0], "a streamed notice")
        self.call("GET", "/v1/notices/stream", 400, query={"after": "x"}, party="SAA", field="after")
        self.call("GET", "/v1/notices/stream", 401)
        nid = mine[0]["id"]
        self.call("POST", "/v1/notices/{id}/ack", 404, params={"id": nid}, body={}, party="Russia", field="id")
        self.call("POST", "/v1/notices/{id}/ack", 400, params={"id": nid}, body={"x": 1}, party="SAA", field="x",
                  bad_body=True)
        self.call("POST", "/v1/notices/{id}/ack", 401, params={"id": nid}, body={})
        self.call("POST", "/v1/notices/{id}/ack", 413, params={"id": nid}, body={"x": "y" * BODY_LIMIT}, party="SAA")
        self.call("POST", "/v1/notices/{id}/ack", 415, params={"id": nid}, body={}, party="SAA",
                  content_type="text/plain", field="Content-Type")
        r = self.call("POST", "/v1/notices/{id}/ack", 200, params={"id": nid}, body={}, party="SAA")
        self.assertEqual(r.json["id"], nid)
        self.call("POST", "/v1/notices/{id}/ack", 409, params={"id": nid}, body={}, party="SAA", field="id")

    def test_checkpoints(self):
        r = self.call("POST", "/v1/checkpoints", 201, body=CHECKPOINT, party="Russia")
        cid = r.json["properties"]["id"]
        self.assertEqual(r.headers["location"], "/v1/checkpoints/%d" % cid)
        hidden = dict(CHECKPOINT, properties=dict(CHECKPOINT["properties"], name="Hidden", visibility=["Russia"],
                                                  controlled_by="SAA", opening_hours=None))
        hid = self.call("POST", "/v1/checkpoints", 201, body=hidden, party="admin").json["properties"]["id"]
        self.call("GET", "/v1/checkpoints/{id}", 200, params={"id": cid}, party="Kazakhstan")
        self.call("GET", "/v1/checkpoints/{id}", 200, params={"id": hid}, party="SAA")
        self.call("GET", "/v1/checkpoints/{id}", 404, params={"id": hid}, party="Opposition", field="id")
        self.call("GET", "/v1/checkpoints/{id}", 400, params={"id": "x"}, party="Opposition", field="id")
        self.call("GET", "/v1/checkpoints/{id}", 401, params={"id": cid})
        page = self.call("GET", "/v1/checkpoints", 200, query={"bbox": "12,12,13,13", "limit": 1},
                         party="Opposition").json
        self.assertEqual([f["properties"]["id"] for f in page["features"]], [cid])
        self.call("GET", "/v1/checkpoints", 400, query={"bbox": "13,12,12,13"}, party="SAA", field="bbox")
        self.call("GET", "/v1/checkpoints", 401)
        bad = dict(CHECKPOINT, properties=dict(CHECKPOINT["properties"], opening_hours=[{"days": ["mon"],
                                                                                        "open": "25:00",
                                                                                        "close": "26:00"}]))
        self.call("POST", "/v1/checkpoints", 400, body=bad, party="Russia", field="properties.opening_hours[0].open",
                  bad_body=True)
        self.call("POST", "/v1/checkpoints", 401, body=CHECKPOINT)
        self.call("POST", "/v1/checkpoints", 403, body=CHECKPOINT, party="Kazakhstan")
        self.call("POST", "/v1/checkpoints", 403, body=hidden, party="Russia", field="properties.controlled_by")
        big = dict(CHECKPOINT, properties=dict(CHECKPOINT["properties"], name="x" * BODY_LIMIT))
        self.call("POST", "/v1/checkpoints", 413, body=big, party="Russia")
        self.call("POST", "/v1/checkpoints", 415, body=CHECKPOINT, party="Russia", content_type="text/plain",
                  field="Content-Type")

    def test_sites_and_operations(self):
        r = self.call("POST", "/v1/sites", 201, body=SITE, party="UNOCHA")
        sid = r.json["properties"]["id"]
        self.assertEqual(r.headers["location"], "/v1/sites/%d" % sid)
        hidden = dict(SITE, properties=dict(SITE["properties"], kind="forces_position", name="Hidden",
                                            visibility=["Russia"]))
        hid = self.call("POST", "/v1/sites", 201, body=hidden, party="SAA").json["properties"]["id"]
        self.call("GET", "/v1/sites/{id}", 200, params={"id": sid}, party="Kazakhstan")
        self.call("GET", "/v1/sites/{id}", 200, params={"id": hid}, party="Russia")
        self.call("GET", "/v1/sites/{id}", 404, params={"id": hid}, party="Opposition", field="id")
        self.call("GET", "/v1/sites/{id}", 404, params={"id": 10 ** 9}, party="Opposition", field="id")
        self.call("GET", "/v1/sites/{id}", 400, params={"id": "x"}, party="Opposition", field="id")
        self.call("GET", "/v1/sites/{id}", 401, params={"id": sid})
        bad = dict(SITE, properties=dict(SITE["properties"], kind="palace"))
        self.call("POST", "/v1/sites", 400, body=bad, party="UNOCHA", field="properties.kind", bad_body=True)
        self.call("POST", "/v1/sites", 401, body=SITE)
        self.call("POST", "/v1/sites", 403, body=SITE, party="Kazakhstan")
        big = dict(SITE, properties=dict(SITE["properties"], name="x" * BODY_LIMIT))
        self.call("POST", "/v1/sites", 413, body=big, party="UNOCHA")
        self.call("POST", "/v1/sites", 415, body=SITE, party="UNOCHA", content_type="text/plain", field="Content-Type")
        # Operations: one over both sites (the hidden one restricted for the opposition).
        body = {"kind": "air", "volumes": [volume(11.0, 11.0, 2000)]}
        r = self.call("POST", "/v1/operations", 201, body=body, party="Opposition")
        oid = r.json["id"]
        self.assertEqual(r.headers["location"], "/v1/operations/%d" % oid)
        restricted = [c for c in r.json["conflicts"] if c["id"] == hid]
        self.assertTrue(restricted and restricted[0]["restricted"], r.json)
        self.assertNotIn("Hidden", r.body)
        r = self.call("POST", "/v1/operations", 409, body=dict(body, reject_on_conflict=True), party="Russia",
                      field="conflicts")
        self.assertLessEqual({sid, hid}, {c["id"] for c in r.json["conflicts"] if c["type"] == "site"})
        # 31 volumes over the hidden site would overshoot the probe budget (30 an hour): withheld, refused.
        many = {"kind": "air", "volumes": [volume(11.0, 11.0, 2000)] * 31, "reject_on_conflict": True}
        r = self.call("POST", "/v1/operations", 429, body=many, party="Opposition", field="conflicts")
        self.assertEqual(r.json["withheld"]["budget"], 30)
        self.assertEqual([c for c in r.json["conflicts"] if c["id"] == hid and c["type"] == "site"], [])
        self.call("POST", "/v1/operations", 400, body={"kind": "air", "volumes": [volume(11, 11, -1)]}, party="SAA",
                  field="volumes[0].volume.outline_circle.radius.value", bad_body=True)
        self.call("POST", "/v1/operations", 401, body=body)
        self.call("POST", "/v1/operations", 403, body=body, party="UNOCHA")
        self.call("POST", "/v1/operations", 413, body={"kind": "air", "volumes": [volume(11, 11, 5)] * 200},
                  party="SAA")
        self.call("POST", "/v1/operations", 415, body=body, party="SAA", content_type="text/plain",
                  field="Content-Type")
        self.call("GET", "/v1/operations/{id}", 200, params={"id": oid}, party="Kazakhstan")
        self.call("GET", "/v1/operations/{id}", 404, params={"id": 10 ** 9}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/operations/{id}", 400, params={"id": "0"}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/operations/{id}", 401, params={"id": oid})
        seen, cursor = [], None
        for _ in range(50):
            q = {"limit": 1}
            if cursor:
                q["cursor"] = cursor
            page = self.call("GET", "/v1/operations", 200, query=q, party="Kazakhstan").json
            seen += [x["id"] for x in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertIn(oid, seen)
        self.call("GET", "/v1/operations", 400, query={"limit": 0}, party="SAA", field="limit")
        # Movements.
        r = self.call("POST", "/v1/movements", 201, body=MOVEMENT, party="UNOCHA")
        mid = r.json["properties"]["id"]
        self.assertEqual(r.headers["location"], "/v1/movements/%d" % mid)
        self.assertIn(oid, [c["id"] for c in r.json["conflicts"]])
        self.call("GET", "/v1/movements/{id}", 200, params={"id": mid}, party="Kazakhstan")
        self.call("GET", "/v1/movements/{id}", 404, params={"id": 10 ** 9}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/movements/{id}", 400, params={"id": "-3"}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/movements/{id}", 401, params={"id": mid})
        # Lists: what GET /v1/sites/{id} and /v1/movements/{id} would answer, as GeoJSON pages.
        page = self.call("GET", "/v1/sites", 200, query={"bbox": "10.9,10.9,11.1,11.1"}, party="Opposition").json
        self.assertIn(sid, [f["properties"]["id"] for f in page["features"]])
        self.assertNotIn(hid, [f["properties"]["id"] for f in page["features"]])
        page = self.call("GET", "/v1/sites", 200, query={"kind": "forces_position", "limit": 1,
                                                         "at": "2016-09-17T14:00:00Z"}, party="Russia").json
        self.assertEqual([f["properties"]["id"] for f in page["features"]], [hid])
        self.call("GET", "/v1/sites", 400, query={"kind": "palace"}, party="SAA", field="kind")
        self.call("GET", "/v1/sites", 401)
        page = self.call("GET", "/v1/movements", 200, query={"kind": "convoy", "bbox": "10,10,12,12"},
                         party="Kazakhstan").json
        self.assertIn(mid, [f["properties"]["id"] for f in page["features"]])
        self.call("GET", "/v1/movements", 400, query={"bbox": "12,10,10,12"}, party="SAA", field="bbox")
        self.call("GET", "/v1/movements", 401)
        bad = dict(MOVEMENT, properties=dict(MOVEMENT["properties"], status="lost"))
        self.call("POST", "/v1/movements", 400, body=bad, party="UNOCHA", field="properties.status", bad_body=True)
        self.call("POST", "/v1/movements", 401, body=MOVEMENT)
        self.call("POST", "/v1/movements", 403, body=MOVEMENT, party="Kazakhstan")
        big = dict(MOVEMENT, properties=dict(MOVEMENT["properties"], name="x" * BODY_LIMIT))
        self.call("POST", "/v1/movements", 413, body=big, party="UNOCHA")
        self.call("POST", "/v1/movements", 415, body=MOVEMENT, party="UNOCHA", content_type="text/plain",
                  field="Content-Type")
        self.call("GET", "/v1/operations", 401)

    def test_monitoring(self):
        r = self.call("POST", "/v1/reports", 201, body=REPORT, party="SAA")
        rid, iid = r.json["id"], r.json["incident_id"]
        self.assertEqual(r.headers["location"], "/v1/reports/%d" % rid)
        bad = dict(REPORT, colour="red")
        self.call("POST", "/v1/reports", 400, body=bad, party="SAA", field="colour", bad_body=True)
        self.call("POST", "/v1/reports", 401, body=REPORT)
        self.call("POST", "/v1/reports", 403, body=REPORT, party="Kazakhstan")
        self.call("POST", "/v1/reports", 413, body=dict(REPORT, description="x" * BODY_LIMIT), party="SAA")
        self.call("POST", "/v1/reports", 415, body=REPORT, party="SAA", content_type="text/plain", field="Content-Type")
        self.call("GET", "/v1/reports/{id}", 200, params={"id": rid}, party="SAA")
        self.call("GET", "/v1/reports/{id}", 404, params={"id": rid}, party="Opposition", field="id")
        self.call("GET", "/v1/reports/{id}", 400, params={"id": "x"}, party="SAA", field="id")
        self.call("GET", "/v1/reports/{id}", 401, params={"id": rid})
        self.call("GET", "/v1/incidents", 200, query={"limit": 5}, party="Kazakhstan")
        self.call("GET", "/v1/incidents", 200, query={"date": "2016-09-17"}, party="Kazakhstan")
        self.call("GET", "/v1/incidents", 400, query={"date": "17/09/2016"}, party="Kazakhstan", field="date")
        self.call("GET", "/v1/incidents", 401)
        self.call("GET", "/v1/incidents/{id}", 200, params={"id": iid}, party="Kazakhstan")
        self.call("GET", "/v1/incidents/{id}", 404, params={"id": 10 ** 9}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/incidents/{id}", 400, params={"id": "0"}, party="Kazakhstan", field="id")
        self.call("GET", "/v1/incidents/{id}", 401, params={"id": iid})
        for route, good, bad, who in (("/v1/incidents/{id}/responses", {"response": "comment", "text": "seen"},
                                       {"response": "maybe"}, "Opposition"),
                                      ("/v1/incidents/{id}/verdict", {"verdict": "confirm", "reason": "checked"},
                                       {"verdict": "later"}, "JMC")):
            field = next(iter(bad))
            r = self.call("POST", route, 201, params={"id": iid}, body=good, party=who)
            self.assertIn(r.json["grade"], ("single_source", "confirmed"))
            self.call("POST", route, 400, params={"id": iid}, body=bad, party=who, field=field, bad_body=True)
            self.call("POST", route, 404, params={"id": 10 ** 9}, body=good, party=who, field="id")
            self.call("POST", route, 401, params={"id": iid}, body=good)
            self.call("POST", route, 403, params={"id": iid}, body=good, party="Kazakhstan")
            self.call("POST", route, 413, params={"id": iid}, body=dict(good, x="y" * BODY_LIMIT), party=who)
            self.call("POST", route, 415, params={"id": iid}, body=good, party=who, content_type="text/plain",
                      field="Content-Type")
        for fmt in ("json", "md", "html", "csv"):
            self.call("GET", "/v1/bulletins/{date}", 200, params={"date": "2016-09-17"}, query={"format": fmt},
                      party="Kazakhstan")
        self.call("GET", "/v1/bulletins/{date}", 400, params={"date": "2016-02-30"}, party="SAA", field="date")
        self.call("GET", "/v1/bulletins/{date}", 404, params={"date": "9999-01-01"}, party="SAA", field="date")
        self.call("GET", "/v1/bulletins/{date}", 401, params={"date": "2016-09-17"})
        # Bulk import: the body is the file.
        line = (json.dumps(dict(REPORT, location={"type": "Point", "coordinates": [16.0, 16.0]})) + "\n").encode()
        nd = "application/x-ndjson"
        self.call("POST", "/v1/reports/import", 201, raw=line, query={"format": "ndjson"}, party="SAA", content_type=nd)
        self.call("POST", "/v1/reports/import", 400, raw=b"{bad\n", query={"format": "ndjson"}, party="SAA",
                  content_type=nd, field="body")
        self.call("POST", "/v1/reports/import", 401, raw=line, content_type=nd)
        self.call("POST", "/v1/reports/import", 403, raw=line, party="Kazakhstan", content_type=nd)
        self.call("POST", "/v1/reports/import", 415, raw=line, party="SAA", content_type="application/xml",
                  field="Content-Type")
        self.call("POST", "/v1/reports/import", 413, raw=line * (BODY_LIMIT // len(line) + 2), party="SAA",
                  content_type=nd)
        # A CAP alert once a violation is corroborated (an agreement binding SAA everywhere).
        self.new_agreement({"name": "CAP check", "start": "2016-01-01T00:00:00Z", "parties": ["SAA"]})
        cap = dict(REPORT, location={"type": "Point", "coordinates": [14.0, 14.0]})
        cid = self.call("POST", "/v1/reports", 201, body=cap, party="SAA").json["incident_id"]
        self.call("GET", "/v1/incidents/{id}/cap", 404, params={"id": cid}, party="SAA", field="id")
        self.call("POST", "/v1/reports", 201, body=dict(cap, source={"kind": "media", "ref": "Other news"}),
                  party="Opposition")
        self.call("GET", "/v1/incidents/{id}/cap", 200, params={"id": cid}, party="SAA")
        self.call("GET", "/v1/incidents/{id}/cap", 400, params={"id": "x"}, party="SAA", field="id")
        self.call("GET", "/v1/incidents/{id}/cap", 401, params={"id": iid})
        # Split and merge (a monitor): two reports of one event, split apart, merged back.
        near = dict(cap, location={"type": "Point", "coordinates": [14.001, 14.0]})
        two = self.call("POST", "/v1/reports", 201, body=near, party="Russia").json
        self.assertEqual(two["incident_id"], cid)
        split = {"reports": [two["id"]], "reason": "two strikes"}
        self.call("POST", "/v1/incidents/{id}/split", 201, params={"id": cid}, body=split, party="JMC")
        self.call("POST", "/v1/incidents/{id}/split", 400, params={"id": cid}, body={"reports": []}, party="JMC",
                  field="reports", bad_body=True)
        self.call("POST", "/v1/incidents/{id}/split", 404, params={"id": 10 ** 9}, body=split, party="JMC", field="id")
        self.call("POST", "/v1/incidents/{id}/split", 401, params={"id": cid}, body=split)
        self.call("POST", "/v1/incidents/{id}/split", 403, params={"id": cid}, body=split, party="SAA")
        self.call("POST", "/v1/incidents/{id}/split", 413, params={"id": cid}, party="JMC",
                  body=dict(split, reason="x" * BODY_LIMIT))
        self.call("POST", "/v1/incidents/{id}/split", 415, params={"id": cid}, body=split, party="JMC",
                  content_type="text/plain", field="Content-Type")
        merge = {"incidents": [two["id"]], "reason": "one event after all"}
        at = {"id": cid}
        self.call("POST", "/v1/incidents/{id}/merge", 201, params=at, body=merge, party="admin")
        self.call("POST", "/v1/incidents/{id}/merge", 400, params=at, body={"incidents": []}, party="JMC",
                  field="incidents", bad_body=True)
        self.call("POST", "/v1/incidents/{id}/merge", 404, params=at, body=merge, party="JMC", field="incidents")
        self.call("POST", "/v1/incidents/{id}/merge", 401, params=at, body=merge)
        self.call("POST", "/v1/incidents/{id}/merge", 403, params=at, body=merge, party="SAA")
        self.call("POST", "/v1/incidents/{id}/merge", 413, params=at, body=dict(merge, reason="x" * BODY_LIMIT),
                  party="JMC")
        self.call("POST", "/v1/incidents/{id}/merge", 415, params=at, body=merge, party="JMC",
                  content_type="text/plain", field="Content-Type")
        for fmt in ("geojson", "hxl", "acled"):
            self.call("GET", "/v1/exports/incidents", 200, query={"format": fmt, "date": "2016-09-17"}, party="SAA")
        self.call("GET", "/v1/exports/incidents", 400, query={"format": "kml"}, party="SAA", field="format")
        self.call("GET", "/v1/exports/incidents", 401, query={"format": "hxl"})
        # the change feed (issue 18): a full export with its cursor, then the changes since
        first = self.call("GET", "/v1/exports/incidents", 200, query={"format": "geojson", "cursor": "true"},
                          party="SAA")
        cursor = json.loads(first.body)["cursor"]
        self.call("GET", "/v1/exports/incidents", 200, query={"format": "geojson", "changed_since": cursor},
                  party="SAA")
        self.call("GET", "/v1/exports/incidents", 400, query={"format": "geojson", "changed_since": "x"},
                  party="SAA", field="changed_since")
        for fmt in ("geojson", "hxl"):
            self.call("GET", "/v1/exports/movements", 200, query={"format": fmt}, party="SAA")
        self.call("GET", "/v1/exports/movements", 400, query={"format": "kml"}, party="SAA", field="format")
        self.call("GET", "/v1/exports/movements", 401, query={"format": "hxl"})

    def test_roles_enforced_as_documented(self):
        """Each role listed in x-roles gets past the role check; every other role gets 403."""
        area = self.new_area(feature(polygon(20.0, 20.0), kind="no_strike", name="Role check"))
        ag = self.new_agreement({"name": "Role check", "start": "2016-01-01T00:00:00Z"})
        ids = {"/v1/areas/{id}": area["id"], "/v1/areas/{id}/history": area["id"], "/v1/agreements/{id}": ag["id"],
               **self.dc_ids(), **self.human_ids(), **self.mine_ids(), **self.track_ids()}
        receipt = area["receipt"]["index"]
        deadline = time.time() + 20
        while self.srv.get("/v1/log/receipts/%d" % receipt, party="admin").status != 200 and time.time() < deadline:
            time.sleep(0.05)
        cp = self.srv.get("/v1/log/checkpoint").body.split("\n")
        tile = "0/000" + (".p/%d" % (int(cp[1]) % 256) if int(cp[1]) < 256 else "")
        fixed = {"/v1/log/receipts/{index}": {"index": receipt}, "/v1/log/tile/{path}": {"path": tile},
                 "/v1/bulletins/{date}": {"date": "2016-09-17"}}
        for m, p, op, _ in operations(self.spec):
            if not isinstance(op["x-roles"], list):
                continue
            for role in ALL_ROLES:
                with self.subTest(route="%s %s" % (m, p), role=role):
                    params = {"id": ids[p]} if p in ids else fixed.get(p)
                    if p == "/v1/log/consistency":
                        q = {"from": 0, "to": 1}
                    else:
                        q = {"lon": 20.05, "lat": 20.05} if p == "/v1/attribution" else None  # inside the area
                    if p in ("/v1/exports/incidents", "/v1/exports/movements"):
                        q = {"format": "hxl"}
                    if p in ("/v1/aid", "/v1/exports/aid"):  # issue 20: a period is required
                        q = {"from": "2016-01-01T00:00:00Z", "to": "2016-02-01T00:00:00Z",
                             **({"format": "csv"} if p == "/v1/exports/aid" else {})}
                    if p == "/v1/parties/{name}/record":  # each party reads its own record
                        params, q = {"name": BY_ROLE[role]}, {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
                    # No body is sent: a route that needs one answers 415 once past the role check.
                    # An action route takes an empty body as {}: it is sent a text body instead.
                    expect = 403 if role not in op["x-roles"] else (415 if "requestBody" in op else 200)
                    action = "requestBody" in op and op["requestBody"].get("required") is False
                    raw, ctype = (b"ack", "text/plain") if action else (None, None)
                    if p == "/v1/reports/{id}" and role not in ("admin", "monitor"):
                        expect = 404  # past the role check: another party's report reads as missing
                    if p in ("/v1/reports/import", "/v1/tracks") and m == "POST" and role in op["x-roles"]:
                        expect = 400  # past the role check: an empty body is refused before its media type
                    if p == "/v1/incidents/{id}/cap":
                        expect = 404  # past the role check: not a violation, no alert
                    self.call(m, p, expect, params=params, query=q, party=BY_ROLE[role], raw=raw,
                              content_type=ctype)

    def test_query_parameters_as_documented(self):
        """The server rejects an unknown query parameter and lists the allowed ones: they are the documented ones."""
        area = self.new_area(feature(polygon(21.0, 21.0), kind="no_strike", name="Query check"))
        ag = self.new_agreement({"name": "Query check", "start": "2016-01-01T00:00:00Z"})
        ids = {"/v1/areas/{id}": area["id"], "/v1/areas/{id}/history": area["id"], "/v1/agreements/{id}": ag["id"],
               **self.dc_ids(), **self.human_ids(), **self.mine_ids(), **self.track_ids()}
        fixed = {"/v1/log/receipts/{index}": {"index": 0}, "/v1/log/tile/{path}": {"path": "0/000.p/1"},
                 "/v1/bulletins/{date}": {"date": "2016-09-17"}}
        for m, p, op, _ in operations(self.spec):
            with self.subTest(route="%s %s" % (m, p)):
                params = {"id": ids[p]} if p in ids else fixed.get(p)
                r = self.call(m, p, 400, params=params, query={"zz_unknown": "1"}, party="admin", field="zz_unknown",
                              content_type=None)
                documented = set(query_params(self.spec, p, m))
                reason = r.json["reason"]
                mo = re.fullmatch(r"unknown query parameter(?:; allowed: (.*))?", reason)
                self.assertIsNotNone(mo, reason)
                allowed = set(mo.group(1).split(",")) if mo.group(1) else set()
                self.assertEqual(allowed, documented)

    def test_unknown_paths_and_methods(self):
        for path in ["/v1/nothing", "/v1/areas/1/nothing", "/v1", "/v1/areas/"]:
            r = self.srv.get(path, party="admin")
            self.assertEqual(r.status, 404, r)
            self.component_answer(r, "UnknownPath", path)
        def matches(template, path):  # a {name} segment matches any one segment, as the router does
            return re.fullmatch(re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(template)), path) is not None
        for p, item in self.spec["paths"].items():
            concrete = p.replace("{id}", "1")
            # "/v1/reports/import" is also "/v1/reports/{id}": the methods of every matching path
            methods = {x.upper() for q, it in self.spec["paths"].items() if matches(q, concrete)
                       for x in it if x in ("get", "put", "post", "delete", "patch")}
            for m in ("DELETE", "PATCH", "OPTIONS", "PUT", "POST"):
                if m in methods:
                    continue
                with self.subTest(method=m, path=p):
                    r = self.srv.request(m, concrete, party="admin")
                    self.assertEqual(r.status, 405, r)
                    self.component_answer(r, "MethodNotAllowed", concrete)
                    self.assertEqual(sorted(r.headers.get("allow", "").split(", ")), sorted(methods))
        # HEAD is answered for a GET route, without a body.
        r = self.srv.request("HEAD", "/v1/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, "")

    def test_metrics_only_on_loopback(self):
        host = non_loopback_ipv4()
        if host is None:
            LiveTest.skipped_statuses.add(("GET", "/metrics", "403"))
            self.skipTest("this machine has no non-loopback IPv4 address to call from")
        other = OffLoopbackServer(host)
        try:
            r = other.request("GET", "/metrics")
            self.assertEqual(r.status, 403, r)
            op = self.spec["paths"]["/metrics"]["get"]
            resp, ptr = deref(self.spec, op["responses"]["403"], "")
            self.check_answer(r, resp, ptr, "GET /metrics 403", "/metrics")
            LiveTest.seen.add(("GET", "/metrics", "403"))
            r = other.request("GET", "/v1/health")  # the rest is served to anyone
            self.assertEqual(r.status, 200)
        finally:
            other.stop()

    def test_log_routes(self):
        # A write's answer carries a receipt; once a checkpoint covers it, its proof is served.
        r = self.call("POST", "/v1/areas", 201, party="admin",
                      body=feature(polygon(35.9, 33.0, 0.05), kind="no_strike", name="Logged site"))
        index = r.json["receipt"]["index"]
        deadline = time.time() + 20
        while True:
            r = self.srv.get("/v1/log/receipts/%d" % index, party="Kazakhstan")
            if r.status == 200 or time.time() > deadline:
                break
            time.sleep(0.05)
        r = self.call("GET", "/v1/log/receipts/{index}", 200, params={"index": index}, party="Kazakhstan")
        self.assertGreater(r.json["tree_size"], index)
        self.call("GET", "/v1/log/receipts/{index}", 404, params={"index": 10 ** 12}, party="Kazakhstan",
                  field="index")
        self.call("GET", "/v1/log/receipts/{index}", 400, params={"index": "-1"}, party="Kazakhstan", field="index")
        self.call("GET", "/v1/log/receipts/{index}", 401, params={"index": 0}, field="Authorization")
        key = self.call("GET", "/v1/log/key", 200).body
        self.assertRegex(key, r"^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+\n$")
        self.call("GET", "/v1/log/key", 400, query={"x": "1"}, field="x")
        note = self.call("GET", "/v1/log/checkpoint", 200).body
        origin, size = note.split("\n")[0], int(note.split("\n")[1])
        self.assertEqual(origin, key.split("+")[0])
        self.assertIn("\u2014 " + origin + " ", note)
        self.call("GET", "/v1/log/checkpoint", 400, query={"x": "1"}, field="x")
        r = self.call("GET", "/v1/log/consistency", 200, query={"from": 1, "to": size}, party="SAA")
        self.assertEqual((r.json["from"], r.json["to"]), (1, size))
        self.call("GET", "/v1/log/consistency", 400, query={"from": 2, "to": 1}, party="SAA", field="from")
        self.call("GET", "/v1/log/consistency", 400, query={"from": 0, "to": size + 10 ** 6}, party="SAA", field="to")
        self.call("GET", "/v1/log/consistency", 401, query={"from": 0, "to": 1})
        w = size % 256
        path = "0/000" + (".p/%d" % w if size < 256 else "")
        r = self.call("GET", "/v1/log/tile/{path}", 200, params={"path": path}, party="SAA")
        self.assertEqual(len(r.body.encode("latin-1", "replace")) if False else len(self.srv.get(
            "/v1/log/tile/" + path, party="SAA").body.encode("utf-8", "surrogateescape")) >= 0, True)
        self.call("GET", "/v1/log/tile/{path}", 404, params={"path": "0/x999/000"}, party="SAA")
        self.call("GET", "/v1/log/tile/{path}", 401, params={"path": path})
        self.call("GET", "/v1/log/tile/{path}", 400, params={"path": path}, query={"x": "1"}, party="SAA", field="x")

    def test_record_and_witnesses(self):
        r = self.call("GET", "/v1/log/witnesses", 200)
        self.assertEqual((r.json["quorum"], r.json["witnesses"]), (0, []))
        self.call("GET", "/v1/log/witnesses", 400, query={"x": "1"}, field="x")
        window = {"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
        r = self.call("GET", "/v1/parties/{name}/record", 200, params={"name": "SAA"}, query=window, party="SAA")
        self.assertEqual(r.json["party"], "SAA")
        self.call("GET", "/v1/parties/{name}/record", 200, params={"name": "SAA"},
                  query=dict(window, bbox="10,10,12,12"), party="JMC")
        self.call("GET", "/v1/parties/{name}/record", 400, params={"name": "SAA"}, query={"to": window["to"]},
                  party="SAA", field="from")
        self.call("GET", "/v1/parties/{name}/record", 401, params={"name": "SAA"}, query=window)
        self.call("GET", "/v1/parties/{name}/record", 404, params={"name": "SAA"}, query=window, party="Russia",
                  field="name")
    # -- live tracks and tactical alerts (issue 16) --

    track_seq = 0

    def track_ids(self):
        """A public track (a fresh one each call), for the routes that name one."""
        LiveTest.track_seq += 1
        body = {"track": "spec-%d" % LiveTest.track_seq, "at": "2016-09-17T14:00:00.000Z", "lon": 12.0,
                "lat": 12.0 + LiveTest.track_seq, "alt_m": 1000, "vx_mps": 10, "vy_mps": 0, "vz_mps": 0}
        r = self.call("POST", "/v1/tracks", 201, body=body, party="SAA")
        return {"/v1/tracks/{id}/history": r.json["tracks"][0]["id"]}

    def test_tracks(self):
        def pos(track, sec, lon, vx, **kw):
            p = {"track": track, "at": "2016-09-17T15:00:%02d.000Z" % sec, "lon": lon, "lat": 40.0, "alt_m": 3000,
                 "vx_mps": vx, "vy_mps": 0, "vz_mps": 0}
            p.update(kw)
            return p
        r = self.call("POST", "/v1/tracks", 201, body=pos("sp-a", 0, 40.0, 200, callsign="SPEC1"), party="SAA")
        tid = r.json["tracks"][0]["id"]
        r = self.call("POST", "/v1/tracks", 201, party="Opposition",
                      body=[pos("sp-b", 0, 40.3, -200), pos("sp-b", 1, 40.298, -200, visibility=["Russia"])])
        self.assertEqual(r.json["alerts"], 1)
        polar = {"track": "sp-c", "at": "2016-09-17T15:00:00.000Z", "lon": 41.0, "lat": 41.0, "alt_m": 500,
                 "ground_speed_mps": 50, "track_deg": 180, "vertical_rate_mps": 0}
        self.call("POST", "/v1/tracks", 201, raw=(json.dumps(polar) + "\n").encode(), party="UNOCHA",
                  content_type="application/x-ndjson")
        self.call("POST", "/v1/tracks", 400, body=pos("sp-d", 0, 40.0, 10, lat=91), party="SAA", field="lat",
                  bad_body=True)
        self.call("POST", "/v1/tracks", 400, body=dict(pos("sp-d", 0, 40.0, 10), ground_speed_mps=3), party="SAA",
                  field="ground_speed_mps", bad_body=True)
        r = self.call("POST", "/v1/tracks", 400, body=[pos("sp-a", 0, 40.0, 200), pos("sp-e", 0, 40.0, 1)],
                      party="SAA", field="[0].at")
        self.assertEqual([e["index"] for e in r.json["errors"]], [0])
        self.call("POST", "/v1/tracks", 401, body=pos("sp-d", 0, 40.0, 10))
        self.call("POST", "/v1/tracks", 403, body=pos("sp-d", 0, 40.0, 10), party="Kazakhstan")
        self.call("POST", "/v1/tracks", 413, body=[pos("sp-d", 0, 40.0, 10)] * 200, party="SAA")
        self.call("POST", "/v1/tracks", 415, body=pos("sp-d", 0, 40.0, 10), party="SAA", content_type="text/plain",
                  field="Content-Type")
        # Reads: the picture at a time, a history, the alerts.
        pic = self.call("GET", "/v1/tracks", 200, query={"at": "2016-09-17T15:00:30.000Z", "bbox": "39,39,42,42"},
                        party="Kazakhstan").json
        self.assertEqual(sorted(f["properties"]["track"] for f in pic["features"]), ["sp-a", "sp-c"])
        self.call("GET", "/v1/tracks", 200, party="SAA")
        self.call("GET", "/v1/tracks", 400, query={"at": "noon"}, party="SAA", field="at")
        self.call("GET", "/v1/tracks", 401)
        self.call("GET", "/v1/tracks/{id}/history", 200, params={"id": tid}, party="Kazakhstan")
        r = self.call("GET", "/v1/tracks/{id}/history", 200, params={"id": tid}, query={"format": "kml"},
                      party="Kazakhstan")
        self.assertIn("<gx:coord>", r.body)
        self.call("GET", "/v1/tracks/{id}/history", 400, params={"id": tid}, query={"format": "gpx"}, party="SAA",
                  field="format")
        self.call("GET", "/v1/tracks/{id}/history", 404, params={"id": 10 ** 9}, party="SAA", field="id")
        self.call("GET", "/v1/tracks/{id}/history", 401, params={"id": tid})
        act = self.call("GET", "/v1/traffic/alerts", 200, party="SAA").json["items"]
        self.assertEqual(act[0]["other"]["label"], "restricted traffic")
        self.call("GET", "/v1/traffic/alerts", 200, query={"from": "2016-09-17T00:00:00Z", "to": "2016-09-18"},
                  party="admin")
        self.call("GET", "/v1/traffic/alerts", 400, query={"to": "x"}, party="SAA", field="to")
        self.call("GET", "/v1/traffic/alerts", 401)
        mine = [n for n in self.call("GET", "/v1/notices", 200, party="SAA").json["items"] if n["kind"] == "traffic"]
        self.checker.check("/components/schemas/TrafficAlert", mine[0]["payload"], "a traffic notice's payload")

    def test_zz_every_documented_status_was_exercised(self):
        others = {n for n in dir(self) if n.startswith("test_") and n != self._testMethodName}
        if not others <= LiveTest.ran:
            self.skipTest("only when the whole class runs")
        missing = []
        for m, p, op, _ in operations(self.spec):
            for status in op["responses"]:
                key = (m, p, status)
                if status in NOT_PROVOKED or key in LiveTest.skipped_statuses:
                    continue
                if key not in LiveTest.seen:
                    missing.append("%s %s %s" % key)
        self.assertEqual(missing, [], "documented statuses never exercised")


def sanitized_binary():
    """True if $TRUCE_BIN is built with AddressSanitizer (make test-asan)."""
    with open(BIN, "rb") as f:
        return b"__asan_init" in f.read()


class FormerServerBugsTest(unittest.TestCase):
    """Answers that once killed the server, each on a server of its own."""

    def setUp(self):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not leave a core file behind
        self.spec = load_spec()

    def answer(self, path, status):
        srv = Server()
        try:
            srv.add_party("admin", "admin")
            r = srv.get(path, party="admin")
            self.assertEqual(r.status, status, r)
            template = re.sub(r"/[0-9]+$", "/{id}", path.split("?")[0])
            resp, ptr = deref(self.spec, self.spec["paths"][template]["get"]["responses"][str(status)],
                              "/paths/%s/get/responses/%d" % (escape(template), status))
            ctype = r.headers.get("content-type")
            self.assertIn(ctype, resp["content"])
            SchemaChecker(self.spec).check(ptr + "/content/%s/schema" % escape(ctype), r.json, path)
        finally:
            srv.stop()

    def test_unknown_agreement_is_404(self):
        """store_agreement_get() calls tr_agreement_clear() on the caller's uninitialised
        tr_agreement when there is no such row: SIGSEGV (plain build) or bad-free (ASan)."""
        self.answer("/v1/agreements/424242", 404)

    def test_attribution_of_a_point_under_no_area(self):
        """attr_engine_query() calls qsort(NULL, 0, ...) when no area covers the point:
        undefined behaviour, which kills the UBSan build (halt_on_error=1)."""
        self.answer("/v1/attribution?lon=-170&lat=-80", 200)



if __name__ == "__main__":
    main()
