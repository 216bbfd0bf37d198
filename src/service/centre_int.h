/* centre_int.h — pieces of the centre shared by its files (not for the edges). */
#ifndef TRUCE_SERVICE_CENTRE_INT_H
#define TRUCE_SERVICE_CENTRE_INT_H

#include "service/centre.h"

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
} centre_pending;

/* Kinds of volumes in c->dc, and their ids: (object id << 12) | (type << 10) | volume. */
#define CENTRE_DC_SITE 0u
#define CENTRE_DC_OPERATION 1u
#define CENTRE_DC_MOVEMENT 2u
#define CENTRE_DC_ID(obj, type, i) (((int64_t)(obj) << 12) | ((int64_t)(type) << 10) | (int64_t)(i))
#define CENTRE_DC_OBJ(id) ((id) >> 12)
#define CENTRE_DC_VOL(id) ((size_t)((id) & 1023))

int centre__pending_site(centre_pending *p, tr_site *s);           /* takes s's contents */
int centre__pending_operation(centre_pending *p, tr_operation *o); /* takes o's contents */
int centre__pending_movement(centre_pending *p, tr_movement *m);   /* takes m's contents */
int centre__dc_add_movement(centre *c, const tr_movement *m, bool held, tr_err *err);
/* How many legs (engine volumes) a movement has (site.h); 0 if unreadable. */
size_t centre__movement_nlegs(const tr_movement *m);
/* Inside the transaction (centre_deconflict.c): o's conflicts as its owner by sees them;
 * and the notices of those conflicts to every other party involved, dated now. */
int centre__operation_conflicts(centre *c, const tr_party *by, const tr_operation *o, json_t *out, tr_err *err);
int centre__conflict_notices(centre *c, const tr_operation *o, const json_t *conflicts, int64_t now, tr_err *err);
/* Inside the transaction (centre_dc_state.c): a new movement's notices — to every party
 * on its visibility list and to every party whose control areas its route crosses,
 * whose acknowledgements clear it (movement_clearance). obj is the logged movement. */
int centre__movement_notify_tx(centre *c, const tr_movement *m, const json_t *obj, tr_err *err);
/* The bulletin section "Movements not cleared": public movements in the bulletin's
 * window still waiting for acknowledgements, each with the parties missing. */
int centre__movement_bulletin(centre *c, mon_bulletin *b, tr_err *err);
/* True when an operation or movement no longer takes part in deconfliction (an
 * operation ended or cancelled, a movement arrived or aborted). */
bool centre__dc_retired(centre *c, const char *about_type, int64_t id);
/* Adds a site's / an operation's volumes to c->dc (held: the caller holds the write lock). */
int centre__dc_add_site(centre *c, const tr_site *s, bool held, tr_err *err);
int centre__dc_add_operation(centre *c, const tr_operation *o, int64_t owner_id, bool held, tr_err *err);

int centre__pending_area(centre_pending *p, tr_area *a);           /* takes a's contents */
int centre__pending_op_active(centre_pending *p, tr_operation *o); /* takes o's contents */
/* The traffic engine (centre_traffic.c): made and loaded by centre_open, freed by
 * centre_close; publish hands it committed sites, no-strike areas and operation states. */
int centre__traffic_open(centre *c, tr_err *err);
void centre__traffic_close(centre *c);
int centre__traffic_publish(centre *c, const centre_pending *p, tr_err *err);
int centre__pending_agreement(centre_pending *p, tr_agreement *a); /* takes a's contents */
void centre__pending_clear(centre_pending *p);
/* Commits and publishes p (cleared either way). */
int centre__commit(centre *c, centre_pending *p, tr_err *err);
/* Ends the open transaction after its writes returned rc: commits and publishes p when rc
 * is TR_OK, else rolls back; on any failure releases *out (if out) and sets it NULL.
 * Returns the final code. */
int centre__finish(centre *c, centre_pending *p, int rc, json_t **out, tr_err *err);

/* The name in log entries of changes made at the command line, not through the API. */
#define CENTRE_OPERATOR "operator"

/* Inside an open transaction: */
/* Appends the log entry of a change by party (docs/tlog.md) — with the party's signature
 * over its submission when sig is not NULL — and, if answer is not NULL, sets
 * answer.receipt = {index, leaf_hash}. */
int centre__log(centre *c, const char *party, const tr_signature *sig, const char *type, const char *ref,
                const json_t *object, json_t *answer, tr_err *err);
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

/* The store hook of tr_report_resolve (report.h): parties first, then actors. ctx is the centre. */
int centre__resolve_name(void *ctx, const char *name, tr_who *who, char *canon, size_t cap);
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
