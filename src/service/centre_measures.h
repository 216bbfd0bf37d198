/*
 * centre_measures.h — the parties' accusations answered with figures (issue 20;
 * docs/separation.md): the separation of an agreement's parties from the actors it
 * excludes (commingled ground, incidents by excluded actors inside a party's control
 * area), measured separation steps, and the aid movements delivered.
 *
 * Visibility: every figure is computed from what the viewer may see (an area, a movement
 * it may not see counts exactly as if it did not exist), so an aggregate never reveals a
 * hidden object. viewer NULL: the system (every object).
 *
 * Ownership: json_t **out results are new references for the caller.
 */
#ifndef TRUCE_SERVICE_CENTRE_MEASURES_H
#define TRUCE_SERVICE_CENTRE_MEASURES_H

#include "service/centre.h"

#define CENTRE_SERIES_MAX_DAYS 1100 /* a daily series covers at most this many days */

/* GET /v1/agreements/{id}/separation: at one instant (has_series false) or a daily series
 * from `from` to `to` (each day's 00:00Z, to included). within: an area id (0: none). */
typedef struct centre_separation_q {
    int64_t agreement;
    int64_t at, from, to;
    bool has_series;
    int64_t within;
    int64_t inc_from, inc_to; /* the incidents' window; both 0: the days asked about */
} centre_separation_q;
int centre_separation(centre *c, const tr_party *viewer, const centre_separation_q *q, json_t **out,
                      tr_err *err);

/* The measured separation of a separation step (area_id, deadline) of agreement ag, at
 * the deadline and at now, as viewer sees it: {"area", "at_deadline", "now"} (each
 * {"at", "commingled_km2", "parties"}), NULL members when not measurable (no deadline). */
int centre__separation_step(centre *c, const tr_party *viewer, int64_t ag, int64_t area_id, int64_t deadline,
                            int64_t now, json_t **out, tr_err *err);

/* Adds to each separation step of a timeline (GET /v1/agreements/{id}/timeline, its
 * "steps") the measure at its deadline and at the timeline's `at` beside its status:
 * separation {"area", "area_name", "at_deadline", "now", "contradicted", "note"}. */
int centre__timeline_separation(centre *c, const tr_party *viewer, const tr_agreement *ag, int64_t at,
                                json_t *timeline, tr_err *err);
/* GET /v1/steps/{id}?at=: the step as its agreement's timeline at `at` shows it, with
 * "agreement" {"id", "name"}. TR_ENOTFOUND for a step the viewer may not see. */
int centre_step_page(centre *c, const tr_party *viewer, int64_t step_id, int64_t at, json_t **out,
                     tr_err *err);

/* GET /v1/aid?from=&to=[&within=]: movements that arrived (by cargo kind, organisation,
 * notifying party, destination area, day), aborted and hit apart, and people who crossed
 * corridors. */
typedef struct centre_aid_q {
    int64_t from, to;
    int64_t within;
} centre_aid_q;
int centre_aid(centre *c, const tr_party *viewer, const centre_aid_q *q, json_t **out, tr_err *err);
/* GET /v1/exports/aid: the movements counted by centre_aid, one CSV row per cargo item
 * (format csv), with an HXL hashtag row under the header (format hxl). *text is malloc'd
 * (NUL-terminated, *len without it); *media_type static. */
int centre_aid_export(centre *c, const tr_party *viewer, const centre_aid_q *q, const char *format,
                      char **text, size_t *len, const char **media_type, tr_err *err);

/* The bulletin's sections "Separation" and "Aid delivered" (public objects only; only on
 * days with data). */
int centre__measures_bulletin(centre *c, mon_bulletin *b, mon_lang lang, tr_err *err);

#endif
