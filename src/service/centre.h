/*
 * centre.h — the centre's use cases, shared by every edge (HTTP API, CLI, importers).
 *
 * A centre is the store plus the in-memory engines kept in step with it. Every write
 * follows one path: parse and validate the input completely (no lock held), then in
 * one store transaction check what needs the store (referenced parties, actors and
 * areas exist; version matches), write, commit, and only then publish the new values
 * to the engines. A write that fails at any step leaves store and engines unchanged.
 *
 * Permissions (who may write what) are checked here, from the caller's party.
 * Reads that the API serves straight from the store are in the HTTP handlers.
 *
 * Ownership: json_t **out results are new references for the caller.
 */
#ifndef TRUCE_SERVICE_CENTRE_H
#define TRUCE_SERVICE_CENTRE_H

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>

#include "domain/domain.h"
#include "engines/attribution.h"
#include "engines/deconflict.h"
#include "engines/monitor.h"
#include "engines/tlog.h"
#include "store/store.h"

typedef struct centre_checkpointer centre_checkpointer;
typedef struct centre_traffic centre_traffic;

typedef struct centre {
    store *store;
    attr_engine *attr;
    geo_limits limits;
    bool can_sign;              /* centre_log_open succeeded: signer and origin known */
    tlog_signer signer;         /* the log's checkpoint key */
    tlog_verifier verifier;
    char vkey[TLOG_KEY_STRING_MAX];
    char origin[TLOG_ORIGIN_MAX + 1];
    centre_checkpointer *cp;    /* the checkpoint thread, when running */
    dc_engine *dc;              /* sites' and operations' volumes (docs/deconfliction.md) */
    double site_buffer_m;       /* operation-site horizontal buffer (CENTRE_SITE_BUFFER_M) */
    dc_sep op_sep;              /* operation-operation separation (CENTRE_OP_*_M) */
    int64_t notice_deadline_s;  /* a notice's deadline after its creation (CENTRE_NOTICE_DEADLINE_S) */
    mon_engine *mon;            /* reports and incidents (docs/monitoring.md); not thread-safe: */
    pthread_mutex_t mon_mu;     /* every call to c->mon holds this. Lock order: store_begin, then mon_mu */
    centre_traffic *traffic;    /* live tracks and their alerts (centre_traffic.h) */
} centre;

/* Default separations (docs/deconfliction.md, "The API"); `truce serve` can change them. */
#define CENTRE_SITE_BUFFER_M 500.0
#define CENTRE_OP_HORIZONTAL_M 1000.0
#define CENTRE_OP_VERTICAL_M 300.0
#define CENTRE_NOTICE_DEADLINE_S 1800

/* Opens the store at db_path (migrating it) and loads every area version and
 * agreement into the engines. */
int centre_open(const char *db_path, const geo_limits *limits, centre **out, tr_err *err);
void centre_close(centre *c);

#define CENTRE_TOKEN_LEN 49 /* "truce_" + 43 base64url characters */

/* Creates a party and writes its new API token (NUL-terminated) into token; only the
 * token's SHA-256 is stored. */
int centre_party_add(centre *c, const char *name, const char *role, const char *full_name,
                     char token[CENTRE_TOKEN_LEN + 1], tr_err *err);
/* The party holding this token; TR_EAUTH if none or revoked. */
int centre_authenticate(centre *c, const char *token, tr_party *out, tr_err *err);
/* Registers an actor (a group without an account). Admin and monitor only. */
int centre_actor_add(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);

int centre_area_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err);
/* A new version of area id; expect_version 0 skips the version check. */
int centre_area_update(centre *c, const tr_party *by, int64_t id, int expect_version,
                       const json_t *feature, json_t **out, tr_err *err);
int centre_agreement_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);

/*
 * Deconfliction (issue 4, docs/deconfliction.md "The API").
 */
/* Notifies a protected site (a GeoJSON Feature, site.h); logged as site.create. The
 * answer's "conflicts" lists the operations within the site buffer during its validity;
 * their owners (other parties) are notified, and so is every party on its visibility list. */
int centre_site_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err);
/* Declares an operation. The answer carries id and "conflicts" (sites within the site
 * buffer, other parties' operations within the separation, ceasefire_zone / no_strike
 * areas at the volumes' centres). With reject_on_conflict and any conflict it returns
 * TR_ECONFLICT, stores nothing and sets *conflicts (new reference) to the list.
 * Check and insert are serialised: the store transaction, then the engine's write lock. */
int centre_operation_create(centre *c, const tr_party *by, const json_t *body, json_t **out, json_t **conflicts,
                            tr_err *err);

/* Notifies a movement (a GeoJSON Feature with a LineString route, site.h); logged as
 * movement.create. Like a site, its answer lists the operations it conflicts with
 * ("conflicts"), and their owners are notified. */
int centre_movement_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err);
/* Acknowledges notice id, which must be the caller's (else TR_ENOTFOUND); twice is
 * TR_ECONFLICT. body must be an empty JSON object. Logged as notice.ack. */
int centre_notice_ack(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out, tr_err *err);

/* After notification (centre_dc_state.c; docs/deconfliction.md "States"):
 * {"state": active|ended|cancelled, "reason"?, "at"?} on an operation (its owner, admin,
 * monitor); going active re-checks its conflicts. */
int centre_operation_state(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                           tr_err *err);
/* Sets an operation's JSON "state" to its current state, and (history) adds its changes. */
int centre_operation_view(centre *c, json_t *op, bool history, tr_err *err);
/* {"status": notified|en_route|arrived|aborted|incident, "reason"?, "at"?} on a movement. */
int centre_movement_status(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                           tr_err *err);
/* {"position": [lon, lat], "at"?} while the movement is en_route. */
int centre_movement_position(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                             tr_err *err);
/* Adds the movement's current status, history, latest position and clearance
 * ({required, missing, acknowledgements}, cleared) to its feature. */
int centre_movement_view(centre *c, const tr_movement *m, json_t *feature, tr_err *err);

/*
 * Monitoring (issue 3, docs/monitoring.md "Wiring").
 */
/* Takes one report (the body of POST /v1/reports, report.h); the reporting party is by.
 * Names are resolved against parties and actors (unknown: TR_EINVAL naming the field),
 * the report is attributed at its time and place and classified, stored, logged as
 * report.create, then added to the monitoring engine. The answer: {id, incident_id,
 * classification {class, reason, region, controller, agreement_id}, receipt}. */
int centre_report_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);
/* A report as viewer may see it: admin and monitor see every report, other parties their
 * own (others: TR_ENOTFOUND, as if missing). The stored body plus id, classification and
 * incident_id. */
int centre_report_get(centre *c, const tr_party *viewer, int64_t id, json_t **out, tr_err *err);
/* An incident (mon_incident_to_json: grade, its reports and why each was attached, the
 * grade history, responses, verdicts). Every party sees incidents; report bodies stay
 * behind GET /v1/reports/{id}. TR_ENOTFOUND unless id is an incident's current id. */
int centre_incident_get(centre *c, int64_t id, json_t **out, tr_err *err);
/* A page of incidents by id: ids > after, at most limit; with from < to only those with
 * a report that occurred in [from, to). out: {items, next_cursor}. */
int centre_incident_list(centre *c, int64_t after, int limit, int64_t from, int64_t to, json_t **out, tr_err *err);
/* {"response": accept|deny|comment, "text"?} by party `by` (logged as incident.response)
 * / {"verdict": confirm|reject|reopen, "reason"} by a monitor or admin (incident.verdict;
 * reject needs a reason). The answer: {incident_id, seq, response|verdict, grade,
 * grade_reason, receipt}. */
int centre_incident_respond(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                            tr_err *err);
int centre_incident_verdict(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                            tr_err *err);
/* The daily bulletin of date (YYYY-MM-DD) rendered in fmt ("md", "html", "json", "csv";
 * NULL: json): *text malloc'd, *len bytes, *media_type static. The API and `truce
 * bulletin` both call this, so the same data gives the same bytes. */
int centre_bulletin(centre *c, const char *date, const char *fmt, char **text, size_t *len, const char **media_type,
                    tr_err *err);

/*
 * Bulk import of reports (`truce import reports`, docs/monitoring.md "Bulk import").
 */
/* An alias table: dataset names -> truce party or actor names. The file has one
 * "dataset name<TAB>truce name" per line (or two CSV columns); blank lines and lines
 * starting with '#' are skipped. Every truce name must be a party or an actor; a dataset
 * name may appear once. */
typedef struct centre_aliases centre_aliases;
int centre_aliases_load(centre *c, const char *path, centre_aliases **out, tr_err *err);
void centre_aliases_free(centre_aliases *a);

typedef struct centre_import_stats {
    long rows;       /* records read (not the header, not blank lines) */
    long imported;   /* reports stored */
    long rejected;   /* bad records */
    long incidents;  /* distinct incidents the imported reports belong to afterwards */
} centre_import_stats;

/* Called once per bad record, in file order: its first line, the field or column at fault
 * ("record" when the record itself cannot be read) and the reason. */
typedef void (*centre_import_bad_fn)(void *ctx, long line, const char *field, const char *reason);

/*
 * Reads reports from in (streamed; fmt as report.h) filed by party (an active party, not
 * an observer) and stores them like centre_report_create: names through aliases (may be
 * NULL) then parties and actors, attribution, classification, store, one report.create
 * log entry each (party = the reporting party), then the engine. One store transaction:
 * committed when no record is bad, or with partial when at least one record is good;
 * otherwise rolled back (st->imported = 0). Returns TR_OK when the file was read (bad
 * records are counted in st, not errors); TR_EINVAL for an unknown party or a bad header
 * (err->msg "line 1: ..."), TR_EFORBIDDEN for an observer, TR_EIO / TR_ENOMEM.
 */
int centre_reports_import(centre *c, const char *party, FILE *in, tr_report_format fmt,
                          const centre_aliases *aliases, bool partial, centre_import_bad_fn bad, void *bad_ctx,
                          centre_import_stats *st, tr_err *err);

/*
 * The verifiable log (docs/tlog.md). Every write above appends one entry to the log in
 * its own transaction and its answer carries a "receipt" {index, leaf_hash}.
 */

/* Makes this centre able to sign checkpoints. At the first start (no key recorded in the
 * database) it creates an Ed25519 key named origin (NULL: a generated name), writes its
 * signer key string to key_path (mode 0600) and records origin and verifier key; later
 * it reads key_path and checks it is the recorded key. */
int centre_log_open(centre *c, const char *key_path, const char *origin, tr_err *err);
/* Signs a checkpoint of the log as committed, if it has grown since the last one (or if
 * none exists). *size receives the size signed (or already signed). */
int centre_log_checkpoint(centre *c, uint64_t *size, tr_err *err);
/* Starts a thread that calls centre_log_checkpoint every interval_ms; stop joins it
 * after a last checkpoint. */
int centre_checkpointer_start(centre *c, unsigned interval_ms, tr_err *err);
void centre_checkpointer_stop(centre *c);
/* The latest signed checkpoint note (malloc'd), TR_ENOTFOUND if none yet. */
int centre_log_latest(centre *c, char **note, uint64_t *size, tr_err *err);
/* The receipt of entry index: the entry, its inclusion proof and the latest signed
 * checkpoint that covers it. TR_ENOTFOUND while no checkpoint covers it. */
int centre_log_receipt(centre *c, uint64_t index, json_t **out, tr_err *err);
/* A consistency proof between two checkpointed sizes from <= to. */
int centre_log_consistency(centre *c, uint64_t from, uint64_t to, json_t **out, tr_err *err);
/* The bytes of a C2SP tile or entry bundle ("tile/0/x001/234.p/5", ...) at the latest
 * checkpoint's size; *data is malloc'd. */
int centre_log_tile(centre *c, const char *path, uint8_t **data, size_t *len, tr_err *err);
/* Registers the caller's Ed25519 public key (body {"public_key": base64 of 32 bytes}),
 * replacing any earlier one (which stays in the log). From then on the party may sign
 * its submissions (header Truce-Signature, docs/tlog.md). */
int centre_party_set_key(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);
/* Checks a signature (base64) over body by party's registered key and fills sig. */
int centre_check_signature(centre *c, const char *party, const char *signature_b64, const void *body, size_t len,
                           tr_signature *sig, tr_err *err);
/* Revokes a party's token (logged). */
int centre_party_revoke(centre *c, const char *name, tr_err *err);

/* Loads a scenario file (scenarios/README.md) in one transaction: parties (their new
 * tokens are written to tokens as "name<TAB>role<TAB>token" lines), actors, areas with
 * their versions, agreements. If regions_path is given, that GeoJSON FeatureCollection
 * replaces the scenario's region areas (name from the first of the properties
 * ADM1_EN, name, NAME_1 present). Nothing is imported if any part is invalid; err
 * names the scenario element at fault. */
int centre_import_scenario(centre *c, const char *path, const char *regions_path, FILE *tokens,
                           tr_err *err);

#endif
