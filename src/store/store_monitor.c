/* store_monitor.c — violation reports in SQLite (issue 3, migration 0005). */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "store/store_int.h"

void store_report_clear(store_report *r) {
    TR_FREE(r->reporting_party, r->external_id, r->body, r->cls, r->region, r->controller, r->reason);
    memset(r, 0, sizeof *r);
}

#define REPORT_COLS                                                                                          \
    "id, reporting_party, received_at, occurred_at, external_id, body, class, agreement_id, region, "        \
    "controller, "                                                                                           \
    "reason"

static int read_report(db_stmt *st, store_report *r) {
    memset(r, 0, sizeof *r);
    r->id = db_col_int(st, 0);
    r->reporting_party = db_col_dup(st, 1);
    r->received_at = db_col_int(st, 2);
    r->occurred_at = db_col_int(st, 3);
    r->external_id = db_col_dup(st, 4);
    r->body = db_col_dup(st, 5);
    r->cls = db_col_dup(st, 6);
    r->agreement_id = db_col_int(st, 7);
    r->region = db_col_dup(st, 8);
    r->controller = db_col_dup(st, 9);
    r->reason = db_col_dup(st, 10);
    return r->reporting_party && r->body && r->cls && r->region && r->controller && r->reason ? TR_OK
                                                                                              : TR_EIO;
}

STORE_ROWS(REPORT_ROWS, TR_KIND_REPORT, store_report, read_report, store_report_clear);

static const char SQL_REPORT_INSERT[] = "INSERT INTO report(reporting_party, received_at, occurred_at, "
                                        "external_id, body, class, agreement_id, region,"
                                        " controller, reason) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id";

int store_report_insert(store *s, store_report *r, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_REPORT_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, r->reporting_party);
    db_bind_int(st, 2, r->received_at);
    db_bind_int(st, 3, r->occurred_at);
    db_bind_text(st, 4, r->external_id);
    db_bind_text(st, 5, r->body ? r->body : "{}");
    db_bind_text(st, 6, r->cls);
    db_bind_int(st, 7, r->agreement_id);
    db_bind_text(st, 8, r->region ? r->region : "");
    db_bind_text(st, 9, r->controller ? r->controller : "");
    db_bind_text(st, 10, r->reason ? r->reason : "");
    int rc = store__step_done(s, st, "storing the report", err);
    if (rc == TR_OK) r->id = store__last_id();
    return rc;
}

static const char SQL_REPORT_GET[] = "SELECT " REPORT_COLS " FROM report WHERE id = ?";

int store_report_get(store *s, int64_t id, store_report *out, tr_err *err) {
    return store__get(s, SQL_REPORT_GET, id, &REPORT_ROWS, out, err);
}

static const char SQL_REPORT_ALL[] = "SELECT " REPORT_COLS " FROM report ORDER BY id";

int store_report_each(store *s, int (*fn)(store_report *r, void *ctx), void *ctx, tr_err *err) {
    store_scan sc = store__scan(s, SQL_REPORT_ALL, &REPORT_ROWS, err);
    for (store_report r; store__scan_next(&sc, &r);)
        sc.rc = fn(&r, ctx);
    return store__scan_close(&sc);
}

/* ---- responses and verdicts ---- */

void store_incident_act_clear(store_incident_act *a) {
    free(a->who);
    free(a->kind);
    free(a->text);
    memset(a, 0, sizeof *a);
}

static const char SQL_RESPONSE_INSERT[] =
    "INSERT INTO incident_response(anchor, party, response, text, at) VALUES (?,?,?,?,?) RETURNING seq";
static const char SQL_VERDICT_INSERT[] =
    "INSERT INTO incident_verdict(anchor, monitor, verdict, reason, at) VALUES (?,?,?,?,?) RETURNING seq";

int store_incident_act_insert(store *s, bool verdict, store_incident_act *a, tr_err *err) {
    db_stmt *st = store__prep(s, verdict ? SQL_VERDICT_INSERT : SQL_RESPONSE_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, a->anchor);
    db_bind_text(st, 2, a->who);
    db_bind_text(st, 3, a->kind);
    db_bind_text(st, 4, a->text);
    db_bind_int(st, 5, a->at);
    int rc = store__step_done(s, st, verdict ? "storing the verdict" : "storing the response", err);
    if (rc == TR_OK) a->seq = store__last_id();
    return rc;
}

static const char SQL_RESPONSE_ALL[] =
    "SELECT seq, anchor, party, response, text, at FROM incident_response ORDER BY seq";
static const char SQL_VERDICT_ALL[] =
    "SELECT seq, anchor, monitor, verdict, reason, at FROM incident_verdict ORDER BY seq";

int store_incident_act_each(store *s, bool verdict, int (*fn)(store_incident_act *a, void *ctx), void *ctx,
                            tr_err *err) {
    db_stmt *st = store__prep(s, verdict ? SQL_VERDICT_ALL : SQL_RESPONSE_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_incident_act a = {0};
        a.seq = db_col_int(st, 0);
        a.anchor = db_col_int(st, 1);
        a.who = db_col_dup(st, 2);
        a.kind = db_col_dup(st, 3);
        a.text = db_col_dup(st, 4);
        a.at = db_col_int(st, 5);
        if (!a.who || !a.kind)
            rc = tr_fail(err, TR_EIO, "", "stored %s %lld is unreadable", verdict ? "verdict" : "response",
                         (long long)a.seq);
        else
            rc = fn(&a, ctx);
        store_incident_act_clear(&a);
    }
    return store__scan_end(
        st, step, rc, verdict ? "reading table incident_verdict" : "reading table incident_response", err);
}

/* ---- regroups (migration 0006) ---- */

void store_regroup_clear(store_regroup *g) {
    free(g->monitor);
    free(g->reason);
    free(g->ids);
    memset(g, 0, sizeof *g);
}

/* ids[from, to) as a JSON array text (malloc'd), or NULL. */
static char *ids_text(const int64_t *ids, size_t from, size_t to) {
    json_t *a = json_array();
    for (size_t i = from; a && i < to; i++)
        json_array_append_new(a, json_integer(ids[i]));
    char *s = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

static const char SQL_REGROUP_INSERT[] = "INSERT INTO incident_regroup(kind, at, monitor, reason, reports, "
                                         "others) VALUES (?,?,?,?,?,?) RETURNING seq";

int store_regroup_insert(store *s, store_regroup *g, tr_err *err) {
    char *one = ids_text(g->ids, 0, g->nfirst), *two = ids_text(g->ids, g->nfirst, g->nids);
    db_stmt *st = one && two ? store__prep(s, SQL_REGROUP_INSERT, err) : NULL;
    int rc = st ? TR_OK : one && two ? TR_EIO : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        db_bind_text(st, 1, g->split ? "split" : "merge");
        db_bind_int(st, 2, g->at);
        db_bind_text(st, 3, g->monitor);
        db_bind_text(st, 4, g->reason);
        db_bind_text(st, 5, one);
        db_bind_text(st, 6, two);
        rc = store__step_done(s, st, "storing the regroup", err);
        if (rc == TR_OK) g->seq = store__last_id();
    }
    free(one);
    free(two);
    return rc;
}

/* Appends the ids of a JSON array text to g->ids; -1 if it is not an array of ids. */
static int ids_parse(const char *text, store_regroup *g) {
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    size_t n = json_array_size(a);
    int64_t *v = json_is_array(a) ? realloc(g->ids, (g->nids + n + 1) * sizeof *v) : NULL;
    if (!v) {
        json_decref(a);
        return -1;
    }
    g->ids = v;
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(a, i);
        if (!json_is_integer(x)) {
            json_decref(a);
            return -1;
        }
        g->ids[g->nids++] = json_integer_value(x);
    }
    json_decref(a);
    return 0;
}

static const char SQL_REGROUP_ALL[] =
    "SELECT seq, kind, at, monitor, reason, reports, others FROM incident_regroup ORDER BY seq";

int store_regroup_each(store *s, int (*fn)(store_regroup *g, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_REGROUP_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_regroup g = {0};
        g.seq = db_col_int(st, 0);
        const char *kind = db_col_text(st, 1);
        g.split = kind && strcmp(kind, "split") == 0;
        g.at = db_col_int(st, 2);
        g.monitor = db_col_dup(st, 3);
        g.reason = db_col_dup(st, 4);
        bool ok = g.monitor && g.reason && ids_parse(db_col_text(st, 5), &g) == 0;
        g.nfirst = g.nids;
        ok = ok && ids_parse(db_col_text(st, 6), &g) == 0;
        rc = ok ? fn(&g, ctx)
                : tr_fail(err, TR_EIO, "", "stored regroup %lld is unreadable", (long long)g.seq);
        store_regroup_clear(&g);
    }
    return store__scan_end(st, step, rc, "reading table incident_regroup", err);
}

/* ---- the log entry of an object (reports about objects) ---- */

static const char SQL_LOG_BY_REF[] =
    "SELECT idx FROM log_entry WHERE ref = ? AND type = ? ORDER BY idx LIMIT 1";

int store_log_index_of(store *s, const char *type, const char *ref, uint64_t *index, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_LOG_BY_REF, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, ref);
    db_bind_text(st, 2, type);
    int step = store__step(st), rc = TR_OK;
    if (step == STORE_ROW)
        *index = (uint64_t)db_col_int(st, 0);
    else if (step == STORE_DONE)
        rc = tr_fail(err, TR_ENOTFOUND, "ref", "no %s entry for %s", type, ref);
    else
        rc = store__fail(err, -1, "reading table log_entry");
    db_reset(st);
    return rc;
}

/* ---- CAP alerts (migration 0006) ---- */

static const char SQL_ALERT_INSERT[] = "INSERT INTO incident_alert(identifier, incident_id, grade, "
                                       "sent, created_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING";

int store_alert_insert(store *s, const char *identifier, int64_t incident_id, const char *grade, int64_t sent,
                       int64_t created_at, bool *inserted, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ALERT_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, identifier);
    db_bind_int(st, 2, incident_id);
    db_bind_text(st, 3, grade);
    db_bind_int(st, 4, sent);
    db_bind_int(st, 5, created_at);
    int rc = store__step_done(s, st, "storing the alert", err);
    *inserted = rc == TR_OK && store__changes(st) > 0;
    return rc;
}
