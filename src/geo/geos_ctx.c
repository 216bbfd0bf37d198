/*
 * geos_ctx.c — GEOS access for the geometry layer: one GEOS context per thread,
 * created lazily and finished by the thread-exit destructor, plus the conversion of
 * a geo_draft into GEOS polygons and the OGC validity check with a precise reason.
 * Only shape creation (validation, corridor buffering) uses GEOS; geo_shape_covers
 * and the other queries never do.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo_int.h"

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static bool ctx_key_ok;
static __thread char last_error[256];
static __thread GEOSContextHandle_t thread_ctx; /* cache for this thread, also in ctx_key */

static void ctx_destroy(void *h) {
    GEOS_finish_r((GEOSContextHandle_t)h);
}

static void ctx_key_create(void) {
    ctx_key_ok = pthread_key_create(&ctx_key, ctx_destroy) == 0;
}

static void on_error(const char *msg, void *user) {
    (void)user;
    snprintf(last_error, sizeof last_error, "%s", msg ? msg : "");
}

GEOSContextHandle_t geo__geos(void) {
    last_error[0] = '\0'; /* each operation starts with a clean message */
    if (thread_ctx != NULL) return thread_ctx;
    pthread_once(&ctx_once, ctx_key_create);
    if (!ctx_key_ok) return NULL;
    GEOSContextHandle_t h = GEOS_init_r();
    if (h == NULL) return NULL;
    GEOSContext_setErrorMessageHandler_r(h, on_error, NULL);
    if (pthread_setspecific(ctx_key, h) != 0) {
        GEOS_finish_r(h);
        return NULL;
    }
    thread_ctx = h;
    return h;
}

const char *geo__geos_error(void) {
    return last_error;
}

/* A LinearRing of the n positions at xy, or NULL. */
static GEOSGeometry *make_ring(GEOSContextHandle_t h, const double *xy, size_t n) {
    GEOSCoordSequence *seq = GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)n, 0, 0);
    if (seq == NULL) return NULL;
    return GEOSGeom_createLinearRing_r(h, seq); /* takes seq, even on failure */
}

GEOSGeometry *geo__geos_polygon(GEOSContextHandle_t h, const geo_draft *d, size_t poly) {
    uint32_t r0 = d->poly_start[poly], r1 = d->poly_start[poly + 1];
    size_t nholes = r1 - r0 - 1;
    GEOSGeometry *shell = NULL, **holes = NULL, *out = NULL;
    size_t made = 0;
    if (nholes > 0 && (holes = calloc(nholes, sizeof *holes)) == NULL) return NULL;
    shell = make_ring(h, d->xy + 2 * (size_t)d->ring_start[r0],
                      d->ring_start[r0 + 1] - d->ring_start[r0]);
    if (shell == NULL) goto out;
    for (; made < nholes; made++) {
        uint32_t r = r0 + 1 + (uint32_t)made;
        holes[made] = make_ring(h, d->xy + 2 * (size_t)d->ring_start[r],
                                d->ring_start[r + 1] - d->ring_start[r]);
        if (holes[made] == NULL) goto out;
    }
    /* GEOS owns the rings from here on, whether or not the polygon is made. */
    out = GEOSGeom_createPolygon_r(h, shell, holes, (unsigned)nholes);
    shell = NULL;
    made = 0;
out:
    if (shell != NULL) GEOSGeom_destroy_r(h, shell);
    for (size_t i = 0; i < made; i++) GEOSGeom_destroy_r(h, holes[i]);
    free(holes);
    return out;
}

int geo__geos_check(GEOSContextHandle_t h, const GEOSGeometry *g, const char *field,
                    tr_err *err) {
    char *reason = NULL;
    GEOSGeometry *loc = NULL;
    char valid = GEOSisValidDetail_r(h, g, 0, &reason, &loc);
    int rc = 0;
    if (valid == 2) {
        rc = tr_fail(err, TR_EINVAL, field, "geometry could not be checked: %s",
                     geo__geos_error());
    } else if (valid == 0) {
        double x = 0, y = 0;
        char xs[32] = "?", ys[32] = "?";
        if (loc != NULL && GEOSGeomGetX_r(h, loc, &x) == 1 && GEOSGeomGetY_r(h, loc, &y) == 1) {
            geo__fmt_coord(xs, sizeof xs, x);
            geo__fmt_coord(ys, sizeof ys, y);
        }
        rc = tr_fail(err, TR_EINVAL, field, "invalid polygon: %s at [%s, %s]",
                     reason ? reason : "unknown reason", xs, ys);
    }
    if (reason != NULL) GEOSFree_r(h, reason);
    if (loc != NULL) GEOSGeom_destroy_r(h, loc);
    return rc;
}

/* Checks every polygon of d alone (field "coordinates" or "coordinates[i]"), then,
 * when there are several, the MultiPolygon they form (overlapping parts). */
int geo__draft_validate(const geo_draft *d, bool multi, tr_err *err) {
    GEOSContextHandle_t h = geo__geos();
    if (h == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory (GEOS context)");
    GEOSGeometry **parts = calloc(d->npolys, sizeof *parts);
    if (parts == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = 0;
    size_t made = 0;
    char field[64];
    for (; made < d->npolys; made++) {
        if (multi) snprintf(field, sizeof field, "coordinates[%zu]", made);
        else snprintf(field, sizeof field, "coordinates");
        parts[made] = geo__geos_polygon(h, d, made);
        if (parts[made] == NULL) {
            rc = tr_fail(err, TR_EINVAL, field, "polygon could not be built: %s",
                         geo__geos_error());
            goto out;
        }
        if ((rc = geo__geos_check(h, parts[made], field, err)) != 0) { made++; goto out; }
    }
    if (d->npolys > 1) {
        GEOSGeometry *all = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts,
                                                        (unsigned)made);
        made = 0; /* GEOS owns the parts from here on, even on failure */
        if (all == NULL) {
            rc = tr_fail(err, TR_ENOMEM, "coordinates", "out of memory (GEOS)");
            goto out;
        }
        rc = geo__geos_check(h, all, "coordinates", err);
        GEOSGeom_destroy_r(h, all);
    }
out:
    for (size_t i = 0; i < made; i++) GEOSGeom_destroy_r(h, parts[i]);
    free(parts);
    return rc;
}
