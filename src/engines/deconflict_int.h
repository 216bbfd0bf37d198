/*
 * deconflict_int.h — private to the deconfliction engine (deconflict*.c).
 *
 *   deconflict.c        the engine: records, id map, locking, queries, sorting;
 *   deconflict_geom.c   the exact pair tests (time, altitude, boxes, footprints);
 *   deconflict_index.c  the 4-D Hilbert-packed R-trees (Bentley-Saxe levels + buffer).
 *
 * Internal cross-file names use the dc__ prefix.
 */
#ifndef TRUCE_ENGINES_DECONFLICT_INT_H
#define TRUCE_ENGINES_DECONFLICT_INT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engines/deconflict.h"
#include "geo/geo.h"

/* WGS 84, and the smallest radius of curvature of the ellipsoid (meridional, at the
 * equator): no geodesic bends faster than 1 / DC_RHO_MIN, and a metre of latitude is
 * never shorter than at the equator. */
#define DC_A 6378137.0
#define DC_F (1.0 / 298.257223563)
#define DC_E2 (DC_F * (2.0 - DC_F))
#define DC_RHO_MIN (DC_A * (1.0 - DC_E2))

/* A polygonal footprint: one malloc'd block, rings closed (each ring's first position
 * repeated at its end), lon/lat interleaved after the ring offsets. */
typedef struct dc_poly {
    uint32_t nrings;
    uint32_t npos;          /* positions, closing ones included */
    uint32_t ring_start[];  /* nrings + 1 offsets, then (8-aligned) the positions */
} dc_poly;

static inline size_t dc__poly_xy_offset(uint32_t nrings) {
    size_t off = sizeof(dc_poly) + (nrings + 1) * sizeof(uint32_t);
    return (off + 7) & ~(size_t)7;
}

static inline const double *dc__poly_xy(const dc_poly *p) {
    return (const double *)(const void *)((const char *)p + dc__poly_xy_offset(p->nrings));
}

/* One stored (or query) volume. The box is canonical: minx in [-180, 180],
 * maxx <= minx + 360 (a circle across the anti-meridian has maxx > 180). */
typedef struct dc_rec {
    int64_t id, owner;
    int64_t t0, t1;         /* [t0, t1) */
    double alo, ahi;        /* closed */
    geo_box box;            /* lon/lat box of the footprint (circles: conservative) */
    union {
        struct {
            double lon, lat, r;  /* centre, geodesic radius */
            double ex, ey, ez;   /* the centre in ECEF metres (chord filter) */
        } c;
        struct {
            dc_poly *p;
            /* Discs in the plane (s * lon, lat), s = cos(cy): every point of the polygon
             * is within rout of (cx, cy); every point within rin of it is in the polygon
             * (rin = 0 when (cx, cy) is not). They decide most pairs without reading p. */
            double cx, cy, s, rin, rout;
        } p;
    } u;
    uint8_t kind;           /* < DC_KINDS */
    uint8_t shape;          /* dc_shape; 0 = free slot */
    uint8_t pad_[2];
    uint32_t tag; /* the caller's dc_volume.tag */
} dc_rec;

/* Doubles rounded down / up to floats (for index boxes, invariant 5 of the index). */
static inline float dc__f_down(double x) {
    float f = (float)x;
    if ((double)f > x) f = nextafterf(f, -INFINITY);
    return f;
}

static inline float dc__f_up(double x) {
    float f = (float)x;
    if ((double)f < x) f = nextafterf(f, INFINITY);
    return f;
}

/* Index times are seconds from DC_TIME_BASE (2025-01-01), so floats stay fine-grained;
 * the far past and future (and the open ends) become -inf / +inf. */
#define DC_TIME_BASE 1735689600LL

static inline double dc__index_time(int64_t t) {
    if (t < INT64_MIN / 2) return -INFINITY;
    if (t > INT64_MAX / 2) return INFINITY;
    return (double)(t - DC_TIME_BASE);
}

/* ---- deconflict_geom.c ---- */

/* Checks v and fills r (allocating r->u.p for a polygon; free with dc__rec_release).
 * TR_OK, TR_EINVAL (err names the field) or TR_ENOMEM. */
int dc__rec_build(const dc_volume *v, dc_rec *r, tr_err *err);
void dc__rec_release(dc_rec *r);

/* b grown on every side by at least h metres of geodesic distance. The result is in
 * the frame of b (minx may fall below -180): pair tests shift the other footprint by
 * multiples of 360 degrees relative to it. */
geo_box dc__box_grow(geo_box b, double h);

/* The whole decision for one pair: q is the query, g its box grown by sep->horizontal_m,
 * s a stored volume. */
bool dc__pair(const dc_rec *q, const geo_box *g, const dc_rec *s, const dc_sep *sep);

/* ---- deconflict_index.c ---- */

#define DC_LANES 16
#define DC_BUF_CAP 512     /* insert buffer entries (32 blocks) */
#define DC_MAX_TREES 40
#define DC_MAX_HEIGHT 12

/* Box dimensions, in the order stored in a block and in a query box. */
enum { DC_MINX, DC_MAXX, DC_MINY, DC_MAXY, DC_MINT, DC_MAXT, DC_MINA, DC_MAXA, DC_DIMS };

/* 16 boxes, structure of arrays, so one query box is tested against all 16 at once.
 * An unused lane holds the empty box (min = +inf, max = -inf). */
typedef struct dc_block {
    float v[DC_DIMS][DC_LANES];
} dc_block;

typedef struct dc_tree {
    size_t n;                 /* entries, dead ones included */
    size_t ndead;
    uint64_t *keys;           /* n Hilbert keys, non-decreasing */
    uint32_t *slots;          /* n record slots, in key order */
    dc_block *blocks;         /* leaf blocks, then each upper level */
    size_t lvl_off[DC_MAX_HEIGHT]; /* first block of each level (0 = leaves) */
    size_t lvl_n[DC_MAX_HEIGHT];   /* blocks in each level */
    int height;               /* levels; 0 = empty tree */
} dc_tree;

#define DC_WHERE_NONE 0xFF
#define DC_WHERE_BUF 0xFE

/* Called for a removed slot once no index entry refers to it (it may be reused). */
typedef void (*dc_purge_fn)(void *ctx, uint32_t slot);

typedef struct dc_index {
    dc_tree trees[DC_MAX_TREES];   /* tree j holds at most DC_BUF_CAP << (j + 1) live entries */
    dc_block *buf;                 /* DC_BUF_CAP / DC_LANES blocks, unsorted */
    uint64_t *buf_keys;
    uint32_t *buf_slots;
    size_t nbuf;
    uint8_t *where;                /* per slot: tree number, DC_WHERE_BUF or _NONE */
    uint64_t *dead;                /* per slot bit: removed, still referenced by a tree */
    size_t slot_cap;
    dc_purge_fn purge;
    void *purge_ctx;
} dc_index;

int dc__index_init(dc_index *ix, dc_purge_fn purge, void *ctx);
void dc__index_free(dc_index *ix);
/* Makes room for slots [0, n). TR_OK or TR_ENOMEM. */
int dc__index_reserve(dc_index *ix, size_t n);
/* The index box of a record (floats rounded outward) and its Hilbert key. */
void dc__index_box(const dc_rec *r, float box[DC_DIMS]);
uint64_t dc__index_key(const dc_rec *r);
/* Adds slot with its box and key. TR_OK or TR_ENOMEM (nothing added). */
int dc__index_insert(dc_index *ix, uint32_t slot, const float box[DC_DIMS], uint64_t key);
/* Removes slot: from the buffer at once (purge called), from a tree by marking it dead. */
void dc__index_remove(dc_index *ix, uint32_t slot);
/* Merges everything into one tree. TR_OK or TR_ENOMEM (index unchanged). */
int dc__index_pack(dc_index *ix);
/* box NULL: the Hilbert key of slot's record; else its index box into box (returns 0). */
typedef uint64_t (*dc_box_fn)(void *ctx, uint32_t slot, float box[DC_DIMS]);
/* Adds slots[n] (not indexed yet) at once: one sort by key, one tree, then merges
 * everything into one tree as dc__index_pack does. TR_OK, or TR_ENOMEM: nothing added,
 * or (the final merge failed) added as a tree of its own beside the others. */
int dc__index_bulk(dc_index *ix, const uint32_t *slots, size_t n, dc_box_fn box_of, void *ctx);
/* Appends to *slots (growing it) every live slot whose box meets q (closed boxes). */
int dc__index_query(const dc_index *ix, const float q[DC_DIMS], uint32_t **slots, size_t *n,
                    size_t *cap);
size_t dc__index_bytes(const dc_index *ix);
size_t dc__index_trees(const dc_index *ix);
size_t dc__index_dead(const dc_index *ix);

static inline bool dc__is_dead(const dc_index *ix, uint32_t slot) {
    return (ix->dead[slot >> 6] >> (slot & 63)) & 1;
}

#endif
