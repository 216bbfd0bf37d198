/*
 * test_traffic.c — unit tests of the traffic engine (src/engines/traffic.h), without a
 * socket or a store.
 *
 * Geometry of the encounters: head-on, crossing, overtaking, vertical convergence, and the
 * cases that must not alert (diverging, parallel tracks 6 km apart with 1,000 ft between
 * them, parallel tracks 6 NM apart at one level; and, to pin the rule, that 6 km at one
 * level is a loss of separation now). Then levels and their thresholds, hysteresis (a CPA
 * wavering around the minimum does not flap; a level falls only past the margin), stale
 * tracks, old data, parties, objects (operation volumes, sites below the altitude
 * limit, areas with holes, windows, circles), restoring a saved state, and a randomized
 * check that the index answers exactly what evaluating every pair answers.
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

#include "engines/traffic.h"
#include "engines/traffic_int.h"

#define LON0 38.0
#define LAT0 36.0
#define T0 1474279200000LL /* 2016-09-19T10:00:00Z in ms */
#define NM 1852.0
#define FT 0.3048

/* A position x m east and y m north of (LON0, LAT0), moving at (vx, vy, vz). */
static tf_pos at(int64_t track, int32_t party, double t_s, double x, double y, double alt, double vx,
                 double vy, double vz) {
    tf_frame f = tf_frame_at(LAT0);
    tf_pos p = {.track = track,
                .party = party,
                .at_ms = T0 + (int64_t)llround(t_s * 1000),
                .lon = LON0 + x / f.kx,
                .lat = LAT0 + y / f.ky,
                .alt = alt,
                .vx = vx,
                .vy = vy,
                .vz = vz};
    p.recv_ms = p.at_ms;
    return p;
}

static tf_engine *engine(bool brute) {
    tf_config c = tf_config_default();
    c.brute_force = brute;
    tf_engine *e = tf_engine_new(&c);
    assert_non_null(e);
    return e;
}

/* Feeds p; returns the number of changes and leaves them in out (reset first). */
static size_t feed(tf_engine *e, tf_pos p, tf_alerts *out) {
    out->n = 0;
    tr_err err = {0};
    assert_int_equal(tf_engine_update(e, &p, out, &err), TR_OK);
    return out->n;
}

/* ---- encounters ---- */

static void test_head_on(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    feed(e, at(1, 1, 0, 0, 0, 3000, 200, 0, 0), &a);
    assert_int_equal(feed(e, at(2, 2, 0, 30000, 0, 3000, -200, 0, 0), &a), 1);
    const tf_alert *x = &a.v[0];
    assert_int_equal(x->kind, TF_TRAFFIC);
    assert_int_equal(x->change, TF_RAISED);
    assert_int_equal(x->level, 2); /* (30,000 - 9,260) / 400 = 51.9 s */
    assert_true(fabs(x->t_los - 51.85) < 0.5);
    assert_true(fabs(x->t_cpa - 75) < 0.5);
    assert_true(x->h_sep < 100 && x->v_sep < 1);
    assert_int_equal(x->track, 2);
    assert_int_equal(x->other, 1);
    /* Closer: 30 s to LoS is level 3. */
    feed(e, at(1, 1, 22, 4400, 0, 3000, 200, 0, 0), &a);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.v[0].change, TF_ESCALATED);
    assert_int_equal(a.v[0].level, 3);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

static void test_crossing(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    feed(e, at(1, 1, 0, 0, -20000, 5000, 0, 200, 0), &a);
    assert_int_equal(feed(e, at(2, 2, 0, -20000, 0, 5000, 200, 0, 0), &a), 1);
    assert_int_equal(a.v[0].level, 1); /* sqrt(2) |20,000 - 200 t| < 9,260 from t = 67.3 s */
    assert_true(fabs(a.v[0].t_los - 67.3) < 0.5);
    assert_true(fabs(a.v[0].t_cpa - 100) < 0.5);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

static void test_overtaking(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    feed(e, at(1, 1, 0, 0, 0, 8000, 150, 0, 0), &a);
    assert_int_equal(feed(e, at(2, 2, 0, -10000, 0, 8000, 250, 0, 0), &a), 1);
    assert_int_equal(a.v[0].level, 3); /* (10,000 - 9,260) / 100 = 7.4 s */
    assert_true(fabs(a.v[0].t_los - 7.4) < 0.3);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

static void test_vertical_convergence(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    /* One kilometre apart, flying together; A climbs 10 m/s towards B 1,000 m above. */
    feed(e, at(1, 1, 0, 0, 0, 3000, 150, 0, 10), &a);
    assert_int_equal(feed(e, at(2, 2, 0, 0, 1000, 4000, 150, 0, 0), &a), 1);
    assert_int_equal(a.v[0].level, 1); /* (1,000 - 305) / 10 = 69.5 s */
    assert_true(fabs(a.v[0].t_los - 69.5) < 0.3);
    /* Level flight 1,000 m apart: nothing. */
    feed(e, at(3, 1, 0, 50000, 0, 3000, 150, 0, 0), &a);
    assert_int_equal(feed(e, at(4, 2, 0, 50000, 1000, 4000, 150, 0, 0), &a), 0);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

static void test_no_alert(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    /* Diverging: 12 km apart and opening. */
    feed(e, at(1, 1, 0, 0, 0, 3000, -200, 0, 0), &a);
    assert_int_equal(feed(e, at(2, 2, 0, 12000, 0, 3000, 200, 0, 0), &a), 0);
    /* Parallel, 6 km apart, 1,000 ft apart vertically (at the vertical minimum, not inside). */
    feed(e, at(3, 1, 0, 0, 60000, 3000, 220, 0, 0), &a);
    assert_int_equal(feed(e, at(4, 2, 0, 0, 66000, 3000 + 1000 * FT, 220, 0, 0), &a), 0);
    /* Parallel, 6 NM apart at one level. */
    feed(e, at(5, 1, 0, 0, 120000, 3000, 220, 0, 0), &a);
    assert_int_equal(feed(e, at(6, 2, 0, 0, 120000 + 6 * NM, 3000, 220, 0, 0), &a), 0);
    /* The same party's tracks never alert. */
    feed(e, at(7, 3, 0, 0, 180000, 3000, 200, 0, 0), &a);
    assert_int_equal(feed(e, at(8, 3, 0, 5000, 180000, 3000, -200, 0, 0), &a), 0);
    /* But 6 km apart at one level is inside the minima now (level 3, time 0). */
    feed(e, at(9, 1, 0, 0, 240000, 3000, 220, 0, 0), &a);
    assert_int_equal(feed(e, at(10, 2, 0, 0, 246000, 3000, 220, 0, 0), &a), 1);
    assert_int_equal(a.v[0].level, 3);
    assert_true(a.v[0].t_los == 0);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

/* ---- hysteresis, stale, data age ---- */

static void test_hysteresis(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    /* Head-on with a lateral offset: CPA 9,000 m (inside), then 9,400 (outside the
     * minimum, inside the outer 10,186 m), then 10,500. */
    feed(e, at(1, 1, 0, 0, 0, 3000, 200, 0, 0), &a);
    assert_int_equal(feed(e, at(2, 2, 0, 30000, 9000, 3000, -200, 0, 0), &a), 1);
    assert_int_equal(a.v[0].change, TF_RAISED);
    int level = a.v[0].level;
    for (int i = 1; i <= 6; i++) { /* wavering: no clear, no new raise */
        double y = i % 2 ? 9400 : 9000;
        assert_int_equal(feed(e, at(2, 2, i * 0.5, 30000 - 200 * i * 0.5, y, 3000, -200, 0, 0), &a), 0);
    }
    assert_int_equal(feed(e, at(2, 2, 4, 29200, 10500, 3000, -200, 0, 0), &a), 1);
    assert_int_equal(a.v[0].change, TF_CLEARED);
    assert_int_equal(a.v[0].reason, TF_SEPARATED);
    assert_true(level >= 1);
    /* Levels: 58 s to LoS is level 2; 65 s stays 2 (the outer test, 10,186 m, says 55.7 s:
     * within 60 + 10); 85 s falls to 1 (outer: 75.7 s). */
    feed(e, at(3, 1, 0, 0, 100000, 3000, 0, 0, 0), &a);
    assert_int_equal(feed(e, at(4, 2, 0, 9260 + 58 * 100, 100000, 3000, -100, 0, 0), &a), 1);
    assert_int_equal(a.v[0].level, 2);
    assert_int_equal(feed(e, at(4, 2, 1, 9260 + 65 * 100, 100000, 3000, -100, 0, 0), &a), 0);
    assert_int_equal(feed(e, at(4, 2, 2, 9260 + 85 * 100, 100000, 3000, -100, 0, 0), &a), 1);
    assert_int_equal(a.v[0].change, TF_LOWERED);
    assert_int_equal(a.v[0].level, 1);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

static void test_stale(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    tr_err err = {0};
    feed(e, at(1, 1, 0, 0, 0, 3000, 200, 0, 0), &a);
    feed(e, at(2, 2, 0, 20000, 0, 3000, -200, 0, 0), &a);
    assert_int_equal(a.n, 1);
    tf_pos p3 = at(3, 3, 30, 90000, 0, 3000, 0, 0, 0);
    feed(e, p3, &a);
    int64_t *ids;
    size_t n;
    assert_int_equal(tf_engine_stale(e, T0 + 10000, &ids, &n), TR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 2);
    free(ids);
    a.n = 0;
    assert_int_equal(tf_engine_end(e, 1, T0 + 70000, &a, &err), TR_OK);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.v[0].change, TF_CLEARED);
    assert_int_equal(a.v[0].reason, TF_STALE);
    assert_int_equal(a.v[0].other, 2);
    assert_int_equal(tf_engine_end(e, 1, T0, &a, &err), TR_ENOTFOUND);
    tf_track_state st;
    assert_int_equal(tf_engine_track(e, 2, &st), TR_OK);
    assert_int_equal(st.max_level, 0); /* the pair is cleared on both sides */
    assert_int_equal(tf_engine_live_count(e), 2);
    /* An ended track that comes back is live again, and alerts again. */
    a.n = 0;
    assert_int_equal(feed(e, at(1, 1, 1, 200, 0, 3000, 200, 0, 0), &a), 1);
    /* A position not later than the last is refused. */
    tf_pos old = at(1, 1, 1, 0, 0, 3000, 200, 0, 0);
    assert_int_equal(tf_engine_update(e, &old, &a, &err), TR_EINVAL);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

static void test_old_data(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    feed(e, at(1, 1, 0, 0, 0, 3000, 0, 0, 0), &a);
    assert_int_equal(feed(e, at(2, 2, 0, 2000, 0, 3000, 0, 0, 0), &a), 1);
    /* 2's next position comes 61 s later (data time): 1's is too old to count. */
    assert_int_equal(feed(e, at(2, 2, 61, 2000, 0, 3000, 0, 0, 0), &a), 1);
    assert_int_equal(a.v[0].change, TF_CLEARED);
    assert_int_equal(a.v[0].reason, TF_STALE);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

/* ---- objects ---- */

static tf_part circle(double x, double y, double r, double lo, double hi) {
    tf_frame f = tf_frame_at(LAT0);
    return (tf_part){.circle = true,
                     .lon = LON0 + x / f.kx,
                     .lat = LAT0 + y / f.ky,
                     .radius_m = r,
                     .alt_lo = lo,
                     .alt_hi = hi,
                     .t_start = T0 / 1000,
                     .t_end = T0 / 1000 + 3600};
}

static void test_operation_volume(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    tr_err err = {0};
    tf_part v = circle(20000, 0, 5000, 0, 6000);
    assert_int_equal(tf_engine_object_put(e, TF_OPERATION, 7, 2, &v, 1, &err), TR_OK);
    /* 15 km to the disc at 300 m/s: entry in 50 s: level 2. */
    assert_int_equal(feed(e, at(1, 1, 0, 0, 0, 3000, 300, 0, 0), &a), 1);
    assert_int_equal(a.v[0].kind, TF_OPERATION);
    assert_int_equal(a.v[0].other, 7);
    assert_int_equal(a.v[0].level, 2);
    assert_true(fabs(a.v[0].t_los - 50) < 0.5);
    assert_true(fabs(a.v[0].distance - 15000) < 50);
    /* Above the volume: none. The owner's own track: none. */
    assert_int_equal(feed(e, at(2, 1, 0, 0, 0, 7000, 250, 0, 0), &a), 0);
    assert_int_equal(feed(e, at(3, 2, 0, 40000, 0, 5000, -250, 0, 0), &a), 0);
    /* Not yet in its window: entry at T0 + 60 s, the window opens an hour later. */
    tf_part later = v;
    later.t_start += 3600, later.t_end += 3600;
    assert_int_equal(tf_engine_object_put(e, TF_OPERATION, 8, 2, &later, 1, &err), TR_OK);
    assert_int_equal(feed(e, at(4, 1, 0, 0, 30000, 3000, 250, 0, 0), &a), 0);
    /* The operation ends: the alert clears on the track's next position. */
    tf_engine_object_remove(e, TF_OPERATION, 7);
    assert_int_equal(feed(e, at(1, 1, 1, 300, 0, 3000, 300, 0, 0), &a), 1);
    assert_int_equal(a.v[0].change, TF_CLEARED);
    assert_int_equal(a.v[0].reason, TF_GONE);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

static void test_site_and_area(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts a = {0};
    tr_err err = {0};
    tf_part s = circle(5000, 0, 300, -INFINITY, INFINITY);
    s.t_end = INT64_MAX;
    assert_int_equal(tf_engine_object_put(e, TF_SITE, 3, 2, &s, 1, &err), TR_OK);
    assert_int_equal(feed(e, at(1, 1, 0, 0, 0, 1000, 100, 0, 0), &a), 1); /* low: alerted */
    assert_int_equal(a.v[0].kind, TF_SITE);
    assert_int_equal(a.v[0].level, 2);
    assert_int_equal(feed(e, at(2, 1, 0, 0, 0, 2000, 100, 0, 0), &a), 0); /* above 1,500 m: not */
    /* A no-strike area with a hole: a path through the hole only does not enter it. */
    tf_frame f = tf_frame_at(LAT0);
    double k = 1000;
    double xy[] = {LON0 + 20 * k / f.kx, LAT0 - 10 * k / f.ky, LON0 + 40 * k / f.kx, LAT0 - 10 * k / f.ky,
                   LON0 + 40 * k / f.kx, LAT0 + 10 * k / f.ky, LON0 + 20 * k / f.kx, LAT0 + 10 * k / f.ky,
                   LON0 + 25 * k / f.kx, LAT0 + 5 * k / f.ky,  LON0 + 35 * k / f.kx, LAT0 + 5 * k / f.ky,
                   LON0 + 35 * k / f.kx, LAT0 + 8 * k / f.ky,  LON0 + 25 * k / f.kx, LAT0 + 8 * k / f.ky};
    uint32_t starts[] = {0, 4, 8};
    tf_part area = {.xy = xy,
                    .starts = starts,
                    .nrings = 2,
                    .alt_lo = -INFINITY,
                    .alt_hi = INFINITY,
                    .t_start = T0 / 1000 - 10,
                    .t_end = INT64_MAX};
    assert_int_equal(tf_engine_area_version(e, 9, 2, &area, &err), TR_OK);
    assert_int_equal(feed(e, at(3, 1, 0, 30000, -20000, 500, 0, 150, 0), &a),
                     1); /* reaches y = -10 km at 66.7 s */
    assert_int_equal(a.v[0].kind, TF_AREA);
    assert_true(fabs(a.v[0].t_los - 66.7) < 0.5);
    /* Inside the hole, flying along it: no entry into the area itself. */
    assert_int_equal(feed(e, at(4, 1, 0, 26000, 6500, 500, 50, 0, 0), &a), 0);
    /* A later version starting now cuts the first: the path's entry is now checked against it. */
    double far[] = {LON0 + 1, LAT0 + 1, LON0 + 1.1, LAT0 + 1, LON0 + 1.1, LAT0 + 1.1};
    uint32_t fs[] = {0, 3};
    tf_part v2 = {.xy = far,
                  .starts = fs,
                  .nrings = 1,
                  .alt_lo = -INFINITY,
                  .alt_hi = INFINITY,
                  .t_start = T0 / 1000,
                  .t_end = INT64_MAX};
    assert_int_equal(tf_engine_area_version(e, 9, 2, &v2, &err), TR_OK);
    assert_int_equal(feed(e, at(3, 1, 1, 30000, -19850, 500, 0, 150, 0), &a), 1);
    assert_int_equal(a.v[0].change, TF_CLEARED);
    tf_alerts_free(&a);
    tf_engine_free(e);
}

/* ---- restore, determinism, index against brute force ---- */

static int save_alert(const tf_alert *x, void *ctx) {
    tf_alerts *l = ctx;
    return tf__push(l, x);
}

static int save_track(const tf_track_state *t, void *ctx) {
    tf_engine *r = ctx;
    tr_err err = {0};
    return tf_engine_restore_track(r, &t->pos, t->live, &err);
}

/* A random encounter stream over a 100 km square; the same seed gives the same stream. */
static tf_pos random_pos(unsigned *seed, int64_t id, double t) {
    double x = (rand_r(seed) % 100000) - 50000.0, y = (rand_r(seed) % 100000) - 50000.0;
    double hd = (rand_r(seed) % 3600) / 10.0 * M_PI / 180, sp = 50 + rand_r(seed) % 250;
    double alt = 1000 + (rand_r(seed) % 40) * 100.0;
    return at(id, (int32_t)(id % 3), t, x, y, alt, sp * sin(hd), sp * cos(hd), (rand_r(seed) % 21) - 10.0);
}

static void run_stream(tf_engine *e, unsigned seed, int ntracks, int steps, tf_alerts *all) {
    tf_alerts a = {0};
    tf_pos *last = calloc((size_t)ntracks, sizeof *last);
    tf_part v = circle(0, 0, 8000, 0, 4000);
    tr_err err = {0};
    assert_int_equal(tf_engine_object_put(e, TF_OPERATION, 1, 0, &v, 1, &err), TR_OK);
    for (int s = 0; s < steps; s++)
        for (int i = 0; i < ntracks; i++) {
            tf_pos p;
            if (s == 0 || rand_r(&seed) % 10 == 0) {
                p = random_pos(&seed, i + 1, s);
            } else { /* move on */
                tf_frame f = tf_frame_at(last[i].lat);
                p = last[i];
                p.at_ms += 1000, p.recv_ms += 1000;
                p.lon += p.vx / f.kx, p.lat += p.vy / f.ky, p.alt += p.vz;
            }
            last[i] = p;
            a.n = 0;
            assert_int_equal(tf_engine_update(e, &p, &a, &err), TR_OK);
            for (size_t k = 0; k < a.n; k++)
                assert_int_equal(tf__push(all, &a.v[k]), TR_OK);
        }
    free(last);
    tf_alerts_free(&a);
}

static void test_index_equals_brute_force(void **state) {
    (void)state;
    tf_engine *ix = engine(false), *bf = engine(true);
    tf_alerts x = {0}, y = {0};
    run_stream(ix, 42, 300, 20, &x);
    run_stream(bf, 42, 300, 20, &y);
    assert_true(x.n > 100); /* the stream does alert */
    assert_int_equal(x.n, y.n);
    assert_memory_equal(x.v, y.v, x.n * sizeof *x.v);
    tf_stats st;
    tf_engine_stats(ix, &st);
    assert_true(st.pair_tests < 300ull * 300 * 20 / 4); /* the index does prune */
    tf_alerts_free(&x);
    tf_alerts_free(&y);
    tf_engine_free(ix);
    tf_engine_free(bf);
}

static void test_restore(void **state) {
    (void)state;
    tf_engine *e = engine(false);
    tf_alerts x = {0}, saved = {0}, y = {0}, z = {0};
    run_stream(e, 7, 200, 5, &x);
    /* Copy e's state into r: tracks, then active alerts. */
    tf_engine *r = engine(false);
    assert_int_equal(tf_engine_each_live(e, save_track, r), 0);
    assert_int_equal(tf_engine_each_alert(e, save_alert, &saved), 0);
    tr_err err = {0};
    for (size_t i = 0; i < saved.n; i++)
        assert_int_equal(tf_engine_restore_alert(r, saved.v[i].kind, saved.v[i].track, saved.v[i].other,
                                                 saved.v[i].level, &err),
                         TR_OK);
    tf_part v = circle(0, 0, 8000, 0, 4000);
    assert_int_equal(tf_engine_object_put(r, TF_OPERATION, 1, 0, &v, 1, &err), TR_OK);
    /* The same next positions give the same changes in both. */
    unsigned seed = 99;
    for (int i = 0; i < 200; i++) {
        tf_pos p = random_pos(&seed, i + 1, 10);
        y.n = z.n = 0;
        assert_int_equal(tf_engine_update(e, &p, &y, &err), TR_OK);
        assert_int_equal(tf_engine_update(r, &p, &z, &err), TR_OK);
        assert_int_equal(y.n, z.n);
        if (y.n) assert_memory_equal(y.v, z.v, y.n * sizeof *y.v);
    }
    tf_alerts_free(&x);
    tf_alerts_free(&saved);
    tf_alerts_free(&y);
    tf_alerts_free(&z);
    tf_engine_free(e);
    tf_engine_free(r);
}

static void test_config(void **state) {
    (void)state;
    tf_config c = tf_config_default();
    tr_err err = {0};
    assert_int_equal(tf_config_check(&c, &err), TR_OK);
    c.level_s[1] = 20;
    assert_int_equal(tf_config_check(&c, &err), TR_EINVAL);
    assert_string_equal(err.field, "level_s");
    c = tf_config_default();
    c.horizontal_m = 0;
    assert_null(tf_engine_new(&c));
    assert_string_equal(tf_kind_name(TF_AREA), "area");
    assert_string_equal(tf_change_name(TF_LOWERED), "lowered");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head_on),
        cmocka_unit_test(test_crossing),
        cmocka_unit_test(test_overtaking),
        cmocka_unit_test(test_vertical_convergence),
        cmocka_unit_test(test_no_alert),
        cmocka_unit_test(test_hysteresis),
        cmocka_unit_test(test_stale),
        cmocka_unit_test(test_old_data),
        cmocka_unit_test(test_operation_volume),
        cmocka_unit_test(test_site_and_area),
        cmocka_unit_test(test_index_equals_brute_force),
        cmocka_unit_test(test_restore),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
