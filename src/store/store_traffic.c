/* store_traffic.c — tracks, positions, stale sweeps and alert changes (store_traffic.h). */
#include "store/store_traffic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* ---- tracks and settings ---- */

static const char SQL_TRACK_FIND[] = "SELECT id FROM track WHERE party = ? AND ext_id = ?";
static const char SQL_TRACK_INSERT[] =
    "INSERT INTO track(party, ext_id, created_at) VALUES (?,?,?) RETURNING id";

int store_track_id(store *s, const char *party, const char *ext, bool create, int64_t now, int64_t *id,
                   bool *created, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_TRACK_FIND, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, party);
    db_bind_text(st, 2, ext);
    int step = store__step(st);
    if (step == STORE_ROW) *id = db_col_int(st, 0);
    db_reset(st);
    if (created) *created = false;
    if (step == STORE_ROW) return TR_OK;
    if (step != STORE_DONE) return store__fail(err, -1, "reading table track");
    if (!create) return tr_fail(err, TR_ENOTFOUND, "track", "there is no track '%s' of %s", ext, party);
    if (!(st = store__prep(s, SQL_TRACK_INSERT, err))) return TR_EIO;
    db_bind_text(st, 1, party);
    db_bind_text(st, 2, ext);
    db_bind_int(st, 3, now);
    int rc = store__step_done(s, st, "recording the track", err);
    if (rc == TR_OK) *id = store__last_id();
    if (rc == TR_OK && created) *created = true;
    return rc;
}

static const char SQL_TRACK_GET[] = "SELECT party, ext_id FROM track WHERE id = ?";

int store_track_get(store *s, int64_t id, char *party, char *ext, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_TRACK_GET, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table track", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) {
        snprintf(party, TR_NAME_MAX + 1, "%s", db_col_text(st, 0));
        snprintf(ext, TR_TRACK_ID_MAX + 1, "%s", db_col_text(st, 1));
        rc = TR_OK;
    }
    db_reset(st);
    return rc ? tr_fail(err, rc, "id", "there is no track %lld", (long long)id) : TR_OK;
}

static const char SQL_CONFIG_FIND[] = "SELECT id FROM traffic_config WHERE body = ?";
static const char SQL_CONFIG_INSERT[] = "INSERT INTO traffic_config(body) VALUES (?) RETURNING id";
static const char SQL_CONFIG_GET[] = "SELECT body FROM traffic_config WHERE id = ?";

int store_traffic_config_id(store *s, const char *body, int64_t *id, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CONFIG_FIND, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, body);
    int one = store__one(st, store__step(st), "reading table traffic_config", err);
    if (one != TR_OK && one != TR_ENOTFOUND) return one;
    bool found = one == TR_OK;
    if (found) *id = db_col_int(st, 0);
    db_reset(st);
    if (found) return TR_OK;
    if (!(st = store__prep(s, SQL_CONFIG_INSERT, err))) return TR_EIO;
    db_bind_text(st, 1, body);
    int rc = store__step_done(s, st, "recording the traffic settings", err);
    if (rc == TR_OK) *id = store__last_id();
    return rc;
}

int store_traffic_config_get(store *s, int64_t id, char **body, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CONFIG_GET, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int one = store__one(st, store__step(st), "reading table traffic_config", err);
    if (one != TR_OK && one != TR_ENOTFOUND) return one;
    *body = one == TR_OK ? db_col_dup(st, 0) : NULL;
    db_reset(st);
    return *body ? TR_OK
                 : tr_fail(err, TR_ENOTFOUND, "", "there are no traffic settings %lld", (long long)id);
}

static const char SQL_CONFIG_LATEST[] =
    "SELECT c.body FROM track_batch b JOIN traffic_config c ON c.id = b.config_id ORDER BY b.id DESC LIMIT 1";

int store_traffic_config_latest(store *s, char **body, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CONFIG_LATEST, err);
    if (!st) return TR_EIO;
    int one = store__one(st, store__step(st), "reading table track_batch", err);
    if (one != TR_OK && one != TR_ENOTFOUND) return one;
    *body = one == TR_OK ? db_col_dup(st, 0) : NULL;
    db_reset(st);
    return TR_OK;
}

/* ---- batches ---- */

static const char SQL_BATCH_INSERT[] =
    "INSERT INTO track_batch(kind, party, received_ms, config_id, count) VALUES (?,?,?,?,?) RETURNING id";
static const char SQL_BATCH_COLS[] = "SELECT id, kind, party, received_ms, config_id, count FROM track_batch";
static const char SQL_BATCH_GET[] =
    "SELECT id, kind, party, received_ms, config_id, count FROM track_batch WHERE id = ?";

int store_track_batch_insert(store *s, store_track_batch *b, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_BATCH_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, b->kind);
    db_bind_text(st, 2, b->party);
    db_bind_int(st, 3, b->received_ms);
    db_bind_int(st, 4, b->config_id);
    db_bind_int(st, 5, b->count);
    int rc = store__step_done(s, st, "recording the batch", err);
    if (rc == TR_OK) b->id = store__last_id();
    return rc;
}

static void read_batch(db_stmt *st, store_track_batch *b) {
    b->id = db_col_int(st, 0);
    b->kind = db_col_text(st, 1);
    b->party = db_col_text(st, 2);
    b->received_ms = db_col_int(st, 3);
    b->config_id = db_col_int(st, 4);
    b->count = db_col_int(st, 5);
}

int store_track_batch_get(store *s, int64_t id, store_track_batch *out, tr_err *err) {
    static __thread char kind[16], party[TR_NAME_MAX + 16];
    db_stmt *st = store__prep(s, SQL_BATCH_GET, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table track_batch", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) {
        read_batch(st, out);
        snprintf(kind, sizeof kind, "%s", out->kind ? out->kind : "");
        snprintf(party, sizeof party, "%s", out->party ? out->party : "");
        out->kind = kind;
        out->party = party;
        rc = TR_OK;
    }
    db_reset(st);
    return rc ? tr_fail(err, rc, "", "there is no track batch %lld", (long long)id) : TR_OK;
}

int store_track_batch_each(store *s, int (*fn)(const store_track_batch *b, void *ctx), void *ctx,
                           tr_err *err) {
    db_stmt *st = store__prep(s, SQL_BATCH_COLS, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_track_batch b;
        read_batch(st, &b);
        rc = fn(&b, ctx);
    }
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, "reading table track_batch");
    db_reset(st);
    return rc;
}

/* ---- positions ---- */

static const char SQL_POSITION_INSERT[] =
    "INSERT INTO track_position(batch_id, track_id, at_ms, lon, lat, alt_m, vx, vy, vz, callsign, visibility)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id";

int store_track_position_insert(store *s, store_position *sp, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_POSITION_INSERT, err);
    if (!st) return TR_EIO;
    char *vis = tr_vis_to_text(&sp->p.vis);
    if (!vis) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    const tr_position *p = &sp->p;
    db_bind_int(st, 1, sp->batch_id);
    db_bind_int(st, 2, sp->track_id);
    db_bind_int(st, 3, p->at_ms);
    double v[6] = {p->lon, p->lat, p->alt_m, p->vx, p->vy, p->vz};
    for (int i = 0; i < 6; i++)
        db_bind_double(st, 4 + i, v[i]);
    db_bind_text(st, 10, p->callsign[0] ? p->callsign : NULL);
    db_bind_text(st, 11, vis);
    free(vis);
    int rc = store__step_done(s, st, "recording the position", err);
    if (rc == TR_OK) sp->id = store__last_id();
    return rc;
}

#define POSITION_COLS                                                                                        \
    "p.id, p.batch_id, p.track_id, p.at_ms, p.lon, p.lat, p.alt_m, p.vx, p.vy, p.vz, p.callsign, "           \
    "p.visibility, "                                                                                         \
    "t.ext_id"

/* Reads POSITION_COLS at column `first` into sp (its vis owned: cleared by the caller). */
static int read_position(db_stmt *st, int first, store_position *sp) {
    memset(sp, 0, sizeof *sp);
    sp->id = db_col_int(st, first);
    sp->batch_id = db_col_int(st, first + 1);
    sp->track_id = db_col_int(st, first + 2);
    tr_position *p = &sp->p;
    p->at_ms = db_col_int(st, first + 3);
    double *v[6] = {&p->lon, &p->lat, &p->alt_m, &p->vx, &p->vy, &p->vz};
    for (int i = 0; i < 6; i++)
        *v[i] = db_col_double(st, first + 4 + i);
    const char *cs = db_col_text(st, first + 10), *ext = db_col_text(st, first + 12);
    snprintf(p->callsign, sizeof p->callsign, "%s", cs ? (const char *)cs : "");
    snprintf(p->track, sizeof p->track, "%s", ext ? (const char *)ext : "");
    p->has_vis = true;
    return tr_vis_from_text(db_col_text(st, first + 11), &p->vis) ? TR_EIO : TR_OK;
}

/* Steps st, calling fn on each position row (columns from `first`); stops at limit rows
 * (0: none) and sets *more. */
static int each_position(db_stmt *st, int first, size_t limit, int (*fn)(const store_position *p, void *ctx),
                         void *ctx, bool *more, const char *what, tr_err *err) {
    int rc = TR_OK, step;
    size_t n = 0;
    if (more) *more = false;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        if (limit && n == limit) {
            if (more) *more = true;
            step = STORE_DONE;
            break;
        }
        store_position sp;
        rc = read_position(st, first, &sp);
        if (rc)
            rc = tr_fail(err, TR_EIO, "", "%s: an unreadable row", what);
        else
            rc = fn(&sp, ctx);
        tr_position_clear(&sp.p);
        n++;
    }
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, what);
    db_reset(st);
    return rc;
}

static const char SQL_BATCH_POSITIONS[] =
    "SELECT " POSITION_COLS " FROM track_position p JOIN track t ON t.id = p.track_id"
    " WHERE p.batch_id = ? ORDER BY p.id";

int store_batch_positions(store *s, int64_t batch_id, int (*fn)(const store_position *p, void *ctx),
                          void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_BATCH_POSITIONS, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, batch_id);
    return each_position(st, 0, 0, fn, ctx, NULL, "reading table track_position", err);
}

static const char SQL_TRACK_POSITIONS[] =
    "SELECT " POSITION_COLS " FROM track_position p JOIN track t ON t.id = p.track_id"
    " WHERE p.track_id = ? AND p.at_ms >= ? AND p.at_ms < ? ORDER BY p.at_ms";

int store_track_positions(store *s, int64_t track_id, int64_t from_ms, int64_t to_ms, size_t limit,
                          int (*fn)(const store_position *p, void *ctx), void *ctx, bool *more, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_TRACK_POSITIONS, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, track_id);
    db_bind_int(st, 2, from_ms);
    db_bind_int(st, 3, to_ms);
    return each_position(st, 0, limit, fn, ctx, more, "reading table track_position", err);
}

/* Per track the latest position in (min, at]: one index seek per track. */
static const char SQL_PICTURE[] =
    "SELECT " POSITION_COLS " FROM track t JOIN track_position p ON p.id = ("
    " SELECT q.id FROM track_position q WHERE q.track_id = t.id AND q.at_ms > ?1 AND q.at_ms <= ?2"
    " ORDER BY q.at_ms DESC LIMIT 1) ORDER BY t.id";

int store_track_picture(store *s, int64_t min_ms, int64_t at_ms,
                        int (*fn)(const store_position *p, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PICTURE, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, min_ms);
    db_bind_int(st, 2, at_ms);
    return each_position(st, 0, 0, fn, ctx, NULL, "reading table track_position", err);
}

typedef struct last_ctx {
    int (*fn)(const store_position *p, int64_t received_ms, bool ended, void *ctx);
    void *ctx;
    db_stmt *st;
} last_ctx;

static int last_one(const store_position *p, void *ctx) {
    last_ctx *l = ctx;
    return l->fn(p, db_col_int(l->st, 13), db_col_int(l->st, 14) != 0, l->ctx);
}

static const char SQL_LAST[] =
    "SELECT " POSITION_COLS ", b.received_ms, EXISTS (SELECT 1 FROM track_stale x WHERE x.track_id = t.id"
    " AND x.batch_id > p.batch_id) FROM track t JOIN track_position p ON p.id = ("
    " SELECT q.id FROM track_position q WHERE q.track_id = t.id ORDER BY q.at_ms DESC LIMIT 1)"
    " JOIN track_batch b ON b.id = p.batch_id ORDER BY t.id";

int store_track_last_each(store *s,
                          int (*fn)(const store_position *p, int64_t received_ms, bool ended, void *ctx),
                          void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_LAST, err);
    if (!st) return TR_EIO;
    last_ctx l = {fn, ctx, st};
    return each_position(st, 0, 0, last_one, &l, NULL, "reading table track_position", err);
}

/* ---- stale sweeps ---- */

static const char SQL_STALE_INSERT[] = "INSERT INTO track_stale(batch_id, track_id, last_ms) VALUES (?,?,?)";
static const char SQL_STALE_OF[] =
    "SELECT track_id, last_ms FROM track_stale WHERE batch_id = ? ORDER BY track_id";

int store_track_stale_insert(store *s, int64_t batch_id, int64_t track_id, int64_t last_ms, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_STALE_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, batch_id);
    db_bind_int(st, 2, track_id);
    db_bind_int(st, 3, last_ms);
    return store__step_done(s, st, "recording the stale track", err);
}

int store_batch_stale(store *s, int64_t batch_id, int (*fn)(int64_t track_id, int64_t last_ms, void *ctx),
                      void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_STALE_OF, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, batch_id);
    int rc = TR_OK, step;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW)
        rc = fn(db_col_int(st, 0), db_col_int(st, 1), ctx);
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, "reading table track_stale");
    db_reset(st);
    return rc;
}

/* ---- alerts ---- */

static const char SQL_ALERT_INSERT[] =
    "INSERT INTO traffic_alert(batch_id, kind, change, reason, level, track_id, other_id, part, at_ms,"
    " time_to_los_s, time_to_cpa_s, h_sep_m, v_sep_m, distance_m) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
    "RETURNING id";

static void bind_opt(db_stmt *st, int i, double v) {
    if (v < 0)
        db_bind_null(st, i);
    else
        db_bind_double(st, i, v);
}

int store_traffic_alert_insert(store *s, store_traffic_alert *a, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ALERT_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, a->batch_id);
    db_bind_text(st, 2, a->kind);
    db_bind_text(st, 3, a->change);
    db_bind_text(st, 4, a->reason);
    db_bind_int(st, 5, a->level);
    db_bind_int(st, 6, a->track_id);
    db_bind_int(st, 7, a->other_id);
    db_bind_int(st, 8, a->part);
    db_bind_int(st, 9, a->at_ms);
    bind_opt(st, 10, a->t_los);
    bind_opt(st, 11, a->t_cpa);
    bind_opt(st, 12, a->h_sep);
    bind_opt(st, 13, a->v_sep);
    bind_opt(st, 14, a->distance);
    int rc = store__step_done(s, st, "recording the alert", err);
    if (rc == TR_OK) a->id = store__last_id();
    return rc;
}

#define ALERT_COLS                                                                                           \
    "id, batch_id, kind, change, reason, level, track_id, other_id, part, at_ms, time_to_los_s, "            \
    "time_to_cpa_s,"                                                                                         \
    " h_sep_m, v_sep_m, distance_m"

static const char SQL_ALERTS_ALL[] = "SELECT " ALERT_COLS " FROM traffic_alert ORDER BY id";
static const char SQL_ALERTS_WINDOW[] =
    "SELECT " ALERT_COLS " FROM traffic_alert WHERE at_ms >= ? AND at_ms < ? ORDER BY id";
/* The latest change of each alert (a pair's key is its two track ids in order), if active. */
static const char SQL_ALERTS_ACTIVE[] =
    "SELECT " ALERT_COLS " FROM traffic_alert WHERE id IN (SELECT max(id) FROM traffic_alert GROUP BY kind,"
    " CASE WHEN kind = 'traffic' AND other_id < track_id THEN other_id ELSE track_id END,"
    " CASE WHEN kind = 'traffic' AND other_id < track_id THEN track_id ELSE other_id END) AND level > 0 "
    "ORDER BY id";

static void read_alert(db_stmt *st, store_traffic_alert *a) {
    a->id = db_col_int(st, 0);
    a->batch_id = db_col_int(st, 1);
    a->kind = db_col_text(st, 2);
    a->change = db_col_text(st, 3);
    a->reason = db_col_text(st, 4);
    a->level = db_col_int(st, 5);
    a->track_id = db_col_int(st, 6);
    a->other_id = db_col_int(st, 7);
    a->part = db_col_int(st, 8);
    a->at_ms = db_col_int(st, 9);
    double *opt[5] = {&a->t_los, &a->t_cpa, &a->h_sep, &a->v_sep, &a->distance};
    for (int i = 0; i < 5; i++)
        *opt[i] = db_col_type(st, 10 + i) == DB_NULL ? -1 : db_col_double(st, 10 + i);
}

int store_traffic_alert_each(store *s, bool active, int64_t from_ms, int64_t to_ms,
                             int (*fn)(const store_traffic_alert *a, void *ctx), void *ctx, tr_err *err) {
    const char *sql = active ? SQL_ALERTS_ACTIVE : from_ms > to_ms ? SQL_ALERTS_ALL : SQL_ALERTS_WINDOW;
    db_stmt *st = store__prep(s, sql, err);
    if (!st) return TR_EIO;
    if (sql == SQL_ALERTS_WINDOW) {
        db_bind_int(st, 1, from_ms);
        db_bind_int(st, 2, to_ms);
    }
    int rc = TR_OK, step;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_traffic_alert a;
        read_alert(st, &a);
        if (!a.kind || !a.change || !a.reason)
            rc = tr_fail(err, TR_EIO, "", "an unreadable traffic_alert row");
        else
            rc = fn(&a, ctx);
    }
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, "reading table traffic_alert");
    db_reset(st);
    return rc;
}

static const char SQL_ALERT_EPISODE[] =
    "SELECT max(id) FROM traffic_alert WHERE kind = ?1 AND change = 'raised' AND id <= ?4 AND"
    " ((track_id = ?2 AND other_id = ?3) OR (kind = 'traffic' AND track_id = ?3 AND other_id = ?2))";

int store_traffic_alert_episode(store *s, const store_traffic_alert *a, int64_t *episode, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ALERT_EPISODE, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, a->kind);
    db_bind_int(st, 2, a->track_id);
    db_bind_int(st, 3, a->other_id);
    db_bind_int(st, 4, a->id);
    int step = store__step(st);
    *episode = step == STORE_ROW ? db_col_int(st, 0) : 0;
    db_reset(st);
    return step == STORE_ROW ? TR_OK : store__fail(err, -1, "reading table traffic_alert");
}
