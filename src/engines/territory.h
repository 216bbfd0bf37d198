/*
 * territory.h — who controls how much ground on a date, and what changed hands between
 * two dates (issue 6; docs/territory.md).
 *
 * Input: the control claims in force at one instant, each an owner (party or actor
 * name) and its shape, optionally restricted to a named area. Rule for overlaps: ground
 * claimed by two or more owners at once is *contested*: it counts for none of them
 * (controlled) but for each of them as claimed, and in the map's contested total. So the
 * controlled areas never overlap and never sum to more than the ground claimed.
 * Areas are geodesic on WGS 84 (geo/region.h): planar set operations in lon/lat, as
 * containment is everywhere in truce, measured with PROJ's geodesic polygon area.
 *
 * Cost: per owner the union of its claims; one intersection per pair of owners whose
 * bounding boxes meet (neighbours on a front line); controlled = own claims minus the
 * union of its overlaps (a copy when fronts meet without overlapping); contested = the
 * union of all overlaps, claimed = controlled + contested.
 *
 * Ownership: terr_map_build fills a map the caller clears with terr_map_clear; owner
 * names are copied. Regions in the map belong to the calling thread (region.h).
 */
#ifndef TRUCE_ENGINES_TERRITORY_H
#define TRUCE_ENGINES_TERRITORY_H

#include <stddef.h>

#include "geo/region.h"

typedef struct terr_claim {
    const char *owner;       /* party or actor name */
    const geo_shape *shape;  /* borrowed */
} terr_claim;

typedef struct terr_owner {
    char *owner;
    double claimed_m2;       /* the union of its claims (within the restriction) */
    double controlled_m2;    /* claimed and claimed by no other owner */
    geo_region *controlled;
} terr_owner;

typedef struct terr_map {
    terr_owner *owners;      /* sorted by owner name */
    size_t n;
    double claimed_m2;       /* the union of every claim */
    double contested_m2;     /* claimed by two or more owners */
} terr_map;

/* Builds the map of n claims; within (NULL: everywhere) restricts every claim to it. */
int terr_map_build(const terr_claim *claims, size_t n, const geo_region *within, terr_map *out, tr_err *err);
void terr_map_clear(terr_map *m);
/* The owner's entry, or NULL. */
const terr_owner *terr_map_find(const terr_map *m, const char *owner);

/* The change of one owner between two maps. */
typedef struct terr_delta {
    const char *owner;       /* borrowed from the maps */
    double from_m2, to_m2;   /* controlled */
    double gained_m2;        /* controlled at `to`, not at `from` */
    double lost_m2;          /* controlled at `from`, not at `to` */
} terr_delta;

/* Every owner of either map (sorted by name) into *deltas (malloc'd, *n entries), and
 * *changed_hands_m2: ground controlled by one owner at `from` and by another at `to`. */
int terr_change(const terr_map *from, const terr_map *to, terr_delta **deltas, size_t *n, double *changed_hands_m2,
                tr_err *err);

#endif
