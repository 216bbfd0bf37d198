/*
 * centre_dc_load.c — the stored operations into c->dc at start-up (issue 19, goal 5).
 *
 * Reading a million rows (SQLite, the binary volumes) and building their engine records,
 * then inserting and indexing them, are halves of similar cost, so they overlap on two
 * cores: a reader thread runs store_operation_each on its own connection and builds each
 * row's volumes into engine records (dc_built, with the owner's party id and the (owner,
 * kind) tag), and hands batches of them through a small queue to the calling thread,
 * which inserts them into the engine in loading mode (dc_engine_load_begin: indexed all
 * at once by the caller's dc_engine_pack). Memory a thread allocates is freed by the
 * same thread, but the records' footprints, which the engine keeps.
 *
 * The reader looks up the owners' party ids before the scan (owners_first): no query is
 * nested in it, which PostgreSQL's store would answer by reading the whole rest of the
 * scan into memory first.
 *
 * Either side's failure stops both: the reader sees `stop` at its next row, the caller
 * drains what is queued. The answer is the same set of volumes whatever the timing.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/centre_int.h"

#define BATCH 1024 /* volumes per batch */
#define QUEUE 8    /* batches in flight */

typedef dc_built batch;

typedef struct loader {
    centre *c;
    const int64_t *retired; /* sorted */
    size_t nretired;
    struct {
        char name[TR_NAME_MAX + 1];
        int64_t id;
    } owners[64]; /* the reader's cache of owners' party ids (parties are few) */
    size_t nowners;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *queue[QUEUE]; /* full batches, oldest at head */
    size_t head, count;
    batch *cur;      /* the reader's batch being filled */
    bool done, stop; /* the reader has finished; either side failed */
    int rc;          /* the reader's result */
    tr_err err;
} loader;

static int cmp_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The owner's party id; 0 for a revoked party, whose operations stay, excluded from no one. */
static int owner_id(loader *l, const char *name, int64_t *id, tr_err *err) {
    for (size_t i = 0; i < l->nowners; i++)
        if (strcmp(l->owners[i].name, name) == 0) {
            *id = l->owners[i].id;
            return TR_OK;
        }
    tr_party owner;
    int rc = store_party_get(l->c->store, name, &owner, err);
    if (rc == TR_ENOTFOUND) {
        owner.id = 0;
        rc = TR_OK;
    }
    if (rc) return rc;
    *id = owner.id;
    if (l->nowners < sizeof l->owners / sizeof *l->owners) {
        snprintf(l->owners[l->nowners].name, sizeof l->owners[l->nowners].name, "%s", name);
        l->owners[l->nowners++].id = owner.id;
    }
    return TR_OK;
}

/* Queues the reader's batch (waiting for room); false when the load stops. */
static bool push(loader *l) {
    pthread_mutex_lock(&l->mu);
    while (l->count == QUEUE && !l->stop)
        pthread_cond_wait(&l->cv, &l->mu);
    bool ok = !l->stop;
    if (ok) {
        l->queue[(l->head + l->count++) % QUEUE] = l->cur;
        l->cur = NULL;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}

/* store_operation_each's callback, on the reader thread: builds o's volumes. */
static int read_one(tr_operation *o, void *ctx) {
    loader *l = ctx;
    if (l->nretired && bsearch(&o->id, l->retired, l->nretired, sizeof o->id, cmp_id)) return TR_OK;
    int64_t owner = 0;
    uint32_t tag = 0;
    int rc = owner_id(l, o->owner, &owner, &l->err);
    if (rc == TR_OK) rc = centre__dc_tag(l->c, o->owner, o->kind, &tag, &l->err);
    if (rc == TR_OK && !l->cur && !(l->cur = dc_built_new()))
        rc = tr_fail(&l->err, TR_ENOMEM, "", "out of memory");
    for (size_t k = 0; rc == TR_OK && k < o->nvolumes; k++) {
        dc_volume v;
        dc_volume_from_tr(&o->volumes[k], CENTRE_DC_ID(o->id, CENTRE_DC_OPERATION, k), owner,
                          CENTRE_DC_OPERATION, &v);
        v.tag = tag;
        rc = dc_built_add(l->cur, &v, &l->err);
    }
    if (rc) {
        fprintf(stderr, "truce: operation %lld not loaded: %s\n", (long long)o->id, l->err.msg);
        return rc;
    }
    if (dc_built_size(l->cur) >= BATCH && !push(l))
        return tr_fail(&l->err, TR_EINTERNAL, "", "loading stopped");
    return TR_OK;
}

/* Fills the owners' cache before the scan: a lookup inside store_operation_each would be a
 * query nested in the scan, for which PostgreSQL's store reads every remaining row of the
 * scan into memory first (db_pg.c, invariant 2: 4 GB and minutes at 1,000,000 operations). */
typedef struct owner_names {
    char *name[sizeof((loader *)0)->owners / sizeof *((loader *)0)->owners];
    size_t n;
} owner_names;

static int owner_name(const store_party_row *p, void *ctx) {
    owner_names *o = ctx;
    if (o->n == sizeof o->name / sizeof *o->name) return TR_OK;
    return (o->name[o->n] = strdup(p->name)) ? (o->n++, TR_OK) : TR_ENOMEM;
}

static int owners_first(loader *l) {
    owner_names o = {.n = 0};
    int rc = store_party_list(l->c->store, owner_name, &o, &l->err);
    if (rc == TR_ENOMEM) tr_fail(&l->err, rc, "", "out of memory");
    int64_t id;
    for (size_t i = 0; i < o.n; i++) {
        if (rc == TR_OK) rc = owner_id(l, o.name[i], &id, &l->err);
        free(o.name[i]);
    }
    return rc;
}

static void *reader(void *ctx) {
    loader *l = ctx;
    int rc = owners_first(l);
    if (rc == TR_OK) rc = store_operation_each(l->c->store, read_one, l, &l->err);
    if (rc == TR_OK && l->cur && dc_built_size(l->cur) && !push(l))
        rc = tr_fail(&l->err, TR_EINTERNAL, "", "loading stopped");
    pthread_mutex_lock(&l->mu);
    dc_built_free(l->cur);
    l->cur = NULL;
    l->rc = rc;
    l->done = true;
    if (rc) l->stop = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

/* The next full batch, or NULL when the reader is done and the queue empty. */
static batch *pop(loader *l) {
    pthread_mutex_lock(&l->mu);
    while (l->count == 0 && !l->done)
        pthread_cond_wait(&l->cv, &l->mu);
    batch *b = NULL;
    if (l->count) {
        b = l->queue[l->head];
        l->head = (l->head + 1) % QUEUE;
        l->count--;
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    return b;
}

static void stop_reader(loader *l) {
    pthread_mutex_lock(&l->mu);
    l->stop = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static int insert_batch(centre *c, batch *b, tr_err *err) {
    int64_t failed = 0;
    int rc = dc_engine_insert_built(c->dc, b, &failed, err);
    if (rc)
        fprintf(stderr, "truce: operation %lld not loaded: %s\n", (long long)CENTRE_DC_OBJ(failed),
                err ? err->msg : "?");
    return rc;
}

int centre__dc_load_operations(centre *c, const int64_t *retired, size_t nretired, tr_err *err) {
    loader l = {.c = c, .retired = retired, .nretired = nretired};
    pthread_t t;
    pthread_mutex_init(&l.mu, NULL);
    pthread_cond_init(&l.cv, NULL);
    int rc = TR_OK;
    if (pthread_create(&t, NULL, reader, &l)) {
        rc = tr_fail(err, TR_ENOMEM, "", "cannot start a thread to read the operations");
        goto out;
    }
    for (batch *b; (b = pop(&l));) { /* after a failure: drain what is queued */
        if (rc == TR_OK && (rc = insert_batch(c, b, err)) != TR_OK) stop_reader(&l);
        dc_built_free(b);
    }
    pthread_join(t, NULL);
    if (rc == TR_OK && l.rc != TR_OK) {
        rc = l.rc;
        if (err) *err = l.err;
    }
out:
    pthread_mutex_destroy(&l.mu);
    pthread_cond_destroy(&l.cv);
    return rc;
}
