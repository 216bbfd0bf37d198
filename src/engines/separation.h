/*
 * separation.h — how far the parties to an agreement are separated from the actors it
 * excludes (issue 20; docs/separation.md): the *commingled* ground, where a designated
 * area of an excluded actor overlaps a control area of one of the agreement's parties.
 *
 * Input: the control claims in force at one instant of the agreement's parties (owner:
 * the party's name) and the designated areas in force of its excluded actors, optionally
 * restricted to a named area. Per party: the union of its claims intersected with the
 * union of the designated areas (commingled_m2), and the same per designated area; the
 * total is the union over the parties (ground two parties claim counts once). Areas are
 * geodesic on WGS 84 and the set operations planar in lon/lat, exactly as territory.h
 * (geo/region.h): the same four operations, the same measure.
 *
 * Cost: the designated areas are grouped by bounding boxes that chain together (ground
 * of two groups never overlaps, so sums over groups are exact); one union per group of
 * two or more. Per party one union of its claims and one intersection per group whose
 * box meets its own (a group of one area gives the breakdown at once; a larger group
 * one more intersection per member area whose box meets the piece). The total over
 * parties: per group the sum of the parties' pieces when no two overlap (neighbours on
 * a front line only touch; checked by an intersection of pieces whose boxes meet), else
 * their union. Shapes are measured when made (geo_shape_area_m2), so without `within` a
 * designated area and a party with one claim cost no geodesic measure here; the
 * measure runs over the pieces only.
 *
 * Ownership: sep_measure fills a result the caller clears with sep_result_clear; names
 * are copied. Regions live only inside the call (the calling thread's GEOS context).
 */
#ifndef TRUCE_ENGINES_SEPARATION_H
#define TRUCE_ENGINES_SEPARATION_H

#include <stddef.h>
#include <stdint.h>

#include "engines/territory.h"

/* A designated area of an excluded actor, in force at the instant measured. */
typedef struct sep_area {
    int64_t id;             /* the area's id */
    const geo_shape *shape; /* borrowed */
} sep_area;

typedef struct sep_party {
    char *party;
    double claimed_m2;    /* the union of its claims (within the restriction) */
    double commingled_m2; /* of which inside a designated area */
    double *by_area;      /* nareas entries: commingled with designated area i */
} sep_party;

typedef struct sep_result {
    sep_party *parties; /* sorted by name; parties with no claim are left out */
    size_t n;
    size_t nareas;        /* as given */
    double *area_m2;      /* nareas entries: designated area i (within the restriction) */
    double designated_m2; /* the union of the designated areas */
    double commingled_m2; /* the union over the parties of their commingled ground */
} sep_result;

/* Measures n control claims against nd designated areas, both restricted to within
 * (NULL: everywhere). TR_OK, TR_ENOMEM or TR_EINVAL (GEOS refused an operation). */
int sep_measure(const terr_claim *claims, size_t n, const sep_area *designated, size_t nd,
                const geo_region *within, sep_result *out, tr_err *err);
void sep_result_clear(sep_result *r);

#endif
