/* store_int.h — helpers shared by the store's files (not part of store.h). */
#ifndef TRUCE_STORE_INT_H
#define TRUCE_STORE_INT_H

#include <pthread.h>

#include "store/db.h"
#include "store/store.h"

/* One database connection per thread (db.h), all of them listed for store_close. */
typedef struct conn {
    db *db;
    struct conn *next;
    bool sync_normal; /* SQLite: PRAGMA synchronous=NORMAL now (group commit), else FULL */
} conn;

struct store {
    char *path;               /* the database URI (a SQLite path or a PostgreSQL URI) */
    pthread_mutex_t writer;   /* invariant 1 */
    conn *wconn;              /* the connection every write runs on (under writer) */
    conn *wprev;              /* the writing thread's own connection, put back after */
    pthread_mutex_t conns_mu; /* guards conns */
    conn *conns;
    pthread_key_t key; /* this thread's conn */
    int schema_version;
    tlog_tree tree;                /* the log's tree as of the open transaction (writer) */
    tlog_tree saved;               /* the tree at store_begin, restored by a rollback */
    tlog_hash last_leaf;           /* the leaf of the last entry store_log_append stored */
    bool tx_notices;               /* the open transaction inserted notices */
    /* Shared transactions (group commit, store.h C7; store_tx.c), all under writer: */
    bool batch;                    /* wconn's transaction is open with writes released into it */
    bool batch_notices;            /* one of those writes inserted notices */
    bool joined;                   /* the write in progress runs in SAVEPOINT w inside the batch */
    bool joins;                    /* the write in progress may end in the batch (its thread defers) */
    void (*on_notices)(void *ctx); /* store_on_notices (set and called under writer) */
    void *on_notices_ctx;
    struct store_group *group;   /* group commit (store_group.c) */
    struct store_follow *follow; /* following other instances (store_follow.c) */
    /* The last notice store_notice_insert stored (under writer) and the log index it
     * stored with it: the next append's. store_notice_set_log_index skips its UPDATE when
     * asked for exactly that pair (one round trip less per notice on PostgreSQL). */
    int64_t notice_id;
    uint64_t notice_index;
};

/* store_follow.c: made by store_open, freed by store_close (NULL when out of memory). */
struct store_follow *store__follow_new(void);
void store__follow_free(struct store_follow *f);
/* store_begin, inside the transaction with the log synced: applies what other processes
 * committed (s->tree.size > applied), after checking that nothing applied was lost. */
int store__follow_tx(store *s, tr_err *err);
/* store_begin without store__follow_tx (store_follow_reload). */
int store__begin_unfollowed(store *s, tr_err *err);
/* The hash of the leaf at index (log_node level 0); TR_ENOTFOUND when there is none. */
int store__log_leaf(store *s, uint64_t index, tlog_hash *leaf, tr_err *err);
/* Before COMMIT of a transaction that appended entries: NOTIFY the other instances
 * (PostgreSQL, with a hook). */
int store__follow_notify(store *s, tr_err *err);
/* After a commit and its publish: applied is the log size. */
void store__follow_committed(store *s);

/* The store's group commit (store_group.h). */
struct store_group *store__group(store *s);
/* store_tx.c: commits the open shared transaction, if any (takes the writer lock unless
 * this thread holds it); a failed COMMIT stops the process (store.h C7). ctx is the store. */
void store__batch_commit(void *ctx);
/* store_sqlite.c: opens a new connection to the store's database, listed for store_close. */
int store__conn_open(store *s, conn **out, tr_err *err);

/* Inside a transaction: brings s->tree up to the log's committed size. */
int store__log_sync(store *s, tr_err *err);

/* What store__step returns besides a failure's tr_code. */
enum { STORE_ROW = 100, STORE_DONE = 101 };

/* Steps st (db_step): STORE_ROW, STORE_DONE, or the failure's tr_code, whose message is
 * kept for this thread until store__fail reports it. */
int store__step(db_stmt *st);
/* Reports the failure of the last store__step on this thread (step: what it returned) as
 * TR_ECONFLICT (unique violation), a 503 code (the database cannot serve now: busy,
 * locked, I/O error, full, lost, shutting down) or TR_EIO (500), with a message starting
 * with what (which names the table). A step that returned a row or DONE where it should
 * not is TR_EIO. */
int store__fail(tr_err *err, int step, const char *what);
/* The same for a failure e that db.h reported (into err, with what). */
int store__fail_with(tr_err *err, const tr_err *e, const char *what);
/* store_fault.c: whether this COMMIT / this connection's opening is to fail (TRUCE_FAULT). */
bool store__commit_fault(void);
bool store__open_fault(void);
/* Ends a scan of st whose last step returned step: resets st; returns rc when the caller
 * stopped early (rc != TR_OK), TR_OK when the scan ended at STORE_DONE or at a row, else
 * the failure. Every row loop ends with it, so an I/O error mid-scan is never a short list. */
int store__scan_end(db_stmt *st, int step, int rc, const char *what, tr_err *err);
/* After the one step of a single-row read: TR_OK (a row), TR_ENOTFOUND (none; err is not
 * filled) or the failure (st reset). */
int store__one(db_stmt *st, int step, const char *what, tr_err *err);
/* This thread's connection (opened on first use). */
db *store__db(store *s, tr_err *err);
/* This thread's cached statement for sql (a static string), reset with bindings cleared. */
db_stmt *store__prep(store *s, const char *sql, tr_err *err);
/* The same with SQL that differs by database (both static strings): sqlite_sql on SQLite,
 * pg_sql on PostgreSQL. For what the common dialect (db.h) cannot say, e.g. JSON. */
db_stmt *store__prep2(store *s, const char *sqlite_sql, const char *pg_sql, tr_err *err);
/* Steps st to its end and resets it. An `INSERT … RETURNING x` statement's x is kept:
 * store__last_id reads it. */
int store__step_done(store *s, db_stmt *st, const char *what, tr_err *err);
/* The value RETURNING gave to this thread's last store__step_done (0 if none). */
int64_t store__last_id(void);
/* A blob column of the current row and its size (NULL and 0 for NULL). */
const void *store__col_blob(db_stmt *st, int i);
int store__col_bytes(db_stmt *st, int i);
/* Rows changed by the last statement run on st's connection. */
int64_t store__changes(db_stmt *st);

/* store_dc_pack.c: an operation's volumes in binary (malloc'd; NULL when out of memory),
 * and back into o->volumes (TR_EIO when the bytes are not such a form). */
void *store__volumes_pack(const tr_operation *o, size_t *len);
int store__volumes_unpack(const void *data, size_t len, tr_operation *o);
/* store_dc_state.c: a movement's schedule rows (inside the movement's transaction). */
int store__movement_schedule_write(store *s, const tr_movement *m, tr_err *err);
int store__movement_schedule_read(store *s, tr_movement *m, tr_err *err);

/* ---- the row layer (store_rows.c): one kind's rows read into its domain value ---- */

/* How the store reads a kind's rows. The kind's descriptor (domain/kinds.h) names it in
 * messages ("there is no site 4", "reading table site"); read and clear are the kind's
 * typed reader and free behind a row pointer (a tr_site *, a tr_movement *, ...). */
typedef struct store_rows {
    tr_kind kind;
    size_t size; /* sizeof the domain value */
    /* The current row of st into *row: TR_OK, TR_EIO for a row that does not decode (err
     * not filled), or a failure (err filled). *row is to be cleared in every case. */
    int (*read)(store *s, db_stmt *st, void *row, tr_err *err);
    void (*clear)(void *row);
} store_rows;

/* Defines `static const store_rows NAME` for a kind of type T read by
 * `int READ(db_stmt *, T *)` (TR_OK or TR_EIO) and freed by `void CLEAR(T *)`. */
#define STORE_ROWS(NAME, KIND, T, READ, CLEAR)                                                               \
    static int NAME##_read_(store *s_, db_stmt *st_, void *row_, tr_err *err_) {                             \
        (void)s_, (void)err_;                                                                                \
        return READ(st_, (T *)row_);                                                                         \
    }                                                                                                        \
    static void NAME##_clear_(void *row_) {                                                                  \
        CLEAR((T *)row_);                                                                                    \
    }                                                                                                        \
    static const store_rows NAME = {KIND, sizeof(T), NAME##_read_, NAME##_clear_}

/* Reads the row of id with sql (one parameter, the id) into *out (zeroed first): TR_OK,
 * TR_ENOTFOUND ("there is no <kind> <id>", field "id"), TR_EIO for a row that does not
 * decode, or the storage failure. On failure *out holds nothing to free. */
int store__get(store *s, const char *sql, int64_t id, const store_rows *k, void *out, tr_err *err);

/* A scan of a kind's rows:
 *     store_scan sc = store__scan(s, SQL, &SITE_ROWS, err);   (bind sc.st's parameters if sc.st)
 *     for (tr_site x; store__scan_next(&sc, &x);) sc.rc = fn(&x, ctx);
 *     return store__scan_close(&sc);
 * Each row is cleared by the next store__scan_next or by store__scan_close; a row that does
 * not decode stops the scan with TR_EIO ("stored site 4 is unreadable") unless skip is set
 * (lists skip them); a storage failure mid-scan is returned, never a short list. */
typedef struct store_scan {
    store *s;
    db_stmt *st; /* NULL when the statement could not be prepared (err filled) */
    const store_rows *k;
    tr_err *err;
    void *held; /* the row handed out last, cleared by the next call */
    int step;   /* the last store__step */
    int rc;     /* TR_OK while the scan goes on; what the caller's callback returned */
    bool skip;  /* skip rows that do not decode */
} store_scan;
store_scan store__scan(store *s, const char *sql, const store_rows *k, tr_err *err);
/* The same on a statement already prepared (st NULL: its preparation failed, err filled). */
store_scan store__scan_on(store *s, db_stmt *st, const store_rows *k, tr_err *err);
/* Binds b's minx, miny, maxx, maxy to parameters i .. i+3 of st. */
void store__bind_box(db_stmt *st, int i, const geo_box *b);
bool store__scan_next(store_scan *sc, void *row);
int store__scan_close(store_scan *sc);

#endif
