/*
 * test_territory.c — area arithmetic of issue 6: geo regions (union, intersection,
 * difference, geodesic measure) against geo_shape_area_m2 and PROJ directly; the
 * territory engine's control, contested and changed-hands figures; and the mine
 * action land-release rule (tr_progress_fits).
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
#include <geodesic.h>

#include "domain/mine.h"
#include "engines/territory.h"
#include "geo/region.h"

#define assert_near(a, b, eps)                                                                              \
    do {                                                                                                    \
        double a_ = (a), b_ = (b);                                                                          \
        if (!(fabs(a_ - b_) <= (eps))) fail_msg("%s = %.17g, expected %.17g +- %g", #a, a_, b_, (double)(eps)); \
    } while (0)

static const geo_limits LIM = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};

/* A lon/lat box [x0, x0 + w] x [y0, y0 + h] as a shape. */
static geo_shape *box(double x0, double y0, double w, double h) {
    char buf[512];
    snprintf(buf, sizeof buf,
             "{\"type\":\"Polygon\",\"coordinates\":[[[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],"
             "[%.17g,%.17g]]]}",
             x0, y0, x0 + w, y0, x0 + w, y0 + h, x0, y0 + h, x0, y0);
    json_t *g = json_loads(buf, 0, NULL);
    geo_shape *s = NULL;
    tr_err err = {0};
    assert_int_equal(geo_shape_from_geojson(g, 0, &LIM, &s, &err), TR_OK);
    json_decref(g);
    return s;
}

static geo_region *region(const geo_shape *s) {
    geo_region *r = NULL;
    tr_err err = {0};
    assert_int_equal(geo_region_from_shape(s, &r, &err), TR_OK);
    return r;
}

/* PROJ's geodesic area of the box, computed here without truce's code. */
static double proj_box_m2(double x0, double y0, double w, double h) {
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1.0 / 298.257223563);
    double lats[] = {y0, y0, y0 + h, y0 + h}, lons[] = {x0, x0 + w, x0 + w, x0}, area = 0;
    geod_polygonarea(&g, lats, lons, 4, &area, NULL);
    return fabs(area);
}

static void test_region_area_matches_shape_and_proj(void **state) {
    (void)state;
    double boxes[][4] = {{36.0, 36.0, 0.1, 0.1}, {38.26, 34.545, 0.012, 0.012}, {-10, -60, 20, 5}, {170, 0, 9.9, 1}};
    for (size_t i = 0; i < sizeof boxes / sizeof *boxes; i++) {
        geo_shape *s = box(boxes[i][0], boxes[i][1], boxes[i][2], boxes[i][3]);
        geo_region *r = region(s);
        double want = proj_box_m2(boxes[i][0], boxes[i][1], boxes[i][2], boxes[i][3]);
        assert_near(geo_region_area_m2(r), geo_shape_area_m2(s), 1e-9 * want);
        assert_near(geo_region_area_m2(r), want, 1e-9 * want);
        geo_region_free(r);
        geo_shape_free(s);
    }
}

static void test_hole_and_multipolygon(void **state) {
    (void)state;
    json_t *g = json_loads("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,1],[0,0]],"
                           "[[0.25,0.25],[0.25,0.75],[0.75,0.75],[0.75,0.25],[0.25,0.25]]],"
                           "[[[2,0],[3,0],[3,1],[2,1],[2,0]]]]}",
                           0, NULL);
    geo_shape *s = NULL;
    tr_err err = {0};
    assert_int_equal(geo_shape_from_geojson(g, 0, &LIM, &s, &err), TR_OK);
    geo_region *r = region(s);
    double want = 2 * proj_box_m2(0, 0, 1, 1) - proj_box_m2(0.25, 0.25, 0.5, 0.5);
    assert_near(geo_region_area_m2(r), want, 1e-6 * want);
    assert_near(geo_region_area_m2(r), geo_shape_area_m2(s), 1e-6 * want);
    geo_region_free(r);
    geo_shape_free(s);
    json_decref(g);
}

/* |A u B| = |A| + |B| - |A n B|, |A - B| + |A n B| = |A|, and an empty union is empty.
 * Overlays are planar in lon/lat and measures geodesic (edges are geodesics between the
 * vertices), so a vertex inserted on an edge moves it by the gap between the straight
 * lon/lat line and the geodesic: with edges of k degrees the sums hold to about
 * 1e-3 * k relative at 36 N (docs/territory.md). Checked at 0.2 and at 0.002 degrees. */
static void check_inclusion_exclusion(double k, double rel) {
    geo_shape *sa = box(36.0, 36.0, k, k / 2), *sb = box(36.0 + k / 2, 36.0 + k / 4, k, k / 2);
    geo_region *a = region(sa), *b = region(sb), *u = NULL, *i = NULL, *d = NULL, *e = NULL;
    geo_region *parts[] = {a, b};
    tr_err err = {0};
    assert_int_equal(geo_region_union(parts, 2, &u, &err), TR_OK);
    assert_int_equal(geo_region_intersection(a, b, &i, &err), TR_OK);
    assert_int_equal(geo_region_difference(a, b, &d, &err), TR_OK);
    double A = geo_region_area_m2(a), B = geo_region_area_m2(b), I = geo_region_area_m2(i);
    assert_near(I, proj_box_m2(36.0 + k / 2, 36.0 + k / 4, k / 2, k / 4), rel * I);
    assert_near(geo_region_area_m2(u), A + B - I, rel * A);
    assert_near(geo_region_area_m2(d) + I, A, rel * A);
    assert_int_equal(geo_region_union(NULL, 0, &e, &err), TR_OK);
    assert_true(geo_region_is_empty(e));
    assert_true(geo_region_area_m2(e) == 0);
    geo_region *fs[] = {a, b, u, i, d, e};
    for (size_t j = 0; j < 6; j++) geo_region_free(fs[j]);
    geo_shape_free(sa);
    geo_shape_free(sb);
}

static void test_inclusion_exclusion(void **state) {
    (void)state;
    check_inclusion_exclusion(0.2, 3e-4);  /* 20 km edges */
    check_inclusion_exclusion(0.002, 3e-6); /* 200 m edges */
}

/* Two parties side by side, a third overlapping the first's eastern half. */
static void test_map_contested_ground(void **state) {
    (void)state;
    geo_shape *saa = box(60.0, 10.0, 0.2, 0.1), *sdf = box(60.0, 10.1, 0.2, 0.1), *opp = box(60.1, 10.0, 0.2, 0.1);
    terr_claim claims[] = {{"SAA", saa}, {"SDF", sdf}, {"Opposition", opp}};
    terr_map m;
    tr_err err = {0};
    assert_int_equal(terr_map_build(claims, 3, NULL, &m, &err), TR_OK);
    assert_int_equal(m.n, 3);
    assert_string_equal(m.owners[0].owner, "Opposition"); /* sorted */
    double overlap = proj_box_m2(60.1, 10.0, 0.1, 0.1);
    const terr_owner *s = terr_map_find(&m, "SAA");
    assert_non_null(s);
    assert_near(s->claimed_m2, geo_shape_area_m2(saa), 1e-6 * s->claimed_m2);
    assert_near(s->controlled_m2, geo_shape_area_m2(saa) - overlap, 1e-6 * s->claimed_m2);
    assert_near(m.contested_m2, overlap, 1e-6 * s->claimed_m2);
    double sum = 0;
    for (size_t k = 0; k < m.n; k++) sum += m.owners[k].controlled_m2;
    assert_near(sum + m.contested_m2, m.claimed_m2, 1e-6 * m.claimed_m2);
    assert_null(terr_map_find(&m, "ISIS"));
    /* restricted to SAA's western half: only SAA, uncontested */
    geo_region *west = region(saa);
    geo_shape *wsh = box(60.0, 10.0, 0.1, 0.1);
    geo_region *w = region(wsh);
    terr_map mw;
    assert_int_equal(terr_map_build(claims, 3, w, &mw, &err), TR_OK);
    assert_near(terr_map_find(&mw, "SAA")->controlled_m2, geo_shape_area_m2(wsh), 1e-6 * geo_shape_area_m2(wsh));
    assert_true(terr_map_find(&mw, "Opposition")->claimed_m2 < 1e-3);
    terr_map_clear(&mw);
    terr_map_clear(&m);
    geo_region_free(w);
    geo_region_free(west);
    geo_shape_free(wsh);
    geo_shape_free(saa);
    geo_shape_free(sdf);
    geo_shape_free(opp);
}

/* SAA holds a box; later only its western half, the Opposition the eastern one. */
static void test_change_between_dates(void **state) {
    (void)state;
    geo_shape *whole = box(40.0, 30.0, 0.2, 0.1), *west = box(40.0, 30.0, 0.1, 0.1), *east = box(40.1, 30.0, 0.1, 0.1);
    terr_claim before[] = {{"SAA", whole}}, after[] = {{"SAA", west}, {"Opposition", east}};
    terr_map f, t;
    tr_err err = {0};
    assert_int_equal(terr_map_build(before, 1, NULL, &f, &err), TR_OK);
    assert_int_equal(terr_map_build(after, 2, NULL, &t, &err), TR_OK);
    terr_delta *d = NULL;
    size_t n = 0;
    double moved = 0, E = geo_shape_area_m2(east);
    assert_int_equal(terr_change(&f, &t, &d, &n, &moved, &err), TR_OK);
    assert_int_equal(n, 2);
    assert_near(moved, E, 1e-6 * E);
    assert_string_equal(d[0].owner, "Opposition");
    assert_near(d[0].gained_m2, E, 1e-6 * E);
    assert_true(d[0].from_m2 == 0 && d[0].lost_m2 < 1e-3);
    assert_near(d[1].lost_m2, E, 1e-6 * E);
    assert_near(d[1].to_m2 - d[1].from_m2, -E, 1e-6 * E);
    free(d);
    /* no change: nothing moved */
    assert_int_equal(terr_change(&t, &t, &d, &n, &moved, &err), TR_OK);
    assert_true(moved < 1e-3);
    free(d);
    terr_map_clear(&f);
    terr_map_clear(&t);
    geo_shape_free(whole);
    geo_shape_free(west);
    geo_shape_free(east);
}

static void test_land_release_rule(void **state) {
    (void)state;
    tr_err err = {0};
    tr_progress p = {.cleared_m2 = 600, .reduced_m2 = 300, .cancelled_m2 = 100};
    assert_int_equal(tr_progress_fits(&p, 10000, 9000, &err), TR_OK); /* exactly what remains */
    assert_int_equal(tr_progress_fits(&p, 10000, 9001, &err), TR_EINVAL);
    assert_string_equal(err.field, "cancelled_m2");
    assert_int_equal(tr_progress_fits(&p, 10000, 9200, &err), TR_EINVAL);
    assert_string_equal(err.field, "reduced_m2");
    assert_int_equal(tr_progress_fits(&p, 500, 0, &err), TR_EINVAL);
    assert_string_equal(err.field, "cleared_m2");
    tr_progress zero = {0};
    assert_int_equal(tr_progress_fits(&zero, 10, 10, &err), TR_OK);
    assert_int_equal(tr_progress_fits(&zero, 10, 20, &err), TR_OK); /* over-released before: nothing more */
    tr_progress one = {.cancelled_m2 = 1};
    assert_int_equal(tr_progress_fits(&one, 10, 20, &err), TR_EINVAL);
    /* parsing: whole, non-negative square metres */
    const char *bad[] = {"{\"date\":\"2016-01-01\",\"cleared_m2\":-1}", "{\"date\":\"2016-01-01\",\"cleared_m2\":0.5}",
                         "{\"date\":\"2016-01-01\",\"reduced_m2\":1e13}", "{\"cleared_m2\":1}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *b = json_loads(bad[i], 0, NULL);
        tr_progress q;
        assert_int_equal(tr_progress_parse(b, &q, &err), TR_EINVAL);
        json_decref(b);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region_area_matches_shape_and_proj),
        cmocka_unit_test(test_hole_and_multipolygon),
        cmocka_unit_test(test_inclusion_exclusion),
        cmocka_unit_test(test_map_contested_ground),
        cmocka_unit_test(test_change_between_dates),
        cmocka_unit_test(test_land_release_rule),
    };
    return cmocka_run_group_tests_name("territory", tests, NULL, NULL);
}
