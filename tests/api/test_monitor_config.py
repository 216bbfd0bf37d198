"""Monitoring configuration (issue 3): clustering distances and windows, the bulletin's hour
and IANA time zone, as options of `truce serve`, `truce bulletin` and `truce export`. The
server records the options it runs with, so the command line answers what the server
answers unless it is given options of its own.
"""
import json

from harness import ServerTest, main, run_cli

OPTS = ["--cluster-radius-m", "1000,5000,15000", "--cluster-window-s", "3600,302400,1296000",
        "--bulletin-hour", "6", "--bulletin-tz", "Asia/Damascus"]
DEFAULTS = ["--cluster-radius-m", "2000,5000,15000", "--cluster-window-s", "43200,302400,1296000",
            "--bulletin-hour", "24", "--bulletin-tz", "+03:00"]


def report(at, where, ref):
    return {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack", "source": {"kind": "monitor", "ref": ref},
            "alleged_perpetrator": "SAA"}


class MonitorConfigTest(ServerTest):
    scenario = True
    extra_args = OPTS

    def post(self, body):
        r = self.srv.post("/v1/reports", body, party="JMC")
        self.assertEqual(r.status, 201, r)
        return r.json

    def test_clustering_follows_the_options(self):
        # 2.7 km apart: one event with the default 2 km + 2 km, two with 1 km + 1 km.
        a = self.post(report("2016-07-01T10:00:00Z", [37.00, 36.00], "c-1"))
        b = self.post(report("2016-07-01T10:10:00Z", [37.03, 36.00], "c-2"))
        self.assertNotEqual(a["incident_id"], b["incident_id"])
        # 2.5 hours apart at the same place: two events with a 1 h + 1 h window (one with 12 h + 12 h).
        c = self.post(report("2016-07-01T10:00:00Z", [38.00, 36.00], "c-3"))
        d = self.post(report("2016-07-01T12:30:00Z", [38.00, 36.00], "c-4"))
        self.assertNotEqual(c["incident_id"], d["incident_id"])
        # The CLI sees the same incidents: with the same options, and with none (the server
        # recorded its own); given the defaults, it groups them.
        for extra in (OPTS, []):
            same = run_cli("export", "incidents", "--format", "hxl", "--date", "2016-07-01", "--db", self.srv.db,
                           *extra)
            self.assertEqual(len(same.stdout.splitlines()) - 2, 4)
        dflt = run_cli("export", "incidents", "--format", "hxl", "--date", "2016-07-01", "--db", self.srv.db,
                       *DEFAULTS)
        self.assertEqual(len(dflt.stdout.splitlines()) - 2, 2)

    def test_bulletin_day_in_the_zone(self):
        # 06:00 in Damascus: UTC+3 in summer 2016 (DST), UTC+2 in winter.
        w = self.srv.get("/v1/bulletins/2016-07-01", party="JMC").json["window"]
        self.assertEqual((w["start"], w["end"], w["utc_offset"]), ("2016-06-30T03:00:00Z", "2016-07-01T03:00:00Z",
                                                                   "+03:00"))
        w = self.srv.get("/v1/bulletins/2016-01-10", party="JMC").json["window"]
        self.assertEqual((w["start"], w["end"], w["utc_offset"]), ("2016-01-09T04:00:00Z", "2016-01-10T04:00:00Z",
                                                                   "+02:00"))
        for fmt in ("json", "csv", "md"):
            api = self.srv.get("/v1/bulletins/2016-07-01?format=" + fmt, party="JMC").body
            for extra in (OPTS, []):  # no options: the ones the server recorded
                cli = run_cli("bulletin", "--date", "2016-07-01", "--format", fmt, "--db", self.srv.db,
                              *extra).stdout
                self.assertEqual(api, cli)
        # A fixed offset still works, and the defaults are the local day at UTC+03:00.
        w = json.loads(run_cli("bulletin", "--date", "2016-07-01", "--bulletin-tz", "-05:30", "--bulletin-hour", "24", "--db",
                               self.srv.db).stdout)["window"]
        self.assertEqual((w["start"], w["end"]), ("2016-07-01T05:30:00Z", "2016-07-02T05:30:00Z"))
        w = json.loads(run_cli("bulletin", "--date", "2016-07-01", "--db", self.srv.db, *DEFAULTS).stdout)["window"]
        self.assertEqual((w["start"], w["end"]), ("2016-06-30T21:00:00Z", "2016-07-01T21:00:00Z"))
        # the setting changes with the server's options: restarted with the defaults, the
        # command line follows
        self.srv.extra_args = []
        self.srv.restart()
        w = json.loads(run_cli("bulletin", "--date", "2016-07-01", "--db", self.srv.db).stdout)["window"]
        self.assertEqual((w["start"], w["end"]), ("2016-06-30T21:00:00Z", "2016-07-01T21:00:00Z"))
        self.srv.extra_args = list(OPTS)
        self.srv.restart()

    def test_bad_options(self):
        for args, word in [(["--bulletin-tz", "Mars/Olympus"], "no time zone"), (["--bulletin-tz", "../../x"], "IANA"),
                           (["--bulletin-hour", "25"], "--bulletin-hour"), (["--bulletin-hour", "0"], "--bulletin-hour"),
                           (["--cluster-radius-m", "1,2"], "three numbers"),
                           (["--cluster-radius-m", "5000,2000,15000"], "widen"),
                           (["--cluster-window-s", "0,1,2"], "window_s"), (["--cluster-window-s", "1.5,2,3"], "whole")]:
            with self.subTest(args=args):
                p = run_cli("bulletin", "--date", "2016-07-01", "--db", self.srv.db, *args, check=False)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(word, p.stderr)


if __name__ == "__main__":
    main()
