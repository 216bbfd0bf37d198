/* both_stores.h — for unit tests that run once per database (SQLite, and the throwaway
 * PostgreSQL of scripts/pg-test.sh named by $TRUCE_TEST_PG): a fresh database per case.
 * Include after cmocka.h and store/db.h. */
#ifndef TRUCE_TESTS_BOTH_STORES_H
#define TRUCE_TESTS_BOTH_STORES_H

static db_kind KIND_SQLITE = DB_SQLITE, KIND_PG = DB_PG;

/* Registers test fn twice, once per database (the file's setup and teardown get the kind). */
#define BOTH(fn)                                                                   \
    cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &KIND_SQLITE), \
        cmocka_unit_test_prestate_setup_teardown(fn, setup, teardown, &KIND_PG)

/* Runs sql on the PostgreSQL cluster's maintenance database. */
static void admin(const char *sql) {
    db *a = NULL;
    tr_err err = {0};
    assert_int_equal(db_open(getenv("TRUCE_TEST_PG"), &a, &err), TR_OK);
    if (db_exec(a, sql, &err)) fail_msg("%s: %s", sql, err.msg);
    db_close(a);
}

/* A new empty database of kind into uri (SQLite: a file under /tmp; PostgreSQL: a database
 * created on the cluster, its name into name), prefix telling the tests apart. */
static void fresh_database(db_kind kind, const char *prefix, char *uri, size_t nuri, char *name,
                           size_t nname) {
    static int seq;
    if (kind == DB_SQLITE) {
        snprintf(uri, nuri, "/tmp/truce-%s-%d-%d.db", prefix, (int)getpid(), ++seq);
        return;
    }
    const char *base = getenv("TRUCE_TEST_PG");
    if (!base) fail_msg("TRUCE_TEST_PG is not set: run under scripts/pg-test.sh (ctest does)");
    snprintf(name, nname, "truce_%s_%d_%d", prefix, (int)getpid(), ++seq);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    admin(sql);
    snprintf(uri, nuri, "%.*s/%s", (int)(strrchr(base, '/') - base), base, name);
}

#endif
