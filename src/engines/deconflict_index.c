/*
 * deconflict_index.c — the deconfliction engine's index: 4-D boxes (lon, lat, time,
 * altitude) in packed R-trees of 16-wide blocks, in Hilbert order, kept as a
 * logarithmic set of static trees plus an unsorted insert buffer (Bentley-Saxe).
 *
 * Invariants:
 *  1. Every indexed slot is in exactly one place, where[slot] says which: the buffer
 *     (DC_WHERE_BUF) or tree j. A slot removed from a tree keeps its entry there, marked
 *     in the dead bitmap, until that tree is rebuilt; only then is it purged (handed back
 *     to the engine through the purge callback) and may be reused.
 *  2. A tree's entries are sorted by Hilbert key (3-D: box centre lon, lat and time
 *     centre, 21 bits each; 1 cell = 360/2^21 degrees ~ 19 m, and 32 s — "1 km ~ 28
 *     min", the ratio of a typical footprint to a typical window). Sorted runs merge in
 *     linear time, so no rebuild ever sorts more than the 512-entry buffer.
 *  3. Tree j holds at most DC_BUF_CAP << (j + 1) live entries. A full buffer is merged
 *     with trees 0..j into tree j, j the first level where they fit: each entry is
 *     merged O(log(n / DC_BUF_CAP)) times, inserts are amortised O(log n), and a query
 *     visits the buffer and at most ~log2(n / DC_BUF_CAP) trees.
 *  4. A tree's blocks are stored leaves first, then each upper level; lane i of block j
 *     at level l > 0 holds the union box of block 16 j + i at level l - 1. Unused lanes
 *     hold the empty box, which no query box meets.
 *  5. Boxes are floats rounded outward from the doubles, so the index returns a superset
 *     of the exact box test; the exact tests (deconflict_geom.c) decide. Times are
 *     stored relative to DC_TIME_BASE (2025), where a float still resolves 8 s, not
 *     the 128 s it would at 1.7e9 s since 1970.
 *  6. A tree with more than half of its entries dead is rebuilt alone at once. If a
 *     merge cannot allocate, the index stays as it was: the insert fails cleanly, a
 *     removal-triggered rebuild is simply skipped.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/timeutil.h"
#include "engines/deconflict_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define KEY_BITS 21
#define KEY_MASK ((1u << KEY_BITS) - 1)
#define KEY_DEG_PER_CELL (360.0 / (1u << KEY_BITS))
#define KEY_SEC_SHIFT 5 /* 32 s per time cell */
#define MAX_OPEN_SPAN (30 * 86400)
#define BUF_BLOCKS (DC_BUF_CAP / DC_LANES)

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

/* ---- boxes and keys ---- */

void dc__index_box(const dc_rec *r, float box[DC_DIMS]) {
    box[DC_MINX] = dc__f_down(r->box.minx);
    box[DC_MAXX] = dc__f_up(r->box.maxx);
    box[DC_MINY] = dc__f_down(r->box.miny);
    box[DC_MAXY] = dc__f_up(r->box.maxy);
    box[DC_MINT] = dc__f_down(dc__index_time(r->t0));
    box[DC_MAXT] = dc__f_up(dc__index_time(r->t1));
    box[DC_MINA] = dc__f_down(r->alo);
    box[DC_MAXA] = dc__f_up(r->ahi);
}

/* Spreads the low 21 bits of x to every third bit. */
static inline uint64_t spread3(uint64_t x) {
    x &= 0x1fffff;
    x = (x | x << 32) & 0x1f00000000ffffull;
    x = (x | x << 16) & 0x1f0000ff0000ffull;
    x = (x | x << 8) & 0x100f00f00f00f00full;
    x = (x | x << 4) & 0x10c30c30c30c30c3ull;
    x = (x | x << 2) & 0x1249249249249249ull;
    return x;
}

/* Hilbert index of a 3-D cell (Skilling, "Programming the Hilbert curve", 2004). */
static uint64_t hilbert3(uint32_t x, uint32_t y, uint32_t z) {
    uint32_t X[3] = {x, y, z}, t;
    for (uint32_t q = 1u << (KEY_BITS - 1); q > 1; q >>= 1) {
        uint32_t p = q - 1;
        for (int i = 0; i < 3; i++) {
            if (X[i] & q) {
                X[0] ^= p;
            } else {
                t = (X[0] ^ X[i]) & p;
                X[0] ^= t;
                X[i] ^= t;
            }
        }
    }
    X[1] ^= X[0];
    X[2] ^= X[1];
    t = 0;
    for (uint32_t q = 1u << (KEY_BITS - 1); q > 1; q >>= 1)
        if (X[2] & q) t ^= q - 1;
    for (int i = 0; i < 3; i++) X[i] ^= t;
    return spread3(X[0]) << 2 | spread3(X[1]) << 1 | spread3(X[2]);
}

static inline uint32_t cell(double deg) {
    return (uint32_t)(int64_t)floor(deg / KEY_DEG_PER_CELL) & KEY_MASK;
}

uint64_t dc__index_key(const dc_rec *r) {
    int64_t t0 = r->t0, t1 = r->t1, tc;
    if (t0 == TR_TIME_MIN && t1 == TR_TIME_OPEN) tc = 0;
    else if (t0 == TR_TIME_MIN) tc = t1 - MAX_OPEN_SPAN / 2;
    else if (t1 == TR_TIME_OPEN || t1 - t0 > MAX_OPEN_SPAN) tc = t0 + MAX_OPEN_SPAN / 2;
    else tc = t0 + (t1 - t0) / 2;
    uint32_t z = (uint32_t)((uint64_t)(tc >> KEY_SEC_SHIFT) & KEY_MASK);
    double cx = r->box.minx / 2 + r->box.maxx / 2 + 180, cy = r->box.miny / 2 + r->box.maxy / 2 + 90;
    return hilbert3(cell(cx), cell(cy), z);
}

/* ---- blocks ---- */

static void block_clear(dc_block *b) {
    for (int i = 0; i < DC_LANES; i++) {
        for (int d = 0; d < DC_DIMS; d += 2) {
            b->v[d][i] = INFINITY;
            b->v[d + 1][i] = -INFINITY;
        }
    }
}

static inline void lane_set(dc_block *b, int lane, const float box[DC_DIMS]) {
    for (int d = 0; d < DC_DIMS; d++) b->v[d][lane] = box[d];
}

static inline void lane_get(const dc_block *b, int lane, float box[DC_DIMS]) {
    for (int d = 0; d < DC_DIMS; d++) box[d] = b->v[d][lane];
}

/* The union of the 16 lanes of b. */
static void block_union(const dc_block *b, float box[DC_DIMS]) {
    for (int d = 0; d < DC_DIMS; d += 2) {
        float lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < DC_LANES; i++) {
            lo = fminf(lo, b->v[d][i]);
            hi = fmaxf(hi, b->v[d + 1][i]);
        }
        box[d] = lo;
        box[d + 1] = hi;
    }
}

static inline unsigned movemask4(v4i x) {
#if defined(__SSE2__)
    return (unsigned)_mm_movemask_ps((__m128)x);
#else
    return (unsigned)((x[0] & 1) | (x[1] & 2) | (x[2] & 4) | (x[3] & 8));
#endif
}

static inline v4f load4(const float *p) {
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Bit i set when lane i of b meets the query box on dimension pair d (min at d, max at
 * d + 1). */
static inline unsigned pair_mask(const dc_block *b, const v4f qv[DC_DIMS], int d) {
    unsigned m = 0;
    for (int g = 0; g < DC_LANES; g += 4) {
        v4i ok = (load4(&b->v[d][g]) <= qv[d + 1]) & (load4(&b->v[d + 1][g]) >= qv[d]);
        m |= movemask4(ok) << g;
    }
    return m;
}

/* Bit i set when lane i of b meets the query box (each q[d] splatted into qv[d]). The
 * dimensions are tested one pair at a time, most selective first, and the rest of the
 * block is not read once no lane is left: a block is 8 cache lines. */
static inline unsigned block_mask(const dc_block *b, const v4f qv[DC_DIMS]) {
    unsigned m = pair_mask(b, qv, DC_MINT);
    if (m) m &= pair_mask(b, qv, DC_MINX);
    if (m) m &= pair_mask(b, qv, DC_MINY);
    if (m) m &= pair_mask(b, qv, DC_MINA);
    return m;
}

/* ---- trees ---- */

static void tree_free(dc_tree *t) {
    free(t->keys);
    free(t->slots);
    free(t->blocks);
    memset(t, 0, sizeof *t);
}

/* Allocates a tree for n > 0 entries, every block empty. */
static int tree_alloc(dc_tree *t, size_t n) {
    memset(t, 0, sizeof *t);
    size_t nb = (n + DC_LANES - 1) / DC_LANES, total = 0;
    for (;;) {
        t->lvl_off[t->height] = total;
        t->lvl_n[t->height] = nb;
        total += nb;
        t->height++;
        if (nb == 1 || t->height == DC_MAX_HEIGHT) break;
        nb = (nb + DC_LANES - 1) / DC_LANES;
    }
    t->keys = malloc(n * sizeof *t->keys);
    t->slots = malloc(n * sizeof *t->slots);
    t->blocks = aligned_alloc(64, total * sizeof *t->blocks);
    if (!t->keys || !t->slots || !t->blocks) {
        tree_free(t);
        return TR_ENOMEM;
    }
    for (size_t i = 0; i < total; i++) block_clear(&t->blocks[i]);
    t->n = n;
    return TR_OK;
}

/* Fills the upper levels from the leaves (invariant 4). */
static void tree_finish(dc_tree *t) {
    float box[DC_DIMS];
    for (int l = 1; l < t->height; l++) {
        dc_block *below = t->blocks + t->lvl_off[l - 1], *level = t->blocks + t->lvl_off[l];
        for (size_t c = 0; c < t->lvl_n[l - 1]; c++) {
            block_union(&below[c], box);
            lane_set(&level[c / DC_LANES], (int)(c % DC_LANES), box);
        }
    }
}

static size_t tree_live(const dc_tree *t) {
    return t->n - t->ndead;
}

/* ---- merging sorted runs ---- */

typedef struct run {
    const uint64_t *keys;
    const uint32_t *slots;
    const dc_block *leaves;
    size_t n, pos;
    bool may_be_dead;
} run;

/* Sorts the buffer by key (insertion sort: at most DC_BUF_CAP entries). */
static void buf_sort(dc_index *ix) {
    float box[DC_DIMS], cur[DC_DIMS];
    for (size_t i = 1; i < ix->nbuf; i++) {
        uint64_t k = ix->buf_keys[i];
        uint32_t s = ix->buf_slots[i];
        lane_get(&ix->buf[i / DC_LANES], (int)(i % DC_LANES), cur);
        size_t j = i;
        for (; j > 0 && ix->buf_keys[j - 1] > k; j--) {
            ix->buf_keys[j] = ix->buf_keys[j - 1];
            ix->buf_slots[j] = ix->buf_slots[j - 1];
            lane_get(&ix->buf[(j - 1) / DC_LANES], (int)((j - 1) % DC_LANES), box);
            lane_set(&ix->buf[j / DC_LANES], (int)(j % DC_LANES), box);
        }
        ix->buf_keys[j] = k;
        ix->buf_slots[j] = s;
        lane_set(&ix->buf[j / DC_LANES], (int)(j % DC_LANES), cur);
    }
}

static void clear_dead(dc_index *ix, uint32_t slot) {
    ix->dead[slot >> 6] &= ~(1ull << (slot & 63));
}

/* Merges the buffer (if with_buf) and the trees in `trees` (a bit mask) into tree dst,
 * dropping and purging dead entries (invariants 1-3). dst is in `trees` or empty. */
static int merge(dc_index *ix, int dst, uint64_t trees, bool with_buf) {
    run runs[DC_MAX_TREES + 1];
    size_t nruns = 0, total = 0;
    if (with_buf && ix->nbuf) {
        buf_sort(ix);
        runs[nruns++] = (run){ix->buf_keys, ix->buf_slots, ix->buf, ix->nbuf, 0, false};
        total += ix->nbuf;
    }
    for (int j = 0; j < DC_MAX_TREES; j++) {
        const dc_tree *t = &ix->trees[j];
        if (!((trees >> j) & 1) || t->n == 0) continue;
        runs[nruns++] = (run){t->keys, t->slots, t->blocks, t->n, 0, t->ndead > 0};
        total += tree_live(t);
    }
    dc_tree nt = {0};
    if (total > 0 && tree_alloc(&nt, total) != TR_OK) return TR_ENOMEM;
    size_t out = 0;
    float box[DC_DIMS];
    for (;;) {
        run *best = NULL;
        for (size_t r = 0; r < nruns; r++)
            if (runs[r].pos < runs[r].n && (!best || runs[r].keys[runs[r].pos] < best->keys[best->pos]))
                best = &runs[r];
        if (best == NULL) break;
        size_t i = best->pos++;
        uint32_t slot = best->slots[i];
        if (best->may_be_dead && dc__is_dead(ix, slot)) {
            clear_dead(ix, slot);
            ix->where[slot] = DC_WHERE_NONE;
            ix->purge(ix->purge_ctx, slot);
            continue;
        }
        lane_get(&best->leaves[i / DC_LANES], (int)(i % DC_LANES), box);
        nt.keys[out] = best->keys[i];
        nt.slots[out] = slot;
        lane_set(&nt.blocks[out / DC_LANES], (int)(out % DC_LANES), box);
        ix->where[slot] = (uint8_t)dst;
        out++;
    }
    if (nt.n) tree_finish(&nt);
    for (int j = 0; j < DC_MAX_TREES; j++)
        if ((trees >> j) & 1) tree_free(&ix->trees[j]);
    if (with_buf) {
        ix->nbuf = 0;
        for (int b = 0; b < BUF_BLOCKS; b++) block_clear(&ix->buf[b]);
    }
    ix->trees[dst] = nt;
    return TR_OK;
}

static size_t cap_of(int j) {
    return (size_t)DC_BUF_CAP << (j + 1);
}

/* Empties the full buffer into the first tree level where it fits (invariant 3). */
static int flush(dc_index *ix) {
    size_t acc = ix->nbuf;
    uint64_t mask = 0;
    for (int j = 0; j < DC_MAX_TREES; j++) {
        acc += tree_live(&ix->trees[j]);
        mask |= 1ull << j;
        if (acc <= cap_of(j) || j == DC_MAX_TREES - 1) return merge(ix, j, mask, true);
    }
    return TR_OK;
}

/* ---- the public (engine-internal) interface ---- */

int dc__index_init(dc_index *ix, dc_purge_fn purge, void *ctx) {
    memset(ix, 0, sizeof *ix);
    ix->purge = purge;
    ix->purge_ctx = ctx;
    ix->buf = aligned_alloc(64, BUF_BLOCKS * sizeof *ix->buf);
    ix->buf_keys = malloc(DC_BUF_CAP * sizeof *ix->buf_keys);
    ix->buf_slots = malloc(DC_BUF_CAP * sizeof *ix->buf_slots);
    if (!ix->buf || !ix->buf_keys || !ix->buf_slots) {
        dc__index_free(ix);
        return TR_ENOMEM;
    }
    for (int b = 0; b < BUF_BLOCKS; b++) block_clear(&ix->buf[b]);
    return TR_OK;
}

void dc__index_free(dc_index *ix) {
    for (int j = 0; j < DC_MAX_TREES; j++) tree_free(&ix->trees[j]);
    TR_FREE(ix->buf, ix->buf_keys, ix->buf_slots, ix->where, ix->dead);
    memset(ix, 0, sizeof *ix);
}

int dc__index_reserve(dc_index *ix, size_t n) {
    if (n <= ix->slot_cap) return TR_OK;
    size_t cap = ix->slot_cap ? ix->slot_cap : 1024;
    while (cap < n) cap *= 2;
    uint8_t *w = realloc(ix->where, cap);
    if (w == NULL) return TR_ENOMEM;
    ix->where = w;
    uint64_t *d = realloc(ix->dead, cap / 64 * sizeof *d);
    if (d == NULL) return TR_ENOMEM;
    ix->dead = d;
    memset(ix->where + ix->slot_cap, DC_WHERE_NONE, cap - ix->slot_cap);
    memset(ix->dead + ix->slot_cap / 64, 0, (cap - ix->slot_cap) / 64 * sizeof *d);
    ix->slot_cap = cap;
    return TR_OK;
}

int dc__index_insert(dc_index *ix, uint32_t slot, const float box[DC_DIMS], uint64_t key) {
    if (ix->nbuf == DC_BUF_CAP && flush(ix) != TR_OK) return TR_ENOMEM;
    size_t i = ix->nbuf++;
    lane_set(&ix->buf[i / DC_LANES], (int)(i % DC_LANES), box);
    ix->buf_keys[i] = key;
    ix->buf_slots[i] = slot;
    ix->where[slot] = DC_WHERE_BUF;
    return TR_OK;
}

void dc__index_remove(dc_index *ix, uint32_t slot) {
    uint8_t w = ix->where[slot];
    if (w == DC_WHERE_BUF) {
        size_t i = 0, last = ix->nbuf - 1;
        while (ix->buf_slots[i] != slot) i++;
        float box[DC_DIMS];
        lane_get(&ix->buf[last / DC_LANES], (int)(last % DC_LANES), box);
        lane_set(&ix->buf[i / DC_LANES], (int)(i % DC_LANES), box);
        ix->buf_keys[i] = ix->buf_keys[last];
        ix->buf_slots[i] = ix->buf_slots[last];
        for (int d = 0; d < DC_DIMS; d += 2) {
            ix->buf[last / DC_LANES].v[d][last % DC_LANES] = INFINITY;
            ix->buf[last / DC_LANES].v[d + 1][last % DC_LANES] = -INFINITY;
        }
        ix->nbuf--;
        ix->where[slot] = DC_WHERE_NONE;
        ix->purge(ix->purge_ctx, slot);
    } else if (w < DC_MAX_TREES) {
        dc_tree *t = &ix->trees[w];
        ix->dead[slot >> 6] |= 1ull << (slot & 63);
        t->ndead++;
        if (t->ndead * 2 > t->n) (void)merge(ix, w, 1ull << w, false); /* invariant 6 */
    }
}

int dc__index_pack(dc_index *ix) {
    size_t total = ix->nbuf;
    int top = -1, used = 0;
    uint64_t mask = 0;
    for (int j = 0; j < DC_MAX_TREES; j++) {
        if (ix->trees[j].n == 0) continue;
        total += tree_live(&ix->trees[j]);
        top = j;
        used++;
        mask |= 1ull << j;
    }
    if (ix->nbuf == 0 && used <= 1 && (top < 0 || ix->trees[top].ndead == 0)) return TR_OK;
    int dst = 0;
    while (dst < DC_MAX_TREES - 1 && cap_of(dst) < total) dst++;
    if (dst < top) dst = top;
    return merge(ix, dst, mask, true);
}

/* ---- bulk loading ---- */

typedef struct keyed {
    uint64_t key;
    uint32_t slot;
} keyed;

/* Sorts v[n] by key (stable LSD radix sort, 11 bits a pass, on the bits that differ). */
static int sort_keyed(keyed *v, size_t n) {
    keyed *tmp = malloc(n * sizeof *tmp), *a = v, *b = tmp;
    if (tmp == NULL) return TR_ENOMEM;
    uint64_t diff = 0;
    for (size_t i = 1; i < n; i++)
        diff |= v[i].key ^ v[0].key;
    for (int sh = 0; sh < 64; sh += 11) {
        if (((diff >> sh) & 0x7FF) == 0) continue;
        size_t *cnt = calloc(2048, sizeof *cnt);
        if (cnt == NULL) {
            free(tmp);
            return TR_ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
            cnt[(a[i].key >> sh) & 0x7FF]++;
        for (size_t d = 0, pos = 0; d < 2048; d++) {
            size_t c = cnt[d];
            cnt[d] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            b[cnt[(a[i].key >> sh) & 0x7FF]++] = a[i];
        free(cnt);
        keyed *t = a;
        a = b;
        b = t;
    }
    if (a != v) memcpy(v, a, n * sizeof *v);
    free(tmp);
    return TR_OK;
}

int dc__index_bulk(dc_index *ix, const uint32_t *slots, size_t n, dc_box_fn box_of, void *ctx) {
    int j = 0;
    while (j < DC_MAX_TREES - 1 && (cap_of(j) < n || ix->trees[j].n))
        j++;
    if (n == 0) return TR_OK;
    if (ix->trees[j].n) return TR_ENOMEM; /* every level taken: cannot happen below 2^49 entries */
    keyed *v = malloc(n * sizeof *v);
    dc_tree t = {0};
    float box[DC_DIMS];
    if (v == NULL || tree_alloc(&t, n) != TR_OK) {
        free(v);
        return TR_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (keyed){box_of(ctx, slots[i], NULL), slots[i]};
    if (sort_keyed(v, n) != TR_OK) {
        free(v);
        tree_free(&t);
        return TR_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        box_of(ctx, v[i].slot, box);
        t.keys[i] = v[i].key;
        t.slots[i] = v[i].slot;
        lane_set(&t.blocks[i / DC_LANES], (int)(i % DC_LANES), box);
        ix->where[v[i].slot] = (uint8_t)j;
    }
    free(v);
    tree_finish(&t);
    ix->trees[j] = t;
    return dc__index_pack(ix);
}

static int push_slot(uint32_t **slots, size_t *n, size_t *cap, uint32_t s) {
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        uint32_t *p = realloc(*slots, c * sizeof *p);
        if (p == NULL) return TR_ENOMEM;
        *slots = p;
        *cap = c;
    }
    (*slots)[(*n)++] = s;
    return TR_OK;
}

typedef struct frame {
    uint32_t level;
    uint32_t block;
} frame;

static int tree_walk(const dc_index *ix, const dc_tree *t, const v4f qv[DC_DIMS], frame *stack,
                     size_t top, uint32_t **slots, size_t *n, size_t *cap);

static int tree_query(const dc_index *ix, const dc_tree *t, const v4f qv[DC_DIMS], uint32_t **slots,
                      size_t *n, size_t *cap) {
    frame stack[DC_MAX_HEIGHT * DC_LANES];
    int root = t->height - 1;
    for (size_t r = 0; r < t->lvl_n[root]; r++) {
        size_t top = 0;
        stack[top++] = (frame){(uint32_t)root, (uint32_t)r};
        int rc = tree_walk(ix, t, qv, stack, top, slots, n, cap);
        if (rc != TR_OK) return rc;
    }
    return TR_OK;
}

static int tree_walk(const dc_index *ix, const dc_tree *t, const v4f qv[DC_DIMS], frame *stack,
                     size_t top, uint32_t **slots, size_t *n, size_t *cap) {
    while (top > 0) {
        frame f = stack[--top];
        const dc_block *b = t->blocks + t->lvl_off[f.level] + f.block;
        unsigned m = block_mask(b, qv);
        while (m) {
            unsigned i = (unsigned)__builtin_ctz(m);
            m &= m - 1;
            size_t child = (size_t)f.block * DC_LANES + i;
            if (f.level > 0) {
                stack[top++] = (frame){f.level - 1, (uint32_t)child};
                continue;
            }
            uint32_t s = t->slots[child];
            if (t->ndead && dc__is_dead(ix, s)) continue;
            if (push_slot(slots, n, cap, s) != TR_OK) return TR_ENOMEM;
        }
    }
    return TR_OK;
}

int dc__index_query(const dc_index *ix, const float q[DC_DIMS], uint32_t **slots, size_t *n,
                    size_t *cap) {
    v4f qv[DC_DIMS];
    for (int d = 0; d < DC_DIMS; d++) qv[d] = (v4f){q[d], q[d], q[d], q[d]};
    for (size_t b = 0; b * DC_LANES < ix->nbuf; b++) {
        unsigned m = block_mask(&ix->buf[b], qv);
        while (m) {
            unsigned i = (unsigned)__builtin_ctz(m);
            m &= m - 1;
            if (push_slot(slots, n, cap, ix->buf_slots[b * DC_LANES + i]) != TR_OK) return TR_ENOMEM;
        }
    }
    for (int j = 0; j < DC_MAX_TREES; j++) {
        const dc_tree *t = &ix->trees[j];
        if (t->height > 0 && tree_query(ix, t, qv, slots, n, cap) != TR_OK) return TR_ENOMEM;
    }
    return TR_OK;
}

size_t dc__index_bytes(const dc_index *ix) {
    size_t bytes = BUF_BLOCKS * sizeof(dc_block) + DC_BUF_CAP * (sizeof(uint64_t) + sizeof(uint32_t));
    bytes += ix->slot_cap + ix->slot_cap / 8;
    for (int j = 0; j < DC_MAX_TREES; j++) {
        const dc_tree *t = &ix->trees[j];
        if (t->height == 0) continue;
        size_t blocks = t->lvl_off[t->height - 1] + t->lvl_n[t->height - 1];
        bytes += blocks * sizeof(dc_block) + t->n * (sizeof(uint64_t) + sizeof(uint32_t));
    }
    return bytes;
}

size_t dc__index_trees(const dc_index *ix) {
    size_t n = 0;
    for (int j = 0; j < DC_MAX_TREES; j++) n += ix->trees[j].n > 0;
    return n;
}

size_t dc__index_dead(const dc_index *ix) {
    size_t n = 0;
    for (int j = 0; j < DC_MAX_TREES; j++) n += ix->trees[j].ndead;
    return n;
}
