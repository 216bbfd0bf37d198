/*
 * centre_mine_conflict.c — hazards as obstacles to operations (issue 6): an operation
 * over an open hazard, or over a hazard with an active clearance task during the task,
 * conflicts with it as with a protected site (same buffer, c->site_buffer_m).
 *
 * Hazards are few (hundreds) and change status, so they are not kept in c->dc: the
 * store's bounding boxes pick candidates and dc_pair_conflict decides each pair exactly,
 * with the engine's own test. A new hazard is checked against the stored operations
 * through c->dc (docs/mine-action.md, "Conflicts").
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_mine.h"

#define DEG_M 111000.0 /* metres per degree of latitude, rounded down: boxes only grow */

static int hazard_volume(const tr_hazard *h, int64_t t0, int64_t t1, dc_volume *v, dc_footprint_buf *buf,
                         tr_err *err) {
    memset(v, 0, sizeof *v);
    memset(buf, 0, sizeof *buf);
    v->id = h->id;
    v->t_start = t0;
    v->t_end = t1;
    v->alt_lo = -INFINITY;
    v->alt_hi = INFINITY;
    json_t *g = json_loads(h->geometry, 0, NULL);
    int rc = g ? dc_footprint_from_geojson(g, buf, err) : tr_fail(err, TR_EIO, "", "unreadable hazard geometry");
    json_decref(g);
    if (rc == TR_OK) v->foot = buf->foot;
    return rc;
}

static json_t *window(int64_t a0, int64_t a1, int64_t b0, int64_t b1) {
    return json_pack("{s:o, s:o}", "time_start", tr_json_time_value(a0 > b0 ? a0 : b0), "time_end",
                     tr_json_time_value(a1 < b1 ? a1 : b1));
}

/* ---- a new hazard against stored operations ---- */

/* The owner of an operation a new hazard conflicts with learns of it, as the owners of
 * operations over a newly notified site do (mine action data is public). */
static int hazard_notice(centre *c, const tr_hazard *h, const json_t *x, tr_err *err) {
    int64_t now = tr_time_now();
    json_t *payload = json_pack("{s:{s:s, s:I, s:s, s:s, s:s?, s:b}, s:{s:s, s:O, s:O, s:O, s:O, s:O}}", "conflicting",
                                "type", "hazard", "id", (json_int_t)h->id, "owner", h->owner, "kind", h->kind, "name",
                                h->name, "restricted", 0, "conflict_with", "type", "operation", "id",
                                json_object_get(x, "id"), "volume", json_object_get(x, "other_volume"),
                                "distance_band", json_object_get(x, "distance_band"), "time_start",
                                json_object_get(x, "time_start"), "time_end", json_object_get(x, "time_end"));
    int rc = payload ? centre__notice(c, json_string_value(json_object_get(x, "owner")),
                                           "conflict", "hazard", h->id, payload, now,
                                           centre__conflict_deadline(c, now, x), NULL, err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(payload);
    return rc;
}

int centre__hazard_conflicts(centre *c, const tr_party *by, const tr_hazard *h, json_t *out, tr_err *err) {
    if (strcmp(h->status, "open") != 0) return TR_OK;
    dc_volume hv;
    dc_footprint_buf buf;
    int rc = hazard_volume(h, 0, TR_TIME_OPEN, &hv, &buf, err);
    dc_result r = {0};
    dc_query q = {.vol = &hv, .sep = {c->site_buffer_m, 0}, .kinds = 1u << CENTRE_DC_OPERATION};
    if (rc == TR_OK) rc = dc_engine_query(c->dc, &q, &r, err);
    for (size_t i = 0; rc == TR_OK && i < r.n; i++) {
        int64_t oid = CENTRE_DC_OBJ(r.hits[i].id);
        size_t k = CENTRE_DC_VOL(r.hits[i].id);
        tr_operation o;
        if ((rc = store_operation_get(c->store, oid, &o, err))) break;
        if (k < o.nvolumes) {
            dc_volume ov;
            dc_volume_from_tr(&o.volumes[k], r.hits[i].id, 0, CENTRE_DC_OPERATION, &ov);
            bool touch = false;
            dc_sep zero = {0, 0};
            dc_pair_conflict(&ov, &hv, &zero, &touch, NULL);
            char band[48];
            snprintf(band, sizeof band, "within %.0f m", c->site_buffer_m);
            json_t *x = window(ov.t_start, ov.t_end, hv.t_start, hv.t_end);
            json_object_set_new(x, "type", json_string("operation"));
            json_object_set_new(x, "id", json_integer(oid));
            json_object_set_new(x, "owner", json_string(o.owner));
            json_object_set_new(x, "restricted", json_false());
            json_object_set_new(x, "kind", json_string(o.kind));
            json_object_set_new(x, "volume", json_integer(0));
            json_object_set_new(x, "other_volume", json_integer((json_int_t)k));
            json_object_set_new(x, "distance_band", json_string(touch ? "intersecting" : band));
            json_array_append_new(out, x);
            if (strcmp(o.owner, by->name) != 0) rc = hazard_notice(c, h, x, err);
        }
        tr_operation_clear(&o);
    }
    dc_result_free(&r);
    dc_footprint_buf_free(&buf);
    if (rc == TR_EINVAL) { /* the engine's only refusal: an edge over 180 degrees of longitude */
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        return tr_fail(err, TR_EINVAL, "geometry", "cannot be checked for conflicts (%s): split it at the "
                       "anti-meridian", why);
    }
    return rc;
}

/* ---- an operation's volume against hazards ---- */

#define FOUND (-1) /* active_clearance: stop, a window was found */

typedef struct vq {
    centre *c;
    const dc_volume *q;
    size_t vi;
    json_t *out;
    tr_err *err;
    int64_t t0, t1; /* the window found for the current hazard */
} vq;

static int active_clearance(tr_task *t, void *ctx) {
    vq *v = ctx;
    if (t->close_date || strcmp(t->kind, "clearance") != 0 || strcmp(t->status, "active") != 0) return TR_OK;
    if (t->start < v->q->t_end && v->q->t_start < t->end) {
        v->t0 = t->start;
        v->t1 = t->end;
        return FOUND;
    }
    return TR_OK;
}

static int check_hazard(tr_hazard *h, const store_hazard_state *now, void *ctx) {
    vq *v = ctx;
    v->t0 = 0;
    v->t1 = TR_TIME_OPEN;
    if (strcmp(now->status, "open") != 0) {
        int rc = store_task_each(v->c->store, h->id, 0, active_clearance, v, v->err);
        if (rc != FOUND) return rc; /* an error, or neither open nor under active clearance */
    }
    dc_volume hv;
    dc_footprint_buf buf;
    int rc = hazard_volume(h, v->t0, v->t1, &hv, &buf, v->err);
    bool hit = false, touch = false;
    dc_sep sep = {v->c->site_buffer_m, 0}, zero = {0, 0};
    if (rc == TR_OK) rc = dc_pair_conflict(v->q, &hv, &sep, &hit, v->err);
    if (rc == TR_OK && hit) {
        dc_pair_conflict(v->q, &hv, &zero, &touch, NULL);
        char band[48];
        snprintf(band, sizeof band, "within %.0f m", v->c->site_buffer_m);
        json_t *x = window(v->q->t_start, v->q->t_end, hv.t_start, hv.t_end);
        json_object_set_new(x, "type", json_string("hazard"));
        json_object_set_new(x, "id", json_integer(h->id));
        json_object_set_new(x, "volume", json_integer((json_int_t)v->vi));
        json_object_set_new(x, "restricted", json_false());
        json_object_set_new(x, "owner", json_string(h->owner));
        json_object_set_new(x, "kind", json_string(h->kind));
        if (h->name) json_object_set_new(x, "name", json_string(h->name));
        json_object_set_new(x, "distance_band", json_string(touch ? "intersecting" : band));
        json_array_append_new(v->out, x);
    }
    dc_footprint_buf_free(&buf);
    return rc;
}

/* A box around q's footprint grown by the buffer (generously: candidates only). */
static geo_box volume_box(const dc_volume *q, double buffer_m) {
    geo_box b = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    double grow = buffer_m;
    if (q->foot.shape == DC_CIRCLE) {
        b = (geo_box){q->foot.lon, q->foot.lat, q->foot.lon, q->foot.lat};
        grow += q->foot.radius_m;
    } else {
        for (size_t i = 0; i < q->foot.npos; i++) {
            double x = q->foot.xy[2 * i], y = q->foot.xy[2 * i + 1];
            b.minx = fmin(b.minx, x);
            b.maxx = fmax(b.maxx, x);
            b.miny = fmin(b.miny, y);
            b.maxy = fmax(b.maxy, y);
        }
    }
    double dlat = grow / DEG_M, maxlat = fmax(fabs(b.miny), fabs(b.maxy)) + dlat;
    double dlon = maxlat >= 89 ? 360 : dlat / cos(maxlat * M_PI / 180);
    return (geo_box){fmax(-180, b.minx - dlon), fmax(-90, b.miny - dlat), fmin(180, b.maxx + dlon),
                     fmin(90, b.maxy + dlat)};
}

int centre__volume_hazard_conflicts(centre *c, const dc_volume *q, size_t vi, json_t *out, tr_err *err) {
    vq v = {c, q, vi, out, err, 0, TR_TIME_OPEN};
    store_hazard_filter f = {.has_bbox = true, .bbox = volume_box(q, c->site_buffer_m)};
    return store_hazard_each(c->store, &f, check_hazard, &v, err);
}
