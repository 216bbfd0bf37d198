/*
 * centre_checkpoint.c — checkpoints (issue 12, item 5; centre_checkpoint.h): manned
 * crossing points on convoy routes, and their part in a movement.
 *
 * A checkpoint follows the write path of every kind (NOTES.md): parsed outside the lock,
 * stored and logged (checkpoint.create) in one transaction. It is not in an engine: lists
 * and movements find checkpoints by their point in the store.
 *
 * A movement passes the checkpoints whose point lies within its route's width when it is
 * notified. Only those that every party able to read the movement may see take part
 * (so a restricted checkpoint never shows in, or changes, what another party reads of a
 * movement: not its list, not its clearance, not a count): for a public movement the
 * public checkpoints; for a restricted one those visible to its owner, to every party on
 * its list, to the parties whose control areas it crosses and to the controlling parties
 * of the other checkpoints taking part. Each taking part is linked (movement_checkpoint,
 * logged as movement.checkpoints), and its controlling party, unless it is the owner or
 * no longer a party of the centre, gets the movement's clearance notice: the movement is
 * cleared when it has acknowledged (docs/deconfliction.md §10, §14).
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_checkpoint.h"
#include "service/centre_int.h"

/* ---- the objects the log commits to ---- */

json_t *centre_object_checkpoint(const tr_checkpoint *k) {
    return tr_checkpoint_to_feature(k);
}

void centre_ref_movement_checkpoints(int64_t movement_id, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "movement/%lld/checkpoints", (long long)movement_id);
}

json_t *centre_object_movement_checkpoints(int64_t movement_id, const json_t *ids) {
    return json_pack("{s:I, s:O}", "movement", (json_int_t)movement_id, "checkpoints", ids);
}

/* ---- writing ---- */

/* controlled_by: the submitter's own, unless admin or monitor records another party's. */
static int check_controller(centre *c, const tr_party *by, tr_checkpoint *k, tr_err *err) {
    if (!k->party && !(k->party = strdup(by->name))) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (strcmp(k->party, by->name) != 0 && !tr_party_is_privileged(by))
        return tr_fail(err, TR_EFORBIDDEN, "properties.controlled_by",
                       "a party records its own checkpoints: only admin or monitor records another party's");
    tr_party p;
    int rc = store_party_get(c->store, k->party, &p, err);
    if (rc == TR_ENOTFOUND)
        return tr_fail(err, TR_EINVAL, "properties.controlled_by", "'%.64s' is not a party of the centre",
                       k->party);
    return rc;
}

static int create_tx(centre *c, const tr_party *by, tr_checkpoint *k, json_t **out, tr_err *err) {
    int rc = centre__check_vis(c, &k->vis, "properties.visibility", err);
    if (rc == TR_OK) rc = check_controller(c, by, k, err);
    if (rc) return rc;
    k->created_at = tr_time_now();
    if (!(k->owner = strdup(by->name))) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if ((rc = store_checkpoint_insert(c->store, k, err))) return rc;
    json_t *obj = centre_object_checkpoint(k), *answer = tr_checkpoint_to_feature(k);
    char ref[CENTRE_REF_MAX];
    centre_ref(TR_KIND_CHECKPOINT, k->id, ref);
    rc = obj && answer ? centre__log_at(c, k->created_at, by->name, by->sig, TR_ENTRY(CHECKPOINT_CREATE), ref,
                                        obj, answer, err)
                       : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    if (rc == TR_OK)
        *out = answer;
    else
        json_decref(answer);
    return rc;
}

int centre_checkpoint_create(centre *c, const tr_party *by, const json_t *feature, json_t **out,
                             tr_err *err) {
    tr_checkpoint k;
    int rc = tr_checkpoint_parse(feature, &k, err);
    if (rc) return rc;
    centre_pending p = {0};
    json_t *answer = NULL;
    if ((rc = store_begin(c->store, err)) == TR_OK)
        rc = centre__finish(c, &p, create_tx(c, by, &k, &answer, err), &answer, err);
    if (rc == TR_OK) *out = answer;
    tr_checkpoint_clear(&k);
    return rc;
}

/* ---- reading ---- */

/* *out: k's Feature when viewer may see it, else NULL. */
static int feature_for(centre *c, const tr_checkpoint *k, const tr_party *viewer, json_t **out, tr_err *err) {
    bool yes = false;
    *out = NULL;
    int rc = centre_checkpoint_visible(c, k, viewer, &yes, err);
    if (rc == TR_OK && yes && !(*out = tr_checkpoint_to_feature(k)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    return rc;
}

int centre_checkpoint_get(centre *c, const tr_party *viewer, int64_t id, json_t **out, tr_err *err) {
    tr_checkpoint k;
    int rc = store_checkpoint_get(c->store, id, &k, err);
    if (rc) return rc;
    rc = feature_for(c, &k, viewer, out, err);
    if (rc == TR_OK && !*out) /* hidden: exactly as if it did not exist */
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no checkpoint %lld", (long long)id);
    tr_checkpoint_clear(&k);
    return rc;
}

#define PAGE_FULL (-1) /* one more visible row than the page holds was found */

typedef struct page {
    centre *c;
    const tr_party *viewer;
    json_t *features;
    int n, limit;
    int64_t last;
    tr_err *err;
} page;

static int page_row(tr_checkpoint *k, void *ctx) {
    page *pg = ctx;
    json_t *f;
    int rc = feature_for(pg->c, k, pg->viewer, &f, pg->err);
    if (rc || !f) return rc; /* hidden: simply absent */
    if (pg->n == pg->limit) {
        json_decref(f);
        return PAGE_FULL;
    }
    if (json_array_append_new(pg->features, f)) return tr_fail(pg->err, TR_ENOMEM, "", "out of memory");
    pg->n++;
    pg->last = k->id;
    return TR_OK;
}

int centre_checkpoint_list(centre *c, const tr_party *viewer, const store_checkpoint_filter *f, int limit,
                           json_t *features, int64_t *next, tr_err *err) {
    page pg = {c, viewer, features, 0, limit, 0, err};
    int rc = store_checkpoint_scan(c->store, f, page_row, &pg, err);
    *next = rc == PAGE_FULL ? pg.last : 0;
    return rc == PAGE_FULL ? TR_OK : rc;
}

/* ---- a movement's checkpoints ---- */

typedef struct on_route {
    const geo_shape *shape;
    tr_checkpoint *ks; /* the checkpoints within the route's width, by id */
    bool *keep;
    size_t n, cap;
} on_route;

static int collect(tr_checkpoint *k, void *ctx) {
    on_route *r = ctx;
    if (!geo_shape_covers(r->shape, k->lon, k->lat)) return TR_OK;
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        tr_checkpoint *ks = realloc(r->ks, cap * sizeof *ks);
        if (!ks) return TR_ENOMEM;
        r->ks = ks;
        r->cap = cap;
    }
    r->ks[r->n++] = *k;
    memset(k, 0, sizeof *k); /* taken */
    return TR_OK;
}

static bool seen_by_all(const tr_checkpoint *k, const json_t *readers) {
    size_t i;
    json_t *x;
    json_array_foreach(readers, i, x) {
        if (!tr_checkpoint_allows_name(k, json_string_value(x))) return false;
    }
    return true;
}

/* Keeps in r the checkpoints every reader of m may see (see the top of this file);
 * readers: m's owner, its list and the parties of the areas it crosses. */
static void keep_seen(const tr_movement *m, on_route *r, json_t *readers) {
    for (size_t i = 0; i < r->n; i++)
        r->keep[i] = m->vis.is_public ? r->ks[i].vis.is_public : true;
    if (m->vis.is_public) return;
    for (bool changed = true; changed;) {
        json_t *all = json_copy(readers);
        for (size_t i = 0; i < r->n; i++)
            if (r->keep[i]) json_array_append_new(all, json_string(r->ks[i].party));
        changed = false;
        for (size_t i = 0; i < r->n; i++)
            if (r->keep[i] && !seen_by_all(&r->ks[i], all)) {
                r->keep[i] = false;
                changed = true;
            }
        json_decref(all);
    }
}

static bool listed(const json_t *names, const char *name) {
    size_t i;
    json_t *x;
    json_array_foreach(names, i, x) {
        if (strcmp(json_string_value(x), name) == 0) return true;
    }
    return false;
}

/* Links, logs and adds to clearance the checkpoints r keeps. */
static int take_part(centre *c, const tr_movement *m, const on_route *r, json_t *clearance, tr_err *err) {
    json_t *ids = json_array();
    int rc = ids ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == TR_OK && i < r->n; i++) {
        const tr_checkpoint *k = &r->ks[i];
        tr_party p;
        if (!r->keep[i]) continue;
        rc = store_checkpoint_link(c->store, m->id, k->id, err);
        if (rc == TR_OK && json_array_append_new(ids, json_integer(k->id)))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
        if (rc || strcmp(k->party, m->owner) == 0 || listed(clearance, k->party)) continue;
        int found = store_party_get(c->store, k->party, &p, err); /* a party of the centre, not revoked */
        if (found && found != TR_ENOTFOUND) rc = found;
        else if (found == TR_OK && json_array_append_new(clearance, json_string(k->party)))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (rc == TR_OK && json_array_size(ids)) {
        char ref[CENTRE_REF_MAX];
        centre_ref_movement_checkpoints(m->id, ref);
        json_t *obj = centre_object_movement_checkpoints(m->id, ids);
        rc = obj ? centre__log_at(c, m->created_at, CENTRE_SELF, NULL, TR_ENTRY(MOVEMENT_CHECKPOINTS), ref,
                                  obj, NULL, err)
                 : tr_fail(err, TR_ENOMEM, "", "out of memory");
        json_decref(obj);
    }
    json_decref(ids);
    return rc;
}

int centre__movement_checkpoints_tx(centre *c, const tr_movement *m, json_t *clearance, tr_err *err) {
    geo_shape *shape = NULL;
    int rc = centre__movement_shape(c, m, &shape, err);
    if (rc) return rc;
    on_route r = {.shape = shape};
    store_checkpoint_filter f = {.has_bbox = true, .bbox = geo_shape_box(shape)};
    rc = store_checkpoint_scan(c->store, &f, collect, &r, err);
    if (rc == TR_ENOMEM) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_t *readers = json_pack("[s]", m->owner);
    if (rc == TR_OK && (!readers || (r.n && !(r.keep = calloc(r.n, sizeof *r.keep)))))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == TR_OK && i < m->vis.nparties; i++)
        json_array_append_new(readers, json_string(m->vis.parties[i]));
    if (rc == TR_OK) json_array_extend(readers, clearance); /* the parties of the crossed areas */
    if (rc == TR_OK) keep_seen(m, &r, readers);
    if (rc == TR_OK) rc = take_part(c, m, &r, clearance, err);
    json_decref(readers);
    for (size_t i = 0; i < r.n; i++)
        tr_checkpoint_clear(&r.ks[i]);
    free(r.ks);
    free(r.keep);
    geo_shape_free(shape);
    return rc;
}

typedef struct view {
    centre *c;
    const tr_party *viewer;
    json_t *features;
    tr_err *err;
} view;

static int view_link(int64_t movement_id, int64_t checkpoint_id, void *ctx) {
    (void)movement_id;
    view *v = ctx;
    tr_checkpoint k;
    json_t *f = NULL;
    int rc = store_checkpoint_get(v->c->store, checkpoint_id, &k, v->err);
    if (rc == TR_OK) rc = feature_for(v->c, &k, v->viewer, &f, v->err);
    if (rc == TR_OK && f && json_array_append_new(v->features, f))
        rc = tr_fail(v->err, TR_ENOMEM, "", "out of memory");
    tr_checkpoint_clear(&k);
    return rc;
}

int centre_movement_checkpoints(centre *c, const tr_movement *m, const tr_party *viewer, json_t *feature,
                                tr_err *err) {
    view v = {c, viewer, json_array(), err};
    if (!v.features) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = store_checkpoint_links(c->store, m->id, view_link, &v, err);
    if (rc == TR_OK) json_object_set(json_object_get(feature, "properties"), "checkpoints", v.features);
    json_decref(v.features);
    return rc;
}
