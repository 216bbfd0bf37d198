/*
 * db_copy.c — `truce store copy`: every table of one database into another, SQLite or
 * PostgreSQL either way, through db.h (db_copy.h).
 *
 * Steps: open and migrate both; the same migrations, tables and stored columns on both
 * (else refused, naming the difference); the target empty; a snapshot of the source
 * (DB_TX_SNAPSHOT) and one transaction on the target with references deferred to the
 * commit; per table, its rows in key order bound by their own type; schema_version
 * replaced by the source's; commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db_copy.h"

typedef struct copy {
    db *src, *dst;
    db_names tables;
    db_copy_progress fn;
    void *ctx;
    int64_t rows;
} copy;

static bool same_names(const db_names *a, const db_names *b, const char **missing) {
    for (size_t i = 0; i < a->n; i++) {
        bool found = false;
        for (size_t j = 0; j < b->n && !found; j++)
            found = strcmp(a->v[i], b->v[j]) == 0;
        if (!found) {
            *missing = a->v[i];
            return false;
        }
    }
    return a->n == b->n;
}

/* The same tables on both sides (schema_version aside, it is handled on its own). */
static int check_tables(copy *c, tr_err *err) {
    db_names other;
    int rc = db_table_names(c->dst, &other, err);
    if (rc == TR_OK && db_table_names(c->src, &c->tables, err) != TR_OK) rc = err ? err->code : TR_EIO;
    const char *miss = NULL;
    if (rc == TR_OK && (!same_names(&c->tables, &other, &miss) || !same_names(&other, &c->tables, &miss)))
        rc = tr_fail(err, TR_EINVAL, "--to", "the two databases do not have the same tables (%s)",
                     miss ? miss : "a different count");
    db_names_free(&other);
    return rc;
}

static int check_columns(copy *c, const char *table, db_names *cols, tr_err *err) {
    db_names other;
    int rc = db_column_names(c->dst, table, cols, err);
    if (rc == TR_OK && (rc = db_column_names(c->src, table, &other, err)) == TR_OK) {
        const char *miss = NULL;
        if (!same_names(cols, &other, &miss) || !same_names(&other, cols, &miss))
            rc = tr_fail(err, TR_EINVAL, "--to", "table %s has not the same columns on both sides (%s)",
                         table, miss ? miss : "a different count");
        db_names_free(&other);
    }
    if (rc) db_names_free(cols);
    return rc;
}

/* "a, b, c" or "?, ?, ?" (ph) for cols, appended to out (n bytes). */
static void list(char *out, size_t n, const db_names *cols, bool ph) {
    for (size_t i = 0; i < cols->n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s", i ? ", " : "", ph ? "?" : cols->v[i]);
    }
}

static int count_rows(db *d, const char *table, int64_t *n, tr_err *err) {
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    db_stmt *st;
    int rc = db_prepare(d, sql, &st, err);
    bool row = false;
    if (rc == TR_OK) rc = db_step(st, &row, err);
    *n = row ? db_col_int(st, 0) : 0;
    db_finalize(st);
    return rc;
}

static int check_empty(copy *c, tr_err *err) {
    for (size_t i = 0; i < c->tables.n; i++) {
        int64_t n = 0;
        if (strcmp(c->tables.v[i], "schema_version") == 0) continue;
        int rc = count_rows(c->dst, c->tables.v[i], &n, err);
        if (rc) return rc;
        if (n)
            return tr_fail(err, TR_ECONFLICT, "--to",
                           "the target is not empty (table %s has %lld rows): copy only into a new database",
                           c->tables.v[i], (long long)n);
    }
    return TR_OK;
}

static void bind_as(db_stmt *to, int i, db_stmt *from, int k) {
    size_t n;
    const void *p;
    switch (db_col_type(from, k)) {
    case DB_INT:
        db_bind_int(to, i, db_col_int(from, k));
        break;
    case DB_FLOAT:
        db_bind_double(to, i, db_col_double(from, k));
        break;
    case DB_TEXT:
        db_bind_text(to, i, db_col_text(from, k));
        break;
    case DB_BLOB:
        p = db_col_blob(from, k, &n);
        db_bind_blob(to, i, p, n);
        break;
    default:
        db_bind_null(to, i);
        break;
    }
}

/* Rows of table from src to dst through prepared statements sel and ins. */
static int pump(db_stmt *sel, db_stmt *ins, int ncols, int64_t *rows, tr_err *err) {
    bool row;
    int rc;
    while ((rc = db_step(sel, &row, err)) == TR_OK && row) {
        for (int k = 0; k < ncols; k++)
            bind_as(ins, k + 1, sel, k);
        if ((rc = db_run(ins, err))) break;
        ++*rows;
    }
    return rc;
}

static int copy_table(copy *c, const char *table, tr_err *err) {
    db_names cols, keys;
    int rc = check_columns(c, table, &cols, err);
    if (rc) return rc;
    if ((rc = db_key_names(c->src, table, &keys, err))) {
        db_names_free(&cols);
        return rc;
    }
    char sel_sql[8192] = "", ins_sql[8192] = "";
    snprintf(sel_sql, sizeof sel_sql, "SELECT ");
    list(sel_sql, sizeof sel_sql, &cols, false);
    snprintf(sel_sql + strlen(sel_sql), sizeof sel_sql - strlen(sel_sql), " FROM %s ORDER BY ", table);
    list(sel_sql, sizeof sel_sql, keys.n ? &keys : &cols, false);
    snprintf(ins_sql, sizeof ins_sql, "INSERT INTO %s (", table);
    list(ins_sql, sizeof ins_sql, &cols, false);
    strncat(ins_sql, ") VALUES (", sizeof ins_sql - strlen(ins_sql) - 1);
    list(ins_sql, sizeof ins_sql, &cols, true);
    strncat(ins_sql, ")", sizeof ins_sql - strlen(ins_sql) - 1);
    db_stmt *sel = NULL, *ins = NULL;
    int64_t rows = 0;
    if ((rc = db_prepare(c->src, sel_sql, &sel, err)) == TR_OK &&
        (rc = db_prepare(c->dst, ins_sql, &ins, err)) == TR_OK)
        rc = pump(sel, ins, (int)cols.n, &rows, err);
    if (rc && err) {
        tr_err e = *err;
        tr_fail(err, e.code, e.field, "copying table %s: %.300s", table, e.msg);
    }
    db_finalize(sel);
    db_finalize(ins);
    db_names_free(&cols);
    db_names_free(&keys);
    if (rc == TR_OK && c->fn) c->fn(c->ctx, table, rows);
    c->rows += rows;
    return rc;
}

/* The target's schema_version rows become the source's (same versions, checked). */
static int copy_versions(copy *c, tr_err *err) {
    int64_t a = 0, b = 0;
    int rc = count_rows(c->src, "schema_version", &a, err);
    if (rc == TR_OK) rc = count_rows(c->dst, "schema_version", &b, err);
    if (rc == TR_OK && a != b)
        return tr_fail(err, TR_EINVAL, "--from",
                       "the two databases hold different migrations (%lld and %lld)", (long long)a,
                       (long long)b);
    if (rc == TR_OK) rc = db_exec(c->dst, "DELETE FROM schema_version", err);
    return rc == TR_OK ? copy_table(c, "schema_version", err) : rc;
}

static const char *const DEFER[] = {
    [DB_SQLITE] = "PRAGMA defer_foreign_keys = ON", [DB_PG] = "SET CONSTRAINTS ALL DEFERRED"};

static int copy_all(copy *c, tr_err *err) {
    int rc = db_begin(c->src, DB_TX_SNAPSHOT, err);
    if (rc) return rc;
    if ((rc = db_begin(c->dst, DB_TX_WRITE, err))) {
        db_rollback(c->src);
        return rc;
    }
    rc = db_exec(c->dst, DEFER[db_kind_of(c->dst)], err);
    if (rc == TR_OK) rc = check_empty(c, err);
    if (rc == TR_OK) rc = copy_versions(c, err);
    for (size_t i = 0; i < c->tables.n && rc == TR_OK; i++)
        if (strcmp(c->tables.v[i], "schema_version") != 0) rc = copy_table(c, c->tables.v[i], err);
    db_rollback(c->src);
    if (rc == TR_OK) return db_commit(c->dst, err);
    db_rollback(c->dst);
    return rc;
}

static int open_side(const char *uri, const char *opt, db **d, tr_err *err) {
    int version = 0;
    if (strcmp(opt, "--from") == 0 && !db_uri_is_pg(uri) && access(uri, F_OK) != 0)
        return tr_fail(err, TR_ENOTFOUND, opt, "no database at %s", uri);
    int rc = db_open(uri, d, err);
    if (rc == TR_OK) rc = db_migrate(*d, &version, err);
    if (rc && err) {
        tr_err e = *err;
        tr_fail(err, e.code, opt, "%.360s", e.msg);
    }
    return rc;
}

int db_copy(const char *from, const char *to, db_copy_progress fn, void *ctx, int64_t *rows, tr_err *err) {
    copy c = {.fn = fn, .ctx = ctx};
    int rc = strcmp(from, to) == 0 ? tr_fail(err, TR_EINVAL, "--to", "the source and the target are the same")
                                   : open_side(from, "--from", &c.src, err);
    if (rc == TR_OK) rc = open_side(to, "--to", &c.dst, err);
    if (rc == TR_OK) rc = check_tables(&c, err);
    if (rc == TR_OK) rc = copy_all(&c, err);
    if (rows) *rows = c.rows;
    db_names_free(&c.tables);
    db_close(c.src);
    db_close(c.dst);
    return rc;
}
