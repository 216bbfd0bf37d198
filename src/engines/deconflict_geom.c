/*
 * deconflict_geom.c — the exact pair tests of the deconfliction engine.
 *
 * Design invariants (docs/deconfliction.md derives them):
 *  1. Planar predicates are exact. Orientation signs use a floating-point filter
 *     (Shewchuk's error bound) with an exact expansion fallback, so segment crossings,
 *     touching and point-in-polygon answers are those of exact arithmetic on the stored
 *     doubles — PostGIS geometry's answers.
 *  2. Metres to degrees is conservative. A path of geodesic length L on WGS 84 changes
 *     latitude by at most L / DC_RHO_MIN radians, and within a latitude band its length is
 *     at least the Euclidean length of its image in the plane (kx * lon, ky * lat), kx and
 *     ky the smallest east-west and north-south radii of curvature over the band. So boxes
 *     grown with these scales never lose a point within L, and a distance measured in that
 *     plane (the "frame") is a lower bound of the geodesic distance.
 *  3. The frame is affine in (lon, lat): planar lon/lat edges stay straight segments,
 *     so point-segment and segment-segment distances in it are exact up to rounding.
 *  4. Circle pairs are decided as geod_inverse decides them: a chord c between ECEF
 *     centres satisfies c <= s <= 2 rho asin(c / 2 rho) (a curve whose curvature is at
 *     most 1/rho is no shorter than a circle arc of radius rho with the same chord), so
 *     only pairs within 1 um of the threshold need geod_inverse.
 *  5. Thresholds absorb rounding on the safe side: distances are compared with
 *     T * (1 + 1e-9) + 1e-6 m, so rounding can only add a conflict, never drop one.
 *  6. If a scratch buffer cannot be allocated, the pair is reported (fail safe).
 *  7. The disc summaries of a polygon (outer disc containing it, inner disc inside it,
 *     radii rounded outward / inward) only decide pairs whose answer they make certain,
 *     so they change no answer, only how often the vertex arrays are read.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/deconflict_int.h"

#define RAD (M_PI / 180.0)
#define SLACK_REL 1e-9
#define SLACK_ABS 1e-6
#define STACK_SEGS 128

static inline double dmin(double a, double b) {
    return a < b ? a : b;
}

static inline double dmax(double a, double b) {
    return a > b ? a : b;
}

/* Exact orientation: geo_orient (geo.h). */

/* ---- polygons as seen by the tests ---- */

typedef struct pview {
    const double *xy;
    const uint32_t *rs;  /* nrings + 1 offsets */
    uint32_t nrings;
    geo_box box;
} pview;

static pview view_of(const dc_rec *r) {
    pview v = {dc__poly_xy(r->u.p.p), r->u.p.p->ring_start, r->u.p.p->nrings, r->box};
    return v;
}

typedef struct seg {
    double x1, y1, x2, y2;
    double lo, hi;       /* x range */
    double ylo, yhi;     /* y range */
} seg;

static inline seg seg_at(const double *e) {
    seg s = {e[0], e[1], e[2], e[3], dmin(e[0], e[2]), dmax(e[0], e[2]), dmin(e[1], e[3]),
             dmax(e[1], e[3])};
    return s;
}

/* Is (px, py) in the closed region of p (even-odd over all rings; boundary included)? */
static bool covers(const pview *p, double px, double py) {
    if (px < p->box.minx || px > p->box.maxx || py < p->box.miny || py > p->box.maxy) return false;
    unsigned cross = 0;
    for (uint32_t r = 0; r < p->nrings; r++) {
        const double *e = p->xy + 2 * (size_t)p->rs[r], *end = p->xy + 2 * (size_t)(p->rs[r + 1] - 1);
        for (; e < end; e += 2) {
            double x1 = e[0], y1 = e[1], x2 = e[2], y2 = e[3];
            bool above1 = y1 > py, above2 = y2 > py;
            if (above1 == above2) {
                if (y2 != py) continue;
                if (x2 == px) return true;
                if (y1 == py && px >= dmin(x1, x2) && px <= dmax(x1, x2)) return true;
                continue;
            }
            if (x1 < px && x2 < px) continue;
            if (x1 > px && x2 > px) {
                cross++;
                continue;
            }
            int s = geo_orient(x1, y1, x2, y2, px, py);
            if (s == 0) return true;
            if (y2 < y1) s = -s;
            cross += s > 0;
        }
    }
    return cross & 1;
}

/* Do the closed segments a and b share a point? (Their boxes are known to meet.) */
static inline bool seg_meet(const seg *a, const seg *b) {
    int o1 = geo_orient(a->x1, a->y1, a->x2, a->y2, b->x1, b->y1);
    int o2 = geo_orient(a->x1, a->y1, a->x2, a->y2, b->x2, b->y2);
    if (o1 == o2 && o1 != 0) return false;
    int o3 = geo_orient(b->x1, b->y1, b->x2, b->y2, a->x1, a->y1);
    int o4 = geo_orient(b->x1, b->y1, b->x2, b->y2, a->x2, a->y2);
    if (o3 == o4 && o3 != 0) return false;
    return true; /* proper crossing, touching, or collinear with meeting boxes */
}

static inline bool seg_boxes_meet(const seg *a, const seg *b) {
    return a->lo <= b->hi && b->lo <= a->hi && a->ylo <= b->yhi && b->ylo <= a->yhi;
}

/* A growable array of segments that starts on the caller's stack. */
typedef struct segs {
    seg *v;
    size_t n, cap;
    bool heap, failed;
} segs;

static void segs_push(segs *s, seg x) {
    if (s->n == s->cap) {
        size_t cap = s->cap * 2;
        seg *v = s->heap ? realloc(s->v, cap * sizeof *v) : malloc(cap * sizeof *v);
        if (v == NULL) {
            s->failed = true;
            return;
        }
        if (!s->heap) memcpy(v, s->v, s->n * sizeof *v);
        s->v = v;
        s->cap = cap;
        s->heap = true;
    }
    s->v[s->n++] = x;
}

static void segs_free(segs *s) {
    if (s->heap) free(s->v);
}

/* The edges of p whose boxes meet b. */
static void collect(const pview *p, const geo_box *b, segs *out) {
    for (uint32_t r = 0; r < p->nrings && !out->failed; r++) {
        const double *e = p->xy + 2 * (size_t)p->rs[r], *end = p->xy + 2 * (size_t)(p->rs[r + 1] - 1);
        for (; e < end; e += 2) {
            if ((e[0] < b->minx && e[2] < b->minx) || (e[0] > b->maxx && e[2] > b->maxx) ||
                (e[1] < b->miny && e[3] < b->miny) || (e[1] > b->maxy && e[3] > b->maxy))
                continue;
            segs_push(out, seg_at(e));
        }
    }
}

static int cmp_seg_lo(const void *a, const void *b) {
    double x = ((const seg *)a)->lo, y = ((const seg *)b)->lo;
    return (x > y) - (x < y);
}

/* Does some segment of a meet some segment of b? Quadratic for small sets, else a
 * sweep over x with active lists (each x-overlapping pair is tested once). */
static bool any_meet(segs *a, segs *b) {
    if (a->n * b->n <= 1024) {
        for (size_t i = 0; i < a->n; i++)
            for (size_t j = 0; j < b->n; j++)
                if (seg_boxes_meet(&a->v[i], &b->v[j]) && seg_meet(&a->v[i], &b->v[j])) return true;
        return false;
    }
    qsort(a->v, a->n, sizeof *a->v, cmp_seg_lo);
    qsort(b->v, b->n, sizeof *b->v, cmp_seg_lo);
    size_t *act = malloc((a->n + b->n) * sizeof *act);
    if (act == NULL) return true; /* invariant 6 */
    size_t *acta = act, *actb = act + a->n, na = 0, nb = 0, i = 0, j = 0;
    bool hit = false;
    while (!hit && (i < a->n || j < b->n)) {
        bool from_a = j >= b->n || (i < a->n && a->v[i].lo <= b->v[j].lo);
        const seg *s = from_a ? &a->v[i] : &b->v[j];
        segs *other = from_a ? b : a;
        size_t *oact = from_a ? actb : acta, *on = from_a ? &nb : &na;
        for (size_t k = 0; k < *on && !hit;) {
            const seg *o = &other->v[oact[k]];
            if (o->hi < s->lo) {
                oact[k] = oact[--*on];
                continue;
            }
            hit = seg_boxes_meet(s, o) && seg_meet(s, o);
            k++;
        }
        if (from_a) acta[na++] = i++;
        else actb[nb++] = j++;
    }
    free(act);
    return hit;
}

/* Does some ring of p have its first position covered by q? */
static bool ring_inside(const pview *p, const pview *q) {
    for (uint32_t r = 0; r < p->nrings; r++) {
        const double *v = p->xy + 2 * (size_t)p->rs[r];
        if (covers(q, v[0], v[1])) return true;
    }
    return false;
}

/* Exact planar intersection of two closed polygonal regions. If no two boundary
 * segments meet, each ring of one lies wholly inside or wholly outside the other, so
 * one position per ring decides containment. */
static bool poly_intersect(const pview *a, const pview *b) {
    geo_box i = {dmax(a->box.minx, b->box.minx), dmax(a->box.miny, b->box.miny),
                 dmin(a->box.maxx, b->box.maxx), dmin(a->box.maxy, b->box.maxy)};
    if (i.minx > i.maxx || i.miny > i.maxy) return false;
    seg sa[STACK_SEGS], sb[STACK_SEGS];
    segs ea = {sa, 0, STACK_SEGS, false, false}, eb = {sb, 0, STACK_SEGS, false, false};
    collect(a, &i, &ea);
    collect(b, &i, &eb);
    bool hit = ea.failed || eb.failed || (ea.n && eb.n && any_meet(&ea, &eb));
    segs_free(&ea);
    segs_free(&eb);
    return hit || ring_inside(b, a) || ring_inside(a, b);
}

/* ---- the metric frame (invariant 2) ---- */

/* Degrees of latitude a path of length m metres can span, at most. */
static inline double lat_margin_deg(double m) {
    return m / DC_RHO_MIN / RAD * (1 + SLACK_REL);
}

/* Smallest east-west radius of curvature times cos(lat) over [lo, hi] degrees: metres
 * per radian of longitude. */
static double kx_min(double lo, double hi) {
    double m = dmax(fabs(lo), fabs(hi));
    if (m >= 90) return 0;
    double s = sin(m * RAD), c = cos(m * RAD);
    return DC_A * c / sqrt(1 - DC_E2 * s * s) * (1 - SLACK_REL);
}

/* Smallest meridional radius of curvature over [lo, hi] degrees: metres per radian. */
static double ky_min(double lo, double hi) {
    double m = (lo <= 0 && hi >= 0) ? 0 : dmin(fabs(lo), fabs(hi));
    if (m > 90) m = 90;
    double s = sin(m * RAD), w = 1 - DC_E2 * s * s;
    return DC_A * (1 - DC_E2) / (w * sqrt(w)) * (1 - SLACK_REL);
}

static inline double threshold(double t) {
    return t * (1 + SLACK_REL) + SLACK_ABS;
}

/* Distance from the origin to the segment (ax, ay)-(bx, by). */
static inline double origin_seg_dist(double ax, double ay, double bx, double by) {
    double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy, t = 0;
    if (l2 > 0) {
        t = -(ax * dx + ay * dy) / l2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
    }
    double x = ax + t * dx, y = ay + t * dy;
    return sqrt(x * x + y * y);
}

/* Distance between two segments that do not cross, in a frame with scales (sx, sy)
 * metres per degree and origin (x0, y0): the nearest pair has an endpoint in it. */
static double seg_seg_dist(const seg *a, const seg *b, double x0, double y0, double sx, double sy) {
    double ax1 = (a->x1 - x0) * sx, ay1 = (a->y1 - y0) * sy, ax2 = (a->x2 - x0) * sx,
           ay2 = (a->y2 - y0) * sy;
    double bx1 = (b->x1 - x0) * sx, by1 = (b->y1 - y0) * sy, bx2 = (b->x2 - x0) * sx,
           by2 = (b->y2 - y0) * sy;
    double d = origin_seg_dist(bx1 - ax1, by1 - ay1, bx2 - ax1, by2 - ay1);
    d = dmin(d, origin_seg_dist(bx1 - ax2, by1 - ay2, bx2 - ax2, by2 - ay2));
    d = dmin(d, origin_seg_dist(ax1 - bx1, ay1 - by1, ax2 - bx1, ay2 - by1));
    return dmin(d, origin_seg_dist(ax1 - bx2, ay1 - by2, ax2 - bx2, ay2 - by2));
}

/* ---- the disc summaries (dc_rec.u.p) ---- */

#define DISC_ABS 1e-12 /* degrees: covers the rounding of a 360-degree shift */

/* Fills the discs of polygon record r: centre the mean of its first ring's vertices,
 * radii in the plane (s * lon, lat) with s = cos(cy), rounded on the safe side. */
static void poly_discs(dc_rec *r) {
    pview v = view_of(r);
    const double *xy = v.xy;
    size_t n0 = v.rs[1] - v.rs[0] - 1, npos = v.rs[v.nrings];
    double cx = 0, cy = 0;
    for (size_t i = 0; i < n0; i++) cx += xy[2 * i], cy += xy[2 * i + 1];
    cx /= (double)n0, cy /= (double)n0;
    double s = cos(cy * RAD), rout = 0, rin = 0;
    if (!(s > 1e-9)) s = 1e-9;
    for (size_t i = 0; i < npos; i++) {
        double dx = (xy[2 * i] - cx) * s, dy = xy[2 * i + 1] - cy;
        rout = dmax(rout, dx * dx + dy * dy);
    }
    rout = sqrt(rout);
    if (covers(&v, cx, cy)) {
        rin = INFINITY;
        for (uint32_t k = 0; k < v.nrings; k++)
            for (size_t i = v.rs[k]; i + 1 < v.rs[k + 1]; i++)
                rin = dmin(rin, origin_seg_dist((xy[2 * i] - cx) * s, xy[2 * i + 1] - cy,
                                                (xy[2 * i + 2] - cx) * s, xy[2 * i + 3] - cy));
    }
    r->u.p.cx = cx, r->u.p.cy = cy, r->u.p.s = s;
    r->u.p.rin = rin * (1 - SLACK_REL);
    r->u.p.rout = rout * (1 + SLACK_REL);
}

/* Distance between the disc centres of a and b (moved by shift degrees), in a's
 * plane; *fo and *fi scale b's radii into it (b's discs become ellipses there). */
static inline double disc_gap(const dc_rec *a, const dc_rec *b, double shift, double *fo, double *fi) {
    double sc = a->u.p.s, f = sc / b->u.p.s;
    double dx = (b->u.p.cx + shift - a->u.p.cx) * sc, dy = b->u.p.cy - a->u.p.cy;
    *fo = f > 1 ? f : 1;
    *fi = f < 1 ? f : 1;
    return sqrt(dx * dx + dy * dy);
}

/* 1: the polygons surely meet (inner discs overlap); 0: surely not (outer discs
 * apart, farther than h in the frame of poly_within); -1: undecided. */
static int discs_pp(const dc_rec *a, const dc_rec *b, double shift, double h) {
    double fo, fi, d = disc_gap(a, b, shift, &fo, &fi);
    if (a->u.p.rin > 0 && b->u.p.rin > 0 && d < (a->u.p.rin + b->u.p.rin * fi) * (1 - SLACK_REL) - DISC_ABS)
        return 1;
    double gap = d - (a->u.p.rout + b->u.p.rout * fo) * (1 + SLACK_REL) - DISC_ABS;
    if (!(gap > 0)) return -1;
    if (h == 0) return 0;
    double m = lat_margin_deg(h);
    double lo = dmax(a->box.miny, b->box.miny) - m, hi = dmin(a->box.maxy, b->box.maxy) + m;
    if (lo > hi) return 0;
    double scale = dmin(kx_min(lo, hi) * RAD / a->u.p.s, ky_min(lo, hi) * RAD);
    return gap * scale * (1 - SLACK_REL) > threshold(h) ? 0 : -1;
}

/* ---- circles ---- */

static bool circle_circle(const dc_rec *a, const dc_rec *b, double h) {
    double t = a->u.c.r + b->u.c.r + h, slack = t * SLACK_REL + SLACK_ABS;
    double dx = a->u.c.ex - b->u.c.ex, dy = a->u.c.ey - b->u.c.ey, dz = a->u.c.ez - b->u.c.ez;
    double chord = sqrt(dx * dx + dy * dy + dz * dz);
    if (chord > t + slack) return false; /* s >= chord */
    if (chord < 1e6 && 2 * DC_RHO_MIN * asin(chord / (2 * DC_RHO_MIN)) < t - slack) return true;
    return geo_distance_m(a->u.c.lon, a->u.c.lat, b->u.c.lon, b->u.c.lat) <= t;
}

/* Is the polygon (shifted by 360 k degrees) within t metres of the circle's centre? */
static bool centre_near_poly(const dc_rec *c, const pview *p, int k, double t) {
    double lon = c->u.c.lon, lat = c->u.c.lat, shift = 360.0 * k;
    if (covers(p, lon - shift, lat)) return true;
    double m = lat_margin_deg(t), lo = lat - m, hi = lat + m, thr = threshold(t);
    double sx = kx_min(lo, hi) * RAD, sy = ky_min(lo, hi) * RAD;
    for (uint32_t r = 0; r < p->nrings; r++) {
        const double *e = p->xy + 2 * (size_t)p->rs[r], *end = p->xy + 2 * (size_t)(p->rs[r + 1] - 1);
        for (; e < end; e += 2) {
            if ((e[1] < lo && e[3] < lo) || (e[1] > hi && e[3] > hi)) continue;
            double d = origin_seg_dist((e[0] + shift - lon) * sx, (e[1] - lat) * sy,
                                       (e[2] + shift - lon) * sx, (e[3] - lat) * sy);
            if (d <= thr) return true;
        }
    }
    return false;
}

/* Circle c against polygon record pr: centre covered, or the polygon within r + h of
 * it. The polygon is tried at each 360-degree shift that brings its box within 180
 * degrees of the centre's longitude; its discs settle most cases first. */
static bool circle_poly(const dc_rec *c, const dc_rec *pr, double h) {
    double t = c->u.c.r + h;
    pview p = view_of(pr);
    for (int k = -1; k <= 1; k++) {
        double lo = p.box.minx + 360.0 * k, hi = p.box.maxx + 360.0 * k;
        double gap = dmax(0, dmax(lo - c->u.c.lon, c->u.c.lon - hi));
        if (gap > 180) continue;
        double s = pr->u.p.s, dx = (c->u.c.lon - pr->u.p.cx - 360.0 * k) * s, dy = c->u.c.lat - pr->u.p.cy;
        double d = sqrt(dx * dx + dy * dy);
        if (d < pr->u.p.rin * (1 - SLACK_REL) - DISC_ABS) return true; /* centre inside */
        double out = d - pr->u.p.rout * (1 + SLACK_REL) - DISC_ABS;
        if (out > 0) {
            double m = lat_margin_deg(t), blo = c->u.c.lat - m, bhi = c->u.c.lat + m;
            double scale = dmin(kx_min(blo, bhi) * RAD / s, ky_min(blo, bhi) * RAD);
            if (out * scale * (1 - SLACK_REL) > threshold(t)) continue; /* farther than t */
        }
        if (centre_near_poly(c, &p, k, t)) return true;
    }
    return false;
}

/* ---- polygons within a distance ---- */

/* Are two polygons that do not intersect within h metres? Every pair of edges is
 * bounded in a frame for the latitudes both could reach; pairs within h there are
 * bounded again in the tighter frame of the pair's own latitude band. */
static bool poly_within(const pview *a, const pview *b, double h) {
    double m = lat_margin_deg(h), thr = threshold(h);
    double lo = dmax(a->box.miny, b->box.miny) - m, hi = dmin(a->box.maxy, b->box.maxy) + m;
    if (lo > hi) return false;
    double kx = kx_min(lo, hi), sx = kx * RAD, sy = ky_min(lo, hi) * RAD;
    double dlon = kx > 0 ? dmin(360, h / kx / RAD * (1 + SLACK_REL)) : 360;
    geo_box ga = {a->box.minx - dlon, lo, a->box.maxx + dlon, hi};
    geo_box gb = {b->box.minx - dlon, lo, b->box.maxx + dlon, hi};
    seg sa[STACK_SEGS], sb[STACK_SEGS];
    segs ea = {sa, 0, STACK_SEGS, false, false}, eb = {sb, 0, STACK_SEGS, false, false};
    collect(a, &gb, &ea);
    collect(b, &ga, &eb);
    bool hit = ea.failed || eb.failed;
    double x0 = a->box.minx, y0 = lo;
    for (size_t i = 0; i < ea.n && !hit; i++) {
        const seg *s = &ea.v[i];
        for (size_t j = 0; j < eb.n && !hit; j++) {
            const seg *o = &eb.v[j];
            if (s->lo - dlon > o->hi || o->lo - dlon > s->hi || s->ylo - 2 * m > o->yhi ||
                o->ylo - 2 * m > s->yhi)
                continue;
            if (seg_seg_dist(s, o, x0, y0, sx, sy) > thr) continue;
            double plo = dmax(s->ylo, o->ylo) - m, phi = dmin(s->yhi, o->yhi) + m;
            if (plo > phi) continue;
            hit = seg_seg_dist(s, o, x0, y0, kx_min(plo, phi) * RAD, ky_min(plo, phi) * RAD) <= thr;
        }
    }
    segs_free(&ea);
    segs_free(&eb);
    return hit;
}

/* Polygon a against polygon b shifted by `shift` degrees of longitude. */
static bool poly_poly(const dc_rec *a, const dc_rec *b, double shift, double h) {
    int sure = discs_pp(a, b, shift, h);
    if (sure >= 0) return sure == 1;
    pview pa = view_of(a), pb = view_of(b);
    double *moved = NULL;
    if (shift != 0) {
        size_t n = 2 * (size_t)b->u.p.p->npos;
        moved = malloc(n * sizeof *moved);
        if (moved == NULL) return true; /* invariant 6 */
        for (size_t i = 0; i < n; i += 2) {
            moved[i] = pb.xy[i] + shift;
            moved[i + 1] = pb.xy[i + 1];
        }
        pb.xy = moved;
        pb.box.minx += shift;
        pb.box.maxx += shift;
    }
    bool hit = poly_intersect(&pa, &pb) || (h > 0 && poly_within(&pa, &pb, h));
    free(moved);
    return hit;
}

/* ---- boxes ---- */

static geo_box canonical(geo_box b) {
    if (b.maxx - b.minx >= 360) {
        b.minx = -180;
        b.maxx = 180;
    } else if (b.minx < -180) {
        b.minx += 360;
        b.maxx += 360;
    } else if (b.minx > 180) {
        b.minx -= 360;
        b.maxx -= 360;
    }
    return b;
}

geo_box dc__box_grow(geo_box b, double h) {
    if (!(h > 0)) return b;
    double m = lat_margin_deg(h);
    b.miny -= m;
    b.maxy += m;
    if (b.miny <= -90 || b.maxy >= 90) { /* may reach a pole: every longitude */
        b.miny = dmax(b.miny, -90);
        b.maxy = dmin(b.maxy, 90);
        b.minx = -180;
        b.maxx = 180;
        return b;
    }
    double dlon = h / kx_min(b.miny, b.maxy) / RAD * (1 + SLACK_REL);
    b.minx -= dlon;
    b.maxx += dlon;
    if (b.maxx - b.minx >= 360) {
        b.minx = -180;
        b.maxx = 180;
    }
    return b; /* not canonical: it stays in the frame of the footprint's coordinates */
}

/* Bit k + 1 set for each k in {-1, 0, 1} with g shifted by 360 k meeting b. */
static unsigned box_shifts(const geo_box *g, const geo_box *b) {
    if (g->miny > b->maxy || b->miny > g->maxy) return 0;
    unsigned ks = 0;
    for (int k = -1; k <= 1; k++)
        if (g->minx + 360.0 * k <= b->maxx && b->minx <= g->maxx + 360.0 * k) ks |= 1u << (k + 1);
    return ks;
}

/* ---- the decision ---- */

bool dc__pair(const dc_rec *q, const geo_box *g, const dc_rec *s, const dc_sep *sep) {
    if (!(s->t0 < q->t1 && q->t0 < s->t1)) return false;
    double v = sep->vertical_m, h = sep->horizontal_m;
    if (!(s->alo <= q->ahi + v && q->alo <= s->ahi + v)) return false;
    unsigned ks = box_shifts(g, &s->box);
    if (ks == 0) return false;
    if (q->shape == DC_CIRCLE && s->shape == DC_CIRCLE) return circle_circle(q, s, h);
    if (q->shape == DC_CIRCLE) return circle_poly(q, s, h);
    if (s->shape == DC_CIRCLE) return circle_poly(s, q, h);
    for (int k = -1; k <= 1; k++) /* s moved so that it meets g: by -360 k */
        if (((ks >> (k + 1)) & 1) && poly_poly(q, s, -360.0 * k, h)) return true;
    return false;
}

/* ---- building records ---- */

static bool lon_ok(double x) {
    return x >= -180 && x <= 180;
}

static bool lat_ok(double y) {
    return y >= -90 && y <= 90;
}

static int build_circle(const dc_footprint *f, dc_rec *r, tr_err *err) {
    if (!lon_ok(f->lon)) return tr_fail(err, TR_EINVAL, "foot.lon", "longitude must be in [-180, 180]");
    if (!lat_ok(f->lat)) return tr_fail(err, TR_EINVAL, "foot.lat", "latitude must be in [-90, 90]");
    if (!(f->radius_m > 0) || !(f->radius_m <= DC_MAX_RADIUS_M))
        return tr_fail(err, TR_EINVAL, "foot.radius_m", "radius must be in (0, %g] m", DC_MAX_RADIUS_M);
    r->shape = DC_CIRCLE;
    r->u.c.lon = f->lon;
    r->u.c.lat = f->lat;
    r->u.c.r = f->radius_m;
    double sl = sin(f->lat * RAD), cl = cos(f->lat * RAD);
    double n = DC_A / sqrt(1 - DC_E2 * sl * sl);
    r->u.c.ex = n * cl * cos(f->lon * RAD);
    r->u.c.ey = n * cl * sin(f->lon * RAD);
    r->u.c.ez = n * (1 - DC_E2) * sl;
    double m = lat_margin_deg(f->radius_m);
    geo_box b = {f->lon, f->lat - m, f->lon, f->lat + m};
    if (b.miny <= -90 || b.maxy >= 90) {
        b = (geo_box){-180, dmax(b.miny, -90), 180, dmin(b.maxy, 90)};
    } else {
        double dlon = f->radius_m / kx_min(b.miny, b.maxy) / RAD * (1 + SLACK_REL);
        b.minx -= dlon;
        b.maxx += dlon;
        b = canonical(b);
    }
    r->box = b;
    return TR_OK;
}

/* Positions of ring i of f: [*a, *a + *n), the closing duplicate (if given) left out. */
static int ring_span(const dc_footprint *f, size_t i, size_t *a, size_t *n, tr_err *err) {
    size_t s = f->ring_start ? f->ring_start[i] : 0, e = f->ring_start ? f->ring_start[i + 1] : f->npos;
    if (s > e || e > f->npos)
        return tr_fail(err, TR_EINVAL, "foot.ring_start", "ring %zu has bad offsets", i);
    if (e - s >= 2 && f->xy[2 * s] == f->xy[2 * (e - 1)] && f->xy[2 * s + 1] == f->xy[2 * (e - 1) + 1])
        e--;
    if (e - s < 3)
        return tr_fail(err, TR_EINVAL, "foot.xy", "ring %zu has fewer than 3 distinct positions", i);
    *a = s;
    *n = e - s;
    return TR_OK;
}

static int check_ring(const double *xy, size_t n, size_t ring, tr_err *err) {
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1], nx = xy[2 * ((i + 1) % n)];
        if (!lon_ok(x) || !lat_ok(y))
            return tr_fail(err, TR_EINVAL, "foot.xy", "ring %zu position %zu is outside [-180, 180] x "
                           "[-90, 90]", ring, i);
        if (fabs(nx - x) > 180)
            return tr_fail(err, TR_EINVAL, "foot.xy", "ring %zu edge %zu spans more than 180 degrees of "
                           "longitude", ring, i);
    }
    return TR_OK;
}

static int build_polygon(const dc_footprint *f, dc_rec *r, tr_err *err) {
    size_t nr = f->ring_start ? f->nrings : 1, total = 0, a, n;
    if (f->xy == NULL || nr == 0 || nr > UINT32_MAX / 4)
        return tr_fail(err, TR_EINVAL, "foot.xy", "a polygon needs at least one ring");
    for (size_t i = 0; i < nr; i++) {
        int rc = ring_span(f, i, &a, &n, err);
        if (rc == TR_OK) rc = check_ring(f->xy + 2 * a, n, i, err);
        if (rc != TR_OK) return rc;
        total += n + 1;
    }
    if (total > UINT32_MAX / 4) return tr_fail(err, TR_EINVAL, "foot.xy", "too many positions");
    size_t off = dc__poly_xy_offset((uint32_t)nr);
    dc_poly *p = malloc(off + 2 * total * sizeof(double));
    if (p == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    p->nrings = (uint32_t)nr;
    p->npos = (uint32_t)total;
    double *xy = (double *)(void *)((char *)p + off);
    size_t k = 0;
    geo_box b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < nr; i++) {
        ring_span(f, i, &a, &n, NULL);
        p->ring_start[i] = (uint32_t)k;
        for (size_t j = 0; j <= n; j++, k++) {
            const double *src = f->xy + 2 * (a + j % n);
            xy[2 * k] = src[0];
            xy[2 * k + 1] = src[1];
            b.minx = dmin(b.minx, src[0]);
            b.maxx = dmax(b.maxx, src[0]);
            b.miny = dmin(b.miny, src[1]);
            b.maxy = dmax(b.maxy, src[1]);
        }
    }
    p->ring_start[nr] = (uint32_t)k;
    r->shape = DC_POLYGON;
    r->u.p.p = p;
    r->box = b;
    poly_discs(r);
    return TR_OK;
}

int dc__rec_build(const dc_volume *v, dc_rec *r, tr_err *err) {
    memset(r, 0, sizeof *r);
    if (v->kind >= DC_KINDS) return tr_fail(err, TR_EINVAL, "kind", "kind must be below %d", DC_KINDS);
    if (!(v->t_start < v->t_end))
        return tr_fail(err, TR_EINVAL, "t_end", "t_end must be later than t_start");
    if (isnan(v->alt_lo) || isnan(v->alt_hi) || !(v->alt_lo <= v->alt_hi))
        return tr_fail(err, TR_EINVAL, "alt_hi", "the altitude band must be [lo, hi] with lo <= hi");
    r->id = v->id;
    r->owner = v->owner;
    r->kind = (uint8_t)v->kind;
    r->tag = v->tag;
    r->t0 = v->t_start;
    r->t1 = v->t_end;
    r->alo = v->alt_lo;
    r->ahi = v->alt_hi;
    if (v->foot.shape == DC_CIRCLE) return build_circle(&v->foot, r, err);
    if (v->foot.shape == DC_POLYGON) return build_polygon(&v->foot, r, err);
    return tr_fail(err, TR_EINVAL, "foot.shape", "shape must be DC_CIRCLE or DC_POLYGON");
}

void dc__rec_release(dc_rec *r) {
    if (r->shape == DC_POLYGON) free(r->u.p.p);
    r->u.p.p = NULL;
    r->shape = 0;
}
