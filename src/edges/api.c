/*
 * api.c — the /v1 API: one table of routes and their handlers.
 *
 * Handlers read a parsed, authenticated request (http.h) and call the centre for
 * writes, the store for listings and the attribution engine for questions about a
 * place and time. Every read applies the visibility rule (domain.h tr_vis_allows):
 * what a party may not see answers 404, exactly as if it did not exist.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/http.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

/* ---- parameters ---- */

static int parse_id(const char *s, const char *field, int64_t *out, tr_err *err) {
    char *end = NULL;
    errno = 0;
    long long v = s && isdigit((unsigned char)s[0]) ? strtoll(s, &end, 10) : 0;
    if (!s || !end || *end || errno || v <= 0)
        return tr_fail(err, TR_EINVAL, field, "'%s' is not an id (a positive integer)", s ? s : "");
    *out = v;
    return TR_OK;
}

static int parse_double(const char *s, const char *field, double lo, double hi, double *out, tr_err *err) {
    char *end;
    if (!s || !*s) return tr_fail(err, TR_EINVAL, field, "is required");
    double v = strtod(s, &end);
    if (*end || !isfinite(v)) return tr_fail(err, TR_EINVAL, field, "'%s' is not a number", s);
    if (v < lo || v > hi) return tr_fail(err, TR_EINVAL, field, "%s is outside [%g, %g]", s, lo, hi);
    *out = v;
    return TR_OK;
}

/* ?at=RFC3339, default now. */
static int parse_at(const http_req *rq, int64_t *at, bool *given, tr_err *err) {
    const char *s = http_query(rq, "at");
    if (given) *given = s != NULL;
    if (!s) {
        *at = tr_time_now();
        return TR_OK;
    }
    if (tr_time_parse(s, at)) return tr_fail(err, TR_EINVAL, "at", "'%s' is not an RFC 3339 time", s);
    return TR_OK;
}

static int parse_page(const http_req *rq, int *limit, int64_t *after, tr_err *err) {
    const char *l = http_query(rq, "limit"), *c = http_query(rq, "cursor");
    *limit = PAGE_DEFAULT;
    *after = 0;
    if (l) {
        double v;
        if (parse_double(l, "limit", 1, PAGE_MAX, &v, err) || v != floor(v))
            return tr_fail(err, TR_EINVAL, "limit", "must be a whole number from 1 to %d", PAGE_MAX);
        *limit = (int)v;
    }
    if (c && parse_id(c, "cursor", after, err)) return TR_EINVAL;
    return TR_OK;
}

static json_t *cursor_value(int64_t next) {
    if (!next) return json_null();
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)next);
    return json_string(b);
}

/* ---- health, metrics, identity ---- */

static int h_health(http_req *rq, http_resp *rs, tr_err *err) {
    (void)err;
    rs->json = json_pack("{s:s, s:i, s:I, s:o}", "status", "ok", "schema_version",
                         store_schema_version(rq->c->store), "area_versions",
                         (json_int_t)attr_engine_area_versions(rq->c->attr), "time", tr_json_time_value(tr_time_now()));
    return TR_OK;
}

static int h_metrics(http_req *rq, http_resp *rs, tr_err *err) {
    rs->text = http_metrics_text(rq->srv, &rs->text_len);
    if (!rs->text) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    rs->content_type = "text/plain; version=0.0.4";
    return TR_OK;
}

static int h_me(http_req *rq, http_resp *rs, tr_err *err) {
    char *key = NULL;
    if (store_party_key_get(rq->c->store, rq->party.name, &key, err)) return TR_EIO;
    rs->json = json_pack("{s:s, s:s, s:s?}", "name", rq->party.name, "role", tr_role_name(rq->party.role),
                         "public_key", key);
    free(key);
    return TR_OK;
}

static int h_me_key(http_req *rq, http_resp *rs, tr_err *err) {
    return centre_party_set_key(rq->c, &rq->party, rq->json, &rs->json, err);
}

static int h_parties(http_req *rq, http_resp *rs, tr_err *err) {
    json_t *list;
    if (store_party_list(rq->c->store, &list, err)) return TR_EIO;
    rs->json = json_pack("{s:o}", "items", list);
    return TR_OK;
}

static int h_actors(http_req *rq, http_resp *rs, tr_err *err) {
    json_t *list;
    if (store_actor_list(rq->c->store, &list, err)) return TR_EIO;
    rs->json = json_pack("{s:o}", "items", list);
    return TR_OK;
}

static int h_actor_add(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_actor_add(rq->c, &rq->party, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    return TR_OK;
}

/* ---- areas ---- */

static void area_headers(http_resp *rs, const json_t *feature) {
    json_t *p = json_object_get(feature, "properties");
    snprintf(rs->etag, sizeof rs->etag, "\"%lld\"", (long long)json_integer_value(json_object_get(p, "version")));
    snprintf(rs->location, sizeof rs->location, "/v1/areas/%lld", (long long)json_integer_value(json_object_get(p, "id")));
}

static int h_area_create(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_area_create(rq->c, &rq->party, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    area_headers(rs, rs->json);
    return TR_OK;
}

static int h_area_update(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    int expect = 0;
    const char *im = http_header(rq, "If-Match");
    if (im && strcmp(im, "*") != 0) { /* "*": any current version */
        const char *p = im[0] == '"' ? im + 1 : im;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        bool quoted = im[0] == '"';
        if (v <= 0 || v > INT32_MAX || errno || !isdigit((unsigned char)*p) ||
            strcmp(end, quoted ? "\"" : "") != 0)
            return tr_fail(err, TR_EINVAL, "If-Match", "expected one strong ETag of the area, e.g. \"3\", or *");
        expect = (int)v;
    }
    if (centre_area_update(rq->c, &rq->party, id, expect, rq->json, &rs->json, err)) return err->code;
    area_headers(rs, rs->json);
    return TR_OK;
}

/* Reads one version (0 = current) that the caller may see. */
static int area_visible(http_req *rq, int64_t id, int version, tr_area *a, tr_err *err) {
    if (store_area_get(rq->c->store, id, version, a, err)) return err->code;
    if (!tr_vis_allows(&a->vis, a->party, a->created_by, &rq->party)) {
        tr_area_clear(a);
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no area %lld", (long long)id);
    }
    return TR_OK;
}

static int h_area_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0, version = 0;
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    const char *v = http_query(rq, "version");
    if (v && parse_id(v, "version", &version, err)) return TR_EINVAL;
    if (version > INT32_MAX)
        return tr_fail(err, TR_ENOTFOUND, "version", "area %lld has no version %s", (long long)id, v);
    tr_area a;
    if (area_visible(rq, id, (int)version, &a, err)) return err->code;
    rs->json = tr_area_to_feature(&a);
    tr_area_clear(&a);
    area_headers(rs, rs->json);
    return TR_OK;
}

static int h_area_history(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    json_t *features = json_array();
    if (store_area_history(rq->c->store, id, &rq->party, features, err)) {
        json_decref(features);
        return err->code;
    }
    if (json_array_size(features) == 0) { /* missing, or no version visible: the same answer */
        json_decref(features);
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no area %lld", (long long)id);
    }
    rs->json = json_pack("{s:s, s:I, s:o}", "type", "FeatureCollection", "area_id", (json_int_t)id, "features", features);
    return TR_OK;
}

static int parse_bbox(const char *s, geo_box *b, tr_err *err) {
    double v[4];
    int n = 0;
    const char *p = s;
    while (n < 4) {
        char *end;
        v[n] = strtod(p, &end);
        if (end == p || !isfinite(v[n])) break;
        n++;
        p = end;
        if (*p != ',') break;
        p++;
    }
    if (n != 4 || *p)
        return tr_fail(err, TR_EINVAL, "bbox", "expected minlon,minlat,maxlon,maxlat (four numbers)");
    if (v[0] > v[2] || v[1] > v[3] || v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90)
        return tr_fail(err, TR_EINVAL, "bbox", "must have min <= max within lon [-180,180], lat [-90,90]");
    *b = (geo_box){v[0], v[1], v[2], v[3]};
    return TR_OK;
}

static int h_area_list(http_req *rq, http_resp *rs, tr_err *err) {
    store_area_filter f = {.kind = -1, .viewer = &rq->party};
    const char *kind = http_query(rq, "kind"), *bbox = http_query(rq, "bbox");
    if (kind) {
        tr_area_kind k;
        if (tr_area_kind_parse(kind, &k))
            return tr_fail(err, TR_EINVAL, "kind", "unknown kind '%s'", kind);
        f.kind = (int)k;
    }
    f.party = http_query(rq, "party");
    if (parse_at(rq, &f.at, &f.has_at, err)) return TR_EINVAL;
    if (bbox && parse_bbox(bbox, &f.bbox, err)) return TR_EINVAL;
    f.has_bbox = bbox != NULL;
    if (parse_page(rq, &f.limit, &f.after, err)) return TR_EINVAL;
    json_t *features = json_array();
    int64_t next;
    if (store_area_list(rq->c->store, &f, features, &next, err)) {
        json_decref(features);
        return err->code;
    }
    rs->json = json_pack("{s:s, s:o, s:o}", "type", "FeatureCollection", "features", features, "next_cursor",
                         cursor_value(next));
    return TR_OK;
}

/* ---- agreements ---- */

static int h_agreement_create(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_agreement_create(rq->c, &rq->party, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    snprintf(rs->location, sizeof rs->location, "/v1/agreements/%lld",
             (long long)json_integer_value(json_object_get(rs->json, "id")));
    return TR_OK;
}

static int h_agreement_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_agreement a;
    if (store_agreement_get(rq->c->store, id, &a, err)) return err->code;
    int rc = TR_OK;
    if (!tr_agreement_visible(&a, &rq->party))
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no agreement %lld", (long long)id);
    else
        rs->json = tr_agreement_to_json(&a);
    tr_agreement_clear(&a);
    return rc;
}

typedef struct ag_page {
    const tr_party *viewer;
    int64_t after, last, at;
    bool has_at, more;
    int limit, n;
    json_t *items;
} ag_page;

#define STOP_PAGE (-1) /* returned by collect_agreement to end the scan early */

static int collect_agreement(tr_agreement *a, void *ctx) {
    ag_page *pg = ctx;
    if (a->id <= pg->after || !tr_agreement_visible(a, pg->viewer)) return TR_OK;
    if (pg->has_at && !tr_agreement_in_force(a, pg->at)) return TR_OK;
    if (pg->n == pg->limit) {
        pg->more = true;
        return STOP_PAGE;
    }
    json_array_append_new(pg->items, tr_agreement_to_json(a));
    pg->last = a->id;
    pg->n++;
    return TR_OK;
}

static int h_agreement_list(http_req *rq, http_resp *rs, tr_err *err) {
    ag_page pg = {.viewer = &rq->party, .items = json_array()};
    int rc = parse_page(rq, &pg.limit, &pg.after, err);
    if (rc == TR_OK) rc = parse_at(rq, &pg.at, &pg.has_at, err);
    if (rc == TR_OK) rc = store_agreement_each(rq->c->store, collect_agreement, &pg, err);
    if (rc != TR_OK && rc != STOP_PAGE) {
        json_decref(pg.items);
        return err->code;
    }
    rs->json = json_pack("{s:o, s:o}", "items", pg.items, "next_cursor", cursor_value(pg.more ? pg.last : 0));
    return TR_OK;
}

/* ---- attribution ---- */

static int h_attribution(http_req *rq, http_resp *rs, tr_err *err) {
    double lon = 0, lat = 0;
    int64_t at;
    if (parse_double(http_query(rq, "lon"), "lon", -180, 180, &lon, err) ||
        parse_double(http_query(rq, "lat"), "lat", -90, 90, &lat, err) || parse_at(rq, &at, NULL, err))
        return TR_EINVAL;
    attr_result r = {0};
    if (attr_engine_query(rq->c->attr, lon, lat, at, &rq->party, &r)) {
        attr_result_clear(&r);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    rs->json = attr_result_to_json(rq->c->attr, &r, lon, lat, at);
    attr_result_clear(&r);
    return TR_OK;
}

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
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
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
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
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

/* ---- monitoring (issue 3) ---- */

static int h_report_create(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_report_create(rq->c, &rq->party, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    snprintf(rs->location, sizeof rs->location, "/v1/reports/%lld",
             (long long)json_integer_value(json_object_get(rs->json, "id")));
    return TR_OK;
}

static int h_report_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_report_get(rq->c, &rq->party, id, &rs->json, err);
}

/* ?date=YYYY-MM-DD (that UTC day) or ?from=&to= (RFC 3339, from < to); neither: 0, 0. */
static int parse_window(const http_req *rq, int64_t *from, int64_t *to, tr_err *err) {
    const char *d = http_query(rq, "date"), *f = http_query(rq, "from"), *t = http_query(rq, "to");
    *from = *to = 0;
    if (d) {
        char buf[32];
        int y, m, dd;
        char extra;
        if (f || t) return tr_fail(err, TR_EINVAL, "date", "give either date or from and to, not both");
        if (strlen(d) != 10 || sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &extra) != 3 ||
            snprintf(buf, sizeof buf, "%sT00:00:00Z", d) >= (int)sizeof buf || tr_time_parse(buf, from))
            return tr_fail(err, TR_EINVAL, "date", "'%s' is not a date (YYYY-MM-DD)", d);
        *to = *from + 86400;
        return TR_OK;
    }
    if (!f && !t) return TR_OK;
    if (!f || tr_time_parse(f, from)) return tr_fail(err, TR_EINVAL, "from", "needs an RFC 3339 time (with to)");
    if (!t || tr_time_parse(t, to)) return tr_fail(err, TR_EINVAL, "to", "needs an RFC 3339 time (with from)");
    if (*from >= *to) return tr_fail(err, TR_EINVAL, "to", "must be after from");
    return TR_OK;
}

static int h_incident_list(http_req *rq, http_resp *rs, tr_err *err) {
    int limit;
    int64_t after, from, to;
    if (parse_page(rq, &limit, &after, err) || parse_window(rq, &from, &to, err)) return TR_EINVAL;
    return centre_incident_list(rq->c, after, limit, from, to, &rs->json, err);
}

static int h_incident_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_incident_get(rq->c, id, &rs->json, err);
}

static int h_incident_respond(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    if (centre_incident_respond(rq->c, &rq->party, id, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    return TR_OK;
}

static int h_incident_verdict(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    if (centre_incident_verdict(rq->c, &rq->party, id, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    return TR_OK;
}

static int h_bulletin(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_bulletin(rq->c, rq->params[0], http_query(rq, "format"), &rs->text, &rs->text_len,
                        &rs->content_type, err))
        return err->code;
    return TR_OK;
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
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_operation o;
    if (store_operation_get(rq->c->store, id, &o, err)) return err->code;
    rs->json = tr_operation_to_json(&o); /* operations are visible to every party */
    tr_operation_clear(&o);
    return TR_OK;
}

static int h_operation_list(http_req *rq, http_resp *rs, tr_err *err) {
    int limit;
    int64_t after, next;
    if (parse_page(rq, &limit, &after, err)) return TR_EINVAL;
    json_t *items = json_array();
    if (store_operation_list(rq->c->store, after, limit, items, &next, err)) {
        json_decref(items);
        return err->code;
    }
    rs->json = json_pack("{s:o, s:o}", "items", items, "next_cursor", cursor_value(next));
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
        if (parse_double(l, "limit", 1, PAGE_MAX, &v, err) || v != floor(v))
            return tr_fail(err, TR_EINVAL, "limit", "must be a whole number from 1 to %d", PAGE_MAX);
        *limit = (int)v;
    }
    if (a && strcmp(a, "0") != 0 && parse_id(a, "after", after, err)) return TR_EINVAL;
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
    if (parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    return centre_notice_ack(rq->c, &rq->party, id, rq->json, &rs->json, err);
}

/* ---- the verifiable log ---- */

static int h_log_key(http_req *rq, http_resp *rs, tr_err *err) {
    if (!rq->c->can_sign) return tr_fail(err, TR_EUNAVAIL, "", "the log has no key");
    rs->text = malloc(strlen(rq->c->vkey) + 2);
    if (!rs->text) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    rs->text_len = (size_t)sprintf(rs->text, "%s\n", rq->c->vkey);
    rs->content_type = "text/plain; charset=utf-8";
    return TR_OK;
}

static int h_log_checkpoint(http_req *rq, http_resp *rs, tr_err *err) {
    uint64_t size;
    if (centre_log_latest(rq->c, &rs->text, &size, err)) return err->code;
    rs->text_len = strlen(rs->text);
    rs->content_type = "text/plain; charset=utf-8";
    return TR_OK;
}

static int h_log_tile(http_req *rq, http_resp *rs, tr_err *err) {
    char path[256];
    snprintf(path, sizeof path, "tile/%s", rq->params[0]);
    uint8_t *data;
    if (centre_log_tile(rq->c, path, &data, &rs->text_len, err)) return err->code;
    rs->text = (char *)data;
    rs->content_type = "application/octet-stream";
    return TR_OK;
}

static int parse_index(const char *s, const char *field, uint64_t *out, tr_err *err) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = s && isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
    if (!s || !end || *end || errno || v > INT64_MAX)
        return tr_fail(err, TR_EINVAL, field, "'%s' is not a log index (a whole number)", s ? s : "");
    *out = v;
    return TR_OK;
}

static int h_log_receipt(http_req *rq, http_resp *rs, tr_err *err) {
    uint64_t index = 0;
    if (parse_index(rq->params[0], "index", &index, err)) return TR_EINVAL;
    return centre_log_receipt(rq->c, index, &rs->json, err);
}

static int h_log_consistency(http_req *rq, http_resp *rs, tr_err *err) {
    uint64_t from = 0, to = 0;
    if (parse_index(http_query(rq, "from"), "from", &from, err) || parse_index(http_query(rq, "to"), "to", &to, err))
        return TR_EINVAL;
    return centre_log_consistency(rq->c, from, to, &rs->json, err);
}

/* ---- the route table ---- */

#define ANY ROLES_ALL
#define WRITERS (ROLES_ALL & ~ROLE_BIT(ROLE_OBSERVER))
#define AGREEMENT_WRITERS (ROLES_PRIVILEGED | ROLE_BIT(ROLE_GUARANTOR))
#define OPERATION_WRITERS (ROLES_PRIVILEGED | ROLE_BIT(ROLE_GUARANTOR) | ROLE_BIT(ROLE_BELLIGERENT))

const http_route api_routes[] = {
    {"GET", "/v1/health", h_health, 0, NULL, 0},
    {"GET", "/metrics", h_metrics, 0, NULL, ROUTE_LOOPBACK},
    {"GET", "/v1/me", h_me, ANY, NULL, 0},
    {"PUT", "/v1/me/key", h_me_key, ANY, NULL, ROUTE_BODY},
    {"GET", "/v1/parties", h_parties, ANY, NULL, 0},
    {"GET", "/v1/actors", h_actors, ANY, NULL, 0},
    {"POST", "/v1/actors", h_actor_add, ROLES_PRIVILEGED, NULL, ROUTE_BODY},
    {"GET", "/v1/areas", h_area_list, ANY, "kind,party,at,bbox,limit,cursor", 0},
    {"POST", "/v1/areas", h_area_create, WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/areas/{id}", h_area_get, ANY, "version", 0},
    {"PUT", "/v1/areas/{id}", h_area_update, WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/areas/{id}/history", h_area_history, ANY, NULL, 0},
    {"GET", "/v1/agreements", h_agreement_list, ANY, "at,limit,cursor", 0},
    {"POST", "/v1/agreements", h_agreement_create, AGREEMENT_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/agreements/{id}", h_agreement_get, ANY, NULL, 0},
    {"GET", "/v1/attribution", h_attribution, ANY, "lon,lat,at", 0},
    {"POST", "/v1/sites", h_site_create, WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/sites/{id}", h_site_get, ANY, NULL, 0},
    {"POST", "/v1/movements", h_movement_create, WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/movements/{id}", h_movement_get, ANY, NULL, 0},
    {"GET", "/v1/operations", h_operation_list, ANY, "limit,cursor", 0},
    {"POST", "/v1/operations", h_operation_create, OPERATION_WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/operations/{id}", h_operation_get, ANY, NULL, 0},
    {"GET", "/v1/notices", h_notices, ANY, "after,limit", 0},
    {"GET", "/v1/notices/overdue", h_notices_overdue, ANY, "after,limit", 0},
    {"POST", "/v1/notices/{id}/ack", h_notice_ack, ANY, NULL, ROUTE_BODY},
    {"POST", "/v1/reports", h_report_create, WRITERS, NULL, ROUTE_BODY},
    {"GET", "/v1/reports/{id}", h_report_get, ANY, NULL, 0},
    {"GET", "/v1/incidents", h_incident_list, ANY, "limit,cursor,date,from,to", 0},
    {"GET", "/v1/incidents/{id}", h_incident_get, ANY, NULL, 0},
    {"POST", "/v1/incidents/{id}/responses", h_incident_respond, WRITERS, NULL, ROUTE_BODY},
    {"POST", "/v1/incidents/{id}/verdict", h_incident_verdict, ROLES_PRIVILEGED, NULL, ROUTE_BODY},
    {"GET", "/v1/bulletins/{date}", h_bulletin, ANY, "format", 0},
    {"GET", "/v1/log/key", h_log_key, 0, NULL, 0},
    {"GET", "/v1/log/checkpoint", h_log_checkpoint, 0, NULL, 0},
    {"GET", "/v1/log/tile/{*path}", h_log_tile, ANY, NULL, 0},
    {"GET", "/v1/log/receipts/{index}", h_log_receipt, ANY, NULL, 0},
    {"GET", "/v1/log/consistency", h_log_consistency, ANY, "from,to", 0},
};
const size_t api_nroutes = sizeof api_routes / sizeof *api_routes;
