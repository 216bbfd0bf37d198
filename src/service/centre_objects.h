/*
 * centre_objects.h — the objects the log commits to, one builder per kind of write.
 *
 * Every accepted write logs an entry whose object_sha256 is the SHA-256 of an object's
 * canonical bytes (docs/tlog.md, "Entries"). The centre builds that object when it
 * writes; `truce verify --db` rebuilds it from the row as stored and compares. Both call
 * the functions below, so the two can never disagree about the bytes: change an object
 * here and old logs stop verifying, so don't, unless the entry's "v" changes too.
 *
 * Ownership: builders return a new json_t reference (NULL when out of memory) that the
 * caller releases with json_decref; centre_object_bytes returns a malloc'd string that
 * the caller frees with free(). Refs are written into the caller's buffer.
 */
#ifndef TRUCE_SERVICE_CENTRE_OBJECTS_H
#define TRUCE_SERVICE_CENTRE_OBJECTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"
#include "domain/site.h"
#include "store/store.h"

/* The version ("v") of the log entries written now. The canonical encoding of objects and
 * entries is compact JSON, keys sorted, UTF-8; the reals differ by version:
 *   1  C's %.17g (jansson JSON_REAL_PRECISION(17)): 36.200000000000003;
 *   2  the shortest decimal that reads back as the same double (base/json_text.h): 36.2.
 * An entry is verified with the encoding of its own version, so old logs keep verifying. */
#define CENTRE_LOG_VERSION 2

/* j printed with jansson's flags as a binary writing entries of version v (1 or 2) printed
 * it: version 1 with 17 significant digits, the one place that form is kept (so verify can
 * read what older binaries stored); version 2 with tr_json_dumps. NUL terminated (malloc'd),
 * or NULL when out of memory. */
char *centre_text_v(const json_t *j, size_t flags, int v);
/* The canonical bytes of o as entries of version v (1 or 2) hash them, NUL terminated
 * (malloc'd), or NULL when out of memory. */
char *centre_object_bytes_v(const json_t *o, int v);
/* The same for the current version, CENTRE_LOG_VERSION. */
char *centre_object_bytes(const json_t *o);

#define CENTRE_REF_MAX 96 /* longest ref with its NUL: "agreement/<int64>@<int>" or "party/<name>" */

/* "<kind>/<id>" (the kind's name, domain/kinds.h): the ref of a site (site.create),
 * operation (operation.create), movement (movement.create), notice (notice.create,
 * notice.ack), report (report.create), corridor event (corridor.*), step (step.create),
 * message (message.create, message.forward) or checkpoint (checkpoint.create). */
void centre_ref(tr_kind kind, int64_t id, char ref[CENTRE_REF_MAX]);
/* "party/NAME" (party.add, party.revoke) and "actor/NAME" (actor.add). */
void centre_ref_party(const char *name, char ref[CENTRE_REF_MAX]);
void centre_ref_actor(const char *name, char ref[CENTRE_REF_MAX]);
/* "area/ID@VERSION" (area.create, area.version), "agreement/ID@VERSION" (agreement.create). */
void centre_ref_area(int64_t id, int version, char ref[CENTRE_REF_MAX]);
void centre_ref_agreement(int64_t id, int version, char ref[CENTRE_REF_MAX]);

/* party.add: {"full_name"?, "name", "role", "token_sha256"}; full_name may be NULL. */
json_t *centre_object_party(const char *name, const char *role, const char *full_name,
                            const char *token_sha256);
/* party.revoke: {"name", "revoked_at"}. */
json_t *centre_object_party_revoke(const char *name, int64_t revoked_at);
/* party.key: {"name", "public_key"} (base64 of the Ed25519 public key). */
json_t *centre_object_party_key(const char *name, const char *public_key);
/* actor.add: {"full_name"?, "name"}. */
json_t *centre_object_actor(const char *name, const char *full_name);
/* area.create, area.version: the version as a Feature, without properties.effective_to
 * (a later version may still cut it). */
json_t *centre_object_area(const tr_area *a);
/* agreement.create: the agreement as GET /v1/agreements/{id} answers it. */
json_t *centre_object_agreement(const tr_agreement *a);

/* site.create: the site as GET /v1/sites/{id} answers it. */
json_t *centre_object_site(const tr_site *s);
/* operation.create: the operation as GET /v1/operations/{id} answers it (no conflicts). */
json_t *centre_object_operation(const tr_operation *o);
/* movement.create: the movement as GET /v1/movements/{id} answers it. */
json_t *centre_object_movement(const tr_movement *m);
/* notice.create: the notice as its addressee reads it: {"about": "TYPE/ID", "clears"?,
 * "created_at", "deadline", "id", "kind", "party" (the addressee), "payload" (what it was
 * told)}; "clears": true (only then present) when the notice asks the addressee's clearance
 * of the movement it is about: its acknowledgement clears the movement (movement_clearance). */
json_t *centre_object_notice(int64_t id, const char *party, const char *kind, const char *about_type,
                             int64_t about_id, const json_t *payload, int64_t created_at, int64_t deadline,
                             bool clears);
/* notice.ack: {"acked_at", "id", "party"}. */
json_t *centre_object_notice_ack(int64_t id, const char *party, int64_t acked_at);

/* The classification of a stored report: {"agreement_id" (null when none), "class",
 * "controller" (null when none), "reason", "region" (null when none)}. */
json_t *centre_report_classification(const store_report *r);
/* report.create: {"classification", "id", "report"} where report is the stored body
 * (the report as tr_report_to_json writes it, without id). NULL if the body is not JSON. */
json_t *centre_object_report(const store_report *r);

/* "response/SEQ" (incident.response), "verdict/SEQ" (incident.verdict). */
void centre_ref_incident_act(bool verdict, int64_t seq, char ref[CENTRE_REF_MAX]);
/* incident.response: {"at", "incident_id", "party", "response", "seq", "text"?};
 * incident.verdict: {"at", "incident_id", "monitor", "reason"?, "seq", "verdict"}. */
json_t *centre_object_incident_act(bool verdict, const store_incident_act *a);

/* "regroup/SEQ" (incident.regroup). */
void centre_ref_regroup(int64_t seq, char ref[CENTRE_REF_MAX]);
/* incident.regroup: {"at", "kind" (split|merge), "monitor", "others" (side two's report
 * ids), "reason", "reports" (side one's), "seq"}. */
json_t *centre_object_regroup(const store_regroup *g);

/* ---- humanitarian access, agreement steps, messages (issue 6, docs/humanitarian.md) ---- */
/* corridor.opening, corridor.suspension, corridor.resumption, corridor.crossing (the type is
 * "corridor." and the event's kind), ref "corridor_event/ID". */
json_t *centre_object_corridor_event(const tr_corridor_event *e); /* tr_corridor_event_to_json */
/* "step_event/SEQ" (step.status; a step's ref is centre_ref's "step/ID"). */
void centre_ref_step_event(int64_t seq, char ref[CENTRE_REF_MAX]);
json_t *centre_object_step(const tr_step *s);             /* tr_step_to_json */
json_t *centre_object_step_event(const tr_step_event *e); /* tr_step_event_to_json */
/* message.create (tr_message_to_json) and message.forward (tr_message_forward_to_json),
 * both with ref "message/ID". */
json_t *centre_object_message(const tr_message *m);
json_t *centre_object_message_forward(const tr_message *m);

/* Operation and movement events (store_dc_state.c): ref "dc_event/<id>", logged as
 * operation.state, movement.status or movement.position. */
void centre_ref_dc_event(int64_t id, char ref[CENTRE_REF_MAX]);
json_t *centre_object_dc_event(const store_dc_event *e);
/* The log entry type of an event: operation.state, movement.status or movement.position. */
const char *centre_dc_event_type(const store_dc_event *e);

/* ---- what the centre records on its own (issue 11) ---- */
/* "alert/IDENTIFIER" (incident.alert): {"created_at", "grade", "identifier",
 * "incident_id", "sent"}. */
void centre_ref_alert(const char *identifier, char ref[CENTRE_REF_MAX]);
json_t *centre_object_alert(const store_alert_row *a);
/* "setting/NAME" (setting.put): {"name", "set_at", "value"}. */
void centre_ref_setting(const char *name, char ref[CENTRE_REF_MAX]);
json_t *centre_object_setting(const store_setting_row *x);
/* "log/rollback@SIZE" (log.rollback: the server was started on a log shorter than, or
 * different from, the largest checkpoint it had signed): {"checkpoint" (that checkpoint,
 * the signed note), "log_size" (the log's size then), "reason"}. */
void centre_ref_rollback(uint64_t log_size, char ref[CENTRE_REF_MAX]);
json_t *centre_object_rollback(const char *checkpoint, uint64_t log_size, const char *reason);

/* ---- mine action (issue 6) ---- */
/* Refs: "hazard/ID" (hazard.create), "hazard-status/SEQ" (hazard.status), "task/ID"
 * (task.create, task.close), "progress/ID" (progress.create), "accident/ID"
 * (accident.create). The kind selects the prefix: "hazard", "hazard-status", "task",
 * "progress", "accident". */
void centre_ref_mine(const char *kind, int64_t id, char ref[CENTRE_REF_MAX]);
/* hazard.create: the hazard as recorded (tr_hazard_to_feature: status as recorded). */
json_t *centre_object_hazard(const tr_hazard *h);
/* hazard.status: {"at", "hazard_id", "party", "reason"?, "seq", "status"}. */
json_t *centre_object_hazard_status(const store_hazard_status *x);
/* task.create: the task as created (tr_task_to_json). */
json_t *centre_object_task(const tr_task *t);
/* task.close: {"date", "id", "outcome", "party"}. */
json_t *centre_object_task_close(int64_t id, int64_t date, const char *outcome, const char *party);
/* progress.create: tr_progress_to_json. accident.create: tr_accident_to_json. */
json_t *centre_object_progress(const tr_progress *p);
json_t *centre_object_accident(const tr_accident *a);

/* ---- restricted objects and probes (issue 11, docs/deconfliction.md §13) ---- */
/* "privacy/site/ID", "privacy/movement/ID" (privacy.set). */
void centre_ref_privacy(const char *about_type, int64_t about_id, char ref[CENTRE_REF_MAX]);
/* privacy.set: {"about_id", "about_type", "created_at", "margin_m", "secret_sha256"}: the
 * secret itself never enters an object. */
json_t *centre_object_privacy(const char *about_type, int64_t about_id, const tr_privacy *p);
/* "probe/ID" (conflict.probe). */
void centre_ref_probe(int64_t id, char ref[CENTRE_REF_MAX]);
/* conflict.probe: {"asked_at", "hits": [{"about_id", "about_type", "exact", "owner",
 * "volume"}], "id", "monitors_notified", "operation_id" (null when refused), "outcome",
 * "party", "refused", "request", "volumes"}. */
json_t *centre_object_probe(const store_probe *p);

#endif
