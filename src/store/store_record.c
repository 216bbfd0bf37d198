/*
 * store_record.c — what a party was told, for its record (GET /v1/parties/{name}/record):
 * the notices delivered to it in a window with their log entries (notice.log_index,
 * migration 0015) and acknowledgements, and the log lookups a bundle needs.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char SQL_NOTICE_LOGGED[] = "UPDATE notice SET log_index = ?2 WHERE id = ?1";

int store_notice_set_log_index(store *s, int64_t id, uint64_t index, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_NOTICE_LOGGED, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    return store__step_done(s, st, "recording the notice's log entry", err);
}

static const char SQL_RECORD[] =
    "SELECT id, kind, about_type, about_id, payload, created_at, deadline, acked_at, ack_index, log_index "
    "FROM notice"
    " WHERE party = ?1 AND created_at >= ?2 AND created_at < ?3 ORDER BY id LIMIT ?4";

int store_notice_record(store *s, const char *party, int64_t from, int64_t to, int limit,
                        int (*fn)(const store_notice_row *n, void *ctx), void *ctx, size_t *count,
                        tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_RECORD, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, party);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite3_bind_int(st, 4, limit + 1);
    int rc = TR_OK, step = SQLITE_DONE;
    *count = 0;
    while (rc == TR_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (++*count > (size_t)limit) break;
        store_notice_row n = {
            .id = sqlite3_column_int64(st, 0),
            .party = party,
            .kind = (const char *)sqlite3_column_text(st, 1),
            .about_type = (const char *)sqlite3_column_text(st, 2),
            .about_id = sqlite3_column_int64(st, 3),
            .payload = (const char *)sqlite3_column_text(st, 4),
            .created_at = sqlite3_column_int64(st, 5),
            .deadline = sqlite3_column_int64(st, 6),
            .acked = sqlite3_column_type(st, 7) != SQLITE_NULL,
            .acked_at = sqlite3_column_int64(st, 7),
            .ack_index = (uint64_t)sqlite3_column_int64(st, 8),
            .logged = sqlite3_column_type(st, 9) != SQLITE_NULL,
            .log_index = (uint64_t)sqlite3_column_int64(st, 9),
        };
        rc = fn(&n, ctx);
    }
    if (rc == TR_OK && step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store__db_fail(err, sqlite3_db_handle(st), "reading notices");
    sqlite3_reset(st);
    return rc;
}

static const char SQL_LAST_BEFORE[] =
    "SELECT idx FROM log_entry WHERE ref = ?1 AND type = ?2 AND idx < ?3 ORDER BY idx DESC LIMIT 1";

int store_log_last_before(store *s, const char *type, const char *ref, uint64_t before, uint64_t *index,
                          bool *found, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_LAST_BEFORE, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, ref);
    store__bind_text(st, 2, type);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)before);
    int step = sqlite3_step(st), rc = TR_OK;
    *found = step == SQLITE_ROW;
    if (*found)
        *index = (uint64_t)sqlite3_column_int64(st, 0);
    else if (step != SQLITE_DONE)
        rc = store__db_fail(err, sqlite3_db_handle(st), "reading the log");
    sqlite3_reset(st);
    return rc;
}

static const char SQL_PARTY_KNOWN[] = "SELECT 1 FROM party WHERE name = ?";

int store_party_known(store *s, const char *name, bool *known, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_PARTY_KNOWN, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, name);
    int step = sqlite3_step(st);
    *known = step == SQLITE_ROW;
    sqlite3_reset(st);
    return step == SQLITE_ROW || step == SQLITE_DONE
               ? TR_OK
               : store__db_fail(err, sqlite3_db_handle(st), "reading parties");
}
