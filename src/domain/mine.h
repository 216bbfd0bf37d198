/*
 * mine.h — mine action values (issue 6) in the terms of the International Mine Action
 * Standards (IMAS 04.10 glossary, IMAS 07.11 land release): hazards, tasks, daily
 * progress and accidents. Layer 2 of DESIGN.md: parsing, rules, JSON; no I/O.
 *
 * A hazard is a GeoJSON Feature, geometry an OGC-valid Polygon or MultiPolygon;
 * properties kind ("SHA" suspected, "CHA" confirmed hazardous area), contamination (a
 * non-empty list without repeats of "AP mine", "AT mine", "UXO", "AXO", "IED", "cluster
 * munition"), status ("open" default, "closed", "handed_over"), name, evidence (text),
 * estimated_m2 (the surveyors' estimate, whole m²). Its area_m2 is the geodesic area
 * of the polygon in whole square metres; land released against it (cancelled by
 * non-technical survey, reduced by technical survey, cleared) can never exceed it.
 *
 * A task is {"hazard_id", "kind" (non_technical_survey, technical_survey, clearance,
 * eod_spot_task), "operator" (the organisation doing it), "contributors" (party names),
 * "start", "end" (optional, after start), "status" (planned, active default, suspended)}.
 * Progress is {"date", "cleared_m2", "reduced_m2", "cancelled_m2" (whole m², >= 0,
 * default 0), "items": [{"type", "found", "destroyed"}], "depth_cm"}; closing is
 * {"date", "outcome": completed|cancelled}. An accident is {"kind": demining|civilian,
 * "date", "task_id" (required for demining), "hazard_id", "killed", "injured",
 * "device", "description"}.
 *
 * Ownership: values own their strings; free with the matching *_clear (safe on zeroed
 * values). json_t results are new references.
 */
#ifndef TRUCE_DOMAIN_MINE_H
#define TRUCE_DOMAIN_MINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/domain.h"

#define TR_MINE_MAX_M2 1000000000000LL /* 1,000,000 km²: larger than any hazard */
#define TR_MINE_MAX_COUNT 1000000      /* items or victims in one record */
#define TR_MINE_MAX_CONTRIBUTORS 32

/* Device types: contamination of a hazard and items found in it. */
extern const char *const TR_MINE_DEVICES[]; /* NULL-terminated */

typedef struct tr_hazard {
    int64_t id;
    char *owner;
    char *kind;              /* SHA, CHA */
    char *name;              /* or NULL */
    char *status;            /* as recorded; the current one may differ (hazard_status) */
    char *contamination;     /* JSON list text */
    char *evidence;          /* or NULL */
    int64_t estimated_m2;    /* -1 when not given */
    int64_t area_m2;         /* geodesic, whole m² */
    char *geometry;          /* as submitted (compact) */
    geo_box box;
    int64_t recorded_at;
} tr_hazard;

int tr_hazard_parse(const json_t *feature, const geo_limits *lim, tr_hazard *out, tr_err *err);
/* The hazard as recorded (the logged object of hazard.create): a Feature whose
 * properties hold id, kind, name?, status, contamination, evidence?, estimated_m2?,
 * area_m2, owner, recorded_at. */
json_t *tr_hazard_to_feature(const tr_hazard *h);
void tr_hazard_clear(tr_hazard *h);
/* "open", "closed", "handed_over": 0, else TR_EINVAL on field. */
int tr_hazard_status_check(const char *s, const char *field, tr_err *err);

typedef struct tr_task {
    int64_t id, hazard_id;
    char *owner;
    char *kind;
    char *operator_name;
    char **contributors;
    size_t ncontributors;
    int64_t start, end;      /* end TR_TIME_OPEN when open */
    char *status;            /* at creation */
    int64_t created_at;
    int64_t close_date;      /* 0 while open */
    char *close_outcome, *closed_by;
} tr_task;

int tr_task_parse(const json_t *body, tr_task *out, tr_err *err);
/* The task as created (task.create's object): id, hazard_id, kind, operator,
 * contributors, start, end, status, owner, created_at. */
json_t *tr_task_to_json(const tr_task *t);
void tr_task_clear(tr_task *t);
/* Parses {"date", "outcome"}. */
int tr_task_close_parse(const json_t *body, int64_t *date, const char **outcome, tr_err *err);

typedef struct tr_progress {
    int64_t id, task_id, hazard_id;
    char *party;
    int64_t date;
    int64_t cleared_m2, reduced_m2, cancelled_m2;
    char *items;             /* JSON list text */
    int64_t depth_cm;        /* -1 when not given */
    int64_t created_at;
} tr_progress;

int tr_progress_parse(const json_t *body, tr_progress *out, tr_err *err);
json_t *tr_progress_to_json(const tr_progress *p);
void tr_progress_clear(tr_progress *p);
static inline int64_t tr_progress_released_m2(const tr_progress *p) {
    return p->cleared_m2 + p->reduced_m2 + p->cancelled_m2;
}
/* The land-release rule: released so far plus this progress may not exceed area_m2.
 * TR_OK, or TR_EINVAL naming the first area field that overflows what remains. */
int tr_progress_fits(const tr_progress *p, int64_t area_m2, int64_t released_m2, tr_err *err);

typedef struct tr_accident {
    int64_t id;
    char *party;
    char *kind;              /* demining, civilian */
    int64_t date;
    int64_t hazard_id, task_id; /* 0 when none */
    int64_t killed, injured;
    char *device, *description; /* or NULL */
    int64_t created_at;
} tr_accident;

int tr_accident_parse(const json_t *body, tr_accident *out, tr_err *err);
json_t *tr_accident_to_json(const tr_accident *a);
void tr_accident_clear(tr_accident *a);

#endif
