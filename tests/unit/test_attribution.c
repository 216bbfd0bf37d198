/*
 * test_attribution.c — unit tests of the attribution engine (src/engines): versions
 * cut off by their successors (half-open [valid_from, effective_to)), visibility per
 * viewer, result order, agreements in force by time and zone, agreement replacement,
 * the raw covering count, the JSON answer, a randomized cross-check against a
 * brute-force loop over every version, and readers running beside a writer.
 *
 * Areas are built with tr_area_parse from small GeoJSON Features, as the centre does.
 */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/timeutil.h"
#include "domain/domain.h"
#include "engines/attribution.h"

/* ---- helpers ---- */

static const geo_limits LIM = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};

static int64_t T(const char *s) {
    int64_t t;
    if (tr_time_parse(s, &t)) fail_msg("bad test time %s", s);
    return t;
}

static json_t *parse(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (j == NULL) fail_msg("bad test JSON (%s): %s", je.text, text);
    return j;
}

static tr_party party(const char *name, tr_role role) {
    tr_party p = {.id = 1, .role = role};
    snprintf(p.name, sizeof p.name, "%s", name);
    return p;
}

/* A rectangle as GeoJSON geometry text. */
static char *rect(char *buf, size_t n, double x0, double y0, double x1, double y1) {
    snprintf(buf, n,
             "{\"type\":\"Polygon\",\"coordinates\":[[[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g]"
             ",[%.17g,%.17g]]]}",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return buf;
}

/* Builds an area version from geometry text and property text (without braces),
 * with id, version and created_by set as the store would. */
static void make_area(tr_area *a, int64_t id, int version, const char *created_by, const char *geometry,
                      const char *props) {
    size_t n = strlen(geometry) + strlen(props) + 64;
    char *text = malloc(n);
    assert_non_null(text);
    snprintf(text, n, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{%s}}", geometry, props);
    json_t *j = parse(text);
    free(text);
    tr_err err = {0};
    if (tr_area_parse(j, 0, &LIM, a, &err) != TR_OK)
        fail_msg("test area rejected: %s: %s", err.field, err.msg);
    json_decref(j);
    a->id = id;
    a->version = version;
    a->created_by = created_by ? strdup(created_by) : NULL;
}

/* make_area, then hands it to the engine. */
static void add_area(attr_engine *e, int64_t id, int version, const char *created_by, const char *geometry,
                     const char *props) {
    tr_area a;
    make_area(&a, id, version, created_by, geometry, props);
    tr_err err = {0};
    if (attr_engine_add_area(e, &a, &err) != TR_OK)
        fail_msg("engine refused area %lld v%d: %s", (long long)id, version, err.msg);
    assert_null(a.shape); /* taken */
    assert_null(a.name);
}

static void add_agreement(attr_engine *e, int64_t id, int version, const char *created_by, const char *body) {
    tr_agreement a;
    json_t *j = parse(body);
    tr_err err = {0};
    if (tr_agreement_parse(j, &a, &err) != TR_OK)
        fail_msg("test agreement rejected: %s: %s", err.field, err.msg);
    json_decref(j);
    a.id = id;
    a.version = version;
    a.created_by = strdup(created_by);
    assert_int_equal(attr_engine_add_agreement(e, &a, &err), TR_OK);
    assert_null(a.name);
}

/* Queries and returns the number of areas; r is reused. */
static size_t query(attr_engine *e, double lon, double lat, int64_t t, const tr_party *viewer,
                    attr_result *r) {
    assert_int_equal(attr_engine_query(e, lon, lat, t, viewer, r), TR_OK);
    return r->nareas;
}

/* The single area in force at the point and time; fails unless there is exactly one. */
static const tr_area *only(attr_engine *e, double lon, double lat, int64_t t, attr_result *r) {
    size_t n = query(e, lon, lat, t, NULL, r);
    if (n != 1) fail_msg("%zu areas at (%g, %g) t=%lld, expected 1", n, lon, lat, (long long)t);
    return r->areas[0];
}

static bool has_area(const attr_result *r, int64_t id) {
    for (size_t i = 0; i < r->nareas; i++)
        if (r->areas[i]->id == id) return true;
    return false;
}

static bool has_agreement(const attr_result *r, int64_t id) {
    for (size_t i = 0; i < r->nagreements; i++)
        if (r->agreements[i]->id == id) return true;
    return false;
}

/* ---- versions and time ---- */

static void test_version_cutoff(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    assert_non_null(e);
    attr_result r = {0};
    char g[512];
    rect(g, sizeof g, 0, 0, 1, 1);
    const int64_t t1 = T("2016-01-01"), t2 = T("2016-06-01"), t3 = T("2016-09-01"), t3end = T("2016-10-01");
    add_area(e, 1, 1, "admin", g,
             "\"kind\":\"control\",\"name\":\"v1\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"");
    add_area(e, 1, 2, "admin", g,
             "\"kind\":\"control\",\"name\":\"v2\",\"party\":\"Opposition\",\"valid_from\":\"2016-06-01\"");
    assert_int_equal(attr_engine_area_versions(e), 2);

    assert_int_equal(query(e, 0.5, 0.5, t1 - 1, NULL, &r), 0);
    assert_int_equal(only(e, 0.5, 0.5, t1, &r)->version, 1);
    const tr_area *v1 = only(e, 0.5, 0.5, t2 - 1, &r);
    assert_int_equal(v1->version, 1);
    assert_string_equal(v1->party, "SAA");
    assert_int_equal(v1->effective_to, t2); /* cut at v2's valid_from */
    assert_int_equal(v1->valid_to, TR_TIME_OPEN);
    const tr_area *v2 = only(e, 0.5, 0.5, t2, &r);
    assert_int_equal(v2->version, 2);
    assert_string_equal(v2->party, "Opposition");
    assert_int_equal(v2->effective_to, TR_TIME_OPEN);
    assert_int_equal(only(e, 0.5, 0.5, t2 + 1, &r)->version, 2);
    /* Open valid_to: still in force at the end of year 9999. */
    assert_int_equal(only(e, 0.5, 0.5, T("9999-12-31T23:59:59Z"), &r)->version, 2);
    assert_int_equal(only(e, 0.5, 0.5, INT64_MAX - 1, &r)->version, 2);

    /* v3 ends: after its valid_to nothing holds; v2 is cut at v3's start. */
    add_area(e, 1, 3, "admin", g,
             "\"kind\":\"control\",\"name\":\"v3\",\"party\":\"SAA\",\"valid_from\":\"2016-09-01\","
             "\"valid_to\":\"2016-10-01\"");
    assert_int_equal(only(e, 0.5, 0.5, t3 - 1, &r)->version, 2);
    assert_int_equal(only(e, 0.5, 0.5, t3, &r)->version, 3);
    assert_int_equal(only(e, 0.5, 0.5, t3end - 1, &r)->version, 3);
    assert_int_equal(query(e, 0.5, 0.5, t3end, NULL, &r), 0);
    assert_int_equal(query(e, 0.5, 0.5, T("2030-01-01"), NULL, &r), 0);
    /* v1 stays cut at t2, not at t3. */
    assert_int_equal(only(e, 0.5, 0.5, t2 - 1, &r)->effective_to, t2);

    /* A gap between versions stays a gap: v1 ends before v2 starts. */
    rect(g, sizeof g, 2, 0, 3, 1);
    add_area(
        e, 2, 1, "admin", g,
        "\"kind\":\"no_strike\",\"name\":\"a\",\"valid_from\":\"2016-01-01\",\"valid_to\":\"2016-03-01\"");
    add_area(e, 2, 2, "admin", g, "\"kind\":\"no_strike\",\"name\":\"b\",\"valid_from\":\"2016-05-01\"");
    assert_int_equal(only(e, 2.5, 0.5, T("2016-03-01") - 1, &r)->version, 1);
    assert_int_equal(query(e, 2.5, 0.5, T("2016-03-01"), NULL, &r), 0);
    assert_int_equal(query(e, 2.5, 0.5, T("2016-04-30T23:59:59Z"), NULL, &r), 0);
    assert_int_equal(only(e, 2.5, 0.5, T("2016-05-01"), &r)->version, 2);
    /* Outside the footprint: nothing at any time. */
    assert_int_equal(query(e, 1.5, 0.5, T("2016-05-01"), NULL, &r), 0);
    assert_int_equal(query(e, -0.01, 0.5, t2, NULL, &r), 0);
    /* On the boundary: covered. */
    assert_int_equal(only(e, 1, 1, t2, &r)->id, 1);
    assert_int_equal(only(e, 0, 0.5, t2, &r)->id, 1);

    /* Versions out of order and shapeless areas are refused and not taken. */
    size_t before = attr_engine_area_versions(e);
    tr_area a;
    tr_err err = {0};
    make_area(&a, 1, 2, "admin", g,
              "\"kind\":\"control\",\"name\":\"again\",\"party\":\"SAA\",\"valid_from\":\"2017-01-01\"");
    assert_int_equal(attr_engine_add_area(e, &a, &err), TR_EINVAL);
    assert_non_null(a.name);
    a.version = 3;
    assert_int_equal(attr_engine_add_area(e, &a, &err), TR_EINVAL);
    a.version = 1;
    assert_int_equal(attr_engine_add_area(e, &a, &err), TR_EINVAL);
    assert_non_null(a.shape);
    geo_shape_free(a.shape);
    a.shape = NULL;
    a.id = 99;
    assert_int_equal(attr_engine_add_area(e, &a, &err), TR_EINVAL);
    assert_string_equal(err.field, "geometry");
    tr_area_clear(&a);
    assert_int_equal(attr_engine_area_versions(e), before);
    assert_int_equal(only(e, 0.5, 0.5, t3, &r)->version, 3); /* nothing changed */

    attr_result_clear(&r);
    assert_null(r.areas);
    attr_engine_free(e);
}

/* A version that starts while its predecessor's own valid_to is still ahead, and one
 * that ends before the next starts, keep effective_to = min(valid_to, next from). */
static void test_effective_to_min(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    attr_result r = {0};
    char g[512];
    rect(g, sizeof g, 10, 10, 11, 11);
    add_area(
        e, 5, 1, "admin", g,
        "\"kind\":\"corridor\",\"name\":\"a\",\"valid_from\":\"2016-01-01\",\"valid_to\":\"2016-12-01\"");
    add_area(
        e, 5, 2, "admin", g,
        "\"kind\":\"corridor\",\"name\":\"b\",\"valid_from\":\"2016-06-01\",\"valid_to\":\"2016-07-01\"");
    assert_int_equal(only(e, 10.5, 10.5, T("2016-05-31T23:59:59Z"), &r)->effective_to, T("2016-06-01"));
    assert_int_equal(only(e, 10.5, 10.5, T("2016-06-30T23:59:59Z"), &r)->version, 2);
    /* v1's own end (December) does not bring it back after v2 ends. */
    assert_int_equal(query(e, 10.5, 10.5, T("2016-07-01"), NULL, &r), 0);
    assert_int_equal(query(e, 10.5, 10.5, T("2016-11-01"), NULL, &r), 0);
    /* A version starting exactly when the previous one starts leaves it empty. */
    add_area(e, 6, 1, "admin", g, "\"kind\":\"corridor\",\"name\":\"c\",\"valid_from\":\"2016-01-01\"");
    add_area(e, 6, 2, "admin", g, "\"kind\":\"corridor\",\"name\":\"d\",\"valid_from\":\"2016-01-01\"");
    query(e, 10.5, 10.5, T("2016-01-01"), NULL, &r);
    assert_true(has_area(&r, 6));
    for (size_t i = 0; i < r.nareas; i++)
        if (r.areas[i]->id == 6) assert_int_equal(r.areas[i]->version, 2);
    attr_result_clear(&r);
    attr_engine_free(e);
}

/* ---- visibility and order ---- */

static void test_visibility(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    attr_result r = {0};
    char g[512];
    rect(g, sizeof g, 0, 0, 1, 1);
    add_area(e, 10, 1, "admin", g,
             "\"kind\":\"control\",\"name\":\"c\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\","
             "\"visibility\":[\"Russia\",\"UN-OCHA\"]");
    add_area(e, 11, 1, "Russia", g,
             "\"kind\":\"designated\",\"name\":\"d\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\","
             "\"visibility\":[]");
    add_area(e, 12, 1, "admin", g, "\"kind\":\"region\",\"name\":\"Aleppo\",\"valid_from\":\"2011-01-01\"");
    const int64_t t = T("2016-06-01");
    struct {
        tr_party p;
        bool sees10, sees11;
    } cases[] = {
        {party("admin", ROLE_ADMIN), true, true},
        {party("JMC", ROLE_MONITOR), true, true},
        {party("SAA", ROLE_BELLIGERENT), true, false}, /* owner of 10 */
        {party("Russia", ROLE_GUARANTOR), true, true}, /* listed in 10, creator of 11 */
        {party("UN-OCHA", ROLE_HUMANITARIAN), true, false},
        {party("Turkey", ROLE_GUARANTOR), false, false},
        {party("Kazakhstan", ROLE_OBSERVER), false, false},
        {party("Opposition", ROLE_BELLIGERENT), false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        query(e, 0.5, 0.5, t, &cases[i].p, &r);
        if (has_area(&r, 10) != cases[i].sees10 || has_area(&r, 11) != cases[i].sees11 || !has_area(&r, 12))
            fail_msg("%s sees 10:%d 11:%d 12:%d", cases[i].p.name, has_area(&r, 10), has_area(&r, 11),
                     has_area(&r, 12));
        assert_int_equal(r.nareas, 1 + cases[i].sees10 + cases[i].sees11);
    }
    /* The system sees everything. */
    assert_int_equal(query(e, 0.5, 0.5, t, NULL, &r), 3);
    attr_result_clear(&r);
    attr_engine_free(e);
}

static void test_order(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    attr_result r = {0};
    char g[512];
    /* Added in scrambled order of kind and id, nested footprints around (0.5, 0.5). */
    static const struct {
        int64_t id;
        const char *props;
    } in[] = {
        {31, "\"kind\":\"region\",\"name\":\"r\",\"valid_from\":\"2011-01-01\""},
        {7, "\"kind\":\"no_strike\",\"name\":\"n\",\"valid_from\":\"2016-01-01\""},
        {50, "\"kind\":\"control\",\"name\":\"c50\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\""},
        {3, "\"kind\":\"corridor\",\"name\":\"k\",\"valid_from\":\"2016-01-01\""},
        {12, "\"kind\":\"control\",\"name\":\"c12\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\""},
        {40, "\"kind\":\"designated\",\"name\":\"d40\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\""},
        {2, "\"kind\":\"designated\",\"name\":\"d2\",\"actor\":\"Nusra\",\"valid_from\":\"2016-01-01\""},
        {99, "\"kind\":\"ceasefire_zone\",\"name\":\"z\",\"valid_from\":\"2016-01-01\""},
        {1, "\"kind\":\"region\",\"name\":\"r1\",\"valid_from\":\"2011-01-01\""},
        {20, "\"kind\":\"control\",\"name\":\"c20\",\"party\":\"SDF\",\"valid_from\":\"2016-01-01\""},
    };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        double d = 0.1 + 0.05 * (double)i;
        rect(g, sizeof g, 0.5 - d, 0.5 - d, 0.5 + d, 0.5 + d);
        add_area(e, in[i].id, 1, "admin", g, in[i].props);
    }
    static const int64_t want[] = {12, 20, 50, 99, 2, 40, 3, 7, 1, 31};
    assert_int_equal(query(e, 0.5, 0.5, T("2016-06-01"), NULL, &r), 10);
    for (size_t i = 0; i < 10; i++)
        if (r.areas[i]->id != want[i])
            fail_msg("position %zu holds area %lld, expected %lld", i, (long long)r.areas[i]->id,
                     (long long)want[i]);
    /* Before 2016 only the regions. */
    assert_int_equal(query(e, 0.5, 0.5, T("2015-06-01"), NULL, &r), 2);
    assert_int_equal(r.areas[0]->id, 1);
    assert_int_equal(r.areas[1]->id, 31);
    /* Further out only the larger footprints remain, still in order. */
    assert_int_equal(query(e, 0.5 + 0.42, 0.5, T("2016-06-01"), NULL, &r), 3);
    assert_int_equal(r.areas[0]->id, 20);
    assert_int_equal(r.areas[1]->id, 99);
    assert_int_equal(r.areas[2]->id, 1);
    attr_result_clear(&r);
    attr_engine_free(e);
}

/* ---- agreements ---- */

static void test_agreements(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    attr_result r = {0};
    char g[512];
    rect(g, sizeof g, 0, 0, 1, 1);
    add_area(e, 40, 1, "admin", g,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Castello\",\"valid_from\":\"2016-09-12T16:00:00Z\","
             "\"valid_to\":\"2016-09-19T16:00:00Z\"");
    rect(g, sizeof g, 3, 3, 4, 4);
    add_area(e, 41, 1, "admin", g,
             "\"kind\":\"ceasefire_zone\",\"name\":\"other\",\"valid_from\":\"2016-01-01\"");
    add_agreement(e, 1, 1, "admin",
                  "{\"name\":\"CoH\",\"start\":\"2016-02-26T22:00:00Z\",\"end\":\"2016-09-12T16:00:00Z\"}");
    add_agreement(e, 2, 1, "admin", "{\"name\":\"Sept\",\"start\":\"2016-09-12T16:00:00Z\",\"zones\":[40]}");
    add_agreement(e, 3, 1, "admin", "{\"name\":\"Other zones\",\"start\":\"2016-01-01\",\"zones\":[41, 77]}");
    add_agreement(e, 4, 1, "admin", "{\"name\":\"Missing zone\",\"start\":\"2016-01-01\",\"zones\":[77]}");
    add_agreement(e, 5, 1, "admin",
                  "{\"name\":\"Secret\",\"start\":\"2016-01-01\",\"visibility\":[\"SAA\"]}");
    add_agreement(e, 6, 1, "admin",
                  "{\"name\":\"Local truce\",\"start\":\"2016-01-01\",\"parties\":[\"Opposition\"],"
                  "\"visibility\":[]}");

    /* Before any agreement is in force, no zones apply either. */
    query(e, 0.5, 0.5, T("2015-06-01"), NULL, &r);
    assert_int_equal(r.nagreements, 0);
    /* CoH (no zones) applies everywhere while in force, plus the secret one for the system. */
    query(e, 0.5, 0.5, T("2016-03-01"), NULL, &r);
    assert_int_equal(r.nagreements, 3);
    assert_true(has_agreement(&r, 1) && has_agreement(&r, 5) && has_agreement(&r, 6));
    query(e, 20, 20, T("2016-03-01"), NULL, &r);
    assert_int_equal(r.nareas, 0);
    assert_true(has_agreement(&r, 1) && !has_agreement(&r, 2));
    /* At CoH's end (half-open) the September arrangement starts, inside its zone only. */
    query(e, 0.5, 0.5, T("2016-09-12T16:00:00Z") - 1, NULL, &r);
    assert_true(has_agreement(&r, 1) && !has_agreement(&r, 2));
    query(e, 0.5, 0.5, T("2016-09-12T16:00:00Z"), NULL, &r);
    assert_true(!has_agreement(&r, 1) && has_agreement(&r, 2));
    query(e, 1.5, 0.5, T("2016-09-13"), NULL, &r);
    assert_false(has_agreement(&r, 2));
    /* The zone area itself ends: the agreement no longer applies there. */
    query(e, 0.5, 0.5, T("2016-09-19T16:00:00Z"), NULL, &r);
    assert_false(has_agreement(&r, 2));
    /* One of several zones covering is enough; a zone id without an area never covers. */
    query(e, 3.5, 3.5, T("2016-06-01"), NULL, &r);
    assert_true(has_agreement(&r, 3));
    assert_false(has_agreement(&r, 4));
    query(e, 0.5, 0.5, T("2016-06-01"), NULL, &r);
    assert_false(has_agreement(&r, 3));
    assert_false(has_agreement(&r, 4));
    /* Visibility of agreements. */
    tr_party saa = party("SAA", ROLE_BELLIGERENT), turkey = party("Turkey", ROLE_GUARANTOR),
             jmc = party("JMC", ROLE_MONITOR);
    query(e, 20, 20, T("2016-06-01"), &saa, &r);
    assert_true(has_agreement(&r, 5));
    query(e, 20, 20, T("2016-06-01"), &turkey, &r);
    assert_false(has_agreement(&r, 5));
    assert_true(has_agreement(&r, 1));
    query(e, 20, 20, T("2016-06-01"), &jmc, &r);
    assert_true(has_agreement(&r, 5));
    /* Parties to an agreement see it whatever its visibility list says. */
    tr_party opp = party("Opposition", ROLE_BELLIGERENT);
    query(e, 20, 20, T("2016-06-01"), &opp, &r);
    assert_true(has_agreement(&r, 6));
    assert_false(has_agreement(&r, 5));
    query(e, 20, 20, T("2016-06-01"), &turkey, &r);
    assert_false(has_agreement(&r, 6));
    query(e, 20, 20, T("2016-06-01"), NULL, &r);
    assert_true(has_agreement(&r, 6));

    /* A newer version of agreement 1 replaces it: open-ended, renamed. */
    add_agreement(e, 1, 2, "admin", "{\"name\":\"CoH extended\",\"start\":\"2016-02-26T22:00:00Z\"}");
    query(e, 20, 20, T("2017-06-01"), NULL, &r);
    size_t n1 = 0;
    for (size_t i = 0; i < r.nagreements; i++)
        if (r.agreements[i]->id == 1) {
            n1++;
            assert_int_equal(r.agreements[i]->version, 2);
            assert_string_equal(r.agreements[i]->name, "CoH extended");
        }
    assert_int_equal(n1, 1);
    query(e, 20, 20, T("2016-03-01"), NULL, &r);
    n1 = 0;
    for (size_t i = 0; i < r.nagreements; i++)
        n1 += r.agreements[i]->id == 1;
    assert_int_equal(n1, 1);
    /* Replaced by a version that no longer applies here: gone. */
    add_agreement(e, 1, 3, "admin",
                  "{\"name\":\"CoH zoned\",\"start\":\"2016-02-26T22:00:00Z\",\"zones\":[41]}");
    query(e, 20, 20, T("2017-06-01"), NULL, &r);
    assert_false(has_agreement(&r, 1));
    query(e, 3.5, 3.5, T("2017-06-01"), NULL, &r);
    assert_true(has_agreement(&r, 1));
    attr_result_clear(&r);
    attr_engine_free(e);
}

/* An engine and a result freed by the teardown, so that a failing test leaks nothing. */
typedef struct engine_fixture {
    attr_engine *e;
    attr_result r;
} engine_fixture;

static int engine_setup(void **state) {
    engine_fixture *f = calloc(1, sizeof *f);
    if (!f || !(f->e = attr_engine_new())) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int engine_teardown(void **state) {
    engine_fixture *f = *state;
    attr_result_clear(&f->r);
    attr_engine_free(f->e);
    free(f);
    return 0;
}

/* Invariant 3 of attribution.c: the engine holds the latest version of each agreement.
 * A version older than the one held (a late or replayed add) must not replace it;
 * refusing it (as attr_engine_add_area refuses old area versions) or ignoring it is fine. */
static void test_agreement_older_version(void **state) {
    engine_fixture *f = *state;
    add_agreement(f->e, 7, 2, "admin", "{\"name\":\"v2\",\"start\":\"2016-01-01\"}");
    tr_agreement old;
    json_t *j = parse("{\"name\":\"v1\",\"start\":\"2015-01-01\"}");
    tr_err err = {0};
    assert_int_equal(tr_agreement_parse(j, &old, &err), TR_OK);
    json_decref(j);
    old.id = 7;
    old.version = 1;
    old.created_by = strdup("admin");
    int rc = attr_engine_add_agreement(f->e, &old, &err);
    tr_agreement_clear(&old); /* contents taken on success (zeroed), still ours on failure */
    if (rc != TR_OK) assert_int_equal(rc, TR_EINVAL);
    query(f->e, 0, 0, T("2017-01-01"), NULL, &f->r);
    assert_int_equal(f->r.nagreements, 1);
    assert_int_equal(f->r.agreements[0]->version, 2);
    assert_string_equal(f->r.agreements[0]->name, "v2");
    query(f->e, 0, 0, T("2015-06-01"), NULL, &f->r);
    assert_int_equal(f->r.nagreements, 0);
}

/* ---- covering ---- */

static void test_covering(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    char g[512];
    assert_int_equal(attr_engine_covering(e, 0.5, 0.5, NULL, 0), 0);
    rect(g, sizeof g, 0, 0, 1, 1);
    add_area(e, 1, 1, "admin", g, "\"kind\":\"region\",\"name\":\"a\",\"valid_from\":\"2011-01-01\"");
    rect(g, sizeof g, 0.4, 0.4, 2, 2);
    add_area(e, 2, 1, "admin", g,
             "\"kind\":\"control\",\"name\":\"b\",\"party\":\"SAA\",\"valid_from\":\"2030-01-01\","
             "\"visibility\":[]");
    rect(g, sizeof g, 0.45, 0.45, 0.55, 0.55);
    add_area(
        e, 3, 1, "admin", g,
        "\"kind\":\"no_strike\",\"name\":\"c\",\"valid_from\":\"2001-01-01\",\"valid_to\":\"2002-01-01\"");
    /* A triangle whose box covers (0.9, 0.1) but whose footprint does not. */
    add_area(e, 4, 1, "admin", "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],[1,1],[0,0]]]}",
             "\"kind\":\"region\",\"name\":\"t\",\"valid_from\":\"2011-01-01\"");
    int64_t ids[8];
    /* Time, kind and visibility do not matter. */
    size_t n = attr_engine_covering(e, 0.5, 0.5, ids, 8);
    assert_int_equal(n, 4);
    bool seen[5] = {false};
    for (size_t i = 0; i < n; i++) {
        assert_true(ids[i] >= 1 && ids[i] <= 4);
        seen[ids[i]] = true;
    }
    assert_true(seen[1] && seen[2] && seen[3] && seen[4]);
    assert_int_equal(attr_engine_covering(e, 0.9, 0.1, ids, 8), 1);
    assert_int_equal(ids[0], 1);
    assert_int_equal(attr_engine_covering(e, 1.5, 1.5, ids, 8), 1);
    assert_int_equal(ids[0], 2);
    assert_int_equal(attr_engine_covering(e, 3, 3, ids, 8), 0);
    /* ids may be NULL; cap bounds what is written, not the count. */
    assert_int_equal(attr_engine_covering(e, 0.5, 0.5, NULL, 0), 4);
    ids[2] = -7;
    assert_int_equal(attr_engine_covering(e, 0.5, 0.5, ids, 2), 4);
    assert_int_equal(ids[2], -7);
    attr_engine_free(e);
}

/* More areas over one point than the engine keeps on its stack (the index's callback
 * path), packed and in the index's tail: covering, query and their order. */
static void test_crowded_point(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    char g[512];
    for (int64_t id = 1; id <= 300; id++) {
        rect(g, sizeof g, -0.001 * (double)id, -0.001 * (double)id, 1, 1);
        add_area(e, id, 1, "admin", g,
                 id % 2 ? "\"kind\":\"region\",\"name\":\"r\",\"valid_from\":\"2011-01-01\""
                        : "\"kind\":\"no_strike\",\"name\":\"n\",\"valid_from\":\"2030-01-01\"");
        if (id == 200) attr_engine_pack(e);
    }
    int64_t ids[400];
    for (int k = 0; k < 2; k++) { /* before and after packing the last hundred */
        assert_int_equal(attr_engine_covering(e, 0.5, 0.5, ids, 400), 300);
        bool seen[301] = {false};
        for (int i = 0; i < 300; i++) {
            assert_true(ids[i] >= 1 && ids[i] <= 300 && !seen[ids[i]]);
            seen[ids[i]] = true;
        }
        assert_int_equal(attr_engine_covering(e, -0.15, -0.15, NULL, 0), 151); /* ids 150 .. 300 */
        attr_result r = {0};
        assert_int_equal(attr_engine_query(e, 0.5, 0.5, T("2020-01-01"), NULL, &r), TR_OK);
        assert_int_equal(r.nareas, 150); /* the regions; the no-strike zones start in 2030 */
        for (size_t i = 0; i < r.nareas; i++) {
            assert_int_equal(r.areas[i]->kind, AREA_REGION);
            if (i > 0) assert_true(r.areas[i - 1]->id < r.areas[i]->id);
        }
        assert_int_equal(attr_engine_query(e, 0.5, 0.5, T("2031-01-01"), NULL, &r), TR_OK);
        assert_int_equal(r.nareas, 300);
        attr_result_clear(&r);
        attr_engine_pack(e);
    }
    attr_engine_free(e);
}

/* ---- the JSON answer ---- */

static json_t *answer(attr_engine *e, double lon, double lat, int64_t t, const tr_party *viewer,
                      attr_result *r) {
    assert_int_equal(attr_engine_query(e, lon, lat, t, viewer, r), TR_OK);
    json_t *j = attr_result_to_json(e, r, lon, lat, t);
    assert_non_null(j);
    return j;
}

static json_t *first_agreement(json_t *j, int64_t id) {
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(j, "agreements"), i,
                       a) if (json_integer_value(json_object_get(a, "id")) == id) return a;
    fail_msg("agreement %lld missing from the answer", (long long)id);
    return NULL;
}

static void test_result_json(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    attr_result r = {0};
    char g[512];
    rect(g, sizeof g, 0, 0, 10, 10);
    add_area(e, 1, 1, "admin", g, "\"kind\":\"region\",\"name\":\"Homs\",\"valid_from\":\"2011-01-01\"");
    rect(g, sizeof g, 0, 0, 2, 2);
    add_area(e, 2, 1, "admin", g,
             "\"kind\":\"control\",\"name\":\"gov\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"");
    rect(g, sizeof g, 1, 1, 3, 3);
    add_area(e, 3, 1, "admin", g,
             "\"kind\":\"control\",\"name\":\"isis\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\"");
    add_area(e, 4, 1, "admin", g,
             "\"kind\":\"designated\",\"name\":\"isis d\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\"");
    rect(g, sizeof g, 5, 5, 6, 6);
    add_area(
        e, 5, 1, "admin", g,
        "\"kind\":\"designated\",\"name\":\"nusra d\",\"actor\":\"Nusra\",\"valid_from\":\"2016-01-01\"");
    add_area(
        e, 6, 1, "admin", g,
        "\"kind\":\"no_strike\",\"name\":\"hospital\",\"party\":\"UN-OCHA\",\"valid_from\":\"2016-01-01\"");
    add_agreement(e, 9, 1, "admin",
                  "{\"name\":\"CoH\",\"start\":\"2016-01-01\",\"excluded_actors\":[\"ISIS\",\"Nusra\"]}");
    const int64_t t = T("2016-06-01T12:00:00Z");

    /* Nothing there. */
    json_t *j = answer(e, 50, 50, t, NULL, &r);
    assert_true(json_is_null(json_object_get(j, "controller")));
    assert_true(json_is_false(json_object_get(j, "contested")));
    assert_true(json_is_null(json_object_get(j, "region")));
    assert_string_equal(json_string_value(json_object_get(j, "at")), "2016-06-01T12:00:00Z");
    assert_true(json_number_value(json_object_get(j, "lon")) == 50);
    assert_true(json_number_value(json_object_get(j, "lat")) == 50);
    static const char *const lists[] = {"control", "ceasefire_zones", "designated", "corridors", "no_strike",
                                        "regions", "agreements",      "parties",    "actors"};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        json_t *l = json_object_get(j, lists[i]);
        if (!json_is_array(l)) fail_msg("'%s' is not an array", lists[i]);
        if (i != 6) assert_int_equal(json_array_size(l), 0);
    }
    assert_int_equal(json_array_size(json_object_get(j, "agreements")), 1); /* everywhere */
    json_decref(j);

    /* Region only. */
    j = answer(e, 8, 8, t, NULL, &r);
    assert_string_equal(json_string_value(json_object_get(j, "region")), "Homs");
    assert_true(json_is_null(json_object_get(j, "controller")));
    assert_int_equal(json_array_size(json_object_get(j, "regions")), 1);
    assert_int_equal(json_array_size(json_object_get(first_agreement(j, 9), "excluded_actors_here")), 0);
    json_decref(j);

    /* One control area held by a party. */
    j = answer(e, 0.5, 0.5, t, NULL, &r);
    json_t *c = json_object_get(j, "controller");
    assert_true(json_is_object(c));
    assert_string_equal(json_string_value(json_object_get(c, "name")), "SAA");
    assert_string_equal(json_string_value(json_object_get(c, "type")), "party");
    assert_int_equal(json_integer_value(json_object_get(c, "area_id")), 2);
    assert_true(json_is_false(json_object_get(j, "contested")));
    json_t *ctl = json_array_get(json_object_get(j, "control"), 0);
    assert_int_equal(json_integer_value(json_object_get(ctl, "area_id")), 2);
    assert_int_equal(json_integer_value(json_object_get(ctl, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(ctl, "name")), "gov");
    assert_string_equal(json_string_value(json_object_get(ctl, "party")), "SAA");
    assert_int_equal(json_array_size(json_object_get(j, "parties")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "actors")), 0);
    json_decref(j);

    /* One control area held by an actor, inside a designated area of the same actor. */
    j = answer(e, 2.5, 2.5, t, NULL, &r);
    c = json_object_get(j, "controller");
    assert_string_equal(json_string_value(json_object_get(c, "name")), "ISIS");
    assert_string_equal(json_string_value(json_object_get(c, "type")), "actor");
    assert_int_equal(json_integer_value(json_object_get(c, "area_id")), 3);
    json_t *here = json_object_get(first_agreement(j, 9), "excluded_actors_here");
    assert_int_equal(json_array_size(here), 1); /* ISIS once, though two areas name it */
    assert_string_equal(json_string_value(json_array_get(here, 0)), "ISIS");
    assert_int_equal(json_array_size(json_object_get(j, "actors")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "designated")), 1);
    json_decref(j);

    /* Two control areas overlap: contested, no controller. */
    j = answer(e, 1.5, 1.5, t, NULL, &r);
    assert_true(json_is_null(json_object_get(j, "controller")));
    assert_true(json_is_true(json_object_get(j, "contested")));
    assert_int_equal(json_array_size(json_object_get(j, "control")), 2);
    assert_int_equal(json_array_size(json_object_get(j, "parties")), 1);
    assert_int_equal(json_array_size(json_object_get(j, "actors")), 1);
    assert_string_equal(json_string_value(json_object_get(j, "region")), "Homs");
    json_decref(j);

    /* A designated area of another excluded actor, and a no-strike site. */
    j = answer(e, 5.5, 5.5, t, NULL, &r);
    here = json_object_get(first_agreement(j, 9), "excluded_actors_here");
    assert_int_equal(json_array_size(here), 1);
    assert_string_equal(json_string_value(json_array_get(here, 0)), "Nusra");
    assert_int_equal(json_array_size(json_object_get(j, "no_strike")), 1);
    assert_string_equal(json_string_value(json_object_get(first_agreement(j, 9), "name")), "CoH");
    json_decref(j);
    attr_result_clear(&r);
    attr_engine_free(e);
}

/* ---- randomized cross-check against brute force ---- */

typedef struct ref_version {
    int64_t id;
    int version;
    tr_area_kind kind;
    int64_t from, to, eff; /* eff: min(to, next version's from), computed here */
    geo_shape *shape;      /* the test's own copy of the footprint */
    char party[8], creator[8];
    bool restricted; /* visibility ["P3"] */
    double vx, vy;   /* one vertex, for boundary queries */
} ref_version;

typedef struct ref_set {
    ref_version *v;
    size_t n, cap;
    uint64_t rng;
} ref_set;

static uint64_t rnd(uint64_t *s) {
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static double urand(uint64_t *s, double lo, double hi) {
    return lo + (hi - lo) * ((double)(rnd(s) >> 11) / 9007199254740992.0);
}

/* A random polygon around (cx, cy) as GeoJSON text: one vertex per equal sector,
 * jittered so that consecutive angles stay less than pi apart; the polygon is then
 * star-shaped from the centre, hence simple. */
static void star(uint64_t *s, double cx, double cy, double rmax, char *buf, size_t n, double *vx,
                 double *vy) {
    int k = 3 + (int)(rnd(s) % 6);
    double ang[8];
    for (int i = 0; i < k; i++)
        ang[i] = ((double)i + urand(s, 0.35, 0.65)) * 2 * M_PI / k;
    size_t off = (size_t)snprintf(buf, n, "{\"type\":\"Polygon\",\"coordinates\":[[");
    double x0 = 0, y0 = 0;
    for (int i = 0; i < k; i++) {
        double r = urand(s, 0.3, 1.0) * rmax, x = cx + r * cos(ang[i]), y = cy + r * sin(ang[i]);
        if (i == 0) {
            x0 = x;
            y0 = y;
        }
        off += (size_t)snprintf(buf + off, n - off, "[%.17g,%.17g],", x, y);
    }
    snprintf(buf + off, n - off, "[%.17g,%.17g]]]}", x0, y0);
    *vx = x0;
    *vy = y0;
}

static const char *const RND_KINDS[] = {"control",  "ceasefire_zone", "designated",
                                        "corridor", "no_strike",      "region"};

/* Adds area id with nver random versions to the engine and to R. */
static void add_random_area(attr_engine *e, ref_set *R, int64_t id, int nver) {
    uint64_t *s = &R->rng;
    int kind = (int)(rnd(s) % AREA_KIND_COUNT);
    const char *owner = rnd(s) % 2 ? "P1" : "P2";
    int64_t from = (int64_t)urand(s, (double)T("2016-01-01"), (double)T("2017-06-01"));
    size_t first = R->n;
    for (int v = 1; v <= nver; v++) {
        if (R->n == R->cap) {
            R->cap = R->cap ? R->cap * 2 : 1024;
            R->v = realloc(R->v, R->cap * sizeof *R->v);
            assert_non_null(R->v);
        }
        ref_version *rv = &R->v[R->n];
        memset(rv, 0, sizeof *rv);
        rv->id = id;
        rv->version = v;
        rv->kind = (tr_area_kind)kind;
        if (v > 1) from += (int64_t)(rnd(s) % (200 * 86400)) * (rnd(s) % 8 != 0); /* sometimes equal */
        rv->from = from;
        rv->to = rnd(s) % 10 < 3 ? TR_TIME_OPEN : from + 3600 + (int64_t)(rnd(s) % (300 * 86400));
        rv->restricted = rnd(s) % 4 == 0;
        snprintf(rv->creator, sizeof rv->creator, "%s", rnd(s) % 2 ? "admin" : "P2");
        char geom[1024], props[512], from_s[TR_TIME_BUFSZ], to_s[TR_TIME_BUFSZ + 20] = "";
        star(s, urand(s, 0, 5), urand(s, 0, 5), urand(s, 0.05, 0.4), geom, sizeof geom, &rv->vx, &rv->vy);
        tr_time_format(rv->from, from_s);
        if (rv->to != TR_TIME_OPEN) {
            char b[TR_TIME_BUFSZ];
            snprintf(to_s, sizeof to_s, ",\"valid_to\":\"%s\"", tr_time_format(rv->to, b));
        }
        const char *own_key = kind == AREA_REGION ? NULL : kind == AREA_DESIGNATED ? "actor" : "party";
        if (own_key && kind != AREA_DESIGNATED) snprintf(rv->party, sizeof rv->party, "%s", owner);
        char own[64] = "";
        if (own_key)
            snprintf(own, sizeof own, ",\"%s\":\"%s\"", own_key, kind == AREA_DESIGNATED ? "A1" : owner);
        snprintf(props, sizeof props, "\"kind\":\"%s\",\"name\":\"a%lld v%d\"%s,\"valid_from\":\"%s\"%s%s",
                 RND_KINDS[kind], (long long)id, v, own, from_s, to_s,
                 rv->restricted ? ",\"visibility\":[\"P3\"]" : "");
        json_t *g = parse(geom);
        tr_err err = {0};
        if (geo_shape_from_geojson(g, 0, &LIM, &rv->shape, &err))
            fail_msg("random polygon rejected: %s %s", err.msg, geom);
        json_decref(g);
        R->n++;
        tr_area a;
        make_area(&a, id, v, rv->creator, geom, props);
        if (attr_engine_add_area(e, &a, &err))
            fail_msg("engine refused area %lld v%d: %s", (long long)id, v, err.msg);
    }
    /* effective_to, independently: the earliest start among later versions caps it. */
    for (size_t i = first; i < R->n; i++) {
        R->v[i].eff = R->v[i].to;
        for (size_t j = i + 1; j < R->n; j++)
            if (R->v[j].from < R->v[i].eff) R->v[i].eff = R->v[j].from;
    }
}

static void ref_free(ref_set *R) {
    for (size_t i = 0; i < R->n; i++)
        geo_shape_free(R->v[i].shape);
    free(R->v);
    memset(R, 0, sizeof *R);
}

static bool ref_visible(const ref_version *v, const tr_party *viewer) {
    if (!viewer || !v->restricted || tr_party_is_privileged(viewer)) return true;
    return strcmp(v->party, viewer->name) == 0 || strcmp(v->creator, viewer->name) == 0 ||
           strcmp("P3", viewer->name) == 0;
}

static int cmp_ref(const void *x, const void *y) {
    const ref_version *a = *(const ref_version *const *)x, *b = *(const ref_version *const *)y;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Compares one engine answer with the brute-force loop over R; returns the count. */
static size_t check_query(attr_engine *e, const ref_set *R, double lon, double lat, int64_t t,
                          const tr_party *viewer, attr_result *r, const ref_version **buf) {
    assert_int_equal(attr_engine_query(e, lon, lat, t, viewer, r), TR_OK);
    size_t n = 0;
    for (size_t i = 0; i < R->n; i++) {
        const ref_version *v = &R->v[i];
        if (v->from <= t && t < v->eff && ref_visible(v, viewer) && geo_shape_covers(v->shape, lon, lat))
            buf[n++] = v;
    }
    qsort(buf, n, sizeof *buf, cmp_ref);
    bool same = n == r->nareas;
    for (size_t i = 0; same && i < n; i++)
        same = buf[i]->id == r->areas[i]->id && buf[i]->version == r->areas[i]->version;
    if (!same) {
        char got[512] = "", want[512] = "";
        for (size_t i = 0; i < r->nareas && strlen(got) < 480; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), " %lld/v%d", (long long)r->areas[i]->id,
                     r->areas[i]->version);
        for (size_t i = 0; i < n && strlen(want) < 480; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), " %lld/v%d", (long long)buf[i]->id,
                     buf[i]->version);
        fail_msg("at (%.17g, %.17g) t=%lld viewer %s: engine [%s ], brute force [%s ]", lon, lat,
                 (long long)t, viewer ? viewer->name : "(system)", got, want);
    }
    return n;
}

/* A random query point and instant; a quarter of the instants sit on a version
 * boundary, a tenth of the points on a vertex. */
static void random_query(ref_set *R, uint64_t *s, double *lon, double *lat, int64_t *t) {
    const ref_version *v = &R->v[rnd(s) % R->n];
    if (rnd(s) % 10 == 0) {
        *lon = v->vx;
        *lat = v->vy;
    } else {
        *lon = urand(s, -0.3, 5.3);
        *lat = urand(s, -0.3, 5.3);
    }
    if (rnd(s) % 4 == 0) {
        const ref_version *w = &R->v[rnd(s) % R->n];
        int64_t b = rnd(s) % 2 || w->eff == TR_TIME_OPEN ? w->from : w->eff;
        *t = b - (int64_t)(rnd(s) % 2);
    } else {
        *t = (int64_t)urand(s, (double)T("2015-12-01"), (double)T("2018-06-01"));
    }
}

static void test_random_cross_check(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    ref_set R = {.rng = 0x9e3779b97f4a7c15ULL};
    for (int64_t id = 1; R.n < 2000; id++) {
        int nver = rnd(&R.rng) % 4 == 0 ? 2 + (int)(rnd(&R.rng) % 2) : 1;
        if (R.n + (size_t)nver > 2000) nver = (int)(2000 - R.n);
        add_random_area(e, &R, id, nver);
    }
    assert_int_equal(attr_engine_area_versions(e), 2000);
    const ref_version **buf = malloc(R.n * sizeof *buf);
    assert_non_null(buf);
    tr_party p1 = party("P1", ROLE_BELLIGERENT), p3 = party("P3", ROLE_GUARANTOR),
             p4 = party("P4", ROLE_OBSERVER), jmc = party("JMC", ROLE_MONITOR),
             p2 = party("P2", ROLE_HUMANITARIAN);
    const tr_party *viewers[] = {NULL, NULL, &p1, &p2, &p3, &p4, &jmc};
    attr_result r = {0};
    uint64_t s = 12345;
    size_t total = 0, nonempty = 0, hidden_seen = 0;
    for (int q = 0; q < 20000; q++) {
        double lon, lat;
        int64_t t;
        random_query(&R, &s, &lon, &lat, &t);
        const tr_party *viewer = viewers[rnd(&s) % (sizeof viewers / sizeof *viewers)];
        size_t n = check_query(e, &R, lon, lat, t, viewer, &r, buf);
        total += n;
        nonempty += n > 0;
        if (viewer == &p4 && n > 0) hidden_seen++;
    }
    /* The check must have had something to compare. */
    assert_true(nonempty > 5000);
    assert_true(total > 10000);
    assert_true(hidden_seen > 100);
    /* attr_engine_covering agrees with the brute force on every version, regardless of time. */
    for (int q = 0; q < 2000; q++) {
        double lon = urand(&s, -0.3, 5.3), lat = urand(&s, -0.3, 5.3);
        size_t want = 0;
        for (size_t i = 0; i < R.n; i++)
            want += geo_shape_covers(R.v[i].shape, lon, lat);
        assert_int_equal(attr_engine_covering(e, lon, lat, NULL, 0), want);
    }
    attr_result_clear(&r);
    free(buf);
    ref_free(&R);
    attr_engine_free(e);
}

/* ---- readers beside a writer ---- */

typedef struct reader_arg {
    attr_engine *e;
    volatile int *stop;
    uint64_t seed;
    long queries;
    int bad;
    size_t last_versions;
} reader_arg;

static void *reader(void *p) {
    reader_arg *a = p;
    attr_result r = {0};
    uint64_t s = a->seed;
    while (!__atomic_load_n(a->stop, __ATOMIC_ACQUIRE)) {
        double lon = urand(&s, -0.3, 5.3), lat = urand(&s, -0.3, 5.3);
        int64_t t = (int64_t)urand(&s, (double)T("2015-12-01"), (double)T("2018-06-01"));
        if (attr_engine_query(a->e, lon, lat, t, NULL, &r) != TR_OK) a->bad++;
        for (size_t i = 0; i < r.nareas; i++) {
            if (!geo_shape_covers(r.areas[i]->shape, lon, lat)) a->bad++;
            if (i > 0 && (r.areas[i - 1]->kind > r.areas[i]->kind ||
                          (r.areas[i - 1]->kind == r.areas[i]->kind && r.areas[i - 1]->id >= r.areas[i]->id)))
                a->bad++;
        }
        if (attr_engine_covering(a->e, lon, lat, NULL, 0) < r.nareas) a->bad++;
        /* The count of versions only grows. */
        size_t nv = attr_engine_area_versions(a->e);
        if (nv < a->last_versions) a->bad++;
        a->last_versions = nv;
        json_t *j = attr_result_to_json(a->e, &r, lon, lat, t);
        if (!j) a->bad++;
        json_decref(j);
        __atomic_add_fetch(&a->queries, 1, __ATOMIC_RELEASE);
    }
    attr_result_clear(&r);
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    ref_set R = {.rng = 77};
    int64_t id = 1;
    for (; id <= 100; id++)
        add_random_area(e, &R, id, 1);
    volatile int stop = 0;
    reader_arg args[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (reader_arg){.e = e, .stop = &stop, .seed = 1000 + (uint64_t)i};
        assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]), 0);
    }
    /* Let every reader start before writing. */
    for (int i = 0; i < 4; i++)
        while (__atomic_load_n(&args[i].queries, __ATOMIC_ACQUIRE) == 0)
            sched_yield();
    /* 500 more area versions; some areas get a second version that cuts the first
     * while the readers run. */
    size_t before = R.n;
    while (R.n < before + 500) {
        int nver = rnd(&R.rng) % 5 == 0 ? 2 : 1;
        add_random_area(e, &R, id++, nver);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    long total = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].bad, 0);
        assert_true(args[i].queries > 0);
        total += args[i].queries;
    }
    assert_true(total >= 4);
    assert_int_equal(attr_engine_area_versions(e), R.n);
    /* Final answers match the brute force. */
    const ref_version **buf = malloc(R.n * sizeof *buf);
    attr_result r = {0};
    uint64_t s = 99;
    size_t nonempty = 0;
    for (int q = 0; q < 3000; q++) {
        double lon, lat;
        int64_t t;
        random_query(&R, &s, &lon, &lat, &t);
        nonempty += check_query(e, &R, lon, lat, t, NULL, &r, buf) > 0;
    }
    assert_true(nonempty > 500);
    attr_result_clear(&r);
    free(buf);
    ref_free(&R);
    attr_engine_free(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_cutoff),
        cmocka_unit_test(test_effective_to_min),
        cmocka_unit_test(test_visibility),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_agreements),
        cmocka_unit_test_setup_teardown(test_agreement_older_version, engine_setup, engine_teardown),
        cmocka_unit_test(test_covering),
        cmocka_unit_test(test_crowded_point),
        cmocka_unit_test(test_result_json),
        cmocka_unit_test(test_random_cross_check),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("attribution", tests, NULL, NULL);
}
