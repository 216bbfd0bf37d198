/*
 * deconflict.h — the in-memory deconfliction engine: which stored volumes conflict
 * with a new one.
 *
 * Layer 3 (engines): in memory, deterministic, no I/O. The engine holds volumes — an
 * id, an owner (party id), a kind (the caller's class: operation, site, movement, ...),
 * a time window, an altitude band and a footprint (a geodesic circle or polygons in
 * planar lon/lat) — and answers one question:
 *
 *   given a query volume and a separation (horizontal_m, vertical_m), which stored
 *   volumes have
 *     - time windows that overlap, half-open: s.t_start < q.t_end && q.t_start < s.t_end
 *       (a window ending when the other starts does not conflict);
 *     - altitude bands within the vertical separation, closed:
 *       s.alt_lo <= q.alt_hi + vertical_m && q.alt_lo <= s.alt_hi + vertical_m
 *       (bands that only touch conflict);
 *     - footprints within horizontal_m of each other (0: they intersect; touching
 *       counts)?
 *
 * What is exact and what is not (docs/deconfliction.md has the derivations):
 *  - time and altitude: exact comparisons of the stored integers and doubles;
 *  - circle x circle: the geodesic distance of the centres on WGS 84 (PROJ geod_inverse)
 *    <= r1 + r2 + horizontal_m. A chord-length filter with proven bounds decides the
 *    clear cases; every case within 1 um of the threshold goes to geod_inverse, so the
 *    answer is the one geod_inverse gives for every pair;
 *  - polygon x polygon with horizontal_m == 0: exact planar lon/lat intersection (edges
 *    crossing or touching, or one containing the other), with exact orientation
 *    predicates — the answer of PostGIS ST_Intersects on geometry;
 *  - circle x polygon, and polygon x polygon with horizontal_m > 0: the polygon is
 *    planar lon/lat, the circle a geodesic disc. Containment is exact; otherwise the
 *    geodesic distance between the footprints is bounded from below in a local metric
 *    frame (a scaled lon/lat plane whose scales are the smallest the WGS 84 ellipsoid
 *    takes over a latitude band: the circle's centre +- the distance, or a pair of
 *    edges' latitudes widened by it). The test never misses a pair within the distance;
 *    it may report a pair whose true distance exceeds it by at most the frame's
 *    distortion, about tan(lat) * (height of the band in radians) of the distance
 *    (~0.1 % for 10 km at 36 N; weaker within the distance of a pole);
 *  - longitudes wrap: footprints on either side of the anti-meridian meet; circles
 *    that cover a pole cover every longitude.
 * Every pair test first requires the footprints' lon/lat boxes to meet, the query's box
 * grown by horizontal_m (conservatively, so this never removes a true conflict). The
 * indexed query and dc_engine_query_scan (no index) return identical sets.
 *
 * Index: a 4-D (lon, lat, time, altitude) packed R-tree of 16-wide nodes in Hilbert
 * order, kept as a logarithmic set of static trees (Bentley-Saxe) plus a small
 * unsorted insert buffer: an insert is amortised O(log n) (merges of sorted runs, no
 * re-sort), a query visits at most ~log2(n / 512) trees, never a long tail. Removal
 * marks the volume dead; a tree is rebuilt when half of it is dead.
 *
 * Memory per volume: a 136-byte record (~147 with the slot tables), ~47 bytes of index
 * and 16-34 of id map, plus for a polygon 16 + 16 * (vertices + 1) bytes (malloc'd):
 * 660 bytes on average for workload B (24 vertices). dc_engine_stats measures it.
 *
 * Concurrency: queries run in parallel under a read lock; insert and remove take the
 * write lock. To check and insert atomically (two parties submitting at once must not
 * both miss each other), hold the write lock with dc_engine_write_begin/_end and use
 * the *_held variants in between.
 *
 * Ownership: inputs are borrowed (the engine copies what it keeps); a dc_result is
 * owned by the caller, reused across queries, and freed with dc_result_free.
 */
#ifndef TRUCE_ENGINES_DECONFLICT_H
#define TRUCE_ENGINES_DECONFLICT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "domain/volume.h"

#define DC_MAX_RADIUS_M 1000000.0 /* largest circle the engine accepts (1,000 km) */
#define DC_MAX_SEPARATION_M 1000000.0
#define DC_KINDS 32               /* kinds are 0..31, so a query can mask them */

typedef enum dc_shape {
    DC_CIRCLE = 1,
    DC_POLYGON = 2,
} dc_shape;

/* A footprint as handed to the engine (borrowed). */
typedef struct dc_footprint {
    dc_shape shape;
    double lon, lat;            /* DC_CIRCLE: centre, degrees */
    double radius_m;            /* DC_CIRCLE: geodesic radius, (0, DC_MAX_RADIUS_M] */
    const double *xy;           /* DC_POLYGON: positions, lon/lat interleaved */
    size_t npos;                /* positions in xy */
    const uint32_t *ring_start; /* nrings + 1 offsets (in positions) into xy, or NULL for
                                   one ring of npos positions */
    size_t nrings;
} dc_footprint;
/* Polygon rings may be given closed (last == first, GeoJSON) or open (Volume4D); each
 * needs >= 3 distinct positions and no edge longer than 180 degrees of longitude.
 * Several rings (holes, several polygons) are read with the even-odd rule, as valid
 * GeoJSON (Multi)Polygons are. The engine does not check that rings are simple: pass
 * footprints validated by the domain layer (tr_volume_parse, geo_shape_from_geojson). */

typedef struct dc_volume {
    int64_t id;             /* the caller's unique id for this volume */
    int64_t owner;          /* owning party's id (> 0 to be excludable; 0 = none) */
    uint32_t kind;          /* the caller's class, < DC_KINDS */
    uint32_t tag;           /* the caller's value, kept and handed back in each hit (e.g. an
                               index into the caller's table of what an answer shows) */
    int64_t t_start, t_end; /* [t_start, t_end), seconds; t_end may be TR_TIME_OPEN */
    double alt_lo, alt_hi;  /* closed band, metres; -INFINITY / INFINITY allowed
                               (ground objects: sites, movements) */
    dc_footprint foot;
} dc_volume;

typedef struct dc_sep {
    double horizontal_m; /* footprints within this distance conflict; 0 = intersecting */
    double vertical_m;   /* altitude bands within this distance conflict; 0 = touching */
} dc_sep;

typedef struct dc_query {
    const dc_volume *vol;  /* the new or changed volume (its id, owner, kind unused) */
    dc_sep sep;
    uint32_t kinds;        /* bit k set: report stored volumes of kind k; 0 = all kinds */
    int64_t exclude_owner; /* report no volume of this owner (e.g. the submitter's own
                              operations); 0 = exclude none */
} dc_query;

typedef struct dc_hit {
    int64_t id;
    int64_t owner;
    uint32_t kind;
    uint32_t tag; /* the stored volume's dc_volume.tag */
} dc_hit;

typedef struct dc_result {
    dc_hit *hits;          /* conflicting stored volumes, by increasing id */
    size_t n;
    size_t candidates;     /* index candidates given to the exact tests (a statistic) */
    /* private: buffers reused across queries */
    dc_hit *tmp_;
    uint32_t *slots_;
    size_t cap_, slot_cap_;
} dc_result;

typedef struct dc_stats {
    size_t volumes;        /* live volumes */
    size_t circles, polygons, vertices;
    size_t trees;          /* static trees in use, besides the insert buffer */
    size_t buffered;       /* entries in the insert buffer */
    size_t dead;           /* removed entries still in a tree */
    size_t bytes_records;  /* fixed-size records and the slot tables */
    size_t bytes_polygons; /* polygon vertex arrays, malloc overhead included */
    size_t bytes_index;    /* trees, keys, buffer */
    size_t bytes_idmap;    /* id -> record map */
    size_t bytes_total;
} dc_stats;

typedef struct dc_engine dc_engine;

dc_engine *dc_engine_new(void); /* NULL when out of memory */
void dc_engine_free(dc_engine *e);

/* Adds a volume (copied). TR_EINVAL (bad field: err names it), TR_ECONFLICT (the id is
 * held already) or TR_ENOMEM; nothing is added on failure. */
int dc_engine_insert(dc_engine *e, const dc_volume *v, tr_err *err);

/* Removes volume id. TR_OK, or TR_ENOTFOUND. */
int dc_engine_remove(dc_engine *e, int64_t id);

/* Merges the buffer and every tree into one packed tree (after a bulk load, before
 * queries: the tree is then optimal). Returns TR_OK or TR_ENOMEM (index unchanged). */
int dc_engine_pack(dc_engine *e);

/* Bulk loading (start-up): from dc_engine_load_begin until dc_engine_pack, inserted
 * volumes are kept but not indexed, and the pack indexes them all at once (one sort by
 * Hilbert key instead of a merge per level: several times faster for a million).
 * Queries in between do not see them. A pack that fails (TR_ENOMEM) stays in loading. */
void dc_engine_load_begin(dc_engine *e);

size_t dc_engine_size(dc_engine *e);
void dc_engine_stats(dc_engine *e, dc_stats *out);

/* Fills out with the stored volumes conflicting with q->vol (see the header comment),
 * sorted by id, without duplicates. q->vol is checked as dc_engine_insert checks it.
 * TR_OK, TR_EINVAL (err says why) or TR_ENOMEM. */
int dc_engine_query(dc_engine *e, const dc_query *q, dc_result *out, tr_err *err);

/* The same answer by testing every stored volume, no index: tests and benchmarks. */
int dc_engine_query_scan(dc_engine *e, const dc_query *q, dc_result *out, tr_err *err);

void dc_result_free(dc_result *r);

/* The stored volume id as the engine holds it, into *out: id, owner, kind, tag, window,
 * band and footprint (a polygon's rings closed). The footprint is borrowed from the
 * engine: valid while the caller holds the engine's lock (between dc_engine_write_begin
 * and _end) and the volume stays. TR_OK or TR_ENOTFOUND. */
int dc_engine_volume_held(dc_engine *e, int64_t id, dc_volume *out);

/* Check-then-insert under one write lock. Between begin and end only the _held calls
 * may be made on e by this thread; other threads' calls wait. */
void dc_engine_write_begin(dc_engine *e);
void dc_engine_write_end(dc_engine *e);
/* Several _held reads (queries, dc_engine_volume_held, dc_engine_pair_held) against one
 * state under the read lock: other readers run alongside, writers wait. */
void dc_engine_read_begin(dc_engine *e);
void dc_engine_read_end(dc_engine *e);
int dc_engine_query_held(dc_engine *e, const dc_query *q, dc_result *out, tr_err *err);
int dc_engine_insert_held(dc_engine *e, const dc_volume *v, tr_err *err);
int dc_engine_remove_held(dc_engine *e, int64_t id);

/* Decides one pair without an engine: does stored volume s conflict with query volume q
 * under sep? *out is the answer dc_engine_query would give. TR_OK, TR_EINVAL, TR_ENOMEM. */
int dc_pair_conflict(const dc_volume *q, const dc_volume *s, const dc_sep *sep, bool *out,
                     tr_err *err);

/* Volumes built into engine records ahead of their insertion, e.g. on another thread
 * while the engine's owner inserts the previous batch (the start-up's loader). Owned by
 * the caller: dc_built_new (NULL when out of memory), dc_built_free. dc_built_add checks
 * and builds v as dc_engine_insert would (TR_OK, TR_EINVAL, TR_ENOMEM; nothing added on
 * failure). dc_engine_insert_built inserts them all in order under one write lock and
 * empties b; on the first failure (TR_ECONFLICT: *failed gets that volume's id, or
 * TR_ENOMEM) the rest are dropped and those before it stay inserted. */
typedef struct dc_built dc_built;
dc_built *dc_built_new(void);
void dc_built_free(dc_built *b);
size_t dc_built_size(const dc_built *b);
int dc_built_add(dc_built *b, const dc_volume *v, tr_err *err);
int dc_engine_insert_built(dc_engine *e, dc_built *b, int64_t *failed, tr_err *err);

/* A query volume built once for several pair decisions against stored volumes (the
 * answer's distance bands): owned by the caller, freed with dc_prepared_free. */
typedef struct dc_prepared dc_prepared;
int dc_prepare(const dc_volume *q, dc_prepared **out, tr_err *err); /* TR_OK, TR_EINVAL, TR_ENOMEM */
void dc_prepared_free(dc_prepared *p);
/* dc_pair_conflict's answer for q and the stored volume id, with neither built again
 * (the caller holds the engine's lock). TR_OK, TR_ENOTFOUND or TR_EINVAL (sep). */
int dc_engine_pair_held(dc_engine *e, const dc_prepared *q, int64_t id, const dc_sep *sep, bool *out,
                        tr_err *err);

/* A dc_volume borrowing v's footprint (v must outlive it), with id, owner and kind. */
void dc_volume_from_tr(const tr_volume *v, int64_t id, int64_t owner, uint32_t kind,
                       dc_volume *out);

/* Footprint arrays owned by the caller, filled from a GeoJSON Polygon or MultiPolygon
 * (e.g. geo_shape_footprint_geojson of a site, or a movement's buffered route). */
typedef struct dc_footprint_buf {
    dc_footprint foot;  /* points into xy and ring_start below */
    double *xy;
    uint32_t *ring_start;
} dc_footprint_buf;

int dc_footprint_from_geojson(const json_t *geometry, dc_footprint_buf *out, tr_err *err);
void dc_footprint_buf_free(dc_footprint_buf *b);

#endif
