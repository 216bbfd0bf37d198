/*
 * centre_dc_tags.c — what a conflict answer shows of a stored operation, kept beside the
 * deconfliction engine (issue 19): the owner's name and the operation's kind.
 *
 * Each distinct (owner, kind) pair gets a tag (1, 2, ...; 0 = none), stored in the
 * engine with each of the operation's volumes (dc_volume.tag) and handed back in every
 * hit, so an answer names the owner and kind of a conflicting operation without reading
 * it back from the store. An operation's owner and kind never change after it is stored
 * (its state lives in its events), so a tag stays right for the volume's whole life.
 * Pairs are few (parties x kinds) and never removed; the strings live until
 * centre__dc_tags_free, so a pointer handed out stays valid while the centre is open.
 *
 * Thread safety: one mutex; lookups copy two pointers under it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "service/centre_int.h"

typedef struct tag_pair {
    char *owner, *kind;
} tag_pair;

struct centre_dc_tags {
    pthread_mutex_t mu;
    tag_pair *v; /* tag t is v[t - 1] */
    size_t n, cap;
    uint32_t *table; /* open addressing: tags, 0 empty; load <= 1/2 */
    size_t tcap;
};

static uint64_t pair_hash(const char *owner, const char *kind) {
    uint64_t h = 1469598103934665603ull;
    for (const char *s = owner; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull; /* a separator no name holds */
    for (const char *s = kind; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static uint32_t *pair_slot(const centre_dc_tags *t, const char *owner, const char *kind) {
    size_t mask = t->tcap - 1;
    for (size_t i = (size_t)pair_hash(owner, kind) & mask;; i = (i + 1) & mask) {
        uint32_t g = t->table[i];
        if (!g || (strcmp(t->v[g - 1].owner, owner) == 0 && strcmp(t->v[g - 1].kind, kind) == 0))
            return &t->table[i];
    }
}

/* Room for one more pair in v[] and the table. TR_OK or TR_ENOMEM. */
static int reserve(centre_dc_tags *t) {
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        tag_pair *v = realloc(t->v, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    if (2 * (t->n + 1) <= t->tcap) return TR_OK;
    size_t tcap = t->tcap ? 2 * t->tcap : 64;
    uint32_t *table = calloc(tcap, sizeof *table), *old = t->table;
    if (!table) return TR_ENOMEM;
    t->table = table;
    t->tcap = tcap;
    for (size_t g = 1; g <= t->n; g++)
        *pair_slot(t, t->v[g - 1].owner, t->v[g - 1].kind) = (uint32_t)g;
    free(old);
    return TR_OK;
}

centre_dc_tags *centre__dc_tags_new(void) {
    centre_dc_tags *t = calloc(1, sizeof *t);
    if (t) pthread_mutex_init(&t->mu, NULL);
    return t;
}

void centre__dc_tags_free(centre_dc_tags *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].owner);
        free(t->v[i].kind);
    }
    free(t->v);
    free(t->table);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static int add_pair(centre_dc_tags *t, const char *owner, const char *kind, uint32_t *tag) {
    uint32_t *slot = t->tcap ? pair_slot(t, owner, kind) : NULL;
    if (slot && *slot) {
        *tag = *slot;
        return TR_OK;
    }
    if (t->n >= UINT32_MAX - 1 || reserve(t)) return TR_ENOMEM;
    char *o = strdup(owner), *k = strdup(kind);
    if (!o || !k) {
        free(o);
        free(k);
        return TR_ENOMEM;
    }
    t->v[t->n++] = (tag_pair){o, k};
    *pair_slot(t, owner, kind) = (uint32_t)t->n;
    *tag = (uint32_t)t->n;
    return TR_OK;
}

int centre__dc_tag(centre *c, const char *owner, const char *kind, uint32_t *tag, tr_err *err) {
    centre_dc_tags *t = c->dc_tags;
    pthread_mutex_lock(&t->mu);
    int rc = add_pair(t, owner ? owner : "", kind ? kind : "", tag);
    pthread_mutex_unlock(&t->mu);
    return rc ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

bool centre__dc_tag_get(centre *c, uint32_t tag, const char **owner, const char **kind) {
    centre_dc_tags *t = c->dc_tags;
    pthread_mutex_lock(&t->mu);
    bool ok = tag >= 1 && tag <= t->n;
    if (ok) {
        *owner = t->v[tag - 1].owner;
        *kind = t->v[tag - 1].kind;
    }
    pthread_mutex_unlock(&t->mu);
    return ok;
}
