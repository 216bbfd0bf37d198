/*
 * region.h — planar set operations on areal shapes, measured geodesically.
 *
 * A geo_region is a set of points in the lon/lat plane (as containment is planar, see
 * geo.h) held as a GEOS geometry: built from a geo_shape, combined by union,
 * intersection and difference (GEOS OverlayNG, robust on shared edges), and measured
 * with geo_region_area_m2 — the geodesic area on WGS 84 (PROJ geod_polygon, Karney),
 * exactly as geo_shape_area_m2 measures a shape. Territory control (docs/territory.md)
 * is built on these four operations.
 *
 * Threads: a region lives in the GEOS context of the thread that made it; use and free
 * it on that thread (request handlers and benchmarks do).
 *
 * Ownership: every function that makes a region returns a new one through *out, which
 * the caller frees with geo_region_free (NULL is fine). Inputs are never consumed.
 * Errors: TR_ENOMEM, or TR_EINVAL when GEOS refuses the operation (message from GEOS).
 */
#ifndef TRUCE_GEO_REGION_H
#define TRUCE_GEO_REGION_H

#include <stddef.h>

#include "geo/geo.h"

typedef struct geo_region geo_region;

/* The empty region. */
int geo_region_empty(geo_region **out, tr_err *err);
/* The region covered by shape s (its footprint; holes excluded). */
int geo_region_from_shape(const geo_shape *s, geo_region **out, tr_err *err);
/* The union of n regions (n may be 0: the empty region). */
int geo_region_union(geo_region *const *parts, size_t n, geo_region **out, tr_err *err);
int geo_region_intersection(const geo_region *a, const geo_region *b, geo_region **out, tr_err *err);
/* a minus b. */
int geo_region_difference(const geo_region *a, const geo_region *b, geo_region **out, tr_err *err);
bool geo_region_is_empty(const geo_region *r);
/* A copy of r. */
int geo_region_clone(const geo_region *r, geo_region **out, tr_err *err);
/* The bounding box of r (all zero for the empty region). */
geo_box geo_region_box(const geo_region *r);
/* Geodesic area on WGS 84 in square metres (holes subtracted); 0 for the empty region. */
double geo_region_area_m2(const geo_region *r);
void geo_region_free(geo_region *r);

#endif
