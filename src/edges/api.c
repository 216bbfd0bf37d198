/*
 * api.c — the /v1 API: one table of routes and their handlers.
 *
 * Handlers read a parsed, authenticated request (http.h) and call the centre for
 * writes, the store for listings and the attribution engine for questions about a
 * place and time. Every read applies the kind's visibility function (service/
 * centre_visible.h, docs/visibility.md): what a party may not see answers 404, exactly
 * as if it did not exist.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/api_int.h"
#include "service/centre_lists.h"

/* ---- parameters ---- */

int api_parse_id(const char *s, const char *field, int64_t *out, tr_err *err) {
    char *end = NULL;
    errno = 0;
    long long v = s && isdigit((unsigned char)s[0]) ? strtoll(s, &end, 10) : 0;
    if (!s || !end || *end || errno || v <= 0)
        return tr_fail(err, TR_EINVAL, field, "'%s' is not an id (a positive integer)", s ? s : "");
    *out = v;
    return TR_OK;
}

int api_parse_double(const char *s, const char *field, double lo, double hi, double *out, tr_err *err) {
    char *end;
    if (!s || !*s) return tr_fail(err, TR_EINVAL, field, "is required");
    double v = strtod(s, &end);
    if (*end || !isfinite(v)) return tr_fail(err, TR_EINVAL, field, "'%s' is not a number", s);
    if (v < lo || v > hi) return tr_fail(err, TR_EINVAL, field, "%s is outside [%g, %g]", s, lo, hi);
    *out = v;
    return TR_OK;
}

/* ?at=RFC3339, default now. */
int api_parse_at(const http_req *rq, int64_t *at, bool *given, tr_err *err) {
    const char *s = http_query(rq, "at");
    if (given) *given = s != NULL;
    if (!s) {
        *at = tr_time_now();
        return TR_OK;
    }
    if (tr_time_parse(s, at)) return tr_fail(err, TR_EINVAL, "at", "'%s' is not an RFC 3339 time", s);
    return TR_OK;
}

int api_parse_limit(const http_req *rq, int *limit, tr_err *err) {
    const char *l = http_query(rq, "limit");
    double v;
    *limit = PAGE_DEFAULT;
    if (!l) return TR_OK;
    if (api_parse_double(l, "limit", 1, PAGE_MAX, &v, err) || v != floor(v))
        return tr_fail(err, TR_EINVAL, "limit", "must be a whole number from 1 to %d", PAGE_MAX);
    *limit = (int)v;
    return TR_OK;
}

int api_parse_page(const http_req *rq, int *limit, int64_t *after, tr_err *err) {
    const char *c = http_query(rq, "cursor");
    *after = 0;
    if (api_parse_limit(rq, limit, err)) return TR_EINVAL;
    if (c && api_parse_id(c, "cursor", after, err)) return TR_EINVAL;
    return TR_OK;
}

int api_create(http_req *rq, http_resp *rs, api_create_fn fn, tr_err *err) {
    if (fn(rq->c, &rq->party, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    return TR_OK;
}

int api_create_kind(http_req *rq, http_resp *rs, api_create_fn fn, tr_kind kind, tr_err *err) {
    if (api_create(rq, rs, fn, err)) return err->code;
    api_located(rs, kind);
    return TR_OK;
}

void api_located(http_resp *rs, tr_kind kind) {
    const tr_kind_desc *d = tr_kind_get(kind);
    json_t *props = json_object_get(rs->json, "properties"); /* a Feature's id is in its properties */
    json_t *id = json_object_get(props ? props : rs->json, "id");
    if (d && d->route)
        snprintf(rs->location, sizeof rs->location, "%s/%lld", d->route, (long long)json_integer_value(id));
}

int api_create_on(http_req *rq, http_resp *rs, api_create_on_fn fn, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    if (fn(rq->c, &rq->party, id, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    return TR_OK;
}

json_t *api_cursor_value(int64_t next) {
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
                         (json_int_t)attr_engine_area_versions(rq->c->attr), "time",
                         tr_json_time_value(tr_time_now()));
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
    if (centre_party_list_json(rq->c->store, &list, err)) return TR_EIO;
    rs->json = json_pack("{s:o}", "items", list);
    return TR_OK;
}

static int h_actors(http_req *rq, http_resp *rs, tr_err *err) {
    json_t *list;
    if (centre_actor_list_json(rq->c->store, &list, err)) return TR_EIO;
    rs->json = json_pack("{s:o}", "items", list);
    return TR_OK;
}

static int h_actor_add(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create(rq, rs, centre_actor_add, err);
}

/* ---- areas ---- */

static void area_headers(http_resp *rs, const json_t *feature) {
    json_t *p = json_object_get(feature, "properties");
    snprintf(rs->etag, sizeof rs->etag, "\"%lld\"",
             (long long)json_integer_value(json_object_get(p, "version")));
    snprintf(rs->location, sizeof rs->location, "/v1/areas/%lld",
             (long long)json_integer_value(json_object_get(p, "id")));
}

static int h_area_create(http_req *rq, http_resp *rs, tr_err *err) {
    if (centre_area_create(rq->c, &rq->party, rq->json, &rs->json, err)) return err->code;
    rs->status = 201;
    area_headers(rs, rs->json);
    return TR_OK;
}

static int h_area_update(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
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
            return tr_fail(err, TR_EINVAL, "If-Match",
                           "expected one strong ETag of the area, e.g. \"3\", or *");
        expect = (int)v;
    }
    if (centre_area_update(rq->c, &rq->party, id, expect, rq->json, &rs->json, err)) return err->code;
    area_headers(rs, rs->json);
    return TR_OK;
}

/* Reads one version (0 = current) that the caller may see. */
static int area_visible(http_req *rq, int64_t id, int version, tr_area *a, tr_err *err) {
    if (store_area_get(rq->c->store, id, version, a, err)) return err->code;
    if (!centre_area_visible(a, &rq->party)) {
        tr_area_clear(a);
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no area %lld", (long long)id);
    }
    return TR_OK;
}

static int h_area_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0, version = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    const char *v = http_query(rq, "version");
    if (v && api_parse_id(v, "version", &version, err)) return TR_EINVAL;
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
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    json_t *features = json_array();
    if (centre_area_history_json(rq->c->store, id, &rq->party, features, err)) {
        json_decref(features);
        return err->code;
    }
    if (json_array_size(features) == 0) { /* missing, or no version visible: the same answer */
        json_decref(features);
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no area %lld", (long long)id);
    }
    rs->json = json_pack("{s:s, s:I, s:o}", "type", "FeatureCollection", "area_id", (json_int_t)id,
                         "features", features);
    return TR_OK;
}

int api_parse_bbox(const char *s, geo_box *b, tr_err *err) {
    double v[4];
    int n = 0;
    const char *p = s;
    while (n < 4) {
        char *end;
        v[n] = strtod(p, &end);
        if (end == p || !isfinite(v[n])) break;
        n++;
        p = end;
        if (n == 4 || *p != ',') break; /* a trailing comma is left for the check below */
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
        if (tr_area_kind_parse(kind, &k)) return tr_fail(err, TR_EINVAL, "kind", "unknown kind '%s'", kind);
        f.kind = (int)k;
    }
    f.party = http_query(rq, "party");
    if (api_parse_at(rq, &f.at, &f.has_at, err)) return TR_EINVAL;
    if (bbox && api_parse_bbox(bbox, &f.bbox, err)) return TR_EINVAL;
    f.has_bbox = bbox != NULL;
    if (api_parse_page(rq, &f.limit, &f.after, err)) return TR_EINVAL;
    json_t *features = json_array();
    int64_t next;
    if (centre_area_list_json(rq->c->store, &f, features, &next, err)) {
        json_decref(features);
        return err->code;
    }
    rs->json = json_pack("{s:s, s:o, s:o}", "type", "FeatureCollection", "features", features, "next_cursor",
                         api_cursor_value(next));
    return TR_OK;
}

/* ---- agreements ---- */

static int h_agreement_create(http_req *rq, http_resp *rs, tr_err *err) {
    return api_create_kind(rq, rs, centre_agreement_create, TR_KIND_AGREEMENT, err);
}

static int h_agreement_get(http_req *rq, http_resp *rs, tr_err *err) {
    int64_t id = 0;
    if (api_parse_id(rq->params[0], "id", &id, err)) return TR_EINVAL;
    tr_agreement a;
    if (store_agreement_get(rq->c->store, id, &a, err)) return err->code;
    int rc = TR_OK;
    if (!centre_agreement_visible(&a, &rq->party))
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
    if (a->id <= pg->after || !centre_agreement_visible(a, pg->viewer)) return TR_OK;
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
    int rc = api_parse_page(rq, &pg.limit, &pg.after, err);
    if (rc == TR_OK) rc = api_parse_at(rq, &pg.at, &pg.has_at, err);
    if (rc == TR_OK) rc = store_agreement_each(rq->c->store, collect_agreement, &pg, err);
    if (rc != TR_OK && rc != STOP_PAGE) {
        json_decref(pg.items);
        return err->code;
    }
    rs->json =
        json_pack("{s:o, s:o}", "items", pg.items, "next_cursor", api_cursor_value(pg.more ? pg.last : 0));
    return TR_OK;
}

/* ---- attribution ---- */

static int h_attribution(http_req *rq, http_resp *rs, tr_err *err) {
    double lon = 0, lat = 0;
    int64_t at;
    if (api_parse_double(http_query(rq, "lon"), "lon", -180, 180, &lon, err) ||
        api_parse_double(http_query(rq, "lat"), "lat", -90, 90, &lat, err) ||
        api_parse_at(rq, &at, NULL, err))
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
    if (parse_index(http_query(rq, "from"), "from", &from, err) ||
        parse_index(http_query(rq, "to"), "to", &to, err))
        return TR_EINVAL;
    return centre_log_consistency(rq->c, from, to, &rs->json, err);
}

/* ---- the route table ---- */

#define ANY API_ANY
#define WRITERS API_WRITERS
#define AGREEMENT_WRITERS (ROLES_PRIVILEGED | ROLE_BIT(ROLE_GUARANTOR))

static const http_route core_routes[] = {
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
    {"GET", "/v1/attribution", h_attribution, ANY, "lon,lat,at", ROUTE_UNSHARED},
    {"GET", "/v1/log/key", h_log_key, 0, NULL, 0},
    {"GET", "/v1/log/checkpoint", h_log_checkpoint, 0, NULL, 0},
    {"GET", "/v1/log/tile/{*path}", h_log_tile, ANY, NULL, 0},
    {"GET", "/v1/log/receipts/{index}", h_log_receipt, ANY, NULL, 0},
    {"GET", "/v1/log/consistency", h_log_consistency, ANY, "from,to", 0},
};
static const size_t core_nroutes = sizeof core_routes / sizeof *core_routes;

/* Every module's table, in match order. A module adds its table here and its
 * declaration in api_int.h. */
static const struct {
    const http_route *routes;
    const size_t *n;
} tables[] = {
    {core_routes, &core_nroutes},
    {api_deconflict_routes, &api_deconflict_nroutes},
    {api_monitor_routes, &api_monitor_nroutes},
    {api_humanitarian_routes, &api_humanitarian_nroutes},
    {api_mine_routes, &api_mine_nroutes},
    {api_record_routes, &api_record_nroutes},
    {api_tracks_routes, &api_tracks_nroutes},
    {api_measures_routes, &api_measures_nroutes},
};

static http_route *all_routes;
static size_t all_nroutes;
static pthread_once_t all_once = PTHREAD_ONCE_INIT;

static void collect_routes(void) {
    size_t n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        n += *tables[t].n;
    all_routes = calloc(n, sizeof *all_routes);
    if (!all_routes) abort(); /* at start-up: nothing to serve without the table */
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (size_t i = 0; i < *tables[t].n; i++)
            all_routes[all_nroutes++] = tables[t].routes[i];
}

const http_route *api_routes(size_t *n) {
    pthread_once(&all_once, collect_routes);
    *n = all_nroutes;
    return all_routes;
}
