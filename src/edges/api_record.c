/*
 * api_record.c — the routes of issue 15: a log's witnesses, and a party's record (what it
 * was told, when, and what it acknowledged, with proofs; service/centre_record.c).
 */
#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/api_int.h"

static int h_log_witnesses(http_req *rq, http_resp *rs, tr_err *err) {
    return centre_witnesses_json(rq->c, &rs->json, err);
}

/* A required RFC 3339 time parameter. */
static int required_time(const http_req *rq, const char *name, int64_t *out, tr_err *err) {
    const char *s = http_query(rq, name);
    if (!s || !*s) return tr_fail(err, TR_EINVAL, name, "is required (an RFC 3339 time)");
    if (tr_time_parse(s, out)) return tr_fail(err, TR_EINVAL, name, "'%s' is not an RFC 3339 time", s);
    return TR_OK;
}

static int h_party_record(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t from = 0, to = 0;
    geo_box box;
    const char *bbox = http_query(rq, "bbox");
    if (required_time(rq, "from", &from, err) || required_time(rq, "to", &to, err)) return TR_EINVAL;
    if (bbox && api_parse_bbox(bbox, &box, err)) return TR_EINVAL;
    return centre_party_record(rq->c, &rq->party, rq->params[0], from, to, bbox ? &box : NULL, &rs->json,
                               err);
}

const http_route api_record_routes[] = {
    {"GET", "/v1/log/witnesses", h_log_witnesses, 0, NULL, 0},
    {"GET", "/v1/parties/{name}/record", h_party_record, API_ANY, "from,to,bbox", 0},
};
const size_t api_record_nroutes = sizeof api_record_routes / sizeof *api_record_routes;
