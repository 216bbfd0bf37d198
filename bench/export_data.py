#!/usr/bin/env python3
"""export_data.py N — N synthetic report bodies (NDJSON) for bench/export.sh, fixed seed.

One report per event, spread over Syria's box (lon 35.6-42.4, lat 32.3-37.3) and 2016-17
at random, so that nearly every report is an incident of its own; ACLED-like mix of types,
perpetrators from the demo scenario, casualty ranges on a third of them.
"""
import json
import random
import sys

TYPES = [("Explosions/Remote violence", "Shelling/artillery/missile attack"),
         ("Explosions/Remote violence", "Air/drone strike"), ("Battles", "Armed clash"),
         ("Violence against civilians", "Attack"), ("Explosions/Remote violence", "Remote explosive/landmine/IED")]
WHO = ["SAA", "Opposition", "Russia", "ISIS", "Nusra", "SDF", None]
T0, T1 = 1451606400, 1514764800  # 2016-01-01 .. 2018-01-01


def main():
    n = int(sys.argv[1])
    rnd = random.Random(20161219)
    out = sys.stdout
    for i in range(n):
        t = rnd.randrange(T0, T1)
        ev, sub = TYPES[rnd.randrange(len(TYPES))]
        b = {"occurred_at": "%04d-%02d-%02dT%02d:%02d:%02dZ" % __import__("time").gmtime(t)[:6], "time_precision": 1,
             "location": {"type": "Point", "coordinates": [round(rnd.uniform(35.6, 42.4), 5),
                                                           round(rnd.uniform(32.3, 37.3), 5)]},
             "geo_precision": 1, "event_type": ev, "sub_event_type": sub,
             "source": {"kind": "monitor", "ref": "bench-%d" % i}}
        who = WHO[rnd.randrange(len(WHO))]
        if who:
            b["alleged_perpetrator"] = who
        if i % 3 == 0:
            lo = rnd.randrange(0, 5)
            b["fatalities"] = {"min": lo, "max": lo + rnd.randrange(0, 4)}
        out.write(json.dumps(b, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
