/*
 * verify_state.c — pass 4 of `truce verify --db` for the modules after the core:
 * deconfliction, monitoring, humanitarian access, mine action. One function per table
 * (verify_match.c lists them): every row rebuilt by the functions the centre logs with
 * (service/centre_objects.h) and matched with its entry, and the columns the object does
 * not hold compared with what it does: an operation's volumes text with the volumes it
 * was read as (volumes_bin), a report's indexed columns with its body, a hazard's box
 * with its geometry, the columns an event's kind leaves empty.
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/verify_db.h"
#include "geo/geo.h"
#include "service/centre_checkpoint.h"
#include "service/centre_objects.h"

/* match_ref for a row of kind with the ref "kind/ID" (centre_ref). */
static const logged *match_id(verify_pass *p, tr_kind kind, int64_t id, const char *type, json_t *obj) {
    char ref[CENTRE_REF_MAX];
    centre_ref(kind, id, ref);
    return verify__match_counted(p, tr_kind_get(kind)->name, id, ref, type, obj);
}

/* match_ref for a mine action row: ref "refkind/ID" (centre_ref_mine), named "table ID". */
static const logged *match_mine(verify_pass *p, const char *refkind, const char *table, int64_t id,
                                const char *type, json_t *obj) {
    char ref[CENTRE_REF_MAX];
    centre_ref_mine(refkind, id, ref);
    return verify__match_counted(p, table, id, ref, type, obj);
}

/* ---- deconfliction ---- */

static int check_site(tr_site *v, void *ctx) {
    match_id(ctx, TR_KIND_SITE, v->id, TR_ENTRY(SITE_CREATE), centre_object_site(v));
    return TR_OK;
}

int verify__site(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_site_each(a->s, check_site, &p, &e);
    return verify__end_pass(&p, "site", &e, rows);
}

static int check_operation(tr_operation *o, void *ctx) {
    verify_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref(TR_KIND_OPERATION, o->id, ref);
    snprintf(what, sizeof what, "operation %lld", (long long)o->id);
    const logged *e =
        verify__match_row(p->a, what, ref, TR_ENTRY(OPERATION_CREATE), centre_object_operation(o));
    /* The store reads volumes_bin when it has one: the submitted text must say the same, as
     * the binary that wrote the row printed it (its entry's version: centre_objects.h). */
    json_t *vols = tr_operation_volumes_json(o);
    char *text = vols ? centre_text_v(vols, JSON_COMPACT, e ? e->version : CENTRE_LOG_VERSION) : NULL;
    json_decref(vols);
    const store_audit_row *row = NULL;
    tr_err re = {0};
    if (store_audit_get(p->a->db, AUDIT_GET_OPERATION, o->id, &row, &re)) FAIL(p->a, "%s: %s", what, re.msg);
    const char *col = row ? store_audit_text(row, 0) : NULL;
    if (!text || !col || strcmp(text, col) != 0)
        FAIL(p->a, "%s: volumes is not the volumes it is read as (volumes_bin)", what);
    free(text);
    p->rows++;
    return TR_OK;
}

int verify__operation(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_operation_each(a->s, check_operation, &p, &e);
    return verify__end_pass(&p, "operation", &e, rows);
}

static int check_movement(tr_movement *m, void *ctx) {
    match_id(ctx, TR_KIND_MOVEMENT, m->id, TR_ENTRY(MOVEMENT_CREATE), centre_object_movement(m));
    return TR_OK;
}

int verify__movement(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_movement_each(a->s, check_movement, &p, &e);
    return verify__end_pass(&p, "movement", &e, rows);
}

/* A movement's schedule is part of its logged object; the rows must belong to a movement
 * and be numbered 0, 1, ... in route order, as the store writes them. */
int verify__movement_schedule(db_audit *a, uint64_t *rows) {
    verify__problems(a, AUDIT_BAD_SCHEDULE, "movement_schedule",
                     "(movement) a schedule row of no movement, or out of its 0, 1, ... numbering");
    *rows = (uint64_t)verify__n(a, AUDIT_N_SCHEDULES);
    return TR_OK;
}

static int check_dc_event(const store_dc_event *x, void *ctx) {
    char ref[CENTRE_REF_MAX];
    centre_ref_dc_event(x->id, ref);
    verify__match_counted(ctx, "dc_event", x->id, ref, centre_dc_event_type(x), centre_object_dc_event(x));
    return TR_OK;
}

/* Operation states, movement statuses and positions. A position has lon and lat and no
 * value; a state or status a value and no position. */
int verify__dc_event(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_dc_event_each(a->s, check_dc_event, &p, &e);
    verify__problems(a, AUDIT_BAD_DC_EVENT, "dc_event", "its value, lon and lat are not those of its kind");
    return verify__end_pass(&p, "dc_event", &e, rows);
}

/* ---- checkpoints (issue 12, item 5) ---- */

static int check_checkpoint(tr_checkpoint *k, void *ctx) {
    match_id(ctx, TR_KIND_CHECKPOINT, k->id, TR_ENTRY(CHECKPOINT_CREATE), centre_object_checkpoint(k));
    return TR_OK;
}

int verify__checkpoint(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_checkpoint_filter all = {0};
    store_checkpoint_scan(a->s, &all, check_checkpoint, &p, &e);
    return verify__end_pass(&p, "checkpoint", &e, rows);
}

/* A movement's links, gathered in order and matched as one movement.checkpoints object. */
typedef struct links {
    verify_pass p;
    int64_t movement;
    json_t *ids;
} links;

static void match_links(links *l) {
    if (!json_array_size(l->ids)) return;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_movement_checkpoints(l->movement, ref);
    snprintf(what, sizeof what, "movement_checkpoint of movement %lld", (long long)l->movement);
    verify__match_row(l->p.a, what, ref, TR_ENTRY(MOVEMENT_CHECKPOINTS),
                      centre_object_movement_checkpoints(l->movement, l->ids));
    json_array_clear(l->ids);
}

static int check_link(int64_t movement_id, int64_t checkpoint_id, void *ctx) {
    links *l = ctx;
    if (movement_id != l->movement) match_links(l);
    l->movement = movement_id;
    json_array_append_new(l->ids, json_integer(checkpoint_id));
    l->p.rows++;
    return TR_OK;
}

int verify__movement_checkpoint(db_audit *a, uint64_t *rows) {
    links l = {.p = {a, 0}, .ids = json_array()};
    tr_err e = {0};
    store_checkpoint_links(a->s, 0, check_link, &l, &e);
    match_links(&l);
    json_decref(l.ids);
    return verify__end_pass(&l.p, "movement_checkpoint", &e, rows);
}

/* ---- monitoring ---- */

/* One of a report's columns against its body's value (NULL: absent). */
static void report_column(verify_pass *p, const char *what, const char *column, const char *row,
                          const char *body) {
    char b1[96], b2[96];
    if ((row || body) && (!row || !body || strcmp(row, body) != 0))
        FAIL(p->a, "%s: %s is \"%s\", but its logged body says \"%s\"", what, column,
             verify__clip(row ? row : "(null)", b1), verify__clip(body ? body : "(none)", b2));
}

/* The report's columns the store indexes (who may read it, the bulletin's day) must be
 * its body's, which its entry logged. */
static void check_report_columns(verify_pass *p, const char *what, const store_report *r) {
    json_t *b = json_loads(r->body, 0, NULL);
    char t1[TR_TIME_BUFSZ], t2[TR_TIME_BUFSZ];
#define BODY(k) json_string_value(json_object_get(b, k))
    report_column(p, what, "reporting_party", r->reporting_party, BODY("reporting_party"));
    report_column(p, what, "received_at", tr_time_format(r->received_at, t1), BODY("received_at"));
    report_column(p, what, "occurred_at", tr_time_format(r->occurred_at, t2), BODY("occurred_at"));
    report_column(p, what, "external_id", r->external_id, BODY("external_id"));
#undef BODY
    json_decref(b);
}

static int check_report(store_report *r, void *ctx) {
    verify_pass *p = ctx;
    char what[64];
    match_id(p, TR_KIND_REPORT, r->id, TR_ENTRY(REPORT_CREATE), centre_object_report(r));
    snprintf(what, sizeof what, "report %lld", (long long)r->id);
    check_report_columns(p, what, r);
    return TR_OK;
}

int verify__report_row(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_report_each(a->s, check_report, &p, &e);
    return verify__end_pass(&p, "report", &e, rows);
}

typedef struct act_pass {
    verify_pass p;
    bool verdict;
} act_pass;

static int check_act(store_incident_act *x, void *ctx) {
    act_pass *q = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_incident_act(q->verdict, x->seq, ref);
    snprintf(what, sizeof what, "%s %lld", q->verdict ? "verdict" : "response", (long long)x->seq);
    verify__match_row(q->p.a, what, ref,
                      q->verdict ? TR_ENTRY(INCIDENT_VERDICT) : TR_ENTRY(INCIDENT_RESPONSE),
                      centre_object_incident_act(q->verdict, x));
    q->p.rows++;
    return TR_OK;
}

static int acts(db_audit *a, bool verdict, uint64_t *rows) {
    act_pass q = {{a, 0}, verdict};
    tr_err e = {0};
    store_incident_act_each(a->s, verdict, check_act, &q, &e);
    return verify__end_pass(&q.p, verdict ? "incident_verdict" : "incident_response", &e, rows);
}

int verify__incident_response(db_audit *a, uint64_t *rows) {
    return acts(a, false, rows);
}

int verify__incident_verdict(db_audit *a, uint64_t *rows) {
    return acts(a, true, rows);
}

static int check_regroup(store_regroup *g, void *ctx) {
    char ref[CENTRE_REF_MAX];
    centre_ref_regroup(g->seq, ref);
    verify__match_counted(ctx, "regroup", g->seq, ref, TR_ENTRY(INCIDENT_REGROUP), centre_object_regroup(g));
    return TR_OK;
}

int verify__incident_regroup(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_regroup_each(a->s, check_regroup, &p, &e);
    return verify__end_pass(&p, "incident_regroup", &e, rows);
}

/* ---- humanitarian access, agreement steps, messages ---- */

/* Corridor events: the columns an event's kind does not use are empty (the store reads
 * them whatever the kind). */
int verify__corridor_event(db_audit *a, uint64_t *rows) {
    tr_err e = {0};
    tr_corridor_event *ce = NULL;
    size_t n = 0;
    char ref[CENTRE_REF_MAX], what[64], type[48];
    store_corridor_events(a->s, 0, &ce, &n, &e);
    for (size_t i = 0; i < n; i++) {
        centre_ref(TR_KIND_CORRIDOR_EVENT, ce[i].id, ref);
        snprintf(what, sizeof what, "corridor_event %lld", (long long)ce[i].id);
        snprintf(type, sizeof type, "corridor.%s", tr_corridor_event_kind_name(ce[i].kind));
        verify__match_row(a, what, ref, type, centre_object_corridor_event(&ce[i]));
    }
    tr_corridor_events_free(ce, n);
    verify__problems(a, AUDIT_BAD_CORRIDOR_EVENT, "corridor_event",
                     "a column its kind does not use is set, or one it uses is empty");
    verify__count(a, "corridor_event", n, &e);
    *rows = n;
    return TR_OK;
}

int verify__step(db_audit *a, uint64_t *rows) {
    tr_err e = {0};
    tr_step *st = NULL;
    size_t n = 0;
    char ref[CENTRE_REF_MAX], what[64];
    store_steps(a->s, 0, &st, &n, &e);
    for (size_t i = 0; i < n; i++) {
        centre_ref(TR_KIND_STEP, st[i].id, ref);
        snprintf(what, sizeof what, "step %lld", (long long)st[i].id);
        verify__match_row(a, what, ref, TR_ENTRY(STEP_CREATE), centre_object_step(&st[i]));
    }
    tr_steps_free(st, n);
    verify__count(a, "step", n, &e);
    *rows = n;
    return TR_OK;
}

int verify__step_event(db_audit *a, uint64_t *rows) {
    tr_err e = {0};
    tr_step_event *se = NULL;
    size_t n = 0;
    char ref[CENTRE_REF_MAX], what[64];
    store_step_events(a->s, 0, &se, &n, &e);
    for (size_t i = 0; i < n; i++) {
        centre_ref_step_event(se[i].seq, ref);
        snprintf(what, sizeof what, "step_event %lld", (long long)se[i].seq);
        verify__match_row(a, what, ref, TR_ENTRY(STEP_STATUS), centre_object_step_event(&se[i]));
    }
    tr_step_events_free(se, n);
    verify__count(a, "step_event", n, &e);
    *rows = n;
    return TR_OK;
}

static void check_message(db_audit *a, const tr_message *m) {
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref(TR_KIND_MESSAGE, m->id, ref);
    snprintf(what, sizeof what, "message %lld", (long long)m->id);
    verify__match_row(a, what, ref, TR_ENTRY(MESSAGE_CREATE), centre_object_message(m));
    if (m->forwarded_at)
        verify__match_row(a, what, ref, TR_ENTRY(MESSAGE_FORWARD), centre_object_message_forward(m));
    else
        verify__no_entry(a, what, ref, TR_ENTRY(MESSAGE_FORWARD), "its forwarding");
}

int verify__message(db_audit *a, uint64_t *rows) {
    bool more = true;
    int64_t after = 0;
    tr_err e = {0};
    while (more) {
        tr_message *m = NULL;
        size_t n = 0;
        if (store_message_list(a->s, NULL, after, 1000, &m, &n, &more, &e)) break;
        for (size_t i = 0; i < n; i++) {
            check_message(a, &m[i]);
            after = m[i].id;
            tr_message_clear(&m[i]);
        }
        *rows += n;
        free(m);
    }
    verify__count(a, "message", *rows, &e);
    return TR_OK;
}

/* A forwarding is read with its message (message.forward, above); its party is the
 * message's mediator. */
int verify__message_forward(db_audit *a, uint64_t *rows) {
    verify__problems(a, AUDIT_BAD_FORWARD, "message_forward",
                     "a forwarding of no message, or by another party than its mediator");
    *rows = (uint64_t)verify__n(a, AUDIT_N_FORWARDS);
    return TR_OK;
}

/* ---- mine action ---- */

static int check_hazard(tr_hazard *h, const store_hazard_state *now, void *ctx) {
    (void)now;
    verify_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_mine("hazard", h->id, ref);
    snprintf(what, sizeof what, "hazard %lld", (long long)h->id);
    verify__match_row(p->a, what, ref, TR_ENTRY(HAZARD_CREATE), centre_object_hazard(h));
    /* The box the conflict checks filter with is its geometry's (tr_hazard_parse). */
    static const geo_limits trusted = {SIZE_MAX, 1e9};
    json_t *g = json_loads(h->geometry, 0, NULL);
    geo_shape *shape = NULL;
    tr_err e = {0};
    if (!g || geo_shape_from_geojson(g, 0, &trusted, &shape, &e)) {
        FAIL(p->a, "%s: its geometry cannot be read", what);
    } else {
        geo_box b = geo_shape_box(shape);
        if (b.minx != h->box.minx || b.miny != h->box.miny || b.maxx != h->box.maxx || b.maxy != h->box.maxy)
            FAIL(p->a, "%s: minx, miny, maxx, maxy are not its geometry's box", what);
    }
    geo_shape_free(shape);
    json_decref(g);
    p->rows++;
    return TR_OK;
}

int verify__hazard(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_hazard_each(a->s, NULL, check_hazard, &p, &e);
    return verify__end_pass(&p, "hazard", &e, rows);
}

static int check_hazard_status(const store_hazard_status *x, void *ctx) {
    match_mine(ctx, "hazard-status", "hazard_status", x->seq, TR_ENTRY(HAZARD_STATUS),
               centre_object_hazard_status(x));
    return TR_OK;
}

int verify__hazard_status(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_hazard_status_each(a->s, check_hazard_status, &p, &e);
    return verify__end_pass(&p, "hazard_status", &e, rows);
}

static int check_task(tr_task *t, void *ctx) {
    verify_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_mine("task", t->id, ref);
    snprintf(what, sizeof what, "mine_task %lld", (long long)t->id);
    verify__match_row(p->a, what, ref, TR_ENTRY(TASK_CREATE), centre_object_task(t));
    if (t->close_date)
        verify__match_row(p->a, what, ref, TR_ENTRY(TASK_CLOSE),
                          centre_object_task_close(t->id, t->close_date, t->close_outcome, t->closed_by));
    else
        verify__no_entry(p->a, what, ref, TR_ENTRY(TASK_CLOSE), "its closing");
    p->rows++;
    return TR_OK;
}

int verify__mine_task(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_task_each(a->s, 0, 0, check_task, &p, &e);
    return verify__end_pass(&p, "mine_task", &e, rows);
}

static int check_progress(tr_progress *x, void *ctx) {
    match_mine(ctx, "progress", "mine_progress", x->id, TR_ENTRY(PROGRESS_CREATE), centre_object_progress(x));
    return TR_OK;
}

int verify__mine_progress(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_progress_each(a->s, 0, check_progress, &p, &e);
    return verify__end_pass(&p, "mine_progress", &e, rows);
}

static int check_accident(tr_accident *x, void *ctx) {
    match_mine(ctx, "accident", "mine_accident", x->id, TR_ENTRY(ACCIDENT_CREATE), centre_object_accident(x));
    return TR_OK;
}

int verify__mine_accident(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_accident_each(a->s, 0, check_accident, &p, &e);
    return verify__end_pass(&p, "mine_accident", &e, rows);
}
