/*
 * centre_follow.c — the engines follow the log that other instances append to (issue
 * 14; store.h "several instances", docs/operations.md "Several instances").
 *
 * centre__follow is the store's follow hook: it reads entries [from, to) by index and
 * applies each by its type (APPLY below). An apply re-reads the object the entry names
 * from the store, as centre_open loads it, and hands it to the engines through the same
 * centre_pending / publish as a local write (so the traffic engine follows too); the
 * monitoring engine takes reports, regroups and incident acts under c->mon_mu, rebuilt
 * from the logged object where the store has no single-row read. A notice wakes the
 * notice streams. Every other entry type the centre writes is listed in NO_ENGINE with
 * why it changes no engine; an entry of a type in neither table is applied as such and
 * named on stderr (tests/unit/test_follow_types.c keeps the tables complete).
 *
 * Runs under the store's writer mutex (store_begin or the follower thread), before any
 * engine lock: the lock order of a write (store, then c->dc / c->mon_mu) holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_monitor.h"
#include "service/centre_objects.h"
#include "service/centre_traffic_int.h"

#define FOLLOW_BATCH 256

typedef struct follow_entry {
    uint64_t index;
    char *type, *ref, *object; /* object: the logged JSON (NUL-terminated) */
} follow_entry;

typedef int (*apply_fn)(centre *c, const follow_entry *e, centre_pending *p, tr_err *err);

/* ---- deconfliction, attribution and traffic: through centre_pending ---- */

static int pending_oom(int rc, tr_err *err) {
    return rc ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

static int apply_area(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    long long id;
    int version;
    if (sscanf(e->ref, "area/%lld@%d", &id, &version) != 2) return TR_OK;
    tr_area a;
    int rc = store_area_get(c->store, id, version, &a, err);
    if (rc) return rc;
    if ((rc = tr_area_build_shape(&a, err)) == TR_OK) rc = pending_oom(centre__pending_area(p, &a), err);
    tr_area_clear(&a);
    return rc;
}

static int apply_agreement(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    long long id;
    if (sscanf(e->ref, "agreement/%lld@", &id) != 1) return TR_OK;
    tr_agreement a;
    int rc = store_agreement_get(c->store, id, &a, err);
    if (rc) return rc;
    rc = pending_oom(centre__pending_agreement(p, &a), err);
    tr_agreement_clear(&a);
    return rc;
}

static int apply_site(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    long long id;
    if (sscanf(e->ref, "site/%lld", &id) != 1) return TR_OK;
    tr_site s;
    int rc = store_site_get(c->store, id, &s, err);
    if (rc) return rc;
    if (!s.vis.is_public) rc = store_privacy_get(c->store, "site", s.id, &s.priv, err);
    if (rc == TR_OK) rc = pending_oom(centre__pending_site(p, &s), err);
    tr_site_clear(&s);
    return rc;
}

/* Operation id with its owner's party id (0 for a revoked owner, as centre_open loads it). */
static int operation_get(centre *c, int64_t id, tr_operation *o, tr_err *err) {
    int rc = store_operation_get(c->store, id, o, err);
    if (rc) return rc;
    tr_party owner;
    rc = store_party_get(c->store, o->owner, &owner, err);
    o->owner_id = rc == TR_OK ? owner.id : 0;
    if (rc == TR_ENOTFOUND) rc = TR_OK;
    if (rc) tr_operation_clear(o);
    return rc;
}

static int apply_operation(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    long long id;
    if (sscanf(e->ref, "operation/%lld", &id) != 1) return TR_OK;
    tr_operation o;
    int rc = operation_get(c, id, &o, err);
    if (rc) return rc;
    rc = pending_oom(centre__pending_operation(p, &o), err);
    tr_operation_clear(&o);
    return rc;
}

static int apply_movement(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    long long id;
    if (sscanf(e->ref, "movement/%lld", &id) != 1) return TR_OK;
    tr_movement m;
    int rc = store_movement_get(c->store, id, &m, err);
    if (rc) return rc;
    if (!m.vis.is_public) rc = store_privacy_get(c->store, "movement", m.id, &m.priv, err);
    if (rc == TR_OK) rc = pending_oom(centre__pending_movement(p, &m), err);
    tr_movement_clear(&m);
    return rc;
}

/* The logged object of e (a new reference), or NULL after filling err. */
static json_t *object_of(const follow_entry *e, tr_err *err) {
    json_t *o = json_loads(e->object, 0, NULL);
    if (!o) tr_fail(err, TR_EIO, "", "log entry %llu: its object is not JSON", (unsigned long long)e->index);
    return o;
}

/* An operation.state event: a final state leaves c->dc, active goes to the traffic engine. */
static int apply_op_state(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    json_t *o = object_of(e, err);
    if (!o) return TR_EIO;
    tr_operation_state to;
    int64_t id = json_integer_value(json_object_get(o, "about_id"));
    const char *value = json_string_value(json_object_get(o, "value"));
    int rc = TR_OK;
    if (value && tr_operation_state_parse(value, &to) == 0 &&
        (to == OP_ACTIVE || tr_operation_state_final(to))) {
        tr_operation op;
        if ((rc = operation_get(c, id, &op, err)) == TR_OK) {
            free(op.state);
            op.state = strdup(value);
            rc = pending_oom(!op.state || (to == OP_ACTIVE ? centre__pending_op_active(p, &op)
                                                           : centre__queue_operation_removal(p, &op)),
                             err);
            tr_operation_clear(&op);
        }
    }
    json_decref(o);
    return rc;
}

/* A movement.status event: a final status takes its legs out of c->dc. */
static int apply_mov_status(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    json_t *o = object_of(e, err);
    if (!o) return TR_EIO;
    tr_movement_status to;
    int64_t id = json_integer_value(json_object_get(o, "about_id"));
    const char *value = json_string_value(json_object_get(o, "value"));
    int rc = TR_OK;
    if (value && tr_movement_status_parse(value, &to) == 0 && tr_movement_status_final(to)) {
        tr_movement m;
        if ((rc = store_movement_get(c->store, id, &m, err)) == TR_OK) {
            rc = pending_oom(centre__queue_movement_removal(p, &m), err);
            tr_movement_clear(&m);
        }
    }
    json_decref(o);
    return rc;
}

/* ---- monitoring: under c->mon_mu ---- */

static int apply_report(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    (void)p;
    long long id;
    if (sscanf(e->ref, "report/%lld", &id) != 1) return TR_OK;
    store_report sr;
    int rc = store_report_get(c->store, id, &sr, err);
    if (rc) return rc;
    pthread_mutex_lock(&c->mon_mu);
    rc = centre__mon_add_row(c, &sr, NULL, err);
    pthread_mutex_unlock(&c->mon_mu);
    store_report_clear(&sr);
    return rc;
}

static int64_t object_time(const json_t *o, const char *key) {
    int64_t t = 0;
    const char *s = json_string_value(json_object_get(o, key));
    return s && tr_time_parse(s, &t) == 0 ? t : 0;
}

/* A response or a verdict (centre_object_incident_act), back into the act the engine takes. */
static int apply_act(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    (void)p;
    json_t *o = object_of(e, err);
    if (!o) return TR_EIO;
    bool verdict = strcmp(e->type, TR_ENTRY(INCIDENT_VERDICT)) == 0;
    const char *text = json_string_value(json_object_get(o, verdict ? "reason" : "text"));
    store_incident_act a = {
        .seq = json_integer_value(json_object_get(o, "seq")),
        .anchor = json_integer_value(json_object_get(o, "incident_id")),
        .at = object_time(o, "at"),
        .who = (char *)json_string_value(json_object_get(o, verdict ? "monitor" : "party")),
        .kind = (char *)json_string_value(json_object_get(o, verdict ? "verdict" : "response")),
        .text = (char *)text,
    };
    int rc = a.who && a.kind ? TR_OK
                             : tr_fail(err, TR_EIO, "", "log entry %llu: not an incident act",
                                       (unsigned long long)e->index);
    pthread_mutex_lock(&c->mon_mu);
    if (rc == TR_OK) rc = centre_mon_apply_act(c->mon, verdict, &a, err);
    pthread_mutex_unlock(&c->mon_mu);
    json_decref(o);
    return rc;
}

/* Appends the ids of array a to g->ids. */
static int regroup_ids(store_regroup *g, const json_t *a) {
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x) g->ids[g->nids++] = json_integer_value(x);
    return TR_OK;
}

/* A split or merge (centre_object_regroup): side one is "reports", side two "others". */
static int apply_regroup(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    (void)p;
    json_t *o = object_of(e, err);
    if (!o) return TR_EIO;
    const json_t *one = json_object_get(o, "reports"), *two = json_object_get(o, "others");
    const char *kind = json_string_value(json_object_get(o, "kind"));
    store_regroup g = {.seq = json_integer_value(json_object_get(o, "seq")),
                       .at = object_time(o, "at"),
                       .split = kind && strcmp(kind, "split") == 0,
                       .monitor = (char *)json_string_value(json_object_get(o, "monitor")),
                       .reason = (char *)json_string_value(json_object_get(o, "reason")),
                       .ids = calloc(json_array_size(one) + json_array_size(two) + 1, sizeof(int64_t))};
    int rc = g.ids ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        regroup_ids(&g, one);
        g.nfirst = g.nids;
        regroup_ids(&g, two);
        pthread_mutex_lock(&c->mon_mu);
        rc = centre_mon_apply_regroup(c->mon, &g, err);
        pthread_mutex_unlock(&c->mon_mu);
    }
    free(g.ids);
    json_decref(o);
    return rc;
}

/* A setting.put of a monitoring option: the engine rebuilt with the stored settings. */
static int apply_setting(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    (void)p;
    for (size_t k = 0; k < CENTRE_NMON_OPTS; k++) {
        char ref[CENTRE_REF_MAX];
        centre_ref_setting(CENTRE_MON_OPTS[k], ref);
        if (strcmp(ref, e->ref) == 0) return centre__mon_settings_follow(c, err);
    }
    return TR_OK; /* a setting no engine reads */
}

/* ---- traffic: under c->traffic->lock (centre_traffic_follow.c) ---- */

static int apply_positions(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    (void)p;
    return ct_follow_positions(c, e->index, e->ref, e->object, err);
}

static int apply_stale(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    (void)p;
    return ct_follow_stale(c, e->index, e->object, err);
}

static int apply_alert(centre *c, const follow_entry *e, centre_pending *p, tr_err *err) {
    (void)p;
    return ct_follow_alert(c, e->index, e->object, err);
}

/* ---- the tables ---- */

/* Every entry type the centre writes is in one of them (tests/unit/test_follow_types.c
 * checks it against verify's list): APPLY changes an engine; NO_ENGINE does not, and says
 * where its answers come from instead. */
static const struct {
    tr_entry type;
    apply_fn fn;
} APPLY[] = {
    {TR_ENTRY_AREA_CREATE, apply_area},           {TR_ENTRY_AREA_VERSION, apply_area},
    {TR_ENTRY_AGREEMENT_CREATE, apply_agreement}, {TR_ENTRY_SITE_CREATE, apply_site},
    {TR_ENTRY_OPERATION_CREATE, apply_operation}, {TR_ENTRY_OPERATION_STATE, apply_op_state},
    {TR_ENTRY_MOVEMENT_CREATE, apply_movement},   {TR_ENTRY_MOVEMENT_STATUS, apply_mov_status},
    {TR_ENTRY_REPORT_CREATE, apply_report},       {TR_ENTRY_INCIDENT_RESPONSE, apply_act},
    {TR_ENTRY_INCIDENT_VERDICT, apply_act},       {TR_ENTRY_INCIDENT_REGROUP, apply_regroup},
    {TR_ENTRY_SETTING_PUT, apply_setting},        {TR_ENTRY_TRACK_POSITIONS, apply_positions},
    {TR_ENTRY_TRACK_STALE, apply_stale},          {TR_ENTRY_TRAFFIC_ALERT, apply_alert},
};

#define STORE_ONLY "read from the store on each request"
static const struct {
    tr_entry type;
    const char *reason;
} NO_ENGINE[] = {
    {TR_ENTRY_PARTY_ADD, "parties and tokens are " STORE_ONLY},
    {TR_ENTRY_PARTY_REVOKE, "parties and tokens are " STORE_ONLY},
    {TR_ENTRY_PARTY_KEY, "signing keys are " STORE_ONLY},
    {TR_ENTRY_ACTOR_ADD, "actors are " STORE_ONLY},
    {TR_ENTRY_NOTICE_CREATE, "notices are " STORE_ONLY "; the entry wakes the notice streams"},
    {TR_ENTRY_NOTICE_ACK, "acknowledgements are " STORE_ONLY},
    {TR_ENTRY_CHECKPOINT_CREATE, "movement checkpoints are " STORE_ONLY},
    {TR_ENTRY_MOVEMENT_CHECKPOINTS, "a movement's checkpoints are " STORE_ONLY},
    {TR_ENTRY_MOVEMENT_POSITION, "movement positions are " STORE_ONLY " (the legs in c->dc do not move)"},
    {TR_ENTRY_INCIDENT_ALERT, "CAP alerts are " STORE_ONLY},
    {TR_ENTRY_CORRIDOR_OPENING, "corridor events are " STORE_ONLY},
    {TR_ENTRY_CORRIDOR_SUSPENSION, "corridor events are " STORE_ONLY},
    {TR_ENTRY_CORRIDOR_RESUMPTION, "corridor events are " STORE_ONLY},
    {TR_ENTRY_CORRIDOR_CROSSING, "corridor events are " STORE_ONLY},
    {TR_ENTRY_STEP_CREATE, "agreement steps are " STORE_ONLY},
    {TR_ENTRY_STEP_STATUS, "agreement steps are " STORE_ONLY},
    {TR_ENTRY_MESSAGE_CREATE, "messages are " STORE_ONLY},
    {TR_ENTRY_MESSAGE_FORWARD, "messages are " STORE_ONLY},
    {TR_ENTRY_HAZARD_CREATE, "mine action is " STORE_ONLY " (its conflicts read store boxes)"},
    {TR_ENTRY_HAZARD_STATUS, "mine action is " STORE_ONLY},
    {TR_ENTRY_TASK_CREATE, "mine action is " STORE_ONLY},
    {TR_ENTRY_TASK_CLOSE, "mine action is " STORE_ONLY},
    {TR_ENTRY_PROGRESS_CREATE, "mine action is " STORE_ONLY},
    {TR_ENTRY_ACCIDENT_CREATE, "mine action is " STORE_ONLY},
    {TR_ENTRY_PRIVACY_SET, "read with its site or movement, which site.create / movement.create apply"},
    {TR_ENTRY_CONFLICT_PROBE, "probe budgets are counted in the store"},
    {TR_ENTRY_LOG_ROLLBACK, "a note in the log: the operator accepted a shorter log at start-up"},
};

static apply_fn apply_of(const char *type) {
    for (size_t i = 0; i < sizeof APPLY / sizeof *APPLY; i++)
        if (strcmp(tr_entry_name(APPLY[i].type), type) == 0) return APPLY[i].fn;
    return NULL;
}

int centre_follow_rule(const char *type, const char **reason) {
    *reason = NULL;
    if (apply_of(type)) return 1;
    for (size_t i = 0; i < sizeof NO_ENGINE / sizeof *NO_ENGINE; i++)
        if (strcmp(tr_entry_name(NO_ENGINE[i].type), type) == 0) {
            *reason = NO_ENGINE[i].reason;
            return 0;
        }
    return -1;
}

/* ---- reading entries by index ---- */

typedef struct follow_batch {
    follow_entry e[FOLLOW_BATCH];
    size_t n;
} follow_batch;

static void batch_clear(follow_batch *b) {
    for (size_t i = 0; i < b->n; i++) {
        free(b->e[i].type);
        free(b->e[i].ref);
        free(b->e[i].object);
    }
    b->n = 0;
}

static int collect(const store_log_entry *le, void *ctx) {
    follow_batch *b = ctx;
    if (b->n == FOLLOW_BATCH) return TR_EINTERNAL;
    follow_entry *e = &b->e[b->n++];
    e->index = le->index;
    e->type = strdup(le->type ? le->type : "");
    e->ref = strdup(le->ref ? le->ref : "");
    e->object = malloc(le->object_len + 1);
    if (!e->type || !e->ref || !e->object) return TR_ENOMEM;
    memcpy(e->object, le->object, le->object_len);
    e->object[le->object_len] = '\0';
    return TR_OK;
}

/* Applies one entry; a failure to publish what was read stops the process (centre.c). */
static int apply_one(centre *c, const follow_entry *e, bool *notices, tr_err *err) {
    if (strcmp(e->type, TR_ENTRY(NOTICE_CREATE)) == 0) *notices = true;
    const char *why;
    if (centre_follow_rule(e->type, &why) < 0)
        fprintf(stderr,
                "truce: WARNING: log entry %llu has type %s, which centre_follow.c does not know: "
                "this instance's engines may not reflect it until it restarts\n",
                (unsigned long long)e->index, e->type);
    apply_fn fn = apply_of(e->type);
    if (!fn) return TR_OK;
    centre_pending p = {0};
    int rc = fn(c, e, &p, err);
    if (rc == TR_OK) rc = centre__publish(c, &p, err);
    centre__pending_clear(&p);
    if (rc)
        fprintf(stderr, "truce: log entry %llu (%s %s) not applied yet: %s\n", (unsigned long long)e->index,
                e->type, e->ref, err ? err->msg : "?");
    return rc;
}

int centre__follow(void *ctx, uint64_t from, uint64_t to, uint64_t *done, bool *notices, tr_err *err) {
    centre *c = ctx;
    follow_batch *b = calloc(1, sizeof *b);
    int rc = b ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (uint64_t at = from; rc == TR_OK && at < to;) {
        uint64_t end = to - at > FOLLOW_BATCH ? at + FOLLOW_BATCH : to;
        rc = store_log_entries(c->store, at, end, collect, b, err);
        if (rc && err && !err->code)
            tr_fail(err, rc, "", "reading log entries %llu..%llu", (unsigned long long)at,
                    (unsigned long long)end);
        if (rc == TR_OK && b->n != end - at)
            rc = tr_fail(err, TR_EIO, "", "log entries %llu..%llu are not all there", (unsigned long long)at,
                         (unsigned long long)end);
        for (size_t i = 0; rc == TR_OK && i < b->n; i++)
            if ((rc = apply_one(c, &b->e[i], notices, err)) == TR_OK) *done = b->e[i].index + 1;
        batch_clear(b);
        at = end;
    }
    free(b);
    return rc;
}
