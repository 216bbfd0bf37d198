/*
 * test_brlock.c — unit tests of the big-reader lock (src/base/brlock.c): writers exclude
 * readers and each other (a writer changes two counters one after the other and no
 * reader ever sees them differ, no update is lost), readers share the lock, a writer
 * waits for a reader inside, and more threads than slots still exclude correctly.
 * Every loop is bounded in count.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "base/brlock.h"

typedef struct shared {
    tr_brlock lock;
    long a, b;  /* equal outside write sections */
    int done;   /* writers finished (atomic) */
    long reads; /* read sections entered (atomic) */
    int bad;    /* readers that saw a != b (atomic) */
} shared;

static shared *shared_new(void) {
    shared *s = aligned_alloc(64, (sizeof(shared) + 63) / 64 * 64);
    assert_non_null(s);
    tr_brlock_init(&s->lock);
    s->a = s->b = 0;
    s->done = s->bad = 0;
    s->reads = 0;
    return s;
}

static void shared_free(shared *s) {
    tr_brlock_destroy(&s->lock);
    free(s);
}

static void *reader(void *p) {
    shared *s = p;
    for (long i = 0; i < 2000000 && !__atomic_load_n(&s->done, __ATOMIC_ACQUIRE); i++) {
        unsigned slot = tr_brlock_rdlock(&s->lock);
        long a = s->a;
        if (i % 8 == 0) sched_yield(); /* linger inside now and then */
        if (s->b != a) __atomic_add_fetch(&s->bad, 1, __ATOMIC_RELAXED);
        tr_brlock_rdunlock(&s->lock, slot);
        __atomic_add_fetch(&s->reads, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *writer(void *p) {
    shared *s = p;
    for (int i = 0; i < 1000000 && __atomic_load_n(&s->reads, __ATOMIC_RELAXED) == 0; i++)
        sched_yield();
    for (int i = 0; i < 2000; i++) {
        tr_brlock_wrlock(&s->lock);
        s->a++;
        if (i % 4 == 0) sched_yield(); /* a reader arriving now must wait */
        s->b++;
        tr_brlock_wrunlock(&s->lock);
    }
    return NULL;
}

/* nreaders readers beside two writers; then the counters and the readers' checks. */
static void run(int nreaders) {
    shared *s = shared_new();
    pthread_t r[80], w[2];
    assert_true(nreaders <= 80);
    for (int i = 0; i < nreaders; i++)
        assert_int_equal(pthread_create(&r[i], NULL, reader, s), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&w[i], NULL, writer, s), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(w[i], NULL), 0);
    __atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < nreaders; i++)
        assert_int_equal(pthread_join(r[i], NULL), 0);
    assert_int_equal(s->bad, 0);
    assert_int_equal(s->a, 4000);
    assert_int_equal(s->b, 4000);
    assert_true(s->reads > 0);
    shared_free(s);
}

static void test_exclusion(void **state) {
    (void)state;
    run(4);
}

/* More threads than slots: some share a slot's counter. */
static void test_shared_slots(void **state) {
    (void)state;
    run(TR_BRLOCK_SLOTS + 6);
}

typedef struct holder {
    shared *s;
    int inside, release; /* atomic */
    long seen;           /* s->a when the reader left */
} holder;

static void *hold_read(void *p) {
    holder *h = p;
    unsigned slot = tr_brlock_rdlock(&h->s->lock);
    __atomic_store_n(&h->inside, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 1000000 && !__atomic_load_n(&h->release, __ATOMIC_ACQUIRE); i++)
        sched_yield();
    h->seen = h->s->a; /* the writer has not entered yet: 0 */
    tr_brlock_rdunlock(&h->s->lock, slot);
    return NULL;
}

static void *write_once(void *p) {
    shared *s = p;
    tr_brlock_wrlock(&s->lock);
    s->a = 7;
    tr_brlock_wrunlock(&s->lock);
    __atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* Two readers inside at once; a writer waits until both have left. */
static void test_writer_waits(void **state) {
    (void)state;
    shared *s = shared_new();
    holder h1 = {s, 0, 0, -1}, h2 = {s, 0, 0, -1};
    pthread_t t1, t2, w;
    assert_int_equal(pthread_create(&t1, NULL, hold_read, &h1), 0);
    assert_int_equal(pthread_create(&t2, NULL, hold_read, &h2), 0);
    for (int i = 0; i < 1000000 && !(__atomic_load_n(&h1.inside, __ATOMIC_ACQUIRE) &&
                                     __atomic_load_n(&h2.inside, __ATOMIC_ACQUIRE));
         i++)
        sched_yield();
    assert_true(h1.inside && h2.inside); /* both readers hold the lock together */
    assert_int_equal(pthread_create(&w, NULL, write_once, s), 0);
    struct timespec ms = {0, 20 * 1000 * 1000};
    nanosleep(&ms, NULL);
    assert_int_equal(__atomic_load_n(&s->done, __ATOMIC_ACQUIRE), 0); /* still waiting */
    __atomic_store_n(&h1.release, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&h2.release, 1, __ATOMIC_RELEASE);
    assert_int_equal(pthread_join(t1, NULL), 0);
    assert_int_equal(pthread_join(t2, NULL), 0);
    assert_int_equal(pthread_join(w, NULL), 0);
    assert_int_equal(s->a, 7);
    assert_int_equal(h1.seen, 0); /* both readers left before the write */
    assert_int_equal(h2.seen, 0);
    shared_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exclusion),
        cmocka_unit_test(test_shared_slots),
        cmocka_unit_test(test_writer_waits),
    };
    return cmocka_run_group_tests_name("brlock", tests, NULL, NULL);
}
