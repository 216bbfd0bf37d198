/*
 * territory.c — control maps and their change (see territory.h): unions, differences and
 * intersections of geo regions, measured geodesically.
 */
#include "engines/territory.h"
#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

static int cmp_claim(const void *x, const void *y) {
    return strcmp(((const terr_claim *)x)->owner, ((const terr_claim *)y)->owner);
}

static int cmp_owner(const void *x, const void *y) {
    return strcmp(((const terr_owner *)x)->owner, ((const terr_owner *)y)->owner);
}

void terr_map_clear(terr_map *m) {
    for (size_t i = 0; i < m->n; i++) {
        free(m->owners[i].owner);
        geo_region_free(m->owners[i].controlled);
    }
    free(m->owners);
    memset(m, 0, sizeof *m);
}

const terr_owner *terr_map_find(const terr_map *m, const char *owner) {
    terr_owner key = {.owner = (char *)owner};
    return m->n ? bsearch(&key, m->owners, m->n, sizeof key, cmp_owner) : NULL;
}

/* The union of claims [i, j) restricted to within (one claim: no union). */
static int owner_claims(const terr_claim *c, size_t i, size_t j, const geo_region *within, geo_region **out,
                        tr_err *err) {
    geo_region **parts = calloc(j - i, sizeof *parts);
    if (!parts) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = TR_OK;
    for (size_t k = 0; rc == TR_OK && k < j - i; k++) {
        geo_region *r = NULL;
        rc = geo_region_from_shape(c[i + k].shape, &r, err);
        if (rc == TR_OK && within) {
            rc = geo_region_intersection(r, within, &parts[k], err);
            geo_region_free(r);
        } else {
            parts[k] = r;
        }
    }
    if (rc == TR_OK && j - i == 1) {
        *out = parts[0];
        parts[0] = NULL;
    } else if (rc == TR_OK) {
        rc = geo_region_union(parts, j - i, out, err);
    }
    for (size_t m = 0; m < j - i; m++) geo_region_free(parts[m]);
    free(parts);
    return rc;
}

static bool boxes_meet(geo_box a, geo_box b) {
    return a.minx <= b.maxx && b.minx <= a.maxx && a.miny <= b.maxy && b.miny <= a.maxy;
}

/*
 * controlled[a] = claimed[a] minus the other claims, computed through the overlaps: for
 * every pair whose bounding boxes meet, overlap = claimed[a] n claimed[b] (kept only when
 * it has area); controlled[a] = claimed[a] minus the union of a's overlaps (a copy when
 * there is none: the common case, fronts that meet without overlapping), and contested =
 * the union of all overlaps. Overlaps are thin, so their unions and differences are cheap.
 */
typedef struct overlaps {
    geo_region **piece; /* n x n, upper triangle used: piece[a * n + b] for a < b, or NULL */
    size_t n;
} overlaps;

static geo_region *overlap_at(const overlaps *o, size_t a, size_t b) {
    return a < b ? o->piece[a * o->n + b] : o->piece[b * o->n + a];
}

static int find_overlaps(geo_region *const *claimed, const geo_box *box, size_t n, overlaps *o, tr_err *err) {
    o->n = n;
    o->piece = calloc(n * n + 1, sizeof *o->piece);
    if (!o->piece) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++) {
            if (!boxes_meet(box[a], box[b])) continue;
            geo_region *x = NULL;
            int rc = geo_region_intersection(claimed[a], claimed[b], &x, err);
            if (rc) return rc;
            if (geo_region_area_m2(x) > 0) o->piece[a * n + b] = x;
            else geo_region_free(x); /* touching along a front only */
        }
    return TR_OK;
}

static void overlaps_free(overlaps *o) {
    for (size_t i = 0; o->piece && i < o->n * o->n; i++) geo_region_free(o->piece[i]);
    free(o->piece);
}

/* *whole: nothing overlaps, controlled is all of claimed[a]. */
static int controlled_of(geo_region *const *claimed, const overlaps *ov, size_t a, geo_region **tmp,
                         geo_region **out, bool *whole, tr_err *err) {
    size_t k = 0;
    for (size_t b = 0; b < ov->n; b++)
        if (b != a && overlap_at(ov, a, b)) tmp[k++] = overlap_at(ov, a, b);
    *whole = k == 0;
    if (k == 0) return geo_region_clone(claimed[a], out, err);
    geo_region *lost = NULL;
    int rc = k == 1 ? TR_OK : geo_region_union(tmp, k, &lost, err);
    if (rc == TR_OK) rc = geo_region_difference(claimed[a], lost ? lost : tmp[0], out, err);
    geo_region_free(lost);
    return rc;
}

int terr_map_build(const terr_claim *claims, size_t n, const geo_region *within, terr_map *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    terr_claim *c = n ? malloc(n * sizeof *c) : NULL;
    geo_region **claimed = n ? calloc(n, sizeof *claimed) : NULL; /* per owner */
    geo_region **tmp = n ? calloc(n * n + 1, sizeof *tmp) : NULL;
    geo_box *box = n ? calloc(n, sizeof *box) : NULL;
    overlaps ov = {0};
    out->owners = n ? calloc(n, sizeof *out->owners) : NULL;
    int rc = TR_OK;
    if (n && (!c || !claimed || !tmp || !box || !out->owners)) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK && n) {
        memcpy(c, claims, n * sizeof *c);
        qsort(c, n, sizeof *c, cmp_claim);
    }
    for (size_t i = 0; rc == TR_OK && i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(c[j].owner, c[i].owner) == 0) j++;
        terr_owner *o = &out->owners[out->n];
        o->owner = strdup(c[i].owner);
        rc = o->owner ? owner_claims(c, i, j, within, &claimed[out->n], err)
                      : tr_fail(err, TR_ENOMEM, "", "out of memory");
        if (rc == TR_OK) {
            /* one claim, everywhere: the shape measured itself when it was built */
            o->claimed_m2 = j - i == 1 && !within ? geo_shape_area_m2(c[i].shape) : geo_region_area_m2(claimed[out->n]);
            box[out->n] = geo_region_box(claimed[out->n]);
        }
        out->n++;
        i = j;
    }
    if (rc == TR_OK) rc = find_overlaps(claimed, box, out->n, &ov, err);
    double sum = 0;
    for (size_t a = 0; rc == TR_OK && a < out->n; a++) {
        bool whole = false;
        rc = controlled_of(claimed, &ov, a, tmp, &out->owners[a].controlled, &whole, err);
        if (rc == TR_OK)
            sum += out->owners[a].controlled_m2 =
                whole ? out->owners[a].claimed_m2 : geo_region_area_m2(out->owners[a].controlled);
    }
    size_t k = 0; /* contested: the union of every overlap */
    for (size_t i = 0; rc == TR_OK && i < out->n * out->n; i++)
        if (ov.piece[i]) tmp[k++] = ov.piece[i];
    geo_region *contested = NULL;
    if (rc == TR_OK && k) rc = geo_region_union(tmp, k, &contested, err);
    if (rc == TR_OK) {
        out->contested_m2 = geo_region_area_m2(contested);
        out->claimed_m2 = sum + out->contested_m2;
    }
    geo_region_free(contested);
    overlaps_free(&ov);
    for (size_t a = 0; a < out->n; a++) geo_region_free(claimed[a]);
    TR_FREE(claimed, tmp, box, c);
    if (rc) terr_map_clear(out);
    return rc;
}

/* area(a - b), with b possibly NULL (nothing). */
static int minus_area(const geo_region *a, const geo_region *b, double *m2, tr_err *err) {
    if (!a) {
        *m2 = 0;
        return TR_OK;
    }
    if (!b) {
        *m2 = geo_region_area_m2(a);
        return TR_OK;
    }
    geo_region *d = NULL;
    int rc = geo_region_difference(a, b, &d, err);
    *m2 = rc ? 0 : geo_region_area_m2(d);
    geo_region_free(d);
    return rc;
}

int terr_change(const terr_map *from, const terr_map *to, terr_delta **deltas, size_t *n, double *changed_hands_m2,
                tr_err *err) {
    *deltas = calloc(from->n + to->n + 1, sizeof **deltas);
    *n = 0;
    *changed_hands_m2 = 0;
    geo_region **parts = calloc(to->n + 1, sizeof *parts), *all_to = NULL; /* everything controlled at `to` */
    int rc = *deltas && parts ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t k = 0; rc == TR_OK && k < to->n; k++) parts[k] = to->owners[k].controlled;
    if (rc == TR_OK) rc = geo_region_union(parts, to->n, &all_to, err);
    free(parts);
    size_t i = 0, j = 0;
    while (rc == TR_OK && (i < from->n || j < to->n)) {
        int c = i == from->n ? 1 : j == to->n ? -1 : strcmp(from->owners[i].owner, to->owners[j].owner);
        const terr_owner *f = c <= 0 ? &from->owners[i++] : NULL, *t = c >= 0 ? &to->owners[j++] : NULL;
        terr_delta *d = &(*deltas)[(*n)++];
        d->owner = f ? f->owner : t->owner;
        d->from_m2 = f ? f->controlled_m2 : 0;
        d->to_m2 = t ? t->controlled_m2 : 0;
        rc = minus_area(t ? t->controlled : NULL, f ? f->controlled : NULL, &d->gained_m2, err);
        if (rc == TR_OK) rc = minus_area(f ? f->controlled : NULL, t ? t->controlled : NULL, &d->lost_m2, err);
        if (rc == TR_OK && f) {
            /* held by f at `from`, by someone else at `to` */
            geo_region *elsewhere = NULL, *moved = NULL;
            rc = t ? geo_region_difference(all_to, t->controlled, &elsewhere, err) : TR_OK;
            if (rc == TR_OK) rc = geo_region_intersection(f->controlled, elsewhere ? elsewhere : all_to, &moved, err);
            if (rc == TR_OK) *changed_hands_m2 += geo_region_area_m2(moved);
            geo_region_free(elsewhere);
            geo_region_free(moved);
        }
    }
    geo_region_free(all_to);
    if (rc) {
        free(*deltas);
        *deltas = NULL;
        *n = 0;
    }
    return rc;
}
