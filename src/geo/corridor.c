/*
 * corridor.c — a LineString with a width becomes the polygon of every point within
 * width / 2 of the line.
 *
 * The line is carried into a local metric frame, buffered there by GEOS (round caps
 * and joins, 8 segments per quadrant) and the buffer carried back to lon/lat:
 *  - frame: ellipsoidal azimuthal equidistant about the centre of the line's box
 *    (x = s sin(azi), y = s cos(azi) from geod_inverse; back with geod_direct).
 *    Distances from the centre are exact; across the line the scale error is
 *    about rho^2 / (6 R^2): 0.04 % at 300 km, 0.4 % at 1,000 km from the centre.
 *  - edges are straight in lon/lat (as everywhere in geo.h), and a straight lon/lat
 *    edge bends in the frame. Both the input line and the buffer are therefore
 *    densified to pieces of at most `step` metres (20 half-widths, clamped to
 *    [200 m, 5 km]) so the bend of each piece stays far below 0.1 % of the width.
 * The buffer's polygon is validated like any other by the caller.
 */
#include <math.h>
#include <stdlib.h>

#include "geo/geo_int.h"

#define STEP_MIN_M 200.0
#define STEP_MAX_M 5000.0
#define MAX_LINE_POINTS 50000   /* densified points of the line, at most (about) */
#define QUADRANT_SEGMENTS 8

typedef struct frame {
    double lon0, lat0;       /* centre of the azimuthal equidistant frame */
} frame;

static void to_frame(const frame *f, double lon, double lat, double *x, double *y) {
    double s = 0, azi = 0;
    geod_inverse(geo__wgs84(), f->lat0, f->lon0, lat, lon, &s, &azi, NULL);
    double a = azi * (M_PI / 180);
    *x = s * sin(a);
    *y = s * cos(a);
}

static void from_frame(const frame *f, double x, double y, double *lon, double *lat) {
    double azi = atan2(x, y) * (180 / M_PI), s = hypot(x, y);
    geod_gendirect(geo__wgs84(), f->lat0, f->lon0, azi, GEOD_LONG_UNROLL, s, lat, lon, NULL,
                   NULL, NULL, NULL, NULL, NULL);
}

/* Pieces a segment of the lon/lat line is cut into. */
static size_t pieces(const double *a, double step) {
    double len = geo_distance_m(a[0], a[1], a[2], a[3]);
    double k = ceil(len / step);
    return k < 1 ? 1 : (size_t)k;
}

/* Projects the line xy[0..n) into f, cut into pieces of at most *step metres (the
 * step grows if the line would need more than MAX_LINE_POINTS points). Returns a
 * malloc'd array of *m positions, or NULL when out of memory. */
static double *project_line(const frame *f, const double *xy, size_t n, double *step, size_t *m) {
    double total = 0;
    for (size_t i = 0; i + 1 < n; i++)
        total += geo_distance_m(xy[2 * i], xy[2 * i + 1], xy[2 * i + 2], xy[2 * i + 3]);
    if (total / *step > MAX_LINE_POINTS) *step = total / MAX_LINE_POINTS;
    size_t count = 1;
    for (size_t i = 0; i + 1 < n; i++) count += pieces(xy + 2 * i, *step);
    double *out = malloc(count * 2 * sizeof *out);
    if (out == NULL) return NULL;
    size_t j = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        const double *a = xy + 2 * i;
        size_t k = pieces(a, *step);
        for (size_t t = 0; t < k; t++, j++) {
            double u = (double)t / (double)k;
            to_frame(f, a[0] + u * (a[2] - a[0]), a[1] + u * (a[3] - a[1]), &out[2 * j],
                     &out[2 * j + 1]);
        }
    }
    to_frame(f, xy[2 * n - 2], xy[2 * n - 1], &out[2 * j], &out[2 * j + 1]);
    *m = j + 1;
    return out;
}

/* The buffered polygon of the projected line, densified to `step` (caller destroys). */
static GEOSGeometry *buffer_line(GEOSContextHandle_t h, const double *pxy, size_t m,
                                 double half, double step) {
    GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, pxy, (unsigned)m, 0, 0);
    if (seq == NULL) return NULL;
    GEOSGeometry *line = GEOSGeom_createLineString_r(h, seq);
    if (line == NULL) return NULL;
    GEOSGeometry *buf = GEOSBufferWithStyle_r(h, line, half, QUADRANT_SEGMENTS,
                                              GEOSBUF_CAP_ROUND, GEOSBUF_JOIN_ROUND, 5.0);
    GEOSGeom_destroy_r(h, line);
    if (buf == NULL) return NULL;
    GEOSGeometry *dense = GEOSDensify_r(h, buf, step);
    GEOSGeom_destroy_r(h, buf);
    return dense;
}

static const GEOSGeometry *ring_n(GEOSContextHandle_t h, const GEOSGeometry *poly, int i) {
    return i == 0 ? GEOSGetExteriorRing_r(h, poly) : GEOSGetInteriorRingN_r(h, poly, i - 1);
}

/* Copies the rings of poly (in frame f) into d as lon/lat; TR_EINVAL if the result
 * leaves [-180, 180] (the corridor would cross the antimeridian). */
static int polygon_to_draft(GEOSContextHandle_t h, const GEOSGeometry *poly, const frame *f,
                            geo_draft *d, tr_err *err) {
    int nrings = GEOSGetNumInteriorRings_r(h, poly) + 1;
    size_t total = 0;
    for (int i = 0; i < nrings; i++) {
        unsigned size = 0;
        GEOSCoordSeq_getSize_r(h, GEOSGeom_getCoordSeq_r(h, ring_n(h, poly, i)), &size);
        total += size;
    }
    d->xy = malloc(total * 2 * sizeof *d->xy);
    d->ring_start = malloc(((size_t)nrings + 1) * sizeof *d->ring_start);
    d->poly_start = malloc(2 * sizeof *d->poly_start);
    if (d->xy == NULL || d->ring_start == NULL || d->poly_start == NULL)
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    d->npolys = 1;
    d->poly_start[0] = 0;
    d->poly_start[1] = (uint32_t)nrings;
    for (int i = 0; i < nrings; i++) {
        const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring_n(h, poly, i));
        unsigned size = 0;
        GEOSCoordSeq_getSize_r(h, seq, &size);
        double *xy = d->xy + 2 * d->npos;
        GEOSCoordSeq_copyToBuffer_r(h, seq, xy, 0, 0);
        for (unsigned k = 0; k < size; k++) {
            from_frame(f, xy[2 * k], xy[2 * k + 1], &xy[2 * k], &xy[2 * k + 1]);
            if (xy[2 * k] < -180 || xy[2 * k] > 180)
                return tr_fail(err, TR_EINVAL, "coordinates",
                               "the corridor would cross the antimeridian, which is not supported");
        }
        xy[2 * size - 2] = xy[0]; /* keep the ring exactly closed after the round trip */
        xy[2 * size - 1] = xy[1];
        d->ring_start[d->nrings++] = (uint32_t)d->npos;
        d->npos += size;
    }
    d->ring_start[d->nrings] = (uint32_t)d->npos;
    return 0;
}

static frame line_frame(const double *xy, size_t n) {
    double minx = xy[0], maxx = xy[0], miny = xy[1], maxy = xy[1];
    for (size_t i = 1; i < n; i++) {
        minx = fmin(minx, xy[2 * i]);
        maxx = fmax(maxx, xy[2 * i]);
        miny = fmin(miny, xy[2 * i + 1]);
        maxy = fmax(maxy, xy[2 * i + 1]);
    }
    return (frame){(minx + maxx) / 2, (miny + maxy) / 2};
}

int geo__corridor_draft(const double *xy, size_t n, double width_m, geo_draft *out,
                        tr_err *err) {
    GEOSContextHandle_t h = geo__geos();
    if (h == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory (GEOS context)");
    double half = width_m / 2, step = fmin(fmax(20 * half, STEP_MIN_M), STEP_MAX_M);
    frame f = line_frame(xy, n);
    size_t m = 0;
    double *pxy = project_line(&f, xy, n, &step, &m);
    if (pxy == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    GEOSGeometry *poly = buffer_line(h, pxy, m, half, step);
    free(pxy);
    if (poly == NULL || GEOSGeomTypeId_r(h, poly) != GEOS_POLYGON || GEOSisEmpty_r(h, poly)) {
        if (poly != NULL) GEOSGeom_destroy_r(h, poly);
        return tr_fail(err, TR_EINVAL, "coordinates", "the corridor could not be buffered: %s",
                       geo__geos_error());
    }
    geo_draft d = {0};
    int rc = polygon_to_draft(h, poly, &f, &d, err);
    GEOSGeom_destroy_r(h, poly);
    if (rc != 0) {
        geo__draft_free(&d);
        return rc;
    }
    *out = d;
    return 0;
}
