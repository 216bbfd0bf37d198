/*
 * test_volume.c — unit tests of the ASTM F3548 Volume4D value (src/domain/volume.h):
 * polygons and circles parsed member for member, the JSON round trip, the trusted
 * reload path, and every rejection with its exact field path: unknown and missing
 * members, inverted altitudes, empty or inverted time windows, unknown units,
 * references and formats, bad radii, and degenerate, repeated, self-intersecting,
 * out-of-range and anti-meridian-crossing polygons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/timeutil.h"
#include "domain/volume.h"

/* ---- helpers ---- */

static json_t *parse(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (j == NULL) fail_msg("bad test JSON (%s): %s", je.text, text);
    return j;
}

#define ALT(v) "{\"value\":" #v ",\"reference\":\"W84\",\"units\":\"M\"}"
#define TIME(s) "{\"value\":\"" s "\",\"format\":\"RFC3339\"}"
#define SQUARE                                                                              \
    "\"outline_polygon\":{\"vertices\":[{\"lat\":36.1,\"lng\":37.1},{\"lat\":36.1,\"lng\":37.2}," \
    "{\"lat\":36.2,\"lng\":37.2},{\"lat\":36.2,\"lng\":37.1}]}"
#define CIRCLE "\"outline_circle\":{\"center\":{\"lat\":36.2,\"lng\":37.15},\"radius\":{\"value\":2500.0,\"units\":\"M\"}}"

/* A Volume4D text with the given outline member and the usual band and window. */
static char *vol4d(char *buf, size_t n, const char *outline) {
    snprintf(buf, n,
             "{\"volume\":{%s,\"altitude_lower\":" ALT(0.0) ",\"altitude_upper\":" ALT(3000.0) "},"
             "\"time_start\":" TIME("2016-09-17T14:00:00Z") ",\"time_end\":" TIME("2016-09-17T15:00:00Z") "}",
             outline);
    return buf;
}

/* Parses text, expecting failure at field; returns nothing, asserts the message has `want`. */
static void expect_error(const char *text, const char *path, const char *field, const char *want) {
    json_t *j = parse(text);
    tr_volume v;
    tr_err err = {0};
    int rc = tr_volume_parse(j, path, 0, &v, &err);
    json_decref(j);
    if (rc != TR_EINVAL) fail_msg("expected TR_EINVAL for %s, got %d", text, rc);
    if (strcmp(err.field, field) != 0)
        fail_msg("field: expected \"%s\", got \"%s\" (%s)", field, err.field, err.msg);
    if (want && strstr(err.msg, want) == NULL) fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    assert_null(v.vertices);
    assert_null(v.shape);
}

static void ok(const char *text, unsigned flags, tr_volume *v) {
    json_t *j = parse(text);
    tr_err err = {0};
    int rc = tr_volume_parse(j, "", flags, v, &err);
    json_decref(j);
    if (rc != TR_OK) fail_msg("unexpected error at %s: %s", err.field, err.msg);
}

/* ---- accepted volumes ---- */

static void test_polygon(void **state) {
    (void)state;
    char buf[2048];
    tr_volume v;
    ok(vol4d(buf, sizeof buf, SQUARE), 0, &v);
    assert_int_equal(v.outline, TR_OUTLINE_POLYGON);
    assert_int_equal(v.nvert, 4);
    assert_true(v.vertices[0] == 37.1 && v.vertices[1] == 36.1); /* lng, lat */
    assert_true(v.vertices[6] == 37.1 && v.vertices[7] == 36.2);
    assert_non_null(v.shape);
    double a = geo_shape_area_m2(v.shape);
    assert_true(a > 9.0e7 && a < 1.0e8); /* 0.1 x 0.1 degrees at 36 N: ~ 99.9 km2 */
    assert_true(v.alt_lo == 0 && v.alt_hi == 3000);
    int64_t t0, t1;
    tr_time_parse("2016-09-17T14:00:00Z", &t0);
    tr_time_parse("2016-09-17T15:00:00Z", &t1);
    assert_true(v.t_start == t0 && v.t_end == t1);
    tr_volume_clear(&v);
    assert_null(v.vertices);
}

static void test_circle_and_offsets(void **state) {
    (void)state;
    tr_volume v;
    ok("{\"volume\":{" CIRCLE ",\"altitude_lower\":" ALT(-50.5) ",\"altitude_upper\":" ALT(-50.5) "},"
       "\"time_start\":" TIME("2016-09-17T16:00:00+02:00") ",\"time_end\":" TIME("2016-09-17T14:00:01Z") "}",
       0, &v);
    assert_int_equal(v.outline, TR_OUTLINE_CIRCLE);
    assert_true(v.lng == 37.15 && v.lat == 36.2 && v.radius_m == 2500);
    assert_true(v.alt_lo == -50.5 && v.alt_hi == -50.5); /* a flat band is allowed */
    assert_int_equal(v.t_end - v.t_start, 1);              /* +02:00 converted to UTC */
    assert_null(v.vertices);
    tr_volume_clear(&v);
}

static void test_round_trip(void **state) {
    (void)state;
    char buf[2048];
    const char *outlines[] = {SQUARE, CIRCLE};
    for (int i = 0; i < 2; i++) {
        tr_volume a, b;
        ok(vol4d(buf, sizeof buf, outlines[i]), 0, &a);
        json_t *j = tr_volume_to_json(&a);
        assert_non_null(j);
        json_t *orig = parse(buf);
        assert_true(json_equal(j, orig)); /* member for member, same numbers and times */
        json_decref(orig);
        tr_err err = {0};
        assert_int_equal(tr_volume_parse(j, "", 0, &b, &err), TR_OK);
        assert_int_equal(a.nvert, b.nvert);
        if (a.nvert) assert_memory_equal(a.vertices, b.vertices, 2 * a.nvert * sizeof(double));
        assert_true(a.lng == b.lng && a.lat == b.lat && a.radius_m == b.radius_m);
        assert_true(a.t_start == b.t_start && a.t_end == b.t_end);
        json_decref(j);
        tr_volume_clear(&a);
        tr_volume_clear(&b);
    }
}

static void test_trusted(void **state) {
    (void)state;
    char buf[2048];
    tr_volume v;
    ok(vol4d(buf, sizeof buf, SQUARE), TR_VOLUME_TRUSTED, &v);
    assert_null(v.shape);
    assert_int_equal(v.nvert, 4);
    tr_volume_clear(&v);
    /* The cheap rules still hold on the trusted path. */
    json_t *j = parse(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[{\"lat\":1,\"lng\":1},{\"lat\":2,\"lng\":2}]}"));
    tr_err err = {0};
    assert_int_equal(tr_volume_parse(j, "", TR_VOLUME_TRUSTED, &v, &err), TR_EINVAL);
    json_decref(j);
}

/* ---- rejections ---- */

static void test_unknown_and_missing(void **state) {
    (void)state;
    char buf[2048], t[2200];
    vol4d(buf, sizeof buf, SQUARE);
    /* unknown members, at every level */
    snprintf(t, sizeof t, "{\"extra\":1,%s", buf + 1);
    expect_error(t, "", "extra", "unknown field");
    expect_error(vol4d(buf, sizeof buf, SQUARE ",\"ceiling\":3"), "", "volume.ceiling", "unknown field");
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[{\"lat\":1,\"lng\":1,\"alt\":0},"
                       "{\"lat\":1,\"lng\":2},{\"lat\":2,\"lng\":2}]}"),
                 "", "volume.outline_polygon.vertices[0].alt", "unknown field");
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":1,\"lng\":1},"
                       "\"radius\":{\"value\":5,\"units\":\"M\",\"x\":1}}"),
                 "", "volume.outline_circle.radius.x", "unknown field");
    /* missing members */
    expect_error("{\"time_start\":" TIME("2016-09-17T14:00:00Z") ",\"time_end\":" TIME("2016-09-17T15:00:00Z") "}",
                 "", "volume", "required");
    expect_error("{\"volume\":{" SQUARE ",\"altitude_lower\":" ALT(0) ",\"altitude_upper\":" ALT(1) "},"
                 "\"time_end\":" TIME("2016-09-17T15:00:00Z") "}",
                 "", "time_start", "required");
    expect_error("{\"volume\":{" SQUARE ",\"altitude_upper\":" ALT(1) "},\"time_start\":" TIME("2016-09-17T14:00:00Z")
                 ",\"time_end\":" TIME("2016-09-17T15:00:00Z") "}",
                 "", "volume.altitude_lower", "required");
    expect_error("{\"volume\":{\"altitude_lower\":" ALT(0) ",\"altitude_upper\":" ALT(1) "},\"time_start\":"
                 TIME("2016-09-17T14:00:00Z") ",\"time_end\":" TIME("2016-09-17T15:00:00Z") "}",
                 "", "volume.outline_polygon", "required");
    expect_error(vol4d(buf, sizeof buf, SQUARE "," CIRCLE), "", "volume.outline_circle", "not both");
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":1,\"lng\":1}}"), "",
                 "volume.outline_circle.radius", "required");
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":1},\"radius\":{\"value\":5,\"units\":\"M\"}}"),
                 "", "volume.outline_circle.center.lng", "required");
    /* wrong types */
    expect_error("[]", "", "", "Volume4D");
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":{}}"), "",
                 "volume.outline_polygon.vertices", "array");
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":\"1\",\"lng\":1},"
                       "\"radius\":{\"value\":5,\"units\":\"M\"}}"),
                 "", "volume.outline_circle.center.lat", "finite number");
    /* the caller's path prefixes every field */
    expect_error(vol4d(buf, sizeof buf, SQUARE ",\"ceiling\":3"), "volumes[2]", "volumes[2].volume.ceiling", NULL);
}

static void test_altitudes(void **state) {
    (void)state;
    const char *win = ",\"time_start\":" TIME("2016-09-17T14:00:00Z") ",\"time_end\":" TIME("2016-09-17T15:00:00Z") "}";
    char t[2048];
    snprintf(t, sizeof t, "{\"volume\":{" CIRCLE ",\"altitude_lower\":" ALT(3000) ",\"altitude_upper\":" ALT(2999) "}%s", win);
    expect_error(t, "", "volume.altitude_upper", "below altitude_lower");
    snprintf(t, sizeof t, "{\"volume\":{" CIRCLE ",\"altitude_lower\":{\"value\":0,\"reference\":\"W84\",\"units\":\"FT\"},"
             "\"altitude_upper\":" ALT(1) "}%s", win);
    expect_error(t, "", "volume.altitude_lower.units", "unknown units \"FT\"");
    snprintf(t, sizeof t, "{\"volume\":{" CIRCLE ",\"altitude_lower\":" ALT(0) ",\"altitude_upper\":"
             "{\"value\":10,\"reference\":\"AGL\",\"units\":\"M\"}}%s", win);
    expect_error(t, "", "volume.altitude_upper.reference", "unknown reference \"AGL\"");
    snprintf(t, sizeof t, "{\"volume\":{" CIRCLE ",\"altitude_lower\":" ALT(-9000) ",\"altitude_upper\":" ALT(1) "}%s", win);
    expect_error(t, "", "volume.altitude_lower.value", "outside");
    snprintf(t, sizeof t, "{\"volume\":{" CIRCLE ",\"altitude_lower\":" ALT(0) ",\"altitude_upper\":" ALT(100001) "}%s", win);
    expect_error(t, "", "volume.altitude_upper.value", "outside");
}

static void test_times(void **state) {
    (void)state;
    const char *band = "{\"volume\":{" CIRCLE ",\"altitude_lower\":" ALT(0) ",\"altitude_upper\":" ALT(1) "},";
    char t[2048];
    snprintf(t, sizeof t, "%s\"time_start\":" TIME("2016-09-17T15:00:00Z") ",\"time_end\":" TIME("2016-09-17T15:00:00Z") "}", band);
    expect_error(t, "", "time_end", "later than time_start"); /* empty window */
    snprintf(t, sizeof t, "%s\"time_start\":" TIME("2016-09-17T15:00:00Z") ",\"time_end\":" TIME("2016-09-17T14:00:00Z") "}", band);
    expect_error(t, "", "time_end", "later than time_start");
    snprintf(t, sizeof t, "%s\"time_start\":{\"value\":\"2016-09-17T14:00:00Z\",\"format\":\"ISO8601\"},"
             "\"time_end\":" TIME("2016-09-17T15:00:00Z") "}", band);
    expect_error(t, "", "time_start.format", "unknown format");
    snprintf(t, sizeof t, "%s\"time_start\":" TIME("17/09/2016") ",\"time_end\":" TIME("2016-09-17T15:00:00Z") "}", band);
    expect_error(t, "", "time_start.value", "RFC 3339");
}

static void test_circles(void **state) {
    (void)state;
    char buf[2048];
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":1,\"lng\":1},\"radius\":{\"value\":0,\"units\":\"M\"}}"),
                 "", "volume.outline_circle.radius.value", "greater than 0");
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":1,\"lng\":1},\"radius\":{\"value\":-5,\"units\":\"M\"}}"),
                 "", "volume.outline_circle.radius.value", "greater than 0");
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":1,\"lng\":1},\"radius\":{\"value\":5e6,\"units\":\"M\"}}"),
                 "", "volume.outline_circle.radius.value", "exceeds");
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":1,\"lng\":1},\"radius\":{\"value\":5,\"units\":\"KM\"}}"),
                 "", "volume.outline_circle.radius.units", "unknown units \"KM\"");
    expect_error(vol4d(buf, sizeof buf, "\"outline_circle\":{\"center\":{\"lat\":91,\"lng\":1},\"radius\":{\"value\":5,\"units\":\"M\"}}"),
                 "", "volume.outline_circle.center.lat", "outside [-90, 90]");
}

#define V(lat, lng) "{\"lat\":" #lat ",\"lng\":" #lng "}"

static void test_polygons(void **state) {
    (void)state;
    char buf[2048];
    const char *P = "volume.outline_polygon.vertices";
    char f[128];
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[" V(1, 1) "," V(2, 2) "]}"), "", P,
                 "at least 3 vertices");
    /* the closing vertex repeated */
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[" V(1, 1) "," V(1, 2) "," V(2, 2) "," V(1, 1) "]}"),
                 "", (snprintf(f, sizeof f, "%s[3]", P), f), "closes itself");
    /* a repeated vertex elsewhere */
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[" V(1, 1) "," V(1, 2) "," V(1, 2) "," V(2, 2) "]}"),
                 "", (snprintf(f, sizeof f, "%s[2]", P), f), "repeats vertex 1");
    /* collinear: no area */
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[" V(1, 1) "," V(2, 2) "," V(3, 3) "]}"), "", P,
                 "degenerate");
    /* a bow tie crosses itself */
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[" V(0, 0) "," V(2, 2) "," V(2, 0) "," V(0, 1) "]}"),
                 "", P, "Self-intersection");
    /* out of range */
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[" V(1, 1) "," V(-90.5, 2) "," V(2, 2) "]}"), "",
                 (snprintf(f, sizeof f, "%s[1].lat", P), f), "outside [-90, 90]");
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[" V(1, 1) "," V(1, 2) "," V(2, 180.5) "]}"), "",
                 (snprintf(f, sizeof f, "%s[2].lng", P), f), "outside [-180, 180]");
    /* an edge crossing the anti-meridian */
    expect_error(vol4d(buf, sizeof buf, "\"outline_polygon\":{\"vertices\":[" V(0, 179.9) "," V(0, -179.9) "," V(1, -179.9) "," V(1, 179.9) "]}"),
                 "", (snprintf(f, sizeof f, "%s[1]", P), f), "anti-meridian");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polygon),          cmocka_unit_test(test_circle_and_offsets),
        cmocka_unit_test(test_round_trip),       cmocka_unit_test(test_trusted),
        cmocka_unit_test(test_unknown_and_missing), cmocka_unit_test(test_altitudes),
        cmocka_unit_test(test_times),            cmocka_unit_test(test_circles),
        cmocka_unit_test(test_polygons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
