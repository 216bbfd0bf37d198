"""One busy place (issue 11, item 7): hundreds of reports at one place and time form one
incident; GET /v1/incidents/{id} answers a page of its reports (limit, cursor, next_cursor)
with a summary of all of them, the list carries the summary and a first page only, and the
same answers come back after a restart (when the summary is rebuilt from the store)."""
import json

from harness import ServerTest, main

N = 260
SPOT = [37.16, 36.2]


def report(i):
    return {"occurred_at": "2016-03-21T10:00:00Z", "time_precision": 1, "geo_precision": 1,
            "location": {"type": "Point", "coordinates": SPOT}, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack", "alleged_perpetrator": "Opposition",
            "fatalities": {"min": i % 4, "max": i % 4 + 3},
            "source": {"kind": "media", "ref": "agency %d" % (i % 3)} if i % 2 else {"kind": "party"}}


class HotspotTest(ServerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name, role in [("SAA", "belligerent"), ("Opposition", "belligerent"), ("JMC", "monitor")]:
            cls.srv.add_party(name, role)
        cls.ids = []
        for i in range(N):
            r = cls.srv.post("/v1/reports", report(i), party="SAA")
            assert r.status == 201, r
            cls.ids.append(r.json["id"])
        cls.inc = r.json["incident_id"]

    def get(self, query="", party="Opposition"):
        r = self.srv.get("/v1/incidents/%d%s" % (self.inc, query), party=party)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_one_incident_paged_by_cursor(self):
        first = self.get()
        self.assertEqual(first["id"], self.ids[0])
        self.assertEqual(len(first["reports"]), 100)  # the default page
        self.assertEqual(first["next_cursor"], str(self.ids[99]))
        seen, cursor, pages = [], None, 0
        while True:
            page = self.get("?limit=70" + ("&cursor=" + cursor if cursor else ""))
            pages += 1
            self.assertLessEqual(len(page["reports"]), 70)
            seen += [x["id"] for x in page["reports"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            self.assertEqual(cursor, str(page["reports"][-1]["id"]))
        self.assertEqual(seen, self.ids)  # every report once, in id order
        self.assertEqual(pages, (N + 69) // 70)
        # Each report says why it is here: related to the incident's first report.
        for x in first["reports"][1:]:
            self.assertEqual(x["attached"]["to"], self.ids[0])
            self.assertEqual(x["attached"]["distance_m"], 0)

    def test_summary_of_all_reports(self):
        s = self.get("?limit=1")["summary"]
        self.assertEqual(s["reports"], N)
        self.assertEqual(s["sources"]["by_kind"]["media"], N // 2)
        self.assertEqual(s["sources"]["by_kind"]["party"], N - N // 2)
        self.assertEqual(s["sources"]["independent"], 4)  # three agencies and the reporting party
        self.assertEqual(s["fatalities"], {"min": 0, "max": 6})
        self.assertIsNone(s["injured"])
        self.assertLessEqual(s["received"]["first"], s["received"]["last"])

    def test_list_carries_the_summary_and_a_first_page(self):
        r = self.srv.get("/v1/incidents", party="SAA")
        self.assertEqual(r.status, 200, r)
        item = [x for x in r.json["items"] if x["id"] == self.inc][0]
        self.assertEqual(item["summary"]["reports"], N)
        self.assertEqual([x["id"] for x in item["reports"]], self.ids[:100])

    def test_bad_paging_is_refused(self):
        for q, field in [("?limit=0", "limit"), ("?limit=1001", "limit"), ("?limit=x", "limit"),
                         ("?cursor=abc", "cursor"), ("?cursor=-1", "cursor"), ("?limit=5&limit=6", "limit"),
                         ("?after=3", "after")]:
            with self.subTest(q=q):
                self.assertProblem(self.srv.get("/v1/incidents/%d%s" % (self.inc, q), party="SAA"), 400, field)
        past = self.get("?cursor=%d" % self.ids[-1])
        self.assertEqual(past["reports"], [])
        self.assertIsNone(past["next_cursor"])

    def test_zz_responses_then_a_restart_read_the_same(self):
        r = self.srv.post("/v1/incidents/%d/responses" % self.inc, {"response": "deny", "text": "not us"},
                          party="Opposition")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["grade"], "contested")
        more = self.srv.post("/v1/reports", report(N), party="SAA")
        self.assertEqual(more.json["incident_id"], self.inc)
        before = [self.get(q) for q in ["", "?limit=50&cursor=%d" % self.ids[100]]]
        self.assertEqual(before[0]["summary"]["reports"], N + 1)
        self.srv.restart()
        after = [self.get(q) for q in ["", "?limit=50&cursor=%d" % self.ids[100]]]
        self.assertEqual(json.dumps(before, sort_keys=True), json.dumps(after, sort_keys=True))


if __name__ == "__main__":
    main()
