/*
 * api_int.h — what the API's modules share: request parameter parsing, role sets
 * and each module's route table (api.c puts the tables together in match order).
 *
 * A module (api_<name>.c) defines its handlers static and exports one table,
 * `api_<name>_routes[]` with `api_<name>_nroutes`; declare both here and add the
 * table to `tables[]` in api.c.
 */
#ifndef TRUCE_EDGES_API_INT_H
#define TRUCE_EDGES_API_INT_H

#include "edges/http.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX 1000

#define API_ANY ROLES_ALL
#define API_WRITERS (ROLES_ALL & ~ROLE_BIT(ROLE_OBSERVER))
#define API_OPERATION_WRITERS (ROLES_PRIVILEGED | ROLE_BIT(ROLE_GUARANTOR) | ROLE_BIT(ROLE_BELLIGERENT))

/* A positive integer id; field names the parameter in the error. */
int api_parse_id(const char *s, const char *field, int64_t *out, tr_err *err);
/* A finite number within [lo, hi]; NULL or empty: "is required". */
int api_parse_double(const char *s, const char *field, double lo, double hi, double *out, tr_err *err);
/* ?at=RFC3339, default now; *given tells whether it was there (given may be NULL). */
int api_parse_at(const http_req *rq, int64_t *at, bool *given, tr_err *err);
/* ?limit: a whole number 1..PAGE_MAX, default PAGE_DEFAULT. */
int api_parse_limit(const http_req *rq, int *limit, tr_err *err);
/* ?limit (1..PAGE_MAX, default PAGE_DEFAULT) and ?cursor (an id, default 0). */
int api_parse_page(const http_req *rq, int *limit, int64_t *after, tr_err *err);
/* ?bbox=minlon,minlat,maxlon,maxlat (min <= max, within [-180, 180] x [-90, 90]). */
int api_parse_bbox(const char *s, geo_box *b, tr_err *err);
/* The shape of most writes: the sender's body (and the {id} of the path) to a centre
 * function answering the new object, 201 Created. */
typedef int (*api_create_fn)(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);
typedef int (*api_create_on_fn)(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                                tr_err *err);
int api_create(http_req *rq, http_resp *rs, api_create_fn fn, tr_err *err);
int api_create_on(http_req *rq, http_resp *rs, api_create_on_fn fn, tr_err *err);
/* api_create, then Location: the kind's route (domain/kinds.h) and the answer's id (its
 * "id", or a Feature's properties.id). */
int api_create_kind(http_req *rq, http_resp *rs, api_create_fn fn, tr_kind kind, tr_err *err);
/* Sets rs's Location to the kind's route and the id of the answer in rs->json. */
void api_located(http_resp *rs, tr_kind kind);
/* The next_cursor member: the id as a string, or null when there is no next page. */
json_t *api_cursor_value(int64_t next);

/* ---- the modules' route tables ---- */

/* api_deconflict.c: sites, movements, operations, notices (issue 4) */
extern const http_route api_deconflict_routes[];
extern const size_t api_deconflict_nroutes;

/* api_monitor.c: reports, incidents, bulletins (issue 3) */
extern const http_route api_monitor_routes[];
extern const size_t api_monitor_nroutes;

/* api_humanitarian.c: corridors, agreement steps, messages (issue 6, humanitarian half) */
extern const http_route api_humanitarian_routes[];
extern const size_t api_humanitarian_nroutes;
/* api_mine.c: hazards, tasks, accidents, mine action reports, territory (issue 6) */
extern const http_route api_mine_routes[];
extern const size_t api_mine_nroutes;
/* api_record.c: the log's witnesses, a party's record (issue 15) */
extern const http_route api_record_routes[];
extern const size_t api_record_nroutes;
/* api_tracks.c: live tracks, their history and tactical alerts (issue 16) */
extern const http_route api_tracks_routes[];
extern const size_t api_tracks_nroutes;
/* api_measures.c: separation, separation steps, aid delivered (issue 20) */
extern const http_route api_measures_routes[];
extern const size_t api_measures_nroutes;

#endif
