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
#include "service/centre_visible.h"
#include "store/store.h"

typedef struct centre_checkpointer centre_checkpointer;
typedef struct centre_witness_set centre_witness_set;
typedef struct centre_traffic centre_traffic;
typedef struct centre_dc_tags centre_dc_tags;

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
    char *kept_path;            /* the checkpoint kept beside the key (centre_log_open), or NULL */
    dc_engine *dc;              /* sites' and operations' volumes (docs/deconfliction.md) */
    centre_dc_tags *dc_tags;    /* operations' owners and kinds beside c->dc (centre_dc_tags.c) */
    double site_buffer_m;       /* operation-site horizontal buffer (CENTRE_SITE_BUFFER_M) */
    dc_sep op_sep;              /* operation-operation separation (CENTRE_OP_*_M) */
    int64_t notice_deadline_s;  /* the least time a party has to acknowledge (CENTRE_NOTICE_DEADLINE_S) */
    int64_t notice_lead_s;      /* a notice about an object that starts later is due this long
                                   before its start (CENTRE_NOTICE_LEAD_S); centre_notice_deadline */
    double privacy_margin_m;    /* a restricted object's default privacy margin (CENTRE_PRIVACY_MARGIN_M) */
    int64_t probe_budget;       /* conflicts with restricted objects answered per party per window */
    int64_t probe_window_s;     /* ... the window (CENTRE_PROBE_BUDGET, CENTRE_PROBE_WINDOW_S) */
    mon_engine *mon;            /* reports and incidents (docs/monitoring.md); not thread-safe: */
    pthread_mutex_t mon_mu;     /* every call to c->mon holds this. Lock order: store_begin, then mon_mu */
    centre_witness_set *wit;    /* the log's witnesses (centre_witness.c), or NULL */
    void (*on_checkpoint)(void *ctx); /* called after each new checkpoint is committed (any thread) */
    void *on_checkpoint_ctx;
    centre_traffic *traffic;    /* live tracks and their alerts (centre_traffic.h) */
    pthread_rwlock_t engines;   /* requests read the engines holding it; a reload after lost
                                   log entries (a failover) writes: centre_engines_enter */
    struct tr_tz **zones;       /* bulletin zones of settings followed from other instances: */
    size_t nzones;              /* kept until centre_close (an engine may still use one) */
} centre;

/* Default separations (docs/deconfliction.md, "The API"); `truce serve` can change them. */
#define CENTRE_SITE_BUFFER_M 500.0
#define CENTRE_OP_HORIZONTAL_M 1000.0
#define CENTRE_OP_VERTICAL_M 300.0
#define CENTRE_NOTICE_DEADLINE_S 1800
#define CENTRE_NOTICE_LEAD_S 3600

/* The deadline of a notice created at now about an object that starts at start
 * (TR_TIME_MIN: the object has no start, e.g. a message or an incident): start minus the
 * lead time, but never sooner than now + notice_deadline_s, so a party always has that
 * long and a notice about a convoy days ahead is not overdue in half an hour. */
int64_t centre_notice_deadline(const centre *c, int64_t now, int64_t start);

/* Probing restricted objects (docs/deconfliction.md §13); `truce serve` can change them. */
#define CENTRE_PRIVACY_MARGIN_M 2000.0
#define CENTRE_PROBE_BUDGET 30
#define CENTRE_PROBE_WINDOW_S 3600

/* Opens the store at db_path (migrating it) and loads every area version and
 * agreement into the engines. On PostgreSQL the load holds the writers' lock and the
 * engines then follow what other instances commit (store.h "several instances";
 * centre_follow.c): in every store_begin, and on the follower thread once `truce serve`
 * starts it (store_follower_start). */
int centre_open(const char *db_path, const geo_limits *limits, centre **out, tr_err *err);
void centre_close(centre *c);

/* A request reads the engines between enter and leave (http.c, around each handler; never
 * nested). When the database lost log entries this instance had applied (a failover:
 * store.h "lost entries"), the follower thread reloads every engine from the store holding
 * the lock for writing, and enter answers TR_EUNAVAIL (503, not entered) until it is done,
 * so no answer is built on a lost entry once it was found. */
int centre_engines_enter(centre *c, tr_err *err);
void centre_engines_leave(centre *c);

/* How another instance's engines follow a log entry of type (centre_follow.c, issue 14):
 * 1 an engine applies it; 0 it changes no engine (*reason says why); -1 unknown type. */
int centre_follow_rule(const char *type, const char **reason);

#define CENTRE_TOKEN_LEN 49 /* "truce_" + 43 base64url characters */

/* Records the settings the server runs with (names[k] = values[k], e.g. "--bulletin-tz"):
 * each that the store or the log does not hold yet is written and logged (setting.put, by
 * the operator), in one transaction. */
int centre_settings_record(centre *c, const char *const *names, const char *const *values, size_t n,
                           tr_err *err);

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
 * areas by footprint); objects by may not see are answered against their coarsened
 * footprints, within by's probe budget, else withheld ("withheld"; §13). With
 * reject_on_conflict and any conflict it returns TR_ECONFLICT, and past the budget
 * TR_EBUDGET; either way the operation is not stored and *problem (new reference) gets
 * the problem's extra members {"conflicts", "withheld"?} — but the probe record is.
 * Check and insert are serialised: the store transaction, then the engine's write lock. */
int centre_operation_create(centre *c, const tr_party *by, const json_t *body, json_t **out, json_t **problem,
                            tr_err *err);

/* Notifies a movement (a GeoJSON Feature with a LineString route, site.h); logged as
 * movement.create. Like a site, its answer lists the operations it conflicts with
 * ("conflicts"), and their owners are notified. */
int centre_movement_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err);
/* Adds properties.privacy_margin_m to a restricted site's or movement's Feature (the margin
 * parties that may not see it are answered with; docs/deconfliction.md §13). */
int centre_dc_privacy_view(centre *c, const char *about_type, int64_t id, const tr_vis *vis, json_t *feature,
                           tr_err *err);
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
/* An incident (mon_incident_to_json: grade, the summary of its reports, the grade history,
 * responses, verdicts) with one page of its reports (ids > after, at most limit) and why
 * each was attached, and next_cursor for the next page (null at the end). Every party sees
 * incidents; report bodies stay behind GET /v1/reports/{id}. TR_ENOTFOUND unless id is an
 * incident's current id. */
int centre_incident_get(centre *c, int64_t id, int64_t after, int limit, json_t **out, tr_err *err);
/* Reports listed per incident in a list (the rest: centre_incident_get's pages). */
#define CENTRE_LIST_REPORTS 100
/* A page of incidents by id: ids > after, at most limit; with from < to only those with
 * a report that occurred in [from, to). out: {items, next_cursor}; each item lists its first
 * CENTRE_LIST_REPORTS reports. */
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
 * NULL: json) and lang ("en", "ar", "ru"; NULL: en; regions under the names their public
 * areas carry in that language): *text malloc'd, *len bytes, *media_type static. The API
 * and `truce bulletin` both call this, so the same data gives the same bytes. */
int centre_bulletin(centre *c, const char *date, const char *fmt, const char *lang, char **text, size_t *len,
                    const char **media_type, tr_err *err);

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
    long rows;           /* records read (not the header, not blank lines) */
    long imported;       /* reports stored */
    long rejected;       /* bad records */
    long incidents;      /* distinct incidents the imported reports belong to afterwards */
    long actors_created; /* --new-actors create: actors registered (0 when nothing is kept) */
    long names_omitted;  /* --new-actors omit: unknown names kept only in as_reported */
} centre_import_stats;

/* Called once per bad record, in file order: its first line, the field or column at fault
 * ("record" when the record itself cannot be read) and the reason. */
typedef void (*centre_import_bad_fn)(void *ctx, long line, const char *field, const char *reason);
/* Called once per actor an import created, after the commit: its name and the file's spelling. */
typedef void (*centre_import_actor_fn)(void *ctx, const char *name, const char *as_given);

/* What an import does with a perpetrator or party/actor target that no party or actor of
 * the centre has (--new-actors, ?new_actors=). */
typedef enum {
    CENTRE_NEW_ACTORS_REJECT, /* the record is bad (the default) */
    CENTRE_NEW_ACTORS_CREATE, /* the name becomes an actor (actor.add logged) */
    CENTRE_NEW_ACTORS_OMIT,   /* the report keeps no perpetrator / no target; the name stays in as_reported */
} centre_new_actors;
/* "reject", "create", "omit" -> 0 and *out; -1 otherwise. */
int centre_new_actors_parse(const char *s, centre_new_actors *out);

typedef struct centre_import_opts {
    tr_report_format fmt;
    const centre_aliases *aliases; /* or NULL */
    bool partial;                  /* keep the good records when some are bad */
    centre_new_actors new_actors;
    const char *actors_by;    /* create: the party the actor.add entries name (the caller over
                                 HTTP); NULL: the operator (the command line) */
    centre_import_bad_fn bad; /* may be NULL */
    void *bad_ctx;
    centre_import_actor_fn actor; /* may be NULL */
    void *actor_ctx;
} centre_import_opts;

/*
 * Reads reports from in (streamed; o->fmt as report.h) filed by party (an active party,
 * not an observer) and stores them like centre_report_create: names through the aliases
 * then parties and actors (unknown ones as o->new_actors says), attribution,
 * classification, store, one report.create log entry each (party = the reporting party),
 * then the engine. One store transaction: committed when no record is bad, or with
 * partial when at least one record is good; otherwise rolled back (st->imported = 0, and
 * no actor is created). Returns TR_OK when the file was read (bad records are counted in
 * st, not errors); TR_EINVAL for an unknown party or a bad header (err->msg "line 1:
 * ..."), TR_EFORBIDDEN for an observer, TR_EIO / TR_ENOMEM.
 */
int centre_reports_import(centre *c, const char *party, FILE *in, const centre_import_opts *o,
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
/* The file where a server keeps the latest checkpoint it signed: the key's path and this. */
#define CENTRE_KEPT_SUFFIX ".checkpoint"
/* The log key's default path for the database db_path (what --log-key overrides): DB.key
 * beside a SQLite file; a PostgreSQL URI has no folder: NAME.key in the current directory,
 * NAME the URI's database reduced to [A-Za-z0-9_.-] ("truce" when it names none). Into out. */
void centre_key_path(const char *db_path, char *out, size_t n);
/* Before a server writes anything (centre_kept.c, docs/operations.md "Rollback"): compares
 * the log of the database at db_path with the checkpoint kept in path (written after each
 * checkpoint the server signs). TR_OK when there is no such file or the log extends it;
 * TR_ECONFLICT with the reason in err when the log is shorter or its history differs (or
 * the file is not this log's), and then *kept is the kept note (malloc'd, "" if
 * unreadable; the caller frees it) for centre_kept_accept; TR_EIO and others on failure. */
int centre_kept_check(const char *db_path, const char *path, char **kept, tr_err *err);
/* The operator started the server anyway (--accept-rollback): logs log.rollback with the
 * kept checkpoint, the log's size and the reason, in its own transaction. */
int centre_kept_accept(centre *c, const char *kept, const char *reason, tr_err *err);
/* Writes note to path durably (a temporary file, fsync, rename, fsync of the folder). */
int centre_kept_write(const char *path, const char *note, tr_err *err);
/* Signs a checkpoint of the log as committed, if it has grown since the last one (or if
 * none exists), with the extension line "prev SIZE" naming the checkpoint before it
 * ("prev none" for the first), and keeps it in c->kept_path. *size receives the size
 * signed (or already signed). */
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
/*
 * Witnesses (docs/tlog.md "Witnesses"; centre_witness.c). The centre sends each new
 * checkpoint to its witnesses (the HTTP client is edges/witness_client.c), stores their
 * cosignatures and serves the largest checkpoint with a quorum of them.
 */
/* Configures n witnesses by verifier key (type 0x04, `truce witness key`) and the quorum
 * (1..n), and reads what each has cosigned from the store. TR_EINVAL naming --witness or
 * --quorum. centre_close clears them. */
int centre_witnesses_set(centre *c, const char *const *vkeys, size_t n, size_t quorum, tr_err *err);
void centre_witnesses_clear(centre *c);
size_t centre_witness_count(const centre *c);
size_t centre_witness_quorum(const centre *c); /* 0 without witnesses */
/* Witness k's verifier (and, if vkey is not NULL, its key string). */
const tlog_verifier *centre_witness_key(const centre *c, size_t k, const char **vkey);
/* The size witness k has cosigned last, as far as the centre knows; and setting it (after a
 * 409 named another). */
uint64_t centre_witness_known(centre *c, size_t k);
void centre_witness_set_known(centre *c, size_t k, uint64_t size);
/* The add-checkpoint body for witness k: the latest signed checkpoint with a consistency
 * proof from the size it knows (malloc'd into *body; NULL when no checkpoint exists yet,
 * or — unless force — when the witness already cosigned it); *size is the checkpoint's.
 * TR_ECONFLICT when the witness knows a larger size than the log's latest checkpoint. */
int centre_witness_request(centre *c, size_t k, bool force, char **body, size_t *len, uint64_t *size,
                           tr_err *err);
/* Weighs what a witness serves as the latest checkpoint it cosigned for this log (C2SP
 * tlog-witness's monitoring GET): TR_ECONFLICT, saying what it proves, when it is signed by
 * this log's key and this database does not extend it (the log has fewer entries, or
 * another root at its size); TR_EINVAL when it is not signed by this log's key (proves
 * nothing); TR_OK when this database extends it. */
int centre_witness_evidence(centre *c, const char *note, size_t len, tr_err *err);
/* Stores witness k's cosignature (its answer, line_len bytes: signature lines) of the
 * checkpoint of size once it verifies over that checkpoint (TR_EAUTH if not). */
int centre_witness_cosigned(centre *c, size_t k, uint64_t size, const char *line, size_t line_len,
                            tr_err *err);
/* The checkpoint to serve, with its cosignature lines (malloc'd): the largest with a
 * quorum (*witnessed true), else — no witnesses, or no quorum reached yet — the latest
 * signed one. TR_ENOTFOUND before the first checkpoint. */
int centre_log_served(centre *c, char **note, uint64_t *size, bool *witnessed, tr_err *err);
/* GET /v1/log/witnesses: {quorum, witnesses: [{name, vkey, cosigned_size}], witnessed_size,
 * signed_size}. */
int centre_witnesses_json(centre *c, json_t **out, tr_err *err);

/* A party's record (docs/tlog.md "A party's record"; centre_record.c): every notice
 * delivered to party name with created_at in [from, to) (and, with bbox, whose payload has a
 * place in it), each with its notice.create entry, its acknowledgement's entries and
 * inclusion proofs to the served checkpoint. Seen by that party, monitors and admins;
 * anyone else gets TR_ENOTFOUND, as for an unknown party. TR_EINVAL (field "from") beyond
 * 10,000 notices. */
int centre_party_record(centre *c, const tr_party *viewer, const char *name, int64_t from, int64_t to,
                        const geo_box *bbox, json_t **out, tr_err *err);

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

/* Called for each area version a scenario import repaired: where (the scenario element,
 * "areas[3].versions[0]" or "--regions features[10]"), its name and the repair as
 * centre__area_input reports it ({"repaired", "reason", "area_before_m2", ...}). */
typedef void (*centre_repair_fn)(void *ctx, const char *where, const char *name, const json_t *repair);

typedef struct centre_scenario_opts {
    const char *regions;       /* region boundaries replacing the scenario's, or NULL */
    bool make_valid;           /* repair invalid polygons (GEOS MakeValid) instead of refusing them */
    centre_repair_fn repaired; /* may be NULL */
    void *repaired_ctx;
} centre_scenario_opts;

/* centre_import_scenario with options (--regions, --make-valid). */
int centre_import_scenario_with(centre *c, const char *path, const centre_scenario_opts *o, FILE *tokens,
                                tr_err *err);

#endif
