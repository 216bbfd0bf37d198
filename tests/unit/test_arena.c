/*
 * test_arena.c — unit tests of the huge-page arena (src/base/arena.c): blocks are
 * aligned on 64 bytes, never overlap, fill chunk after chunk, large blocks are refused
 * (the caller keeps them), and tr_arena_free empties it; and of placing shapes in it
 * (geo_shape_place): the copy answers like the original, survives the original, and
 * geo_shape_free leaves it alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "geo/geo.h"

static void test_blocks(void **state) {
    (void)state;
    tr_arena a = {0};
    size_t total = 0;
    for (int i = 0; i < 5000; i++) {
        size_t n = 1 + (size_t)(i * 7919) % 3000;
        char *p = tr_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 64, 0);
        memset(p, i & 0xff, n); /* writable */
        total += n;
    }
    assert_true(tr_arena_bytes(&a) >= total);
    assert_true(tr_arena_bytes(&a) % TR_ARENA_CHUNK == 0);
    assert_null(tr_arena_alloc(&a, TR_ARENA_CHUNK / 4 + 1)); /* too large: stays in the heap */
    assert_null(tr_arena_alloc(&a, 0));
    assert_non_null(tr_arena_alloc(&a, TR_ARENA_CHUNK / 4));
    tr_arena_free(&a);
    assert_int_equal(tr_arena_bytes(&a), 0);
    assert_non_null(tr_arena_alloc(&a, 100)); /* usable again */
    tr_arena_free(&a);
}

static void test_no_overlap(void **state) {
    (void)state;
    tr_arena a = {0};
    enum { N = 3000 };
    unsigned char *p[N];
    size_t n[N];
    for (int i = 0; i < N; i++) {
        n[i] = 64 + (size_t)(i * 104729) % 2000;
        p[i] = tr_arena_alloc(&a, n[i]);
        assert_non_null(p[i]);
        memset(p[i], (unsigned char)i, n[i]);
    }
    for (int i = 0; i < N; i++)
        for (size_t k = 0; k < n[i]; k++)
            if (p[i][k] != (unsigned char)i) fail_msg("block %d was overwritten at byte %zu", i, k);
    tr_arena_free(&a);
}

static void test_placed_shape(void **state) {
    (void)state;
    const char *text = "{\"type\":\"MultiPolygon\",\"coordinates\":["
                       "[[[0,0],[16,0],[16,16],[0,16],[0,0]],[[4,4],[12,4],[12,12],[4,12],[4,4]]],"
                       "[[[16,16],[32,16],[32,32],[16,32],[16,16]]]]}";
    json_t *g = json_loads(text, 0, NULL);
    geo_shape *s = NULL;
    tr_err err = {0};
    assert_int_equal(geo_shape_from_geojson(g, 0, NULL, &s, &err), 0);
    tr_arena a = {0};
    geo_shape *t = geo_shape_place(s, tr_arena_alloc(&a, geo_shape_size(s)));
    json_t *fs = geo_shape_footprint_geojson(s), *ft = geo_shape_footprint_geojson(t);
    assert_true(json_equal(fs, ft));
    assert_true(geo_shape_area_m2(s) == geo_shape_area_m2(t));
    geo_shape_free(s); /* the copy no longer depends on the original */
    for (int i = 0; i <= 64; i++)
        for (int k = 0; k <= 64; k++) {
            double x = i * 0.5, y = k * 0.5;
            bool want = (x <= 16 && y <= 16 && !(x > 4 && x < 12 && y > 4 && y < 12)) || (x >= 16 && y >= 16);
            if (geo_shape_covers(t, x, y) != want) fail_msg("placed copy at (%g, %g)", x, y);
        }
    geo_box in = geo_shape_inner_box(t);
    assert_true(in.minx <= in.maxx && geo_shape_covers(t, in.minx, in.miny) &&
                geo_shape_covers(t, in.maxx, in.maxy));
    geo_shape_free(t); /* a no-op: the arena owns it */
    assert_true(geo_shape_covers(t, 1, 1));
    json_decref(fs);
    json_decref(ft);
    json_decref(g);
    tr_arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_no_overlap),
        cmocka_unit_test(test_placed_shape),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
