/*
 * geojson.c — strict reading of GeoJSON geometry objects (RFC 7946) into shapes.
 *
 * Reading happens in passes so that a hostile input fails fast and every error
 * names the exact member at fault:
 *  1. "type" is checked against the table of accepted geometries, width_m against
 *     the type and the limits, the other members against type/coordinates/bbox;
 *  2. "coordinates" is walked once to check the nesting and count the positions,
 *     stopping as soon as the count passes lim->max_vertices (nothing allocated);
 *  3. positions are read into a geo_draft, each checked (2 or 3 finite numbers, lon
 *     and lat in range, an altitude within GEO_MAX_ALTITUDE_M), rings checked for size
 *     and closure;
 *  4. GEOS checks OGC validity (geos_ctx.c), or the line is buffered (corridor.c);
 *  5. shape.c builds the immutable shape.
 * Error fields are paths relative to the geometry object: "type",
 * "coordinates[0][3]" (one position), "coordinates[0]" (one ring), "coordinates"
 * (the nesting or the whole geometry), "width_m" (the corridor width argument).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo_int.h"

#define MAX_DEPTH 3

/* The accepted geometry types; depth is how many array levels wrap a position. */
typedef struct kind {
    const char *name;
    int depth;
    bool corridor;         /* a LineString buffered by width_m */
    const char *layout;    /* what "coordinates" must look like, for messages */
} kind;

static const kind kinds[] = {
    {"Polygon", 2, false, "an array of linear rings, each an array of [lon, lat] positions"},
    {"MultiPolygon", 3, false,
     "an array of polygons, each an array of linear rings of [lon, lat] positions"},
    {"LineString", 1, true, "an array of [lon, lat] positions"},
};

/* The walk of one "coordinates" member: where we are and what we fill. */
typedef struct reader {
    const kind *k;
    size_t idx[MAX_DEPTH + 1]; /* index at each nesting level, for error paths */
    size_t counts[MAX_DEPTH];  /* arrays/positions seen at each level (pass 2) */
    size_t max_vertices;
    geo_draft d;               /* filled by pass 3 */
    tr_err *err;
} reader;

void geo__fmt_coord(char *buf, size_t size, double v) {
    if (!(fabs(v) < 1e9)) { /* far out of range (or not finite): keep it short */
        snprintf(buf, size, "%g", v);
        return;
    }
    snprintf(buf, size, "%.7f", v);
    char *dot = strchr(buf, '.');
    if (dot == NULL) return;
    char *end = buf + strlen(buf);
    while (end > dot + 1 && end[-1] == '0') *--end = '\0';
    if (end == dot + 1) *dot = '\0';
    if (strcmp(buf, "-0") == 0) snprintf(buf, size, "0");
}

/* "coordinates[i0][i1]..." for the first n indices. */
static void path_of(char *buf, size_t size, const size_t *idx, int n) {
    int len = snprintf(buf, size, "coordinates");
    for (int i = 0; i < n && len > 0 && (size_t)len < size; i++)
        len += snprintf(buf + len, size - (size_t)len, "[%zu]", idx[i]);
}

static int fail_nesting(reader *rd, int level) {
    char where[96];
    path_of(where, sizeof where, rd->idx, level);
    return tr_fail(rd->err, TR_EINVAL, "coordinates",
                   "wrong nesting at %s: %s coordinates must be %s", where, rd->k->name,
                   rd->k->layout);
}

static int fail_at(reader *rd, int level, const char *msg) {
    char where[96];
    path_of(where, sizeof where, rd->idx, level);
    return tr_fail(rd->err, TR_EINVAL, where, "%s", msg);
}

/* Pass 2: checks that every level above the positions is an array of arrays and
 * counts them; fails with "too many vertices" as soon as the limit is passed. */
static int count_level(reader *rd, const json_t *v, int level) {
    if (!json_is_array(v)) {
        if (json_is_number(v)) return fail_nesting(rd, level);
        return fail_at(rd, level, level == 0 ? "coordinates must be an array"
                                              : "expected an array here");
    }
    size_t n = json_array_size(v);
    rd->counts[level] += n;
    if (level == rd->k->depth - 1) {
        if (rd->counts[level] > rd->max_vertices)
            return tr_fail(rd->err, TR_EINVAL, "coordinates",
                           "too many vertices: more than %zu positions (the limit is %zu)",
                           rd->max_vertices, rd->max_vertices);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        rd->idx[level] = i;
        int rc = count_level(rd, json_array_get(v, i), level + 1);
        if (rc != 0) return rc;
    }
    return 0;
}

/* Checks one position at rd->idx[0..level) and stores lon/lat in out[0..1]. */
static int read_position(reader *rd, const json_t *p, int level, double *out) {
    char msg[160];
    if (json_is_number(p) && rd->k->depth > 0) return fail_nesting(rd, level);
    if (!json_is_array(p))
        return fail_at(rd, level, "a position must be an array of 2 or 3 numbers "
                                  "[lon, lat] or [lon, lat, altitude]");
    size_t n = json_array_size(p);
    for (size_t i = 0; i < n && i < 4; i++) {
        if (json_is_array(json_array_get(p, i))) {
            rd->idx[level] = i;
            return fail_nesting(rd, level + 1);
        }
    }
    if (n < 2 || n > 3) {
        snprintf(msg, sizeof msg, "a position must have 2 or 3 numbers [lon, lat(, altitude)], "
                 "found %zu elements", n);
        return fail_at(rd, level, msg);
    }
    double v[3];
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(p, i);
        if (!json_is_number(e)) {
            snprintf(msg, sizeof msg, "position element %zu is not a number", i);
            return fail_at(rd, level, msg);
        }
        v[i] = json_number_value(e);
        if (!isfinite(v[i])) {
            snprintf(msg, sizeof msg, "position element %zu is not a finite number", i);
            return fail_at(rd, level, msg);
        }
    }
    char num[32];
    if (v[0] < -180 || v[0] > 180) {
        geo__fmt_coord(num, sizeof num, v[0]);
        snprintf(msg, sizeof msg, "longitude %s is outside [-180, 180]", num);
        return fail_at(rd, level, msg);
    }
    if (v[1] < -90 || v[1] > 90) {
        geo__fmt_coord(num, sizeof num, v[1]);
        snprintf(msg, sizeof msg, "latitude %s is outside [-90, 90]", num);
        return fail_at(rd, level, msg);
    }
    if (n == 3 && fabs(v[2]) > GEO_MAX_ALTITUDE_M) {
        geo__fmt_coord(num, sizeof num, v[2]);
        snprintf(msg, sizeof msg, "altitude %s m is outside [-%d, %d] metres", num, GEO_MAX_ALTITUDE_M,
                 GEO_MAX_ALTITUDE_M);
        return fail_at(rd, level, msg);
    }
    out[0] = v[0];
    out[1] = v[1];
    return 0;
}

/* Checks that ring (positions [a, a + n) of the draft) is a closed linear ring. */
static int check_ring(reader *rd, size_t a, size_t n, int level) {
    char msg[200];
    if (n < 4) {
        snprintf(msg, sizeof msg, "ring has %zu positions; a closed linear ring needs at least 4",
                 n);
        return fail_at(rd, level, msg);
    }
    const double *f = rd->d.xy + 2 * a, *l = rd->d.xy + 2 * (a + n - 1);
    if (f[0] != l[0] || f[1] != l[1]) {
        char fx[32], fy[32], lx[32], ly[32];
        geo__fmt_coord(fx, sizeof fx, f[0]);
        geo__fmt_coord(fy, sizeof fy, f[1]);
        geo__fmt_coord(lx, sizeof lx, l[0]);
        geo__fmt_coord(ly, sizeof ly, l[1]);
        snprintf(msg, sizeof msg, "ring is not closed: the first position [%s, %s] differs "
                 "from the last [%s, %s]", fx, fy, lx, ly);
        return fail_at(rd, level, msg);
    }
    return 0;
}

/* Reads one array of positions (a ring, or the line of a corridor). */
static int read_positions(reader *rd, const json_t *v, int level) {
    size_t a = rd->d.npos, n = json_array_size(v);
    if (!rd->k->corridor) rd->d.ring_start[rd->d.nrings++] = (uint32_t)a;
    for (size_t i = 0; i < n; i++) {
        rd->idx[level] = i;
        int rc = read_position(rd, json_array_get(v, i), level + 1, rd->d.xy + 2 * rd->d.npos);
        if (rc != 0) return rc;
        rd->d.npos++;
    }
    return rd->k->corridor ? 0 : check_ring(rd, a, n, level);
}

/* Pass 3: reads every position under v (nesting already checked by pass 2). */
static int read_level(reader *rd, const json_t *v, int level) {
    int depth = rd->k->depth;
    if (level == depth - 1) return read_positions(rd, v, level);
    size_t n = json_array_size(v);
    if (level == depth - 2) {
        if (n == 0)
            return fail_at(rd, level, level == 0 ? "a Polygon needs at least one ring"
                                                 : "a polygon needs at least one ring");
        rd->d.poly_start[rd->d.npolys++] = (uint32_t)rd->d.nrings;
    } else if (n == 0) {
        return fail_at(rd, level, "a MultiPolygon needs at least one polygon");
    }
    for (size_t i = 0; i < n; i++) {
        rd->idx[level] = i;
        int rc = read_level(rd, json_array_get(v, i), level + 1);
        if (rc != 0) return rc;
    }
    return 0;
}

static int alloc_draft(reader *rd) {
    int depth = rd->k->depth;
    size_t npos = rd->counts[depth - 1];
    size_t nrings = depth >= 2 ? rd->counts[depth - 2] : 0;
    size_t npolys = depth == 3 ? rd->counts[0] : 1;
    rd->d.xy = malloc((npos ? npos : 1) * 2 * sizeof *rd->d.xy);
    rd->d.ring_start = malloc((nrings + 1) * sizeof *rd->d.ring_start);
    rd->d.poly_start = malloc((npolys + 1) * sizeof *rd->d.poly_start);
    if (rd->d.xy == NULL || rd->d.ring_start == NULL || rd->d.poly_start == NULL) {
        geo__draft_free(&rd->d);
        return tr_fail(rd->err, TR_ENOMEM, "", "out of memory");
    }
    return 0;
}

/* Passes 2 and 3: rd->d holds the positions (and rings, polygons) on success. */
static int read_coordinates(reader *rd, const json_t *geometry) {
    const json_t *c = json_object_get(geometry, "coordinates");
    if (c == NULL) return tr_fail(rd->err, TR_EINVAL, "coordinates", "missing coordinates member");
    int rc = count_level(rd, c, 0);
    if (rc == 0) rc = alloc_draft(rd);
    if (rc == 0) rc = read_level(rd, c, 0);
    if (rc == 0 && !rd->k->corridor) {
        rd->d.ring_start[rd->d.nrings] = (uint32_t)rd->d.npos;
        rd->d.poly_start[rd->d.npolys] = (uint32_t)rd->d.nrings;
    }
    if (rc != 0) geo__draft_free(&rd->d);
    return rc;
}

/* A bbox member (RFC 7946 section 5) must be an array of 4 or 6 finite numbers. */
static int check_bbox(const json_t *b, tr_err *err) {
    size_t n = json_array_size(b);
    if (!json_is_array(b) || (n != 4 && n != 6))
        return tr_fail(err, TR_EINVAL, "bbox", "bbox must be an array of 4 (or 6) numbers");
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(b, i);
        if (!json_is_number(v) || !isfinite(json_number_value(v)))
            return tr_fail(err, TR_EINVAL, "bbox", "bbox element %zu is not a finite number", i);
    }
    return 0;
}

/* Only type, coordinates and bbox may appear: a geometry with other members (crs,
 * a misspelt key) is more likely misread than meant. */
static int check_members(const json_t *geometry, tr_err *err) {
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)geometry, key, v) {
        if (strcmp(key, "type") == 0 || strcmp(key, "coordinates") == 0) continue;
        if (strcmp(key, "bbox") == 0) {
            int rc = check_bbox(v, err);
            if (rc != 0) return rc;
            continue;
        }
        if (strcmp(key, "crs") == 0)
            return tr_fail(err, TR_EINVAL, "crs", "crs is not part of GeoJSON (RFC 7946): "
                           "coordinates are always WGS 84 longitude, latitude");
        return tr_fail(err, TR_EINVAL, key, "unknown member '%.40s' in a geometry object "
                       "(allowed: type, coordinates, bbox)", key);
    }
    return 0;
}

/* Pass 1a: finds the geometry's "type" member (a string) in *type. */
static int read_type(const json_t *geometry, const char **type, tr_err *err) {
    if (!json_is_object(geometry))
        return tr_fail(err, TR_EINVAL, "", "geometry must be a JSON object");
    const json_t *t = json_object_get(geometry, "type");
    if (t == NULL) return tr_fail(err, TR_EINVAL, "type", "missing type member");
    if (!json_is_string(t)) return tr_fail(err, TR_EINVAL, "type", "type must be a string");
    *type = json_string_value(t);
    return 0;
}

static const kind *find_kind(const char *type) {
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].name, type) == 0) return &kinds[i];
    return NULL;
}

/* Pass 1b: width_m must be 0 for areal types and in (0, max] for a corridor. */
static int check_width(const kind *k, double width_m, const geo_limits *lim, tr_err *err) {
    if (!k->corridor) {
        if (width_m != 0)
            return tr_fail(err, TR_EINVAL, "width_m",
                           "width_m applies only to a LineString corridor, not to a %s", k->name);
        return 0;
    }
    if (!(width_m > 0))
        return tr_fail(err, TR_EINVAL, "width_m",
                       "a LineString corridor needs width_m > 0 (the full width in metres)");
    if (width_m < GEO_MIN_WIDTH_M)
        return tr_fail(err, TR_EINVAL, "width_m", "width_m %g is too small: a corridor is at "
                       "least %g m wide", width_m, GEO_MIN_WIDTH_M);
    if (width_m > lim->max_width_m)
        return tr_fail(err, TR_EINVAL, "width_m", "width_m %g exceeds the limit of %g m",
                       width_m, lim->max_width_m);
    return 0;
}

/* Buffers the line held in rd->d (freed here) into *out. */
static int build_corridor(reader *rd, double width_m, geo_shape **out) {
    geo_draft poly = {0};
    size_t n = rd->d.npos, distinct = 0;
    const double *xy = rd->d.xy;
    for (size_t i = 1; i < n && distinct == 0; i++)
        if (xy[2 * i] != xy[0] || xy[2 * i + 1] != xy[1]) distinct = 1;
    int rc = 0;
    if (n < 2)
        rc = tr_fail(rd->err, TR_EINVAL, "coordinates", "a LineString needs at least 2 positions");
    else if (distinct == 0)
        rc = tr_fail(rd->err, TR_EINVAL, "coordinates",
                     "a corridor needs at least 2 distinct positions");
    if (rc == 0) rc = geo__corridor_draft(xy, n, width_m, &poly, rd->err);
    geo__draft_free(&rd->d);
    if (rc == 0 && (rc = geo__draft_validate(&poly, false, rd->err)) != 0) {
        char why[sizeof rd->err->msg];
        snprintf(why, sizeof why, "%s", rd->err->msg);
        rc = tr_fail(rd->err, TR_EINVAL, "coordinates",
                     "the buffered corridor is not a valid polygon (%s)", why);
    }
    if (rc != 0) {
        geo__draft_free(&poly);
        return rc;
    }
    return geo__shape_from_draft(&poly, n, out, rd->err);
}

/* Passes 1 to 3 (see the top): the geometry's kind in *k and its positions in rd->d. */
static int read_draft(const json_t *geometry, double width_m, const geo_limits *lim, reader *rd,
                      tr_err *err) {
    static const geo_limits defaults = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    if (lim == NULL) lim = &defaults;
    const char *type = NULL;
    int rc = read_type(geometry, &type, err);
    if (rc != 0) return rc;
    *rd = (reader){.k = find_kind(type), .max_vertices = lim->max_vertices, .err = err};
    if (rd->k == NULL)
        return tr_fail(err, TR_EINVAL, "type",
                       "unsupported geometry type '%.40s' (expected Polygon, MultiPolygon, "
                       "or LineString with width_m)", type);
    if ((rc = check_width(rd->k, width_m, lim, err)) != 0) return rc;
    if ((rc = check_members(geometry, err)) != 0) return rc;
    return read_coordinates(rd, geometry);
}

int geo_shape_from_geojson(const json_t *geometry, double width_m, const geo_limits *lim, geo_shape **out,
                           tr_err *err) {
    reader rd;
    int rc = read_draft(geometry, width_m, lim, &rd, err);
    if (rc != 0) return rc;
    if (rd.k->corridor) return build_corridor(&rd, width_m, out);
    rc = geo__draft_validate(&rd.d, rd.k->depth == 3, err);
    if (rc != 0) {
        geo__draft_free(&rd.d);
        return rc;
    }
    return geo__shape_from_draft(&rd.d, rd.d.npos, out, err);
}

int geo__draft_from_geojson(const json_t *geometry, const geo_limits *lim, geo_draft *d, bool *areal,
                            bool *multi, tr_err *err) {
    reader rd;
    memset(d, 0, sizeof *d);
    const char *type = json_string_value(json_object_get(geometry, "type"));
    *areal = type && (strcmp(type, "Polygon") == 0 || strcmp(type, "MultiPolygon") == 0);
    if (!*areal) return 0;
    int rc = read_draft(geometry, 0, lim, &rd, err);
    if (rc != 0) return rc;
    *d = rd.d;
    *multi = rd.k->depth == 3;
    return 0;
}

int geo_point_from_geojson(const json_t *geometry, double *lon, double *lat, tr_err *err) {
    static const kind point = {"Point", 0, false, "one position [lon, lat]"};
    const char *type = NULL;
    int rc = read_type(geometry, &type, err);
    if (rc != 0) return rc;
    if (strcmp(type, "Point") != 0)
        return tr_fail(err, TR_EINVAL, "type", "expected a Point, got '%.40s'", type);
    if ((rc = check_members(geometry, err)) != 0) return rc;
    const json_t *c = json_object_get(geometry, "coordinates");
    if (c == NULL) return tr_fail(err, TR_EINVAL, "coordinates", "missing coordinates member");
    reader rd = {.k = &point, .err = err};
    double xy[2];
    if ((rc = read_position(&rd, c, 0, xy)) != 0) return rc;
    *lon = xy[0];
    *lat = xy[1];
    return 0;
}
