/*
 * db_sqlite.c — db.h on an SQLite file: WAL, synchronous=FULL, foreign keys on, a busy
 * timeout (db_set_timeout_ms), the same settings as store_sqlite.c.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_int.h"

typedef struct sq_db {
    db base;
    sqlite3 *h;
} sq_db;

typedef struct sq_stmt {
    db_stmt base;
    sqlite3_stmt *st;
    bool done;     /* the last step returned SQLITE_DONE (or failed): reset before stepping again */
    bool bind_oom; /* a bind failed: the next step fails */
} sq_stmt;

#define H(d) (((sq_db *)(d))->h)
#define S(st) (((sq_stmt *)(st))->st)

/* The tr_err code of SQLite's extended result code (db.h "Errors"). */
static tr_code sq_code(int ext) {
    switch (ext & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return TR_EDB_RETRY;
    case SQLITE_READONLY:
        return TR_EDB_READONLY;
    case SQLITE_IOERR: /* the disk failed, is full or cannot be read: may serve again */
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
        return TR_EUNAVAIL;
    case SQLITE_NOMEM:
        return TR_ENOMEM;
    case SQLITE_CONSTRAINT:
        return ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ? TR_ECONFLICT : TR_EIO;
    default:
        return TR_EIO;
    }
}

static int sq_fail(sqlite3 *h, tr_err *err) {
    int ext = sqlite3_extended_errcode(h);
    return tr_fail(err, sq_code(ext), "", "database: %s", sqlite3_errmsg(h));
}

static int sq_exec(db *d, const char *sql, tr_err *err) {
    char *msg = NULL;
    int rc = sqlite3_exec(H(d), sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) return TR_OK;
    tr_fail(err, sq_code(sqlite3_extended_errcode(H(d))), "", "database: %s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return err ? err->code : sq_code(rc);
}

static int sq_prepare(db *d, const char *sql, db_stmt **out, tr_err *err) {
    sq_stmt *s = calloc(1, sizeof *s);
    if (!s) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (sqlite3_prepare_v3(H(d), sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL) != SQLITE_OK) {
        int rc = sq_fail(H(d), err);
        free(s);
        return rc;
    }
    s->base.d = d;
    *out = &s->base;
    return TR_OK;
}

static void sq_finalize(db_stmt *st) {
    sqlite3_finalize(S(st));
    free(st);
}

static void sq_reset(db_stmt *st, bool clear) {
    sq_stmt *s = (sq_stmt *)st;
    sqlite3_reset(s->st);
    if (clear) sqlite3_clear_bindings(s->st);
    s->done = false;
    s->bind_oom = false;
}

static void sq_bind(db_stmt *st, int i, db_type t, int64_t iv, double dv, const void *p, size_t n) {
    sq_stmt *s = (sq_stmt *)st;
    int rc;
    switch (t) {
    case DB_INT:
        rc = sqlite3_bind_int64(s->st, i, iv);
        break;
    case DB_FLOAT:
        rc = sqlite3_bind_double(s->st, i, dv);
        break;
    case DB_TEXT:
        rc = sqlite3_bind_text64(s->st, i, p, n, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
    case DB_BLOB:
        rc = sqlite3_bind_blob64(s->st, i, p, n, SQLITE_TRANSIENT);
        break;
    default:
        rc = sqlite3_bind_null(s->st, i);
        break;
    }
    if (rc != SQLITE_OK) s->bind_oom = true;
}

static int sq_step(db_stmt *st, bool *row, tr_err *err) {
    sq_stmt *s = (sq_stmt *)st;
    if (s->bind_oom) return tr_fail(err, TR_ENOMEM, "", "out of memory (binding a value)");
    if (s->done) return TR_OK; /* stepping past the end stays done, as with libpq */
    int rc = sqlite3_step(s->st);
    if (rc == SQLITE_ROW) {
        *row = true;
        return TR_OK;
    }
    s->done = true;
    if (rc == SQLITE_DONE) return TR_OK;
    return sq_fail(sqlite3_db_handle(s->st), err);
}

static int sq_col_count(db_stmt *st) {
    return sqlite3_column_count(S(st));
}

static const char *sq_col_name(db_stmt *st, int i) {
    return sqlite3_column_name(S(st), i);
}

static db_type sq_col_type(db_stmt *st, int i) {
    static const db_type map[] = {[SQLITE_INTEGER] = DB_INT,
                                  [SQLITE_FLOAT] = DB_FLOAT,
                                  [SQLITE_TEXT] = DB_TEXT,
                                  [SQLITE_BLOB] = DB_BLOB,
                                  [SQLITE_NULL] = DB_NULL};
    int t = sqlite3_column_type(S(st), i);
    return t >= 1 && t <= 5 ? map[t] : DB_NULL;
}

static int64_t sq_col_int(db_stmt *st, int i) {
    return sqlite3_column_int64(S(st), i);
}

static double sq_col_double(db_stmt *st, int i) {
    return sqlite3_column_double(S(st), i);
}

static const char *sq_col_text(db_stmt *st, int i) {
    return (const char *)sqlite3_column_text(S(st), i);
}

static const void *sq_col_blob(db_stmt *st, int i, size_t *n) {
    const void *p = sqlite3_column_blob(S(st), i);
    *n = p ? (size_t)sqlite3_column_bytes(S(st), i) : 0;
    return p;
}

static int64_t sq_changes(db *d) {
    return sqlite3_changes64(H(d));
}

static int sq_set_timeout(db *d, int ms, tr_err *err) {
    (void)err;
    sqlite3_busy_timeout(H(d), ms);
    return TR_OK;
}

static const char *sq_begin_sql(db_tx mode) {
    return mode == DB_TX_SNAPSHOT ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE";
}

static bool sq_false(db *d) {
    (void)d;
    return false;
}

static void sq_close(db *d) {
    db__cache_free(d);
    sqlite3_close_v2(H(d)); /* statements the caller still holds keep it open until finalized */
    free(d);
}

static const db_ops sq_ops = {
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind = sq_bind,
    .step = sq_step,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_type = sq_col_type,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .changes = sq_changes,
    .set_timeout = sq_set_timeout,
    .begin_sql = sq_begin_sql,
    .cut = sq_false,
    .tx_lost = sq_false,
};

int db__sqlite_open(const char *path, db **out, tr_err *err) {
    sq_db *d = calloc(1, sizeof *d);
    if (!d) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    d->base.ops = &sq_ops;
    d->base.kind = DB_SQLITE;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    int rc = sqlite3_open_v2(path, &d->h, flags, NULL);
    if (rc != SQLITE_OK) {
        tr_fail(err, TR_EIO, "--db", "cannot open database '%s': %s", path,
                d->h ? sqlite3_errmsg(d->h) : sqlite3_errstr(rc));
        sqlite3_close(d->h);
        free(d);
        return TR_EIO;
    }
    sqlite3_busy_timeout(d->h, 10000);
    tr_err e = {0};
    if (sq_exec(&d->base, "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;", &e) ||
        (sqlite3_db_readonly(d->h, "main") != 1 &&
         sq_exec(&d->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", &e))) {
        tr_fail(err, TR_EIO, "--db", "cannot use '%s' as a database: %s", path, e.msg);
        sq_close(&d->base);
        return TR_EIO;
    }
    *out = &d->base;
    return TR_OK;
}
