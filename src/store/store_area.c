/* store_area.c — area versions and agreements in SQLite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "store/store_int.h"

#define AREA_COLS                                                                                            \
    "v.area_id, v.version, v.kind, v.name, v.party, v.actor, v.valid_from, v.valid_to, "                     \
    "v.effective_to, v.visibility, v.width_m, v.description, v.geometry, v.area_m2, "                        \
    "v.created_by, v.created_at, v.names"

/* Fills a from a row selected with AREA_COLS (shape left NULL). */
static int read_area(db_stmt *st, tr_area *a) {
    memset(a, 0, sizeof *a);
    a->id = db_col_int(st, 0);
    a->version = db_col_int(st, 1);
    if (tr_area_kind_parse(db_col_text(st, 2), &a->kind)) return TR_EIO;
    a->name = db_col_dup(st, 3);
    a->party = db_col_dup(st, 4);
    a->actor = db_col_dup(st, 5);
    a->valid_from = db_col_int(st, 6);
    a->valid_to = db_col_int(st, 7);
    a->effective_to = db_col_int(st, 8);
    if (tr_vis_from_text(db_col_text(st, 9), &a->vis)) return TR_EIO;
    a->width_m = db_col_double(st, 10);
    a->description = db_col_dup(st, 11);
    a->geometry = db_col_dup(st, 12);
    a->area_m2 = db_col_double(st, 13);
    a->created_by = db_col_dup(st, 14);
    a->created_at = db_col_int(st, 15);
    a->names = db_col_dup(st, 16);
    return TR_OK;
}

STORE_ROWS(AREA_ROWS, TR_KIND_AREA, tr_area, read_area, tr_area_clear);

static const char SQL_VERSION_INSERT[] =
    "INSERT INTO area_version(area_id, version, kind, name, party, actor, valid_from, valid_to,"
    " effective_to, visibility, width_m, description, geometry, area_m2, created_by, created_at, names)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING rid";
static const char SQL_RTREE_INSERT[] = "INSERT INTO area_rtree VALUES (?,?,?,?,?)";

static int insert_version(store *s, const tr_area *a, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_VERSION_INSERT, err);
    if (!st) return TR_EIO;
    char *vis = tr_vis_to_text(&a->vis);
    db_bind_int(st, 1, a->id);
    db_bind_int(st, 2, a->version);
    db_bind_text(st, 3, tr_area_kind_name(a->kind));
    db_bind_text(st, 4, a->name);
    db_bind_text(st, 5, a->party);
    db_bind_text(st, 6, a->actor);
    db_bind_int(st, 7, a->valid_from);
    db_bind_int(st, 8, a->valid_to);
    db_bind_int(st, 9, a->effective_to);
    db_bind_text(st, 10, vis);
    if (a->width_m > 0) db_bind_double(st, 11, a->width_m);
    db_bind_text(st, 12, a->description);
    db_bind_text(st, 13, a->geometry);
    db_bind_double(st, 14, a->area_m2);
    db_bind_text(st, 15, a->created_by);
    db_bind_int(st, 16, a->created_at);
    db_bind_text(st, 17, a->names);
    free(vis);
    int rc = store__step_done(s, st, "storing the area version", err);
    if (rc) return rc;
    int64_t rid = store__last_id();
    geo_box b = geo_shape_box(a->shape);
    st = store__prep(s, SQL_RTREE_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, rid);
    db_bind_double(st, 2, b.minx);
    db_bind_double(st, 3, b.maxx);
    db_bind_double(st, 4, b.miny);
    db_bind_double(st, 5, b.maxy);
    return store__step_done(s, st, "indexing the area version", err);
}

static const char SQL_AREA_INSERT[] =
    "INSERT INTO area(version, created_by, created_at) VALUES (1,?,?) RETURNING id";

int store_area_insert(store *s, tr_area *a, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_AREA_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, a->created_by);
    db_bind_int(st, 2, a->created_at);
    int rc = store__step_done(s, st, "storing the area", err);
    if (rc) return rc;
    a->id = store__last_id();
    a->version = 1;
    if (a->effective_to > a->valid_to) a->effective_to = a->valid_to;
    return insert_version(s, a, err);
}

static const char SQL_AREA_CURRENT[] = "SELECT a.version, v.valid_from FROM area a JOIN area_version v ON "
                                       "v.area_id = a.id AND v.version = a.version"
                                       " WHERE a.id = ?";
static const char SQL_AREA_BUMP[] = "UPDATE area SET version = ? WHERE id = ?";
static const char SQL_AREA_CUT[] =
    "UPDATE area_version SET effective_to = ?2 WHERE area_id = ?1 AND effective_to > ?2";

int store_area_add_version(store *s, tr_area *a, int expect_version, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_AREA_CURRENT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, a->id);
    int rc = store__one(st, store__step(st), "reading table area", err);
    if (rc) {
        db_reset(st);
        return rc == TR_ENOTFOUND ? tr_fail(err, TR_ENOTFOUND, "", "there is no area %lld", (long long)a->id)
                                  : rc;
    }
    int cur = db_col_int(st, 0);
    int64_t cur_from = db_col_int(st, 1);
    db_reset(st);
    if (expect_version && expect_version != cur)
        return tr_fail(err, TR_ECONFLICT, "If-Match",
                       "area %lld is at version %d, not %d: read it again and reapply your change",
                       (long long)a->id, cur, expect_version);
    if (a->valid_from < cur_from) {
        char buf[TR_TIME_BUFSZ];
        return tr_fail(err, TR_EINVAL, "properties.valid_from",
                       "a new version may not start before the current one (%s)",
                       tr_time_format(cur_from, buf));
    }
    st = store__prep(s, SQL_AREA_CUT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, a->id);
    db_bind_int(st, 2, a->valid_from);
    if (store__step_done(s, st, "closing the previous version", err)) return TR_EIO;
    a->version = cur + 1;
    a->effective_to = a->valid_to;
    st = store__prep(s, SQL_AREA_BUMP, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, a->version);
    db_bind_int(st, 2, a->id);
    if (store__step_done(s, st, "updating the area", err)) return TR_EIO;
    return insert_version(s, a, err);
}

static const char SQL_AREA_GET[] =
    "SELECT " AREA_COLS " FROM area_version v JOIN area a ON a.id = v.area_id"
    " WHERE v.area_id = ?1 AND v.version = CASE WHEN ?2 = 0 THEN a.version ELSE ?2 END";

int store_area_get(store *s, int64_t id, int version, tr_area *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    db_stmt *st = store__prep(s, SQL_AREA_GET, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    db_bind_int(st, 2, version);
    int rc = store__one(st, store__step(st), "reading table area_version", err);
    if (rc == TR_OK)
        rc = read_area(st, out);
    else if (rc != TR_ENOTFOUND)
        return rc;
    db_reset(st);
    if (rc == TR_ENOTFOUND && version > 0) {
        int cur = 0;
        if (store_area_current_version(s, id, &cur, NULL) == TR_OK)
            return tr_fail(err, TR_ENOTFOUND, "version", "area %lld has versions 1 to %d", (long long)id,
                           cur);
    }
    if (rc == TR_ENOTFOUND) return tr_fail(err, TR_ENOTFOUND, "id", "there is no area %lld", (long long)id);
    if (rc) tr_area_clear(out);
    return rc ? tr_fail(err, rc, "", "area %lld is unreadable", (long long)id) : TR_OK;
}

int store_area_current_version(store *s, int64_t id, int *version, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_AREA_CURRENT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table area", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) *version = db_col_int(st, 0);
    db_reset(st);
    return rc ? tr_fail(err, rc, "id", "there is no area %lld", (long long)id) : TR_OK;
}

/* The visibility rule of domain.h, as SQL: ?N is the viewer's name or NULL (sees all);
 * visibility is JSON, "public" or an array of names (SQLite: json_each; PostgreSQL: jsonb). */
#define VISIBLE_HEAD(N)                                                                                      \
    "(CAST(?" N " AS TEXT) IS NULL OR v.visibility = '\"public\"' OR v.party = ?" N " OR v.created_by = ?" N
#define VISIBLE_SQL(N)                                                                                       \
    VISIBLE_HEAD(N) " OR EXISTS (SELECT 1 FROM json_each(v.visibility) WHERE value = ?" N "))"
#define VISIBLE_PG(N)                                                                                        \
    VISIBLE_HEAD(N)                                                                                          \
    " OR v.visibility::jsonb @> jsonb_build_array(CAST(?" N " AS TEXT))"                                     \
    " OR v.visibility::jsonb = to_jsonb(CAST(?" N " AS TEXT)))"

#define AREA_LIST(VISIBLE)                                                                                   \
    "SELECT " AREA_COLS " FROM area_version v JOIN area a ON a.id = v.area_id"                               \
    " WHERE v.area_id > ?1"                                                                                  \
    " AND (CAST(?2 AS TEXT) IS NULL OR v.kind = ?2)"                                                         \
    " AND (CAST(?3 AS TEXT) IS NULL OR v.party = ?3 OR v.actor = ?3)"                                        \
    " AND (CASE WHEN CAST(?4 AS BIGINT) IS NULL THEN v.version = a.version"                                  \
    "      ELSE v.valid_from <= ?4 AND ?4 < v.effective_to END)"                                             \
    " AND (CAST(?5 AS DOUBLE PRECISION) IS NULL OR v.rid IN (SELECT rid FROM area_rtree WHERE maxx >= ?5 "   \
    "AND minx <= ?6"                                                                                         \
    "      AND maxy >= ?7 AND miny <= ?8))"                                                                  \
    " AND " VISIBLE("10") " ORDER BY v.area_id LIMIT ?9"
static const char SQL_AREA_LIST[] = AREA_LIST(VISIBLE_SQL);
static const char SQL_AREA_LIST_PG[] = AREA_LIST(VISIBLE_PG);

int store_area_list(store *s, const store_area_filter *f, int (*fn)(tr_area *a, void *ctx), void *ctx,
                    int64_t *next, tr_err *err) {
    db_stmt *st = store__prep2(s, SQL_AREA_LIST, SQL_AREA_LIST_PG, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, f->after);
    if (f->kind >= 0) db_bind_text(st, 2, tr_area_kind_name((tr_area_kind)f->kind));
    db_bind_text(st, 3, f->party);
    if (f->has_at) db_bind_int(st, 4, f->at);
    if (f->has_bbox) {
        db_bind_double(st, 5, f->bbox.minx);
        db_bind_double(st, 6, f->bbox.maxx);
        db_bind_double(st, 7, f->bbox.miny);
        db_bind_double(st, 8, f->bbox.maxy);
    }
    db_bind_int(st, 9, f->limit + 1);
    if (f->viewer && !tr_party_is_privileged(f->viewer)) db_bind_text(st, 10, f->viewer->name);
    int rc = TR_OK, step = STORE_DONE, n = 0;
    int64_t last = 0;
    *next = 0;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        tr_area a;
        bool ok = read_area(st, &a) == TR_OK; /* an unreadable row is skipped */
        if (ok && ++n > f->limit) {
            tr_area_clear(&a);
            *next = last; /* a row follows the page */
            break;
        }
        if (ok) {
            last = a.id;
            rc = fn(&a, ctx);
        }
        tr_area_clear(&a);
    }
    return store__scan_end(st, step, rc, "reading table area_version", err);
}

#define AREA_HISTORY(VISIBLE)                                                                                \
    "SELECT " AREA_COLS " FROM area_version v WHERE v.area_id = ?1 AND " VISIBLE("2") " ORDER BY v.version"
static const char SQL_AREA_HISTORY[] = AREA_HISTORY(VISIBLE_SQL);
static const char SQL_AREA_HISTORY_PG[] = AREA_HISTORY(VISIBLE_PG);

int store_area_history(store *s, int64_t id, const tr_party *viewer, int (*fn)(tr_area *a, void *ctx),
                       void *ctx, tr_err *err) {
    store_scan sc =
        store__scan_on(s, store__prep2(s, SQL_AREA_HISTORY, SQL_AREA_HISTORY_PG, err), &AREA_ROWS, err);
    sc.skip = true; /* an unreadable row is skipped */
    if (sc.st) db_bind_int(sc.st, 1, id);
    if (sc.st && viewer && !tr_party_is_privileged(viewer)) db_bind_text(sc.st, 2, viewer->name);
    for (tr_area a; store__scan_next(&sc, &a);)
        sc.rc = fn(&a, ctx);
    return store__scan_close(&sc);
}

static const char SQL_AREA_ALL[] = "SELECT " AREA_COLS " FROM area_version v ORDER BY v.area_id, v.version";

int store_area_each(store *s, int (*fn)(tr_area *a, void *ctx), void *ctx, tr_err *err) {
    store_scan sc = store__scan(s, SQL_AREA_ALL, &AREA_ROWS, err);
    for (tr_area a; store__scan_next(&sc, &a);)
        sc.rc = fn(&a, ctx);
    return store__scan_close(&sc);
}
