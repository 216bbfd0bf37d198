/*
 * verify_db.h — what the database audit's files share: verify.c (passes 1 to 3 over the
 * log, and the driver), verify_match.c (pass 4: the list of tables, matching rows with
 * entries), and the checks of pass 4 per table: verify_core.c, verify_state.c,
 * verify_notices.c, verify_record.c, verify_probe.c, verify_witness.c. Each check reads
 * one table and reports its rows' problems, so moving a table's reads to another
 * interface touches one function. Reads go through store.h (a->s) and store_audit.h
 * (a->db), all in one snapshot on one connection (verify_open.c): no SQL and no SQLite
 * type here.
 */
#ifndef TRUCE_EDGES_VERIFY_DB_H
#define TRUCE_EDGES_VERIFY_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "edges/verify.h"
#include "engines/tlog.h"
#include "store/store.h"
#include "store/store_audit.h"

/* One log entry, kept to match the state rows against. */
typedef struct logged {
    char *ref, *type;
    uint64_t index;
    int64_t at;      /* the entry's time (its at) */
    int version;     /* its "v": how its object's bytes were encoded (centre_objects.h) */
    uint8_t sha[32]; /* the object_sha256 the entry commits to */
    bool row;        /* its ref names an existing row */
} logged;

typedef struct checkpoint_row {
    uint64_t size;
    tlog_hash root; /* the root column */
    bool root_ok;   /* the column held 32 bytes */
    char *note;
} checkpoint_row;

/* A box computed from an area version's geometry (verify__area_version), which
 * verify__area_rtree compares with the index. */
typedef struct area_box {
    int64_t area_id;
    int version;
    double minx, maxx, miny, maxy;
} area_box;

typedef struct db_audit {
    verify__report *r;
    store *s;
    db *db; /* the snapshot's connection (store_audit_begin): the log and the rows store.h does not list */
    tlog_memstore *mem; /* the nodes of the rebuilt tree */
    tlog_tree tree;     /* the rebuilt tree */
    bool broken;        /* an entry and its leaf hash are both missing: the tree stops there */
    uint64_t next;      /* the entry index expected next */
    logged *log;
    size_t nlog, caplog;
    bool have_key;
    bool vkey_recorded; /* log_meta holds a vkey */
    tlog_verifier key;
    char *origin; /* log_meta's origin, or NULL */
    struct party_key {
        char *party;
        uint8_t pk[32];
    } * keys; /* from party.key entries so far */
    size_t nkeys;
    uint64_t *rows;       /* rows checked per table of verify_match.c's TABLES */
    uint64_t acks;        /* acknowledged notices checked */
    struct party_id *ids; /* verify__party: each party's id and the index of its party.add */
    size_t nids, capids;
    area_box *boxes; /* per area version, in (area_id, version) order */
    size_t nboxes, capboxes;
    const verify_options *o;                   /* the audit's options (--witness, --quorum) */
    tlog_verifier wkeys[VERIFY_WITNESSES_MAX]; /* the --witness keys, parsed */
    void *pass;                                /* the state of the verify__scan running, for its fn */
    /* The checkpoint to check against (--checkpoint, or the one the server kept), read
     * before the snapshot begins: the server keeps one only once committed. */
    const char *saved_path; /* NULL: none */
    char kept[4200];        /* DB.key.checkpoint */
    char *saved_note;       /* its bytes (NULL: unreadable, saved_err says why) */
    size_t saved_len;
    tr_err saved_err;
    tr_err err;
} db_audit;

#define FAIL(a, ...) verify__fail((a)->r, __VA_ARGS__)
#define ULL(x) ((unsigned long long)(x))

/* verify_open.c: opens the store of the database at uri (a SQLite path or a PostgreSQL
 * URI) into a->s and begins the audit's snapshot on this thread's connection of it
 * (a->db, borrowed: store_audit_begin), which the store's own reads on this thread share;
 * verify__close ends the snapshot and closes the store. */
int verify__open(db_audit *a, const char *uri);
void verify__close(db_audit *a);

/* Copies s for a one-line message: at most 80 bytes, control characters as '?'. */
const char *verify__clip(const char *s, char buf[96]);

/* ---- verify_match.c: rows against entries (a->log sorted by ref, then index) ---- */
/* The first kept entry whose ref is >= ref. */
size_t verify__find_ref(const db_audit *a, const char *ref);
/* The first (latest: the last) entry of type about ref, or NULL; with mark, every entry of
 * that type about ref is marked as naming an existing row. */
const logged *verify__entry(db_audit *a, const char *ref, const char *type, bool latest, bool mark);
/* A pass over one table read through the store: the audit and the rows read. */
typedef struct verify_pass {
    db_audit *a;
    uint64_t rows;
} verify_pass;
/* Ends a pass read through the store: compares the rows read with the table's count (e: the
 * scan's failure, if any), sets *rows; TR_OK. */
int verify__end_pass(verify_pass *p, const char *table, const tr_err *e, uint64_t *rows);
/* verify__match_row for the row `name ID` about ref, counted in p. */
const logged *verify__match_counted(verify_pass *p, const char *name, int64_t id, const char *ref,
                                    const char *type, json_t *obj);

/* The row `what` (rebuilt as obj, taken) must be the object of an entry of type about ref;
 * marks those entries as naming a row. Returns the entry it matches, or NULL (reported). */
const logged *verify__match_row(db_audit *a, const char *what, const char *ref, const char *type,
                                json_t *obj);
/* The same, but the row must be the object of the latest such entry (a value that is
 * replaced: a setting, a party's key). */
const logged *verify__match_latest(db_audit *a, const char *what, const char *ref, const char *type,
                                   json_t *obj);
/* The row does not have what the entries of type about ref record (says: "its revocation"):
 * each such entry is a problem. */
void verify__no_entry(db_audit *a, const char *what, const char *ref, const char *type, const char *says);
/* A time stored beside a row (column) must be the time of the entry e that logged it. */
void verify__same_time(db_audit *a, const char *what, const char *column, int64_t row, const logged *e);
/* A count (store_audit.h); a failure to read it is reported, and counts 0. */
int64_t verify__n(db_audit *a, store_audit_count_id which);
/* Calls fn for every row of a scan (store_audit.h), counted into *rows (may be NULL); a
 * failure to read stops the audit (its code, a->err filled). */
int verify__scan(db_audit *a, store_audit_scan_id which, int (*fn)(db_audit *a, const store_audit_row *r),
                 uint64_t *rows);
/* Each row of a problem scan (AUDIT_BAD_*) is a problem: "<table> <key>: says". */
void verify__problems(db_audit *a, store_audit_scan_id which, const char *table, const char *says);
/* After reading a table through the store: e's failure, or a count of rows other than read. */
void verify__count(db_audit *a, const char *table, uint64_t read, const tr_err *e);
/* Rows checked so far in a table. */
uint64_t verify__rows(const db_audit *a, const char *table);
/* Pass 4: every table in turn, then the entries that name no row, then the summary. */
int verify__audit_state(db_audit *a);

/* A table and the check that covers it: returns TR_OK, or the code of a failure that stops
 * the audit (out of memory, an unreadable database); counts the rows checked into *rows. */
typedef struct verify_table {
    const char *table;
    int (*check)(db_audit *a, uint64_t *rows);
} verify_table;

/* verify_core.c: parties, actors, areas and their index, agreements and provisions. */
int verify__party(db_audit *a, uint64_t *rows);
int verify__actor(db_audit *a, uint64_t *rows);
int verify__area_version(db_audit *a, uint64_t *rows);
int verify__area(db_audit *a, uint64_t *rows);
int verify__area_rtree(db_audit *a, uint64_t *rows);
int verify__agreement(db_audit *a, uint64_t *rows);
int verify__provision(db_audit *a, uint64_t *rows);
/* verify_state.c: the modules' tables (deconfliction, monitoring, humanitarian, mine action). */
int verify__site(db_audit *a, uint64_t *rows);
int verify__operation(db_audit *a, uint64_t *rows);
int verify__movement(db_audit *a, uint64_t *rows);
int verify__movement_schedule(db_audit *a, uint64_t *rows);
int verify__checkpoint(db_audit *a, uint64_t *rows); /* verify_state.c */
int verify__movement_checkpoint(db_audit *a, uint64_t *rows);
int verify__dc_event(db_audit *a, uint64_t *rows);
int verify__report_row(db_audit *a, uint64_t *rows);
int verify__incident_response(db_audit *a, uint64_t *rows);
int verify__incident_verdict(db_audit *a, uint64_t *rows);
int verify__incident_regroup(db_audit *a, uint64_t *rows);
int verify__corridor_event(db_audit *a, uint64_t *rows);
int verify__step(db_audit *a, uint64_t *rows);
int verify__step_event(db_audit *a, uint64_t *rows);
int verify__message(db_audit *a, uint64_t *rows);
int verify__message_forward(db_audit *a, uint64_t *rows);
int verify__hazard(db_audit *a, uint64_t *rows);
int verify__hazard_status(db_audit *a, uint64_t *rows);
int verify__mine_task(db_audit *a, uint64_t *rows);
int verify__mine_progress(db_audit *a, uint64_t *rows);
int verify__mine_accident(db_audit *a, uint64_t *rows);
/* verify_notices.c: what parties were told (each notice against its own notice.create
 * entry, its acknowledgement against its notice.ack) and the clearances derived from the
 * notices that ask for them; and a signed acknowledgement, response, verdict or state
 * change must name its target in its body (verify__check_target, from pass 1). */
int verify__notice(db_audit *a, uint64_t *rows);
int verify__movement_clearance(db_audit *a, uint64_t *rows);
void verify__check_target(db_audit *a, const store_log_entry *e);
/* verify_record.c: what the centre records on its own: CAP alerts, settings. */
int verify__incident_alert(db_audit *a, uint64_t *rows);
int verify__setting(db_audit *a, uint64_t *rows);
/* verify_probe.c: restricted objects' privacy records, probes and their hits. */
int verify__dc_privacy(db_audit *a, uint64_t *rows);
int verify__dc_probe(db_audit *a, uint64_t *rows);
int verify__dc_probe_hit(db_audit *a, uint64_t *rows);
/* verify_feed.c: the incident change feed, recomputed: its passes replayed against the
 * incidents rebuilt from the log. */
int verify__incident_feed_pass(db_audit *a, uint64_t *rows);
int verify__incident_feed(db_audit *a, uint64_t *rows);
/* verify_witness.c: every cosignature against the checkpoint it cosigns; with --witness
 * (a->o, keys in a->wkeys), a checkpoint must have the quorum. */
int verify__log_cosignature(db_audit *a, uint64_t *rows);
/* verify_traffic.c: live tracks, their batches and settings, and alert changes (issue 16). */
int verify__track(db_audit *a, uint64_t *rows);
int verify__traffic_config(db_audit *a, uint64_t *rows);
int verify__track_batch(db_audit *a, uint64_t *rows);
int verify__track_position(db_audit *a, uint64_t *rows);
int verify__track_stale(db_audit *a, uint64_t *rows);
int verify__traffic_alert(db_audit *a, uint64_t *rows);

#endif
