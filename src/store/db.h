/*
 * db.h — one SQL interface over two databases: SQLite (the embedded default) and
 * PostgreSQL (libpq). The store is written once against it (issue 13).
 *
 * Opening. db_open takes a URI: "postgresql://…", "postgres://…" or any libpq
 * connection string ("host=… dbname=…") opens PostgreSQL; anything else is a SQLite
 * path (or a "file:" URI). A db is one connection, used by one thread at a time.
 *
 * The common dialect. SQL is written once, as SQLite reads it, with these rules:
 *  - parameters are `?` (1-based) or `?NNN` (numbered, as in SQLite), translated to $1, $2, … for PostgreSQL
 * (a `?` inside a '…' literal, a "…" identifier or a comment is left alone);
 *  - new ids come back through `INSERT … RETURNING id`, never last_insert_rowid();
 *  - only types int64, double, text and blob (bytea), and NULL; booleans are 0/1
 *    integers (a PostgreSQL boolean result reads as 0/1 through db_col_int);
 *  - a parameter whose type the context does not give (`? IS NULL`, `SELECT ?`) is cast:
 *    CAST(? AS BIGINT); SQLite's own functions (json_*, group_concat, ifnull, strftime)
 *    and INSERT OR … are not in the dialect (use ON CONFLICT … DO NOTHING, coalesce);
 *  - `sum(bigint)` is numeric on PostgreSQL: db_col_int and db_col_double read it.
 *
 * Statements. db_prep returns a statement cached on the connection, keyed by the
 * address of its SQL text (use static constant strings), reset and with its bindings
 * cleared; it stays owned by the db. db_prepare/db_finalize are for SQL built at run
 * time (the caller owns it). Binds and column getters are by index (binds from 1,
 * columns from 0, as in SQLite). A text or blob value returned by a getter is valid
 * until the next db_step or reset of that statement.
 *
 * Rows. db_step runs the statement on its first call and moves to the next row; it
 * returns TR_OK with *row true while there is a row, TR_OK with *row false once the
 * statement is done, and an error code (err filled) when any step fails — including the
 * last one, so a loop `while (!(rc = db_step(st, &row, err)) && row) …; if (rc) …` never
 * mistakes a failed scan for a short one. db_each wraps that loop. PostgreSQL rows are
 * streamed one at a time (libpq single-row mode), never held all in memory.
 *
 * Transactions. db_begin(DB_TX_WRITE): BEGIN IMMEDIATE on SQLite (the write lock at once)
 * and READ COMMITTED on PostgreSQL; DB_TX_SERIAL: SERIALIZABLE on PostgreSQL (BEGIN
 * IMMEDIATE on SQLite, which is serial anyway); DB_TX_SNAPSHOT: a read-only snapshot
 * (BEGIN on SQLite, REPEATABLE READ READ ONLY on PostgreSQL). Nothing commits on its own.
 *
 * Errors (tr_err codes). A unique or primary-key violation is TR_ECONFLICT; the database
 * that cannot serve now but may soon gives one of TR_EDB_LOST (connection lost, server
 * unreachable), TR_EDB_SHUTDOWN (administrator or crash shutdown, starting up),
 * TR_EDB_READONLY (read-only transaction, a standby after failover; SQLite: read-only
 * file) and TR_EDB_RETRY (serialisation failure or deadlock; SQLite: busy) — all 503
 * with Retry-After at the edge (db_retryable); an SQLite I/O error, full disk or file it
 * cannot open is TR_EUNAVAIL (503 too); anything else is TR_EIO.
 *
 * Connection loss (PostgreSQL). The call that meets it fails; the next call reconnects
 * (and re-prepares cached statements lazily). A loss inside a transaction keeps failing
 * with TR_EDB_LOST until db_rollback (or db_commit, which fails) ends that transaction:
 * nothing after a loss can run outside the transaction it was meant for. Every session
 * runs with synchronous_commit on, so an acknowledged commit is on the server's disk.
 */
#ifndef TRUCE_STORE_DB_H
#define TRUCE_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct db db;           /* one connection */
typedef struct db_stmt db_stmt; /* one prepared statement of one connection */

typedef enum { DB_SQLITE, DB_PG } db_kind;
typedef enum { DB_NULL, DB_INT, DB_FLOAT, DB_TEXT, DB_BLOB } db_type;
typedef enum { DB_TX_WRITE, DB_TX_SERIAL, DB_TX_SNAPSHOT } db_tx;

/* True when uri names a PostgreSQL database (postgresql://, postgres:// or key=value). */
bool db_uri_is_pg(const char *uri);
/* uri with any password replaced by "***", for messages (into out, n bytes). */
void db_uri_redact(const char *uri, char *out, size_t n);

/* Opens a connection (SQLite: creates the file if absent). *out is freed by db_close. */
int db_open(const char *uri, db **out, tr_err *err);
/* Finalizes every statement of d (cached or not) and closes it; NULL is fine. */
void db_close(db *d);
db_kind db_kind_of(const db *d);
/* How long a statement waits for a lock before TR_EDB_RETRY (default 10 s). */
int db_set_timeout_ms(db *d, int ms, tr_err *err);

/* Runs one or more ;-separated statements without parameters, discarding rows. */
int db_exec(db *d, const char *sql, tr_err *err);

/* The cached statement of sql (a static string: cached by address); NULL with err. */
db_stmt *db_prep(db *d, const char *sql, tr_err *err);
/* A statement the caller owns (sql copied); db_finalize frees it. */
int db_prepare(db *d, const char *sql, db_stmt **out, tr_err *err);
void db_finalize(db_stmt *st);
/* Back to before the first step, bindings kept (db_prep clears them). */
void db_reset(db_stmt *st);

/* Binds (1-based). text/blob are copied. A failed bind (no memory) fails the next step. */
void db_bind_null(db_stmt *st, int i);
void db_bind_int(db_stmt *st, int i, int64_t v);
void db_bind_double(db_stmt *st, int i, double v);
void db_bind_text(db_stmt *st, int i, const char *v); /* NULL binds NULL */
void db_bind_blob(db_stmt *st, int i, const void *p, size_t n);

/* The next row (see "Rows" above). */
int db_step(db_stmt *st, bool *row, tr_err *err);
/* Calls fn for every row; stops at fn's first non-zero return (returned as is) or at a
 * failed step (its code). The statement is reset after. */
int db_each(db_stmt *st, int (*fn)(void *ctx, db_stmt *st, tr_err *err), void *ctx, tr_err *err);
/* Runs a statement that returns no rows (a row is TR_EINTERNAL); then resets it. */
int db_run(db_stmt *st, tr_err *err);
/* Runs `INSERT … RETURNING x` and reads x (int64) from its one row; then resets it. */
int db_insert_id(db_stmt *st, int64_t *id, tr_err *err);
/* The connection st belongs to. */
db *db_of(db_stmt *st);
/* Rows changed by the last db_run / db_insert_id / db_exec statement of d. */
int64_t db_changes(db *d);

/* Columns of the current row (0-based). */
int db_col_count(db_stmt *st);
const char *db_col_name(db_stmt *st, int i);
db_type db_col_type(db_stmt *st, int i);
int64_t db_col_int(db_stmt *st, int i);
double db_col_double(db_stmt *st, int i);
const char *db_col_text(db_stmt *st, int i);            /* NULL for NULL */
const void *db_col_blob(db_stmt *st, int i, size_t *n); /* NULL (n 0) for NULL */
/* A malloc'd copy of a text column (NULL for NULL or no memory). */
char *db_col_dup(db_stmt *st, int i);

/* Transactions (see above). db_rollback never fails (a lost connection has none). */
int db_begin(db *d, db_tx mode, tr_err *err);
int db_commit(db *d, tr_err *err);
void db_rollback(db *d);
bool db_in_tx(const db *d);

/* Applies every numbered migration (store/migrations.h) not yet in schema_version, as
 * store_sqlite.c does on SQLite (each in its own BEGIN IMMEDIATE). On PostgreSQL: all
 * pending ones in one transaction under an advisory lock (two processes starting at
 * once apply each once), translated (db_pg.h), after PostGIS is created if missing;
 * recorded in schema_version with the same numbers. *version: the highest applied. */
int db_migrate(db *d, int *version, tr_err *err);

/* True for the codes of a database that may serve again soon (503 + Retry-After). */
bool db_retryable(int code);

/* Notifications (PostgreSQL LISTEN/NOTIFY; issue 14). After db_exec(d, "LISTEN chan"),
 * waits up to timeout_ms for a notification on d: *got is true when one or more arrived
 * (all pending ones are consumed). A lost connection is TR_EDB_LOST and is not
 * reconnected here (a reconnection would drop the LISTEN: open a new db instead). On
 * SQLite: TR_EINVAL (one process has nothing to hear). */
int db_wait_notify(db *d, int timeout_ms, bool *got, tr_err *err);

/* For tests: cuts the network connection under d as a failing link would (PostgreSQL;
 * false on SQLite, which has none). */
bool db_debug_cut(db *d);

#endif
