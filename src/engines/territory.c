/*
 * territory.c — control maps and their change (see territory.h). Per owner: the union of
 * its claims; controlled = that minus the union of every other owner's claims. P owners
 * cost P unions of the others (P is a handful of parties).
 */
#include "engines/territory.h"

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
    geo_region_free(m->all_controlled);
    memset(m, 0, sizeof *m);
}

const terr_owner *terr_map_find(const terr_map *m, const char *owner) {
    terr_owner key = {.owner = (char *)owner};
    return m->n ? bsearch(&key, m->owners, m->n, sizeof key, cmp_owner) : NULL;
}

/* The union of claims [i, j) restricted to within. */
static int owner_claims(const terr_claim *c, size_t i, size_t j, const geo_region *within, geo_region **out,
                        tr_err *err) {
    geo_region **parts = calloc(j - i, sizeof *parts);
    if (!parts) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = TR_OK;
    size_t k = 0;
    for (; rc == TR_OK && k < j - i; k++) {
        geo_region *r = NULL;
        rc = geo_region_from_shape(c[i + k].shape, &r, err);
        if (rc == TR_OK && within) {
            rc = geo_region_intersection(r, within, &parts[k], err);
            geo_region_free(r);
        } else {
            parts[k] = r;
        }
    }
    if (rc == TR_OK) rc = geo_region_union(parts, j - i, out, err);
    for (size_t m = 0; m < j - i; m++) geo_region_free(parts[m]);
    free(parts);
    return rc;
}

int terr_map_build(const terr_claim *claims, size_t n, const geo_region *within, terr_map *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    terr_claim *c = n ? malloc(n * sizeof *c) : NULL;
    geo_region **claimed = n ? calloc(n, sizeof *claimed) : NULL; /* per owner */
    out->owners = n ? calloc(n, sizeof *out->owners) : NULL;
    if (n && (!c || !claimed || !out->owners)) {
        free(c);
        free(claimed);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (n) memcpy(c, claims, n * sizeof *c);
    if (n) qsort(c, n, sizeof *c, cmp_claim);
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < n;) {
        size_t j = i + 1;
        while (j < n && strcmp(c[j].owner, c[i].owner) == 0) j++;
        terr_owner *o = &out->owners[out->n];
        o->owner = strdup(c[i].owner);
        rc = o->owner ? owner_claims(c, i, j, within, &claimed[out->n], err)
                      : tr_fail(err, TR_ENOMEM, "", "out of memory");
        if (rc == TR_OK) o->claimed_m2 = geo_region_area_m2(claimed[out->n]);
        out->n++;
        i = j;
    }
    /* controlled = own claims minus everyone else's */
    geo_region **others = out->n ? calloc(out->n, sizeof *others) : NULL;
    if (out->n && !others && rc == TR_OK) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t a = 0; rc == TR_OK && a < out->n; a++) {
        size_t k = 0;
        for (size_t b = 0; b < out->n; b++)
            if (b != a) others[k++] = claimed[b];
        geo_region *rest = NULL;
        rc = geo_region_union(others, k, &rest, err);
        if (rc == TR_OK) rc = geo_region_difference(claimed[a], rest, &out->owners[a].controlled, err);
        if (rc == TR_OK) out->owners[a].controlled_m2 = geo_region_area_m2(out->owners[a].controlled);
        geo_region_free(rest);
    }
    geo_region *all = NULL;
    if (rc == TR_OK) rc = geo_region_union(claimed, out->n, &all, err);
    if (rc == TR_OK) {
        out->claimed_m2 = geo_region_area_m2(all);
        for (size_t a = 0; a < out->n; a++) others[a] = out->owners[a].controlled;
        rc = geo_region_union(others, out->n, &out->all_controlled, err);
    }
    if (rc == TR_OK) {
        double sum = 0;
        for (size_t a = 0; a < out->n; a++) sum += out->owners[a].controlled_m2;
        out->contested_m2 = out->claimed_m2 > sum ? out->claimed_m2 - sum : 0;
    }
    geo_region_free(all);
    for (size_t a = 0; a < out->n; a++) geo_region_free(claimed[a]);
    free(claimed);
    free(others);
    free(c);
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
    if (!*deltas) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t i = 0, j = 0;
    int rc = TR_OK;
    while (rc == TR_OK && (i < from->n || j < to->n)) {
        int c = i == from->n ? 1 : j == to->n ? -1 : strcmp(from->owners[i].owner, to->owners[j].owner);
        const terr_owner *f = c <= 0 ? &from->owners[i++] : NULL, *t = c >= 0 ? &to->owners[j++] : NULL;
        terr_delta *d = &(*deltas)[(*n)++];
        d->owner = f ? f->owner : t->owner;
        d->from_m2 = f ? f->controlled_m2 : 0;
        d->to_m2 = t ? t->controlled_m2 : 0;
        rc = minus_area(t ? t->controlled : NULL, f ? f->controlled : NULL, &d->gained_m2, err);
        if (rc == TR_OK) rc = minus_area(f ? f->controlled : NULL, t ? t->controlled : NULL, &d->lost_m2, err);
        if (rc == TR_OK && f && to->all_controlled) {
            /* held by f at `from`, by someone else at `to` */
            geo_region *elsewhere = NULL, *moved = NULL;
            rc = t ? geo_region_difference(to->all_controlled, t->controlled, &elsewhere, err) : TR_OK;
            if (rc == TR_OK)
                rc = geo_region_intersection(f->controlled, elsewhere ? elsewhere : to->all_controlled, &moved, err);
            if (rc == TR_OK) *changed_hands_m2 += geo_region_area_m2(moved);
            geo_region_free(elsewhere);
            geo_region_free(moved);
        }
    }
    if (rc) {
        free(*deltas);
        *deltas = NULL;
        *n = 0;
    }
    return rc;
}
