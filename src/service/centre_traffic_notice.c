/*
 * centre_traffic_notice.c — alert changes into rows, log entries and notices, and how
 * each party may see them (centre_traffic.h, docs/traffic.md "Alerts out").
 *
 * Who is told: a pair's two parties; an operation alert's track party and operation owner;
 * a site or no-strike area alert only the object's owner (the track's party is not told
 * where a protected object is). What each sees: its own track or object in full ("yours"),
 * and the other as it may read it ("other"). A track the party may not read is
 * {"restricted": true, "label": "restricted traffic", "contact": its party, "distance_band"}
 * — never its id, own id, callsign, position or velocity — and then the alert's figures
 * come in bands too (separations in NM / ft bands, times rounded down to 10 s), because
 * exact figures second after second would give the position away.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_traffic_int.h"

static const char *const LEVEL_NAMES[] = {"none", "advisory", "caution", "warning"};

/* ---- bands ---- */

static const char *distance_band(double m) {
    static const struct {
        double below_nm;
        const char *name;
    } bands[] = {{1, "under 1 NM"}, {3, "1-3 NM"}, {5, "3-5 NM"}, {10, "5-10 NM"}, {20, "10-20 NM"}};
    for (size_t i = 0; i < sizeof bands / sizeof *bands; i++)
        if (m < bands[i].below_nm * 1852) return bands[i].name;
    return "20 NM or more";
}

static const char *vertical_band(double m) {
    static const struct {
        double below_ft;
        const char *name;
    } bands[] = {{500, "under 500 ft"}, {1000, "500-1,000 ft"}, {2000, "1,000-2,000 ft"}};
    for (size_t i = 0; i < sizeof bands / sizeof *bands; i++)
        if (m < bands[i].below_ft * 0.3048) return bands[i].name;
    return "2,000 ft or more";
}

static json_t *rounded(double t) {
    return t < 0 ? json_null() : json_real(floor(t / 10) * 10);
}

static json_t *exact(double t) {
    return t < 0 ? json_null() : json_real(t);
}

/* ---- tracks and objects as a viewer may see them ---- */

static bool track_visible(const ct_track *k, const tr_party *viewer) {
    return k && k->used && centre_track_visible(k->party, &k->vis, viewer);
}

json_t *ct_track_view(centre *c, int64_t id, const tr_party *viewer, double distance_m) {
    ct_track *k = ct_track_find(c->traffic, id);
    if (!track_visible(k, viewer))
        return json_pack("{s:s, s:b, s:s, s:s, s:s?}", "type", "track", "restricted", true, "label",
                         "restricted traffic", "contact", k && k->used ? k->party : "", "distance_band",
                         distance_m < 0 ? NULL : distance_band(distance_m));
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:b}", "type", "track", "id", (json_int_t)id, "track", k->ext,
                          "owner", k->party, "restricted", false);
    if (o && k->callsign[0]) json_object_set_new(o, "callsign", json_string(k->callsign));
    return o;
}

/* The track's last position and velocity (tracks the viewer may read only). */
static void add_state(centre *c, json_t *view, int64_t id) {
    tf_track_state st;
    if (json_is_true(json_object_get(view, "restricted")) || tf_engine_track(c->traffic->e, id, &st)) return;
    tr_position p = {.at_ms = st.pos.at_ms,
                     .lon = st.pos.lon,
                     .lat = st.pos.lat,
                     .alt_m = st.pos.alt,
                     .vx = st.pos.vx,
                     .vy = st.pos.vy,
                     .vz = st.pos.vz};
    json_t *x = tr_position_to_json(&p);
    json_object_del(x, "track");
    json_object_set_new(view, "position", x);
}

/* The operation, site or area an object alert names (read from the store) into *out, and
 * its owner; *out NULL when there is none. A storage failure is returned. */
static int object_view(centre *c, tf_kind kind, int64_t id, int part, char *owner, json_t **out, tr_err *err) {
    json_t *o = NULL;
    int rc;
    owner[0] = '\0';
    *out = NULL;
    if (kind == TF_OPERATION) {
        tr_operation op;
        if ((rc = store_operation_get(c->store, id, &op, err))) return rc == TR_ENOTFOUND ? TR_OK : rc;
        snprintf(owner, TR_NAME_MAX + 1, "%s", op.owner);
        o = json_pack("{s:s, s:I, s:s, s:s, s:i}", "type", "operation", "id", (json_int_t)id, "owner",
                      op.owner, "kind", op.kind, "volume", part);
        tr_operation_clear(&op);
    } else if (kind == TF_SITE) {
        tr_site s;
        if ((rc = store_site_get(c->store, id, &s, err))) return rc == TR_ENOTFOUND ? TR_OK : rc;
        snprintf(owner, TR_NAME_MAX + 1, "%s", s.owner);
        o = json_pack("{s:s, s:I, s:s, s:s, s:s?}", "type", "site", "id", (json_int_t)id, "owner", s.owner,
                      "kind", s.kind, "name", s.name);
        tr_site_clear(&s);
    } else {
        tr_area a;
        if ((rc = store_area_get(c->store, id, 0, &a, err))) return rc == TR_ENOTFOUND ? TR_OK : rc;
        const char *who = a.party ? a.party : a.created_by ? a.created_by : "";
        snprintf(owner, TR_NAME_MAX + 1, "%s", who);
        o = json_pack("{s:s, s:I, s:s, s:s?}", "type", "area", "id", (json_int_t)id, "owner", who, "name",
                      a.name);
        tr_area_clear(&a);
    }
    *out = o;
    return o ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

/* ---- an alert as a viewer may see it ---- */

typedef struct sides {
    json_t *yours, *other;
    bool banded; /* the other side is a track the viewer may not read */
} sides;

static int traffic_sides(centre *c, const store_traffic_alert *a, const tr_party *viewer, bool state,
                         sides *s) {
    ct_track *ka = ct_track_find(c->traffic, a->track_id), *kb = ct_track_find(c->traffic, a->other_id);
    if (!ka || !kb) return TR_ENOTFOUND;
    bool mine_b = strcmp(kb->party, viewer->name) == 0;
    if (!mine_b && strcmp(ka->party, viewer->name) != 0 && !tr_party_is_privileged(viewer))
        return TR_ENOTFOUND;
    int64_t own = mine_b ? a->other_id : a->track_id, other = mine_b ? a->track_id : a->other_id;
    s->yours = ct_track_view(c, own, viewer, 0);
    s->other = ct_track_view(c, other, viewer, a->distance);
    s->banded = json_is_true(json_object_get(s->other, "restricted"));
    if (state) {
        add_state(c, s->yours, own);
        add_state(c, s->other, other);
    }
    return TR_OK;
}

/* TR_ENOTFOUND when the viewer is not told of a; a storage failure is returned. */
static int object_sides(centre *c, const store_traffic_alert *a, tf_kind kind, const tr_party *viewer,
                        bool state, sides *s, tr_err *err) {
    char owner[TR_NAME_MAX + 1];
    json_t *obj;
    int rc = object_view(c, kind, a->other_id, a->part, owner, &obj, err);
    if (rc) return rc;
    ct_track *k = ct_track_find(c->traffic, a->track_id);
    bool owns_track = k && k->used && strcmp(k->party, viewer->name) == 0;
    bool owns_obj = strcmp(owner, viewer->name) == 0;
    /* The track's party learns of operations only (sites and areas may be restricted). */
    if (!obj || !(owns_obj || (owns_track && kind == TF_OPERATION) || tr_party_is_privileged(viewer))) {
        json_decref(obj);
        return TR_ENOTFOUND;
    }
    json_t *track = ct_track_view(c, a->track_id, viewer, a->distance);
    if (state) add_state(c, track, a->track_id);
    bool track_side = owns_track && !owns_obj;
    s->yours = track_side ? track : obj;
    s->other = track_side ? obj : track;
    s->banded = json_is_true(json_object_get(track, "restricted"));
    return TR_OK;
}

static json_t *band_or_null(double v, const char *(*band)(double)) {
    return v < 0 ? json_null() : json_string(band(v));
}

static void add_figures(json_t *v, const store_traffic_alert *a, bool banded, bool pair) {
    if (banded) {
        json_object_set_new(v, "time_to_los_s", rounded(a->t_los));
        json_object_set_new(v, "time_to_cpa_s", rounded(a->t_cpa));
        if (pair) {
            json_object_set_new(v, "horizontal_separation_band", band_or_null(a->h_sep, distance_band));
            json_object_set_new(v, "vertical_separation_band", band_or_null(a->v_sep, vertical_band));
        }
        return;
    }
    json_object_set_new(v, "time_to_los_s", exact(a->t_los));
    json_object_set_new(v, "time_to_cpa_s", exact(a->t_cpa));
    if (pair) {
        json_object_set_new(v, "horizontal_separation_m", exact(a->h_sep));
        json_object_set_new(v, "vertical_separation_m", exact(a->v_sep));
    }
    json_object_set_new(v, "distance_m", exact(a->distance));
}

/* The alert as viewer may see it into *out (NULL when viewer is not told of it). */
static int view(centre *c, const store_traffic_alert *a, const tr_party *viewer, bool state, json_t **out,
                tr_err *err) {
    tf_kind kind;
    sides s = {0};
    *out = NULL;
    if (ct_kind_parse(a->kind, &kind)) return TR_OK;
    int rc = kind == TF_TRAFFIC ? traffic_sides(c, a, viewer, state, &s)
                                : object_sides(c, a, kind, viewer, state, &s, err);
    if (rc) return rc == TR_ENOTFOUND ? TR_OK : rc;
    char at[TR_TIME_BUFSZ];
    json_t *v = json_pack("{s:I, s:s, s:s, s:s, s:i, s:s, s:s, s:o, s:o}", "alert", (json_int_t)a->id, "kind",
                          a->kind, "change", a->change, "reason", a->reason, "level", a->level, "level_name",
                          LEVEL_NAMES[a->level >= 0 && a->level <= 3 ? a->level : 0], "at",
                          tr_time_format_ms(a->at_ms, at), "yours", s.yours, "other", s.other);
    if (!v) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int64_t episode = 0;
    if ((rc = store_traffic_alert_episode(c->store, a, &episode, err))) {
        json_decref(v);
        return rc;
    }
    if (episode) json_object_set_new(v, "episode", json_integer(episode));
    add_figures(v, a, s.banded, kind == TF_TRAFFIC);
    *out = v;
    return TR_OK;
}

int ct_alert_view(centre *c, const store_traffic_alert *a, const tr_party *viewer, json_t **out, tr_err *err) {
    return view(c, a, viewer, false, out, err);
}

/* ---- recording ---- */

/* The party as it is (its role decides what it may read); a revoked one as an observer. */
static int viewer_of(centre *c, const char *name, tr_party *p, tr_err *err) {
    int rc = store_party_get(c->store, name, p, err);
    if (rc != TR_ENOTFOUND) return rc;
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%.*s", TR_NAME_MAX, name);
    p->role = ROLE_OBSERVER;
    return TR_OK;
}

static int notify(centre *c, const store_traffic_alert *a, const char *party, int64_t now, tr_err *err) {
    tr_party viewer;
    json_t *payload = NULL;
    int rc = viewer_of(c, party, &viewer, err);
    if (rc == TR_OK) rc = view(c, a, &viewer, true, &payload, err);
    if (rc || !payload) return rc; /* nothing of this party's (cannot happen for the parties chosen) */
    rc = centre__notice(c, party, "traffic", "traffic_alert", a->id, payload, now, TR_TIME_OPEN, NULL, err);
    json_decref(payload);
    return rc;
}

/* The parties told of alert a (at most two, distinct) into out, *count of them. */
static int recipients(centre *c, const store_traffic_alert *a, tf_kind kind, char out[2][TR_NAME_MAX + 1],
                      size_t *count, tr_err *err) {
    size_t n = 0;
    ct_track *k = ct_track_find(c->traffic, a->track_id);
    if (kind == TF_TRAFFIC || kind == TF_OPERATION)
        snprintf(out[n++], TR_NAME_MAX + 1, "%s", k ? k->party : "");
    if (kind == TF_TRAFFIC) {
        ct_track *o = ct_track_find(c->traffic, a->other_id);
        snprintf(out[n++], TR_NAME_MAX + 1, "%s", o ? o->party : "");
    } else {
        json_t *obj;
        int rc = object_view(c, kind, a->other_id, a->part, out[n], &obj, err);
        if (rc) return rc;
        json_decref(obj);
        n++;
    }
    if (n == 2 && strcmp(out[0], out[1]) == 0) n = 1;
    *count = n;
    return TR_OK;
}

int ct_record_alert(centre *c, const char *by, int64_t batch_id, const tf_alert *x, tr_err *err) {
    store_traffic_alert a = ct_alert_row(x, batch_id);
    int rc = store_traffic_alert_insert(c->store, &a, err);
    if (rc) return rc;
    json_t *obj = centre_object_traffic_alert(&a);
    char ref[CENTRE_REF_MAX];
    centre_ref_traffic_alert(a.id, ref);
    rc = obj ? centre__log(c, by, NULL, TR_ENTRY(TRAFFIC_ALERT), ref, obj, NULL, err)
             : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    char to[2][TR_NAME_MAX + 1];
    size_t n = 0;
    if (rc == TR_OK) rc = recipients(c, &a, x->kind, to, &n, err);
    int64_t now = tr_time_now();
    for (size_t i = 0; rc == TR_OK && i < n; i++)
        if (to[i][0]) rc = notify(c, &a, to[i], now, err);
    return rc;
}

int ct_notice_stale(centre *c, int64_t track_id, int64_t last_ms, int64_t now_s, tr_err *err) {
    ct_track *k = ct_track_find(c->traffic, track_id);
    if (!k || !k->used) return TR_OK;
    tr_party owner;
    int rc = viewer_of(c, k->party, &owner, err);
    if (rc) return rc;
    char at[TR_TIME_BUFSZ];
    json_t *payload =
        json_pack("{s:s, s:s, s:o, s:s}", "change", "ended", "reason", "stale", "yours",
                  ct_track_view(c, track_id, &owner, 0), "last_at", tr_time_format_ms(last_ms, at));
    rc = payload ? centre__notice(c, k->party, "traffic", "track", track_id, payload, now_s, TR_TIME_OPEN, NULL, err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(payload);
    return rc;
}
