/*
 * verify_db.h — what the database audit's files share (verify.c: the passes over the
 * log and the core's state tables; verify_state.c: the state tables of the modules
 * that came after, each row rebuilt and matched with its log entry).
 */
#ifndef TRUCE_EDGES_VERIFY_DB_H
#define TRUCE_EDGES_VERIFY_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "edges/verify.h"
#include "engines/tlog.h"
#include "store/store.h"

/* One log entry, kept to match the state rows against. */
typedef struct logged {
    char *ref, *type;
    uint64_t index;
    uint8_t sha[32]; /* the object_sha256 the entry commits to */
    bool row;        /* its ref names an existing row */
} logged;

typedef struct checkpoint_row {
    uint64_t size;
    tlog_hash root; /* the root column */
    bool root_ok;   /* the column held 32 bytes */
    char *note;
} checkpoint_row;

typedef struct db_audit {
    verify__report *r;
    store *s;
    sqlite3 *raw;       /* read-only connection for the rows store.h does not list */
    tlog_memstore *mem; /* the nodes of the rebuilt tree */
    tlog_tree tree;     /* the rebuilt tree */
    bool broken;        /* an entry and its leaf hash are both missing: the tree stops there */
    uint64_t next;      /* the entry index expected next */
    logged *log;
    size_t nlog, caplog;
    bool have_key;
    tlog_verifier key;
    char *origin; /* log_meta's origin, or NULL */
    struct party_key {
        char *party;
        uint8_t pk[32];
    } * keys; /* from party.key entries so far */
    size_t nkeys;
    tr_err err;
} db_audit;

#define FAIL(a, ...) verify__fail((a)->r, __VA_ARGS__)
#define ULL(x) ((unsigned long long)(x))

/* Copies s for a one-line message: at most 80 bytes, control characters as '?'. */
const char *verify__clip(const char *s, char buf[96]);
/* One integer from the read-only connection (0 when the query fails). */
int64_t verify__raw_int(db_audit *a, const char *sql);
/* The first kept entry whose ref is >= ref (a->log sorted by ref). */
size_t verify__find_ref(const db_audit *a, const char *ref);
/* The row `what` (rebuilt as obj, taken) must match an entry of type about ref. */
void verify__match_row(db_audit *a, const char *what, const char *ref, const char *type, json_t *obj);

/* verify_state.c: each returns TR_OK or the store's code; rows counted into rows[]. */
int verify__audit_deconfliction(db_audit *a, uint64_t *rows); /* sites, operations, acks, movements */
void verify__audit_dc_events(db_audit *a, uint64_t *rows);    /* operation states, movement statuses */
int verify__audit_reports(db_audit *a, uint64_t *rows);       /* reports, responses, verdicts */
int verify__audit_regroups(db_audit *a, uint64_t *rows);
int verify__audit_humanitarian(db_audit *a, uint64_t *rows); /* corridors, steps, messages */
int verify__audit_mine_action(db_audit *a);
int verify__audit_traffic(db_audit *a, uint64_t *rows); /* batches, positions, alert changes (verify_traffic.c) */

#endif
