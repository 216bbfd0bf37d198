/*
 * coarsen.c — coarsened footprints (coarsen.h has the contract and the guarantees).
 *
 * Rings are grown in the frame X = kx (lon - lon0), Y = ky (lat - lat0): metres per
 * degree at the centre of their box. The frame is affine in lon/lat, so a polygon there
 * is the same polygon in lon/lat and containment carries over exactly; the scales only
 * decide how many metres "m" is. GEOS buffers with 8 segments per quadrant, whose chords
 * come within g cos(pi / 32) of the footprint: the growth is divided by that, plus 1 %
 * and 1 m, so the grown outline stays more than m from the footprint everywhere and the
 * move by |t| <= m cannot uncover any of it. The result is checked anyway (GEOS Covers,
 * exact on the doubles given) and replaced by a disc when anything is doubtful.
 */
#include "geo/coarsen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "geo/geo_int.h"

#define QUADRANT_SEGMENTS 8
#define DISC_PIECES_MAX 64  /* pieces per edge when bounding rings by a disc */
#define DISC_PIECE_M 1000.0 /* ... each at most this long, unless the edge needs more */

static uint64_t le64(const uint8_t *b) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | b[i];
    return v;
}

static double unit(uint64_t v) {
    return (double)(v >> 11) * 0x1p-53; /* [0, 1) */
}

void geo_coarse_offset(const uint8_t secret[GEO_SECRET_LEN], double margin_m, double *dist_m,
                       double *azimuth_deg) {
    *dist_m = margin_m * sqrt(unit(le64(secret)));
    *azimuth_deg = 360.0 * unit(le64(secret + 8));
}

void geo_coarse_free(geo_coarse *c) {
    free(c->xy);
    free(c->ring_start);
    memset(c, 0, sizeof *c);
}

/* ---- discs ---- */

static int coarsen_disc(double lon, double lat, double r, double m, const uint8_t *secret, geo_coarse *out,
                        tr_err *err) {
    double d, az, lat2 = lat, lon2 = lon;
    geo_coarse_offset(secret, m, &d, &az);
    if (d > 0) geod_direct(geo__wgs84(), lat, lon, az, d, &lat2, &lon2, NULL);
    double radius = r + m;
    if (m > 0) radius += 1e-3 + 1e-9 * radius; /* rounding of geod_direct, on the safe side */
    char lim[TR_REAL_BUFSZ];
    if (!(radius <= GEO_COARSEN_MAX_RADIUS_M))
        return tr_fail(err, TR_EINVAL, "radius_m", "the coarsened disc would exceed %s m",
                       tr_real_format(GEO_COARSEN_MAX_RADIUS_M, lim));
    out->foot = (geo_footprint){.is_disc = true, .lon = lon2, .lat = lat2, .radius_m = radius};
    out->offset_m = d;
    return TR_OK;
}

/* ---- rings: helpers ---- */

typedef struct frame {
    double lon0, lat0, kx, ky; /* centre; metres per degree of lon, of lat */
} frame;

static size_t ring_begin(const geo_footprint *f, size_t r) {
    return f->ring_start ? f->ring_start[r] : 0;
}

static size_t ring_end(const geo_footprint *f, size_t r) {
    return f->ring_start ? f->ring_start[r + 1] : f->npos;
}

static size_t nrings(const geo_footprint *f) {
    return f->ring_start ? f->nrings : 1;
}

static frame frame_of(const geo_footprint *f) {
    double minx = f->xy[0], maxx = f->xy[0], miny = f->xy[1], maxy = f->xy[1];
    for (size_t i = 1; i < f->npos; i++) {
        minx = fmin(minx, f->xy[2 * i]);
        maxx = fmax(maxx, f->xy[2 * i]);
        miny = fmin(miny, f->xy[2 * i + 1]);
        maxy = fmax(maxy, f->xy[2 * i + 1]);
    }
    frame fr = {(minx + maxx) / 2, (miny + maxy) / 2, 0, 0};
    double lat = fmin(fmax(fr.lat0, -89.9), 89.9);
    fr.kx = fmax(geo_distance_m(0, lat, 0.001, lat) / 0.001, 1.0);
    fr.ky = geo_distance_m(0, lat - 0.0005, 0, lat + 0.0005) / 0.001;
    return fr;
}

/* Positions [a, b) of xy as a GEOS sequence, mapped by fr (NULL: lon/lat as is), with the
 * first repeated at the end when close. */
static GEOSCoordSequence *seq_of(GEOSContextHandle_t h, const double *xy, size_t a, size_t b, const frame *fr,
                                 bool close) {
    size_t n = b - a + (close ? 1 : 0);
    double *buf = malloc(2 * n * sizeof *buf);
    if (!buf) return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k = a + (i < b - a ? i : 0);
        buf[2 * i] = fr ? fr->kx * (xy[2 * k] - fr->lon0) : xy[2 * k];
        buf[2 * i + 1] = fr ? fr->ky * (xy[2 * k + 1] - fr->lat0) : xy[2 * k + 1];
    }
    GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, buf, (unsigned)n, 0, 0);
    free(buf);
    return seq;
}

static GEOSGeometry *line_of(GEOSContextHandle_t h, const double *xy, size_t a, size_t b, const frame *fr,
                             bool close) {
    GEOSCoordSequence *seq = seq_of(h, xy, a, b, fr, close);
    return seq ? GEOSGeom_createLineString_r(h, seq) : NULL;
}

/* A hole-less polygon of the ring [a, b) of xy (closed or open). */
static GEOSGeometry *polygon_of(GEOSContextHandle_t h, const double *xy, size_t a, size_t b,
                                const frame *fr) {
    bool closed = xy[2 * a] == xy[2 * (b - 1)] && xy[2 * a + 1] == xy[2 * (b - 1) + 1];
    GEOSCoordSequence *seq = seq_of(h, xy, a, b, fr, !closed);
    GEOSGeometry *shell = seq ? GEOSGeom_createLinearRing_r(h, seq) : NULL;
    return shell ? GEOSGeom_createPolygon_r(h, shell, NULL, 0) : NULL;
}

/* The region to grow, in the frame: one ring's polygon, or the convex hull of all. */
static GEOSGeometry *base_region(GEOSContextHandle_t h, const geo_footprint *f, const frame *fr) {
    if (nrings(f) == 1) return polygon_of(h, f->xy, ring_begin(f, 0), ring_end(f, 0), fr);
    GEOSGeometry *all = line_of(h, f->xy, 0, f->npos, fr, false);
    GEOSGeometry *hull = all ? GEOSConvexHull_r(h, all) : NULL;
    if (all) GEOSGeom_destroy_r(h, all);
    return hull;
}

/* The exterior ring of g grown by grow (a hole-less Polygon), or NULL. */
static GEOSGeometry *grown_shell(GEOSContextHandle_t h, const GEOSGeometry *g, double grow) {
    GEOSGeometry *buf =
        GEOSBufferWithStyle_r(h, g, grow, QUADRANT_SEGMENTS, GEOSBUF_CAP_ROUND, GEOSBUF_JOIN_ROUND, 5.0);
    if (buf && GEOSGeomTypeId_r(h, buf) != GEOS_POLYGON) { /* several parts: their hull */
        GEOSGeometry *hull = GEOSConvexHull_r(h, buf);
        GEOSGeom_destroy_r(h, buf);
        buf = hull;
    }
    if (!buf || GEOSGeomTypeId_r(h, buf) != GEOS_POLYGON || GEOSisEmpty_r(h, buf)) {
        if (buf) GEOSGeom_destroy_r(h, buf);
        return NULL;
    }
    GEOSGeometry *ring = GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, buf));
    GEOSGeom_destroy_r(h, buf);
    return ring;
}

/* Moves the frame ring by (dx, dy) and maps it back to lon/lat into out; false when a
 * position leaves [-180, 180] x [-90, 90]. */
static bool ring_back(GEOSContextHandle_t h, const GEOSGeometry *ring, const frame *fr, double dx, double dy,
                      geo_coarse *out) {
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n) || n < 4) return false;
    out->xy = malloc(2 * (size_t)n * sizeof *out->xy);
    out->ring_start = malloc(2 * sizeof *out->ring_start);
    if (!out->xy || !out->ring_start) return false;
    GEOSCoordSeq_copyToBuffer_r(h, seq, out->xy, 0, 0);
    for (unsigned i = 0; i < n; i++) {
        double lon = fr->lon0 + (out->xy[2 * i] + dx) / fr->kx,
               lat = fr->lat0 + (out->xy[2 * i + 1] + dy) / fr->ky;
        if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) return false;
        out->xy[2 * i] = lon;
        out->xy[2 * i + 1] = lat;
    }
    out->xy[2 * n - 2] = out->xy[0]; /* exactly closed after the round trip */
    out->xy[2 * n - 1] = out->xy[1];
    out->ring_start[0] = 0;
    out->ring_start[1] = n;
    out->foot = (geo_footprint){.xy = out->xy, .npos = n, .ring_start = out->ring_start, .nrings = 1};
    return true;
}

/* True when out's polygon is valid and covers every ring of f (exact predicates). A
 * closed curve inside a hole-less polygon encloses nothing outside it. */
static bool covers_all(GEOSContextHandle_t h, const geo_coarse *out, const geo_footprint *f) {
    GEOSGeometry *poly = polygon_of(h, out->xy, 0, out->foot.npos, NULL);
    bool ok = poly && GEOSisValid_r(h, poly) == 1;
    for (size_t r = 0; ok && r < nrings(f); r++) {
        GEOSGeometry *ring = line_of(h, f->xy, ring_begin(f, r), ring_end(f, r), NULL, true);
        ok = ring && GEOSCovers_r(h, poly, ring) == 1;
        if (ring) GEOSGeom_destroy_r(h, ring);
    }
    if (poly) GEOSGeom_destroy_r(h, poly);
    return ok;
}

/* ---- rings ---- */

/* The grown and moved outline of f, or false (out freed) when it cannot be trusted. */
static bool coarsen_outline(const geo_footprint *f, double m, const uint8_t *secret, geo_coarse *out) {
    GEOSContextHandle_t h = geo__geos();
    if (!h) return false;
    frame fr = frame_of(f);
    double d, az;
    geo_coarse_offset(secret, m, &d, &az);
    double grow = ((m + 1.0) / cos(M_PI / (4 * QUADRANT_SEGMENTS))) * 1.01;
    GEOSGeometry *base = base_region(h, f, &fr);
    GEOSGeometry *ring = base ? grown_shell(h, base, grow) : NULL;
    if (base) GEOSGeom_destroy_r(h, base);
    double a = az * (M_PI / 180);
    bool ok = ring && ring_back(h, ring, &fr, d * sin(a), d * cos(a), out) && covers_all(h, out, f);
    if (ring) GEOSGeom_destroy_r(h, ring);
    if (!ok)
        geo_coarse_free(out);
    else
        out->offset_m = d;
    return ok;
}

/* A disc containing every ring of f: around the centre of their box, out to the farthest
 * of the points every edge is cut at, plus twice the longest piece. */
static void bounding_disc(const geo_footprint *f, double *lon, double *lat, double *r) {
    frame fr = frame_of(f);
    double far = 0, piece = 0;
    for (size_t k = 0; k < nrings(f); k++) {
        size_t a = ring_begin(f, k), b = ring_end(f, k);
        for (size_t i = a; i < b; i++) {
            const double *p = f->xy + 2 * i, *q = f->xy + 2 * (i + 1 < b ? i + 1 : a);
            double len = geo_distance_m(p[0], p[1], q[0], q[1]);
            double n = fmin(fmax(ceil(len / DISC_PIECE_M), 1), DISC_PIECES_MAX);
            piece = fmax(piece, len / n);
            for (double j = 0; j < n; j++) {
                double u = j / n;
                far = fmax(far, geo_distance_m(fr.lon0, fr.lat0, p[0] + u * (q[0] - p[0]),
                                               p[1] + u * (q[1] - p[1])));
            }
        }
    }
    *lon = fr.lon0;
    *lat = fr.lat0;
    *r = far + 2 * piece + 1.0;
}

/* F itself (m = 0). */
static int copy_rings(const geo_footprint *f, geo_coarse *out, tr_err *err) {
    size_t nr = nrings(f);
    out->xy = malloc(2 * f->npos * sizeof *out->xy);
    out->ring_start = malloc((nr + 1) * sizeof *out->ring_start);
    if (!out->xy || !out->ring_start) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    memcpy(out->xy, f->xy, 2 * f->npos * sizeof *out->xy);
    for (size_t r = 0; r < nr; r++)
        out->ring_start[r] = (uint32_t)ring_begin(f, r);
    out->ring_start[nr] = (uint32_t)ring_end(f, nr - 1);
    out->foot = (geo_footprint){.xy = out->xy, .npos = f->npos, .ring_start = out->ring_start, .nrings = nr};
    return TR_OK;
}

static int coarsen_rings(const geo_footprint *f, double m, const uint8_t *secret, geo_coarse *out,
                         tr_err *err) {
    if (m == 0) return copy_rings(f, out, err);
    if (coarsen_outline(f, m, secret, out)) return TR_OK;
    double lon, lat, r;
    bounding_disc(f, &lon, &lat, &r);
    int rc = coarsen_disc(lon, lat, r, m, secret, out, err);
    out->fell_back = rc == TR_OK;
    return rc;
}

static int check_footprint(const geo_footprint *f, tr_err *err) {
    if (f->is_disc) {
        if (!(f->lon >= -180 && f->lon <= 180 && f->lat >= -90 && f->lat <= 90 && f->radius_m > 0 &&
              f->radius_m <= GEO_COARSEN_MAX_RADIUS_M))
            return tr_fail(err, TR_EINVAL, "footprint", "not a disc in range");
        return TR_OK;
    }
    if (!f->xy || f->npos < 3 || f->npos > UINT32_MAX / 4 || (f->ring_start && f->nrings == 0))
        return tr_fail(err, TR_EINVAL, "footprint", "rings need at least 3 positions");
    for (size_t r = 0; r < nrings(f); r++)
        if (ring_end(f, r) > f->npos || ring_end(f, r) < ring_begin(f, r) + 3)
            return tr_fail(err, TR_EINVAL, "footprint", "ring %zu has bad offsets", r);
    for (size_t i = 0; i < 2 * f->npos; i++)
        if (!isfinite(f->xy[i])) return tr_fail(err, TR_EINVAL, "footprint", "positions must be finite");
    return TR_OK;
}

int geo_coarsen(const geo_footprint *f, double margin_m, const uint8_t secret[GEO_SECRET_LEN],
                geo_coarse *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    char lim[TR_REAL_BUFSZ];
    if (!(margin_m >= 0 && margin_m <= GEO_COARSEN_MAX_MARGIN_M))
        return tr_fail(err, TR_EINVAL, "margin_m", "must be in [0, %s] m",
                       tr_real_format(GEO_COARSEN_MAX_MARGIN_M, lim));
    int rc = check_footprint(f, err);
    if (rc == TR_OK)
        rc = f->is_disc ? coarsen_disc(f->lon, f->lat, f->radius_m, margin_m, secret, out, err)
                        : coarsen_rings(f, margin_m, secret, out, err);
    if (rc) geo_coarse_free(out);
    return rc;
}
