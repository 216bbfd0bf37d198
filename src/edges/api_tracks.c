/*
 * api_tracks.c — live tracks and tactical alerts (issue 16, docs/traffic.md): positions in,
 * the picture, a track's history (GeoJSON, KML) and the alerts a party may see. The write
 * path is service/centre_traffic_write.c; alerts also reach parties as notices of kind
 * "traffic" (GET /v1/notices, GET /v1/notices/stream).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/api_int.h"
#include "service/centre_traffic.h"

/* ?name=RFC3339 (milliseconds kept) into *ms; absent: dflt. */
static int query_ms(const http_req *rq, const char *name, int64_t dflt, int64_t *ms, bool *given,
                    tr_err *err) {
    const char *s = http_query(rq, name);
    if (given) *given = s != NULL;
    *ms = dflt;
    if (s && tr_time_parse_ms(s, ms))
        return tr_fail(err, TR_EINVAL, name,
                       "'%.60s' is not an RFC 3339 time such as 2016-09-19T10:00:00.000Z", s);
    return TR_OK;
}

static int h_tracks_post(http_req *rq, http_resp *rs, tr_err *err) {
    json_t *out = NULL;
    if (centre_tracks_post(rq->c, &rq->party, rq->body, rq->body_len, rq->content_type, &out, err)) {
        rs->problem_extra = out; /* {"errors": [...]} when positions were refused */
        return err->code;
    }
    rs->json = out;
    rs->status = 201;
    return TR_OK;
}

static int h_tracks(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t at;
    bool has_at;
    geo_box box;
    const char *bbox = http_query(rq, "bbox");
    if (query_ms(rq, "at", 0, &at, &has_at, err) || (bbox && api_parse_bbox(bbox, &box, err)))
        return TR_EINVAL;
    return centre_tracks_picture(rq->c, &rq->party, has_at, at, bbox ? &box : NULL, &rs->json, err);
}

#define MS_MIN (-62135596800000LL) /* 0001-01-01 */
#define MS_MAX 253402300799999LL   /* 9999-12-31T23:59:59.999Z */

static int h_track_history(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0, from, to;
    const char *fmt = http_query(rq, "format");
    if (api_parse_id(rq->params[0], "id", &id, err) || query_ms(rq, "from", MS_MIN, &from, NULL, err) ||
        query_ms(rq, "to", MS_MAX, &to, NULL, err))
        return TR_EINVAL;
    if (from >= to) return tr_fail(err, TR_EINVAL, "to", "must be later than from");
    bool kml = fmt && strcmp(fmt, "kml") == 0;
    if (fmt && !kml && strcmp(fmt, "geojson") != 0)
        return tr_fail(err, TR_EINVAL, "format", "'%.40s' is not a format: use geojson or kml", fmt);
    if (centre_track_history(rq->c, &rq->party, id, from, to, kml, &rs->json, &rs->text, err))
        return err->code;
    if (kml) {
        rs->text_len = strlen(rs->text);
        rs->content_type = "application/vnd.google-earth.kml+xml";
        snprintf(rs->disposition, sizeof rs->disposition, "attachment; filename=\"track-%lld.kml\"",
                 (long long)id);
    } else {
        rs->content_type = "application/geo+json";
    }
    return TR_OK;
}

static int h_traffic_alerts(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t from, to;
    bool has_from, has_to;
    if (query_ms(rq, "from", MS_MIN, &from, &has_from, err) || query_ms(rq, "to", MS_MAX, &to, &has_to, err))
        return TR_EINVAL;
    if (from >= to) return tr_fail(err, TR_EINVAL, "to", "must be later than from");
    return centre_traffic_alerts(rq->c, &rq->party, !has_from && !has_to, from, to, &rs->json, err);
}

const http_route api_tracks_routes[] = {
    {"POST", "/v1/tracks", h_tracks_post, API_WRITERS, NULL, ROUTE_RAW},
    {"GET", "/v1/tracks", h_tracks, API_ANY, "at,bbox", 0},
    {"GET", "/v1/tracks/{id}/history", h_track_history, API_ANY, "from,to,format", 0},
    {"GET", "/v1/traffic/alerts", h_traffic_alerts, API_ANY, "from,to", 0},
};
const size_t api_tracks_nroutes = sizeof api_tracks_routes / sizeof *api_tracks_routes;
