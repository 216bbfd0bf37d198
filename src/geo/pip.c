/*
 * pip.c — point-in-polygon and box-intersection tests on a geo_shape, pure C on the
 * shape's own arrays (no GEOS, no allocation, safe from many threads at once).
 *
 * Semantics match GEOS's RayCrossingCounter (what GEOSPreparedCovers uses), so
 * geo_shape_covers agrees with ST_Covers / GEOSCovers point for point:
 *  1. A horizontal ray runs from the point towards +x. An edge counts as crossed
 *     when it spans the point's y half-open (it includes its lower endpoint and
 *     excludes its upper one) and the point lies strictly left of it.
 *  2. A point equal to a vertex, on a horizontal edge, or collinear with (and inside
 *     the y-span of) an edge is on the boundary, hence covered.
 *  3. The parity of the crossings summed over every ring of every polygon is the
 *     answer (valid MultiPolygons have disjoint interiors, so parity is exact).
 * Orientation signs are exact: a floating-point filter (Shewchuk's error bound) with
 * an exact expansion fallback for near-collinear cases.
 *
 * A query reads the shape's prepared grid (grid.c, geo_int.h): the point's cell is
 * inside, outside, or a boundary cell whose row lists the few edges that decide. So a
 * point costs a box test and one load, plus a handful of edge tests near the boundary.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo_int.h"

static inline void two_sum(double a, double b, double *s, double *e) {
    double x = a + b, bv = x - a, av = x - bv;
    *s = x;
    *e = (a - av) + (b - bv);
}

static inline void two_prod(double a, double b, double *p, double *e) {
    double x = a * b;
    *p = x;
    *e = fma(a, b, -x);
}

/* Adds b to the nonoverlapping expansion e[0..n) (increasing magnitude) in place;
 * returns the new length n + 1 (Shewchuk's GROW-EXPANSION). */
static size_t grow(double *e, size_t n, double b) {
    double q = b;
    for (size_t i = 0; i < n; i++) {
        double s, t;
        two_sum(q, e[i], &s, &t);
        e[i] = t;
        q = s;
    }
    e[n] = q;
    return n + 1;
}

/* Adds +-(u0 + u1) * (v0 + v1) to the expansion e[0..n); returns the new length. */
static size_t add_product(double *e, size_t n, const double u[2], const double v[2], double sign) {
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
            double p, q;
            two_prod(u[i], v[j], &p, &q);
            n = grow(e, n, sign * p);
            n = grow(e, n, sign * q);
        }
    }
    return n;
}

/* Exact sign of (ax - cx)(by - cy) - (ay - cy)(bx - cx). */
int geo_orient_exact(double ax, double ay, double bx, double by, double cx, double cy) {
    double acx[2], bcy[2], acy[2], bcx[2], e[16];
    two_sum(ax, -cx, &acx[0], &acx[1]);
    two_sum(by, -cy, &bcy[0], &bcy[1]);
    two_sum(ay, -cy, &acy[0], &acy[1]);
    two_sum(bx, -cx, &bcx[0], &bcx[1]);
    size_t n = add_product(e, 0, acx, bcy, 1.0);
    n = add_product(e, n, acy, bcx, -1.0);
    while (n-- > 0)
        if (e[n] != 0) return e[n] > 0 ? 1 : -1;
    return 0;
}

/* One edge of the ray-crossing test (rules 1 and 2 above). Returns true when the
 * point is on the edge; otherwise adds the edge's crossing to *cross. */
static inline bool edge_test(const double *e, double px, double py, unsigned *cross) {
    double x1 = e[0], y1 = e[1], x2 = e[2], y2 = e[3];
    bool above1 = y1 > py, above2 = y2 > py;
    if (above1 == above2) { /* no crossing; only a vertex or a horizontal edge can hit */
        if (y2 != py) return false;
        if (x2 == px) return true;
        double lo = x1 < x2 ? x1 : x2, hi = x1 < x2 ? x2 : x1;
        return y1 == py && px >= lo && px <= hi;
    }
    if (x1 < px && x2 < px) return false;
    if (x1 > px && x2 > px) {
        (*cross)++;
        return false;
    }
    int s = geo_orient(x1, y1, x2, y2, px, py);
    if (s == 0) return true;
    if (y2 < y1) s = -s;
    *cross += s > 0;
    return false;
}

bool geo__edge_test(const double *e, double px, double py, unsigned *cross) {
    return edge_test(e, px, py, cross);
}

static inline bool box_has(const geo_box *b, double x, double y) {
    return x >= b->minx && x <= b->maxx && y >= b->miny && y <= b->maxy;
}

/* The ray test of a point on the edges e[0..n) (numbers of first positions in xy). */
static bool edges_decide(const double *xy, const uint32_t *e, size_t n, double lon, double lat) {
    unsigned cross = 0;
    for (const uint32_t *end = e + n; e < end; e++)
        if (edge_test(xy + 2 * (size_t)*e, lon, lat, &cross)) return true;
    return (cross & 1) != 0;
}

static inline bool is_boundary(unsigned code) {
    return code != GEO_CELL_OUT && code != GEO_CELL_IN;
}

/* The edges a point of boundary cell code `code` in row r tests; *n gets their count. */
static inline const uint32_t *cell_edges(const geo_shape *s, unsigned code, uint32_t r, size_t *n) {
    const uint32_t *start = geo__row_start(s);
    *n = code == GEO_CELL_ALL ? start[r + 1] - start[r] : code;
    return geo__row_edge(s) + start[r];
}

/* The cell code of a point of the shape's box; *row gets its row. */
static inline const geo_cell *cell_of(const geo_shape *s, double lon, double lat, uint32_t *row) {
    const geo_grid *g = &s->grid;
    uint32_t cx = geo__grid_index(lon - s->box.minx, g->sx, g->nx);
    *row = geo__grid_index(lat - s->box.miny, g->sy, g->ny);
    return geo__cells(s) + (size_t)*row * g->nx + cx;
}

bool geo_shape_covers(const geo_shape *s, double lon, double lat) {
    if (!box_has(&s->box, lon, lat)) return false;
    uint32_t r;
    unsigned code = *cell_of(s, lon, lat, &r);
    if (!is_boundary(code)) return code == GEO_CELL_IN;
    size_t n;
    const uint32_t *e = cell_edges(s, code, r, &n);
    return edges_decide(geo__xy(s), e, n, lon, lat);
}

/* One shape of a batch on its way through geo_shapes_covering. */
typedef struct probe {
    const geo_cell *cell; /* NULL: the point is outside the shape's box */
    uint32_t row;
    unsigned code;
    const uint32_t *edges; /* boundary cell: the edges to test */
    size_t nedges;
} probe;

/* A batch goes through passes, each starting for all its shapes the loads the next pass
 * needs: the header line, the cell, then for boundary cells the row's offset, its edge
 * numbers and the first edge's positions; then the answers. So the shapes' waits for
 * memory overlap instead of adding up. */
#define COVER_BATCH 32

static size_t cover_batch(const geo_shape *const *s, size_t m, double lon, double lat, probe *p,
                          uint32_t *which, uint32_t base) {
    for (size_t i = 0; i < m; i++)
        __builtin_prefetch(s[i]);
    for (size_t i = 0; i < m; i++) {
        p[i].cell = box_has(&s[i]->box, lon, lat) ? cell_of(s[i], lon, lat, &p[i].row) : NULL;
        if (p[i].cell) __builtin_prefetch(p[i].cell);
    }
    for (size_t i = 0; i < m; i++) {
        p[i].code = p[i].cell ? *p[i].cell : GEO_CELL_OUT;
        if (is_boundary(p[i].code)) __builtin_prefetch(geo__row_start(s[i]) + p[i].row);
    }
    for (size_t i = 0; i < m; i++) {
        if (!is_boundary(p[i].code)) continue;
        p[i].edges = cell_edges(s[i], p[i].code, p[i].row, &p[i].nedges);
        __builtin_prefetch(p[i].edges);
    }
    for (size_t i = 0; i < m; i++)
        if (is_boundary(p[i].code) && p[i].nedges > 0)
            __builtin_prefetch(geo__xy(s[i]) + 2 * (size_t)p[i].edges[0]);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        bool in = is_boundary(p[i].code) ? edges_decide(geo__xy(s[i]), p[i].edges, p[i].nedges, lon, lat)
                                         : p[i].code == GEO_CELL_IN;
        if (in) which[k++] = base + (uint32_t)i;
    }
    return k;
}

size_t geo_shapes_covering(const geo_shape *const *s, size_t n, double lon, double lat, uint32_t *which) {
    probe p[COVER_BATCH];
    size_t k = 0;
    for (size_t a = 0; a < n; a += COVER_BATCH)
        k += cover_batch(s + a, n - a < COVER_BATCH ? n - a : COVER_BATCH, lon, lat, p, which + k,
                         (uint32_t)a);
    return k;
}

/* True if the segment e[0..3] meets the closed box b: the boxes overlap and the
 * corners of b are not all strictly on one side of the segment's line. */
bool geo__segment_meets_box(const double *e, const geo_box *b) {
    double x1 = e[0], y1 = e[1], x2 = e[2], y2 = e[3];
    if ((x1 < b->minx && x2 < b->minx) || (x1 > b->maxx && x2 > b->maxx)) return false;
    if ((y1 < b->miny && y2 < b->miny) || (y1 > b->maxy && y2 > b->maxy)) return false;
    int s1 = geo_orient(x1, y1, x2, y2, b->minx, b->miny);
    int s2 = geo_orient(x1, y1, x2, y2, b->maxx, b->miny);
    int s3 = geo_orient(x1, y1, x2, y2, b->maxx, b->maxy);
    int s4 = geo_orient(x1, y1, x2, y2, b->minx, b->maxy);
    return !((s1 > 0 && s2 > 0 && s3 > 0 && s4 > 0) || (s1 < 0 && s2 < 0 && s3 < 0 && s4 < 0));
}

static bool boxes_meet(const geo_box *a, const geo_box *b) {
    return a->minx <= b->maxx && b->minx <= a->maxx && a->miny <= b->maxy && b->miny <= a->maxy;
}

/* If no edge meets the box, the box lies wholly inside or wholly outside the shape
 * (and the shape has no part inside the box), so one corner decides. */
bool geo_shape_intersects_box(const geo_shape *s, geo_box b) {
    if (!(b.minx <= b.maxx && b.miny <= b.maxy) || !boxes_meet(&s->box, &b)) return false;
    for (size_t i = 0; i < s->nrings; i++) {
        const geo_ring *r = &s->rings[i];
        if (!boxes_meet(&r->box, &b)) continue;
        for (uint32_t k = 0; k < r->n; k++)
            if (geo__segment_meets_box(r->xy + 2 * (size_t)k, &b)) return true;
    }
    return geo_shape_covers(s, b.minx, b.miny);
}
