/*
 * test_dc_areas.c — conflicts of a volume with ceasefire_zone and no_strike areas by
 * footprint (service/centre_dc_areas.c): grazing polygons and circles, zones starting or
 * ending within the window, versions changing mid-window, the agreements named, kinds,
 * visibility and the anti-meridian. Areas and volumes are parsed as the centre parses
 * them and held by a real attribution engine.
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

#include "base/timeutil.h"
#include "service/centre_dc.h"

static const geo_limits LIM = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};

#define W0 "2016-09-17T14:00:00Z"
#define W1 "2016-09-17T15:00:00Z"

static json_t *parse(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (j == NULL) fail_msg("bad test JSON (%s): %s", je.text, text);
    return j;
}

static tr_party party(const char *name) {
    tr_party p = {.id = 7, .role = ROLE_BELLIGERENT};
    snprintf(p.name, sizeof p.name, "%s", name);
    return p;
}

static char *rect(char *buf, size_t n, double x0, double y0, double x1, double y1) {
    snprintf(
        buf, n,
        "{\"type\":\"Polygon\",\"coordinates\":[[[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],"
        "[%.17g,%.17g]]]}",
        x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return buf;
}

/* Adds version `version` of area id: a rectangle, with properties text (no braces). */
static void add_area(attr_engine *e, int64_t id, int version, double x0, double y0, double x1, double y1,
                     const char *props) {
    char g[512], text[1536];
    snprintf(text, sizeof text, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{%s}}",
             rect(g, sizeof g, x0, y0, x1, y1), props);
    json_t *j = parse(text);
    tr_area a;
    tr_err err = {0};
    if (tr_area_parse(j, 0, &LIM, &a, &err) != TR_OK)
        fail_msg("test area rejected: %s: %s", err.field, err.msg);
    json_decref(j);
    a.id = id;
    a.version = version;
    a.created_by = strdup("admin");
    if (attr_engine_add_area(e, &a, &err) != TR_OK) fail_msg("engine refused area: %s", err.msg);
    tr_area_clear(&a);
}

static void add_agreement(attr_engine *e, int64_t id, const char *body) {
    json_t *j = parse(body);
    tr_agreement a;
    tr_err err = {0};
    if (tr_agreement_parse(j, &a, &err) != TR_OK)
        fail_msg("test agreement rejected: %s: %s", err.field, err.msg);
    json_decref(j);
    a.id = id;
    a.version = 1;
    a.created_by = strdup("admin");
    assert_int_equal(attr_engine_add_agreement(e, &a, &err), TR_OK);
    tr_agreement_clear(&a);
}

static void volume(tr_volume *v, const char *outline, const char *t0, const char *t1) {
    char text[2048];
    snprintf(text, sizeof text,
             "{\"volume\":{%s,\"altitude_lower\":{\"value\":0,\"reference\":\"W84\",\"units\":\"M\"},"
             "\"altitude_upper\":{\"value\":3000,\"reference\":\"W84\",\"units\":\"M\"}},"
             "\"time_start\":{\"value\":\"%s\",\"format\":\"RFC3339\"},"
             "\"time_end\":{\"value\":\"%s\",\"format\":\"RFC3339\"}}",
             outline, t0, t1);
    json_t *j = parse(text);
    tr_err err = {0};
    if (tr_volume_parse(j, "", 0, v, &err) != TR_OK)
        fail_msg("test volume rejected: %s: %s", err.field, err.msg);
    json_decref(j);
}

static void square(tr_volume *v, double x0, double y0, double x1, double y1) {
    char o[1024];
    snprintf(o, sizeof o,
             "\"outline_polygon\":{\"vertices\":[{\"lng\":%.17g,\"lat\":%.17g},{\"lng\":%.17g,\"lat\":%.17g},"
             "{\"lng\":%.17g,\"lat\":%.17g},{\"lng\":%.17g,\"lat\":%.17g}]}",
             x0, y0, x1, y0, x1, y1, x0, y1);
    volume(v, o, W0, W1);
}

static void circle(tr_volume *v, double lon, double lat, double r, const char *t0, const char *t1) {
    char o[512];
    snprintf(o, sizeof o,
             "\"outline_circle\":{\"center\":{\"lat\":%.17g,\"lng\":%.17g},\"radius\":{\"value\":%.17g,"
             "\"units\":\"M\"}}",
             lat, lon, r);
    volume(v, o, t0, t1);
}

/* The conflicts as "id:versions:start-end:agreements" strings joined by "; ". */
static char *describe(attr_engine *e, const char *viewer, tr_volume *v) {
    tr_party p = party(viewer);
    json_t *out = json_array();
    tr_err err = {0};
    assert_int_equal(centre_dc_area_conflicts(e, &p, v, 0, out, &err), TR_OK);
    static char buf[2048];
    buf[0] = 0;
    size_t i, k;
    json_t *x, *y;
    json_array_foreach(out, i, x) {
        assert_string_equal(json_string_value(json_object_get(x, "type")), "area");
        assert_int_equal(json_integer_value(json_object_get(x, "volume")), 0);
        char part[512];
        int n = snprintf(part, sizeof part, "%s%lld:", i ? "; " : "",
                         (long long)json_integer_value(json_object_get(x, "id")));
        json_array_foreach(json_object_get(x, "versions"), k, y) n += snprintf(
            part + n, sizeof part - (size_t)n, "%sv%lld", k ? "," : "", (long long)json_integer_value(y));
        const char *t0 = json_string_value(json_object_get(x, "time_start")),
                   *t1 = json_string_value(json_object_get(x, "time_end"));
        n += snprintf(part + n, sizeof part - (size_t)n, ":%.5s-%.5s:", t0 + 11, t1 + 11);
        json_array_foreach(json_object_get(x, "agreements"), k, y) n +=
            snprintf(part + n, sizeof part - (size_t)n, "%s%s", k ? "," : "", json_string_value(y));
        strncat(buf, part, sizeof buf - strlen(buf) - 1);
    }
    json_decref(out);
    tr_volume_clear(v);
    return buf;
}

#define ZONE "\"kind\":\"ceasefire_zone\",\"name\":\"Zone\",\"valid_from\":\"2016-01-01T00:00:00Z\""

/* ---- grazing footprints ---- */

static void test_grazing_polygon(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    add_area(e, 1, 1, 37.0, 36.0, 37.1, 36.1, ZONE);
    tr_volume v;
    square(&v, 36.9, 36.0, 37.0, 36.05); /* shares the zone's west edge; its centre is outside */
    assert_string_equal(describe(e, "SAA", &v), "1:v1:14:00-15:00:");
    square(&v, 36.9, 36.0, 36.99999999, 36.05); /* a hair west */
    assert_string_equal(describe(e, "SAA", &v), "");
    square(&v, 37.1, 36.1, 37.2, 36.2); /* corner to corner */
    assert_string_equal(describe(e, "SAA", &v), "1:v1:14:00-15:00:");
    square(&v, 36.9, 35.9, 37.2, 36.2); /* around it, no vertex inside */
    assert_string_equal(describe(e, "SAA", &v), "1:v1:14:00-15:00:");
    attr_engine_free(e);
}

static void test_grazing_circle(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    add_area(e, 1, 1, 37.0, 36.0, 37.1, 36.1, ZONE);
    double d = geo_distance_m(36.99, 36.05, 37.0, 36.05); /* ~900 m to the zone's west edge */
    tr_volume v;
    circle(&v, 36.99, 36.05, d * 1.002, W0, W1);
    assert_string_equal(describe(e, "SAA", &v), "1:v1:14:00-15:00:");
    circle(&v, 36.99, 36.05, d * 0.998, W0, W1);
    assert_string_equal(describe(e, "SAA", &v), "");
    /* The old rule looked at the centre only: a big circle around the zone conflicts too. */
    circle(&v, 37.05, 35.5, 80000, W0, W1);
    assert_string_equal(describe(e, "SAA", &v), "1:v1:14:00-15:00:");
    attr_engine_free(e);
}

static void test_anti_meridian(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    add_area(e, 1, 1, 179.9, -17.0, 180.0, -16.9, ZONE);
    tr_volume v;
    circle(&v, -179.99, -16.95, 2000, W0, W1); /* ~1.1 km east of the 180th meridian: reaches over it */
    assert_string_equal(describe(e, "SAA", &v), "1:v1:14:00-15:00:");
    circle(&v, -179.97, -16.95, 2000, W0, W1); /* ~3.2 km east: does not */
    assert_string_equal(describe(e, "SAA", &v), "");
    attr_engine_free(e);
}

/* ---- time ---- */

static void test_zone_starting_mid_window(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    add_area(e, 1, 1, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Later\",\"valid_from\":\"2016-09-17T14:30:00Z\"");
    add_area(e, 2, 1, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"no_strike\",\"name\":\"After\",\"valid_from\":\"2016-09-17T15:00:00Z\"");
    add_area(e, 3, 1, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Before\",\"valid_from\":\"2016-09-17T12:00:00Z\","
             "\"valid_to\":\"2016-09-17T14:00:00Z\"");
    add_area(e, 4, 1, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"no_strike\",\"name\":\"Early\",\"valid_from\":\"2016-09-17T13:00:00Z\","
             "\"valid_to\":\"2016-09-17T14:20:00Z\"");
    tr_volume v;
    square(&v, 37.02, 36.02, 37.03, 36.03);
    assert_string_equal(describe(e, "SAA", &v), "1:v1:14:30-15:00:; 4:v1:14:00-14:20:");
    attr_engine_free(e);
}

static void test_versions_changing_mid_window(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    /* Area 10: over the volume, moved away at 14:20, back at 14:40: two conflicts. */
    add_area(e, 10, 1, 37.0, 36.0, 37.1, 36.1, ZONE);
    add_area(e, 10, 2, 38.0, 36.0, 38.1, 36.1,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Zone\",\"valid_from\":\"2016-09-17T14:20:00Z\"");
    add_area(e, 10, 3, 37.0, 36.0, 37.2, 36.1,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Zone\",\"valid_from\":\"2016-09-17T14:40:00Z\"");
    /* Area 11: reshaped at 14:30 but over the volume both times: one conflict, two versions. */
    add_area(e, 11, 1, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"no_strike\",\"name\":\"Old\",\"valid_from\":\"2016-01-01T00:00:00Z\"");
    add_area(e, 11, 2, 37.01, 36.01, 37.05, 36.05,
             "\"kind\":\"no_strike\",\"name\":\"New\",\"valid_from\":\"2016-09-17T14:30:00Z\"");
    /* Area 12: elsewhere, then over the volume from 14:30. */
    add_area(e, 12, 1, 39.0, 36.0, 39.1, 36.1, ZONE);
    add_area(e, 12, 2, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Zone\",\"valid_from\":\"2016-09-17T14:30:00Z\"");
    /* Area 13: a control area over the volume is no conflict, whatever its versions. */
    add_area(
        e, 13, 1, 37.0, 36.0, 37.1, 36.1,
        "\"kind\":\"control\",\"name\":\"Held\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01T00:00:00Z\"");
    tr_volume v;
    square(&v, 37.02, 36.02, 37.03, 36.03);
    assert_string_equal(describe(e, "SAA", &v),
                        "10:v1:14:00-14:20:; 10:v3:14:40-15:00:; 11:v1,v2:14:00-15:00:; 12:v2:14:30-15:00:");
    square(&v, 37.06, 36.06, 37.07, 36.07); /* outside area 11's second version */
    assert_string_equal(describe(e, "SAA", &v), "10:v1:14:00-14:20:; 10:v3:14:40-15:00:; 11:v1:14:00-14:30:; "
                                                "12:v2:14:30-15:00:");
    attr_engine_free(e);
}

/* A version replaced at its own valid_from was never in force: no conflict, no empty window. */
static void test_version_never_in_force(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    add_area(e, 1, 1, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Zone\",\"valid_from\":\"2016-09-17T14:30:00Z\"");
    add_area(e, 1, 2, 38.0, 36.0, 38.1, 36.1,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Zone\",\"valid_from\":\"2016-09-17T14:30:00Z\"");
    tr_volume v;
    square(&v, 37.02, 36.02, 37.03, 36.03);
    assert_string_equal(describe(e, "SAA", &v), "");
    square(&v, 38.02, 36.02, 38.03, 36.03);
    assert_string_equal(describe(e, "SAA", &v), "1:v2:14:30-15:00:");
    attr_engine_free(e);
}

/* ---- agreements, visibility ---- */

static void test_agreements(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    add_area(e, 20, 1, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"ceasefire_zone\",\"name\":\"Zone\",\"valid_from\":\"2016-09-17T14:30:00Z\"");
    add_area(e, 30, 1, 36.0, 35.0, 38.0, 37.0,
             "\"kind\":\"region\",\"name\":\"Aleppo governorate\",\"valid_from\":\"2016-01-01T00:00:00Z\"");
    add_area(e, 40, 1, 30.0, 30.0, 31.0, 31.0,
             "\"kind\":\"region\",\"name\":\"Elsewhere\",\"valid_from\":\"2016-01-01T00:00:00Z\"");
    add_agreement(e, 1, "{\"name\":\"Everywhere\",\"start\":\"2016-09-12T16:00:00Z\"}");
    add_agreement(e, 2, "{\"name\":\"ZoneFrom1445\",\"start\":\"2016-09-17T14:45:00Z\",\"zones\":[20]}");
    add_agreement(e, 3,
                  "{\"name\":\"Ended\",\"start\":\"2016-02-26T00:00:00Z\",\"end\":\"2016-09-17T13:00:00Z\"}");
    add_agreement(e, 4, "{\"name\":\"ElsewhereOnly\",\"start\":\"2016-09-12T16:00:00Z\",\"zones\":[40]}");
    add_agreement(e, 5, "{\"name\":\"Governorate\",\"start\":\"2016-09-12T16:00:00Z\",\"zones\":[30]}");
    /* In force 14:00-14:15 only, when zone 20 is not yet: no overlap of all three. */
    add_agreement(
        e, 6,
        "{\"name\":\"TooEarly\",\"start\":\"2016-09-17T14:00:00Z\",\"end\":\"2016-09-17T14:15:00Z\","
        "\"zones\":[20]}");
    add_agreement(e, 7,
                  "{\"name\":\"Private\",\"start\":\"2016-09-12T16:00:00Z\",\"visibility\":[\"Russia\"]}");
    tr_volume v;
    square(&v, 37.02, 36.02, 37.03, 36.03);
    assert_string_equal(describe(e, "SAA", &v), "20:v1:14:30-15:00:Everywhere,ZoneFrom1445,Governorate");
    square(&v, 37.02, 36.02, 37.03, 36.03);
    assert_string_equal(describe(e, "Russia", &v),
                        "20:v1:14:30-15:00:Everywhere,ZoneFrom1445,Governorate,Private");
    attr_engine_free(e);
}

static void test_visibility(void **state) {
    (void)state;
    attr_engine *e = attr_engine_new();
    add_area(e, 1, 1, 37.0, 36.0, 37.1, 36.1,
             "\"kind\":\"no_strike\",\"name\":\"Listed\",\"valid_from\":\"2016-01-01T00:00:00Z\","
             "\"visibility\":[\"UNOCHA\"]");
    tr_volume v;
    square(&v, 37.02, 36.02, 37.03, 36.03);
    assert_string_equal(describe(e, "SAA", &v), "");
    square(&v, 37.02, 36.02, 37.03, 36.03);
    assert_string_equal(describe(e, "UNOCHA", &v), "1:v1:14:00-15:00:");
    attr_engine_free(e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grazing_polygon),
        cmocka_unit_test(test_grazing_circle),
        cmocka_unit_test(test_anti_meridian),
        cmocka_unit_test(test_zone_starting_mid_window),
        cmocka_unit_test(test_versions_changing_mid_window),
        cmocka_unit_test(test_agreements),
        cmocka_unit_test(test_visibility),
        cmocka_unit_test(test_version_never_in_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
