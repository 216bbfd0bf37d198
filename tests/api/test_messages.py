"""Formal notices between parties routed through the centre (issue 6, docs/humanitarian.md
"Messages"): proposals "handed over ... through the center", a request to join the demining of
Palmyra, a mediated message when two parties have no direct channel; delivery into the notice
feed and acknowledgement there; visibility; bad input changes nothing."""
from harness import ServerTest, main, run_cli


class MessagesTest(ServerTest):
    scenario = True

    def notices(self, party, kind):
        items = self.srv.get("/v1/notices?limit=1000", party=party).json["items"]
        return [n for n in items if n["kind"] == kind]

    def mine(self, party):
        r = self.srv.get("/v1/messages?limit=1000", party=party)
        self.assertEqual(r.status, 200, r)
        return {m["id"]: m for m in r.json["items"]}

    def test_direct_proposal_delivered_and_acknowledged(self):
        r = self.srv.post("/v1/messages", {"to": "Russia", "kind": "proposal", "subject": "Eastern Aleppo",
                                           "text": "Proposals on the withdrawal of all fighters from eastern Aleppo."},
                          party="US-Coalition")
        self.assertEqual(r.status, 201, r)
        m = r.json
        self.assertEqual((m["from"], m["to"], m["via"], m["state"]), ("US-Coalition", "Russia", None, "delivered"))
        self.assertEqual([c["role"] for c in m["chain"]], ["sender"])
        self.assertIn("receipt", m)
        got = [n for n in self.notices("Russia", "message") if n["about"]["id"] == m["id"]]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["payload"]["message"]["text"], m["text"])
        self.assertEqual(got[0]["payload"]["chain"][0]["party"], "US-Coalition")
        ack = self.srv.post("/v1/notices/%d/ack" % got[0]["id"], {}, party="Russia")
        self.assertEqual(ack.status, 200, ack)
        seen = self.mine("US-Coalition")[m["id"]]
        self.assertEqual(seen["state"], "acknowledged")
        self.assertEqual(seen["deliveries"][0]["acked_at"], ack.json["acked_at"])
        self.assertIn(m["id"], self.mine("Russia"))
        self.assertIn(m["id"], self.mine("JMC"))  # monitors see every message
        for other in ("Kazakhstan", "SDF", "Turkey"):
            self.assertNotIn(m["id"], self.mine(other))
        # A reply names it; a party that cannot see a message cannot reply to it.
        r = self.srv.post("/v1/messages", {"to": "US-Coalition", "kind": "reply", "text": "Experts go to Geneva.",
                                           "reply_to": m["id"]}, party="Russia")
        self.assertEqual(r.status, 201, r)
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post(
            "/v1/messages", {"to": "Russia", "kind": "reply", "text": "x", "reply_to": m["id"]}, party="SDF"),
            400, field="reply_to"))

    def test_mediated_request(self):
        """The opposition and the government have no direct channel: Turkey mediates."""
        body = {"to": "SAA", "via": "Turkey", "kind": "request", "text": "Allow the wounded of the pocket to leave first."}
        r = self.srv.post("/v1/messages", body, party="Opposition")
        self.assertEqual(r.status, 201, r)
        mid = r.json["id"]
        self.assertEqual(r.json["state"], "awaiting_forward")
        relay = [n for n in self.notices("Turkey", "message_relay") if n["about"]["id"] == mid]
        self.assertEqual(len(relay), 1)
        # Not delivered yet: the addressee sees nothing.
        self.assertEqual([n for n in self.notices("SAA", "message") if n["about"]["id"] == mid], [])
        self.assertNotIn(mid, self.mine("SAA"))
        fwd = "/v1/messages/%d/forward" % mid
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post(fwd, {}, party="SAA"), 404, field="id"))
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post(fwd, {}, party="SDF"), 404, field="id"))
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post(fwd, {}, party="Opposition"), 403, field="id"))
        r = self.srv.post(fwd, {"note": "passed on at the Astana meeting"}, party="Turkey")
        self.assertEqual(r.status, 201, r)
        self.assertEqual([(c["party"], c["role"]) for c in r.json["chain"]],
                         [("Opposition", "sender"), ("Turkey", "mediator")])
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post(fwd, {}, party="Turkey"), 409, field="id"))
        got = [n for n in self.notices("SAA", "message") if n["about"]["id"] == mid]
        self.assertEqual(len(got), 1)
        chain = got[0]["payload"]["chain"]
        self.assertEqual(chain[1]["note"], "passed on at the Astana meeting")
        self.assertEqual(self.mine("SAA")[mid]["state"], "delivered")
        self.assertEqual(self.srv.post("/v1/notices/%d/ack" % got[0]["id"], {}, party="SAA").status, 200)
        self.assertEqual(self.mine("Opposition")[mid]["state"], "acknowledged")
        self.assertEqual(self.mine("Turkey")[mid]["state"], "acknowledged")
        out = run_cli("verify", "--db", self.srv.db).stdout
        self.assertIn("OK: the database", out)
        self.assertRegex(out, r"[1-9][0-9]* messages checked")

    def test_request_to_join_demining(self):
        r = self.srv.post("/v1/messages", {"to": "US-Coalition", "kind": "request", "subject": "Palmyra",
                                           "text": "The coalition is invited to join the humanitarian demining of Palmyra."},
                          party="IMAC")
        self.assertEqual(r.status, 201, r)
        direct = "/v1/messages/%d/forward" % r.json["id"]
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post(direct, {}, party="IMAC"), 409, field="id"))

    def test_bad_input_changes_nothing(self):
        ok = {"to": "Russia", "kind": "proposal", "text": "t"}
        cases = [
            ({"kind": "proposal", "text": "t"}, "to"),
            (dict(ok, to="SAA"), "to"),                 # itself
            (dict(ok, to="Nobody"), "to"),
            (dict(ok, to="ISIS"), "to"),                # an actor, not a party
            (dict(ok, to="-x"), "to"),
            (dict(ok, to=5), "to"),
            (dict(ok, via="SAA"), "via"),               # the sender
            (dict(ok, via="Russia"), "via"),            # the addressee
            (dict(ok, via="Nobody"), "via"),
            (dict(ok, kind="threat"), "kind"),
            (dict(ok, kind=None), "kind"),
            (dict(ok, text=""), "text"),
            (dict(ok, text="x" * 8001), "text"),
            (dict(ok, subject="x" * 201), "subject"),
            (dict(ok, reply_to=0), "reply_to"),
            (dict(ok, reply_to="1"), "reply_to"),
            (dict(ok, reply_to=10 ** 9), "reply_to"),
            (dict(ok, urgent=True), "urgent"),
            ([ok], None),
        ]
        for body, field in cases:
            with self.subTest(body=str(body)[:80]):
                r = self.assertUnchanged(lambda: self.srv.post("/v1/messages", body, party="SAA"))
                self.assertProblem(r, 400, field=field)
        self.assertUnchanged(lambda: self.assertProblem(self.srv.post("/v1/messages", ok, party="Kazakhstan"), 403))
        r = self.srv.post("/v1/messages", dict(ok, via="Turkey"), party="SAA")
        fwd = "/v1/messages/%d/forward" % r.json["id"]
        for body, field in (({"note": 5}, "note"), ({"memo": "x"}, "memo"), ([], None), ({"note": "x" * 2001}, "note")):
            with self.subTest(body=str(body)[:40]):
                self.assertUnchanged(lambda: self.assertProblem(self.srv.post(fwd, body, party="Turkey"), 400,
                                                                field=field))
        self.assertProblem(self.srv.post("/v1/messages/0/forward", {}, party="Turkey"), 400, field="id")
        self.assertProblem(self.srv.post("/v1/messages/%d/forward" % 10 ** 9, {}, party="Turkey"), 404, field="id")
        self.assertProblem(self.srv.get("/v1/messages?after=x", party="SAA"), 400, field="after")
        self.assertProblem(self.srv.get("/v1/messages?limit=1001", party="SAA"), 400, field="limit")


if __name__ == "__main__":
    main()
