/*
 * test_geo_index.c — unit tests of geo_index (packed STR R-tree + tail): random
 * inserts, replacements, removals and queries checked against a brute-force list,
 * early stop of the query callback, arbitrary 64-bit ids and degenerate boxes; the
 * point grid (index_grid.c) on clustered boxes (nested cells) and infinite boxes, and
 * geo_index_point_candidates (every covering entry, nothing far, cap, dead entries).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geo/geo.h"

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static double urand(double lo, double hi) {
    return lo + (hi - lo) * ((double)(rnd() >> 11) / 9007199254740992.0);
}

/* A random box in Syria's neighbourhood: mostly small, some large, some points. */
static geo_box random_box(void) {
    double x = urand(35, 43), y = urand(32, 38);
    uint64_t r = rnd() % 10;
    double w = r == 0 ? 0 : r < 8 ? urand(0, 0.3) : urand(0, 4);
    double h = r == 0 ? 0 : r < 8 ? urand(0, 0.3) : urand(0, 4);
    return (geo_box){x, y, x + w, y + h};
}

/* The brute-force model: parallel arrays of live entries. */
typedef struct model {
    uint64_t *id;
    geo_box *box;
    size_t n, cap;
} model;

static long model_find(const model *m, uint64_t id) {
    for (size_t i = 0; i < m->n; i++)
        if (m->id[i] == id) return (long)i;
    return -1;
}

/* Adds an id known to be absent. */
static void model_append(model *m, uint64_t id, geo_box b) {
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 256;
        m->id = realloc(m->id, m->cap * sizeof *m->id);
        m->box = realloc(m->box, m->cap * sizeof *m->box);
    }
    m->id[m->n] = id;
    m->box[m->n++] = b;
}

static void model_put(model *m, uint64_t id, geo_box b) {
    long i = model_find(m, id);
    if (i >= 0)
        m->box[i] = b;
    else
        model_append(m, id, b);
}

static void model_remove(model *m, uint64_t id) {
    long i = model_find(m, id);
    if (i < 0) return;
    m->id[i] = m->id[m->n - 1];
    m->box[i] = m->box[m->n - 1];
    m->n--;
}

static bool meets(geo_box a, geo_box q) {
    return a.minx <= q.maxx && q.minx <= a.maxx && a.miny <= q.maxy && q.miny <= a.maxy;
}

/* Result collector for queries. */
typedef struct hits {
    uint64_t *id;
    size_t n, cap;
    size_t stop_after; /* 0: never stop */
} hits;

static int collect(uint64_t id, void *ctx) {
    hits *h = ctx;
    if (h->n == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 64;
        h->id = realloc(h->id, h->cap * sizeof *h->id);
    }
    h->id[h->n++] = id;
    return h->stop_after && h->n >= h->stop_after ? 42 : 0;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Compares one query (box q, or its corner as a point) against the model. */
static void check_query(const geo_index *ix, const model *m, geo_box q, bool as_point) {
    hits h = {0};
    if (as_point) q.maxx = q.minx, q.maxy = q.miny;
    int rc = as_point ? geo_index_query_point(ix, q.minx, q.miny, collect, &h)
                      : geo_index_query_box(ix, q, collect, &h);
    assert_int_equal(rc, 0);
    uint64_t *want = malloc((m->n + 1) * sizeof *want);
    size_t nw = 0;
    for (size_t i = 0; i < m->n; i++)
        if (meets(m->box[i], q)) want[nw++] = m->id[i];
    qsort(want, nw, sizeof *want, cmp_u64);
    if (h.n > 0) qsort(h.id, h.n, sizeof *h.id, cmp_u64);
    if (h.n != nw) fail_msg("query found %zu entries, brute force %zu", h.n, nw);
    for (size_t i = 0; i < nw; i++)
        assert_true(h.id[i] == want[i]);
    free(want);
    free(h.id);
}

static uint64_t random_id(void) {
    switch (rnd() % 20) {
    case 0:
        return 0;
    case 1:
        return UINT64_MAX;
    case 2:
        return rnd() % 64; /* small ids collide often: replacements */
    default:
        return rnd();
    }
}

static void test_random_against_brute_force(void **state) {
    (void)state;
    geo_index *ix = geo_index_new();
    assert_non_null(ix);
    model m = {0};
    size_t queries = 0, removes = 0;
    for (int step = 0; step < 40000; step++) {
        uint64_t r = rnd() % 1000;
        if (r < 500 || m.n < 10) {
            uint64_t id = random_id();
            geo_box b = random_box();
            assert_int_equal(geo_index_insert(ix, b, id), 0);
            model_put(&m, id, b);
        } else if (r < 550) { /* replace an existing id's box */
            uint64_t id = m.id[rnd() % m.n];
            geo_box b = random_box();
            assert_int_equal(geo_index_insert(ix, b, id), 0);
            model_put(&m, id, b);
        } else if (r < 700) { /* remove a live id, or an absent one (no-op) */
            uint64_t id = rnd() % 4 ? m.id[rnd() % m.n] : rnd();
            geo_index_remove(ix, id);
            model_remove(&m, id);
            removes++;
        } else if (r < 701) { /* a burst of removals to trigger the dead-entry rebuild */
            for (int k = 0; k < 150 && m.n > 0; k++) {
                uint64_t id = m.id[rnd() % m.n];
                geo_index_remove(ix, id);
                model_remove(&m, id);
            }
        } else {
            geo_box q = random_box();
            check_query(ix, &m, q, r < 850);
            queries++;
        }
        assert_int_equal(geo_index_size(ix), m.n);
    }
    /* Whole-world query returns everything. */
    check_query(ix, &m, (geo_box){-1e300, -1e300, 1e300, 1e300}, false);
    print_message("%zu queries, %zu removals, %zu entries at the end\n", queries, removes, m.n);
    assert_true(queries > 10000 && removes > 5000 && m.n > 5000);
    geo_index_free(ix);
    free(m.id);
    free(m.box);
}

static void test_bulk_then_remove_all(void **state) {
    (void)state;
    geo_index *ix = geo_index_new();
    model m = {0};
    for (uint64_t i = 0; i < 50000; i++) {
        geo_box b = random_box();
        assert_int_equal(geo_index_insert(ix, b, i * 0x9e3779b97f4a7c15ULL), 0);
        model_append(&m, i * 0x9e3779b97f4a7c15ULL, b);
    }
    for (int q = 0; q < 200; q++)
        check_query(ix, &m, random_box(), q % 2);
    for (uint64_t i = 0; i < 50000; i += 2)
        geo_index_remove(ix, i * 0x9e3779b97f4a7c15ULL);
    for (size_t i = 1; i < m.n; i += 2) { /* entry i of the model is id i: keep the odd ones */
        m.id[i / 2] = m.id[i];
        m.box[i / 2] = m.box[i];
    }
    m.n /= 2;
    for (int q = 0; q < 200; q++)
        check_query(ix, &m, random_box(), q % 2);
    for (uint64_t i = 1; i < 50000; i += 2)
        geo_index_remove(ix, i * 0x9e3779b97f4a7c15ULL);
    assert_int_equal(geo_index_size(ix), 0);
    hits h = {0};
    assert_int_equal(geo_index_query_box(ix, (geo_box){-1e9, -1e9, 1e9, 1e9}, collect, &h), 0);
    assert_int_equal(h.n, 0);
    geo_index_free(ix);
    free(m.id);
    free(m.box);
}

static void test_early_stop(void **state) {
    (void)state;
    geo_index *ix = geo_index_new();
    for (uint64_t i = 0; i < 1000; i++) /* 1000 boxes all covering (36, 34) */
        assert_int_equal(geo_index_insert(ix, (geo_box){35 + i * 1e-4, 33, 37, 35}, i), 0);
    hits h = {.stop_after = 5};
    assert_int_equal(geo_index_query_point(ix, 36, 34, collect, &h), 42);
    assert_int_equal(h.n, 5);
    free(h.id);
    h = (hits){.stop_after = 1};
    assert_int_equal(geo_index_query_box(ix, (geo_box){36, 34, 36.5, 34.5}, collect, &h), 42);
    assert_int_equal(h.n, 1);
    free(h.id);
    h = (hits){0};
    assert_int_equal(geo_index_query_point(ix, 36, 34, collect, &h), 0);
    assert_int_equal(h.n, 1000);
    free(h.id);
    geo_index_free(ix);
}

static void test_edges_and_degenerate(void **state) {
    (void)state;
    geo_index *ix = geo_index_new();
    hits h = {0};
    /* Empty index. */
    assert_int_equal(geo_index_query_point(ix, 0, 0, collect, &h), 0);
    assert_int_equal(geo_index_size(ix), 0);
    geo_index_remove(ix, 12345); /* absent: no-op */
    /* Closed boxes: a point on the boundary is found; a zero-size box is a point. */
    assert_int_equal(geo_index_insert(ix, (geo_box){0, 0, 1, 1}, UINT64_MAX), 0);
    assert_int_equal(geo_index_insert(ix, (geo_box){2, 2, 2, 2}, 0), 0);
    assert_int_equal(geo_index_insert(ix, (geo_box){NAN, NAN, NAN, NAN}, 7), 0);
    assert_int_equal(geo_index_query_point(ix, 1, 1, collect, &h), 0);
    assert_int_equal(h.n, 1);
    assert_true(h.id[0] == UINT64_MAX);
    h.n = 0;
    assert_int_equal(geo_index_query_point(ix, 2, 2, collect, &h), 0);
    assert_int_equal(h.n, 1);
    assert_true(h.id[0] == 0);
    h.n = 0;
    assert_int_equal(geo_index_query_box(ix, (geo_box){1, 1, 2, 2}, collect, &h), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(geo_index_size(ix), 3);
    /* Many more entries (forces rebuilds with the NaN box inside), then replace. */
    for (uint64_t i = 100; i < 3000; i++)
        assert_int_equal(geo_index_insert(ix, (geo_box){10, 10, 11, 11}, i), 0);
    assert_int_equal(geo_index_insert(ix, (geo_box){5, 5, 6, 6}, UINT64_MAX), 0);
    h.n = 0;
    assert_int_equal(geo_index_query_point(ix, 0.5, 0.5, collect, &h), 0);
    assert_int_equal(h.n, 0);
    assert_int_equal(geo_index_query_point(ix, 5.5, 5.5, collect, &h), 0);
    assert_int_equal(h.n, 1);
    assert_int_equal(geo_index_size(ix), 3 + 2900);
    free(h.id);
    geo_index_free(ix);
    geo_index_free(NULL);
}

/* A box in a small cluster (nested grid cells) or anywhere (random_box). */
static geo_box clustered_box(void) {
    if (rnd() % 3) return random_box();
    double x = urand(36.2, 36.21), y = urand(33.5, 33.51), w = urand(0, 1e-4), h = urand(0, 1e-4);
    return (geo_box){x, y, x + w, y + h};
}

/* A query point: random, in the cluster, or on a corner or side of a model box. */
static void query_point(const model *m, double *x, double *y) {
    uint64_t r = rnd() % 4;
    const geo_box *b = &m->box[rnd() % m->n];
    *x = r == 0 ? urand(34, 44) : r == 1 ? urand(36.2, 36.2101) : rnd() % 2 ? b->minx : b->maxx;
    *y = r == 0   ? urand(31, 39)
         : r == 1 ? urand(33.5, 33.5101)
         : r == 2 ? (rnd() % 2 ? b->miny : b->maxy)
                  : urand(b->miny, b->maxy);
}

/* Candidates of (x, y): every model entry covering it, only live ids, none farther
 * than float rounding; with a small cap, the count alone. */
static void check_candidates(const geo_index *ix, const model *m, double x, double y) {
    uint64_t ids[4096];
    size_t n = geo_index_point_candidates(ix, x, y, ids, 4096), exact = 0;
    assert_true(n <= 4096);
    for (size_t i = 0; i < m->n; i++) {
        const geo_box *b = &m->box[i];
        if (!(x >= b->minx && x <= b->maxx && y >= b->miny && y <= b->maxy)) continue;
        exact++;
        size_t k = 0;
        while (k < n && ids[k] != m->id[i])
            k++;
        if (k == n)
            fail_msg("entry %llu covers (%.17g, %.17g) but is no candidate", (unsigned long long)m->id[i], x,
                     y);
    }
    for (size_t k = 0; k < n; k++) {
        long i = model_find(m, ids[k]);
        assert_true(i >= 0); /* live */
        const geo_box *b = &m->box[i];
        double tol = 1e-6 * (1 + fabs(x) + fabs(y));
        assert_true(x >= b->minx - tol && x <= b->maxx + tol && y >= b->miny - tol && y <= b->maxy + tol);
    }
    assert_true(n >= exact);
    if (exact > 1) assert_true(geo_index_point_candidates(ix, x, y, ids, 1) >= exact);
}

/* n query points: candidates, and every third an exact point query. */
static void check_points(const geo_index *ix, const model *m, int n) {
    for (int q = 0; q < n; q++) {
        double x, y;
        query_point(m, &x, &y);
        check_candidates(ix, m, x, y);
        if (q % 3 == 0) check_query(ix, m, (geo_box){x, y, x, y}, true);
    }
}

static void test_point_candidates(void **state) {
    (void)state;
    geo_index *ix = geo_index_new();
    model m = {0};
    for (uint64_t i = 0; i < 20000; i++) {
        geo_box b = clustered_box();
        assert_int_equal(geo_index_insert(ix, b, i), 0);
        model_append(&m, i, b);
    }
    assert_int_equal(geo_index_pack(ix), 0);
    check_points(ix, &m, 3000);
    /* Removed entries (dead in the grid) are never candidates; new ones (the tail) are. */
    for (int k = 0; k < 1500; k++) {
        uint64_t id = m.id[rnd() % m.n];
        geo_index_remove(ix, id);
        model_remove(&m, id);
    }
    for (uint64_t i = 20000; i < 20500; i++) {
        geo_box b = clustered_box();
        assert_int_equal(geo_index_insert(ix, b, i), 0);
        model_append(&m, i, b);
    }
    check_points(ix, &m, 3000);
    geo_index_free(ix);
    free(m.id);
    free(m.box);
}

/* Boxes reaching infinity: points beyond the grid's finite extent still find them. */
static void test_infinite_boxes(void **state) {
    (void)state;
    geo_index *ix = geo_index_new();
    model m = {0};
    const geo_box inf[] = {
        {-INFINITY, -INFINITY, INFINITY, INFINITY}, {40, 30, INFINITY, 31}, {-INFINITY, 35, 36, 36}};
    for (uint64_t i = 0; i < 3; i++) {
        assert_int_equal(geo_index_insert(ix, inf[i], 1000000 + i), 0);
        model_append(&m, 1000000 + i, inf[i]);
    }
    for (uint64_t i = 0; i < 3000; i++) {
        geo_box b = random_box();
        assert_int_equal(geo_index_insert(ix, b, i), 0);
        model_append(&m, i, b);
    }
    assert_int_equal(geo_index_pack(ix), 0);
    const double far[][2] = {{1e6, 30.5}, {-1e300, 35.5}, {0, 0}, {37, 34}, {40, 30}, {1e308, 1e308}};
    for (size_t k = 0; k < sizeof far / sizeof far[0]; k++) {
        check_candidates(ix, &m, far[k][0], far[k][1]);
        check_query(ix, &m, (geo_box){far[k][0], far[k][1], far[k][0], far[k][1]}, true);
    }
    for (int q = 0; q < 500; q++) {
        double x, y;
        query_point(&m, &x, &y);
        check_candidates(ix, &m, x, y);
    }
    geo_index_free(ix);
    free(m.id);
    free(m.box);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_against_brute_force),
        cmocka_unit_test(test_bulk_then_remove_all),
        cmocka_unit_test(test_early_stop),
        cmocka_unit_test(test_edges_and_degenerate),
        cmocka_unit_test(test_point_candidates),
        cmocka_unit_test(test_infinite_boxes),
    };
    return cmocka_run_group_tests_name("geo_index", tests, NULL, NULL);
}
