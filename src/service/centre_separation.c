/*
 * centre_separation.c — GET /v1/agreements/{id}/separation (issue 20; docs/separation.md):
 * the ground where designated areas of the agreement's excluded actors overlap control
 * areas of its parties, at an instant or as a daily series, as the viewer may see the
 * areas, measured by the separation engine (engines/separation.h); and the incidents
 * whose alleged perpetrator is an excluded actor that occurred inside a party's control
 * area, with their grades.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "domain/humanitarian.h"
#include "engines/separation.h"
#include "service/centre_humanitarian.h"
#include "service/centre_measures.h"
#include "service/centre_mine.h"

#define km2 centre__km2
#define INCIDENTS_MAX 500 /* incidents listed in one answer (all are counted) */

/* Every version of the agreement's parties' control areas and of its excluded actors'
 * designated areas that the viewer may see, with shapes. */
typedef struct sep_set {
    const tr_party *viewer;
    const tr_agreement *ag;
    tr_area *areas;
    size_t n, cap;
    tr_err *err;
} sep_set;

static bool listed(char *const *v, size_t n, const char *s) {
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(v[i], s) == 0) return true;
    return false;
}

static bool in_force(const tr_area *a, int64_t t) {
    return a->valid_from <= t && t < a->effective_to;
}

static int keep(tr_area *a, void *ctx) {
    sep_set *s = ctx;
    bool party = a->kind == AREA_CONTROL && listed(s->ag->parties, s->ag->nparties, a->party);
    bool excluded = a->kind == AREA_DESIGNATED && listed(s->ag->excluded, s->ag->nexcluded, a->actor);
    if ((!party && !excluded) || !centre_area_visible(a, s->viewer)) return TR_OK;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        tr_area *na = realloc(s->areas, cap * sizeof *na);
        if (!na) return tr_fail(s->err, TR_ENOMEM, "", "out of memory");
        s->areas = na;
        s->cap = cap;
    }
    int rc = tr_area_build_shape(a, s->err);
    if (rc) return rc;
    s->areas[s->n++] = *a;
    memset(a, 0, sizeof *a); /* taken */
    return TR_OK;
}

static void sep_set_clear(sep_set *s) {
    for (size_t i = 0; i < s->n; i++)
        tr_area_clear(&s->areas[i]);
    free(s->areas);
    s->areas = NULL;
    s->n = s->cap = 0;
}

/* The agreement id as viewer may see it (else 404), and its areas. */
static int sep_set_load(centre *c, const tr_party *viewer, int64_t id, tr_agreement *ag, sep_set *s,
                        tr_err *err) {
    memset(s, 0, sizeof *s);
    int rc = store_agreement_get(c->store, id, ag, err);
    if (rc == TR_ENOTFOUND)
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no agreement %lld", (long long)id);
    if (rc) return rc;
    if (!centre_agreement_visible(ag, viewer)) {
        tr_agreement_clear(ag);
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no agreement %lld", (long long)id);
    }
    *s = (sep_set){.viewer = viewer, .ag = ag, .err = err};
    rc = store_area_each(c->store, keep, s, err);
    if (rc) {
        sep_set_clear(s);
        tr_agreement_clear(ag);
    }
    return rc;
}

/* What is in force at one instant: claims, designated areas and their indexes in the set. */
typedef struct sel {
    terr_claim *claims;
    sep_area *des;
    size_t nc, nd;
    size_t *idx; /* the set's indexes in force (claims, then designated): the selection's key */
    size_t nidx;
} sel;

static void sel_clear(sel *x) {
    free(x->claims);
    free(x->des);
    free(x->idx);
    memset(x, 0, sizeof *x);
}

static int select_at(const sep_set *s, int64_t t, sel *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    out->claims = calloc(s->n + 1, sizeof *out->claims);
    out->des = calloc(s->n + 1, sizeof *out->des);
    out->idx = calloc(s->n + 1, sizeof *out->idx);
    if (!out->claims || !out->des || !out->idx) {
        sel_clear(out);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    for (size_t i = 0; i < s->n; i++) {
        const tr_area *a = &s->areas[i];
        if (!in_force(a, t)) continue;
        out->idx[out->nidx++] = i;
        if (a->kind == AREA_CONTROL)
            out->claims[out->nc++] = (terr_claim){a->party, a->shape};
        else
            out->des[out->nd++] = (sep_area){a->id, a->shape};
    }
    return TR_OK;
}

static bool same_selection(const sel *a, const sel *b) {
    return a->nidx == b->nidx && memcmp(a->idx, b->idx, a->nidx * sizeof *a->idx) == 0;
}

/* The designated area (in force at the selection) with id, or NULL. */
static const tr_area *designated_of(const sep_set *s, const sel *x, size_t k) {
    for (size_t i = 0; i < x->nidx; i++) {
        const tr_area *a = &s->areas[x->idx[i]];
        if (a->kind == AREA_DESIGNATED && k-- == 0) return a;
    }
    return NULL;
}

/* {"at", "commingled_km2", "designated_km2", "parties": {P: {...}}, "areas": [...]}. */
static json_t *instant_json(const sep_set *s, const sel *x, const sep_result *r, int64_t t) {
    json_t *parties = json_object(), *areas = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const sep_party *p = &r->parties[i];
        if (p->claimed_m2 <= 0) continue; /* no ground here (inside `within`) */
        json_t *by = json_array();
        for (size_t k = 0; k < r->nareas; k++)
            if (p->by_area[k] > 0)
                json_array_append_new(by, json_pack("{s:I, s:f}", "id", (json_int_t)x->des[k].id,
                                                    "commingled_km2", km2(p->by_area[k])));
        double share = p->claimed_m2 > 0 ? round(p->commingled_m2 / p->claimed_m2 * 1e6) / 1e6 : 0;
        json_object_set_new(parties, p->party,
                            json_pack("{s:f, s:f, s:f, s:o}", "commingled_km2", km2(p->commingled_m2),
                                      "claimed_km2", km2(p->claimed_m2), "commingled_share", share, "areas",
                                      by));
    }
    for (size_t k = 0; k < r->nareas; k++) {
        const tr_area *a = designated_of(s, x, k);
        json_t *by = json_object();
        for (size_t i = 0; i < r->n; i++)
            if (r->parties[i].by_area[k] > 0)
                json_object_set_new(by, r->parties[i].party, json_real(km2(r->parties[i].by_area[k])));
        json_array_append_new(areas, json_pack("{s:I, s:i, s:s, s:s, s:f, s:o}", "id", (json_int_t)a->id,
                                               "version", a->version, "name", a->name, "actor", a->actor,
                                               "area_km2", km2(r->area_m2[k]), "parties", by));
    }
    return json_pack("{s:o, s:f, s:f, s:o, s:o}", "at", tr_json_time_value(t), "commingled_km2",
                     km2(r->commingled_m2), "designated_km2", km2(r->designated_m2), "parties", parties,
                     "areas", areas);
}

/* The measure at t as a JSON value (instant_json). */
static int measure_json(const sep_set *s, int64_t t, const geo_region *within, json_t **out, tr_err *err) {
    sel x;
    sep_result r;
    int rc = select_at(s, t, &x, err);
    if (rc == TR_OK && (rc = sep_measure(x.claims, x.nc, x.des, x.nd, within, &r, err)) == TR_OK) {
        *out = instant_json(s, &x, &r, t);
        sep_result_clear(&r);
    }
    sel_clear(&x);
    return rc;
}

/* ---- the daily series ---- */

/* {"date", "at", "commingled_km2", "parties": {P: commingled_km2}}. */
static json_t *day_json(const sep_result *r, int64_t t) {
    char b[TR_TIME_BUFSZ];
    json_t *parties = json_object();
    for (size_t i = 0; i < r->n; i++)
        if (r->parties[i].claimed_m2 > 0)
            json_object_set_new(parties, r->parties[i].party, json_real(km2(r->parties[i].commingled_m2)));
    tr_time_format(t, b);
    b[10] = 0;
    return json_pack("{s:s, s:o, s:f, s:o}", "date", b, "at", tr_json_time_value(t), "commingled_km2",
                     km2(r->commingled_m2), "parties", parties);
}

/* A day whose areas in force are those of the day before: the same figures. */
static json_t *day_again(const json_t *prev, int64_t t) {
    json_t *d = json_deep_copy(prev);
    char b[TR_TIME_BUFSZ];
    tr_time_format(t, b);
    json_object_set_new(d, "at", json_string(b));
    b[10] = 0;
    json_object_set_new(d, "date", json_string(b));
    return d;
}

/* The least-squares slope of the days' commingled_km2, per day (0 for fewer than two). */
static double slope(const json_t *days) {
    size_t n = json_array_size(days);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double y = json_real_value(json_object_get(json_array_get(days, i), "commingled_km2"));
        sx += (double)i, sy += y, sxx += (double)i * (double)i, sxy += (double)i * y;
    }
    double d = (double)n * sxx - sx * sx;
    return n > 1 && d > 0 ? round(((double)n * sxy - sx * sy) / d * 1e6) / 1e6 : 0;
}

static int series_json(const sep_set *s, int64_t from, int64_t to, const geo_region *within, json_t **out,
                       tr_err *err) {
    json_t *days = json_array();
    sel prev = {0};
    int rc = TR_OK;
    for (int64_t t = from; rc == TR_OK && t <= to; t += TR_DAY) {
        sel x;
        if ((rc = select_at(s, t, &x, err))) break;
        json_t *last = json_array_get(days, json_array_size(days) - 1);
        if (last && same_selection(&x, &prev)) {
            json_array_append_new(days, day_again(last, t));
        } else {
            sep_result r;
            if ((rc = sep_measure(x.claims, x.nc, x.des, x.nd, within, &r, err)) == TR_OK) {
                json_array_append_new(days, day_json(&r, t));
                sep_result_clear(&r);
            }
        }
        sel_clear(&prev);
        prev = x;
    }
    sel_clear(&prev);
    size_t n = json_array_size(days);
    double first = n ? json_real_value(json_object_get(json_array_get(days, 0), "commingled_km2")) : 0;
    double last = n ? json_real_value(json_object_get(json_array_get(days, n - 1), "commingled_km2")) : 0;
    if (rc == TR_OK)
        *out = json_pack("{s:o, s:f, s:f}", "days", days, "change_km2", round((last - first) * 1e6) / 1e6,
                         "trend_km2_per_day", slope(days));
    else
        json_decref(days);
    return rc;
}

/* ---- incidents by excluded actors inside the parties' control areas ---- */

typedef struct inc_ctx {
    const sep_set *s;
    const tr_area *within; /* or NULL */
    json_t *items, *by_grade, *by_party;
    size_t count;
} inc_ctx;

/* The party control area (visible, in force at t) covering the point, or NULL. */
static const tr_area *control_at(const sep_set *s, int64_t t, double lon, double lat) {
    for (size_t i = 0; i < s->n; i++) {
        const tr_area *a = &s->areas[i];
        if (a->kind == AREA_CONTROL && in_force(a, t) && geo_shape_covers(a->shape, lon, lat)) return a;
    }
    return NULL;
}

static void count_in(json_t *obj, const char *key) {
    json_object_set_new(obj, key, json_integer(json_integer_value(json_object_get(obj, key)) + 1));
}

static void incident_add(inc_ctx *x, const mon_incident *inc) {
    if (!listed(x->s->ag->excluded, x->s->ag->nexcluded, inc->perpetrator)) return;
    if (x->within && !geo_shape_covers(x->within->shape, inc->lon, inc->lat)) return;
    const tr_area *a = control_at(x->s, inc->occurred_at, inc->lon, inc->lat);
    if (!a) return;
    x->count++;
    count_in(x->by_grade, mon_grade_name(inc->grade));
    count_in(x->by_party, a->party);
    if (json_array_size(x->items) < INCIDENTS_MAX)
        json_array_append_new(
            x->items, json_pack("{s:I, s:o, s:s, s:s, s:I, s:s, s:s, s:f, s:f}", "id", (json_int_t)inc->id,
                                "occurred_at", tr_json_time_value(inc->occurred_at), "perpetrator",
                                inc->perpetrator, "party", a->party, "control_area", (json_int_t)a->id,
                                "grade", mon_grade_name(inc->grade), "class", mon_class_name(inc->cls), "lon",
                                inc->lon, "lat", inc->lat));
}

/* Incidents that occurred in [from, to): {"count", "by_grade", "by_party", "items", "truncated"}. */
static int incidents_json(centre *c, const sep_set *s, int64_t from, int64_t to, const tr_area *within,
                          json_t **out, tr_err *err) {
    inc_ctx x = {s, within, json_array(), json_object(), json_object(), 0};
    int64_t *ids = NULL;
    size_t n = 0;
    pthread_mutex_lock(&c->mon_mu);
    int rc = mon_engine_incidents_between(c->mon, from, to, MON_BY_OCCURRED, &ids, &n);
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        mon_incident inc;
        if (mon_engine_incident_page(c->mon, ids[i], false, 0, 0, &inc, NULL) != TR_OK) continue;
        if (inc.id == ids[i] && inc.occurred_at >= from && inc.occurred_at < to) incident_add(&x, &inc);
        mon_incident_clear(&inc);
    }
    pthread_mutex_unlock(&c->mon_mu);
    free(ids);
    if (rc) {
        json_decref(x.items);
        json_decref(x.by_grade);
        json_decref(x.by_party);
        return tr_fail(err, rc, "", "out of memory");
    }
    *out = json_pack("{s:I, s:o, s:o, s:o, s:b}", "count", (json_int_t)x.count, "by_grade", x.by_grade,
                     "by_party", x.by_party, "items", x.items, "truncated", x.count > INCIDENTS_MAX);
    return TR_OK;
}

/* ---- the answer ---- */

static json_t *agreement_json(const tr_agreement *a) {
    json_t *parties = json_array(), *excluded = json_array();
    for (size_t i = 0; i < a->nparties; i++)
        json_array_append_new(parties, json_string(a->parties[i]));
    for (size_t i = 0; i < a->nexcluded; i++)
        json_array_append_new(excluded, json_string(a->excluded[i]));
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o}", "id", (json_int_t)a->id, "name", a->name, "start",
                     tr_json_time_value(a->start), "end", tr_json_time_value(a->end), "parties", parties,
                     "excluded_actors", excluded);
}

/* The within area (as at t): its region, its version (for incidents) and its description. */
typedef struct within_arg {
    tr_area area;
    geo_region *region;
    json_t *desc;
} within_arg;

static int within_load(centre *c, const tr_party *viewer, int64_t id, int64_t t, within_arg *w, tr_err *err) {
    memset(w, 0, sizeof *w);
    if (!id) return TR_OK;
    int rc = centre__area_at(c, viewer, id, t, "within", &w->area, err);
    if (rc == TR_OK) rc = geo_region_from_shape(w->area.shape, &w->region, err);
    if (rc == TR_OK)
        w->desc = json_pack("{s:I, s:i, s:s, s:f}", "id", (json_int_t)w->area.id, "version", w->area.version,
                            "name", w->area.name, "area_km2", km2(geo_region_area_m2(w->region)));
    return rc;
}

static void within_clear(within_arg *w) {
    tr_area_clear(&w->area);
    geo_region_free(w->region);
    json_decref(w->desc);
}

int centre_separation(centre *c, const tr_party *viewer, const centre_separation_q *q, json_t **out,
                      tr_err *err) {
    tr_agreement ag;
    sep_set s;
    int64_t from = q->has_series ? q->from : q->at - ((q->at % TR_DAY) + TR_DAY) % TR_DAY;
    int64_t to = q->has_series ? q->to + 1 : from + TR_DAY; /* incidents: the days asked about */
    if (q->inc_to > q->inc_from) from = q->inc_from, to = q->inc_to;
    int rc = sep_set_load(c, viewer, q->agreement, &ag, &s, err);
    if (rc) return rc;
    within_arg w;
    json_t *measure = NULL, *incidents = NULL;
    rc = within_load(c, viewer, q->within, q->has_series ? q->from : q->at, &w, err);
    if (rc == TR_OK)
        rc = q->has_series ? series_json(&s, q->from, q->to, w.region, &measure, err)
                           : measure_json(&s, q->at, w.region, &measure, err);
    if (rc == TR_OK) rc = incidents_json(c, &s, from, to, q->within ? &w.area : NULL, &incidents, err);
    if (rc == TR_OK) {
        *out = measure;
        measure = NULL;
        json_object_set_new(*out, "agreement", agreement_json(&ag));
        json_object_set_new(*out, "in_force",
                            json_boolean(tr_agreement_in_force(&ag, q->has_series ? q->to : q->at)));
        json_object_set_new(*out, "within", w.desc ? json_incref(w.desc) : json_null());
        json_object_set_new(*out, "incidents", incidents);
        if (q->has_series) {
            json_object_set_new(*out, "from", tr_json_time_value(q->from));
            json_object_set_new(*out, "to", tr_json_time_value(q->to));
        }
    }
    json_decref(measure);
    within_clear(&w);
    sep_set_clear(&s);
    tr_agreement_clear(&ag);
    return rc;
}

/* ---- separation steps ---- */

static json_t *step_measure(const sep_set *s, int64_t t, const geo_region *within, tr_err *err) {
    json_t *m = NULL;
    if (measure_json(s, t, within, &m, err)) return NULL;
    json_object_del(m, "areas");
    json_object_del(m, "designated_km2");
    return m;
}

int centre__separation_step(centre *c, const tr_party *viewer, int64_t ag_id, int64_t area_id,
                            int64_t deadline, int64_t now, json_t **out, tr_err *err) {
    tr_agreement ag;
    sep_set s;
    int rc = sep_set_load(c, viewer, ag_id, &ag, &s, err);
    if (rc) return rc;
    within_arg w[2];
    json_t *m[2] = {NULL, NULL};
    int64_t t[2] = {deadline, now};
    memset(w, 0, sizeof w);
    for (int k = 0; rc == TR_OK && k < 2; k++) {
        if (t[k] == TR_TIME_OPEN) continue;
        tr_err e = {0};
        if (within_load(c, viewer, area_id, t[k], &w[k], &e) != TR_OK)
            continue; /* not visible: not measured */
        m[k] = step_measure(&s, t[k], w[k].region, err);
        if (!m[k]) rc = err->code ? (int)err->code : tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (rc == TR_OK)
        *out = json_pack("{s:o, s:o, s:o}", "area", w[1].desc ? json_incref(w[1].desc) : json_null(),
                         "at_deadline", m[0] ? m[0] : json_null(), "now", m[1] ? m[1] : json_null());
    else
        for (int k = 0; k < 2; k++)
            json_decref(m[k]);
    for (int k = 0; k < 2; k++)
        within_clear(&w[k]);
    sep_set_clear(&s);
    tr_agreement_clear(&ag);
    return rc;
}

/* "declared done, but 12.3 km² remain commingled ..." when the measure contradicts it. */
static void judge(json_t *sep, const char *status) {
    double d = json_real_value(json_object_get(json_object_get(sep, "at_deadline"), "commingled_km2"));
    double n = json_real_value(json_object_get(json_object_get(sep, "now"), "commingled_km2"));
    bool done = status && strcmp(status, "done") == 0, bad = done && (d > 0 || n > 0);
    char note[256], a[TR_REAL_BUFSZ], b[TR_REAL_BUFSZ];
    tr_real_format(d, a);
    tr_real_format(n, b);
    if (bad)
        snprintf(note, sizeof note,
                 "declared done, but the measure shows %s km2 commingled at the deadline and %s km2 now", a,
                 b);
    else
        snprintf(note, sizeof note, "%s km2 commingled at the deadline, %s km2 now", a, b);
    json_object_set_new(sep, "contradicted", json_boolean(bad));
    json_object_set_new(sep, "note", json_string(note));
}

int centre__timeline_separation(centre *c, const tr_party *viewer, const tr_agreement *ag, int64_t at,
                                json_t *timeline, tr_err *err) {
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(timeline, "steps"), i, st) {
        json_t *sep = json_object_get(st, "separation");
        int64_t area = json_integer_value(json_object_get(sep, "area")), deadline;
        if (!area || tr_time_parse(json_string_value(json_object_get(st, "deadline")), &deadline)) continue;
        json_t *m = NULL;
        int rc = centre__separation_step(c, viewer, ag->id, area, deadline, at, &m, err);
        if (rc) return rc;
        json_t *desc = json_object_get(m, "area");
        json_object_set(sep, "area_name", json_is_object(desc) ? json_object_get(desc, "name") : json_null());
        json_object_set(sep, "at_deadline", json_object_get(m, "at_deadline"));
        json_object_set(sep, "now", json_object_get(m, "now"));
        judge(sep, json_string_value(json_object_get(st, "status")));
        json_decref(m);
    }
    return TR_OK;
}

int centre_step_page(centre *c, const tr_party *viewer, int64_t step_id, int64_t at, json_t **out,
                     tr_err *err) {
    int64_t ag = 0;
    json_t *tl = NULL;
    *out = NULL;
    int rc = store_step_agreement(c->store, step_id, &ag, err);
    if (rc == TR_OK) rc = centre_timeline(c, viewer, ag, at, &tl, err);
    if (rc == TR_ENOTFOUND) /* the agreement hidden from the viewer: its step is as absent */
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no step %lld", (long long)step_id);
    if (rc) return rc; /* a storage failure keeps its code */
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(tl, "steps"), i, st) {
        if (json_integer_value(json_object_get(st, "id")) != step_id) continue;
        *out = json_incref(st);
        json_object_set_new(
            *out, "agreement",
            json_pack("{s:I, s:O}", "id", (json_int_t)ag, "name", json_object_get(tl, "name")));
        json_object_set(*out, "at", json_object_get(tl, "at"));
        break;
    }
    json_decref(tl);
    return *out ? TR_OK : tr_fail(err, TR_ENOTFOUND, "id", "there is no step %lld", (long long)step_id);
}
