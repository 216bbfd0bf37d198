/*
 * store_record.c — reading back, in full, the rows the centre records on its own rather
 * than at a party's request: notices, the clearances that hang on them, CAP alerts and
 * settings (store.h, "the rows the centre records on its own"). The centre logs them
 * (service/centre_record.c) and `truce verify` checks them against the log, both from
 * these readers, so both see the same values.
 */
#include <string.h>

#include "store/store_int.h"

static const char *text(sqlite3_stmt *st, int i) {
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? v : "";
}

/* Steps st, calling row(st, cb) for each row until one returns non-zero (that code is
 * returned: the caller's fn set err); resets st. */
static int each_row(sqlite3_stmt *st, int (*row)(sqlite3_stmt *st, void *cb), void *cb, const char *what,
                    tr_err *err) {
    int step = SQLITE_DONE, rc = TR_OK;
    while (rc == TR_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = row(st, cb);
    if (rc == TR_OK && step != SQLITE_DONE) rc = store__db_fail(err, sqlite3_db_handle(st), what);
    sqlite3_reset(st);
    return rc;
}

/* ---- notices ---- */

static const char SQL_NOTICE_ROWS[] = "SELECT id, party, kind, about_type, about_id, payload, created_at, "
                                      "deadline, acked_at, ack_index FROM notice"
                                      " WHERE id >= ?1 AND id <= ?2 ORDER BY id";

typedef struct notice_cb {
    int (*fn)(const store_notice_row *x, void *ctx);
    void *ctx;
} notice_cb;

static int notice_row(sqlite3_stmt *st, void *p) {
    notice_cb *cb = p;
    store_notice_row n = {.id = sqlite3_column_int64(st, 0),
                          .party = text(st, 1),
                          .kind = text(st, 2),
                          .about_type = text(st, 3),
                          .about_id = sqlite3_column_int64(st, 4),
                          .payload = text(st, 5),
                          .created_at = sqlite3_column_int64(st, 6),
                          .deadline = sqlite3_column_int64(st, 7),
                          .acked = sqlite3_column_type(st, 8) != SQLITE_NULL,
                          .acked_at = sqlite3_column_int64(st, 8),
                          .ack_index = sqlite3_column_int64(st, 9)};
    if (sqlite3_column_type(st, 9) == SQLITE_NULL) n.ack_index = -1;
    return cb->fn(&n, cb->ctx);
}

int store_notice_each(store *s, int64_t first, int64_t last, int (*fn)(const store_notice_row *n, void *ctx),
                      void *ctx, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_NOTICE_ROWS, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    notice_cb cb = {fn, ctx};
    return each_row(st, notice_row, &cb, "reading notices", err);
}

/* ---- clearances ---- */

static const char SQL_CLEARANCE_ROWS[] =
    "SELECT movement_id, party, notice_id FROM movement_clearance"
    " WHERE notice_id >= ?1 AND notice_id <= ?2 ORDER BY notice_id, movement_id";

typedef struct clearance_cb {
    int (*fn)(const store_clearance_row *x, void *ctx);
    void *ctx;
} clearance_cb;

static int clearance_row(sqlite3_stmt *st, void *p) {
    clearance_cb *cb = p;
    store_clearance_row c = {.movement_id = sqlite3_column_int64(st, 0),
                             .party = text(st, 1),
                             .notice_id = sqlite3_column_int64(st, 2)};
    return cb->fn(&c, cb->ctx);
}

int store_clearance_each(store *s, int64_t first, int64_t last,
                         int (*fn)(const store_clearance_row *c, void *ctx), void *ctx, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_CLEARANCE_ROWS, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, first);
    sqlite3_bind_int64(st, 2, last);
    clearance_cb cb = {fn, ctx};
    return each_row(st, clearance_row, &cb, "reading clearances", err);
}

/* ---- CAP alerts ---- */

static const char SQL_ALERT_ROWS[] =
    "SELECT identifier, incident_id, grade, sent, created_at FROM incident_alert ORDER BY identifier";

typedef struct alert_cb {
    int (*fn)(const store_alert_row *x, void *ctx);
    void *ctx;
} alert_cb;

static int alert_row(sqlite3_stmt *st, void *p) {
    alert_cb *cb = p;
    store_alert_row a = {.identifier = text(st, 0),
                         .incident_id = sqlite3_column_int64(st, 1),
                         .grade = text(st, 2),
                         .sent = sqlite3_column_int64(st, 3),
                         .created_at = sqlite3_column_int64(st, 4)};
    return cb->fn(&a, cb->ctx);
}

int store_alert_each(store *s, int (*fn)(const store_alert_row *a, void *ctx), void *ctx, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_ALERT_ROWS, err);
    alert_cb cb = {fn, ctx};
    return st ? each_row(st, alert_row, &cb, "reading alerts", err) : TR_EIO;
}

/* ---- settings ---- */

static const char SQL_SETTING_ROWS[] = "SELECT name, value, set_at FROM setting ORDER BY name";

typedef struct setting_cb {
    int (*fn)(const store_setting_row *x, void *ctx);
    void *ctx;
} setting_cb;

static int setting_row(sqlite3_stmt *st, void *p) {
    setting_cb *cb = p;
    store_setting_row x = {.name = text(st, 0), .value = text(st, 1), .set_at = sqlite3_column_int64(st, 2)};
    return cb->fn(&x, cb->ctx);
}

int store_setting_each(store *s, int (*fn)(const store_setting_row *x, void *ctx), void *ctx, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_SETTING_ROWS, err);
    setting_cb cb = {fn, ctx};
    return st ? each_row(st, setting_row, &cb, "reading settings", err) : TR_EIO;
}
