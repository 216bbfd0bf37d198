"""Bulk report import over HTTP (issue 3): POST /v1/reports/import?format=&partial=, the body
being the file. Same records, errors (line N: field: reason), one transaction and
all-or-nothing semantics as `truce import reports`; the reporting party is the caller.
"""
import json
import os

from harness import SHARED, ServerTest, main

ALEPPO = [37.18, 36.21]


def report(at="2016-03-10T10:00:00Z", where=ALEPPO, perpetrator="SAA", ref="team-1", **more):
    b = {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
         "geo_precision": 1, "event_type": "Explosions/Remote violence",
         "sub_event_type": "Shelling/artillery/missile attack", "source": {"kind": "monitor", "ref": ref}}
    if perpetrator:
        b["alleged_perpetrator"] = perpetrator
    b.update(more)
    return b


def ndjson(*bodies):
    return "".join((b if isinstance(b, str) else json.dumps(b)) + "\n" for b in bodies).encode()


GOOD = [report(), report(where=[37.19, 36.21], at="2016-03-10T11:00:00Z", ref="team-2"),
        report(where=[38.27, 34.56], perpetrator="ISIS", at="2016-05-01T08:00:00Z", ref="team-3")]
CSV = ("occurred_at,time_precision,lon,lat,geo_precision,event_type,sub_event_type,alleged_perpetrator,source_kind\n"
       '2016-03-12T09:00:00Z,1,37.18,36.21,1,Explosions/Remote violence,"Air/drone strike",Russia,monitor\n')
ACLED = ("event_id_cnty,event_date,year,time_precision,event_type,sub_event_type,actor1,actor2,latitude,longitude,"
         "geo_precision,source,notes,fatalities\n"
         "SYR1,2016-04-02,2016,1,Explosions/Remote violence,Air/drone strike,Russia,,36.20,37.15,1,SOHR,strike,3\n")


class ImportHttpTest(ServerTest):
    scenario = True

    def post(self, body, query="format=ndjson", party="JMC", ctype="application/x-ndjson"):
        return self.srv.request("POST", "/v1/reports/import" + ("?" + query if query else ""), raw=body, party=party,
                                content_type=ctype)

    def test_clean_file_is_imported_as_the_caller(self):
        mine = [dict(b, occurred_at=b["occurred_at"].replace("2016-03-10", "2016-06-10")) for b in GOOD]
        r = self.post(ndjson(*mine), party="Opposition")
        self.assertEqual(r.status, 201, r)
        self.assertEqual({k: r.json[k] for k in ("rows", "imported", "rejected", "incidents")},
                         {"rows": 3, "imported": 3, "rejected": 0, "incidents": 2})
        self.assertEqual(r.json["errors"], [])
        items = self.srv.get("/v1/incidents?date=2016-06-10", party="Opposition").json["items"]
        ids = [x["id"] for inc in items for x in inc["reports"]]
        rep = self.srv.get("/v1/reports/%d" % ids[0], party="Opposition").json
        self.assertEqual(rep["reporting_party"], "Opposition")
        # The media type alone names NDJSON or CSV.
        r = self.post(ndjson(report(at="2016-03-11T10:00:00Z", ref="t-4")), query="")
        self.assertEqual((r.status, r.json["imported"]), (201, 1), r)
        r = self.post(CSV.encode(), query="", ctype="text/csv; charset=utf-8")
        self.assertEqual((r.status, r.json["imported"]), (201, 1), r)
        r = self.post(ACLED.encode(), query="format=acled", ctype="text/csv")
        self.assertEqual((r.status, r.json["imported"]), (201, 1), r)

    def test_a_bad_record_imports_nothing_and_is_listed(self):
        before = self.srv.db_snapshot()
        body = ndjson(GOOD[0], '{"occurred_at": ', report(event_type="Airstrike"), GOOD[1],
                      report(fatalities={"min": 5, "max": 3}))
        r = self.post(body)
        p = self.assertProblem(r, 400, "body", "3 bad records")
        self.assertEqual([(e["line"], e["field"]) for e in p["errors"]],
                         [(2, "record"), (3, "event_type"), (5, "fatalities")])
        self.assertEqual((p["rows"], p["imported"], p["rejected"]), (5, 0, 3))
        self.assertEqual(before, self.srv.db_snapshot())
        # partial=true keeps the good ones and lists the rest.
        r = self.post(body, query="format=ndjson&partial=true")
        self.assertEqual(r.status, 201, r)
        self.assertEqual((r.json["imported"], r.json["rejected"]), (2, 3))
        self.assertEqual([e["line"] for e in r.json["errors"]], [2, 3, 5])

    def test_bad_requests_change_nothing(self):
        before = self.srv.db_snapshot()
        self.assertProblem(self.post(ndjson(*GOOD), query="format=xml"), 400, "format")
        self.assertProblem(self.post(ndjson(*GOOD), query="", ctype="application/octet-stream"), 415, "Content-Type")
        self.assertProblem(self.post(ndjson(*GOOD), query="format=ndjson&partial=yes"), 400, "partial")
        self.assertProblem(self.post(b""), 400, None, "body")
        self.assertProblem(self.post(b"\n\n"), 400, "body")
        self.assertProblem(self.post(b"occurred_at,colour\n2016-03-12T09:00:00Z,red\n", query="format=csv",
                                     ctype="text/csv"), 400, None, "line 1")
        self.assertProblem(self.post(ndjson(report(perpetrator="Nobody"))), 400, "body")
        self.assertProblem(self.post(ndjson(*GOOD), party="Kazakhstan"), 403)
        self.assertProblem(self.srv.request("POST", "/v1/reports/import?format=ndjson", raw=ndjson(*GOOD),
                                            content_type="application/x-ndjson"), 401)
        self.assertProblem(self.post(ndjson(*GOOD), query="format=ndjson&colour=red"), 400, "colour")
        self.assertEqual(before, self.srv.db_snapshot())

    def test_ucdp_sample_without_aliases(self):
        # Over HTTP there is no aliases file: UCDP's actor names ("Government of Syria") are not
        # truce's, so every row of the real sample is refused at side_a and nothing is stored.
        path = os.path.join(SHARED, "data", "conflict", "ucdp_ged_syria_2016_2017_sample.csv")
        with open(path, "rb") as f:
            data = f.read()
        before = self.srv.db_snapshot()
        p = self.assertProblem(self.post(data, query="format=ucdp&partial=true", ctype="text/csv"), 400, "body")
        self.assertEqual((p["rows"], p["imported"], p["rejected"]), (119, 0, 119))
        self.assertEqual({e["field"] for e in p["errors"]}, {"side_a"})
        self.assertIn("Government of Syria", json.dumps(p["errors"]))
        self.assertEqual(before, self.srv.db_snapshot())

if __name__ == "__main__":
    main()
