/*
 * test_coarsen.c — coarsened footprints (geo/coarsen.h): the coarsened shape always
 * contains the true one (checked point by point and through the deconfliction engine's
 * own pair test with a buffer, on random footprints and random probes), the offset is
 * drawn from the secret (deterministic, within the margin, uniform over the disc: mean
 * 2m/3), margin 0 is the footprint itself, the anti-meridian and the poles fall back to
 * a disc, and bad input is refused.
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

#include "engines/deconflict.h"
#include "geo/coarsen.h"
#include "geo/geo.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void) { /* splitmix64: fixed seed, reproducible */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double urand(double lo, double hi) {
    return lo + (hi - lo) * (double)(rng() >> 11) * 0x1p-53;
}

static void secret_fill(uint8_t s[GEO_SECRET_LEN]) {
    for (size_t i = 0; i < GEO_SECRET_LEN; i++)
        s[i] = (uint8_t)rng();
}

/* A dc volume over all time and altitudes with footprint f. */
static dc_volume vol_of(const geo_footprint *f) {
    dc_volume v = {.t_start = 0, .t_end = 1000, .alt_lo = -INFINITY, .alt_hi = INFINITY};
    if (f->is_disc)
        v.foot = (dc_footprint){.shape = DC_CIRCLE, .lon = f->lon, .lat = f->lat, .radius_m = f->radius_m};
    else
        v.foot = (dc_footprint){.shape = DC_POLYGON,
                                .xy = f->xy,
                                .npos = f->npos,
                                .ring_start = f->ring_start,
                                .nrings = f->nrings};
    return v;
}

static bool conflicts(const geo_footprint *a, const geo_footprint *b, double h) {
    dc_volume va = vol_of(a), vb = vol_of(b);
    dc_sep sep = {h, 0};
    bool out = false;
    tr_err err = {0};
    assert_int_equal(dc_pair_conflict(&va, &vb, &sep, &out, &err), TR_OK);
    return out;
}

/* A random star-shaped ring of n vertices around (lon, lat), radius up to r degrees. */
static void star(double lon, double lat, double r, size_t n, double *xy) {
    for (size_t i = 0; i < n; i++) {
        double a = 2 * M_PI * (double)i / (double)n, rr = r * urand(0.3, 1.0);
        xy[2 * i] = lon + rr * cos(a);
        xy[2 * i + 1] = lat + rr * sin(a) * 0.8;
    }
    xy[2 * n] = xy[0];
    xy[2 * n + 1] = xy[1];
}

static void test_offset_from_secret(void **state) {
    (void)state;
    uint8_t s[GEO_SECRET_LEN];
    double sum = 0, max = 0;
    const int n = 4000;
    for (int i = 0; i < n; i++) {
        secret_fill(s);
        double d, az, d2, az2;
        geo_coarse_offset(s, 2000, &d, &az);
        geo_coarse_offset(s, 2000, &d2, &az2);
        assert_true(d == d2 && az == az2); /* deterministic */
        assert_true(d >= 0 && d <= 2000 && az >= 0 && az < 360);
        sum += d;
        max = fmax(max, d);
    }
    /* Uniform over the disc: mean 2m/3 = 1333 m (standard error ~7.5 m here). */
    assert_true(fabs(sum / n - 4000.0 / 3) < 50);
    assert_true(max > 1950);
}

static void test_disc_contains_true_disc(void **state) {
    (void)state;
    uint8_t s[GEO_SECRET_LEN];
    for (int i = 0; i < 500; i++) {
        secret_fill(s);
        double m = urand(0, 5000), r = urand(10, 20000);
        geo_footprint f = {.is_disc = true, .lon = urand(-179, 179), .lat = urand(-80, 80), .radius_m = r};
        geo_coarse c;
        tr_err err = {0};
        assert_int_equal(geo_coarsen(&f, m, s, &c, &err), TR_OK);
        assert_true(c.foot.is_disc);
        assert_true(c.offset_m <= m);
        /* The triangle inequality, checked: the true centre is within R - r of C's. */
        double d = geo_distance_m(f.lon, f.lat, c.foot.lon, c.foot.lat);
        assert_true(d <= c.foot.radius_m - r + 1e-6);
        assert_true(fabs(d - c.offset_m) < 1e-6 * (1 + d));
        assert_true(c.foot.radius_m <= r + m + 1.0);
        /* Any probe conflicting with F under a 500 m buffer conflicts with C. */
        for (int k = 0; k < 20; k++) {
            geo_footprint q = {.is_disc = true,
                               .lon = f.lon + urand(-0.3, 0.3),
                               .lat = f.lat + urand(-0.3, 0.3),
                               .radius_m = urand(1, 3000)};
            if (conflicts(&q, &f, 500)) assert_true(conflicts(&q, &c.foot, 500));
        }
        geo_coarse_free(&c);
    }
}

static void test_rings_contain_true_rings(void **state) {
    (void)state;
    uint8_t s[GEO_SECRET_LEN];
    double xy[2 * 41];
    int grown = 0;
    for (int i = 0; i < 300; i++) {
        secret_fill(s);
        size_t n = 3 + rng() % 38;
        double lon = urand(-170, 170), lat = urand(-70, 70), m = urand(100, 5000);
        star(lon, lat, urand(0.001, 0.3), n, xy);
        geo_footprint f = {.xy = xy, .npos = n + 1};
        geo_coarse c;
        tr_err err = {0};
        assert_int_equal(geo_coarsen(&f, m, s, &c, &err), TR_OK);
        grown += !c.fell_back;
        /* Every vertex of F inside C (through the engine: a tiny disc at the vertex meets C). */
        for (size_t k = 0; k < n; k++) {
            geo_footprint p = {.is_disc = true, .lon = xy[2 * k], .lat = xy[2 * k + 1], .radius_m = 0.001};
            assert_true(conflicts(&p, &c.foot, 0));
        }
        /* Random probes: F within 500 m implies C within 500 m. */
        for (int k = 0; k < 30; k++) {
            double qxy[2 * 9];
            star(lon + urand(-0.4, 0.4), lat + urand(-0.4, 0.4), urand(0.0005, 0.05), 8, qxy);
            geo_footprint q = {.xy = qxy, .npos = 9};
            if (conflicts(&q, &f, 500)) assert_true(conflicts(&q, &c.foot, 500));
            if (conflicts(&q, &f, 0)) assert_true(conflicts(&q, &c.foot, 0));
        }
        /* Not absurdly large: grown by about m, moved by at most m. */
        double fr = 0, cr = 0;
        for (size_t k = 0; k < n; k++)
            fr = fmax(fr, geo_distance_m(lon, lat, xy[2 * k], xy[2 * k + 1]));
        for (size_t k = 0; !c.fell_back && k < c.foot.npos; k++)
            cr = fmax(cr, geo_distance_m(lon, lat, c.foot.xy[2 * k], c.foot.xy[2 * k + 1]));
        assert_true(cr <= 1.05 * fr + 2.2 * m + 10);
        geo_coarse_free(&c);
    }
    assert_true(grown > 290); /* the outline, not the fallback disc, away from 180 and the poles */
}

static void test_margin_zero_is_the_footprint(void **state) {
    (void)state;
    uint8_t s[GEO_SECRET_LEN];
    secret_fill(s);
    double xy[] = {36.0, 35.0, 36.1, 35.0, 36.1, 35.1, 36.0, 35.1, 36.0, 35.0};
    geo_footprint f = {.xy = xy, .npos = 5};
    geo_coarse c;
    assert_int_equal(geo_coarsen(&f, 0, s, &c, NULL), TR_OK);
    assert_int_equal(c.foot.npos, 5);
    assert_memory_equal(c.foot.xy, xy, sizeof xy);
    geo_coarse_free(&c);
    geo_footprint d = {.is_disc = true, .lon = 36, .lat = 35, .radius_m = 300};
    assert_int_equal(geo_coarsen(&d, 0, s, &c, NULL), TR_OK);
    assert_true(c.foot.lon == 36 && c.foot.lat == 35 && c.foot.radius_m == 300);
    geo_coarse_free(&c);
}

static void test_antimeridian_and_pole_fall_back_to_a_disc(void **state) {
    (void)state;
    uint8_t s[GEO_SECRET_LEN];
    secret_fill(s);
    double east[] = {179.99, 10.0, 180.0, 10.0, 180.0, 10.01, 179.99, 10.01, 179.99, 10.0};
    double pole[] = {0, 89.995, 90, 89.995, 180, 89.995, -90, 89.995, 0, 89.995};
    const double *cases[] = {east, pole};
    for (int i = 0; i < 2; i++) {
        geo_footprint f = {.xy = cases[i], .npos = 5};
        geo_coarse c;
        tr_err err = {0};
        assert_int_equal(geo_coarsen(&f, 2000, s, &c, &err), TR_OK);
        assert_true(c.fell_back && c.foot.is_disc);
        for (size_t k = 0; k < 4; k++)
            assert_true(geo_distance_m(c.foot.lon, c.foot.lat, cases[i][2 * k], cases[i][2 * k + 1]) <=
                        c.foot.radius_m);
        geo_coarse_free(&c);
    }
}

static void test_several_rings(void **state) {
    (void)state;
    uint8_t s[GEO_SECRET_LEN];
    secret_fill(s);
    /* A shell with a hole (even-odd), as a movement's looping route gives. */
    double xy[] = {36.0,  35.0,  36.2,  35.0,  36.2,  35.2,  36.0,  35.2,  36.0,  35.0,
                   36.05, 35.05, 36.15, 35.05, 36.15, 35.15, 36.05, 35.15, 36.05, 35.05};
    uint32_t starts[] = {0, 5, 10};
    geo_footprint f = {.xy = xy, .npos = 10, .ring_start = starts, .nrings = 2};
    geo_coarse c;
    assert_int_equal(geo_coarsen(&f, 1500, s, &c, NULL), TR_OK);
    assert_int_equal(c.foot.nrings, 1); /* no hole: it would show the shape */
    geo_footprint hole = {.is_disc = true, .lon = 36.1, .lat = 35.1, .radius_m = 1};
    assert_true(conflicts(&hole, &c.foot, 0)); /* the hole is covered */
    assert_false(conflicts(&hole, &f, 0));
    geo_coarse_free(&c);
}

static void test_bad_input(void **state) {
    (void)state;
    uint8_t s[GEO_SECRET_LEN] = {0};
    double xy[] = {36.0, 35.0, 36.1, 35.0};
    geo_footprint f = {.xy = xy, .npos = 2};
    geo_coarse c;
    tr_err err = {0};
    assert_int_equal(geo_coarsen(&f, 100, s, &c, &err), TR_EINVAL);
    geo_footprint d = {.is_disc = true, .lon = 36, .lat = 35, .radius_m = 300};
    assert_int_equal(geo_coarsen(&d, -1, s, &c, &err), TR_EINVAL);
    assert_int_equal(geo_coarsen(&d, GEO_COARSEN_MAX_MARGIN_M + 1, s, &c, &err), TR_EINVAL);
    assert_int_equal(geo_coarsen(&d, NAN, s, &c, &err), TR_EINVAL);
    d.lat = 91;
    assert_int_equal(geo_coarsen(&d, 10, s, &c, &err), TR_EINVAL);
    geo_coarse_free(&c); /* zeroed on failure: safe */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offset_from_secret),
        cmocka_unit_test(test_disc_contains_true_disc),
        cmocka_unit_test(test_rings_contain_true_rings),
        cmocka_unit_test(test_margin_zero_is_the_footprint),
        cmocka_unit_test(test_antimeridian_and_pole_fall_back_to_a_disc),
        cmocka_unit_test(test_several_rings),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
