/*
 * traffic_objects.c — the objects a track may enter (traffic.h): operation volumes,
 * protected sites and no-strike areas, each a list of parts (footprint, altitude band,
 * window) kept in a grid of their boxes. A part's box is its rings' box, or a disc's centre
 * grown by 5 % more than its radius and 50 m (the path's frame and the disc's differ by
 * less than that near it); paths ask the grid with their own box grown by 50 m.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engines/traffic_int.h"

static void part_release(tf_engine *e, uint32_t ps) {
    tf_part_rec *pr = &e->parts[ps];
    if (!pr->live) return;
    tf_grid_del(e->ogrid, tf_grid_cells(e->ogrid, pr->box), ps);
    free(pr->xy);
    free(pr->starts);
    memset(pr, 0, sizeof *pr);
    if (e->nfree == e->capfree) {
        uint32_t cap = e->capfree ? 2 * e->capfree : 64;
        uint32_t *v = realloc(e->free_parts, cap * sizeof *v);
        if (!v) return; /* the slot is simply not reused */
        e->free_parts = v;
        e->capfree = cap;
    }
    e->free_parts[e->nfree++] = ps;
}

void tf__objects_free(tf_engine *e) {
    for (uint32_t i = 0; i < e->nparts; i++) {
        free(e->parts[i].xy);
        free(e->parts[i].starts);
    }
    for (uint32_t i = 0; i < e->nobjs; i++)
        free(e->objs[i].parts);
    free(e->parts);
    free(e->objs);
    free(e->free_parts);
    tf_idmap_free(&e->omap);
}

static void part_box(const tf_part *p, double box[4]) {
    if (p->circle) {
        double m = p->radius_m * 1.05 + 50, dlat = tf_m_to_dlat(m);
        double dlon = tf_m_to_dlon(m, fabs(p->lat) + dlat);
        box[0] = p->lon - dlon, box[1] = p->lat - dlat, box[2] = p->lon + dlon, box[3] = p->lat + dlat;
        return;
    }
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (uint32_t i = 0; i < p->starts[p->nrings]; i++) {
        box[0] = fmin(box[0], p->xy[2 * i]);
        box[1] = fmin(box[1], p->xy[2 * i + 1]);
        box[2] = fmax(box[2], p->xy[2 * i]);
        box[3] = fmax(box[3], p->xy[2 * i + 1]);
    }
}

/* A free part slot (reused, or new at the end). */
static int part_slot(tf_engine *e, uint32_t *ps) {
    if (e->nfree) {
        *ps = e->free_parts[--e->nfree];
        return TR_OK;
    }
    if (e->nparts == e->capparts) {
        uint32_t cap = e->capparts ? 2 * e->capparts : 64;
        tf_part_rec *v = realloc(e->parts, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        e->parts = v;
        e->capparts = cap;
    }
    *ps = e->nparts++;
    return TR_OK;
}

/* Copies p (its rings too) into a part slot of object os and puts it in the grid. */
static int part_add(tf_engine *e, uint32_t os, const tf_part *p, uint32_t *out) {
    if (!p->circle && (p->nrings == 0 || !p->xy || !p->starts)) return TR_EINVAL;
    tf_part_rec r = {.p = *p, .object = os, .live = true};
    if (!p->circle) {
        size_t npos = p->starts[p->nrings] - p->starts[0];
        r.xy = malloc((2 * npos + 1) * sizeof *r.xy);
        r.starts = malloc((p->nrings + 1) * sizeof *r.starts);
        if (!r.xy || !r.starts) {
            free(r.xy);
            free(r.starts);
            return TR_ENOMEM;
        }
        memcpy(r.xy, p->xy + 2 * p->starts[0], 2 * npos * sizeof *r.xy);
        for (size_t k = 0; k <= p->nrings; k++)
            r.starts[k] = p->starts[k] - p->starts[0];
        r.p.xy = r.xy;
        r.p.starts = r.starts;
    }
    part_box(&r.p, r.box);
    uint32_t ps;
    int rc = part_slot(e, &ps);
    if (rc == TR_OK) {
        memset(&e->parts[ps], 0, sizeof e->parts[ps]); /* not live until it is in the grid */
        rc = tf_grid_add(e->ogrid, tf_grid_cells(e->ogrid, r.box), ps);
    }
    if (rc) {
        free(r.xy);
        free(r.starts);
        return TR_ENOMEM; /* a slot taken stays unused */
    }
    e->parts[ps] = r;
    *out = ps;
    return TR_OK;
}

/* The slot of object (kind, id), created empty when absent. */
static int object_slot(tf_engine *e, tf_kind kind, int64_t id, int32_t owner, uint32_t *os) {
    if (!tf_idmap_get(&e->omap, TF_OBJ_KEY(kind, id), os)) {
        if (e->nobjs == e->capobjs) {
            uint32_t cap = e->capobjs ? 2 * e->capobjs : 64;
            tf_object *v = realloc(e->objs, cap * sizeof *v);
            if (!v) return TR_ENOMEM;
            e->objs = v;
            e->capobjs = cap;
        }
        if (tf_idmap_put(&e->omap, TF_OBJ_KEY(kind, id), e->nobjs)) return TR_ENOMEM;
        memset(&e->objs[e->nobjs], 0, sizeof e->objs[e->nobjs]);
        *os = e->nobjs++;
    }
    tf_object *o = &e->objs[*os];
    o->kind = kind;
    o->id = id;
    o->owner = owner;
    o->live = true;
    return TR_OK;
}

static int object_push_part(tf_engine *e, uint32_t os, const tf_part *p) {
    tf_object *o = &e->objs[os];
    if (o->nparts == o->cap) {
        uint32_t cap = o->cap ? 2 * o->cap : 2;
        uint32_t *v = realloc(o->parts, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        o->parts = v;
        o->cap = cap;
    }
    uint32_t ps;
    int rc = part_add(e, os, p, &ps);
    if (rc == TR_OK) e->objs[os].parts[e->objs[os].nparts++] = ps;
    return rc;
}

static void object_clear_parts(tf_engine *e, uint32_t os) {
    tf_object *o = &e->objs[os];
    for (uint32_t i = 0; i < o->nparts; i++)
        part_release(e, o->parts[i]);
    o->nparts = 0;
}

static int kind_ok(tf_kind kind, tr_err *err) {
    if (kind == TF_OPERATION || kind == TF_SITE || kind == TF_AREA) return TR_OK;
    return tr_fail(err, TR_EINVAL, "kind", "objects are operations, sites or areas");
}

int tf_engine_object_put(tf_engine *e, tf_kind kind, int64_t id, int32_t owner, const tf_part *parts,
                         size_t n, tr_err *err) {
    uint32_t os;
    if (kind_ok(kind, err)) return TR_EINVAL;
    if (object_slot(e, kind, id, owner, &os)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    object_clear_parts(e, os);
    for (size_t i = 0; i < n; i++) {
        int rc = object_push_part(e, os, &parts[i]);
        if (rc) {
            object_clear_parts(e, os);
            e->objs[os].live = false;
            return tr_fail(err, rc, "parts",
                           rc == TR_EINVAL ? "a polygon part needs rings" : "out of memory");
        }
    }
    return TR_OK;
}

static void area_cut(tf_engine *e, uint32_t os, int64_t t) {
    tf_object *o = &e->objs[os];
    for (uint32_t i = 0; i < o->nparts; i++) {
        tf_part *p = &e->parts[o->parts[i]].p;
        if (p->t_end > t) p->t_end = t < p->t_start ? p->t_start : t;
    }
}

void tf_engine_area_cut(tf_engine *e, int64_t id, int64_t t) {
    uint32_t os;
    if (tf_idmap_get(&e->omap, TF_OBJ_KEY(TF_AREA, id), &os)) area_cut(e, os, t);
}

int tf_engine_area_version(tf_engine *e, int64_t id, int32_t owner, const tf_part *part, tr_err *err) {
    uint32_t os;
    if (object_slot(e, TF_AREA, id, owner, &os)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    area_cut(e, os, part->t_start);
    int rc = object_push_part(e, os, part);
    return rc ? tr_fail(err, rc, "part", rc == TR_EINVAL ? "a polygon part needs rings" : "out of memory")
              : TR_OK;
}

void tf_engine_object_remove(tf_engine *e, tf_kind kind, int64_t id) {
    uint32_t os;
    if (!tf_idmap_get(&e->omap, TF_OBJ_KEY(kind, id), &os)) return;
    object_clear_parts(e, os);
    e->objs[os].live = false;
}
