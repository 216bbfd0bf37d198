/*
 * centre_traffic.c — the centre's traffic state (centre_traffic.h): the engine and each
 * track's record, loading them at start, the settings, and the objects a track may enter
 * (protected sites, no-strike area versions, active operations) as engine parts — the same
 * conversion at start, after each commit (publish) and in replay, so all three agree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_traffic_int.h"

/* ---- names ---- */

int32_t ct_name_key(ct_names *t, const char *name) {
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i], name) == 0) return (int32_t)i;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        void *v = realloc(t->v, cap * sizeof *t->v);
        if (!v) return -1;
        t->v = v;
        t->cap = cap;
    }
    snprintf(t->v[t->n], sizeof t->v[t->n], "%s", name);
    return (int32_t)t->n++;
}

void ct_names_free(ct_names *t) {
    free(t->v);
    memset(t, 0, sizeof *t);
}

/* ---- settings ---- */

void ct_config_body(const tf_config *c, double stale_s, char *out, size_t cap) {
    json_t *j = json_pack("{s:f, s:f, s:f, s:[f, f, f], s:f, s:f, s:f, s:f, s:f, s:f}", "horizontal_m",
                          c->horizontal_m, "vertical_m", c->vertical_m, "lookahead_s", c->lookahead_s,
                          "levels_s", c->level_s[0], c->level_s[1], c->level_s[2], "max_age_s", c->max_age_s,
                          "max_ahead_s", c->max_ahead_s, "low_altitude_m", c->low_altitude_m, "hyst_factor",
                          c->hyst_factor, "hyst_s", c->hyst_s, "stale_s", stale_s);
    char *s = j ? centre_object_bytes(j) : NULL;
    snprintf(out, cap, "%s", s ? s : "{}");
    free(s);
    json_decref(j);
}

int ct_config_parse(const char *body, tf_config *c, double *stale_s, tr_err *err) {
    json_t *j = json_loads(body, 0, NULL);
    *c = tf_config_default();
    int rc =
        j && json_unpack(j, "{s:F, s:F, s:F, s:[F, F, F], s:F, s:F, s:F, s:F, s:F, s:F}", "horizontal_m",
                         &c->horizontal_m, "vertical_m", &c->vertical_m, "lookahead_s", &c->lookahead_s,
                         "levels_s", &c->level_s[0], &c->level_s[1], &c->level_s[2], "max_age_s",
                         &c->max_age_s, "max_ahead_s", &c->max_ahead_s, "low_altitude_m", &c->low_altitude_m,
                         "hyst_factor", &c->hyst_factor, "hyst_s", &c->hyst_s, "stale_s", stale_s) == 0
            ? tf_config_check(c, err)
            : tr_fail(err, TR_EIO, "", "unreadable traffic settings: %.80s", body);
    json_decref(j);
    return rc;
}

int centre_traffic_configure(centre *c, const tf_config *cfg, double stale_s, tr_err *err) {
    centre_traffic *t = c->traffic;
    if (!(stale_s >= 1 && stale_s <= 86400))
        return tr_fail(err, TR_EINVAL, "stale_s", "must be in [1, 86400] s");
    tf_config x = *cfg;
    x.max_age_s = stale_s; /* a position counts as long as its track lives */
    pthread_rwlock_wrlock(&t->lock);
    int rc = tf_engine_configure(t->e, &x, err);
    if (rc == TR_OK) {
        t->cfg = x;
        t->stale_s = stale_s;
        ct_config_body(&x, stale_s, t->config_body, sizeof t->config_body);
    }
    pthread_rwlock_unlock(&t->lock);
    return rc;
}

/* ---- tracks ---- */

ct_track *ct_track_at(centre_traffic *t, int64_t id) {
    if (id <= 0 || id > (int64_t)1 << 40) return NULL;
    if ((size_t)id >= t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap <= (size_t)id)
            cap *= 2;
        ct_track *v = realloc(t->tracks, cap * sizeof *v);
        if (!v) return NULL;
        memset(v + t->cap, 0, (cap - t->cap) * sizeof *v);
        t->tracks = v;
        t->cap = cap;
    }
    return &t->tracks[id];
}

ct_track *ct_track_find(centre_traffic *t, int64_t id) {
    return id > 0 && (size_t)id < t->cap ? &t->tracks[id] : NULL;
}

tf_pos ct_pos(const store_position *p, int32_t party_key, int64_t recv_ms) {
    return (tf_pos){.track = p->track_id,
                    .party = party_key,
                    .at_ms = p->p.at_ms,
                    .recv_ms = recv_ms,
                    .lon = p->p.lon,
                    .lat = p->p.lat,
                    .alt = p->p.alt_m,
                    .vx = p->p.vx,
                    .vy = p->p.vy,
                    .vz = p->p.vz};
}

typedef struct load_ctx {
    centre *c;
    tr_err *err;
} load_ctx;

static int load_track(const store_position *p, int64_t received_ms, bool ended, void *ctx) {
    load_ctx *l = ctx;
    centre_traffic *t = l->c->traffic;
    ct_track *k = ct_track_at(t, p->track_id);
    char party[TR_NAME_MAX + 1], ext[TR_TRACK_ID_MAX + 1];
    int rc = k ? store_track_get(l->c->store, p->track_id, party, ext, l->err) : TR_ENOMEM;
    if (rc) return rc;
    tr_vis_clear(&k->vis);
    memset(k, 0, sizeof *k);
    k->used = true;
    snprintf(k->party, sizeof k->party, "%s", party);
    snprintf(k->ext, sizeof k->ext, "%s", ext);
    snprintf(k->callsign, sizeof k->callsign, "%s", p->p.callsign);
    char *vis = tr_vis_to_text(&p->p.vis);
    rc = vis && tr_vis_from_text(vis, &k->vis) == TR_OK ? TR_OK : TR_ENOMEM;
    free(vis);
    if ((k->party_key = ct_name_key(&t->names, party)) < 0) rc = TR_ENOMEM;
    if (rc) return tr_fail(l->err, rc, "", "out of memory");
    tf_pos pos = ct_pos(p, k->party_key, received_ms);
    return tf_engine_restore_track(t->e, &pos, !ended, l->err);
}

int ct_kind_parse(const char *s, tf_kind *k) {
    for (int i = 0; i < TF_KIND_COUNT; i++)
        if (strcmp(s, tf_kind_name((tf_kind)i)) == 0) {
            *k = (tf_kind)i;
            return TR_OK;
        }
    return TR_EINVAL;
}

store_traffic_alert ct_alert_row(const tf_alert *x, int64_t batch_id) {
    return (store_traffic_alert){.batch_id = batch_id,
                                 .kind = tf_kind_name(x->kind),
                                 .change = tf_change_name(x->change),
                                 .reason = tf_reason_name(x->reason),
                                 .level = x->level,
                                 .track_id = x->track,
                                 .other_id = x->other,
                                 .part = x->part,
                                 .at_ms = x->at_ms,
                                 .t_los = x->t_los,
                                 .t_cpa = x->t_cpa,
                                 .h_sep = x->h_sep,
                                 .v_sep = x->v_sep,
                                 .distance = x->distance};
}

static int load_alert(const store_traffic_alert *a, void *ctx) {
    load_ctx *l = ctx;
    tf_kind k;
    if (ct_kind_parse(a->kind, &k))
        return tr_fail(l->err, TR_EIO, "", "traffic_alert %lld: unknown kind", (long long)a->id);
    return tf_engine_restore_alert(l->c->traffic->e, k, a->track_id, a->other_id, a->level, l->err);
}

static void tracks_clear(centre_traffic *t) {
    for (size_t i = 0; i < t->cap; i++)
        tr_vis_clear(&t->tracks[i].vis);
    if (t->cap) memset(t->tracks, 0, t->cap * sizeof *t->tracks);
}

static int load_tracks(centre *c, tr_err *err) {
    load_ctx l = {c, err};
    int rc = store_track_last_each(c->store, load_track, &l, err);
    if (rc == TR_OK) rc = store_traffic_alert_each(c->store, true, 1, 0, load_alert, &l, err);
    return rc;
}

int ct_reload_tracks(centre *c, tr_err *err) {
    centre_traffic *t = c->traffic;
    tf_engine_reset_tracks(t->e);
    tracks_clear(t);
    int rc = load_tracks(c, err);
    if (rc)
        fprintf(stderr, "truce: FATAL: the traffic engine cannot be rebuilt from the store: %s\n",
                err ? err->msg : "?");
    if (rc) abort(); /* it would no longer mirror the store */
    return rc;
}

/* ---- objects as engine parts ---- */

static tf_part part_of_shape(const geo_shape *sh, uint32_t *starts, int64_t t0, int64_t t1) {
    size_t npos;
    tf_part p = {.alt_lo = -INFINITY, .alt_hi = INFINITY, .t_start = t0, .t_end = t1};
    p.xy = geo_shape_rings(sh, starts, &npos);
    p.starts = starts;
    p.nrings = geo_shape_ring_count(sh);
    return p;
}

int ct_put_site(tf_engine *e, ct_names *names, const tr_site *s, tr_err *err) {
    int32_t owner = ct_name_key(names, s->owner);
    if (owner < 0) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (s->is_point) {
        tf_part p = {.circle = true,
                     .lon = s->lon,
                     .lat = s->lat,
                     .radius_m = s->radius_m,
                     .alt_lo = -INFINITY,
                     .alt_hi = INFINITY,
                     .t_start = s->valid_from,
                     .t_end = s->valid_to};
        return tf_engine_object_put(e, TF_SITE, s->id, owner, &p, 1, err);
    }
    geo_limits lim = {SIZE_MAX, GEO_DEFAULT_MAX_WIDTH_M};
    json_t *g = json_loads(s->geometry, 0, NULL);
    geo_shape *sh = NULL;
    int rc = g ? geo_shape_from_geojson(g, 0, &lim, &sh, err)
               : tr_fail(err, TR_EIO, "", "unreadable site geometry");
    json_decref(g);
    uint32_t *starts = rc ? NULL : malloc((geo_shape_ring_count(sh) + 1) * sizeof *starts);
    if (rc == TR_OK && !starts) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        tf_part p = part_of_shape(sh, starts, s->valid_from, s->valid_to);
        rc = tf_engine_object_put(e, TF_SITE, s->id, owner, &p, 1, err);
    }
    free(starts);
    geo_shape_free(sh);
    return rc;
}

int ct_put_area(tf_engine *e, ct_names *names, const tr_area *a, tr_err *err) {
    if (a->kind !=
        AREA_NO_STRIKE) { /* a version of another kind ends the earlier ones, if they were no-strike */
        tf_engine_area_cut(e, a->id, a->valid_from);
        return TR_OK;
    }
    int32_t owner = ct_name_key(names, a->party ? a->party : a->created_by ? a->created_by : "");
    if (owner < 0) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    tr_area x = *a;
    x.shape = NULL;
    int rc = a->shape ? TR_OK : tr_area_build_shape(&x, err);
    const geo_shape *sh = a->shape ? a->shape : x.shape;
    uint32_t *starts = rc ? NULL : malloc((geo_shape_ring_count(sh) + 1) * sizeof *starts);
    if (rc == TR_OK && !starts) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        tf_part p = part_of_shape(sh, starts, a->valid_from, a->valid_to);
        rc = tf_engine_area_version(e, a->id, owner, &p, err);
    }
    free(starts);
    if (!a->shape) geo_shape_free(x.shape);
    return rc;
}

int ct_put_operation(tf_engine *e, ct_names *names, const tr_operation *o, tr_err *err) {
    int32_t owner = ct_name_key(names, o->owner);
    tf_part *parts = calloc(o->nvolumes ? o->nvolumes : 1, sizeof *parts);
    uint32_t *starts = calloc(2 * (o->nvolumes ? o->nvolumes : 1), sizeof *starts);
    if (owner < 0 || !parts || !starts) {
        free(parts);
        free(starts);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    for (size_t i = 0; i < o->nvolumes; i++) {
        const tr_volume *v = &o->volumes[i];
        parts[i] =
            (tf_part){.alt_lo = v->alt_lo, .alt_hi = v->alt_hi, .t_start = v->t_start, .t_end = v->t_end};
        if (v->outline == TR_OUTLINE_CIRCLE) {
            parts[i].circle = true;
            parts[i].lon = v->lng, parts[i].lat = v->lat, parts[i].radius_m = v->radius_m;
        } else {
            starts[2 * i + 1] = (uint32_t)v->nvert;
            parts[i].xy = v->vertices;
            parts[i].starts = &starts[2 * i];
            parts[i].nrings = 1;
        }
    }
    int rc = tf_engine_object_put(e, TF_OPERATION, o->id, owner, parts, o->nvolumes, err);
    free(parts);
    free(starts);
    return rc;
}

/* ---- loading at start, publishing after commits ---- */

typedef struct obj_ctx {
    centre_traffic *t;
    tr_err *err;
    int64_t *active; /* operations active now, ascending */
    size_t nactive, cap;
} obj_ctx;

static int load_site(tr_site *s, void *ctx) {
    obj_ctx *o = ctx;
    return ct_put_site(o->t->e, &o->t->names, s, o->err);
}

static int load_area(tr_area *a, void *ctx) {
    obj_ctx *o = ctx;
    return ct_put_area(o->t->e, &o->t->names, a, o->err);
}

/* The latest state event of each operation decides whether it is active. */
static int collect_state(const store_dc_event *e, void *ctx) {
    obj_ctx *o = ctx;
    if (strcmp(e->about_type, "operation") != 0 || strcmp(e->kind, "state") != 0) return TR_OK;
    size_t i = 0;
    while (i < o->nactive && o->active[i] != e->about_id)
        i++;
    tr_operation_state st;
    bool on = tr_operation_state_parse(e->value, &st) == 0 && st == OP_ACTIVE;
    if (i < o->nactive && !on) {
        o->active[i] = o->active[--o->nactive];
    } else if (i == o->nactive && on) {
        if (o->nactive == o->cap) {
            size_t cap = o->cap ? 2 * o->cap : 16;
            int64_t *v = realloc(o->active, cap * sizeof *v);
            if (!v) return TR_ENOMEM;
            o->active = v;
            o->cap = cap;
        }
        o->active[o->nactive++] = e->about_id;
    }
    return TR_OK;
}

static int load_objects(centre *c, tr_err *err) {
    obj_ctx o = {.t = c->traffic, .err = err};
    int rc = store_site_each(c->store, load_site, &o, err);
    if (rc == TR_OK) rc = store_area_each(c->store, load_area, &o, err);
    if (rc == TR_OK) rc = store_dc_event_each(c->store, collect_state, &o, err);
    for (size_t i = 0; rc == TR_OK && i < o.nactive; i++) {
        tr_operation op;
        if ((rc = store_operation_get(c->store, o.active[i], &op, err)) == TR_OK)
            rc = ct_put_operation(c->traffic->e, &c->traffic->names, &op, err);
        tr_operation_clear(&op);
    }
    free(o.active);
    return rc;
}

int centre__traffic_open(centre *c, tr_err *err) {
    centre_traffic *t = calloc(1, sizeof *t);
    if (!t) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    c->traffic = t;
    pthread_rwlock_init(&t->lock, NULL);
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    t->cfg = tf_config_default();
    t->stale_s = CENTRE_TRACK_STALE_S;
    t->cfg.max_age_s = t->stale_s;
    ct_config_body(&t->cfg, t->stale_s, t->config_body, sizeof t->config_body);
    char *last = NULL; /* the settings the latest batch was processed with, until configured */
    int rc = store_traffic_config_latest(c->store, &last, err);
    tf_config lc;
    double ls;
    if (rc == TR_OK && last && ct_config_parse(last, &lc, &ls, NULL) == TR_OK) {
        t->cfg = lc;
        t->stale_s = ls;
        ct_config_body(&t->cfg, t->stale_s, t->config_body, sizeof t->config_body);
    }
    free(last);
    if (rc) return rc;
    if (!(t->e = tf_engine_new(&t->cfg))) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    rc = load_objects(c, err);
    if (rc == TR_OK) rc = load_tracks(c, err);
    return rc;
}

int centre__traffic_reload(centre *c, tr_err *err) {
    centre_traffic *t = c->traffic;
    tf_engine *e = tf_engine_new(&t->cfg);
    if (!e) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    pthread_rwlock_wrlock(&t->lock);
    tf_engine_free(t->e);
    t->e = e;
    tracks_clear(t);
    int rc = load_objects(c, err);
    if (rc == TR_OK) rc = load_tracks(c, err);
    pthread_rwlock_unlock(&t->lock);
    return rc;
}

void centre__traffic_close(centre *c) {
    centre_traffic *t = c->traffic;
    if (!t) return;
    centre_traffic_stop(c);
    tf_engine_free(t->e);
    tracks_clear(t);
    free(t->tracks);
    ct_names_free(&t->names);
    pthread_rwlock_destroy(&t->lock);
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
    c->traffic = NULL;
}

int centre__traffic_publish(centre *c, const centre_pending *p, tr_err *err) {
    centre_traffic *t = c->traffic;
    bool ops_gone = false;
    for (size_t i = 0; i < p->ndc_remove; i++)
        ops_gone |= (p->dc_remove[i] >> 10 & 3) == CENTRE_DC_OPERATION;
    if (!t || !(p->nsites || p->nareas || p->ntf_active || ops_gone)) return TR_OK;
    pthread_rwlock_wrlock(&t->lock);
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < p->nsites; i++)
        rc = ct_put_site(t->e, &t->names, &p->sites[i], err);
    for (size_t i = 0; rc == TR_OK && i < p->nareas; i++)
        rc = ct_put_area(t->e, &t->names, &p->areas[i], err);
    for (size_t i = 0; rc == TR_OK && i < p->ntf_active; i++)
        rc = ct_put_operation(t->e, &t->names, &p->tf_active[i], err);
    for (size_t i = 0; rc == TR_OK && i < p->ndc_remove; i++)
        if ((p->dc_remove[i] >> 10 & 3) == CENTRE_DC_OPERATION)
            tf_engine_object_remove(t->e, TF_OPERATION, CENTRE_DC_OBJ(p->dc_remove[i]));
    pthread_rwlock_unlock(&t->lock);
    return rc;
}
