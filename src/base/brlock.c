/*
 * brlock.c — the big-reader lock (brlock.h).
 *
 * Ordering (Dekker's): a reader increments its slot, then reads the flag; a writer sets
 * the flag, then reads every slot; all four sequentially consistent. So either the
 * reader sees the flag (and steps back) or the writer sees the reader (and waits for it
 * to leave): never both inside. Leaving a read section is a release, so what the
 * reader read happens before the writer's changes.
 */
#include "base/brlock.h"

#include <sched.h>
#include <string.h>

static unsigned next_slot;                   /* atomic: slots handed out so far */
static _Thread_local unsigned my_slot = ~0u; /* this thread's slot, ~0u until its first lock */

static unsigned thread_slot(void) {
    if (my_slot == ~0u) my_slot = __atomic_fetch_add(&next_slot, 1, __ATOMIC_RELAXED) % TR_BRLOCK_SLOTS;
    return my_slot;
}

void tr_brlock_init(tr_brlock *l) {
    memset(l->slot, 0, sizeof l->slot);
    l->writer = 0;
    pthread_mutex_init(&l->write_mu, NULL);
}

void tr_brlock_destroy(tr_brlock *l) {
    pthread_mutex_destroy(&l->write_mu);
}

unsigned tr_brlock_rdlock(tr_brlock *l) {
    unsigned s = thread_slot();
    for (;;) {
        __atomic_fetch_add(&l->slot[s].readers, 1, __ATOMIC_SEQ_CST);
        if (!__atomic_load_n(&l->writer, __ATOMIC_SEQ_CST)) return s;
        __atomic_fetch_sub(&l->slot[s].readers, 1, __ATOMIC_RELEASE);
        pthread_mutex_lock(&l->write_mu); /* wait for the writer to finish */
        pthread_mutex_unlock(&l->write_mu);
    }
}

void tr_brlock_rdunlock(tr_brlock *l, unsigned slot) {
    __atomic_fetch_sub(&l->slot[slot].readers, 1, __ATOMIC_RELEASE);
}

void tr_brlock_wrlock(tr_brlock *l) {
    pthread_mutex_lock(&l->write_mu);
    __atomic_store_n(&l->writer, 1, __ATOMIC_SEQ_CST);
    for (unsigned i = 0; i < TR_BRLOCK_SLOTS; i++) {
        for (unsigned spin = 0; __atomic_load_n(&l->slot[i].readers, __ATOMIC_SEQ_CST) != 0; spin++)
            if (spin >= 64) sched_yield(); /* a reader is inside: queries are short */
    }
}

void tr_brlock_wrunlock(tr_brlock *l) {
    __atomic_store_n(&l->writer, 0, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&l->write_mu);
}
