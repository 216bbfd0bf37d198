/*
 * store_audit.h — what `truce verify --db` reads (src/edges/verify*.c), through db.h, so
 * the audit runs the same on SQLite and on PostgreSQL and no SQL is written above the
 * store (issue 12 item 2, issue 13 item 3).
 *
 * The audit reads inside one read-only snapshot transaction (DB_TX_SNAPSHOT), so every
 * read below sees one state: store_audit_begin holds it on a store's connection (what
 * `truce verify --db` uses: the store's per-kind reads then see the same state),
 * store_audit_open on a connection of its own.
 * It reads only through the named scans, counts and lookups here: each is one statement
 * of the common dialect (db.h), fixed in store_audit.c; the caller names what it wants
 * and gets typed values, never SQL.
 *
 * Rows. A scan calls fn for every row in its stated order with a view of the row
 * (store_audit_row); its values (strings, blobs) live until fn returns. A lookup's row
 * lives until the next lookup of the same kind. Columns are numbered from 0 in the order
 * each scan states. A getter reads a column as SQLite's sqlite3_column_* would: NULL
 * reads as 0 / NULL, and a PostgreSQL boolean as 0 or 1.
 *
 * Errors (tr_err): a failed step — the last one included — fails the scan with its code
 * (db.h), never a short scan; fn's non-zero return stops it and is returned as is.
 */
#ifndef TRUCE_STORE_AUDIT_H
#define TRUCE_STORE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/db.h"
#include "store/store.h"

/* The audit's snapshot on a store, shared with the store's own reads (issue 13 item 3):
 * begins a read-only snapshot transaction on the calling thread's connection of s
 * (SQLite: BEGIN, a read transaction of the WAL; PostgreSQL: REPEATABLE READ READ ONLY)
 * and pins it with a first read, so every read of s on this thread — its per-kind reads
 * (store.h) and the reads below on *out — sees one committed state until
 * store_audit_end, whatever other connections or processes commit meanwhile (`truce
 * verify` on a live centre). *out is that connection, borrowed from s. The thread must
 * not write (store_begin) before store_audit_end. */
int store_audit_begin(store *s, db **out, tr_err *err);
/* Ends that snapshot (d NULL: nothing). */
void store_audit_end(store *s, db *d);

/* Opens the database at uri (db_open's URIs) on a connection of its own and begins the
 * audit's snapshot there; *out is closed by store_audit_close. */
int store_audit_open(const char *uri, db **out, tr_err *err);
/* Ends the snapshot and closes d (NULL is fine). */
void store_audit_close(db *d);

/* ---- rows ---- */

typedef struct store_audit_row store_audit_row; /* a view of the current row of a scan */

bool store_audit_null(const store_audit_row *r, int col);
int64_t store_audit_int(const store_audit_row *r, int col);
double store_audit_double(const store_audit_row *r, int col);
const char *store_audit_text(const store_audit_row *r, int col);            /* NULL for NULL */
const void *store_audit_blob(const store_audit_row *r, int col, size_t *n); /* NULL (n 0) for NULL */

/* ---- scans: the columns, in the order given, and the order of the rows ---- */
typedef enum {
    AUDIT_LOG_NODES,    /* level, idx, hash; by level, idx */
    AUDIT_CHECKPOINTS,  /* size, root, note; by size */
    AUDIT_COSIGNATURES, /* size, witness, line, the note of the checkpoint of that size (or NULL),
                           timestamp; by size, witness */
    AUDIT_PARTIES,      /* id, name, role, full_name, token_hash, revoked_at, public_key, created_at; by id */
    AUDIT_ACTORS,       /* name, full_name, created_at; by name */
    AUDIT_AREAS,        /* id, version, created_by, created_at, its last version's number (NULL: none),
                           created_by and created_at of its version 1; by id */
    AUDIT_AREA_INDEX,   /* rid, the area_id and version it indexes (NULL: none), minx, maxx, miny, maxy;
                           by rid */
    AUDIT_AGREEMENTS,   /* id, version, start_at, end_at, visibility, name; by id */
    AUDIT_FEED_PASSES,  /* seq, log_size, log_root, forced; by seq */
    AUDIT_FEED,         /* id, digest, seq, retired_to; by id */
    AUDIT_TRACKS,       /* id, party, created_at, and the party and received_ms of the batch of its first
                           position (NULL: no position); by id */
    /* Rows that break a rule of their table: one column, the row's key, ascending. */
    AUDIT_BAD_SCHEDULE,       /* movement_schedule rows of no movement or outside 0..n-1 */
    AUDIT_BAD_DC_EVENT,       /* dc_event rows whose value, lon, lat are not those of their kind */
    AUDIT_BAD_CORRIDOR_EVENT, /* corridor_event rows with a column their kind does not use */
    AUDIT_BAD_FORWARD,        /* message_forward rows of no message or not by its mediator */
    AUDIT_SCANS
} store_audit_scan_id;

int store_audit_scan(db *d, store_audit_scan_id which, int (*fn)(void *ctx, const store_audit_row *r),
                     void *ctx, tr_err *err);

/* ---- counts ---- */
typedef enum {
    AUDIT_N_PARTIES,               /* party rows */
    AUDIT_N_SIGNED_SIZE,           /* the largest checkpoint's size, 0 without one */
    AUDIT_N_ORPHAN_VERSIONS,       /* area_version rows of no area */
    AUDIT_N_UNINDEXED_VERSIONS,    /* area_version rows not in area_rtree */
    AUDIT_N_ORPHAN_PROVISIONS,     /* provision rows of no agreement */
    AUDIT_N_PROVISIONS,            /* provision rows */
    AUDIT_N_SCHEDULES,             /* movement_schedule rows */
    AUDIT_N_FORWARDS,              /* message_forward rows */
    AUDIT_N_BAD_PROBE_FLAGS,       /* dc_probe rows with refused or monitors_notified not 0 or 1 */
    AUDIT_N_ORPHAN_HITS,           /* dc_probe_hit rows of no probe */
    AUDIT_N_MISNUMBERED_HITS,      /* dc_probe_hit rows whose seq is outside 0..n-1 of their probe */
    AUDIT_N_BAD_HIT_FLAGS,         /* dc_probe_hit rows with exact not 0 or 1 */
    AUDIT_N_HITS,                  /* dc_probe_hit rows */
    AUDIT_N_STALE,                 /* track_stale rows */
    AUDIT_N_STALE_IN_SWEEPS,       /* track_stale rows in a batch of kind stale */
    AUDIT_N_FOREIGN_POSITIONS,     /* track_position rows sent by another party than their track's */
    AUDIT_N_UNUSED_TRAFFIC_CONFIG, /* traffic_config rows no batch was processed with */
    AUDIT_N_TRAFFIC_CONFIG,        /* traffic_config rows */
    AUDIT_COUNTS
} store_audit_count_id;

int store_audit_count(db *d, store_audit_count_id which, int64_t *n, tr_err *err);
/* The rows of table (a name of truce's schema: letters, digits and '_'; else TR_EINVAL). */
int store_audit_table_rows(db *d, const char *table, int64_t *n, tr_err *err);

/* ---- lookups by one key: *row is NULL when there is no such row ---- */
typedef enum {
    AUDIT_GET_LEAF,       /* log_node (0, key): hash */
    AUDIT_GET_CHECKPOINT, /* the checkpoint of size key: size */
    AUDIT_GET_OPERATION,  /* operation key: volumes */
    AUDIT_GET_NOTICE,     /* notice key: party, kind, about_type, about_id */
    AUDIT_GETS
} store_audit_get_id;

int store_audit_get(db *d, store_audit_get_id which, int64_t key, const store_audit_row **row, tr_err *err);

/* ---- the log ---- */
/* Calls fn for every log_entry in index order (pointers live until fn returns). */
int store_audit_log_entries(db *d, int (*fn)(const store_log_entry *e, void *ctx), void *ctx, tr_err *err);
/* A log_meta value (*value malloc'd, NULL when absent). */
int store_audit_meta(db *d, const char *key, char **value, tr_err *err);

/* ---- the schema ---- */
/* Calls fn for every table of the database (db_table_names: not SQLite's rtree shadow
 * tables nor PostGIS's own). */
int store_audit_tables(db *d, int (*fn)(void *ctx, const char *table), void *ctx, tr_err *err);
/* The spatial index's own consistency, in out (n bytes): "ok", or what is damaged.
 * SQLite: rtreecheck('area_rtree') over the R*Tree's shadow tables; PostgreSQL keeps
 * area_rtree as a plain table (db_pg_schema.c), which has no such tables: "ok". */
int store_audit_index_check(db *d, char *out, size_t n, tr_err *err);

#endif
