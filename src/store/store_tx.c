/*
 * store_tx.c — writes and their transactions: the writer lock, BEGIN / COMMIT / ROLLBACK,
 * and with group commit the shared transaction (store.h invariants 1-3, C5, C7).
 *
 * A write runs between store_begin and store_commit* / store_rollback on one thread,
 * under the writer mutex, on the one writer connection. Without group commit, or on a
 * thread that does not defer its wait (store_defer_durable), every write is its own
 * transaction, as before: BEGIN IMMEDIATE … COMMIT.
 *
 * Shared transactions (group commit on, a deferring thread: the HTTP edge):
 *  1. A write ended with store_commit_shared does not COMMIT: it is released into the
 *     writer connection's open transaction (s->batch), and the writer lock is released;
 *     while a flush runs, the writes that end accumulate there. The next write then runs
 *     inside that transaction, in SAVEPOINT w, so it sees the writes before it as
 *     committed ones would be seen.
 *  2. A write refused or failed inside the batch is rolled back to its savepoint (with the
 *     log's tree restored to its state at the savepoint): the writes before it are kept,
 *     exactly as if it had never run. TRUCE_FAULT's commit:N fails the Nth write's own end
 *     the same way (store_fault.c), so the fault tests see one write fail, alone.
 *  3. The batch is COMMITted
 *     - by the first of its writers that waits for durability once no flush runs
 *       (store_sync → store__batch_commit, which takes the writer lock: no other lock of
 *       the store is held there), just before that waiter's flush;
 *     - by any write ended with store_commit / store_commit_publish (those publish to
 *       engines other requests read beside the rows, so their rows must be in the
 *       database before the engines change: the COMMIT covers the batch);
 *     - by a thread that does not defer at its store_begin (a checkpoint signs only
 *       committed entries), and by store_close.
 *     One COMMIT and one fsync then serve the batch.
 *  4. A failed COMMIT of a batch that holds writes other than the committing one stops
 *     the process, like a failed flush (store_group.c): those writes were answered to no
 *     one, but the monitoring engine already holds them; a restart recovers what is on
 *     disk. A write alone in its transaction fails alone (503), as before.
 *  5. Notices inserted by writes of the batch wake the streams after its COMMIT (a stream
 *     reads the notices on its own connection).
 * PostgreSQL never shares transactions (its group commit is the server's: store_group.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"
#include "store/store_group.h"
#include "store/store_int.h"

/* The store whose writer lock this thread holds (store__batch_commit from within a write). */
static _Thread_local store *holding;

/* With the writer lock held: every write runs on the one writer connection, whose page
 * cache stays warm from one transaction to the next (a connection of a thread that did
 * not write last would reread every page it needs); the thread's own connection is put
 * back by writer_leave. */
static conn *writer_enter(store *s, tr_err *err) {
    if (!s->wconn && store__conn_open(s, &s->wconn, err)) return NULL;
    s->wprev = pthread_getspecific(s->key);
    pthread_setspecific(s->key, s->wconn);
    bool normal = store__group_on(s->group); /* group commit: this commit waits for no fsync */
    if (normal != s->wconn->sync_normal) {
        tr_err e = {0};
        if (db_exec(s->wconn->db, normal ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", &e)) {
            store__fail_with(err, &e, "setting the writer's synchronous mode");
            return NULL;
        }
        s->wconn->sync_normal = normal;
    }
    return s->wconn;
}

static void writer_leave(store *s) {
    pthread_setspecific(s->key, s->wprev);
    s->wprev = NULL;
    holding = NULL;
    pthread_mutex_unlock(&s->writer);
}

static void fatal(const char *what, const char *why) {
    fprintf(stderr,
            "truce: FATAL: %s: %s; writes that shared the transaction are in the engines but not in the "
            "database, so the process stops (restart it: none of them was acknowledged)\n",
            what, why);
    abort();
}

/* Under writer: COMMITs the shared transaction (invariant 3); its writes are then in the
 * database, and the streams are woken if one inserted notices. */
static void batch_commit_held(store *s) {
    if (!s->batch) return;
    tr_err e = {0};
    if (db_commit(s->wconn->db, &e)) fatal("committing writes that shared a transaction", e.msg);
    s->batch = false;
    store__group_in_db(s->group);
    if (s->batch_notices && s->on_notices) s->on_notices(s->on_notices_ctx);
    s->batch_notices = false;
}

void store__batch_commit(void *ctx) {
    store *s = ctx;
    if (holding == s) {
        batch_commit_held(s);
        return;
    }
    pthread_mutex_lock(&s->writer);
    batch_commit_held(s);
    pthread_mutex_unlock(&s->writer);
}

static int begin_own(store *s, conn *c, bool follow, tr_err *err) {
    tr_err e = {0};
    int rc = db_begin(c->db, DB_TX_WRITE, &e);
    if (rc) {
        writer_leave(s);
        return store__fail_with(err, &e, "starting a transaction");
    }
    if ((rc = store__log_sync(s, err)) || (follow && (rc = store__follow_tx(s, err)))) {
        db_rollback(c->db);
        writer_leave(s);
        return rc;
    }
    return TR_OK;
}

static int begin_joined(store *s, conn *c, tr_err *err) {
    tr_err e = {0};
    if (db_exec(c->db, "SAVEPOINT w", &e)) {
        writer_leave(s);
        return store__fail_with(err, &e, "starting a write in the shared transaction");
    }
    s->joined = true;
    return TR_OK;
}

static int begin(store *s, bool follow, tr_err *err) {
    pthread_mutex_lock(&s->writer);
    holding = s;
    conn *c = writer_enter(s, err);
    if (!c) {
        writer_leave(s);
        return err ? err->code : TR_EIO;
    }
    s->joins = store__group_joins(s->group);
    if (s->batch && !s->joins) batch_commit_held(s); /* a write of its own (invariant 3) */
    s->joined = false;
    int rc = s->batch ? begin_joined(s, c, err) : begin_own(s, c, follow, err);
    if (rc) return rc;
    s->saved = s->tree;
    s->tx_notices = false;
    return TR_OK;
}

int store_begin(store *s, tr_err *err) {
    return begin(s, true, err);
}

/* For the follower's reload (store_follow.c): a transaction that does not first apply
 * what other instances committed. */
int store__begin_unfollowed(store *s, tr_err *err) {
    return begin(s, false, err);
}

void store_on_notices(store *s, void (*fn)(void *ctx), void *ctx) {
    pthread_mutex_lock(&s->writer);
    s->on_notices = fn;
    s->on_notices_ctx = ctx;
    pthread_mutex_unlock(&s->writer);
}

/* Undoes the write in progress, not the writes released before it (invariant 2). */
static void undo(store *s) {
    if (s->joined) {
        tr_err e = {0};
        if (db_exec(s->wconn->db, "ROLLBACK TO w", &e) || db_exec(s->wconn->db, "RELEASE w", &e))
            fatal("undoing a write inside a shared transaction", e.msg);
    } else if (s->wconn) {
        db_rollback(s->wconn->db);
    }
    s->tree = s->saved;
    s->tx_notices = false;
    s->joined = false;
}

static int commit(conn *c, tr_err *err) {
    if (!c) return TR_EIO;
    if (store__commit_fault()) {
        db_rollback(c->db);
        return tr_fail(err, TR_EUNAVAIL, "", "committing: disk I/O error (injected by TRUCE_FAULT)");
    }
    tr_err e = {0};
    return db_commit(c->db, &e) ? store__fail_with(err, &e, "committing") : TR_OK;
}

/* A write of its own transaction (no group commit, PostgreSQL, a thread that waits). */
static int end_own(store *s, int (*publish)(void *ctx, tr_err *err), void *ctx, tr_err *err) {
    int rc = s->wconn ? store__follow_notify(s, err) : TR_EIO;
    if (rc != TR_OK && s->wconn) db_rollback(s->wconn->db);
    if (rc == TR_OK) rc = commit(s->wconn, err);
    if (rc != TR_OK) s->tree = s->saved;
    if (rc == TR_OK) store__group_committed(s->group, true);
    if (rc == TR_OK && publish) rc = publish(ctx, err);
    if (rc == TR_OK) store__follow_committed(s);
    if (rc == TR_OK && s->tx_notices && s->on_notices) s->on_notices(s->on_notices_ctx);
    s->tx_notices = false;
    writer_leave(s);
    return rc == TR_OK ? store__group_after_commit(s->group, err) : rc;
}

/* COMMITs the write with the batch released before it (invariant 3), then publishes. */
static int end_committing(store *s, int (*publish)(void *ctx, tr_err *err), void *ctx, tr_err *err) {
    tr_err e = {0};
    if (db_commit(s->wconn->db, &e)) {
        if (s->batch) fatal("committing writes that shared a transaction", e.msg);
        db_rollback(s->wconn->db);
        s->tree = s->saved;
        s->batch_notices = false;
        writer_leave(s);
        return store__fail_with(err, &e, "committing");
    }
    s->batch = false;
    store__group_committed(s->group, true); /* in the database, with the batch before it */
    int rc = publish ? publish(ctx, err) : TR_OK;
    if (s->batch_notices && s->on_notices) s->on_notices(s->on_notices_ctx);
    s->batch_notices = false;
    writer_leave(s);
    return rc;
}

/* The end of a write on a thread that may share its transaction (s->joins). */
static int end_shared(store *s, int (*publish)(void *ctx, tr_err *err), void *ctx, bool may_stay,
                      tr_err *err) {
    tr_err e = {0};
    int rc = TR_OK;
    if (store__commit_fault())
        rc = tr_fail(err, TR_EUNAVAIL, "", "committing: disk I/O error (injected by TRUCE_FAULT)");
    else if (s->joined && db_exec(s->wconn->db, "RELEASE w", &e))
        rc = store__fail_with(err, &e, "committing");
    if (rc != TR_OK) {
        undo(s);
        writer_leave(s);
        return rc;
    }
    s->joined = false;
    s->batch_notices |= s->tx_notices;
    s->tx_notices = false;
    if (!may_stay) return end_committing(s, publish, ctx, err);
    s->batch = true; /* the waiter that leads the next flush COMMITs it with the others */
    store__group_committed(s->group, false);
    writer_leave(s);
    return TR_OK;
}

int store_commit_publish(store *s, int (*publish)(void *ctx, tr_err *err), void *ctx, tr_err *err) {
    return s->joins ? end_shared(s, publish, ctx, false, err) : end_own(s, publish, ctx, err);
}

int store_commit(store *s, tr_err *err) {
    return store_commit_publish(s, NULL, NULL, err);
}

int store_commit_shared(store *s, tr_err *err) {
    return s->joins ? end_shared(s, NULL, NULL, true, err) : end_own(s, NULL, NULL, err);
}

void store_rollback(store *s) {
    undo(s);
    writer_leave(s);
}
