/*
 * shape.c — the geo_shape value: built once from a validated geo_draft, then only
 * read. Building normalises ring orientation to RFC 7946 (shells counter-clockwise,
 * holes clockwise), computes every ring's box and slab index (pip.c) and the
 * geodesic area, so every later query is a pure read of these arrays.
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

static void box_add(geo_box *acc, const geo_box *b) {
    if (b->minx < acc->minx) acc->minx = b->minx;
    if (b->maxx > acc->maxx) acc->maxx = b->maxx;
    if (b->miny < acc->miny) acc->miny = b->miny;
    if (b->maxy > acc->maxy) acc->maxy = b->maxy;
}

/* Fills ring r (positions [a, a + npos) of s->xy): orientation, box, index, area. */
static int ring_init(geo_shape *s, geo_ring *r, size_t a, size_t npos, bool hole) {
    double *xy = s->xy + 2 * a;
    double a2 = planar_area2(xy, npos);
    if (hole ? a2 > 0 : a2 < 0) reverse_ring(xy, npos);
    r->xy = xy;
    r->n = (uint32_t)(npos - 1);
    r->box = ring_box(xy, npos);
    double area = fabs(geo__ring_area_m2(xy, npos - 1));
    s->area_m2 += hole ? -area : area;
    return geo__ring_index(r);
}

int geo__shape_from_draft(geo_draft *d, size_t nvert_input, geo_shape **out, tr_err *err) {
    /* The shape, its rings and its coordinates in one block: a point test then touches
     * one allocation, not three. */
    size_t nr = d->nrings ? d->nrings : 1;
    geo_shape *s = calloc(1, sizeof *s + nr * sizeof(geo_ring) + d->npos * 2 * sizeof(double));
    geo_ring *rings = s ? (geo_ring *)(s + 1) : NULL;
    uint32_t *ring_start = d->ring_start;
    if (s == NULL) {
        geo__draft_free(d);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    s->xy = (double *)(rings + nr);
    memcpy(s->xy, d->xy, d->npos * 2 * sizeof(double));
    free(d->xy);
    s->npos = d->npos;
    s->rings = rings;
    s->nrings = d->nrings;
    s->poly_start = d->poly_start;
    s->npolys = d->npolys;
    s->nvert_input = nvert_input;
    memset(d, 0, sizeof *d);
    int rc = 0;
    for (size_t p = 0; p < s->npolys && rc == 0; p++) {
        for (uint32_t r = s->poly_start[p]; r < s->poly_start[p + 1] && rc == 0; r++) {
            size_t a = ring_start[r], npos = ring_start[r + 1] - a;
            rc = ring_init(s, &rings[r], a, npos, r != s->poly_start[p]);
        }
    }
    free(ring_start);
    if (rc != 0) {
        geo_shape_free(s);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    s->box = rings[0].box;
    for (size_t r = 1; r < s->nrings; r++) box_add(&s->box, &rings[r].box);
    *out = s;
    return 0;
}

void geo_shape_free(geo_shape *s) {
    if (s == NULL) return;
    for (size_t r = 0; r < s->nrings; r++) geo__ring_free(&s->rings[r]);
    /* the rings and coordinates live in s's own block */
    free(s->poly_start);
    free(s);
}

geo_box geo_shape_box(const geo_shape *s) {
    return s->box;
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
    for (size_t r = 0; r < s->nrings; r++) starts[r] = (uint32_t)((s->rings[r].xy - s->xy) / 2);
    starts[s->nrings] = (uint32_t)s->npos;
    *npos = s->npos;
    return s->xy;
}
