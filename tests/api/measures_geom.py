"""Independent geometry for the measures' tests (issue 20): a plain polygon clip and a
geodesic-area formula, written here and sharing nothing with the server's GEOS and PROJ.

- clip(subject, convex): Sutherland-Hodgman, the subject ring clipped by a convex ring,
  in the lon/lat plane (as truce's set operations are planar in lon/lat);
- area_m2(ring): the area on WGS 84 through the authalic sphere (latitudes mapped to
  authalic latitudes, the sphere of equal area) with the Chamberlain-Duquette sum; for
  the few-kilometre shapes tested it agrees with a geodesic measure to about 1e-4.
"""
import math

A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = math.sqrt(E2)


def _q(phi):
    s = math.sin(phi)
    return (1 - E2) * (s / (1 - E2 * s * s) - math.log((1 - E * s) / (1 + E * s)) / (2 * E))


QP = _q(math.pi / 2)
RQ = A * math.sqrt(QP / 2)  # the authalic radius


def _authalic(lat_deg):
    return math.asin(max(-1.0, min(1.0, _q(math.radians(lat_deg)) / QP)))


def area_m2(ring):
    """The area of a closed or open lon/lat ring in square metres."""
    pts = ring[:-1] if ring[0] == ring[-1] else ring
    total = 0.0
    for i in range(len(pts)):
        (l1, p1), (l2, p2) = pts[i], pts[(i + 1) % len(pts)]
        total += math.radians(l2 - l1) * (2 + math.sin(_authalic(p1)) + math.sin(_authalic(p2)))
    return abs(total) * RQ * RQ / 2


def _inside(p, a, b, orient):
    return orient * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])) >= 0


def _cross(p, q, a, b):
    x1, y1, x2, y2, x3, y3, x4, y4 = *p, *q, *a, *b
    d = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4)
    t = ((x1 - x3) * (y3 - y4) - (y1 - y3) * (x3 - x4)) / d
    return [x1 + t * (x2 - x1), y1 + t * (y2 - y1)]


def _signed(ring):
    return sum(ring[i][0] * ring[(i + 1) % len(ring)][1] - ring[(i + 1) % len(ring)][0] * ring[i][1]
               for i in range(len(ring)))


def clip(subject, convex):
    """subject ∩ convex (both rings of [lon, lat]); [] when they do not overlap."""
    out = subject[:-1] if subject[0] == subject[-1] else list(subject)
    c = convex[:-1] if convex[0] == convex[-1] else list(convex)
    orient = 1 if _signed(c) > 0 else -1
    for i in range(len(c)):
        a, b = c[i], c[(i + 1) % len(c)]
        src, out = out, []
        for j in range(len(src)):
            p, q = src[j], src[(j + 1) % len(src)]
            if _inside(q, a, b, orient):
                if not _inside(p, a, b, orient):
                    out.append(_cross(p, q, a, b))
                out.append(q)
            elif _inside(p, a, b, orient):
                out.append(_cross(p, q, a, b))
        if not out:
            return []
    return out


def km2_overlap(subject, convex):
    ring = clip(subject, convex)
    return area_m2(ring) / 1e6 if len(ring) >= 3 else 0.0
