/* store_mine.c — mine action in SQLite (issue 6, migration 0007): hazards and their
 * status changes, tasks, daily progress, accidents, and the land-release sums. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* ---- hazards ---- */

/* The current status: the latest change, else the status recorded. */
#define CUR_STATUS                                                                                           \
    "COALESCE((SELECT s.status FROM hazard_status s WHERE s.hazard_id = h.id ORDER BY s.seq DESC LIMIT 1), " \
    "h.status)"
#define HAZARD_COLS                                                                                          \
    "h.id, h.owner, h.kind, h.name, h.status, h.contamination, h.evidence, h.estimated_m2, h.area_m2, "      \
    "h.geometry, "                                                                                           \
    "h.minx, h.miny, h.maxx, h.maxy, h.recorded_at, " CUR_STATUS ", "                                        \
    "(SELECT COALESCE(SUM(cleared_m2), 0) || ' ' || COALESCE(SUM(reduced_m2), 0) || ' ' || "                 \
    "COALESCE(SUM(cancelled_m2), 0) FROM mine_progress p WHERE p.hazard_id = h.id)"

static int read_hazard(db_stmt *st, tr_hazard *h, store_hazard_state *now) {
    memset(h, 0, sizeof *h);
    h->id = db_col_int(st, 0);
    h->owner = db_col_dup(st, 1);
    h->kind = db_col_dup(st, 2);
    h->name = db_col_dup(st, 3);
    h->status = db_col_dup(st, 4);
    h->contamination = db_col_dup(st, 5);
    h->evidence = db_col_dup(st, 6);
    h->estimated_m2 = db_col_type(st, 7) == DB_NULL ? -1 : db_col_int(st, 7);
    h->area_m2 = db_col_int(st, 8);
    h->geometry = db_col_dup(st, 9);
    h->box =
        (geo_box){db_col_double(st, 10), db_col_double(st, 11), db_col_double(st, 12), db_col_double(st, 13)};
    h->recorded_at = db_col_int(st, 14);
    memset(now, 0, sizeof *now);
    snprintf(now->status, sizeof now->status, "%s", db_col_text(st, 15));
    const char *sums = db_col_text(st, 16);
    long long c = 0, r = 0, x = 0;
    if (sums && sscanf(sums, "%lld %lld %lld", &c, &r, &x) != 3) return TR_EIO;
    now->cleared_m2 = c;
    now->reduced_m2 = r;
    now->cancelled_m2 = x;
    return h->owner && h->kind && h->status && h->contamination && h->geometry ? TR_OK : TR_EIO;
}

static const char SQL_HAZARD_INSERT[] =
    "INSERT INTO hazard(owner, kind, name, status, contamination, evidence, estimated_m2, area_m2, geometry,"
    " minx, miny, maxx, maxy, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id";

int store_hazard_insert(store *s, tr_hazard *h, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_HAZARD_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, h->owner);
    db_bind_text(st, 2, h->kind);
    db_bind_text(st, 3, h->name);
    db_bind_text(st, 4, h->status);
    db_bind_text(st, 5, h->contamination);
    db_bind_text(st, 6, h->evidence);
    if (h->estimated_m2 >= 0) db_bind_int(st, 7, h->estimated_m2);
    db_bind_int(st, 8, h->area_m2);
    db_bind_text(st, 9, h->geometry);
    db_bind_double(st, 10, h->box.minx);
    db_bind_double(st, 11, h->box.miny);
    db_bind_double(st, 12, h->box.maxx);
    db_bind_double(st, 13, h->box.maxy);
    db_bind_int(st, 14, h->recorded_at);
    int rc = store__step_done(s, st, "storing the hazard", err);
    if (rc == TR_OK) h->id = store__last_id();
    return rc;
}

static const char SQL_HAZARD_GET[] = "SELECT " HAZARD_COLS " FROM hazard h WHERE h.id = ?";

int store_hazard_get(store *s, int64_t id, tr_hazard *out, store_hazard_state *now, tr_err *err) {
    store_hazard_state ignore;
    db_stmt *st = store__prep(s, SQL_HAZARD_GET, err);
    memset(out, 0, sizeof *out);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table hazard", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) rc = read_hazard(st, out, now ? now : &ignore);
    db_reset(st);
    if (rc == TR_ENOTFOUND) return tr_fail(err, rc, "id", "there is no hazard %lld", (long long)id);
    if (rc) {
        tr_hazard_clear(out);
        return tr_fail(err, rc, "", "hazard %lld is unreadable", (long long)id);
    }
    return TR_OK;
}

static const char SQL_HAZARD_LIST[] = "SELECT " HAZARD_COLS " FROM hazard h WHERE h.id > ?1"
                                      " AND (CAST(?2 AS DOUBLE PRECISION) IS NULL OR (h.maxx >= ?2 AND "
                                      "h.minx <= ?4 AND h.maxy >= ?3 AND h.miny <= ?5))"
                                      " AND (CAST(?6 AS TEXT) IS NULL OR " CUR_STATUS " = ?6) ORDER BY h.id";

int store_hazard_each(store *s, const store_hazard_filter *f,
                      int (*fn)(tr_hazard *h, const store_hazard_state *now, void *ctx), void *ctx,
                      tr_err *err) {
    db_stmt *st = store__prep(s, SQL_HAZARD_LIST, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, f ? f->after : 0);
    if (f && f->has_bbox) store__bind_box(st, 2, &f->bbox);
    if (f && f->status) db_bind_text(st, 6, f->status);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        tr_hazard h;
        store_hazard_state now;
        rc = read_hazard(st, &h, &now);
        if (rc)
            tr_fail(err, rc, "", "stored hazard %lld is unreadable", (long long)h.id);
        else
            rc = fn(&h, &now, ctx);
        tr_hazard_clear(&h);
    }
    return store__scan_end(st, step, rc, "reading table hazard", err);
}

static const char SQL_HSTATUS_INSERT[] =
    "INSERT INTO hazard_status(hazard_id, status, reason, party, at) VALUES (?,?,?,?,?) RETURNING seq";

int store_hazard_status_insert(store *s, store_hazard_status *x, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_HSTATUS_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, x->hazard_id);
    db_bind_text(st, 2, x->status);
    db_bind_text(st, 3, x->reason);
    db_bind_text(st, 4, x->party);
    db_bind_int(st, 5, x->at);
    int rc = store__step_done(s, st, "storing the hazard's status", err);
    if (rc == TR_OK) x->seq = store__last_id();
    return rc;
}

static const char SQL_HSTATUS_ALL[] =
    "SELECT seq, hazard_id, status, reason, party, at FROM hazard_status ORDER BY seq";

int store_hazard_status_each(store *s, int (*fn)(const store_hazard_status *x, void *ctx), void *ctx,
                             tr_err *err) {
    db_stmt *st = store__prep(s, SQL_HSTATUS_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_hazard_status x = {db_col_int(st, 0),  db_col_int(st, 1),  db_col_text(st, 2),
                                 db_col_text(st, 3), db_col_text(st, 4), db_col_int(st, 5)};
        rc = x.status && x.party
                 ? fn(&x, ctx)
                 : tr_fail(err, TR_EIO, "", "hazard_status %lld is unreadable", (long long)x.seq);
    }
    return store__scan_end(st, step, rc, "reading table hazard_status", err);
}

/* ---- tasks ---- */

#define TASK_COLS                                                                                            \
    "id, hazard_id, owner, kind, operator, contributors, time_start, time_end, status, created_at, "         \
    "close_date, "                                                                                           \
    "close_outcome, closed_by"

static int read_task(db_stmt *st, tr_task *t) {
    memset(t, 0, sizeof *t);
    t->id = db_col_int(st, 0);
    t->hazard_id = db_col_int(st, 1);
    t->owner = db_col_dup(st, 2);
    t->kind = db_col_dup(st, 3);
    t->operator_name = db_col_dup(st, 4);
    json_t *cs = json_loads(db_col_text(st, 5), 0, NULL);
    t->contributors = calloc(json_array_size(cs) + 1, sizeof *t->contributors);
    for (size_t i = 0; t->contributors && i < json_array_size(cs); i++) {
        const char *c = json_string_value(json_array_get(cs, i));
        t->contributors[t->ncontributors++] = strdup(c ? c : "");
    }
    json_decref(cs);
    t->start = db_col_int(st, 6);
    t->end = db_col_int(st, 7);
    t->status = db_col_dup(st, 8);
    t->created_at = db_col_int(st, 9);
    t->close_date = db_col_int(st, 10);
    t->close_outcome = db_col_dup(st, 11);
    t->closed_by = db_col_dup(st, 12);
    return t->owner && t->kind && t->operator_name && t->status && t->contributors ? TR_OK : TR_EIO;
}

STORE_ROWS(TASK_ROWS, TR_KIND_TASK, tr_task, read_task, tr_task_clear);

static const char SQL_TASK_INSERT[] = "INSERT INTO mine_task(hazard_id, owner, kind, operator, contributors, "
                                      "time_start, time_end, status, created_at)"
                                      " VALUES (?,?,?,?,?,?,?,?,?) RETURNING id";

int store_task_insert(store *s, tr_task *t, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_TASK_INSERT, err);
    if (!st) return TR_EIO;
    json_t *cs = json_array();
    for (size_t i = 0; i < t->ncontributors; i++)
        json_array_append_new(cs, json_string(t->contributors[i]));
    char *text = json_dumps(cs, JSON_COMPACT);
    json_decref(cs);
    if (!text) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    db_bind_int(st, 1, t->hazard_id);
    db_bind_text(st, 2, t->owner);
    db_bind_text(st, 3, t->kind);
    db_bind_text(st, 4, t->operator_name);
    db_bind_text(st, 5, text);
    db_bind_int(st, 6, t->start);
    db_bind_int(st, 7, t->end);
    db_bind_text(st, 8, t->status);
    db_bind_int(st, 9, t->created_at);
    free(text);
    int rc = store__step_done(s, st, "storing the task", err);
    if (rc == TR_OK) t->id = store__last_id();
    return rc;
}

static const char SQL_TASK_GET[] = "SELECT " TASK_COLS " FROM mine_task WHERE id = ?";

int store_task_get(store *s, int64_t id, tr_task *out, tr_err *err) {
    return store__get(s, SQL_TASK_GET, id, &TASK_ROWS, out, err);
}

static const char SQL_TASK_ALL[] =
    "SELECT " TASK_COLS " FROM mine_task WHERE (?1 = 0 OR hazard_id = ?1) AND id > ?2 ORDER BY id";

int store_task_each(store *s, int64_t hazard_id, int64_t after, int (*fn)(tr_task *t, void *ctx), void *ctx,
                    tr_err *err) {
    store_scan sc = store__scan(s, SQL_TASK_ALL, &TASK_ROWS, err);
    if (sc.st) db_bind_int(sc.st, 1, hazard_id);
    if (sc.st) db_bind_int(sc.st, 2, after);
    for (tr_task t; store__scan_next(&sc, &t);)
        sc.rc = fn(&t, ctx);
    return store__scan_close(&sc);
}

static const char SQL_TASK_CLOSE[] = "UPDATE mine_task SET close_date = ?2, close_outcome = ?3, closed_by = "
                                     "?4 WHERE id = ?1 AND close_date IS NULL";

int store_task_close(store *s, int64_t id, int64_t date, const char *outcome, const char *by, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_TASK_CLOSE, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, date);
    db_bind_text(st, 3, outcome);
    db_bind_text(st, 4, by);

    int rc = store__step_done(s, st, "closing the task", err);
    if (rc == TR_OK && store__changes(st) != 1)
        rc = tr_fail(err, TR_ECONFLICT, "id", "task %lld is already closed", (long long)id);
    return rc;
}

/* ---- progress ---- */

#define PROGRESS_COLS                                                                                        \
    "id, task_id, hazard_id, party, date, cleared_m2, reduced_m2, cancelled_m2, items, depth_cm, created_at"

static int read_progress(db_stmt *st, tr_progress *p) {
    memset(p, 0, sizeof *p);
    p->id = db_col_int(st, 0);
    p->task_id = db_col_int(st, 1);
    p->hazard_id = db_col_int(st, 2);
    p->party = db_col_dup(st, 3);
    p->date = db_col_int(st, 4);
    p->cleared_m2 = db_col_int(st, 5);
    p->reduced_m2 = db_col_int(st, 6);
    p->cancelled_m2 = db_col_int(st, 7);
    p->items = db_col_dup(st, 8);
    p->depth_cm = db_col_type(st, 9) == DB_NULL ? -1 : db_col_int(st, 9);
    p->created_at = db_col_int(st, 10);
    return p->party && p->items ? TR_OK : TR_EIO;
}

STORE_ROWS(PROGRESS_ROWS, TR_KIND_PROGRESS, tr_progress, read_progress, tr_progress_clear);

static const char SQL_PROGRESS_INSERT[] =
    "INSERT INTO mine_progress(task_id, hazard_id, party, date, cleared_m2, reduced_m2, cancelled_m2, items,"
    " depth_cm, created_at) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id";

int store_progress_insert(store *s, tr_progress *p, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PROGRESS_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, p->task_id);
    db_bind_int(st, 2, p->hazard_id);
    db_bind_text(st, 3, p->party);
    db_bind_int(st, 4, p->date);
    db_bind_int(st, 5, p->cleared_m2);
    db_bind_int(st, 6, p->reduced_m2);
    db_bind_int(st, 7, p->cancelled_m2);
    db_bind_text(st, 8, p->items);
    if (p->depth_cm >= 0) db_bind_int(st, 9, p->depth_cm);
    db_bind_int(st, 10, p->created_at);
    int rc = store__step_done(s, st, "storing the progress", err);
    if (rc == TR_OK) p->id = store__last_id();
    return rc;
}

static const char SQL_PROGRESS_ALL[] =
    "SELECT " PROGRESS_COLS " FROM mine_progress WHERE ?1 = 0 OR task_id = ?1 ORDER BY id";

int store_progress_each(store *s, int64_t task_id, int (*fn)(tr_progress *p, void *ctx), void *ctx,
                        tr_err *err) {
    store_scan sc = store__scan(s, SQL_PROGRESS_ALL, &PROGRESS_ROWS, err);
    if (sc.st) db_bind_int(sc.st, 1, task_id);
    for (tr_progress p; store__scan_next(&sc, &p);)
        sc.rc = fn(&p, ctx);
    return store__scan_close(&sc);
}

/* ---- accidents ---- */

#define ACCIDENT_COLS                                                                                        \
    "id, party, kind, date, hazard_id, task_id, killed, injured, device, description, created_at"

static const char SQL_ACCIDENT_INSERT[] =
    "INSERT INTO mine_accident(party, kind, date, hazard_id, task_id, killed, injured, device, description,"
    " created_at) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id";

int store_accident_insert(store *s, tr_accident *a, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ACCIDENT_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, a->party);
    db_bind_text(st, 2, a->kind);
    db_bind_int(st, 3, a->date);
    if (a->hazard_id) db_bind_int(st, 4, a->hazard_id);
    if (a->task_id) db_bind_int(st, 5, a->task_id);
    db_bind_int(st, 6, a->killed);
    db_bind_int(st, 7, a->injured);
    db_bind_text(st, 8, a->device);
    db_bind_text(st, 9, a->description);
    db_bind_int(st, 10, a->created_at);
    int rc = store__step_done(s, st, "storing the accident", err);
    if (rc == TR_OK) a->id = store__last_id();
    return rc;
}

static const char SQL_ACCIDENT_ALL[] = "SELECT " ACCIDENT_COLS " FROM mine_accident WHERE id > ? ORDER BY id";

int store_accident_each(store *s, int64_t after, int (*fn)(tr_accident *a, void *ctx), void *ctx,
                        tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ACCIDENT_ALL, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, after);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        tr_accident a = {0};
        a.id = db_col_int(st, 0);
        a.party = db_col_dup(st, 1);
        a.kind = db_col_dup(st, 2);
        a.date = db_col_int(st, 3);
        a.hazard_id = db_col_int(st, 4);
        a.task_id = db_col_int(st, 5);
        a.killed = db_col_int(st, 6);
        a.injured = db_col_int(st, 7);
        a.device = db_col_dup(st, 8);
        a.description = db_col_dup(st, 9);
        a.created_at = db_col_int(st, 10);
        rc = a.party && a.kind ? fn(&a, ctx)
                               : tr_fail(err, TR_EIO, "", "accident %lld is unreadable", (long long)a.id);
        tr_accident_clear(&a);
    }
    return store__scan_end(st, step, rc, "reading table mine_accident", err);
}

/* ---- reports ---- */

#define SUMS "SUM(p.cleared_m2), SUM(p.reduced_m2), SUM(p.cancelled_m2)"
static const char SQL_BY_HAZARD[] =
    "SELECT p.hazard_id, " SUMS " FROM mine_progress p WHERE p.date >= ?1 AND "
    "p.date < ?2 GROUP BY p.hazard_id ORDER BY p.hazard_id";
static const char SQL_BY_OPERATOR[] =
    "SELECT t.operator, " SUMS " FROM mine_progress p JOIN mine_task t ON "
    "t.id = p.task_id WHERE p.date >= ?1 AND p.date < ?2 GROUP BY t.operator "
    "ORDER BY t.operator";
static const char SQL_BY_DAY[] =
    "SELECT strftime('%Y-%m-%d', p.date, 'unixepoch'), " SUMS " FROM mine_progress p "
    "WHERE p.date >= ?1 AND p.date < ?2 GROUP BY 1 ORDER BY 1";
static const char SQL_BY_DAY_PG[] =
    "SELECT to_char(to_timestamp(p.date) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), " SUMS " FROM mine_progress p "
    "WHERE p.date >= ?1 AND p.date < ?2 GROUP BY 1 ORDER BY 1";
static const char SQL_ITEMS[] =
    "SELECT json_extract(j.value, '$.type'), SUM(json_extract(j.value, '$.found')), "
    "SUM(json_extract(j.value, '$.destroyed')) FROM mine_progress p, json_each(p.items) j "
    "WHERE p.date >= ?1 AND p.date < ?2 GROUP BY 1 ORDER BY 1";
static const char SQL_ITEMS_PG[] =
    "SELECT j->>'type' COLLATE \"C\", SUM(CAST(j->>'found' AS BIGINT)), SUM(CAST(j->>'destroyed' AS BIGINT))"
    " FROM mine_progress p, jsonb_array_elements(p.items::jsonb) j "
    "WHERE p.date >= ?1 AND p.date < ?2 GROUP BY 1 ORDER BY 1";
static const char SQL_ACCIDENTS[] =
    "SELECT kind, COUNT(*), SUM(killed), SUM(injured) FROM mine_accident WHERE date >= ?1 AND date < ?2 "
    "GROUP BY kind ORDER BY kind";

/* The summary's parts, in the order they are read: the query, and how many sums follow
 * the group in column 0. */
static const struct {
    store_mine_part part;
    const char *sql, *pg_sql, *what;
    int nsums;
} MINE_PARTS[] = {
    {STORE_MINE_BY_HAZARD, SQL_BY_HAZARD, SQL_BY_HAZARD, "reading table mine_progress", 3},
    {STORE_MINE_BY_OPERATOR, SQL_BY_OPERATOR, SQL_BY_OPERATOR, "reading table mine_progress", 3},
    {STORE_MINE_BY_DAY, SQL_BY_DAY, SQL_BY_DAY_PG, "reading table mine_progress", 3},
    {STORE_MINE_ITEMS, SQL_ITEMS, SQL_ITEMS_PG, "reading table mine_progress", 2},
    {STORE_MINE_ACCIDENTS, SQL_ACCIDENTS, SQL_ACCIDENTS, "reading table mine_accident", 3},
};

static int mine_part(store *s, size_t k, int64_t from, int64_t to,
                     int (*fn)(const store_mine_sum *x, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep2(s, MINE_PARTS[k].sql, MINE_PARTS[k].pg_sql, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, from);
    db_bind_int(st, 2, to);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_mine_sum x = {.part = MINE_PARTS[k].part};
        x.has_id = db_col_type(st, 0) == DB_INT; /* before the text read converts it */
        if (x.has_id)
            x.id = db_col_int(st, 0);
        else
            x.key = db_col_text(st, 0);
        for (int i = 0; i < MINE_PARTS[k].nsums; i++)
            x.n[i] = db_col_int(st, i + 1);
        rc = fn(&x, ctx);
    }
    return store__scan_end(st, step, rc, MINE_PARTS[k].what, err);
}

int store_mine_summary(store *s, int64_t from, int64_t to, int (*fn)(const store_mine_sum *x, void *ctx),
                       void *ctx, tr_err *err) {
    int rc = TR_OK;
    for (size_t k = 0; rc == TR_OK && k < sizeof MINE_PARTS / sizeof *MINE_PARTS; k++)
        rc = mine_part(s, k, from, to, fn, ctx, err);
    return rc;
}
