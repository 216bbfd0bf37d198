/*
 * store_group.c — group commit: commits numbered in order, one flush for every commit
 * made while the previous flush ran, a leader among the waiters (store_group.h).
 *
 * State, under mu: committed (the number of the last commit), durable (the last one a
 * flush covered), flushing (a leader is in its fsync). A waiter for commit n returns once
 * durable >= n; if no flush is in progress it becomes the leader: it takes the number of
 * the last commit, flushes without the lock, then publishes durable and wakes everyone.
 * Waiters that arrived during that flush are covered by the next leader's, so under load
 * each fsync serves every commit of one "while the disk was busy" interval.
 *
 * Shared transactions (store.h C7, store_tx.c): a write ended by store_commit_shared is
 * released into the writer connection's open transaction instead of COMMITting it
 * (committed counts it, in_db does not yet). While a flush runs such writes accumulate;
 * once it ended, one waiter whose writes are not in the database yet COMMITs that
 * transaction (commit_batch: the writer lock, COMMIT), then leads the next flush, so one
 * COMMIT and one fsync serve every write of the batch. A flush covers only in_db.
 */
#include "store/store_group.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

struct store_group {
    pthread_mutex_t mu;
    pthread_cond_t flushed;
    bool on, flushing;
    bool committing;    /* a waiter is COMMITting the shared transaction (commit_batch) */
    uint64_t committed; /* writes ended (each released into the shared transaction or committed) */
    uint64_t in_db;     /* writes whose transaction has COMMITted (<= committed) */
    uint64_t unshared;  /* the last write that was not released into a shared transaction */
    uint64_t durable, flushes, transactions;
    store_group_flush_fn flush;
    void *ctx;
    store_group_batch_fn commit_batch; /* commits the open shared transaction (store_tx.c) */
    void *batch_ctx;
};

/* The group this thread defers waiting for (store_defer_durable), or NULL. */
static _Thread_local store_group *deferring;

store_group *store_group_new(store_group_flush_fn flush, void *ctx) {
    store_group *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->flushed, NULL);
    g->flush = flush;
    g->ctx = ctx;
    return g;
}

void store_group_free(store_group *g) {
    if (!g) return;
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->flushed);
    free(g);
}

bool store__group_on(store_group *g) {
    pthread_mutex_lock(&g->mu);
    bool on = g->on;
    pthread_mutex_unlock(&g->mu);
    return on;
}

uint64_t store__group_committed(store_group *g, bool in_db) {
    pthread_mutex_lock(&g->mu);
    uint64_t n = ++g->committed;
    if (in_db) {
        g->in_db = n;
        g->unshared = n;
        g->transactions++;
    }
    if (!g->on) { /* a commit with its own flush (synchronous=FULL) */
        g->durable = n;
        g->flushes++;
    }
    pthread_mutex_unlock(&g->mu);
    return n;
}

void store__group_in_db(store_group *g) {
    pthread_mutex_lock(&g->mu);
    if (g->in_db != g->committed) g->transactions++;
    g->in_db = g->committed;
    pthread_mutex_unlock(&g->mu);
}

bool store__group_joins(store_group *g) {
    return deferring == g && store__group_on(g);
}

void store__group_set_batch(store_group *g, store_group_batch_fn fn, void *ctx) {
    g->commit_batch = fn;
    g->batch_ctx = ctx;
}

/* Under mu: one flush as the leader, covering every commit made so far. */
static void lead_flush(store_group *g) {
    g->flushing = true;
    uint64_t upto = g->in_db;
    pthread_mutex_unlock(&g->mu);
    tr_err err = {0};
    int rc = g->flush(g->ctx, &err);
    if (rc != TR_OK) {
        fprintf(stderr,
                "truce: FATAL: %s; commits other requests may have read are of unknown durability, so the "
                "process stops (restart it: the database recovers what reached the disk)\n",
                err.msg);
        abort();
    }
    pthread_mutex_lock(&g->mu);
    g->flushing = false;
    if (upto > g->durable) g->durable = upto;
    g->flushes++;
    pthread_cond_broadcast(&g->flushed);
}

/* Under mu, no flush running: COMMITs the shared transaction (commit_batch takes the
 * writer lock; the caller holds no lock of the store), so the flush that follows covers
 * every write released into it while the previous flush ran. */
static void commit_batch(store_group *g) {
    g->committing = true;
    pthread_mutex_unlock(&g->mu);
    g->commit_batch(g->batch_ctx);
    pthread_mutex_lock(&g->mu);
    g->committing = false;
    pthread_cond_broadcast(&g->flushed);
}

/* A waiter whose writes are all in the database never waits for a commit_batch, so a
 * thread that holds the writer lock (a checkpoint) can always lead its own flush. */
static int group_sync_to(store_group *g, bool all) {
    pthread_mutex_lock(&g->mu);
    uint64_t target = all ? g->committed : g->unshared;
    while (g->durable < target) {
        bool in_db = g->in_db >= target || !g->commit_batch;
        if (!in_db && !g->flushing && !g->committing)
            commit_batch(g);
        else if (in_db && !g->flushing)
            lead_flush(g);
        else
            pthread_cond_wait(&g->flushed, &g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return TR_OK;
}

static int group_sync(store_group *g) {
    return group_sync_to(g, true);
}

int store__group_after_commit(store_group *g, tr_err *err) {
    (void)err;
    return deferring == g ? TR_OK : group_sync(g);
}

/* ---- store.h ---- */

int store_group_commit(store *s, bool on, tr_err *err) {
    store_group *g = store__group(s);
    if (!g) return tr_fail(err, TR_EINTERNAL, "", "this store has no group commit");
    if (!g->flush) on = false; /* PostgreSQL: every commit is flushed by the server */
    if (!on) group_sync(g); /* what was committed without a flush is flushed first */
    pthread_mutex_lock(&g->mu);
    g->on = on;
    pthread_mutex_unlock(&g->mu);
    return TR_OK;
}

void store_defer_durable(store *s) {
    deferring = store__group(s);
}

int store_sync(store *s, tr_err *err) {
    (void)err;
    store_group *g = store__group(s);
    deferring = NULL;
    return g ? group_sync(g) : TR_OK;
}

int store_sync_unshared(store *s, tr_err *err) {
    (void)err;
    store_group *g = store__group(s);
    deferring = NULL;
    return g ? group_sync_to(g, false) : TR_OK;
}

void store_commit_stats(store *s, uint64_t *commits, uint64_t *flushes, uint64_t *transactions) {
    store_group *g = store__group(s);
    pthread_mutex_lock(&g->mu);
    *commits = g->committed;
    *flushes = g->flushes;
    if (transactions) *transactions = g->transactions;
    pthread_mutex_unlock(&g->mu);
}

/* ---- the flush of a SQLite file ---- */

static int sync_path(const char *path, bool *absent, tr_err *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *absent = errno == ENOENT;
        return *absent ? TR_OK
                       : tr_fail(err, TR_EIO, "", "flushing %s: cannot open it: %s", path, strerror(errno));
    }
    *absent = false;
    int rc = fdatasync(fd) == 0
                 ? TR_OK
                 : tr_fail(err, TR_EIO, "", "flushing %s: fdatasync: %s", path, strerror(errno));
    close(fd);
    return rc;
}

int store_group_flush_sqlite(void *ctx, tr_err *err) {
    const char *path = ctx;
    char wal[4200];
    if (snprintf(wal, sizeof wal, "%s-wal", path) >= (int)sizeof wal)
        return tr_fail(err, TR_EIO, "", "flushing %s: the path is too long", path);
    bool absent;
    int rc = sync_path(wal, &absent, err);
    if (rc == TR_OK && absent) rc = sync_path(path, &absent, err); /* not in WAL mode */
    if (rc == TR_OK && absent) rc = tr_fail(err, TR_EIO, "", "flushing %s: the database file is gone", path);
    return rc;
}
