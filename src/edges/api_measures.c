/*
 * api_measures.c — the parties' accusations answered with figures (issue 20;
 * docs/separation.md): the separation of an agreement's parties from its excluded
 * actors, a step's status page with its measure, and the aid delivered with its export.
 */
#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/api_int.h"
#include "service/centre_measures.h"

/* ?name=RFC3339 into *out (required). */
static int query_time(const http_req *rq, const char *name, int64_t *out, tr_err *err) {
    const char *s = http_query(rq, name);
    if (!s) return tr_fail(err, TR_EINVAL, name, "is required (an RFC 3339 time)");
    if (tr_time_parse(s, out)) return tr_fail(err, TR_EINVAL, name, "'%s' is not an RFC 3339 time", s);
    return TR_OK;
}

static int query_within(const http_req *rq, int64_t *within, tr_err *err) {
    const char *w = http_query(rq, "within");
    *within = 0;
    return w ? api_parse_id(w, "within", within, err) : TR_OK;
}

static int h_separation(http_req *rq, http_resp *rs, tr_err *err) {
    centre_separation_q q = {0};
    bool at_given = false;
    const char *from = http_query(rq, "from"), *to = http_query(rq, "to");
    if (api_parse_id(rq->params[0], "id", &q.agreement, err) || api_parse_at(rq, &q.at, &at_given, err) ||
        query_within(rq, &q.within, err))
        return TR_EINVAL;
    if ((from != NULL) != (to != NULL))
        return tr_fail(err, TR_EINVAL, from ? "to" : "from", "from and to go together (a daily series)");
    if (from && at_given) return tr_fail(err, TR_EINVAL, "at", "give either at, or from and to");
    if (from) {
        q.has_series = true;
        if (query_time(rq, "from", &q.from, err) || query_time(rq, "to", &q.to, err)) return TR_EINVAL;
        if (q.to < q.from) return tr_fail(err, TR_EINVAL, "to", "must not be earlier than from");
        if ((q.to - q.from) / 86400 >= CENTRE_SERIES_MAX_DAYS)
            return tr_fail(err, TR_EINVAL, "to", "a series covers at most %d days", CENTRE_SERIES_MAX_DAYS);
    }
    return centre_separation(rq->c, &rq->party, &q, &rs->json, err) ? err->code : TR_OK;
}

static int h_step(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0, at;
    if (api_parse_id(rq->params[0], "id", &id, err) || api_parse_at(rq, &at, NULL, err)) return TR_EINVAL;
    return centre_step_page(rq->c, &rq->party, id, at, &rs->json, err) ? err->code : TR_OK;
}

static int aid_query(const http_req *rq, centre_aid_q *q, tr_err *err) {
    if (query_time(rq, "from", &q->from, err) || query_time(rq, "to", &q->to, err) ||
        query_within(rq, &q->within, err))
        return TR_EINVAL;
    return TR_OK;
}

static int h_aid(http_req *rq, http_resp *rs, tr_err *err) {
    centre_aid_q q = {0};
    if (aid_query(rq, &q, err)) return TR_EINVAL;
    return centre_aid(rq->c, &rq->party, &q, &rs->json, err) ? err->code : TR_OK;
}

static int h_aid_export(http_req *rq, http_resp *rs, tr_err *err) {
    centre_aid_q q = {0};
    const char *format = http_query(rq, "format");
    if (!format) return tr_fail(err, TR_EINVAL, "format", "is required: csv or hxl");
    if (aid_query(rq, &q, err)) return TR_EINVAL;
    if (centre_aid_export(rq->c, &rq->party, &q, format, &rs->text, &rs->text_len, &rs->content_type, err))
        return err->code;
    snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"aid%s\"",
             strcmp(format, "hxl") == 0 ? "-hxl.csv" : ".csv");
    return TR_OK;
}

const http_route api_measures_routes[] = {
    {"GET", "/v1/agreements/{id}/separation", h_separation, API_ANY, "at,from,to,within", 0},
    {"GET", "/v1/steps/{id}", h_step, API_ANY, "at", 0},
    {"GET", "/v1/aid", h_aid, API_ANY, "from,to,within", 0},
    {"GET", "/v1/exports/aid", h_aid_export, API_ANY, "format,from,to,within", 0},
};
const size_t api_measures_nroutes = sizeof api_measures_routes / sizeof *api_measures_routes;
