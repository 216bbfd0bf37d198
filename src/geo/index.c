/*
 * index.c — geo_index: a packed STR R-tree of boxes plus an unsorted tail.
 *
 * Invariants:
 *  1. Every live id is in exactly one place: the packed leaves (leaf[i], dead[i] == 0)
 *     or the tail; the hash map id -> place says which (loc = 2 * position + in_tail).
 *  2. Packed leaves are in STR order; internal nodes are stored level by level,
 *     bottom first, each node covering NODE_CAP consecutive children, up to one root.
 *  3. Removing a packed entry only sets dead[i]; the next rebuild drops it. Removing
 *     a tail entry moves the last tail entry into its place.
 *  4. The tree is rebuilt from all live entries when the tail exceeds
 *     max(MIN_TAIL, n / 8) or dead entries exceed max(MIN_TAIL, n / 2), n the
 *     number of packed leaves. A rebuild costs O(n log n) and happens at most once
 *     per n / 8 updates, so updates are amortised O(log n). If a rebuild cannot
 *     allocate, the index stays as it was (only slower) and the update still succeeds.
 * Inserting an id that is present replaces its box. A query callback must not modify
 * the index it is called from.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "geo/geo_int.h"

#define NODE_CAP 16
#define MIN_TAIL 64
#define MAX_LEVELS 16
#define EMPTY SIZE_MAX

typedef struct entry {
    geo_box box;
    uint64_t id;
} entry;

typedef struct slot {
    uint64_t id;
    size_t loc; /* 2 * position + in_tail, EMPTY if unused */
} slot;

struct geo_index {
    entry *leaf;   /* packed entries in STR order */
    uint8_t *dead; /* dead[i] != 0: leaf[i] was removed */
    size_t nleaf, ndead;
    geo_box *node;                    /* internal node boxes, all levels, bottom first */
    size_t level_off[MAX_LEVELS + 1]; /* level L is node[level_off[L] .. level_off[L + 1]) */
    int nlevels;
    entry *tail; /* recent inserts, unsorted */
    size_t ntail, tail_cap;
    slot *slots;          /* open addressing, linear probing, power-of-2 size */
    size_t nslots, count; /* count = live entries */
    geo_pgrid *pgrid;     /* point grid over leaf[] (index_grid.c), or NULL */
    uint64_t *leaf_id;    /* leaf[i].id, dense (with pgrid) */
};

/* ---- id -> location map ---- */

static size_t hash_id(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (size_t)x;
}

static slot *map_find(const geo_index *ix, uint64_t id) {
    if (ix->nslots == 0) return NULL;
    size_t mask = ix->nslots - 1;
    for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        if (ix->slots[i].loc == EMPTY) return NULL;
        if (ix->slots[i].id == id) return &ix->slots[i];
    }
}

/* Adds id (not present) with loc; the table has room. */
static void map_put(geo_index *ix, uint64_t id, size_t loc) {
    size_t mask = ix->nslots - 1, i = hash_id(id) & mask;
    while (ix->slots[i].loc != EMPTY)
        i = (i + 1) & mask;
    ix->slots[i].id = id;
    ix->slots[i].loc = loc;
    ix->count++;
}

/* Makes room for one more id (load factor at most 1/2). 0 or TR_ENOMEM. */
static int map_reserve(geo_index *ix) {
    if (2 * (ix->count + 1) <= ix->nslots) return 0;
    size_t n = ix->nslots ? 2 * ix->nslots : 64;
    slot *s = malloc(n * sizeof *s), *old = ix->slots;
    if (s == NULL) return TR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        s[i].loc = EMPTY;
    size_t oldn = ix->nslots;
    ix->slots = s;
    ix->nslots = n;
    ix->count = 0;
    for (size_t i = 0; i < oldn; i++)
        if (old[i].loc != EMPTY) map_put(ix, old[i].id, old[i].loc);
    free(old);
    return 0;
}

/* Deletes slot s by shifting later members of its probe run back. */
static void map_erase(geo_index *ix, slot *s) {
    size_t mask = ix->nslots - 1, i = (size_t)(s - ix->slots), j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (ix->slots[j].loc == EMPTY) break;
        size_t k = hash_id(ix->slots[j].id) & mask;
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        ix->slots[i] = ix->slots[j];
        i = j;
    }
    ix->slots[i].loc = EMPTY;
    ix->count--;
}

/* ---- STR packing ---- */

static double key(double lo, double hi) {
    double c = lo / 2 + hi / 2;
    return isnan(c) ? INFINITY : c;
}

static int cmp_x(const void *a, const void *b) {
    double ka = key(((const entry *)a)->box.minx, ((const entry *)a)->box.maxx);
    double kb = key(((const entry *)b)->box.minx, ((const entry *)b)->box.maxx);
    return (ka > kb) - (ka < kb);
}

static int cmp_y(const void *a, const void *b) {
    double ka = key(((const entry *)a)->box.miny, ((const entry *)a)->box.maxy);
    double kb = key(((const entry *)b)->box.miny, ((const entry *)b)->box.maxy);
    return (ka > kb) - (ka < kb);
}

/* Sort-Tile-Recursive order: vertical slices by x, each sorted by y. */
static void str_sort(entry *e, size_t n) {
    qsort(e, n, sizeof *e, cmp_x);
    size_t leaves = (n + NODE_CAP - 1) / NODE_CAP;
    size_t slices = (size_t)ceil(sqrt((double)leaves));
    size_t per = slices * NODE_CAP;
    for (size_t a = 0; a < n; a += per)
        qsort(e + a, n - a < per ? n - a : per, sizeof *e, cmp_y);
}

static void box_union(geo_box *acc, const geo_box *b) {
    if (b->minx < acc->minx) acc->minx = b->minx;
    if (b->miny < acc->miny) acc->miny = b->miny;
    if (b->maxx > acc->maxx) acc->maxx = b->maxx;
    if (b->maxy > acc->maxy) acc->maxy = b->maxy;
}

/* Node boxes for n leaves: fills node (caller-sized) and the level offsets. */
static int build_levels(const entry *leaf, size_t n, geo_box *node, size_t *off) {
    int levels = 0;
    size_t below = n, at = 0;
    while (below > 1 || levels == 0) {
        size_t count = (below + NODE_CAP - 1) / NODE_CAP;
        off[levels] = at;
        for (size_t i = 0; i < count; i++) {
            size_t c0 = i * NODE_CAP, c1 = c0 + NODE_CAP < below ? c0 + NODE_CAP : below;
            geo_box b = levels == 0 ? leaf[c0].box : node[off[levels - 1] + c0];
            for (size_t c = c0 + 1; c < c1; c++)
                box_union(&b, levels == 0 ? &leaf[c].box : &node[off[levels - 1] + c]);
            node[at + i] = b;
        }
        at += count;
        below = count;
        levels++;
    }
    off[levels] = at;
    return levels;
}

static size_t node_count(size_t n) {
    size_t total = 0;
    do {
        n = (n + NODE_CAP - 1) / NODE_CAP;
        total += n;
    } while (n > 1);
    return total;
}

/* Replaces the point grid by one over the packed leaves (none when out of memory:
 * point queries then search the tree). */
static void build_grid(geo_index *ix) {
    geo__pgrid_free(ix->pgrid);
    free(ix->leaf_id);
    ix->pgrid = NULL;
    ix->leaf_id = malloc((ix->nleaf ? ix->nleaf : 1) * sizeof *ix->leaf_id);
    geo_box *boxes = malloc((ix->nleaf ? ix->nleaf : 1) * sizeof *boxes);
    if (boxes != NULL && ix->leaf_id != NULL && ix->nleaf > 0) {
        for (size_t i = 0; i < ix->nleaf; i++) {
            boxes[i] = ix->leaf[i].box;
            ix->leaf_id[i] = ix->leaf[i].id;
        }
        ix->pgrid = geo__pgrid_build(boxes, ix->nleaf);
    }
    free(boxes);
}

/* Packs every live entry into a new tree. 0 or TR_ENOMEM (index unchanged). */
static int rebuild(geo_index *ix) {
    size_t n = ix->count;
    entry *leaf = malloc((n ? n : 1) * sizeof *leaf);
    uint8_t *dead = calloc(n ? n : 1, 1);
    size_t nnode = n ? node_count(n) : 1;
    geo_box *node = malloc(nnode * sizeof *node);
    if (leaf == NULL || dead == NULL || node == NULL) {
        free(leaf);
        free(dead);
        free(node);
        return TR_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < ix->nleaf; i++)
        if (!ix->dead[i]) leaf[k++] = ix->leaf[i];
    memcpy(leaf + k, ix->tail, ix->ntail * sizeof *leaf);
    str_sort(leaf, n);
    free(ix->leaf);
    free(ix->dead);
    free(ix->node);
    ix->leaf = leaf;
    ix->dead = dead;
    ix->node = node;
    ix->nleaf = n;
    ix->ndead = 0;
    ix->ntail = 0;
    ix->nlevels = n ? build_levels(leaf, n, node, ix->level_off) : 0;
    for (size_t i = 0; i < n; i++)
        map_find(ix, leaf[i].id)->loc = 2 * i;
    build_grid(ix);
    return 0;
}

static void maybe_rebuild(geo_index *ix) {
    size_t n = ix->nleaf;
    if (ix->ntail > (n / 8 > MIN_TAIL ? n / 8 : MIN_TAIL) ||
        ix->ndead > (n / 2 > MIN_TAIL ? n / 2 : MIN_TAIL))
        (void)rebuild(ix); /* on failure the index stays correct, only slower */
}

/* ---- public API ---- */

int geo_index_pack(geo_index *ix) {
    if (ix->ntail == 0 && ix->ndead == 0) return 0;
    return rebuild(ix) ? TR_ENOMEM : 0;
}

geo_index *geo_index_new(void) {
    return calloc(1, sizeof(geo_index));
}

void geo_index_free(geo_index *ix) {
    if (ix == NULL) return;
    TR_FREE(ix->leaf, ix->dead, ix->node, ix->tail, ix->slots);
    geo__pgrid_free(ix->pgrid);
    free(ix->leaf_id);
    free(ix);
}

size_t geo_index_size(const geo_index *ix) {
    return ix->count;
}

static int tail_reserve(geo_index *ix) {
    if (ix->ntail < ix->tail_cap) return 0;
    size_t cap = ix->tail_cap ? 2 * ix->tail_cap : MIN_TAIL;
    entry *t = realloc(ix->tail, cap * sizeof *t);
    if (t == NULL) return TR_ENOMEM;
    ix->tail = t;
    ix->tail_cap = cap;
    return 0;
}

int geo_index_insert(geo_index *ix, geo_box box, uint64_t id) {
    slot *s = map_find(ix, id);
    if (s != NULL && (s->loc & 1)) { /* already in the tail: replace the box */
        ix->tail[s->loc / 2].box = box;
        return 0;
    }
    if (tail_reserve(ix) != 0 || (s == NULL && map_reserve(ix) != 0)) return TR_ENOMEM;
    size_t loc = 2 * ix->ntail + 1;
    ix->tail[ix->ntail++] = (entry){box, id};
    if (s != NULL) { /* replacing a packed entry */
        ix->dead[s->loc / 2] = 1;
        ix->ndead++;
        s->loc = loc;
    } else {
        map_put(ix, id, loc);
    }
    maybe_rebuild(ix);
    return 0;
}

void geo_index_remove(geo_index *ix, uint64_t id) {
    slot *s = map_find(ix, id);
    if (s == NULL) return;
    size_t pos = s->loc / 2;
    if (s->loc & 1) {
        entry last = ix->tail[--ix->ntail];
        if (pos < ix->ntail) {
            ix->tail[pos] = last;
            map_find(ix, last.id)->loc = 2 * pos + 1;
        }
    } else {
        ix->dead[pos] = 1;
        ix->ndead++;
    }
    map_erase(ix, s);
    maybe_rebuild(ix);
}

static bool meets(const geo_box *a, const geo_box *q) {
    return a->minx <= q->maxx && q->minx <= a->maxx && a->miny <= q->maxy && q->miny <= a->maxy;
}

/* Visits children [lo, hi) of the given level (-1: the leaves). */
static int search(const geo_index *ix, int level, size_t lo, size_t hi, const geo_box *q, geo_index_fn fn,
                  void *ctx) {
    if (level < 0) {
        for (size_t i = lo; i < hi; i++) {
            if (ix->dead[i] || !meets(&ix->leaf[i].box, q)) continue;
            int rc = fn(ix->leaf[i].id, ctx);
            if (rc != 0) return rc;
        }
        return 0;
    }
    const geo_box *nodes = ix->node + ix->level_off[level];
    size_t below = level == 0 ? ix->nleaf : ix->level_off[level] - ix->level_off[level - 1];
    for (size_t i = lo; i < hi; i++) {
        if (!meets(&nodes[i], q)) continue;
        size_t c0 = i * NODE_CAP, c1 = c0 + NODE_CAP < below ? c0 + NODE_CAP : below;
        int rc = search(ix, level - 1, c0, c1, q, fn, ctx);
        if (rc != 0) return rc;
    }
    return 0;
}

int geo_index_query_box(const geo_index *ix, geo_box q, geo_index_fn fn, void *ctx) {
    if (ix->nlevels > 0) {
        int top = ix->nlevels - 1;
        size_t n = ix->level_off[top + 1] - ix->level_off[top];
        int rc = search(ix, top, 0, n, &q, fn, ctx);
        if (rc != 0) return rc;
    }
    for (size_t i = 0; i < ix->ntail; i++) {
        if (!meets(&ix->tail[i].box, &q)) continue;
        int rc = fn(ix->tail[i].id, ctx);
        if (rc != 0) return rc;
    }
    return 0;
}

static int tail_point(const geo_index *ix, double x, double y, geo_index_fn fn, void *ctx) {
    for (size_t i = 0; i < ix->ntail; i++) {
        const geo_box *b = &ix->tail[i].box;
        if (!(x >= b->minx && x <= b->maxx && y >= b->miny && y <= b->maxy)) continue;
        int rc = fn(ix->tail[i].id, ctx);
        if (rc != 0) return rc;
    }
    return 0;
}

/* Through the point grid when the point is inside it (float filter, then the exact box
 * and the dead flag), else through the tree. */
int geo_index_query_point(const geo_index *ix, double x, double y, geo_index_fn fn, void *ctx) {
    const geo_pg_entry *e;
    size_t n;
    if (ix->pgrid == NULL || !geo__pgrid_cell(ix->pgrid, x, y, &e, &n))
        return geo_index_query_box(ix, (geo_box){x, y, x, y}, fn, ctx);
    float fx = (float)x, fy = (float)y;
    for (size_t i = 0; i < n; i++) {
        if (!(fx >= e[i].minx && fx <= e[i].maxx && fy >= e[i].miny && fy <= e[i].maxy)) continue;
        const entry *l = &ix->leaf[e[i].pos];
        if (ix->dead[e[i].pos] ||
            !(x >= l->box.minx && x <= l->box.maxx && y >= l->box.miny && y <= l->box.maxy))
            continue;
        int rc = fn(l->id, ctx);
        if (rc != 0) return rc;
    }
    return tail_point(ix, x, y, fn, ctx);
}

typedef struct collector {
    uint64_t *ids;
    size_t cap, n;
} collector;

static int collect(uint64_t id, void *ctx) {
    collector *c = ctx;
    if (c->n < c->cap) c->ids[c->n] = id;
    c->n++;
    return 0;
}

/* The grid's cell list, without branches on the data: positions of the float hits go
 * to ids (as far as cap), then become ids, the dead ones dropped. The test compares
 * floats (geo_pg_entry). */
size_t geo_index_point_candidates(const geo_index *ix, double x, double y, uint64_t *ids, size_t cap) {
    const geo_pg_entry *e;
    size_t n, k = 0;
    if (ix->pgrid == NULL || !geo__pgrid_cell(ix->pgrid, x, y, &e, &n)) {
        collector c = {ids, cap, 0};
        (void)geo_index_query_point(ix, x, y, collect, &c);
        return c.n;
    }
    float fx = (float)x, fy = (float)y; /* monotone rounding: see geo_pg_entry */
    for (size_t i = 0; i < n; i++) {
        size_t in = (fx >= e[i].minx) & (fx <= e[i].maxx) & (fy >= e[i].miny) & (fy <= e[i].maxy);
        if (k < cap) ids[k] = e[i].pos;
        k += in;
    }
    collector c = {NULL, 0, 0};
    if (k > cap) { /* too many: count them (dead ones too), the caller asks again */
        (void)tail_point(ix, x, y, collect, &c);
        return k + c.n;
    }
    size_t live = 0;
    for (size_t i = 0; i < k; i++)
        if (!ix->dead[ids[i]]) ids[live++] = ix->leaf_id[ids[i]];
    c = (collector){ids + live, cap - live, 0};
    (void)tail_point(ix, x, y, collect, &c);
    return live + c.n;
}
