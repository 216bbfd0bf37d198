/*
 * verify_core.c — pass 4 of `truce verify --db` for the centre's core tables: parties,
 * actors, areas (their versions, the current version, the spatial index) and agreements
 * with their provisions. Each function checks one table (verify_match.c lists them).
 *
 * Beyond each row's logged object, the columns that answers depend on but the object
 * does not hold are recomputed from logged facts: a party's and an actor's created_at is
 * the time of its entry, a party's public_key is the one its latest party.key entry
 * registered; an area's current version, creator and creation time come from its
 * versions; a version's effective_to is cut by the next version; its area_m2 and the
 * index's box are computed from its geometry as the centre computes them; an agreement's
 * start_at, end_at and visibility are those of its document.
 */
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "edges/verify_db.h"
#include "geo/geo.h"
#include "service/centre_objects.h"

/* ---- party, actor ---- */

/* Party ids (the deconfliction engine tells owners apart by them) are given in the order
 * parties are added, from 1, and parties are never deleted: the party added by the k-th
 * party.add entry has id k. */
typedef struct party_id {
    uint64_t index; /* of its party.add entry */
    int64_t id;
} party_id;

static int cmp_party_id(const void *x, const void *y) {
    const party_id *p = x, *q = y;
    return (p->index > q->index) - (p->index < q->index);
}

static void check_party_ids(db_audit *a, party_id *ids, size_t n) {
    qsort(ids, n, sizeof *ids, cmp_party_id);
    for (size_t k = 0; k < n; k++)
        if (ids[k].id != (int64_t)k + 1)
            FAIL(a, "party (id %lld): log_entry %llu added it as party number %zu, so its id is %zu",
                 (long long)ids[k].id, ULL(ids[k].index), k + 1, k + 1);
}

static int party_row(db_audit *a, sqlite3_stmt *st) {
    const char *name = (const char *)sqlite3_column_text(st, 1),
               *key = (const char *)sqlite3_column_text(st, 6);
    char ref[CENTRE_REF_MAX], what[200], b1[96];
    centre_ref_party(name ? name : "", ref);
    snprintf(what, sizeof what, "party %s (id %lld)", verify__clip(name, b1),
             (long long)sqlite3_column_int64(st, 0));
    const logged *e = verify__match_row(a, what, ref, "party.add",
                                        centre_object_party(name, (const char *)sqlite3_column_text(st, 2),
                                                            (const char *)sqlite3_column_text(st, 3),
                                                            (const char *)sqlite3_column_text(st, 4)));
    verify__same_time(a, what, "created_at", sqlite3_column_int64(st, 7), e);
    if (e && a->nids < a->capids) a->ids[a->nids++] = (party_id){e->index, sqlite3_column_int64(st, 0)};
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        verify__match_row(a, what, ref, "party.revoke",
                          centre_object_party_revoke(name, sqlite3_column_int64(st, 5)));
    else
        verify__no_entry(a, what, ref, "party.revoke", "its revocation");
    if (key)
        verify__match_latest(a, what, ref, "party.key", centre_object_party_key(name, key));
    else
        verify__no_entry(a, what, ref, "party.key", "a public key");
    return TR_OK;
}

int verify__party(db_audit *a, uint64_t *rows) {
    a->capids = (size_t)verify__raw_int(a, "SELECT count(*) FROM party");
    if (!(a->ids = calloc(a->capids + 1, sizeof *a->ids)))
        return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    int rc = verify__raw_each(
        a, "party",
        "SELECT id, name, role, full_name, token_hash, revoked_at, public_key, created_at FROM "
        "party ORDER BY id",
        party_row, rows);
    if (rc == TR_OK && a->nids == *rows) check_party_ids(a, a->ids, a->nids);
    free(a->ids);
    a->ids = NULL;
    return rc;
}

static int actor_row(db_audit *a, sqlite3_stmt *st) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    char ref[CENTRE_REF_MAX], what[200], b1[96];
    centre_ref_actor(name ? name : "", ref);
    snprintf(what, sizeof what, "actor %s", verify__clip(name, b1));
    const logged *e = verify__match_row(a, what, ref, "actor.add",
                                        centre_object_actor(name, (const char *)sqlite3_column_text(st, 1)));
    verify__same_time(a, what, "created_at", sqlite3_column_int64(st, 2), e);
    return TR_OK;
}

int verify__actor(db_audit *a, uint64_t *rows) {
    return verify__raw_each(a, "actor", "SELECT name, full_name, created_at FROM actor ORDER BY name",
                            actor_row, rows);
}

/* ---- area versions, areas, the index ---- */

typedef struct area_pass {
    db_audit *a;
    uint64_t rows;
    int64_t id;        /* the area of the version before, */
    int64_t from;      /* its valid_from */
    int64_t valid_to;  /* its valid_to, */
    int64_t effective; /* its effective_to as stored */
    char what[CENTRE_REF_MAX + 16];
} area_pass;

/* The version before (p) must end where the next one (v, of the same area) starts. */
static void check_cut(area_pass *p, const tr_area *v) {
    int64_t want = p->valid_to;
    if (v && v->id == p->id && v->valid_from < want) want = v->valid_from;
    char t1[TR_TIME_BUFSZ], t2[TR_TIME_BUFSZ];
    if (p->id && p->effective != want)
        FAIL(p->a, "%s: effective_to is %s, but the versions make it %s", p->what,
             tr_time_format(p->effective, t1), tr_time_format(want, t2));
}

static void keep_box(db_audit *a, const tr_area *v, geo_box b) {
    if (a->nboxes == a->capboxes) {
        size_t cap = a->capboxes ? 2 * a->capboxes : 256;
        area_box *n = realloc(a->boxes, cap * sizeof *n);
        if (!n) return;
        a->boxes = n;
        a->capboxes = cap;
    }
    a->boxes[a->nboxes++] = (area_box){v->id, v->version, b.minx, b.maxx, b.miny, b.maxy};
}

static int check_area(tr_area *v, void *ctx) {
    area_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[200];
    tr_err e = {0};
    centre_ref_area(v->id, v->version, ref);
    snprintf(what, sizeof what, "area_version %s", ref);
    verify__match_row(p->a, what, ref, v->version == 1 ? "area.create" : "area.version",
                      centre_object_area(v));
    check_cut(p, v);
    if (tr_area_build_shape(v, &e) != TR_OK) {
        FAIL(p->a, "%s: its geometry cannot be read: %s", what, e.msg);
    } else {
        char r1[TR_REAL_BUFSZ], r2[TR_REAL_BUFSZ];
        if (geo_shape_area_m2(v->shape) != v->area_m2)
            FAIL(p->a, "%s: area_m2 is %s, but its geometry measures %s", what,
                 tr_real_format(v->area_m2, r1), tr_real_format(geo_shape_area_m2(v->shape), r2));
        keep_box(p->a, v, geo_shape_box(v->shape));
    }
    *p = (area_pass){p->a, p->rows + 1, v->id, v->valid_from, v->valid_to, v->effective_to, ""};
    snprintf(p->what, sizeof p->what, "area_version %s", ref);
    return TR_OK;
}

int verify__area_version(db_audit *a, uint64_t *rows) {
    area_pass p = {a, 0, 0, 0, 0, 0, ""};
    tr_err e = {0};
    store_area_each(a->s, check_area, &p, &e);
    check_cut(&p, NULL);
    verify__count(a, "area_version", p.rows, &e);
    *rows = p.rows;
    return TR_OK;
}

/* The box of an area version (from its geometry), or NULL. */
static const area_box *box_of(const db_audit *a, int64_t id, int version) {
    size_t lo = 0, hi = a->nboxes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const area_box *b = &a->boxes[mid];
        if (b->area_id < id || (b->area_id == id && b->version < version))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->nboxes && a->boxes[lo].area_id == id && a->boxes[lo].version == version ? &a->boxes[lo]
                                                                                           : NULL;
}

static int area_row(db_audit *a, sqlite3_stmt *st) {
    int64_t id = sqlite3_column_int64(st, 0);
    int version = sqlite3_column_int(st, 1), last = sqlite3_column_int(st, 4);
    const char *by = (const char *)sqlite3_column_text(st, 2),
               *first_by = (const char *)sqlite3_column_text(st, 5);
    if (sqlite3_column_type(st, 4) == SQLITE_NULL) {
        FAIL(a, "area %lld: no version of it is stored", (long long)id);
        return TR_OK;
    }
    if (version != last)
        FAIL(a, "area %lld: its current version is %d, but its last version is %d", (long long)id, version,
             last);
    if (!by || !first_by || strcmp(by, first_by) != 0 ||
        sqlite3_column_int64(st, 3) != sqlite3_column_int64(st, 6))
        FAIL(a, "area %lld: created_by and created_at are not those of its first version", (long long)id);
    return TR_OK;
}

int verify__area(db_audit *a, uint64_t *rows) {
    int rc = verify__raw_each(
        a, "area",
        "SELECT a.id, a.version, a.created_by, a.created_at, (SELECT max(version) FROM area_version v WHERE "
        "v.area_id = a.id), f.created_by, f.created_at FROM area a LEFT JOIN area_version f ON f.area_id = "
        "a.id AND "
        "f.version = 1 ORDER BY a.id",
        area_row, rows);
    int64_t orphans =
        verify__raw_int(a, "SELECT count(*) FROM area_version v WHERE NOT EXISTS (SELECT 1 FROM area a "
                           "WHERE a.id = v.area_id)");
    if (orphans) FAIL(a, "area_version: %lld versions of areas that have no area row", (long long)orphans);
    return rc;
}

/* The boxes as the R*Tree stores them (32-bit floats rounded outwards), computed by an
 * R*Tree in memory so that they compare exactly. */
static int index_boxes(db_audit *a, sqlite3 **mem) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open(":memory:", mem) == SQLITE_OK &&
                     sqlite3_exec(*mem, "CREATE VIRTUAL TABLE b USING rtree(id, minx, maxx, miny, maxy)",
                                  NULL, NULL, NULL) == SQLITE_OK &&
                     sqlite3_prepare_v2(*mem, "INSERT INTO b VALUES (?,?,?,?,?)", -1, &st, NULL) == SQLITE_OK
                 ? TR_OK
                 : TR_EIO;
    for (size_t i = 0; rc == TR_OK && i < a->nboxes; i++) {
        const area_box *b = &a->boxes[i];
        sqlite3_bind_int64(st, 1, (int64_t)i);
        sqlite3_bind_double(st, 2, b->minx);
        sqlite3_bind_double(st, 3, b->maxx);
        sqlite3_bind_double(st, 4, b->miny);
        sqlite3_bind_double(st, 5, b->maxy);
        if (sqlite3_step(st) != SQLITE_DONE) rc = TR_EIO;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc ? tr_fail(&a->err, TR_EIO, "", "cannot build the index in memory: %s", sqlite3_errmsg(*mem))
              : TR_OK;
}

static int rtree_row(db_audit *a, sqlite3_stmt *st, sqlite3_stmt *want) {
    int64_t rid = sqlite3_column_int64(st, 0);
    if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
        FAIL(a, "area_rtree %lld: indexes no area version", (long long)rid);
        return TR_OK;
    }
    const area_box *b = box_of(a, sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2));
    if (!b) return TR_OK; /* its geometry was reported unreadable */
    sqlite3_bind_int64(want, 1, b - a->boxes);
    bool same = sqlite3_step(want) == SQLITE_ROW;
    for (int k = 0; same && k < 4; k++)
        same = sqlite3_column_double(want, k) == sqlite3_column_double(st, 3 + k);
    sqlite3_reset(want);
    if (!same)
        FAIL(a, "area_rtree %lld: its box is not that of the geometry of the area version it indexes",
             (long long)rid);
    return TR_OK;
}

int verify__area_rtree(db_audit *a, uint64_t *rows) {
    sqlite3 *mem = NULL;
    sqlite3_stmt *st = NULL, *want = NULL;
    int rc = index_boxes(a, &mem);
    if (rc == TR_OK &&
        (sqlite3_prepare_v2(mem, "SELECT minx, maxx, miny, maxy FROM b WHERE id = ?", -1, &want, NULL) !=
             SQLITE_OK ||
         sqlite3_prepare_v2(
             a->raw,
             "SELECT r.rid, v.area_id, v.version, r.minx, r.maxx, r.miny, r.maxy FROM area_rtree r "
             "LEFT JOIN area_version v ON v.rid = r.rid ORDER BY r.rid",
             -1, &st, NULL) != SQLITE_OK))
        rc = tr_fail(&a->err, TR_EIO, "", "cannot read area_rtree: %s", sqlite3_errmsg(a->raw));
    while (rc == TR_OK && sqlite3_step(st) == SQLITE_ROW) {
        rc = rtree_row(a, st, want);
        (*rows)++;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(want);
    sqlite3_close(mem);
    int64_t unindexed = verify__raw_int(
        a, "SELECT count(*) FROM area_version v WHERE NOT EXISTS (SELECT 1 FROM area_rtree r WHERE "
           "r.rid = v.rid)");
    if (unindexed) FAIL(a, "area_rtree: %lld area versions are not in the index", (long long)unindexed);
    char check[256] = "";
    if (sqlite3_prepare_v2(a->raw, "SELECT rtreecheck('area_rtree')", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(check, sizeof check, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (strcmp(check, "ok") != 0) FAIL(a, "area_rtree: the index's own tables are damaged: %s", check);
    return rc;
}

/* ---- agreements, provisions ---- */

static int agreement_row(db_audit *a, sqlite3_stmt *st) {
    int64_t id = sqlite3_column_int64(st, 0);
    tr_agreement g;
    tr_err e = {0};
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_agreement(id, sqlite3_column_int(st, 1), ref);
    snprintf(what, sizeof what, "agreement %lld (%s)", (long long)id, ref);
    if (store_agreement_get(a->s, id, &g, &e)) {
        verify__entry(a, ref, "agreement.create", false, true);
        FAIL(a, "%s: the row is unreadable, so it cannot be what was logged: %s", what, e.msg);
        return TR_OK;
    }
    char *vis = tr_vis_to_text(&g.vis);
    const char *col = (const char *)sqlite3_column_text(st, 4);
    const char *name = (const char *)sqlite3_column_text(st, 5);
    if (sqlite3_column_int64(st, 2) != g.start || sqlite3_column_int64(st, 3) != g.end || !vis || !col ||
        strcmp(vis, col) != 0 || !name || strcmp(name, g.name) != 0)
        FAIL(a, "%s: name, start_at, end_at or visibility is not what its document says", what);
    free(vis);
    verify__match_row(a, what, ref, "agreement.create", centre_object_agreement(&g));
    tr_agreement_clear(&g);
    return TR_OK;
}

int verify__agreement(db_audit *a, uint64_t *rows) {
    return verify__raw_each(
        a, "agreement", "SELECT id, version, start_at, end_at, visibility, name FROM agreement ORDER BY id",
        agreement_row, rows);
}

/* Provisions are read with their agreement (its logged object holds them): every row
 * must belong to an agreement, with its seq unique there (the schema keeps that). */
int verify__provision(db_audit *a, uint64_t *rows) {
    int64_t orphans =
        verify__raw_int(a, "SELECT count(*) FROM provision p WHERE NOT EXISTS (SELECT 1 FROM agreement g "
                           "WHERE g.id = p.agreement_id)");
    if (orphans) FAIL(a, "provision: %lld provisions of no agreement", (long long)orphans);
    *rows = (uint64_t)verify__raw_int(a, "SELECT count(*) FROM provision");
    return TR_OK;
}
