"""Notice deadlines relative to the object's start (issue 17), on a real server.

A notice about an object that starts later is due `--notice-lead-s` before its start, never
sooner than `--notice-deadline-s` after the notice was created; a notice about something with
no start (a message) or already under way is due `--notice-deadline-s` after its creation.
"""
import calendar
import time

from harness import ServerTest, main, run_cli

LEAD = 7200
LEAST = 600


def epoch(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def movement(t0, t1, visibility):
    return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[36.9, 36.2], [37.0, 36.2]]},
            "properties": {"kind": "convoy", "name": "Convoy", "width_m": 200, "time_start": iso(t0),
                           "time_end": iso(t1), "visibility": visibility}}


def operation(lon, lat, t0, t1):
    alt = lambda v: {"value": v, "reference": "W84", "units": "M"}
    return {"kind": "air", "volumes": [{"volume": {
        "outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": 1000, "units": "M"}},
        "altitude_lower": alt(0), "altitude_upper": alt(3000)},
        "time_start": {"value": iso(t0), "format": "RFC3339"}, "time_end": {"value": iso(t1), "format": "RFC3339"}}]}


class Deadlines:
    """Shared by the configured and the default server."""
    lead = LEAD
    least = LEAST

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("JMC", "monitor"), ("Russia", "guarantor"), ("SAA", "belligerent"),
                           ("OCHA", "humanitarian")]:
            cls.srv.add_party(name, role)

    def notice(self, party, about_type, about_id, kind):
        items = self.srv.get("/v1/notices?limit=1000", party=party).json["items"]
        got = [n for n in items if n["about"] == {"type": about_type, "id": about_id} and n["kind"] == kind]
        self.assertEqual(len(got), 1, items)
        return got[0]

    def due_after_creation(self, n):
        self.assertEqual(epoch(n["deadline"]), epoch(n["created_at"]) + self.least, n)

    def test_a_movement_days_ahead_is_due_lead_before_its_start(self):
        t0 = int(time.time()) // 60 * 60 + 3 * 86400
        r = self.srv.post("/v1/movements", movement(t0, t0 + 3600, ["Russia"]), party="OCHA")
        self.assertEqual(r.status, 201, r)
        n = self.notice("Russia", "movement", r.json["properties"]["id"], "movement")
        self.assertEqual(n["deadline"], iso(t0 - self.lead), n)

    def test_a_movement_starting_soon_leaves_the_least_time(self):
        t0 = int(time.time()) + 60
        r = self.srv.post("/v1/movements", movement(t0, t0 + 3600, ["Russia"]), party="OCHA")
        self.assertEqual(r.status, 201, r)
        self.due_after_creation(self.notice("Russia", "movement", r.json["properties"]["id"], "movement"))

    def test_a_past_movement_leaves_the_least_time(self):
        t0 = epoch("2016-09-19T08:00:00Z")
        r = self.srv.post("/v1/movements", movement(t0, t0 + 3600, ["Russia"]), party="OCHA")
        self.assertEqual(r.status, 201, r)
        self.due_after_creation(self.notice("Russia", "movement", r.json["properties"]["id"], "movement"))

    def test_a_conflict_is_due_lead_before_the_overlap_and_a_change_of_state_before_the_start(self):
        site = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [38.5, 35.5]},
                "properties": {"kind": "hospital", "name": "Hospital", "radius_m": 300,
                               "valid_from": "2016-01-01T00:00:00Z"}}
        s = self.srv.post("/v1/sites", site, party="SAA")
        self.assertEqual(s.status, 201, s)
        t0 = int(time.time()) // 60 * 60 + 5 * 86400
        op = self.srv.post("/v1/operations", operation(38.5, 35.5, t0, t0 + 7200), party="Russia")
        self.assertEqual(op.status, 201, op)
        self.assertTrue(op.json["conflicts"], op.json)
        n = self.notice("SAA", "operation", op.json["id"], "conflict")
        self.assertEqual(n["deadline"], iso(t0 - self.lead), n)
        # Activated ahead of its start: those notified before learn of it, due before the start too.
        st = self.srv.post("/v1/operations/%d/state" % op.json["id"], {"state": "active"}, party="Russia")
        self.assertEqual(st.status, 200, st)
        n = self.notice("SAA", "operation", op.json["id"], "state")
        self.assertEqual(n["deadline"], iso(t0 - self.lead), n)

    def test_a_message_has_no_start(self):
        r = self.srv.post("/v1/messages", {"to": "SAA", "kind": "proposal", "text": "A pause on Friday"},
                          party="Russia")
        self.assertEqual(r.status, 201, r)
        self.due_after_creation(self.notice("SAA", "message", r.json["id"], "message"))


class ConfiguredTest(Deadlines, ServerTest):
    extra_args = ["--notice-lead-s", str(LEAD), "--notice-deadline-s", str(LEAST)]


class DefaultTest(Deadlines, ServerTest):
    lead = 3600
    least = 1800


class ZeroLeadTest(ServerTest):
    """--notice-lead-s 0: due at the start itself."""
    extra_args = ["--notice-lead-s", "0"]

    def test_due_at_the_start(self):
        self.srv.add_party("OCHA", "humanitarian")
        self.srv.add_party("Russia", "guarantor")
        t0 = int(time.time()) // 60 * 60 + 86400
        r = self.srv.post("/v1/movements", movement(t0, t0 + 3600, ["Russia"]), party="OCHA")
        self.assertEqual(r.status, 201, r)
        items = self.srv.get("/v1/notices?limit=1000", party="Russia").json["items"]
        self.assertEqual([n["deadline"] for n in items], [iso(t0)])


class OptionTest(ServerTest):
    def test_bad_lead_times_are_usage_errors(self):
        for bad in ["-1", "abc", "", "31536001"]:
            p = run_cli("serve", "--db", self.srv.dir + "/x.db", "--listen", "127.0.0.1:0", "--notice-lead-s", bad,
                        check=False)
            self.assertEqual(p.returncode, 2, (bad, p.stderr))
            self.assertIn("--notice-lead-s", p.stderr)

    def test_help_names_the_option(self):
        p = run_cli("serve", "--help")
        self.assertIn("--notice-lead-s", p.stdout)


if __name__ == "__main__":
    main()
