/*
 * verify_traffic.c — `truce verify --db` for live tracks and alerts (issue 16): every batch
 * of positions or of stale tracks is rebuilt from its rows (the positions hashed as the
 * centre hashed them, the settings it ran with) and matched with its track.positions or
 * track.stale entry; every alert change with its traffic.alert entry. A position changed,
 * added or removed after the fact changes its batch's positions_sha256 and fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/verify_db.h"
#include "service/centre_traffic.h"

typedef struct traffic_pass {
    db_audit *a;
    uint64_t batches, positions, alerts;
    centre_hash_state *h;
    json_t *tracks;
    tr_err err;
} traffic_pass;

static int hash_one(const store_position *p, void *ctx) {
    traffic_pass *t = ctx;
    t->positions++;
    return centre_positions_hash_add(t->h, p);
}

static int stale_one(int64_t track, int64_t last_ms, void *ctx) {
    traffic_pass *t = ctx;
    char at[TR_TIME_BUFSZ];
    json_t *x = json_pack("{s:I, s:s}", "id", (json_int_t)track, "last_at", tr_time_format_ms(last_ms, at));
    return x && json_array_append_new(t->tracks, x) == 0 ? TR_OK : TR_ENOMEM;
}

static int check_batch(const store_track_batch *b, void *ctx) {
    traffic_pass *t = ctx;
    char ref[CENTRE_REF_MAX], what[160], hex[65];
    char *config = NULL;
    json_t *obj = NULL;
    bool stale = b->kind && strcmp(b->kind, "stale") == 0;
    store_track_batch copy = *b; /* the row's strings live until the next step of the scan */
    centre_ref_track_batch(b->id, ref);
    snprintf(what, sizeof what, "track_batch %lld", (long long)b->id);
    t->batches++;
    if (store_traffic_config_get(t->a->s, b->config_id, &config, &t->err)) {
        FAIL(t->a, "%s: its settings (traffic_config %lld) are missing", what, (long long)b->config_id);
        return TR_OK;
    }
    if (stale) {
        t->tracks = json_array();
        if (store_batch_stale(t->a->s, b->id, stale_one, t, &t->err) == TR_OK)
            obj = centre_object_track_batch(&copy, config, NULL, t->tracks);
        json_decref(t->tracks);
    } else if ((t->h = centre_positions_hash_begin())) {
        int rc = store_batch_positions(t->a->s, b->id, hash_one, t, &t->err);
        centre_positions_hash_end(t->h, hex);
        if (rc == TR_OK)
            obj = centre_object_track_batch(&copy, config, hex, NULL);
        else
            FAIL(t->a, "%s: its positions cannot be read: %s", what, t->err.msg);
    }
    free(config);
    verify__match_row(t->a, what, ref, stale ? "track.stale" : "track.positions", obj);
    return TR_OK;
}

static int check_alert(const store_traffic_alert *x, void *ctx) {
    traffic_pass *t = ctx;
    char ref[CENTRE_REF_MAX], what[160];
    centre_ref_traffic_alert(x->id, ref);
    snprintf(what, sizeof what, "traffic_alert %lld", (long long)x->id);
    t->alerts++;
    verify__match_row(t->a, what, ref, "traffic.alert", centre_object_traffic_alert(x));
    return TR_OK;
}

int verify__audit_traffic(db_audit *a, uint64_t *rows) {
    traffic_pass t = {.a = a};
    if (store_track_batch_each(a->s, check_batch, &t, &t.err))
        FAIL(a, "track_batch: %s; the rows after it were not checked", t.err.msg);
    if (store_traffic_alert_each(a->s, false, 1, 0, check_alert, &t, &t.err))
        FAIL(a, "traffic_alert: %s; the rows after it were not checked", t.err.msg);
    int64_t positions = verify__raw_int(a, "SELECT count(*) FROM track_position");
    if (positions >= 0 && (uint64_t)positions != t.positions)
        FAIL(a, "track_position: %lld rows, %llu in batches of positions", (long long)positions,
             ULL(t.positions));
    rows[0] += t.batches;
    rows[1] += t.positions;
    rows[2] += t.alerts;
    fprintf(a->r->out, "traffic: %llu batches, %llu positions, %llu alert changes checked against the log\n",
            ULL(t.batches), ULL(t.positions), ULL(t.alerts));
    return TR_OK;
}
