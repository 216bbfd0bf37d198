/*
 * centre_dc_areas.c — conflicts of an operation's volume with ceasefire_zone and
 * no_strike areas, by footprint (docs/deconfliction.md §11).
 *
 * 1. Candidates: the attribution engine's index, queried with the footprint's box (a
 *    circle's box is grown conservatively from its geodesic radius and split at the
 *    anti-meridian) and the volume's window: every area version, of any kind, visible to
 *    the submitter, whose box meets it while in force.
 * 2. Exact test: the deconfliction engine's pair test (dc_pair_conflict) with no
 *    separation between the volume and the version's footprint over the version's time in
 *    force — the same geometry as operation x site conflicts: polygons planar in lon/lat
 *    (exact), circles geodesic; touching counts.
 * 3. Conflicts: per area, each run of consecutive versions (one ending when the next
 *    starts) of kind ceasefire_zone or no_strike that meet the footprint is one conflict,
 *    over the part of the volume's window the run is in force.
 * 4. Agreements: those in force during the conflict's window that apply there: no zones
 *    (everywhere), or a zone one of whose versions meets the footprint at the same time
 *    (the area itself, or a region around it) — the point rule of attribution, taken over
 *    the footprint.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "service/centre_dc.h"

#define RHO_MIN_M 6335439.0 /* smallest radius of curvature of WGS 84: a(1 - e^2) */
#define A_M 6378137.0       /* N(phi) >= a, so a parallel's radius is >= a cos(phi) */
#define DEG (180.0 / M_PI)
#define SLACK(x) ((x) * (1 + 1e-9) + 1e-9)

/* Boxes (at most 2) within [-180, 180] covering the volume's footprint. */
static size_t footprint_boxes(const tr_volume *v, geo_box out[2]) {
    geo_box b;
    if (v->outline == TR_OUTLINE_POLYGON) {
        b = (geo_box){INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (size_t i = 0; i < v->nvert; i++) {
            double x = v->vertices[2 * i], y = v->vertices[2 * i + 1];
            b = (geo_box){fmin(b.minx, x), fmin(b.miny, y), fmax(b.maxx, x), fmax(b.maxy, y)};
        }
        out[0] = b; /* polygon edges never cross the anti-meridian (tr_volume_parse) */
        return 1;
    }
    double dlat = SLACK(v->radius_m / RHO_MIN_M * DEG);
    b = (geo_box){v->lng, v->lat - dlat, v->lng, v->lat + dlat};
    double phi = fmax(fabs(b.miny), fabs(b.maxy));
    double dlon = phi < 90 ? SLACK(v->radius_m / (A_M * cos(phi / DEG)) * DEG) : 360;
    if (b.miny <= -90 || b.maxy >= 90 || dlon >= 180) { /* around a pole, or wider than the world */
        out[0] = (geo_box){-180, fmax(b.miny, -90), 180, fmin(b.maxy, 90)};
        return 1;
    }
    b.minx -= dlon;
    b.maxx += dlon;
    if (b.minx < -180) {
        out[0] = (geo_box){-180, b.miny, b.maxx, b.maxy};
        out[1] = (geo_box){b.minx + 360, b.miny, 180, b.maxy};
        return 2;
    }
    if (b.maxx > 180) {
        out[0] = (geo_box){b.minx, b.miny, 180, b.maxy};
        out[1] = (geo_box){-180, b.miny, b.maxx - 360, b.maxy};
        return 2;
    }
    out[0] = b;
    return 1;
}

/* Does the volume's footprint meet span's footprint while both are in force? */
static int span_meets(const dc_volume *q, const geo_box *boxes, size_t nb, const attr_span *sp, bool *meets,
                      tr_err *err) {
    const geo_shape *shape = sp->area->shape;
    size_t nr = geo_shape_ring_count(shape), npos;
    uint32_t *starts = malloc((nr + 1) * sizeof *starts);
    if (!starts) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    dc_volume s = {.t_start = sp->from, .t_end = sp->to, .alt_lo = -INFINITY, .alt_hi = INFINITY};
    s.foot = (dc_footprint){.shape = DC_POLYGON, .ring_start = starts, .nrings = nr};
    s.foot.xy = geo_shape_rings(shape, starts, &npos);
    s.foot.npos = npos;
    dc_sep none = {0, 0};
    int rc = dc_pair_conflict(q, &s, &none, meets, NULL);
    if (rc == TR_EINVAL) { /* an area edge over 180 degrees of longitude: the box test, on the safe side */
        *meets = false;
        for (size_t b = 0; b < nb; b++)
            *meets = *meets || geo_shape_intersects_box(shape, boxes[b]);
        rc = TR_OK;
    }
    free(starts);
    return rc == TR_OK ? TR_OK : tr_fail(err, rc, "", "out of memory");
}

static bool is_conflict_kind(const tr_area *a) {
    return a->kind == AREA_CEASEFIRE_ZONE || a->kind == AREA_NO_STRIKE;
}

/* Is the exact test of span needed: a conflict kind, or a zone of an agreement? */
static bool needed(const attr_window *w, const tr_area *a) {
    if (is_conflict_kind(a)) return true;
    for (size_t g = 0; g < w->nagreements; g++)
        for (size_t z = 0; z < w->agreements[g]->nzones; z++)
            if (w->agreements[g]->zones[z] == a->id) return true;
    return false;
}

/* Does ag apply over [w0, w1): some zone (or none: everywhere) meets the footprint then? */
static bool applies(const tr_agreement *ag, const attr_window *w, const bool *meets, int64_t w0, int64_t w1) {
    int64_t a0 = ag->start > w0 ? ag->start : w0, a1 = ag->end < w1 ? ag->end : w1;
    if (a0 >= a1) return false;
    if (ag->nzones == 0) return true;
    for (size_t z = 0; z < ag->nzones; z++)
        for (size_t i = 0; i < w->nspans; i++)
            if (meets[i] && w->spans[i].area->id == ag->zones[z] && w->spans[i].from < a1 &&
                a0 < w->spans[i].to)
                return true;
    return false;
}

/* Appends the conflict of spans [i, j) (one area's run of versions) over [w0, w1). */
static int add_conflict(const attr_window *w, const bool *meets, size_t i, size_t j, int64_t w0, int64_t w1,
                        size_t vi, json_t *out, tr_err *err) {
    const tr_area *a = w->spans[j - 1].area; /* the latest version names it */
    json_t *versions = json_array(), *names = json_array();
    for (size_t k = i; versions && k < j; k++)
        json_array_append_new(versions, json_integer(w->spans[k].area->version));
    for (size_t g = 0; names && g < w->nagreements; g++)
        if (applies(w->agreements[g], w, meets, w0, w1))
            json_array_append_new(names, json_string(w->agreements[g]->name));
    json_t *x =
        versions && names
            ? json_pack("{s:s, s:I, s:s, s:s, s:o, s:I, s:b, s:o, s:o, s:o}", "type", "area", "id",
                        (json_int_t)a->id, "kind", tr_area_kind_name(a->kind), "name", a->name, "versions",
                        versions, "volume", (json_int_t)vi, "restricted", 0, "agreements", names,
                        "time_start", tr_json_time_value(w0), "time_end", tr_json_time_value(w1))
            : NULL;
    if (x && a->party) json_object_set_new(x, "owner", json_string(a->party)); /* an owning party, if any */
    if (!x || json_array_append_new(out, x)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

int centre_dc_area_conflicts(attr_engine *ae, const tr_party *viewer, const tr_volume *v, size_t vi,
                             json_t *out, tr_err *err) {
    geo_box boxes[2];
    size_t nb = footprint_boxes(v, boxes);
    attr_window w = {0};
    if (attr_engine_window(ae, boxes, nb, v->t_start, v->t_end, viewer, &w)) {
        attr_window_clear(&w);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    dc_volume q;
    dc_volume_from_tr(v, 0, 0, 0, &q);
    bool *meets = calloc(w.nspans + 1, sizeof *meets);
    int rc = meets ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == TR_OK && i < w.nspans; i++)
        if (needed(&w, w.spans[i].area)) rc = span_meets(&q, boxes, nb, &w.spans[i], &meets[i], err);
    for (size_t i = 0; rc == TR_OK && i < w.nspans;) {
        if (!meets[i] || !is_conflict_kind(w.spans[i].area)) {
            i++;
            continue;
        }
        size_t j = i + 1; /* the run: the same area, each version starting when the last ends */
        while (j < w.nspans && meets[j] && is_conflict_kind(w.spans[j].area) &&
               w.spans[j].area->id == w.spans[i].area->id && w.spans[j].from == w.spans[j - 1].to)
            j++;
        int64_t w0 = w.spans[i].from > v->t_start ? w.spans[i].from : v->t_start;
        int64_t w1 = w.spans[j - 1].to < v->t_end ? w.spans[j - 1].to : v->t_end;
        rc = add_conflict(&w, meets, i, j, w0, w1, vi, out, err);
        i = j;
    }
    free(meets);
    attr_window_clear(&w);
    return rc;
}
