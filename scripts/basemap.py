#!/usr/bin/env python3
"""basemap.py — derives the dashboard's offline base map of Syria (web/src/basemap/) from the
public data in ../shared/data (see its README.md for sources and licences).

    scripts/basemap.py [--shared DIR] [--out DIR] [--tolerance DEG]

Writes two compact files, committed with the page:

  admin.topo.json  the 62 districts (OCHA COD-AB adm2, 2020-12-17) as one TopoJSON topology:
                   rings cut into arcs at the points where neighbours change, every shared
                   border stored once, each arc simplified once (Douglas-Peucker in a local
                   metric frame, end points kept), so neighbouring districts and governorates
                   still meet exactly after simplification (no gaps, no overlaps); arcs
                   quantized and delta-encoded. Each district carries its names and its
                   governorate's (English and Arabic) and p-codes, and a label point for each.
                   Governorate and country borders are meshes of it (topojson-client).
  places.json      Syria's populated places (OCHA 2015, 5,251 places): longitude and latitude
                   times 10^4 as integers, a rank (0 the capital, 1 governorate centres,
                   2 district centres, 3 sub-district centres, 4 other places), the English
                   and the Arabic name.

Standard library only; deterministic (the same input gives the same bytes).
"""
import argparse
import csv
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ADM2 = "boundaries/ocha_syr_admbnda_adm2_uncs_unocha_20201217.geojson"
PLACES = "places/ocha_syr_populated_places_2015.csv"
Q = 100000  # quantization steps across the bounding box


def rings_of(geom):
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [[[tuple(p) for p in ring] for ring in poly] for poly in polys]


def build_arcs(features):
    """Cuts every ring into arcs at junctions (where the set of polygons on the next edge
    changes). Answers (arcs, geometries): arcs as point lists; each feature's polygons as
    lists of rings, each ring a list of signed arc indexes (~i: arc i reversed)."""
    edge_users = {}
    for fi, f in enumerate(features):
        for poly in rings_of(f["geometry"]):
            for ring in poly:
                for a, b in zip(ring, ring[1:]):
                    edge_users.setdefault(frozenset((a, b)), set()).add(fi)
    users = lambda a, b: frozenset(edge_users[frozenset((a, b))])
    arcs, index = [], {}

    def arc_id(pts):
        key, rkey = tuple(pts), tuple(reversed(pts))
        if key in index:
            return index[key]
        if rkey in index:
            return ~index[rkey]
        arcs.append(list(pts))
        index[key] = len(arcs) - 1
        return len(arcs) - 1

    geoms = []
    for fi, f in enumerate(features):
        polys = []
        for poly in rings_of(f["geometry"]):
            out = []
            for ring in poly:
                pts = ring[:-1]
                n = len(pts)
                cuts = [i for i in range(n) if users(pts[i - 1], pts[i]) != users(pts[i], pts[(i + 1) % n])]
                if not cuts:  # a ring with one neighbour all round: start at its least point
                    s = min(range(n), key=lambda i: pts[i])
                    rot = pts[s:] + pts[:s]
                    fwd, back = tuple(rot + [rot[0]]), None
                    rr = list(reversed(rot))
                    s2 = min(range(n), key=lambda i: rr[i])
                    back = tuple(rr[s2:] + rr[:s2] + [rr[s2]])
                    out.append([~index[back] if back in index else arc_id(list(fwd))])
                    continue
                ids = []
                for k, c in enumerate(cuts):
                    e = cuts[(k + 1) % len(cuts)]
                    seg = pts[c:e + 1] if e > c else pts[c:] + pts[:e + 1]
                    ids.append(arc_id(seg))
                out.append(ids)
            polys.append(out)
        geoms.append(polys)
    return arcs, geoms


def simplify(pts, tol):
    """Douglas-Peucker with the end points kept, distances in a local frame (degrees of
    latitude; longitude scaled by cos(latitude))."""
    if len(pts) <= 2:
        return pts
    k = math.cos(math.radians(sum(p[1] for p in pts) / len(pts)))
    xy = [(p[0] * k, p[1]) for p in pts]
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    closed = pts[0] == pts[-1]
    if closed:  # a closed arc: keep the point farthest from the start as a second anchor
        far = max(range(len(pts)), key=lambda i: (xy[i][0] - xy[0][0]) ** 2 + (xy[i][1] - xy[0][1]) ** 2)
        keep[far] = True
        stack = [(0, far), (far, len(pts) - 1)]
    else:
        stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = xy[a], xy[b]
        dx, dy = bx - ax, by - ay
        L = math.hypot(dx, dy)
        best, bi = -1.0, -1
        for i in range(a + 1, b):
            px, py = xy[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / L if L else math.hypot(px - ax, py - ay)
            if d > best:
                best, bi = d, i
        if bi >= 0 and best > tol:
            keep[bi] = True
            stack += [(a, bi), (bi, b)]
    out = [p for p, kp in zip(pts, keep) if kp]
    if closed and len(out) < 4:  # keep a closed ring a ring
        out = [pts[0], pts[len(pts) // 3], pts[2 * len(pts) // 3], pts[0]]
    return out


def ring_area(ring):
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:])) / 2


def label_point(geom):
    """A point inside the largest polygon: the middle of the widest inside stretch of the
    horizontal line through its centroid's latitude (or the nearest line that crosses it)."""
    poly = max(rings_of(geom), key=lambda p: abs(ring_area(p[0])))
    outer = poly[0]
    cy = sum(p[1] for p in outer) / len(outer)
    ys = sorted({p[1] for p in outer})
    for y in [cy] + sorted(ys, key=lambda v: abs(v - cy)):
        xs = []
        for ring in poly:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
                if (y1 > y) != (y2 > y):
                    xs.append(x1 + (y - y1) * (x2 - x1) / (y2 - y1))
        xs.sort()
        spans = [(xs[i + 1] - xs[i], (xs[i] + xs[i + 1]) / 2) for i in range(0, len(xs) - 1, 2)]
        if spans:
            return [round(max(spans)[1], 4), round(y, 4)]
    return [round(outer[0][0], 4), round(outer[0][1], 4)]


def topology(features, tol):
    arcs, geoms = build_arcs(features)
    arcs = [simplify(a, tol) for a in arcs]
    xs = [p[0] for a in arcs for p in a]
    ys = [p[1] for a in arcs for p in a]
    x0, y0 = min(xs), min(ys)
    kx, ky = (max(xs) - x0) / (Q - 1), (max(ys) - y0) / (Q - 1)
    qarcs = []
    for a in arcs:
        prev, out = (0, 0), []
        for p in a:
            q = (round((p[0] - x0) / kx), round((p[1] - y0) / ky))
            if out and q == prev:
                continue
            out.append([q[0] - prev[0], q[1] - prev[1]])
            prev = q
        qarcs.append(out)
    geometries = []
    for f, polys in zip(features, geoms):
        p = f["properties"]
        geometries.append({
            "type": "MultiPolygon", "arcs": polys, "id": p["ADM2_PCODE"],
            "properties": {"en": p["ADM2_EN"], "ar": p["ADM2_AR"], "adm1": p["ADM1_PCODE"],
                           "adm1_en": p["ADM1_EN"], "adm1_ar": p["ADM1_AR"], "label": label_point(f["geometry"])}})
    return {"type": "Topology", "transform": {"scale": [kx, ky], "translate": [x0, y0]},
            "objects": {"districts": {"type": "GeometryCollection", "geometries": geometries}}, "arcs": qarcs}


def governorate_labels(features):
    """A label point per governorate: its largest district's polygon merged is not needed;
    the label of the district holding the most vertices' mean is good enough, so take the
    point inside the governorate's largest district nearest the governorate's centroid."""
    by = {}
    for f in features:
        by.setdefault(f["properties"]["ADM1_PCODE"], []).append(f)
    out = {}
    for code, fs in sorted(by.items()):
        pts = [p for f in fs for poly in rings_of(f["geometry"]) for p in poly[0]]
        cx, cy = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
        best = min(fs, key=lambda f: math.hypot(label_point(f["geometry"])[0] - cx, label_point(f["geometry"])[1] - cy))
        out[code] = label_point(best["geometry"])
    return out


def places(path):
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            lvl = r["capit_lvl"]
            rank = {"1": 1, "2": 2, "3": 3, "0": 3}.get(lvl, 4)
            if r["pcode"] == "C1001":  # Damascus
                rank = 0
            clean = lambda s: " ".join(s.replace("\ufffd", "").split())
            rows.append([round(float(r["lon"]) * 1e4), round(float(r["lat"]) * 1e4), rank,
                         clean(r["name_en"]), clean(r["name_ara"])])
    rows.sort(key=lambda x: (x[2], x[3], x[0], x[1]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(HERE, "..", "web", "src", "basemap"))
    ap.add_argument("--tolerance", type=float, default=0.0015, help="simplification, degrees (default 0.0015)")
    a = ap.parse_args()
    with open(os.path.join(a.shared, ADM2), encoding="utf-8") as fh:
        features = sorted(json.load(fh)["features"], key=lambda f: f["properties"]["ADM2_PCODE"])
    topo = topology(features, a.tolerance)
    topo["objects"]["districts"]["governorate_labels"] = governorate_labels(features)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "admin.topo.json"), "w", encoding="utf-8") as fh:
        json.dump(topo, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    pl = places(os.path.join(a.shared, PLACES))
    with open(os.path.join(a.out, "places.json"), "w", encoding="utf-8") as fh:
        fh.write("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in pl) + "\n]\n")
    n = sum(len(x) for x in topo["arcs"])
    print(f"basemap: {len(features)} districts, {len(topo['arcs'])} arcs, {n} points; {len(pl)} places",
          file=sys.stderr)


if __name__ == "__main__":
    main()
