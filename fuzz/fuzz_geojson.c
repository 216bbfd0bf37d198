/* fuzz_geojson.c — fuzzes the GeoJSON geometry reader (geo_shape_from_geojson,
 * geo_point_from_geojson) and the queries on what it accepts. Input: one control byte
 * (bit 7: read a Point instead; bits 0-6: corridor width in units of 500 m, 0 = none),
 * then the JSON text. Asserts no crash or leak, and for every accepted shape: its
 * vertices are covered, its box intersects it, its area is not negative, and its
 * footprint reads back into a shape that covers the same test points. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "geo/geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Points to probe: the box corners and centre, and a few fractions inside the box. */
static void probe(const geo_shape *a, const geo_shape *b) {
    geo_box x = geo_shape_box(a);
    static const double f[][2] = {{0, 0}, {1, 1}, {0.5, 0.5}, {0.25, 0.75}, {0.9, 0.1}, {0.33, 0.5}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        double lon = x.minx + f[i][0] * (x.maxx - x.minx), lat = x.miny + f[i][1] * (x.maxy - x.miny);
        if (geo_shape_covers(a, lon, lat) != geo_shape_covers(b, lon, lat)) abort();
    }
}

static void check_shape(const geo_shape *s) {
    geo_box b = geo_shape_box(s);
    if (!geo_shape_intersects_box(s, b) || !(geo_shape_area_m2(s) >= -1.0)) abort();
    json_t *fp = geo_shape_footprint_geojson(s);
    if (fp == NULL) abort();
    /* Every vertex of the first shell is on the boundary, hence covered. */
    const json_t *coords = json_object_get(fp, "coordinates");
    const char *type = json_string_value(json_object_get(fp, "type"));
    const json_t *ring = json_array_get(coords, 0);
    if (type != NULL && type[0] == 'M') ring = json_array_get(ring, 0);
    for (size_t i = 0; i < json_array_size(ring); i++) {
        const json_t *p = json_array_get(ring, i);
        double lon = json_number_value(json_array_get(p, 0)), lat = json_number_value(json_array_get(p, 1));
        if (!geo_shape_covers(s, lon, lat)) abort();
    }
    static const geo_limits loose = {SIZE_MAX, 1e9};
    geo_shape *again = NULL;
    tr_err err;
    if (geo_shape_from_geojson(fp, 0, &loose, &again, &err) != 0) abort();
    probe(s, again);
    geo_shape_free(again);
    json_decref(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    json_t *j = json_loadb((const char *)data + 1, size - 1, 0, NULL);
    if (j == NULL) return 0;
    tr_err err;
    if (data[0] & 0x80) {
        double lon, lat;
        if (geo_point_from_geojson(j, &lon, &lat, &err) == 0 &&
            !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
            abort();
    } else {
        static const geo_limits lim = {2000, GEO_DEFAULT_MAX_WIDTH_M};
        geo_shape *s = NULL;
        if (geo_shape_from_geojson(j, (data[0] & 0x7f) * 500.0, &lim, &s, &err) == 0) {
            check_shape(s);
            geo_shape_free(s);
        } else if (err.code != TR_EINVAL && err.code != TR_ENOMEM && err.code != TR_EINTERNAL) {
            abort();
        }
    }
    json_decref(j);
    return 0;
}
