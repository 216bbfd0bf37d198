/*
 * geo_int.h — private to src/geo: the layout of a geo_shape and the helpers the
 * geometry files share. Nothing outside src/geo includes this header.
 *
 * Pipeline of geo_shape_from_geojson:
 *   geojson.c  parses and checks the JSON into a geo_draft (flat arrays of rings);
 *   geos_ctx.c checks OGC validity with GEOS (per-thread context);
 *   corridor.c turns a LineString + width into a draft of the buffered polygon;
 *   shape.c    turns a draft into an immutable geo_shape (orientation normalised,
 *              per-ring slab index built by pip.c, geodesic area from geodesy.c).
 * Internal cross-file names use the geo__ prefix.
 */
#ifndef TRUCE_GEO_INT_H
#define TRUCE_GEO_INT_H

#include <geodesic.h>
#include <geos_c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "geo/geo.h"

/* Rings with more edges than this get a slab index; smaller rings are scanned. */
#define GEO_SLAB_MIN_EDGES 32

/* One closed ring stored in the shape's position array. */
typedef struct geo_ring {
    geo_box box;                 /* bounding box of the ring's positions */
    const double *xy;            /* n + 1 positions, lon/lat interleaved, xy[0..1] == xy[2n..2n+1] */
    uint32_t n;                  /* number of edges */
    uint32_t nslab;              /* horizontal slabs in the index, 0 = no index */
    double y0;                   /* lower edge of slab 0 (the ring's miny) */
    double inv_h;                /* slabs per degree of latitude */
    uint32_t *slab_start;        /* nslab + 1 offsets (in edges) into slab_seg */
    double *slab_seg;            /* copies of the edges (x1, y1, x2, y2), grouped by slab */
} geo_ring;

struct geo_shape {
    geo_box box;                 /* box of all rings */
    double *xy;                  /* every ring's positions, closed, lon/lat interleaved */
    size_t npos;                 /* positions in xy */
    geo_ring *rings;             /* rings polygon by polygon: shell first, then its holes;
                                    allocated with the shape, right after it */
    size_t nrings;
    uint32_t *poly_start;        /* npolys + 1 offsets into rings */
    size_t npolys;
    size_t nvert_input;          /* positions of the input geometry (the line for a corridor) */
    double area_m2;              /* geodesic area, computed once at creation */
};

/*
 * A parsed but not yet validated areal geometry: flat arrays, owned by the draft
 * until geo__shape_from_draft takes them. Every ring is closed (first == last).
 */
typedef struct geo_draft {
    double *xy;                  /* positions, lon/lat interleaved */
    size_t npos;
    uint32_t *ring_start;        /* nrings + 1 offsets into positions */
    size_t nrings;
    uint32_t *poly_start;        /* npolys + 1 offsets into rings */
    size_t npolys;
} geo_draft;

void geo__draft_free(geo_draft *d);

/* shape.c — Builds a shape from d, taking ownership of d's arrays on success and on
 * failure alike (d is emptied). nvert_input is what geo_shape_vertex_count reports.
 * Returns 0 or TR_ENOMEM. */
int geo__shape_from_draft(geo_draft *d, size_t nvert_input, geo_shape **out, tr_err *err);

/* pip.c — Builds the slab index of r (no-op for small rings). Returns 0 or TR_ENOMEM. */
int geo__ring_index(geo_ring *r);
void geo__ring_free(geo_ring *r);

/* geos_ctx.c — This thread's GEOS context, created on first use and destroyed when
 * the thread exits; also clears the thread's last GEOS error message. NULL only if
 * GEOS cannot allocate one. */
GEOSContextHandle_t geo__geos(void);

/* geos_ctx.c — The last GEOS error message raised on this thread ("" if none). */
const char *geo__geos_error(void);

/* geos_ctx.c — New GEOS Polygon for polygon `poly` of d (caller destroys), or NULL. */
GEOSGeometry *geo__geos_polygon(GEOSContextHandle_t h, const geo_draft *d, size_t poly);

/* geos_ctx.c — Checks g with GEOSisValidDetail_r. On an invalid geometry returns
 * TR_EINVAL with err->field = field and a message naming the reason and location. */
int geo__geos_check(GEOSContextHandle_t h, const GEOSGeometry *g, const char *field,
                    tr_err *err);

/* geos_ctx.c — Validates every polygon of d, then (for several) the whole. */
int geo__draft_validate(const geo_draft *d, bool multi, tr_err *err);

/* corridor.c — Buffers the line xy[0..n) (lon/lat) by width_m / 2 into a draft with
 * one polygon. Returns 0, TR_EINVAL (corridor unusable) or TR_ENOMEM. */
int geo__corridor_draft(const double *xy, size_t n, double width_m, geo_draft *out,
                        tr_err *err);

/* geodesy.c — The WGS 84 ellipsoid (initialised once, read-only afterwards). */
const struct geod_geodesic *geo__wgs84(void);

/* geodesy.c — Signed geodesic area (m², counter-clockwise positive) of the closed ring
 * of n + 1 positions at xy. */
double geo__ring_area_m2(const double *xy, size_t n);

/* geojson.c — Reads a Polygon or MultiPolygon into d (passes 1 to 3 of geojson.c: every
 * check but OGC validity); *multi for a MultiPolygon. For any other type sets *areal =
 * false and returns 0 with d empty. On error d is empty. */
int geo__draft_from_geojson(const json_t *geometry, const geo_limits *lim, geo_draft *d, bool *areal,
                            bool *multi, tr_err *err);

/* geojson.c — Formats a coordinate for messages: at most 7 decimals, no trailing zeros. */
void geo__fmt_coord(char *buf, size_t size, double v);

#endif
