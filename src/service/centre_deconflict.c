/*
 * centre_deconflict.c — sites and operations (issue 4): the write path of centre_write.c
 * plus the deconfliction engine. Lock order, everywhere: the store transaction
 * (store_begin, the store's writer lock) first, then c->dc's write lock, held until the
 * committed values are in the engine. So a check and the insert it allows are one
 * critical section, and a site committed just before an operation is seen by it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "service/centre_dc.h"
#include "service/centre_int.h"
#include "service/centre_mine.h"
#include "service/centre_objects.h"

/* ---- the engine's view of sites and operations ---- */

/* A site's dc volume; buf holds a polygon's arrays (free with dc_footprint_buf_free). */
static int site_volume(const tr_site *s, dc_volume *v, dc_footprint_buf *buf, tr_err *err) {
    memset(v, 0, sizeof *v);
    memset(buf, 0, sizeof *buf);
    v->id = CENTRE_DC_ID(s->id, CENTRE_DC_SITE, 0);
    v->kind = CENTRE_DC_SITE;
    v->t_start = s->valid_from;
    v->t_end = s->valid_to;
    v->alt_lo = -INFINITY;
    v->alt_hi = INFINITY;
    if (s->is_point) {
        v->foot = (dc_footprint){.shape = DC_CIRCLE, .lon = s->lon, .lat = s->lat, .radius_m = s->radius_m};
        return TR_OK;
    }
    json_t *g = json_loads(s->geometry, 0, NULL);
    int rc = g ? dc_footprint_from_geojson(g, buf, err) : tr_fail(err, TR_EIO, "", "unreadable geometry");
    json_decref(g);
    if (rc == TR_OK) v->foot = buf->foot;
    return rc;
}

int centre__dc_add_site(centre *c, const tr_site *s, bool held, tr_err *err) {
    dc_volume v;
    dc_footprint_buf buf;
    int rc = site_volume(s, &v, &buf, err);
    if (rc == TR_OK) rc = held ? dc_engine_insert_held(c->dc, &v, err) : dc_engine_insert(c->dc, &v, err);
    if (rc == TR_OK && centre__coarsened(&s->vis, &s->priv))
        rc = centre__dc_add_coarse(c, &v, &s->priv, false, 0, held, err);
    dc_footprint_buf_free(&buf);
    return rc;
}

int centre__dc_add_operation(centre *c, const tr_operation *o, int64_t owner_id, bool held, tr_err *err) {
    uint32_t tag;
    int rc = centre__dc_tag(c, o->owner, o->kind, &tag, err);
    for (size_t i = 0; rc == TR_OK && i < o->nvolumes; i++) {
        dc_volume v;
        dc_volume_from_tr(&o->volumes[i], CENTRE_DC_ID(o->id, CENTRE_DC_OPERATION, i), owner_id, CENTRE_DC_OPERATION,
                          &v);
        v.tag = tag;
        rc = held ? dc_engine_insert_held(c->dc, &v, err) : dc_engine_insert(c->dc, &v, err);
    }
    return rc;
}

/* A stored operation's volume behind hit h, with its owner and kind, from the engine and
 * the tags beside it (no store read): *ov borrows the engine's footprint (the caller holds
 * the engine's lock). TR_OK, or TR_EINTERNAL when the engine lost track of it. */
static int operation_hit(centre *c, const dc_hit *h, dc_volume *ov, const char **owner, const char **kind,
                         tr_err *err) {
    if (dc_engine_volume_held(c->dc, h->id, ov) != TR_OK || !centre__dc_tag_get(c, h->tag, owner, kind))
        return tr_fail(err, TR_EINTERNAL, "", "operation %lld volume %zu is not in the engine",
                       (long long)CENTRE_DC_OBJ(h->id), CENTRE_DC_VOL(h->id));
    return TR_OK;
}

/* The answer's entry x (its window set) for a conflict between operation oid's volume k
 * (owner, kind) and volume vi of the object checked, at distance band (taken). */
static json_t *operation_entry(json_t *x, int64_t oid, const char *owner, const char *kind, size_t vi,
                               size_t k, json_t *band) {
    json_object_set_new(x, "type", json_string("operation"));
    json_object_set_new(x, "id", json_integer(oid));
    json_object_set_new(x, "owner", json_string(owner));
    json_object_set_new(x, "restricted", json_false());
    json_object_set_new(x, "kind", json_string(kind));
    json_object_set_new(x, "volume", json_integer((json_int_t)vi));
    json_object_set_new(x, "other_volume", json_integer((json_int_t)k));
    json_object_set_new(x, "distance_band", band);
    return x;
}

/* ---- conflicts of an operation ---- */

static json_t *window(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
    return json_pack("{s:o, s:o}", "time_start", tr_json_time_value(a0 > b0 ? a0 : b0), "time_end",
                     tr_json_time_value(a1 < b1 ? a1 : b1));
}

/* "intersecting" when the footprints (and altitude bands) meet, else "within N m". */
static json_t *band(const dc_volume *q, const dc_volume *s, double within_m, double vertical_m) {
    dc_sep sep = {0, vertical_m};
    bool touch = false;
    if (dc_pair_conflict(q, s, &sep, &touch, NULL) == TR_OK && touch) return json_string("intersecting");
    char b[64];
    snprintf(b, sizeof b, "within %.0f m", within_m);
    return json_string(b);
}

/* band() for prepared query q and the stored volume id, read in place (the caller holds
 * the engine's lock). */
static int band_held(centre *c, const dc_prepared *q, int64_t id, double within_m, double vertical_m,
                     json_t **out, tr_err *err) {
    dc_sep sep = {0, vertical_m};
    bool touch = false;
    int rc = dc_engine_pair_held(c->dc, q, id, &sep, &touch, err);
    if (rc) return rc;
    char b[64];
    if (!touch) snprintf(b, sizeof b, "within %.0f m", within_m);
    *out = json_string(touch ? "intersecting" : b);
    return *out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

static bool seen_before(json_t *list, const char *type, int64_t id, size_t vol) {
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        if (strcmp(json_string_value(json_object_get(x, "type")), type) == 0 &&
            json_integer_value(json_object_get(x, "id")) == id &&
            (size_t)json_integer_value(json_object_get(x, "volume")) == vol)
            return true;
    }
    return false;
}

static bool seen_operation_volume(json_t *list, int64_t id, size_t other) {
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        if (json_integer_value(json_object_get(x, "id")) == id &&
            (size_t)json_integer_value(json_object_get(x, "other_volume")) == other)
            return true;
    }
    return false;
}

/* A site or a movement, as the conflict code sees it. */
typedef struct prot {
    const char *type; /* "site", "movement" */
    uint32_t dc_kind;
    tr_site site;
    tr_movement mov;
    const char *owner, *kind, *name;
    const tr_site *of_site;    /* the object itself (borrowed): its visibility function's */
    const tr_movement *of_mov; /* argument */
    const tr_vis *vis;
    const tr_privacy *priv;
    size_t leg;       /* a movement's leg (site.h); 0 for a site */
    dc_volume v;
    dc_footprint_buf buf;
} prot;

static void prot_clear(prot *p) {
    tr_site_clear(&p->site);
    tr_movement_clear(&p->mov);
    dc_footprint_buf_free(&p->buf);
    memset(p, 0, sizeof *p);
}

/* Leg k of a movement (its legs[n], tr_movement_legs) as a dc volume (site.h "legs"): its
 * part of the route buffered to width_m (a circle of width_m / 2 when it stands still)
 * during the leg's window. */
static int leg_volume(centre *c, const tr_movement *m, const tr_movement_leg *legs, size_t n, size_t k,
                      dc_volume *v, dc_footprint_buf *buf, tr_err *err) {
    memset(v, 0, sizeof *v);
    memset(buf, 0, sizeof *buf);
    if (k >= n) return tr_fail(err, TR_EIO, "", "movement %lld has no leg %zu", (long long)m->id, k);
    int rc = TR_OK;
    v->id = CENTRE_DC_ID(m->id, CENTRE_DC_MOVEMENT, k);
    v->kind = CENTRE_DC_MOVEMENT;
    v->t_start = legs[k].t_start;
    v->t_end = legs[k].t_end;
    v->alt_lo = -INFINITY;
    v->alt_hi = INFINITY;
    const json_t *g = legs[k].geometry;
    if (strcmp(json_string_value(json_object_get(g, "type")), "Point") == 0) {
        const json_t *xy = json_object_get(g, "coordinates");
        v->foot = (dc_footprint){.shape = DC_CIRCLE, .lon = json_number_value(json_array_get(xy, 0)),
                                 .lat = json_number_value(json_array_get(xy, 1)), .radius_m = m->width_m / 2};
    } else {
        tr_movement leg = *m; /* the same movement, with the leg for its route */
        leg.geometry = tr_json_dumps(g, JSON_COMPACT);
        json_t *fp = NULL;
        rc = leg.geometry ? tr_movement_footprint(&leg, &c->limits, &fp, err) : tr_fail(err, TR_ENOMEM, "", "out of memory");
        free(leg.geometry);
        if (rc == TR_OK) rc = dc_footprint_from_geojson(fp, buf, err);
        json_decref(fp);
        if (rc == TR_OK) v->foot = buf->foot;
    }
    return rc;
}

size_t centre__movement_nlegs(const tr_movement *m) {
    tr_movement_leg *legs;
    size_t n;
    if (tr_movement_legs(m, &legs, &n, NULL)) return 0;
    tr_movement_legs_free(legs, n);
    return n;
}

int centre__dc_add_movement(centre *c, const tr_movement *m, bool held, tr_err *err) {
    tr_movement_leg *legs;
    size_t n;
    int rc = tr_movement_legs(m, &legs, &n, err);
    if (rc == TR_OK && n == 0) rc = tr_fail(err, TR_EIO, "", "movement %lld has no legs", (long long)m->id);
    for (size_t k = 0; rc == TR_OK && k < n; k++) {
        dc_volume v;
        dc_footprint_buf buf;
        rc = leg_volume(c, m, legs, n, k, &v, &buf, err);
        if (rc == TR_OK) rc = held ? dc_engine_insert_held(c->dc, &v, err) : dc_engine_insert(c->dc, &v, err);
        if (rc == TR_OK && centre__coarsened(&m->vis, &m->priv))
            rc = centre__dc_add_coarse(c, &v, &m->priv, true, k, held, err);
        dc_footprint_buf_free(&buf);
    }
    tr_movement_legs_free(legs, n);
    return rc;
}

/* Fills p from a site or movement held by the caller (borrowed: p must not outlive it). */
static int prot_of_site(const tr_site *s, prot *p, tr_err *err) {
    p->type = "site";
    p->dc_kind = CENTRE_DC_SITE;
    p->owner = s->owner;
    p->kind = s->kind;
    p->name = s->name;
    p->of_site = s;
    p->vis = &s->vis;
    p->priv = &s->priv;
    return site_volume(s, &p->v, &p->buf, err);
}

/* Leg `leg` of m's legs[n] (the volume copies what it needs of the leg). */
static int prot_of_movement(centre *c, const tr_movement *m, const tr_movement_leg *legs, size_t n, size_t leg,
                            prot *p, tr_err *err) {
    p->type = "movement";
    p->dc_kind = CENTRE_DC_MOVEMENT;
    p->owner = m->owner;
    p->kind = m->kind;
    p->name = m->name;
    p->of_mov = m;
    p->vis = &m->vis;
    p->priv = &m->priv;
    p->leg = leg;
    return leg_volume(c, m, legs, n, leg, &p->v, &p->buf, err);
}

/* Loads the stored site or movement behind an engine hit. */
static int prot_load(centre *c, const dc_hit *h, prot *p, tr_err *err) {
    memset(p, 0, sizeof *p);
    int64_t id = CENTRE_DC_OBJ(h->id);
    int rc;
    if (h->kind == CENTRE_DC_SITE) {
        if ((rc = store_site_get(c->store, id, &p->site, err))) return rc;
        if (!p->site.vis.is_public && (rc = store_privacy_get(c->store, "site", id, &p->site.priv, err)))
            return rc;
        return prot_of_site(&p->site, p, err);
    }
    if ((rc = store_movement_get(c->store, id, &p->mov, err))) return rc;
    if (!p->mov.vis.is_public && (rc = store_privacy_get(c->store, "movement", id, &p->mov.priv, err)))
        return rc;
    tr_movement_leg *legs;
    size_t n;
    if ((rc = tr_movement_legs(&p->mov, &legs, &n, err))) return rc;
    rc = prot_of_movement(c, &p->mov, legs, n, CENTRE_DC_VOL(h->id), p, err);
    tr_movement_legs_free(legs, n);
    return rc;
}

/* What viewer may learn of p (*hidden false: everything; true: only who to call), by the
 * kind's visibility function (centre_visible.h). A storage failure is returned. */
static int prot_hidden(centre *c, const prot *p, const tr_party *viewer, bool *hidden, tr_err *err) {
    bool yes = false;
    int rc = p->of_mov ? centre_movement_visible(c, p->of_mov, viewer, &yes, err)
                       : centre_site_visible(c, p->of_site, viewer, &yes, err);
    *hidden = !yes;
    return rc;
}

static void prot_describe(json_t *x, const prot *p, bool hidden) {
    json_object_set_new(x, "owner", json_string(p->owner));
    if (hidden) {
        /* Never the coordinates, shape, kind or name: whom to call instead. */
        json_object_set_new(x, "restricted", json_true());
        json_object_set_new(x, "contact", json_string(p->owner));
    } else {
        json_object_set_new(x, "restricted", json_false());
        json_object_set_new(x, "kind", json_string(p->kind));
        if (p->name) json_object_set_new(x, "name", json_string(p->name));
    }
}

/* The engine hit of the true footprint behind h (itself, or a coarsened volume's twin). */
static dc_hit exact_hit(const dc_hit *h, bool *coarse) {
    dc_hit e = *h;
    *coarse = h->kind == CENTRE_DC_SITE_COARSE || h->kind == CENTRE_DC_MOVEMENT_COARSE;
    if (*coarse) {
        e.kind = h->kind == CENTRE_DC_MOVEMENT_COARSE ? CENTRE_DC_MOVEMENT : CENTRE_DC_SITE;
        e.id = CENTRE_DC_ID(CENTRE_DC_OBJ(h->id), e.kind, CENTRE_DC_VOL(h->id) & 511);
    }
    return e;
}

/* Which coarsened volumes q meets with no separation (queried once per volume, lazily). */
typedef struct touch {
    dc_result r;
    bool done;
} touch;

static int coarse_band(centre *c, const dc_volume *q, int64_t coarse_id, touch *t, json_t **out,
                       tr_err *err) {
    if (!t->done) {
        dc_query qt = {.vol = q, .kinds = (1u << CENTRE_DC_SITE_COARSE) | (1u << CENTRE_DC_MOVEMENT_COARSE)};
        int rc = dc_engine_query_held(c->dc, &qt, &t->r, err);
        if (rc) return rc;
        t->done = true;
    }
    bool meets = false;
    for (size_t i = 0; i < t->r.n && !meets; i++)
        meets = t->r.hits[i].id == coarse_id;
    char b[64];
    snprintf(b, sizeof b, "within %.0f m", c->site_buffer_m);
    *out = json_string(meets ? "intersecting" : b);
    return TR_OK;
}

/* The conflict of q (volume vi) with p, found through engine hit h: shown to by (visible),
 * or a hit of pr (hidden: redacted, banded on the coarsened footprint when p has one). */
static int prot_conflict(centre *c, const tr_party *by, const dc_volume *q, size_t vi, prot *p,
                         const dc_hit *h, bool coarse, touch *t, json_t *out, centre_probe *pr, tr_err *err) {
    bool hidden;
    int rc = prot_hidden(c, p, by, &hidden, err);
    if (rc) return rc;
    if (coarse != (hidden && centre__coarsened(p->vis, p->priv))) return TR_OK; /* the other twin decides */
    json_t *x = window(q->t_start, q->t_end, p->v.t_start, p->v.t_end);
    json_object_set_new(x, "type", json_string(p->type));
    json_object_set_new(x, "id", json_integer(CENTRE_DC_OBJ(h->id)));
    json_object_set_new(x, "volume", json_integer((json_int_t)vi));
    prot_describe(x, p, hidden);
    if (!hidden) {
        json_object_set_new(x, "distance_band", band(q, &p->v, c->site_buffer_m, 0));
        return json_array_append_new(out, x) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
    }
    json_t *shown = NULL;
    rc = coarse ? coarse_band(c, q, h->id, t, &shown, err) : TR_OK;
    if (!coarse) shown = band(q, &p->v, c->site_buffer_m, 0);
    bool exact = !coarse;
    dc_sep sep = {c->site_buffer_m, 0};
    if (rc == TR_OK && coarse) rc = dc_pair_conflict(q, &p->v, &sep, &exact, err);
    if (rc) {
        json_decref(x);
        json_decref(shown);
        return rc;
    }
    json_object_set_new(x, "distance_band", shown);
    return centre__probe_hit(pr, x, p->type, CENTRE_DC_OBJ(h->id), p->owner, vi, exact,
                             exact ? band(q, &p->v, c->site_buffer_m, 0) : NULL, err);
}

/* An operation's volume q against sites and movements: by's view in out, objects hidden
 * from by in pr (docs/deconfliction.md §13). */
static int site_conflicts(centre *c, const tr_party *by, const dc_volume *q, size_t vi, dc_result *r,
                          json_t *out, centre_probe *pr, tr_err *err) {
    dc_query qs = {.vol = q, .sep = {c->site_buffer_m, 0}, .kinds = CENTRE_DC_PROTECTED_KINDS};
    int rc = dc_engine_query_held(c->dc, &qs, r, err);
    touch t = {0};
    for (size_t i = 0; rc == TR_OK && i < r->n; i++) {
        bool coarse;
        dc_hit h = exact_hit(&r->hits[i], &coarse);
        int64_t id = CENTRE_DC_OBJ(h.id);
        const char *type = h.kind == CENTRE_DC_SITE ? "site" : "movement";
        if (seen_before(out, type, id, vi) || centre__probe_has(pr, type, id, vi)) continue;
        prot p;
        if ((rc = prot_load(c, &h, &p, err)) == TR_OK)
            rc = prot_conflict(c, by, q, vi, &p, &r->hits[i], coarse, &t, out, pr, err);
        prot_clear(&p);
    }
    dc_result_free(&t.r);
    return rc;
}

/* The engine refuses a footprint the domain accepted only for an edge spanning more than
 * 180 degrees of longitude: say so in the request's terms (nothing is stored). */
static int engine_refusal(int rc, tr_err *err) {
    if (rc != TR_EINVAL || !err) return rc;
    char why[sizeof err->msg];
    snprintf(why, sizeof why, "%s", err->msg);
    return tr_fail(err, TR_EINVAL, "geometry", "cannot be checked for conflicts (%s): split it at the anti-meridian",
                   why);
}

/* The addressee as it is (its role decides what it may read); a revoked party reads as
 * an observer would. A storage failure is the caller's failure, never a weaker view. */
static int party_view(centre *c, const char *name, tr_party *viewer, tr_err *err) {
    memset(viewer, 0, sizeof *viewer);
    tr_err e = {0};
    int rc = store_party_get(c->store, name, viewer, &e);
    if (rc == TR_OK) return TR_OK;
    if (rc != TR_ENOTFOUND) {
        if (err) *err = e;
        return rc;
    }
    memset(viewer, 0, sizeof *viewer);
    snprintf(viewer->name, sizeof viewer->name, "%s", name);
    viewer->role = ROLE_OBSERVER;
    return TR_OK;
}

/* Tells operation oid's owner (viewer) that p (id) conflicts with its volume k, as x says. */
static int owner_notice(centre *c, prot *p, int64_t id, int64_t oid, size_t k, const tr_party *viewer,
                        bool hidden, json_t *x, tr_err *err) {
    int64_t now = tr_time_now();
    json_t *what = json_pack("{s:s, s:I}", "type", p->type, "id", (json_int_t)id);
    prot_describe(what, p, hidden);
    json_t *payload = json_pack(
        "{s:o, s:{s:s, s:I, s:I, s:O, s:O, s:O}}", "conflicting", what, "conflict_with", "type", "operation",
        "id", (json_int_t)oid, "volume", (json_int_t)k, "distance_band", json_object_get(x, "distance_band"),
        "time_start", json_object_get(x, "time_start"), "time_end", json_object_get(x, "time_end"));
    int rc = payload ? centre__notice(c, viewer->name, "conflict", p->type, id, payload, now,
                                      centre__conflict_deadline(c, now, x), NULL, err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(payload);
    return rc;
}

/* The new object p (id) against operations through v: its true volume (twin false) or
 * its coarsened twin. seen collects the conflicts found (the answer's, for the true
 * volume); the owners told are, for the true volume, those that may see p (all of them
 * when p has no twin), for the twin those that may not (§13). */
static int against_operations(centre *c, const tr_party *by, prot *p, const dc_volume *v, bool twin,
                              int64_t id, json_t *seen, tr_err *err) {
    dc_result r = {0};
    dc_query qo = {.vol = v, .sep = {c->site_buffer_m, 0}, .kinds = 1u << CENTRE_DC_OPERATION};
    int rc = dc_engine_query_held(c->dc, &qo, &r, err);
    bool coarsened = centre__coarsened(p->vis, p->priv);
    for (size_t h = 0; rc == TR_OK && h < r.n; h++) {
        int64_t oid = CENTRE_DC_OBJ(r.hits[h].id);
        size_t k = CENTRE_DC_VOL(r.hits[h].id);
        if (seen_operation_volume(seen, oid, k)) continue; /* through an earlier leg */
        dc_volume ov;
        const char *owner, *kind;
        if ((rc = operation_hit(c, &r.hits[h], &ov, &owner, &kind, err))) break;
        json_t *x = operation_entry(window(ov.t_start, ov.t_end, p->v.t_start, p->v.t_end), oid, owner, kind,
                                    p->leg, k, band(&ov, v, c->site_buffer_m, 0));
        json_array_append_new(seen, x);
        tr_party viewer;
        if ((rc = party_view(c, owner, &viewer, err))) break;
        bool hidden;
        if ((rc = prot_hidden(c, p, &viewer, &hidden, err))) break;
        if (strcmp(owner, by->name) != 0 && (twin ? hidden : !hidden || !coarsened))
            rc = owner_notice(c, p, id, oid, k, &viewer, hidden, x, err);
    }
    dc_result_free(&r);
    return rc;
}

/* A new site or movement p (its id set) against operations: the answer's conflicts (out),
 * and a notice to each other operation owner, who learns of p only what it may read — and,
 * if it may not see p, learns of it through p's coarsened twin (twin_seen collects those
 * conflicts, across a movement's legs). */
static int prot_against_operations(centre *c, const tr_party *by, prot *p, int64_t id, json_t *out,
                                   json_t *twin_seen, tr_err *err) {
    int rc = against_operations(c, by, p, &p->v, false, id, out, err);
    if (rc || !centre__coarsened(p->vis, p->priv)) return rc;
    dc_volume cv;
    geo_coarse gc;
    rc = centre__coarse_volume(&p->v, p->priv, &cv, &gc, err);
    if (rc == TR_OK) rc = against_operations(c, by, p, &cv, true, id, twin_seen, err);
    geo_coarse_free(&gc);
    return rc;
}

static int operation_conflicts(centre *c, const tr_party *by, const dc_volume *q, size_t vi, dc_result *r,
                               json_t *out, tr_err *err) {
    dc_query qo = {.vol = q, .sep = c->op_sep, .kinds = 1u << CENTRE_DC_OPERATION, .exclude_owner = by->id};
    dc_prepared *pq = NULL;
    int rc = dc_engine_query_held(c->dc, &qo, r, err);
    if (rc == TR_OK && r->n) rc = dc_prepare(q, &pq, err);
    int64_t last = 0; /* hits come by id, an operation's volumes together: its first one answers */
    for (size_t h = 0; rc == TR_OK && h < r->n; h++) {
        int64_t id = CENTRE_DC_OBJ(r->hits[h].id);
        size_t k = CENTRE_DC_VOL(r->hits[h].id);
        if (id == last) continue;
        last = id;
        dc_volume ov;
        const char *owner, *kind;
        json_t *b = NULL;
        if ((rc = operation_hit(c, &r->hits[h], &ov, &owner, &kind, err)) || strcmp(owner, by->name) == 0)
            continue;
        if ((rc = band_held(c, pq, r->hits[h].id, c->op_sep.horizontal_m, c->op_sep.vertical_m, &b, err)))
            break;
        json_array_append_new(out, operation_entry(window(q->t_start, q->t_end, ov.t_start, ov.t_end), id,
                                                   owner, kind, vi, k, b));
    }
    dc_prepared_free(pq);
    return rc;
}

int centre__operation_conflicts(centre *c, const tr_party *by, const tr_operation *o, json_t *out,
                                centre_probe *pr, tr_err *err) {
    dc_result r = {0};
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < o->nvolumes; i++) {
        dc_volume q;
        dc_volume_from_tr(&o->volumes[i], 0, by->id, CENTRE_DC_OPERATION, &q);
        rc = site_conflicts(c, by, &q, i, &r, out, pr, err);
        if (rc == TR_OK) rc = operation_conflicts(c, by, &q, i, &r, out, err);
        if (rc == TR_OK) rc = centre_dc_area_conflicts(c->attr, by, &o->volumes[i], i, out, err);
        if (rc == TR_OK) rc = centre__volume_hazard_conflicts(c, &q, i, out, err); /* centre_mine_conflict.c */
    }
    dc_result_free(&r);
    return rc;
}

/* ---- sites ---- */

static int site_create_tx(centre *c, const tr_party *by, tr_site *s, centre_pending *p, json_t **out, tr_err *err) {
    int rc = centre__check_vis(c, &s->vis, "properties.visibility", err);
    if (rc) return rc;
    s->owner = strdup(by->name);
    s->created_at = tr_time_now();
    if (!s->owner) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (s->valid_from == TR_TIME_MIN) { /* left out: valid from the time of the request */
        s->valid_from = s->created_at;
        if (s->valid_to <= s->valid_from)
            return tr_fail(err, TR_EINVAL, "properties.valid_to",
                           "must be later than valid_from, which is the time of the request when left out");
    }
    if ((rc = store_site_insert(c->store, s, err))) return rc;
    centre__privacy_draw(c, &s->vis, &s->priv);
    json_t *conflicts = json_array(), *twins = json_array();
    prot pr = {0};
    rc = prot_of_site(s, &pr, err);
    if (rc == TR_OK)
        rc = engine_refusal(prot_against_operations(c, by, &pr, s->id, conflicts, twins, err), err);
    dc_footprint_buf_free(&pr.buf);
    json_decref(twins);
    if (rc) {
        json_decref(conflicts);
        return rc;
    }
    json_t *obj = centre_object_site(s);
    /* Every party on a restricted site's list is notified of it (with everything). */
    for (size_t i = 0; rc == TR_OK && i < s->vis.nparties; i++)
        if (strcmp(s->vis.parties[i], s->owner) != 0)
            rc = centre__notice(c, s->vis.parties[i], "site", "site", s->id, obj, s->created_at,
                                     centre_notice_deadline(c, s->created_at, s->valid_from), NULL, err);
    if (rc) {
        json_decref(obj);
        json_decref(conflicts);
        return rc;
    }
    char ref[CENTRE_REF_MAX];
    centre_ref(TR_KIND_SITE, s->id, ref);
    json_t *answer = out ? tr_site_to_feature(s) : NULL;
    if (answer) json_object_set(answer, "conflicts", conflicts);
    json_decref(conflicts);
    rc = centre__log(c, by->name, by->sig, TR_ENTRY(SITE_CREATE), ref, obj, answer, err);
    json_decref(obj);
    if (rc == TR_OK) rc = centre__privacy_store_tx(c, by, "site", s->id, &s->priv, err);
    if (rc == TR_OK && answer && centre__privacy_view(&s->priv, answer))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc) {
        json_decref(answer);
        return rc;
    }
    if (out) *out = answer;
    return centre__pending_site(p, s) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

int centre_site_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err) {
    tr_site s;
    int rc = tr_site_parse(feature, &c->limits, &s, err);
    if (rc) return rc;
    centre_pending p = {.dc_held = true};
    if ((rc = store_begin(c->store, err)) == TR_OK) {
        dc_engine_write_begin(c->dc);
        rc = centre__finish(c, &p, site_create_tx(c, by, &s, &p, out, err), out, err);
        dc_engine_write_end(c->dc);
    }
    tr_site_clear(&s);
    return rc;
}

/* ---- movements ---- */

static int movement_create_tx(centre *c, const tr_party *by, tr_movement *m, centre_pending *p, json_t **out,
                              tr_err *err) {
    int rc = centre__check_vis(c, &m->vis, "properties.visibility", err);
    if (rc) return rc;
    m->owner = strdup(by->name);
    m->created_at = tr_time_now();
    if (!m->owner) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if ((rc = store_movement_insert(c->store, m, err))) return rc;
    centre__privacy_draw(c, &m->vis, &m->priv);
    json_t *conflicts = json_array(), *twins = json_array();
    tr_movement_leg *legs = NULL;
    size_t nlegs = 0;
    rc = tr_movement_legs(m, &legs, &nlegs, err);
    for (size_t k = 0; rc == TR_OK && k < nlegs; k++) {
        prot pr = {0};
        rc = prot_of_movement(c, m, legs, nlegs, k, &pr, err);
        if (rc == TR_OK)
            rc = engine_refusal(prot_against_operations(c, by, &pr, m->id, conflicts, twins, err), err);
        dc_footprint_buf_free(&pr.buf);
    }
    tr_movement_legs_free(legs, nlegs);
    json_decref(twins);
    json_t *obj = rc ? NULL : centre_object_movement(m);
    if (rc == TR_OK) rc = centre__movement_notify_tx(c, m, obj, err);
    json_t *answer = NULL;
    if (rc == TR_OK) {
        char ref[CENTRE_REF_MAX];
        centre_ref(TR_KIND_MOVEMENT, m->id, ref);
        answer = tr_movement_to_feature(m);
        json_object_set(answer, "conflicts", conflicts);
        rc = centre__log(c, by->name, by->sig, TR_ENTRY(MOVEMENT_CREATE), ref, obj, answer, err);
    }
    if (rc == TR_OK) rc = centre__privacy_store_tx(c, by, "movement", m->id, &m->priv, err);
    if (rc == TR_OK && centre__privacy_view(&m->priv, answer))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    json_decref(conflicts);
    if (rc) {
        json_decref(answer);
        return rc;
    }
    if (out) *out = answer;
    else json_decref(answer);
    return centre__pending_movement(p, m) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

int centre_movement_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err) {
    tr_movement m;
    int rc = tr_movement_parse(feature, &c->limits, &m, err);
    if (rc) return rc;
    centre_pending p = {.dc_held = true};
    if ((rc = store_begin(c->store, err)) == TR_OK) {
        dc_engine_write_begin(c->dc);
        rc = centre__finish(c, &p, movement_create_tx(c, by, &m, &p, out, err), out, err);
        dc_engine_write_end(c->dc);
    }
    tr_movement_clear(&m);
    return rc;
}
