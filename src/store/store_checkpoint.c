/* store_checkpoint.c — checkpoints and the checkpoints of movements in SQLite (issue 12,
 * item 5; store_checkpoint.h). */
#include <stdlib.h>
#include <string.h>

#include "store/store_checkpoint.h"
#include "store/store_int.h"

#define CHECKPOINT_COLS "id, owner, party, name, lon, lat, opening_hours, visibility, created_at"

static int read_checkpoint(sqlite3_stmt *st, tr_checkpoint *k) {
    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(st, 0);
    k->owner = store__col_dup(st, 1);
    k->party = store__col_dup(st, 2);
    k->name = store__col_dup(st, 3);
    k->lon = sqlite3_column_double(st, 4);
    k->lat = sqlite3_column_double(st, 5);
    k->hours = store__col_dup(st, 6);
    k->created_at = sqlite3_column_int64(st, 8);
    if (tr_vis_from_text((const char *)sqlite3_column_text(st, 7), &k->vis)) return TR_EIO;
    return k->owner && k->party && k->name ? TR_OK : TR_EIO;
}

static const char SQL_INSERT[] =
    "INSERT INTO checkpoint(owner, party, name, lon, lat, opening_hours, visibility,"
    " created_at) VALUES (?,?,?,?,?,?,?,?)";

int store_checkpoint_insert(store *s, tr_checkpoint *k, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_INSERT, err);
    if (!st) return TR_EIO;
    char *vis = tr_vis_to_text(&k->vis);
    if (!vis) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    store__bind_text(st, 1, k->owner);
    store__bind_text(st, 2, k->party);
    store__bind_text(st, 3, k->name);
    sqlite3_bind_double(st, 4, k->lon);
    sqlite3_bind_double(st, 5, k->lat);
    store__bind_text(st, 6, k->hours);
    store__bind_text(st, 7, vis);
    sqlite3_bind_int64(st, 8, k->created_at);
    int rc = store__step_done(s, st, "storing the checkpoint", err);
    free(vis);
    if (rc == TR_OK) k->id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
    return rc;
}

static const char SQL_GET[] = "SELECT " CHECKPOINT_COLS " FROM checkpoint WHERE id = ?";

int store_checkpoint_get(store *s, int64_t id, tr_checkpoint *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store__prep(s, SQL_GET, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table checkpoint", err);
    if (rc == TR_ENOTFOUND) {
        sqlite3_reset(st);
        return tr_fail(err, rc, "id", "there is no checkpoint %lld", (long long)id);
    }
    if (rc) return rc;
    rc = read_checkpoint(st, out);
    sqlite3_reset(st);
    if (rc) {
        tr_checkpoint_clear(out);
        return tr_fail(err, TR_EIO, "", "checkpoint %lld is unreadable", (long long)id);
    }
    return TR_OK;
}

static const char SQL_SCAN[] =
    "SELECT " CHECKPOINT_COLS " FROM checkpoint WHERE id > ?1"
    " AND (?2 IS NULL OR (lon BETWEEN ?2 AND ?4 AND lat BETWEEN ?3 AND ?5)) ORDER BY id";

int store_checkpoint_scan(store *s, const store_checkpoint_filter *f, int (*fn)(tr_checkpoint *k, void *ctx),
                          void *ctx, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_SCAN, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, f->after);
    if (f->has_bbox) {
        sqlite3_bind_double(st, 2, f->bbox.minx);
        sqlite3_bind_double(st, 3, f->bbox.miny);
        sqlite3_bind_double(st, 4, f->bbox.maxx);
        sqlite3_bind_double(st, 5, f->bbox.maxy);
    }
    int rc = TR_OK, step = SQLITE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == SQLITE_ROW) {
        tr_checkpoint k;
        rc = read_checkpoint(st, &k);
        if (rc)
            tr_fail(err, TR_EIO, "", "stored checkpoint %lld is unreadable", (long long)k.id);
        else
            rc = fn(&k, ctx);
        tr_checkpoint_clear(&k);
    }
    return store__scan_end(st, step, rc, "reading table checkpoint", err);
}

static const char SQL_LINK[] = "INSERT INTO movement_checkpoint(movement_id, checkpoint_id) VALUES (?,?)";

int store_checkpoint_link(store *s, int64_t movement_id, int64_t checkpoint_id, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_LINK, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, movement_id);
    sqlite3_bind_int64(st, 2, checkpoint_id);
    return store__step_done(s, st, "storing the movement's checkpoint", err);
}

static const char SQL_LINKS[] = "SELECT movement_id, checkpoint_id FROM movement_checkpoint"
                                " WHERE ?1 = 0 OR movement_id = ?1 ORDER BY movement_id, checkpoint_id";

int store_checkpoint_links(store *s, int64_t movement_id,
                           int (*fn)(int64_t movement_id, int64_t checkpoint_id, void *ctx), void *ctx,
                           tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_LINKS, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, movement_id);
    int rc = TR_OK, step = SQLITE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == SQLITE_ROW)
        rc = fn(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), ctx);
    return store__scan_end(st, step, rc, "reading table movement_checkpoint", err);
}
