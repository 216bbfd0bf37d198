/*
 * api_monitor.c — the monitoring routes (issue 3): reports, incidents, responses,
 * verdicts and the bulletin. The write path is in service/centre_monitor.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/api_int.h"
#include "service/centre_monitor.h"

/* ---- monitoring (issue 3) ---- */

static int h_report_create(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_kind(rq, rs, centre_report_create, TR_KIND_REPORT, err);
}

static int h_report_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_report_get(rq->c, &rq->party, id, &rs->json, err);
}

/* ?date=YYYY-MM-DD or ?from=&to= (centre_window_parse); neither: 0, 0. */
static int parse_window(const http_req *rq, int64_t *from, int64_t *to, tr_err *err) {
    return centre_window_parse(http_query(rq, "date"), http_query(rq, "from"), http_query(rq, "to"), from, to,
                               err);
}

static int h_incident_list(http_req *rq, http_resp *rs, tr_err *err) {
    int limit;
    int64_t after, from, to;
    if (api_parse_page(rq, &limit, &after, err) || parse_window(rq, &from, &to, err)) return TR_EINVAL;
    return centre_incident_list(rq->c, after, limit, from, to, &rs->json, err);
}

static int h_incident_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0, after;
    int limit;
    if (api_parse_id(rq->params[0], "id", &id, err) || api_parse_page(rq, &limit, &after, err))
        return TR_EINVAL;
    if (centre_incident_get(rq->c, id, after, limit, &rs->json, err)) return err->code;
    json_t *objects = NULL;
    if (centre_incident_objects(rq->c, &rq->party, id, &objects, err)) return err->code;
    json_object_set_new(rs->json, "objects", objects);
    return TR_OK;
}

static int h_incident_respond(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_on(rq, rs, centre_incident_respond, err);
}

static int h_incident_verdict(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_on(rq, rs, centre_incident_verdict, err);
}

static int h_bulletin(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_bulletin(rq->c, rq->params[0], http_query(rq, "format"), http_query(rq, "lang"), &rs->text,
                        &rs->text_len, &rs->content_type, err))
        return err->code;
    return TR_OK;
}

static int h_incident_cap(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    if (centre_incident_cap(rq->c, id, &rs->text, &rs->text_len, err)) return err->code;
    rs->content_type = "application/cap+xml";
    return TR_OK;
}

static int h_incident_split(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_on(rq, rs, centre_incident_split, err);
}

static int h_incident_merge(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_on(rq, rs, centre_incident_merge, err);
}

/* ---- bulk import: the body is the file ---- */

static int h_report_import(http_req *rq, http_resp *rs, tr_err *err) {
    json_t *extra = NULL;
    centre_import_query q = {http_query(rq, "format"), http_query(rq, "partial"),
                             http_query(rq, "new_actors")};
    if (centre_reports_import_body(rq->c, &rq->party, rq->body, rq->body_len, rq->content_type, &q, &rs->json,
                                   &extra, err)) {
        rs->problem_extra = extra;
        return err->code;
    }
    rs->status = 201;
    return TR_OK;
}

/* ---- exports: streamed ---- */

static long export_read(void *ctx, char *buf, size_t max) {
    long n = centre_export_read(ctx, buf, max);
    return n > 0 ? n : n == 0 ? HTTP_STREAM_END : HTTP_STREAM_ERROR;
}

static void export_free(void *ctx) {
    centre_export_free(ctx);
}

static int h_export_incidents(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t from, to;
    if (parse_window(rq, &from, &to, err)) return TR_EINVAL;
    const char *since = http_query(rq, "changed_since");
    if (since && from != to)
        return tr_fail(err, TR_EINVAL, "changed_since",
                       "the change feed covers every incident: leave out the window");
    if (since) {
        if (centre_incident_feed(rq->c, http_query(rq, "format"), since, &rs->text, &rs->text_len, err))
            return err->code;
        rs->content_type = "application/geo+json";
        return TR_OK;
    }
    centre_export *x;
    const char *name;
    const char *cursor = http_query(rq, "cursor");
    if (cursor && strcmp(cursor, "true") != 0 && strcmp(cursor, "false") != 0)
        return tr_fail(err, TR_EINVAL, "cursor", "must be true or false");
    if (centre_export_open(rq->c, http_query(rq, "format"), from, to, &x, &rs->content_type, &name, err))
        return err->code;
    if (cursor && strcmp(cursor, "true") == 0 && centre_export_with_cursor(x, err)) {
        centre_export_free(x);
        return err->code;
    }
    rs->stream = (http_stream){.read = export_read, .free = export_free, .ctx = x, .live = false};
    snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"%s\"", name);
    return TR_OK;
}

const http_route api_monitor_routes[] = {
    {"POST", "/v1/reports", h_report_create, API_WRITERS, NULL, ROUTE_BODY},
    {"POST", "/v1/reports/import", h_report_import, API_WRITERS, "format,partial,new_actors", ROUTE_RAW},
    {"GET", "/v1/reports/{id}", h_report_get, API_ANY, NULL, 0},
    {"GET", "/v1/incidents", h_incident_list, API_ANY, "limit,cursor,date,from,to", 0},
    {"GET", "/v1/incidents/{id}", h_incident_get, API_ANY, "limit,cursor", 0},
    {"POST", "/v1/incidents/{id}/split", h_incident_split, ROLES_PRIVILEGED, NULL, ROUTE_BODY},
    {"POST", "/v1/incidents/{id}/merge", h_incident_merge, ROLES_PRIVILEGED, NULL, ROUTE_BODY},
    {"GET", "/v1/incidents/{id}/cap", h_incident_cap, API_ANY, NULL, 0},
    {"POST", "/v1/incidents/{id}/responses", h_incident_respond, API_WRITERS, NULL, ROUTE_BODY},
    {"POST", "/v1/incidents/{id}/verdict", h_incident_verdict, ROLES_PRIVILEGED, NULL, ROUTE_BODY},
    {"GET", "/v1/bulletins/{date}", h_bulletin, API_ANY, "format,lang", 0},
    {"GET", "/v1/exports/incidents", h_export_incidents, API_ANY, "format,date,from,to,changed_since,cursor",
     0},
};
const size_t api_monitor_nroutes = sizeof api_monitor_routes / sizeof *api_monitor_routes;
