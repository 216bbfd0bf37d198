/*
 * traffic_eval.c — what one position decides (traffic.h): the candidate pairs and objects
 * of the updated track (from the grids, or all of them with brute_force, plus every alert
 * already active), each evaluated with the inner thresholds and, when its alert is
 * active, the outer ones; then the change (raised, escalated, lowered, cleared) and the
 * active-alert lists of both tracks. The changes of one update are sorted by (kind, other).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engines/traffic_int.h"

int tf__level(const tf_config *c, double t, double margin) {
    if (t < 0) return 0;
    if (t <= c->level_s[2] + margin) return 3;
    if (t <= c->level_s[1] + margin) return 2;
    if (t <= c->level_s[0] + margin) return 1;
    return 0;
}

/* An evaluation: inner and (for an active alert) outer tests, and what it concerns. */
typedef struct eval {
    bool valid; /* the pair or object may alert at all */
    tf_hit in, out;
    double distance;
    int32_t part;
} eval;

/* Decides the change from level cur (0: none); false when nothing changes. */
static bool decide(const tf_config *c, int cur, const eval *ev, tf_alert *a) {
    int lin = ev->valid && ev->in.hit ? tf__level(c, ev->in.t_los, 0) : 0;
    const tf_hit *h = &ev->in;
    if (cur == 0 && lin == 0) return false;
    if (cur == 0 || lin > cur) {
        a->change = cur == 0 ? TF_RAISED : TF_ESCALATED;
        a->level = lin;
        a->reason = TF_PREDICTED;
    } else {
        int lout = ev->valid && ev->out.hit ? tf__level(c, ev->out.t_los, c->hyst_s) : 0;
        if (lout >= cur) return false;
        h = &ev->out;
        a->change = lout ? TF_LOWERED : TF_CLEARED;
        a->level = lout;
        a->reason = lout ? TF_PREDICTED : ev->valid ? TF_SEPARATED : TF_GONE;
    }
    a->t_los = h->hit ? h->t_los : -1;
    a->t_cpa = ev->valid ? h->t_cpa : -1;
    a->h_sep = ev->valid ? h->h_sep : -1; /* nothing measured: the other is gone or stale */
    a->v_sep = ev->valid ? h->v_sep : -1;
    a->distance = ev->valid ? ev->distance : -1;
    a->part = ev->part;
    return true;
}

/* ---- pairs ---- */

/* B as seen from A at A's time; ev->valid false when the pair may not alert (same party,
 * B not live, B's position too old or too new: the alert then clears as stale). */
static void pair_eval(const tf_config *c, tf_frame f, const tf_track *a, const tf_track *b, int cur, eval *ev,
                      tf_reason *why) {
    memset(ev, 0, sizeof *ev);
    double dt = (double)(a->pos.at_ms - b->pos.at_ms) / 1000.0;
    *why = TF_GONE;
    if (!b->live || b->pos.party == a->pos.party) return;
    *why = TF_STALE;
    if (dt > c->max_age_s || -dt > c->max_ahead_s) return;
    ev->valid = true;
    const tf_pos *p = &a->pos, *q = &b->pos;
    double rx = tf_dlon(q->lon, p->lon) * f.kx + q->vx * dt, ry = (q->lat - p->lat) * f.ky + q->vy * dt;
    double vx = q->vx - p->vx, vy = q->vy - p->vy, dz = q->alt + q->vz * dt - p->alt, dvz = q->vz - p->vz;
    ev->distance = tf_len(rx, ry);
    tf_pair_test(rx, ry, vx, vy, dz, dvz, c->horizontal_m, c->vertical_m, c->lookahead_s, &ev->in);
    if (cur > 0) {
        double k = 1 + c->hyst_factor;
        tf_pair_test(rx, ry, vx, vy, dz, dvz, c->horizontal_m * k, c->vertical_m * k,
                     c->lookahead_s + c->hyst_s, &ev->out);
    }
}

typedef struct update {
    tf_engine *e;
    uint32_t s;      /* the updated track's slot */
    tf_frame f;      /* the local frame at its position */
    double qbox[4];  /* its path's box for pairs */
    tf_alerts local; /* this update's changes */
    int rc;
} update;

/* Evaluates the pair (s, o) once per update and applies its change. */
static void pair_visit(uint32_t o, void *ctx) {
    update *u = ctx;
    tf_engine *e = u->e;
    tf_track *a = &e->tracks[u->s], *b = &e->tracks[o];
    if (u->rc || o == u->s || b->mark == e->gen) return;
    b->mark = e->gen;
    e->stats.candidates++;
    if (!e->cfg.brute_force &&
        (b->box[0] > u->qbox[2] || b->box[2] < u->qbox[0] || b->box[1] > u->qbox[3] ||
         b->box[3] < u->qbox[1]) &&
        !tf__act_find(a, TF_TRAFFIC, b->pos.track))
        return;
    e->stats.pair_tests++;
    tf_act *act = tf__act_find(a, TF_TRAFFIC, b->pos.track);
    int cur = act ? act->level : 0;
    eval ev;
    tf_reason why;
    pair_eval(&e->cfg, u->f, a, b, cur, &ev, &why);
    tf_alert al = {.kind = TF_TRAFFIC, .track = a->pos.track, .other = b->pos.track, .at_ms = a->pos.at_ms};
    if (!decide(&e->cfg, cur, &ev, &al)) return;
    if (al.change == TF_CLEARED && !ev.valid) al.reason = why;
    if (tf__act_set(a, TF_TRAFFIC, b->pos.track, al.level) ||
        tf__act_set(b, TF_TRAFFIC, a->pos.track, al.level) || tf__push(&u->local, &al))
        u->rc = TR_ENOMEM;
}

static void box_of_path(const tf_config *c, const tf_pos *p, double T, double margin, double box[4]) {
    tf_frame f = tf_frame_at(p->lat);
    double x1 = p->lon + p->vx * T / f.kx, y1 = p->lat + p->vy * T / f.ky;
    double dlat = tf_m_to_dlat(margin),
           lat_max = fmax(fabs(fmin(p->lat, y1) - dlat), fabs(fmax(p->lat, y1) + dlat));
    double dlon = tf_m_to_dlon(margin, lat_max);
    (void)c;
    box[0] = fmin(p->lon, x1) - dlon;
    box[1] = fmin(p->lat, y1) - dlat;
    box[2] = fmax(p->lon, x1) + dlon;
    box[3] = fmax(p->lat, y1) + dlat;
}

static int pairs(update *u) {
    tf_engine *e = u->e;
    tf_track *a = &e->tracks[u->s];
    a->mark = e->gen;
    if (e->cfg.brute_force) {
        for (uint32_t o = 0; o < e->ntracks && !u->rc; o++)
            if (e->tracks[o].live) pair_visit(o, u);
    } else {
        const tf_pos *p = &a->pos;
        double margin = 0.525 * e->cfg.horizontal_m + 0.05 * tf_len(p->vx, p->vy) * e->cfg.lookahead_s + 100;
        box_of_path(&e->cfg, p, e->cfg.lookahead_s, margin, u->qbox);
        tf_grid_query(e->tgrid, tf_grid_cells(e->tgrid, u->qbox), pair_visit, u);
    }
    /* Every active pair is evaluated, also when the index no longer offers it. */
    size_t n = a->nact;
    int64_t stack[16], *others = n <= 16 ? stack : malloc(n * sizeof *others);
    if (!others) return TR_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (a->act[i].kind == TF_TRAFFIC) others[k++] = a->act[i].other;
    for (size_t i = 0; i < k && !u->rc; i++) {
        uint32_t o;
        if (tf_idmap_get(&e->tmap, others[i], &o)) pair_visit(o, u);
    }
    if (others != stack) free(others);
    return u->rc;
}

/* ---- objects ---- */

static void object_eval(const tf_engine *e, tf_frame f, const tf_track *a, const tf_object *ob, int cur,
                        eval *ev) {
    const tf_config *c = &e->cfg;
    memset(ev, 0, sizeof *ev);
    ev->in.t_los = ev->out.t_los = -1;
    ev->distance = INFINITY;
    if (!ob->live || ob->owner == a->pos.party) return;
    ev->valid = true;
    tf_path path = {
        a->pos.lon, a->pos.lat, a->pos.alt, a->pos.vx, a->pos.vy, a->pos.vz, (double)a->pos.at_ms / 1000.0,
        f};
    bool low = ob->kind != TF_OPERATION;
    double dv = c->vertical_m * c->hyst_factor, ceil_in = low ? c->low_altitude_m : INFINITY;
    for (uint32_t i = 0; i < ob->nparts; i++) {
        const tf_part_rec *pr = &e->parts[ob->parts[i]];
        tf_hit h;
        double d;
        tf_part_test(pr, &path, c->lookahead_s, 0, ceil_in, 0, &h, &d);
        ev->distance = fmin(ev->distance, d);
        if (h.hit && (!ev->in.hit || h.t_los < ev->in.t_los)) {
            ev->in = h;
            ev->part = (int32_t)i;
        }
        if (cur > 0) {
            tf_part_test(pr, &path, c->lookahead_s + c->hyst_s, dv, low ? ceil_in + dv : INFINITY,
                         c->hyst_factor, &h, &d);
            if (h.hit && (!ev->out.hit || h.t_los < ev->out.t_los)) ev->out = h;
        }
    }
    if (!isfinite(ev->distance)) ev->distance = 0;
}

static void object_visit_slot(update *u, uint32_t os) {
    tf_engine *e = u->e;
    tf_track *a = &e->tracks[u->s];
    tf_object *ob = &e->objs[os];
    if (u->rc || ob->mark == e->gen) return;
    ob->mark = e->gen;
    e->stats.object_tests++;
    tf_act *act = tf__act_find(a, ob->kind, ob->id);
    int cur = act ? act->level : 0;
    eval ev;
    object_eval(e, u->f, a, ob, cur, &ev);
    tf_alert al = {.kind = ob->kind, .track = a->pos.track, .other = ob->id, .at_ms = a->pos.at_ms};
    if (!decide(&e->cfg, cur, &ev, &al)) return;
    if (tf__act_set(a, ob->kind, ob->id, al.level) || tf__push(&u->local, &al)) u->rc = TR_ENOMEM;
}

/* A part in the grid whose box meets the path's box. */
static void part_visit(uint32_t ps, void *ctx) {
    update *u = ctx;
    const tf_part_rec *pr = &u->e->parts[ps];
    if (!pr->live || pr->box[0] > u->qbox[2] || pr->box[2] < u->qbox[0] || pr->box[1] > u->qbox[3] ||
        pr->box[3] < u->qbox[1])
        return;
    object_visit_slot(u, pr->object);
}

/* An active object alert whose object is gone (no slot any more) clears. */
static int gone(update *u, tf_kind kind, int64_t id) {
    tf_track *a = &u->e->tracks[u->s];
    tf_alert al = {.kind = kind,
                   .change = TF_CLEARED,
                   .reason = TF_GONE,
                   .track = a->pos.track,
                   .other = id,
                   .at_ms = a->pos.at_ms,
                   .t_los = -1,
                   .t_cpa = -1,
                   .h_sep = -1,
                   .v_sep = -1,
                   .distance = -1};
    return tf__act_set(a, kind, id, 0) || tf__push(&u->local, &al) ? TR_ENOMEM : TR_OK;
}

static int objects(update *u) {
    tf_engine *e = u->e;
    tf_track *a = &e->tracks[u->s];
    if (e->cfg.brute_force) {
        for (uint32_t o = 0; o < e->nobjs && !u->rc; o++)
            if (e->objs[o].live) object_visit_slot(u, o);
    } else if (e->nobjs) {
        box_of_path(&e->cfg, &a->pos, e->cfg.lookahead_s, 50, u->qbox);
        tf_grid_query(e->ogrid, tf_grid_cells(e->ogrid, u->qbox), part_visit, u);
    }
    for (uint32_t i = 0; i < a->nact && !u->rc;) {
        tf_act x = a->act[i];
        uint32_t os;
        if (x.kind == TF_TRAFFIC) {
            i++;
        } else if (!tf_idmap_get(&e->omap, TF_OBJ_KEY(x.kind, x.other), &os)) {
            u->rc = gone(u, x.kind, x.other); /* removes a->act[i] */
        } else {
            uint32_t before = a->nact;
            object_visit_slot(u, os);
            if (a->nact == before) i++;
        }
    }
    return u->rc;
}

static int cmp_alert(const void *x, const void *y) {
    const tf_alert *a = x, *b = y;
    if (a->kind != b->kind) return (int)a->kind - (int)b->kind;
    return (a->other > b->other) - (a->other < b->other);
}

int tf__evaluate(tf_engine *e, uint32_t s, tf_alerts *out) {
    update u = {.e = e, .s = s, .f = tf_frame_at(e->tracks[s].pos.lat)};
    if (++e->gen == 0) { /* wrapped: no mark may look current */
        for (uint32_t i = 0; i < e->ntracks; i++)
            e->tracks[i].mark = 0;
        for (uint32_t i = 0; i < e->nobjs; i++)
            e->objs[i].mark = 0;
        e->gen = 1;
    }
    int rc = pairs(&u);
    if (rc == TR_OK) rc = objects(&u);
    if (rc == TR_OK && u.local.n) {
        qsort(u.local.v, u.local.n, sizeof *u.local.v, cmp_alert);
        for (size_t i = 0; rc == TR_OK && i < u.local.n; i++)
            rc = tf__push(out, &u.local.v[i]);
    }
    tf_alerts_free(&u.local);
    return rc;
}
