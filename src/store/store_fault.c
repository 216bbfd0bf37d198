/*
 * store_fault.c — how the store says what failed, and the fault-injection hook of test
 * builds.
 *
 * Every step of a statement goes through store__step, every COMMIT through
 * store__commit_fault and every connection opened through store__open_fault. In a build
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
#include <sqlite3.h>
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

int store__step(sqlite3_stmt *st) {
    if (fault(STORE_FAULT_STEP)) {
        injected = true;
        fprintf(stderr, "truce: TRUCE_FAULT: failing step %llu: %.120s\n",
                (unsigned long long)store_fault_seen(STORE_FAULT_STEP), sqlite3_sql(st));
        return SQLITE_IOERR;
    }
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) injected = false;
    return rc;
}

bool store__commit_fault(void) {
    return (injected = fault(STORE_FAULT_COMMIT));
}

bool store__open_fault(void) {
    return (injected = fault(STORE_FAULT_OPEN));
}

/* Result codes that mean "the database cannot serve now", not "this request is wrong". */
static const int UNAVAILABLE[] = {SQLITE_BUSY,     SQLITE_LOCKED,   SQLITE_IOERR, SQLITE_FULL,
                                  SQLITE_CANTOPEN, SQLITE_PROTOCOL, SQLITE_NOMEM, SQLITE_READONLY};

int store__fail_code(tr_err *err, sqlite3 *db, int code, const char *what) {
    if (injected) {
        injected = false;
        return tr_fail(err, TR_EUNAVAIL, "", "%s: disk I/O error (injected by TRUCE_FAULT)", what);
    }
    int ext = db ? sqlite3_extended_errcode(db) : 0;
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        return tr_fail(err, TR_ECONFLICT, "", "%s: already exists", what);
    int primary = (code ? code : ext) & 0xff;
    const char *msg = db ? sqlite3_errmsg(db) : "no database";
    for (size_t i = 0; i < sizeof UNAVAILABLE / sizeof *UNAVAILABLE; i++)
        if (primary == UNAVAILABLE[i])
            return tr_fail(err, TR_EUNAVAIL, "", "%s: the database is unavailable (%s)", what, msg);
    return tr_fail(err, TR_EIO, "", "%s: %s", what, msg);
}

int store__db_fail(tr_err *err, sqlite3 *db, const char *what) {
    return store__fail_code(err, db, 0, what);
}

int store__scan_end(sqlite3_stmt *st, int step, int rc, const char *what, tr_err *err) {
    sqlite3 *db = sqlite3_db_handle(st);
    if (rc == TR_OK && step != SQLITE_ROW && step != SQLITE_DONE) rc = store__fail_code(err, db, step, what);
    sqlite3_reset(st);
    return rc;
}

int store__one(sqlite3_stmt *st, int step, const char *what, tr_err *err) {
    if (step == SQLITE_ROW) return TR_OK;
    if (step == SQLITE_DONE) return TR_ENOTFOUND;
    int rc = store__fail_code(err, sqlite3_db_handle(st), step, what);
    sqlite3_reset(st);
    return rc;
}
