/*
 * store_record.c — the rows the centre records on its own rather than at a party's
 * request, read back in full (store.h, "the rows the centre records on its own"):
 * notices with their log entries (notice.log_index, migration 0015) and acknowledgements,
 * for a party's record (GET /v1/parties/{name}/record) and for `truce verify`; the
 * clearances that hang on notices; CAP alerts; settings; and the log lookups a record
 * needs. The centre logs them (service/centre_record.c, centre_alerts.c,
 * centre_settings.c) and `truce verify` checks them against the log from these readers,
 * so both see the same values.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char *text(db_stmt *st, int i) {
    const char *v = db_col_text(st, i);
    return v ? v : "";
}

/* Steps st, calling row(st, cb) for each row until one returns non-zero (that code is
 * returned: the caller's fn set err); resets st. */
static int each_row(db_stmt *st, int (*row)(db_stmt *st, void *cb), void *cb, const char *what, tr_err *err) {
    int step = STORE_DONE, rc = TR_OK;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW)
        rc = row(st, cb);
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, what);
    db_reset(st);
    return rc;
}

/* ---- notices ---- */

static const char SQL_NOTICE_LOGGED[] = "UPDATE notice SET log_index = ?2 WHERE id = ?1";

int store_notice_set_log_index(store *s, int64_t id, uint64_t index, tr_err *err) {
    bool stored = id != 0 && id == s->notice_id && index == s->notice_index; /* by store_notice_insert */
    s->notice_id = 0;
    if (stored) return TR_OK;
    db_stmt *st = store__prep(s, SQL_NOTICE_LOGGED, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, (int64_t)index);
    return store__step_done(s, st, "recording the notice's log entry", err);
}

#define NOTICE_COLUMNS                                                                                       \
    "SELECT id, party, kind, about_type, about_id, payload, created_at, deadline, acked_at, ack_index, "     \
    "log_index FROM notice"

static const char SQL_RECORD[] =
    NOTICE_COLUMNS " WHERE party = ?1 AND created_at >= ?2 AND created_at < ?3 ORDER BY id LIMIT ?4";
static const char SQL_NOTICE_ROWS[] = NOTICE_COLUMNS " ORDER BY id";

typedef struct notice_cb {
    int (*fn)(const store_notice_row *x, void *ctx);
    void *ctx;
    size_t limit, *count; /* store_notice_record: stop after limit rows, counting up to limit + 1 */
} notice_cb;

static int notice_row(db_stmt *st, void *p) {
    notice_cb *cb = p;
    if (cb->count && ++*cb->count > cb->limit) return TR_OK;
    store_notice_row n = {
        .id = db_col_int(st, 0),
        .party = text(st, 1),
        .kind = text(st, 2),
        .about_type = text(st, 3),
        .about_id = db_col_int(st, 4),
        .payload = text(st, 5),
        .created_at = db_col_int(st, 6),
        .deadline = db_col_int(st, 7),
        .acked = db_col_type(st, 8) != DB_NULL,
        .acked_at = db_col_int(st, 8),
        .has_ack_index = db_col_type(st, 9) != DB_NULL,
        .ack_index = (uint64_t)db_col_int(st, 9),
        .logged = db_col_type(st, 10) != DB_NULL,
        .log_index = (uint64_t)db_col_int(st, 10),
    };
    return cb->fn(&n, cb->ctx);
}

int store_notice_record(store *s, const char *party, int64_t from, int64_t to, int limit,
                        int (*fn)(const store_notice_row *n, void *ctx), void *ctx, size_t *count,
                        tr_err *err) {
    db_stmt *st = store__prep(s, SQL_RECORD, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, party);
    db_bind_int(st, 2, from);
    db_bind_int(st, 3, to);
    db_bind_int(st, 4, limit + 1);
    *count = 0;
    notice_cb cb = {fn, ctx, (size_t)limit, count};
    return each_row(st, notice_row, &cb, "reading table notice", err);
}

int store_notice_each(store *s, int (*fn)(const store_notice_row *n, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_NOTICE_ROWS, err);
    notice_cb cb = {fn, ctx, 0, NULL};
    return st ? each_row(st, notice_row, &cb, "reading table notice", err) : TR_EIO;
}

/* ---- clearances ---- */

static const char SQL_CLEARANCE_ROWS[] =
    "SELECT movement_id, party, notice_id FROM movement_clearance ORDER BY notice_id, movement_id, party";

typedef struct clearance_cb {
    int (*fn)(const store_clearance_row *x, void *ctx);
    void *ctx;
} clearance_cb;

static int clearance_row(db_stmt *st, void *p) {
    clearance_cb *cb = p;
    store_clearance_row c = {
        .movement_id = db_col_int(st, 0), .party = text(st, 1), .notice_id = db_col_int(st, 2)};
    return cb->fn(&c, cb->ctx);
}

int store_clearance_each(store *s, int (*fn)(const store_clearance_row *c, void *ctx), void *ctx,
                         tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CLEARANCE_ROWS, err);
    clearance_cb cb = {fn, ctx};
    return st ? each_row(st, clearance_row, &cb, "reading table movement_clearance", err) : TR_EIO;
}

/* ---- CAP alerts ---- */

static const char SQL_ALERT_ROWS[] =
    "SELECT identifier, incident_id, grade, sent, created_at FROM incident_alert ORDER BY identifier";

typedef struct alert_cb {
    int (*fn)(const store_alert_row *x, void *ctx);
    void *ctx;
} alert_cb;

static int alert_row(db_stmt *st, void *p) {
    alert_cb *cb = p;
    store_alert_row a = {.identifier = text(st, 0),
                         .incident_id = db_col_int(st, 1),
                         .grade = text(st, 2),
                         .sent = db_col_int(st, 3),
                         .created_at = db_col_int(st, 4)};
    return cb->fn(&a, cb->ctx);
}

int store_alert_each(store *s, int (*fn)(const store_alert_row *a, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ALERT_ROWS, err);
    alert_cb cb = {fn, ctx};
    return st ? each_row(st, alert_row, &cb, "reading table traffic_alert", err) : TR_EIO;
}

/* ---- settings ---- */

static const char SQL_SETTING_ROWS[] = "SELECT name, value, set_at FROM setting ORDER BY name";

typedef struct setting_cb {
    int (*fn)(const store_setting_row *x, void *ctx);
    void *ctx;
} setting_cb;

static int setting_row(db_stmt *st, void *p) {
    setting_cb *cb = p;
    store_setting_row x = {.name = text(st, 0), .value = text(st, 1), .set_at = db_col_int(st, 2)};
    return cb->fn(&x, cb->ctx);
}

int store_setting_each(store *s, int (*fn)(const store_setting_row *x, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_SETTING_ROWS, err);
    setting_cb cb = {fn, ctx};
    return st ? each_row(st, setting_row, &cb, "reading table setting", err) : TR_EIO;
}

/* ---- the log lookups of a record ---- */

static const char SQL_LAST_BEFORE[] =
    "SELECT idx FROM log_entry WHERE ref = ?1 AND type = ?2 AND idx < ?3 ORDER BY idx DESC LIMIT 1";

int store_log_last_before(store *s, const char *type, const char *ref, uint64_t before, uint64_t *index,
                          bool *found, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_LAST_BEFORE, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, ref);
    db_bind_text(st, 2, type);
    db_bind_int(st, 3, (int64_t)before);
    int step = store__step(st), rc = TR_OK;
    *found = step == STORE_ROW;
    if (*found)
        *index = (uint64_t)db_col_int(st, 0);
    else if (step != STORE_DONE)
        rc = store__fail(err, -1, "reading table log_entry");
    db_reset(st);
    return rc;
}

static const char SQL_PARTY_KNOWN[] = "SELECT 1 FROM party WHERE name = ?";

int store_party_known(store *s, const char *name, bool *known, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PARTY_KNOWN, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    int step = store__step(st);
    *known = step == STORE_ROW;
    db_reset(st);
    return step == STORE_ROW || step == STORE_DONE ? TR_OK : store__fail(err, -1, "reading table party");
}
