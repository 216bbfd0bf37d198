/* store_checkpoint.c — checkpoints and the checkpoints of movements through db.h (issue 12,
 * item 5; store_checkpoint.h). */
#include <stdlib.h>
#include <string.h>

#include "store/store_checkpoint.h"
#include "store/store_int.h"

#define CHECKPOINT_COLS TR_CHECKPOINT_COLUMNS

static int read_checkpoint(db_stmt *st, tr_checkpoint *k) {
    memset(k, 0, sizeof *k);
    k->id = db_col_int(st, 0);
    k->owner = db_col_dup(st, 1);
    k->party = db_col_dup(st, 2);
    k->name = db_col_dup(st, 3);
    k->lon = db_col_double(st, 4);
    k->lat = db_col_double(st, 5);
    k->hours = db_col_dup(st, 6);
    k->created_at = db_col_int(st, 8);
    if (tr_vis_from_text(db_col_text(st, 7), &k->vis)) return TR_EIO;
    return k->owner && k->party && k->name ? TR_OK : TR_EIO;
}

STORE_ROWS(CHECKPOINT_ROWS, TR_KIND_CHECKPOINT, tr_checkpoint, read_checkpoint, tr_checkpoint_clear);

static const char SQL_INSERT[] =
    "INSERT INTO checkpoint(owner, party, name, lon, lat, opening_hours, visibility,"
    " created_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id";

int store_checkpoint_insert(store *s, tr_checkpoint *k, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_INSERT, err);
    if (!st) return TR_EIO;
    char *vis = tr_vis_to_text(&k->vis);
    if (!vis) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    db_bind_text(st, 1, k->owner);
    db_bind_text(st, 2, k->party);
    db_bind_text(st, 3, k->name);
    db_bind_double(st, 4, k->lon);
    db_bind_double(st, 5, k->lat);
    db_bind_text(st, 6, k->hours);
    db_bind_text(st, 7, vis);
    db_bind_int(st, 8, k->created_at);
    int rc = store__step_done(s, st, "storing the checkpoint", err);
    free(vis);
    if (rc == TR_OK) k->id = store__last_id();
    return rc;
}

static const char SQL_GET[] = "SELECT " CHECKPOINT_COLS " FROM checkpoint WHERE id = ?";

int store_checkpoint_get(store *s, int64_t id, tr_checkpoint *out, tr_err *err) {
    return store__get(s, SQL_GET, id, &CHECKPOINT_ROWS, out, err);
}

static const char SQL_SCAN[] = "SELECT " CHECKPOINT_COLS " FROM checkpoint WHERE id > ?1"
                               " AND (CAST(?2 AS DOUBLE PRECISION) IS NULL OR (lon BETWEEN ?2 AND ?4 AND lat "
                               "BETWEEN ?3 AND ?5)) ORDER BY id";

int store_checkpoint_scan(store *s, const store_checkpoint_filter *f, int (*fn)(tr_checkpoint *k, void *ctx),
                          void *ctx, tr_err *err) {
    store_scan sc = store__scan(s, SQL_SCAN, &CHECKPOINT_ROWS, err);
    if (sc.st) db_bind_int(sc.st, 1, f->after);
    if (sc.st && f->has_bbox) store__bind_box(sc.st, 2, &f->bbox);
    for (tr_checkpoint k; store__scan_next(&sc, &k);)
        sc.rc = fn(&k, ctx);
    return store__scan_close(&sc);
}

static const char SQL_LINK[] = "INSERT INTO movement_checkpoint(movement_id, checkpoint_id) VALUES (?,?)";

int store_checkpoint_link(store *s, int64_t movement_id, int64_t checkpoint_id, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_LINK, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, movement_id);
    db_bind_int(st, 2, checkpoint_id);
    return store__step_done(s, st, "storing the movement's checkpoint", err);
}

static const char SQL_LINKS[] = "SELECT movement_id, checkpoint_id FROM movement_checkpoint"
                                " WHERE ?1 = 0 OR movement_id = ?1 ORDER BY movement_id, checkpoint_id";

int store_checkpoint_links(store *s, int64_t movement_id,
                           int (*fn)(int64_t movement_id, int64_t checkpoint_id, void *ctx), void *ctx,
                           tr_err *err) {
    db_stmt *st = store__prep(s, SQL_LINKS, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, movement_id);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW)
        rc = fn(db_col_int(st, 0), db_col_int(st, 1), ctx);
    return store__scan_end(st, step, rc, "reading table movement_checkpoint", err);
}
