/*
 * shape.c — the geo_shape value: built once from a validated geo_draft, then only
 * read. Building normalises ring orientation to RFC 7946 (shells counter-clockwise,
 * holes clockwise), builds the prepared grid (grid.c), computes every ring's box and
 * the geodesic area, so every later query is a pure read of these arrays.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo_int.h"

void geo__draft_free(geo_draft *d) {
    free(d->xy);
    free(d->ring_start);
    free(d->poly_start);
    memset(d, 0, sizeof *d);
}

/* Twice the planar signed area of the closed ring of npos positions (lon/lat). */
static double planar_area2(const double *xy, size_t npos) {
    double sum = 0, x0 = xy[0], y0 = xy[1];
    for (size_t i = 1; i + 1 < npos; i++)
        sum += (xy[2 * i] - x0) * (xy[2 * i + 3] - y0) - (xy[2 * i + 2] - x0) * (xy[2 * i + 1] - y0);
    return sum;
}

static void reverse_ring(double *xy, size_t npos) {
    for (size_t i = 0, j = npos - 1; i < j; i++, j--) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        xy[2 * i] = xy[2 * j];
        xy[2 * i + 1] = xy[2 * j + 1];
        xy[2 * j] = x;
        xy[2 * j + 1] = y;
    }
}

static geo_box ring_box(const double *xy, size_t npos) {
    geo_box b = {xy[0], xy[1], xy[0], xy[1]};
    for (size_t i = 1; i < npos; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (x < b.minx) b.minx = x;
        if (x > b.maxx) b.maxx = x;
        if (y < b.miny) b.miny = y;
        if (y > b.maxy) b.maxy = y;
    }
    return b;
}

/* Normalises the orientation of every ring of d (shells counter-clockwise, holes
 * clockwise) and returns the box of all positions. */
static geo_box orient_rings(geo_draft *d) {
    for (size_t p = 0; p < d->npolys; p++) {
        for (uint32_t r = d->poly_start[p]; r < d->poly_start[p + 1]; r++) {
            double *xy = d->xy + 2 * (size_t)d->ring_start[r];
            size_t npos = d->ring_start[r + 1] - d->ring_start[r];
            double a2 = planar_area2(xy, npos);
            bool hole = r != d->poly_start[p];
            if (hole ? a2 > 0 : a2 < 0) reverse_ring(xy, npos);
        }
    }
    return ring_box(d->xy, d->npos);
}

/* Sets the rings of s (positions in place) from the draft's ring starts, and the area. */
static void set_rings(geo_shape *s, const geo_draft *d) {
    for (size_t p = 0; p < d->npolys; p++) {
        for (uint32_t r = d->poly_start[p]; r < d->poly_start[p + 1]; r++) {
            size_t a = d->ring_start[r], npos = d->ring_start[r + 1] - a;
            geo_ring *g = &s->rings[r];
            g->xy = s->xy + 2 * a;
            g->n = (uint32_t)(npos - 1);
            g->box = ring_box(g->xy, npos);
            double area = fabs(geo__ring_area_m2(g->xy, npos - 1));
            s->area_m2 += r != d->poly_start[p] ? -area : area;
        }
    }
}

static size_t round_up(size_t n, size_t to) {
    return (n + to - 1) / to * to;
}

int geo__shape_from_draft(geo_draft *d, size_t nvert_input, geo_shape **out, tr_err *err) {
    geo_box box = orient_rings(d);
    geo_grid_draft gd;
    geo_shape *s = NULL;
    if (geo__grid_build(d->xy, d->ring_start, d->nrings, box, &gd) == 0) {
        size_t head = round_up(sizeof *s, 16), grid = round_up(gd.bytes, 16);
        size_t rings = round_up(d->nrings * sizeof(geo_ring), 16), xy = d->npos * 16;
        size_t total = round_up(head + grid + rings + xy + (d->npolys + 1) * sizeof(uint32_t), 64);
        s = total <= UINT32_MAX ? aligned_alloc(64, total) : NULL; /* offsets are 32-bit */
        if (s) {
            memset(s, 0, sizeof *s);
            s->bytes = total;
            geo__grid_place(&gd, s, head);
            s->inner = gd.inner;
            s->rings = (geo_ring *)((char *)s + head + grid);
            s->xy = (double *)((char *)s->rings + rings);
            s->grid.xy_at = (uint32_t)(head + grid + rings);
            s->poly_start = (uint32_t *)((char *)s->xy + xy);
        }
        free(gd.mem);
    }
    if (s == NULL) {
        geo__draft_free(d);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    s->box = box;
    memcpy(s->xy, d->xy, d->npos * 2 * sizeof(double));
    s->npos = d->npos;
    s->nrings = d->nrings;
    s->npolys = d->npolys;
    s->nvert_input = nvert_input;
    set_rings(s, d);
    memcpy(s->poly_start, d->poly_start, (d->npolys + 1) * sizeof(uint32_t));
    geo__draft_free(d);
    *out = s;
    return 0;
}

void geo_shape_free(geo_shape *s) {
    if (s == NULL || s->placed) return; /* a placed copy's memory is its placer's */
    free(s); /* the grid, rings, positions and polygon starts live in s's own block */
}

size_t geo_shape_size(const geo_shape *s) {
    return s->bytes;
}

geo_shape *geo_shape_place(const geo_shape *s, void *dst) {
    geo_shape *t = memcpy(dst, s, s->bytes);
    ptrdiff_t delta = (char *)t - (const char *)s;
    t->xy = (double *)((char *)s->xy + delta);
    t->rings = (geo_ring *)((char *)s->rings + delta);
    t->poly_start = (uint32_t *)((char *)s->poly_start + delta);
    for (size_t r = 0; r < t->nrings; r++)
        t->rings[r].xy = (const double *)((const char *)s->rings[r].xy + delta);
    t->placed = true;
    return t;
}

geo_box geo_shape_box(const geo_shape *s) {
    return s->box;
}

geo_box geo_shape_inner_box(const geo_shape *s) {
    return s->inner;
}

double geo_shape_area_m2(const geo_shape *s) {
    return s->area_m2;
}

size_t geo_shape_vertex_count(const geo_shape *s) {
    return s->nvert_input;
}

/* [[lon, lat], ...] of ring r, or NULL when out of memory. */
static json_t *ring_json(const geo_ring *r) {
    json_t *a = json_array();
    for (uint32_t i = 0; a != NULL && i <= r->n; i++) {
        json_t *pos = json_array();
        if (pos != NULL && (json_array_append_new(pos, json_real(r->xy[2 * i])) != 0 ||
                            json_array_append_new(pos, json_real(r->xy[2 * i + 1])) != 0)) {
            json_decref(pos);
            pos = NULL;
        }
        if (json_array_append_new(a, pos) != 0) { /* frees pos; fails on NULL */
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The coordinates of polygon p: [ring, ring, ...], or NULL. */
static json_t *polygon_json(const geo_shape *s, size_t p) {
    json_t *rings = json_array();
    for (uint32_t r = s->poly_start[p]; rings != NULL && r < s->poly_start[p + 1]; r++) {
        if (json_array_append_new(rings, ring_json(&s->rings[r])) != 0) {
            json_decref(rings);
            return NULL;
        }
    }
    return rings;
}

json_t *geo_shape_footprint_geojson(const geo_shape *s) {
    json_t *coords = NULL;
    if (s->npolys == 1) {
        coords = polygon_json(s, 0);
    } else {
        coords = json_array();
        for (size_t p = 0; coords != NULL && p < s->npolys; p++) {
            if (json_array_append_new(coords, polygon_json(s, p)) != 0) {
                json_decref(coords);
                coords = NULL;
            }
        }
    }
    json_t *g = json_object();
    if (g == NULL || coords == NULL) {
        json_decref(g);
        json_decref(coords);
        return NULL;
    }
    const char *type = s->npolys == 1 ? "Polygon" : "MultiPolygon";
    if (json_object_set_new(g, "type", json_string(type)) != 0) {
        json_decref(coords);
        json_decref(g);
        return NULL;
    }
    if (json_object_set_new(g, "coordinates", coords) != 0) { /* takes coords even then */
        json_decref(g);
        return NULL;
    }
    return g;
}

size_t geo_shape_ring_count(const geo_shape *s) {
    return s->nrings;
}

const double *geo_shape_rings(const geo_shape *s, uint32_t *starts, size_t *npos) {
    for (size_t r = 0; r < s->nrings; r++)
        starts[r] = (uint32_t)((s->rings[r].xy - s->xy) / 2);
    starts[s->nrings] = (uint32_t)s->npos;
    *npos = s->npos;
    return s->xy;
}
