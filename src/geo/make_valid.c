/*
 * make_valid.c — repairing a published boundary that is not a valid OGC polygon (a ring
 * crossing itself, a hole touching its shell), with GEOS MakeValid.
 *
 * The geometry is read with every check of geojson.c except OGC validity (a ring must
 * still be closed, positions finite and in range: those are not flaws of a shape but of
 * the file). A valid geometry comes back unchanged. An invalid one goes through
 * GEOSMakeValidWithParams with the "structure" method, which keeps the polygons' areas
 * (shells unioned, holes subtracted) and never turns an area into lines; only the
 * polygonal parts of its result are kept. The caller learns the first problem GEOS saw
 * and the area before and after: before, the shells' geodesic areas minus the holes',
 * each ring as the file drew it; after, the repaired footprint's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo_int.h"

/* The draft as one GEOS geometry (Polygon, or MultiPolygon when multi); NULL on failure. */
static GEOSGeometry *draft_geometry(GEOSContextHandle_t h, const geo_draft *d, bool multi) {
    GEOSGeometry **parts = calloc(d->npolys, sizeof *parts);
    if (!parts) return NULL;
    size_t made = 0;
    while (made < d->npolys && (parts[made] = geo__geos_polygon(h, d, made)) != NULL)
        made++;
    GEOSGeometry *g = NULL;
    if (made == d->npolys && !multi) {
        g = parts[0];
        made = 0;
    } else if (made == d->npolys) {
        g = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)made);
        made = 0; /* GEOS owns the parts, even on failure */
    }
    for (size_t i = 0; i < made; i++)
        GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    return g;
}

/* The area the draft's rings enclose: shells minus holes, each ring as drawn. */
static double draft_area_m2(const geo_draft *d) {
    double a = 0;
    for (size_t p = 0; p < d->npolys; p++)
        for (uint32_t r = d->poly_start[p]; r < d->poly_start[p + 1]; r++) {
            uint32_t s = d->ring_start[r], e = d->ring_start[r + 1];
            double ring = fabs(geo__ring_area_m2(d->xy + 2 * (size_t)s, e - s - 1));
            a += r == d->poly_start[p] ? ring : -ring;
        }
    return a;
}

static json_t *ring_json(GEOSContextHandle_t h, const GEOSGeometry *ring) {
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
    unsigned n = 0;
    json_t *a = json_array();
    if (!seq || !a || !GEOSCoordSeq_getSize_r(h, seq, &n)) {
        json_decref(a);
        return NULL;
    }
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        if (!GEOSCoordSeq_getXY_r(h, seq, i, &x, &y) || json_array_append_new(a, json_pack("[f,f]", x, y))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* A GEOS Polygon's rings as GeoJSON (shell, then holes). */
static json_t *polygon_json(GEOSContextHandle_t h, const GEOSGeometry *poly) {
    json_t *rings = json_array();
    int nholes = GEOSGetNumInteriorRings_r(h, poly);
    if (rings && json_array_append_new(rings, ring_json(h, GEOSGetExteriorRing_r(h, poly)))) nholes = -1;
    for (int i = 0; rings && i < nholes; i++)
        if (json_array_append_new(rings, ring_json(h, GEOSGetInteriorRingN_r(h, poly, i)))) nholes = -1;
    if (nholes < 0) {
        json_decref(rings);
        return NULL;
    }
    return rings;
}

/* Appends every Polygon inside g (a Polygon, MultiPolygon or collection) to polys. */
static int collect_polygons(GEOSContextHandle_t h, const GEOSGeometry *g, json_t *polys) {
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POLYGON) {
        if (GEOSisEmpty_r(h, g)) return 0;
        json_t *p = polygon_json(h, g);
        return p ? json_array_append_new(polys, p) : -1;
    }
    if (type != GEOS_MULTIPOLYGON && type != GEOS_GEOMETRYCOLLECTION) return 0; /* lines, points: no area */
    int n = GEOSGetNumGeometries_r(h, g);
    for (int i = 0; i < n; i++)
        if (collect_polygons(h, GEOSGetGeometryN_r(h, g, i), polys)) return -1;
    return 0;
}

/* GEOS MakeValid (structure method) of g as a GeoJSON Polygon or MultiPolygon. */
static int repair(GEOSContextHandle_t h, const GEOSGeometry *g, json_t **out, tr_err *err) {
    GEOSMakeValidParams *prm = GEOSMakeValidParams_create_r(h);
    GEOSGeometry *fixed = NULL;
    if (prm && GEOSMakeValidParams_setMethod_r(h, prm, GEOS_MAKE_VALID_STRUCTURE) &&
        GEOSMakeValidParams_setKeepCollapsed_r(h, prm, 0))
        fixed = GEOSMakeValidWithParams_r(h, g, prm);
    if (prm) GEOSMakeValidParams_destroy_r(h, prm);
    if (!fixed) return tr_fail(err, TR_EINVAL, "coordinates", "cannot be repaired: %s", geo__geos_error());
    json_t *polys = json_array();
    int rc =
        polys && collect_polygons(h, fixed, polys) == 0 ? 0 : tr_fail(err, TR_ENOMEM, "", "out of memory");
    GEOSGeom_destroy_r(h, fixed);
    if (rc == 0 && json_array_size(polys) == 0)
        rc = tr_fail(err, TR_EINVAL, "coordinates", "cannot be repaired: MakeValid leaves no area");
    if (rc == 0 && json_array_size(polys) == 1)
        *out = json_pack("{s:s, s:O}", "type", "Polygon", "coordinates", json_array_get(polys, 0));
    else if (rc == 0)
        *out = json_pack("{s:s, s:O}", "type", "MultiPolygon", "coordinates", polys);
    if (rc == 0 && !*out) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(polys);
    return rc;
}

int geo_make_valid(const json_t *geometry, const geo_limits *lim, json_t **out, geo_repair *rep,
                   tr_err *err) {
    geo_draft d;
    bool areal = false, multi = false;
    memset(rep, 0, sizeof *rep);
    *out = NULL;
    int rc = geo__draft_from_geojson(geometry, lim, &d, &areal, &multi, err);
    if (rc != 0 || !areal) {
        if (rc == 0) *out = json_incref((json_t *)geometry); /* a corridor or a point: nothing to repair */
        return rc;
    }
    GEOSContextHandle_t h = geo__geos();
    GEOSGeometry *g = h ? draft_geometry(h, &d, multi) : NULL;
    tr_err why = {0};
    if (!g) {
        rc = tr_fail(err, TR_EINVAL, "coordinates", "polygon could not be built: %s", geo__geos_error());
    } else if (geo__geos_check(h, g, "coordinates", &why) == 0) {
        *out = json_incref((json_t *)geometry);
    } else {
        rep->repaired = true;
        snprintf(rep->reason, sizeof rep->reason, "%s", why.msg);
        rep->area_before_m2 = draft_area_m2(&d);
        rc = repair(h, g, out, err);
    }
    if (g) GEOSGeom_destroy_r(h, g);
    geo__draft_free(&d);
    geo_shape *shape = NULL;
    if (rc == 0 && rep->repaired && (rc = geo_shape_from_geojson(*out, 0, lim, &shape, err)) == 0)
        rep->area_after_m2 = geo_shape_area_m2(shape);
    geo_shape_free(shape);
    if (rc != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}
