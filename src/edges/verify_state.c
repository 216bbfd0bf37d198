/*
 * verify_state.c — pass 4 of `truce verify --db` for the modules after the core
 * (deconfliction, monitoring, humanitarian access, mine action): every row rebuilt by the
 * functions the centre logs with (service/centre_objects.h) and matched with its log
 * entry (verify__match_row). verify.c runs them from audit_state.
 */
#include <stdlib.h>
#include <string.h>

#include "edges/verify_db.h"
#include "service/centre_objects.h"

typedef struct dc_pass {
    db_audit *a;
    uint64_t rows;
} dc_pass;

static int check_site(tr_site *v, void *ctx) {
    dc_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_site(v->id, ref);
    snprintf(what, sizeof what, "site %lld", (long long)v->id);
    verify__match_row(p->a, what, ref, "site.create", centre_object_site(v));
    p->rows++;
    return TR_OK;
}

static int check_operation(tr_operation *o, void *ctx) {
    dc_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_operation(o->id, ref);
    snprintf(what, sizeof what, "operation %lld", (long long)o->id);
    verify__match_row(p->a, what, ref, "operation.create", centre_object_operation(o));
    p->rows++;
    return TR_OK;
}

static int check_movement(tr_movement *m, void *ctx) {
    dc_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_movement(m->id, ref);
    snprintf(what, sizeof what, "movement %lld", (long long)m->id);
    verify__match_row(p->a, what, ref, "movement.create", centre_object_movement(m));
    p->rows++;
    return TR_OK;
}

static int check_dc_event(const store_dc_event *e, void *ctx) {
    dc_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_dc_event(e->id, ref);
    snprintf(what, sizeof what, "dc_event %lld", (long long)e->id);
    verify__match_row(p->a, what, ref, centre_dc_event_type(e), centre_object_dc_event(e));
    p->rows++;
    return TR_OK;
}

/* Operation states, movement statuses and positions: each row matched with its entry. */
void verify__audit_dc_events(db_audit *a, uint64_t *rows) {
    dc_pass p = {a, 0};
    tr_err e = {0};
    if (store_dc_event_each(a->s, check_dc_event, &p, &e))
        FAIL(a, "dc_event: %s; the rows after it were not checked", e.msg);
    int64_t all = verify__raw_int(a, "SELECT count(*) FROM dc_event");
    if (all >= 0 && (uint64_t)all != p.rows && e.code == TR_OK)
        FAIL(a, "dc_event: %lld rows, %llu readable", (long long)all, ULL(p.rows));
    *rows += p.rows;
}

/* Sites and operations (issue 4): each row rebuilt and matched with its log entry. */
int verify__audit_deconfliction(db_audit *a, uint64_t *rows) {
    dc_pass p = {a, 0};
    tr_err e = {0};
    if (store_site_each(a->s, check_site, &p, &e))
        FAIL(a, "site: %s; the rows after it were not checked", e.msg);
    int64_t all = verify__raw_int(a, "SELECT count(*) FROM site");
    if (all >= 0 && (uint64_t)all != p.rows && e.code == TR_OK)
        FAIL(a, "site: %lld rows, %llu readable", (long long)all, ULL(p.rows));
    uint64_t sites = p.rows;
    p.rows = 0;
    e = (tr_err){0};
    if (store_operation_each(a->s, check_operation, &p, &e))
        FAIL(a, "operation: %s; the rows after it were not checked", e.msg);
    all = verify__raw_int(a, "SELECT count(*) FROM operation");
    if (all >= 0 && (uint64_t)all != p.rows && e.code == TR_OK)
        FAIL(a, "operation: %lld rows, %llu readable", (long long)all, ULL(p.rows));
    rows[0] += sites;
    rows[1] += p.rows;
    p.rows = 0;
    e = (tr_err){0};
    if (store_movement_each(a->s, check_movement, &p, &e))
        FAIL(a, "movement: %s; the rows after it were not checked", e.msg);
    all = verify__raw_int(a, "SELECT count(*) FROM movement");
    if (all >= 0 && (uint64_t)all != p.rows && e.code == TR_OK)
        FAIL(a, "movement: %lld rows, %llu readable", (long long)all, ULL(p.rows));
    rows[3] += p.rows;
    /* Acknowledged notices: each acknowledgement is what notice.ack logged. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(a->raw, "SELECT id, party, acked_at FROM notice ORDER BY id", -1, &st, NULL))
        return tr_fail(&a->err, TR_EIO, "", "cannot read notice: %s", sqlite3_errmsg(a->raw));
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *party = (const char *)sqlite3_column_text(st, 1);
        char ref[CENTRE_REF_MAX], what[200];
        centre_ref_notice(id, ref);
        snprintf(what, sizeof what, "notice %lld", (long long)id);
        if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
            verify__match_row(a, what, ref, "notice.ack",
                              centre_object_notice_ack(id, party ? party : "", sqlite3_column_int64(st, 2)));
            rows[2]++;
        } else {
            for (size_t k = verify__find_ref(a, ref); k < a->nlog && strcmp(a->log[k].ref, ref) == 0; k++) {
                a->log[k].row = true;
                if (strcmp(a->log[k].type, "notice.ack") == 0)
                    FAIL(a, "%s: log_entry %llu records its acknowledgement but the row is not acknowledged",
                         what, ULL(a->log[k].index));
            }
        }
    }
    sqlite3_finalize(st);
    return TR_OK;
}

static int check_report(store_report *r, void *ctx) {
    dc_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_report(r->id, ref);
    snprintf(what, sizeof what, "report %lld", (long long)r->id);
    verify__match_row(p->a, what, ref, "report.create", centre_object_report(r));
    p->rows++;
    return TR_OK;
}

typedef struct act_pass {
    db_audit *a;
    bool verdict;
    uint64_t rows;
} act_pass;

static int check_act(store_incident_act *x, void *ctx) {
    act_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_incident_act(p->verdict, x->seq, ref);
    snprintf(what, sizeof what, "%s %lld", p->verdict ? "verdict" : "response", (long long)x->seq);
    verify__match_row(p->a, what, ref, p->verdict ? "incident.verdict" : "incident.response",
                      centre_object_incident_act(p->verdict, x));
    p->rows++;
    return TR_OK;
}

/* Reports, responses and verdicts (issue 3): each row rebuilt and matched with its entry. */
int verify__audit_reports(db_audit *a, uint64_t *rows) {
    for (int v = 0; v < 2; v++) {
        act_pass q = {a, v == 1, 0};
        tr_err e = {0};
        const char *table = v ? "incident_verdict" : "incident_response";
        if (store_incident_act_each(a->s, v == 1, check_act, &q, &e))
            FAIL(a, "%s: %s; the rows after it were not checked", table, e.msg);
        int64_t all = verify__raw_int(a, v ? "SELECT count(*) FROM incident_verdict"
                                           : "SELECT count(*) FROM incident_response");
        if (all >= 0 && (uint64_t)all != q.rows && e.code == TR_OK)
            FAIL(a, "%s: %lld rows, %llu readable", table, (long long)all, ULL(q.rows));
        rows[1 + v] = q.rows;
    }
    dc_pass p = {a, 0};
    tr_err e = {0};
    if (store_report_each(a->s, check_report, &p, &e))
        FAIL(a, "report: %s; the rows after it were not checked", e.msg);
    int64_t all = verify__raw_int(a, "SELECT count(*) FROM report");
    if (all >= 0 && (uint64_t)all != p.rows && e.code == TR_OK)
        FAIL(a, "report: %lld rows, %llu readable", (long long)all, ULL(p.rows));
    rows[0] = p.rows;
    return TR_OK;
}

static int check_regroup(store_regroup *g, void *ctx) {
    dc_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_regroup(g->seq, ref);
    snprintf(what, sizeof what, "regroup %lld", (long long)g->seq);
    verify__match_row(p->a, what, ref, "incident.regroup", centre_object_regroup(g));
    p->rows++;
    return TR_OK;
}

/* Manual splits and merges (issue 3, migration 0006): each row matched with its entry. */
int verify__audit_regroups(db_audit *a, uint64_t *rows) {
    dc_pass p = {a, 0};
    tr_err e = {0};
    if (store_regroup_each(a->s, check_regroup, &p, &e))
        FAIL(a, "incident_regroup: %s; the rows after it were not checked", e.msg);
    int64_t all = verify__raw_int(a, "SELECT count(*) FROM incident_regroup");
    if (all >= 0 && (uint64_t)all != p.rows && e.code == TR_OK)
        FAIL(a, "incident_regroup: %lld rows, %llu readable", (long long)all, ULL(p.rows));
    *rows = p.rows;
    return TR_OK;
}

/* Humanitarian access, agreement steps, messages (issue 6): every row rebuilt and
 * matched with its entry; rows[0..3]: corridor events, steps, step changes, messages. */
int verify__audit_humanitarian(db_audit *a, uint64_t *rows) {
    tr_err e = {0};
    tr_corridor_event *ce = NULL;
    tr_step *st = NULL;
    tr_step_event *se = NULL;
    size_t nce = 0, nst = 0, nse = 0;
    char ref[CENTRE_REF_MAX], what[200], type[48];
    if (store_corridor_events(a->s, 0, &ce, &nce, &e)) FAIL(a, "corridor_event: %s", e.msg);
    for (size_t i = 0; i < nce; i++) {
        centre_ref_corridor_event(ce[i].id, ref);
        snprintf(what, sizeof what, "corridor_event %lld", (long long)ce[i].id);
        snprintf(type, sizeof type, "corridor.%s", tr_corridor_event_kind_name(ce[i].kind));
        verify__match_row(a, what, ref, type, centre_object_corridor_event(&ce[i]));
    }
    e = (tr_err){0};
    if (store_steps(a->s, 0, &st, &nst, &e)) FAIL(a, "step: %s", e.msg);
    for (size_t i = 0; i < nst; i++) {
        centre_ref_step(st[i].id, ref);
        snprintf(what, sizeof what, "step %lld", (long long)st[i].id);
        verify__match_row(a, what, ref, "step.create", centre_object_step(&st[i]));
    }
    e = (tr_err){0};
    if (store_step_events(a->s, 0, &se, &nse, &e)) FAIL(a, "step_event: %s", e.msg);
    for (size_t i = 0; i < nse; i++) {
        centre_ref_step_event(se[i].seq, ref);
        snprintf(what, sizeof what, "step_event %lld", (long long)se[i].seq);
        verify__match_row(a, what, ref, "step.status", centre_object_step_event(&se[i]));
    }
    rows[0] = nce;
    rows[1] = nst;
    rows[2] = nse;
    tr_corridor_events_free(ce, nce);
    tr_steps_free(st, nst);
    tr_step_events_free(se, nse);
    bool more = true;
    int64_t after = 0;
    while (more) {
        tr_message *m = NULL;
        size_t n = 0;
        e = (tr_err){0};
        if (store_message_list(a->s, NULL, after, 1000, &m, &n, &more, &e)) {
            FAIL(a, "message: %s", e.msg);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            centre_ref_message(m[i].id, ref);
            snprintf(what, sizeof what, "message %lld", (long long)m[i].id);
            verify__match_row(a, what, ref, "message.create", centre_object_message(&m[i]));
            if (m[i].forwarded_at)
                verify__match_row(a, what, ref, "message.forward", centre_object_message_forward(&m[i]));
            after = m[i].id;
            tr_message_clear(&m[i]);
        }
        rows[3] += n;
        free(m);
    }
    const char *tables[4] = {"corridor_event", "step", "step_event", "message"};
    for (int t = 0; t < 4; t++) {
        char sql[80];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[t]);
        int64_t all = verify__raw_int(a, sql);
        if (all >= 0 && (uint64_t)all != rows[t])
            FAIL(a, "%s: %lld rows, %llu readable", tables[t], (long long)all, ULL(rows[t]));
    }
    return TR_OK;
}

/* ---- mine action (issue 6): each row rebuilt and matched with its log entry ---- */

typedef struct mine_pass {
    db_audit *a;
    uint64_t rows[5]; /* hazards, status changes, tasks, progress, accidents */
} mine_pass;

static int check_hazard(tr_hazard *h, const store_hazard_state *now, void *ctx) {
    (void)now;
    mine_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_mine("hazard", h->id, ref);
    snprintf(what, sizeof what, "hazard %lld", (long long)h->id);
    verify__match_row(p->a, what, ref, "hazard.create", centre_object_hazard(h));
    p->rows[0]++;
    return TR_OK;
}

static int check_hazard_status(const store_hazard_status *x, void *ctx) {
    mine_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_mine("hazard-status", x->seq, ref);
    snprintf(what, sizeof what, "hazard_status %lld", (long long)x->seq);
    verify__match_row(p->a, what, ref, "hazard.status", centre_object_hazard_status(x));
    p->rows[1]++;
    return TR_OK;
}

static int check_task(tr_task *t, void *ctx) {
    mine_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_mine("task", t->id, ref);
    snprintf(what, sizeof what, "mine_task %lld", (long long)t->id);
    verify__match_row(p->a, what, ref, "task.create", centre_object_task(t));
    if (t->close_date) {
        verify__match_row(p->a, what, ref, "task.close",
                          centre_object_task_close(t->id, t->close_date, t->close_outcome, t->closed_by));
    } else {
        for (size_t k = verify__find_ref(p->a, ref); k < p->a->nlog && strcmp(p->a->log[k].ref, ref) == 0;
             k++)
            if (strcmp(p->a->log[k].type, "task.close") == 0)
                FAIL(p->a, "%s: log_entry %llu records its closing but the row is not closed", what,
                     ULL(p->a->log[k].index));
    }
    p->rows[2]++;
    return TR_OK;
}

static int check_progress(tr_progress *x, void *ctx) {
    mine_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_mine("progress", x->id, ref);
    snprintf(what, sizeof what, "mine_progress %lld", (long long)x->id);
    verify__match_row(p->a, what, ref, "progress.create", centre_object_progress(x));
    p->rows[3]++;
    return TR_OK;
}

static int check_accident(tr_accident *x, void *ctx) {
    mine_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_mine("accident", x->id, ref);
    snprintf(what, sizeof what, "mine_accident %lld", (long long)x->id);
    verify__match_row(p->a, what, ref, "accident.create", centre_object_accident(x));
    p->rows[4]++;
    return TR_OK;
}

int verify__audit_mine_action(db_audit *a) {
    static const char *const tables[] = {"hazard", "hazard_status", "mine_task", "mine_progress",
                                         "mine_accident"};
    mine_pass p = {a, {0}};
    tr_err e[5] = {{0}};
    store_hazard_each(a->s, NULL, check_hazard, &p, &e[0]);
    store_hazard_status_each(a->s, check_hazard_status, &p, &e[1]);
    store_task_each(a->s, 0, 0, check_task, &p, &e[2]);
    store_progress_each(a->s, 0, check_progress, &p, &e[3]);
    store_accident_each(a->s, 0, check_accident, &p, &e[4]);
    for (int t = 0; t < 5; t++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", tables[t]);
        int64_t all = verify__raw_int(a, sql);
        if (e[t].code)
            FAIL(a, "%s: %s; the rows after it were not checked", tables[t], e[t].msg);
        else if (all >= 0 && (uint64_t)all != p.rows[t])
            FAIL(a, "%s: %lld rows, %llu readable", tables[t], (long long)all, ULL(p.rows[t]));
    }
    fprintf(
        a->r->out,
        "mine action: %llu hazards, %llu status changes, %llu tasks, %llu progress reports, %llu accidents "
        "checked against the log\n",
        ULL(p.rows[0]), ULL(p.rows[1]), ULL(p.rows[2]), ULL(p.rows[3]), ULL(p.rows[4]));
    return TR_OK;
}

/* The incident change feed (issue 18): derived from the incidents the logged reports form,
 * and reconciled with them at every feed, so a row can only repeat or announce a change;
 * its shape is checked: every id and retired_to a report's id, a 16-byte digest, seq >= 1. */
void verify__audit_feed(db_audit *a) {
    static const char *const checks[][2] = {
        {"SELECT count(*) FROM incident_feed WHERE id NOT IN (SELECT id FROM report)",
         "ids that are no report's"},
        {"SELECT count(*) FROM incident_feed WHERE retired_to IS NOT NULL AND retired_to NOT IN (SELECT id "
         "FROM report)",
         "retirements to no report"},
        {"SELECT count(*) FROM incident_feed WHERE length(digest) <> 16 OR seq < 1",
         "malformed digests or seq"},
    };
    for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
        int64_t bad = verify__raw_int(a, checks[i][0]);
        if (bad) FAIL(a, "incident_feed: %lld rows with %s", (long long)bad, checks[i][1]);
    }
    fprintf(a->r->out, "incident_feed: %lld rows, the latest change %lld (derived from the incidents)\n",
            (long long)verify__raw_int(a, "SELECT count(*) FROM incident_feed"),
            (long long)verify__raw_int(a, "SELECT coalesce(max(seq), 0) FROM incident_feed"));
}
