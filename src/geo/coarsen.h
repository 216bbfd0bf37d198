/*
 * coarsen.h — coarsened footprints: what a party that may not see an object is answered
 * against, so that probing it cannot locate the object (docs/deconfliction.md §13).
 *
 * Layer 1 of DESIGN.md: pure functions, no I/O. Given a footprint F (a geodesic disc, or
 * rings with straight lon/lat edges), a margin m >= 0 and a per-object secret (random
 * bytes, GEO_SECRET_LEN), geo_coarsen builds a footprint C with:
 *
 *  1. Safety: C contains F, always. For a disc, C is the geodesic disc of radius r + m
 *     around a centre at most m from F's centre (the geodesic distance is a metric, so
 *     C contains F by the triangle inequality). For rings, C is F's outline grown by m
 *     in a local metric frame that is affine in lon/lat (so containment there is
 *     containment in lon/lat) and moved by at most m; the growth absorbs GEOS's
 *     polygonal arcs, and the result is checked with GEOS's exact Covers predicate — if
 *     the check fails, or C would leave [-180, 180] x [-90, 90] (the anti-meridian, the
 *     poles), C is instead the coarsened disc of a disc containing F.
 *  2. Privacy: C is F grown by about m and moved by an offset t drawn from the secret,
 *     uniform over the disc of radius m (distance m * sqrt(u1), azimuth 360 * u2, u1 and
 *     u2 from the secret's first 16 bytes). Someone who learns C exactly learns F's
 *     centre only to within m: their best estimate is C's centre, off by |t|, whose mean
 *     is 2m/3. C has no holes (they would show F's shape).
 *  3. Determinism: the same F, m and secret give the same C (so a verifier can rebuild
 *     it), and the secret never appears in C beyond what C's position tells.
 *
 * With m = 0, C is F (a copy; for rings, their shells only when F has one ring).
 * Also meant for live tracks (a position with an uncertainty disc): coarsen the disc.
 *
 * Ownership: inputs are borrowed; a geo_coarse owns its arrays (geo_coarse_free; safe on
 * a zeroed value).
 */
#ifndef TRUCE_GEO_COARSEN_H
#define TRUCE_GEO_COARSEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define GEO_SECRET_LEN 32
#define GEO_COARSEN_MAX_MARGIN_M 100000.0  /* largest margin accepted (100 km) */
#define GEO_COARSEN_MAX_RADIUS_M 1000000.0 /* largest disc produced (1,000 km) */

/* A footprint, borrowed: a geodesic disc, or rings (even-odd, closed or open). */
typedef struct geo_footprint {
    bool is_disc;
    double lon, lat, radius_m; /* the disc */
    const double *xy;          /* the rings: positions lon/lat interleaved */
    size_t npos;
    const uint32_t *ring_start; /* nrings + 1 offsets into positions, or NULL: one ring */
    size_t nrings;
} geo_footprint;

/* A coarsened footprint: foot borrows the arrays below. */
typedef struct geo_coarse {
    geo_footprint foot;
    double *xy;
    uint32_t *ring_start;
    double offset_m; /* |t|: how far the coarsened shape was moved (for tests) */
    bool fell_back;  /* rings became a disc (anti-meridian, poles, failed check) */
} geo_coarse;

/* The offset a secret gives for a margin: distance in [0, margin_m], azimuth in [0, 360). */
void geo_coarse_offset(const uint8_t secret[GEO_SECRET_LEN], double margin_m, double *dist_m,
                       double *azimuth_deg);

/* Builds C from f (see above). margin_m in [0, GEO_COARSEN_MAX_MARGIN_M]. Returns TR_OK,
 * TR_EINVAL (bad margin, bad footprint, or no disc of at most GEO_COARSEN_MAX_RADIUS_M
 * contains it) or TR_ENOMEM; *out is zeroed on failure. */
int geo_coarsen(const geo_footprint *f, double margin_m, const uint8_t secret[GEO_SECRET_LEN],
                geo_coarse *out, tr_err *err);
void geo_coarse_free(geo_coarse *c);

#endif
