/*
 * volume.c — parsing an ASTM F3548 Volume4D into a tr_volume, and back (volume.h).
 *
 * Every member is checked in document order, so the first fault in the body is the
 * one reported. Polygons are checked in two steps: the cheap rules with precise
 * messages here (vertex count, ranges, repeated vertices, anti-meridian edges, zero
 * area), then the simple-ring rule by building the GeoJSON Polygon and handing it to
 * geo_shape_from_geojson, whose error is mapped back to the Volume4D path.
 */
#include "domain/volume.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "domain/domain.h"

#define PATH_MAX_LEN 128

/* Joins path and key into buf ("volumes[0]" + "volume" -> "volumes[0].volume"). */
static const char *join(char *buf, const char *path, const char *key) {
    return tr_path(buf, PATH_MAX_LEN, path, key);
}

/* Checks that v is an object with only the allowed keys. */
static int object_at(const json_t *v, const char *path, const char *const *keys, const char *what,
                     tr_err *err) {
    if (!json_is_object(v)) return tr_fail(err, TR_EINVAL, path, "must be %s", what);
    return tr_json_only_keys(v, keys, path, err);
}

/* The member key of obj, which must be present and not null. */
static int member(const json_t *obj, const char *key, const char *path, const json_t **out,
                  tr_err *err) {
    char f[PATH_MAX_LEN];
    *out = json_object_get(obj, key);
    if (*out == NULL || json_is_null(*out))
        return tr_fail(err, TR_EINVAL, join(f, path, key), "is required");
    return TR_OK;
}

/* A finite number at obj[key]. */
static int number_at(const json_t *obj, const char *key, const char *path, double *out,
                     tr_err *err) {
    char f[PATH_MAX_LEN];
    const json_t *v;
    if (member(obj, key, path, &v, err)) return TR_EINVAL;
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return tr_fail(err, TR_EINVAL, join(f, path, key), "must be a finite number");
    *out = json_number_value(v);
    return TR_OK;
}

/* A string at obj[key] equal to `want` (units, reference, format). */
static int constant_at(const json_t *obj, const char *key, const char *path, const char *want,
                       const char *meaning, tr_err *err) {
    char f[PATH_MAX_LEN];
    const json_t *v;
    if (member(obj, key, path, &v, err)) return TR_EINVAL;
    if (!json_is_string(v))
        return tr_fail(err, TR_EINVAL, join(f, path, key), "must be the string \"%s\"", want);
    if (strcmp(json_string_value(v), want) != 0)
        return tr_fail(err, TR_EINVAL, join(f, path, key),
                       "unknown %s \"%.40s\": truce accepts only \"%s\" (%s)", key,
                       json_string_value(v), want, meaning);
    return TR_OK;
}

/* A LatLngPoint {"lat", "lng"} at path; out[0] = lng, out[1] = lat. */
static int lat_lng(const json_t *p, const char *path, double out[2], tr_err *err) {
    static const char *const keys[] = {"lat", "lng", NULL};
    char f[PATH_MAX_LEN];
    if (object_at(p, path, keys, "an object {\"lat\": degrees, \"lng\": degrees}", err))
        return TR_EINVAL;
    double lat, lng;
    if (number_at(p, "lat", path, &lat, err) || number_at(p, "lng", path, &lng, err))
        return TR_EINVAL;
    if (lat < -90 || lat > 90)
        return tr_fail(err, TR_EINVAL, join(f, path, "lat"), "latitude %g is outside [-90, 90]", lat);
    if (lng < -180 || lng > 180)
        return tr_fail(err, TR_EINVAL, join(f, path, "lng"), "longitude %g is outside [-180, 180]",
                       lng);
    out[0] = lng;
    out[1] = lat;
    return TR_OK;
}

/* The common case of lat_lng without building an error path: a valid {"lat", "lng"}
 * object. False sends the caller to lat_lng, which says what is wrong. */
static bool lat_lng_fast(const json_t *p, double out[2]) {
    const json_t *la = json_object_get(p, "lat"), *lo = json_object_get(p, "lng");
    if (!json_is_object(p) || json_object_size(p) != 2 || !json_is_number(la) || !json_is_number(lo)) return false;
    double lat = json_number_value(la), lng = json_number_value(lo);
    if (!(lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180)) return false; /* NaN too */
    out[0] = lng;
    out[1] = lat;
    return true;
}

/* An Altitude {"value", "reference": "W84", "units": "M"} at obj[key]. */
static int altitude(const json_t *obj, const char *key, const char *path, double *out,
                    tr_err *err) {
    static const char *const keys[] = {"value", "reference", "units", NULL};
    char f[PATH_MAX_LEN];
    const json_t *a;
    if (member(obj, key, path, &a, err)) return TR_EINVAL;
    join(f, path, key);
    if (object_at(a, f, keys, "an Altitude {\"value\", \"reference\": \"W84\", \"units\": \"M\"}", err) ||
        number_at(a, "value", f, out, err) ||
        constant_at(a, "reference", f, "W84", "height above the WGS 84 ellipsoid", err) ||
        constant_at(a, "units", f, "M", "metres", err))
        return TR_EINVAL;
    if (*out < TR_VOLUME_ALT_MIN_M || *out > TR_VOLUME_ALT_MAX_M) {
        char g[PATH_MAX_LEN];
        return tr_fail(err, TR_EINVAL, join(g, f, "value"), "altitude %g m is outside [%g, %g] m",
                       *out, TR_VOLUME_ALT_MIN_M, TR_VOLUME_ALT_MAX_M);
    }
    return TR_OK;
}

/* A Time {"value": RFC 3339, "format": "RFC3339"} at obj[key]. */
static int time_at(const json_t *obj, const char *key, const char *path, int64_t *out,
                   tr_err *err) {
    static const char *const keys[] = {"value", "format", NULL};
    char f[PATH_MAX_LEN], g[PATH_MAX_LEN];
    const json_t *t, *v;
    if (member(obj, key, path, &t, err)) return TR_EINVAL;
    join(f, path, key);
    if (object_at(t, f, keys, "a Time {\"value\": RFC 3339 text, \"format\": \"RFC3339\"}", err) ||
        member(t, "value", f, &v, err))
        return TR_EINVAL;
    if (!json_is_string(v) || tr_time_parse(json_string_value(v), out) != 0)
        return tr_fail(err, TR_EINVAL, join(g, f, "value"),
                       "must be an RFC 3339 time such as \"2016-09-17T14:00:00Z\"");
    return constant_at(t, "format", f, "RFC3339", "RFC 3339 date-time text", err);
}

/* ---- polygons ---- */

static int cmp_xy(const void *a, const void *b) {
    const double *p = *(const double *const *)a, *q = *(const double *const *)b;
    if (p[0] != q[0]) return p[0] < q[0] ? -1 : 1;
    if (p[1] != q[1]) return p[1] < q[1] ? -1 : 1;
    return p < q ? -1 : p > q; /* stable: lower index first */
}

/* No vertex may appear twice (F3548); names both indices of the first repeat found. */
static int check_repeats(const double *xy, size_t n, const char *vpath, tr_err *err) {
    char f[PATH_MAX_LEN];
    if (xy[0] == xy[2 * (n - 1)] && xy[1] == xy[2 * (n - 1) + 1]) {
        snprintf(f, sizeof f, "%.100s[%zu]", vpath, n - 1);
        return tr_fail(err, TR_EINVAL, f, "the final vertex repeats the first: a Volume4D "
                       "polygon closes itself, so leave the repeated vertex out");
    }
    const double **ptr = malloc(n * sizeof *ptr);
    if (ptr == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; i < n; i++) ptr[i] = xy + 2 * i;
    qsort(ptr, n, sizeof *ptr, cmp_xy);
    int rc = TR_OK;
    for (size_t i = 1; i < n && rc == TR_OK; i++) {
        if (ptr[i][0] == ptr[i - 1][0] && ptr[i][1] == ptr[i - 1][1]) {
            size_t a = (size_t)(ptr[i - 1] - xy) / 2, b = (size_t)(ptr[i] - xy) / 2;
            snprintf(f, sizeof f, "%.100s[%zu]", vpath, b);
            rc = tr_fail(err, TR_EINVAL, f, "repeats vertex %zu: vertices may not be duplicated", a);
        }
    }
    free(ptr);
    return rc;
}

/* Edges span at most 180 degrees of longitude and the ring has a non-zero area. */
static int check_edges(const double *xy, size_t n, const char *vpath, tr_err *err) {
    char f[PATH_MAX_LEN];
    double area2 = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = (i + 1) % n;
        if (fabs(xy[2 * j] - xy[2 * i]) > 180) {
            snprintf(f, sizeof f, "%.100s[%zu]", vpath, j);
            return tr_fail(err, TR_EINVAL, f, "the edge from vertex %zu to vertex %zu crosses the "
                           "anti-meridian; truce's polygon edges are straight in longitude and "
                           "latitude: split the volume at 180 degrees", i, j);
        }
        area2 += (xy[2 * i] - xy[0]) * (xy[2 * j + 1] - xy[1]) -
                 (xy[2 * j] - xy[0]) * (xy[2 * i + 1] - xy[1]);
    }
    if (area2 == 0)
        return tr_fail(err, TR_EINVAL, vpath, "degenerate polygon: its vertices are collinear "
                       "and enclose no area");
    return TR_OK;
}

/* The GeoJSON Polygon of the ring (closed), for geo_shape_from_geojson. */
static json_t *ring_geojson(const double *xy, size_t n) {
    json_t *ring = json_array();
    for (size_t i = 0; ring && i <= n; i++) {
        size_t k = i % n;
        json_t *pos = json_pack("[ff]", xy[2 * k], xy[2 * k + 1]);
        if (pos == NULL || json_array_append_new(ring, pos) != 0) {
            json_decref(ring);
            return NULL;
        }
    }
    return ring ? json_pack("{s:s, s:[o]}", "type", "Polygon", "coordinates", ring) : NULL;
}

/* Maps a geo error field ("coordinates[0][k]", "coordinates[0]", ...) to the vertices. */
static void map_geo_error(tr_err *err, const char *vpath, size_t n) {
    char f[PATH_MAX_LEN], msg[sizeof err->msg];
    size_t k;
    if (sscanf(err->field, "coordinates[0][%zu]", &k) == 1)
        snprintf(f, sizeof f, "%.100s[%zu]", vpath, k % n);
    else
        snprintf(f, sizeof f, "%s", vpath);
    snprintf(msg, sizeof msg, "%s", err->msg);
    tr_fail(err, err->code, f, "the polygon is not a simple ring (edges may not cross or "
            "touch): %s (lng, lat)", msg);
}

static int validate_shape(tr_volume *out, const char *vpath, tr_err *err) {
    static const geo_limits lim = {TR_VOLUME_MAX_VERTICES + 1, GEO_DEFAULT_MAX_WIDTH_M};
    json_t *g = ring_geojson(out->vertices, out->nvert);
    if (g == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = geo_shape_from_geojson(g, 0, &lim, &out->shape, err);
    json_decref(g);
    if (rc == TR_EINVAL && err != NULL) map_geo_error(err, vpath, out->nvert);
    return rc;
}

static int polygon(const json_t *p, const char *path, unsigned flags, tr_volume *out,
                   tr_err *err) {
    static const char *const keys[] = {"vertices", NULL};
    char vpath[PATH_MAX_LEN], f[PATH_MAX_LEN];
    const json_t *vs;
    if (object_at(p, path, keys, "a Polygon {\"vertices\": [{\"lat\", \"lng\"}, ...]}", err) ||
        member(p, "vertices", path, &vs, err))
        return TR_EINVAL;
    join(vpath, path, "vertices");
    size_t n = json_array_size(vs);
    if (!json_is_array(vs)) return tr_fail(err, TR_EINVAL, vpath, "must be an array of {\"lat\", \"lng\"}");
    if (n < 3)
        return tr_fail(err, TR_EINVAL, vpath, "a polygon needs at least 3 vertices, found %zu", n);
    if (n > TR_VOLUME_MAX_VERTICES)
        return tr_fail(err, TR_EINVAL, vpath, "too many vertices: %zu (the limit is %d)", n,
                       TR_VOLUME_MAX_VERTICES);
    out->outline = TR_OUTLINE_POLYGON;
    out->vertices = malloc(2 * n * sizeof *out->vertices);
    if (out->vertices == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    out->nvert = n;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(vs, i);
        if (lat_lng_fast(v, out->vertices + 2 * i)) continue;
        snprintf(f, sizeof f, "%.100s[%zu]", vpath, i);
        if (lat_lng(v, f, out->vertices + 2 * i, err)) return TR_EINVAL;
    }
    int rc = check_repeats(out->vertices, n, vpath, err);
    if (rc == TR_OK) rc = check_edges(out->vertices, n, vpath, err);
    if (rc != TR_OK) return rc;
    return (flags & TR_VOLUME_TRUSTED) ? TR_OK : validate_shape(out, vpath, err);
}

static int circle(const json_t *c, const char *path, tr_volume *out, tr_err *err) {
    static const char *const keys[] = {"center", "radius", NULL};
    static const char *const rkeys[] = {"value", "units", NULL};
    char f[PATH_MAX_LEN], g[PATH_MAX_LEN];
    const json_t *centre, *radius;
    double ll[2];
    if (object_at(c, path, keys, "a Circle {\"center\": {\"lat\", \"lng\"}, \"radius\": {\"value\", \"units\": \"M\"}}", err) ||
        member(c, "center", path, &centre, err) || lat_lng(centre, join(f, path, "center"), ll, err) ||
        member(c, "radius", path, &radius, err))
        return TR_EINVAL;
    join(f, path, "radius");
    if (object_at(radius, f, rkeys, "a Radius {\"value\", \"units\": \"M\"}", err) ||
        number_at(radius, "value", f, &out->radius_m, err) ||
        constant_at(radius, "units", f, "M", "metres", err))
        return TR_EINVAL;
    if (!(out->radius_m > 0))
        return tr_fail(err, TR_EINVAL, join(g, f, "value"), "the radius must be greater than 0 m");
    if (out->radius_m > TR_VOLUME_MAX_RADIUS_M)
        return tr_fail(err, TR_EINVAL, join(g, f, "value"), "radius %g m exceeds the limit of %g m",
                       out->radius_m, TR_VOLUME_MAX_RADIUS_M);
    out->outline = TR_OUTLINE_CIRCLE;
    out->lng = ll[0];
    out->lat = ll[1];
    return TR_OK;
}

/* The Volume3D at path: exactly one outline, then the altitude band. */
static int volume3d(const json_t *v, const char *path, unsigned flags, tr_volume *out,
                    tr_err *err) {
    static const char *const keys[] = {"outline_polygon", "outline_circle", "altitude_lower",
                                       "altitude_upper", NULL};
    char f[PATH_MAX_LEN];
    if (object_at(v, path, keys, "a Volume3D object", err)) return TR_EINVAL;
    const json_t *poly = json_object_get(v, "outline_polygon");
    const json_t *circ = json_object_get(v, "outline_circle");
    if (json_is_null(poly)) poly = NULL;
    if (json_is_null(circ)) circ = NULL;
    if (poly && circ)
        return tr_fail(err, TR_EINVAL, join(f, path, "outline_circle"),
                       "a volume has one outline: outline_polygon or outline_circle, not both");
    if (!poly && !circ)
        return tr_fail(err, TR_EINVAL, join(f, path, "outline_polygon"),
                       "is required (or outline_circle)");
    int rc = poly ? polygon(poly, join(f, path, "outline_polygon"), flags, out, err)
                  : circle(circ, join(f, path, "outline_circle"), out, err);
    if (rc != TR_OK) return rc;
    if (altitude(v, "altitude_lower", path, &out->alt_lo, err) ||
        altitude(v, "altitude_upper", path, &out->alt_hi, err))
        return TR_EINVAL;
    if (out->alt_lo > out->alt_hi)
        return tr_fail(err, TR_EINVAL, join(f, path, "altitude_upper"),
                       "altitude_upper (%g m) is below altitude_lower (%g m)", out->alt_hi,
                       out->alt_lo);
    return TR_OK;
}

int tr_volume_parse(const json_t *v, const char *path, unsigned flags, tr_volume *out,
                    tr_err *err) {
    static const char *const keys[] = {"volume", "time_start", "time_end", NULL};
    char f[PATH_MAX_LEN];
    const json_t *vol;
    memset(out, 0, sizeof *out);
    if (path == NULL) path = "";
    int rc = TR_EINVAL;
    if (object_at(v, path, keys, "a Volume4D object {\"volume\", \"time_start\", \"time_end\"}", err) ||
        member(v, "volume", path, &vol, err))
        goto out;
    if ((rc = volume3d(vol, join(f, path, "volume"), flags, out, err)) != TR_OK) goto out;
    rc = TR_EINVAL;
    if (time_at(v, "time_start", path, &out->t_start, err) ||
        time_at(v, "time_end", path, &out->t_end, err))
        goto out;
    if (out->t_end <= out->t_start) {
        char a[TR_TIME_BUFSZ], b[TR_TIME_BUFSZ];
        tr_fail(err, TR_EINVAL, join(f, path, "time_end"),
                "time_end (%s) must be later than time_start (%s)", tr_time_format(out->t_end, a),
                tr_time_format(out->t_start, b));
        goto out;
    }
    rc = TR_OK;
out:
    if (rc != TR_OK) tr_volume_clear(out);
    return rc;
}

void tr_volume_clear(tr_volume *v) {
    free(v->vertices);
    geo_shape_free(v->shape);
    memset(v, 0, sizeof *v);
}

/* ---- back to JSON ---- */

static json_t *lat_lng_json(double lng, double lat) {
    return json_pack("{s:f, s:f}", "lat", lat, "lng", lng);
}

static json_t *altitude_json(double m) {
    return json_pack("{s:f, s:s, s:s}", "value", m, "reference", "W84", "units", "M");
}

static json_t *time_json(int64_t t) {
    char buf[TR_TIME_BUFSZ];
    return json_pack("{s:s, s:s}", "value", tr_time_format(t, buf), "format", "RFC3339");
}

json_t *tr_volume_to_json(const tr_volume *v) {
    json_t *outline = NULL;
    const char *key = "outline_circle";
    if (v->outline == TR_OUTLINE_POLYGON) {
        json_t *vs = json_array();
        for (size_t i = 0; vs && i < v->nvert; i++)
            if (json_array_append_new(vs, lat_lng_json(v->vertices[2 * i], v->vertices[2 * i + 1]))) {
                json_decref(vs);
                vs = NULL;
            }
        outline = vs ? json_pack("{s:o}", "vertices", vs) : NULL;
        key = "outline_polygon";
    } else {
        outline = json_pack("{s:o, s:{s:f, s:s}}", "center", lat_lng_json(v->lng, v->lat), "radius",
                            "value", v->radius_m, "units", "M");
    }
    if (outline == NULL) return NULL;
    /* "o" steals the reference even when json_pack fails, so nothing leaks. */
    return json_pack("{s:{s:o, s:o, s:o}, s:o, s:o}", "volume", key, outline, "altitude_lower",
                     altitude_json(v->alt_lo), "altitude_upper", altitude_json(v->alt_hi),
                     "time_start", time_json(v->t_start), "time_end", time_json(v->t_end));
}
