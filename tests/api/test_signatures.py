"""Signed submissions: a party registers an Ed25519 key and signs what it submits; the
signature goes into the log entry, so the party cannot later deny it (issue 5)."""
import base64
import json
import os
import sqlite3
import time

from harness import ServerTest, keygen, polygon, feature, main, sign


class SignatureTest(ServerTest):
    extra_args = ("--checkpoint-ms", "50")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.add_party("admin", "admin")
        cls.srv.add_party("SAA", "belligerent")
        cls.srv.add_party("UN-OCHA", "humanitarian")
        cls.key, cls.pub = keygen(cls.srv.dir, "saa.key")
        r = cls.srv.put("/v1/me/key", {"public_key": cls.pub}, party="SAA")
        assert r.status == 200, r

    def post_signed(self, body, key=None, party="SAA", tamper=False):
        raw = json.dumps(body).encode()
        sig = sign(self.srv.dir, key or self.key, raw)
        if tamper:
            raw = raw.replace(b"Signed", b"Sinned")
        return self.srv.request("POST", "/v1/areas", raw=raw, party=party, headers={"Truce-Signature": sig})

    def entry(self, index):
        row = self.srv.db_sql(self.srv.db, "SELECT entry, submission FROM log_entry WHERE idx = ?", (index,))[0]
        return json.loads(row[0]), row[1]

    def test_key_registered_and_logged(self):
        me = self.srv.get("/v1/me", party="SAA").json
        self.assertEqual(me["public_key"], self.pub)
        self.assertIsNone(self.srv.get("/v1/me", party="UN-OCHA").json["public_key"])
        self.assertProblem(self.srv.put("/v1/me/key", {"public_key": "abc"}, party="SAA"), 400, "public_key")
        self.assertProblem(self.srv.put("/v1/me/key", {"public_key": self.pub, "x": 1}, party="SAA"), 400, "x")

    def test_signed_write_carries_the_signature_into_the_log(self):
        body = feature(polygon(37.5, 35.5, 0.05), kind="control", party="SAA", name="Signed position")
        r = self.post_signed(body)
        self.assertEqual(r.status, 201, r)
        e, submission = self.entry(r.json["receipt"]["index"])
        raw = json.dumps(body).encode()
        self.assertEqual(submission, raw)
        import hashlib
        self.assertEqual(e["body_sha256"], hashlib.sha256(raw).hexdigest())
        self.assertEqual(len(base64.b64decode(e["signature"])), 64)
        self.assertEqual(e["party"], "SAA")

    def test_bad_signatures_change_nothing(self):
        body = feature(polygon(37.6, 35.6, 0.05), kind="control", party="SAA", name="Signed position 2")
        # The body was changed after signing.
        r = self.assertUnchanged(lambda: self.post_signed(body, tamper=True))
        self.assertProblem(r, 401, "Truce-Signature", "does not verify")
        # Another key than the registered one.
        other, _ = keygen(self.srv.dir, "other-%d.key" % time.monotonic_ns())
        self.assertProblem(self.assertUnchanged(lambda: self.post_signed(body, key=other)), 401, "Truce-Signature")
        # Not base64 of 64 bytes.
        raw = json.dumps(body).encode()
        r = self.assertUnchanged(lambda: self.srv.request("POST", "/v1/areas", raw=raw, party="SAA",
                                                          headers={"Truce-Signature": "bm90IGEgc2lnbmF0dXJl"}))
        self.assertProblem(r, 400, "Truce-Signature")
        # A party without a registered key.
        r = self.assertUnchanged(lambda: self.srv.request(
            "POST", "/v1/areas", raw=json.dumps(feature(polygon(37.7, 35.7, 0.05), kind="no_strike",
                                                        party="UN-OCHA", name="x")).encode(),
            party="UN-OCHA", headers={"Truce-Signature": base64.b64encode(b"\0" * 64).decode()}))
        self.assertProblem(r, 400, "Truce-Signature", "no registered key")
        # A signature on a request without a body.
        self.assertProblem(self.srv.get("/v1/areas", party="SAA", headers={"Truce-Signature": "x"}), 400,
                           "Truce-Signature")

    def test_verify_checks_signatures_and_survives_key_rotation(self):
        body = feature(polygon(37.8, 35.8, 0.05), kind="control", party="SAA", name="Signed before rotation")
        r = self.post_signed(body)
        self.assertEqual(r.status, 201, r)
        index = r.json["receipt"]["index"]
        key2, pub2 = keygen(self.srv.dir, "saa2-%d.key" % time.monotonic_ns())
        self.assertEqual(self.srv.put("/v1/me/key", {"public_key": pub2}, party="SAA").status, 200)
        r2 = self.post_signed(feature(polygon(37.9, 35.9, 0.05), kind="control", party="SAA",
                                      name="Signed after rotation"), key=key2)
        self.assertEqual(r2.status, 201, r2)
        self.srv.stop()
        try:
            ok = self.srv.verify()
            self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
            # Tamper with the kept submission: the signature no longer matches.
            kept = self.srv.blob(self.srv.sql("SELECT submission FROM log_entry WHERE idx = ?", (index,))[0][0])
            self.assertIn(b"rotation", kept)
            self.srv.tamper("UPDATE log_entry SET submission = ? WHERE idx = ?",
                            (kept.replace(b"rotation", b"rotatiOn"), index))
            bad = self.srv.verify()
            self.assertEqual(bad.returncode, 1, bad.stdout)
            self.assertIn("log_entry %d" % index, bad.stdout + bad.stderr)
            self.assertIn("body_sha256", bad.stdout + bad.stderr)
        finally:
            self.srv.start()


if __name__ == "__main__":
    main()
