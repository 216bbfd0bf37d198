/*
 * store_audit.c — the reads of `truce verify --db`, through db.h (store_audit.h).
 *
 * Every statement is a constant of the common dialect (db.h), in a table indexed by the
 * scan, count or lookup it serves, so db_prep caches it by address; nothing here is
 * specific to one database but store_audit_index_check (SQLite's rtreecheck). A row view
 * is the statement itself: its getters are db.h's column getters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_copy.h"
#include "store/store_audit.h"
#include "store/store_int.h"

/* A failure of a read: its code kept, its message naming the table. */
static int failed(tr_err *err, const tr_err *cause, const char *table) {
    tr_err e = *cause;
    return tr_fail(err, e.code ? e.code : TR_EIO, e.field, "reading table %s: %.400s", table, e.msg);
}

int store_audit_open(const char *uri, db **out, tr_err *err) {
    *out = NULL;
    db *d = NULL;
    int rc = db_open(uri, &d, err);
    if (rc == TR_OK) rc = db_set_timeout_ms(d, 10000, err);
    if (rc == TR_OK) rc = db_begin(d, DB_TX_SNAPSHOT, err);
    if (rc) {
        db_close(d);
        return rc;
    }
    *out = d;
    return TR_OK;
}

static const char SQL_PIN[] = "SELECT count(*) FROM schema_version";

int store_audit_begin(store *s, db **out, tr_err *err) {
    *out = NULL;
    db *d = store__db(s, err);
    if (!d) return err ? err->code : TR_EIO;
    tr_err e = {0};
    int rc = db_begin(d, DB_TX_SNAPSHOT, &e);
    /* Both databases take the snapshot at the transaction's first read, not at BEGIN. */
    db_stmt *st = rc ? NULL : db_prep(d, SQL_PIN, &e);
    bool row = false;
    if (rc == TR_OK && !st) rc = TR_EIO;
    if (st) {
        rc = db_step(st, &row, &e);
        db_reset(st);
    }
    if (rc) {
        db_rollback(d);
        return failed(err, &e, "schema_version");
    }
    *out = d;
    return TR_OK;
}

void store_audit_end(store *s, db *d) {
    (void)s;
    if (d) db_rollback(d);
}

void store_audit_close(db *d) {
    if (!d) return;
    db_rollback(d);
    db_close(d);
}

/* ---- rows: a view is the statement on its current row ---- */

#define ST(r) ((db_stmt *)(r))

bool store_audit_null(const store_audit_row *r, int col) {
    return db_col_type(ST(r), col) == DB_NULL;
}

int64_t store_audit_int(const store_audit_row *r, int col) {
    return db_col_int(ST(r), col);
}

double store_audit_double(const store_audit_row *r, int col) {
    return db_col_double(ST(r), col);
}

const char *store_audit_text(const store_audit_row *r, int col) {
    return db_col_text(ST(r), col);
}

const void *store_audit_blob(const store_audit_row *r, int col, size_t *n) {
    return db_col_blob(ST(r), col, n);
}

/* ---- scans ---- */

static const struct {
    const char *sql, *table; /* table: named in a failure's message */
} SCANS[AUDIT_SCANS] = {
    [AUDIT_LOG_NODES] = {"SELECT level, idx, hash FROM log_node ORDER BY level, idx", "log_node"},
    [AUDIT_CHECKPOINTS] = {"SELECT size, root, note FROM log_checkpoint ORDER BY size", "log_checkpoint"},
    [AUDIT_COSIGNATURES] = {"SELECT c.size, c.witness, c.line, k.note, c.timestamp FROM log_cosignature c"
                            " LEFT JOIN log_checkpoint k ON k.size = c.size ORDER BY c.size, c.witness",
                            "log_cosignature"},
    [AUDIT_PARTIES] = {"SELECT id, name, role, full_name, token_hash, revoked_at, public_key, created_at"
                       " FROM party ORDER BY id",
                       "party"},
    [AUDIT_ACTORS] = {"SELECT name, full_name, created_at FROM actor ORDER BY name", "actor"},
    [AUDIT_AREAS] = {"SELECT a.id, a.version, a.created_by, a.created_at,"
                     " (SELECT max(version) FROM area_version v WHERE v.area_id = a.id),"
                     " f.created_by, f.created_at FROM area a"
                     " LEFT JOIN area_version f ON f.area_id = a.id AND f.version = 1 ORDER BY a.id",
                     "area"},
    [AUDIT_AREA_INDEX] =
        {"SELECT r.rid, v.area_id, v.version, r.minx, r.maxx, r.miny, r.maxy FROM area_rtree r"
         " LEFT JOIN area_version v ON v.rid = r.rid ORDER BY r.rid",
         "area_rtree"},
    [AUDIT_AGREEMENTS] = {"SELECT id, version, start_at, end_at, visibility, name FROM agreement ORDER BY id",
                          "agreement"},
    [AUDIT_FEED_PASSES] = {"SELECT seq, log_size, log_root, forced FROM incident_feed_pass ORDER BY seq",
                           "incident_feed_pass"},
    [AUDIT_FEED] = {"SELECT id, digest, seq, retired_to FROM incident_feed ORDER BY id", "incident_feed"},
    [AUDIT_TRACKS] = {"SELECT t.id, t.party, t.created_at, b.party, b.received_ms FROM track t"
                      " LEFT JOIN track_position p ON p.id = (SELECT min(q.id) FROM track_position q"
                      " WHERE q.track_id = t.id) LEFT JOIN track_batch b ON b.id = p.batch_id ORDER BY t.id",
                      "track"},
    [AUDIT_BAD_SCHEDULE] =
        {"SELECT movement_id FROM movement_schedule WHERE NOT EXISTS (SELECT 1 FROM movement m"
         " WHERE m.id = movement_id) OR seq < 0 OR seq >= (SELECT count(*) FROM"
         " movement_schedule x WHERE x.movement_id = movement_schedule.movement_id)"
         " ORDER BY 1",
         "movement_schedule"},
    [AUDIT_BAD_DC_EVENT] = {"SELECT id FROM dc_event WHERE (kind = 'position') <> (value IS NULL)"
                            " OR (kind = 'position') <> (lon IS NOT NULL) OR (lon IS NULL) <> (lat IS NULL)"
                            " ORDER BY 1",
                            "dc_event"},
    [AUDIT_BAD_CORRIDOR_EVENT] =
        {"SELECT id FROM corridor_event WHERE (kind = 'opening') <> (time_to IS NOT NULL)"
         " OR (kind = 'crossing') <> (count IS NOT NULL)"
         " OR (kind = 'crossing') <> (source_kind IS NOT NULL)"
         " OR (kind <> 'crossing' AND source_ref IS NOT NULL) ORDER BY 1",
         "corridor_event"},
    [AUDIT_BAD_FORWARD] = {"SELECT message_id FROM message_forward WHERE NOT EXISTS (SELECT 1 FROM message m"
                           " WHERE m.id = message_id AND m.via IS NOT DISTINCT FROM party) ORDER BY 1",
                           "message_forward"},
};

typedef struct scan_ctx {
    int (*fn)(void *ctx, const store_audit_row *r);
    void *ctx;
} scan_ctx;

static int scan_row(void *ctx, db_stmt *st, tr_err *err) {
    (void)err;
    scan_ctx *s = ctx;
    return s->fn(s->ctx, (const store_audit_row *)st);
}

int store_audit_scan(db *d, store_audit_scan_id which, int (*fn)(void *ctx, const store_audit_row *r),
                     void *ctx, tr_err *err) {
    tr_err e = {0}; /* filled by a failed step only: fn's own stop is returned as is */
    db_stmt *st = db_prep(d, SCANS[which].sql, &e);
    scan_ctx s = {fn, ctx};
    int rc = st ? db_each(st, scan_row, &s, &e) : TR_EIO;
    return rc && (!st || e.code) ? failed(err, &e, SCANS[which].table) : rc;
}

/* ---- counts ---- */

static const char *const COUNTS[AUDIT_COUNTS] = {
    [AUDIT_N_PARTIES] = "SELECT count(*) FROM party",
    [AUDIT_N_SIGNED_SIZE] = "SELECT coalesce(max(size), 0) FROM log_checkpoint",
    [AUDIT_N_ORPHAN_VERSIONS] = "SELECT count(*) FROM area_version v WHERE NOT EXISTS"
                                " (SELECT 1 FROM area a WHERE a.id = v.area_id)",
    [AUDIT_N_UNINDEXED_VERSIONS] = "SELECT count(*) FROM area_version v WHERE NOT EXISTS"
                                   " (SELECT 1 FROM area_rtree r WHERE r.rid = v.rid)",
    [AUDIT_N_ORPHAN_PROVISIONS] = "SELECT count(*) FROM provision p WHERE NOT EXISTS"
                                  " (SELECT 1 FROM agreement g WHERE g.id = p.agreement_id)",
    [AUDIT_N_PROVISIONS] = "SELECT count(*) FROM provision",
    [AUDIT_N_SCHEDULES] = "SELECT count(*) FROM movement_schedule",
    [AUDIT_N_FORWARDS] = "SELECT count(*) FROM message_forward",
    [AUDIT_N_BAD_PROBE_FLAGS] = "SELECT count(*) FROM dc_probe WHERE refused NOT IN (0, 1)"
                                " OR monitors_notified NOT IN (0, 1)",
    [AUDIT_N_ORPHAN_HITS] =
        "SELECT count(*) FROM dc_probe_hit WHERE probe_id NOT IN (SELECT id FROM dc_probe)",
    [AUDIT_N_MISNUMBERED_HITS] = "SELECT count(*) FROM dc_probe_hit h WHERE h.seq < 0 OR h.seq >="
                                 " (SELECT count(*) FROM dc_probe_hit g WHERE g.probe_id = h.probe_id)",
    [AUDIT_N_BAD_HIT_FLAGS] = "SELECT count(*) FROM dc_probe_hit WHERE exact NOT IN (0, 1)",
    [AUDIT_N_HITS] = "SELECT count(*) FROM dc_probe_hit",
    [AUDIT_N_STALE] = "SELECT count(*) FROM track_stale",
    [AUDIT_N_STALE_IN_SWEEPS] = "SELECT count(*) FROM track_stale s JOIN track_batch b"
                                " ON b.id = s.batch_id AND b.kind = 'stale'",
    [AUDIT_N_FOREIGN_POSITIONS] = "SELECT count(*) FROM track_position p JOIN track t ON t.id = p.track_id"
                                  " JOIN track_batch b ON b.id = p.batch_id WHERE b.party <> t.party",
    [AUDIT_N_UNUSED_TRAFFIC_CONFIG] = "SELECT count(*) FROM traffic_config WHERE id NOT IN"
                                      " (SELECT config_id FROM track_batch)",
    [AUDIT_N_TRAFFIC_CONFIG] = "SELECT count(*) FROM traffic_config",
};

/* The one integer of st's one row (0 without a row). */
static int one_int(db_stmt *st, int64_t *n, tr_err *err) {
    bool row = false;
    int rc = db_step(st, &row, err);
    *n = rc == TR_OK && row ? db_col_int(st, 0) : 0;
    db_reset(st);
    return rc;
}

int store_audit_count(db *d, store_audit_count_id which, int64_t *n, tr_err *err) {
    tr_err e = {0};
    *n = 0;
    db_stmt *st = db_prep(d, COUNTS[which], &e);
    int rc = st ? one_int(st, n, &e) : TR_EIO;
    return rc ? failed(err, &e, "(a count)") : TR_OK;
}

int store_audit_table_rows(db *d, const char *table, int64_t *n, tr_err *err) {
    tr_err e = {0};
    *n = 0;
    if (!table[0] || strlen(table) > 64 ||
        strspn(table, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(table))
        return tr_fail(err, TR_EINVAL, "table", "not a table of truce's schema");
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    db_stmt *st = NULL;
    int rc = db_prepare(d, sql, &st, &e);
    if (rc == TR_OK) rc = one_int(st, n, &e);
    db_finalize(st);
    return rc ? failed(err, &e, table) : TR_OK;
}

/* ---- lookups ---- */

static const struct {
    const char *sql, *table;
} GETS[AUDIT_GETS] = {
    [AUDIT_GET_LEAF] = {"SELECT hash FROM log_node WHERE level = 0 AND idx = ?", "log_node"},
    [AUDIT_GET_CHECKPOINT] = {"SELECT size FROM log_checkpoint WHERE size = ?", "log_checkpoint"},
    [AUDIT_GET_OPERATION] = {"SELECT volumes FROM operation WHERE id = ?", "operation"},
    [AUDIT_GET_NOTICE] = {"SELECT party, kind, about_type, about_id FROM notice WHERE id = ?", "notice"},
};

int store_audit_get(db *d, store_audit_get_id which, int64_t key, const store_audit_row **row, tr_err *err) {
    tr_err e = {0};
    bool found = false;
    *row = NULL;
    db_stmt *st = db_prep(d, GETS[which].sql, &e);
    if (st) db_bind_int(st, 1, key);
    if (!st || db_step(st, &found, &e)) return failed(err, &e, GETS[which].table);
    if (found) *row = (const store_audit_row *)st;
    return TR_OK;
}

/* ---- the log ---- */

static const char SQL_ENTRIES[] =
    "SELECT idx, entry, party, at, type, ref, object, submission FROM log_entry ORDER BY idx";

typedef struct entries_ctx {
    int (*fn)(const store_log_entry *e, void *ctx);
    void *ctx;
} entries_ctx;

static int entry_row(void *ctx, db_stmt *st, tr_err *err) {
    (void)err;
    entries_ctx *c = ctx;
    store_log_entry e = {.index = (uint64_t)db_col_int(st, 0),
                         .party = db_col_text(st, 2),
                         .at = db_col_int(st, 3),
                         .type = db_col_text(st, 4),
                         .ref = db_col_text(st, 5)};
    e.entry = db_col_blob(st, 1, &e.entry_len);
    e.object = db_col_blob(st, 6, &e.object_len);
    e.submission = db_col_blob(st, 7, &e.submission_len);
    return c->fn(&e, c->ctx);
}

int store_audit_log_entries(db *d, int (*fn)(const store_log_entry *e, void *ctx), void *ctx, tr_err *err) {
    tr_err e = {0};
    db_stmt *st = db_prep(d, SQL_ENTRIES, &e);
    entries_ctx c = {fn, ctx};
    int rc = st ? db_each(st, entry_row, &c, &e) : TR_EIO;
    return rc && (!st || e.code) ? failed(err, &e, "log_entry") : rc;
}

static const char SQL_META[] = "SELECT value FROM log_meta WHERE key = ?";

int store_audit_meta(db *d, const char *key, char **value, tr_err *err) {
    tr_err e = {0};
    bool row = false;
    *value = NULL;
    db_stmt *st = db_prep(d, SQL_META, &e);
    if (st) db_bind_text(st, 1, key);
    int rc = st ? db_step(st, &row, &e) : TR_EIO;
    if (rc == TR_OK && row && db_col_type(st, 0) != DB_NULL && !(*value = db_col_dup(st, 0)))
        rc = tr_fail(&e, TR_ENOMEM, "", "out of memory");
    if (st) db_reset(st);
    return rc ? failed(err, &e, "log_meta") : TR_OK;
}

/* ---- the schema ---- */

int store_audit_tables(db *d, int (*fn)(void *ctx, const char *table), void *ctx, tr_err *err) {
    db_names names = {0};
    int rc = db_table_names(d, &names, err);
    for (size_t i = 0; rc == TR_OK && i < names.n; i++)
        rc = fn(ctx, names.v[i]);
    db_names_free(&names);
    return rc;
}

static const char SQL_RTREECHECK[] = "SELECT rtreecheck('area_rtree')";

int store_audit_index_check(db *d, char *out, size_t n, tr_err *err) {
    tr_err e = {0};
    bool row = false;
    snprintf(out, n, "ok");
    if (db_kind_of(d) != DB_SQLITE) return TR_OK;
    db_stmt *st = db_prep(d, SQL_RTREECHECK, &e);
    int rc = st ? db_step(st, &row, &e) : TR_EIO;
    const char *t = rc == TR_OK && row ? db_col_text(st, 0) : NULL;
    snprintf(out, n, "%s", t ? t : "");
    if (st) db_reset(st);
    return rc ? failed(err, &e, "area_rtree") : TR_OK;
}
