/*
 * traffic.c — the traffic engine's tracks (traffic.h): the id map, each track's last
 * state and active alerts, its place in the grid, and the entry points that take a
 * position, end a track, restore a saved state and read the picture. The evaluation of
 * pairs and objects is in traffic_eval.c, objects in traffic_objects.c.
 *
 * The swept box. A track is kept in the grid under the box its straight path covers from
 * max_ahead_s before its last position to max_age_s + lookahead_s after it, grown by a
 * little more than half the horizontal separation (0.525 H + 100 m) and by 5 % of its
 * displacement (the local frames of two tracks differ by that much only when their
 * latitudes differ by more than a degree and a half at 60 degrees). An update asks the grid
 * for the tracks whose box meets its own path over [0, lookahead_s] grown the same way:
 * any pair whose inner test can find a loss of separation is among them, so the index
 * changes no answer (the brute-force mode and the tests check it).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engines/traffic_int.h"

#define TRACK_CELL_DEG 0.25
#define OBJECT_CELL_DEG 0.5

static const char *const KIND_NAMES[] = {"traffic", "operation", "site", "area"};
static const char *const CHANGE_NAMES[] = {"raised", "escalated", "lowered", "cleared"};
static const char *const REASON_NAMES[] = {"predicted", "separated", "stale", "gone"};

const char *tf_kind_name(tf_kind k) {
    return (unsigned)k < TF_KIND_COUNT ? KIND_NAMES[k] : "?";
}
const char *tf_change_name(tf_change c) {
    return (unsigned)c < 4 ? CHANGE_NAMES[c] : "?";
}
const char *tf_reason_name(tf_reason r) {
    return (unsigned)r < 4 ? REASON_NAMES[r] : "?";
}

tf_config tf_config_default(void) {
    return (tf_config){.horizontal_m = 9260,
                       .vertical_m = 304.8,
                       .lookahead_s = 120,
                       .level_s = {120, 60, 30},
                       .max_age_s = 60,
                       .max_ahead_s = 5,
                       .low_altitude_m = 1500,
                       .hyst_factor = 0.1,
                       .hyst_s = 10};
}

int tf_config_check(const tf_config *c, tr_err *err) {
    if (!(c->horizontal_m > 0 && c->horizontal_m <= 1e6))
        return tr_fail(err, TR_EINVAL, "horizontal_m", "must be in (0, 1000000] m");
    if (!(c->vertical_m > 0 && c->vertical_m <= 1e5))
        return tr_fail(err, TR_EINVAL, "vertical_m", "must be in (0, 100000] m");
    if (!(c->lookahead_s > 0 && c->lookahead_s <= 3600))
        return tr_fail(err, TR_EINVAL, "lookahead_s", "must be in (0, 3600] s");
    if (!(c->level_s[2] > 0 && c->level_s[2] < c->level_s[1] && c->level_s[1] < c->level_s[0] &&
          c->level_s[0] <= c->lookahead_s))
        return tr_fail(
            err, TR_EINVAL, "level_s",
            "the level thresholds must decrease (level 1 > level 2 > level 3 > 0) and level 1's must not "
            "exceed the look-ahead");
    if (!(c->max_age_s >= 0 && c->max_age_s <= 86400 && c->max_ahead_s >= 0 && c->max_ahead_s <= 3600))
        return tr_fail(err, TR_EINVAL, "max_age_s", "must be in [0, 86400] s (max_ahead_s in [0, 3600])");
    if (!(isfinite(c->low_altitude_m) && c->hyst_factor >= 0 && c->hyst_factor <= 10 && c->hyst_s >= 0 &&
          c->hyst_s <= 3600))
        return tr_fail(err, TR_EINVAL, "hyst_factor", "hysteresis must be in [0, 10] and [0, 3600] s");
    return TR_OK;
}

/* ---- id maps ---- */

static size_t slot_hash(int64_t k, size_t cap) {
    return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

bool tf_idmap_get(const tf_idmap *m, int64_t key, uint32_t *val) {
    if (!m->cap) return false;
    for (size_t i = slot_hash(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key) {
            *val = m->vals[i];
            return true;
        }
        if (!m->keys[i]) return false;
    }
}

static int idmap_grow(tf_idmap *m) {
    size_t cap = m->cap ? 2 * m->cap : 256;
    int64_t *k = calloc(cap, sizeof *k);
    uint32_t *v = calloc(cap, sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return TR_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = slot_hash(m->keys[i], cap);
        while (k[j])
            j = (j + 1) & (cap - 1);
        k[j] = m->keys[i];
        v[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
    return TR_OK;
}

int tf_idmap_put(tf_idmap *m, int64_t key, uint32_t val) {
    if ((m->used + 1) * 2 > m->cap && idmap_grow(m)) return TR_ENOMEM;
    size_t i = slot_hash(key, m->cap);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) m->used++;
    m->keys[i] = key;
    m->vals[i] = val;
    return TR_OK;
}

void tf_idmap_free(tf_idmap *m) {
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- life cycle ---- */

tf_engine *tf_engine_new(const tf_config *c) {
    if (tf_config_check(c, NULL)) return NULL;
    tf_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->cfg = *c;
    e->tgrid = tf_grid_new(TRACK_CELL_DEG);
    e->ogrid = tf_grid_new(OBJECT_CELL_DEG);
    if (!e->tgrid || !e->ogrid) {
        tf_engine_free(e);
        return NULL;
    }
    return e;
}

void tf_engine_reset_tracks(tf_engine *e) {
    for (uint32_t i = 0; i < e->ntracks; i++) {
        if (e->tracks[i].in_grid) tf_grid_del(e->tgrid, e->tracks[i].cells, i);
        free(e->tracks[i].act);
    }
    free(e->tracks);
    e->tracks = NULL;
    e->ntracks = e->captracks = 0;
    e->nlive = 0;
    tf_idmap_free(&e->tmap);
}

void tf_engine_free(tf_engine *e) {
    if (!e) return;
    tf_engine_reset_tracks(e);
    tf__objects_free(e);
    tf_grid_free(e->tgrid);
    tf_grid_free(e->ogrid);
    free(e);
}

int tf_engine_configure(tf_engine *e, const tf_config *c, tr_err *err) {
    if (tf_config_check(c, err)) return TR_EINVAL;
    bool brute = c->brute_force != e->cfg.brute_force;
    e->cfg = *c;
    for (uint32_t i = 0; brute && i < e->ntracks; i++) /* the grid is only kept without brute force */
        if (e->tracks[i].in_grid) {
            tf_grid_del(e->tgrid, e->tracks[i].cells, i);
            e->tracks[i].in_grid = false;
        }
    return TR_OK;
}

void tf_alerts_free(tf_alerts *a) {
    free(a->v);
    memset(a, 0, sizeof *a);
}

int tf__push(tf_alerts *out, const tf_alert *a) {
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 16;
        tf_alert *v = realloc(out->v, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        out->v = v;
        out->cap = cap;
    }
    out->v[out->n++] = *a;
    return TR_OK;
}

/* ---- active alerts of a track ---- */

tf_act *tf__act_find(tf_track *t, tf_kind kind, int64_t other) {
    for (uint32_t i = 0; i < t->nact; i++)
        if (t->act[i].kind == kind && t->act[i].other == other) return &t->act[i];
    return NULL;
}

int tf__act_set(tf_track *t, tf_kind kind, int64_t other, int level) {
    tf_act *a = tf__act_find(t, kind, other);
    if (level == 0) {
        if (a) *a = t->act[--t->nact];
        return TR_OK;
    }
    if (a) {
        a->level = (uint8_t)level;
        return TR_OK;
    }
    if (t->nact == t->cap) {
        uint32_t cap = t->cap ? 2 * t->cap : 4;
        tf_act *v = realloc(t->act, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        t->act = v;
        t->cap = cap;
    }
    t->act[t->nact++] = (tf_act){other, (uint8_t)kind, (uint8_t)level};
    return TR_OK;
}

/* ---- tracks ---- */

/* The slot of track id, created (not live, never seen) when absent and create is set. */
static int track_slot(tf_engine *e, int64_t id, bool create, uint32_t *slot) {
    if (tf_idmap_get(&e->tmap, id, slot)) return TR_OK;
    if (!create) return TR_ENOTFOUND;
    if (e->ntracks == e->captracks) {
        uint32_t cap = e->captracks ? 2 * e->captracks : 256;
        tf_track *v = realloc(e->tracks, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        e->tracks = v;
        e->captracks = cap;
    }
    if (tf_idmap_put(&e->tmap, id, e->ntracks)) return TR_ENOMEM;
    memset(&e->tracks[e->ntracks], 0, sizeof e->tracks[e->ntracks]);
    e->tracks[e->ntracks].pos.track = id;
    *slot = e->ntracks++;
    return TR_OK;
}

/* The swept box of the path from t = a to t = b seconds, grown by margin_m. */
static void swept_box(const tf_pos *p, double a, double b, double margin_m, double box[4]) {
    tf_frame f = tf_frame_at(p->lat);
    double x0 = p->lon + p->vx * a / f.kx, x1 = p->lon + p->vx * b / f.kx;
    double y0 = p->lat + p->vy * a / f.ky, y1 = p->lat + p->vy * b / f.ky;
    double dlat = tf_m_to_dlat(margin_m);
    double lat_max = fmax(fabs(fmin(y0, y1) - dlat), fabs(fmax(y0, y1) + dlat));
    double dlon = tf_m_to_dlon(margin_m, lat_max);
    box[0] = fmin(x0, x1) - dlon;
    box[2] = fmax(x0, x1) + dlon;
    box[1] = fmin(y0, y1) - dlat;
    box[3] = fmax(y0, y1) + dlat;
}

static double margin_m(const tf_config *c, const tf_pos *p, double span) {
    return 0.525 * c->horizontal_m + 0.05 * tf_len(p->vx, p->vy) * span + 100;
}

/* The box under which a track is kept (module comment). */
static void stored_box(const tf_config *c, const tf_pos *p, double box[4]) {
    double span = c->max_ahead_s + c->max_age_s + c->lookahead_s;
    swept_box(p, -c->max_ahead_s, c->max_age_s + c->lookahead_s, margin_m(c, p, span), box);
}

static int regrid(tf_engine *e, uint32_t s) {
    tf_track *t = &e->tracks[s];
    if (e->cfg.brute_force) return TR_OK;
    stored_box(&e->cfg, &t->pos, t->box);
    tf_cells c = tf_grid_cells(e->tgrid, t->box);
    if (t->in_grid && tf_cells_equal(c, t->cells)) return TR_OK;
    if (t->in_grid) tf_grid_del(e->tgrid, t->cells, s);
    t->in_grid = false;
    if (tf_grid_add(e->tgrid, c, s)) return TR_ENOMEM;
    t->cells = c;
    t->in_grid = true;
    return TR_OK;
}

static void set_live(tf_engine *e, tf_track *t, bool live) {
    if (live && !t->live) e->nlive++;
    if (!live && t->live) e->nlive--;
    t->live = live;
}

int tf_engine_update(tf_engine *e, const tf_pos *p, tf_alerts *out, tr_err *err) {
    uint32_t s;
    if (p->track <= 0) return tr_fail(err, TR_EINVAL, "track", "track ids are positive");
    int rc = track_slot(e, p->track, true, &s);
    if (rc) return tr_fail(err, rc, "", "out of memory");
    tf_track *t = &e->tracks[s];
    if (t->seen && p->at_ms <= t->pos.at_ms)
        return tr_fail(err, TR_EINVAL, "at", "not later than the track's last position");
    t->pos = *p;
    t->seen = true;
    set_live(e, t, true);
    e->stats.updates++;
    if (regrid(e, s)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t first = out->n;
    rc = tf__evaluate(e, s, out);
    if (rc) {
        out->n = first;
        return tr_fail(err, rc, "", "out of memory");
    }
    return TR_OK;
}

static int cmp_alert(const void *x, const void *y) {
    const tf_alert *a = x, *b = y;
    if (a->kind != b->kind) return (int)a->kind - (int)b->kind;
    return (a->other > b->other) - (a->other < b->other);
}

int tf_engine_end(tf_engine *e, int64_t track, int64_t at_ms, tf_alerts *out, tr_err *err) {
    uint32_t s;
    if (track_slot(e, track, false, &s) || !e->tracks[s].live)
        return tr_fail(err, TR_ENOTFOUND, "track", "track %lld is not live", (long long)track);
    tf_track *t = &e->tracks[s];
    size_t first = out->n;
    while (t->nact > 0) {
        tf_act a = t->act[t->nact - 1];
        tf_alert al = {.kind = a.kind,
                       .change = TF_CLEARED,
                       .reason = TF_STALE,
                       .track = track,
                       .other = a.other,
                       .at_ms = at_ms,
                       .t_los = -1,
                       .t_cpa = -1,
                       .h_sep = -1,
                       .v_sep = -1,
                       .distance = -1};
        uint32_t o;
        if (a.kind == TF_TRAFFIC && track_slot(e, a.other, false, &o) == TR_OK)
            tf__act_set(&e->tracks[o], TF_TRAFFIC, track, 0);
        t->nact--;
        if (tf__push(out, &al)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (out->n > first) qsort(out->v + first, out->n - first, sizeof *out->v, cmp_alert);
    if (t->in_grid) tf_grid_del(e->tgrid, t->cells, s);
    t->in_grid = false;
    set_live(e, t, false);
    return TR_OK;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int tf_engine_stale(const tf_engine *e, int64_t recv_before_ms, int64_t **ids, size_t *n) {
    *ids = NULL;
    *n = 0;
    for (uint32_t i = 0; i < e->ntracks; i++) {
        const tf_track *t = &e->tracks[i];
        if (!t->live || t->pos.recv_ms >= recv_before_ms) continue;
        if (!*ids && !(*ids = malloc(e->nlive * sizeof **ids))) return TR_ENOMEM;
        (*ids)[(*n)++] = t->pos.track;
    }
    if (*n) qsort(*ids, *n, sizeof **ids, cmp_i64);
    return TR_OK;
}

static tf_track_state state_of(const tf_track *t) {
    tf_track_state st = {.pos = t->pos, .live = t->live};
    for (uint32_t i = 0; i < t->nact; i++)
        if (t->act[i].level > st.max_level) st.max_level = t->act[i].level;
    return st;
}

int tf_engine_track(const tf_engine *e, int64_t track, tf_track_state *out) {
    uint32_t s;
    if (!tf_idmap_get(&e->tmap, track, &s) || !e->tracks[s].seen) return TR_ENOTFOUND;
    *out = state_of(&e->tracks[s]);
    return TR_OK;
}

/* Slots of the tracks seen (all, or only live ones), in id order. */
static int sorted_slots(const tf_engine *e, bool live_only, uint32_t **out, size_t *n) {
    int64_t *keys = malloc((e->ntracks ? e->ntracks : 1) * sizeof *keys);
    *out = malloc((e->ntracks ? e->ntracks : 1) * sizeof **out);
    *n = 0;
    if (!keys || !*out) {
        free(keys);
        free(*out);
        *out = NULL;
        return TR_ENOMEM;
    }
    for (uint32_t i = 0; i < e->ntracks; i++)
        if (e->tracks[i].seen && (!live_only || e->tracks[i].live)) keys[(*n)++] = e->tracks[i].pos.track;
    if (*n) qsort(keys, *n, sizeof *keys, cmp_i64);
    for (size_t i = 0; i < *n; i++)
        tf_idmap_get(&e->tmap, keys[i], &(*out)[i]);
    free(keys);
    return TR_OK;
}

int tf_engine_each_live(const tf_engine *e, int (*fn)(const tf_track_state *t, void *ctx), void *ctx) {
    uint32_t *slots;
    size_t n;
    if (sorted_slots(e, true, &slots, &n)) return TR_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        tf_track_state st = state_of(&e->tracks[slots[i]]);
        rc = fn(&st, ctx);
    }
    free(slots);
    return rc;
}

static int cmp_act(const void *x, const void *y) {
    const tf_act *a = x, *b = y;
    if (a->kind != b->kind) return (int)a->kind - (int)b->kind;
    return (a->other > b->other) - (a->other < b->other);
}

int tf_engine_each_alert(const tf_engine *e, int (*fn)(const tf_alert *a, void *ctx), void *ctx) {
    uint32_t *slots;
    size_t n;
    if (sorted_slots(e, false, &slots, &n)) return TR_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        tf_track *t = &e->tracks[slots[i]];
        if (t->nact) qsort(t->act, t->nact, sizeof *t->act, cmp_act);
        for (uint32_t k = 0; rc == 0 && k < t->nact; k++) {
            if (t->act[k].kind == TF_TRAFFIC && t->act[k].other < t->pos.track) continue;
            tf_alert a = {.kind = t->act[k].kind,
                          .level = t->act[k].level,
                          .track = t->pos.track,
                          .other = t->act[k].other,
                          .at_ms = t->pos.at_ms,
                          .t_los = -1,
                          .t_cpa = -1};
            rc = fn(&a, ctx);
        }
    }
    free(slots);
    return rc;
}

size_t tf_engine_live_count(const tf_engine *e) {
    return e->nlive;
}

/* ---- restoring ---- */

int tf_engine_restore_track(tf_engine *e, const tf_pos *p, bool live, tr_err *err) {
    uint32_t s;
    if (p->track <= 0) return tr_fail(err, TR_EINVAL, "track", "track ids are positive");
    if (track_slot(e, p->track, true, &s)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    tf_track *t = &e->tracks[s];
    t->pos = *p;
    t->seen = true;
    set_live(e, t, live);
    if (!live && t->in_grid) {
        tf_grid_del(e->tgrid, t->cells, s);
        t->in_grid = false;
    }
    if (live && regrid(e, s)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

int tf_engine_restore_alert(tf_engine *e, tf_kind kind, int64_t track, int64_t other, int level,
                            tr_err *err) {
    uint32_t s, o = 0;
    if ((unsigned)kind >= TF_KIND_COUNT || level < 0 || level > 3)
        return tr_fail(err, TR_EINVAL, "level", "an alert has a kind and a level 0..3");
    if (track_slot(e, track, false, &s) || (kind == TF_TRAFFIC && track_slot(e, other, false, &o)))
        return level == 0 ? TR_OK
                          : tr_fail(err, TR_ENOTFOUND, "track", "the alert's tracks are not restored");
    if (tf__act_set(&e->tracks[s], kind, other, level) ||
        (kind == TF_TRAFFIC && tf__act_set(&e->tracks[o], kind, track, level)))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

void tf_engine_stats(const tf_engine *e, tf_stats *out) {
    *out = e->stats;
}
