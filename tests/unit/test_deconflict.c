/*
 * test_deconflict.c — unit tests of the deconfliction engine (src/engines/deconflict.h).
 *
 * The 4-D overlap at its edges: half-open time windows (end == start is no conflict),
 * closed altitude bands (touching bands conflict) and the vertical buffer, polygon
 * edges and corners that only touch, containment and holes, circles decided by the
 * geodesic distance of their centres to the millimetre, circles and polygons across the
 * anti-meridian and near the poles, horizontal buffers; every pair is decided both by
 * dc_pair_conflict and by an engine query (the index path). Then kinds, owners, order
 * and errors; a randomized cross-check of the indexed query against the full scan
 * (thousands of volumes, hundreds of queries, after inserts, removals, re-inserts and
 * a pack); and readers querying while a writer inserts and removes.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <geos_c.h>

#include "base/timeutil.h"
#include "engines/deconflict.h"
#include "geo/geo.h"

#define T0 1474120800 /* 2016-09-17T14:00:00Z */
#define HOUR 3600

/* ---- helpers ---- */

static dc_volume circle(int64_t id, double lon, double lat, double r) {
    dc_volume v = {.id = id, .owner = 1, .t_start = T0, .t_end = T0 + HOUR, .alt_lo = 0, .alt_hi = 1000};
    v.foot = (dc_footprint){.shape = DC_CIRCLE, .lon = lon, .lat = lat, .radius_m = r};
    return v;
}

/* A polygon over caller storage xy (n positions, one ring). */
static dc_volume polygon(int64_t id, const double *xy, size_t n) {
    dc_volume v = {.id = id, .owner = 1, .t_start = T0, .t_end = T0 + HOUR, .alt_lo = 0, .alt_hi = 1000};
    v.foot = (dc_footprint){.shape = DC_POLYGON, .xy = xy, .npos = n};
    return v;
}

/* Fills xy (8 doubles) with the open ring of the box. */
static const double *rect(double *xy, double x0, double y0, double x1, double y1) {
    double r[8] = {x0, y0, x1, y0, x1, y1, x0, y1};
    memcpy(xy, r, sizeof r);
    return xy;
}

/* Decides the pair with dc_pair_conflict and with an engine query (which must agree),
 * then also the other way round through the engine (q stored, s as query) when
 * `symmetric` — exact cases must not depend on which side asks. */
static bool decide(const dc_volume *q, const dc_volume *s, double h, double v) {
    dc_sep sep = {h, v};
    bool direct;
    tr_err err = {0};
    if (dc_pair_conflict(q, s, &sep, &direct, &err) != TR_OK) fail_msg("pair: %s: %s", err.field, err.msg);
    dc_engine *e = dc_engine_new();
    assert_non_null(e);
    if (dc_engine_insert(e, s, &err) != TR_OK) fail_msg("insert: %s: %s", err.field, err.msg);
    dc_query dq = {.vol = q, .sep = sep};
    dc_result r = {0};
    if (dc_engine_query(e, &dq, &r, &err) != TR_OK) fail_msg("query: %s: %s", err.field, err.msg);
    if ((r.n == 1) != direct) fail_msg("engine says %zu hits, pair test says %d", r.n, direct);
    if (r.n == 1) assert_true(r.hits[0].id == s->id);
    dc_result_free(&r);
    dc_engine_free(e);
    return direct;
}

/* Both directions must give `want`. */
static void expect(const dc_volume *a, const dc_volume *b, double h, double v, bool want) {
    bool ab = decide(a, b, h, v), ba = decide(b, a, h, v);
    if (ab != want || ba != want)
        fail_msg("expected %s, got %d (a asks) / %d (b asks) with h=%g v=%g", want ? "conflict" : "none",
                 ab, ba, h, v);
}

/* ---- time and altitude ---- */

static void test_time_half_open(void **state) {
    (void)state;
    double xy[8];
    dc_volume a = polygon(1, rect(xy, 37, 36, 37.1, 36.1), 4), b = polygon(2, xy, 4);
    a.t_start = T0, a.t_end = T0 + 10;
    b.t_start = T0 + 10, b.t_end = T0 + 20;
    expect(&a, &b, 0, 0, false); /* end == start: the windows do not overlap */
    expect(&a, &b, 5000, 5000, false); /* no buffer applies to time */
    a.t_end = T0 + 11;
    expect(&a, &b, 0, 0, true); /* one second of overlap */
    b.t_start = T0 - 100, b.t_end = TR_TIME_OPEN; /* open-ended, like a site */
    expect(&a, &b, 0, 0, true);
    b.t_start = T0 + 11;
    expect(&a, &b, 0, 0, false);
}

static void test_altitude_closed(void **state) {
    (void)state;
    dc_volume a = circle(1, 37.15, 36.2, 1000), b = circle(2, 37.15, 36.2, 1000);
    a.alt_lo = 0, a.alt_hi = 100;
    b.alt_lo = 100, b.alt_hi = 200;
    expect(&a, &b, 0, 0, true); /* bands that only touch conflict */
    b.alt_lo = 100.5;
    expect(&a, &b, 0, 0, false);
    expect(&a, &b, 0, 0.5, true);   /* within the vertical separation */
    expect(&a, &b, 0, 0.49, false);
    b.alt_lo = -INFINITY, b.alt_hi = INFINITY; /* a ground object: every altitude */
    expect(&a, &b, 0, 0, true);
    b.alt_lo = 5000, b.alt_hi = INFINITY;
    expect(&a, &b, 0, 4899, false);
    expect(&a, &b, 0, 4900, true);
}

/* ---- planar polygons ---- */

static void test_polygon_edges(void **state) {
    (void)state;
    double xa[8], xb[8];
    dc_volume a = polygon(1, rect(xa, 37.0, 36.0, 37.1, 36.1), 4);
    dc_volume b = polygon(2, rect(xb, 37.1, 36.0, 37.2, 36.1), 4);
    expect(&a, &b, 0, 0, true);                         /* a shared edge */
    b.foot.xy = rect(xb, 37.1, 36.1, 37.2, 36.2);
    expect(&a, &b, 0, 0, true);                         /* one shared corner */
    b.foot.xy = rect(xb, 37.1 + 1e-12, 36.1, 37.2, 36.2);
    expect(&a, &b, 0, 0, false);                        /* 1e-12 degrees apart */
    b.foot.xy = rect(xb, 37.02, 36.02, 37.03, 36.03);
    expect(&a, &b, 0, 0, true);                         /* inside */
    b.foot.xy = rect(xb, 37.05, 35.9, 37.06, 36.2);
    expect(&a, &b, 0, 0, true);                         /* crossing, no vertex inside */
    /* a triangle whose apex touches the middle of a's east edge */
    double tri[6] = {37.1, 36.05, 37.2, 36.0, 37.2, 36.1};
    b.foot.xy = tri, b.foot.npos = 3;
    expect(&a, &b, 0, 0, true);
    tri[0] = 37.1 + 1e-9;
    expect(&a, &b, 0, 0, false);
    /* collinear overlapping edges, closed ring given GeoJSON-style */
    double closed[10] = {37.05, 36.1, 37.15, 36.1, 37.15, 36.2, 37.05, 36.2, 37.05, 36.1};
    b.foot.xy = closed, b.foot.npos = 5;
    expect(&a, &b, 0, 0, true);
}

static void test_holes(void **state) {
    (void)state;
    /* a square with a square hole; a small square inside the hole */
    double xy[16];
    rect(xy, 37.0, 36.0, 37.3, 36.3);
    rect(xy + 8, 37.1, 36.1, 37.2, 36.2);
    uint32_t rs[3] = {0, 4, 8};
    dc_volume a = polygon(1, xy, 8);
    a.foot.ring_start = rs, a.foot.nrings = 2;
    double xb[8];
    dc_volume b = polygon(2, rect(xb, 37.12, 36.12, 37.18, 36.18), 4);
    expect(&a, &b, 0, 0, false); /* in the hole */
    dc_volume c = circle(3, 37.15, 36.15, 1000);
    expect(&a, &c, 0, 0, false); /* a circle in the hole, 4.5 km from its edges */
    expect(&a, &c, 4000, 0, true);
    b.foot.xy = rect(xb, 37.12, 36.12, 37.2, 36.18);
    expect(&a, &b, 0, 0, true);  /* touching the hole's edge */
    b.foot.xy = rect(xb, 37.05, 36.05, 37.25, 36.25);
    expect(&a, &b, 0, 0, true);  /* around the hole, over the solid part */
}

/* ---- circles ---- */

static void test_circles_exact(void **state) {
    (void)state;
    double d = geo_distance_m(37.15, 36.2, 37.25, 36.27);
    dc_volume a = circle(1, 37.15, 36.2, 4000), b = circle(2, 37.25, 36.27, d - 4000 + 1e-3);
    expect(&a, &b, 0, 0, true);  /* discs overlapping by a millimetre */
    b.foot.radius_m = d - 4000 - 1e-3;
    expect(&a, &b, 0, 0, false); /* a millimetre apart */
    expect(&a, &b, 2e-3, 0, true);
    expect(&a, &b, 0.5e-3, 0, false);
    b.foot.radius_m = d - 4000; /* exactly touching, as geod_inverse measures */
    expect(&a, &b, 0, 0, geo_distance_m(37.15, 36.2, 37.25, 36.27) <= 4000 + (d - 4000));
}

static void test_antimeridian(void **state) {
    (void)state;
    double d = geo_distance_m(179.995, 10, -179.995, 10); /* ~1.1 km across 180 */
    assert_true(d > 1000 && d < 1200);
    dc_volume a = circle(1, 179.995, 10, d / 2 + 0.5), b = circle(2, -179.995, 10, d / 2 + 0.5);
    expect(&a, &b, 0, 0, true);
    a.foot.radius_m = b.foot.radius_m = d / 2 - 0.5;
    expect(&a, &b, 0, 0, false);
    expect(&a, &b, 1.5, 0, true);
    /* a circle east of 180 against a polygon west of it */
    double xy[8];
    dc_volume p = polygon(3, rect(xy, -180, 10, -179.9, 10.1), 4);
    double gap = geo_distance_m(179.99, 10.05, 180, 10.05); /* ~1096 m to the meridian */
    dc_volume c = circle(4, 179.99, 10.05, gap + 1);
    expect(&p, &c, 0, 0, true);
    c.foot.radius_m = gap * 0.99;
    expect(&p, &c, 0, 0, false);
    expect(&p, &c, gap * 0.02, 0, true);
    /* a circle centred on 180 covers both sides */
    dc_volume m = circle(5, 180, 10.05, 500);
    expect(&p, &m, 0, 0, true);
    /* polygons on either side, touching along the anti-meridian */
    double xq[8];
    dc_volume q = polygon(6, rect(xq, 179.9, 10, 180, 10.1), 4);
    expect(&p, &q, 0, 0, true);
    q.foot.xy = rect(xq, 179.9, 10, 179.999999, 10.1); /* 0.11 m short of 180 */
    expect(&p, &q, 0, 0, false);
    expect(&p, &q, 1, 0, true);
}

static void test_poles(void **state) {
    (void)state;
    /* two circles on opposite meridians, 0.01 degrees from the pole */
    double d = geo_distance_m(0, 89.99, 180, 89.99);
    assert_true(d > 2000 && d < 2300);
    dc_volume a = circle(1, 0, 89.99, d / 2 + 0.5), b = circle(2, 180, 89.99, d / 2 + 0.5);
    expect(&a, &b, 0, 0, true);
    a.foot.radius_m = b.foot.radius_m = d / 2 - 0.5;
    expect(&a, &b, 0, 0, false);
    /* a circle over the pole meets a small one on any meridian */
    dc_volume p = circle(3, 45, 90, 5000), q = circle(4, -135, 89.96, 100);
    double dq = geo_distance_m(45, 90, -135, 89.96);
    expect(&p, &q, 0, 0, dq <= 5100);
    q.foot.lat = 89.9;
    expect(&p, &q, 0, 0, false); /* ~11 km from the pole */
    /* a polygon near the pole: never missed across the pole, far ones rejected */
    double xy[8];
    dc_volume s = polygon(5, rect(xy, 100, 89.4, 110, 89.45), 4);
    dc_volume c = circle(6, -80, 89.5, 125000);
    expect(&s, &c, 0, 0, true); /* ~117 km over the pole */
    c.foot.radius_m = 5000;
    expect(&s, &c, 0, 0, false);
}

/* ---- buffers ---- */

static void test_buffers(void **state) {
    (void)state;
    double xa[8], xb[8];
    dc_volume a = polygon(1, rect(xa, 37.0, 36.0, 37.1, 36.1), 4);
    double dlon = 0.011; /* ~ 990 m at 36.1 N */
    dc_volume b = polygon(2, rect(xb, 37.1 + dlon, 36.0, 37.2, 36.1), 4);
    double d = geo_distance_m(37.1, 36.1, 37.1 + dlon, 36.1); /* the nearest corners */
    expect(&a, &b, d, 0, true);
    expect(&a, &b, d * 0.999, 0, false); /* the frame is tighter than 0.1 % here */
    /* a circle east of a's east edge */
    double off = 0.02;
    dc_volume c = circle(3, 37.1 + off, 36.05, 500);
    double dc = geo_distance_m(37.1 + off, 36.05, 37.1, 36.05);
    expect(&a, &c, dc - 500 + 0.01, 0, true);
    expect(&a, &c, (dc - 500) * 0.995, 0, false);
    /* circles: the buffer adds to the radii */
    dc_volume e = circle(4, 37.0, 35.0, 100), f = circle(5, 37.0, 35.1, 100);
    double dd = geo_distance_m(37.0, 35.0, 37.0, 35.1);
    expect(&e, &f, dd - 200 + 1e-3, 0, true);
    expect(&e, &f, dd - 200 - 1e-3, 0, false);
}

/* ---- engine behaviour ---- */

static void test_filters_and_order(void **state) {
    (void)state;
    dc_engine *e = dc_engine_new();
    tr_err err = {0};
    int64_t ids[] = {900, -5, 42, 7, 100000000000LL};
    for (int i = 0; i < 5; i++) {
        dc_volume v = circle(ids[i], 37.15, 36.2, 1000 + i);
        v.owner = 10 + i % 2;
        v.kind = (uint32_t)i;
        assert_int_equal(dc_engine_insert(e, &v, &err), TR_OK);
    }
    dc_volume q = circle(0, 37.151, 36.2, 10);
    dc_query dq = {.vol = &q};
    dc_result r = {0};
    assert_int_equal(dc_engine_query(e, &dq, &r, &err), TR_OK);
    assert_int_equal(r.n, 5);
    int64_t sorted[] = {-5, 7, 42, 900, 100000000000LL};
    for (int i = 0; i < 5; i++) assert_true(r.hits[i].id == sorted[i]);
    assert_true(r.hits[0].owner == 11 && r.hits[0].kind == 1);
    dq.kinds = (1u << 0) | (1u << 3);
    assert_int_equal(dc_engine_query(e, &dq, &r, &err), TR_OK);
    assert_int_equal(r.n, 2);
    assert_true(r.hits[0].id == 7 && r.hits[1].id == 900);
    dq.kinds = 0;
    dq.exclude_owner = 10;
    assert_int_equal(dc_engine_query(e, &dq, &r, &err), TR_OK);
    assert_int_equal(r.n, 2);
    assert_true(r.hits[0].id == -5 && r.hits[1].id == 7);
    /* errors */
    dc_volume dup = circle(42, 1, 1, 1);
    assert_int_equal(dc_engine_insert(e, &dup, &err), TR_ECONFLICT);
    assert_int_equal(dc_engine_remove(e, 42), TR_OK);
    assert_int_equal(dc_engine_remove(e, 42), TR_ENOTFOUND);
    assert_int_equal(dc_engine_insert(e, &dup, &err), TR_OK); /* the id is free again */
    dc_volume bad = circle(50, 1, 1, 0);
    assert_int_equal(dc_engine_insert(e, &bad, &err), TR_EINVAL);
    assert_string_equal(err.field, "foot.radius_m");
    bad = circle(50, 1, 91, 10);
    assert_int_equal(dc_engine_insert(e, &bad, &err), TR_EINVAL);
    bad = circle(50, 1, 1, 10);
    bad.t_end = bad.t_start;
    assert_int_equal(dc_engine_insert(e, &bad, &err), TR_EINVAL);
    assert_string_equal(err.field, "t_end");
    bad.t_end = bad.t_start + 1, bad.kind = DC_KINDS;
    assert_int_equal(dc_engine_insert(e, &bad, &err), TR_EINVAL);
    double two[4] = {1, 1, 2, 2}, wide[6] = {-179, 0, 179, 0, 179, 1};
    bad = polygon(50, two, 2);
    assert_int_equal(dc_engine_insert(e, &bad, &err), TR_EINVAL);
    bad = polygon(50, wide, 3);
    assert_int_equal(dc_engine_insert(e, &bad, &err), TR_EINVAL);
    dq.sep.horizontal_m = -1;
    assert_int_equal(dc_engine_query(e, &dq, &r, &err), TR_EINVAL);
    assert_int_equal(dc_engine_size(e), 5);
    dc_result_free(&r);
    dc_engine_free(e);
}

static void test_from_tr_volume(void **state) {
    (void)state;
    const char *text =
        "{\"volume\":{\"outline_polygon\":{\"vertices\":[{\"lat\":36.1,\"lng\":37.1},{\"lat\":36.1,\"lng\":37.2},"
        "{\"lat\":36.2,\"lng\":37.2}]},\"altitude_lower\":{\"value\":0,\"reference\":\"W84\",\"units\":\"M\"},"
        "\"altitude_upper\":{\"value\":500,\"reference\":\"W84\",\"units\":\"M\"}},"
        "\"time_start\":{\"value\":\"2016-09-17T14:00:00Z\",\"format\":\"RFC3339\"},"
        "\"time_end\":{\"value\":\"2016-09-17T15:00:00Z\",\"format\":\"RFC3339\"}}";
    json_t *j = json_loads(text, 0, NULL);
    tr_volume tv;
    tr_err err = {0};
    assert_int_equal(tr_volume_parse(j, "", 0, &tv, &err), TR_OK);
    dc_volume v;
    dc_volume_from_tr(&tv, 77, 3, 2, &v);
    dc_engine *e = dc_engine_new();
    assert_int_equal(dc_engine_insert(e, &v, &err), TR_OK);
    dc_volume q = circle(0, 37.19, 36.11, 100); /* inside the triangle */
    dc_query dq = {.vol = &q};
    dc_result r = {0};
    assert_int_equal(dc_engine_query(e, &dq, &r, &err), TR_OK);
    assert_int_equal(r.n, 1);
    assert_true(r.hits[0].id == 77 && r.hits[0].owner == 3 && r.hits[0].kind == 2);
    q.foot.lon = 37.11, q.foot.lat = 36.19; /* north-west of the hypotenuse, ~5 km away */
    assert_int_equal(dc_engine_query(e, &dq, &r, &err), TR_OK);
    assert_int_equal(r.n, 0);
    /* a site footprint through GeoJSON */
    json_t *g = json_loads("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[37.0,36.0],[37.05,36.0],[37.05,36.05],"
                           "[37.0,36.0]]],[[[37.11,36.11],[37.12,36.11],[37.12,36.12],[37.11,36.11]]]]}",
                           0, NULL);
    dc_footprint_buf fb;
    assert_int_equal(dc_footprint_from_geojson(g, &fb, &err), TR_OK);
    dc_volume site = {.id = 78, .kind = 5, .t_start = 0, .t_end = TR_TIME_OPEN, .alt_lo = -INFINITY,
                      .alt_hi = INFINITY, .foot = fb.foot};
    assert_int_equal(dc_engine_insert(e, &site, &err), TR_OK);
    q.foot.lon = 37.118, q.foot.lat = 36.112; /* inside both the triangle and the site */
    dq.kinds = 1u << 5;
    assert_int_equal(dc_engine_query(e, &dq, &r, &err), TR_OK);
    assert_int_equal(r.n, 1);
    assert_true(r.hits[0].id == 78);
    dc_footprint_buf_free(&fb);
    json_decref(g);
    dc_result_free(&r);
    dc_engine_free(e);
    tr_volume_clear(&tv);
    json_decref(j);
}

/* ---- randomized cross-check ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r) {
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t x = r->s;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    return x ^ (x >> 33);
}

static double uni(rng *r, double a, double b) {
    return a + (b - a) * ((double)(next(r) >> 11) / 9007199254740992.0);
}

#define MAXV 24

typedef struct gen {
    dc_volume v;
    double xy[2 * MAXV];
} gen;

/* A random volume: mostly over a Syria-sized box, some across the anti-meridian, some
 * near the north pole; circles and star-shaped polygons; some open-ended or unbounded. */
static void random_volume(rng *r, int64_t id, gen *g) {
    double region = uni(r, 0, 1), lon, lat;
    if (region < 0.7) lon = uni(r, 36, 38), lat = uni(r, 35, 37);
    else if (region < 0.85) lon = uni(r, 179.7, 180), lat = uni(r, -1, 1);
    else lon = uni(r, -180, 180), lat = uni(r, 89.6, 89.95);
    if (region >= 0.7 && region < 0.85 && uni(r, 0, 1) < 0.5) lon -= 360; /* west of 180 */
    if (lon < -180) lon += 360;
    double rad = uni(r, 100, 15000);
    memset(&g->v, 0, sizeof g->v);
    g->v.id = id;
    g->v.owner = 1 + (int64_t)(next(r) % 4);
    g->v.kind = (uint32_t)(next(r) % 4);
    g->v.t_start = T0 + (int64_t)uni(r, 0, 5 * 86400);
    g->v.t_end = uni(r, 0, 1) < 0.05 ? TR_TIME_OPEN : g->v.t_start + 600 + (int64_t)uni(r, 0, 86400);
    g->v.alt_lo = uni(r, 0, 9000);
    g->v.alt_hi = g->v.alt_lo + uni(r, 50, 3000);
    if (uni(r, 0, 1) < 0.05) g->v.alt_lo = -INFINITY, g->v.alt_hi = INFINITY;
    bool near_pole = lat > 89;
    if (uni(r, 0, 1) < 0.5) {
        g->v.foot = (dc_footprint){.shape = DC_CIRCLE, .lon = lon, .lat = lat, .radius_m = rad};
        return;
    }
    /* star-shaped ring in degrees, kept inside [-180, 180] and away from the pole */
    size_t n = 3 + next(r) % (MAXV - 3);
    double kx = 1 / (111.32 * cos(lat * M_PI / 180)), ky = 1 / 110.574, phase = uni(r, 0, 6.283);
    if (near_pole) kx = 0.2, rad = fmin(rad, 3000); /* narrow lon/lat "wedges" near the pole */
    for (size_t i = 0; i < n; i++) {
        double a = phase + 2 * M_PI * ((double)i + uni(r, -0.3, 0.3)) / (double)n, f = uni(r, 0.5, 1);
        double x = lon + f * rad / 1000 * cos(a) * kx, y = lat + f * rad / 1000 * sin(a) * ky;
        g->xy[2 * i] = fmax(-180, fmin(180, x));
        g->xy[2 * i + 1] = fmin(89.999, y);
    }
    g->v.foot = (dc_footprint){.shape = DC_POLYGON, .xy = g->xy, .npos = n};
}

/* Runs nq random queries through the index and the scan; both must return the same ids. */
static size_t cross_check(dc_engine *e, rng *r, int nq) {
    static const double hs[] = {0, 0, 0, 300, 5000}, vs[] = {0, 0, 150};
    dc_result a = {0}, b = {0};
    tr_err err = {0};
    size_t total = 0, candidates = 0, scanned = 0;
    gen q;
    for (int i = 0; i < nq; i++) {
        random_volume(r, 0, &q);
        dc_query dq = {.vol = &q.v};
        dq.sep.horizontal_m = hs[next(r) % 5];
        dq.sep.vertical_m = vs[next(r) % 3];
        if (next(r) % 4 == 0) dq.kinds = (uint32_t)(next(r) % 16);
        if (next(r) % 4 == 0) dq.exclude_owner = 1 + (int64_t)(next(r) % 4);
        assert_int_equal(dc_engine_query(e, &dq, &a, &err), TR_OK);
        assert_int_equal(dc_engine_query_scan(e, &dq, &b, &err), TR_OK);
        if (a.n != b.n) fail_msg("query %d: index %zu hits, scan %zu", i, a.n, b.n);
        for (size_t k = 0; k < a.n; k++) {
            assert_true(a.hits[k].id == b.hits[k].id);
            if (k) assert_true(a.hits[k - 1].id < a.hits[k].id);
        }
        total += a.n;
        candidates += a.candidates;
        scanned += b.candidates;
    }
    assert_true(candidates * 4 < scanned); /* the index does prune */
    dc_result_free(&a);
    dc_result_free(&b);
    return total;
}

static void test_random_cross_check(void **state) {
    (void)state;
    rng r = {12345};
    dc_engine *e = dc_engine_new();
    tr_err err = {0};
    enum { N = 5000, EXTRA = 2000 };
    gen g;
    for (int64_t id = 1; id <= N; id++) {
        random_volume(&r, id, &g);
        if (dc_engine_insert(e, &g.v, &err) != TR_OK) fail_msg("insert %lld: %s: %s", (long long)id, err.field, err.msg);
    }
    dc_stats st;
    dc_engine_stats(e, &st);
    assert_int_equal(st.volumes, N);
    assert_true(st.trees >= 1 && st.trees <= 5); /* logarithmic levels, not a tail */
    size_t hits = cross_check(e, &r, 300);
    assert_true(hits > 300); /* the queries are not all empty */
    /* remove 40 %, including whole runs, then check again */
    for (int64_t id = 1; id <= N; id++)
        if (next(&r) % 5 < 2) assert_int_equal(dc_engine_remove(e, id), TR_OK);
    cross_check(e, &r, 200);
    /* insert more (new ids and some removed ones again), pack, check */
    for (int64_t id = N + 1; id <= N + EXTRA; id++) {
        random_volume(&r, id, &g);
        assert_int_equal(dc_engine_insert(e, &g.v, &err), TR_OK);
    }
    for (int64_t id = 1; id <= 300; id++) {
        random_volume(&r, id, &g);
        int rc = dc_engine_insert(e, &g.v, &err);
        assert_true(rc == TR_OK || rc == TR_ECONFLICT);
    }
    cross_check(e, &r, 200);
    assert_int_equal(dc_engine_pack(e), TR_OK);
    dc_engine_stats(e, &st);
    assert_int_equal(st.trees, 1);
    assert_int_equal(st.buffered, 0);
    assert_int_equal(st.dead, 0);
    cross_check(e, &r, 200);
    /* remove more than half of the packed tree: it is rebuilt, the dead are purged */
    size_t before = st.volumes;
    for (int64_t id = 1; id <= N; id++) (void)dc_engine_remove(e, id);
    dc_engine_stats(e, &st);
    assert_true(st.volumes == EXTRA && st.volumes < before && st.dead <= st.volumes);
    cross_check(e, &r, 50);
    dc_engine_free(e);
}

/* Bulk loading (issue 19): volumes inserted between dc_engine_load_begin and the pack,
 * some removed before it, answer every query as an engine filled one by one does, and the
 * index and the scan agree; tags come back in the hits. */
static void test_bulk_load(void **state) {
    (void)state;
    rng r = {777}, rq = {4242};
    dc_engine *bulk = dc_engine_new(), *one = dc_engine_new();
    tr_err err = {0};
    enum { N = 6000 };
    gen g;
    dc_built *built = dc_built_new();
    dc_engine_load_begin(bulk);
    for (int64_t id = 1; id <= N; id++) { /* half one by one, half built ahead in batches */
        random_volume(&r, id, &g);
        g.v.tag = (uint32_t)(id * 7);
        if (id % 2)
            assert_int_equal(dc_engine_insert(bulk, &g.v, &err), TR_OK);
        else
            assert_int_equal(dc_built_add(built, &g.v, &err), TR_OK);
        if (dc_built_size(built) == 100)
            assert_int_equal(dc_engine_insert_built(bulk, built, NULL, &err), TR_OK);
        assert_int_equal(dc_engine_insert(one, &g.v, &err), TR_OK);
    }
    assert_int_equal(dc_engine_insert_built(bulk, built, NULL, &err), TR_OK);
    random_volume(&r, 3, &g); /* a held id: refused, the rest of the batch dropped */
    assert_int_equal(dc_built_add(built, &g.v, &err), TR_OK);
    random_volume(&r, N + 100, &g);
    assert_int_equal(dc_built_add(built, &g.v, &err), TR_OK);
    int64_t failed = 0;
    assert_int_equal(dc_engine_insert_built(bulk, built, &failed, &err), TR_ECONFLICT);
    assert_int_equal(failed, 3);
    assert_int_equal(dc_built_size(built), 0);
    dc_built_free(built);
    for (int64_t id = 5; id <= N; id += 9) { /* removed while loading: their slots are free again */
        assert_int_equal(dc_engine_remove(bulk, id), TR_OK);
        assert_int_equal(dc_engine_remove(one, id), TR_OK);
    }
    assert_int_equal(dc_engine_pack(bulk), TR_OK);
    dc_stats st;
    dc_engine_stats(bulk, &st);
    assert_int_equal(st.trees, 1);
    assert_int_equal(st.buffered, 0);
    assert_int_equal(st.volumes, dc_engine_size(one));
    dc_result a = {0}, b = {0};
    for (int i = 0; i < 300; i++) {
        random_volume(&rq, 0, &g);
        dc_query q = {.vol = &g.v, .sep = {i % 3 ? 0 : 2000, i % 2 ? 0 : 150}};
        assert_int_equal(dc_engine_query(bulk, &q, &a, &err), TR_OK);
        assert_int_equal(dc_engine_query(one, &q, &b, &err), TR_OK);
        assert_int_equal(a.n, b.n);
        for (size_t k = 0; k < a.n; k++) {
            assert_true(a.hits[k].id == b.hits[k].id);
            assert_int_equal(a.hits[k].tag, (uint32_t)(a.hits[k].id * 7));
        }
    }
    cross_check(bulk, &rq, 100);
    random_volume(&r, N + 1, &g); /* after the pack, inserts are indexed one by one again */
    assert_int_equal(dc_engine_insert(bulk, &g.v, &err), TR_OK);
    dc_query q = {.vol = &g.v};
    assert_int_equal(dc_engine_query(bulk, &q, &a, &err), TR_OK);
    bool found = false;
    for (size_t k = 0; k < a.n; k++)
        found |= a.hits[k].id == N + 1;
    assert_true(found);
    dc_engine_write_begin(bulk);
    dc_volume held;
    assert_int_equal(dc_engine_volume_held(bulk, N + 1, &held), TR_OK);
    assert_int_equal(dc_engine_volume_held(bulk, 5, &held), TR_ENOTFOUND);
    dc_engine_write_end(bulk);
    dc_result_free(&a);
    dc_result_free(&b);
    dc_engine_free(bulk);
    dc_engine_free(one);
}

/* ---- planar polygons against GEOS ---- */

static GEOSGeometry *geos_ring(GEOSContextHandle_t h, const double *xy, size_t n) {
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n + 1, 2);
    for (size_t i = 0; i <= n; i++) {
        GEOSCoordSeq_setX_r(h, cs, (unsigned)i, xy[2 * (i % n)]);
        GEOSCoordSeq_setY_r(h, cs, (unsigned)i, xy[2 * (i % n) + 1]);
    }
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, cs), NULL, 0);
}

/* Star polygons on a coarse grid (shared vertices, collinear and touching edges are
 * frequent): the engine's exact planar test must agree with GEOSIntersects. */
static void test_planar_against_geos(void **state) {
    (void)state;
    GEOSContextHandle_t h = GEOS_init_r();
    rng r = {777};
    int agree = 0, touching = 0;
    for (int i = 0; i < 3000; i++) {
        double xy[2][2 * MAXV];
        size_t n[2];
        for (int k = 0; k < 2; k++) {
            n[k] = 3 + next(&r) % 8;
            double cx = 37 + 0.01 * (double)(next(&r) % 6), cy = 36 + 0.01 * (double)(next(&r) % 6);
            double rad = 0.01 * (double)(1 + next(&r) % 3), phase = uni(&r, 0, 6.283);
            for (size_t j = 0; j < n[k]; j++) {
                double a = phase + 2 * M_PI * (double)j / (double)n[k];
                xy[k][2 * j] = round((cx + rad * cos(a)) * 200) / 200; /* a 0.005-degree grid */
                xy[k][2 * j + 1] = round((cy + rad * sin(a)) * 200) / 200;
            }
        }
        GEOSGeometry *ga = geos_ring(h, xy[0], n[0]), *gb = geos_ring(h, xy[1], n[1]);
        if (GEOSisValid_r(h, ga) == 1 && GEOSisValid_r(h, gb) == 1) {
            dc_volume a = polygon(1, xy[0], n[0]), b = polygon(2, xy[1], n[1]);
            bool want = GEOSIntersects_r(h, ga, gb) == 1;
            touching += want && GEOSTouches_r(h, ga, gb) == 1;
            expect(&a, &b, 0, 0, want);
            agree++;
        }
        GEOSGeom_destroy_r(h, ga);
        GEOSGeom_destroy_r(h, gb);
    }
    GEOS_finish_r(h);
    assert_true(agree > 1000);
    assert_true(touching > 20); /* boundary-only contacts were exercised */
}

/* ---- concurrency ---- */

typedef struct reader_arg {
    dc_engine *e;
    int queries;
    int failures;
} reader_arg;

static void *reader(void *p) {
    reader_arg *a = p;
    rng r = {(uint64_t)(uintptr_t)p};
    dc_result res = {0};
    gen q;
    for (int i = 0; i < a->queries; i++) {
        random_volume(&r, 0, &q);
        dc_query dq = {.vol = &q.v};
        if (dc_engine_query(a->e, &dq, &res, NULL) != TR_OK) a->failures++;
        for (size_t k = 1; k < res.n; k++)
            if (res.hits[k - 1].id >= res.hits[k].id) a->failures++;
    }
    dc_result_free(&res);
    return NULL;
}

static void test_readers_and_writer(void **state) {
    (void)state;
    dc_engine *e = dc_engine_new();
    reader_arg args[2] = {{e, 400, 0}, {e, 400, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, reader, &args[i]);
    rng r = {99};
    gen g;
    for (int64_t id = 1; id <= 3000; id++) {
        random_volume(&r, id, &g);
        assert_int_equal(dc_engine_insert(e, &g.v, NULL), TR_OK);
        if (id % 3 == 0) assert_int_equal(dc_engine_remove(e, id - 1), TR_OK);
    }
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    assert_int_equal(args[0].failures + args[1].failures, 0);
    assert_int_equal(dc_engine_size(e), 2000);
    dc_engine_free(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_half_open),
        cmocka_unit_test(test_altitude_closed),
        cmocka_unit_test(test_polygon_edges),
        cmocka_unit_test(test_holes),
        cmocka_unit_test(test_circles_exact),
        cmocka_unit_test(test_antimeridian),
        cmocka_unit_test(test_poles),
        cmocka_unit_test(test_buffers),
        cmocka_unit_test(test_filters_and_order),
        cmocka_unit_test(test_from_tr_volume),
        cmocka_unit_test(test_random_cross_check),
        cmocka_unit_test(test_bulk_load),
        cmocka_unit_test(test_planar_against_geos),
        cmocka_unit_test(test_readers_and_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
