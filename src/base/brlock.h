/*
 * brlock.h — a reader-writer lock for data read far more often than written (a
 * "big-reader" lock, as in the Linux kernel's old brlock and per-CPU rwsems).
 *
 * A pthread rwlock makes every reader write to the lock's one cache line, so readers
 * on two cores pass that line back and forth on every query. Here each thread counts
 * itself in a slot of its own (one cache line per slot, a thread keeps its slot for its
 * life), so readers on different cores never write to a shared line. A writer raises a
 * flag, then waits until every slot is empty; a reader that sees the flag steps back and
 * waits on the writer's mutex. Readers never block one another; a writer excludes
 * readers and other writers; new readers wait while a writer is waiting or writing.
 *
 * Not recursive: a thread must not take the read lock again while it holds it (a
 * waiting writer would deadlock them both), nor any lock while it holds the write lock.
 * With more than TR_BRLOCK_SLOTS threads, some share a slot: still correct, slower.
 *
 * Ownership: the caller owns the tr_brlock's storage (aligned as declared); init before
 * use, destroy after the last use.
 */
#ifndef TRUCE_BASE_BRLOCK_H
#define TRUCE_BASE_BRLOCK_H

#include <pthread.h>
#include <stdalign.h>

#define TR_BRLOCK_SLOTS 64

typedef struct tr_brlock_slot {
    alignas(64) long readers; /* threads of this slot inside a read section (atomic) */
} tr_brlock_slot;

typedef struct tr_brlock {
    tr_brlock_slot slot[TR_BRLOCK_SLOTS];
    alignas(64) int writer;   /* 1 while a writer waits or writes (atomic) */
    pthread_mutex_t write_mu; /* held by the writer, from before raising the flag to after */
} tr_brlock;

void tr_brlock_init(tr_brlock *l);
void tr_brlock_destroy(tr_brlock *l);

/* Enters a read section; returns the slot to give back to tr_brlock_rdunlock. */
unsigned tr_brlock_rdlock(tr_brlock *l);
void tr_brlock_rdunlock(tr_brlock *l, unsigned slot);

void tr_brlock_wrlock(tr_brlock *l);
void tr_brlock_wrunlock(tr_brlock *l);

#endif
