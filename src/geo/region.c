/*
 * region.c — planar set operations on shapes (GEOS), geodesic measure (PROJ). See region.h.
 */
#include "geo/region.h"

#include <math.h>
#include <stdlib.h>

#include "geo/geo_int.h"

struct geo_region {
    GEOSGeometry *g; /* in the making thread's context (geo__geos) */
};

static int wrap(GEOSGeometry *g, geo_region **out, const char *what, tr_err *err) {
    *out = NULL;
    if (!g) {
        const char *why = geo__geos_error();
        return tr_fail(err, TR_EINVAL, "", "%s failed%s%s", what, *why ? ": " : "", why);
    }
    geo_region *r = malloc(sizeof *r);
    if (!r) {
        GEOSGeom_destroy_r(geo__geos(), g);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    r->g = g;
    *out = r;
    return TR_OK;
}

int geo_region_empty(geo_region **out, tr_err *err) {
    GEOSContextHandle_t h = geo__geos();
    if (!h) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return wrap(GEOSGeom_createEmptyPolygon_r(h), out, "an empty region", err);
}

/* A GEOS LinearRing from a shape's closed ring. */
static GEOSGeometry *ring_of(GEOSContextHandle_t h, const geo_ring *r) {
    GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, r->xy, r->n + 1, 0, 0);
    return seq ? GEOSGeom_createLinearRing_r(h, seq) : NULL;
}

static GEOSGeometry *polygon_of(GEOSContextHandle_t h, const geo_shape *s, size_t p) {
    uint32_t first = s->poly_start[p], end = s->poly_start[p + 1];
    GEOSGeometry *shell = ring_of(h, &s->rings[first]);
    if (!shell) return NULL;
    size_t nholes = end - first - 1;
    GEOSGeometry **holes = nholes ? calloc(nholes, sizeof *holes) : NULL;
    if (nholes && !holes) {
        GEOSGeom_destroy_r(h, shell);
        return NULL;
    }
    for (size_t i = 0; i < nholes; i++) {
        if (!(holes[i] = ring_of(h, &s->rings[first + 1 + i]))) {
            for (size_t k = 0; k < i; k++) GEOSGeom_destroy_r(h, holes[k]);
            free(holes);
            GEOSGeom_destroy_r(h, shell);
            return NULL;
        }
    }
    GEOSGeometry *poly = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nholes); /* takes the rings */
    free(holes);
    return poly;
}

int geo_region_from_shape(const geo_shape *s, geo_region **out, tr_err *err) {
    GEOSContextHandle_t h = geo__geos();
    if (!h) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    GEOSGeometry **polys = calloc(s->npolys ? s->npolys : 1, sizeof *polys);
    if (!polys) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t n = 0;
    while (n < s->npolys && (polys[n] = polygon_of(h, s, n))) n++;
    if (n < s->npolys) {
        for (size_t i = 0; i < n; i++) GEOSGeom_destroy_r(h, polys[i]);
        free(polys);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    GEOSGeometry *g = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)n); /* takes them */
    free(polys);
    return wrap(g, out, "building a region", err);
}

int geo_region_union(geo_region *const *parts, size_t n, geo_region **out, tr_err *err) {
    GEOSContextHandle_t h = geo__geos();
    if (!h) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (n == 0) return geo_region_empty(out, err);
    GEOSGeometry **gs = calloc(n, sizeof *gs);
    if (!gs) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t k = 0;
    while (k < n && (gs[k] = GEOSGeom_clone_r(h, parts[k]->g))) k++;
    GEOSGeometry *coll = k == n ? GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, gs, (unsigned)n) : NULL;
    if (!coll) {
        for (size_t i = 0; i < k; i++) GEOSGeom_destroy_r(h, gs[i]);
        free(gs);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    free(gs);
    GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
    GEOSGeom_destroy_r(h, coll);
    return wrap(u, out, "the union", err);
}

int geo_region_intersection(const geo_region *a, const geo_region *b, geo_region **out, tr_err *err) {
    return wrap(GEOSIntersection_r(geo__geos(), a->g, b->g), out, "the intersection", err);
}

int geo_region_difference(const geo_region *a, const geo_region *b, geo_region **out, tr_err *err) {
    return wrap(GEOSDifference_r(geo__geos(), a->g, b->g), out, "the difference", err);
}

int geo_region_clone(const geo_region *r, geo_region **out, tr_err *err) {
    GEOSGeometry *g = GEOSGeom_clone_r(geo__geos(), r->g);
    if (!g) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return wrap(g, out, "a copy", err);
}

geo_box geo_region_box(const geo_region *r) {
    GEOSContextHandle_t h = geo__geos();
    geo_box b = {0, 0, 0, 0};
    if (GEOSisEmpty_r(h, r->g) != 0) return b;
    GEOSGeom_getXMin_r(h, r->g, &b.minx);
    GEOSGeom_getYMin_r(h, r->g, &b.miny);
    GEOSGeom_getXMax_r(h, r->g, &b.maxx);
    GEOSGeom_getYMax_r(h, r->g, &b.maxy);
    return b;
}

bool geo_region_is_empty(const geo_region *r) {
    return GEOSisEmpty_r(geo__geos(), r->g) == 1;
}

/* |geodesic area| of a GEOS ring (orientation as GEOS left it). */
static double ring_area(GEOSContextHandle_t h, const GEOSGeometry *ring) {
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n) || n < 4) return 0;
    const struct geod_geodesic *g = geo__wgs84();
    struct geod_polygon p;
    geod_polygon_init(&p, 0);
    for (unsigned i = 0; i + 1 < n; i++) { /* without the closing duplicate */
        double x = 0, y = 0;
        GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
        geod_polygon_addpoint(g, &p, y, x);
    }
    double area = 0, perimeter = 0;
    geod_polygon_compute(g, &p, 0, 1, &area, &perimeter);
    return fabs(area);
}

/* Sums polygons, recursing into collections (an overlay may return one). */
static double geom_area(GEOSContextHandle_t h, const GEOSGeometry *g) {
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        double a = ring_area(h, GEOSGetExteriorRing_r(h, g));
        int nh = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; i < nh; i++) a -= ring_area(h, GEOSGetInteriorRingN_r(h, g, i));
        return a > 0 ? a : 0;
    }
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        double a = 0;
        int n = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < n; i++) a += geom_area(h, GEOSGetGeometryN_r(h, g, i));
        return a;
    }
    return 0; /* points and lines left by an overlay have no area */
}

double geo_region_area_m2(const geo_region *r) {
    return r ? geom_area(geo__geos(), r->g) : 0;
}

void geo_region_free(geo_region *r) {
    if (!r) return;
    GEOSGeom_destroy_r(geo__geos(), r->g);
    free(r);
}
