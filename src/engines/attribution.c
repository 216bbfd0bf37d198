/*
 * attribution.c — the in-memory attribution engine.
 *
 * Invariants:
 *  1. versions[] only grows; a tr_area pointer handed out stays valid until
 *     attr_engine_free. The geo_index maps each footprint box to its slot in versions[].
 *  2. For two versions v < w of one area, v.effective_to <= w.valid_from, so at any
 *     instant at most one version of an area is in force. Versions arrive in order with
 *     non-decreasing valid_from (the store refuses others), so cutting the latest held
 *     version keeps this for all earlier ones: latest[] maps an area id to its slot.
 *  3. agreements[] holds the latest version of each agreement; a replaced version is
 *     kept in retired[] so pointers handed out before stay valid.
 *  4. Each version's shape is placed in the shapes arena (huge pages, next to the others)
 *     unless too large for it; freeing a placed shape is a no-op, the arena goes last.
 *  5. cover (when not NULL) is a geo_cover over the shapes of slots [0, ncover); the
 *     later slots are in the index recent. Point queries take their slots from both.
 *     The cover is rebuilt by attr_engine_pack and when recent holds more than
 *     COVER_STALE + 2 ncover slots (a bulk load builds it O(log n) times, costing about
 *     half the last build in all); a failed rebuild keeps the old one and recent.
 */
#include "engines/attribution.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/brlock.h"
#include "base/mem.h"
#include "base/timeutil.h"

/* What a query reads first for each index candidate, kept dense so that candidates
 * cost one contiguous load instead of a walk through the tr_area (slots[i] mirrors
 * versions[i]). */
typedef struct area_slot {
    const geo_shape *shape;
    int64_t id; /* the area's id */
    int64_t valid_from, effective_to;
    geo_box inner; /* geo_shape_inner_box: a point in it is covered without reading the shape */
} area_slot;       /* 64 bytes, one cache line: slots[] is aligned on one */
_Static_assert(sizeof(area_slot) == 64, "a slot is one cache line");

/* Index candidates of a point held on the stack; a point with more goes through the
 * index's callback instead. */
#define CAND_MAX 128

/* Slots in recent beyond ncover before the cover grid is rebuilt (invariant 5). */
#define COVER_STALE 64

struct attr_engine {
    tr_brlock lock;     /* readers: queries; writers: additions (first: it is cache-line aligned) */
    tr_area **versions; /* every area version, by slot */
    area_slot *slots;   /* parallel to versions */
    int64_t *ids;       /* slots[i].id, dense: what attr_engine_covering answers */
    size_t nversions, capversions, capslots;
    geo_index *index; /* footprint box -> slot */
    tr_agreement **agreements;
    size_t nagreements, capagreements;
    tr_agreement **retired;
    size_t nretired, capretired;
    struct {
        int64_t id;
        size_t slot;
    } * latest; /* open addressing, id 0 = empty */
    size_t latest_cap, nlatest;
    tr_arena shapes;  /* the versions' shapes, placed together (geo_shape_place) */
    geo_cover *cover; /* slots [0, ncover) (invariant 5), or NULL */
    size_t ncover;
    geo_index *recent; /* footprint box -> slot, for slots [ncover, nversions) */
};

/* The slot of area id's latest version in e->latest, or where to put it. */
static size_t latest_find(const attr_engine *e, int64_t id) {
    size_t mask = e->latest_cap - 1, i = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 17) & mask;
    while (e->latest[i].id != 0 && e->latest[i].id != id)
        i = (i + 1) & mask;
    return i;
}

static int latest_reserve(attr_engine *e) {
    if ((e->nlatest + 1) * 2 <= e->latest_cap) return 0;
    size_t cap = e->latest_cap ? e->latest_cap * 2 : 1024;
    attr_engine old = *e;
    e->latest = calloc(cap, sizeof *e->latest);
    if (!e->latest) {
        e->latest = old.latest;
        return -1;
    }
    e->latest_cap = cap;
    for (size_t i = 0; i < old.latest_cap; i++)
        if (old.latest[i].id) e->latest[latest_find(e, old.latest[i].id)] = old.latest[i];
    free(old.latest);
    return 0;
}

static int grow(void *pp, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(*(void **)pp, n * elem);
    if (!p) return -1;
    *(void **)pp = p;
    *cap = n;
    return 0;
}

attr_engine *attr_engine_new(void) {
    size_t size = (sizeof(attr_engine) + 63) / 64 * 64;
    attr_engine *e = aligned_alloc(64, size); /* the lock's slots are cache-line aligned */
    if (!e) return NULL;
    memset(e, 0, size);
    e->index = geo_index_new();
    e->recent = geo_index_new();
    if (!e->index || !e->recent) {
        geo_index_free(e->index);
        geo_index_free(e->recent);
        free(e);
        return NULL;
    }
    tr_brlock_init(&e->lock);
    return e;
}

void attr_engine_free(attr_engine *e) {
    if (!e) return;
    for (size_t i = 0; i < e->nversions; i++) {
        tr_area_clear(e->versions[i]);
        free(e->versions[i]);
    }
    for (size_t i = 0; i < e->nagreements; i++) {
        tr_agreement_clear(e->agreements[i]);
        free(e->agreements[i]);
    }
    for (size_t i = 0; i < e->nretired; i++) {
        tr_agreement_clear(e->retired[i]);
        free(e->retired[i]);
    }
    TR_FREE(e->versions, e->slots, e->ids, e->latest, e->agreements, e->retired);
    geo_index_free(e->index);
    geo_index_free(e->recent);
    geo_cover_free(e->cover);  /* before the shapes it borrows */
    tr_arena_free(&e->shapes); /* after the versions: their shapes live here */
    tr_brlock_destroy(&e->lock);
    free(e);
}

/* Cuts the latest held version of a's area off at a's valid_from (invariant 2). */
static int cut_earlier(attr_engine *e, const tr_area *a, tr_err *err) {
    if (latest_reserve(e)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t i = latest_find(e, a->id);
    if (e->latest[i].id == 0) return TR_OK;
    tr_area *v = e->versions[e->latest[i].slot];
    if (v->version >= a->version)
        return tr_fail(err, TR_EINVAL, "version", "area %lld version %d is already held", (long long)a->id,
                       a->version);
    if (a->valid_from < v->valid_from)
        return tr_fail(err, TR_EINVAL, "valid_from", "area %lld version %d starts before version %d",
                       (long long)a->id, a->version, v->version);
    if (v->effective_to > a->valid_from)
        v->effective_to = e->slots[e->latest[i].slot].effective_to = a->valid_from;
    return TR_OK;
}

/* Makes room for need slots: a new cache-line aligned array (realloc keeps no alignment). */
static int grow_slots(attr_engine *e, size_t need) {
    if (need <= e->capslots) return 0;
    size_t cap = e->capslots ? 2 * e->capslots : 64;
    int64_t *ids = realloc(e->ids, cap * sizeof *ids);
    if (!ids) return -1;
    e->ids = ids;
    area_slot *p = aligned_alloc(64, cap * sizeof *p);
    if (!p) return -1;
    if (e->nversions) memcpy(p, e->slots, e->nversions * sizeof *p);
    free(e->slots);
    e->slots = p;
    e->capslots = cap;
    return 0;
}

/* Moves a's shape into the engine's arena, next to the others (kept in the heap when
 * the arena cannot take it: only slower). */
static void place_shape(attr_engine *e, tr_area *a) {
    void *mem = tr_arena_alloc(&e->shapes, geo_shape_size(a->shape));
    if (!mem) return;
    geo_shape *placed = geo_shape_place(a->shape, mem);
    geo_shape_free(a->shape);
    a->shape = placed;
}

/* Builds the cover grid over every slot (write lock held); keeps the old one on failure. */
static void rebuild_cover(attr_engine *e) {
    size_t n = e->nversions;
    const geo_shape **s = malloc((n ? n : 1) * sizeof *s);
    if (!s) return;
    for (size_t i = 0; i < n; i++)
        s[i] = e->slots[i].shape;
    geo_cover *c = geo_cover_build(s, n);
    free(s);
    geo_index *recent = c ? geo_index_new() : NULL;
    if (!recent) {
        geo_cover_free(c);
        return;
    }
    geo_cover_free(e->cover);
    geo_index_free(e->recent);
    e->cover = c;
    e->ncover = n;
    e->recent = recent;
}

int attr_engine_add_area(attr_engine *e, tr_area *a, tr_err *err) {
    if (a->shape == NULL) return tr_fail(err, TR_EINVAL, "geometry", "area has no shape");
    tr_area *copy = malloc(sizeof *copy);
    if (!copy) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    tr_brlock_wrlock(&e->lock);
    int rc = cut_earlier(e, a, err);
    if (rc == TR_OK && (grow(&e->versions, &e->capversions, e->nversions + 1, sizeof *e->versions) ||
                        grow_slots(e, e->nversions + 1)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK && geo_index_insert(e->index, geo_shape_box(a->shape), e->nversions))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK && geo_index_insert(e->recent, geo_shape_box(a->shape), e->nversions)) {
        geo_index_remove(e->index, e->nversions);
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (rc == TR_OK) {
        *copy = *a;
        if (copy->effective_to > copy->valid_to) copy->effective_to = copy->valid_to;
        memset(a, 0, sizeof *a);
        place_shape(e, copy);
        size_t li = latest_find(e, copy->id);
        if (e->latest[li].id == 0) e->nlatest++;
        e->latest[li].id = copy->id;
        e->latest[li].slot = e->nversions;
        e->versions[e->nversions] = copy;
        e->ids[e->nversions] = copy->id;
        e->slots[e->nversions] = (area_slot){copy->shape, copy->id, copy->valid_from, copy->effective_to,
                                             geo_shape_inner_box(copy->shape)};
        __atomic_store_n(&e->nversions, e->nversions + 1, __ATOMIC_RELEASE);
        if (e->nversions - e->ncover > COVER_STALE + 2 * e->ncover) rebuild_cover(e);
    } else {
        free(copy);
    }
    tr_brlock_wrunlock(&e->lock);
    return rc;
}

int attr_engine_add_agreement(attr_engine *e, tr_agreement *a, tr_err *err) {
    tr_agreement *copy = malloc(sizeof *copy);
    if (!copy) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    tr_brlock_wrlock(&e->lock);
    int rc = TR_OK;
    size_t slot = e->nagreements;
    for (size_t i = 0; i < e->nagreements; i++)
        if (e->agreements[i]->id == a->id) slot = i;
    if (slot == e->nagreements) {
        if (grow(&e->agreements, &e->capagreements, e->nagreements + 1, sizeof *e->agreements))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
        else
            e->nagreements++;
    } else if (e->agreements[slot]->version >= a->version) {
        rc = tr_fail(err, TR_EINVAL, "version", "agreement %lld version %d is already held", (long long)a->id,
                     e->agreements[slot]->version);
    } else if (grow(&e->retired, &e->capretired, e->nretired + 1, sizeof *e->retired)) {
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    } else {
        e->retired[e->nretired++] = e->agreements[slot];
    }
    if (rc == TR_OK) {
        *copy = *a;
        memset(a, 0, sizeof *a);
        e->agreements[slot] = copy;
    } else {
        free(copy);
    }
    tr_brlock_wrunlock(&e->lock);
    return rc;
}

void attr_engine_pack(attr_engine *e) {
    tr_brlock_wrlock(&e->lock);
    (void)geo_index_pack(e->index);
    if (e->ncover != e->nversions) rebuild_cover(e);
    tr_brlock_wrunlock(&e->lock);
}

size_t attr_engine_cover_bytes(attr_engine *e) {
    unsigned rd = tr_brlock_rdlock(&e->lock);
    size_t n = geo_cover_bytes(e->cover);
    tr_brlock_rdunlock(&e->lock, rd);
    return n;
}

size_t attr_engine_arena_bytes(attr_engine *e) {
    unsigned rd = tr_brlock_rdlock(&e->lock);
    size_t n = tr_arena_bytes(&e->shapes);
    tr_brlock_rdunlock(&e->lock, rd);
    return n;
}

size_t attr_engine_area_versions(const attr_engine *e) {
    return __atomic_load_n(&e->nversions, __ATOMIC_ACQUIRE);
}

void attr_result_clear(attr_result *r) {
    free(r->areas);
    free(r->agreements);
    memset(r, 0, sizeof *r);
}

typedef struct query_ctx {
    attr_engine *e;
    double lon, lat;
    int64_t t;
    const tr_party *viewer;
    attr_result *out;
    int rc;
} query_ctx;

static int visit_area(uint64_t i, void *p) {
    query_ctx *q = p;
    const area_slot *sl = &q->e->slots[i];
    if (sl->valid_from > q->t || q->t >= sl->effective_to) return 0;
    if (!geo_shape_covers(sl->shape, q->lon, q->lat)) return 0;
    const tr_area *a = q->e->versions[i];
    if (!tr_area_visible(a, q->viewer)) return 0;
    attr_result *r = q->out;
    if (grow(&r->areas, &r->cap_areas, r->nareas + 1, sizeof *r->areas)) {
        q->rc = TR_ENOMEM;
        return 1;
    }
    r->areas[r->nareas++] = a;
    return 0;
}

static int cmp_area(const void *x, const void *y) {
    const tr_area *a = *(const tr_area *const *)x, *b = *(const tr_area *const *)y;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* True if one of the agreement's zones is among the covering areas. */
static bool in_zones(const tr_agreement *ag, const attr_result *r) {
    if (ag->nzones == 0) return true;
    for (size_t i = 0; i < ag->nzones; i++)
        for (size_t j = 0; j < r->nareas; j++)
            if (r->areas[j]->id == ag->zones[i]) return true;
    return false;
}

/* Keeps, of the slots c[0..n) (n <= CAND_MAX), those whose footprint covers (lon,
 * lat); returns how many. A point in a slot's inner box is covered at once; the others
 * go through one batch test, so that the shapes' memory waits overlap instead of
 * adding up. */
static size_t keep_covering(const attr_engine *e, uint64_t *c, size_t n, double lon, double lat) {
    const geo_shape *shape[CAND_MAX];
    uint64_t rest[CAND_MAX];
    uint32_t which[CAND_MAX];
    size_t k = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        const area_slot *sl = &e->slots[c[i]];
        if (lon >= sl->inner.minx && lon <= sl->inner.maxx && lat >= sl->inner.miny &&
            lat <= sl->inner.maxy) {
            c[k++] = c[i];
        } else {
            rest[m] = c[i];
            shape[m++] = sl->shape;
        }
    }
    size_t hit = geo_shapes_covering(shape, m, lon, lat, which);
    for (size_t i = 0; i < hit; i++)
        c[k++] = rest[which[i]];
    return k;
}

/* Adds the version of slot i to q->out if the viewer may see it. */
static void add_visible(query_ctx *q, uint64_t i) {
    const tr_area *a = q->e->versions[i];
    if (q->rc != TR_OK || !tr_area_visible(a, q->viewer)) return;
    attr_result *r = q->out;
    if (grow(&r->areas, &r->cap_areas, r->nareas + 1, sizeof *r->areas))
        q->rc = TR_ENOMEM;
    else
        r->areas[r->nareas++] = a;
}

static bool in_force(const area_slot *sl, int64_t t) {
    return sl->valid_from <= t && t < sl->effective_to;
}

/* Adds to q->out the versions of the candidates c[0..n) in force at q->t, covering the
 * point and visible to the viewer. */
static void add_covering(query_ctx *q, uint64_t *c, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (in_force(&q->e->slots[c[i]], q->t)) c[k++] = c[i];
    k = keep_covering(q->e, c, k, q->lon, q->lat);
    for (size_t i = 0; i < k; i++)
        add_visible(q, c[i]);
}

/* The slots whose shape covers (lon, lat), whatever the time: from the cover grid, then
 * the slots added since it was built. Returns how many; c holds the first cap of them. */
static size_t covering_slots(const attr_engine *e, double lon, double lat, uint32_t *c, size_t cap) {
    size_t n = geo_cover_point(e->cover, lon, lat, c, cap);
    uint64_t r[CAND_MAX];
    size_t m = geo_index_point_candidates(e->recent, lon, lat, r, CAND_MAX);
    if (m > CAND_MAX) return SIZE_MAX;
    for (size_t i = 0; i < m; i++) {
        if (!geo_shape_covers(e->slots[r[i]].shape, lon, lat)) continue;
        if (n < cap) c[n] = (uint32_t)r[i];
        n++;
    }
    return n;
}

/* The query through the cover grid; false when it has no grid or too many answers. */
static bool query_cover(query_ctx *q) {
    uint32_t c[CAND_MAX];
    size_t n = q->e->cover ? covering_slots(q->e, q->lon, q->lat, c, CAND_MAX) : SIZE_MAX;
    if (n > CAND_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (in_force(&q->e->slots[c[i]], q->t)) add_visible(q, c[i]);
    return true;
}

int attr_engine_query(attr_engine *e, double lon, double lat, int64_t t, const tr_party *viewer,
                      attr_result *out) {
    out->nareas = out->nagreements = 0;
    query_ctx q = {e, lon, lat, t, viewer, out, TR_OK};
    uint64_t c[CAND_MAX];
    unsigned rd = tr_brlock_rdlock(&e->lock);
    if (!query_cover(&q)) {
        size_t n = geo_index_point_candidates(e->index, lon, lat, c, CAND_MAX);
        if (n <= CAND_MAX)
            add_covering(&q, c, n);
        else
            geo_index_query_point(e->index, lon, lat, visit_area, &q);
    }
    for (size_t i = 0; q.rc == TR_OK && i < e->nagreements; i++) {
        const tr_agreement *ag = e->agreements[i];
        if (!tr_agreement_in_force(ag, t) || !tr_agreement_visible(ag, viewer)) continue;
        if (!in_zones(ag, out)) continue;
        if (grow(&out->agreements, &out->cap_agreements, out->nagreements + 1, sizeof *out->agreements))
            q.rc = TR_ENOMEM;
        else
            out->agreements[out->nagreements++] = ag;
    }
    tr_brlock_rdunlock(&e->lock, rd);
    if (out->nareas > 1) qsort(out->areas, out->nareas, sizeof *out->areas, cmp_area);
    return q.rc;
}

typedef struct cover_ctx {
    attr_engine *e;
    double lon, lat;
    int64_t *ids;
    size_t cap, n;
} cover_ctx;

static int visit_cover(uint64_t i, void *p) {
    cover_ctx *c = p;
    if (!geo_shape_covers(c->e->slots[i].shape, c->lon, c->lat)) return 0;
    if (c->ids && c->n < c->cap) c->ids[c->n] = c->e->slots[i].id;
    c->n++;
    return 0;
}

size_t attr_engine_covering(attr_engine *e, double lon, double lat, int64_t *ids, size_t cap) {
    cover_ctx cc = {e, lon, lat, ids, cap, 0};
    uint64_t c[CAND_MAX];
    uint32_t s[CAND_MAX];
    unsigned rd = tr_brlock_rdlock(&e->lock);
    size_t n = e->cover ? covering_slots(e, lon, lat, s, CAND_MAX) : SIZE_MAX;
    if (n <= CAND_MAX) {
        cc.n = n;
        for (size_t i = 0; ids && i < n && i < cap; i++)
            ids[i] = e->ids[s[i]];
    } else if ((n = geo_index_point_candidates(e->index, lon, lat, c, CAND_MAX)) <= CAND_MAX) {
        cc.n = keep_covering(e, c, n, lon, lat);
        for (size_t i = 0; ids && i < cc.n && i < cap; i++)
            ids[i] = e->slots[c[i]].id;
    } else {
        geo_index_query_point(e->index, lon, lat, visit_cover, &cc);
    }
    tr_brlock_rdunlock(&e->lock, rd);
    return cc.n;
}

/* ---- what applies over a box and a time window (conflicts by footprint) ---- */

typedef struct window_ctx {
    attr_engine *e;
    int64_t t0, t1;
    const tr_party *viewer;
    attr_window *out;
    int rc;
} window_ctx;

static int visit_window(uint64_t i, void *p) {
    window_ctx *q = p;
    const area_slot *sl = &q->e->slots[i];
    /* overlapping, and not empty (a version replaced at its own valid_from was never in force) */
    if (!(sl->valid_from < q->t1 && q->t0 < sl->effective_to && sl->valid_from < sl->effective_to)) return 0;
    const tr_area *a = q->e->versions[i];
    if (!tr_area_visible(a, q->viewer)) return 0;
    attr_window *w = q->out;
    if (grow(&w->spans, &w->cap_spans, w->nspans + 1, sizeof *w->spans)) {
        q->rc = TR_ENOMEM;
        return 1;
    }
    w->spans[w->nspans++] = (attr_span){a, sl->valid_from, sl->effective_to};
    return 0;
}

static int cmp_span(const void *x, const void *y) {
    const tr_area *a = ((const attr_span *)x)->area, *b = ((const attr_span *)y)->area;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return (a->version > b->version) - (a->version < b->version);
}

int attr_engine_window(attr_engine *e, const geo_box *boxes, size_t nboxes, int64_t t0, int64_t t1,
                       const tr_party *viewer, attr_window *out) {
    out->nspans = out->nagreements = 0;
    window_ctx q = {e, t0, t1, viewer, out, TR_OK};
    unsigned rd = tr_brlock_rdlock(&e->lock);
    for (size_t b = 0; q.rc == TR_OK && b < nboxes; b++)
        geo_index_query_box(e->index, boxes[b], visit_window, &q);
    for (size_t i = 0; q.rc == TR_OK && i < e->nagreements; i++) {
        const tr_agreement *ag = e->agreements[i];
        if (!(ag->start < t1 && t0 < ag->end) || !tr_agreement_visible(ag, viewer)) continue;
        if (grow(&out->agreements, &out->cap_agreements, out->nagreements + 1, sizeof *out->agreements))
            q.rc = TR_ENOMEM;
        else
            out->agreements[out->nagreements++] = ag;
    }
    tr_brlock_rdunlock(&e->lock, rd);
    if (out->nspans > 1) qsort(out->spans, out->nspans, sizeof *out->spans, cmp_span);
    size_t n = 0; /* a version found through two boxes is kept once */
    for (size_t i = 0; i < out->nspans; i++)
        if (n == 0 || out->spans[n - 1].area != out->spans[i].area) out->spans[n++] = out->spans[i];
    out->nspans = n;
    return q.rc;
}

void attr_window_clear(attr_window *w) {
    free(w->spans);
    free(w->agreements);
    memset(w, 0, sizeof *w);
}
