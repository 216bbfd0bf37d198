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

#define TEXT(r, k) store_audit_text(r, k)

static int party_row(db_audit *a, const store_audit_row *r) {
    const char *name = TEXT(r, 1), *key = TEXT(r, 6);
    int64_t id = store_audit_int(r, 0);
    char ref[CENTRE_REF_MAX], what[200], b1[96];
    centre_ref_party(name ? name : "", ref);
    snprintf(what, sizeof what, "party %s (id %lld)", verify__clip(name, b1), (long long)id);
    const logged *e = verify__match_row(a, what, ref, TR_ENTRY(PARTY_ADD),
                                        centre_object_party(name, TEXT(r, 2), TEXT(r, 3), TEXT(r, 4)));
    verify__same_time(a, what, "created_at", store_audit_int(r, 7), e);
    if (e && a->nids < a->capids) a->ids[a->nids++] = (party_id){e->index, id};
    if (!store_audit_null(r, 5))
        verify__match_row(a, what, ref, TR_ENTRY(PARTY_REVOKE),
                          centre_object_party_revoke(name, store_audit_int(r, 5)));
    else
        verify__no_entry(a, what, ref, TR_ENTRY(PARTY_REVOKE), "its revocation");
    if (key)
        verify__match_latest(a, what, ref, TR_ENTRY(PARTY_KEY), centre_object_party_key(name, key));
    else
        verify__no_entry(a, what, ref, TR_ENTRY(PARTY_KEY), "a public key");
    return TR_OK;
}

int verify__party(db_audit *a, uint64_t *rows) {
    a->capids = (size_t)verify__n(a, AUDIT_N_PARTIES);
    if (!(a->ids = calloc(a->capids + 1, sizeof *a->ids)))
        return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    int rc = verify__scan(a, AUDIT_PARTIES, party_row, rows);
    if (rc == TR_OK && a->nids == *rows) check_party_ids(a, a->ids, a->nids);
    free(a->ids);
    a->ids = NULL;
    return rc;
}

static int actor_row(db_audit *a, const store_audit_row *r) {
    const char *name = TEXT(r, 0);
    char ref[CENTRE_REF_MAX], what[200], b1[96];
    centre_ref_actor(name ? name : "", ref);
    snprintf(what, sizeof what, "actor %s", verify__clip(name, b1));
    const logged *e =
        verify__match_row(a, what, ref, TR_ENTRY(ACTOR_ADD), centre_object_actor(name, TEXT(r, 1)));
    verify__same_time(a, what, "created_at", store_audit_int(r, 2), e);
    return TR_OK;
}

int verify__actor(db_audit *a, uint64_t *rows) {
    return verify__scan(a, AUDIT_ACTORS, actor_row, rows);
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
    verify__match_row(p->a, what, ref, v->version == 1 ? TR_ENTRY(AREA_CREATE) : TR_ENTRY(AREA_VERSION),
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

static int area_row(db_audit *a, const store_audit_row *r) {
    int64_t id = store_audit_int(r, 0);
    int version = (int)store_audit_int(r, 1), last = (int)store_audit_int(r, 4);
    const char *by = TEXT(r, 2), *first_by = TEXT(r, 5);
    if (store_audit_null(r, 4)) {
        FAIL(a, "area %lld: no version of it is stored", (long long)id);
        return TR_OK;
    }
    if (version != last)
        FAIL(a, "area %lld: its current version is %d, but its last version is %d", (long long)id, version,
             last);
    if (!by || !first_by || strcmp(by, first_by) != 0 || store_audit_int(r, 3) != store_audit_int(r, 6))
        FAIL(a, "area %lld: created_by and created_at are not those of its first version", (long long)id);
    return TR_OK;
}

int verify__area(db_audit *a, uint64_t *rows) {
    int rc = verify__scan(a, AUDIT_AREAS, area_row, rows);
    int64_t orphans = verify__n(a, AUDIT_N_ORPHAN_VERSIONS);
    if (orphans) FAIL(a, "area_version: %lld versions of areas that have no area row", (long long)orphans);
    return rc;
}

/* SQLite's R*Tree keeps 32-bit floats, rounded outwards as its rtreeValueDown and
 * rtreeValueUp round them; PostgreSQL keeps area_rtree as a plain table, which holds
 * either those (a centre copied from SQLite) or the doubles themselves. */
#define RNDTOWARDS (1.0 - 1.0 / 8388608.0)
#define RNDAWAY (1.0 + 1.0 / 8388608.0)

static double round_down(double d) {
    float f = (float)d;
    if (f > d) f = (float)(d * (d < 0 ? RNDAWAY : RNDTOWARDS));
    return f;
}

static double round_up(double d) {
    float f = (float)d;
    if (f < d) f = (float)(d * (d < 0 ? RNDTOWARDS : RNDAWAY));
    return f;
}

/* The stored box (minx, maxx, miny, maxy) is the box b, exactly or as an R*Tree rounds it. */
static bool same_box(const area_box *b, const double got[4]) {
    const double exact[4] = {b->minx, b->maxx, b->miny, b->maxy};
    bool rounded = true, same = true;
    for (int k = 0; k < 4; k++) {
        same = same && got[k] == exact[k];
        rounded = rounded && got[k] == (k % 2 ? round_up(exact[k]) : round_down(exact[k]));
    }
    return same || rounded;
}

static int rtree_row(db_audit *a, const store_audit_row *r) {
    int64_t rid = store_audit_int(r, 0);
    if (store_audit_null(r, 1)) {
        FAIL(a, "area_rtree %lld: indexes no area version", (long long)rid);
        return TR_OK;
    }
    const area_box *b = box_of(a, store_audit_int(r, 1), (int)store_audit_int(r, 2));
    if (!b) return TR_OK; /* its geometry was reported unreadable */
    double got[4];
    for (int k = 0; k < 4; k++)
        got[k] = store_audit_double(r, 3 + k);
    if (!same_box(b, got))
        FAIL(a, "area_rtree %lld: its box is not that of the geometry of the area version it indexes",
             (long long)rid);
    return TR_OK;
}

int verify__area_rtree(db_audit *a, uint64_t *rows) {
    int rc = verify__scan(a, AUDIT_AREA_INDEX, rtree_row, rows);
    int64_t unindexed = verify__n(a, AUDIT_N_UNINDEXED_VERSIONS);
    if (unindexed) FAIL(a, "area_rtree: %lld area versions are not in the index", (long long)unindexed);
    char check[256] = "";
    tr_err e = {0};
    if (store_audit_index_check(a->db, check, sizeof check, &e))
        FAIL(a, "area_rtree: the index's own tables cannot be checked: %s", e.msg);
    else if (strcmp(check, "ok") != 0)
        FAIL(a, "area_rtree: the index's own tables are damaged: %s", check);
    return rc;
}

/* ---- agreements, provisions ---- */

static int agreement_row(db_audit *a, const store_audit_row *r) {
    int64_t id = store_audit_int(r, 0);
    tr_agreement g;
    tr_err e = {0};
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_agreement(id, (int)store_audit_int(r, 1), ref);
    snprintf(what, sizeof what, "agreement %lld (%s)", (long long)id, ref);
    if (store_agreement_get(a->s, id, &g, &e)) {
        verify__entry(a, ref, TR_ENTRY(AGREEMENT_CREATE), false, true);
        FAIL(a, "%s: the row is unreadable, so it cannot be what was logged: %s", what, e.msg);
        return TR_OK;
    }
    char *vis = tr_vis_to_text(&g.vis);
    const char *col = TEXT(r, 4), *name = TEXT(r, 5);
    if (store_audit_int(r, 2) != g.start || store_audit_int(r, 3) != g.end || !vis || !col ||
        strcmp(vis, col) != 0 || !name || strcmp(name, g.name) != 0)
        FAIL(a, "%s: name, start_at, end_at or visibility is not what its document says", what);
    free(vis);
    verify__match_row(a, what, ref, TR_ENTRY(AGREEMENT_CREATE), centre_object_agreement(&g));
    tr_agreement_clear(&g);
    return TR_OK;
}

int verify__agreement(db_audit *a, uint64_t *rows) {
    return verify__scan(a, AUDIT_AGREEMENTS, agreement_row, rows);
}

/* Provisions are read with their agreement (its logged object holds them): every row
 * must belong to an agreement, with its seq unique there (the schema keeps that). */
int verify__provision(db_audit *a, uint64_t *rows) {
    int64_t orphans = verify__n(a, AUDIT_N_ORPHAN_PROVISIONS);
    if (orphans) FAIL(a, "provision: %lld provisions of no agreement", (long long)orphans);
    *rows = (uint64_t)verify__n(a, AUDIT_N_PROVISIONS);
    return TR_OK;
}
