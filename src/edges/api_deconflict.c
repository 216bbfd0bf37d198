/*
 * api_deconflict.c — the deconfliction routes (issue 4): sites, movements, operations,
 * notices and acknowledgements. The write path is in service/centre_deconflict.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "edges/api_int.h"
#include "service/centre_checkpoint.h"
#include "service/centre_dc.h"
#include "service/centre_lists.h"

/* ---- deconfliction: sites and operations ---- */

static int h_site_create(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_kind(rq, rs, centre_site_create, TR_KIND_SITE, err);
}

static int h_site_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_site s;
    if (store_site_get(rq->c->store, id, &s, err)) return err->code;
    bool visible;
    int rc = centre_site_visible(rq->c, &s, &rq->party, &visible, err);
    if (rc == TR_OK && !visible) /* hidden: exactly as if it did not exist */
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no site %lld", (long long)id);
    else if (rc == TR_OK && !(rs->json = tr_site_to_feature(&s)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    else if (rc == TR_OK)
        rc = centre_dc_privacy_view(rq->c, "site", id, &s.vis, rs->json, err);
    tr_site_clear(&s);
    return rc;
}

static int h_movement_create(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_kind(rq, rs, centre_movement_create, TR_KIND_MOVEMENT, err);
}

static int h_movement_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_movement m;
    if (store_movement_get(rq->c->store, id, &m, err)) return err->code;
    bool visible;
    int rc = centre_movement_visible(rq->c, &m, &rq->party, &visible, err);
    if (rc == TR_OK && !visible)
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no movement %lld", (long long)id); /* as if missing */
    if (rc == TR_OK && !(rs->json = tr_movement_to_feature(&m)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = centre_movement_view(rq->c, &m, rs->json, err);
    if (rc == TR_OK) rc = centre_movement_checkpoints(rq->c, &m, &rq->party, rs->json, err);
    tr_movement_clear(&m);
    return rc;
}

/* ---- checkpoints (issue 12; service/centre_checkpoint.c) ---- */

static int h_checkpoint_create(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_kind(rq, rs, centre_checkpoint_create, TR_KIND_CHECKPOINT, err);
}

static int h_checkpoint_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_checkpoint_get(rq->c, &rq->party, id, &rs->json, err);
}

static int h_checkpoint_list(http_req *rq, http_resp *rs, tr_err *err) {
    store_checkpoint_filter f = {0};
    int limit;
    const char *bbox = http_query(rq, "bbox");
    if (bbox && api_parse_bbox(bbox, &f.bbox, err)) return TR_EINVAL;
    f.has_bbox = bbox != NULL;
    if (api_parse_page(rq, &limit, &f.after, err)) return TR_EINVAL;
    json_t *features = json_array();
    int64_t next = 0;
    if (!features) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (centre_checkpoint_list(rq->c, &rq->party, &f, limit, features, &next, err)) {
        json_decref(features);
        return err->code;
    }
    rs->json = json_pack("{s:s, s:o, s:o}", "type", "FeatureCollection", "features", features, "next_cursor",
                         api_cursor_value(next));
    return TR_OK;
}

static int h_operation_create(http_req *rq, http_resp *rs, tr_err *err) {
    json_t *problem = NULL;
    if (centre_operation_create(rq->c, &rq->party, rq->json, &rs->json, &problem, err)) {
        rs->problem_extra = problem; /* {"conflicts", "withheld"?} of a refusal */
        return err->code;
    }
    rs->status = 201;
    api_located(rs, TR_KIND_OPERATION);
    return TR_OK;
}

static int h_operation_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_operation o;
    if (store_operation_get(rq->c->store, id, &o, err)) return err->code;
    if (!centre_operation_visible(&o, &rq->party)) { /* public by design: never */
        tr_operation_clear(&o);
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no operation %lld", (long long)id);
    }
    rs->json = tr_operation_to_json(&o);
    tr_operation_clear(&o);
    return centre_operation_view(rq->c, rs->json, true, err);
}

static int h_operation_list(http_req *rq, http_resp *rs, tr_err *err) {
    int limit;
    int64_t after, next;
    if (api_parse_page(rq, &limit, &after, err)) return TR_EINVAL;
    json_t *items = json_array();
    int rc = centre_operation_list_json(rq->c->store, after, limit, items, &next, err);
    size_t i;
    json_t *op;
    json_array_foreach(items, i, op) {
        if (rc == TR_OK) rc = centre_operation_view(rq->c, op, false, err);
    }
    if (rc) {
        json_decref(items);
        return err->code;
    }
    rs->json = json_pack("{s:o, s:o}", "items", items, "next_cursor", api_cursor_value(next));
    return TR_OK;
}

/* ---- lists: GET /v1/sites, GET /v1/movements (service/centre_dc_list.c) ---- */

typedef int (*dc_list_fn)(centre *c, const centre_dc_filter *f, json_t *features, int64_t *next, tr_err *err);

/* ?kind (known: known(kind)), ?at, ?bbox, ?limit, ?cursor; answers a FeatureCollection. */
static int dc_list(http_req *rq, http_resp *rs, bool (*known)(const char *), const char *kinds,
                   dc_list_fn list, tr_err *err) {
    centre_dc_filter f = {.viewer = &rq->party, .kind = http_query(rq, "kind")};
    const char *bbox = http_query(rq, "bbox");
    if (f.kind && !known(f.kind))
        return tr_fail(err, TR_EINVAL, "kind", "unknown kind '%.40s': use %s", f.kind, kinds);
    if (api_parse_at(rq, &f.at, &f.has_at, err)) return TR_EINVAL;
    if (bbox && api_parse_bbox(bbox, &f.bbox, err)) return TR_EINVAL;
    f.has_bbox = bbox != NULL;
    if (api_parse_page(rq, &f.limit, &f.after, err)) return TR_EINVAL;
    json_t *features = json_array();
    int64_t next = 0;
    if (!features) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (list(rq->c, &f, features, &next, err)) {
        json_decref(features);
        return err->code;
    }
    rs->json = json_pack("{s:s, s:o, s:o}", "type", "FeatureCollection", "features", features, "next_cursor",
                         api_cursor_value(next));
    return TR_OK;
}

static int h_site_list(http_req *rq, http_resp *rs, tr_err *err) {
    return dc_list(rq, rs, tr_site_kind_known,
                   "hospital, school, aid_warehouse, un_facility, forces_position or other", centre_site_list,
                   err);
}

static int h_movement_list(http_req *rq, http_resp *rs, tr_err *err) {
    return dc_list(rq, rs, tr_movement_kind_known, "convoy or evacuation", centre_movement_list, err);
}

/* Every movement the caller may read, as GeoJSON or HXL CSV (a download). */
static int h_movement_export(http_req *rq, http_resp *rs, tr_err *err) {
    centre_dc_filter f = {.viewer = &rq->party, .kind = http_query(rq, "kind")};
    if (f.kind && !tr_movement_kind_known(f.kind))
        return tr_fail(err, TR_EINVAL, "kind", "unknown kind '%.40s': use convoy or evacuation", f.kind);
    if (api_parse_at(rq, &f.at, &f.has_at, err)) return TR_EINVAL;
    const char *format = http_query(rq, "format");
    if (centre_movement_export(rq->c, &f, format, &rs->text, &rs->text_len, &rs->content_type, err))
        return err->code;
    snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"movements%s\"",
             strcmp(format, "hxl") == 0 ? "-hxl.csv" : ".geojson");
    return TR_OK;
}

/* ---- notices ---- */

/* ?after=CURSOR (a notice id; 0 = from the start) and ?limit. */
static int notice_page(http_req *rq, int *limit, int64_t *after, tr_err *err) {
    const char *a = http_query(rq, "after"), *l = http_query(rq, "limit");
    *limit = PAGE_DEFAULT;
    *after = 0;
    if (l) {
        double v;
        if (api_parse_double(l, "limit", 1, PAGE_MAX, &v, err) || v != floor(v))
            return tr_fail(err, TR_EINVAL, "limit", "must be a whole number from 1 to %d", PAGE_MAX);
        *limit = (int)v;
    }
    if (a && strcmp(a, "0") != 0 && api_parse_id(a, "after", after, err)) return TR_EINVAL;
    return TR_OK;
}

static int notices(http_req *rq, http_resp *rs, int64_t overdue_at, const char *party, tr_err *err) {
    int limit;
    int64_t after, next;
    bool more;
    if (notice_page(rq, &limit, &after, err)) return TR_EINVAL;
    json_t *items = json_array();
    if (centre_notice_list_json(rq->c->store, party, after, overdue_at, limit, items, &next, &more, err)) {
        json_decref(items);
        return err->code;
    }
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)next);
    rs->json = json_pack("{s:o, s:s, s:b}", "items", items, "next_cursor", b, "more", more);
    return TR_OK;
}

/* The caller's own notices, oldest first; next_cursor is always given (poll with it). */
static int h_notices(http_req *rq, http_resp *rs, tr_err *err) {
    return notices(rq, rs, 0, centre_notice_scope(&rq->party, true), err);
}

/* Unacknowledged notices past their deadline: the caller's; admin and monitor: all. */
static int h_notices_overdue(http_req *rq, http_resp *rs, tr_err *err) {
    return notices(rq, rs, tr_time_now(), centre_notice_scope(&rq->party, false), err);
}

static int h_notice_ack(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_notice_ack(rq->c, &rq->party, id, rq->json, &rs->json, err);
}

/* ---- after notification: states, statuses, positions ---- */

typedef int (*change_fn)(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                         tr_err *err);

static int change(http_req *rq, http_resp *rs, change_fn fn, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return fn(rq->c, &rq->party, id, rq->json, &rs->json, err);
}

static int h_operation_state(http_req *rq, http_resp *rs, tr_err *err) {
    return change(rq, rs, centre_operation_state, err);
}

static int h_movement_status(http_req *rq, http_resp *rs, tr_err *err) {
    return change(rq, rs, centre_movement_status, err);
}

static int h_movement_position(http_req *rq, http_resp *rs, tr_err *err) {
    return change(rq, rs, centre_movement_position, err);
}

/* ---- the notice stream (Server-Sent Events) ---- */

#define STREAM_BATCH 100
#define STREAM_KEEPALIVE_S 15

typedef struct notice_stream {
    store *st;
    char party[TR_NAME_MAX + 1];
    int64_t after; /* the last notice sent */
    char *buf;     /* formatted events not yet sent: [off, len) */
    size_t len, off, cap;
    int64_t last_sent; /* tr_time_now() of the last bytes sent */
    bool started;
} notice_stream;

static int ns_append(notice_stream *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ns_append(notice_stream *ns, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return -1;
    if (ns->len + (size_t)n + 1 > ns->cap) {
        size_t cap = ns->cap ? ns->cap : 4096;
        while (cap < ns->len + (size_t)n + 1)
            cap *= 2;
        char *b = realloc(ns->buf, cap);
        if (!b) return -1;
        ns->buf = b;
        ns->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(ns->buf + ns->len, ns->cap - ns->len, fmt, ap);
    va_end(ap);
    ns->len += (size_t)n;
    return 0;
}

/* Formats the caller's notices after ns->after; returns HTTP_STREAM_* or 0. */
static long ns_fill(notice_stream *ns) {
    tr_err err = {0};
    tr_party p;
    if (store_party_get(ns->st, ns->party, &p, &err)) return HTTP_STREAM_END; /* revoked */
    json_t *items = json_array();
    int64_t next;
    bool more;
    if (!items ||
        centre_notice_list_json(ns->st, ns->party, ns->after, 0, STREAM_BATCH, items, &next, &more, &err)) {
        json_decref(items);
        return HTTP_STREAM_ERROR;
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        char *data = tr_json_dumps(it, JSON_COMPACT);
        int rc = data ? ns_append(ns, "id: %lld\nevent: notice\ndata: %s\n\n",
                                  (long long)json_integer_value(json_object_get(it, "id")), data)
                      : -1;
        free(data);
        if (rc) {
            json_decref(items);
            return HTTP_STREAM_ERROR;
        }
    }
    ns->after = next;
    json_decref(items);
    return 0;
}

static long ns_read(void *ctx, char *out, size_t max) {
    notice_stream *ns = ctx;
    int64_t now = tr_time_now();
    if (ns->off == ns->len) {
        ns->off = ns->len = 0;
        if (!ns->started && ns_append(ns, "retry: 3000\n\n")) return HTTP_STREAM_ERROR;
        ns->started = true;
        long rc = ns_fill(ns);
        if (rc) return rc;
        if (ns->len == 0 && now - ns->last_sent >= STREAM_KEEPALIVE_S && ns_append(ns, ": keep-alive\n\n"))
            return HTTP_STREAM_ERROR;
        if (ns->len == 0) return 0; /* park until the next notice or heartbeat */
    }
    size_t n = ns->len - ns->off < max ? ns->len - ns->off : max;
    memcpy(out, ns->buf + ns->off, n);
    ns->off += n;
    ns->last_sent = now;
    return (long)n;
}

static void ns_free(void *ctx) {
    notice_stream *ns = ctx;
    free(ns->buf);
    free(ns);
}

/* The caller's notices as Server-Sent Events, from after Last-Event-ID (or ?after=), live. */
static int h_notice_stream(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t after = 0;
    const char *last = http_header(rq, "Last-Event-ID"), *a = http_query(rq, "after");
    /* Both may come: a client reconnecting to the URL it first opened sends Last-Event-ID,
     * which is the later position, so it wins (as an EventSource's reconnection expects). */
    if (a && strcmp(a, "0") != 0 && api_parse_id(a, "after", &after, err)) return TR_EINVAL;
    if (last && strcmp(last, "0") != 0 && api_parse_id(last, "Last-Event-ID", &after, err)) return TR_EINVAL;
    if (last && strcmp(last, "0") == 0) after = 0;
    notice_stream *ns = calloc(1, sizeof *ns);
    if (!ns) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    ns->st = rq->c->store;
    snprintf(ns->party, sizeof ns->party, "%s", centre_notice_scope(&rq->party, true));
    ns->after = after;
    ns->last_sent = tr_time_now();
    rs->stream = (http_stream){ns_read, ns_free, ns, true};
    rs->content_type = "text/event-stream; charset=utf-8";
    return TR_OK;
}

const http_route api_deconflict_routes[] = {
    {"GET", "/v1/sites", h_site_list, API_ANY, "kind,at,bbox,limit,cursor", 0},
    {"POST", "/v1/sites", h_site_create, API_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/sites/{id}", h_site_get, API_ANY, NULL, 0},
    {"GET", "/v1/checkpoints", h_checkpoint_list, API_ANY, "bbox,limit,cursor", 0},
    {"POST", "/v1/checkpoints", h_checkpoint_create, API_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/checkpoints/{id}", h_checkpoint_get, API_ANY, NULL, 0},
    {"GET", "/v1/movements", h_movement_list, API_ANY, "kind,at,bbox,limit,cursor", 0},
    {"POST", "/v1/movements", h_movement_create, API_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/movements/{id}", h_movement_get, API_ANY, NULL, 0},
    {"GET", "/v1/exports/movements", h_movement_export, API_ANY, "format,kind,at", 0},
    {"POST", "/v1/movements/{id}/status", h_movement_status, API_WRITERS, NULL, ROUTE_BODY | ROUTE_ACTION},
    {"POST", "/v1/movements/{id}/position", h_movement_position, API_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/operations", h_operation_list, API_ANY, "limit,cursor", 0},
    {"POST", "/v1/operations", h_operation_create, API_OPERATION_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/operations/{id}", h_operation_get, API_ANY, NULL, 0},
    {"POST", "/v1/operations/{id}/state", h_operation_state, API_OPERATION_WRITERS, NULL,
     ROUTE_BODY | ROUTE_ACTION},
    {"GET", "/v1/notices", h_notices, API_ANY, "after,limit", 0},
    {"GET", "/v1/notices/overdue", h_notices_overdue, API_ANY, "after,limit", 0},
    {"GET", "/v1/notices/stream", h_notice_stream, API_ANY, "after", 0},
    {"POST", "/v1/notices/{id}/ack", h_notice_ack, API_ANY, NULL, ROUTE_BODY | ROUTE_ACTION},
};
const size_t api_deconflict_nroutes = sizeof api_deconflict_routes / sizeof *api_deconflict_routes;
