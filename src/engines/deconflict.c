/*
 * deconflict.c — the deconfliction engine: records, the id map, locking, queries.
 *
 * Invariants:
 *  1. Records live in fixed chunks of CHUNK slots that never move, so a slot number
 *     is a stable name. A live record has shape != 0; removal releases the footprint at
 *     once and sets shape = 0, but the slot is reused only after the index purges it
 *     (no tree entry refers to it any more), via the free list.
 *  2. The id map holds exactly the live records: id -> slot, open addressing with
 *     linear probing and backward-shift deletion, load factor <= 1/2.
 *  3. The free list can always take every slot handed out (its capacity follows the
 *     slot count), so purging never allocates.
 *  4. A query is the index's candidate set (a superset of the exact box test) filtered
 *     by kind and owner, then decided by dc__pair; dc_engine_query_scan applies the same
 *     filters and dc__pair to every live record, so both return the same set.
 *  5. max_maxx is at least every stored box's maxx: a query box needs its +360 copy
 *     only when it could reach a box that crosses the anti-meridian.
 *  6. After dc_engine_pack, slot i holds the i-th entry of the single tree (Hilbert
 *     order): the candidates of one leaf are neighbours in memory, which halves the
 *     cache misses of a query (records are otherwise in insertion order).
 *  7. While loading (dc_engine_load_begin until dc_engine_pack), an inserted record is
 *     in no index place (where[slot] == DC_WHERE_NONE); the pack indexes all such
 *     records at once, with one sort instead of a merge per level.
 */
#include "engines/deconflict.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/deconflict_int.h"

#define CHUNK_BITS 16
#define CHUNK (1u << CHUNK_BITS)
#define MALLOC_OVERHEAD 16
#define MAX_SLOTS 0xFFFFFFF0u

typedef struct idmap_entry {
    int64_t id;
    uint32_t slot;
    uint32_t used;
} idmap_entry;

struct dc_engine {
    pthread_rwlock_t lock;
    dc_rec **chunks;          /* invariant 1 */
    size_t nchunks, chunk_cap;
    size_t nslots;            /* slots handed out so far */
    uint32_t *free_slots;     /* invariant 3 */
    size_t nfree, free_cap;
    idmap_entry *map;         /* invariant 2 */
    size_t map_cap, map_n;
    dc_index ix;
    double max_maxx;          /* invariant 5 */
    bool loading;             /* invariant 7 */
    size_t ncircles, npolygons, nvertices, poly_bytes;
};

static inline dc_rec *rec_at(const dc_engine *e, uint32_t slot) {
    return &e->chunks[slot >> CHUNK_BITS][slot & (CHUNK - 1)];
}

/* ---- id map ---- */

static inline size_t hash_id(int64_t id) {
    uint64_t x = (uint64_t)id;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return (size_t)x;
}

static idmap_entry *map_find(const dc_engine *e, int64_t id) {
    if (e->map_cap == 0) return NULL;
    size_t mask = e->map_cap - 1;
    for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        if (!e->map[i].used) return NULL;
        if (e->map[i].id == id) return &e->map[i];
    }
}

static void map_put(idmap_entry *map, size_t cap, int64_t id, uint32_t slot) {
    size_t mask = cap - 1, i = hash_id(id) & mask;
    while (map[i].used) i = (i + 1) & mask;
    map[i] = (idmap_entry){id, slot, 1};
}

static int map_reserve(dc_engine *e) {
    if (2 * (e->map_n + 1) <= e->map_cap) return TR_OK;
    size_t cap = e->map_cap ? 2 * e->map_cap : 1024;
    idmap_entry *m = calloc(cap, sizeof *m);
    if (m == NULL) return TR_ENOMEM;
    for (size_t i = 0; i < e->map_cap; i++)
        if (e->map[i].used) map_put(m, cap, e->map[i].id, e->map[i].slot);
    free(e->map);
    e->map = m;
    e->map_cap = cap;
    return TR_OK;
}

static void map_erase(dc_engine *e, idmap_entry *s) {
    size_t mask = e->map_cap - 1, i = (size_t)(s - e->map), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!e->map[j].used) break;
        size_t k = hash_id(e->map[j].id) & mask;
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        e->map[i] = e->map[j];
        i = j;
    }
    e->map[i].used = 0;
    e->map_n--;
}

/* ---- slots ---- */

static void purge_slot(void *ctx, uint32_t slot) {
    dc_engine *e = ctx;
    e->free_slots[e->nfree++] = slot;
}

/* A slot for a new record, making room in every per-slot table first. */
static int take_slot(dc_engine *e, uint32_t *out) {
    if (e->nfree > 0) {
        *out = e->free_slots[--e->nfree];
        return TR_OK;
    }
    if (e->nslots >= MAX_SLOTS) return TR_ENOMEM;
    size_t slot = e->nslots;
    if ((slot >> CHUNK_BITS) >= e->nchunks) {
        if (e->nchunks == e->chunk_cap) {
            size_t cap = e->chunk_cap ? 2 * e->chunk_cap : 16;
            dc_rec **c = realloc(e->chunks, cap * sizeof *c);
            if (c == NULL) return TR_ENOMEM;
            e->chunks = c;
            e->chunk_cap = cap;
        }
        dc_rec *chunk = calloc(CHUNK, sizeof *chunk);
        if (chunk == NULL) return TR_ENOMEM;
        e->chunks[e->nchunks++] = chunk;
    }
    if (slot + 1 > e->free_cap) {
        size_t cap = e->free_cap ? 2 * e->free_cap : 1024;
        uint32_t *f = realloc(e->free_slots, cap * sizeof *f);
        if (f == NULL) return TR_ENOMEM;
        e->free_slots = f;
        e->free_cap = cap;
    }
    if (dc__index_reserve(&e->ix, slot + 1) != TR_OK) return TR_ENOMEM;
    e->nslots++;
    *out = (uint32_t)slot;
    return TR_OK;
}

/* ---- life cycle ---- */

dc_engine *dc_engine_new(void) {
    dc_engine *e = calloc(1, sizeof *e);
    if (e == NULL) return NULL;
    if (dc__index_init(&e->ix, purge_slot, e) != TR_OK) {
        free(e);
        return NULL;
    }
    e->max_maxx = 180;
    pthread_rwlock_init(&e->lock, NULL);
    return e;
}

void dc_engine_free(dc_engine *e) {
    if (e == NULL) return;
    for (size_t s = 0; s < e->nslots; s++) dc__rec_release(rec_at(e, (uint32_t)s));
    for (size_t c = 0; c < e->nchunks; c++) free(e->chunks[c]);
    free(e->chunks);
    free(e->free_slots);
    free(e->map);
    dc__index_free(&e->ix);
    pthread_rwlock_destroy(&e->lock);
    free(e);
}

void dc_engine_write_begin(dc_engine *e) {
    pthread_rwlock_wrlock(&e->lock);
}

void dc_engine_write_end(dc_engine *e) {
    pthread_rwlock_unlock(&e->lock);
}

void dc_engine_read_begin(dc_engine *e) {
    pthread_rwlock_rdlock(&e->lock);
}

void dc_engine_read_end(dc_engine *e) {
    pthread_rwlock_unlock(&e->lock);
}

static size_t poly_bytes(const dc_poly *p) {
    return dc__poly_xy_offset(p->nrings) + 2 * (size_t)p->npos * sizeof(double) + MALLOC_OVERHEAD;
}

static void count(dc_engine *e, const dc_rec *r, int sign) {
    if (r->shape == DC_CIRCLE) {
        e->ncircles += (size_t)sign;
        return;
    }
    e->npolygons += (size_t)sign;
    e->nvertices += (size_t)sign * (r->u.p.p->npos - r->u.p.p->nrings);
    e->poly_bytes += (size_t)sign * poly_bytes(r->u.p.p);
}

/* Adds the built record r (taking its footprint; released on failure). */
static int insert_rec(dc_engine *e, dc_rec *r, tr_err *err) {
    int rc = TR_OK;
    uint32_t slot = 0;
    if (map_find(e, r->id) != NULL) {
        rc = tr_fail(err, TR_ECONFLICT, "id", "volume %lld is held already", (long long)r->id);
    } else if (map_reserve(e) != TR_OK || take_slot(e, &slot) != TR_OK) {
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    } else {
        float box[DC_DIMS];
        if (!e->loading) dc__index_box(r, box); /* else the pack indexes it (invariant 7) */
        if (!e->loading && dc__index_insert(&e->ix, slot, box, dc__index_key(r)) != TR_OK) {
            e->free_slots[e->nfree++] = slot;
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
        }
    }
    if (rc != TR_OK) {
        dc__rec_release(r);
        return rc;
    }
    *rec_at(e, slot) = *r;
    map_put(e->map, e->map_cap, r->id, slot);
    e->map_n++;
    if (r->box.maxx > e->max_maxx) e->max_maxx = r->box.maxx;
    count(e, r, 1);
    return TR_OK;
}

int dc_engine_insert_held(dc_engine *e, const dc_volume *v, tr_err *err) {
    dc_rec r;
    int rc = dc__rec_build(v, &r, err);
    return rc != TR_OK ? rc : insert_rec(e, &r, err);
}

/* ---- records built ahead ---- */

struct dc_built {
    dc_rec *r;
    size_t n, cap;
};

dc_built *dc_built_new(void) {
    return calloc(1, sizeof(dc_built));
}

static void built_release(dc_built *b, size_t from) {
    for (size_t i = from; i < b->n; i++)
        dc__rec_release(&b->r[i]);
    b->n = 0;
}

void dc_built_free(dc_built *b) {
    if (b == NULL) return;
    built_release(b, 0);
    free(b->r);
    free(b);
}

size_t dc_built_size(const dc_built *b) {
    return b->n;
}

int dc_built_add(dc_built *b, const dc_volume *v, tr_err *err) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        dc_rec *r = realloc(b->r, cap * sizeof *r);
        if (r == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        b->r = r;
        b->cap = cap;
    }
    int rc = dc__rec_build(v, &b->r[b->n], err);
    if (rc == TR_OK) b->n++;
    return rc;
}

int dc_engine_insert_built(dc_engine *e, dc_built *b, int64_t *failed, tr_err *err) {
    int rc = TR_OK;
    size_t i = 0;
    pthread_rwlock_wrlock(&e->lock);
    for (; rc == TR_OK && i < b->n; i++) {
        rc = insert_rec(e, &b->r[i], err);
        if (rc != TR_OK && failed) *failed = b->r[i].id;
    }
    pthread_rwlock_unlock(&e->lock);
    built_release(b, i); /* those not inserted; the inserted belong to the engine */
    b->n = 0;
    return rc;
}

int dc_engine_insert(dc_engine *e, const dc_volume *v, tr_err *err) {
    pthread_rwlock_wrlock(&e->lock);
    int rc = dc_engine_insert_held(e, v, err);
    pthread_rwlock_unlock(&e->lock);
    return rc;
}

int dc_engine_remove_held(dc_engine *e, int64_t id) {
    idmap_entry *m = map_find(e, id);
    if (m == NULL) return TR_ENOTFOUND;
    uint32_t slot = m->slot;
    map_erase(e, m);
    dc_rec *r = rec_at(e, slot);
    count(e, r, -1);
    dc__rec_release(r);
    if (e->ix.where[slot] == DC_WHERE_NONE) /* loaded, not indexed yet (invariant 7) */
        e->free_slots[e->nfree++] = slot;
    else
        dc__index_remove(&e->ix, slot);
    return TR_OK;
}

int dc_engine_remove(dc_engine *e, int64_t id) {
    pthread_rwlock_wrlock(&e->lock);
    int rc = dc_engine_remove_held(e, id);
    pthread_rwlock_unlock(&e->lock);
    return rc;
}

/* After a pack (one tree, empty buffer, nothing dead), moves the records into the
 * tree's order (invariant 6). Without memory for the map of moves, nothing moves. */
static void renumber(dc_engine *e) {
    dc_index *ix = &e->ix;
    dc_tree *t = NULL;
    int tj = -1;
    for (int j = 0; j < DC_MAX_TREES; j++) {
        if (ix->trees[j].n == 0) continue;
        if (t != NULL) return;
        t = &ix->trees[j];
        tj = j;
    }
    if (t == NULL || t->ndead || ix->nbuf) return;
    size_t n = t->n, ns = e->nslots;
    uint32_t *to = malloc(ns * sizeof *to); /* to[old slot] = new slot */
    if (to == NULL) return;
    memset(to, 0xFF, ns * sizeof *to);
    for (size_t i = 0; i < n; i++) to[t->slots[i]] = (uint32_t)i;
    size_t next = n;
    for (size_t old = 0; old < ns; old++)
        if (to[old] == UINT32_MAX) to[old] = (uint32_t)next++;
    for (size_t i = 0; i < e->map_cap; i++)
        if (e->map[i].used) e->map[i].slot = to[e->map[i].slot];
    for (size_t i = 0; i < n; i++) t->slots[i] = (uint32_t)i;
    memset(ix->where, DC_WHERE_NONE, ix->slot_cap);
    memset(ix->where, tj, n);
    e->nfree = 0;
    for (size_t s = ns; s-- > n;) e->free_slots[e->nfree++] = (uint32_t)s;
    for (size_t i = 0; i < ns; i++) { /* apply the permutation by swaps, destroying `to` */
        while (to[i] != i) {
            uint32_t d = to[i];
            dc_rec tmp = *rec_at(e, (uint32_t)i);
            *rec_at(e, (uint32_t)i) = *rec_at(e, d);
            *rec_at(e, d) = tmp;
            to[i] = to[d];
            to[d] = d;
        }
    }
    free(to);
}

void dc_engine_load_begin(dc_engine *e) {
    pthread_rwlock_wrlock(&e->lock);
    e->loading = true;
    pthread_rwlock_unlock(&e->lock);
}

static uint64_t loaded_box(void *ctx, uint32_t slot, float box[DC_DIMS]) {
    const dc_rec *r = rec_at(ctx, slot);
    if (!box) return dc__index_key(r);
    dc__index_box(r, box);
    return 0;
}

/* Indexes the records loaded since dc_engine_load_begin (invariant 7). */
static int index_loaded(dc_engine *e) {
    size_t n = 0;
    uint32_t *slots = malloc((e->nslots ? e->nslots : 1) * sizeof *slots);
    if (slots == NULL) return TR_ENOMEM;
    for (size_t s = 0; s < e->nslots; s++)
        if (rec_at(e, (uint32_t)s)->shape != 0 && e->ix.where[s] == DC_WHERE_NONE) slots[n++] = (uint32_t)s;
    int rc = dc__index_bulk(&e->ix, slots, n, loaded_box, e);
    free(slots);
    if (rc == TR_OK) e->loading = false;
    return rc;
}

int dc_engine_pack(dc_engine *e) {
    pthread_rwlock_wrlock(&e->lock);
    int rc = e->loading ? index_loaded(e) : dc__index_pack(&e->ix);
    if (rc == TR_OK) renumber(e);
    pthread_rwlock_unlock(&e->lock);
    return rc;
}

size_t dc_engine_size(dc_engine *e) {
    pthread_rwlock_rdlock(&e->lock);
    size_t n = e->map_n;
    pthread_rwlock_unlock(&e->lock);
    return n;
}

void dc_engine_stats(dc_engine *e, dc_stats *out) {
    pthread_rwlock_rdlock(&e->lock);
    memset(out, 0, sizeof *out);
    out->volumes = e->map_n;
    out->circles = e->ncircles;
    out->polygons = e->npolygons;
    out->vertices = e->nvertices;
    out->trees = dc__index_trees(&e->ix);
    out->buffered = e->ix.nbuf;
    out->dead = dc__index_dead(&e->ix);
    out->bytes_records = e->nchunks * (CHUNK * sizeof(dc_rec) + MALLOC_OVERHEAD) +
                         e->chunk_cap * sizeof(dc_rec *) + e->free_cap * sizeof(uint32_t);
    out->bytes_polygons = e->poly_bytes;
    out->bytes_index = dc__index_bytes(&e->ix);
    out->bytes_idmap = e->map_cap * sizeof(idmap_entry);
    out->bytes_total = out->bytes_records + out->bytes_polygons + out->bytes_index + out->bytes_idmap;
    pthread_rwlock_unlock(&e->lock);
}

int dc_engine_volume_held(dc_engine *e, int64_t id, dc_volume *out) {
    const idmap_entry *m = map_find(e, id);
    if (m == NULL) return TR_ENOTFOUND;
    const dc_rec *r = rec_at(e, m->slot);
    *out = (dc_volume){.id = r->id,
                       .owner = r->owner,
                       .kind = r->kind,
                       .tag = r->tag,
                       .t_start = r->t0,
                       .t_end = r->t1,
                       .alt_lo = r->alo,
                       .alt_hi = r->ahi};
    if (r->shape == DC_CIRCLE) {
        out->foot =
            (dc_footprint){.shape = DC_CIRCLE, .lon = r->u.c.lon, .lat = r->u.c.lat, .radius_m = r->u.c.r};
        return TR_OK;
    }
    const dc_poly *p = r->u.p.p;
    out->foot = (dc_footprint){.shape = DC_POLYGON,
                               .xy = dc__poly_xy(p),
                               .npos = p->npos,
                               .ring_start = p->ring_start,
                               .nrings = p->nrings};
    return TR_OK;
}

/* ---- results ---- */

void dc_result_free(dc_result *r) {
    free(r->hits);
    free(r->tmp_);
    free(r->slots_);
    memset(r, 0, sizeof *r);
}

static int hit_push(dc_result *r, const dc_rec *s) {
    if (r->n == r->cap_) {
        size_t cap = r->cap_ ? 2 * r->cap_ : 64;
        dc_hit *h = realloc(r->hits, cap * sizeof *h);
        if (h == NULL) return TR_ENOMEM;
        r->hits = h;
        dc_hit *t = realloc(r->tmp_, cap * sizeof *t);
        if (t == NULL) return TR_ENOMEM;
        r->tmp_ = t;
        r->cap_ = cap;
    }
    r->hits[r->n++] = (dc_hit){s->id, s->owner, s->kind, s->tag};
    return TR_OK;
}

static inline uint64_t sort_key(int64_t id) {
    return (uint64_t)id ^ (1ull << 63);
}

/* Sorts hits by id: insertion sort when short, else LSD radix sort on the bytes that
 * differ (ids of one engine usually share their high bytes). */
static void sort_hits(dc_result *r) {
    dc_hit *a = r->hits, *b = r->tmp_;
    size_t n = r->n;
    if (n < 48) {
        for (size_t i = 1; i < n; i++) {
            dc_hit x = a[i];
            size_t j = i;
            for (; j > 0 && a[j - 1].id > x.id; j--) a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    uint64_t first = sort_key(a[0].id), diff = 0;
    for (size_t i = 1; i < n; i++) diff |= sort_key(a[i].id) ^ first;
    for (int byte = 0; byte < 8; byte++) {
        int sh = 8 * byte;
        if (((diff >> sh) & 0xff) == 0) continue;
        size_t cnt[256] = {0};
        for (size_t i = 0; i < n; i++) cnt[(sort_key(a[i].id) >> sh) & 0xff]++;
        size_t pos = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = cnt[d];
            cnt[d] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++) b[cnt[(sort_key(a[i].id) >> sh) & 0xff]++] = a[i];
        dc_hit *t = a;
        a = b;
        b = t;
    }
    if (a != r->hits) memcpy(r->hits, a, n * sizeof *a);
}

/* ---- queries ---- */

static int check_sep(const dc_query *q, tr_err *err) {
    double h = q->sep.horizontal_m, v = q->sep.vertical_m;
    if (!(h >= 0 && h <= DC_MAX_SEPARATION_M))
        return tr_fail(err, TR_EINVAL, "separation.horizontal_m", "must be in [0, %g] m", DC_MAX_SEPARATION_M);
    if (!(v >= 0 && v <= DC_MAX_SEPARATION_M))
        return tr_fail(err, TR_EINVAL, "separation.vertical_m", "must be in [0, %g] m", DC_MAX_SEPARATION_M);
    return TR_OK;
}

static int check_query(const dc_query *q, tr_err *err) {
    if (q == NULL || q->vol == NULL) return tr_fail(err, TR_EINVAL, "", "no query volume");
    return check_sep(q, err);
}

static inline bool wanted(const dc_query *q, const dc_rec *s) {
    if (q->kinds && !((q->kinds >> s->kind) & 1)) return false;
    return !(q->exclude_owner != 0 && s->owner == q->exclude_owner);
}

static inline float down2(double x) {
    return nextafterf(dc__f_down(x), -INFINITY);
}

static inline float up2(double x) {
    return nextafterf(dc__f_up(x), INFINITY);
}

/* The index box of the query: its grown footprint box shifted by `shift` degrees, its
 * time window closed, its band grown by v; one float step wider than needed (so the
 * rounding of the doubles' sums cannot lose a candidate). */
static void query_box(const geo_box *g, double shift, const dc_rec *q, double v, float out[DC_DIMS]) {
    out[DC_MINX] = down2(g->minx + shift);
    out[DC_MAXX] = up2(g->maxx + shift);
    out[DC_MINY] = down2(g->miny);
    out[DC_MAXY] = up2(g->maxy);
    out[DC_MINT] = down2(dc__index_time(q->t0));
    out[DC_MAXT] = up2(dc__index_time(q->t1));
    out[DC_MINA] = down2(q->alo - v);
    out[DC_MAXA] = up2(q->ahi + v);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Candidates of the index for every 360-degree copy of g that can meet a stored box. */
static int candidates(dc_engine *e, const geo_box *g, const dc_rec *qr, double v, dc_result *out,
                      size_t *n) {
    float box[DC_DIMS];
    int copies = 0;
    *n = 0;
    for (int k = -1; k <= 1; k++) {
        if (k == -1 && g->maxx < 180) continue;
        if (k == 1 && g->minx + 360 > e->max_maxx) continue;
        query_box(g, 360.0 * k, qr, v, box);
        if (dc__index_query(&e->ix, box, &out->slots_, n, &out->slot_cap_) != TR_OK) return TR_ENOMEM;
        copies++;
    }
    if (copies > 1 && *n > 1) { /* one slot may come from two copies */
        qsort(out->slots_, *n, sizeof *out->slots_, cmp_u32);
        size_t w = 1;
        for (size_t i = 1; i < *n; i++)
            if (out->slots_[i] != out->slots_[w - 1]) out->slots_[w++] = out->slots_[i];
        *n = w;
    }
    return TR_OK;
}

static int run_query(dc_engine *e, const dc_query *q, dc_result *out, bool scan, tr_err *err) {
    out->n = 0;
    out->candidates = 0;
    int rc = check_query(q, err);
    dc_rec qr;
    if (rc == TR_OK) rc = dc__rec_build(q->vol, &qr, err);
    if (rc != TR_OK) {
        if (err) tr_err_prefix(err, "volume");
        return rc;
    }
    geo_box g = dc__box_grow(qr.box, q->sep.horizontal_m);
    size_t n = 0;
    if (!scan) rc = candidates(e, &g, &qr, q->sep.vertical_m, out, &n);
    else n = e->nslots;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        uint32_t slot = scan ? (uint32_t)i : out->slots_[i];
        const dc_rec *s = rec_at(e, slot);
        if (s->shape == 0 || !wanted(q, s)) continue;
        out->candidates++;
        if (dc__pair(&qr, &g, s, &q->sep)) rc = hit_push(out, s);
    }
    dc__rec_release(&qr);
    if (rc != TR_OK) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    sort_hits(out);
    return TR_OK;
}

int dc_engine_query_held(dc_engine *e, const dc_query *q, dc_result *out, tr_err *err) {
    return run_query(e, q, out, false, err);
}

int dc_engine_query(dc_engine *e, const dc_query *q, dc_result *out, tr_err *err) {
    pthread_rwlock_rdlock(&e->lock);
    int rc = run_query(e, q, out, false, err);
    pthread_rwlock_unlock(&e->lock);
    return rc;
}

int dc_engine_query_scan(dc_engine *e, const dc_query *q, dc_result *out, tr_err *err) {
    pthread_rwlock_rdlock(&e->lock);
    int rc = run_query(e, q, out, true, err);
    pthread_rwlock_unlock(&e->lock);
    return rc;
}

int dc_pair_conflict(const dc_volume *q, const dc_volume *s, const dc_sep *sep, bool *out, tr_err *err) {
    dc_query dq = {.vol = q, .sep = *sep};
    int rc = check_query(&dq, err);
    if (rc != TR_OK) return rc;
    dc_rec qr, sr;
    if ((rc = dc__rec_build(q, &qr, err)) != TR_OK) return rc;
    if ((rc = dc__rec_build(s, &sr, err)) != TR_OK) {
        dc__rec_release(&qr);
        return rc;
    }
    geo_box g = dc__box_grow(qr.box, sep->horizontal_m);
    *out = dc__pair(&qr, &g, &sr, sep);
    dc__rec_release(&qr);
    dc__rec_release(&sr);
    return TR_OK;
}

struct dc_prepared {
    dc_rec r;
};

int dc_prepare(const dc_volume *q, dc_prepared **out, tr_err *err) {
    *out = malloc(sizeof **out);
    if (*out == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = dc__rec_build(q, &(*out)->r, err);
    if (rc != TR_OK) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

void dc_prepared_free(dc_prepared *p) {
    if (p == NULL) return;
    dc__rec_release(&p->r);
    free(p);
}

int dc_engine_pair_held(dc_engine *e, const dc_prepared *q, int64_t id, const dc_sep *sep, bool *out,
                        tr_err *err) {
    dc_query dq = {.vol = NULL, .sep = *sep};
    const idmap_entry *m = map_find(e, id);
    if (m == NULL) return tr_fail(err, TR_ENOTFOUND, "id", "no volume %lld", (long long)id);
    int rc = check_sep(&dq, err);
    if (rc != TR_OK) return rc;
    geo_box g = dc__box_grow(q->r.box, sep->horizontal_m);
    *out = dc__pair(&q->r, &g, rec_at(e, m->slot), sep);
    return TR_OK;
}

/* ---- building volumes ---- */

void dc_volume_from_tr(const tr_volume *v, int64_t id, int64_t owner, uint32_t kind, dc_volume *out) {
    memset(out, 0, sizeof *out);
    out->id = id;
    out->owner = owner;
    out->kind = kind;
    out->t_start = v->t_start;
    out->t_end = v->t_end;
    out->alt_lo = v->alt_lo;
    out->alt_hi = v->alt_hi;
    if (v->outline == TR_OUTLINE_CIRCLE) {
        out->foot.shape = DC_CIRCLE;
        out->foot.lon = v->lng;
        out->foot.lat = v->lat;
        out->foot.radius_m = v->radius_m;
    } else {
        out->foot.shape = DC_POLYGON;
        out->foot.xy = v->vertices;
        out->foot.npos = v->nvert;
    }
}

void dc_footprint_buf_free(dc_footprint_buf *b) {
    free(b->xy);
    free(b->ring_start);
    memset(b, 0, sizeof *b);
}

/* Appends the rings of one GeoJSON polygon (array of rings) to b. */
static int add_rings(const json_t *poly, dc_footprint_buf *b, size_t *npos, size_t *nrings,
                     size_t cap_pos, size_t cap_rings, tr_err *err) {
    size_t i, j;
    const json_t *ring, *pos;
    json_array_foreach(poly, i, ring) {
        if (*nrings >= cap_rings) return tr_fail(err, TR_EINVAL, "coordinates", "too many rings");
        b->ring_start[(*nrings)++] = (uint32_t)*npos;
        json_array_foreach(ring, j, pos) {
            const json_t *x = json_array_get(pos, 0), *y = json_array_get(pos, 1);
            if (*npos >= cap_pos || !json_is_number(x) || !json_is_number(y))
                return tr_fail(err, TR_EINVAL, "coordinates", "positions must be [lon, lat] numbers");
            b->xy[2 * *npos] = json_number_value(x);
            b->xy[2 * *npos + 1] = json_number_value(y);
            (*npos)++;
        }
    }
    return TR_OK;
}

int dc_footprint_from_geojson(const json_t *g, dc_footprint_buf *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    const char *type = json_string_value(json_object_get(g, "type"));
    const json_t *c = json_object_get(g, "coordinates");
    bool multi = type && strcmp(type, "MultiPolygon") == 0;
    if (!type || (!multi && strcmp(type, "Polygon") != 0) || !json_is_array(c))
        return tr_fail(err, TR_EINVAL, "type", "a footprint must be a GeoJSON Polygon or MultiPolygon");
    size_t npos = 0, nrings = 0, i, j;
    const json_t *p, *r;
    for (i = 0; i < (multi ? json_array_size(c) : 1); i++) {
        p = multi ? json_array_get(c, i) : c;
        json_array_foreach(p, j, r) {
            nrings++;
            npos += json_array_size(r);
        }
    }
    out->xy = malloc((npos ? npos : 1) * 2 * sizeof *out->xy);
    out->ring_start = malloc((nrings + 1) * sizeof *out->ring_start);
    if (!out->xy || !out->ring_start) {
        dc_footprint_buf_free(out);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    size_t k = 0, nr = 0;
    int rc = TR_OK;
    for (i = 0; rc == TR_OK && i < (multi ? json_array_size(c) : 1); i++)
        rc = add_rings(multi ? json_array_get(c, i) : c, out, &k, &nr, npos, nrings, err);
    if (rc != TR_OK || nr == 0) {
        dc_footprint_buf_free(out);
        return rc != TR_OK ? rc : tr_fail(err, TR_EINVAL, "coordinates", "no rings");
    }
    out->ring_start[nr] = (uint32_t)k;
    out->foot = (dc_footprint){.shape = DC_POLYGON, .xy = out->xy, .npos = k,
                               .ring_start = out->ring_start, .nrings = nr};
    return TR_OK;
}
