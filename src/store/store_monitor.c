/* store_monitor.c — violation reports in SQLite (issue 3, migration 0005). */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

void store_report_clear(store_report *r) {
    free(r->reporting_party);
    free(r->external_id);
    free(r->body);
    free(r->cls);
    free(r->region);
    free(r->controller);
    free(r->reason);
    memset(r, 0, sizeof *r);
}

#define REPORT_COLS                                                                                          \
    "id, reporting_party, received_at, occurred_at, external_id, body, class, agreement_id, region, "        \
    "controller, "                                                                                           \
    "reason"

static int read_report(sqlite3_stmt *st, store_report *r) {
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->reporting_party = store__col_dup(st, 1);
    r->received_at = sqlite3_column_int64(st, 2);
    r->occurred_at = sqlite3_column_int64(st, 3);
    r->external_id = store__col_dup(st, 4);
    r->body = store__col_dup(st, 5);
    r->cls = store__col_dup(st, 6);
    r->agreement_id = sqlite3_column_int64(st, 7);
    r->region = store__col_dup(st, 8);
    r->controller = store__col_dup(st, 9);
    r->reason = store__col_dup(st, 10);
    return r->reporting_party && r->body && r->cls && r->region && r->controller && r->reason ? TR_OK
                                                                                              : TR_EIO;
}

static const char SQL_REPORT_INSERT[] = "INSERT INTO report(reporting_party, received_at, occurred_at, "
                                        "external_id, body, class, agreement_id, region,"
                                        " controller, reason) VALUES (?,?,?,?,?,?,?,?,?,?)";

int store_report_insert(store *s, store_report *r, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_REPORT_INSERT, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, r->reporting_party);
    sqlite3_bind_int64(st, 2, r->received_at);
    sqlite3_bind_int64(st, 3, r->occurred_at);
    store__bind_text(st, 4, r->external_id);
    store__bind_text(st, 5, r->body ? r->body : "{}");
    store__bind_text(st, 6, r->cls);
    sqlite3_bind_int64(st, 7, r->agreement_id);
    store__bind_text(st, 8, r->region ? r->region : "");
    store__bind_text(st, 9, r->controller ? r->controller : "");
    store__bind_text(st, 10, r->reason ? r->reason : "");
    int rc = store__step_done(s, st, "storing the report", err);
    if (rc == TR_OK) r->id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
    return rc;
}

static const char SQL_REPORT_GET[] = "SELECT " REPORT_COLS " FROM report WHERE id = ?";

int store_report_get(store *s, int64_t id, store_report *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store__prep(s, SQL_REPORT_GET, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table report", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) rc = read_report(st, out);
    sqlite3_reset(st);
    if (rc == TR_ENOTFOUND) return tr_fail(err, rc, "id", "there is no report %lld", (long long)id);
    if (rc) {
        store_report_clear(out);
        return tr_fail(err, rc, "", "report %lld is unreadable", (long long)id);
    }
    return TR_OK;
}

static const char SQL_REPORT_ALL[] = "SELECT " REPORT_COLS " FROM report ORDER BY id";

int store_report_each(store *s, int (*fn)(store_report *r, void *ctx), void *ctx, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_REPORT_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = SQLITE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == SQLITE_ROW) {
        store_report r;
        rc = read_report(st, &r);
        if (rc)
            tr_fail(err, rc, "", "stored report %lld is unreadable", (long long)r.id);
        else
            rc = fn(&r, ctx);
        store_report_clear(&r);
    }
    return store__scan_end(st, step, rc, "reading table report", err);
}

/* ---- responses and verdicts ---- */

void store_incident_act_clear(store_incident_act *a) {
    free(a->who);
    free(a->kind);
    free(a->text);
    memset(a, 0, sizeof *a);
}

static const char SQL_RESPONSE_INSERT[] =
    "INSERT INTO incident_response(anchor, party, response, text, at) VALUES (?,?,?,?,?)";
static const char SQL_VERDICT_INSERT[] =
    "INSERT INTO incident_verdict(anchor, monitor, verdict, reason, at) VALUES (?,?,?,?,?)";

int store_incident_act_insert(store *s, bool verdict, store_incident_act *a, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, verdict ? SQL_VERDICT_INSERT : SQL_RESPONSE_INSERT, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, a->anchor);
    store__bind_text(st, 2, a->who);
    store__bind_text(st, 3, a->kind);
    store__bind_text(st, 4, a->text);
    sqlite3_bind_int64(st, 5, a->at);
    int rc = store__step_done(s, st, verdict ? "storing the verdict" : "storing the response", err);
    if (rc == TR_OK) a->seq = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
    return rc;
}

static const char SQL_RESPONSE_ALL[] =
    "SELECT seq, anchor, party, response, text, at FROM incident_response ORDER BY seq";
static const char SQL_VERDICT_ALL[] =
    "SELECT seq, anchor, monitor, verdict, reason, at FROM incident_verdict ORDER BY seq";

int store_incident_act_each(store *s, bool verdict, int (*fn)(store_incident_act *a, void *ctx), void *ctx,
                            tr_err *err) {
    sqlite3_stmt *st = store__prep(s, verdict ? SQL_VERDICT_ALL : SQL_RESPONSE_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = SQLITE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == SQLITE_ROW) {
        store_incident_act a = {0};
        a.seq = sqlite3_column_int64(st, 0);
        a.anchor = sqlite3_column_int64(st, 1);
        a.who = store__col_dup(st, 2);
        a.kind = store__col_dup(st, 3);
        a.text = store__col_dup(st, 4);
        a.at = sqlite3_column_int64(st, 5);
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

static const char SQL_REGROUP_INSERT[] =
    "INSERT INTO incident_regroup(kind, at, monitor, reason, reports, others) VALUES (?,?,?,?,?,?)";

int store_regroup_insert(store *s, store_regroup *g, tr_err *err) {
    char *one = ids_text(g->ids, 0, g->nfirst), *two = ids_text(g->ids, g->nfirst, g->nids);
    sqlite3_stmt *st = one && two ? store__prep(s, SQL_REGROUP_INSERT, err) : NULL;
    int rc = st ? TR_OK : one && two ? TR_EIO : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        store__bind_text(st, 1, g->split ? "split" : "merge");
        sqlite3_bind_int64(st, 2, g->at);
        store__bind_text(st, 3, g->monitor);
        store__bind_text(st, 4, g->reason);
        store__bind_text(st, 5, one);
        store__bind_text(st, 6, two);
        rc = store__step_done(s, st, "storing the regroup", err);
        if (rc == TR_OK) g->seq = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
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
    sqlite3_stmt *st = store__prep(s, SQL_REGROUP_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = SQLITE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == SQLITE_ROW) {
        store_regroup g = {0};
        g.seq = sqlite3_column_int64(st, 0);
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        g.split = kind && strcmp(kind, "split") == 0;
        g.at = sqlite3_column_int64(st, 2);
        g.monitor = store__col_dup(st, 3);
        g.reason = store__col_dup(st, 4);
        bool ok = g.monitor && g.reason && ids_parse((const char *)sqlite3_column_text(st, 5), &g) == 0;
        g.nfirst = g.nids;
        ok = ok && ids_parse((const char *)sqlite3_column_text(st, 6), &g) == 0;
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
    sqlite3_stmt *st = store__prep(s, SQL_LOG_BY_REF, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, ref);
    store__bind_text(st, 2, type);
    int step = store__step(st), rc = TR_OK;
    if (step == SQLITE_ROW)
        *index = (uint64_t)sqlite3_column_int64(st, 0);
    else if (step == SQLITE_DONE)
        rc = tr_fail(err, TR_ENOTFOUND, "ref", "no %s entry for %s", type, ref);
    else
        rc = store__db_fail(err, sqlite3_db_handle(st), "reading table log_entry");
    sqlite3_reset(st);
    return rc;
}

/* ---- CAP alerts (migration 0006) ---- */

static const char SQL_ALERT_INSERT[] = "INSERT OR IGNORE INTO incident_alert(identifier, incident_id, grade, "
                                       "sent, created_at) VALUES (?,?,?,?,?)";

int store_alert_insert(store *s, const char *identifier, int64_t incident_id, const char *grade, int64_t sent,
                       int64_t created_at, bool *inserted, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_ALERT_INSERT, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, identifier);
    sqlite3_bind_int64(st, 2, incident_id);
    store__bind_text(st, 3, grade);
    sqlite3_bind_int64(st, 4, sent);
    sqlite3_bind_int64(st, 5, created_at);
    int rc = store__step_done(s, st, "storing the alert", err);
    *inserted = rc == TR_OK && sqlite3_changes(sqlite3_db_handle(st)) > 0;
    return rc;
}
