/*
 * attribution.h — what applies at a point and an instant: the controlling party,
 * ceasefire zones, agreements in force, designated-actor areas and the region.
 *
 * Layer 3 (engines): in memory, deterministic, no I/O. The engine holds every
 * version of every area and agreement (append-only: nothing is freed until
 * attr_engine_free), indexes area footprints in a geo_index, and answers a point query
 * from a cover grid over all areas (geo_cover: the areas covering the point's cell whole
 * or in part, only boundary sub-cells tested exactly) plus the areas added since it was
 * built, then by time (valid_from <= t < effective_to); without a cover grid, from the
 * index's point grid and geo_shapes_covering. docs/attribution.md.
 *
 * Concurrency: queries from many threads run in parallel; additions take the write
 * side of a big-reader lock (base/brlock.h: readers write only to their own thread's
 * cache line). Pointers in an attr_result stay valid for the engine's life; the fields
 * they reach are immutable except tr_area.effective_to (read it under the lock).
 *
 * Ownership: attr_engine_add_* take the value's contents (the caller's struct is
 * zeroed on success); the engine frees them in attr_engine_free.
 */
#ifndef TRUCE_ENGINES_ATTRIBUTION_H
#define TRUCE_ENGINES_ATTRIBUTION_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"

typedef struct attr_engine attr_engine;

attr_engine *attr_engine_new(void);
void attr_engine_free(attr_engine *e);

/* Adds an area version (id and version set). If an earlier version of the same area
 * is held, its effective_to becomes min(its valid_to, a->valid_from), as the store
 * does. Returns 0 or TR_ENOMEM / TR_EINVAL (no shape, or version out of order). */
int attr_engine_add_area(attr_engine *e, tr_area *a, tr_err *err);

/* Adds an agreement, or replaces the held one with the same id by a newer version. */
int attr_engine_add_agreement(attr_engine *e, tr_agreement *a, tr_err *err);

size_t attr_engine_area_versions(const attr_engine *e);

/* Bytes the engine holds outside the malloc heap: the arena its shapes are placed in
 * (huge pages; docs/attribution.md). For memory reports beside the heap's figures. */
size_t attr_engine_arena_bytes(attr_engine *e);

/* Bytes of the cover grid point queries read first (geo_cover; part of the heap). */
size_t attr_engine_cover_bytes(attr_engine *e);

/* Packs the spatial index after a bulk load (attr_engine_add_area one by one leaves
 * recent areas in the index's unpacked tail). Takes the write lock. */
void attr_engine_pack(attr_engine *e);

typedef struct attr_result {
    const tr_area **areas; /* covering versions in force at t, visible to the viewer,
                              ordered by kind, then area id */
    size_t nareas, cap_areas;
    const tr_agreement **agreements; /* in force at t and applying at the point */
    size_t nagreements, cap_agreements;
} attr_result;

/*
 * Fills out (which must be zeroed or previously used; it is reset first) with what
 * applies at (lon, lat) at t, as seen by viewer (NULL: the system sees everything).
 * An agreement applies at the point when it is in force at t and it has no zones or
 * one of its zones (area ids) covers the point at t. Returns 0 or TR_ENOMEM.
 */
int attr_engine_query(attr_engine *e, double lon, double lat, int64_t t, const tr_party *viewer,
                      attr_result *out);

/* Counts the areas covering (lon, lat) regardless of time, kind and visibility:
 * the raw point-in-polygon join the attribution benchmark compares with PostGIS.
 * If ids is not NULL, up to cap area ids are written there. */
size_t attr_engine_covering(attr_engine *e, double lon, double lat, int64_t *ids, size_t cap);

/* An area version in force at some time of a window (attr_engine_window). */
typedef struct attr_span {
    const tr_area *area; /* read its immutable fields only: its effective_to is `to` */
    int64_t from, to;    /* [valid_from, effective_to) when the query ran */
} attr_span;

typedef struct attr_window {
    attr_span *spans; /* by area id, then version; each version once */
    size_t nspans, cap_spans;
    const tr_agreement **agreements; /* in force at some time of the window, by id */
    size_t nagreements, cap_agreements;
} attr_window;

/*
 * Fills out (zeroed or used before; it is reset first) with the area versions of every
 * kind visible to viewer whose footprint's box meets one of boxes[0 .. nboxes) (boxes
 * within [-180, 180]: split one that crosses the anti-meridian) and whose time in force
 * [valid_from, effective_to) overlaps [t0, t1); and with the agreements visible to viewer
 * in force at some time of [t0, t1) — their zones not applied: the caller decides where
 * they apply. A candidate search: exact geometry is the caller's. 0 or TR_ENOMEM.
 */
int attr_engine_window(attr_engine *e, const geo_box *boxes, size_t nboxes, int64_t t0, int64_t t1,
                       const tr_party *viewer, attr_window *out);
void attr_window_clear(attr_window *w);

/* The API answer for a result (new reference); see docs/openapi.yaml Attribution. */
json_t *attr_result_to_json(attr_engine *e, const attr_result *r, double lon, double lat, int64_t t);

void attr_result_clear(attr_result *r);

#endif
