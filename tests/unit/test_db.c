/*
 * test_db.c — unit tests of db.h, every case on both drivers: SQLite on a temporary
 * file and PostgreSQL on a fresh database of the throwaway cluster named by
 * $TRUCE_TEST_PG (scripts/pg-test.sh; ctest starts it). Cases that only exist on one
 * database (a network cut, an administrator's shutdown) say so and assert what the
 * other driver answers instead.
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
#include "both_stores.h"
#include "store/db_copy.h"
#include "store/db_pg.h"
#include "store/migrations.h"

typedef struct fx {
    db_kind kind;
    char uri[512];
    char name[64]; /* PostgreSQL: the database made for the case */
    db *d;
} fx;

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    f->kind = *(db_kind *)*state;
    fresh_database(f->kind, "unit", f->uri, sizeof f->uri, f->name, sizeof f->name);
    tr_err err = {0};
    assert_int_equal(db_open(f->uri, &f->d, &err), TR_OK);
    assert_int_equal(db_exec(f->d,
                             "CREATE TABLE t (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION,"
                             " s TEXT, b BYTEA)",
                             &err),
                     TR_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    db_close(f->d);
    char path[600];
    if (f->kind == DB_SQLITE) {
        unlink(f->uri);
        snprintf(path, sizeof path, "%s-wal", f->uri);
        unlink(path);
        snprintf(path, sizeof path, "%s-shm", f->uri);
        unlink(path);
    } else {
        snprintf(path, sizeof path, "DROP DATABASE %s WITH (FORCE)", f->name);
        admin(path);
    }
    free(f);
    return 0;
}

static db *second(fx *f) {
    db *d = NULL;
    tr_err err = {0};
    assert_int_equal(db_open(f->uri, &d, &err), TR_OK);
    return d;
}

static const char SQL_INS[] = "INSERT INTO t (id, i, r, s, b) VALUES (?, ?, ?, ?, ?)";
static const char SQL_GET[] = "SELECT i, r, s, b FROM t WHERE id = ?";
static const char SQL_COUNT[] = "SELECT count(*) FROM t";

static void insert(db *d, int64_t id, int64_t i, const char *s) {
    tr_err err = {0};
    db_stmt *st = db_prep(d, SQL_INS, &err);
    assert_non_null(st);
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, i);
    db_bind_double(st, 3, 0.1 * (double)id);
    db_bind_text(st, 4, s);
    db_bind_blob(st, 5, "\0\1", 2);
    if (db_run(st, &err)) fail_msg("insert: %s", err.msg);
}

static int64_t count(db *d) {
    tr_err err = {0};
    db_stmt *st = db_prep(d, SQL_COUNT, &err);
    bool row = false;
    if (!st || db_step(st, &row, &err) || !row) fail_msg("count: %s", err.msg);
    int64_t n = db_col_int(st, 0);
    db_reset(st);
    return n;
}

/* Values of every type go in and come out exactly, with their types. */
static void test_types(void **state) {
    fx *f = *state;
    tr_err err = {0};
    static const unsigned char blob[] = {0, 1, 0xff, 'x', 0};
    db_stmt *st = db_prep(f->d, SQL_INS, &err);
    db_bind_int(st, 1, 1);
    db_bind_int(st, 2, INT64_MIN);
    db_bind_double(st, 3, 0.1);
    db_bind_text(st, 4, "a 'quoted' ? «ünïcode»");
    db_bind_blob(st, 5, blob, sizeof blob);
    assert_int_equal(db_run(st, &err), TR_OK);
    assert_int_equal(db_changes(f->d), 1);
    st = db_prep(f->d, SQL_INS, &err); /* bindings cleared: NULLs */
    db_bind_int(st, 1, 2);
    db_bind_double(st, 3, 1.7976931348623157e308);
    assert_int_equal(db_run(st, &err), TR_OK);
    st = db_prep(f->d, SQL_GET, &err);
    db_bind_int(st, 1, 1);
    bool row;
    assert_int_equal(db_step(st, &row, &err), TR_OK);
    assert_true(row);
    assert_int_equal(db_col_count(st), 4);
    assert_string_equal(db_col_name(st, 2), "s");
    assert_int_equal(db_col_type(st, 0), DB_INT);
    assert_true(db_col_int(st, 0) == INT64_MIN);
    assert_int_equal(db_col_type(st, 1), DB_FLOAT);
    assert_true(db_col_double(st, 1) == 0.1);
    assert_int_equal(db_col_type(st, 2), DB_TEXT);
    assert_string_equal(db_col_text(st, 2), "a 'quoted' ? «ünïcode»");
    size_t n;
    assert_int_equal(db_col_type(st, 3), DB_BLOB);
    const void *p = db_col_blob(st, 3, &n);
    assert_int_equal(n, sizeof blob);
    assert_memory_equal(p, blob, sizeof blob);
    assert_int_equal(db_step(st, &row, &err), TR_OK);
    assert_false(row);
    db_reset(st); /* binds go after db_prep or db_reset */
    db_bind_int(st, 1, 2);
    assert_int_equal(db_step(st, &row, &err), TR_OK);
    assert_int_equal(db_col_type(st, 0), DB_NULL);
    assert_null(db_col_text(st, 2));
    assert_null(db_col_blob(st, 3, &n));
    assert_true(db_col_double(st, 1) == 1.7976931348623157e308);
    db_reset(st);
}

/* `?` inside literals is not a parameter; RETURNING gives the new id. */
static void test_placeholders_and_returning(void **state) {
    fx *f = *state;
    tr_err err = {0};
    static const char ins[] = "INSERT INTO t (id, s) VALUES (?, 'why?') RETURNING id";
    db_stmt *st = db_prep(f->d, ins, &err);
    db_bind_int(st, 1, 42);
    int64_t id = 0;
    assert_int_equal(db_insert_id(st, &id, &err), TR_OK);
    assert_int_equal(id, 42);
    static const char sel[] = "SELECT count(*) FROM t WHERE s = 'why?' AND id = ? -- really?\n";
    st = db_prep(f->d, sel, &err);
    assert_non_null(st);
    db_bind_int(st, 1, 42);
    bool row;
    assert_int_equal(db_step(st, &row, &err), TR_OK);
    assert_int_equal(db_col_int(st, 0), 1);
    db_reset(st);
    char *pg;
    int np;
    assert_int_equal(db_pg_translate("SELECT '?', \"a?\", ? -- ?\n, ?", &pg, &np), TR_OK);
    assert_string_equal(pg, "SELECT '?', \"a?\", $1 -- ?\n, $2");
    assert_int_equal(np, 2);
    free(pg);
}

/* A failure at the last step of a scan is reported, never a short list. */
static void test_row_loop_reports_final_failure(void **state) {
    fx *f = *state;
    tr_err err = {0};
    for (int i = 1; i <= 3; i++)
        insert(f->d, i, i, "ok");
    insert(f->d, 4, INT64_MIN, "overflows abs()");
    db_stmt *st;
    assert_int_equal(
        db_prepare(f->d, "SELECT abs(i) FROM t" /* in insertion order: no sort reads ahead */, &st, &err),
        TR_OK);
    bool row;
    int rc, rows = 0;
    while ((rc = db_step(st, &row, &err)) == TR_OK && row)
        rows++;
    assert_int_equal(rows, 3);
    assert_int_equal(rc, TR_EIO);
    assert_true(strlen(err.msg) > 0);
    db_finalize(st);
}

static int sum_cb(void *ctx, db_stmt *st, tr_err *err) {
    *(int64_t *)ctx += db_col_int(st, 0);
    return TR_OK;
}

/* Statements nest: rows of one are read while another writes (parked on PostgreSQL). */
static void test_nested_statements(void **state) {
    fx *f = *state;
    tr_err err = {0};
    for (int i = 1; i <= 50; i++)
        insert(f->d, i, i, "x");
    static const char scan[] = "SELECT id FROM t WHERE id <= 50 ORDER BY id";
    db_stmt *st = db_prep(f->d, scan, &err);
    bool row;
    int rc, rows = 0;
    while ((rc = db_step(st, &row, &err)) == TR_OK && row) {
        int64_t id = db_col_int(st, 0);
        insert(f->d, 100 + id, id, "copy");
        rows++;
    }
    assert_int_equal(rc, TR_OK);
    assert_int_equal(rows, 50);
    assert_int_equal(count(f->d), 100);
    int64_t sum = 0;
    assert_int_equal(db_each(db_prep(f->d, scan, &err), sum_cb, &sum, &err), TR_OK);
    assert_int_equal(sum, 50 * 51 / 2);
}

static void test_transactions(void **state) {
    fx *f = *state;
    tr_err err = {0};
    assert_int_equal(db_begin(f->d, DB_TX_WRITE, &err), TR_OK);
    assert_true(db_in_tx(f->d));
    assert_int_equal(db_begin(f->d, DB_TX_WRITE, &err), TR_EINTERNAL);
    insert(f->d, 1, 1, "rolled back");
    db_rollback(f->d);
    assert_int_equal(count(f->d), 0);
    assert_int_equal(db_begin(f->d, DB_TX_SERIAL, &err), TR_OK);
    insert(f->d, 1, 1, "kept");
    assert_int_equal(db_commit(f->d, &err), TR_OK);
    assert_false(db_in_tx(f->d));
    db *other = second(f);
    assert_int_equal(count(other), 1);
    db_close(other);
    assert_int_equal(db_commit(f->d, &err), TR_EINTERNAL);
}

/* Error mapping: a duplicate key, a read-only database, a lock not granted in time. */
static void test_errors(void **state) {
    fx *f = *state;
    tr_err err = {0};
    insert(f->d, 1, 1, "a");
    db_stmt *st = db_prep(f->d, SQL_INS, &err);
    db_bind_int(st, 1, 1);
    assert_int_equal(db_run(st, &err), TR_ECONFLICT);
    assert_int_equal(db_exec(f->d, "SELECT * FROM no_such_table", &err), TR_EIO);
    /* read-only: a standby after failover answers PostgreSQL's 25006 like this */
    db *ro = NULL;
    char uri[600];
    snprintf(uri, sizeof uri, "file:%s?mode=ro", f->uri);
    assert_int_equal(db_open(f->kind == DB_SQLITE ? uri : f->uri, &ro, &err), TR_OK);
    if (f->kind == DB_PG)
        assert_int_equal(db_exec(ro, "SET default_transaction_read_only = on", &err), TR_OK);
    assert_int_equal(db_exec(ro, "INSERT INTO t (id) VALUES (7)", &err), TR_EDB_READONLY);
    assert_true(db_retryable(err.code));
    db_close(ro);
    /* one writer at a time: the second waits its timeout, then may retry */
    db *b = second(f);
    assert_int_equal(db_set_timeout_ms(b, 100, &err), TR_OK);
    assert_int_equal(db_begin(f->d, DB_TX_WRITE, &err), TR_OK);
    int rc = db_begin(b, DB_TX_WRITE, &err);
    if (rc == TR_OK) rc = db_exec(b, "INSERT INTO t (id) VALUES (8)", &err);
    assert_int_equal(rc, TR_EDB_RETRY);
    db_rollback(b);
    db_rollback(f->d);
    db_close(b);
    assert_int_equal(db_pg_sqlstate_code("40001"), TR_EDB_RETRY);
    assert_int_equal(db_pg_sqlstate_code("08006"), TR_EDB_LOST);
    assert_int_equal(db_pg_sqlstate_code("57P01"), TR_EDB_SHUTDOWN);
    assert_int_equal(db_pg_sqlstate_code("22003"), TR_EIO);
}

/* Two serialisable transactions that each read what the other writes: one fails, retryable. */
static void test_serialisation_failure(void **state) {
    fx *f = *state;
    tr_err err = {0};
    db *b = second(f);
    db_set_timeout_ms(b, 100, &err);
    static const char sum[] = "SELECT coalesce(sum(i), 0) FROM t";
    assert_int_equal(db_begin(f->d, DB_TX_SERIAL, &err), TR_OK);
    int rc = db_begin(b, DB_TX_SERIAL, &err); /* SQLite: busy here already */
    bool row;
    if (rc == TR_OK) {
        assert_int_equal(db_step(db_prep(f->d, sum, &err), &row, &err), TR_OK);
        assert_int_equal(db_step(db_prep(b, sum, &err), &row, &err), TR_OK);
        insert(f->d, 1, 1, "a");
        insert(b, 2, 1, "b");
        assert_int_equal(db_commit(f->d, &err), TR_OK);
        rc = db_commit(b, &err);
    } else {
        db_rollback(f->d);
    }
    assert_int_equal(rc, TR_EDB_RETRY);
    assert_true(db_retryable(rc));
    db_rollback(b);
    db_close(b);
}

/* A network cut: between statements, the connection is made again before the next one
 * (cached statements work again); inside a transaction the call that meets it fails
 * (TR_EDB_LOST) and the transaction stays failed until rolled back. */
static void test_connection_loss(void **state) {
    fx *f = *state;
    tr_err err = {0};
    insert(f->d, 1, 1, "before");
    if (!db_debug_cut(f->d)) {
        assert_int_equal(f->kind, DB_SQLITE); /* an embedded file has no connection to lose */
        return;
    }
    bool row;
    /* Outside a transaction, a connection found closed while idle is made again before it
     * is used (db_pg.c invariant 4): the statement runs. */
    db_stmt *st = db_prep(f->d, SQL_COUNT, &err);
    assert_non_null(st);
    assert_int_equal(db_step(st, &row, &err), TR_OK);
    assert_true(row);
    db_reset(st);
    assert_int_equal(count(f->d), 1);
    assert_int_equal(db_begin(f->d, DB_TX_WRITE, &err), TR_OK);
    insert(f->d, 2, 2, "lost with its transaction");
    assert_true(db_debug_cut(f->d));
    assert_int_equal(db_exec(f->d, "SELECT 1", &err), TR_EDB_LOST);
    assert_int_equal(db_exec(f->d, "INSERT INTO t (id) VALUES (3)", &err), TR_EDB_LOST);
    assert_int_equal(db_commit(f->d, &err), TR_EDB_LOST);
    assert_int_equal(count(f->d), 1);
    insert(f->d, 4, 4, "after");
    assert_int_equal(count(f->d), 2);
}

/* The server ends the idle session (pg_terminate_backend, as a shutdown does): the next
 * call runs on a new session (db_pg.c invariant 4: an idle connection the server closed is
 * made again before its next use; TR_EDB_SHUTDOWN or TR_EDB_LOST only if the FATAL had not
 * arrived yet, and then the call after reconnects). Settings survive: synchronous_commit on. */
static void test_admin_shutdown_and_durability(void **state) {
    fx *f = *state;
    tr_err err = {0};
    db_stmt *st;
    bool row;
    if (f->kind == DB_SQLITE) {
        assert_int_equal(db_prepare(f->d, "PRAGMA synchronous", &st, &err), TR_OK);
        assert_int_equal(db_step(st, &row, &err), TR_OK);
        assert_int_equal(db_col_int(st, 0), 2); /* FULL */
        db_finalize(st);
        return;
    }
    char sql[256];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s SET synchronous_commit = off", f->name);
    admin(sql);
    db_close(f->d);
    assert_int_equal(db_open(f->uri, &f->d, &err), TR_OK);
    assert_int_equal(db_prepare(f->d, "SELECT pg_backend_pid()", &st, &err), TR_OK);
    assert_int_equal(db_step(st, &row, &err), TR_OK);
    long long pid = (long long)db_col_int(st, 0);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%lld)", pid);
    db_finalize(st);
    admin(sql);
    usleep(100000);
    int rc = db_exec(f->d, "SELECT 1", &err);
    assert_true(rc == TR_OK || rc == TR_EDB_SHUTDOWN || rc == TR_EDB_LOST);
    assert_int_equal(db_prepare(f->d, "SELECT pg_backend_pid()", &st, &err), TR_OK);
    assert_int_equal(db_step(st, &row, &err), TR_OK);
    assert_true(db_col_int(st, 0) != pid); /* a new session */
    db_finalize(st);
    assert_int_equal(db_prepare(f->d, "SHOW synchronous_commit", &st, &err), TR_OK);
    assert_int_equal(db_step(st, &row, &err), TR_OK);
    assert_string_equal(db_col_text(st, 0), "on");
    db_finalize(st);
}

/* Migrations: the same tables and stored columns on both databases (checked against
 * SQLite's own when the case runs on PostgreSQL), geometries with PostGIS twins, and
 * the max + 1 ids of SQLite's rowids; applying them again changes nothing. */
static void test_migrations(void **state) {
    fx *f = *state;
    tr_err err = {0};
    int v = 0, v2 = 0, last = 0;
    for (const store_migration *m = store_migrations; m->version; m++)
        last = m->version;
    db_exec(f->d, "DROP TABLE t", &err);
    if (db_migrate(f->d, &v, &err)) fail_msg("%s", err.msg);
    assert_int_equal(v, last);
    assert_int_equal(db_migrate(f->d, &v2, &err), TR_OK);
    assert_int_equal(v2, last);
    static const char ins[] = "INSERT INTO actor (name, created_at) VALUES (?, 1) RETURNING name";
    db_stmt *st = db_prep(f->d, ins, &err);
    db_bind_text(st, 1, "A");
    assert_int_equal(db_run(st, &err), TR_EINTERNAL); /* a row came back */
    static const char site[] =
        "INSERT INTO site (owner, kind, name, valid_from, valid_to, visibility, geometry,"
        " created_at) VALUES ('p', 'school', ?, 0, 1, '\"public\"', ?, 0) RETURNING id";
    int64_t ids[3];
    for (int i = 0; i < 3; i++) {
        if (i == 1) assert_int_equal(db_begin(f->d, DB_TX_WRITE, &err), TR_OK);
        st = db_prep(f->d, site, &err);
        db_bind_text(st, 1, "s");
        db_bind_text(st, 2, "{\"type\":\"Point\",\"coordinates\":[36.2,37.1]}");
        assert_int_equal(db_insert_id(st, &ids[i], &err), TR_OK);
        if (i == 1) db_rollback(f->d); /* as SQLite: a rolled-back id is given again */
    }
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 2);
    assert_int_equal(ids[2], 2);
    if (f->kind == DB_PG) {
        assert_int_equal(db_prepare(f->d, "SELECT ST_SRID(geom), ST_X(geom) FROM site", &st, &err), TR_OK);
        bool row;
        assert_int_equal(db_step(st, &row, &err), TR_OK);
        assert_int_equal(db_col_int(st, 0), 4326);
        assert_true(db_col_double(st, 1) == 36.2);
        db_finalize(st);
    }
    /* the same tables and columns as SQLite's */
    char path[64];
    snprintf(path, sizeof path, "/tmp/truce-db-ref-%d.db", (int)getpid());
    db *ref = NULL;
    assert_int_equal(db_open(path, &ref, &err), TR_OK);
    assert_int_equal(db_migrate(ref, &v2, &err), TR_OK);
    db_names a, b;
    assert_int_equal(db_table_names(f->d, &a, &err), TR_OK);
    assert_int_equal(db_table_names(ref, &b, &err), TR_OK);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.v[i], b.v[i]);
        db_names ca, cb;
        assert_int_equal(db_column_names(f->d, a.v[i], &ca, &err), TR_OK);
        assert_int_equal(db_column_names(ref, a.v[i], &cb, &err), TR_OK);
        assert_int_equal(ca.n, cb.n);
        for (size_t k = 0; k < ca.n; k++)
            assert_string_equal(ca.v[k], cb.v[k]);
        db_names_free(&ca);
        db_names_free(&cb);
    }
    db_names_free(&a);
    db_names_free(&b);
    db_close(ref);
    unlink(path);
}

/* The translator refuses what it does not know, naming the file. */
static void test_schema_dialect(void **state) {
    (void)state;
    tr_err err = {0};
    char *out = NULL;
    assert_int_equal(
        db_pg_schema("9999_x.sql", "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END;", &out, &err),
        TR_EINVAL);
    assert_non_null(strstr(err.msg, "9999_x.sql"));
    assert_int_equal(
        db_pg_schema("9998_x.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);", &out, &err),
        TR_EINVAL);
    assert_int_equal(db_pg_schema("9997_x.sql", "CREATE TABLE t (x NUMERIC);", &out, &err), TR_EINVAL);
    assert_int_equal(db_pg_schema("0001_y.sql",
                                  "-- c\nCREATE TABLE u (id INTEGER PRIMARY KEY, p INTEGER REFERENCES v(id),"
                                  " geometry TEXT NOT NULL, UNIQUE (p, id)) ;",
                                  &out, &err),
                     TR_OK);
    assert_non_null(strstr(out, "id BIGINT PRIMARY KEY"));
    assert_non_null(strstr(out, "REFERENCES v(id) DEFERRABLE"));
    assert_non_null(strstr(out, "geom geometry(Geometry, 4326) GENERATED ALWAYS"));
    assert_non_null(strstr(out, "CREATE TRIGGER truce_rowid BEFORE INSERT ON u"));
    free(out);
    for (const store_migration *m = store_migrations; m->version; m++) {
        if (db_pg_schema(m->name, m->sql, &out, &err)) fail_msg("%s", err.msg);
        free(out);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        BOTH(test_types),
        BOTH(test_placeholders_and_returning),
        BOTH(test_row_loop_reports_final_failure),
        BOTH(test_nested_statements),
        BOTH(test_transactions),
        BOTH(test_errors),
        BOTH(test_serialisation_failure),
        BOTH(test_connection_loss),
        BOTH(test_admin_shutdown_and_durability),
        BOTH(test_migrations),
        cmocka_unit_test(test_schema_dialect),
    };
    return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
