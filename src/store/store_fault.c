/*
 * store_fault.c — how the store says what failed, and the fault-injection hook of test
 * builds.
 *
 * Every step of a statement goes through store__step, every COMMIT through
 * store__commit_fault and every connection opened through store__open_fault. They sit
 * above db.h, so they count and fail the same way on SQLite and on PostgreSQL (and the
 * steps of migrations, db_migrate.c, are not counted: start-up failures name a table). In a build
 * with TRUCE_FAULT_HOOK (test builds: TRUCE_TESTS=ON), the environment variable
 * TRUCE_FAULT makes chosen calls fail as a disk I/O error would:
 *
 *   TRUCE_FAULT=step:N      the Nth step of the process fails (counted from 1)
 *   TRUCE_FAULT=step:N+     the Nth step and every later one fails
 *   TRUCE_FAULT=commit:N    the Nth COMMIT fails (commit:N+: and every later one)
 *   TRUCE_FAULT=open:N      the Nth connection opened fails (open:N+ likewise)
 *
 * Several rules may be joined with commas ("step:40,commit:2"). Counters are shared by
 * all threads. Without the hook nothing is counted and nothing fails.
 *
 * A failure maps to a code by what it means to the person who sent the request: a
 * busy, locked, full, unreadable or unopenable database is TR_EUNAVAIL (503: try again
 * later), a unique violation TR_ECONFLICT, anything else TR_EIO (500).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_int.h"

static _Thread_local bool injected; /* the last failure on this thread was injected */

#ifdef TRUCE_FAULT_HOOK
#include <pthread.h>

typedef struct fault_rule {
    uint64_t at; /* the call that fails (0: none) */
    bool onward; /* and every later one */
} fault_rule;

static const char *const KIND_NAMES[STORE_FAULT_KINDS] = {"step", "commit", "open"};
static fault_rule rules[STORE_FAULT_KINDS];
static atomic_uint_fast64_t seen[STORE_FAULT_KINDS];
static pthread_once_t parsed = PTHREAD_ONCE_INIT;

static void parse_rule(const char *r) {
    for (int k = 0; k < STORE_FAULT_KINDS; k++) {
        size_t n = strlen(KIND_NAMES[k]);
        if (strncmp(r, KIND_NAMES[k], n) != 0 || r[n] != ':') continue;
        char *end;
        unsigned long long at = strtoull(r + n + 1, &end, 10);
        rules[k] = (fault_rule){at, *end == '+'};
    }
}

static void parse_env(void) {
    const char *v = getenv("TRUCE_FAULT");
    if (!v) return;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", v);
    char *save = NULL;
    for (char *r = strtok_r(buf, ",", &save); r; r = strtok_r(NULL, ",", &save))
        parse_rule(r);
}

static bool fault(store_fault_kind k) {
    pthread_once(&parsed, parse_env);
    uint64_t n = atomic_fetch_add(&seen[k], 1) + 1;
    const fault_rule *r = &rules[k];
    return r->at && (n == r->at || (r->onward && n > r->at));
}

uint64_t store_fault_seen(store_fault_kind k) {
    return atomic_load(&seen[k]);
}
#else
static bool fault(store_fault_kind k) {
    (void)k;
    return false;
}

uint64_t store_fault_seen(store_fault_kind k) {
    (void)k;
    return 0;
}
#endif

/* The failure of this thread's last store__step, reported by store__fail. */
static _Thread_local tr_err last;

int store__step(db_stmt *st) {
    if (fault(STORE_FAULT_STEP)) {
        injected = true;
        fprintf(stderr, "truce: TRUCE_FAULT: failing step %llu\n",
                (unsigned long long)store_fault_seen(STORE_FAULT_STEP));
        tr_fail(&last, TR_EUNAVAIL, "", "disk I/O error (injected by TRUCE_FAULT)");
        return TR_EUNAVAIL;
    }
    bool row;
    int rc = db_step(st, &row, &last);
    if (rc != TR_OK) {
        injected = false;
        return rc;
    }
    last.code = TR_OK;
    return row ? STORE_ROW : STORE_DONE;
}

bool store__commit_fault(void) {
    return (injected = fault(STORE_FAULT_COMMIT));
}

bool store__open_fault(void) {
    return (injected = fault(STORE_FAULT_OPEN));
}

/* Codes that mean "the database cannot serve now", not "this request is wrong". */
static bool unavailable(int code) {
    return code == TR_EUNAVAIL || db_retryable(code);
}

int store__fail_with(tr_err *err, const tr_err *e, const char *what) {
    const char *msg = e->msg;
    if (strncmp(msg, "database: ", 10) == 0) msg += 10;
    if (e->code == TR_ECONFLICT) return tr_fail(err, TR_ECONFLICT, "", "%s: already exists", what);
    if (unavailable(e->code))
        return tr_fail(err, e->code, "", "%s: the database is unavailable (%s)", what, msg);
    return tr_fail(err, e->code == TR_ENOMEM ? TR_ENOMEM : TR_EIO, "", "%s: %s", what, msg);
}

int store__fail(tr_err *err, int step, const char *what) {
    if (injected) {
        injected = false;
        return tr_fail(err, TR_EUNAVAIL, "", "%s: disk I/O error (injected by TRUCE_FAULT)", what);
    }
    if (step == STORE_ROW || step == STORE_DONE || last.code == TR_OK)
        return tr_fail(err, TR_EIO, "", "%s: the database answered %s", what,
                       step == STORE_DONE ? "no row" : "an unexpected row");
    return store__fail_with(err, &last, what);
}

int store__scan_end(db_stmt *st, int step, int rc, const char *what, tr_err *err) {
    if (rc == TR_OK && step != STORE_ROW && step != STORE_DONE) rc = store__fail(err, step, what);
    db_reset(st);
    return rc;
}

int store__one(db_stmt *st, int step, const char *what, tr_err *err) {
    if (step == STORE_ROW) return TR_OK;
    if (step == STORE_DONE) return TR_ENOTFOUND;
    int rc = store__fail(err, step, what);
    db_reset(st);
    return rc;
}
