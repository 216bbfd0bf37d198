/*
 * db_int.h — what db.c shares with its two drivers (db_sqlite.c, db_pg.c).
 *
 * db.c keeps what does not depend on the database: the driver table, the statement
 * cache, the transaction flag and the row loop. A driver allocates its own structs
 * with struct db / struct db_stmt as their first member and fills a db_ops table.
 */
#ifndef TRUCE_STORE_DB_INT_H
#define TRUCE_STORE_DB_INT_H

#include "store/db.h"

typedef struct db_slot {
    const char *sql; /* key: the address of the caller's static SQL text */
    db_stmt *st;
} db_slot;

typedef struct db_ops {
    void (*close)(db *d);
    int (*exec)(db *d, const char *sql, tr_err *err);
    int (*prepare)(db *d, const char *sql, db_stmt **out, tr_err *err);
    void (*finalize)(db_stmt *st);
    void (*reset)(db_stmt *st, bool clear); /* clear: bindings too */
    void (*bind)(db_stmt *st, int i, db_type t, int64_t iv, double dv, const void *p, size_t n);
    int (*step)(db_stmt *st, bool *row, tr_err *err);
    int (*col_count)(db_stmt *st);
    const char *(*col_name)(db_stmt *st, int i);
    db_type (*col_type)(db_stmt *st, int i);
    int64_t (*col_int)(db_stmt *st, int i);
    double (*col_double)(db_stmt *st, int i);
    const char *(*col_text)(db_stmt *st, int i);
    const void *(*col_blob)(db_stmt *st, int i, size_t *n);
    int64_t (*changes)(db *d);
    int (*set_timeout)(db *d, int ms, tr_err *err);
    const char *(*begin_sql)(db_tx mode);
    bool (*cut)(db *d);
    bool (*tx_lost)(db *d); /* the transaction died with its connection (PostgreSQL) */
    int (*wait_notify)(db *d, int timeout_ms, bool *got, tr_err *err); /* NULL: none (SQLite) */
} db_ops;

struct db {
    const db_ops *ops;
    db_kind kind;
    db_slot *cache; /* open addressing on the SQL address; load at most one half */
    size_t ncache, ncap;
    bool in_tx;
};

struct db_stmt {
    db *d;
    bool cached; /* owned by d's cache (db_finalize of it is a no-op) */
};

/* Drivers. */
int db__sqlite_open(const char *path, db **out, tr_err *err);
int db__pg_open(const char *conninfo, db **out, tr_err *err);
/* Frees d's cached statements (drivers call it from their close). */
void db__cache_free(db *d);

#endif
