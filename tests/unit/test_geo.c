/*
 * test_geo.c — unit tests of the geometry layer (src/geo): GeoJSON validation and
 * its error fields, geo_shape_covers against GEOS (random and real polygons, points
 * on edges and vertices, holes, multipolygons), the OCHA governorates with the
 * GeoNames cities, geodesic areas and distances, corridors, footprints, box tests
 * and concurrent use from several threads.
 *
 * Real data comes from $TRUCE_SHARED (default ../shared); tests that need it are
 * skipped with a message when the files are missing.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <geodesic.h>
#include <geos_c.h>

#include "geo/geo.h"

/* ---- helpers ---- */

/* cmocka 1.1 has no floating-point assertion. */
#define assert_near(a, b, eps)                                                           \
    do {                                                                                 \
        double a_ = (a), b_ = (b);                                                       \
        if (!(fabs(a_ - b_) <= (eps))) fail_msg("%s = %.17g, expected %.17g +- %g", #a, a_, b_, \
                                                (double)(eps));                          \
    } while (0)

static GEOSContextHandle_t H; /* the test's own GEOS context (reference answers) */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [lo, hi). */
static double urand(double lo, double hi) {
    return lo + (hi - lo) * ((double)(rnd() >> 11) / 9007199254740992.0);
}

static json_t *parse(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (j == NULL) fail_msg("bad test JSON (%s): %s", je.text, text);
    return j;
}

/* A shape from GeoJSON text that must be valid. */
static geo_shape *shape_of(const char *text, double width_m) {
    json_t *j = parse(text);
    geo_shape *s = NULL;
    tr_err err = {0};
    int rc = geo_shape_from_geojson(j, width_m, NULL, &s, &err);
    if (rc != 0) fail_msg("rejected %s: %s: %s", text, err.field, err.msg);
    json_decref(j);
    return s;
}

/* Asserts that text (with width_m, lim) is rejected with this field and a message
 * containing msg_part. */
static void expect_error_lim(const char *text, double width_m, const geo_limits *lim,
                             const char *field, const char *msg_part) {
    json_t *j = parse(text);
    geo_shape *s = (geo_shape *)(uintptr_t)1; /* must stay untouched */
    tr_err err = {0};
    int rc = geo_shape_from_geojson(j, width_m, lim, &s, &err);
    json_decref(j);
    if (rc != TR_EINVAL || strcmp(err.field, field) != 0 || strstr(err.msg, msg_part) == NULL)
        fail_msg("%s (width %g): expected EINVAL at '%s' with '%s', got rc %d at '%s': %s", text,
                 width_m, field, msg_part, rc, err.field, err.msg);
    assert_int_equal(err.code, TR_EINVAL);
    assert_true(s == (geo_shape *)(uintptr_t)1);
}

static void expect_error(const char *text, double width_m, const char *field,
                         const char *msg_part) {
    expect_error_lim(text, width_m, NULL, field, msg_part);
}

static GEOSGeometry *geos_of(const json_t *geometry) {
    char *text = json_dumps(geometry, 0);
    GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(H);
    GEOSGeometry *g = GEOSGeoJSONReader_readGeometry_r(H, r, text);
    GEOSGeoJSONReader_destroy_r(H, r);
    free(text);
    assert_non_null(g);
    return g;
}

/* Counts the points (xy pairs) where geo_shape_covers and GEOSPreparedCovers differ. */
static size_t covers_mismatches(const geo_shape *s, const GEOSGeometry *g, const double *xy,
                                size_t n) {
    const GEOSPreparedGeometry *pg = GEOSPrepare_r(H, g);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(H, xy[2 * i], xy[2 * i + 1]);
        bool want = GEOSPreparedCovers_r(H, pg, pt) == 1;
        GEOSGeom_destroy_r(H, pt);
        if (geo_shape_covers(s, xy[2 * i], xy[2 * i + 1]) != want) {
            if (bad < 5)
                print_error("mismatch at (%.17g, %.17g): GEOS says %d\n", xy[2 * i], xy[2 * i + 1],
                            want);
            bad++;
        }
    }
    GEOSPreparedGeom_destroy_r(H, pg);
    return bad;
}

static const char *shared_dir(void) {
    const char *d = getenv("TRUCE_SHARED");
    return d && d[0] ? d : "../shared";
}

/* Loads a file under the shared data dir, or returns NULL after printing why. */
static json_t *load_shared_json(const char *rel) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", shared_dir(), rel);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (j == NULL) print_message("skipping: cannot read %s (%s)\n", path, je.text);
    return j;
}

static void geo_move(double lon, double lat, double azi, double s, double *lon2, double *lat2) {
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1 / 298.257223563);
    geod_direct(&g, lat, lon, azi, s, lat2, lon2, NULL);
}

static int setup_geos(void **state) {
    (void)state;
    H = GEOS_init_r();
    return H == NULL;
}

static int teardown_geos(void **state) {
    (void)state;
    GEOS_finish_r(H);
    return 0;
}

/* ---- validation ---- */

static void test_reject_types(void **state) {
    (void)state;
    expect_error("[1, 2]", 0, "", "JSON object");
    expect_error("{\"coordinates\": []}", 0, "type", "missing type");
    expect_error("{\"type\": 7, \"coordinates\": []}", 0, "type", "must be a string");
    expect_error("{\"type\": \"Point\", \"coordinates\": [1, 2]}", 0, "type",
                 "unsupported geometry type 'Point'");
    expect_error("{\"type\": \"Feature\", \"geometry\": null}", 0, "type", "unsupported");
    expect_error("{\"type\": \"Polygon\"}", 0, "coordinates", "missing coordinates");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": {}}", 0, "coordinates",
                 "must be an array");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [\"x\"]}", 0, "coordinates[0]",
                 "expected an array");
    /* Members: crs is gone from GeoJSON, unknown members are refused, bbox is checked. */
    const char *sq = "\"coordinates\": [[[0,0],[1,0],[1,1],[0,0]]]";
    char text[256];
    snprintf(text, sizeof text, "{\"type\": \"Polygon\", %s, \"crs\": {\"type\": \"name\"}}", sq);
    expect_error(text, 0, "crs", "not part of GeoJSON");
    snprintf(text, sizeof text, "{\"type\": \"Polygon\", %s, \"coordinate\": []}", sq);
    expect_error(text, 0, "coordinate", "unknown member 'coordinate'");
    snprintf(text, sizeof text, "{\"type\": \"Polygon\", %s, \"bbox\": [0, 0, 1]}", sq);
    expect_error(text, 0, "bbox", "4 (or 6) numbers");
    snprintf(text, sizeof text, "{\"type\": \"Polygon\", %s, \"bbox\": [0, 0, \"1\", 1]}", sq);
    expect_error(text, 0, "bbox", "element 2 is not a finite number");
    snprintf(text, sizeof text, "{\"type\": \"Polygon\", %s, \"bbox\": [0, 0, 1, 1]}", sq);
    geo_shape_free(shape_of(text, 0));
}

static void test_reject_nesting(void **state) {
    (void)state;
    /* A ring given where the rings should be. */
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[0,0],[1,0],[1,1],[0,0]]}", 0,
                 "coordinates", "wrong nesting at coordinates[0][0]");
    /* One level too deep. */
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[[0,0],[1,0],[1,1],[0,0]]]]}", 0,
                 "coordinates", "wrong nesting");
    /* A Polygon's coordinates under a MultiPolygon type. */
    expect_error("{\"type\": \"MultiPolygon\", \"coordinates\": [[[0,0],[1,0],[1,1],[0,0]]]}",
                 0, "coordinates", "MultiPolygon coordinates must be");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [3]}", 0, "coordinates",
                 "wrong nesting");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": []}", 0, "coordinates",
                 "at least one ring");
    expect_error("{\"type\": \"MultiPolygon\", \"coordinates\": []}", 0, "coordinates",
                 "at least one polygon");
    expect_error("{\"type\": \"MultiPolygon\", \"coordinates\": [[[[0,0],[1,0],[1,1],[0,0]]], []]}",
                 0, "coordinates[1]", "at least one ring");
}

static void test_reject_positions(void **state) {
    (void)state;
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[1,1],[0,0,1,2],[0,0]]]}",
                 0, "coordinates[0][3]", "2 or 3 numbers");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1],[1,1],[0,0]]]}", 0,
                 "coordinates[0][1]", "found 1 elements");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[\"1\",1],[0,0]]]}", 0,
                 "coordinates[0][2]", "element 0 is not a number");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[1,null],[0,0]]]}", 0,
                 "coordinates[0][2]", "element 1 is not a number");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],{\"x\":1},[0,0]]]}", 0,
                 "coordinates[0][2]", "must be an array of 2 or 3 numbers");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[200,0],[1,1],[0,0]]]}", 0,
                 "coordinates[0][1]", "longitude 200 is outside [-180, 180]");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[1,-90.5],[0,0]]]}", 0,
                 "coordinates[0][2]", "latitude -90.5 is outside [-90, 90]");
    expect_error("{\"type\": \"MultiPolygon\", \"coordinates\": "
                 "[[[[0,0],[1,0],[1,1],[0,0]]], [[[5,5],[6,5],[6,6],[5,5]], [[5.1,5.1],[5.2,5.1],[5.2,95],[5.1,5.1]]]]}",
                 0, "coordinates[1][1][2]", "latitude 95");
    /* Altitude is accepted and ignored; integers are numbers. */
    geo_shape *s = shape_of("{\"type\": \"Polygon\", \"coordinates\": [[[0,0,5],[1,0,5],[1,1,7],[0,0,5]]]}", 0);
    assert_true(geo_shape_covers(s, 0.9, 0.1));
    geo_shape_free(s);
}

static void test_reject_rings(void **state) {
    (void)state;
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[1,1],[0,1]]]}", 0,
                 "coordinates[0]", "ring is not closed: the first position [0, 0] differs from "
                 "the last [0, 1]");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[0,0]]]}", 0,
                 "coordinates[0]", "ring has 3 positions; a closed linear ring needs at least 4");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[4,0],[4,4],[0,4],[0,0]], "
                 "[[1,1],[2,1],[2,2],[1,1.5]]]}",
                 0, "coordinates[1]", "not closed");
    expect_error("{\"type\": \"MultiPolygon\", \"coordinates\": [[[[0,0],[1,0],[1,1],[0,0]]], "
                 "[[[5,5],[6,5],[5,5]]]]}",
                 0, "coordinates[1][0]", "at least 4");
}

static void test_reject_invalid_polygons(void **state) {
    (void)state;
    /* Bow tie: the edges cross at (1, 1). */
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[2,2],[2,0],[0,2],[0,0]]]}", 0,
                 "coordinates", "Self-intersection at [1, 1]");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[36,36],[36.4,36.2],[36.4,36],[36,36.2],[36,36]]]}",
                 0, "coordinates", "Self-intersection at [36.2, 36.1]");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[4,0],[4,4],[0,4],[0,0]], "
                 "[[5,5],[6,5],[6,6],[5,5]]]}",
                 0, "coordinates", "Hole lies outside shell");
    /* Second part invalid: the field names the part. */
    expect_error("{\"type\": \"MultiPolygon\", \"coordinates\": [[[[10,10],[11,10],[11,11],[10,10]]], "
                 "[[[0,0],[2,2],[2,0],[0,2],[0,0]]]]}",
                 0, "coordinates[1]", "Self-intersection at [1, 1]");
    /* Valid parts that overlap: the MultiPolygon as a whole is invalid. */
    expect_error("{\"type\": \"MultiPolygon\", \"coordinates\": [[[[0,0],[2,0],[2,2],[0,2],[0,0]]], "
                 "[[[1,1],[3,1],[3,3],[1,3],[1,1]]]]}",
                 0, "coordinates", "invalid polygon");
    /* Only one distinct point repeated. */
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[0,0],[0,0],[0,0]]]}", 0,
                 "coordinates", "invalid polygon");
}

static void test_accept_duplicates_and_orientation(void **state) {
    (void)state;
    /* Repeated consecutive positions are fine while the ring stays valid. */
    geo_shape *a = shape_of("{\"type\": \"Polygon\", \"coordinates\": "
                            "[[[0,0],[1,0],[1,0],[1,1],[0,1],[0,1],[0,0]]]}", 0);
    /* Clockwise shell (against RFC 7946's advice) is accepted as well. */
    geo_shape *b = shape_of("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[0,1],[1,1],[1,0],[0,0]]]}", 0);
    assert_int_equal(geo_shape_vertex_count(a), 7);
    assert_int_equal(geo_shape_vertex_count(b), 5);
    assert_near(geo_shape_area_m2(a), geo_shape_area_m2(b), 1e-3);
    assert_true(geo_shape_area_m2(b) > 1.2e10);
    for (int i = 0; i < 1000; i++) {
        double x = urand(-0.5, 1.5), y = urand(-0.5, 1.5);
        assert_int_equal(geo_shape_covers(a, x, y), geo_shape_covers(b, x, y));
    }
    /* The footprint follows the right-hand rule whatever the input orientation. */
    json_t *fp = geo_shape_footprint_geojson(b);
    json_t *ring = json_array_get(json_object_get(fp, "coordinates"), 0);
    assert_near(json_real_value(json_array_get(json_array_get(ring, 1), 0)), 1.0, 0);
    json_decref(fp);
    geo_shape_free(a);
    geo_shape_free(b);
}

/* Builds {"type":"Polygon","coordinates":[ring]} with rings*per positions, all sharing
 * one position value: large in positions, small in memory. */
static json_t *huge_polygon(size_t rings, size_t per) {
    json_t *pos = json_pack("[ff]", 1.0, 1.0), *coords = json_array();
    for (size_t r = 0; r < rings; r++) {
        json_t *ring = json_array();
        for (size_t i = 0; i < per; i++) json_array_append(ring, pos);
        json_array_append_new(coords, ring);
    }
    json_decref(pos);
    return json_pack("{s:s,s:o}", "type", "Polygon", "coordinates", coords);
}

static void test_reject_too_many_vertices(void **state) {
    (void)state;
    geo_limits lim = {.max_vertices = 10, .max_width_m = 1000};
    expect_error_lim("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[2,0],[3,0],[4,0],"
                     "[4,1],[3,1],[2,1],[1,1],[0,1],[0,0.5],[0,0]]]}",
                     0, &lim, "coordinates", "too many vertices: more than 10 positions");
    expect_error_lim("{\"type\": \"LineString\", \"coordinates\": [[0,0],[1,0],[2,0],[3,0],[4,0],"
                     "[4,1],[3,1],[2,1],[1,1],[0,1],[0,0.5]]}",
                     500, &lim, "coordinates", "too many vertices");
    /* At the limit exactly it is fine. */
    geo_shape *s = NULL;
    tr_err err = {0};
    json_t *j = parse("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[2,0],[3,0],[4,0],"
                      "[4,1],[3,1],[2,1],[1,1],[0,0]]]}");
    assert_int_equal(geo_shape_from_geojson(j, 0, &lim, &s, &err), 0);
    geo_shape_free(s);
    json_decref(j);
    /* Two million positions against the default limit: rejected before any position is
     * read (the positions here would fail the ring checks otherwise). */
    j = huge_polygon(2000, 1000);
    clock_t t0 = clock();
    int rc = geo_shape_from_geojson(j, 0, NULL, &s, &err);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(rc, TR_EINVAL);
    assert_string_equal(err.field, "coordinates");
    assert_non_null(strstr(err.msg, "too many vertices"));
    assert_true(secs < 0.1);
    json_decref(j);
}

static void test_reject_widths(void **state) {
    (void)state;
    const char *line = "{\"type\": \"LineString\", \"coordinates\": [[36,36],[36.5,36]]}";
    expect_error(line, 0, "width_m", "needs width_m > 0");
    expect_error(line, -5, "width_m", "needs width_m > 0");
    expect_error(line, NAN, "width_m", "needs width_m > 0");
    expect_error(line, 200000, "width_m", "exceeds the limit of 100000 m");
    expect_error(line, 1e-300, "width_m", "too small: a corridor is at least 1 m wide");
    geo_limits lim = {.max_vertices = 100, .max_width_m = 50};
    expect_error_lim(line, 60, &lim, "width_m", "exceeds the limit of 50 m");
    expect_error("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[1,1],[0,0]]]}", 100,
                 "width_m", "applies only to a LineString corridor, not to a Polygon");
    expect_error("{\"type\": \"MultiPolygon\", \"coordinates\": [[[[0,0],[1,0],[1,1],[0,0]]]]}",
                 100, "width_m", "not to a MultiPolygon");
    expect_error("{\"type\": \"LineString\", \"coordinates\": [[36,36]]}", 100, "coordinates",
                 "at least 2 positions");
    expect_error("{\"type\": \"LineString\", \"coordinates\": [[36,36],[36,36],[36,36]]}", 100,
                 "coordinates", "at least 2 distinct positions");
    expect_error("{\"type\": \"LineString\", \"coordinates\": [[36,36],[36,95]]}", 100,
                 "coordinates[1]", "latitude 95");
    expect_error("{\"type\": \"LineString\", \"coordinates\": [[179.99,0],[180,0]]}", 100000,
                 "coordinates", "antimeridian");
}

static void test_point(void **state) {
    (void)state;
    double lon = 0, lat = 0;
    tr_err err = {0};
    json_t *j = parse("{\"type\": \"Point\", \"coordinates\": [36.9478, 36.1481]}");
    assert_int_equal(geo_point_from_geojson(j, &lon, &lat, &err), 0);
    assert_near(lon, 36.9478, 0);
    assert_near(lat, 36.1481, 0);
    json_decref(j);
    static const struct {
        const char *text, *field, *msg;
    } bad[] = {
        {"{\"type\": \"Polygon\", \"coordinates\": [1, 2]}", "type", "expected a Point, got 'Polygon'"},
        {"{\"coordinates\": [1, 2]}", "type", "missing type"},
        {"{\"type\": \"Point\"}", "coordinates", "missing coordinates"},
        {"{\"type\": \"Point\", \"coordinates\": [1]}", "coordinates", "2 or 3 numbers"},
        {"{\"type\": \"Point\", \"coordinates\": \"1,2\"}", "coordinates", "must be an array"},
        {"{\"type\": \"Point\", \"coordinates\": [[1, 2]]}", "coordinates", "wrong nesting"},
        {"{\"type\": \"Point\", \"coordinates\": [181, 2]}", "coordinates", "longitude 181"},
        {"{\"type\": \"Point\", \"coordinates\": [1, -91]}", "coordinates", "latitude -91"},
        {"{\"type\": \"Point\", \"coordinates\": [1, true]}", "coordinates", "not a number"},
        {"{\"type\": \"Point\", \"coordinates\": [1, 2], \"crs\": null}", "crs", "RFC 7946"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = parse(bad[i].text);
        lon = lat = 99;
        memset(&err, 0, sizeof err);
        assert_int_equal(geo_point_from_geojson(j, &lon, &lat, &err), TR_EINVAL);
        if (strcmp(err.field, bad[i].field) != 0 || strstr(err.msg, bad[i].msg) == NULL)
            fail_msg("%s: got '%s': %s", bad[i].text, err.field, err.msg);
        assert_near(lon, 99, 0);
        json_decref(j);
    }
}

/* ---- covers ---- */

/* A random star-shaped (hence simple) polygon around (cx, cy) as GeoJSON. */
static json_t *star_polygon(double cx, double cy, double r, size_t n) {
    double *ang = malloc(n * sizeof *ang);
    for (size_t i = 0; i < n; i++) ang[i] = urand(0, 2 * M_PI);
    for (size_t i = 1; i < n; i++) /* insertion sort: n is small */
        for (size_t k = i; k > 0 && ang[k] < ang[k - 1]; k--) {
            double t = ang[k];
            ang[k] = ang[k - 1];
            ang[k - 1] = t;
        }
    json_t *ring = json_array();
    for (size_t i = 0; i <= n; i++) {
        double a = ang[i % n], rr = r * urand(0.2, 1.0);
        if (i == n) {
            json_array_append(ring, json_array_get(ring, 0));
            break;
        }
        json_array_append_new(ring, json_pack("[ff]", cx + rr * cos(a), cy + rr * sin(a)));
    }
    free(ang);
    return json_pack("{s:s,s:[o]}", "type", "Polygon", "coordinates", ring);
}

/* Random points in the shape's box grown by 10 %, plus every vertex and some points
 * interpolated on edges. Returns the count; *out is malloc'd. */
static size_t test_points(const json_t *ring, geo_box b, size_t nrand, double **out) {
    size_t nv = json_array_size(ring), n = nrand + 4 * nv, k = 0;
    double *xy = malloc(2 * n * sizeof *xy);
    double dx = (b.maxx - b.minx) * 0.1, dy = (b.maxy - b.miny) * 0.1;
    for (size_t i = 0; i < nrand; i++, k++) {
        xy[2 * k] = urand(b.minx - dx, b.maxx + dx);
        xy[2 * k + 1] = urand(b.miny - dy, b.maxy + dy);
    }
    for (size_t i = 0; i + 1 < nv; i++) {
        const json_t *p = json_array_get(ring, i), *q = json_array_get(ring, i + 1);
        double px = json_number_value(json_array_get(p, 0)), py = json_number_value(json_array_get(p, 1));
        double qx = json_number_value(json_array_get(q, 0)), qy = json_number_value(json_array_get(q, 1));
        static const double t[4] = {0, 0.5, 0.25, 1.0 / 3};
        for (int j = 0; j < 4; j++, k++) {
            xy[2 * k] = px + t[j] * (qx - px);
            xy[2 * k + 1] = py + t[j] * (qy - py);
        }
    }
    *out = xy;
    return k;
}

static void test_covers_matches_geos_random(void **state) {
    (void)state;
    size_t total = 0;
    for (int p = 0; p < 60; p++) {
        size_t n = p < 20 ? 3 + (size_t)(rnd() % 20) : 20 + (size_t)(rnd() % 400);
        json_t *g = star_polygon(urand(-170, 170), urand(-80, 80), urand(0.001, 5), n);
        geo_shape *s = NULL;
        tr_err err = {0};
        assert_int_equal(geo_shape_from_geojson(g, 0, NULL, &s, &err), 0);
        GEOSGeometry *gg = geos_of(g);
        double *xy = NULL;
        json_t *ring = json_array_get(json_object_get(g, "coordinates"), 0);
        size_t np = test_points(ring, geo_shape_box(s), 1500, &xy);
        assert_int_equal(covers_mismatches(s, gg, xy, np), 0);
        total += np;
        free(xy);
        GEOSGeom_destroy_r(H, gg);
        geo_shape_free(s);
        json_decref(g);
    }
    assert_true(total > 90000);
}

static void test_covers_boundary_exact(void **state) {
    (void)state;
    /* Dyadic coordinates, so points at 1/2, 1/4 ... along edges are exactly on them;
     * a hole and horizontal/vertical/diagonal edges. */
    const char *text = "{\"type\": \"Polygon\", \"coordinates\": ["
                       "[[0,0],[8,0],[8,4],[12,8],[4,8],[4,4],[0,4],[0,0]],"
                       "[[1,1],[1,3],[3,3],[3,1],[1,1]]]}";
    geo_shape *s = shape_of(text, 0);
    static const double on[][2] = {
        {0, 0}, {8, 0}, {4, 0}, {8, 2}, {10, 6}, {11, 7}, {12, 8}, {8, 8}, {4, 6}, {2, 4},
        {0, 2}, {0, 4}, {1, 1}, {1, 2}, {2, 3}, {3, 3}, {3, 1.5}, {2, 1}, {9, 5}, {8, 4}};
    static const double in[][2] = {{0.5, 0.5}, {6, 2}, {8, 6}, {3.5, 2}, {5, 7.5}};
    static const double out[][2] = {{2, 2}, {1.5, 1.5}, {-0.001, 0}, {8.001, 0}, {2, 5},
                                    {10, 5.9999}, {12.5, 8}, {6, 8.0001}};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++)
        if (!geo_shape_covers(s, on[i][0], on[i][1])) fail_msg("boundary (%g, %g) not covered", on[i][0], on[i][1]);
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) assert_true(geo_shape_covers(s, in[i][0], in[i][1]));
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++)
        if (geo_shape_covers(s, out[i][0], out[i][1])) fail_msg("(%g, %g) covered", out[i][0], out[i][1]);
    /* And GEOS agrees on a dense dyadic grid (many points on edges and vertices). */
    json_t *j = parse(text);
    GEOSGeometry *g = geos_of(j);
    double xy[2 * 57 * 41];
    size_t n = 0;
    for (int i = 0; i < 57; i++)
        for (int k = 0; k < 41; k++, n++) {
            xy[2 * n] = -1 + i * 0.25;
            xy[2 * n + 1] = -1 + k * 0.25;
        }
    assert_int_equal(covers_mismatches(s, g, xy, n), 0);
    GEOSGeom_destroy_r(H, g);
    json_decref(j);
    geo_shape_free(s);
}

/* A large ring (slab index) with a hole: exact boundary points and GEOS agreement. */
static void test_covers_large_ring_with_hole(void **state) {
    (void)state;
    json_t *shell = json_array(), *hole = json_array();
    for (int i = 0; i <= 1000; i++) { /* a dyadic 1000-gon: a "circle" of radius ~8 */
        double a = 2 * M_PI * (i % 1000) / 1000;
        json_array_append_new(shell, json_pack("[ff]", round(1024 * 8 * cos(a)) / 1024,
                                               round(1024 * 8 * sin(a)) / 1024));
    }
    for (int i = 0; i <= 64; i++) {
        double a = -2 * M_PI * (i % 64) / 64;
        json_array_append_new(hole, json_pack("[ff]", round(1024 * 2 * cos(a)) / 1024 + 1,
                                              round(1024 * 2 * sin(a)) / 1024));
    }
    json_t *g = json_pack("{s:s,s:[o,o]}", "type", "Polygon", "coordinates", shell, hole);
    geo_shape *s = NULL;
    tr_err err = {0};
    assert_int_equal(geo_shape_from_geojson(g, 0, NULL, &s, &err), 0);
    assert_true(geo_shape_covers(s, -3, 0));
    assert_false(geo_shape_covers(s, 1, 0));      /* centre of the hole */
    assert_false(geo_shape_covers(s, 0, 0));      /* also in the hole */
    assert_true(geo_shape_covers(s, 3, 0));       /* on the hole's boundary (a vertex) */
    assert_true(geo_shape_covers(s, 8, 0));       /* vertex of the shell */
    assert_false(geo_shape_covers(s, 8.001, 0));
    GEOSGeometry *gg = geos_of(g);
    double *xy = NULL, *xy2 = NULL;
    size_t n = test_points(shell, geo_shape_box(s), 6000, &xy);
    size_t n2 = test_points(hole, (geo_box){-1, -2, 3, 2}, 3000, &xy2);
    assert_int_equal(covers_mismatches(s, gg, xy, n), 0);
    assert_int_equal(covers_mismatches(s, gg, xy2, n2), 0);
    free(xy);
    free(xy2);
    GEOSGeom_destroy_r(H, gg);
    geo_shape_free(s);
    json_decref(g);
}

static void test_covers_multipolygon(void **state) {
    (void)state;
    /* Two squares touching at a corner, and an island inside the first one's hole. */
    const char *text = "{\"type\": \"MultiPolygon\", \"coordinates\": ["
                       "[[[0,0],[10,0],[10,10],[0,10],[0,0]], [[2,2],[8,2],[8,8],[2,8],[2,2]]],"
                       "[[[10,10],[20,10],[20,20],[10,20],[10,10]]],"
                       "[[[4,4],[6,4],[6,6],[4,6],[4,4]]]]}";
    geo_shape *s = shape_of(text, 0);
    assert_true(geo_shape_covers(s, 1, 1));
    assert_false(geo_shape_covers(s, 3, 3));   /* in the hole */
    assert_true(geo_shape_covers(s, 5, 5));    /* on the island */
    assert_true(geo_shape_covers(s, 10, 10));  /* the touching corner */
    assert_true(geo_shape_covers(s, 15, 15));
    assert_false(geo_shape_covers(s, 15, 5));
    assert_true(geo_shape_covers(s, 2, 5));    /* hole boundary */
    geo_box b = geo_shape_box(s);
    assert_near(b.minx, 0, 0);
    assert_near(b.maxy, 20, 0);
    json_t *j = parse(text);
    GEOSGeometry *g = geos_of(j);
    double xy[2 * 4000];
    for (int i = 0; i < 4000; i++) {
        xy[2 * i] = i < 2000 ? urand(-1, 21) : (double)(rnd() % 89) / 4 - 1;
        xy[2 * i + 1] = i < 2000 ? urand(-1, 21) : (double)(rnd() % 89) / 4 - 1;
    }
    assert_int_equal(covers_mismatches(s, g, xy, 4000), 0);
    double area = 0;
    GEOSArea_r(H, g, &area);
    assert_near(area, 100 - 36 + 100 + 4, 1e-9);
    /* Footprint round trip gives a MultiPolygon covering the same points. */
    json_t *fp = geo_shape_footprint_geojson(s);
    assert_string_equal(json_string_value(json_object_get(fp, "type")), "MultiPolygon");
    geo_shape *s2 = NULL;
    tr_err err = {0};
    assert_int_equal(geo_shape_from_geojson(fp, 0, NULL, &s2, &err), 0);
    for (int i = 0; i < 4000; i++)
        assert_int_equal(geo_shape_covers(s, xy[2 * i], xy[2 * i + 1]),
                         geo_shape_covers(s2, xy[2 * i], xy[2 * i + 1]));
    assert_near(geo_shape_area_m2(s), geo_shape_area_m2(s2), 1);
    geo_shape_free(s2);
    json_decref(fp);
    GEOSGeom_destroy_r(H, g);
    json_decref(j);
    geo_shape_free(s);
}

static void test_intersects_box(void **state) {
    (void)state;
    geo_shape *s = shape_of("{\"type\": \"Polygon\", \"coordinates\": ["
                            "[[0,0],[10,0],[10,10],[0,10],[0,0]], [[2,2],[8,2],[8,8],[2,8],[2,2]]]}", 0);
    assert_true(geo_shape_intersects_box(s, (geo_box){-5, -5, 0, 0}));   /* corner touch */
    assert_false(geo_shape_intersects_box(s, (geo_box){3, 3, 7, 7}));    /* inside hole */
    assert_true(geo_shape_intersects_box(s, (geo_box){3, 3, 8, 7}));     /* touches hole edge */
    assert_true(geo_shape_intersects_box(s, (geo_box){-100, -100, 100, 100}));
    assert_true(geo_shape_intersects_box(s, (geo_box){0.5, 0.5, 1, 1}));
    assert_false(geo_shape_intersects_box(s, (geo_box){11, 0, 12, 1}));
    assert_false(geo_shape_intersects_box(s, (geo_box){5, 5, 4, 4}));     /* empty box */
    geo_shape_free(s);
    /* Against GEOS on random boxes and a random star polygon. */
    json_t *g = star_polygon(36, 35, 2, 150);
    geo_shape *st = NULL;
    tr_err err = {0};
    assert_int_equal(geo_shape_from_geojson(g, 0, NULL, &st, &err), 0);
    GEOSGeometry *gg = geos_of(g);
    for (int i = 0; i < 3000; i++) {
        double x = urand(33, 39), y = urand(32, 38), w = urand(0, 1.5), h = urand(0, 1.5);
        if (i % 10 == 0) w = h = 0;
        GEOSGeometry *box = GEOSGeom_createRectangle_r(H, x, y, x + w, y + h);
        bool want = GEOSIntersects_r(H, gg, box) == 1;
        GEOSGeom_destroy_r(H, box);
        assert_int_equal(geo_shape_intersects_box(st, (geo_box){x, y, x + w, y + h}), want);
    }
    GEOSGeom_destroy_r(H, gg);
    geo_shape_free(st);
    json_decref(g);
}

/* ---- real data ---- */

static const char *adm1_name(const json_t *feature) {
    return json_string_value(json_object_get(json_object_get(feature, "properties"), "ADM1_EN"));
}

/*
 * The shape of one governorate. The simplified OCHA file was simplified ring by ring
 * without preserving topology, and Lattakia came out self-intersecting: the validator
 * must say so precisely, and the test then uses GEOS MakeValid's repair of it.
 */
static geo_shape *governorate_shape(const json_t *feature, GEOSGeometry **ref) {
    const json_t *geom = json_object_get(feature, "geometry");
    geo_shape *s = NULL;
    tr_err err = {0};
    if (geo_shape_from_geojson(geom, 0, NULL, &s, &err) == 0) {
        if (ref != NULL) *ref = geos_of(geom);
        return s;
    }
    if (strcmp(adm1_name(feature), "Lattakia") != 0 ||
        strcmp(err.msg, "invalid polygon: Self-intersection at [35.9472918, 35.2702463]") != 0)
        fail_msg("%s rejected: %s: %s", adm1_name(feature), err.field, err.msg);
    GEOSGeometry *bad = geos_of(geom), *fixed = GEOSMakeValid_r(H, bad);
    GEOSGeoJSONWriter *w = GEOSGeoJSONWriter_create_r(H);
    char *text = GEOSGeoJSONWriter_writeGeometry_r(H, w, fixed, -1);
    json_t *j = parse(text);
    if (geo_shape_from_geojson(j, 0, NULL, &s, &err) != 0)
        fail_msg("repaired %s rejected: %s: %s", adm1_name(feature), err.field, err.msg);
    json_decref(j);
    GEOSFree_r(H, text);
    GEOSGeoJSONWriter_destroy_r(H, w);
    if (ref != NULL) *ref = fixed;
    else GEOSGeom_destroy_r(H, fixed);
    GEOSGeom_destroy_r(H, bad);
    return s;
}

static void test_governorates_match_geos(void **state) {
    (void)state;
    json_t *fc = load_shared_json("data/boundaries/ocha_syr_adm1_simplified.geojson");
    if (fc == NULL) skip();
    json_t *features = json_object_get(fc, "features");
    assert_int_equal(json_array_size(features), 14);
    double total_m2 = 0;
    size_t total_points = 0;
    for (size_t f = 0; f < json_array_size(features); f++) {
        GEOSGeometry *g = NULL;
        geo_shape *s = governorate_shape(json_array_get(features, f), &g);
        total_m2 += geo_shape_area_m2(s);
        geo_box b = geo_shape_box(s);
        double *xy = malloc(2 * 3000 * sizeof *xy);
        for (int i = 0; i < 3000; i++) {
            xy[2 * i] = urand(b.minx, b.maxx);
            xy[2 * i + 1] = urand(b.miny, b.maxy);
        }
        assert_int_equal(covers_mismatches(s, g, xy, 3000), 0);
        total_points += 3000;
        free(xy);
        GEOSGeom_destroy_r(H, g);
        geo_shape_free(s);
    }
    /* Syria is about 185,180 km^2. */
    assert_true(fabs(total_m2 / 1e6 - 185180) < 0.03 * 185180);
    print_message("governorates: %.0f km^2 in total, %zu points checked against GEOS\n",
                  total_m2 / 1e6, total_points);
    json_decref(fc);
}

/* Splits one CSV line into at most max fields (RFC 4180 quotes), in place. */
static int csv_split(char *line, char **field, int max) {
    int n = 0;
    char *p = line;
    while (n < max) {
        char *w = p;
        field[n++] = w;
        bool quoted = *p == '"';
        if (quoted) p++;
        for (;; p++) {
            if (quoted && *p == '"' && p[1] == '"') { *w++ = '"'; p++; continue; }
            if (quoted && *p == '"') { quoted = false; continue; }
            if (*p == '\0' || *p == '\n' || *p == '\r' || (!quoted && *p == ',')) break;
            *w++ = *p;
        }
        char end = *p;
        *w = '\0';
        if (end != ',') break;
        p++;
    }
    return n;
}

static void test_cities_in_governorates(void **state) {
    (void)state;
    static const struct {
        const char *city, *adm1;
    } want[] = {
        {"Aleppo", "Aleppo"}, {"Damascus", "Damascus"}, {"Homs", "Homs"}, {"Hamah", "Hama"},
        {"Latakia", "Lattakia"}, {"Deir ez-Zor", "Deir-ez-Zor"}, {"Ar Raqqah", "Ar-Raqqa"},
        {"Idlib", "Idleb"}, {"Douma", "Rural Damascus"}, {"Jablah", "Lattakia"},
        {"Tadmur", "Homs"}, {"Khan Shaykhun", "Idleb"},
    };
    enum { NWANT = sizeof want / sizeof want[0] };
    json_t *fc = load_shared_json("data/boundaries/ocha_syr_adm1_simplified.geojson");
    if (fc == NULL) skip();
    char path[1024];
    snprintf(path, sizeof path, "%s/data/places/geonames_sy_cities.csv", shared_dir());
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        json_decref(fc);
        print_message("skipping: cannot read %s\n", path);
        skip();
    }
    json_t *features = json_object_get(fc, "features");
    size_t nf = json_array_size(features);
    geo_shape **shapes = calloc(nf, sizeof *shapes);
    for (size_t f = 0; f < nf; f++) shapes[f] = governorate_shape(json_array_get(features, f), NULL);
    char line[1024], *col[16];
    int found = 0, placed = 0, rows = 0;
    while (fgets(line, sizeof line, fp) != NULL) {
        if (rows++ == 0 || csv_split(line, col, 16) < 5) continue; /* header */
        double lat = atof(col[3]), lon = atof(col[4]);
        const char *in = NULL;
        int hits = 0;
        for (size_t f = 0; f < nf; f++)
            if (geo_shape_covers(shapes[f], lon, lat)) in = adm1_name(json_array_get(features, f)), hits++;
        placed += hits >= 1;
        for (int w = 0; w < NWANT; w++) {
            if (strcmp(col[2], want[w].city) != 0) continue;
            found++;
            if (hits != 1 || strcmp(in, want[w].adm1) != 0)
                fail_msg("%s (%g, %g): in %d governorates, '%s', expected %s", want[w].city, lon,
                         lat, hits, in ? in : "-", want[w].adm1);
        }
    }
    fclose(fp);
    assert_int_equal(found, NWANT);
    assert_true(placed >= (rows - 1) * 9 / 10); /* nearly every city lies in some governorate */
    for (size_t f = 0; f < nf; f++) geo_shape_free(shapes[f]);
    free(shapes);
    json_decref(fc);
}

/* The full-resolution boundaries: thousands of vertices per ring (slab index). */
static void test_full_resolution_governorate(void **state) {
    (void)state;
    json_t *fc = load_shared_json("data/boundaries/ocha_syr_admbnda_adm1_uncs_unocha_20201217.geojson");
    if (fc == NULL) skip();
    json_t *features = json_object_get(fc, "features");
    int checked = 0;
    for (size_t f = 0; f < json_array_size(features); f++) {
        const char *name = adm1_name(json_array_get(features, f));
        if (strcmp(name, "Aleppo") != 0 && strcmp(name, "Tartous") != 0 && strcmp(name, "Homs") != 0)
            continue;
        const json_t *geom = json_object_get(json_array_get(features, f), "geometry");
        geo_shape *s = NULL;
        tr_err err = {0};
        if (geo_shape_from_geojson(geom, 0, NULL, &s, &err) != 0) {
            print_message("note: full-resolution %s rejected: %s: %s\n", name, err.field, err.msg);
            continue;
        }
        GEOSGeometry *g = geos_of(geom);
        geo_box b = geo_shape_box(s);
        double *xy = malloc(2 * 8000 * sizeof *xy);
        for (int i = 0; i < 8000; i++) {
            xy[2 * i] = urand(b.minx, b.maxx);
            xy[2 * i + 1] = urand(b.miny, b.maxy);
        }
        assert_int_equal(covers_mismatches(s, g, xy, 8000), 0);
        free(xy);
        GEOSGeom_destroy_r(H, g);
        geo_shape_free(s);
        checked++;
    }
    assert_true(checked >= 2);
    json_decref(fc);
}

/* ---- geodesy ---- */

static void test_area_and_distance(void **state) {
    (void)state;
    geo_shape *cell = shape_of("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[1,1],[0,1],[0,0]]]}", 0);
    assert_true(fabs(geo_shape_area_m2(cell) / 1e6 - 12308.8) < 0.5);
    geo_shape_free(cell);
    /* A hole of a quarter of the cell, near the equator: about 3/4 of the area. */
    geo_shape *holed = shape_of("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[1,0],[1,1],[0,1],[0,0]],"
                                "[[0.25,0.25],[0.75,0.25],[0.75,0.75],[0.25,0.75],[0.25,0.25]]]}", 0);
    assert_true(fabs(geo_shape_area_m2(holed) / 1e6 - 12308.8 * 0.75) < 5);
    geo_shape_free(holed);
    assert_near(geo_distance_m(0, 0, 1, 0), 111319.49, 0.01);
    assert_near(geo_distance_m(0, 0, 0, 1), 110574.39, 0.01);
    /* Aleppo to Damascus, about 310 km. */
    double d = geo_distance_m(37.1612, 36.2012, 36.2913, 33.5102);
    assert_true(d > 300e3 && d < 320e3);
    assert_near(geo_distance_m(36, 36, 36, 36), 0, 0);
}

/* ---- corridors ---- */

/* Checks points perpendicular to the line at fraction t between a and b. */
static void check_corridor_width(const geo_shape *s, const double *a, const double *b, double t,
                                 double width) {
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1 / 298.257223563);
    double mx = a[0] + t * (b[0] - a[0]), my = a[1] + t * (b[1] - a[1]), azi = 0;
    geod_inverse(&g, my, mx, b[1], b[0], NULL, &azi, NULL);
    for (int side = -1; side <= 1; side += 2) {
        double x, y;
        geo_move(mx, my, azi + 90 * side, width / 2 * 0.98, &x, &y);
        if (!geo_shape_covers(s, x, y)) fail_msg("0.98 w/2 at t=%g side %d not covered", t, side);
        geo_move(mx, my, azi + 90 * side, width / 2 * 1.02, &x, &y);
        if (geo_shape_covers(s, x, y)) fail_msg("1.02 w/2 at t=%g side %d covered", t, side);
    }
}

static void test_corridor(void **state) {
    (void)state;
    static const double widths[] = {2000, 20000, 300};
    static const double azis[] = {90, 0, 37};
    for (int w = 0; w < 3; w++) {
        for (int k = 0; k < 3; k++) {
            double a[2] = {36.5, 35.8}, b[2];
            geo_move(a[0], a[1], azis[k], 100e3, &b[0], &b[1]); /* a 100 km line near 36 N */
            char text[256];
            snprintf(text, sizeof text, "{\"type\": \"LineString\", \"coordinates\": [[%.10f,%.10f],[%.10f,%.10f]]}",
                     a[0], a[1], b[0], b[1]);
            geo_shape *s = shape_of(text, widths[w]);
            assert_int_equal(geo_shape_vertex_count(s), 2);
            for (double t = 0.1; t < 1; t += 0.2) check_corridor_width(s, a, b, t, widths[w]);
            /* Round caps: the ends are covered, points beyond half the width are not. */
            assert_true(geo_shape_covers(s, a[0], a[1]));
            double x, y;
            geo_move(a[0], a[1], azis[k] + 180, widths[w] / 2 * 0.98, &x, &y);
            assert_true(geo_shape_covers(s, x, y));
            geo_move(a[0], a[1], azis[k] + 180, widths[w] / 2 * 1.02, &x, &y);
            assert_false(geo_shape_covers(s, x, y));
            /* Area: a 100 km band plus a disc. */
            double want = 100e3 * widths[w] + M_PI * widths[w] * widths[w] / 4;
            assert_true(fabs(geo_shape_area_m2(s) / want - 1) < 0.01);
            json_t *fp = geo_shape_footprint_geojson(s);
            assert_string_equal(json_string_value(json_object_get(fp, "type")), "Polygon");
            json_decref(fp);
            geo_shape_free(s);
        }
    }
}

static void test_corridor_polyline(void **state) {
    (void)state;
    /* A zigzag road Homs -> Palmyra-ish with a sharp turn, 5 km wide. */
    static const double pts[][2] = {{36.72, 34.73}, {37.20, 34.60}, {37.25, 34.80}, {38.28, 34.56}};
    geo_shape *s = shape_of("{\"type\": \"LineString\", \"coordinates\": "
                            "[[36.72,34.73],[37.20,34.60],[37.25,34.80],[38.28,34.56]]}", 5000);
    for (int i = 0; i < 3; i++)
        for (double t = 0.25; t < 1; t += 0.25) check_corridor_width(s, pts[i], pts[i + 1], t, 5000);
    for (int i = 0; i < 4; i++) assert_true(geo_shape_covers(s, pts[i][0], pts[i][1]));
    assert_int_equal(geo_shape_vertex_count(s), 4);
    assert_false(geo_shape_covers(s, 37.0, 35.0));
    geo_shape_free(s);
    /* A line folding back on itself still gives a valid polygon. */
    s = shape_of("{\"type\": \"LineString\", \"coordinates\": [[36,36],[36.5,36],[36.5,36.3],[36.2,36.3],[36.2,35.8]]}", 1000);
    assert_true(geo_shape_covers(s, 36.2, 36.0));
    assert_false(geo_shape_covers(s, 36.35, 36.15));
    geo_shape_free(s);
}

/* ---- concurrency ---- */

static void *worker(void *arg) {
    long seed = (long)(intptr_t)arg, bad = 0;
    for (int i = 0; i < 20; i++) {
        char text[256];
        double x = (double)(seed * 7 + i % 5);
        snprintf(text, sizeof text, "{\"type\": \"Polygon\", \"coordinates\": [[[%g,0],[%g,0],[%g,2],[%g,2],[%g,0]]]}",
                 x, x + 2, x + 2, x, x);
        json_t *j = json_loads(text, 0, NULL);
        geo_shape *s = NULL;
        tr_err err = {0};
        if (geo_shape_from_geojson(j, 0, NULL, &s, &err) != 0) bad++;
        else if (!geo_shape_covers(s, x + 1, 1) || geo_shape_covers(s, x + 3, 1)) bad++;
        geo_shape_free(s);
        json_decref(j);
        j = json_loads("{\"type\": \"Polygon\", \"coordinates\": [[[0,0],[2,2],[2,0],[0,2],[0,0]]]}", 0, NULL);
        if (geo_shape_from_geojson(j, 0, NULL, &s, &err) != TR_EINVAL ||
            strstr(err.msg, "Self-intersection") == NULL)
            bad++;
        json_decref(j);
        j = json_loads("{\"type\": \"LineString\", \"coordinates\": [[36,36],[36.1,36.1]]}", 0, NULL);
        if (geo_shape_from_geojson(j, 500, NULL, &s, &err) != 0) bad++;
        else geo_shape_free(s);
        json_decref(j);
    }
    return (void *)(intptr_t)bad;
}

static void test_threads(void **state) {
    (void)state;
    pthread_t t[4];
    for (long i = 0; i < 4; i++) assert_int_equal(pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 4; i++) {
        void *bad = NULL;
        pthread_join(t[i], &bad);
        assert_int_equal((intptr_t)bad, 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reject_types),
        cmocka_unit_test(test_reject_nesting),
        cmocka_unit_test(test_reject_positions),
        cmocka_unit_test(test_reject_rings),
        cmocka_unit_test(test_reject_invalid_polygons),
        cmocka_unit_test(test_accept_duplicates_and_orientation),
        cmocka_unit_test(test_reject_too_many_vertices),
        cmocka_unit_test(test_reject_widths),
        cmocka_unit_test(test_point),
        cmocka_unit_test(test_covers_matches_geos_random),
        cmocka_unit_test(test_covers_boundary_exact),
        cmocka_unit_test(test_covers_large_ring_with_hole),
        cmocka_unit_test(test_covers_multipolygon),
        cmocka_unit_test(test_intersects_box),
        cmocka_unit_test(test_governorates_match_geos),
        cmocka_unit_test(test_cities_in_governorates),
        cmocka_unit_test(test_full_resolution_governorate),
        cmocka_unit_test(test_area_and_distance),
        cmocka_unit_test(test_corridor),
        cmocka_unit_test(test_corridor_polyline),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("geo", tests, setup_geos, teardown_geos);
}
