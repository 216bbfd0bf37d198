/*
 * api_mine.c — the mine action and territory routes (issue 6): hazards, tasks and their
 * progress, accidents, the land-release summary, the GeoJSON export, and territory
 * control. Writes go through service/centre_mine.c; everything here is visible to
 * every party (docs/mine-action.md).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/api_int.h"
#include "service/centre_mine.h"
#include "service/centre_lists.h"

/* ---- hazards ---- */

static int h_hazard_create(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create(rq, rs, centre_hazard_create, err);
}

static int h_hazard_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_hazard h;
    store_hazard_state now;
    if (store_hazard_get(rq->c->store, id, &h, &now, err)) return err->code;
    rs->json = centre_hazard_json(&h, &now);
    tr_hazard_clear(&h);
    return TR_OK;
}

static int h_hazard_status(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_hazard_status(rq->c, &rq->party, id, rq->json, &rs->json, err) ? err->code : TR_OK;
}

/* "minlon,minlat,maxlon,maxlat" */
static int bbox_param(const char *s, geo_box *b, tr_err *err) {
    double v[4];
    int used = 0;
    if (sscanf(s, "%lf,%lf,%lf,%lf%n", &v[0], &v[1], &v[2], &v[3], &used) != 4 || s[used] ||
        !isfinite(v[0]) || !isfinite(v[1]) || !isfinite(v[2]) || !isfinite(v[3]))
        return tr_fail(err, TR_EINVAL, "bbox", "expected minlon,minlat,maxlon,maxlat (four numbers)");
    if (v[0] > v[2] || v[1] > v[3] || v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90)
        return tr_fail(err, TR_EINVAL, "bbox", "must have min <= max within lon [-180,180], lat [-90,90]");
    *b = (geo_box){v[0], v[1], v[2], v[3]};
    return TR_OK;
}

typedef struct page {
    json_t *items;
    int limit, n;
    int64_t last;
    bool more;
    centre *c;
    tr_err *err;
} page;

#define PAGE_FULL (-1)

static int add_hazard(tr_hazard *h, const store_hazard_state *now, void *ctx) {
    page *p = ctx;
    if (p->n == p->limit) {
        p->more = true;
        return PAGE_FULL;
    }
    json_array_append_new(p->items, centre_hazard_json(h, now));
    p->last = h->id;
    p->n++;
    return TR_OK;
}

static int h_hazard_list(http_req *rq, http_resp *rs, tr_err *err) {
    store_hazard_filter f = {0};
    const char *bbox = http_query(rq, "bbox");
    f.status = http_query(rq, "status");
    if (f.status && tr_hazard_status_check(f.status, "status", err)) return TR_EINVAL;
    if (bbox && bbox_param(bbox, &f.bbox, err)) return TR_EINVAL;
    f.has_bbox = bbox != NULL;
    page p = {.items = json_array()};
    int rc = api_parse_page(rq, &p.limit, &f.after, err);
    if (rc == TR_OK) rc = store_hazard_each(rq->c->store, &f, add_hazard, &p, err);
    if (rc != TR_OK && rc != PAGE_FULL) {
        json_decref(p.items);
        return err->code;
    }
    rs->json = json_pack("{s:s, s:o, s:o}", "type", "FeatureCollection", "features", p.items, "next_cursor",
                         api_cursor_value(p.more ? p.last : 0));
    return TR_OK;
}

/* ---- tasks ---- */

static int h_task_create(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create(rq, rs, centre_task_create, err);
}

static int h_task_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_task t;
    if (store_task_get(rq->c->store, id, &t, err)) return err->code;
    int rc = centre_task_json(rq->c, &t, &rs->json, err);
    tr_task_clear(&t);
    return rc;
}

static int h_task_progress(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_on(rq, rs, centre_task_progress, err);
}

static int h_task_close(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_task_close(rq->c, &rq->party, id, rq->json, &rs->json, err) ? err->code : TR_OK;
}

/* ---- accidents ---- */

static int h_accident_create(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create(rq, rs, centre_accident_create, err);
}

static int add_accident(tr_accident *a, void *ctx) {
    page *p = ctx;
    if (p->n == p->limit) {
        p->more = true;
        return PAGE_FULL;
    }
    json_array_append_new(p->items, tr_accident_to_json(a));
    p->last = a->id;
    p->n++;
    return TR_OK;
}

static int h_accident_list(http_req *rq, http_resp *rs, tr_err *err) {
    page p = {.items = json_array()};
    int64_t after = 0;
    int rc = api_parse_page(rq, &p.limit, &after, err);
    if (rc == TR_OK) rc = store_accident_each(rq->c->store, after, add_accident, &p, err);
    if (rc != TR_OK && rc != PAGE_FULL) {
        json_decref(p.items);
        return err->code;
    }
    rs->json =
        json_pack("{s:o, s:o}", "items", p.items, "next_cursor", api_cursor_value(p.more ? p.last : 0));
    return TR_OK;
}

/* ---- reports ---- */

static int time_param(http_req *rq, const char *name, int64_t dflt, int64_t *out, tr_err *err) {
    const char *s = http_query(rq, name);
    *out = dflt;
    if (s && tr_time_parse(s, out))
        return tr_fail(err, TR_EINVAL, name, "'%s' is not an RFC 3339 time or date", s);
    return TR_OK;
}

/* Remaining contamination: open hazards, their remaining area, by contamination type. */
static int add_remaining(tr_hazard *h, const store_hazard_state *now, void *ctx) {
    json_t *r = ctx;
    int64_t left = h->area_m2 - now->cleared_m2 - now->reduced_m2 - now->cancelled_m2;
    if (left < 0) left = 0;
    json_object_set_new(r, "open_hazards",
                        json_integer(json_integer_value(json_object_get(r, "open_hazards")) + 1));
    json_object_set_new(r, "remaining_m2",
                        json_integer(json_integer_value(json_object_get(r, "remaining_m2")) + left));
    json_t *by = json_object_get(r, "by_contamination"), *list = json_loads(h->contamination, 0, NULL);
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        const char *k = json_string_value(x);
        json_object_set_new(by, k, json_integer(json_integer_value(json_object_get(by, k)) + left));
    }
    json_decref(list);
    return TR_OK;
}

static int h_summary(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t from, to;
    if (time_param(rq, "from", TR_TIME_MIN, &from, err) || time_param(rq, "to", TR_TIME_OPEN, &to, err))
        return TR_EINVAL;
    if (to <= from) return tr_fail(err, TR_EINVAL, "to", "must be later than from");
    json_t *o = json_pack("{s:o, s:o}", "from", tr_json_time_value(from), "to", tr_json_time_value(to));
    json_t *rem = json_pack("{s:i, s:i, s:{}}", "open_hazards", 0, "remaining_m2", 0, "by_contamination");
    json_object_set_new(o, "remaining", rem);
    store_hazard_filter open = {.status = "open"};
    if (centre_mine_summary_json(rq->c->store, from, to, o, err) ||
        store_hazard_each(rq->c->store, &open, add_remaining, rem, err)) {
        json_decref(o);
        return err->code;
    }
    int64_t c = 0, r = 0, x = 0;
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(o, "by_hazard"), i, d) {
        c += json_integer_value(json_object_get(d, "cleared_m2"));
        r += json_integer_value(json_object_get(d, "reduced_m2"));
        x += json_integer_value(json_object_get(d, "cancelled_m2"));
    }
    json_object_set_new(o, "released",
                        json_pack("{s:I, s:I, s:I, s:I}", "cleared_m2", (json_int_t)c, "reduced_m2",
                                  (json_int_t)r, "cancelled_m2", (json_int_t)x, "total_m2",
                                  (json_int_t)(c + r + x)));
    rs->json = o;
    return TR_OK;
}

typedef struct export_ctx {
    centre *c;
    json_t *features;
    tr_err *err;
    const tr_hazard *h; /* the hazard whose tasks are being added */
} export_ctx;

static int export_task(tr_task *t, void *ctx) {
    export_ctx *e = ctx;
    json_t *props = NULL;
    int rc = centre_task_json(e->c, t, &props, e->err);
    if (rc) return rc;
    json_object_del(props, "progress");
    json_object_set_new(props, "feature", json_string("task"));
    json_t *g = json_loads(e->h->geometry, 0, NULL);
    json_array_append_new(e->features, json_pack("{s:s, s:o, s:o}", "type", "Feature", "geometry",
                                                 g ? g : json_null(), "properties", props));
    return TR_OK;
}

static int export_hazard(tr_hazard *h, const store_hazard_state *now, void *ctx) {
    export_ctx *e = ctx;
    json_t *f = centre_hazard_json(h, now);
    json_object_set_new(json_object_get(f, "properties"), "feature", json_string("hazard"));
    json_array_append_new(e->features, f);
    e->h = h;
    return store_task_each(e->c->store, h->id, 0, export_task, e, e->err);
}

static int h_export(http_req *rq, http_resp *rs, tr_err *err) {
    export_ctx e = {rq->c, json_array(), err, NULL};
    store_hazard_filter f = {.status = http_query(rq, "status")};
    if (f.status && tr_hazard_status_check(f.status, "status", err)) {
        json_decref(e.features);
        return TR_EINVAL;
    }
    if (store_hazard_each(rq->c->store, &f, export_hazard, &e, err)) {
        json_decref(e.features);
        return err->code;
    }
    rs->json = json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", e.features);
    rs->content_type = "application/geo+json";
    return TR_OK;
}

/* ---- territory ---- */

static int h_territory(http_req *rq, http_resp *rs, tr_err *err) {
    centre_territory_q q = {0};
    const char *from = http_query(rq, "from"), *to = http_query(rq, "to"), *within = http_query(rq, "within");
    bool at_given = false;
    if (api_parse_at(rq, &q.at, &at_given, err)) return TR_EINVAL;
    if ((from != NULL) != (to != NULL))
        return tr_fail(err, TR_EINVAL, from ? "to" : "from",
                       "from and to go together (the change between them)");
    if (from && at_given) return tr_fail(err, TR_EINVAL, "at", "give either at, or from and to");
    if (from) {
        q.has_change = true;
        if (tr_time_parse(from, &q.from))
            return tr_fail(err, TR_EINVAL, "from", "'%s' is not an RFC 3339 time", from);
        if (tr_time_parse(to, &q.to))
            return tr_fail(err, TR_EINVAL, "to", "'%s' is not an RFC 3339 time", to);
        if (q.to <= q.from) return tr_fail(err, TR_EINVAL, "to", "must be later than from");
    }
    if (within && api_parse_id(within, "within", &q.within, err)) return TR_EINVAL;
    return centre_territory(rq->c, &rq->party, &q, &rs->json, err) ? err->code : TR_OK;
}

/* ---- the route table ---- */

#define TASK_WRITERS (ROLES_PRIVILEGED | ROLE_BIT(ROLE_MINE_ACTION))

const http_route api_mine_routes[] = {
    {"POST", "/v1/hazards", h_hazard_create, API_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/hazards", h_hazard_list, API_ANY, "status,bbox,limit,cursor", 0},
    {"GET", "/v1/hazards/{id}", h_hazard_get, API_ANY, NULL, 0},
    {"POST", "/v1/hazards/{id}/status", h_hazard_status, API_WRITERS, NULL, ROUTE_BODY | ROUTE_ACTION},
    {"POST", "/v1/tasks", h_task_create, TASK_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/tasks/{id}", h_task_get, API_ANY, NULL, 0},
    {"POST", "/v1/tasks/{id}/progress", h_task_progress, API_WRITERS, NULL, ROUTE_BODY},
    {"POST", "/v1/tasks/{id}/close", h_task_close, API_WRITERS, NULL, ROUTE_BODY | ROUTE_ACTION},
    {"POST", "/v1/accidents", h_accident_create, API_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/accidents", h_accident_list, API_ANY, "limit,cursor", 0},
    {"GET", "/v1/mine-action/summary", h_summary, API_ANY, "from,to", 0},
    {"GET", "/v1/mine-action/export", h_export, API_ANY, "status", 0},
    {"GET", "/v1/territory", h_territory, API_ANY, "at,from,to,within", 0},
};
const size_t api_mine_nroutes = sizeof api_mine_routes / sizeof *api_mine_routes;
