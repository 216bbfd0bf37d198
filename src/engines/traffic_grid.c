/*
 * traffic_grid.c — a uniform grid of lon/lat cells for the traffic engine: each cell
 * lists the slots (tracks, or object parts) whose box meets it. Cells live in an
 * open-addressing table keyed by (column, row) and are created on first use; columns wrap
 * at the anti-meridian. A box covering more than TF_GRID_WIDE cells is kept in one
 * "wide" list that every query visits instead (a country-sized no-strike area).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engines/traffic_int.h"

#define TF_GRID_WIDE 4096

typedef struct cell {
    uint64_t key; /* (row << 32 | column) + 1; 0 = empty slot of the table */
    uint32_t *v;
    uint32_t n, cap;
} cell;

struct tf_grid {
    double size;
    int32_t ncols, nrows;
    cell *t; /* cap entries, a power of two */
    size_t cap, used;
    cell wide; /* boxes too large for cells */
};

tf_grid *tf_grid_new(double cell_deg) {
    tf_grid *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->size = cell_deg;
    g->ncols = (int32_t)ceil(360 / cell_deg);
    g->nrows = (int32_t)ceil(180 / cell_deg) + 1;
    return g;
}

void tf_grid_free(tf_grid *g) {
    if (!g) return;
    for (size_t i = 0; i < g->cap; i++)
        free(g->t[i].v);
    free(g->t);
    free(g->wide.v);
    free(g);
}

static int32_t clampi(double v, int32_t lo, int32_t hi) {
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

tf_cells tf_grid_cells(const tf_grid *g, const double box[4]) {
    tf_cells c;
    c.cx0 = (int32_t)floor((fmax(box[0], -540) + 180) / g->size);
    c.cx1 = (int32_t)floor((fmin(box[2], 540) + 180) / g->size);
    if (c.cx1 - c.cx0 + 1 >= g->ncols) c.cx0 = 0, c.cx1 = g->ncols - 1;
    c.cy0 = clampi(floor((box[1] + 90) / g->size), 0, g->nrows - 1);
    c.cy1 = clampi(floor((box[3] + 90) / g->size), 0, g->nrows - 1);
    return c;
}

bool tf_cells_equal(tf_cells a, tf_cells b) {
    return a.cx0 == b.cx0 && a.cx1 == b.cx1 && a.cy0 == b.cy0 && a.cy1 == b.cy1;
}

static bool is_wide(tf_cells c) {
    return (int64_t)(c.cx1 - c.cx0 + 1) * (c.cy1 - c.cy0 + 1) > TF_GRID_WIDE;
}

static uint64_t key_of(const tf_grid *g, int32_t cx, int32_t cy) {
    int32_t x = ((cx % g->ncols) + g->ncols) % g->ncols;
    return (((uint64_t)(uint32_t)cy << 32) | (uint32_t)x) + 1;
}

static size_t hash(uint64_t k, size_t cap) {
    return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static cell *find(const tf_grid *g, uint64_t k) {
    if (!g->cap) return NULL;
    for (size_t i = hash(k, g->cap);; i = (i + 1) & (g->cap - 1)) {
        if (g->t[i].key == k) return &g->t[i];
        if (!g->t[i].key) return NULL;
    }
}

static int grow(tf_grid *g) {
    size_t cap = g->cap ? 2 * g->cap : 1024;
    cell *t = calloc(cap, sizeof *t);
    if (!t) return TR_ENOMEM;
    for (size_t i = 0; i < g->cap; i++) {
        if (!g->t[i].key) continue;
        size_t j = hash(g->t[i].key, cap);
        while (t[j].key)
            j = (j + 1) & (cap - 1);
        t[j] = g->t[i];
    }
    free(g->t);
    g->t = t;
    g->cap = cap;
    return TR_OK;
}

static cell *get(tf_grid *g, uint64_t k) {
    cell *c = find(g, k);
    if (c) return c;
    if ((g->used + 1) * 2 > g->cap && grow(g)) return NULL;
    size_t i = hash(k, g->cap);
    while (g->t[i].key)
        i = (i + 1) & (g->cap - 1);
    g->t[i].key = k;
    g->used++;
    return &g->t[i];
}

static int push(cell *c, uint32_t slot) {
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? 2 * c->cap : 8;
        uint32_t *v = realloc(c->v, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = slot;
    return TR_OK;
}

static void drop(cell *c, uint32_t slot) {
    for (uint32_t i = 0; c && i < c->n; i++)
        if (c->v[i] == slot) {
            c->v[i] = c->v[--c->n];
            return;
        }
}

int tf_grid_add(tf_grid *g, tf_cells c, uint32_t slot) {
    if (is_wide(c)) return push(&g->wide, slot);
    for (int32_t y = c.cy0; y <= c.cy1; y++)
        for (int32_t x = c.cx0; x <= c.cx1; x++) {
            cell *cl = get(g, key_of(g, x, y));
            if (!cl || push(cl, slot)) {
                tf_grid_del(g, c, slot); /* the slot was in no cell before: drop it from those it reached */
                return TR_ENOMEM;
            }
        }
    return TR_OK;
}

void tf_grid_del(tf_grid *g, tf_cells c, uint32_t slot) {
    if (is_wide(c)) {
        drop(&g->wide, slot);
        return;
    }
    for (int32_t y = c.cy0; y <= c.cy1; y++)
        for (int32_t x = c.cx0; x <= c.cx1; x++)
            drop(find(g, key_of(g, x, y)), slot);
}

void tf_grid_query(const tf_grid *g, tf_cells c, void (*fn)(uint32_t slot, void *ctx), void *ctx) {
    for (uint32_t i = 0; i < g->wide.n; i++)
        fn(g->wide.v[i], ctx);
    if (is_wide(c)) { /* a huge query: every cell */
        for (size_t i = 0; i < g->cap; i++)
            for (uint32_t k = 0; g->t[i].key && k < g->t[i].n; k++)
                fn(g->t[i].v[k], ctx);
        return;
    }
    for (int32_t y = c.cy0; y <= c.cy1; y++)
        for (int32_t x = c.cx0; x <= c.cx1; x++) {
            const cell *cl = find(g, key_of(g, x, y));
            for (uint32_t k = 0; cl && k < cl->n; k++)
                fn(cl->v[k], ctx);
        }
}
