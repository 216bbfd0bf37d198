/*
 * index_grid.c — the point grid of a packed geo_index: a flat, nested grid over the
 * packed boxes that answers "which boxes may cover (x, y)" with one or two table
 * lookups and a scan of a short contiguous list (the R-tree needs ~150 box tests per
 * point on the attribution workload, the grid ~20).
 *
 * Invariants:
 *  1. The cell of a coordinate along an axis is grid_index(v - min, s, n), clamped to
 *     [0, n); it is monotone in v. A box is listed in every cell from the cell of its
 *     low corner to the cell of its high corner, so a point inside the box always
 *     finds it in the point's own cell, rounding or not. The same holds inside a cell
 *     that has a grid of its own (a child over the cell's nominal box).
 *  2. Lists hold each box's sides rounded to the nearest float: a filter only (see
 *     geo_pg_entry). The caller checks the exact box (and whether the entry is dead)
 *     for each float hit, or leaves the exact test to its own caller.
 *  3. A cell holding more than PG_SPLIT_MIN boxes gets a child grid when that shortens
 *     its lists by half or more (clusters of small boxes); at most PG_MAX_DEPTH levels.
 *     Every node keeps its cells' lists under PG_MAX_INCIDENCE entries per box (cells
 *     are made coarser otherwise), so the grid stays within a small multiple of n.
 *  4. Only points inside ext (the box of the finite coordinates) are answered; boxes
 *     with a NaN are never listed (they cover no point); callers use the tree elsewhere.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "geo/geo_int.h"

#define PG_CELLS_PER_BOX 0.5
#define PG_SPLIT_MIN 48
#define PG_MAX_DEPTH 3
#define PG_MAX_INCIDENCE 16
#define PG_CHILD UINT32_MAX /* cell.count of a cell with a child grid (cell.start = node) */

typedef struct pg_cell {
    uint32_t start, count; /* entries [start, start + count), or a child node */
} pg_cell;

typedef struct pg_node {
    double minx, miny, sx, sy; /* cell along x: grid_index(x - minx, sx, nx) */
    uint32_t nx, ny;
    size_t cell0; /* its cells: cell[cell0 .. cell0 + nx * ny), row by row */
} pg_node;

struct geo_pgrid {
    geo_box ext;
    pg_node *node;
    size_t nnode, capnode;
    pg_cell *cell;
    size_t ncell, capcell;
    geo_pg_entry *entry;
    size_t nentry, capentry, budget; /* budget: most entries the lists may hold */
};

static inline uint32_t grid_index(double d, double s, uint32_t n) {
    double t = d * s;
    return t > 0 ? (t < (double)n ? (uint32_t)t : n - 1) : 0;
}

static int reserve(void *pp, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(*(void **)pp, n * elem);
    if (!p) return -1;
    *(void **)pp = p;
    *cap = n;
    return 0;
}

/* The cell range of box b in node nd. */
static void cell_range(const pg_node *nd, const geo_box *b, uint32_t c[4]) {
    c[0] = grid_index(b->minx - nd->minx, nd->sx, nd->nx);
    c[1] = grid_index(b->miny - nd->miny, nd->sy, nd->ny);
    c[2] = grid_index(b->maxx - nd->minx, nd->sx, nd->nx);
    c[3] = grid_index(b->maxy - nd->miny, nd->sy, nd->ny);
}

/* Sum of the cells each of the n boxes would be listed in. */
static size_t incidence(const pg_node *nd, const geo_box *boxes, const uint32_t *pos, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c[4];
        cell_range(nd, &boxes[pos[i]], c);
        total += (size_t)(c[2] - c[0] + 1) * (c[3] - c[1] + 1);
    }
    return total;
}

/* A node over ext for n boxes: about n * PG_CELLS_PER_BOX cells shaped like ext,
 * coarser until the lists fit PG_MAX_INCIDENCE per box. Sets *inc. */
static pg_node plan_node(geo_box ext, const geo_box *boxes, const uint32_t *pos, size_t n, size_t *inc) {
    double w = ext.maxx - ext.minx, h = ext.maxy - ext.miny, cells = fmax(1, (double)n * PG_CELLS_PER_BOX);
    double fx = w > 0 && h > 0 ? sqrt(cells * w / h) : (w > 0 ? cells : 1);
    double fy = w > 0 && h > 0 ? sqrt(cells * h / w) : (h > 0 ? cells : 1);
    uint32_t nx = fx > 1 ? (uint32_t)fmin(fx, 65536) : 1, ny = fy > 1 ? (uint32_t)fmin(fy, 65536) : 1;
    for (;;) {
        pg_node nd = {ext.minx, ext.miny, nx > 1 ? nx / w : 0, ny > 1 ? ny / h : 0, nx, ny, 0};
        *inc = incidence(&nd, boxes, pos, n);
        if ((nx == 1 && ny == 1) || *inc <= PG_MAX_INCIDENCE * n + (size_t)nx * ny) return nd;
        nx = nx > 1 ? (uint32_t)(nx * 0.75) : 1; /* 0.56 of the cells */
        ny = ny > 1 ? (uint32_t)(ny * 0.75) : 1;
    }
}

static int build_node(geo_pgrid *g, const geo_box *boxes, const uint32_t *pos, size_t n, geo_box ext,
                      int depth);

/* The nominal box of cell (cx, cy) of nd: what its child grid spans. */
static geo_box cell_box(const pg_node *nd, geo_box ext, uint32_t cx, uint32_t cy) {
    geo_box b = ext;
    if (nd->nx > 1) b.minx = nd->minx + cx / nd->sx, b.maxx = nd->minx + (cx + 1) / nd->sx;
    if (nd->ny > 1) b.miny = nd->miny + cy / nd->sy, b.maxy = nd->miny + (cy + 1) / nd->sy;
    return b;
}

/* Fills cell k (of node nd) with the list pos[0..n): a child grid or entries. */
static int fill_cell(geo_pgrid *g, const geo_box *boxes, const uint32_t *pos, size_t n, size_t k,
                     geo_box cbox, int depth) {
    if (n > PG_SPLIT_MIN && depth + 1 < PG_MAX_DEPTH) {
        int child = build_node(g, boxes, pos, n, cbox, depth + 1);
        if (child == -1) return -1;
        if (child >= 0) {
            g->cell[k] = (pg_cell){(uint32_t)child, PG_CHILD};
            return 0;
        }
    }
    if (reserve(&g->entry, &g->capentry, g->nentry + n, sizeof *g->entry)) return -1;
    g->cell[k] = (pg_cell){(uint32_t)g->nentry, (uint32_t)n};
    for (size_t i = 0; i < n; i++) {
        const geo_box *b = &boxes[pos[i]];
        g->entry[g->nentry++] =
            (geo_pg_entry){(float)b->minx, (float)b->miny, (float)b->maxx, (float)b->maxy, pos[i]};
    }
    return 0;
}

/* Lists of each cell of node `at` (CSR: off[c] .. off[c + 1] in lists). */
static int node_lists(const pg_node *nd, const geo_box *boxes, const uint32_t *pos, size_t n, size_t inc,
                      uint32_t **off_out, uint32_t **lists_out) {
    size_t ncell = (size_t)nd->nx * nd->ny;
    uint32_t *off = calloc(ncell + 1, sizeof *off), *lists = malloc((inc ? inc : 1) * sizeof *lists);
    if (!off || !lists) {
        free(off);
        free(lists);
        return -1;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            uint32_t c[4];
            cell_range(nd, &boxes[pos[i]], c);
            for (uint32_t y = c[1]; y <= c[3]; y++)
                for (uint32_t x = c[0]; x <= c[2]; x++) {
                    size_t k = (size_t)y * nd->nx + x;
                    if (pass == 0)
                        off[k + 1]++;
                    else
                        lists[off[k]++] = pos[i];
                }
        }
        if (pass == 0)
            for (size_t k = 0; k < ncell; k++)
                off[k + 1] += off[k];
    }
    for (size_t k = ncell; k > 0; k--)
        off[k] = off[k - 1]; /* the fill ran each start ahead */
    off[0] = 0;
    *off_out = off;
    *lists_out = lists;
    return 0;
}

/* Builds a node over ext for the boxes pos[0..n); returns its index, -1 when out of
 * memory, -2 when a child (depth > 0) would not shorten the lists or the budget is
 * spent. */
static int build_node(geo_pgrid *g, const geo_box *boxes, const uint32_t *pos, size_t n, geo_box ext,
                      int depth) {
    size_t inc;
    pg_node nd = plan_node(ext, boxes, pos, n, &inc);
    size_t ncell = (size_t)nd.nx * nd.ny;
    if (depth > 0 && (inc * 2 > n * ncell || g->nentry + inc > g->budget)) return -2;
    if (reserve(&g->node, &g->capnode, g->nnode + 1, sizeof *g->node) ||
        reserve(&g->cell, &g->capcell, g->ncell + ncell, sizeof *g->cell))
        return -1;
    nd.cell0 = g->ncell;
    g->ncell += ncell;
    int at = (int)g->nnode++;
    g->node[at] = nd;
    uint32_t *off, *lists;
    if (node_lists(&nd, boxes, pos, n, inc, &off, &lists)) return -1;
    int rc = 0;
    for (uint32_t y = 0; y < nd.ny && rc == 0; y++)
        for (uint32_t x = 0; x < nd.nx && rc == 0; x++) {
            size_t k = (size_t)y * nd.nx + x;
            rc = fill_cell(g, boxes, lists + off[k], off[k + 1] - off[k], nd.cell0 + k,
                           cell_box(&nd, ext, x, y), depth);
        }
    free(off);
    free(lists);
    return rc == 0 ? at : -1;
}

/* The box of the finite coordinates of the boxes without NaN; lists them in pos. */
static geo_box finite_ext(const geo_box *boxes, size_t n, uint32_t *pos, size_t *npos) {
    geo_box e = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    *npos = 0;
    for (size_t i = 0; i < n; i++) {
        const geo_box *b = &boxes[i];
        if (isnan(b->minx) || isnan(b->miny) || isnan(b->maxx) || isnan(b->maxy)) continue;
        pos[(*npos)++] = (uint32_t)i;
        const double v[4] = {b->minx, b->miny, b->maxx, b->maxy};
        for (int k = 0; k < 4; k++) {
            if (!isfinite(v[k])) continue;
            double *lo = k % 2 ? &e.miny : &e.minx, *hi = k % 2 ? &e.maxy : &e.maxx;
            if (v[k] < *lo) *lo = v[k];
            if (v[k] > *hi) *hi = v[k];
        }
    }
    return e;
}

geo_pgrid *geo__pgrid_build(const geo_box *boxes, size_t n) {
    geo_pgrid *g = calloc(1, sizeof *g);
    uint32_t *pos = malloc((n ? n : 1) * sizeof *pos);
    size_t npos = 0;
    if (!g || !pos || n > UINT32_MAX / 2) goto fail;
    g->ext = finite_ext(boxes, n, pos, &npos);
    if (npos == 0 || !(g->ext.minx <= g->ext.maxx && g->ext.miny <= g->ext.maxy)) goto fail;
    g->budget = (size_t)PG_MAX_INCIDENCE * 2 * npos + 1024;
    if (build_node(g, boxes, pos, npos, g->ext, 0) != 0) goto fail;
    free(pos);
    return g;
fail:
    free(pos);
    geo__pgrid_free(g);
    return NULL;
}

void geo__pgrid_free(geo_pgrid *g) {
    if (!g) return;
    TR_FREE(g->node, g->cell, g->entry, g);
}

size_t geo__pgrid_bytes(const geo_pgrid *g) {
    return g ? sizeof *g + g->capnode * sizeof *g->node + g->capcell * sizeof *g->cell +
                   g->capentry * sizeof *g->entry
             : 0;
}

bool geo__pgrid_cell(const geo_pgrid *g, double x, double y, const geo_pg_entry **list, size_t *n) {
    if (!(x >= g->ext.minx && x <= g->ext.maxx && y >= g->ext.miny && y <= g->ext.maxy)) return false;
    const pg_node *nd = g->node;
    for (;;) {
        const pg_cell *c = &g->cell[nd->cell0 + (size_t)grid_index(y - nd->miny, nd->sy, nd->ny) * nd->nx +
                                    grid_index(x - nd->minx, nd->sx, nd->nx)];
        if (c->count != PG_CHILD) {
            *list = g->entry + c->start;
            *n = c->count;
            return true;
        }
        nd = &g->node[c->start];
    }
}
