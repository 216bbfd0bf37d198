/*
 * test_store_audit.c — unit tests of store_audit.h (the reads of `truce verify --db`),
 * every case on both databases: SQLite on a temporary file and PostgreSQL on a fresh
 * database of the throwaway cluster named by $TRUCE_TEST_PG (scripts/pg-test.sh; ctest
 * starts it). Each case migrates an empty centre first. tests/api/test_verify.py and
 * test_verify_coverage.py run the whole audit through it, on both stores.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/store_audit.h"

#include "both_stores.h" /* after store/db.h */

typedef struct fx {
    db_kind kind;
    char uri[512];
    char name[64]; /* PostgreSQL: the database made for the case */
    db *w;         /* a writer beside the audit */
} fx;

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    f->kind = *(db_kind *)*state;
    fresh_database(f->kind, "audit", f->uri, sizeof f->uri, f->name, sizeof f->name);
    tr_err err = {0};
    int version = 0;
    assert_int_equal(db_open(f->uri, &f->w, &err), TR_OK);
    if (db_migrate(f->w, &version, &err)) fail_msg("migrate: %s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    db_close(f->w);
    char path[600];
    if (f->kind == DB_SQLITE) {
        static const char *const SUFFIX[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            snprintf(path, sizeof path, "%s%s", f->uri, SUFFIX[i]);
            unlink(path);
        }
    } else {
        snprintf(path, sizeof path, "DROP DATABASE %s WITH (FORCE)", f->name);
        admin(path);
    }
    free(f);
    return 0;
}

static void write_sql(fx *f, const char *sql) {
    tr_err err = {0};
    if (db_exec(f->w, sql, &err)) fail_msg("%s: %s", sql, err.msg);
}

static const char SQL_NODE[] = "INSERT INTO log_node (level, idx, hash) VALUES (?, ?, ?)";
static const char SQL_CHECKPOINT[] =
    "INSERT INTO log_checkpoint (size, root, note, signed_at) VALUES (?, ?, 'n', 0)";

/* Inserts a row of log_node (sql SQL_NODE) or log_checkpoint (SQL_CHECKPOINT, a and b
 * unused beyond size a) with blob bytes. */
static void put(fx *f, const char *sql, int64_t a, int64_t b, const char *bytes, size_t n) {
    tr_err err = {0};
    db_stmt *st = db_prep(f->w, sql, &err);
    assert_non_null(st);
    db_bind_int(st, 1, a);
    if (sql == SQL_NODE) {
        db_bind_int(st, 2, b);
        db_bind_blob(st, 3, bytes, n);
    } else {
        db_bind_blob(st, 2, bytes, n);
    }
    if (db_run(st, &err)) fail_msg("insert: %s", err.msg);
}

/* The audit reads one snapshot: what a writer commits after its first read is not seen. */
static void test_one_snapshot(void **state) {
    fx *f = *state;
    db *a = NULL;
    tr_err err = {0};
    char *value = NULL;
    int64_t n = -1;
    write_sql(f, "INSERT INTO log_meta (key, value) VALUES ('origin', 'before')");
    assert_int_equal(store_audit_open(f->uri, &a, &err), TR_OK);
    assert_int_equal(store_audit_meta(a, "origin", &value, &err), TR_OK);
    assert_string_equal(value, "before");
    free(value);
    write_sql(f, "UPDATE log_meta SET value = 'after' WHERE key = 'origin';"
                 " INSERT INTO log_meta (key, value) VALUES ('vkey', 'k')");
    put(f, SQL_CHECKPOINT, 3, 0, "\0", 1);
    assert_int_equal(store_audit_meta(a, "origin", &value, &err), TR_OK);
    assert_string_equal(value, "before");
    free(value);
    assert_int_equal(store_audit_meta(a, "vkey", &value, &err), TR_OK);
    assert_null(value);
    assert_int_equal(store_audit_count(a, AUDIT_N_SIGNED_SIZE, &n, &err), TR_OK);
    assert_int_equal(n, 0);
    store_audit_close(a);
    assert_int_equal(store_audit_open(f->uri, &a, &err), TR_OK);
    assert_int_equal(store_audit_count(a, AUDIT_N_SIGNED_SIZE, &n, &err), TR_OK);
    assert_int_equal(n, 3);
    store_audit_close(a);
}

/* store_audit_begin: the store's own reads on this thread and the audit's reads share one
 * snapshot, so a party committed by another connection meanwhile is seen by neither, and
 * by both once it ends (issue 13 item 3: `truce verify` on a live centre). */
static void test_store_shares_snapshot(void **state) {
    fx *f = *state;
    store *s = NULL;
    db *a = NULL;
    tr_err err = {0};
    int64_t n = -1;
    bool known = true;
    write_sql(f, "INSERT INTO party (name, role, token_hash, created_at) VALUES ('P1', 'observer', 'h1', 0)");
    assert_int_equal(store_open(f->uri, &s, &err), TR_OK);
    assert_int_equal(store_audit_begin(s, &a, &err), TR_OK);
    write_sql(f, "INSERT INTO party (name, role, token_hash, created_at) VALUES ('P2', 'observer', 'h2', 0)");
    assert_int_equal(store_party_known(s, "P1", &known, &err), TR_OK);
    assert_true(known);
    assert_int_equal(store_party_known(s, "P2", &known, &err), TR_OK);
    assert_false(known);
    assert_int_equal(store_audit_count(a, AUDIT_N_PARTIES, &n, &err), TR_OK);
    assert_int_equal(n, 1);
    store_audit_end(s, a);
    assert_int_equal(store_party_known(s, "P2", &known, &err), TR_OK);
    assert_true(known);
    assert_int_equal(store_audit_begin(s, &a, &err), TR_OK);
    assert_int_equal(store_audit_count(a, AUDIT_N_PARTIES, &n, &err), TR_OK);
    assert_int_equal(n, 2);
    store_audit_end(s, a);
    store_close(s);
}

typedef struct seen {
    int rows;
    int64_t last;
    size_t len;
} seen;

static int node_row(void *ctx, const store_audit_row *r) {
    seen *s = ctx;
    s->rows++;
    s->last = store_audit_int(r, 1);
    store_audit_blob(r, 2, &s->len);
    return s->rows == 2 ? TR_ECONFLICT : TR_OK; /* fn stops the scan on its second row */
}

/* Scans give typed values in their order; fn's own stop comes back as it is; a blob keeps
 * its bytes; lookups say when there is no row. */
static void test_scans_and_lookups(void **state) {
    fx *f = *state;
    db *a = NULL;
    tr_err err = {0};
    put(f, SQL_NODE, 0, 1, "\1\2", 2);
    put(f, SQL_NODE, 0, 0, "\1", 1);
    put(f, SQL_NODE, 1, 0, "\3", 1);
    assert_int_equal(store_audit_open(f->uri, &a, &err), TR_OK);
    seen s = {0, -1, 0};
    assert_int_equal(store_audit_scan(a, AUDIT_LOG_NODES, node_row, &s, &err), TR_ECONFLICT);
    assert_int_equal(s.rows, 2);
    assert_int_equal(s.last, 1);
    assert_int_equal(s.len, 2);
    const store_audit_row *row = NULL;
    assert_int_equal(store_audit_get(a, AUDIT_GET_LEAF, 1, &row, &err), TR_OK);
    assert_non_null(row);
    size_t n = 0;
    assert_memory_equal(store_audit_blob(row, 0, &n), "\1\2", 2);
    assert_int_equal(n, 2);
    assert_int_equal(store_audit_get(a, AUDIT_GET_LEAF, 7, &row, &err), TR_OK);
    assert_null(row);
    int64_t rows = -1;
    assert_int_equal(store_audit_table_rows(a, "log_node", &rows, &err), TR_OK);
    assert_int_equal(rows, 3);
    assert_int_equal(store_audit_table_rows(a, "log_node\"; DROP TABLE x; --", &rows, &err), TR_EINVAL);
    char check[64];
    assert_int_equal(store_audit_index_check(a, check, sizeof check, &err), TR_OK);
    assert_string_equal(check, "ok");
    store_audit_close(a);
}

static int count_table(void *ctx, const char *table) {
    (void)table;
    ++*(int *)ctx;
    return TR_OK;
}

/* Every scan, count and lookup runs on an empty centre of either database (their SQL is
 * of the common dialect); a table that is not there fails naming it, with a code. */
static void test_every_statement_runs(void **state) {
    fx *f = *state;
    db *a = NULL;
    tr_err err = {0};
    int64_t n = 0;
    int tables = 0;
    seen s = {0, -1, 0};
    assert_int_equal(store_audit_open(f->uri, &a, &err), TR_OK);
    for (int k = 0; k < AUDIT_SCANS; k++)
        if (store_audit_scan(a, (store_audit_scan_id)k, node_row, &s, &err))
            fail_msg("scan %d: %s", k, err.msg);
    for (int k = 0; k < AUDIT_COUNTS; k++)
        if (store_audit_count(a, (store_audit_count_id)k, &n, &err)) fail_msg("count %d: %s", k, err.msg);
    const store_audit_row *row = NULL;
    for (int k = 0; k < AUDIT_GETS; k++)
        if (store_audit_get(a, (store_audit_get_id)k, 1, &row, &err)) fail_msg("get %d: %s", k, err.msg);
    assert_int_equal(store_audit_tables(a, count_table, &tables, &err), TR_OK);
    assert_true(tables > 40);
    assert_int_not_equal(store_audit_table_rows(a, "no_such_table", &n, &err), TR_OK);
    assert_non_null(strstr(err.msg, "reading table no_such_table"));
    store_audit_close(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        BOTH(test_one_snapshot),
        BOTH(test_store_shares_snapshot),
        BOTH(test_scans_and_lookups),
        BOTH(test_every_statement_runs),
    };
    return cmocka_run_group_tests_name("store_audit", tests, NULL, NULL);
}
