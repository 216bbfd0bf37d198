/* store_int.h — helpers shared by the SQLite store's files (not part of store.h). */
#ifndef TRUCE_STORE_INT_H
#define TRUCE_STORE_INT_H

#include <sqlite3.h>

#include <pthread.h>

#include "store/store.h"

/* Prepared statements of a connection, keyed by the SQL text's address: an
 * open-addressing table that grows (every statement a thread prepares stays cached
 * until the connection closes, so none is ever leaked). */
typedef struct stmt_slot {
    const char *sql;
    sqlite3_stmt *st;
} stmt_slot;

typedef struct conn {
    sqlite3 *db;
    stmt_slot *cache; /* ncap slots (a power of two), ncache used */
    size_t ncap, ncache;
    struct conn *next;
    pthread_t owner;
    bool sync_normal; /* PRAGMA synchronous=NORMAL now (group commit), else FULL */
} conn;

struct store {
    char *path;
    pthread_mutex_t writer;   /* invariant 1 */
    conn *wconn;              /* the connection every write runs on (under writer) */
    conn *wprev;              /* the writing thread's own connection, put back after */
    pthread_mutex_t conns_mu; /* guards conns */
    conn *conns;
    pthread_key_t key; /* this thread's conn */
    int schema_version;
    tlog_tree tree;                /* the log's tree as of the open transaction (writer) */
    tlog_tree saved;               /* the tree at store_begin, restored by a rollback */
    bool tx_notices;               /* the open transaction inserted notices */
    void (*on_notices)(void *ctx); /* store_on_notices (set and called under writer) */
    void *on_notices_ctx;
    struct store_group *group; /* group commit (store_group.c) */
};

/* The store's group commit (store_group.h). */
struct store_group *store__group(store *s);

/* Inside a transaction: brings s->tree up to the log's committed size. */
int store__log_sync(store *s, tr_err *err);

/* store_fault.c: the only caller of sqlite3_step; with TRUCE_FAULT (test builds) a chosen
 * step answers SQLITE_IOERR without running. Returns SQLITE_ROW, SQLITE_DONE or the error. */
int store__step(sqlite3_stmt *st);
/* Whether this COMMIT / this connection's opening is to fail (TRUCE_FAULT). */
bool store__commit_fault(void);
bool store__open_fault(void);
/* Maps a failure (code: what sqlite3_step returned, or 0 for the connection's last error)
 * to TR_ECONFLICT (unique violation), TR_EUNAVAIL (busy, locked, I/O error, full: 503) or
 * TR_EIO (500), with a message starting with what (which names the table). */
int store__fail_code(tr_err *err, sqlite3 *db, int code, const char *what);
int store__db_fail(tr_err *err, sqlite3 *db, const char *what);
/* Ends a scan of st whose last step returned step: resets st; returns rc when the caller
 * stopped early (rc != TR_OK), TR_OK when the scan ended at SQLITE_DONE or at a row, else
 * the failure. Every row loop ends with it, so an I/O error mid-scan is never a short list. */
int store__scan_end(sqlite3_stmt *st, int step, int rc, const char *what, tr_err *err);
/* After the one step of a single-row read: TR_OK (a row), TR_ENOTFOUND (none; err is not
 * filled) or the failure (st reset). */
int store__one(sqlite3_stmt *st, int step, const char *what, tr_err *err);
/* This thread's cached statement for sql (a static string), reset with bindings cleared. */
sqlite3_stmt *store__prep(store *s, const char *sql, tr_err *err);
/* Steps st to SQLITE_DONE and resets it. */
int store__step_done(store *s, sqlite3_stmt *st, const char *what, tr_err *err);
void store__bind_text(sqlite3_stmt *st, int i, const char *v);
char *store__col_dup(sqlite3_stmt *st, int i); /* malloc'd copy or NULL */

/* store_dc_pack.c: an operation's volumes in binary (malloc'd; NULL when out of memory),
 * and back into o->volumes (TR_EIO when the bytes are not such a form). */
void *store__volumes_pack(const tr_operation *o, size_t *len);
int store__volumes_unpack(const void *data, size_t len, tr_operation *o);
/* store_dc_state.c: a movement's schedule rows (inside the movement's transaction). */
int store__movement_schedule_write(store *s, const tr_movement *m, tr_err *err);
int store__movement_schedule_read(store *s, tr_movement *m, tr_err *err);

#endif
