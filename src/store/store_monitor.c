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

#define REPORT_COLS                                                                                             \
    "id, reporting_party, received_at, occurred_at, external_id, body, class, agreement_id, region, controller, " \
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
    return r->reporting_party && r->body && r->cls && r->region && r->controller && r->reason ? TR_OK : TR_EIO;
}

static const char SQL_REPORT_INSERT[] =
    "INSERT INTO report(reporting_party, received_at, occurred_at, external_id, body, class, agreement_id, region,"
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
    int rc = sqlite3_step(st) == SQLITE_ROW ? read_report(st, out) : TR_ENOTFOUND;
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
    int rc = TR_OK;
    while (rc == TR_OK && sqlite3_step(st) == SQLITE_ROW) {
        store_report r;
        rc = read_report(st, &r);
        if (rc) tr_fail(err, rc, "", "stored report %lld is unreadable", (long long)r.id);
        else rc = fn(&r, ctx);
        store_report_clear(&r);
    }
    sqlite3_reset(st);
    return rc;
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
    int rc = TR_OK;
    while (rc == TR_OK && sqlite3_step(st) == SQLITE_ROW) {
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
    sqlite3_reset(st);
    return rc;
}
