/*
 * test_geo_grid.c — white-box tests of a shape's prepared grid (src/geo/grid.c) and of
 * geo_shape_covers through it. Every answer is compared with a brute-force ray test over
 * all the shape's edges, written here from the rules of pip.c with exact orientation
 * (geo_orient), and on part of the points with GEOS's prepared covers (ST_Covers):
 * random points, vertices, points on edges, points exactly on every grid line and the
 * doubles next to them, holes, multipolygons touching at a corner, repeated vertices
 * (zero-length edges), edges lying on grid lines, slivers thinner than a cell may be,
 * and a ring whose rows hold more edges than a cell code can count; and the batch test
 * geo_shapes_covering against one shape at a time. The grid's own invariants are
 * checked too: rows sorted by largest x, each boundary cell's count covering every edge
 * that reaches it, inside and outside cells uniform, the inner box wholly covered.
 *
 * Includes src/geo/geo_int.h (the grid's layout): the only test that does.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <geos_c.h>

#include "geo/geo_int.h"

static GEOSContextHandle_t H;
static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t rnd(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

static double urand(double lo, double hi) {
    return lo + (hi - lo) * ((double)(rnd() >> 11) / 9007199254740992.0);
}

/* The shape of g, or NULL when it is not a valid geometry. */
static geo_shape *try_shape(const json_t *g) {
    geo_shape *s = NULL;
    tr_err err = {0};
    geo_limits lim = {200000, GEO_DEFAULT_MAX_WIDTH_M};
    if (geo_shape_from_geojson(g, 0, &lim, &s, &err) == 0) return s;
    print_message("rejected: %s: %s\n", err.field, err.msg);
    return NULL;
}

static geo_shape *shape_from(const json_t *g) {
    geo_shape *s = try_shape(g);
    if (s == NULL) fail_msg("a test shape was rejected");
    return s;
}

/* ---- the reference: every edge, pip.c's rules, exact orientation ---- */

static bool ref_covers(const geo_shape *s, double px, double py) {
    size_t nr = geo_shape_ring_count(s), npos;
    uint32_t *st = malloc((nr + 1) * sizeof *st);
    const double *xy = geo_shape_rings(s, st, &npos);
    unsigned cross = 0;
    bool on = false;
    for (size_t r = 0; r < nr && !on; r++) {
        for (uint32_t i = st[r]; i + 1 < st[r + 1] && !on; i++) {
            double x1 = xy[2 * i], y1 = xy[2 * i + 1], x2 = xy[2 * i + 2], y2 = xy[2 * i + 3];
            bool inbox = px >= fmin(x1, x2) && px <= fmax(x1, x2) && py >= fmin(y1, y2) && py <= fmax(y1, y2);
            bool spans = (y1 > py) != (y2 > py);
            if (!inbox && !spans) continue;
            int o = geo_orient(x1, y1, x2, y2, px, py); /* exact (filtered) */
            if (o == 0 && inbox)
                on = true;
            else if (spans && (y2 > y1 ? o : -o) > 0)
                cross++;
        }
    }
    free(st);
    return on || (cross & 1);
}

/* Points compared so far, and how many of them GEOS also judged. */
static size_t n_checked, n_geos;

/* Compares geo_shape_covers with the reference at (x, y); with GEOS too when pg. */
static void check_point(const geo_shape *s, const GEOSPreparedGeometry *pg, double x, double y) {
    bool got = geo_shape_covers(s, x, y), want = ref_covers(s, x, y);
    if (got != want) fail_msg("covers(%.17g, %.17g) = %d, brute force says %d", x, y, got, want);
    if (pg) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(H, x, y);
        char g = GEOSPreparedCovers_r(H, pg, pt);
        GEOSGeom_destroy_r(H, pt);
        if (g != (char)want) fail_msg("GEOS covers(%.17g, %.17g) = %d, brute force says %d", x, y, g, want);
        n_geos++;
    }
    n_checked++;
}

/* The doubles d ulps around v, d in [-3, 3]. */
static double ulps(double v, int d) {
    for (; d > 0; d--)
        v = nextafter(v, INFINITY);
    for (; d < 0; d++)
        v = nextafter(v, -INFINITY);
    return v;
}

/* The grid line k of an axis (min, s): where the cell index steps from k - 1 to k. */
static double line(double min, double s, uint32_t n, uint32_t k) {
    double v = min + k / s;
    while (v > min && geo__grid_index(v - min, s, n) >= k)
        v = nextafter(v, -INFINITY);
    while (geo__grid_index(v - min, s, n) < k)
        v = nextafter(v, INFINITY);
    return v;
}

/* ---- the grid's own invariants ---- */

static double edge_maxx(const geo_shape *s, uint32_t e) {
    return fmax(s->xy[2 * e], s->xy[2 * e + 2]);
}

/* The grid's tables, as the shape holds them. */
static const geo_cell *cells(const geo_shape *s) {
    return geo__cells(s);
}

/* Cell (c, r): inside and outside cells agree with the reference at a few of their
 * points; the edges past a boundary cell's count lie left of the cell. */
static void check_cell(const geo_shape *s, uint32_t c, uint32_t r) {
    const geo_grid *g = &s->grid;
    const uint32_t *row_start = geo__row_start(s), *row_edge = geo__row_edge(s);
    uint32_t a = row_start[r], b = row_start[r + 1];
    unsigned code = cells(s)[(size_t)r * g->nx + c];
    double x0 = c > 0 ? line(s->box.minx, g->sx, g->nx, c) : s->box.minx;
    double x1 = c + 1 < g->nx ? line(s->box.minx, g->sx, g->nx, c + 1) : s->box.maxx;
    double y0 = r > 0 ? line(s->box.miny, g->sy, g->ny, r) : s->box.miny;
    double y1 = r + 1 < g->ny ? line(s->box.miny, g->sy, g->ny, r + 1) : s->box.maxy;
    if (code == GEO_CELL_IN || code == GEO_CELL_OUT) {
        double pts[4][2] = {
            {x0, y0}, {urand(x0, x1), urand(y0, y1)}, {urand(x0, x1), y0}, {x0, urand(y0, y1)}};
        for (int k = 0; k < 4; k++)
            if (ref_covers(s, pts[k][0], pts[k][1]) != (code == GEO_CELL_IN))
                fail_msg("cell (%u, %u) is %s but (%.17g, %.17g) is not", c, r,
                         code == GEO_CELL_IN ? "inside" : "outside", pts[k][0], pts[k][1]);
    } else if (code != GEO_CELL_ALL) {
        assert_true(code >= 1 && code <= b - a);
        if (a + code < b) assert_true(edge_maxx(s, row_edge[a + code]) < x0);
    }
}

/* Rows sorted by largest x, then every cell of small grids, 1000 random ones of large. */
static void check_invariants(const geo_shape *s) {
    const geo_grid *g = &s->grid;
    const uint32_t *row_start = geo__row_start(s), *row_edge = geo__row_edge(s);
    assert_true(g->nx >= 1 && g->ny >= 1);
    assert_true(geo__xy(s) == s->xy);
    for (uint32_t r = 0; r < g->ny; r++)
        for (uint32_t i = row_start[r] + 1; i < row_start[r + 1]; i++)
            assert_true(edge_maxx(s, row_edge[i - 1]) >= edge_maxx(s, row_edge[i]));
    size_t ncell = (size_t)g->nx * g->ny;
    for (size_t k = 0; k < (ncell < 1000 ? ncell : 1000); k++) {
        size_t cell = ncell <= 1000 ? k : rnd() % ncell;
        check_cell(s, (uint32_t)(cell % g->nx), (uint32_t)(cell / g->nx));
    }
}

/* ---- point sets ---- */

/* Random points over the box grown by 10 %, every vertex, and points 1/2, 1/4, 1/3 along
 * each edge; the GEOS check on every fourth. */
static void check_spread(const geo_shape *s, const GEOSPreparedGeometry *pg, size_t nrand) {
    geo_box b = s->box;
    double dx = (b.maxx - b.minx) * 0.1, dy = (b.maxy - b.miny) * 0.1;
    for (size_t i = 0; i < nrand; i++)
        check_point(s, i % 4 ? NULL : pg, urand(b.minx - dx, b.maxx + dx), urand(b.miny - dy, b.maxy + dy));
    for (size_t i = 0; i + 1 < s->npos; i++) {
        double x1 = s->xy[2 * i], y1 = s->xy[2 * i + 1], x2 = s->xy[2 * i + 2], y2 = s->xy[2 * i + 3];
        static const double t[4] = {0, 0.5, 0.25, 1.0 / 3};
        for (int k = 0; k < 4; k++)
            check_point(s, k ? NULL : pg, x1 + t[k] * (x2 - x1), y1 + t[k] * (y2 - y1));
    }
}

/* On and next to every grid line: each vertical line crossed with vertex and random
 * ys, each horizontal line with random xs, and every crossing of two lines. */
static void check_lines(const geo_shape *s, const GEOSPreparedGeometry *pg) {
    const geo_grid *g = &s->grid;
    geo_box b = s->box;
    uint32_t stepx = g->nx > 64 ? g->nx / 64 : 1, stepy = g->ny > 64 ? g->ny / 64 : 1;
    for (uint32_t c = 0; c <= g->nx; c += stepx) {
        double v = c == 0 ? b.minx : c == g->nx ? b.maxx : line(b.minx, g->sx, g->nx, c);
        for (int d = -2; d <= 2; d++) {
            double x = ulps(v, d);
            check_point(s, d ? NULL : pg, x, urand(b.miny, b.maxy));
            check_point(s, NULL, x, s->xy[2 * (rnd() % s->npos) + 1]);
        }
        for (uint32_t r = 0; r <= g->ny; r += stepy) {
            double w = r == 0 ? b.miny : r == g->ny ? b.maxy : line(b.miny, g->sy, g->ny, r);
            check_point(s, r % 8 ? NULL : pg, v, w);
            check_point(s, NULL, ulps(v, -1), ulps(w, -1));
        }
    }
    for (uint32_t r = 0; r <= g->ny; r += stepy) {
        double w = r == 0 ? b.miny : r == g->ny ? b.maxy : line(b.miny, g->sy, g->ny, r);
        for (int d = -2; d <= 2; d++)
            check_point(s, d ? NULL : pg, urand(b.minx, b.maxx), ulps(w, d));
    }
}

/* The inner box: inside the shape's box, and covered at its corners, along its sides
 * and inside (the reference); empty only when the grid has no inside cell. */
static void check_inner(const geo_shape *s) {
    geo_box in = geo_shape_inner_box(s);
    bool any_in = false;
    for (size_t k = 0; k < (size_t)s->grid.nx * s->grid.ny && !any_in; k++)
        any_in = cells(s)[k] == GEO_CELL_IN;
    if (!(in.minx <= in.maxx && in.miny <= in.maxy)) {
        assert_false(any_in);
        return;
    }
    assert_true(in.minx >= s->box.minx && in.maxx <= s->box.maxx && in.miny >= s->box.miny &&
                in.maxy <= s->box.maxy);
    const double corner[4][2] = {
        {in.minx, in.miny}, {in.maxx, in.miny}, {in.maxx, in.maxy}, {in.minx, in.maxy}};
    for (int k = 0; k < 4; k++)
        if (!ref_covers(s, corner[k][0], corner[k][1])) fail_msg("inner box corner %d not covered", k);
    for (int k = 0; k < 200; k++) {
        double x = urand(in.minx, in.maxx), y = urand(in.miny, in.maxy);
        double pts[3][2] = {{x, y}, {x, k % 2 ? in.miny : in.maxy}, {k % 2 ? in.minx : in.maxx, y}};
        for (int j = 0; j < 3; j++)
            if (!ref_covers(s, pts[j][0], pts[j][1]))
                fail_msg("(%.17g, %.17g) of the inner box not covered", pts[j][0], pts[j][1]);
    }
}

/* All checks on the shape of GeoJSON geometry g. */
static void check_shape(json_t *g, size_t nrand) {
    geo_shape *s = shape_from(g);
    char *text = json_dumps(g, 0);
    GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(H);
    GEOSGeometry *gg = GEOSGeoJSONReader_readGeometry_r(H, rd, text);
    GEOSGeoJSONReader_destroy_r(H, rd);
    free(text);
    assert_non_null(gg);
    const GEOSPreparedGeometry *pg = GEOSPrepare_r(H, gg);
    check_invariants(s);
    check_inner(s);
    check_spread(s, pg, nrand);
    check_lines(s, pg);
    GEOSPreparedGeom_destroy_r(H, pg);
    GEOSGeom_destroy_r(H, gg);
    geo_shape_free(s);
}

static void check_text(const char *text, size_t nrand) {
    json_error_t je;
    json_t *g = json_loads(text, 0, &je);
    if (g == NULL) fail_msg("bad test JSON: %s", je.text);
    check_shape(g, nrand);
    json_decref(g);
}

/* A star-shaped polygon of n vertices around (cx, cy), radius r, maybe snapped to a
 * grid of `snap` (0: no snapping) so that many coordinates are equal. */
static json_t *star(double cx, double cy, double r, size_t n, double snap) {
    json_t *ring = json_array();
    double phase = urand(0, 2 * M_PI);
    for (size_t i = 0; i < n; i++) {
        double a = phase + 2 * M_PI * (double)i / (double)n, f = urand(0.3, 1.0);
        double x = cx + f * r * cos(a), y = cy + f * r * sin(a);
        if (snap > 0) x = round(x / snap) * snap, y = round(y / snap) * snap;
        json_array_append_new(ring, json_pack("[ff]", x, y));
    }
    json_array_append(ring, json_array_get(ring, 0));
    return json_pack("{s:s,s:[o]}", "type", "Polygon", "coordinates", ring);
}

static int setup(void **state) {
    (void)state;
    H = GEOS_init_r();
    return H == NULL;
}

static int teardown(void **state) {
    (void)state;
    GEOS_finish_r(H);
    print_message("%zu points compared (%zu with GEOS too)\n", n_checked, n_geos);
    return 0;
}

/* ---- tests ---- */

static void test_random_stars(void **state) {
    (void)state;
    for (int p = 0; p < 60; p++) {
        size_t n = p < 30 ? 3 + rnd() % 22 : 25 + rnd() % 300;
        double snap = p % 3 == 0 ? 1.0 / 64 : 0;
        json_t *g = star(urand(-170, 170), urand(-80, 80), urand(0.01, 5), n, snap);
        geo_shape *s = try_shape(g); /* snapping may fold a star: skip what validation refuses */
        if (s) check_shape(g, 500);
        geo_shape_free(s);
        json_decref(g);
    }
}

static void test_holes_and_multipolygons(void **state) {
    (void)state;
    /* A hole, a corner where two polygons touch, an island in the hole: dyadic, so many
     * edges and points fall exactly on the grid's lines. */
    check_text("{\"type\":\"MultiPolygon\",\"coordinates\":["
               "[[[0,0],[16,0],[16,16],[0,16],[0,0]],[[4,4],[12,4],[12,12],[4,12],[4,4]]],"
               "[[[16,16],[32,16],[32,32],[16,32],[16,16]]],"
               "[[[6,6],[10,6],[10,10],[6,10],[6,6]]]]}",
               3000);
    /* A staircase and a comb: horizontal and vertical edges at every integer. */
    check_text("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[8,0],[8,1],[7,1],[7,2],[6,2],[6,3],[5,3],"
               "[5,4],[4,4],[4,5],[3,5],[3,6],[2,6],[2,7],[1,7],[1,8],[0,8],[0,0]]]}",
               2000);
    check_text(
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[9,0],[9,4],[8,4],[8,1],[7,1],[7,4],[6,4],[6,1],"
        "[5,1],[5,4],[4,4],[4,1],[3,1],[3,4],[2,4],[2,1],[1,1],[1,4],[0,4],[0,0]]]}",
        2000);
    /* Several holes, one touching the shell at a vertex. */
    check_text("{\"type\":\"Polygon\",\"coordinates\":[[[36,33],[38,33],[38,35],[36,35],[36,33]],"
               "[[36.5,33.5],[36.5,34],[37,34],[37,33.5],[36.5,33.5]],"
               "[[37.25,34.25],[37.25,34.75],[37.75,34.75],[37.75,34.25],[37.25,34.25]],"
               "[[36,34.5],[36.25,34.75],[36.25,34.25],[36,34.5]]]}",
               3000);
}

static void test_degenerate_edges(void **state) {
    (void)state;
    /* Repeated positions: zero-length edges, some on grid lines. */
    check_text("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,0],[4,0],[4,0],[4,4],[2,6],[2,6],[2,6],"
               "[0,4],[0,0]]]}",
               2000);
    /* Slivers: a triangle far thinner than a cell may be (one row), and one as narrow. */
    check_text("{\"type\":\"Polygon\",\"coordinates\":[[[36,33],[37,33],[36.5,33.0000000000001],[36,33]]]}",
               2000);
    check_text("{\"type\":\"Polygon\",\"coordinates\":[[[36,33],[36.0000000000001,33.5],[36,34],[36,33]]]}",
               2000);
    /* Tiny, near the antimeridian, and a huge box. */
    check_text("{\"type\":\"Polygon\",\"coordinates\":[[[179.9999999,-0.0000001],[180,-0.0000001],"
               "[180,0.0000001],[179.9999999,0],[179.9999999,-0.0000001]]]}",
               2000);
    check_text("{\"type\":\"Polygon\",\"coordinates\":[[[-180,-90],[180,-90],[180,90],[0,0],[-180,90],"
               "[-180,-90]]]}",
               3000);
}

/* A sawtooth of 36,000 teeth 1/1024 degree wide: its top rows hold ~72,000 edges, more
 * than a cell code can count, so most of their cells test the whole row. */
static void test_crowded_rows(void **state) {
    (void)state;
    const size_t teeth = 36000;
    json_t *ring = json_array();
    json_array_append_new(ring, json_pack("[ff]", 0.0, 0.0));
    json_array_append_new(ring, json_pack("[ff]", teeth / 1024.0, 0.0));
    for (size_t i = teeth; i > 0; i--) {
        json_array_append_new(ring, json_pack("[ff]", i / 1024.0, 2.0));
        json_array_append_new(ring, json_pack("[ff]", (i - 0.5) / 1024, 3.0));
    }
    json_array_append_new(ring, json_pack("[ff]", 0.0, 0.0));
    json_t *g = json_pack("{s:s,s:[o]}", "type", "Polygon", "coordinates", ring);
    geo_shape *s = shape_from(g);
    size_t all = 0;
    for (size_t k = 0; k < (size_t)s->grid.nx * s->grid.ny; k++)
        all += cells(s)[k] == GEO_CELL_ALL;
    assert_true(all > 0);
    check_invariants(s);
    for (int i = 0; i < 300; i++) { /* near the teeth, where rows are crowded */
        double x = urand(0, (double)teeth), y = urand(1.9, 3.1);
        check_point(s, NULL, x / 1024, y);
        check_point(s, NULL, (floor(x) + 0.25) / 1024, 2.5); /* on a tooth's edge */
    }
    geo_shape_free(s);
    json_decref(g);
}

/* geo_shapes_covering agrees with geo_shape_covers shape by shape, across batches. */
static void test_many_shapes(void **state) {
    (void)state;
    enum { N = 75 };
    geo_shape *sh[N];
    uint32_t which[N];
    for (int i = 0; i < N; i++) {
        json_t *g = star(36 + urand(-0.5, 0.5), 34 + urand(-0.5, 0.5), urand(0.2, 1), 5 + rnd() % 40, 0);
        sh[i] = shape_from(g);
        json_decref(g);
    }
    size_t total = 0;
    for (int q = 0; q < 4000; q++) {
        double x = urand(34.8, 37.2), y = urand(32.8, 35.2);
        if (q % 4 == 0) { /* a vertex of one of them */
            const geo_shape *s = sh[rnd() % N];
            size_t v = rnd() % s->npos;
            x = s->xy[2 * v], y = s->xy[2 * v + 1];
        }
        size_t n = (size_t)(q % 3 == 0 ? N : rnd() % (N + 1));
        size_t k = geo_shapes_covering((const geo_shape *const *)sh, n, x, y, which), j = 0;
        for (size_t i = 0; i < n; i++) {
            if (!geo_shape_covers(sh[i], x, y)) continue;
            assert_true(j < k);
            assert_int_equal(which[j++], i);
        }
        assert_int_equal(j, k);
        total += k;
    }
    assert_true(total > 4000);
    for (int i = 0; i < N; i++)
        geo_shape_free(sh[i]);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* geo_cover_point gives exactly the shapes geo_shape_covers accepts, at (x, y). */
static size_t check_cover_at(const geo_cover *c, geo_shape *const *sh, size_t n, double x, double y) {
    uint32_t got[256];
    size_t k = geo_cover_point(c, x, y, got, 256), j = 0;
    assert_true(k <= 256);
    qsort(got, k, sizeof *got, cmp_u32);
    for (size_t i = 0; i < n; i++) {
        if (!geo_shape_covers(sh[i], x, y)) continue;
        if (j >= k || got[j] != i) fail_msg("cover misses shape %zu at (%.17g, %.17g)", i, x, y);
        j++;
    }
    if (j != k) fail_msg("cover gives %zu shapes at (%.17g, %.17g), the shapes %zu", k, x, y, j);
    return k;
}

/* A point of shape s: a vertex, a point of a horizontal or vertical edge, or between. */
static void point_of(const geo_shape *s, double *x, double *y) {
    size_t v = rnd() % (s->npos - 1);
    const double *p = s->xy + 2 * v;
    double t = (rnd() % 3) / 2.0; /* 0, 1/2, 1: exact on axis-parallel edges */
    *x = p[0] + t * (p[2] - p[0]);
    *y = p[1] + t * (p[3] - p[1]);
}

/* geo_cover over stars (some snapped so that edges and vertices fall on dyadic lines, as
 * the cover's cell lines may), boxes, holes, slivers, overlapping at random: random
 * points, vertices, edge points and points on a dyadic lattice near the cells' lines. */
static void test_cover(void **state) {
    (void)state;
    enum { N = 300 };
    geo_shape *sh[N];
    size_t n = 0;
    const char *fixed[] = {
        "{\"type\":\"Polygon\",\"coordinates\":[[[36,33],[38,33],[38,35],[36,35],[36,33]],"
        "[[36.5,33.5],[36.5,34],[37,34],[37,33.5],[36.5,33.5]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[36,33],[37,33],[36.5,33.0000000000001],[36,33]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[35,32],[35.25,32],[35.25,32.25],[35,32.25],[35,32]]]}",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        json_t *g = json_loads(fixed[i], 0, NULL);
        sh[n++] = shape_from(g);
        json_decref(g);
    }
    while (n < N) {
        double snap = n % 3 == 0 ? 1.0 / 256 : 0;
        json_t *g = star(urand(35, 39), urand(32, 36), urand(0.005, 0.6), 3 + rnd() % 30, snap);
        geo_shape *s = try_shape(g);
        if (s) sh[n++] = s;
        json_decref(g);
    }
    geo_cover *c = geo_cover_build((const geo_shape *const *)sh, N);
    assert_non_null(c);
    assert_int_equal(geo_cover_shapes(c), N);
    assert_true(geo_cover_bytes(c) > 0);
    size_t total = 0;
    for (int q = 0; q < 30000; q++) {
        double x = urand(34.9, 39.7), y = urand(31.9, 36.7);
        if (q % 3 == 1) point_of(sh[rnd() % N], &x, &y);
        if (q % 3 == 2) x = round(x * 1024) / 1024, y = round(y * 1024) / 1024;
        total += check_cover_at(c, sh, N, x, y);
    }
    assert_true(total > 10000);
    assert_int_equal(geo_cover_point(c, 50, 50, NULL, 0), 0);
    geo_cover_free(c);
    for (size_t i = 0; i < N; i++)
        geo_shape_free(sh[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_stars),     cmocka_unit_test(test_holes_and_multipolygons),
        cmocka_unit_test(test_degenerate_edges), cmocka_unit_test(test_crowded_rows),
        cmocka_unit_test(test_many_shapes),      cmocka_unit_test(test_cover),
    };
    return cmocka_run_group_tests_name("geo_grid", tests, setup, teardown);
}
