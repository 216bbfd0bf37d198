"""The verifiable log through the API (docs/tlog.md), checked by an independent verifier
written here with the standard library only: RFC 6962 hashing with hashlib, the proof
verifiers of RFC 9162 §2.1.3.2 and §2.1.4.2, C2SP signed-note parsing and Ed25519
signature verification (the RFC 8032 §6 reference algorithm, in pure Python).

 - every write through the API answers a receipt whose inclusion proof verifies against a
   signed checkpoint, and the logged object_sha256 is the SHA-256 of the canonical JSON of
   the object the client got back: a party can show its object was logged;
 - consistency proofs between checkpoints verify; a rejected write appends nothing;
 - nothing lost: kill -9 in the middle of writes from several clients; after a restart
   every acknowledged write is in the store and in the log, and the tree is consistent
   with every checkpoint signed before the kill.

Servers sign a checkpoint at most every 50 ms (--checkpoint-ms 50).
"""
import base64
import hashlib
import http.client
import json
import os
import re
import sys
import threading
import time
import unittest

from harness import Server, ServerTest, polygon, feature, main

CHECKPOINT_ARGS = ("--checkpoint-ms", "50")
VERBOSE = bool(os.environ.get("TRUCE_TEST_VERBOSE"))


# ---------------------------------------------------------------- Ed25519 (RFC 8032 §6)

_P = 2 ** 255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_Q = 2 ** 252 + 27742317777372353535851937790883648493
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _padd(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % _P
    B = (a[1] + a[0]) * (b[1] + b[0]) % _P
    C = 2 * a[3] * b[3] * _D % _P
    D = 2 * a[2] * b[2] % _P
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F % _P, G * H % _P, F * G % _P, E * H % _P)


def _pmul(s, pt):
    q = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            q = _padd(q, pt)
        pt = _padd(pt, pt)
        s >>= 1
    return q


def _pequal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y, sign):
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0)
_G = (_GX, _GY, 1, _GX * _GY % _P)


def _decompress(s):
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


def ed25519_verify(public, msg, sig):
    if len(public) != 32 or len(sig) != 64:
        return False
    A, R = _decompress(public), _decompress(sig[:32])
    if A is None or R is None:
        return False
    s = int.from_bytes(sig[32:], "little")
    if s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(sig[:32] + public + msg).digest(), "little") % _Q
    return _pequal(_pmul(s, _G), _padd(R, _pmul(h, A)))


# ---------------------------------------------------------------- signed notes, checkpoints

class Verifier:
    """A C2SP signed-note verifier key "<name>+<key id hex>+<base64(0x01 || pk)>"."""

    def __init__(self, vkey):
        name, kid, b64 = vkey.strip().split("+", 2)
        raw = base64.b64decode(b64, validate=True)
        if len(raw) != 33 or raw[0] != 1:
            raise ValueError("not an Ed25519 verifier key: %r" % vkey)
        self.name, self.pk = name, raw[1:]
        self.key_id = hashlib.sha256(name.encode() + b"\n\x01" + self.pk).digest()[:4]
        if self.key_id.hex() != kid:
            raise ValueError("key ID %s does not match the key (%s)" % (kid, self.key_id.hex()))

    def open(self, msg):
        """The text of a signed note (its final newline included) if a signature by this key
        verifies and none by this key fails; raises ValueError otherwise."""
        if not msg.endswith("\n") or "\n\n" not in msg:
            raise ValueError("not a signed note")
        cut = msg.rfind("\n\n")
        text, sigs = msg[:cut + 1], msg[cut + 2:]
        ok = False
        for line in sigs[:-1].split("\n"):
            if not line.startswith("\u2014 "):
                raise ValueError("bad signature line %r" % line)
            name, b64 = line[2:].split(" ")
            sig = base64.b64decode(b64, validate=True)
            if name == self.name and sig[:4] == self.key_id:
                if len(sig) != 68 or not ed25519_verify(self.pk, text.encode(), sig[4:]):
                    raise ValueError("signature by %s does not verify" % name)
                ok = True
        if not ok:
            raise ValueError("no signature by %s" % self.name)
        return text


def parse_checkpoint(text, origin):
    """(size, root) of a C2SP tlog-checkpoint body."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or lines[0] != origin:
        raise ValueError("bad checkpoint %r" % text)
    if not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise ValueError("bad size %r" % lines[1])
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32 or base64.b64encode(root).decode() != lines[2]:
        raise ValueError("bad root %r" % lines[2])
    return int(lines[1]), root


# ---------------------------------------------------------------- RFC 6962 / RFC 9162

def sha256(b):
    return hashlib.sha256(b).digest()


def leaf_hash(entry):
    return sha256(b"\x00" + entry)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def merkle_root(leaves):
    """MTH of a list of leaf hashes (RFC 6962 §2.1)."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def verify_inclusion(leaf, index, size, root, proof):
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(m, n, root_m, root_n, proof):
    """RFC 9162 §2.1.4.2, with the edge cases as docs/tlog.md (and Go's sumdb/tlog) define
    them: m == n needs an empty proof and equal roots, m == 0 an empty proof and the empty
    root."""
    if m > n:
        return False
    if m == n:
        return not proof and root_m == root_n
    if m == 0:
        return not proof and root_m == sha256(b"")
    if not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root_m and sr == root_n


def flipped(proof, k=0):
    """A copy of proof with one bit of hash k flipped."""
    out = list(proof)
    out[k] = bytes([out[k][0] ^ 1]) + out[k][1:]
    return out


# ---------------------------------------------------------------- canonical JSON (docs/tlog.md)

def jansson_real(x):
    """A real as log entries of version 1 printed it (jansson's JSON_REAL_PRECISION(17)):
    "%.17g", ".0" appended when there is neither '.' nor 'e', the exponent without '+' and
    without leading zeroes."""
    s = "%.17g" % x
    if "." not in s and "e" not in s:
        s += ".0"
    if "e" in s:
        mant, exp = s.split("e")
        sign = "-" if exp.startswith("-") else ""
        s = mant + "e" + sign + (exp.lstrip("+-").lstrip("0") or "0")
    return s


def canon_v1(v):
    """The canonical bytes of entries of version 1: compact JSON, keys sorted, UTF-8, reals
    with 17 digits."""
    if isinstance(v, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canon_v1(v[k]) for k in sorted(v)) + "}"
    if isinstance(v, list):
        return "[" + ",".join(canon_v1(x) for x in v) + "]"
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, float):
        return jansson_real(v)
    raise TypeError(type(v))


def canon(v):
    """The canonical bytes of entries of version 2 (written now): compact JSON, keys sorted,
    UTF-8, reals as the shortest decimal that reads back as the same double — exactly what
    Python's own json module prints."""
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def logged_object(answer):
    """The object a write's answer commits to (docs/tlog.md, "Entries"): the answer without
    its receipt and, for an area version, without properties.effective_to."""
    obj = json.loads(json.dumps(answer))
    obj.pop("receipt", None)
    if obj.get("type") == "Feature":
        obj["properties"].pop("effective_to", None)
    return obj


def object_sha256(obj):
    return hashlib.sha256(canon(obj).encode("utf-8")).hexdigest()


def db_query(db, sql, *args):
    """The rows of one query on the database db (either store; blobs as bytes)."""
    return Server.db_sql(db, sql, args)


# ---------------------------------------------------------------- the log seen by a client

class LogClient:
    """Reads and verifies the log of one server."""

    def __init__(self, srv, party="admin"):
        self.srv, self.party = srv, party
        r = srv.get("/v1/log/key")
        assert r.status == 200 and r.headers["content-type"].startswith("text/plain"), r
        self.vkey = r.body.strip()
        self.verifier = Verifier(self.vkey)

    def checkpoint(self):
        """(size, root, note) of the latest signed checkpoint, verified; None if none yet."""
        r = self.srv.get("/v1/log/checkpoint")
        if r.status == 404:
            return None
        assert r.status == 200, r
        return self.open(r.body)

    def open(self, note):
        size, root = parse_checkpoint(self.verifier.open(note), self.verifier.name)
        return size, root, note

    def wait_for(self, size, timeout=20.0):
        """The first verified checkpoint covering at least size entries."""
        deadline = time.time() + timeout
        while True:
            cp = self.checkpoint()
            if cp and cp[0] >= size:
                return cp
            if time.time() > deadline:
                raise AssertionError("no checkpoint covered %d entries within %.0f s (latest %r)" %
                                     (size, timeout, cp and cp[0]))
            time.sleep(0.02)

    def receipt(self, index):
        r = self.srv.get("/v1/log/receipts/%d" % index, party=self.party)
        assert r.status == 200, r
        return r.json

    def check_receipt(self, tc, index, leaf_b64=None):
        """Fetches /v1/log/receipts/index and verifies it; returns (entry bytes, parsed)."""
        rc = self.receipt(index)
        tc.assertEqual(rc["index"], index)
        entry = rc["entry"].encode("utf-8")
        leaf = leaf_hash(entry)
        tc.assertEqual(base64.b64decode(rc["leaf_hash"]), leaf, "leaf_hash is not SHA-256(0x00 || entry)")
        if leaf_b64 is not None:
            tc.assertEqual(rc["leaf_hash"], leaf_b64, "the receipt's leaf hash changed")
        size, root, _ = self.open(rc["checkpoint"])
        tc.assertEqual(size, rc["tree_size"])
        proof = [base64.b64decode(h) for h in rc["proof"]]
        tc.assertTrue(all(len(h) == 32 for h in proof))
        tc.assertTrue(verify_inclusion(leaf, index, size, root, proof),
                      "inclusion proof of %d in %d does not verify" % (index, size))
        if proof:
            tc.assertFalse(verify_inclusion(leaf, index, size, root, flipped(proof)))
        tc.assertFalse(verify_inclusion(leaf_hash(entry + b" "), index, size, root, proof))
        parsed = json.loads(entry)
        tc.assertEqual(canon(parsed).encode("utf-8"), entry, "the entry is not canonical JSON")
        tc.assertEqual(sorted(parsed), ["at", "object_sha256", "party", "ref", "type", "v"])
        tc.assertEqual(parsed["v"], 2)
        tc.assertRegex(parsed["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        tc.assertRegex(parsed["object_sha256"], r"^[0-9a-f]{64}$")
        return entry, parsed

    def consistency(self, m, n):
        r = self.srv.get("/v1/log/consistency?from=%d&to=%d" % (m, n), party=self.party)
        assert r.status == 200, r
        assert r.json["from"] == m and r.json["to"] == n, r
        return [base64.b64decode(h) for h in r.json["proof"]]

    def tile(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        try:
            conn.request("GET", "/v1/log/" + path,
                         headers={"Authorization": "Bearer " + self.srv.tokens[self.party]})
            r = conn.getresponse()
            data = r.read()
            assert r.status == 200, (path, r.status, data[:300])
            return data
        finally:
            conn.close()

    def entries(self, size):
        """All entries of the tree of this size, from its entry bundles."""
        out = []
        for n in range((size + 255) // 256):
            w = min(256, size - 256 * n)
            data = self.tile("tile/entries/" + tile_index(n) + ("" if w == 256 else ".p/%d" % w))
            pos = 0
            while pos < len(data):
                ln = int.from_bytes(data[pos:pos + 2], "big")
                out.append(data[pos + 2:pos + 2 + ln])
                assert len(out[-1]) == ln, "truncated bundle"
                pos += 2 + ln
            assert len(out) == 256 * n + w, "bundle %d holds %d entries, expected %d" % (n, len(out) - 256 * n, w)
        return out


def tile_index(n):
    """N in 3-digit path elements, all but the last prefixed with x (C2SP tlog-tiles)."""
    parts = []
    while True:
        parts.append("%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    parts.reverse()
    return "/".join(["x" + p for p in parts[:-1]] + [parts[-1]])


# ---------------------------------------------------------------- the tests

class VerifierSelfTest(unittest.TestCase):
    """The Python verifiers of this file, against the published vectors: not vacuous."""

    def test_sumdb_note_example_vector(self):
        v = Verifier("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
        note = ("If you think cryptography is the answer to your problem,\n"
                "then you don't know what your problem is.\n\n"
                "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
        self.assertTrue(v.open(note).startswith("If you think"))
        with self.assertRaises(ValueError):
            v.open("i" + note[1:])

    def test_merkle_against_rfc6962_vectors(self):
        # The eight entries of the certificate-transparency test vectors (docs/tlog.md).
        entries = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
                   b"\x50\x51\x52\x53\x54\x55\x56\x57", b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"]
        leaves = [leaf_hash(e) for e in entries]
        self.assertEqual(base64.b64encode(merkle_root(leaves)).decode(), "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=")
        self.assertEqual(base64.b64encode(merkle_root([])).decode(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")

    def test_jansson_real_formatting(self):
        self.assertEqual(jansson_real(36.0), "36.0")
        self.assertEqual(jansson_real(36.25), "36.25")
        self.assertEqual(jansson_real(2493.296), "2493.2959999999998")
        self.assertEqual(jansson_real(1e20), "1e20")
        self.assertEqual(jansson_real(1.5e-7), "1.4999999999999999e-7")
        self.assertEqual(jansson_real(-0.0), "-0.0")


class ReceiptTest(ServerTest):
    """Receipts, inclusion and consistency proofs, the canonical objects, rejected writes."""
    extra_args = CHECKPOINT_ARGS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.srv.add_party("admin", "admin")
            cls.srv.add_party("SAA", "belligerent")
            cls.srv.add_party("Russia", "guarantor")
            cls.log = LogClient(cls.srv)
        except BaseException:
            cls.srv.stop(expect_clean=False)  # tearDownClass does not run when setUpClass fails
            raise

    def settled_size(self):
        """Waits until the latest checkpoint covers every stored entry; returns that size."""
        deadline = time.time() + 20
        while True:
            n = db_query(self.srv.db, "SELECT count(*) FROM log_entry")[0][0]
            cp = self.log.checkpoint()
            if cp and cp[0] == n:
                return n
            self.assertLess(time.time(), deadline, "checkpoints do not catch up with the log")
            time.sleep(0.05)

    def test_every_write_answers_a_verifiable_receipt(self):
        srv, log = self.srv, self.log
        before = self.settled_size()
        writes = []  # (answer, expected type, expected ref, party, GET path or None)

        def write(method, path, body, party, status, typ, ref_fn, get_fn):
            r = srv.request(method, path, body=body, party=party)
            self.assertEqual(r.status, status, r)
            a = r.json
            self.assertIn("receipt", a, "a %s %s answered no receipt" % (method, path))
            writes.append((a, typ, ref_fn(a), party, get_fn(a)))
            return a

        area_ref = lambda a: "area/%d@%d" % (a["id"], a["properties"]["version"])
        area_get = lambda a: "/v1/areas/%d?version=%d" % (a["id"], a["properties"]["version"])
        write("POST", "/v1/actors", {"name": "LogActor", "full_name": "Log actor"}, "admin", 201,
              "actor.add", lambda a: "actor/LogActor", lambda a: None)
        write("POST", "/v1/actors", {"name": "LogActor2"}, "admin", 201,
              "actor.add", lambda a: "actor/LogActor2", lambda a: None)
        a1 = write("POST", "/v1/areas", feature(polygon(36.0, 36.0, 0.5), kind="no_strike", name="Logged"),
                   "admin", 201, "area.create", area_ref, area_get)
        write("PUT", "/v1/areas/%d" % a1["id"],
              feature(polygon(36.0, 36.0, 0.75), kind="no_strike", name="Logged v2", valid_from="2016-06-01T00:00:00Z"),
              "admin", 200, "area.version", area_ref, area_get)
        a2 = write("POST", "/v1/areas", feature(polygon(37.25, 35.5, 0.25), kind="control", party="SAA",
                                                name="Held", visibility=["SAA"]),
                   "SAA", 201, "area.create", area_ref, area_get)
        line = {"type": "LineString", "coordinates": [[36.5, 36.25], [36.75, 36.5]]}
        write("POST", "/v1/areas", feature(line, kind="corridor", name="Logged corridor", width_m=500),
              "admin", 201, "area.create", area_ref, area_get)
        write("POST", "/v1/agreements", {"name": "Logged deal", "start": "2016-02-27T00:00:00Z",
                                         "parties": ["SAA"], "zones": [a1["id"]],
                                         "provisions": [{"text": "Hold fire", "responsible": "SAA"}]},
              "Russia", 201, "agreement.create", lambda a: "agreement/%d@%d" % (a["id"], a["version"]),
              lambda a: "/v1/agreements/%d" % a["id"])
        write("PUT", "/v1/areas/%d" % a2["id"],
              feature(polygon(37.25, 35.5, 0.5), kind="control", party="SAA", name="Held v2",
                      valid_from="2016-09-01T00:00:00Z", visibility=["SAA"]),
              "SAA", 200, "area.version", area_ref, area_get)

        # Indexes: distinct and dense, following the entries made before (the parties).
        indexes = [w[0]["receipt"]["index"] for w in writes]
        self.assertEqual(indexes, list(range(before, before + len(writes))), "receipt indexes are not dense")
        for a, *_ in writes:
            self.assertEqual(len(base64.b64decode(a["receipt"]["leaf_hash"])), 32)
            self.assertEqual(sorted(a["receipt"]), ["index", "leaf_hash"])

        log.wait_for(indexes[-1] + 1)
        for a, typ, ref, party, get_path in writes:
            with self.subTest(ref=ref):
                entry, e = log.check_receipt(self, a["receipt"]["index"], a["receipt"]["leaf_hash"])
                self.assertEqual((e["type"], e["ref"], e["party"]), (typ, ref, party))
                # The object the client got back is the object that was logged.
                obj = logged_object(a)
                self.assertEqual(e["object_sha256"], object_sha256(obj),
                                 "object_sha256 is not the SHA-256 of the answer's canonical JSON:\n" + canon(obj))
                # And so is the object read back later (the version, or the agreement).
                if get_path:
                    g = srv.get(get_path, party=party)
                    self.assertEqual(g.status, 200, g)
                    self.assertEqual(e["object_sha256"], object_sha256(logged_object(g.json)), get_path)
                # The database keeps the object's bytes beside the entry.
                (stored,) = db_query(srv.db, "SELECT object FROM log_entry WHERE idx = ?", a["receipt"]["index"])[0]
                self.assertEqual(bytes(stored), canon(obj).encode("utf-8"))
        # An earlier version read after a later one cut it: effective_to is left out.
        v1 = srv.get("/v1/areas/%d?version=1" % a1["id"], party="admin").json
        self.assertIsNotNone(v1["properties"]["effective_to"])
        self.assertEqual(json.loads(log.receipt(writes[2][0]["receipt"]["index"])["entry"])["object_sha256"],
                         object_sha256(logged_object(v1)))

    def test_actor_and_agreement_objects(self):
        """For objects without reals, both versions' bytes are what Python's json.dumps prints."""
        a = self.srv.post("/v1/actors", {"name": "PlainActor", "full_name": "Plain \u00e9l\u00e8ve"}, party="admin")
        self.assertEqual(a.status, 201, a)
        self.log.wait_for(a.json["receipt"]["index"] + 1)
        _, e = self.log.check_receipt(self, a.json["receipt"]["index"])
        obj = logged_object(a.json)
        self.assertEqual(canon_v1(obj), canon(obj))
        self.assertEqual(e["object_sha256"], hashlib.sha256(canon(obj).encode()).hexdigest())

    def test_full_precision_coordinates_can_be_proven(self):
        """Reals are answered as logged, with as many digits as they need (here 17): a
        full-precision coordinate in the answer hashes to the logged object_sha256."""
        x = 36.123456789012344  # needs 17 significant digits
        r = self.srv.post("/v1/areas", feature({"type": "Polygon", "coordinates": [[[x, 36.0], [36.5, 36.0],
                                                                                    [36.5, 36.5], [x, 36.0]]]},
                                               kind="no_strike", name="Precise"), party="admin")
        self.assertEqual(r.status, 201, r)
        self.log.wait_for(r.json["receipt"]["index"] + 1)
        _, e = self.log.check_receipt(self, r.json["receipt"]["index"])
        self.assertEqual(r.json["geometry"]["coordinates"][0][0][0], x, "the answer rounded the coordinate")
        self.assertEqual(e["object_sha256"], object_sha256(logged_object(r.json)))

    def test_consistency_between_checkpoints(self):
        srv, log = self.srv, self.log
        old = log.wait_for(1)
        for i in range(3):
            r = srv.post("/v1/areas", feature(polygon(30.0 + i, 30.0, 0.5), kind="no_strike", name="C%d" % i),
                         party="admin")
            self.assertEqual(r.status, 201, r)
        new = log.wait_for(r.json["receipt"]["index"] + 1)
        self.assertGreater(new[0], old[0])
        proof = log.consistency(old[0], new[0])
        self.assertTrue(verify_consistency(old[0], new[0], old[1], new[1], proof))
        self.assertFalse(verify_consistency(old[0], new[0], old[1], new[1], flipped(proof, len(proof) - 1)))
        self.assertFalse(verify_consistency(old[0], new[0], new[1], new[1], proof))
        self.assertEqual(log.consistency(new[0], new[0]), [])
        self.assertEqual(log.consistency(0, new[0]), [])
        # Every pair of stored checkpoints: each later one extends each earlier one.
        cps = db_query(srv.db, "SELECT size, root, note FROM log_checkpoint WHERE size <= ? ORDER BY size", new[0])
        self.assertGreaterEqual(len(cps), 2)
        for (m, rm, note_m) in cps:
            self.assertEqual(log.open(note_m)[:2], (m, bytes(rm)))
            self.assertTrue(verify_consistency(m, new[0], bytes(rm), new[1], log.consistency(m, new[0])),
                            "checkpoint %d is not a prefix of %d" % (m, new[0]))
        # Out of range: a size beyond the latest checkpoint, from > to, not a number.
        r = srv.get("/v1/log/consistency?from=0&to=%d" % (new[0] + 1000), party="admin")
        self.assertProblem(r, 400, field="to")
        self.assertProblem(srv.get("/v1/log/consistency?from=3&to=2", party="admin"), 400, field="from")
        self.assertProblem(srv.get("/v1/log/consistency?from=x&to=2", party="admin"), 400, field="from")

    def test_uncovered_receipt_is_not_found(self):
        r = self.srv.get("/v1/log/receipts/100000000", party="admin")
        self.assertProblem(r, 404)

    def test_rejected_write_appends_no_entry(self):
        srv, log = self.srv, self.log
        self.assertEqual(srv.post("/v1/actors", {"name": "Dup"}, party="admin").status, 201)
        n = self.settled_size()
        bad_area = feature({"type": "Polygon", "coordinates": [[[36.0, 36.0], [36.5, 36.0]]]}, kind="no_strike",
                           name="Bad")
        rejected = [
            (400, lambda: srv.post("/v1/areas", bad_area, party="admin")),
            (400, lambda: srv.post("/v1/areas", feature(polygon(36.0, 36.0), kind="no_such_kind", name="X"),
                                   party="admin")),
            (400, lambda: srv.post("/v1/agreements", {"name": "No start"}, party="Russia")),
            (400, lambda: srv.post("/v1/actors", {"name": ""}, party="admin")),
            (409, lambda: srv.post("/v1/actors", {"name": "Dup"}, party="admin")),
            (403, lambda: srv.post("/v1/actors", {"name": "Nope"}, party="SAA")),
        ]
        for status, fn in rejected:
            r = self.assertUnchanged(fn)  # log_entry and log_node included
            self.assertEqual(r.status, status, r)
            self.assertNotIn("receipt", r.body)
        time.sleep(0.3)  # several checkpoint intervals
        self.assertEqual(log.checkpoint()[0], n, "a rejected write moved the log")
        self.assertEqual(db_query(srv.db, "SELECT count(*) FROM log_entry")[0][0], n)

    def test_tiles_recompute_the_signed_root(self):
        """An auditor holding only the entry bundles and tiles recomputes the signed root."""
        size, root, _ = self.log.wait_for(1)
        entries = self.log.entries(size)
        leaves = [leaf_hash(e) for e in entries]
        self.assertEqual(merkle_root(leaves), root)
        for n in range((size + 255) // 256):
            w = min(256, size - 256 * n)
            data = self.log.tile("tile/0/" + tile_index(n) + ("" if w == 256 else ".p/%d" % w))
            self.assertEqual(data, b"".join(leaves[256 * n:256 * n + w]))


class NothingLostTest(ServerTest):
    """kill -9 in the middle of a stream of writes from several clients."""
    extra_args = CHECKPOINT_ARGS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.srv.add_party("admin", "admin")
            cls.srv.add_party("Russia", "guarantor")
        except BaseException:
            cls.srv.stop(expect_clean=False)
            raise

    def test_kill_9_loses_nothing_logged(self):
        srv = self.srv
        log = LogClient(srv)
        max_writes, max_seconds, nthreads, pace = 300, 5.0, 4, 0.03
        acked, seen, lock, stop = [], [], threading.Lock(), threading.Event()
        counter = [0]
        t0 = time.time()

        def writer(k):
            while not stop.is_set() and time.time() < t0 + max_seconds:
                with lock:
                    if counter[0] >= max_writes:
                        return
                    counter[0] += 1
                    i = counter[0]
                name = "N%d-%d" % (k, i)
                if i % 7 == 0:
                    kind, path, body, who = "actor", "/v1/actors", {"name": name}, "admin"
                elif i % 5 == 0:
                    kind, path, who = "agreement", "/v1/agreements", "Russia"
                    body = {"name": name, "start": "2016-01-01T00:00:00Z"}
                else:
                    kind, path, who = "area", "/v1/areas", "admin"
                    body = feature(polygon(-170 + (i % 300), -60 + (i // 300) * 0.5, 0.25), kind="no_strike",
                                   name=name)
                try:
                    r = srv.post(path, body, party=who)
                except (OSError, http.client.HTTPException):
                    return
                if 200 <= r.status < 300:
                    with lock:
                        acked.append((kind, name, r.json))
                time.sleep(pace)  # spread the stream over several checkpoint intervals

        def poller():
            last = None
            while not stop.is_set():
                try:
                    r = srv.get("/v1/log/checkpoint")
                except (OSError, http.client.HTTPException):
                    return
                if r.status == 200 and r.body != last:
                    last = r.body
                    with lock:
                        seen.append(r.body)
                time.sleep(0.005)

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(nthreads)]
        threads.append(threading.Thread(target=poller))
        for t in threads:
            t.start()
        # Kill mid-stream: half-way through the time, or before the last writes start.
        while time.time() < t0 + max_seconds / 2:
            with lock:
                if counter[0] >= max_writes - 2 * nthreads:
                    break
            time.sleep(0.01)
        srv.kill()
        stop.set()
        for t in threads:
            t.join(timeout=60)
            self.assertFalse(t.is_alive())
        self.assertGreater(len(acked), 0, "no write was acknowledged before the kill")
        self.assertGreater(len(seen), 1, "fewer than two checkpoints were seen before the kill")
        if VERBOSE:
            print("kill -9: %d writes started, %d acknowledged, %d checkpoints seen" %
                  (counter[0], len(acked), len(seen)), file=sys.stderr)

        # The database itself, before any server touches it again.
        if srv.store == "sqlite":
            self.assertEqual(db_query(srv.db, "PRAGMA integrity_check")[0][0], "ok")
        stored, top = db_query(srv.db, "SELECT count(*), coalesce(max(idx) + 1, 0) FROM log_entry")[0]
        stored_cps = db_query(srv.db, "SELECT size, root, note FROM log_checkpoint ORDER BY size")
        self.assertEqual(stored, top, "the log's indexes have a gap")

        # Every checkpoint seen before the kill: signed, sizes monotonic, none beyond the
        # entries stored, one root per size, and each one stored by the server.
        before = [log.open(n) for n in seen]
        sizes = [c[0] for c in before]
        self.assertEqual(sizes, sorted(sizes), "checkpoint sizes went backwards: %s" % sizes)
        self.assertLessEqual(max(sizes), stored, "a checkpoint covered entries that were not durable")
        roots = {}
        for size, root, _ in before:
            self.assertEqual(roots.setdefault(size, root), root, "two roots signed for size %d" % size)
        stored_notes = {note for (_, _, note) in stored_cps}
        for _, _, note in before:
            self.assertIn(note, stored_notes, "a checkpoint was served that the database does not hold")
        for size, root, note in stored_cps:
            self.assertLessEqual(size, stored)
            self.assertEqual(log.open(note)[:2], (size, bytes(root)))

        # Restart on the same database (and key); the first checkpoint covers everything.
        srv.start()
        self.assertEqual(LogClient(srv).vkey, log.vkey, "the log key changed across the restart")
        latest = log.wait_for(stored)
        self.assertEqual(latest[0], stored)
        # The tree after the restart extends every checkpoint issued before, seen or not.
        for size, root, _ in before + [(s, bytes(r), n) for (s, r, n) in stored_cps]:
            proof = log.consistency(size, latest[0])
            self.assertTrue(verify_consistency(size, latest[0], root, latest[1], proof),
                            "the tree after the restart is not consistent with checkpoint %d" % size)
        # An auditor recomputes the latest root from the entry bundles.
        entries = log.entries(latest[0])
        self.assertEqual(merkle_root([leaf_hash(e) for e in entries]), latest[1])

        # Every acknowledged write is in the store and its receipt names it in the log.
        for kind, name, a in acked:
            with self.subTest(kind=kind, name=name):
                if kind == "area":
                    g = srv.get("/v1/areas/%d" % a["id"], party="admin")
                    self.assertEqual(g.status, 200, "acknowledged area %s lost" % name)
                    self.assertEqual(g.json["properties"]["name"], name)
                    ref = "area/%d@1" % a["id"]
                elif kind == "agreement":
                    g = srv.get("/v1/agreements/%d" % a["id"], party="admin")
                    self.assertEqual(g.status, 200, "acknowledged agreement %s lost" % name)
                    self.assertEqual(g.json["name"], name)
                    ref = "agreement/%d@1" % a["id"]
                else:
                    names = [x["name"] for x in srv.get("/v1/actors", party="admin").json["items"]]
                    self.assertIn(name, names, "acknowledged actor %s lost" % name)
                    ref = "actor/" + name
                idx = a["receipt"]["index"]
                self.assertLess(idx, stored)
                entry, e = log.check_receipt(self, idx, a["receipt"]["leaf_hash"])
                self.assertEqual(entry, entries[idx])
                self.assertEqual(e["ref"], ref)
                self.assertEqual(e["object_sha256"], object_sha256(logged_object(a)))
        self.assertEqual(len({a["receipt"]["index"] for _, _, a in acked}), len(acked), "two writes, one index")

        # One entry per state change and no state change without its entry.
        counts = dict(db_query(srv.db, "SELECT type, count(*) FROM log_entry GROUP BY type"))
        self.assertEqual(counts.get("area.create", 0), db_query(srv.db, "SELECT count(*) FROM area_version")[0][0])
        self.assertEqual(counts.get("agreement.create", 0), db_query(srv.db, "SELECT count(*) FROM agreement")[0][0])
        self.assertEqual(counts.get("actor.add", 0), db_query(srv.db, "SELECT count(*) FROM actor")[0][0])
        self.assertEqual(counts.get("party.add", 0), db_query(srv.db, "SELECT count(*) FROM party")[0][0])

        # And the log grows on from there.
        r = srv.post("/v1/areas", feature(polygon(10.0, 10.0), kind="no_strike", name="After"), party="admin")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["receipt"]["index"], stored)
        after = log.wait_for(stored + 1)
        self.assertTrue(verify_consistency(latest[0], after[0], latest[1], after[1], log.consistency(latest[0], after[0])))


if __name__ == "__main__":
    main()
