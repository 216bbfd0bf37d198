/*
 * store_witness.c — the log's cosignatures (log_cosignature, migration 0015) and the
 * checkpoint of a given size.
 *
 * A cosignature row is written once (a witness that cosigns the same checkpoint again
 * keeps its first line). Rows are never deleted; the witness thread writes them in
 * transactions of their own, never inside a write's.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char SQL_COSIG_PUT[] =
    "INSERT INTO log_cosignature(size, witness, line, timestamp) VALUES (?,?,?,?) ON CONFLICT DO NOTHING";

int store_log_cosignature_put(store *s, uint64_t size, const char *witness, const char *line,
                              int64_t timestamp, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_COSIG_PUT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, (int64_t)size);
    db_bind_text(st, 2, witness);
    db_bind_text(st, 3, line);
    db_bind_int(st, 4, timestamp);
    return store__step_done(s, st, "storing a cosignature", err);
}

static const char SQL_COSIGS[] =
    "SELECT witness, line, timestamp FROM log_cosignature WHERE size = ? ORDER BY witness";

int store_log_cosignatures(store *s, uint64_t size,
                           int (*fn)(const char *witness, const char *line, int64_t timestamp, void *ctx),
                           void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_COSIGS, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, (int64_t)size);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW)
        rc = fn(db_col_text(st, 0), db_col_text(st, 1), db_col_int(st, 2), ctx);
    return store__scan_end(st, step, rc, "reading table log_cosignature", err);
}

static const char SQL_COSIG_DESC[] = "SELECT size, witness FROM log_cosignature ORDER BY size DESC, witness";

int store_log_cosigned_sizes(store *s, int (*fn)(uint64_t size, const char *witness, void *ctx), void *ctx,
                             tr_err *err) {
    db_stmt *st = store__prep(s, SQL_COSIG_DESC, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW)
        rc = fn((uint64_t)db_col_int(st, 0), db_col_text(st, 1), ctx);
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, "reading table log_cosignature");
    db_reset(st);
    return rc < 0 ? TR_OK : rc; /* fn stops the walk early with a negative value */
}

static const char SQL_COSIG_MAX[] =
    "SELECT coalesce(max(size), 0), count(*) FROM log_cosignature WHERE witness = ?";

int store_log_cosigned_max(store *s, const char *witness, uint64_t *size, bool *any, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_COSIG_MAX, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, witness);
    int rc = store__step(st) == STORE_ROW ? TR_OK : store__fail(err, -1, "reading table log_cosignature");
    if (rc == TR_OK) {
        *size = (uint64_t)db_col_int(st, 0);
        *any = db_col_int(st, 1) > 0;
    }
    db_reset(st);
    return rc;
}

static const char SQL_CP_AT[] = "SELECT root, note FROM log_checkpoint WHERE size = ?";

int store_log_checkpoint_at(store *s, uint64_t size, tlog_hash *root, char **note, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CP_AT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, (int64_t)size);
    *note = NULL;
    int step = store__step(st), rc = TR_OK;
    if (step == STORE_ROW && store__col_bytes(st, 0) == TLOG_HASH_SIZE) {
        memcpy(root->b, store__col_blob(st, 0), TLOG_HASH_SIZE);
        *note = db_col_dup(st, 1);
        if (!*note) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    } else if (step == STORE_ROW || step == STORE_DONE) {
        rc = tr_fail(err, TR_ENOTFOUND, "", "no checkpoint of size %llu", (unsigned long long)size);
    } else {
        rc = store__fail(err, -1, "reading table log_checkpoint");
    }
    db_reset(st);
    return rc;
}
