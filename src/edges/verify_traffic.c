/*
 * verify_traffic.c — `truce verify --db` for live tracks and alerts (issue 16,
 * docs/traffic.md "What is logged"). Every batch of positions or of stale tracks is rebuilt
 * from its rows (the positions hashed as the centre hashed them, the settings it ran with)
 * and matched with its track.positions or track.stale entry: a position changed, added,
 * removed or moved to another batch changes a batch's positions_sha256 and fails. Positions
 * are numbered 1, 2, … in batch order (the order the hash reads them), each batch holds as
 * many rows as its logged count, every track is its first position's party's, created when
 * that position's batch was received, and every setting is some batch's. Every alert change
 * is matched with its traffic.alert entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/verify_db.h"
#include "service/centre_traffic.h"

typedef struct traffic_pass {
    db_audit *a;
    uint64_t rows;   /* rows of the table being checked */
    uint64_t read;   /* positions or stale tracks of the current batch */
    int64_t next_id; /* the id the next position must have */
    centre_hash_state *h;
    json_t *tracks;
    tr_err err;
} traffic_pass;

static int hash_one(const store_position *p, void *ctx) {
    traffic_pass *t = ctx;
    t->read++;
    return centre_positions_hash_add(t->h, p);
}

static int stale_one(int64_t track, int64_t last_ms, void *ctx) {
    traffic_pass *t = ctx;
    char at[TR_TIME_BUFSZ];
    json_t *x = json_pack("{s:I, s:s}", "id", (json_int_t)track, "last_at", tr_time_format_ms(last_ms, at));
    t->read++;
    return x && json_array_append_new(t->tracks, x) == 0 ? TR_OK : TR_ENOMEM;
}

/* The batch's object as its rows say now: its positions' hash, or its stale tracks. */
static json_t *rebuild_batch(traffic_pass *t, const store_track_batch *b, const char *config,
                             const char *what) {
    json_t *obj = NULL;
    t->read = 0;
    if (b->kind && strcmp(b->kind, "stale") == 0) {
        if (!(t->tracks = json_array())) return NULL;
        if (store_batch_stale(t->a->s, b->id, stale_one, t, &t->err) == TR_OK)
            obj = centre_object_track_batch(b, config, NULL, t->tracks);
        else
            FAIL(t->a, "%s: its stale tracks cannot be read: %s", what, t->err.msg);
        json_decref(t->tracks);
        return obj;
    }
    char hex[65];
    if (!(t->h = centre_positions_hash_begin())) return NULL;
    int rc = store_batch_positions(t->a->s, b->id, hash_one, t, &t->err);
    centre_positions_hash_end(t->h, hex);
    if (rc == TR_OK) return centre_object_track_batch(b, config, hex, NULL);
    FAIL(t->a, "%s: its positions cannot be read: %s", what, t->err.msg);
    return NULL;
}

static int check_batch(const store_track_batch *b, void *ctx) {
    traffic_pass *t = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    char *config = NULL;
    centre_ref_track_batch(b->id, ref);
    snprintf(what, sizeof what, "track_batch %lld", (long long)b->id);
    t->rows++;
    if (store_traffic_config_get(t->a->s, b->config_id, &config, &t->err)) {
        FAIL(t->a, "%s: its settings (traffic_config %lld) are missing", what, (long long)b->config_id);
        return TR_OK;
    }
    json_t *obj = rebuild_batch(t, b, config, what);
    free(config);
    if (obj && t->read != (uint64_t)b->count)
        FAIL(t->a, "%s: %llu rows, its entry counts %lld", what, ULL(t->read), (long long)b->count);
    verify__match_row(
        t->a, what, ref,
        b->kind && strcmp(b->kind, "stale") == 0 ? TR_ENTRY(TRACK_STALE) : TR_ENTRY(TRACK_POSITIONS), obj);
    return TR_OK;
}

int verify__track_batch(db_audit *a, uint64_t *rows) {
    traffic_pass t = {.a = a};
    store_track_batch_each(a->s, check_batch, &t, &t.err);
    verify__count(a, "track_batch", t.rows, &t.err);
    *rows = t.rows;
    return TR_OK;
}

/* ---- positions: numbered in batch order; stale rows: all in stale batches ---- */

static int number_one(const store_position *p, void *ctx) {
    traffic_pass *t = ctx;
    if (p->id != t->next_id)
        FAIL(t->a, "track_position %lld: numbered out of order (batch %lld's positions follow %lld)",
             (long long)p->id, (long long)p->batch_id, (long long)(t->next_id - 1));
    t->next_id = p->id + 1;
    t->rows++;
    return TR_OK;
}

static int number_batch(const store_track_batch *b, void *ctx) {
    traffic_pass *t = ctx;
    if (b->kind && strcmp(b->kind, "positions") == 0)
        return store_batch_positions(t->a->s, b->id, number_one, t, &t->err);
    return TR_OK;
}

int verify__track_position(db_audit *a, uint64_t *rows) {
    traffic_pass t = {.a = a, .next_id = 1};
    store_track_batch_each(a->s, number_batch, &t, &t.err);
    verify__count(a, "track_position", t.rows, &t.err); /* a row outside a batch of positions */
    *rows = t.rows;
    return TR_OK;
}

int verify__track_stale(db_audit *a, uint64_t *rows) {
    int64_t all = verify__n(a, AUDIT_N_STALE);
    int64_t in_sweeps = verify__n(a, AUDIT_N_STALE_IN_SWEEPS);
    if (all != in_sweeps)
        FAIL(a, "track_stale: %lld rows, %lld of them in sweeps (batches of kind stale)", (long long)all,
             (long long)in_sweeps);
    *rows = all > 0 ? (uint64_t)all : 0;
    return TR_OK;
}

/* ---- tracks and settings ---- */

static int check_track(db_audit *a, const store_audit_row *r) {
    long long id = store_audit_int(r, 0);
    const char *party = store_audit_text(r, 1);
    if (store_audit_null(r, 3)) {
        FAIL(a, "track %lld: it has no position", id);
        return TR_OK;
    }
    const char *sender = store_audit_text(r, 3);
    if (!party || !sender || strcmp(party, sender) != 0)
        FAIL(a, "track %lld: party %s, but its first position was sent by %s", id, party ? party : "NULL",
             sender ? sender : "NULL");
    long long created = store_audit_int(r, 2), received = store_audit_int(r, 4) / 1000;
    if (created != received)
        FAIL(a, "track %lld: created_at %lld, but its first position was received at %lld", id, created,
             received);
    return TR_OK;
}

int verify__track(db_audit *a, uint64_t *rows) {
    *rows = 0;
    int rc = verify__scan(a, AUDIT_TRACKS, check_track, rows);
    int64_t foreign = verify__n(a, AUDIT_N_FOREIGN_POSITIONS);
    if (foreign > 0)
        FAIL(a, "track: %lld positions sent by another party than their track's", (long long)foreign);
    return rc;
}

int verify__traffic_config(db_audit *a, uint64_t *rows) {
    int64_t unused = verify__n(a, AUDIT_N_UNUSED_TRAFFIC_CONFIG);
    if (unused > 0) FAIL(a, "traffic_config: %lld settings no batch was processed with", (long long)unused);
    int64_t all = verify__n(a, AUDIT_N_TRAFFIC_CONFIG);
    *rows = all > 0 ? (uint64_t)all : 0; /* each checked in its batches' objects */
    return TR_OK;
}

/* ---- alert changes ---- */

static int check_alert(const store_traffic_alert *x, void *ctx) {
    traffic_pass *t = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_traffic_alert(x->id, ref);
    snprintf(what, sizeof what, "traffic_alert %lld", (long long)x->id);
    t->rows++;
    verify__match_row(t->a, what, ref, TR_ENTRY(TRAFFIC_ALERT), centre_object_traffic_alert(x));
    return TR_OK;
}

int verify__traffic_alert(db_audit *a, uint64_t *rows) {
    traffic_pass t = {.a = a};
    store_traffic_alert_each(a->s, false, 1, 0, check_alert, &t, &t.err);
    verify__count(a, "traffic_alert", t.rows, &t.err);
    *rows = t.rows;
    return TR_OK;
}
