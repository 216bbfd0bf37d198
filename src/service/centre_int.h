/* centre_int.h — pieces of the centre shared by its files (not for the edges). */
#ifndef TRUCE_SERVICE_CENTRE_INT_H
#define TRUCE_SERVICE_CENTRE_INT_H

#include "geo/coarsen.h"
#include "service/centre.h"
#include "service/centre_feed.h"

/* Values written in the open transaction, handed to the engines after commit. */
typedef struct centre_pending {
    tr_area *areas;
    size_t nareas;
    tr_agreement *agreements;
    size_t nagreements;
    tr_site *sites;               /* published to c->dc after commit */
    size_t nsites;
    tr_operation *operations;
    size_t noperations;
    tr_movement *movements;
    size_t nmovements;
    int64_t *dc_remove;           /* engine volume ids to remove after commit */
    size_t ndc_remove;
    tr_operation *tf_active;      /* operations gone active: to the traffic engine after commit */
    size_t ntf_active;
    bool dc_held;                 /* the caller holds c->dc's write lock */
    bool shared;                  /* nothing to publish: may share a transaction (store_commit_shared) */
} centre_pending;

/* Kinds of volumes in c->dc, and their ids: (object id << 12) | (type << 10) | volume. */
#define CENTRE_DC_SITE 0u
#define CENTRE_DC_OPERATION 1u
#define CENTRE_DC_MOVEMENT 2u
#define CENTRE_DC_ID(obj, type, i) (((int64_t)(obj) << 12) | ((int64_t)(type) << 10) | (int64_t)(i))
#define CENTRE_DC_OBJ(id) ((id) >> 12)
#define CENTRE_DC_VOL(id) ((size_t)((id) & 1023))
/* A restricted object's coarsened volumes (docs/deconfliction.md §13): what parties that
 * may not see it are answered against. Id type 3; volume i of a site, 512 + leg i of a
 * movement. Only objects with centre__coarsened() have them. */
#define CENTRE_DC_SITE_COARSE 3u
#define CENTRE_DC_MOVEMENT_COARSE 4u
#define CENTRE_DC_COARSE_TYPE 3u
#define CENTRE_DC_COARSE_ID(obj, movement, i)                                                                \
    CENTRE_DC_ID(obj, CENTRE_DC_COARSE_TYPE, ((movement) ? 512 : 0) + (i))
#define CENTRE_DC_PROTECTED_KINDS                                                                            \
    ((1u << CENTRE_DC_SITE) | (1u << CENTRE_DC_MOVEMENT) | (1u << CENTRE_DC_SITE_COARSE) |                   \
     (1u << CENTRE_DC_MOVEMENT_COARSE))

int centre__pending_site(centre_pending *p, tr_site *s);           /* takes s's contents */
int centre__pending_operation(centre_pending *p, tr_operation *o); /* takes o's contents */
int centre__pending_movement(centre_pending *p, tr_movement *m);   /* takes m's contents */
int centre__dc_add_movement(centre *c, const tr_movement *m, bool held, tr_err *err);
/* How many legs (engine volumes) a movement has (site.h); 0 if unreadable. */
size_t centre__movement_nlegs(const tr_movement *m);
/*
 * Probing restricted objects (centre_dc_probe.c; docs/deconfliction.md §13). A probe
 * collects the conflicts of one request with objects its party may not see (each as the
 * answer's redacted entry, decided on the coarsened footprint), then decides against the
 * party's budget whether they are answered or withheld, and records it (stored, logged,
 * the owners and, past the budget, the monitors notified).
 */
typedef struct centre_probe {
    const tr_party *asker; /* whose view the answer takes */
    const char *request;   /* operation.create, operation.state */
    json_t *hits;          /* [{"entry", "type", "id", "owner", "volume", "exact", "band"}] */
    bool decided, withheld;
    bool tell; /* this probe tells the monitors */
    int64_t asked_at, used, told_at, id;
} centre_probe;

void centre__probe_init(centre_probe *pr, const tr_party *asker, const char *request);
void centre__probe_clear(centre_probe *pr);
/* Adds a conflict with an object asker may not see: entry (taken) is what the answer
 * would show; exact: the volume conflicts with the true footprint too, in band (taken;
 * NULL when not). */
int centre__probe_hit(centre_probe *pr, json_t *entry, const char *type, int64_t id, const char *owner,
                      size_t vi, bool exact, json_t *band, tr_err *err);
/* True when a hit about (type, id) from asking volume vi is held already. */
bool centre__probe_has(const centre_probe *pr, const char *type, int64_t id, size_t vi);
/* Inside the transaction: answers the hits (appended to conflicts) or withholds them. */
int centre__probe_decide(centre *c, centre_probe *pr, json_t *conflicts, tr_err *err);
/* The answer's "withheld" member, or NULL when nothing was withheld (new reference). */
json_t *centre__probe_withheld(const centre *c, const centre_probe *pr);
/* Inside the transaction, after decide: stores and logs the probe (when it had hits or
 * withheld), notifies each hit's owner (and, for a stored operation, sends the conflict
 * notices of the exact hits) and, the first time in a window, the monitors. operation_id
 * 0: o was refused. */
int centre__probe_record(centre *c, centre_probe *pr, const tr_operation *o, int64_t operation_id,
                         bool refused, tr_err *err);

/* A restricted object's privacy (site.h): whether it has coarsened volumes. */
bool centre__coarsened(const tr_vis *vis, const tr_privacy *p);
/* A new site or movement with visibility vis: if restricted, draws its secret and takes
 * the default margin unless given (p->set); then, inside its transaction, stores and logs
 * the record (privacy.set, party by; nothing when p is not set). */
void centre__privacy_draw(centre *c, const tr_vis *vis, tr_privacy *p);
int centre__privacy_store_tx(centre *c, const tr_party *by, const char *about_type, int64_t about_id,
                             const tr_privacy *p, tr_err *err);
/* Sets feature.properties.privacy_margin_m when p is set. TR_OK or TR_ENOMEM. */
int centre__privacy_view(const tr_privacy *p, json_t *feature);
/* v's coarsened volume under p (same id, kind and window; footprint in gc, freed by the
 * caller with geo_coarse_free). */
int centre__coarse_volume(const dc_volume *v, const tr_privacy *p, dc_volume *out, geo_coarse *gc,
                          tr_err *err);
/* Adds the coarsened volume of v (a site's volume i, or a movement's leg i) to c->dc. */
int centre__dc_add_coarse(centre *c, const dc_volume *v, const tr_privacy *p, bool movement, size_t i,
                          bool held, tr_err *err);

/* Inside the transaction (centre_deconflict.c): o's conflicts as its owner by sees them
 * (hidden objects go to pr, NULL: asker never probes, e.g. privileged); and the notices
 * of those conflicts to every other party involved, dated now (restricted entries are
 * left to centre__probe_record). */
int centre__operation_conflicts(centre *c, const tr_party *by, const tr_operation *o, json_t *out,
                                centre_probe *pr, tr_err *err);
/* centre_notice_deadline for a notice about a conflict: its overlap window's time_start. */
int64_t centre__conflict_deadline(const centre *c, int64_t now, const json_t *conflict);
int centre__conflict_notices(centre *c, const tr_operation *o, const json_t *conflicts, int64_t now,
                             tr_err *err);
/* Inside the transaction (centre_dc_state.c): a new movement's notices — to every party
 * on its visibility list and to every party whose control areas its route crosses,
 * whose acknowledgements clear it (movement_clearance). obj is the logged movement. */
int centre__movement_notify_tx(centre *c, const tr_movement *m, const json_t *obj, tr_err *err);
/* The footprint of m's route (buffered to its width), for geo_shape_covers; free with
 * geo_shape_free. */
int centre__movement_shape(centre *c, const tr_movement *m, geo_shape **out, tr_err *err);
/* The bulletin section "Movements" (centre_movement_bulletin.c): every public movement
 * whose window overlaps the bulletin's, with its manifest and clearance, its cells in
 * lang. */
int centre__movement_bulletin(centre *c, mon_bulletin *b, mon_lang lang, tr_err *err);
/* Adds a site's / an operation's volumes to c->dc (held: the caller holds the write lock). */
int centre__dc_add_site(centre *c, const tr_site *s, bool held, tr_err *err);
int centre__dc_add_operation(centre *c, const tr_operation *o, int64_t owner_id, bool held, tr_err *err);

/* Loads the stored operations into c->dc (in loading mode), but those whose ids are in
 * retired[n] (sorted): reading on a thread of its own, inserting on the caller's
 * (centre_dc_load.c). TR_OK, or the first failure (each unloadable row is named on
 * stderr). */
int centre__dc_load_operations(centre *c, const int64_t *retired, size_t nretired, tr_err *err);

/* What an answer shows of a stored operation, kept beside c->dc (centre_dc_tags.c): the
 * tag of (owner, kind), stored with each of its volumes. centre__dc_tag: TR_OK or
 * TR_ENOMEM. centre__dc_tag_get: false for an unknown tag; the strings are the centre's
 * (valid until centre_close). */
centre_dc_tags *centre__dc_tags_new(void); /* NULL when out of memory */
void centre__dc_tags_free(centre_dc_tags *t);
int centre__dc_tag(centre *c, const char *owner, const char *kind, uint32_t *tag, tr_err *err);
bool centre__dc_tag_get(centre *c, uint32_t tag, const char **owner, const char **kind);

int centre__pending_area(centre_pending *p, tr_area *a);           /* takes a's contents */
int centre__pending_op_active(centre_pending *p, tr_operation *o); /* takes o's contents */
/* The traffic engine (centre_traffic.c): made and loaded by centre_open, freed by
 * centre_close; publish hands it committed sites, no-strike areas and operation states. */
int centre__traffic_open(centre *c, tr_err *err);
void centre__traffic_close(centre *c);
int centre__traffic_publish(centre *c, const centre_pending *p, tr_err *err);
/* Makes the traffic engine again from the store (objects, tracks, alerts), with the
 * settings in force, under its lock (lost log entries: centre.c). */
int centre__traffic_reload(centre *c, tr_err *err);
int centre__pending_agreement(centre_pending *p, tr_agreement *a); /* takes a's contents */
void centre__pending_clear(centre_pending *p);
/* Hands p's committed values to the engines (p->dc_held: the caller holds c->dc's write
 * lock); a failure is fatal (the process stops: the engines would not mirror the store). */
int centre__publish(centre *c, centre_pending *p, tr_err *err);
/* Queues the removal from c->dc of a final operation's volumes / a final movement's legs
 * and their coarsened twins (centre_dc_state.c). TR_OK or TR_ENOMEM. */
int centre__queue_operation_removal(centre_pending *p, const tr_operation *o);
int centre__queue_movement_removal(centre_pending *p, const tr_movement *m);
/* The store's follow hook (centre_follow.c; store.h "several instances"): applies log
 * entries [from, to) that other instances committed to the engines, by entry type. */
int centre__follow(void *ctx, uint64_t from, uint64_t to, uint64_t *done, bool *notices, tr_err *err);
/* Commits and publishes p (cleared either way). */
int centre__commit(centre *c, centre_pending *p, tr_err *err);
/* Ends the open transaction after its writes returned rc: commits and publishes p when rc
 * is TR_OK, else rolls back; on any failure releases *out (if out) and sets it NULL.
 * Returns the final code. */
int centre__finish(centre *c, centre_pending *p, int rc, json_t **out, tr_err *err);

/* The name in log entries of changes made at the command line, not through the API. */
#define CENTRE_OPERATOR "operator"
/* The name in log entries of what the centre records on its own: notice deliveries, CAP
 * alerts. */
#define CENTRE_SELF "centre"

/* Inside an open transaction: */
/* Appends the log entry of a change by party (docs/tlog.md) — with the party's signature
 * over its submission when sig is not NULL — and, if answer is not NULL, sets
 * answer.receipt = {index, leaf_hash}. */
int centre__log(centre *c, const char *party, const tr_signature *sig, const char *type, const char *ref,
                const json_t *object, json_t *answer, tr_err *err);
/* The same, dated at (the time the write stores beside its row, e.g. created_at, so that
 * `truce verify` can check the row's time against the entry's). */
int centre__log_at(centre *c, int64_t at, const char *party, const tr_signature *sig, const char *type,
                   const char *ref, const json_t *object, json_t *answer, tr_err *err);
/* Delivers a notice to party (store_notice_insert) and logs the delivery as notice.create
 * (centre_record.c): what the party was told is under the log. *id (if not NULL) gets its id. */
int centre__notice(centre *c, const char *party, const char *kind, const char *about_type, int64_t about_id,
                   const json_t *payload, int64_t created_at, int64_t deadline, int64_t *id, tr_err *err);
/* The same for a movement's notice (kind "movement") that asks party to clear it: also
 * records the clearance (movement_clearance, cleared when the notice is acknowledged), and
 * the logged object says so ("clears": true). */
int centre__notice_clearance(centre *c, const char *party, int64_t movement_id, const json_t *payload,
                             int64_t created_at, int64_t deadline, tr_err *err);
/* The body of a request about field id (an acknowledgement of a notice, a response to an
 * incident, a state change): body may name it ({"notice": 17}), and must when the request is
 * signed (by->sig), so a signature cannot be replayed on another object; a name must be id.
 * *rest is the body without it (a new reference). TR_EINVAL naming field. */
int centre__target(const json_t *body, const char *field, int64_t id, const tr_party *by, json_t **rest,
                   tr_err *err);
/* Sets answer.receipt = {index, leaf_hash} of the first entry of type about ref (as the
 * write's answer had it); TR_ENOTFOUND when there is none. */
int centre__receipt_of(centre *c, const char *type, const char *ref, json_t *answer, tr_err *err);
int centre__party_add_tx(centre *c, const char *by, const char *name, const char *role, const char *full_name,
                         char token[CENTRE_TOKEN_LEN + 1], tr_err *err);
int centre__actor_add_tx(centre *c, const char *by, const tr_signature *sig, const char *name,
                         const char *full_name, json_t *answer, tr_err *err);
int centre__check_party(centre *c, const char *name, const char *field, tr_err *err);
int centre__check_actor(centre *c, const char *name, const char *field, tr_err *err);
int centre__check_vis(centre *c, const tr_vis *v, const char *field, tr_err *err);
/* Writes a parsed area (new when a->id == 0, else a new version) and queues it. */
int centre__area_write_tx(centre *c, const tr_party *by, tr_area *a, int expect_version,
                          centre_pending *p, json_t **out, tr_err *err);
int centre__agreement_write_tx(centre *c, const tr_party *by, tr_agreement *a, centre_pending *p,
                               json_t **out, tr_err *err);

/* centre_repair.c: the Feature to parse as an area (new reference in *use): feature itself,
 * or a copy without its "make_valid" member (true, false; else TR_EINVAL) whose geometry
 * GEOS MakeValid repaired when make_valid or the member asks. *report is then {"repaired":
 * false} or {"repaired": true, "reason", "area_before_m2", "area_after_m2",
 * "area_change_m2"} (new reference), else NULL. Errors of the geometry name
 * "geometry.<member>". */
int centre__area_input(const json_t *feature, const geo_limits *lim, bool make_valid, json_t **use,
                       json_t **report, tr_err *err);

/* centre_feed.c: the incident change feed (docs/monitoring.md "The change feed";
 * centre_feed.h). */
/* Brings incident_feed in step with the engine in its own transaction (a reconciliation
 * pass); *seq is the cursor of the state now; snap (may be NULL) gets every live incident
 * with its digest. */
int centre__feed_reconcile(centre *c, int64_t *seq, centre_feed_snap *snap, tr_err *err);
/* Writes ids[0..n) (ascending) as they are now, whatever incident_feed holds (a forced
 * pass, in its own transaction): what a download showed differently. */
int centre__feed_force(centre *c, const int64_t *ids, size_t n, tr_err *err);

/* centre_new_actors.c: an actor's name made from a dataset's spelling (tr_name_check's
 * characters, ", " as " & ", at most TR_NAME_MAX bytes cut at a word; "" when it holds no
 * letter or digit). */
void centre__actor_name_from(const char *given, char out[TR_NAME_MAX + 1]);
/* Inside the open transaction: the actor an import names given by (--new-actors create):
 * the one made from the same spelling earlier, else a new one (actor.add logged as by;
 * *created). Its name goes to name. TR_EINVAL when no name can be made. */
int centre__import_actor(centre *c, const char *by, const char *given, char name[TR_NAME_MAX + 1],
                         bool *created, tr_err *err);

/* The store hook of tr_report_resolve (report.h): parties first, then actors. ctx is the centre. */
int centre__resolve_name(void *ctx, const char *name, tr_who *who, char *canon, size_t cap, tr_err *err);
/* Inside the open transaction, holding c->mon_mu, for a report whose names are resolved:
 * sets reporting party and received_at, attributes and classifies (cls), stores, logs
 * report.create as by. *out (if out) gets {id, classification, receipt}. */
int centre__report_store_tx(centre *c, const tr_party *by, tr_report *r, int64_t now, mon_classification *cls,
                            json_t **out, tr_err *err);

/* Holding c->mon_mu: hands a stored report row to c->mon with its stored classification. */
int centre__mon_add_row(centre *c, const store_report *sr, int64_t *incident, tr_err *err);

/* Makes c->mon and loads every stored report into it (docs/monitoring.md "Wiring"). */
int centre__mon_load(centre *c, tr_err *err);
/* A report whose target is a site or movement: TR_EINVAL at target.id unless by may see it. */
int centre__report_check_target(centre *c, const tr_party *by, const tr_report *r, tr_err *err);

/* CAP alerts into the notice feeds (centre_alerts.c): collect, holding c->mon_mu after the
 * engine took a write, the alerts of the incidents holding these ids; then publish, holding
 * neither c->mon_mu nor a transaction (it runs its own; clears l). */
typedef struct centre_alerts {
    struct alert *v;
    size_t n;
} centre_alerts;
void centre__alerts_collect(centre *c, const int64_t *incidents, size_t n, centre_alerts *l);
void centre__alerts_publish(centre *c, centre_alerts *l);
void centre__alerts_clear(centre_alerts *l);
/* Replays the stored regroups in seq order (after the reports). */
int centre__mon_load_regroups(centre *c, tr_err *err);

#endif
