/*
 * cover.c — geo_cover: one flat grid over many shapes that answers "which shapes cover
 * (x, y)" mostly without reading the shapes (what prepared geometries do per shape,
 * done once for all of them).
 *
 * Layout. The extent of the shapes' boxes is cut into nx x ny cells, each cut again
 * into 4 x 4 sub-cells (the fine grid: 4 nx x 4 ny). A point's fine cell along an axis
 * is fidx(v - min, fs, fn), monotone in v, so every point of the extent falls in
 * exactly one fine cell. Each cell lists, in one contiguous run of entries (one memory
 * wait), the shapes that cover some point of it: the shape's number and per sub-cell
 * whether it is wholly inside, or a boundary sub-cell needing the exact test (a shape
 * covering the whole cell has every inside bit). A shape covering no point of a cell
 * is not listed there.
 *
 * Invariants (construction, per shape, on a raster of its fine cells):
 *  1. A fine cell's rectangle is its nominal lines widened by eps (far more than the
 *     rounding of fidx), so it holds every point whose fine cell it is.
 *  2. A fine cell is boundary when an edge of the shape meets its closed rectangle
 *     (exact orientation tests, geo__segment_meets_box); candidates come from the
 *     edge's rows and its x span in each row, widened by one cell on each side.
 *  3. No edge meets any other fine cell, so each lies wholly inside or wholly outside;
 *     adjacent ones along a row share their side (their union is connected and met by
 *     no edge): one exact test (geo_shape_covers of a corner) per run decides.
 * So the answer is exactly geo_shape_covers for every point: in-list and inside
 * sub-cells need no test, boundary sub-cells get geo_shape_covers itself.
 *
 * Size. The cell size is the smallest whose lists (box incidences) stay within
 * COVER_PER_SHAPE per shape and COVER_MAX_CELLS cells; fine cells no smaller than
 * COVER_MIN_FINE degrees.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo_int.h"

#define COVER_PER_SHAPE 256
#define COVER_MIN_INCIDENCE 4096
#define COVER_MAX_CELLS (1u << 20)
#define COVER_MIN_FINE 1e-7 /* degrees: a fine cell spans 100 times eps */
#define COVER_BATCH 32      /* boundary tests handed to geo_shapes_covering at once */

enum { F_UNKNOWN, F_EDGE, F_IN, F_OUT }; /* a fine cell of a shape's raster */

typedef struct cover_ent {
    uint32_t shape;
    uint16_t in_mask; /* bit 4 * sy + sx: that sub-cell is wholly inside */
    uint16_t bd_mask; /* bit 4 * sy + sx: a boundary sub-cell, test exactly */
} cover_ent;

/* A cell's entry while building: cell number first, for the counting sort. */
typedef struct pair {
    uint32_t cell;
    cover_ent ent;
} pair;

typedef struct pairs {
    pair *p;
    size_t n, cap;
} pairs;

struct geo_cover {
    geo_box ext;
    double fsx, fsy, eps; /* fine cells per degree; widening of a fine cell */
    double fwx, fwy;      /* 1 / fsx, 1 / fsy: a fine cell's width and height */
    uint32_t nx, ny;      /* cells; fine cells are 4 nx x 4 ny */
    uint32_t *at;         /* nx * ny + 1: cell k's entries are ent[at[k] .. at[k + 1]) */
    cover_ent *ent;
    const geo_shape **shape; /* borrowed: the caller keeps them alive */
    size_t nshape, nent;
};

/* A shape's raster while building: fine cells [fx0, fx0 + w) x [fy0, fy0 + h). */
typedef struct raster {
    uint32_t fx0, fy0, w, h;
    uint8_t *f; /* w * h codes, row by row */
    size_t cap;
} raster;

static inline uint32_t fidx(double d, double s, uint32_t n) {
    double t = d * s;
    return t > 0 ? (t < (double)n ? (uint32_t)t : n - 1) : 0;
}

static inline uint32_t fine_x(const geo_cover *c, double x) {
    return fidx(x - c->ext.minx, c->fsx, 4 * c->nx);
}

static inline uint32_t fine_y(const geo_cover *c, double y) {
    return fidx(y - c->ext.miny, c->fsy, 4 * c->ny);
}

/* The widened rectangle of fine cell (i, j) (invariant 1: the lines' rounding, some
 * 1e-14 degrees, is far below eps). */
static geo_box fine_rect(const geo_cover *c, uint32_t i, uint32_t j) {
    geo_box b = {c->ext.minx + i * c->fwx, c->ext.miny + j * c->fwy, c->ext.minx + (i + 1) * c->fwx,
                 c->ext.miny + (j + 1) * c->fwy};
    if (i + 1 == 4 * c->nx) b.maxx = fmax(b.maxx, c->ext.maxx);
    if (j + 1 == 4 * c->ny) b.maxy = fmax(b.maxy, c->ext.maxy);
    return (geo_box){b.minx - c->eps, b.miny - c->eps, b.maxx + c->eps, b.maxy + c->eps};
}

static uint32_t clampu(int64_t v, uint32_t lo, uint32_t hi) {
    return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

/* ---- sizing ---- */

static bool box_ok(const geo_box *b) {
    return isfinite(b->minx) && isfinite(b->miny) && isfinite(b->maxx) && isfinite(b->maxy) &&
           b->minx <= b->maxx && b->miny <= b->maxy;
}

/* Sets c->nx, ny, fsx, fsy for cells of side d; the box incidences they give. */
static size_t try_size(geo_cover *c, double d) {
    double w = c->ext.maxx - c->ext.minx, h = c->ext.maxy - c->ext.miny;
    c->nx = (uint32_t)fmin(fmax(ceil(w / d), 1), 65535);
    c->ny = (uint32_t)fmin(fmax(ceil(h / d), 1), 65535);
    c->fsx = 4 * c->nx / w;
    c->fsy = 4 * c->ny / h;
    c->fwx = 1 / c->fsx;
    c->fwy = 1 / c->fsy;
    size_t inc = 0;
    for (size_t i = 0; i < c->nshape; i++) {
        const geo_box *b = &c->shape[i]->box;
        if (!box_ok(b)) continue;
        size_t cw = (fine_x(c, b->maxx) >> 2) - (fine_x(c, b->minx) >> 2) + 1;
        inc += cw * ((fine_y(c, b->maxy) >> 2) - (fine_y(c, b->miny) >> 2) + 1);
    }
    return inc;
}

/* The smallest cell side within the limits (bisection on a log scale). */
static void plan(geo_cover *c) {
    double w = c->ext.maxx - c->ext.minx, h = c->ext.maxy - c->ext.miny;
    double hi = fmax(w, h), lo = fmax(4 * COVER_MIN_FINE, sqrt(w * h / COVER_MAX_CELLS));
    size_t budget = c->nshape * COVER_PER_SHAPE;
    if (budget < COVER_MIN_INCIDENCE) budget = COVER_MIN_INCIDENCE;
    if (lo < hi && try_size(c, lo) > budget)
        for (int it = 0; it < 30; it++) {
            double mid = sqrt(lo * hi);
            if (try_size(c, mid) > budget)
                lo = mid;
            else
                hi = mid;
        }
    else
        hi = fmin(lo, hi);
    (void)try_size(c, hi);
}

/* ---- one shape ---- */

static inline uint8_t *at(raster *r, uint32_t i, uint32_t j) {
    return &r->f[(size_t)(j - r->fy0) * r->w + (i - r->fx0)];
}

/* The x span of segment e within the y band [y0, y1]. */
static void band_span(const double *e, double y0, double y1, double *lo, double *hi) {
    double x1 = e[0], y1e = e[1], x2 = e[2], y2 = e[3];
    if (y1e == y2) {
        *lo = fmin(x1, x2), *hi = fmax(x1, x2);
        return;
    }
    double ta = fmin(fmax((y0 - y1e) / (y2 - y1e), 0), 1), tb = fmin(fmax((y1 - y1e) / (y2 - y1e), 0), 1);
    double xa = x1 + (x2 - x1) * ta, xb = x1 + (x2 - x1) * tb;
    *lo = fmin(xa, xb), *hi = fmax(xa, xb);
}

/* Marks the fine cells edge e meets (invariant 2). */
static void mark_edge(const geo_cover *c, raster *r, const double *e) {
    uint32_t xmax = r->fx0 + r->w - 1, ymax = r->fy0 + r->h - 1;
    uint32_t j0 = clampu((int64_t)fine_y(c, fmin(e[1], e[3])) - 1, r->fy0, ymax);
    uint32_t j1 = clampu((int64_t)fine_y(c, fmax(e[1], e[3])) + 1, r->fy0, ymax);
    for (uint32_t j = j0; j <= j1; j++) {
        geo_box row = fine_rect(c, r->fx0, j);
        double lo, hi;
        band_span(e, row.miny, row.maxy, &lo, &hi);
        uint32_t i0 = clampu((int64_t)fine_x(c, lo) - 1, r->fx0, xmax);
        uint32_t i1 = clampu((int64_t)fine_x(c, hi) + 1, r->fx0, xmax);
        for (uint32_t i = i0; i <= i1; i++) {
            uint8_t *f = at(r, i, j);
            if (*f == F_EDGE) continue;
            geo_box b = fine_rect(c, i, j);
            if (geo__segment_meets_box(e, &b)) *f = F_EDGE;
        }
    }
}

/* Decides the cells no edge meets, one exact test per run along a row (invariant 3). */
static void fill_runs(const geo_cover *c, raster *r, const geo_shape *s) {
    for (uint32_t j = r->fy0; j < r->fy0 + r->h; j++) {
        uint32_t i = r->fx0, end = r->fx0 + r->w;
        while (i < end) {
            if (*at(r, i, j) == F_EDGE) {
                i++;
                continue;
            }
            geo_box b = fine_rect(c, i, j);
            uint8_t side = geo_shape_covers(s, b.minx, b.miny) ? F_IN : F_OUT;
            for (; i < end && *at(r, i, j) != F_EDGE; i++)
                *at(r, i, j) = side;
        }
    }
}

static int push(pairs *ps, pair p) {
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 4096;
        pair *q = realloc(ps->p, cap * sizeof *q);
        if (!q) return -1;
        ps->p = q;
        ps->cap = cap;
    }
    ps->p[ps->n++] = p;
    return 0;
}

/* Lists shape k in the cells of its raster that it meets. */
static int emit(const geo_cover *c, raster *r, uint32_t k, pairs *ps) {
    for (uint32_t cy = r->fy0 >> 2; cy <= (r->fy0 + r->h - 1) >> 2; cy++)
        for (uint32_t cx = r->fx0 >> 2; cx <= (r->fx0 + r->w - 1) >> 2; cx++) {
            unsigned inm = 0, bdm = 0;
            for (unsigned b = 0; b < 16; b++) {
                uint8_t f = *at(r, 4 * cx + (b & 3), 4 * cy + (b >> 2));
                inm |= (unsigned)(f == F_IN) << b;
                bdm |= (unsigned)(f == F_EDGE) << b;
            }
            if ((inm | bdm) && push(ps, (pair){cy * c->nx + cx, {k, (uint16_t)inm, (uint16_t)bdm}}))
                return -1;
        }
    return 0;
}

/* Classifies shape k: its raster, edges, runs, then its list entries. */
static int add_shape(const geo_cover *c, raster *r, uint32_t k, pairs *ps) {
    const geo_shape *s = c->shape[k];
    if (!box_ok(&s->box)) return 0;
    r->fx0 = fine_x(c, s->box.minx) & ~3u;
    r->fy0 = fine_y(c, s->box.miny) & ~3u;
    r->w = (fine_x(c, s->box.maxx) | 3u) - r->fx0 + 1;
    r->h = (fine_y(c, s->box.maxy) | 3u) - r->fy0 + 1;
    size_t need = (size_t)r->w * r->h;
    if (need > r->cap) {
        free(r->f);
        r->f = malloc(need);
        r->cap = r->f ? need : 0;
        if (!r->f) return -1;
    }
    memset(r->f, F_UNKNOWN, need);
    for (size_t g = 0; g < s->nrings; g++)
        for (uint32_t e = 0; e < s->rings[g].n; e++)
            mark_edge(c, r, s->rings[g].xy + 2 * (size_t)e);
    fill_runs(c, r, s);
    return emit(c, r, k, ps);
}

/* ---- lists ---- */

/* Counting sort of the pairs into the cells' lists (stable: shape order in a cell). */
static int place(geo_cover *c, const pairs *ps) {
    size_t ncell = (size_t)c->nx * c->ny;
    if (ps->n > UINT32_MAX) return -1;
    c->at = calloc(ncell + 1, sizeof *c->at);
    c->ent = malloc((ps->n ? ps->n : 1) * sizeof *c->ent);
    if (!c->at || !c->ent) return -1;
    for (size_t i = 0; i < ps->n; i++)
        c->at[ps->p[i].cell + 1]++;
    for (size_t k = 0; k < ncell; k++)
        c->at[k + 1] += c->at[k];
    for (size_t i = 0; i < ps->n; i++)
        c->ent[c->at[ps->p[i].cell]++] = ps->p[i].ent;
    for (size_t k = ncell; k > 0; k--) /* the fill ran each start ahead */
        c->at[k] = c->at[k - 1];
    c->at[0] = 0;
    c->nent = ps->n;
    return 0;
}

static geo_box shapes_ext(const geo_shape *const *s, size_t n) {
    geo_box e = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
        if (!box_ok(&s[i]->box)) continue;
        e.minx = fmin(e.minx, s[i]->box.minx);
        e.miny = fmin(e.miny, s[i]->box.miny);
        e.maxx = fmax(e.maxx, s[i]->box.maxx);
        e.maxy = fmax(e.maxy, s[i]->box.maxy);
    }
    return e;
}

geo_cover *geo_cover_build(const geo_shape *const *shapes, size_t n) {
    geo_cover *c = calloc(1, sizeof *c);
    pairs ps = {0};
    raster r = {0};
    int rc = -1;
    if (!c || n == 0 || n > UINT32_MAX / 2) goto out;
    c->ext = shapes_ext(shapes, n);
    if (!(c->ext.minx < c->ext.maxx && c->ext.miny < c->ext.maxy)) goto out;
    c->eps = 1e-9 * fmax(1, fmax(fmax(fabs(c->ext.minx), fabs(c->ext.maxx)),
                                 fmax(fabs(c->ext.miny), fabs(c->ext.maxy))));
    c->shape = malloc(n * sizeof *c->shape);
    if (!c->shape) goto out;
    memcpy(c->shape, shapes, n * sizeof *c->shape);
    c->nshape = n;
    plan(c);
    for (size_t k = 0; k < n; k++)
        if (add_shape(c, &r, (uint32_t)k, &ps)) goto out;
    rc = place(c, &ps);
out:
    free(ps.p);
    free(r.f);
    if (rc == 0) return c;
    geo_cover_free(c);
    return NULL;
}

void geo_cover_free(geo_cover *c) {
    if (!c) return;
    free(c->at);
    free(c->ent);
    free(c->shape);
    free(c);
}

size_t geo_cover_bytes(const geo_cover *c) {
    if (!c) return 0;
    return sizeof *c + ((size_t)c->nx * c->ny + 1) * sizeof *c->at + c->nent * sizeof *c->ent +
           c->nshape * sizeof *c->shape;
}

size_t geo_cover_shapes(const geo_cover *c) {
    return c ? c->nshape : 0;
}

/* ---- queries ---- */

/* Exact tests of the boundary candidates s[0..m) (numbers num[]); appends the hits. */
static size_t flush(const geo_shape **s, const uint32_t *num, size_t m, double x, double y, uint32_t *out,
                    size_t cap, size_t n) {
    uint32_t which[COVER_BATCH];
    size_t hit = geo_shapes_covering(s, m, x, y, which);
    for (size_t i = 0; i < hit; i++, n++)
        if (n < cap) out[n] = num[which[i]];
    return n;
}

size_t geo_cover_point(const geo_cover *c, double x, double y, uint32_t *out, size_t cap) {
    if (!(x >= c->ext.minx && x <= c->ext.maxx && y >= c->ext.miny && y <= c->ext.maxy)) return 0;
    uint32_t fx = fine_x(c, x), fy = fine_y(c, y);
    const uint32_t *at = &c->at[(size_t)(fy >> 2) * c->nx + (fx >> 2)];
    unsigned bit = 1u << (4 * (fy & 3) + (fx & 3));
    size_t n = 0, m = 0;
    const geo_shape *s[COVER_BATCH];
    uint32_t num[COVER_BATCH];
    for (const cover_ent *e = c->ent + at[0], *end = c->ent + at[1]; e < end; e++) {
        if (e->in_mask & bit) {
            if (n < cap) out[n] = e->shape;
            n++;
        } else if (e->bd_mask & bit) {
            s[m] = c->shape[e->shape];
            num[m++] = e->shape;
            if (m == COVER_BATCH) n = flush(s, num, m, x, y, out, cap, n), m = 0;
        }
    }
    return m ? flush(s, num, m, x, y, out, cap, n) : n;
}
