"""populate.py — fills a real `truce serve` with every kind of object through its API, so that
every table of the database holds rows: the schema-generated tests of `truce verify`
(test_verify_coverage.py) mutate them one column at a time. Used by tests only.

populate(srv) expects a Server started on the demo scenario (parties, actors, areas,
agreements) and drives, as the parties would: a signed submission, sites (public and
restricted), operations with conflicts and state changes, movements with schedules,
statuses, positions and a manifest (cargo, organisations, vehicles, personnel), a restricted
site with its own privacy margin and probes of it by another party, notices and their
acknowledgements (convoy clearance), reports, responses, verdicts, a split and a merge,
change feeds between them (incident_feed and its passes), CAP alerts, corridor events of
every kind, agreement steps and their status changes, messages direct and forwarded,
hazards, status changes, tasks, progress, closing, accidents, live tracks of two parties with
a traffic alert and a stale sweep (the server needs a short --track-stale-s). It returns a dict
of the ids it made.

with_witness(srv) restarts srv with a real `truce witness serve` cosigning its checkpoints
(log_cosignature), and returns the Witness (the caller stops it).
"""
import json
import os
import time

from harness import Witness, feature, polygon, run_cli

T0 = "2016-09-19T10:00:00Z"
T1 = "2016-09-19T16:00:00Z"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def ok(r, status=(200, 201)):
    assert r.status in ((status,) if isinstance(status, int) else status), r
    return r.json


def fid(x):
    """The id of an answered object or Feature."""
    return x["id"] if "id" in x else x["properties"]["id"]


def circle_op(kind, lon, lat, radius, t0=T0, t1=T1):
    alt = lambda v: {"value": v, "reference": "W84", "units": "M"}
    return {"kind": kind, "volumes": [{
        "volume": {"outline_circle": {"center": {"lat": lat, "lng": lon}, "radius": {"value": radius, "units": "M"}},
                   "altitude_lower": alt(0), "altitude_upper": alt(3000)},
        "time_start": {"value": t0, "format": "RFC3339"}, "time_end": {"value": t1, "format": "RFC3339"}}]}


def report(at, where, ref=None, perpetrator="SAA", **more):
    body = {"occurred_at": at, "time_precision": 1, "location": {"type": "Point", "coordinates": list(where)},
            "geo_precision": 1, "event_type": "Explosions/Remote violence",
            "sub_event_type": "Shelling/artillery/missile attack",
            "source": {"kind": "monitor", "ref": ref} if ref else {"kind": "party"},
            "alleged_perpetrator": perpetrator}
    body.update(more)
    return body


def signed_area(srv):
    """SAA registers a key and signs an area submission (log_entry.submission, party.public_key)."""
    key = os.path.join(srv.dir, "saa.key")
    pub = run_cli("key", "generate", key).stdout.strip()
    ok(srv.put("/v1/me/key", {"public_key": pub}, party="SAA"))
    raw = json.dumps(feature(polygon(38.5, 35.5, 0.05), kind="control", party="SAA", name="Signed area")).encode()
    path = os.path.join(srv.dir, "body-%d" % time.monotonic_ns())
    with open(path, "wb") as f:
        f.write(raw)
    sig = run_cli("key", "sign", path, "--key", key).stdout.strip()
    return ok(srv.request("POST", "/v1/areas", raw=raw, party="SAA", headers={"Truce-Signature": sig}))["id"]


def deconfliction(srv, ids):
    site = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.02, 36.21]},
            "properties": {"kind": "aid_warehouse", "name": "Warehouse", "radius_m": 200,
                           "valid_from": "2016-01-01T00:00:00Z", "visibility": "public"}}
    ids["site"] = fid(ok(srv.post("/v1/sites", site, party="UN-OCHA")))
    hidden = {"type": "Feature", "geometry": polygon(37.05, 36.19, 0.02),
              "properties": {"kind": "forces_position", "name": "Battery", "valid_from": "2016-01-01T00:00:00Z",
                             "valid_to": "2017-01-01T00:00:00Z", "visibility": ["Russia"],
                             "privacy_margin_m": 1500}}
    ids["hidden_site"] = fid(ok(srv.post("/v1/sites", hidden, party="SAA")))
    # Turkey may not see the battery: its operations over it are probes (dc_probe, dc_probe_hit),
    # one of them a refused reject_on_conflict submission.
    probe = circle_op("air", 37.05, 36.19, 1000)
    ids["probe_operation"] = ok(srv.post("/v1/operations", probe, party="Turkey"))["id"]
    ok(srv.post("/v1/operations", dict(probe, reject_on_conflict=True), party="Turkey"), 409)
    op = ok(srv.post("/v1/operations", circle_op("air", 37.03, 36.21, 3000), party="Russia"))
    ids["operation"] = op["id"]
    ok(srv.post("/v1/operations", circle_op("artillery", 37.04, 36.20, 2000), party="Turkey"))
    ok(srv.post("/v1/operations/%d/state" % op["id"], {"state": "active"}, party="Russia"))
    # A checkpoint on the convoy's route: Russia mans it, so its acknowledgement clears the
    # convoy (checkpoint, movement_checkpoint).
    cp = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.70, 36.20]},
          "properties": {"name": "Checkpoint", "opening_hours": [{"days": ["mon", "tue"], "open": "06:00",
                                                                 "close": "18:00"}]}}
    ids["checkpoint"] = fid(ok(srv.post("/v1/checkpoints", cp, party="Russia")))
    route = {"type": "LineString", "coordinates": [[36.60, 36.20], [36.80, 36.20], [37.02, 36.21]]}
    mov = {"type": "Feature", "geometry": route,
           "properties": {"kind": "convoy", "name": "Convoy", "width_m": 200, "time_start": T0, "time_end": T1,
                          "visibility": ["Russia"],
                          "schedule": [{"position": [36.80, 36.20], "at": "2016-09-19T12:00:00Z"}],
                          "cargo": [{"kind": "food", "tonnes": 120.5}, {"kind": "medical", "tonnes": 4.2,
                                                                         "description": "trauma kits"}],
                          "organisations": ["WFP", "SARC"], "vehicles": 31, "personnel": 62}}
    m = ok(srv.post("/v1/movements", mov, party="UN-OCHA"))
    ids["movement"] = fid(m)
    ok(srv.post("/v1/movements/%d/status" % ids["movement"], {"status": "en_route", "at": T0}, party="UN-OCHA"))
    ok(srv.post("/v1/movements/%d/position" % ids["movement"], {"position": [36.7, 36.2], "at": "2016-09-19T11:00:00Z"},
                party="UN-OCHA"))
    # Every addressee but one acknowledges its notices (one stays open).
    for party in ("SAA", "UN-OCHA", "Russia"):
        items = ok(srv.get("/v1/notices?limit=1000", party=party))["items"]
        for n in items[:-1] if party == "Russia" else items:
            ok(srv.post("/v1/notices/%d/ack" % n["id"], {}, party=party))


def monitoring(srv, ids):
    a = ok(srv.post("/v1/reports", report("2016-03-20T10:00:00Z", [37.15, 36.20], fatalities={"min": 1, "max": 3},
                                          description="market"), party="Opposition"))
    b = ok(srv.post("/v1/reports", report("2016-03-20T10:30:00Z", [37.151, 36.201], ref="patrol 7"), party="JMC"))
    c = ok(srv.post("/v1/reports", report("2016-03-20T10:40:00Z", [37.152, 36.20], ref="patrol 8"), party="JMC"))
    csv = ("occurred_at,time_precision,lon,lat,geo_precision,event_type,source_kind,external_id\n"
           "2016-05-01T08:00:00Z,1,36.6,35.9,1,Battles,monitor,ext-1\n").encode()
    ok(srv.request("POST", "/v1/reports/import?format=csv", raw=csv, party="JMC", content_type="text/csv"))
    iid = a["incident_id"]
    feed = lambda since: ok(srv.get("/v1/exports/incidents?format=geojson&changed_since=%s" % since, party="SAA"))
    cursor = feed(0)["cursor"]  # the change feed's passes (incident_feed, incident_feed_pass)
    ok(srv.post("/v1/incidents/%d/responses" % iid, {"response": "deny", "text": "no firing"}, party="SAA"))
    ok(srv.post("/v1/incidents/%d/verdict" % iid, {"verdict": "confirm", "reason": "craters"}, party="JMC"))
    ok(srv.post("/v1/incidents/%d/split" % iid, {"reports": [c["id"]], "reason": "two strikes"}, party="JMC"))
    cursor = feed(cursor)["cursor"]
    ok(srv.post("/v1/incidents/%d/merge" % iid, {"incidents": [c["id"]], "reason": "one barrage"}, party="JMC"))
    assert feed(cursor)["retired"], "the merge retires the split-off incident"
    ids["report"] = a["id"]
    ids["incident"] = iid
    cap = srv.get("/v1/incidents/%d/cap" % iid, party="JMC")
    assert cap.status == 200, cap


def humanitarian(srv, ids):
    areas = ok(srv.get("/v1/areas?kind=corridor&limit=100", party="admin"))["features"]
    cid = [f["id"] for f in areas if f["properties"].get("party") == "Russia"][0]
    p = "/v1/corridors/%d" % cid
    ok(srv.post(p + "/openings", {"from": "2016-11-29T00:00:00Z", "to": "2016-12-06T00:00:00Z", "note": "open"},
                party="Russia"))
    ok(srv.post(p + "/crossings", {"date": "2016-11-30", "count": 8000,
                                   "source": {"kind": "humanitarian", "ref": "OCHA flash update"}}, party="UN-OCHA"))
    ok(srv.post(p + "/suspensions", {"from": "2016-12-01T09:00:00Z", "reason": "shelling"}, party="Russia"))
    ok(srv.post(p + "/resumptions", {"at": "2016-12-02T09:00:00Z", "reason": "calm"}, party="Russia"))
    ags = ok(srv.get("/v1/agreements?limit=100", party="admin"))["items"]
    ag = [a for a in ags if a["provisions"]][0]
    r = ok(srv.post("/v1/agreements/%d/steps" % ag["id"], {"steps": [
        {"key": "a", "title": "Buses enter", "responsible": "Russia", "provision": ag["provisions"][0]["seq"],
         "deadline": "2016-12-15T00:00:00Z"},
        {"title": "Fighters leave", "responsible": "Opposition", "depends_on": ["a"]},
        {"title": "Separate from Nusra in eastern Aleppo", "responsible": "Opposition",
         "deadline": "2016-12-20T00:00:00Z", "separation": {"area": cid}}]}, party="Russia"))
    step = r["steps"][0]["id"]
    ok(srv.post("/v1/steps/%d/status" % step, {"status": "done", "at": "2016-12-15T04:00:00Z", "reason": "in",
                                               "evidence": [{"url": "https://example.org/x.pdf", "sha256": SHA}]},
                party="Russia"))
    m = ok(srv.post("/v1/messages", {"to": "Russia", "kind": "proposal", "subject": "Aleppo", "text": "Talks."},
                    party="US-Coalition"))
    ok(srv.post("/v1/messages", {"to": "US-Coalition", "kind": "reply", "text": "Yes.", "reply_to": m["id"]},
                party="Russia"))
    f = ok(srv.post("/v1/messages", {"to": "SAA", "via": "Turkey", "kind": "request", "text": "Ceasefire?"},
                    party="Opposition"))
    ok(srv.post("/v1/messages/%d/forward" % f["id"], {"note": "passed on"}, party="Turkey"))


def mine_action(srv, ids):
    hz = {"type": "Feature", "geometry": polygon(38.262, 34.548, 0.012),
          "properties": {"kind": "CHA", "name": "Palmyra", "contamination": ["IED", "AP mine"],
                         "evidence": "reported", "estimated_m2": 1500000}}
    h = fid(ok(srv.post("/v1/hazards", hz, party="IMAC")))
    h2 = ok(srv.post("/v1/hazards", {"type": "Feature", "geometry": polygon(38.3, 34.6, 0.01),
                                     "properties": {"kind": "SHA", "contamination": ["UXO"]}}, party="IMAC"))
    t = ok(srv.post("/v1/tasks", {"hazard_id": h, "kind": "clearance", "operator": "IAMC",
                                  "start": "2016-03-28T00:00:00Z", "contributors": ["Russia"]}, party="IMAC"))["id"]
    ok(srv.post("/v1/tasks/%d/progress" % t, {"date": "2016-03-29", "cleared_m2": 1000, "reduced_m2": 200,
                                             "cancelled_m2": 50, "depth_cm": 30,
                                             "items": [{"type": "IED", "found": 3, "destroyed": 2}]}, party="IMAC"))
    ok(srv.post("/v1/accidents", {"kind": "demining", "date": "2016-03-30", "task_id": t, "killed": 0, "injured": 1,
                                  "device": "IED", "description": "tripwire"}, party="IMAC"))
    ok(srv.post("/v1/tasks/%d/close" % t, {"date": "2016-04-05", "outcome": "completed"}, party="IMAC"))
    h2id = fid(h2)
    ok(srv.post("/v1/hazards/%d/status" % h2id, {"status": "closed", "reason": "surveyed"}, party="IMAC"))


def with_witness(srv, timeout=30):
    """Restarts srv with a witness cosigning its checkpoints; returns it once it has cosigned one."""
    vkey = srv.get("/v1/log/key").body.strip()
    srv.stop()
    w = Witness(srv.dir, "witness.test/populate", [vkey])
    srv.extra_args = list(srv.extra_args) + ["--witness", w.spec()]
    try:
        srv.start()
        deadline = time.time() + timeout
        while time.time() < deadline:
            if srv.get("/v1/log/witnesses", party="admin").json.get("witnesses") and cosigned(srv):
                return w
            time.sleep(0.05)
        raise AssertionError("the witness cosigned no checkpoint")
    except BaseException:
        w.stop()
        raise


def cosigned(srv):
    """Whether the served checkpoint carries a cosignature (a line other than the log's own)."""
    note = srv.get("/v1/log/checkpoint").body
    return note.count("\n\u2014 ") >= 2


def populate(srv):
    """Drives srv (a Server on the demo scenario) through every kind of write; returns ids."""
    ids = {"signed_area": signed_area(srv)}
    deconfliction(srv, ids)
    monitoring(srv, ids)
    humanitarian(srv, ids)
    mine_action(srv, ids)
    traffic(srv, ids)
    return ids


def traffic(srv, ids, stale_wait=15):
    """Live tracks (issue 16): two parties' converging aircraft (a traffic alert, notices), a
    batch as NDJSON with a callsign and a restricted visibility, then a stale sweep (the
    server runs with a short --track-stale-s) that ends them and clears the alert."""
    now = time.time()
    at = lambda dt: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now + dt)) + ".%03dZ" % int(((now + dt) % 1) * 1000)
    pos = lambda track, dt, lon, vx, **kw: dict({"track": track, "at": at(dt), "lon": lon, "lat": 35.0, "alt_m": 3000,
                                                 "vx_mps": vx, "vy_mps": 0, "vz_mps": 0}, **kw)
    ok(srv.post("/v1/tracks", pos("P1", 0, 38.0, 200, callsign="SAA01"), party="SAA"))
    body = "\n".join(json.dumps(x) for x in [pos("P2", 0, 38.33, -200), pos("P2", 1, 38.328, -200,
                                                                           visibility=["Russia"])]) + "\n"
    r = srv.request("POST", "/v1/tracks", party="Opposition", raw=body.encode(), content_type="application/x-ndjson")
    ids["track_alerts"] = ok(r)["alerts"]
    deadline = time.time() + stale_wait
    while time.time() < deadline:  # the sweeper ends both tracks (track_stale, track.stale)
        items = ok(srv.get("/v1/notices?limit=1000", party="SAA"))["items"]
        if any(n["about"]["type"] == "track" for n in items):
            return
        time.sleep(0.1)
    raise AssertionError("no stale sweep within %d s" % stale_wait)
