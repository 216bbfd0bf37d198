/*
 * store.h — the one narrow interface to durable state.
 *
 * One set of functions over two databases (issue 13): an SQLite file (the embedded
 * default) or a PostgreSQL 15 + PostGIS database (libpq), chosen by the --db / TRUCE_DB
 * value store_open receives (db.h: a postgresql:// or postgres:// URI or a libpq
 * key=value string is PostgreSQL, anything else an SQLite path). The SQL is written once
 * in db.h's common dialect (store_sqlite.c and the store_*.c files); the callers never
 * see which database it is. Values cross this interface as domain values (tr_area,
 * tr_agreement, tr_party) or as the API's JSON (lists), never as SQL types.
 *
 * What the store is, on both databases (the contract the callers rely on):
 *
 *  Connections. One database connection per thread that uses the store (an SQLite
 *    connection to the file, or a PostgreSQL session), opened on the thread's first
 *    call and closed by store_close (threads of a pool outlive requests); plus one
 *    writer connection shared by every write (below). Any thread may call any function.
 *    A read outside a transaction sees the last committed state (SQLite: a read
 *    transaction per statement; PostgreSQL: autocommit, READ COMMITTED); store_audit.h's
 *    store_audit_begin holds one snapshot on a thread for several reads.
 *  Writes and transactions. Every write happens between store_begin and store_commit /
 *    store_rollback on one thread. store_begin takes the process's writer mutex, moves
 *    the thread onto the writer connection, and begins the database's write transaction:
 *    SQLite BEGIN IMMEDIATE (the file's write lock at once: one writer across processes);
 *    PostgreSQL READ COMMITTED with the writers' transaction-scoped advisory lock
 *    (pg_advisory_xact_lock, db_pg.c: one truce writer at a time across processes on one
 *    database). So writes are serialised, and a check made inside the transaction (a
 *    conflict, a name taken, a version number) still holds at its COMMIT. Nothing
 *    commits on its own; a rejected or failed write is rolled back whole.
 *  The log. store_begin also brings the log's in-memory tree up to the committed
 *    log_entry rows (store__log_sync: another process may have appended); appends inside
 *    the transaction advance it and store_rollback restores the tree taken at begin, so
 *    the tree always matches the committed rows and a checkpoint signed inside a
 *    transaction signs exactly what the database holds.
 *  Durability of an acknowledged write. store_commit returns 0 only after COMMIT
 *    succeeded, and the HTTP edge answers only after store_sync, so a write a client was
 *    told of survives:
 *      SQLite: WAL with synchronous=FULL — the commit's WAL frames are fsync'ed before
 *        COMMIT returns; with group commit (C7) the writer commits with synchronous=NORMAL
 *        and store_sync waits for the one fdatasync of the WAL that covers the commit.
 *        It survives a crash of the process and of the machine (the file's disk).
 *      PostgreSQL: every session runs with synchronous_commit = on, so COMMIT returns
 *        after the server flushed its WAL up to the commit's record (and, when the
 *        operator sets synchronous_standby_names, after the standby confirmed it). It
 *        survives a crash of truce, of the server process and of the server's machine;
 *        group commit is the server's own (store_group_commit keeps truce's off).
 *  Failures. A failure of the database is never reported as a fact about the data:
 *    storage failures are 503-class codes (TR_EUNAVAIL; TR_EDB_LOST, TR_EDB_SHUTDOWN,
 *    TR_EDB_READONLY, TR_EDB_RETRY: db.h, answered 503 with Retry-After) or TR_EIO (500),
 *    never TR_ENOTFOUND, TR_EINVAL or TR_ECONFLICT, which only describe rows (C2). On
 *    PostgreSQL a lost connection fails the call that meets it and the next call
 *    reconnects; a loss inside a transaction fails every call until store_rollback.
 *
 * Design invariants (see store_sqlite.c for how each is kept):
 *  1. Every write happens between store_begin and store_commit on the calling thread;
 *     store_begin takes the store's single writer lock, so writes are serialised and a
 *     check-then-insert inside one transaction cannot race another writer.
 *  2. A rejected write is rolled back whole (store_rollback): nothing of it remains.
 *  3. A write is durable when store_commit returns 0 (above: SQLite WAL, synchronous=FULL;
 *     PostgreSQL synchronous_commit on) — with group commit on (store_group_commit, C7,
 *     SQLite only) durable when store_commit returns on a thread that does not defer,
 *     and by store_sync's return on one that does (the HTTP edge).
 *  4. Area versions are never updated except their effective_to, which only shrinks;
 *     rows are never deleted.
 *  5. The schema version is the highest migration applied; migrations run in order at
 *     store_open (SQLite: each in its own transaction; PostgreSQL: all pending ones in
 *     one transaction under an advisory lock, db_migrate).
 *
 * Ownership: out-values (tr_area, tr_agreement) are filled with memory the caller
 * frees with tr_area_clear / tr_agreement_clear; json_t values a row holds (an agreement's
 * document, an operation's volumes) are new references.
 *
 * The store returns domain values, never the API's JSON: a list hands domain values
 * (tr_area, tr_operation) or row structs to fn (C3, C4), and the JSON is built above it
 * (src/service/centre_lists.c), so answers keep their bytes whichever store serves them.
 *
 * The contract each database's store keeps (SQLite and PostgreSQL alike, issue 13):
 *  C1. Every function returns TR_OK or a tr_code and fills err (which may be NULL) with
 *      that code and one sentence; it never returns a valid-looking value on failure.
 *  C2. Codes: TR_ENOTFOUND only when the row asked for does not exist (a get by id);
 *      TR_ECONFLICT for a unique name or key already taken; TR_EINVAL only for a rule of
 *      the data itself (e.g. an area version that starts before the current one).
 *      A failure of the database is never one of those: TR_EUNAVAIL (SQLite busy,
 *      locked, an I/O error, disk full, cannot open), a TR_EDB_* code (PostgreSQL: the
 *      connection lost, the server shutting down or read-only, a serialisation failure
 *      or deadlock; db.h) — all answered 503 with Retry-After, try again — or TR_EIO
 *      (anything else, e.g. corruption: 500), and its message starts with
 *      "reading table <name>" (or names what it was storing), so an operator can tell
 *      which table failed (start-up prints it and exits non-zero).
 *  C3. Scans (*_each, *_scan, lists) call fn for every row in the stated order and
 *      return TR_OK only after the last row: a failure mid-scan returns its code, never
 *      a short list. fn's non-zero return stops the scan and is returned as is.
 *  C4. Pointers handed to fn (borrowed strings, row structs) live until fn returns;
 *      values a get fills belong to the caller (the clear function named beside it).
 *  C5. Writes happen only between store_begin and store_commit / store_rollback on one
 *      thread (invariant 1); a failure anywhere in between leaves nothing once the
 *      caller rolls back, and a failed COMMIT rolls back by itself (the in-memory
 *      engines are published only after a COMMIT succeeded: store_commit_publish).
 *  C6. Test builds (TRUCE_FAULT_HOOK) honour TRUCE_FAULT=step:N[+],commit:N[+],open:N[+]
 *      (store_fault.c): a store counts its statement steps, commits and connections the
 *      same way, so the fault tests (tests/api/test_store_faults.py) run against it.
 *  C7. Group commit (store_group.c, docs/operations.md "Group commit"): with it on,
 *      concurrent writes share flushes. Each write keeps its own transaction: it is checked,
 *      committed and published to the engines in commit order under the writer lock as
 *      before (so a refused or failed write never affects another), but its COMMIT does
 *      not wait for the disk; the writer lock is released and the write then waits for
 *      one flush that covers it (one fsync for every commit made while the previous one
 *      ran). Durable means: after a machine crash the commit and every commit before it
 *      are there. Other requests may read a commit before it is durable (an engine answer,
 *      a row), so nothing leaves the process before the commits it may have read are
 *      durable: the HTTP edge answers every request (read or write) only after store_sync;
 *      a stream reads, then syncs, then sends; a checkpoint is signed only over a synced
 *      log and the kept checkpoint is written after its commit is durable. A machine crash
 *      can then lose only commits no one outside the process was told of. A store must
 *      keep commits in one sequence (a flush covering commit n covers all before n), as
 *      WAL files do (SQLite's WAL, PostgreSQL's WAL: flush up to the LSN of the last
 *      commit, e.g. by one commit with synchronous_commit on).
 *      Shared transactions (SQLite; store_tx.c): on a thread that defers, a write ended
 *      by store_commit_shared is released into the writer connection's open transaction
 *      rather than COMMITted, and the writes that follow run in a SAVEPOINT inside it, so
 *      a refused or failed one is undone alone; once no flush runs, the first of them to
 *      wait in store_sync COMMITs the batch and leads the flush that covers it. Any other
 *      commit (store_commit, store_commit_publish: writes whose engine changes other
 *      requests join with rows) and any write of a thread that does not defer COMMIT the
 *      batch first. A failed COMMIT of a batch of several writes stops the process (as a
 *      failed flush does); a write alone in its transaction fails alone, as before.
 */
#ifndef TRUCE_STORE_H
#define TRUCE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "domain/domain.h"
#include "domain/humanitarian.h"
#include "domain/mine.h"
#include "domain/site.h"
#include "engines/tlog.h"

typedef struct store store;

/* The calls TRUCE_FAULT counts (store_fault.c, test builds only). */
typedef enum { STORE_FAULT_STEP, STORE_FAULT_COMMIT, STORE_FAULT_OPEN, STORE_FAULT_KINDS } store_fault_kind;
/* How many calls of kind k the process has made so far (0 in a build without the hook). */
uint64_t store_fault_seen(store_fault_kind k);

/* Opens the database at path (an SQLite file, created if absent, in WAL mode; or a
 * PostgreSQL URI, db.h) and applies pending migrations. Fails with the code of the
 * failure (a 503-class code when the database cannot be reached or opened now, TR_EIO
 * otherwise) and a message naming the file or the redacted URI. */
int store_open(const char *path, store **out, tr_err *err);
void store_close(store *s);
int store_schema_version(store *s);

/* store_begin also brings the log's tree up to the committed state (another process
 * may have appended); store_rollback undoes the transaction's appends to it. */
int store_begin(store *s, tr_err *err);
int store_commit(store *s, tr_err *err);
/* Commits, then — still holding the writer lock — calls publish(ctx), so whatever mirrors
 * the store in memory receives committed writes in commit order. publish runs only after
 * a successful COMMIT; its code is returned. */
int store_commit_publish(store *s, int (*publish)(void *ctx, tr_err *err), void *ctx, tr_err *err);
void store_rollback(store *s);
/* Ends the write like store_commit, but with group commit on a thread that defers (the
 * HTTP edge) the write is released into the shared transaction instead of COMMITting it
 * (C7): for writes whose effects other requests read only from the database or from an
 * engine whose answers are not joined with rows (a report: its incident). store_sync
 * commits it. */
int store_commit_shared(store *s, tr_err *err);
/* Group commit (C7): on, commits of every thread share flushes; off (the default), each
 * commit flushes by itself. `truce serve` turns it on unless --group-commit off. */
int store_group_commit(store *s, bool on, tr_err *err);
/* On this thread, until store_sync: commits return without waiting for their flush (the
 * caller must call store_sync before anyone is told of the write). */
void store_defer_durable(store *s);
/* Waits until every commit made so far by any thread is durable (at once when none is
 * pending or group commit is off) and ends this thread's deferral. Fails only when the
 * flush fails (then the process has already stopped: a flush failure is fatal). */
int store_sync(store *s, tr_err *err);
/* The same, but waits only until every write that did not end by store_commit_shared is
 * durable: for an answer that reads nothing such a write changes (the attribution engine,
 * the parties), which then need not wait for the reports of a busy centre. */
int store_sync_unshared(store *s, tr_err *err);
/* Writes committed, flushes and database transactions COMMITted since the store was opened
 * (flushes and transactions <= commits; all equal when off). transactions may be NULL. */
void store_commit_stats(store *s, uint64_t *commits, uint64_t *flushes, uint64_t *transactions);
/* fn(ctx) is called after each commit that inserted notices, under the writer lock: it
 * must be quick and must not use the store (it wakes notice streams). NULL removes it. */
void store_on_notices(store *s, void (*fn)(void *ctx), void *ctx);

/* ---- several instances on one database (store_follow.c; issue 14) ----
 *
 * Several processes may serve one PostgreSQL database. Their writes serialise in
 * PostgreSQL (store_begin: the writers' advisory lock), and each keeps `applied`, the log
 * size its in-memory engines reflect. A follow hook (the centre's) applies entries
 * [from, to) that other processes committed: store_begin runs it inside its transaction
 * before the write checks anything, the follower thread when PostgreSQL notifies a commit
 * (LISTEN/NOTIFY, with a poll as a safety net). Hooks run under the writer mutex, so in
 * log order and never beside a local write. On SQLite (one process) there is no hook
 * and nothing to follow. */

/* The hook: applies entries [from, to), advancing *done past each one applied (so a
 * failure leaves *done at the first entry not applied); *notices set when one was a
 * notice (the notice streams are woken). */
typedef int (*store_follow_fn)(void *ctx, uint64_t from, uint64_t to, uint64_t *done, bool *notices,
                               tr_err *err);
/* Sets the hook (before any other thread uses s) and the log size the engines reflect now. */
void store_follow_set(store *s, store_follow_fn fn, void *ctx, uint64_t applied);
/* True when s is a PostgreSQL database (other processes may write to it). */
bool store_shared(const store *s);
/* The log size this process's engines reflect. */
uint64_t store_applied(store *s);
/* Applies what other processes committed since (under the writer mutex). TR_OK at once
 * without a hook. */
int store_catch_up(store *s, tr_err *err);
/* Waits up to timeout_ms until the entry at index is applied: TR_OK, or TR_EUNAVAIL (503)
 * naming field. Without a hook: whether the log holds index. */
int store_wait_applied(store *s, uint64_t index, int timeout_ms, const char *field, tr_err *err);
/*
 * Lost entries (a failover): PostgreSQL shows a commit to other sessions before its
 * synchronous standby confirms it when the wait is cancelled, so this process may have
 * applied an entry the promoted standby never got. Each catch-up (store_begin, the
 * follower, store_wait_applied) compares the database's log with what was applied: a log
 * shorter than `applied`, or another leaf hash at index applied - 1, means entries were
 * lost. The store then says so on stderr, refuses writes and waits (TR_EUNAVAIL, 503)
 * until the reload hook ran: on the follower thread, holding nothing, the hook stops the
 * engines' readers and calls store_follow_reload, which rebuilds the engines from the
 * store (load, as at start, inside one transaction) and sets `applied` to the log size.
 */
typedef int (*store_reload_fn)(void *ctx, tr_err *err);
/* Sets the reload hook (before any other thread uses s). */
void store_follow_on_lost(store *s, store_reload_fn fn, void *ctx);
/* True from the moment lost entries are found until the engines are reloaded. */
bool store_follow_lost(store *s);
/* Inside a transaction of its own that no other instance's entry is applied in: calls
 * load(ctx) (rebuild every engine from the store), then the engines reflect the log as
 * the transaction sees it. TR_OK, or the failure (still lost: tried again later). */
int store_follow_reload(store *s, int (*load)(void *ctx, tr_err *err), void *ctx, tr_err *err);

/* The follower thread (PostgreSQL): listens for commits and applies them. Start: TR_OK
 * (nothing on SQLite or without a hook); stop joins it (no-op when not started). */
int store_follower_start(store *s, tr_err *err);
void store_follower_stop(store *s);

/* ---- the verifiable log (docs/tlog.md) ---- */

typedef struct store_log_entry {
    uint64_t index;
    const uint8_t *entry;  /* the leaf bytes */
    size_t entry_len;
    const char *party, *type, *ref;
    int64_t at;
    const uint8_t *object; /* canonical bytes of the object */
    size_t object_len;
    const uint8_t *submission; /* the signed request body, or NULL */
    size_t submission_len;
} store_log_entry;

/* Inside a transaction: appends e (its index is ignored and set), storing the entry and
 * the tree nodes it completes; *leaf receives the leaf hash. */
int store_log_append(store *s, store_log_entry *e, tlog_hash *leaf, tr_err *err);
/* The committed size of the log (entries). */
int store_log_size(store *s, uint64_t *size, tr_err *err);
/* A reader of the stored node hashes, for proofs and tiles (this thread's connection). */
tlog_reader store_log_reader(store *s);
/* Calls fn for entries [from, to) in order; the pointers live until fn returns. */
int store_log_entries(store *s, uint64_t from, uint64_t to, int (*fn)(const store_log_entry *e, void *ctx),
                      void *ctx, tr_err *err);
/* Inside a transaction: the tree as of this transaction (for signing its root). */
const tlog_tree *store_log_tree(store *s);
/* Inside a transaction: records a signed checkpoint. */
int store_log_checkpoint_put(store *s, uint64_t size, const tlog_hash *root, const char *note, int64_t at,
                             tr_err *err);
/* The latest checkpoint (size 0 and note NULL if none); *note is malloc'd. */
int store_log_checkpoint_latest(store *s, uint64_t *size, tlog_hash *root, char **note, tr_err *err);
/* Calls fn for every checkpoint in increasing size. */
int store_log_checkpoints(store *s, int (*fn)(uint64_t size, const tlog_hash *root, const char *note, void *ctx),
                          void *ctx, tr_err *err);
/* log_meta values: *value is malloc'd, NULL if absent. store_log_meta_put runs in a transaction. */
int store_log_meta_get(store *s, const char *key, char **value, tr_err *err);
int store_log_meta_put(store *s, const char *key, const char *value, tr_err *err);

/* ---- witnesses' cosignatures (store_witness.c, migration 0015) ---- */
/* Records a witness's cosignature line of the checkpoint of size (the first one per
 * witness and size is kept). Runs in a transaction. */
int store_log_cosignature_put(store *s, uint64_t size, const char *witness, const char *line,
                              int64_t timestamp, tr_err *err);
/* Calls fn for each cosignature of the checkpoint of size (by witness key). */
int store_log_cosignatures(store *s, uint64_t size,
                           int (*fn)(const char *witness, const char *line, int64_t timestamp, void *ctx),
                           void *ctx, tr_err *err);
/* Calls fn for every (size, witness) cosigned, largest size first; fn returns 0 to go on,
 * a negative value to stop (not an error), or a tr_code. */
int store_log_cosigned_sizes(store *s, int (*fn)(uint64_t size, const char *witness, void *ctx), void *ctx,
                             tr_err *err);
/* The largest size witness has cosigned (0 and *any false if none). */
int store_log_cosigned_max(store *s, const char *witness, uint64_t *size, bool *any, tr_err *err);
/* The checkpoint of exactly size: its root and note (malloc'd); TR_ENOTFOUND if none. */
int store_log_checkpoint_at(store *s, uint64_t size, tlog_hash *root, char **note, tr_err *err);

/* ---- the rows the centre records on its own (store_record.c): notices (for a party's
 * record, migration 0015, and for `truce verify`), clearances, CAP alerts, settings.
 * Strings point into the store's row buffer: valid only during the call of fn. ---- */
/* Inside a transaction: the notice.create entry of notice id. (store_notice_insert stores
 * the index the next log append gets; when that is index, nothing more is written.) */
int store_notice_set_log_index(store *s, int64_t id, uint64_t index, tr_err *err);
typedef struct store_notice_row {
    int64_t id;
    const char *party, *kind, *about_type;
    int64_t about_id;
    const char *payload; /* JSON text, as stored */
    int64_t created_at, deadline;
    bool acked;          /* acked_at is set */
    int64_t acked_at;
    bool has_ack_index;  /* ack_index is set (with acked, always: verify checks it) */
    uint64_t ack_index;  /* its notice.ack entry, when acked */
    bool logged;         /* delivered since migration 0015: log_index is its notice.create entry */
    uint64_t log_index;
} store_notice_row;
/* Calls fn for the notices to party created in [from, to), by id, at most limit; *count is
 * how many there are up to limit + 1 (more than limit: the window is too large). */
int store_notice_record(store *s, const char *party, int64_t from, int64_t to, int limit,
                        int (*fn)(const store_notice_row *n, void *ctx), void *ctx, size_t *count,
                        tr_err *err);
/* Calls fn for every notice, by id. */
int store_notice_each(store *s, int (*fn)(const store_notice_row *n, void *ctx), void *ctx, tr_err *err);
typedef struct store_clearance_row {
    int64_t movement_id, notice_id;
    const char *party;
} store_clearance_row;
/* Calls fn for every clearance (store_clearance_insert), by notice. */
int store_clearance_each(store *s, int (*fn)(const store_clearance_row *c, void *ctx), void *ctx,
                         tr_err *err);
typedef struct store_alert_row {
    const char *identifier, *grade;
    int64_t incident_id, sent, created_at;
} store_alert_row;
/* Calls fn for every recorded CAP alert (store_alert_insert), by identifier. */
int store_alert_each(store *s, int (*fn)(const store_alert_row *a, void *ctx), void *ctx, tr_err *err);
typedef struct store_setting_row {
    const char *name, *value;
    int64_t set_at;
} store_setting_row;
/* Calls fn for every setting (store_setting_put), by name. */
int store_setting_each(store *s, int (*fn)(const store_setting_row *x, void *ctx), void *ctx, tr_err *err);
/* The last entry of type about ref before index before (*found false if none). */
int store_log_last_before(store *s, const char *type, const char *ref, uint64_t before, uint64_t *index,
                          bool *found, tr_err *err);
/* Whether a party of that name exists (revoked or not). */
int store_party_known(store *s, const char *name, bool *known, tr_err *err);

/* ---- parties and actors ---- */
int store_party_insert(store *s, const char *name, tr_role role, const char *full_name,
                       const char *token_hash, int64_t now, int64_t *id, tr_err *err);
/* The active (not revoked) party holding the token with this hash; TR_EAUTH if none. */
int store_party_auth(store *s, const char *token_hash, tr_party *out, tr_err *err);
/* An active party by name; TR_ENOTFOUND if none (or revoked). */
int store_party_get(store *s, const char *name, tr_party *out, tr_err *err);
int store_party_revoke(store *s, const char *name, int64_t now, tr_err *err);
/* A party's registered public key (base64, malloc'd; NULL if none) / inside a
 * transaction, registers one. */
int store_party_key_get(store *s, const char *name, char **public_key, tr_err *err);
int store_party_key_set(store *s, const char *name, const char *public_key, tr_err *err);
/* A party as listed (borrowed strings: valid only during the call of fn). */
typedef struct store_party_row {
    const char *name, *role, *full_name; /* full_name may be NULL */
    int64_t created_at;
    bool revoked; /* revoked_at is set */
    int64_t revoked_at;
} store_party_row;
/* Calls fn for every party (revoked ones too), ordered by name. */
int store_party_list(store *s, int (*fn)(const store_party_row *p, void *ctx), void *ctx, tr_err *err);

/* Records a new actor; TR_ECONFLICT if the name is taken. */
int store_actor_insert(store *s, const char *name, const char *full_name, int64_t now, tr_err *err);
int store_actor_exists(store *s, const char *name, bool *exists, tr_err *err);
/* Whether actor name exists and its full name (malloc'd, NULL when it has none; the
 * caller frees it). */
int store_actor_full_name(store *s, const char *name, bool *exists, char **full_name, tr_err *err);
typedef struct store_actor_row {
    const char *name, *full_name; /* borrowed; full_name may be NULL */
} store_actor_row;
/* Calls fn for every actor, ordered by name. */
int store_actor_list(store *s, int (*fn)(const store_actor_row *a, void *ctx), void *ctx, tr_err *err);

/* ---- areas ---- */
/* Inserts version 1 of a new area; sets a->id, a->version. */
int store_area_insert(store *s, tr_area *a, tr_err *err);
/* Adds the next version of area a->id. expect_version (0 = any) must equal the current
 * version (else TR_ECONFLICT); a->valid_from must not precede the current version's
 * valid_from (TR_EINVAL). Cuts earlier versions' effective_to at a->valid_from and sets
 * a->version, a->effective_to. */
int store_area_add_version(store *s, tr_area *a, int expect_version, tr_err *err);
/* One version (0 = current) with effective_to; the shape is not built (NULL). */
int store_area_get(store *s, int64_t id, int version, tr_area *out, tr_err *err);
int store_area_current_version(store *s, int64_t id, int *version, tr_err *err);

typedef struct store_area_filter {
    int kind;               /* tr_area_kind, or -1 for any */
    const char *party;      /* owner party or actor name, or NULL */
    bool has_at;            /* with at: versions in force at `at`; else current versions */
    int64_t at;
    bool has_bbox;
    geo_box bbox;
    const tr_party *viewer; /* NULL: everything */
    int64_t after;          /* cursor: area ids greater than this */
    int limit;
} store_area_filter;

/* Calls fn for each matching version (at most f->limit, ordered by area id; a row that
 * does not decode is skipped); sets *next to the cursor of the next page or 0 when this
 * was the last. The value is cleared after fn returns unless fn zeroes it. */
int store_area_list(store *s, const store_area_filter *f, int (*fn)(tr_area *a, void *ctx), void *ctx,
                    int64_t *next, tr_err *err);
/* Calls fn for every version of one area that viewer may see (NULL: all), oldest first
 * (cleared after fn returns, as store_area_list). */
int store_area_history(store *s, int64_t id, const tr_party *viewer, int (*fn)(tr_area *a, void *ctx),
                       void *ctx, tr_err *err);
/* Calls fn for every area version in (id, version) order; fn owns nothing: the value
 * is cleared after fn returns unless fn zeroes it (taking its contents). */
int store_area_each(store *s, int (*fn)(tr_area *a, void *ctx), void *ctx, tr_err *err);
/* Visibility of a current area for viewer: TR_ENOTFOUND if missing or not visible. */

/* ---- agreements ---- */
/* Inserts a (with provisions); sets a->id, a->version, provision ids. TR_ECONFLICT if
 * the name is taken. */
int store_agreement_insert(store *s, tr_agreement *a, tr_err *err);
int store_agreement_get(store *s, int64_t id, tr_agreement *out, tr_err *err);
int store_agreement_each(store *s, int (*fn)(tr_agreement *a, void *ctx), void *ctx, tr_err *err);

/* ---- deconfliction: sites and operations (store_deconflict.c) ---- */
/* Inside a transaction: inserts s (owner, created_at set by the caller); sets s->id. */
int store_site_insert(store *s, tr_site *site, tr_err *err);
/* TR_ENOTFOUND if there is no site id. */
int store_site_get(store *s, int64_t id, tr_site *out, tr_err *err);
/* Calls fn for every site in id order (the value is cleared after fn returns). */
int store_site_each(store *s, int (*fn)(tr_site *site, void *ctx), void *ctx, tr_err *err);
/* Inside a transaction: inserts o; sets o->id. */
int store_operation_insert(store *s, tr_operation *o, tr_err *err);
/* Volumes are read back with TR_VOLUME_TRUSTED. TR_ENOTFOUND if there is none. */
int store_operation_get(store *s, int64_t id, tr_operation *out, tr_err *err);
int store_operation_each(store *s, int (*fn)(tr_operation *o, void *ctx), void *ctx, tr_err *err);
/* Calls fn for operations with id > after (at most limit, by id; a row that does not
 * decode is skipped, cleared after fn returns); *next is the cursor of the next page or 0. */
int store_operation_list(store *s, int64_t after, int limit, int (*fn)(tr_operation *o, void *ctx), void *ctx,
                         int64_t *next, tr_err *err);

/* Inside a transaction: inserts m; sets m->id. */
int store_movement_insert(store *s, tr_movement *m, tr_err *err);
int store_movement_get(store *s, int64_t id, tr_movement *out, tr_err *err);
int store_movement_each(store *s, int (*fn)(tr_movement *m, void *ctx), void *ctx, tr_err *err);

/* ---- operation and movement events, convoy clearance (store_dc_state.c) ---- */

/* A change after creation: an operation's state, a movement's status or position. */
typedef struct store_dc_event {
    int64_t id;
    const char *about_type; /* operation, movement */
    int64_t about_id;
    const char *kind;       /* state, status, position */
    const char *value;      /* the new state or status; NULL for a position */
    bool has_position;
    double lon, lat;
    int64_t at;             /* when it happened, as reported */
    const char *by;
    const char *reason;     /* or NULL */
    int64_t created_at;
} store_dc_event;

int store_dc_event_insert(store *s, store_dc_event *e, tr_err *err); /* sets e->id */
/* Calls fn for one object's events, oldest first (pointers live until fn returns). */
int store_dc_event_of(store *s, const char *about_type, int64_t about_id,
                      int (*fn)(const store_dc_event *e, void *ctx), void *ctx, tr_err *err);
int store_dc_event_each(store *s, int (*fn)(const store_dc_event *e, void *ctx), void *ctx, tr_err *err);
/* The latest value of kind for the object, malloc'd, or NULL when it never changed. */
int store_dc_current(store *s, const char *about_type, int64_t about_id, const char *kind, char **value,
                     tr_err *err);
/* A party whose acknowledgement of notice_id clears the movement. */
int store_clearance_insert(store *s, int64_t movement_id, const char *party, int64_t notice_id, tr_err *err);
/* One party's clearance of a movement: the notice it is to acknowledge, and whether it
 * did (party borrowed: valid only during the call of fn). */
typedef struct store_clearance_state {
    const char *party;
    int64_t notice_id;
    bool acked; /* acked_at and ack_index are set */
    int64_t acked_at, ack_index;
} store_clearance_state;
/* Calls fn for each party whose acknowledgement clears the movement, by name. */
int store_clearance_list(store *s, int64_t movement_id, int (*fn)(const store_clearance_state *c, void *ctx),
                         void *ctx, tr_err *err);
int store_clearance_has(store *s, int64_t movement_id, const char *party, bool *yes, tr_err *err);
/* The ids of operations (ended, cancelled) or movements (arrived, aborted) that left
 * deconfliction, ascending (malloc'd). */
int store_dc_retired(store *s, const char *about_type, int64_t **ids, size_t *n, tr_err *err);
/* Settings the server ran with (migration 0011): the value, malloc'd, or NULL when never
 * set; put (inside a transaction) replaces it. */
int store_setting_get(store *s, const char *name, char **value, tr_err *err);
int store_setting_put(store *s, const char *name, const char *value, int64_t now, tr_err *err);
/* Calls fn with the name of each party ever notified about (about_type, about_id), by
 * name (borrowed: valid only during the call of fn). */
int store_notices_about(store *s, const char *about_type, int64_t about_id,
                        int (*fn)(const char *party, void *ctx), void *ctx, tr_err *err);

/* ---- restricted objects and probes of them (store_dc_probe.c, migration 0012) ---- */
/* Inside a transaction: the privacy record of a restricted site or movement (about_type
 * "site" or "movement"). */
int store_privacy_insert(store *s, const char *about_type, int64_t about_id, const tr_privacy *p,
                         tr_err *err);
/* The record, or p->set false (TR_OK) when the object has none. */
int store_privacy_get(store *s, const char *about_type, int64_t about_id, tr_privacy *p, tr_err *err);
/* Calls fn for every record, by type and id. */
int store_privacy_each(store *s,
                       int (*fn)(const char *about_type, int64_t about_id, const tr_privacy *p, void *ctx),
                       void *ctx, tr_err *err);

/* One conflict of a probe with an object its party may not see. */
typedef struct store_probe_hit {
    const char *about_type; /* site, movement */
    int64_t about_id;
    const char *owner;
    int volume; /* index of the asking volume */
    bool exact; /* the volume conflicts with the true footprint too */
} store_probe_hit;

/* A request answered about objects its party may not see, or past its budget. */
typedef struct store_probe {
    int64_t id;
    const char *party; /* whose view the answer took */
    int64_t asked_at;
    const char *request;  /* operation.create, operation.state */
    int64_t operation_id; /* 0: none (refused) */
    const char *volumes;  /* the asking volumes, JSON text */
    const char *outcome;  /* answered, withheld */
    bool refused, monitors_notified;
    store_probe_hit *hits;
    size_t nhits;
} store_probe;

/* Inside a transaction: the probe and its hits; sets p->id. */
int store_probe_insert(store *s, store_probe *p, tr_err *err);
/* How many conflicts with objects it may not see were answered to party after since. */
int store_probe_answered(store *s, const char *party, int64_t since, int64_t *n, tr_err *err);
/* When party's probes last told the monitors after since (*at = 0: not since). */
int store_probe_monitors_told(store *s, const char *party, int64_t since, int64_t *at, tr_err *err);
/* Calls fn for every probe with its hits, by id (the pointers live until fn returns). */
int store_probe_each(store *s, int (*fn)(const store_probe *p, void *ctx), void *ctx, tr_err *err);

/* ---- notices (store_deconflict.c) ---- */
typedef struct store_notice {
    int64_t id;
    char party[TR_NAME_MAX + 1];
    bool acked;
} store_notice;
/* Inside a transaction: a new notice; *id receives its id. Its log_index is the index the
 * next log append gets: log its notice.create entry next, then store_notice_set_log_index. */
int store_notice_insert(store *s, const char *party, const char *kind, const char *about_type, int64_t about_id,
                        const json_t *payload, int64_t created_at, int64_t deadline, int64_t *id, tr_err *err);
/* Who a notice is for and whether it is acknowledged; TR_ENOTFOUND if none. */
int store_notice_get(store *s, int64_t id, store_notice *out, tr_err *err);
/* Inside a transaction: records the acknowledgement (only if not yet acknowledged;
 * TR_ECONFLICT otherwise). */
int store_notice_ack(store *s, int64_t id, int64_t acked_at, uint64_t ack_index, tr_err *err);
/* Calls fn for notices, oldest first: party's (NULL: everyone's) with id > after; with
 * overdue_at > 0 only unacknowledged ones whose deadline is <= overdue_at. At most
 * limit; *next is the id of the last one passed to fn (after if none), *more whether
 * more follow. The row's fields are all set except logged and log_index. */
int store_notice_list(store *s, const char *party, int64_t after, int64_t overdue_at, int limit,
                      int (*fn)(const store_notice_row *n, void *ctx), void *ctx, int64_t *next, bool *more,
                      tr_err *err);

/* ---- monitoring: violation reports (store_monitor.c) ---- */
/* A report row as stored: body is the report's JSON (tr_report_to_json) text; cls the
 * classification's name. Strings are malloc'd; free with store_report_clear. */
typedef struct store_report {
    int64_t id;
    char *reporting_party;
    int64_t received_at, occurred_at;
    char *external_id;         /* or NULL */
    char *body;
    char *cls;
    int64_t agreement_id;      /* 0 when none */
    char *region, *controller, *reason; /* "" when none */
} store_report;
void store_report_clear(store_report *r);
/* Inside a transaction: inserts r (its body carries no id: the row's id is the id);
 * sets r->id. */
int store_report_insert(store *s, store_report *r, tr_err *err);
/* TR_ENOTFOUND if there is no report id. */
int store_report_get(store *s, int64_t id, store_report *out, tr_err *err);
/* Calls fn for every report in id order (the value is cleared after fn returns). */
int store_report_each(store *s, int (*fn)(store_report *r, void *ctx), void *ctx, tr_err *err);

/* A response (kind accept/deny/comment) or a verdict (confirm/reject/reopen) on the
 * incident holding report anchor; who is the party or monitor; text may be NULL. */
typedef struct store_incident_act {
    int64_t seq, anchor, at;
    char *who, *kind, *text;
} store_incident_act;
void store_incident_act_clear(store_incident_act *a);
/* Inside a transaction: appends a response (verdict false) or a verdict; sets a->seq. */
int store_incident_act_insert(store *s, bool verdict, store_incident_act *a, tr_err *err);
/* Calls fn for every response (verdict false) or verdict in seq order. */
int store_incident_act_each(store *s, bool verdict, int (*fn)(store_incident_act *a, void *ctx), void *ctx,
                            tr_err *err);

/* A monitor's split or merge (migration 0006): ids holds side one's report ids (nfirst of
 * them, ascending) then side two's (ascending). Strings and ids are malloc'd; free with
 * store_regroup_clear. */
typedef struct store_regroup {
    int64_t seq, at;
    bool split;                /* false: merge */
    char *monitor, *reason;
    int64_t *ids;
    size_t nids, nfirst;
} store_regroup;
void store_regroup_clear(store_regroup *g);
/* Inside a transaction: appends g; sets g->seq. */
int store_regroup_insert(store *s, store_regroup *g, tr_err *err);
/* Calls fn for every regroup in seq order (the value is cleared after fn returns). */
int store_regroup_each(store *s, int (*fn)(store_regroup *g, void *ctx), void *ctx, tr_err *err);
/* The index of the first log entry of type with this ref (e.g. "site.create", "site/12");
 * TR_ENOTFOUND if none. */
int store_log_index_of(store *s, const char *type, const char *ref, uint64_t *index, tr_err *err);
/* Inside a transaction: records a CAP alert by its identifier; *inserted is false when
 * that identifier was already recorded (nothing changes then). */
int store_alert_insert(store *s, const char *identifier, int64_t incident_id, const char *grade, int64_t sent,
                       int64_t created_at, bool *inserted, tr_err *err);

/* ---- humanitarian access, agreement steps, messages (store_humanitarian.c, issue 6) ----
 * Rows are inserted once (inside a transaction) and never changed. Lists are malloc'd
 * arrays the caller frees with the domain's *_free function. */
/* Inserts e; sets e->id. */
int store_corridor_event_insert(store *s, tr_corridor_event *e, tr_err *err);
/* The events of one corridor area (0: of every area), in id order. */
int store_corridor_events(store *s, int64_t area_id, tr_corridor_event **out, size_t *n, tr_err *err);
/* Inserts st; sets st->id. */
int store_step_insert(store *s, tr_step *st, tr_err *err);
/* The steps of one agreement (0: of every agreement), in id order. */
int store_steps(store *s, int64_t agreement_id, tr_step **out, size_t *n, tr_err *err);
/* Inserts e; sets e->seq. */
int store_step_event_insert(store *s, tr_step_event *e, tr_err *err);
/* The status changes of one agreement's steps (0: of every step), in seq order. */
int store_step_events(store *s, int64_t agreement_id, tr_step_event **out, size_t *n, tr_err *err);
/* The agreement a step belongs to; TR_ENOTFOUND if there is no step id. */
int store_step_agreement(store *s, int64_t step_id, int64_t *agreement_id, tr_err *err);
/* Inserts m (not its forwarding); sets m->id. */
int store_message_insert(store *s, tr_message *m, tr_err *err);
/* Records the mediator's forwarding of m (m->forwarded_at, m->forward_note). */
int store_message_forward_insert(store *s, const tr_message *m, tr_err *err);
/* A message with its forwarding; TR_ENOTFOUND if none. Free with tr_message_clear. */
int store_message_get(store *s, int64_t id, tr_message *out, tr_err *err);
/* Messages with id > after that party (NULL: anyone) sent, mediates, or received (direct,
 * or forwarded to it), at most limit, in id order; *more tells whether more follow. */
int store_message_list(store *s, const char *party, int64_t after, int limit, tr_message **out, size_t *n,
                       bool *more, tr_err *err);
/* Calls fn for each notice about message id, by id: the row's id, party, kind, about,
 * created_at, acked and acked_at are set (the rest zero). */
int store_message_notices(store *s, int64_t id, int (*fn)(const store_notice_row *n, void *ctx), void *ctx,
                          tr_err *err);
/* ---- mine action: hazards, tasks, progress, accidents (store_mine.c, issue 6) ---- */
/* A hazard's state beside its recorded row: current status and land released so far. */
typedef struct store_hazard_state {
    char status[16];
    int64_t cleared_m2, reduced_m2, cancelled_m2;
} store_hazard_state;
typedef struct store_hazard_filter {
    const char *status;     /* current status, or NULL for any */
    bool has_bbox;
    geo_box bbox;           /* boxes that intersect it */
    int64_t after;          /* ids greater than this */
} store_hazard_filter;
/* A status change (borrowed strings when read). */
typedef struct store_hazard_status {
    int64_t seq, hazard_id;
    const char *status, *reason, *party; /* reason may be NULL */
    int64_t at;
} store_hazard_status;
/* Inside a transaction: inserts h; sets h->id. */
int store_hazard_insert(store *s, tr_hazard *h, tr_err *err);
/* TR_ENOTFOUND if none; now (may be NULL) receives the current state. */
int store_hazard_get(store *s, int64_t id, tr_hazard *out, store_hazard_state *now, tr_err *err);
/* Calls fn for matching hazards in id order (f NULL: all); fn's non-zero return stops
 * the scan and is returned. The value is cleared after fn returns. */
int store_hazard_each(store *s, const store_hazard_filter *f,
                      int (*fn)(tr_hazard *h, const store_hazard_state *now, void *ctx), void *ctx, tr_err *err);
int store_hazard_status_insert(store *s, store_hazard_status *x, tr_err *err); /* sets x->seq */
int store_hazard_status_each(store *s, int (*fn)(const store_hazard_status *x, void *ctx), void *ctx, tr_err *err);
int store_task_insert(store *s, tr_task *t, tr_err *err);                       /* sets t->id */
int store_task_get(store *s, int64_t id, tr_task *out, tr_err *err);
/* Tasks of one hazard (0: all) with id > after, in id order. */
int store_task_each(store *s, int64_t hazard_id, int64_t after, int (*fn)(tr_task *t, void *ctx), void *ctx,
                    tr_err *err);
/* Inside a transaction: closes an open task (TR_ECONFLICT if already closed). */
int store_task_close(store *s, int64_t id, int64_t date, const char *outcome, const char *by, tr_err *err);
int store_progress_insert(store *s, tr_progress *p, tr_err *err);               /* sets p->id */
/* Progress of one task (0: all), oldest first. */
int store_progress_each(store *s, int64_t task_id, int (*fn)(tr_progress *p, void *ctx), void *ctx, tr_err *err);
int store_accident_insert(store *s, tr_accident *a, tr_err *err);               /* sets a->id */
int store_accident_each(store *s, int64_t after, int (*fn)(tr_accident *a, void *ctx), void *ctx, tr_err *err);
/* One row of the mine action summary of [from, to). */
typedef enum store_mine_part {
    STORE_MINE_BY_HAZARD,   /* land released by progress dated in [from, to), by hazard */
    STORE_MINE_BY_OPERATOR, /* ... by the task's operator */
    STORE_MINE_BY_DAY,      /* ... by day (UTC) */
    STORE_MINE_ITEMS,       /* items found and destroyed, by type */
    STORE_MINE_ACCIDENTS,   /* accidents dated in [from, to), by kind */
} store_mine_part;
typedef struct store_mine_sum {
    store_mine_part part;
    bool has_id;     /* the group is a number: id (the hazard's), else key */
    int64_t id;
    const char *key; /* borrowed: the operator, the day (YYYY-MM-DD), the item type, the accident kind */
    int64_t n[3];    /* released: cleared, reduced, cancelled m2; items: found, destroyed;
                      * accidents: accidents, killed, injured */
} store_mine_sum;
/* Calls fn for every row of the summary, part by part in the enum's order, each part
 * ordered by its group. */
int store_mine_summary(store *s, int64_t from, int64_t to, int (*fn)(const store_mine_sum *x, void *ctx),
                       void *ctx, tr_err *err);

/* ---- deconfliction lists: pages of sites and movements (store_deconflict.c, end) ---- */
typedef struct store_dc_scan {
    int64_t after;      /* rows with id > after */
    const char *kind;   /* NULL: any kind */
    bool has_at;        /* only rows valid at `at`: valid_from <= at < valid_to (sites), */
    int64_t at;         /* time_start <= at < time_end (movements) */
} store_dc_scan;
/* Calls fn for each matching row in id order (the value is cleared after fn returns); an
 * unreadable row is skipped. Stops at the first non-zero code fn returns and returns it. */
int store_site_scan(store *s, const store_dc_scan *f, int (*fn)(tr_site *site, void *ctx), void *ctx, tr_err *err);
int store_movement_scan(store *s, const store_dc_scan *f, int (*fn)(tr_movement *m, void *ctx), void *ctx,
                        tr_err *err);

/* ---- the incident change feed (store_feed.c, issue 18) ---- */

#define STORE_FEED_DIGEST 16
typedef struct store_feed_row {
    int64_t id;                              /* incident id */
    unsigned char digest[STORE_FEED_DIGEST]; /* of its export rows and member report ids */
    int64_t seq;                             /* the reconciliation at which it last changed */
    bool retired;                            /* it no longer exists ... */
    int64_t retired_to;                      /* ... and its report is in this incident now */
} store_feed_row;

/* Up to limit rows with id > after, by id, into rows; *n how many. */
int store_feed_page(store *s, int64_t after, size_t limit, store_feed_row *rows, size_t *n, tr_err *err);
/* Writes r (inserted or replaced). Inside a transaction. */
int store_feed_put(store *s, const store_feed_row *r, tr_err *err);
/* The seq of the latest pass recorded (0 when none). */
int store_feed_seq(store *s, int64_t *seq, tr_err *err);
/* Calls fn for every row with seq > since, by id; stops at fn's non-zero code. */
int store_feed_since(store *s, int64_t since, int (*fn)(const store_feed_row *r, void *ctx), void *ctx,
                     tr_err *err);
/* Records pass seq: it ran on the log of log_size entries whose root is log_root; forced
 * (may be NULL) is the JSON array of the ids it wrote whatever they held. Inside a
 * transaction. */
int store_feed_pass_put(store *s, int64_t seq, uint64_t log_size, const tlog_hash *log_root,
                        const char *forced, tr_err *err);

#endif
