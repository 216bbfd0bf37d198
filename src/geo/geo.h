/*
 * geo.h — geometry values for truce: areal shapes, validation, geodesy, spatial index.
 *
 * Layer 1 of DESIGN.md: pure functions, no I/O. Coordinates are WGS 84 lon/lat in
 * degrees (GeoJSON order). Containment is planar in lon/lat, as RFC 7946 and PostGIS
 * `geometry` treat edges; distances and areas are geodesic on the WGS 84 ellipsoid
 * (PROJ geod_*), in metres and square metres.
 *
 * Ownership: every geo_shape returned is owned by the caller and freed with
 * geo_shape_free(). A geo_shape is immutable after creation and may be read from
 * many threads at once. GEOS is used through a per-thread context (geos_ctx.c).
 */
#ifndef TRUCE_GEO_H
#define TRUCE_GEO_H

#include <float.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct geo_box {
    double minx, miny, maxx, maxy; /* lon/lat degrees, closed box */
} geo_box;

typedef struct geo_limits {
    size_t max_vertices; /* most vertices one geometry may have (all rings and parts) */
    double max_width_m;  /* widest corridor (LineString with width_m) accepted */
} geo_limits;

#define GEO_DEFAULT_MAX_VERTICES 100000
/* A position's optional third number, its altitude in metres, lies within +-this. */
#define GEO_MAX_ALTITUDE_M 100000
#define GEO_DEFAULT_MAX_WIDTH_M 100000.0
#define GEO_MIN_WIDTH_M 1.0 /* narrowest corridor accepted, whatever the limits */

/* An areal footprint: one or more polygons with holes. Opaque. */
typedef struct geo_shape geo_shape;

/*
 * Builds a validated shape from a GeoJSON geometry object (RFC 7946):
 *  - "Polygon" or "MultiPolygon": rings must be closed, have >= 4 positions, be
 *    simple and valid as OGC polygons (GEOS isValid: no self-intersection, holes inside
 *    shells, ...); positions are [lon, lat] (a third value, altitude, is ignored) with
 *    finite numbers, lon in [-180, 180], lat in [-90, 90].
 *  - "LineString" with width_m > 0 (a corridor): >= 2 distinct positions; the shape is
 *    the line buffered by width_m / 2 on each side (width_m is the full width), computed
 *    in a local metric frame so the width holds to well under 1 %.
 *  For anything else width_m must be 0 (pass 0 when the input had no width).
 * The total number of positions may not exceed lim->max_vertices.
 * On failure returns TR_EINVAL with err->field a path relative to the geometry object
 * ("coordinates[0][3]", "type", "coordinates[1]") and err->msg the reason
 * ("ring is not closed", "self-intersection at [36.2, 36.1]", ...), *out untouched.
 */
int geo_shape_from_geojson(const json_t *geometry, double width_m, const geo_limits *lim, geo_shape **out,
                           tr_err *err);

void geo_shape_free(geo_shape *s);

/* What geo_make_valid did to a geometry. */
typedef struct geo_repair {
    bool repaired;         /* false: the geometry was valid and comes back as it was */
    char reason[384];      /* the first problem GEOS saw: "invalid polygon: Self-intersection at [x, y]" */
    double area_before_m2; /* the area the input's rings enclose: shells minus holes, each ring's
                              geodesic area as drawn (a crossing ring's lobes may cancel) */
    double area_after_m2;  /* the repaired footprint's geodesic area */
} geo_repair;

/*
 * Repairs a Polygon or MultiPolygon that is not valid OGC (GEOS MakeValid, structure
 * method: shells unioned, holes subtracted, no area turned into lines; only polygonal
 * parts kept). Every other check of geo_shape_from_geojson still applies (closed rings,
 * positions in range, limits): those errors come back as from it. *out is a new
 * reference: the geometry itself when valid (and for a LineString), else the repaired
 * one, which geo_shape_from_geojson accepts. TR_EINVAL when nothing areal is left.
 */
int geo_make_valid(const json_t *geometry, const geo_limits *lim, json_t **out, geo_repair *rep, tr_err *err);
/* A shape is one block of geo_shape_size(s) bytes. geo_shape_place copies s into dst
 * (that many bytes, aligned on 64) and returns the copy, which lives in the caller's
 * memory: geo_shape_free leaves it alone; it is gone when the caller frees dst. For
 * engines that keep their shapes together (huge pages, fewer cache and TLB misses). */
size_t geo_shape_size(const geo_shape *s);
geo_shape *geo_shape_place(const geo_shape *s, void *dst);

/* Bounding box of the shape (for a corridor, of the buffered footprint). */
geo_box geo_shape_box(const geo_shape *s);

/* A box inside the shape: the shape covers every point of it (closed), so a point in
 * it needs no other test. The largest rectangle of whole inside cells of the shape's
 * prepared grid; an empty box (minx > maxx) when the grid has no inside cell. */
geo_box geo_shape_inner_box(const geo_shape *s);

/* True if the point lies in the shape's interior or on its boundary (ST_Covers).
 * Fast: a box test, then an edge test accelerated for large rings. */
bool geo_shape_covers(const geo_shape *s, double lon, double lat);

/* geo_shape_covers of n shapes at one point: writes to which[] the indices i of the
 * shapes s[i] that cover (lon, lat), ascending, and returns how many (which has room
 * for n). Faster than n calls: the shapes' memory loads overlap. */
size_t geo_shapes_covering(const geo_shape *const *s, size_t n, double lon, double lat, uint32_t *which);

/* True if the box intersects the shape (exact). */
bool geo_shape_intersects_box(const geo_shape *s, geo_box b);

/* Geodesic area of the footprint on WGS 84, in square metres (holes subtracted). */
double geo_shape_area_m2(const geo_shape *s);

/* Number of positions the shape was built from. */
size_t geo_shape_vertex_count(const geo_shape *s);

/* The footprint's rings, borrowed (valid while s lives): positions lon/lat interleaved,
 * each ring closed, rings one after another, shells and holes (even-odd reads them right).
 * starts gets geo_shape_ring_count(s) + 1 offsets: ring r is positions
 * [starts[r], starts[r + 1]). Returns the positions; *npos is their count. */
size_t geo_shape_ring_count(const geo_shape *s);
const double *geo_shape_rings(const geo_shape *s, uint32_t *starts, size_t *npos);

/* The footprint as a GeoJSON Polygon/MultiPolygon (new reference; for a corridor the
 * buffered polygon). */
json_t *geo_shape_footprint_geojson(const geo_shape *s);

/* Sign of the turn a -> b -> c in the plane: +1 left (counter-clockwise), -1 right, 0
 * collinear — exactly, whatever the coordinates (Shewchuk's orient2d: a floating-point
 * filter, then an exact expansion when the filter cannot decide). */
int geo_orient_exact(double ax, double ay, double bx, double by, double cx, double cy);

/* Shewchuk's ccwerrboundA with epsilon = 2^-53. */
#define GEO_ORIENT_ERRBOUND ((3.0 + 16.0 * (DBL_EPSILON / 2)) * (DBL_EPSILON / 2))

static inline int geo_orient(double ax, double ay, double bx, double by, double cx, double cy) {
    double detl = (ax - cx) * (by - cy), detr = (ay - cy) * (bx - cx), det = detl - detr, sum;
    if (detl > 0) {
        if (detr <= 0) return (det > 0) - (det < 0);
        sum = detl + detr;
    } else if (detl < 0) {
        if (detr >= 0) return (det > 0) - (det < 0);
        sum = -detl - detr;
    } else {
        return (det > 0) - (det < 0);
    }
    double bound = GEO_ORIENT_ERRBOUND * sum;
    if (det >= bound || -det >= bound) return (det > 0) - (det < 0);
    return geo_orient_exact(ax, ay, bx, by, cx, cy);
}

/* Geodesic distance in metres between two lon/lat points (WGS 84). */
double geo_distance_m(double lon1, double lat1, double lon2, double lat2);

/* Validates a GeoJSON Point; sets *lon, *lat. Errors as geo_shape_from_geojson. */
int geo_point_from_geojson(const json_t *geometry, double *lon, double *lat, tr_err *err);

/*
 * geo_cover — which of many shapes cover a point, from one flat grid built once over
 * all of them (cover.c): per cell the shapes covering all of it, and those covering
 * part of it with a 4 x 4 map of inside / boundary sub-cells; only boundary sub-cells
 * run geo_shape_covers. Answers exactly as geo_shape_covers on each shape. Immutable
 * once built: safe from many threads at once.
 * Ownership: geo_cover_build borrows the shapes (they must outlive the cover) and
 * copies the array; free with geo_cover_free.
 */
typedef struct geo_cover geo_cover;

/* NULL when out of memory or when the shapes have no extent (use the shapes directly). */
geo_cover *geo_cover_build(const geo_shape *const *shapes, size_t n);
void geo_cover_free(geo_cover *c);
size_t geo_cover_bytes(const geo_cover *c);  /* memory it holds */
size_t geo_cover_shapes(const geo_cover *c); /* n given to geo_cover_build */

/* Writes to out[0 .. cap) the numbers i of the shapes covering (x, y), in no particular
 * order, and returns how many there are (more than cap: the rest were not written). */
size_t geo_cover_point(const geo_cover *c, double x, double y, uint32_t *out, size_t cap);

/*
 * geo_index — a 2-D spatial index of boxes, each with a caller's 64-bit id.
 * A packed (STR) R-tree plus a small unpacked tail of recent inserts; the tree is
 * rebuilt when the tail grows past a threshold, so inserts are amortised O(log n)
 * and queries stay tree-fast. Each rebuild also lays a point grid over the packed
 * boxes (index_grid.c): point queries read one short list instead of walking the tree.
 * Removal marks the id dead; dead entries are dropped at the next rebuild. Not
 * thread-safe: callers serialise writes against reads.
 */
typedef struct geo_index geo_index;

geo_index *geo_index_new(void);
void geo_index_free(geo_index *ix);
int geo_index_insert(geo_index *ix, geo_box box, uint64_t id); /* 0 or TR_ENOMEM */
/* Rebuilds the packed tree now, so the tail is empty: call after a bulk load, before
 * queries. Returns 0 or TR_ENOMEM (the index stays correct, only slower). */
int geo_index_pack(geo_index *ix);
void geo_index_remove(geo_index *ix, uint64_t id); /* no-op if absent */
size_t geo_index_size(const geo_index *ix);        /* live entries */

/* Calls fn for every live entry whose box covers (x, y) / intersects q. Stops early
 * and returns fn's value when fn returns non-zero; else returns 0. */
typedef int (*geo_index_fn)(uint64_t id, void *ctx);
int geo_index_query_point(const geo_index *ix, double x, double y, geo_index_fn fn, void *ctx);
int geo_index_query_box(const geo_index *ix, geo_box q, geo_index_fn fn, void *ctx);

/* The candidates of a point, for callers that test each exactly anyway: writes to
 * ids[0 .. cap) the ids of every live entry whose box covers (x, y), and perhaps of
 * some whose box misses it by less than a float's rounding (about 1e-7 of the
 * coordinate), in no particular order. Returns how many there are; when that is more
 * than cap, what ids holds is unspecified: ask again with room for them all. */
size_t geo_index_point_candidates(const geo_index *ix, double x, double y, uint64_t *ids, size_t cap);

#endif
