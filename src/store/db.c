/*
 * db.c — the driver-independent half of db.h: opening by URI, the statement cache,
 * binds and getters dispatched to the driver, the row loop and transactions.
 */
#include "store/db_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool db_uri_is_pg(const char *uri) {
    if (!uri) return false;
    if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0) return true;
    /* A libpq key=value string: "host=… dbname=…" (a file path has no '=' before a '/'). */
    const char *eq = strchr(uri, '=');
    const char *slash = strchr(uri, '/');
    return eq && (!slash || eq < slash) && strncmp(uri, "file:", 5) != 0;
}

void db_uri_redact(const char *uri, char *out, size_t n) {
    snprintf(out, n, "%s", uri ? uri : "");
    if (!uri || !db_uri_is_pg(uri)) return;
    char *at = strchr(out, '@'), *scheme = strstr(out, "://");
    if (scheme && at) {
        char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
        if (colon) {
            char rest[1024];
            snprintf(rest, sizeof rest, "%s", at);
            snprintf(colon, n - (size_t)(colon - out), ":***%s", rest);
        }
    }
    char *pw = strstr(out, "password=");
    if (pw) {
        char *end = pw + 9 + strcspn(pw + 9, " &");
        char rest[1024];
        snprintf(rest, sizeof rest, "%s", end);
        snprintf(pw + 9, n - (size_t)(pw + 9 - out), "***%s", rest);
    }
}

int db_open(const char *uri, db **out, tr_err *err) {
    *out = NULL;
    if (!uri || !*uri) return tr_fail(err, TR_EINVAL, "--db", "no database given");
    return db_uri_is_pg(uri) ? db__pg_open(uri, out, err) : db__sqlite_open(uri, out, err);
}

void db_close(db *d) {
    if (d) d->ops->close(d);
}

db_kind db_kind_of(const db *d) {
    return d->kind;
}

int db_set_timeout_ms(db *d, int ms, tr_err *err) {
    return d->ops->set_timeout(d, ms, err);
}

int db_exec(db *d, const char *sql, tr_err *err) {
    return d->ops->exec(d, sql, err);
}

/* ---- the statement cache ---- */

static size_t slot_of(const db_slot *t, size_t cap, const char *sql) {
    size_t i = (size_t)(((uintptr_t)sql >> 3) * 0x9E3779B97F4A7C15ull >> 7);
    for (i &= cap - 1; t[i].sql && t[i].sql != sql; i = (i + 1) & (cap - 1)) {
    }
    return i;
}

static int cache_grow(db *d) {
    if ((d->ncache + 1) * 2 <= d->ncap) return TR_OK;
    size_t cap = d->ncap ? d->ncap * 2 : 64;
    db_slot *t = calloc(cap, sizeof *t);
    if (!t) return TR_ENOMEM;
    for (size_t i = 0; i < d->ncap; i++)
        if (d->cache[i].sql) t[slot_of(t, cap, d->cache[i].sql)] = d->cache[i];
    free(d->cache);
    d->cache = t;
    d->ncap = cap;
    return TR_OK;
}

void db__cache_free(db *d) {
    for (size_t i = 0; i < d->ncap; i++)
        if (d->cache[i].sql) d->ops->finalize(d->cache[i].st);
    free(d->cache);
    d->cache = NULL;
    d->ncap = d->ncache = 0;
}

db_stmt *db_prep(db *d, const char *sql, tr_err *err) {
    if (d->ncap) {
        db_slot *hit = &d->cache[slot_of(d->cache, d->ncap, sql)];
        if (hit->sql) {
            d->ops->reset(hit->st, true);
            return hit->st;
        }
    }
    db_stmt *st = NULL;
    if (cache_grow(d)) {
        tr_fail(err, TR_ENOMEM, "", "out of memory");
        return NULL;
    }
    if (d->ops->prepare(d, sql, &st, err)) return NULL;
    st->cached = true;
    d->cache[slot_of(d->cache, d->ncap, sql)] = (db_slot){sql, st};
    d->ncache++;
    return st;
}

int db_prepare(db *d, const char *sql, db_stmt **out, tr_err *err) {
    return d->ops->prepare(d, sql, out, err);
}

void db_finalize(db_stmt *st) {
    if (st && !st->cached) st->d->ops->finalize(st);
}

void db_reset(db_stmt *st) {
    st->d->ops->reset(st, false);
}

/* ---- binds and getters ---- */

void db_bind_null(db_stmt *st, int i) {
    st->d->ops->bind(st, i, DB_NULL, 0, 0, NULL, 0);
}

void db_bind_int(db_stmt *st, int i, int64_t v) {
    st->d->ops->bind(st, i, DB_INT, v, 0, NULL, 0);
}

void db_bind_double(db_stmt *st, int i, double v) {
    st->d->ops->bind(st, i, DB_FLOAT, 0, v, NULL, 0);
}

void db_bind_text(db_stmt *st, int i, const char *v) {
    st->d->ops->bind(st, i, v ? DB_TEXT : DB_NULL, 0, 0, v, v ? strlen(v) : 0);
}

void db_bind_blob(db_stmt *st, int i, const void *p, size_t n) {
    st->d->ops->bind(st, i, DB_BLOB, 0, 0, p ? p : "", n);
}

int db_col_count(db_stmt *st) {
    return st->d->ops->col_count(st);
}

const char *db_col_name(db_stmt *st, int i) {
    return st->d->ops->col_name(st, i);
}

db_type db_col_type(db_stmt *st, int i) {
    return st->d->ops->col_type(st, i);
}

int64_t db_col_int(db_stmt *st, int i) {
    return st->d->ops->col_int(st, i);
}

double db_col_double(db_stmt *st, int i) {
    return st->d->ops->col_double(st, i);
}

const char *db_col_text(db_stmt *st, int i) {
    return st->d->ops->col_text(st, i);
}

const void *db_col_blob(db_stmt *st, int i, size_t *n) {
    return st->d->ops->col_blob(st, i, n);
}

char *db_col_dup(db_stmt *st, int i) {
    const char *t = db_col_text(st, i);
    return t ? strdup(t) : NULL;
}

/* ---- running ---- */

int db_step(db_stmt *st, bool *row, tr_err *err) {
    *row = false;
    return st->d->ops->step(st, row, err);
}

int db_each(db_stmt *st, int (*fn)(void *ctx, db_stmt *st, tr_err *err), void *ctx, tr_err *err) {
    bool row;
    int rc;
    while ((rc = db_step(st, &row, err)) == TR_OK && row)
        if ((rc = fn(ctx, st, err)) != TR_OK) break;
    db_reset(st);
    return rc;
}

int db_run(db_stmt *st, tr_err *err) {
    bool row;
    int rc = db_step(st, &row, err);
    db_reset(st);
    if (rc == TR_OK && row)
        return tr_fail(err, TR_EINTERNAL, "", "a statement meant to change rows returned one");
    return rc;
}

int db_insert_id(db_stmt *st, int64_t *id, tr_err *err) {
    bool row;
    int rc = db_step(st, &row, err);
    if (rc == TR_OK && !row) rc = tr_fail(err, TR_EINTERNAL, "", "an INSERT … RETURNING returned no row");
    if (rc == TR_OK) *id = db_col_int(st, 0);
    if (rc == TR_OK && (rc = db_step(st, &row, err)) == TR_OK && row)
        rc = tr_fail(err, TR_EINTERNAL, "", "an INSERT … RETURNING returned more than one row");
    db_reset(st);
    return rc;
}

db *db_of(db_stmt *st) {
    return st->d;
}

int64_t db_changes(db *d) {
    return d->ops->changes(d);
}

/* ---- transactions ---- */

int db_begin(db *d, db_tx mode, tr_err *err) {
    if (d->in_tx) return tr_fail(err, TR_EINTERNAL, "", "a transaction is already open on this connection");
    int rc = d->ops->exec(d, d->ops->begin_sql(mode), err);
    if (rc == TR_OK) d->in_tx = true;
    return rc;
}

int db_commit(db *d, tr_err *err) {
    if (!d->in_tx) return tr_fail(err, TR_EINTERNAL, "", "no transaction is open on this connection");
    int rc = d->ops->exec(d, "COMMIT", err);
    if (rc != TR_OK && !d->ops->tx_lost(d)) d->ops->exec(d, "ROLLBACK", NULL);
    d->in_tx = false;
    return rc;
}

void db_rollback(db *d) {
    if (!d->in_tx) return;
    if (!d->ops->tx_lost(d)) d->ops->exec(d, "ROLLBACK", NULL);
    d->in_tx = false;
}

bool db_in_tx(const db *d) {
    return d->in_tx;
}

bool db_retryable(int code) {
    return code == TR_EDB_LOST || code == TR_EDB_SHUTDOWN || code == TR_EDB_READONLY || code == TR_EDB_RETRY;
}

bool db_debug_cut(db *d) {
    return d->ops->cut(d);
}

int db_wait_notify(db *d, int timeout_ms, bool *got, tr_err *err) {
    *got = false;
    if (!d->ops->wait_notify) return tr_fail(err, TR_EINVAL, "", "this database has no notifications");
    return d->ops->wait_notify(d, timeout_ms, got, err);
}
