/*
 * centre_territory.c — GET /v1/territory (issue 6; docs/territory.md): the control
 * areas in force at one or two instants, as the viewer may see them, handed to the
 * territory engine (engines/territory.h), answered per owner name in km².
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/territory.h"
#include "service/centre_mine.h"

typedef struct collect {
    const tr_party *viewer;
    int64_t t[2]; /* the instants asked about */
    int nt;
    tr_area *areas; /* kept versions (with shapes) */
    size_t n, cap;
    unsigned *when; /* bit k: in force at t[k] */
    tr_err *err;
} collect;

static bool in_force(const tr_area *a, int64_t t) {
    return a->valid_from <= t && t < a->effective_to;
}

static int keep(tr_area *a, void *ctx) {
    collect *c = ctx;
    if (a->kind != AREA_CONTROL || !centre_area_visible(a, c->viewer)) return TR_OK;
    unsigned when = 0;
    for (int k = 0; k < c->nt; k++)
        if (in_force(a, c->t[k])) when |= 1u << k;
    if (!when) return TR_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        tr_area *na = realloc(c->areas, cap * sizeof *na);
        if (na) c->areas = na;
        unsigned *nw = na ? realloc(c->when, cap * sizeof *nw) : NULL;
        if (nw) c->when = nw;
        if (!na || !nw) return tr_fail(c->err, TR_ENOMEM, "", "out of memory");
        c->cap = cap;
    }
    int rc = tr_area_build_shape(a, c->err);
    if (rc) return rc;
    c->areas[c->n] = *a;
    c->when[c->n++] = when;
    memset(a, 0, sizeof *a); /* taken */
    return TR_OK;
}

/* Square kilometres to the whole square metre (areas are geodesic estimates: the digits
 * below a square metre are noise, and would print as such). */
double centre__km2(double m2) {
    return round(m2) / 1e6;
}
#define km2 centre__km2

/* The map at instant k of the collected areas. */
static int map_at(const collect *c, int k, const geo_region *within, terr_map *out, tr_err *err) {
    terr_claim *claims = calloc(c->n + 1, sizeof *claims);
    if (!claims) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->when[i] & (1u << k))
            claims[n++] =
                (terr_claim){c->areas[i].party ? c->areas[i].party : c->areas[i].actor, c->areas[i].shape};
    int rc = terr_map_build(claims, n, within, out, err);
    free(claims);
    return rc;
}

static json_t *map_json(const terr_map *m) {
    json_t *parties = json_object();
    for (size_t i = 0; i < m->n; i++)
        if (m->owners[i].claimed_m2 > 0) /* owners with nothing here (inside `within`) are left out */
            json_object_set_new(parties, m->owners[i].owner,
                                json_pack("{s:f, s:f}", "controlled_km2", km2(m->owners[i].controlled_m2),
                                          "claimed_km2", km2(m->owners[i].claimed_m2)));
    return parties;
}

int centre__area_at(centre *c, const tr_party *viewer, int64_t id, int64_t t, const char *field, tr_area *out,
                    tr_err *err) {
    tr_area a;
    int rc = store_area_get(c->store, id, 0, &a, err);
    if (rc == TR_OK && !centre_area_visible(&a, viewer)) {
        tr_area_clear(&a);
        return tr_fail(err, TR_EINVAL, field, "there is no area %lld", (long long)id);
    }
    if (rc) { /* a missing or hidden area is bad input here, as any unknown reference */
        return rc == TR_ENOTFOUND ? tr_fail(err, TR_EINVAL, field, "there is no area %lld", (long long)id)
                                  : rc;
    }
    for (int v = a.version - 1; v >= 1 && !in_force(&a, t); v--) {
        tr_area older;
        if ((rc = store_area_get(c->store, id, v, &older, err)) == TR_ENOTFOUND) break;
        if (rc) {
            tr_area_clear(&a);
            return rc;
        }
        tr_area_clear(&a);
        a = older;
    }
    rc = tr_area_build_shape(&a, err);
    if (rc)
        tr_area_clear(&a);
    else
        *out = a;
    return rc;
}

int centre__area_region(centre *c, const tr_party *viewer, int64_t id, int64_t t, const char *field,
                        geo_region **out, json_t **desc, tr_err *err) {
    tr_area a;
    int rc = centre__area_at(c, viewer, id, t, field, &a, err);
    if (rc) return rc;
    rc = geo_region_from_shape(a.shape, out, err);
    if (rc == TR_OK)
        *desc = json_pack("{s:I, s:i, s:s, s:f}", "id", (json_int_t)a.id, "version", a.version, "name",
                          a.name, "area_km2", km2(geo_region_area_m2(*out)));
    tr_area_clear(&a);
    return rc;
}

static json_t *change_json(const terr_map *from, const terr_map *to, const terr_delta *d, size_t n,
                           double moved) {
    json_t *parties = json_object();
    for (size_t i = 0; i < n; i++)
        if (d[i].from_m2 > 0 || d[i].to_m2 > 0 || d[i].gained_m2 > 0 || d[i].lost_m2 > 0)
            json_object_set_new(parties, d[i].owner,
                                json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "from_km2", km2(d[i].from_m2),
                                          "to_km2", km2(d[i].to_m2), "controlled_km2", km2(d[i].to_m2),
                                          "change_km2", km2(d[i].to_m2 - d[i].from_m2), "gained_km2",
                                          km2(d[i].gained_m2), "lost_km2", km2(d[i].lost_m2)));
    return json_pack("{s:o, s:f, s:f, s:f, s:f, s:f}", "parties", parties, "changed_hands_km2", km2(moved),
                     "contested_from_km2", km2(from->contested_m2), "contested_to_km2", km2(to->contested_m2),
                     "claimed_from_km2", km2(from->claimed_m2), "claimed_to_km2", km2(to->claimed_m2));
}

int centre_territory(centre *c, const tr_party *viewer, const centre_territory_q *q, json_t **out,
                     tr_err *err) {
    collect col = {.viewer = viewer, .err = err};
    col.nt = q->has_change ? 2 : 1;
    col.t[0] = q->has_change ? q->from : q->at;
    col.t[1] = q->to;
    geo_region *within = NULL;
    json_t *desc = NULL;
    int rc = q->within ? centre__area_region(c, viewer, q->within, q->has_change ? q->from : q->at, "within",
                                             &within, &desc, err)
                       : TR_OK;
    if (rc == TR_OK) rc = store_area_each(c->store, keep, &col, err);
    terr_map m[2] = {{0}, {0}};
    for (int k = 0; rc == TR_OK && k < col.nt; k++)
        rc = map_at(&col, k, within, &m[k], err);
    if (rc == TR_OK && !q->has_change) {
        *out = json_pack("{s:o, s:o, s:f, s:f}", "at", tr_json_time_value(q->at), "parties", map_json(&m[0]),
                         "contested_km2", km2(m[0].contested_m2), "claimed_km2", km2(m[0].claimed_m2));
    } else if (rc == TR_OK) {
        terr_delta *d = NULL;
        size_t n = 0;
        double moved = 0;
        rc = terr_change(&m[0], &m[1], &d, &n, &moved, err);
        if (rc == TR_OK) {
            *out = change_json(&m[0], &m[1], d, n, moved);
            json_object_set_new(*out, "from", tr_json_time_value(q->from));
            json_object_set_new(*out, "to", tr_json_time_value(q->to));
            if (desc) {
                double a = json_real_value(json_object_get(desc, "area_km2"));
                json_object_set_new(*out, "changed_hands_share",
                                    json_real(a > 0 ? round(km2(moved) / a * 1e6) / 1e6 : 0));
            }
        }
        free(d);
    }
    if (rc == TR_OK) json_object_set_new(*out, "within", desc ? json_incref(desc) : json_null());
    json_decref(desc);
    for (int k = 0; k < 2; k++)
        terr_map_clear(&m[k]);
    geo_region_free(within);
    for (size_t i = 0; i < col.n; i++)
        tr_area_clear(&col.areas[i]);
    free(col.areas);
    free(col.when);
    return rc;
}
