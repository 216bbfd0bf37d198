/*
 * store_dc_state.c — what happens to operations and movements after they are notified:
 * movement schedules, state/status/position events, and convoy clearance
 * (migration 0009). Rows are only ever inserted.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* ---- schedules ---- */

static const char SQL_SCHED_INSERT[] =
    "INSERT INTO movement_schedule(movement_id, seq, lon, lat, at) VALUES (?,?,?,?,?)";

int store__movement_schedule_write(store *s, const tr_movement *m, tr_err *err) {
    for (size_t i = 0; i < m->nsched; i++) {
        db_stmt *st = store__prep(s, SQL_SCHED_INSERT, err);
        if (!st) return TR_EIO;
        db_bind_int(st, 1, m->id);
        db_bind_int(st, 2, (int64_t)i);
        db_bind_double(st, 3, m->sched[i].lon);
        db_bind_double(st, 4, m->sched[i].lat);
        db_bind_int(st, 5, m->sched[i].at);
        int rc = store__step_done(s, st, "storing the movement's schedule", err);
        if (rc) return rc;
    }
    return TR_OK;
}

static const char SQL_SCHED_READ[] =
    "SELECT lon, lat, at FROM movement_schedule WHERE movement_id = ? ORDER BY seq";

int store__movement_schedule_read(store *s, tr_movement *m, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_SCHED_READ, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, m->id);
    int rc = TR_OK, step;
    while ((step = store__step(st)) == STORE_ROW) {
        tr_sched_point *n = realloc(m->sched, (m->nsched + 1) * sizeof *n);
        if (!n) {
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
            break;
        }
        m->sched = n;
        m->sched[m->nsched++] =
            (tr_sched_point){db_col_double(st, 0), db_col_double(st, 1), db_col_int(st, 2)};
    }
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, "reading table movement_schedule");
    db_reset(st);
    return rc;
}

/* ---- events ---- */

static const char SQL_EVENT_INSERT[] =
    "INSERT INTO dc_event(about_type, about_id, kind, value, lon, lat, at, by_party, reason, created_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id";

int store_dc_event_insert(store *s, store_dc_event *e, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_EVENT_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, e->about_type);
    db_bind_int(st, 2, e->about_id);
    db_bind_text(st, 3, e->kind);
    db_bind_text(st, 4, e->value);
    if (e->has_position) {
        db_bind_double(st, 5, e->lon);
        db_bind_double(st, 6, e->lat);
    }
    db_bind_int(st, 7, e->at);
    db_bind_text(st, 8, e->by);
    db_bind_text(st, 9, e->reason);
    db_bind_int(st, 10, e->created_at);
    int rc = store__step_done(s, st, "storing the event", err);
    if (rc == TR_OK) e->id = store__last_id();
    return rc;
}

#define EVENT_COLS "id, about_type, about_id, kind, value, lon, lat, at, by_party, reason, created_at"

static void read_event(db_stmt *st, store_dc_event *e) {
    memset(e, 0, sizeof *e);
    e->id = db_col_int(st, 0);
    e->about_type = db_col_text(st, 1);
    e->about_id = db_col_int(st, 2);
    e->kind = db_col_text(st, 3);
    e->value = db_col_text(st, 4);
    e->has_position = db_col_type(st, 5) != DB_NULL;
    e->lon = db_col_double(st, 5);
    e->lat = db_col_double(st, 6);
    e->at = db_col_int(st, 7);
    e->by = db_col_text(st, 8);
    e->reason = db_col_text(st, 9);
    e->created_at = db_col_int(st, 10);
}

static int each_event(store *s, db_stmt *st, int (*fn)(const store_dc_event *e, void *ctx), void *ctx,
                      tr_err *err) {
    int rc = TR_OK, step;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_dc_event e;
        read_event(st, &e);
        if (!e.about_type || !e.kind || !e.by)
            rc = tr_fail(err, TR_EIO, "", "event %lld is unreadable", (long long)e.id);
        else
            rc = fn(&e, ctx);
    }
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, "reading table dc_event");
    db_reset(st);
    (void)s;
    return rc;
}

static const char SQL_EVENT_OF[] =
    "SELECT " EVENT_COLS " FROM dc_event WHERE about_type = ? AND about_id = ? ORDER BY id";

int store_dc_event_of(store *s, const char *about_type, int64_t about_id,
                      int (*fn)(const store_dc_event *e, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_EVENT_OF, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, about_type);
    db_bind_int(st, 2, about_id);
    return each_event(s, st, fn, ctx, err);
}

static const char SQL_EVENT_ALL[] = "SELECT " EVENT_COLS " FROM dc_event ORDER BY id";

int store_dc_event_each(store *s, int (*fn)(const store_dc_event *e, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_EVENT_ALL, err);
    if (!st) return TR_EIO;
    return each_event(s, st, fn, ctx, err);
}

static const char SQL_EVENT_LATEST[] =
    "SELECT value FROM dc_event WHERE about_type = ? AND about_id = ? AND kind = ? ORDER BY id DESC LIMIT 1";

int store_dc_current(store *s, const char *about_type, int64_t about_id, const char *kind, char **value,
                     tr_err *err) {
    *value = NULL;
    db_stmt *st = store__prep(s, SQL_EVENT_LATEST, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, about_type);
    db_bind_int(st, 2, about_id);
    db_bind_text(st, 3, kind);
    int step = store__step(st);
    if (step == STORE_ROW) *value = db_col_dup(st, 0);
    db_reset(st);
    if (step != STORE_ROW && step != STORE_DONE) return store__fail(err, -1, "reading table dc_event");
    return step == STORE_ROW && !*value ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

/* ---- clearance ---- */

static const char SQL_CLEAR_INSERT[] =
    "INSERT INTO movement_clearance(movement_id, party, notice_id) VALUES (?,?,?)";

int store_clearance_insert(store *s, int64_t movement_id, const char *party, int64_t notice_id, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CLEAR_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, movement_id);
    db_bind_text(st, 2, party);
    db_bind_int(st, 3, notice_id);
    return store__step_done(s, st, "storing a clearance", err);
}

static const char SQL_CLEAR_LIST[] = "SELECT c.party, c.notice_id, n.acked_at, n.ack_index FROM "
                                     "movement_clearance c JOIN notice n ON n.id = c.notice_id"
                                     " WHERE c.movement_id = ? ORDER BY c.party";

int store_clearance_list(store *s, int64_t movement_id, int (*fn)(const store_clearance_state *c, void *ctx),
                         void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CLEAR_LIST, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, movement_id);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_clearance_state c = {.party = db_col_text(st, 0),
                                   .notice_id = db_col_int(st, 1),
                                   .acked = db_col_type(st, 2) != DB_NULL,
                                   .acked_at = db_col_int(st, 2),
                                   .ack_index = db_col_int(st, 3)};
        rc = fn(&c, ctx);
    }
    return store__scan_end(st, step, rc, "reading table movement_clearance", err);
}

static const char SQL_CLEAR_HAS[] = "SELECT 1 FROM movement_clearance WHERE movement_id = ? AND party = ?";

int store_clearance_has(store *s, int64_t movement_id, const char *party, bool *yes, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CLEAR_HAS, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, movement_id);
    db_bind_text(st, 2, party);
    int step = store__step(st);
    *yes = step == STORE_ROW;
    db_reset(st);
    if (step != STORE_ROW && step != STORE_DONE)
        return store__fail(err, -1, "reading table movement_clearance");
    return TR_OK;
}

static const char SQL_NOTICE_ABOUT[] =
    "SELECT DISTINCT party FROM notice WHERE about_type = ? AND about_id = ? ORDER BY party";

int store_notices_about(store *s, const char *about_type, int64_t about_id,
                        int (*fn)(const char *party, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_NOTICE_ABOUT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, about_type);
    db_bind_int(st, 2, about_id);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW)
        rc = fn(db_col_text(st, 0), ctx);
    return store__scan_end(st, step, rc, "reading table notice", err);
}

static const char SQL_RETIRED[] =
    "SELECT e.about_id FROM dc_event e WHERE e.about_type = ?1 AND e.kind IN ('state', 'status')"
    " AND e.id = (SELECT max(id) FROM dc_event x WHERE x.about_type = e.about_type AND x.about_id = "
    "e.about_id"
    " AND x.kind = e.kind) AND e.value IN ('ended', 'cancelled', 'arrived', 'aborted') ORDER BY e.about_id";

int store_dc_retired(store *s, const char *about_type, int64_t **ids, size_t *n, tr_err *err) {
    *ids = NULL;
    *n = 0;
    db_stmt *st = store__prep(s, SQL_RETIRED, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, about_type);
    int rc = TR_OK, step;
    size_t cap = 0;
    while ((step = store__step(st)) == STORE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *g = realloc(*ids, cap * sizeof *g);
            if (!g) {
                rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
                break;
            }
            *ids = g;
        }
        (*ids)[(*n)++] = db_col_int(st, 0);
    }
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, "reading table dc_event");
    db_reset(st);
    if (rc) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- settings (migration 0011) ---- */

static const char SQL_SETTING_GET[] = "SELECT value FROM setting WHERE name = ?";

int store_setting_get(store *s, const char *name, char **value, tr_err *err) {
    *value = NULL;
    db_stmt *st = store__prep(s, SQL_SETTING_GET, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    int step = store__step(st);
    if (step == STORE_ROW) *value = db_col_dup(st, 0);
    db_reset(st);
    if (step != STORE_ROW && step != STORE_DONE) return store__fail(err, -1, "reading table setting");
    return step == STORE_ROW && !*value ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

static const char SQL_SETTING_PUT[] =
    "INSERT INTO setting(name, value, set_at) VALUES (?,?,?)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value, set_at = excluded.set_at";

int store_setting_put(store *s, const char *name, const char *value, int64_t now, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_SETTING_PUT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, value);
    db_bind_int(st, 3, now);
    return store__step_done(s, st, "storing a setting", err);
}
