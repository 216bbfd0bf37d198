/* store_deconflict.c — protected sites and declared operations in SQLite (issue 4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "store/store_int.h"

#define SITE_COLS TR_SITE_COLUMNS

static int read_site(db_stmt *st, tr_site *s) {
    memset(s, 0, sizeof *s);
    s->id = db_col_int(st, 0);
    s->owner = db_col_dup(st, 1);
    s->kind = db_col_dup(st, 2);
    s->name = db_col_dup(st, 3);
    s->valid_from = db_col_int(st, 4);
    s->valid_to = db_col_int(st, 5);
    if (tr_vis_from_text(db_col_text(st, 6), &s->vis)) return TR_EIO;
    s->geometry = db_col_dup(st, 7);
    s->is_point = db_col_type(st, 8) != DB_NULL;
    if (s->is_point) {
        s->radius_m = db_col_double(st, 8);
        json_t *g = json_loads(s->geometry ? s->geometry : "", 0, NULL);
        json_t *c = json_object_get(g, "coordinates");
        s->lon = json_number_value(json_array_get(c, 0));
        s->lat = json_number_value(json_array_get(c, 1));
        json_decref(g);
    }
    s->created_at = db_col_int(st, 9);
    return s->owner && s->kind && s->name && s->geometry ? TR_OK : TR_EIO;
}

STORE_ROWS(SITE_ROWS, TR_KIND_SITE, tr_site, read_site, tr_site_clear);

static const char SQL_SITE_INSERT[] =
    "INSERT INTO site(owner, kind, name, valid_from, valid_to, visibility, geometry, radius_m, created_at)"
    " VALUES (?,?,?,?,?,?,?,?,?) RETURNING id";

int store_site_insert(store *s, tr_site *site, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_SITE_INSERT, err);
    if (!st) return TR_EIO;
    char *vis = tr_vis_to_text(&site->vis);
    db_bind_text(st, 1, site->owner);
    db_bind_text(st, 2, site->kind);
    db_bind_text(st, 3, site->name);
    db_bind_int(st, 4, site->valid_from);
    db_bind_int(st, 5, site->valid_to);
    db_bind_text(st, 6, vis);
    db_bind_text(st, 7, site->geometry);
    if (site->is_point) db_bind_double(st, 8, site->radius_m);
    db_bind_int(st, 9, site->created_at);
    free(vis);
    int rc = store__step_done(s, st, "storing the site", err);
    if (rc == TR_OK) site->id = store__last_id();
    return rc;
}

static const char SQL_SITE_GET[] = "SELECT " SITE_COLS " FROM site WHERE id = ?";

int store_site_get(store *s, int64_t id, tr_site *out, tr_err *err) {
    return store__get(s, SQL_SITE_GET, id, &SITE_ROWS, out, err);
}

static const char SQL_SITE_ALL[] = "SELECT " SITE_COLS " FROM site ORDER BY id";

int store_site_each(store *s, int (*fn)(tr_site *site, void *ctx), void *ctx, tr_err *err) {
    store_scan sc = store__scan(s, SQL_SITE_ALL, &SITE_ROWS, err);
    for (tr_site site; store__scan_next(&sc, &site);)
        sc.rc = fn(&site, ctx);
    return store__scan_close(&sc);
}

#define OP_COLS TR_OPERATION_COLUMNS

/* The volumes from their binary form (store_dc_pack.c), else from the submitted JSON. */
static int read_operation_volumes(db_stmt *st, tr_operation *o) {
    const char *kind = db_col_text(st, 2);
    const void *bin = store__col_blob(st, 6);
    if (bin) {
        memset(o, 0, sizeof *o);
        o->kind = kind ? strdup(kind) : NULL;
        int rc = o->kind ? store__volumes_unpack(bin, (size_t)store__col_bytes(st, 6), o) : TR_ENOMEM;
        if (rc) tr_operation_clear(o);
        return rc ? TR_EIO : TR_OK;
    }
    json_t *vols = json_loads(db_col_text(st, 4), 0, NULL);
    json_t *body = json_pack("{s:s, s:o?}", "kind", kind ? kind : "", "volumes", vols);
    int rc = body && tr_operation_parse(body, TR_VOLUME_TRUSTED, o, NULL) == TR_OK ? TR_OK : TR_EIO;
    json_decref(body);
    return rc;
}

static int read_operation(db_stmt *st, tr_operation *o) {
    int64_t id = db_col_int(st, 0);
    int rc = read_operation_volumes(st, o);
    if (rc) {
        memset(o, 0, sizeof *o);
        o->id = id;
        return rc;
    }
    o->id = id;
    o->owner = db_col_dup(st, 1);
    free(o->state);
    o->state = db_col_dup(st, 3);
    o->created_at = db_col_int(st, 5);
    return o->owner && o->state ? TR_OK : TR_EIO;
}

STORE_ROWS(OPERATION_ROWS, TR_KIND_OPERATION, tr_operation, read_operation, tr_operation_clear);

static const char SQL_OP_INSERT[] = "INSERT INTO operation(owner, kind, state, volumes, created_at, "
                                    "volumes_bin) VALUES (?,?,?,?,?,?) RETURNING id";

int store_operation_insert(store *s, tr_operation *o, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_OP_INSERT, err);
    if (!st) return TR_EIO;
    char *vols = tr_operation_volumes_text(o);
    if (!vols) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    db_bind_text(st, 1, o->owner);
    db_bind_text(st, 2, o->kind);
    db_bind_text(st, 3, o->state);
    db_bind_text(st, 4, vols);
    db_bind_int(st, 5, o->created_at);
    free(vols);
    size_t blen = 0;
    void *bin = store__volumes_pack(o, &blen);
    if (!bin) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    db_bind_blob(st, 6, bin, blen);
    free(bin);
    int rc = store__step_done(s, st, "storing the operation", err);
    if (rc == TR_OK) o->id = store__last_id();
    return rc;
}

static const char SQL_OP_GET[] = "SELECT " OP_COLS " FROM operation WHERE id = ?";

int store_operation_get(store *s, int64_t id, tr_operation *out, tr_err *err) {
    return store__get(s, SQL_OP_GET, id, &OPERATION_ROWS, out, err);
}

static const char SQL_OP_ALL[] = "SELECT " OP_COLS " FROM operation ORDER BY id";

int store_operation_each(store *s, int (*fn)(tr_operation *o, void *ctx), void *ctx, tr_err *err) {
    store_scan sc = store__scan(s, SQL_OP_ALL, &OPERATION_ROWS, err);
    for (tr_operation o; store__scan_next(&sc, &o);)
        sc.rc = fn(&o, ctx);
    return store__scan_close(&sc);
}

static const char SQL_OP_PAGE[] = "SELECT " OP_COLS " FROM operation WHERE id > ? ORDER BY id LIMIT ?";

int store_operation_list(store *s, int64_t after, int limit, int (*fn)(tr_operation *o, void *ctx), void *ctx,
                         int64_t *next, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_OP_PAGE, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, after);
    db_bind_int(st, 2, limit + 1);
    int n = 0, rc = TR_OK, step = STORE_DONE;
    int64_t last = 0;
    *next = 0;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        if (++n > limit) {
            *next = last; /* a row follows the page */
            break;
        }
        tr_operation o;
        if (read_operation(st, &o) == TR_OK) rc = fn(&o, ctx); /* an unreadable row is skipped */
        last = o.id;
        tr_operation_clear(&o);
    }
    return store__scan_end(st, step, rc, "reading table operation", err);
}

/* ---- notices ---- */

/* log_index: the index the next log append gets, where the notice's notice.create entry
 * goes when nothing is logged in between (store_notice_set_log_index checks it). */
static const char SQL_NOTICE_INSERT[] =
    "INSERT INTO notice(party, kind, about_type, about_id, payload, "
    "created_at, deadline, log_index) VALUES (?,?,?,?,?,?,?,?) RETURNING id";

int store_notice_insert(store *s, const char *party, const char *kind, const char *about_type,
                        int64_t about_id, const json_t *payload, int64_t created_at, int64_t deadline,
                        int64_t *id, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_NOTICE_INSERT, err);
    if (!st) return TR_EIO;
    char *text = tr_json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    db_bind_text(st, 1, party);
    db_bind_text(st, 2, kind);
    db_bind_text(st, 3, about_type);
    db_bind_int(st, 4, about_id);
    db_bind_text(st, 5, text);
    db_bind_int(st, 6, created_at);
    db_bind_int(st, 7, deadline);
    db_bind_int(st, 8, (int64_t)s->tree.size);
    free(text);
    int rc = store__step_done(s, st, "storing the notice", err);
    s->notice_id = 0;
    if (rc == TR_OK) {
        s->tx_notices = true;
        s->notice_id = store__last_id();
        s->notice_index = s->tree.size;
    }
    if (rc == TR_OK && id) *id = store__last_id();
    return rc;
}

static const char SQL_NOTICE_GET[] = "SELECT party, acked_at IS NOT NULL FROM notice WHERE id = ?";

int store_notice_get(store *s, int64_t id, store_notice *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    db_stmt *st = store__prep(s, SQL_NOTICE_GET, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table notice", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) {
        out->id = id;
        const char *p = db_col_text(st, 0);
        snprintf(out->party, sizeof out->party, "%s", p ? p : "");
        out->acked = db_col_int(st, 1) != 0;
        rc = TR_OK;
    }
    db_reset(st);
    return rc ? tr_fail(err, rc, "id", "there is no notice %lld", (long long)id) : TR_OK;
}

static const char SQL_NOTICE_ACK[] =
    "UPDATE notice SET acked_at = ?2, ack_index = ?3 WHERE id = ?1 AND acked_at IS NULL";

int store_notice_ack(store *s, int64_t id, int64_t acked_at, uint64_t ack_index, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_NOTICE_ACK, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, acked_at);
    db_bind_int(st, 3, (int64_t)ack_index);
    int rc = store__step_done(s, st, "acknowledging the notice", err);
    if (rc == TR_OK && store__changes(st) != 1)
        rc = tr_fail(err, TR_ECONFLICT, "id", "notice %lld is already acknowledged", (long long)id);
    return rc;
}

static const char SQL_NOTICE_LIST[] =
    "SELECT id, party, kind, about_type, about_id, payload, created_at, deadline, acked_at, ack_index FROM "
    "notice"
    " WHERE id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR party = ?2)"
    " AND (CAST(?3 AS BIGINT) IS NULL OR (acked_at IS NULL AND deadline <= ?3)) ORDER BY id LIMIT ?4";

int store_notice_list(store *s, const char *party, int64_t after, int64_t overdue_at, int limit,
                      int (*fn)(const store_notice_row *n, void *ctx), void *ctx, int64_t *next, bool *more,
                      tr_err *err) {
    db_stmt *st = store__prep(s, SQL_NOTICE_LIST, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, after);
    db_bind_text(st, 2, party);
    if (overdue_at > 0) db_bind_int(st, 3, overdue_at);
    db_bind_int(st, 4, limit + 1);
    int n = 0, rc = TR_OK, step = STORE_DONE;
    *next = after;
    *more = false;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        if (++n > limit) {
            *more = true;
            break;
        }
        bool acked = db_col_type(st, 8) != DB_NULL;
        store_notice_row x = {.id = db_col_int(st, 0),
                              .party = db_col_text(st, 1),
                              .kind = db_col_text(st, 2),
                              .about_type = db_col_text(st, 3),
                              .about_id = db_col_int(st, 4),
                              .payload = db_col_text(st, 5),
                              .created_at = db_col_int(st, 6),
                              .deadline = db_col_int(st, 7),
                              .acked = acked,
                              .acked_at = db_col_int(st, 8),
                              .has_ack_index = acked,
                              .ack_index = (uint64_t)db_col_int(st, 9)};
        rc = fn(&x, ctx);
        *next = x.id;
    }
    return store__scan_end(st, step, rc, "reading table notice", err);
}

/* ---- movements ---- */

#define MOVEMENT_COLS TR_MOVEMENT_COLUMNS

/* A movement row and its schedule: TR_EIO (err not filled) for a row that does not decode,
 * or the schedule's read failure (err filled). */
static int read_movement(store *s, db_stmt *st, tr_movement *m, tr_err *err) {
    memset(m, 0, sizeof *m);
    m->id = db_col_int(st, 0);
    m->owner = db_col_dup(st, 1);
    m->kind = db_col_dup(st, 2);
    m->name = db_col_dup(st, 3);
    m->status = db_col_dup(st, 4);
    m->time_start = db_col_int(st, 5);
    m->time_end = db_col_int(st, 6);
    m->width_m = db_col_double(st, 7);
    if (tr_vis_from_text(db_col_text(st, 8), &m->vis)) return TR_EIO;
    m->geometry = db_col_dup(st, 9);
    m->created_at = db_col_int(st, 10);
    m->manifest = db_col_dup(st, 11);
    if (!(m->owner && m->kind && m->status && m->geometry)) return TR_EIO;
    return store__movement_schedule_read(s, m, err);
}

static int movement_row(store *s, db_stmt *st, void *row, tr_err *err) {
    return read_movement(s, st, row, err);
}
static void movement_clear(void *row) {
    tr_movement_clear(row);
}
static const store_rows MOVEMENT_ROWS = {TR_KIND_MOVEMENT, sizeof(tr_movement), movement_row, movement_clear};

static const char SQL_MOVEMENT_INSERT[] = "INSERT INTO movement(owner, kind, name, status, time_start, "
                                          "time_end, width_m, visibility, geometry, created_at,"
                                          " manifest) VALUES (?,?,?,?,?,?,?,?,?,?,?) RETURNING id";

int store_movement_insert(store *s, tr_movement *m, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_MOVEMENT_INSERT, err);
    if (!st) return TR_EIO;
    char *vis = tr_vis_to_text(&m->vis);
    db_bind_text(st, 1, m->owner);
    db_bind_text(st, 2, m->kind);
    db_bind_text(st, 3, m->name);
    db_bind_text(st, 4, m->status);
    db_bind_int(st, 5, m->time_start);
    db_bind_int(st, 6, m->time_end);
    db_bind_double(st, 7, m->width_m);
    db_bind_text(st, 8, vis);
    db_bind_text(st, 9, m->geometry);
    db_bind_int(st, 10, m->created_at);
    db_bind_text(st, 11, m->manifest);
    free(vis);
    int rc = store__step_done(s, st, "storing the movement", err);
    if (rc == TR_OK) m->id = store__last_id();
    if (rc == TR_OK) rc = store__movement_schedule_write(s, m, err);
    return rc;
}

static const char SQL_MOVEMENT_GET[] = "SELECT " MOVEMENT_COLS " FROM movement WHERE id = ?";

int store_movement_get(store *s, int64_t id, tr_movement *out, tr_err *err) {
    return store__get(s, SQL_MOVEMENT_GET, id, &MOVEMENT_ROWS, out, err);
}

static const char SQL_MOVEMENT_ALL[] = "SELECT " MOVEMENT_COLS " FROM movement ORDER BY id";

int store_movement_each(store *s, int (*fn)(tr_movement *m, void *ctx), void *ctx, tr_err *err) {
    store_scan sc = store__scan(s, SQL_MOVEMENT_ALL, &MOVEMENT_ROWS, err);
    for (tr_movement m; store__scan_next(&sc, &m);)
        sc.rc = fn(&m, ctx);
    return store__scan_close(&sc);
}

/* ---- list pages of sites and movements (GET /v1/sites, GET /v1/movements) ---- */

/* Binds a list page's filter (?1 after, ?2 kind, ?3 at); lists skip rows that do not decode. */
static void dc_scan_bind(store_scan *sc, const store_dc_scan *f) {
    sc->skip = true;
    if (!sc->st) return;
    db_bind_int(sc->st, 1, f->after);
    db_bind_text(sc->st, 2, f->kind);
    if (f->has_at) db_bind_int(sc->st, 3, f->at);
}

static const char SQL_SITE_SCAN[] =
    "SELECT " SITE_COLS " FROM site WHERE id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2)"
    " AND (CAST(?3 AS BIGINT) IS NULL OR (valid_from <= ?3 AND ?3 < valid_to)) ORDER BY id";

int store_site_scan(store *s, const store_dc_scan *f, int (*fn)(tr_site *site, void *ctx), void *ctx,
                    tr_err *err) {
    store_scan sc = store__scan(s, SQL_SITE_SCAN, &SITE_ROWS, err);
    dc_scan_bind(&sc, f);
    for (tr_site site; store__scan_next(&sc, &site);)
        sc.rc = fn(&site, ctx);
    return store__scan_close(&sc);
}

static const char SQL_MOVEMENT_SCAN[] =
    "SELECT " MOVEMENT_COLS " FROM movement WHERE id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2)"
    " AND (CAST(?3 AS BIGINT) IS NULL OR (time_start <= ?3 AND ?3 < time_end)) ORDER BY id";

int store_movement_scan(store *s, const store_dc_scan *f, int (*fn)(tr_movement *m, void *ctx), void *ctx,
                        tr_err *err) {
    store_scan sc = store__scan(s, SQL_MOVEMENT_SCAN, &MOVEMENT_ROWS, err);
    dc_scan_bind(&sc, f);
    for (tr_movement m; store__scan_next(&sc, &m);)
        sc.rc = fn(&m, ctx);
    return store__scan_close(&sc);
}
