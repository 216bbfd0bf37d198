/*
 * centre_monitor.h — monitoring use cases added after the first slice (issue 3):
 * streamed exports of incidents. (The first slice's calls are in centre.h.)
 *
 * Ownership: a centre_export belongs to the caller, freed with centre_export_free; it
 * must be freed before the centre is closed.
 */
#ifndef TRUCE_SERVICE_CENTRE_MONITOR_H
#define TRUCE_SERVICE_CENTRE_MONITOR_H

#include "base/tz.h"
#include "engines/monitor_export.h"
#include "service/centre.h"

/* Rebuilds the monitoring engine with cfg (clustering distances and windows, the
 * bulletin's hour and zone; docs/monitoring.md "Configuration") from the store, as at
 * start. TR_EINVAL naming the member (mon_config_check); on any failure the engine is
 * unchanged. cfg->bulletin_tz must outlive the centre. */
int centre_mon_configure(centre *c, const mon_config *cfg, tr_err *err);

/* The clustering options as `truce serve` takes and records them (--cluster-radius-m
 * "R1,R2,R3", --cluster-window-s "W1,W2,W3"; NULL leaves cfg's) into cfg's radius_m and
 * window_s. TR_EINVAL naming the option (the ranges are mon_config_check's). */
int centre_mon_cluster_parse(const char *radius, const char *window, mon_config *cfg, tr_err *err);

/* The monitoring options `truce serve` takes and records as settings (setting.put), in
 * this order: --cluster-radius-m, --cluster-window-s, --bulletin-hour, --bulletin-tz. */
#define CENTRE_NMON_OPTS 4
extern const char *const CENTRE_MON_OPTS[CENTRE_NMON_OPTS];
/* Their texts vals[] (in that order) into cfg, from mon_config_default; a zone name loads
 * *tz (the caller frees it with tr_tz_free, after the engine that uses it), else *tz is
 * NULL. TR_EINVAL naming the option, or (the ranges) mon_config_check's member. */
int centre_mon_options(const char *const *vals, mon_config *cfg, tr_tz **tz, tr_err *err);
/* Rebuilds the monitoring engine with the settings the store holds (another instance
 * recorded them: centre_follow.c), when all of them are there; the zone it loads is the
 * centre's (freed by centre_close). */
int centre__mon_settings_follow(centre *c, tr_err *err);

/* The incidents rebuilt from stored rows into engine m, as at start (centre_mon_configure)
 * and as `truce verify --db` rebuilds them: a report row (its body parsed again with its
 * time of receipt, its stored classification; *incident, may be NULL, gets its incident),
 * a regroup record, a response or verdict. TR_EIO for a row that cannot be read back. */
int centre_mon_add_stored(mon_engine *m, const store_report *sr, int64_t *incident, tr_err *err);
int centre_mon_apply_regroup(mon_engine *m, const store_regroup *g, tr_err *err);
int centre_mon_apply_act(mon_engine *m, bool verdict, const store_incident_act *a, tr_err *err);

/* A time window from ?date=YYYY-MM-DD (that UTC day) or ?from=&to= (RFC 3339, from <
 * to), each NULL when absent; neither: *from = *to = 0. TR_EINVAL naming the parameter. */
int centre_window_parse(const char *date, const char *from_s, const char *to_s, int64_t *from, int64_t *to,
                        tr_err *err);

/* ---- exports (docs/monitoring.md "Exports") ---- */

typedef struct centre_export centre_export;

/*
 * Starts an export of incidents in format ("geojson", "hxl", "acled"; TR_EINVAL naming
 * `format` otherwise): every incident, or with from < to those with a report that
 * occurred in [from, to) (as GET /v1/incidents). Incidents are the public summary every
 * party reads, so there is no viewer. Nothing is read yet: rows are produced by
 * centre_export_read, a batch of incidents at a time under c->mon_mu (the lock is never
 * held between calls), in incident id order. A write landing during the export shows in
 * the batches read after it. *media_type and *file_name are static strings.
 */
int centre_export_open(centre *c, const char *format, int64_t from, int64_t to, centre_export **out,
                       const char **media_type, const char **file_name, tr_err *err);
/* Copies up to max bytes of the export into buf: the count (> 0), 0 at the end, or -1
 * when memory ran out (the export is then unusable). */
long centre_export_read(centre_export *x, char *buf, size_t max);
/* Makes a full GeoJSON export (no window, not yet read) start the change feed: the
 * FeatureCollection then begins with its "cursor" (centre_incident_feed). Reconciles the
 * feed first (one pass over every incident). TR_EINVAL naming cursor otherwise. */
int centre_export_with_cursor(centre_export *x, tr_err *err);

/*
 * The change feed (GET /v1/exports/incidents?format=geojson&changed_since=CURSOR,
 * docs/monitoring.md "The change feed"): a GeoJSON FeatureCollection {"changed_since",
 * "cursor", "features": the incidents that changed or appeared since the cursor, as the
 * export's Features, "retired": [{"id", "replaced_by"}] the ids that no longer exist and
 * the incident their report is in now}. A full GeoJSON export asked with a cursor
 * (centre_export_with_cursor) starts with its "cursor". format must be geojson; since an integer cursor from
 * 0 to the latest (else TR_EINVAL naming changed_since). *text is malloc'd.
 */
int centre_incident_feed(centre *c, const char *format, const char *since, char **text, size_t *len,
                         tr_err *err);
void centre_export_free(centre_export *x);

/* ---- reports about objects (docs/monitoring.md "Reports about objects") ---- */

/* The sites and movements the reports of incident id are about, those viewer may see,
 * each with its notification history: [{kind, id, created_index, notices: [{notice_id,
 * party, notified_at, deadline, acked_at, ack_index}]}] (at most 32 objects). */
int centre_incident_objects(centre *c, const tr_party *viewer, int64_t id, json_t **out, tr_err *err);

/* ---- CAP 1.2 (docs/monitoring.md "CAP alerts") ---- */

/* The CAP 1.2 alert of incident id (its current id) as XML (*text malloc'd, *len bytes).
 * TR_ENOTFOUND naming `id` when there is no such incident or it is not a corroborated or
 * confirmed violation. */
int centre_incident_cap(centre *c, int64_t id, char **text, size_t *len, tr_err *err);

/* ---- split and merge (docs/monitoring.md "Split and merge"); admin and monitor only ---- */

/* {"reports": [report ids], "reason": text}: the named reports (some, not all, of current
 * incident id's) become an incident of their own, pinned apart. Logged as
 * incident.regroup. Answer: {seq, kind, incidents: [the two incidents' ids], receipt}.
 * TR_ENOTFOUND (id), TR_EINVAL (reports, reason), TR_EFORBIDDEN. */
int centre_incident_split(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                          tr_err *err);
/* {"incidents": [other current incident ids], "reason": text}: they and current incident
 * id become one incident (side one: id's reports). Answer as for split, one incident. */
int centre_incident_merge(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                          tr_err *err);

/* Sends the CAP alerts of every incident that has one and was not notified yet (at the
 * start of `truce serve`: what a crash between a write and its alerts left out). */
int centre_alerts_sweep(centre *c, tr_err *err);

/* ---- bulk import over HTTP (POST /v1/reports/import) ---- */

/* The query parameters of POST /v1/reports/import (each NULL when absent). */
typedef struct centre_import_query {
    const char *format;     /* ndjson, csv, acled, ucdp */
    const char *partial;    /* true, false */
    const char *new_actors; /* reject (default), create (admin and monitor only), omit */
} centre_import_query;

/*
 * centre_reports_import over a request body: format from q->format, or when NULL from the
 * media type (application/x-ndjson, text/csv; else TR_EMEDIA naming Content-Type);
 * partial "true"/"false"; new_actors as centre_new_actors (create by a party that is not
 * admin or monitor: TR_EFORBIDDEN). The reporting party is by, and it names the actor.add
 * entries. On success *out = {rows, imported, rejected, incidents, errors: [{line, field,
 * reason}], actors_created, new_actors: [{name, as_given}], names_omitted} (at most 1000
 * listed each). A file with a bad record and nothing imported is TR_EINVAL naming `body`,
 * with the same summary in *extra (for the problem); a bad header is TR_EINVAL naming the
 * column ("line 1: ...").
 */
int centre_reports_import_body(centre *c, const tr_party *by, const char *body, size_t len, const char *media,
                               const centre_import_query *q, json_t **out, json_t **extra, tr_err *err);

#endif
