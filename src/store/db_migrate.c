/*
 * db_migrate.c — the numbered migrations applied through db.h, on either database.
 *
 * SQLite: exactly as store_sqlite.c's migrate (the two are one once the store runs on
 * db.h): each pending migration in its own BEGIN IMMEDIATE, re-checked inside it.
 * PostgreSQL: one transaction for all pending migrations, serialised between processes
 * by a transaction-scoped advisory lock; each file translated by db_pg_schema.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/timeutil.h"
#include "store/db.h"
#include "store/db_pg.h"
#include "store/migrations.h"

#define MIGRATE_LOCK 0x7472756365 /* "truce": pg_advisory_xact_lock key of migrations */

static const char SQL_APPLIED[] = "SELECT 1 FROM schema_version WHERE version = ?";
static const char SQL_RECORD[] = "INSERT INTO schema_version(version, name, applied_at) VALUES (?, ?, ?)";
static const char SQL_MAX[] = "SELECT coalesce(max(version), 0) FROM schema_version";

static int applied(db *d, int version, bool *yes, tr_err *err) {
    db_stmt *st = db_prep(d, SQL_APPLIED, err);
    if (!st) return err ? err->code : TR_EIO;
    db_bind_int(st, 1, version);
    int rc = db_step(st, yes, err);
    db_reset(st);
    return rc;
}

static int record(db *d, const store_migration *m, tr_err *err) {
    db_stmt *st = db_prep(d, SQL_RECORD, err);
    if (!st) return err ? err->code : TR_EIO;
    db_bind_int(st, 1, m->version);
    db_bind_text(st, 2, m->name);
    db_bind_int(st, 3, tr_time_now());
    return db_run(st, err);
}

static int highest(db *d, int *version, tr_err *err) {
    db_stmt *st = db_prep(d, SQL_MAX, err);
    if (!st) return err ? err->code : TR_EIO;
    bool row;
    int rc = db_step(st, &row, err);
    if (rc == TR_OK && row) *version = (int)db_col_int(st, 0);
    db_reset(st);
    return rc;
}

/* One migration: its SQL (translated on PostgreSQL) and its schema_version row. */
static int apply(db *d, const store_migration *m, tr_err *err) {
    char *pg = NULL;
    int rc = db_kind_of(d) == DB_PG ? db_pg_schema(m->name, m->sql, &pg, err) : TR_OK;
    if (rc == TR_OK) rc = db_exec(d, pg ? pg : m->sql, err);
    free(pg);
    if (rc == TR_OK) rc = record(d, m, err);
    if (rc && err) {
        tr_err e = *err;
        tr_fail(err, e.code, "", "migration %s failed: %.300s", m->name, e.msg);
    }
    return rc;
}

static int migrate_sqlite(db *d, tr_err *err) {
    int rc = TR_OK;
    for (const store_migration *m = store_migrations; m->version && rc == TR_OK; m++) {
        bool yes = false;
        if ((rc = applied(d, m->version, &yes, err)) || yes) continue;
        if ((rc = db_begin(d, DB_TX_WRITE, err))) break;
        if ((rc = applied(d, m->version, &yes, err)) == TR_OK && !yes) rc = apply(d, m, err);
        if (rc == TR_OK)
            rc = db_commit(d, err);
        else
            db_rollback(d);
    }
    return rc;
}

/* PostGIS, unless the database has it (creating it needs a superuser or the owner of a
 * database where it is trusted: docs/operations.md). */
static const char SQL_POSTGIS[] =
    "DO $d$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis') THEN"
    " CREATE EXTENSION postgis; END IF; END $d$";

static int migrate_pg(db *d, tr_err *err) {
    char lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_xact_lock(%lld)", (long long)MIGRATE_LOCK);
    int rc = db_begin(d, DB_TX_SERIAL, err);
    if (rc) return rc;
    if ((rc = db_exec(d, lock, err)) == TR_OK && (rc = db_exec(d, SQL_POSTGIS, err)) && err) {
        tr_err e = *err;
        tr_fail(err, e.code, "--db", "PostGIS is needed and could not be created: %.300s", e.msg);
    }
    if (rc == TR_OK)
        rc = db_exec(d,
                     "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY,"
                     " name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                     err);
    bool prelude = false;
    for (const store_migration *m = store_migrations; m->version && rc == TR_OK; m++) {
        bool yes = false;
        if ((rc = applied(d, m->version, &yes, err)) || yes) continue;
        if (!prelude && (rc = db_exec(d, DB_PG_PRELUDE, err))) break;
        prelude = true;
        rc = apply(d, m, err);
    }
    if (rc == TR_OK) return db_commit(d, err);
    db_rollback(d);
    return rc;
}

int db_migrate(db *d, int *version, tr_err *err) {
    int rc = TR_OK;
    if (db_kind_of(d) == DB_SQLITE)
        rc = db_exec(d,
                     "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                     " name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                     err);
    if (rc == TR_OK) rc = db_kind_of(d) == DB_PG ? migrate_pg(d, err) : migrate_sqlite(d, err);
    if (rc == TR_OK) rc = highest(d, version, err);
    return rc;
}
