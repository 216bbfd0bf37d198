/*
 * grid.c — builds a shape's prepared grid (geo_grid in geo_int.h): the cell table that
 * lets geo_shape_covers answer most points with one load and no edge test, and the
 * row lists of edges that answer the others exactly.
 *
 * Construction, for a grid of nx x ny cells over the shape's box:
 *  1. Cell lines. lo[c] is the smallest double whose cell index is c (found by stepping
 *     from the nominal line with nextafter), so the points of cell c are exactly those
 *     with lo[c] <= x < lo[c + 1] (the last cell closed at the box's max). An axis where
 *     a cell has no double of its own (cells finer than the doubles) is refused, and the
 *     grid is rebuilt coarser.
 *  2. Rows. Edge e goes to rows row(ymin(e)) .. row(ymax(e)); sorted in each row by
 *     largest x, descending. Every edge that has a point in the half-open row
 *     [lo[r], lo[r + 1]) is listed, because row() is monotone.
 *  3. Boundary cells. A cell is a boundary cell when one of its row's edges meets the
 *     cell's closed rectangle (exact orientation tests; candidates found by
 *     interpolation, widened by a cell on each side, far more than its rounding).
 *  4. Other cells. No edge meets the connected set of the cell's points, so all of them
 *     lie on one side: the cell's corner (lo[c], lo[r]) decides with an exact ray test,
 *     once per run of such cells (no edge passes between two neighbours of a run).
 *  5. Codes. Inside, outside, or for a boundary cell the number k of leading row edges
 *     whose largest x is >= lo[c]: the others lie left of every point of the cell. A k
 *     too large for a byte becomes "the whole row" (GEO_CELL_ALL).
 *  6. Inner box. The largest rectangle of inside cells (by the histogram method, row by
 *     row): the closure of inside cells is covered (the shape is closed), so every point
 *     of the closed rectangle [lo[c0], lo[c1 + 1]] x [lo[r0], lo[r1 + 1]] is covered.
 * The number of cells is about GRID_CELLS_PER_EDGE per edge (at most GRID_MAX_CELLS),
 * shaped like the box; rows are halved while the row lists would exceed
 * GRID_ROW_BUDGET entries per edge (long edges crossing many rows).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "geo/geo_int.h"

#define GRID_CELLS_PER_EDGE 32
#define GRID_MIN_CELLS 16
#define GRID_MAX_CELLS (1u << 20)
#define GRID_ROW_BUDGET 8
#define GRID_MIN_CELL_DEG 1e-9 /* about 0.1 mm: a cell spans thousands of doubles */
#define GRID_MAX_STEPS 256     /* nextafter steps when placing a cell line */

/* One axis of the grid: n cells from lo[0] (the box's min) to lo[n] (its max). */
typedef struct axis {
    double min, s; /* cell index of v is geo__grid_index(v - min, s, n) */
    uint32_t n;
    double *lo; /* n + 1 lines */
} axis;

static uint32_t axis_index(const axis *a, double v) {
    double d = v - a->min;
    return geo__grid_index(d > 0 ? d : 0, a->s, a->n);
}

/* Sets the lines of a; 0, or -1 when a cell holds no double (cells too fine). */
static int axis_lines(axis *a, double max) {
    a->lo[0] = a->min;
    a->lo[a->n] = max;
    for (uint32_t c = 1; c < a->n; c++) {
        double v = a->min + (double)c / a->s;
        int k = 0;
        while (k < GRID_MAX_STEPS && v > a->min && axis_index(a, v) >= c)
            v = nextafter(v, -INFINITY), k++;
        while (k < GRID_MAX_STEPS && axis_index(a, v) < c)
            v = nextafter(v, INFINITY), k++;
        if (k == GRID_MAX_STEPS || axis_index(a, v) != c || !(v > a->lo[c - 1])) return -1;
        a->lo[c] = v;
    }
    return 0;
}

/* Cell counts for about `cells` cells shaped like the box (w x h degrees). */
static void pick_size(double w, double h, size_t cells, uint32_t *nx, uint32_t *ny) {
    double fx = w > 0 && h > 0 ? sqrt((double)cells * w / h) : (w > 0 ? (double)cells : 1);
    double fy = w > 0 && h > 0 ? sqrt((double)cells * h / w) : (h > 0 ? (double)cells : 1);
    double mx = w / GRID_MIN_CELL_DEG, my = h / GRID_MIN_CELL_DEG;
    fx = fmin(fmin(fmin(fx, mx), (double)cells), UINT16_MAX);
    fy = fmin(fmin(fmin(fy, my), (double)cells), UINT16_MAX);
    *nx = fx >= 1 ? (uint32_t)lround(fx) : 1;
    *ny = fy >= 1 ? (uint32_t)lround(fy) : 1;
}

/* The state of a build: the shape's edges and the grid taking form. */
typedef struct builder {
    const double *xy;
    uint32_t *edge; /* position index of each edge's first endpoint */
    size_t nedge;
    axis x, y;
    uint32_t *row_start, *row_edge;
    size_t nentries;
    uint8_t *boundary; /* ny * nx flags */
    geo_cell *cell;
} builder;

static double edge_maxx(const builder *b, uint32_t e) {
    return fmax(b->xy[2 * e], b->xy[2 * e + 2]);
}

static void edge_rows(const builder *b, uint32_t e, uint32_t *r0, uint32_t *r1) {
    double ya = b->xy[2 * e + 1], yb = b->xy[2 * e + 3];
    *r0 = axis_index(&b->y, ya < yb ? ya : yb);
    *r1 = axis_index(&b->y, ya < yb ? yb : ya);
}

/* Row list entries for the current y axis. */
static size_t count_entries(const builder *b) {
    size_t total = 0;
    for (size_t i = 0; i < b->nedge; i++) {
        uint32_t r0, r1;
        edge_rows(b, b->edge[i], &r0, &r1);
        total += r1 - r0 + 1;
    }
    return total;
}

typedef struct keyed {
    double maxx;
    uint32_t e;
} keyed;

static int cmp_maxx_desc(const void *p, const void *q) {
    double a = ((const keyed *)p)->maxx, c = ((const keyed *)q)->maxx;
    return (a < c) - (a > c);
}

/* Fills row_start and row_edge (allocated to fit), each row sorted by largest x
 * (tmp: nentries scratch entries). */
static void fill_rows(builder *b, keyed *tmp) {
    uint32_t ny = b->y.n;
    memset(b->row_start, 0, (ny + 1) * sizeof *b->row_start);
    for (size_t i = 0; i < b->nedge; i++) {
        uint32_t r0, r1;
        edge_rows(b, b->edge[i], &r0, &r1);
        for (uint32_t r = r0; r <= r1; r++)
            b->row_start[r + 1]++;
    }
    for (uint32_t r = 0; r < ny; r++)
        b->row_start[r + 1] += b->row_start[r];
    for (size_t i = 0; i < b->nedge; i++) { /* row_start[r] runs ahead while filling */
        uint32_t r0, r1, e = b->edge[i];
        edge_rows(b, e, &r0, &r1);
        for (uint32_t r = r0; r <= r1; r++)
            tmp[b->row_start[r]++] = (keyed){edge_maxx(b, e), e};
    }
    for (uint32_t r = ny; r > 0; r--)
        b->row_start[r] = b->row_start[r - 1];
    b->row_start[0] = 0;
    for (uint32_t r = 0; r < ny; r++)
        qsort(tmp + b->row_start[r], b->row_start[r + 1] - b->row_start[r], sizeof *tmp, cmp_maxx_desc);
    for (size_t i = 0; i < b->nentries; i++)
        b->row_edge[i] = tmp[i].e;
}

/* Marks the cells of row r that edge e meets. */
static void mark_edge(builder *b, uint32_t r, uint32_t e) {
    const double *p = b->xy + 2 * (size_t)e;
    double ylo = b->y.lo[r], yhi = b->y.lo[r + 1];
    double xa = p[0], xb = p[2];
    if (p[1] != p[3]) { /* the x-range of the edge inside the row, by interpolation */
        double k = (p[2] - p[0]) / (p[3] - p[1]);
        double ya = fmin(fmax(fmin(p[1], p[3]), ylo), yhi), yb = fmax(fmin(fmax(p[1], p[3]), yhi), ylo);
        xa = p[0] + (ya - p[1]) * k;
        xb = p[0] + (yb - p[1]) * k;
    }
    uint32_t c0 = axis_index(&b->x, fmin(xa, xb)), c1 = axis_index(&b->x, fmax(xa, xb));
    c0 = c0 > 0 ? c0 - 1 : 0;
    c1 = c1 + 1 < b->x.n ? c1 + 1 : b->x.n - 1;
    uint8_t *flag = b->boundary + (size_t)r * b->x.n;
    for (uint32_t c = c0; c <= c1; c++) {
        geo_box box = {b->x.lo[c], ylo, b->x.lo[c + 1], yhi};
        if (!flag[c] && geo__segment_meets_box(p, &box)) flag[c] = 1;
    }
}

/* Ray test of (px, py) against the first n edges of row r: -1 on an edge, else parity. */
static int row_locate(const builder *b, uint32_t r, uint32_t n, double px, double py) {
    unsigned cross = 0;
    const uint32_t *e = b->row_edge + b->row_start[r];
    for (uint32_t i = 0; i < n; i++)
        if (geo__edge_test(b->xy + 2 * (size_t)e[i], px, py, &cross)) return -1;
    return (int)(cross & 1);
}

/* Steps 3 to 5 for row r. */
static void code_row(builder *b, uint32_t r) {
    uint32_t first = b->row_start[r], len = b->row_start[r + 1] - first, k = len, nx = b->x.n;
    for (uint32_t i = first; i < first + len; i++)
        mark_edge(b, r, b->row_edge[i]);
    uint8_t *flag = b->boundary + (size_t)r * nx;
    geo_cell *code = b->cell + (size_t)r * nx;
    int state = -1; /* the side of the current run of cells, -1 between runs */
    for (uint32_t c = 0; c < nx; c++) {
        while (k > 0 && edge_maxx(b, b->row_edge[first + k - 1]) < b->x.lo[c])
            k--;
        if (!flag[c] && state < 0) state = row_locate(b, r, k, b->x.lo[c], b->y.lo[r]);
        if (flag[c] || state < 0) {
            code[c] = k == 0 || k >= GEO_CELL_ALL ? GEO_CELL_ALL : (geo_cell)k;
            state = -1;
        } else {
            code[c] = state ? GEO_CELL_IN : GEO_CELL_OUT;
        }
    }
}

/* The best rectangle of inside cells found so far: columns c0..c1, rows r0..r1. */
typedef struct rect {
    uint32_t c0, c1, r0, r1;
    uint64_t area; /* in cells, 0: none */
} rect;

/* Largest rectangle under the histogram h[0..n) (heights of runs of inside cells ending
 * at row r), into *best when larger. stack: n + 1 scratch entries. */
static void histogram_rect(const uint32_t *h, uint32_t n, uint32_t r, uint32_t *stack, rect *best) {
    uint32_t top = 0;
    for (uint32_t x = 0; x <= n; x++) {
        uint32_t hx = x < n ? h[x] : 0;
        while (top > 0 && h[stack[top - 1]] >= hx) {
            uint32_t height = h[stack[--top]], left = top > 0 ? stack[top - 1] + 1 : 0;
            uint64_t area = (uint64_t)height * (x - left);
            if (height > 0 && area > best->area) *best = (rect){left, x - 1, r + 1 - height, r, area};
        }
        stack[top++] = x;
    }
}

/* Step 6: the closed box of the largest rectangle of inside cells, or an empty box
 * (minx > maxx). */
static geo_box inner_box(const builder *b, geo_box box) {
    uint32_t nx = b->x.n, *h = calloc(nx, sizeof *h), *stack = malloc((nx + 1) * sizeof *stack);
    rect best = {0, 0, 0, 0, 0};
    for (uint32_t r = 0; h && stack && r < b->y.n; r++) {
        for (uint32_t c = 0; c < nx; c++)
            h[c] = b->cell[(size_t)r * nx + c] == GEO_CELL_IN ? h[c] + 1 : 0;
        histogram_rect(h, nx, r, stack, &best);
    }
    free(h);
    free(stack);
    if (best.area == 0) return (geo_box){1, 1, 0, 0};
    return (geo_box){b->x.lo[best.c0], b->y.lo[best.r0], best.c1 + 1 < nx ? b->x.lo[best.c1 + 1] : box.maxx,
                     best.r1 + 1 < b->y.n ? b->y.lo[best.r1 + 1] : box.maxy};
}

/* The shape's edges (every ring's, closing edges included). 0 or -1. */
static int collect_edges(builder *b, const uint32_t *ring_start, size_t nrings) {
    size_t n = 0;
    for (size_t r = 0; r < nrings; r++)
        n += ring_start[r + 1] - ring_start[r] - 1;
    b->edge = malloc((n ? n : 1) * sizeof *b->edge);
    if (!b->edge) return -1;
    for (size_t r = 0; r < nrings; r++)
        for (uint32_t i = ring_start[r]; i + 1 < ring_start[r + 1]; i++)
            b->edge[b->nedge++] = i;
    return 0;
}

/* Places the lines of both axes for nx x ny cells. 0, or -1 with *bad_x / *bad_y
 * saying which axis has cells too fine (or out of memory: both 0). */
static int set_axes(builder *b, geo_box box, uint32_t nx, uint32_t ny, int *bad_x, int *bad_y) {
    free(b->x.lo);
    free(b->y.lo);
    b->x = (axis){box.minx, nx > 1 ? nx / (box.maxx - box.minx) : 0, nx, malloc((nx + 1) * sizeof(double))};
    b->y = (axis){box.miny, ny > 1 ? ny / (box.maxy - box.miny) : 0, ny, malloc((ny + 1) * sizeof(double))};
    *bad_x = *bad_y = 0;
    if (!b->x.lo || !b->y.lo) return -1;
    *bad_x = axis_lines(&b->x, box.maxx) != 0;
    *bad_y = axis_lines(&b->y, box.maxy) != 0;
    return *bad_x || *bad_y ? -1 : 0;
}

/* Chooses nx, ny and the lines: coarser while lines fail or rows overflow the budget.
 * 0 or -1 (out of memory). */
static int plan(builder *b, geo_box box) {
    size_t cells = b->nedge * GRID_CELLS_PER_EDGE;
    cells = cells < GRID_MIN_CELLS ? GRID_MIN_CELLS : cells > GRID_MAX_CELLS ? GRID_MAX_CELLS : cells;
    uint32_t nx, ny;
    pick_size(box.maxx - box.minx, box.maxy - box.miny, cells, &nx, &ny);
    for (;;) {
        int bad_x, bad_y;
        if (set_axes(b, box, nx, ny, &bad_x, &bad_y) != 0) {
            if (!bad_x && !bad_y) return -1;
        } else {
            b->nentries = count_entries(b);
            if (ny == 1 || b->nentries <= GRID_ROW_BUDGET * b->nedge + ny) return 0;
        }
        if (bad_x) nx = nx / 2 ? nx / 2 : 1;
        if (bad_y || !bad_x) ny = ny / 2 ? ny / 2 : 1;
    }
}

static void builder_free(builder *b) {
    TR_FREE(b->edge, b->x.lo, b->y.lo, b->boundary);
}

int geo__grid_build(const double *xy, const uint32_t *ring_start, size_t nrings, geo_box box,
                    geo_grid_draft *out) {
    memset(out, 0, sizeof *out);
    builder b = {.xy = xy};
    keyed *tmp = NULL;
    int rc = TR_ENOMEM;
    if (collect_edges(&b, ring_start, nrings) != 0 || plan(&b, box) != 0) goto out;
    size_t ncell = (size_t)b.x.n * b.y.n;
    size_t cell_bytes = (ncell * sizeof(geo_cell) + 7) & ~(size_t)7;
    out->bytes = cell_bytes + (b.y.n + 1 + b.nentries) * sizeof(uint32_t);
    out->mem = malloc(out->bytes);
    b.boundary = calloc(ncell, 1);
    tmp = malloc((b.nentries ? b.nentries : 1) * sizeof *tmp);
    if (!out->mem || !b.boundary || !tmp) goto out;
    b.cell = out->mem;
    b.row_start = (uint32_t *)((char *)out->mem + cell_bytes);
    b.row_edge = b.row_start + b.y.n + 1;
    fill_rows(&b, tmp);
    for (uint32_t r = 0; r < b.y.n; r++)
        code_row(&b, r);
    out->g = (geo_grid){b.x.s, b.y.s, (uint16_t)b.x.n, (uint16_t)b.y.n, 0, (uint32_t)cell_bytes, 0};
    out->inner = inner_box(&b, box);
    rc = 0;
out:
    if (rc != 0) {
        free(out->mem);
        memset(out, 0, sizeof *out);
    }
    free(tmp);
    builder_free(&b);
    return rc;
}

void geo__grid_place(const geo_grid_draft *d, geo_shape *s, size_t at) {
    memcpy((char *)s + at, d->mem, d->bytes);
    s->grid = d->g;
    s->grid.cell_at += (uint32_t)at;
    s->grid.rows_at += (uint32_t)at;
}
