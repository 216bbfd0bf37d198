"""Action routes (issue 18, item 6): an acknowledgement or a state change acts on an object
named by the path, so an empty body — with no Content-Type, as `curl -X POST URL` sends it,
or with curl's form type for `-d ''` — is the empty object {}. An action that needs a field
then names it (400, nothing changed); a non-empty body still needs a JSON media type (415).
"""
from harness import ServerTest, main

T0, T1 = "2016-09-19T17:00:00Z", "2016-09-19T20:00:00Z"


class ActionRouteTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in (("admin", "admin"), ("SAA", "belligerent"), ("UN-OCHA", "humanitarian"),
                           ("IMAC", "mine_action")):
            cls.srv.add_party(name, role)

    def notice(self):
        site = self.srv.post("/v1/sites", {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.02, 36.21]},
                                           "properties": {"kind": "aid_warehouse", "name": "W", "radius_m": 200,
                                                          "valid_from": "2016-01-01T00:00:00Z"}}, party="UN-OCHA")
        self.assertEqual(site.status, 201, site)
        alt = lambda v: {"value": v, "reference": "W84", "units": "M"}
        op = self.srv.post("/v1/operations", {"kind": "air", "volumes": [{
            "volume": {"outline_circle": {"center": {"lat": 36.21, "lng": 37.03}, "radius": {"value": 1500, "units": "M"}},
                       "altitude_lower": alt(0), "altitude_upper": alt(3000)},
            "time_start": {"value": T0, "format": "RFC3339"}, "time_end": {"value": T1, "format": "RFC3339"}}]},
            party="SAA")
        self.assertEqual(op.status, 201, op)
        items = self.srv.get("/v1/notices", party="UN-OCHA").json["items"]
        mine = [n for n in items if n["about"] == {"type": "operation", "id": op.json["id"]}]
        self.assertTrue(mine, items)
        return op.json["id"], mine[0]["id"]

    def test_ack_without_body_or_content_type(self):
        _, nid = self.notice()
        r = self.srv.request("POST", "/v1/notices/%d/ack" % nid, party="UN-OCHA", content_type=None)
        self.assertEqual(r.status, 200, r)
        self.assertIn("receipt", r.json)
        # again: already acknowledged (409), whatever the body's form
        r = self.srv.request("POST", "/v1/notices/%d/ack" % nid, party="UN-OCHA", raw=b"",
                             content_type="application/x-www-form-urlencoded")
        self.assertProblem(r, 409)

    def test_curl_form_type_with_empty_body(self):
        _, nid = self.notice()
        r = self.srv.request("POST", "/v1/notices/%d/ack" % nid, party="UN-OCHA", raw=b"",
                             content_type="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 200, r)

    def test_a_state_change_names_the_field_it_needs(self):
        op, _ = self.notice()
        for path, field, party in (("/v1/operations/%d/state" % op, "state", "SAA"),):
            r = self.assertUnchanged(lambda: self.srv.request("POST", path, party=party, content_type=None))
            self.assertProblem(r, 400, field)
        r = self.srv.request("POST", "/v1/operations/%d/state" % op, party="SAA", raw=b'{"state": "active"}',
                             content_type=None)
        self.assertProblem(r, 415, "Content-Type")
        mv = self.srv.post("/v1/movements", {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [
            [36.67, 36.23], [37.1, 36.2]]}, "properties": {"kind": "convoy", "name": "C", "width_m": 200,
                                                           "time_start": T0, "time_end": T1}}, party="UN-OCHA")
        self.assertEqual(mv.status, 201, mv)
        path = "/v1/movements/%d/status" % mv.json["properties"]["id"]
        r = self.assertUnchanged(lambda: self.srv.request("POST", path, party="UN-OCHA", content_type=None))
        self.assertProblem(r, 400, "status")
        hz = self.srv.post("/v1/hazards", {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
            [[38.26, 34.54], [38.27, 34.54], [38.27, 34.55], [38.26, 34.54]]]},
            "properties": {"kind": "CHA", "contamination": ["IED"]}}, party="IMAC")
        self.assertEqual(hz.status, 201, hz)
        r = self.assertUnchanged(lambda: self.srv.request("POST", "/v1/hazards/%d/status" % hz.json["properties"]["id"],
                                                          party="IMAC", content_type=None))
        self.assertProblem(r, 400, "status")

    def test_creations_still_need_a_json_body(self):
        r = self.assertUnchanged(lambda: self.srv.request("POST", "/v1/sites", party="UN-OCHA", content_type=None))
        self.assertProblem(r, 415, "Content-Type")


if __name__ == "__main__":
    main()
