/*
 * geo_int.h — private to src/geo: the layout of a geo_shape and the helpers the
 * geometry files share. Nothing outside src/geo includes this header.
 *
 * Pipeline of geo_shape_from_geojson:
 *   geojson.c  parses and checks the JSON into a geo_draft (flat arrays of rings);
 *   geos_ctx.c checks OGC validity with GEOS (per-thread context);
 *   corridor.c turns a LineString + width into a draft of the buffered polygon;
 *   shape.c    turns a draft into an immutable geo_shape (orientation normalised,
 *              prepared grid built by grid.c, geodesic area from geodesy.c);
 *   pip.c      answers point and box queries on a shape.
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

/* One closed ring stored in the shape's position array. */
typedef struct geo_ring {
    geo_box box;      /* bounding box of the ring's positions */
    const double *xy; /* n + 1 positions, lon/lat interleaved, xy[0..1] == xy[2n..2n+1] */
    uint32_t n;       /* number of edges */
} geo_ring;

/*
 * The prepared grid of a shape (grid.c), what GEOS's prepared geometries and point
 * locators do with an edge index, as one flat table. The shape's box is cut into
 * nx x ny cells; the cell of a point is (geo__grid_index(x - minx, sx, nx),
 * geo__grid_index(y - miny, sy, ny)), a monotone function of each coordinate, so
 * every double of the box falls in exactly one cell and cell lines are exact.
 *  - A cell that no edge meets is wholly inside or wholly outside: its code says which.
 *  - Row r lists every edge whose y-range meets the row (as the cells compute it),
 *    sorted by the edge's largest x, descending. A boundary cell's code k says that
 *    the row's first k edges are the only ones whose largest x reaches the cell: a ray
 *    from a point of the cell towards +x can cross or touch no other edge, so those k
 *    edges decide exactly (pip.c, rules 1-3).
 */
typedef uint8_t geo_cell;  /* a cell's code */
#define GEO_CELL_OUT 0u    /* no point of the cell is covered */
#define GEO_CELL_IN 0xFFu  /* every point of the cell is covered */
#define GEO_CELL_ALL 0xFEu /* boundary cell: test every edge of the row (k > 253) */
                           /* other codes k: boundary, test the row's first k edges */

typedef struct geo_grid {
    double sx, sy;                    /* cells per degree along x and y (0 when nx or ny is 1) */
    uint16_t nx, ny;                  /* at most 65,535 each */
    uint32_t cell_at, rows_at, xy_at; /* byte offsets from the shape: the ny * nx codes (row by
                                       row); row_start (ny + 1 offsets into row_edge), then
                                       row_edge (per row, the number in xy of each edge's first
                                       position: the edge is positions i, i + 1); positions */
} geo_grid;

/* The cell along one axis of an offset d >= 0 from the box's low side. */
static inline uint32_t geo__grid_index(double d, double s, uint32_t n) {
    double t = d * s;
    return t < (double)n ? (uint32_t)t : n - 1;
}

struct geo_shape {
    geo_box box;     /* box of all rings */
    geo_grid grid;   /* with box: the first cache line, all a point test reads of the header */
    double *xy;      /* every ring's positions, closed, lon/lat interleaved */
    size_t npos;     /* positions in xy */
    geo_ring *rings; /* rings polygon by polygon: shell first, then its holes */
    size_t nrings;
    uint32_t *poly_start; /* npolys + 1 offsets into rings */
    size_t npolys;
    size_t nvert_input; /* positions of the input geometry (the line for a corridor) */
    double area_m2;     /* geodesic area, computed once at creation */
    geo_box inner;      /* geo_shape_inner_box */
    size_t bytes;       /* of the whole block (geo_shape_size) */
    bool placed;        /* a copy made by geo_shape_place: geo_shape_free leaves it */
};
/* A shape is one allocation of `bytes`, aligned on a cache line: this struct, the grid's
 * tables, the rings, the positions, the polygon starts. The hot path reaches the tables
 * by offsets; the few pointers are fixed when a copy is placed elsewhere. */

static inline const geo_cell *geo__cells(const geo_shape *s) {
    return (const geo_cell *)((const char *)s + s->grid.cell_at);
}

static inline const uint32_t *geo__row_start(const geo_shape *s) {
    return (const uint32_t *)((const char *)s + s->grid.rows_at);
}

static inline const uint32_t *geo__row_edge(const geo_shape *s) {
    return geo__row_start(s) + s->grid.ny + 1;
}

static inline const double *geo__xy(const geo_shape *s) {
    return (const double *)((const char *)s + s->grid.xy_at);
}

/*
 * A parsed but not yet validated areal geometry: flat arrays, owned by the draft
 * until geo__shape_from_draft takes them. Every ring is closed (first == last).
 */
typedef struct geo_draft {
    double *xy; /* positions, lon/lat interleaved */
    size_t npos;
    uint32_t *ring_start; /* nrings + 1 offsets into positions */
    size_t nrings;
    uint32_t *poly_start; /* npolys + 1 offsets into rings */
    size_t npolys;
} geo_draft;

void geo__draft_free(geo_draft *d);

/* shape.c — Builds a shape from d, taking ownership of d's arrays on success and on
 * failure alike (d is emptied). nvert_input is what geo_shape_vertex_count reports.
 * Returns 0 or TR_ENOMEM. */
int geo__shape_from_draft(geo_draft *d, size_t nvert_input, geo_shape **out, tr_err *err);

/* grid.c — A grid under construction: its tables in one block of `bytes` (owned;
 * free with free(mem)), which the shape copies into its own allocation. */
typedef struct geo_grid_draft {
    geo_grid g;    /* cell_at and rows_at are offsets into mem; xy_at unset */
    geo_box inner; /* every point of it is covered (grid.c step 6); empty: minx > maxx */
    void *mem;
    size_t bytes;
} geo_grid_draft;

/* grid.c — Builds the grid of the closed rings ring_start[0..nrings] of xy, whose box is
 * box (xy, rings as in a geo_draft). Returns 0 or TR_ENOMEM (*out empty). */
int geo__grid_build(const double *xy, const uint32_t *ring_start, size_t nrings, geo_box box,
                    geo_grid_draft *out);

/* grid.c — Copies the draft's tables (cell codes, then row_start and row_edge) into the
 * shape s at byte offset `at` (aligned for uint32_t, d->bytes free) and sets s->grid,
 * but for xy_at. */
void geo__grid_place(const geo_grid_draft *d, geo_shape *s, size_t at);

/* pip.c — The ray test of one edge (pip.c rules 1 and 2): true when (px, py) is on the
 * edge from (e[0], e[1]) to (e[2], e[3]); otherwise adds the edge's crossing to *cross. */
bool geo__edge_test(const double *e, double px, double py, unsigned *cross);

/* pip.c — True if the closed segment e[0..3] meets the closed box b (exact). */
bool geo__segment_meets_box(const double *e, const geo_box *b);

/* index_grid.c — The point grid of a packed geo_index (see index_grid.c): for a point,
 * one short list of entries whose box, rounded to floats, may cover it. Rounding to
 * the nearest float is monotone, so a box that covers (x, y) has float sides that
 * cover ((float)x, (float)y): comparing floats finds every covering box (and perhaps
 * a few that miss the point by less than a float's rounding). */
typedef struct geo_pgrid geo_pgrid;

typedef struct geo_pg_entry {
    float minx, miny, maxx, maxy; /* the box, each side rounded to the nearest float */
    uint32_t pos;                 /* the entry's position in the boxes given to the build */
} geo_pg_entry;

/* Builds the grid of boxes[0..n) (positions 0..n-1). NULL when out of memory or when
 * no box is usable; the caller then answers every point another way. Free with
 * geo__pgrid_free. */
geo_pgrid *geo__pgrid_build(const geo_box *boxes, size_t n);
void geo__pgrid_free(geo_pgrid *g);
size_t geo__pgrid_bytes(const geo_pgrid *g);

/* If (x, y) is inside the grid's extent, sets *list and *n to the entries of its cell
 * (borrowed; every box that covers the point is among them) and returns true; else
 * returns false and the grid knows nothing of the point. */
bool geo__pgrid_cell(const geo_pgrid *g, double x, double y, const geo_pg_entry **list, size_t *n);

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
int geo__geos_check(GEOSContextHandle_t h, const GEOSGeometry *g, const char *field, tr_err *err);

/* geos_ctx.c — Validates every polygon of d, then (for several) the whole. */
int geo__draft_validate(const geo_draft *d, bool multi, tr_err *err);

/* corridor.c — Buffers the line xy[0..n) (lon/lat) by width_m / 2 into a draft with
 * one polygon. Returns 0, TR_EINVAL (corridor unusable) or TR_ENOMEM. */
int geo__corridor_draft(const double *xy, size_t n, double width_m, geo_draft *out, tr_err *err);

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
