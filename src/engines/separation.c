/*
 * separation.c — commingled ground between an agreement's parties and the actors it
 * excludes (see separation.h): unions and intersections of geo regions, measured
 * geodesically with the measure territory uses.
 */
#include "engines/separation.h"

#include <stdlib.h>
#include <string.h>

static int cmp_claim(const void *x, const void *y) {
    return strcmp(((const terr_claim *)x)->owner, ((const terr_claim *)y)->owner);
}

static bool boxes_meet(geo_box a, geo_box b) {
    return a.minx <= b.maxx && b.minx <= a.maxx && a.miny <= b.maxy && b.miny <= a.maxy;
}

/* The region of shape s restricted to within (NULL: all of it). */
static int region_of(const geo_shape *s, const geo_region *within, geo_region **out, tr_err *err) {
    geo_region *r = NULL;
    int rc = geo_region_from_shape(s, &r, err);
    if (rc == TR_OK && within) {
        rc = geo_region_intersection(r, within, out, err);
        geo_region_free(r);
        return rc;
    }
    *out = r;
    return rc;
}

/* The union of n regions made from shapes (each restricted to within). */
static int union_of(const geo_shape *const *shapes, size_t n, const geo_region *within, geo_region **out,
                    tr_err *err) {
    geo_region **parts = calloc(n + 1, sizeof *parts);
    if (!parts) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = TR_OK;
    for (size_t k = 0; rc == TR_OK && k < n; k++)
        rc = region_of(shapes[k], within, &parts[k], err);
    if (rc == TR_OK && n == 1) {
        *out = parts[0];
        parts[0] = NULL;
    } else if (rc == TR_OK) {
        rc = geo_region_union(parts, n, out, err);
    }
    for (size_t k = 0; k < n; k++)
        geo_region_free(parts[k]);
    free(parts);
    return rc;
}

void sep_result_clear(sep_result *r) {
    for (size_t i = 0; i < r->n; i++) {
        free(r->parties[i].party);
        free(r->parties[i].by_area);
    }
    free(r->parties);
    free(r->area_m2);
    memset(r, 0, sizeof *r);
}

/* The area of a ∩ b (0 when their boxes do not meet). */
static int overlap_m2(const geo_region *a, const geo_region *b, double *m2, tr_err *err) {
    *m2 = 0;
    if (geo_region_is_empty(a) || geo_region_is_empty(b) || !boxes_meet(geo_region_box(a), geo_region_box(b)))
        return TR_OK;
    geo_region *x = NULL;
    int rc = geo_region_intersection(a, b, &x, err);
    if (rc == TR_OK) *m2 = geo_region_area_m2(x);
    geo_region_free(x);
    return rc;
}

typedef struct work {
    geo_region **area;      /* per designated area */
    geo_region *designated; /* their union */
    geo_region **party;     /* per party: the union of its claims */
    geo_region **mixed;     /* per party: party ∩ designated */
    size_t nareas, nparties;
} work;

static void work_free(work *w) {
    for (size_t i = 0; w->area && i < w->nareas; i++)
        geo_region_free(w->area[i]);
    for (size_t i = 0; w->party && i < w->nparties; i++) {
        geo_region_free(w->party[i]);
        geo_region_free(w->mixed[i]);
    }
    geo_region_free(w->designated);
    free(w->area);
    free(w->party);
    free(w->mixed);
}

static int designated_regions(const sep_area *d, size_t nd, const geo_region *within, work *w,
                              sep_result *out, tr_err *err) {
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < nd; i++) {
        rc = region_of(d[i].shape, within, &w->area[i], err);
        if (rc == TR_OK) out->area_m2[i] = geo_region_area_m2(w->area[i]);
    }
    if (rc == TR_OK) rc = geo_region_union(w->area, nd, &w->designated, err);
    if (rc == TR_OK) out->designated_m2 = geo_region_area_m2(w->designated);
    return rc;
}

/* Party p of the sorted claims [i, j): its union, and what of it is commingled. */
static int party_measure(const terr_claim *c, size_t i, size_t j, const geo_region *within, work *w, size_t p,
                         sep_party *out, tr_err *err) {
    const geo_shape **shapes = calloc(j - i + 1, sizeof *shapes);
    if (!shapes) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t k = i; k < j; k++)
        shapes[k - i] = c[k].shape;
    int rc = union_of(shapes, j - i, within, &w->party[p], err);
    free(shapes);
    out->party = strdup(c[i].owner);
    out->by_area = calloc(w->nareas + 1, sizeof *out->by_area);
    if (rc == TR_OK && (!out->party || !out->by_area)) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc) return rc;
    out->claimed_m2 = geo_region_area_m2(w->party[p]);
    rc = geo_region_intersection(w->party[p], w->designated, &w->mixed[p], err);
    if (rc == TR_OK) out->commingled_m2 = geo_region_area_m2(w->mixed[p]);
    for (size_t a = 0; rc == TR_OK && out->commingled_m2 > 0 && a < w->nareas; a++)
        rc = overlap_m2(w->mixed[p], w->area[a], &out->by_area[a], err);
    return rc;
}

static int total_commingled(work *w, sep_result *out, tr_err *err) {
    if (w->nparties == 1) {
        out->commingled_m2 = out->parties[0].commingled_m2;
        return TR_OK;
    }
    geo_region *all = NULL;
    int rc = geo_region_union(w->mixed, w->nparties, &all, err);
    if (rc == TR_OK) out->commingled_m2 = geo_region_area_m2(all);
    geo_region_free(all);
    return rc;
}

int sep_measure(const terr_claim *claims, size_t n, const sep_area *designated, size_t nd,
                const geo_region *within, sep_result *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    work w = {.nareas = nd};
    terr_claim *c = malloc((n + 1) * sizeof *c);
    w.area = calloc(nd + 1, sizeof *w.area);
    w.party = calloc(n + 1, sizeof *w.party);
    w.mixed = calloc(n + 1, sizeof *w.mixed);
    out->area_m2 = calloc(nd + 1, sizeof *out->area_m2);
    out->parties = calloc(n + 1, sizeof *out->parties);
    out->nareas = nd;
    int rc = c && w.area && w.party && w.mixed && out->area_m2 && out->parties
                 ? TR_OK
                 : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        memcpy(c, claims, n * sizeof *c);
        qsort(c, n, sizeof *c, cmp_claim);
        rc = designated_regions(designated, nd, within, &w, out, err);
    }
    for (size_t i = 0, j; rc == TR_OK && i < n; i = j) {
        for (j = i + 1; j < n && strcmp(c[j].owner, c[i].owner) == 0; j++) {
        }
        rc = party_measure(c, i, j, within, &w, w.nparties, &out->parties[out->n], err);
        w.nparties++;
        out->n++;
    }
    if (rc == TR_OK && w.nparties) rc = total_commingled(&w, out, err);
    work_free(&w);
    free(c);
    if (rc) sep_result_clear(out);
    return rc;
}
