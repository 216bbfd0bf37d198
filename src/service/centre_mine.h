/*
 * centre_mine.h — mine action and territory control (issue 6; docs/mine-action.md,
 * docs/territory.md): the write path of centre.h for hazards, tasks, progress and
 * accidents, and the territory-control question.
 *
 * Who may write: any party but observers records hazards and accidents; mine_action
 * parties, admin and monitor record tasks; a task's owner, its contributing parties,
 * admin and monitor record its progress and close it; a hazard's owner, mine_action
 * parties, admin and monitor change its status. Everything here is visible to every
 * party (mine contamination is safety information).
 *
 * Ownership: json_t **out results are new references for the caller.
 */
#ifndef TRUCE_SERVICE_CENTRE_MINE_H
#define TRUCE_SERVICE_CENTRE_MINE_H

#include "geo/region.h"
#include "service/centre.h"

/* POST /v1/hazards. *out: the hazard (centre_hazard_json) with conflicts and receipt. */
int centre_hazard_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err);
/* POST /v1/hazards/{id}/status {"status", "reason"?}. */
int centre_hazard_status(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out, tr_err *err);
/* POST /v1/tasks. */
int centre_task_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);
/* POST /v1/tasks/{id}/progress: refused (409) once the task is closed or its hazard is
 * no longer open; 400 if the areas exceed what remains of the hazard. */
int centre_task_progress(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out, tr_err *err);
/* POST /v1/tasks/{id}/close {"date", "outcome"?}. */
int centre_task_close(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out, tr_err *err);
/* POST /v1/accidents. */
int centre_accident_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);

/* The hazard as GET /v1/hazards/{id} answers it: the recorded Feature with the current
 * status and properties.released {cleared_m2, reduced_m2, cancelled_m2, total_m2} and
 * remaining_m2. */
json_t *centre_hazard_json(const tr_hazard *h, const store_hazard_state *now);
/* The task as GET /v1/tasks/{id} answers it: with its close and progress (and totals). */
int centre_task_json(centre *c, const tr_task *t, json_t **out, tr_err *err);

/* GET /v1/territory (docs/territory.md). has_change: from/to given (else at). within: an
 * area id (0: everywhere) the viewer must be able to read (else TR_ENOTFOUND). */
typedef struct centre_territory_q {
    int64_t at, from, to;
    bool has_change;
    int64_t within;
} centre_territory_q;
int centre_territory(centre *c, const tr_party *viewer, const centre_territory_q *q, json_t **out, tr_err *err);
/* Square metres as km², to the whole square metre (as every km² figure prints). */
double centre__km2(double m2);
/* Area id as viewer may see it (else TR_EINVAL naming field, as a missing one), in its
 * version in force at t (else its latest version), with its shape built; the caller
 * clears *out. centre__area_region: the same as a region (geo/region.h) and *desc
 * {"id", "version", "name", "area_km2"} (new reference). */
int centre__area_at(centre *c, const tr_party *viewer, int64_t id, int64_t t, const char *field, tr_area *out,
                    tr_err *err);
int centre__area_region(centre *c, const tr_party *viewer, int64_t id, int64_t t, const char *field,
                        geo_region **out, json_t **desc, tr_err *err);


/* ---- inside the centre only (centre_mine_conflict.c) ---- */
/* Inside the store transaction: the operations (in c->dc) that a new hazard h, open,
 * conflicts with, appended to out as conflicts of type "operation". */
int centre__hazard_conflicts(centre *c, const tr_party *by, const tr_hazard *h, json_t *out, tr_err *err);
/* An operation's volume q (index vi) against hazards: an open hazard at any time, or a
 * hazard with an active clearance task during the task's window, within the site
 * buffer; appended to out as conflicts of type "hazard". */
int centre__volume_hazard_conflicts(centre *c, const dc_volume *q, size_t vi, json_t *out, tr_err *err);

/* Adds the mine action section (land released, items, accidents in b's window) to a
 * bulletin, on days with mine action only (docs/mine-action.md, "Bulletin"). */
int centre__mine_bulletin(centre *c, mon_bulletin *b, tr_err *err);

#endif
