/*
 * centre_dc_list.c — pages of GET /v1/sites and GET /v1/movements.
 *
 * Two sources of candidates, one rule for what is kept:
 *  - without bbox, the store's rows in id order (kind and time filtered in SQL);
 *  - with bbox, the deconfliction engine: the box as a polygon volume (at=T: the window
 *    [T, T+1), else all time) queried against the kind's stored volumes with no
 *    separation, so a footprint is kept when it meets the box exactly (the same test as
 *    conflicts); then each hit's row is read.
 * Either way a row is kept only when the viewer may read it exactly as
 * GET /v1/sites/{id} (GET /v1/movements/{id}) decides; anything else is simply absent.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_checkpoint.h"
#include "service/centre_dc.h"
#include "service/centre_int.h"

#define PAGE_FULL (-1) /* a callback's code: one more visible row than the page holds was found */

typedef struct page {
    centre *c;
    const centre_dc_filter *f;
    json_t *features;
    int n;
    int64_t last;
    bool more;
    tr_err *err;
} page;

/* Adds a visible row's Feature, or notes that the page is full. */
static int page_add(page *pg, int64_t id, json_t *feature) {
    if (pg->n == pg->f->limit) {
        json_decref(feature);
        pg->more = true;
        return PAGE_FULL;
    }
    if (!feature || json_array_append_new(pg->features, feature))
        return tr_fail(pg->err, TR_ENOMEM, "", "out of memory");
    pg->n++;
    pg->last = id;
    return TR_OK;
}

static int site_row(tr_site *s, void *ctx) {
    page *pg = ctx;
    bool visible;
    int rc = centre_site_visible(pg->c, s, pg->f->viewer, &visible, pg->err);
    if (rc || !visible) return rc; /* as GET /v1/sites/{id}: absent */
    json_t *feature = tr_site_to_feature(s);
    rc = feature ? centre_dc_privacy_view(pg->c, "site", s->id, &s->vis, feature, pg->err) : TR_ENOMEM;
    if (rc) {
        json_decref(feature);
        return rc == TR_ENOMEM ? tr_fail(pg->err, TR_ENOMEM, "", "out of memory") : rc;
    }
    return page_add(pg, s->id, feature);
}

static int movement_row(tr_movement *m, void *ctx) {
    page *pg = ctx;
    bool visible;
    int rc = centre_movement_visible(pg->c, m, pg->f->viewer, &visible, pg->err);
    if (rc || !visible) return rc; /* as GET /v1/movements/{id} */
    json_t *feature = tr_movement_to_feature(m);
    if (!feature) return tr_fail(pg->err, TR_ENOMEM, "", "out of memory");
    if ((rc = centre_movement_view(pg->c, m, feature, pg->err)) ||
        (rc = centre_movement_checkpoints(pg->c, m, pg->f->viewer, feature, pg->err))) {
        json_decref(feature);
        return rc;
    }
    return page_add(pg, m->id, feature);
}

/* The bbox as one ring: the bottom edge left to right, the top edge back, both cut into
 * pieces of at most 90 degrees (the engine refuses edges over 180). A box of zero width
 * or height is a degenerate ring the engine's exact tests still decide right. */
#define RING_MAX (2 * (4 + 1))
static size_t bbox_ring(const geo_box *b, double xy[2 * RING_MAX]) {
    size_t k = (size_t)ceil((b->maxx - b->minx) / 90.0), n = 0;
    if (k < 1) k = 1;
    for (size_t i = 0; i <= k; i++, n++) {
        xy[2 * n] = i == k ? b->maxx : b->minx + (b->maxx - b->minx) * (double)i / (double)k;
        xy[2 * n + 1] = b->miny;
    }
    for (size_t i = 0; i <= k; i++, n++) {
        xy[2 * n] = i == k ? b->minx : b->maxx - (b->maxx - b->minx) * (double)i / (double)k;
        xy[2 * n + 1] = b->maxy;
    }
    return n;
}

/* The ids (> after, ascending, each once) of kind's objects whose footprint meets the box. */
static int bbox_ids(centre *c, const centre_dc_filter *f, uint32_t kind, int64_t **ids, size_t *n,
                    tr_err *err) {
    double xy[2 * RING_MAX];
    dc_volume q = {.t_start = f->has_at ? f->at : TR_TIME_MIN,
                   .t_end = f->has_at ? f->at + 1 : TR_TIME_OPEN,
                   .alt_lo = -INFINITY,
                   .alt_hi = INFINITY};
    q.foot = (dc_footprint){.shape = DC_POLYGON, .xy = xy, .npos = bbox_ring(&f->bbox, xy)};
    dc_query dq = {.vol = &q, .kinds = 1u << kind};
    dc_result r = {0};
    int rc = dc_engine_query(c->dc, &dq, &r, err);
    *ids = NULL;
    *n = 0;
    if (rc == TR_OK && r.n && !(*ids = malloc(r.n * sizeof **ids)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == TR_OK && i < r.n; i++) {
        int64_t id = CENTRE_DC_OBJ(r.hits[i].id); /* hits are sorted by engine id, so by object id */
        if (id > f->after && (*n == 0 || (*ids)[*n - 1] != id)) (*ids)[(*n)++] = id;
    }
    dc_result_free(&r);
    return rc;
}

static bool time_ok(const centre_dc_filter *f, int64_t from, int64_t to) {
    return !f->has_at || (from <= f->at && f->at < to);
}

static bool kind_ok(const centre_dc_filter *f, const char *kind) {
    return !f->kind || strcmp(f->kind, kind) == 0;
}

static int finish(page *pg, int rc, int64_t *next) {
    *next = pg->more ? pg->last : 0;
    return rc == PAGE_FULL ? TR_OK : rc;
}

int centre_site_list(centre *c, const centre_dc_filter *f, json_t *features, int64_t *next, tr_err *err) {
    page pg = {c, f, features, 0, 0, false, err};
    if (!f->has_bbox) {
        store_dc_scan sc = {f->after, f->kind, f->has_at, f->at};
        return finish(&pg, store_site_scan(c->store, &sc, site_row, &pg, err), next);
    }
    int64_t *ids;
    size_t n;
    int rc = bbox_ids(c, f, CENTRE_DC_SITE, &ids, &n, err);
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        tr_site s;
        rc = store_site_get(c->store, ids[i], &s, err);
        if (rc == TR_OK && kind_ok(f, s.kind) && time_ok(f, s.valid_from, s.valid_to)) rc = site_row(&s, &pg);
        tr_site_clear(&s);
    }
    free(ids);
    return finish(&pg, rc, next);
}

int centre_movement_list(centre *c, const centre_dc_filter *f, json_t *features, int64_t *next, tr_err *err) {
    page pg = {c, f, features, 0, 0, false, err};
    if (!f->has_bbox) {
        store_dc_scan sc = {f->after, f->kind, f->has_at, f->at};
        return finish(&pg, store_movement_scan(c->store, &sc, movement_row, &pg, err), next);
    }
    int64_t *ids;
    size_t n;
    int rc = bbox_ids(c, f, CENTRE_DC_MOVEMENT, &ids, &n, err);
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        tr_movement m;
        rc = store_movement_get(c->store, ids[i], &m, err);
        if (rc == TR_OK && kind_ok(f, m.kind) && time_ok(f, m.time_start, m.time_end))
            rc = movement_row(&m, &pg);
        tr_movement_clear(&m);
    }
    free(ids);
    return finish(&pg, rc, next);
}
