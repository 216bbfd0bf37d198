/*
 * api_humanitarian.c — the humanitarian routes of issue 6: corridors (openings,
 * suspensions, resumptions, crossings), agreement steps and timelines, formal notices
 * between parties. The write paths are in service/centre_{corridor,steps,messages}.c;
 * docs/humanitarian.md describes the rules.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/api_int.h"
#include "service/centre_humanitarian.h"

/* ---- corridors ---- */

static int corridor_event(http_req *rq, http_resp *rs, tr_corridor_event_kind kind, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    if (centre_corridor_event(rq->c, &rq->party, id, kind, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    return TR_OK;
}

static int h_corridor_opening(http_req *rq, http_resp *rs, tr_err *err) {
    return corridor_event(rq, rs, CORRIDOR_OPENING, err);
}

static int h_corridor_suspension(http_req *rq, http_resp *rs, tr_err *err) {
    return corridor_event(rq, rs, CORRIDOR_SUSPENSION, err);
}

static int h_corridor_resumption(http_req *rq, http_resp *rs, tr_err *err) {
    return corridor_event(rq, rs, CORRIDOR_RESUMPTION, err);
}

static int h_corridor_crossing(http_req *rq, http_resp *rs, tr_err *err) {
    return corridor_event(rq, rs, CORRIDOR_CROSSING, err);
}

static int h_corridor_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0, at;
    if (api_parse_id(rq->params[0], "id", &id, err) || api_parse_at(rq, &at, NULL, err)) return TR_EINVAL;
    return centre_corridor_get(rq->c, &rq->party, id, at, &rs->json, err);
}

/* ---- agreement steps ---- */

static int h_steps_add(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_on(rq, rs, centre_steps_add, err);
}

static int h_step_status(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_on(rq, rs, centre_step_status, err);
}

static int h_timeline(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0, at;
    if (api_parse_id(rq->params[0], "id", &id, err) || api_parse_at(rq, &at, NULL, err)) return TR_EINVAL;
    return centre_timeline(rq->c, &rq->party, id, at, &rs->json, err);
}

/* ---- messages ---- */

static int h_message_send(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create(rq, rs, centre_message_send, err);
}

static int h_message_forward(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_on(rq, rs, centre_message_forward, err);
}

/* ?after=CURSOR (a message id; 0 = from the start) and ?limit. */
static int h_messages(http_req *rq, http_resp *rs, tr_err *err) {
    const char *a = http_query(rq, "after");
    int limit;
    int64_t after = 0;
    if (api_parse_limit(rq, &limit, err)) return TR_EINVAL;
    if (a && strcmp(a, "0") != 0 && api_parse_id(a, "after", &after, err)) return TR_EINVAL;
    return centre_message_list(rq->c, &rq->party, after, limit, &rs->json, err);
}

#define STEP_WRITERS (ROLES_PRIVILEGED | ROLE_BIT(ROLE_GUARANTOR))

const http_route api_humanitarian_routes[] = {
    {"GET", "/v1/corridors/{id}", h_corridor_get, API_ANY, "at", 0},
    {"POST", "/v1/corridors/{id}/openings", h_corridor_opening, API_WRITERS, NULL, ROUTE_BODY | ROUTE_ACTION},
    {"POST", "/v1/corridors/{id}/suspensions", h_corridor_suspension, API_WRITERS, NULL,
     ROUTE_BODY | ROUTE_ACTION},
    {"POST", "/v1/corridors/{id}/resumptions", h_corridor_resumption, API_WRITERS, NULL,
     ROUTE_BODY | ROUTE_ACTION},
    {"POST", "/v1/corridors/{id}/crossings", h_corridor_crossing, API_WRITERS, NULL, ROUTE_BODY},
    {"POST", "/v1/agreements/{id}/steps", h_steps_add, STEP_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/agreements/{id}/timeline", h_timeline, API_ANY, "at", 0},
    {"POST", "/v1/steps/{id}/status", h_step_status, API_WRITERS, NULL, ROUTE_BODY | ROUTE_ACTION},
    {"GET", "/v1/messages", h_messages, API_ANY, "after,limit", 0},
    {"POST", "/v1/messages", h_message_send, API_WRITERS, NULL, ROUTE_BODY},
    {"POST", "/v1/messages/{id}/forward", h_message_forward, API_WRITERS, NULL, ROUTE_BODY},
};
const size_t api_humanitarian_nroutes = sizeof api_humanitarian_routes / sizeof *api_humanitarian_routes;
