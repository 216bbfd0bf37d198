/*
 * separation.c — commingled ground between an agreement's parties and the actors it
 * excludes (see separation.h): unions and intersections of geo regions, measured
 * geodesically with the measure territory uses.
 *
 * The designated areas fall into *groups*: areas whose bounding boxes chain together
 * (a group of one is an area that meets no other). Ground of different groups never
 * overlaps, so every sum over groups is exact: a party's commingled ground is the sum,
 * over the groups its box meets, of its claims ∩ the group's union; the designated
 * union is the sum of the groups' unions; the total over parties is the sum per group
 * of the union of the parties' pieces in it. An area alone needs no union, and its
 * piece is its breakdown; a piece no other party's piece overlaps (neighbours on a
 * front line only touch) needs no union either. Shapes are measured once, when made
 * (geo_shape_area_m2), unless restricted to `within`.
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

/* The box of r into *b; false (and *b untouched) when r is empty. */
static bool box_of(const geo_region *r, geo_box *b) {
    if (geo_region_is_empty(r)) return false;
    *b = geo_region_box(r);
    return true;
}

/* The area of a ∩ b (0 when their boxes do not meet). */
static int overlap_m2(const geo_region *a, const geo_region *b, double *m2, tr_err *err) {
    geo_box ba, bb;
    *m2 = 0;
    if (!box_of(a, &ba) || !box_of(b, &bb) || !boxes_meet(ba, bb)) return TR_OK;
    geo_region *x = NULL;
    int rc = geo_region_intersection(a, b, &x, err);
    if (rc == TR_OK) *m2 = geo_region_area_m2(x);
    geo_region_free(x);
    return rc;
}

/* A group of designated areas: its members, their union, its box. */
typedef struct group {
    size_t *member; /* indexes of the designated areas */
    size_t n;
    geo_region *own; /* the union when n > 1 (else NULL: the area itself) */
    const geo_region *region;
    geo_box box;
    bool filled; /* not empty (else it meets nothing) */
} group;

typedef struct work {
    geo_region **area; /* per designated area (restricted) */
    geo_box *abox;
    bool *filled;    /* per designated area: not empty */
    group *group;    /* per group */
    size_t *of;      /* per designated area: its group */
    size_t *members; /* storage for the groups' member lists */
    size_t ngroups;
    geo_region **piece; /* nparties x ngroups: the party's claims ∩ the group (NULL: none) */
    double *piece_m2;
    geo_box *piece_box;
    size_t nareas, nparties;
} work;

static void work_free(work *w) {
    for (size_t i = 0; w->area && i < w->nareas; i++)
        geo_region_free(w->area[i]);
    for (size_t g = 0; w->group && g < w->ngroups; g++)
        geo_region_free(w->group[g].own);
    for (size_t i = 0; w->piece && i < w->nparties * w->ngroups; i++)
        geo_region_free(w->piece[i]);
    free(w->area), free(w->abox), free(w->filled), free(w->group), free(w->of), free(w->members);
    free(w->piece), free(w->piece_m2), free(w->piece_box);
}

static size_t root_of(size_t *up, size_t i) {
    while (up[i] != i)
        i = up[i] = up[up[i]];
    return i;
}

/* Groups the designated areas whose boxes chain together (w->of, w->group members). */
static void group_areas(work *w) {
    size_t n = w->nareas, *up = w->of;
    for (size_t i = 0; i < n; i++)
        up[i] = i;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; w->filled[i] && j < n; j++)
            if (w->filled[j] && boxes_meet(w->abox[i], w->abox[j])) up[root_of(up, j)] = root_of(up, i);
    size_t *gid = w->members + n; /* scratch: group of each root */
    for (size_t i = 0; i < n; i++)
        if (root_of(up, i) == i) gid[i] = w->ngroups++;
    for (size_t i = 0; i < n; i++)
        w->group[gid[root_of(up, i)]].n++;
    for (size_t g = 0, at = 0; g < w->ngroups; g++) {
        w->group[g].member = w->members + at;
        at += w->group[g].n;
        w->group[g].n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        group *g = &w->group[gid[root_of(up, i)]];
        g->member[g->n++] = i;
    }
    for (size_t i = 0; i < n; i++)
        w->of[i] = gid[root_of(up, i)];
}

/* The group's union and its area (an area alone: itself, measured already). */
static int group_union(work *w, group *g, const sep_result *out, double *m2, tr_err *err) {
    if (g->n == 1) {
        g->region = w->area[g->member[0]];
        *m2 = out->area_m2[g->member[0]];
    } else {
        geo_region **parts = calloc(g->n, sizeof *parts);
        if (!parts) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        for (size_t k = 0; k < g->n; k++)
            parts[k] = w->area[g->member[k]];
        int rc = geo_region_union(parts, g->n, &g->own, err);
        free(parts);
        if (rc) return rc;
        g->region = g->own;
        *m2 = geo_region_area_m2(g->own);
    }
    g->filled = box_of(g->region, &g->box);
    return TR_OK;
}

static int designated_regions(const sep_area *d, size_t nd, const geo_region *within, work *w,
                              sep_result *out, tr_err *err) {
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < nd; i++) {
        rc = region_of(d[i].shape, within, &w->area[i], err);
        if (rc) break;
        out->area_m2[i] = within ? geo_region_area_m2(w->area[i]) : geo_shape_area_m2(d[i].shape);
        w->filled[i] = box_of(w->area[i], &w->abox[i]);
    }
    if (rc) return rc;
    group_areas(w);
    for (size_t g = 0; rc == TR_OK && g < w->ngroups; g++) {
        double m2 = 0;
        rc = group_union(w, &w->group[g], out, &m2, err);
        out->designated_m2 += m2;
    }
    return rc;
}

/* Party p's ground in group g: the piece, its area and its breakdown per area. */
static int party_in_group(work *w, size_t p, size_t g, const geo_region *claims, sep_party *out,
                          tr_err *err) {
    const group *gr = &w->group[g];
    size_t at = p * w->ngroups + g;
    int rc = geo_region_intersection(claims, gr->region, &w->piece[at], err);
    if (rc) return rc;
    double m2 = geo_region_area_m2(w->piece[at]);
    if (!(m2 > 0)) {
        geo_region_free(w->piece[at]);
        w->piece[at] = NULL;
        return TR_OK;
    }
    w->piece_m2[at] = m2;
    w->piece_box[at] = geo_region_box(w->piece[at]);
    out->commingled_m2 += m2;
    if (gr->n == 1) {
        out->by_area[gr->member[0]] = m2;
        return TR_OK;
    }
    for (size_t k = 0; rc == TR_OK && k < gr->n; k++)
        rc = overlap_m2(w->piece[at], w->area[gr->member[k]], &out->by_area[gr->member[k]], err);
    return rc;
}

/* Party p of the sorted claims [i, j): its union, and what of it is commingled. */
static int party_measure(const terr_claim *c, size_t i, size_t j, const geo_region *within, work *w, size_t p,
                         sep_party *out, tr_err *err) {
    const geo_shape **shapes = calloc(j - i + 1, sizeof *shapes);
    if (!shapes) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t k = i; k < j; k++)
        shapes[k - i] = c[k].shape;
    geo_region *claims = NULL;
    int rc = union_of(shapes, j - i, within, &claims, err);
    free(shapes);
    out->party = strdup(c[i].owner);
    out->by_area = calloc(w->nareas + 1, sizeof *out->by_area);
    if (rc == TR_OK && (!out->party || !out->by_area)) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        out->claimed_m2 = j - i == 1 && !within ? geo_shape_area_m2(c[i].shape) : geo_region_area_m2(claims);
        geo_box box;
        bool filled = box_of(claims, &box);
        for (size_t g = 0; rc == TR_OK && filled && g < w->ngroups; g++)
            if (w->group[g].filled && boxes_meet(box, w->group[g].box))
                rc = party_in_group(w, p, g, claims, out, err);
    }
    geo_region_free(claims);
    return rc;
}

/* Whether any two of the n pieces overlap (more than touch). */
static int pieces_overlap(work *w, const size_t *at, size_t n, bool *yes, tr_err *err) {
    *yes = false;
    int rc = TR_OK;
    for (size_t a = 0; rc == TR_OK && !*yes && a < n; a++)
        for (size_t b = a + 1; rc == TR_OK && !*yes && b < n; b++) {
            double m2 = 0;
            if (!boxes_meet(w->piece_box[at[a]], w->piece_box[at[b]])) continue;
            rc = overlap_m2(w->piece[at[a]], w->piece[at[b]], &m2, err);
            *yes = m2 > 0;
        }
    return rc;
}

/* The union over the parties of their pieces in group g, in m². */
static int group_total(work *w, size_t g, double *m2, tr_err *err) {
    size_t *at = calloc(w->nparties + 1, sizeof *at), n = 0;
    geo_region **parts = calloc(w->nparties + 1, sizeof *parts);
    int rc = at && parts ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t p = 0; rc == TR_OK && p < w->nparties; p++)
        if (w->piece[p * w->ngroups + g]) at[n++] = p * w->ngroups + g;
    bool overlap = false;
    if (rc == TR_OK && n > 1) rc = pieces_overlap(w, at, n, &overlap, err);
    *m2 = 0;
    for (size_t k = 0; rc == TR_OK && !overlap && k < n; k++)
        *m2 += w->piece_m2[at[k]];
    if (rc == TR_OK && overlap) {
        geo_region *all = NULL;
        for (size_t k = 0; k < n; k++)
            parts[k] = w->piece[at[k]];
        rc = geo_region_union(parts, n, &all, err);
        if (rc == TR_OK) *m2 = geo_region_area_m2(all);
        geo_region_free(all);
    }
    free(at);
    free(parts);
    return rc;
}

static int work_alloc(work *w, size_t n, size_t nd, sep_result *out, tr_err *err) {
    w->nareas = nd;
    w->area = calloc(nd + 1, sizeof *w->area);
    w->abox = calloc(nd + 1, sizeof *w->abox);
    w->filled = calloc(nd + 1, sizeof *w->filled);
    w->group = calloc(nd + 1, sizeof *w->group);
    w->of = calloc(nd + 1, sizeof *w->of);
    w->members = calloc(2 * nd + 1, sizeof *w->members);
    w->piece = calloc(n * nd + 1, sizeof *w->piece);
    w->piece_m2 = calloc(n * nd + 1, sizeof *w->piece_m2);
    w->piece_box = calloc(n * nd + 1, sizeof *w->piece_box);
    out->area_m2 = calloc(nd + 1, sizeof *out->area_m2);
    out->parties = calloc(n + 1, sizeof *out->parties);
    out->nareas = nd;
    bool ok = w->area && w->abox && w->filled && w->group && w->of && w->members && w->piece && w->piece_m2 &&
              w->piece_box && out->area_m2 && out->parties;
    return ok ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

int sep_measure(const terr_claim *claims, size_t n, const sep_area *designated, size_t nd,
                const geo_region *within, sep_result *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    work w = {0};
    terr_claim *c = malloc((n + 1) * sizeof *c);
    int rc = c ? work_alloc(&w, n, nd, out, err) : tr_fail(err, TR_ENOMEM, "", "out of memory");
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
    for (size_t g = 0; rc == TR_OK && g < w.ngroups; g++) {
        double m2 = 0;
        rc = group_total(&w, g, &m2, err);
        out->commingled_m2 += m2;
    }
    work_free(&w);
    free(c);
    if (rc) sep_result_clear(out);
    return rc;
}
