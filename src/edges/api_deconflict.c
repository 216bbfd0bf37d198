/*
 * api_deconflict.c — the deconfliction routes (issue 4): sites, movements, operations,
 * notices and acknowledgements. The write path is in service/centre_deconflict.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/api_int.h"

/* ---- deconfliction: sites and operations ---- */

static int h_site_create(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_site_create(rq->c, &rq->party, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    snprintf(rs->location, sizeof rs->location, "/v1/sites/%lld",
             (long long)json_integer_value(json_object_get(json_object_get(rs->json, "properties"), "id")));
    return TR_OK;
}

static int h_site_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_site s;
    if (store_site_get(rq->c->store, id, &s, err)) return err->code;
    int rc = TR_OK;
    if (tr_site_restricted_for(&s, &rq->party)) /* hidden: exactly as if it did not exist */
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no site %lld", (long long)id);
    else
        rs->json = tr_site_to_feature(&s);
    tr_site_clear(&s);
    return rc;
}

static int h_movement_create(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_movement_create(rq->c, &rq->party, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    snprintf(rs->location, sizeof rs->location, "/v1/movements/%lld",
             (long long)json_integer_value(json_object_get(json_object_get(rs->json, "properties"), "id")));
    return TR_OK;
}

static int h_movement_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_movement m;
    if (store_movement_get(rq->c->store, id, &m, err)) return err->code;
    int rc = TR_OK;
    if (!tr_vis_allows(&m.vis, m.owner, m.owner, &rq->party)) /* hidden: as if it did not exist */
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no movement %lld", (long long)id);
    else
        rs->json = tr_movement_to_feature(&m);
    tr_movement_clear(&m);
    return rc;
}

static int h_operation_create(http_req *rq, http_resp *rs, tr_err *err) {
    json_t *conflicts = NULL;
    if (centre_operation_create(rq->c, &rq->party, rq->json, &rs->json, &conflicts, err)) {
        if (conflicts) rs->problem_extra = json_pack("{s:o}", "conflicts", conflicts);
        return err->code;
    }
    rs->status = 201;
    snprintf(rs->location, sizeof rs->location, "/v1/operations/%lld",
             (long long)json_integer_value(json_object_get(rs->json, "id")));
    return TR_OK;
}

static int h_operation_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_operation o;
    if (store_operation_get(rq->c->store, id, &o, err)) return err->code;
    rs->json = tr_operation_to_json(&o); /* operations are visible to every party */
    tr_operation_clear(&o);
    return TR_OK;
}

static int h_operation_list(http_req *rq, http_resp *rs, tr_err *err) {
    int limit;
    int64_t after, next;
    if (api_parse_page(rq, &limit, &after, err)) return TR_EINVAL;
    json_t *items = json_array();
    if (store_operation_list(rq->c->store, after, limit, items, &next, err)) {
        json_decref(items);
        return err->code;
    }
    rs->json = json_pack("{s:o, s:o}", "items", items, "next_cursor", api_cursor_value(next));
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
    if (store_notice_list(rq->c->store, party, after, overdue_at, limit, items, &next, &more, err)) {
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
    return notices(rq, rs, 0, rq->party.name, err);
}

/* Unacknowledged notices past their deadline: the caller's; admin and monitor: all. */
static int h_notices_overdue(http_req *rq, http_resp *rs, tr_err *err) {
    return notices(rq, rs, tr_time_now(), tr_party_is_privileged(&rq->party) ? NULL : rq->party.name, err);
}

static int h_notice_ack(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_notice_ack(rq->c, &rq->party, id, rq->json, &rs->json, err);
}

const http_route api_deconflict_routes[] = {
    {"POST", "/v1/sites", h_site_create, API_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/sites/{id}", h_site_get, API_ANY, NULL, 0},
    {"POST", "/v1/movements", h_movement_create, API_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/movements/{id}", h_movement_get, API_ANY, NULL, 0},
    {"GET", "/v1/operations", h_operation_list, API_ANY, "limit,cursor", 0},
    {"POST", "/v1/operations", h_operation_create, API_OPERATION_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/operations/{id}", h_operation_get, API_ANY, NULL, 0},
    {"GET", "/v1/notices", h_notices, API_ANY, "after,limit", 0},
    {"GET", "/v1/notices/overdue", h_notices_overdue, API_ANY, "after,limit", 0},
    {"POST", "/v1/notices/{id}/ack", h_notice_ack, API_ANY, NULL, ROUTE_BODY},
};
const size_t api_deconflict_nroutes = sizeof api_deconflict_routes / sizeof *api_deconflict_routes;
