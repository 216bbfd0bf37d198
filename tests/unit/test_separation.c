/*
 * test_separation.c — the separation engine (issue 20; engines/separation.h) on shapes
 * drawn on a 0.5-degree grid, against PROJ's geodesic area of the grid cells computed
 * here: a designated area inside one party, one astride a front line (pieces that only
 * touch: the total is their sum), two overlapping areas (a group: one union), one far
 * from everything; parties that overlap (the total is then the union of the pieces);
 * and everything restricted to `within`.
 *
 * Every shape has a vertex at each grid line along its parallels, so every piece's edges
 * are geodesics between grid points and its area is the sum of its cells' areas.
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

#include "engines/separation.h"

#define STEP 0.5

#define assert_m2(a, b)                                                                                      \
    do {                                                                                                     \
        double a_ = (a), b_ = (b);                                                                           \
        if (!(fabs(a_ - b_) <= 1e-9 * fabs(b_) + 1e-3)) fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);  \
    } while (0)

static const geo_limits LIM = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};

/* The lon/lat box [x, x + w] x [y, y + h] (grid multiples) with a vertex at each grid line
 * along its parallels. */
static geo_shape *grid_box(double x, double y, double w, double h) {
    json_t *ring = json_array();
    int n = (int)lround(w / STEP);
    for (int i = 0; i <= n; i++)
        json_array_append_new(ring, json_pack("[f,f]", x + i * STEP, y));
    for (int i = n; i >= 0; i--)
        json_array_append_new(ring, json_pack("[f,f]", x + i * STEP, y + h));
    json_array_append_new(ring, json_pack("[f,f]", x, y));
    json_t *g = json_pack("{s:s, s:[o]}", "type", "Polygon", "coordinates", ring);
    geo_shape *s = NULL;
    tr_err err = {0};
    assert_int_equal(geo_shape_from_geojson(g, 0, &LIM, &s, &err), TR_OK);
    json_decref(g);
    return s;
}

/* PROJ's geodesic area of the box as the sum of its grid cells (computed here). */
static double cells_m2(double x, double y, double w, double h) {
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1.0 / 298.257223563);
    double sum = 0;
    for (double cx = x; cx < x + w - 1e-9; cx += STEP)
        for (double cy = y; cy < y + h - 1e-9; cy += STEP) {
            double lats[] = {cy, cy, cy + STEP, cy + STEP}, lons[] = {cx, cx + STEP, cx + STEP, cx}, a = 0;
            geod_polygonarea(&g, lats, lons, 4, &a, NULL);
            sum += fabs(a);
        }
    return sum;
}

typedef struct scene {
    geo_shape *party[2], *area[5];
    terr_claim claims[2];
    sep_area des[5];
} scene;

/* Parties A [0, 2 + overlap] x [0, 2] and B [2, 4] x [0, 2]; designated D1 inside A, D2
 * astride the front x = 2, D3 and D4 overlapping inside B, D5 far away. */
static void scene_make(scene *s, double overlap) {
    s->party[0] = grid_box(0, 0, 2 + overlap, 2);
    s->party[1] = grid_box(2, 0, 2, 2);
    s->area[0] = grid_box(0.5, 0.5, 0.5, 0.5);
    s->area[1] = grid_box(1.5, 1, 1, 0.5);
    s->area[2] = grid_box(3, 0, 0.5, 1);
    s->area[3] = grid_box(3, 0.5, 1.5, 1);
    s->area[4] = grid_box(10, 10, 0.5, 0.5);
    s->claims[0] = (terr_claim){"B", s->party[1]}; /* out of order: the engine sorts */
    s->claims[1] = (terr_claim){"A", s->party[0]};
    for (int i = 0; i < 5; i++)
        s->des[i] = (sep_area){i + 1, s->area[i]};
}

static void scene_free(scene *s) {
    for (int i = 0; i < 2; i++)
        geo_shape_free(s->party[i]);
    for (int i = 0; i < 5; i++)
        geo_shape_free(s->area[i]);
}

/* The scene (scene_make) measured into *r. */
static void scene_measure(scene *s, double overlap, const geo_region *within, sep_result *r) {
    tr_err err = {0};
    scene_make(s, overlap);
    assert_int_equal(sep_measure(s->claims, 2, s->des, 5, within, r, &err), TR_OK);
    assert_int_equal(r->n, 2);
    assert_string_equal(r->parties[0].party, "A");
}

static void test_groups_and_touching_parties(void **state) {
    (void)state;
    scene s;
    sep_result r;
    scene_measure(&s, 0, NULL, &r);
    double d34 = cells_m2(3, 0, 0.5, 1) + cells_m2(3, 0.5, 1.5, 1) - cells_m2(3, 0.5, 0.5, 0.5);
    assert_m2(r.area_m2[0], cells_m2(0.5, 0.5, 0.5, 0.5));
    assert_m2(r.area_m2[3], cells_m2(3, 0.5, 1.5, 1));
    assert_m2(r.designated_m2,
              cells_m2(0.5, 0.5, 0.5, 0.5) + cells_m2(1.5, 1, 1, 0.5) + d34 + cells_m2(10, 10, 0.5, 0.5));
    const sep_party *a = &r.parties[0], *b = &r.parties[1];
    assert_m2(a->claimed_m2, cells_m2(0, 0, 2, 2));
    assert_m2(a->by_area[0], cells_m2(0.5, 0.5, 0.5, 0.5));
    assert_m2(a->by_area[1], cells_m2(1.5, 1, 0.5, 0.5));
    assert_m2(a->by_area[2] + a->by_area[3] + a->by_area[4], 0);
    assert_m2(a->commingled_m2, cells_m2(0.5, 0.5, 0.5, 0.5) + cells_m2(1.5, 1, 0.5, 0.5));
    assert_m2(b->by_area[1], cells_m2(2, 1, 0.5, 0.5));
    assert_m2(b->by_area[2], cells_m2(3, 0, 0.5, 1));
    assert_m2(b->by_area[3], cells_m2(3, 0.5, 1, 1));
    double in_b = cells_m2(2, 1, 0.5, 0.5) + cells_m2(3, 0, 0.5, 1) + cells_m2(3, 0.5, 1, 1) -
                  cells_m2(3, 0.5, 0.5, 0.5);
    assert_m2(b->commingled_m2, in_b);
    assert_m2(r.commingled_m2, a->commingled_m2 + in_b);
    sep_result_clear(&r);
    scene_free(&s);
}

/* A claims [2, 2.5] x [0, 2] too: B's piece of D2 lies inside A's; counted once. */
static void test_overlapping_parties(void **state) {
    (void)state;
    scene s;
    sep_result r;
    scene_measure(&s, 0.5, NULL, &r);
    assert_m2(r.parties[0].by_area[1], cells_m2(1.5, 1, 1, 0.5));
    assert_m2(r.parties[1].by_area[1], cells_m2(2, 1, 0.5, 0.5));
    assert_m2(r.commingled_m2,
              r.parties[0].commingled_m2 + r.parties[1].commingled_m2 - cells_m2(2, 1, 0.5, 0.5));
    sep_result_clear(&r);
    scene_free(&s);
}

static void test_within(void **state) {
    (void)state;
    scene s;
    geo_shape *w = grid_box(0, 0, 3.5, 1);
    geo_region *within = NULL;
    sep_result r;
    tr_err err = {0};
    assert_int_equal(geo_region_from_shape(w, &within, &err), TR_OK);
    scene_measure(&s, 0, within, &r);
    assert_m2(r.area_m2[1], 0);
    assert_m2(r.area_m2[3], cells_m2(3, 0.5, 0.5, 0.5));
    assert_m2(r.parties[0].claimed_m2, cells_m2(0, 0, 2, 1));
    assert_m2(r.parties[0].commingled_m2, cells_m2(0.5, 0.5, 0.5, 0.5));
    assert_m2(r.parties[1].claimed_m2, cells_m2(2, 0, 1.5, 1));
    assert_m2(r.parties[1].commingled_m2, cells_m2(3, 0, 0.5, 1));
    assert_m2(r.parties[1].by_area[3], cells_m2(3, 0.5, 0.5, 0.5));
    assert_m2(r.commingled_m2, cells_m2(0.5, 0.5, 0.5, 0.5) + cells_m2(3, 0, 0.5, 1));
    assert_m2(r.designated_m2, cells_m2(0.5, 0.5, 0.5, 0.5) + cells_m2(3, 0, 0.5, 1));
    sep_result_clear(&r);
    geo_region_free(within);
    geo_shape_free(w);
    scene_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_and_touching_parties),
        cmocka_unit_test(test_overlapping_parties),
        cmocka_unit_test(test_within),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
