/*
 * store_follow.c — several instances on one PostgreSQL database (issue 14; store.h
 * "several instances").
 *
 * Writes serialise in PostgreSQL: store_begin's transaction takes the writers' advisory
 * lock (db_pg.c), so one log sequence grows by one writer at a time, whichever process
 * it is in, and a transaction sees every entry committed before it started. What a
 * process's engines reflect is `applied` (a log size). Three places move it:
 *  - store_begin, under the lock, before the write checks anything: the hook applies
 *    [applied, committed size) — so two conflicting writes through two instances never
 *    both miss each other;
 *  - a local commit (after its publish): applied is the new log size (the transaction
 *    began caught up, and nothing else could append meanwhile);
 *  - the follower thread: a connection of its own LISTENs on "truce_log" (every commit
 *    that appended entries NOTIFYs it, inside its transaction, so the notification comes
 *    after the commit), and on each notification — or every FOLLOW_POLL_MS, in case one
 *    is missed or the connection was lost — catches up.
 * All run the hook under the writer mutex, so in log order. Waiters (Truce-Min-Index)
 * sleep on a condition variable broadcast whenever applied moves.
 *
 * Lost entries (store.h): every catch-up first compares the log with `applied` and the
 * leaf of entry applied - 1 (one log_node read). When they differ, `lost` is set, the
 * tree's frontier is dropped (reloaded by the next store_begin), every catch-up and
 * write answers TR_EUNAVAIL, and the follower thread calls the reload hook until it
 * succeeds (store_follow_reload rebuilds inside a transaction that applies nothing).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

#define FOLLOW_POLL_MS 500
#define FOLLOW_CHANNEL "truce_log"

struct store_follow {
    store_follow_fn fn; /* set once, before the server's threads start */
    void *ctx;
    store_reload_fn reload; /* store_follow_on_lost */
    void *reload_ctx;
    pthread_mutex_t mu; /* guards applied, lost and stop */
    pthread_cond_t cv;  /* broadcast when applied moves */
    uint64_t applied;
    tlog_hash leaf; /* the leaf of entry applied - 1 (under the writer mutex), if has_leaf */
    bool has_leaf;
    bool lost; /* entries applied are not in the database: the engines await their reload */
    bool stop, started;
    pthread_t thread;
};

struct store_follow *store__follow_new(void) {
    struct store_follow *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    return f;
}

void store__follow_free(struct store_follow *f) {
    if (!f) return;
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
}

/* Under the writer mutex: the leaf of entry applied - 1 is remembered (none at 0). */
static int remember_leaf(store *s, uint64_t applied, tr_err *err) {
    struct store_follow *f = s->follow;
    f->has_leaf = false;
    if (applied == 0) return TR_OK;
    int rc = store__log_leaf(s, applied - 1, &f->leaf, err);
    f->has_leaf = rc == TR_OK;
    return rc == TR_ENOTFOUND ? TR_OK : rc;
}

void store_follow_set(store *s, store_follow_fn fn, void *ctx, uint64_t applied) {
    s->follow->fn = fn;
    s->follow->ctx = ctx;
    s->follow->applied = applied;
    if (store_shared(s)) remember_leaf(s, applied, NULL); /* else: checked from the first catch-up */
}

void store_follow_on_lost(store *s, store_reload_fn fn, void *ctx) {
    s->follow->reload = fn;
    s->follow->reload_ctx = ctx;
}

bool store_follow_lost(store *s) {
    pthread_mutex_lock(&s->follow->mu);
    bool lost = s->follow->lost;
    pthread_mutex_unlock(&s->follow->mu);
    return lost;
}

bool store_shared(const store *s) {
    return db_uri_is_pg(s->path);
}

uint64_t store_applied(store *s) {
    pthread_mutex_lock(&s->follow->mu);
    uint64_t n = s->follow->applied;
    pthread_mutex_unlock(&s->follow->mu);
    return n;
}

static void set_applied(struct store_follow *f, uint64_t n) {
    pthread_mutex_lock(&f->mu);
    if (n > f->applied) {
        f->applied = n;
        pthread_cond_broadcast(&f->cv);
    }
    pthread_mutex_unlock(&f->mu);
}

static int reloading(tr_err *err) {
    return tr_fail(err, TR_EUNAVAIL, "",
                   "this instance is reloading its engines: the database lost log entries it had applied "
                   "(a failover); try again");
}

/* Under the writer mutex, the log's committed size being n: whether an entry applied is
 * not (or no longer the same) in the database. A failure to read is returned. */
static int check_lost(store *s, uint64_t n, bool *lost, tr_err *err) {
    struct store_follow *f = s->follow;
    uint64_t applied = store_applied(s);
    tlog_hash leaf;
    *lost = n < applied;
    int rc = TR_OK;
    if (!*lost && applied > 0 && store_shared(s)) {
        if (!f->has_leaf) return remember_leaf(s, applied, err);
        rc = store__log_leaf(s, applied - 1, &leaf, err);
        if (rc == TR_ENOTFOUND) rc = TR_OK, *lost = true;
        if (rc == TR_OK && !*lost) *lost = !tlog_hash_equal(&leaf, &f->leaf);
    }
    if (*lost)
        fprintf(
            stderr,
            "truce: LOST LOG ENTRIES: the database's log has %llu entries and %s entry %llu this instance "
            "applied (a failover lost commits its standby never confirmed); reloading every engine from "
            "the store, answering 503 until done\n",
            (unsigned long long)n, n < applied ? "lacks" : "another", (unsigned long long)(applied - 1));
    return rc;
}

/* Under the writer mutex, the log's committed size being n: applies [applied, n), after
 * checking that what was applied is still there (else: lost, TR_EUNAVAIL). */
static int run(store *s, uint64_t n, tr_err *err) {
    struct store_follow *f = s->follow;
    if (!f->fn) return TR_OK;
    bool lost = store_follow_lost(s);
    int rc = lost ? TR_OK : check_lost(s, n, &lost, err);
    if (rc) return rc;
    if (lost) {
        pthread_mutex_lock(&f->mu);
        f->lost = true;
        pthread_mutex_unlock(&f->mu);
        tlog_tree_init(&s->tree); /* the frontier may hold a lost leaf: the next sync reloads it */
        s->saved = s->tree;
        return reloading(err);
    }
    uint64_t from = store_applied(s), done = from;
    if (n <= from) return TR_OK;
    bool notices = false;
    rc = f->fn(f->ctx, from, n, &done, &notices, err);
    if (done > from) remember_leaf(s, done, NULL);
    set_applied(f, done);
    if (notices && s->on_notices) s->on_notices(s->on_notices_ctx);
    return rc;
}

int store__follow_tx(store *s, tr_err *err) {
    return run(s, s->tree.size, err);
}

int store_follow_reload(store *s, int (*load)(void *ctx, tr_err *err), void *ctx, tr_err *err) {
    struct store_follow *f = s->follow;
    int rc = store__begin_unfollowed(s, err);
    if (rc) return rc;
    uint64_t n = s->tree.size;
    rc = load(ctx, err);
    if (rc == TR_OK) rc = remember_leaf(s, n, err);
    if (rc == TR_OK) {
        pthread_mutex_lock(&f->mu);
        f->applied = n;
        f->lost = false;
        pthread_cond_broadcast(&f->cv);
        pthread_mutex_unlock(&f->mu);
        fprintf(stderr, "truce: engines reloaded from the store: they reflect the log's %llu entries\n",
                (unsigned long long)n);
    }
    store_rollback(s);
    return rc;
}

int store__follow_notify(store *s, tr_err *err) {
    if (!s->follow->fn || !store_shared(s) || s->tree.size <= s->saved.size) return TR_OK;
    tr_err e = {0};
    return db_exec(s->wconn->db, "NOTIFY " FOLLOW_CHANNEL, &e)
               ? store__fail_with(err, &e, "notifying the other instances")
               : TR_OK;
}

void store__follow_committed(store *s) {
    if (s->tree.size > store_applied(s)) { /* this transaction appended: its last leaf */
        s->follow->leaf = s->last_leaf;
        s->follow->has_leaf = true;
    }
    set_applied(s->follow, s->tree.size);
}

int store_catch_up(store *s, tr_err *err) {
    if (!s->follow->fn) return TR_OK;
    pthread_mutex_lock(&s->writer);
    uint64_t n = 0;
    int rc = store_log_size(s, &n, err);
    if (rc == TR_OK) rc = run(s, n, err);
    pthread_mutex_unlock(&s->writer);
    return rc;
}

static int not_yet(uint64_t index, uint64_t applied, int timeout_ms, const char *field, tr_err *err) {
    return tr_fail(
        err, TR_EUNAVAIL, field,
        "this instance has applied the log's first %llu entries, not yet entry %llu (waited %d ms): "
        "try again",
        (unsigned long long)applied, (unsigned long long)index, timeout_ms);
}

int store_wait_applied(store *s, uint64_t index, int timeout_ms, const char *field, tr_err *err) {
    struct store_follow *f = s->follow;
    if (!f->fn) { /* one process: what is committed is applied */
        uint64_t n = 0;
        if (store_log_size(s, &n, err)) return err ? err->code : TR_EIO;
        return index < n ? TR_OK : not_yet(index, n, 0, field, err);
    }
    int rc = store_catch_up(s, err); /* also when applied: it checks that nothing was lost */
    if (rc) return rc;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->mu);
    while (f->applied <= index && pthread_cond_timedwait(&f->cv, &f->mu, &dl) != ETIMEDOUT) {
    }
    uint64_t applied = f->applied;
    pthread_mutex_unlock(&f->mu);
    return index < applied ? TR_OK : not_yet(index, applied, timeout_ms, field, err);
}

/* ---- the follower thread ---- */

static bool stopping(struct store_follow *f) {
    pthread_mutex_lock(&f->mu);
    bool stop = f->stop;
    pthread_mutex_unlock(&f->mu);
    return stop;
}

/* A connection listening on the channel, or NULL (the database is down: tried again). */
static db *listen_open(const store *s) {
    db *d = NULL;
    tr_err e = {0};
    if (db_open(s->path, &d, &e) == TR_OK && db_exec(d, "LISTEN " FOLLOW_CHANNEL, &e) == TR_OK) return d;
    db_close(d);
    return NULL;
}

static void *follower_main(void *arg) {
    store *s = arg;
    struct store_follow *f = s->follow;
    db *d = NULL;
    while (!stopping(f)) {
        tr_err e = {0};
        bool got = false;
        if (!d) d = listen_open(s);
        if (!d) {
            struct timespec ts = {0, FOLLOW_POLL_MS * 1000000L};
            nanosleep(&ts, NULL);
        } else if (db_wait_notify(d, FOLLOW_POLL_MS, &got, &e)) {
            db_close(d); /* lost: listen again on a new connection, and catch up meanwhile */
            d = NULL;
        }
        store_catch_up(s, &e); /* a failure (the database is down) is tried again next round */
        tr_err re = {0};
        if (store_follow_lost(s) && f->reload && f->reload(f->reload_ctx, &re))
            fprintf(stderr, "truce: engines not reloaded yet (tried again): %s\n", re.msg);
    }
    db_close(d);
    return NULL;
}

int store_follower_start(store *s, tr_err *err) {
    struct store_follow *f = s->follow;
    if (!f->fn || !store_shared(s) || f->started) return TR_OK;
    f->stop = false;
    if (pthread_create(&f->thread, NULL, follower_main, s))
        return tr_fail(err, TR_EINTERNAL, "", "cannot start the log follower thread");
    f->started = true;
    return TR_OK;
}

void store_follower_stop(store *s) {
    struct store_follow *f = s->follow;
    if (!f || !f->started) return;
    pthread_mutex_lock(&f->mu);
    f->stop = true;
    pthread_mutex_unlock(&f->mu);
    pthread_join(f->thread, NULL);
    f->started = false;
}
