/*
 * store_dc_pack.c — an operation's volumes in a compact binary form (migration 0010).
 *
 * Parsing the Volume4D JSON of a million operations at start-up took most of a minute
 * (jansson allocates an object per vertex); this form is read with no allocation but
 * the vertex array. Little-endian, whatever the machine, so the file stays portable:
 *
 *   u32 count, then per volume:
 *     u8 outline (0 circle, 1 polygon), f64 alt_lo, f64 alt_hi, i64 t_start, i64 t_end,
 *     circle:  f64 lng, f64 lat, f64 radius_m
 *     polygon: u32 nvert, nvert x (f64 lng, f64 lat)
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

typedef struct wbuf {
    unsigned char *p;
    size_t len, cap;
    bool failed;
} wbuf;

static void put(wbuf *b, uint64_t v, int bytes) {
    if (b->failed) return;
    if (b->len + (size_t)bytes > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + (size_t)bytes)
            cap *= 2;
        unsigned char *n = realloc(b->p, cap);
        if (!n) {
            b->failed = true;
            return;
        }
        b->p = n;
        b->cap = cap;
    }
    for (int i = 0; i < bytes; i++)
        b->p[b->len++] = (unsigned char)(v >> (8 * i));
}

static void put_f64(wbuf *b, double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    put(b, u, 8);
}

void *store__volumes_pack(const tr_operation *o, size_t *len) {
    wbuf b = {0};
    put(&b, o->nvolumes, 4);
    for (size_t i = 0; i < o->nvolumes; i++) {
        const tr_volume *v = &o->volumes[i];
        put(&b, v->outline == TR_OUTLINE_POLYGON ? 1 : 0, 1);
        put_f64(&b, v->alt_lo);
        put_f64(&b, v->alt_hi);
        put(&b, (uint64_t)v->t_start, 8);
        put(&b, (uint64_t)v->t_end, 8);
        if (v->outline == TR_OUTLINE_POLYGON) {
            put(&b, v->nvert, 4);
            for (size_t k = 0; k < 2 * v->nvert; k++)
                put_f64(&b, v->vertices[k]);
        } else {
            put_f64(&b, v->lng);
            put_f64(&b, v->lat);
            put_f64(&b, v->radius_m);
        }
    }
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

typedef struct rbuf {
    const unsigned char *p;
    size_t len, at;
    bool bad;
} rbuf;

static uint64_t get(rbuf *r, int bytes) {
    if (r->bad || r->at + (size_t)bytes > r->len) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[r->at++] << (8 * i);
    return v;
}

static double get_f64(rbuf *r) {
    uint64_t u = get(r, 8);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

int store__volumes_unpack(const void *data, size_t len, tr_operation *o) {
    rbuf r = {data, len, 0, false};
    size_t n = (size_t)get(&r, 4);
    if (r.bad || n == 0 || n > TR_OPERATION_MAX_VOLUMES) return TR_EIO;
    o->volumes = calloc(n, sizeof *o->volumes);
    if (!o->volumes) return TR_ENOMEM;
    o->nvolumes = n;
    for (size_t i = 0; i < n && !r.bad; i++) {
        tr_volume *v = &o->volumes[i];
        unsigned outline = (unsigned)get(&r, 1);
        v->alt_lo = get_f64(&r);
        v->alt_hi = get_f64(&r);
        v->t_start = (int64_t)get(&r, 8);
        v->t_end = (int64_t)get(&r, 8);
        if (outline == 1) {
            v->outline = TR_OUTLINE_POLYGON;
            v->nvert = (size_t)get(&r, 4);
            if (r.bad || v->nvert < 3 || v->nvert > TR_VOLUME_MAX_VERTICES || 16 * v->nvert > len - r.at) {
                r.bad = true;
                break;
            }
            if (!(v->vertices = malloc(2 * v->nvert * sizeof *v->vertices))) return TR_ENOMEM;
            for (size_t k = 0; k < 2 * v->nvert; k++)
                v->vertices[k] = get_f64(&r);
        } else if (outline == 0) {
            v->outline = TR_OUTLINE_CIRCLE;
            v->lng = get_f64(&r);
            v->lat = get_f64(&r);
            v->radius_m = get_f64(&r);
        } else {
            r.bad = true;
        }
    }
    return r.bad || r.at != len ? TR_EIO : TR_OK;
}
